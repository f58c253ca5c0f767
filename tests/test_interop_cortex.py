"""Issue 16 point 4, Cortex: `layer import --format cortex` and `layer export --format cortex`.

1. A small hand-written Cortex model (tests/fixtures/cortex_small: model.yaml and its CSVs) with each
   construct: imported, loaded, asked in English through the rule planner; rows compared with SQL.
2. The real model in shared/fixtures/cortex-revenue: its defects reported by name, revenue questions
   answered and compared with SQL, the non-unique region key caught by `layer validate`.
3. Round trips: our layers exported to Cortex and imported back are equivalent, or say why not.
4. The CLI: findings printed, exit 0; a missing file or a YAML that is no model: exit 2, no traceback.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest
import sqlglot
import yaml
from sqlglot import exp

from assistant.core.settings import Settings
from assistant.pipeline import Pipeline
from assistant.plan.query import SemanticQuery
from assistant.surfaces.cli.layer_check import check_layer_against_db
from semantic_layer.interop import Finding
from semantic_layer.interop.cortex import read, write
from semantic_layer.interop.folder import write_layer_folder
from semantic_layer.loader import load_layer
from semantic_layer.models import LayerSpec
from tests.test_layer_format import _DATA as FORMAT_DATA

ROOT = Path(__file__).resolve().parents[1]
SMALL = ROOT / "tests" / "fixtures" / "cortex_small"
REVENUE = ROOT.parent / "shared" / "fixtures" / "cortex-revenue"  # issue 16: ../shared beside the repo
FORMAT_LAYER = ROOT / "tests" / "fixtures" / "format_growth" / "layer"
needs_revenue = pytest.mark.skipif(not REVENUE.is_dir(), reason="the shared cortex-revenue fixture is not here")


# ---------------------------------------------------------------------- helpers
def _db(path: Path, ddl: list[str], csvs: dict[str, Path]) -> Path:
    """A DuckDB with the tables of `ddl`, each CSV loaded by position (as Snowflake's COPY does)."""
    con = duckdb.connect(str(path))
    for statement in ddl:
        con.execute(statement)
    for table, csv in csvs.items():
        con.execute(f"INSERT INTO {table} SELECT * FROM read_csv('{csv}', header = true, all_varchar = true)")
    con.close()
    return path


def _import(model: Path, out: Path) -> tuple[Path, list[Finding]]:
    imported = read(model)
    write_layer_folder(imported.spec, out, source=f"cortex {model}", findings=imported.findings)
    load_layer(out)  # what the CLI does next: the written layer loads
    return out, imported.findings


def _rows(rows: Any) -> list[tuple[Any, ...]]:
    def norm(v: Any) -> Any:
        return round(float(v), 4) if isinstance(v, int | float) and not isinstance(v, bool) else str(v)
    return sorted((tuple(norm(v) for v in r) for r in rows), key=repr)


def _gold(db: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return _rows(con.execute(sql).fetchall())


def _ask(db: Path, layer: Path, as_of: str, questions: list[str]) -> dict[str, Any]:
    pipe = Pipeline.from_settings(Settings.load(db=str(db), layer=str(layer), as_of=as_of))
    try:
        return {q: pipe.ask(q) for q in questions}
    finally:
        pipe.close()


def _has(findings: list[Finding], severity: str, item: str, words: str = "") -> bool:
    return any(f.severity == severity and f.item == item and words in f.message for f in findings)


# ---------------------------------------------------------------------- 1. the small model
@pytest.fixture(scope="module")
def small_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _db(tmp_path_factory.mktemp("cortex") / "shop.duckdb", [
        "CREATE TABLE orders (order_id VARCHAR, customer_id VARCHAR, order_date DATE, ship_date DATE, "
        "status VARCHAR, amount DOUBLE, discount DOUBLE, quantity INTEGER)",
        "CREATE TABLE customers (customer_id VARCHAR, customer_name VARCHAR, segment VARCHAR, country VARCHAR)"],
        {"orders": SMALL / "orders.csv", "customers": SMALL / "customers.csv"})


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Finding]]:
    return _import(SMALL / "model.yaml", tmp_path_factory.mktemp("cortex") / "shop")


def test_small_model_maps_each_construct(small: tuple[Path, list[Finding]]) -> None:
    layer = load_layer(small[0])
    orders, customers = layer.tables["orders"], layer.tables["customers"]  # ORDERS lowercased
    assert orders.primary_key == ["order_id"] and customers.primary_key == ["customer_id"]
    assert "Customer" in customers.synonyms.en  # the logical name of physical `customers`
    assert orders.time_column == "order_date" and [r.column for r in orders.time_roles] == ["order_date", "ship_date"]
    assert [(r.from_, r.to, r.cardinality) for r in layer.spec.relationships] == [
        ("orders.customer_id", "customers.customer_id", "many_to_one")]
    assert layer.dimension("order_size").expr == "CASE WHEN amount >= 200 THEN 'large' ELSE 'small' END"
    assert layer.dimension("order_status").column == "status" and "status" in layer.dimension("order_status").synonyms.en
    assert list(layer.dimension("segment").values) == ["consumer", "business"]  # sample values
    assert layer.dimension("order_status").values["cancelled"].synonyms == ["voided orders", "voided"]  # the filter
    assert {m.name: m.agg for m in layer.metric_measures("average_order_value")} == {"average_order_value": "avg"}
    aggs = {layer.measures[m.expr].agg for m in layer.spec.metrics if m.expr in layer.measures}
    assert {"sum", "avg", "max", "min", "count", "count_distinct"} <= aggs
    assert layer.metric("discount_rate").expr == "sum_discount / order_amount"  # a ratio of two measures
    assert layer.measures["net_sales"].expr == "(amount - discount)"  # the fact, inlined
    assert layer.measures["shipped_amount"].filter == "status = 'shipped'"  # SUM(CASE WHEN ...)
    assert "customer_id" not in {d.name for d in layer.spec.dimensions if d.table == "orders"}  # kept once


def test_small_model_reports_what_it_cannot_carry(small: tuple[Path, list[Finding]]) -> None:
    f = small[1]
    for item, words in [("custom_instructions", "prose"), ("tables.orders.measures.median_order", "median"),
                        ("tables.orders.metrics.amount_spread", "STDDEV"),
                        ("tables.orders.filters.big_discount", "no named filters"),
                        ("verified_queries.net sales by segment", "a metric")]:
        assert _has(f, "unsupported", item, words), (item, [str(x) for x in f])
    assert _has(f, "guess", "tables.orders.time_dimensions", "'order_date' (the first)")
    assert _has(f, "guess", "tables.orders.filters.voided_orders")
    # Nothing dropped in silence: every named item of the model is in the layer or in a finding.
    model = yaml.safe_load((SMALL / "model.yaml").read_text(encoding="utf-8"))
    layer = load_layer(small[0])
    known = {*layer.dimensions, *layer.metrics, *layer.measures, *(c for t in layer.spec.tables
                                                                   for c in t.time_columns())}
    inlined = {"net_amount", "discount"}  # facts aggregated by the metrics net_sales and discount_rate
    for t in model["tables"]:
        for section in ("dimensions", "time_dimensions", "measures", "facts", "metrics", "filters"):
            for entry in t.get(section) or []:
                item = f"tables.{t['name']}.{section}.{entry['name']}"
                assert entry["name"] in known | inlined or any(x.item.startswith(item) for x in f), item


SMALL_ASKED = [
    ("order amount by segment", "SELECT c.segment, SUM(o.amount) FROM orders o JOIN customers c USING (customer_id) "
                                "GROUP BY 1"),
    ("net sales by country", "SELECT c.country, SUM(o.amount - o.discount) FROM orders o JOIN customers c "
                             "USING (customer_id) GROUP BY 1"),
    ("discount rate by order status", "SELECT status, SUM(discount) / SUM(amount) FROM orders GROUP BY 1"),
    ("average order value by segment", "SELECT c.segment, AVG(o.amount) FROM orders o JOIN customers c "
                                       "USING (customer_id) GROUP BY 1"),
    ("order amount for large orders", "SELECT SUM(amount) FROM orders WHERE amount >= 200"),
    ("order amount in March 2025", "SELECT SUM(amount) FROM orders WHERE order_date BETWEEN '2025-03-01' "
                                   "AND '2025-03-31'"),
    ("order amount dispatched in March 2025", "SELECT SUM(amount) FROM orders WHERE ship_date BETWEEN "
                                              "'2025-03-01' AND '2025-03-31'"),
    ("order amount of voided orders", "SELECT SUM(amount) FROM orders WHERE status = 'cancelled'"),
    ("shipped amount", "SELECT SUM(amount) FROM orders WHERE status = 'shipped'"),
    ("units by country", "SELECT c.country, SUM(o.quantity) FROM orders o JOIN customers c USING (customer_id) "
                         "GROUP BY 1"),
    ("buyers", "SELECT COUNT(DISTINCT customer_id) FROM orders"),
    ("number of orders by segment", "SELECT c.segment, COUNT(*) FROM orders o JOIN customers c USING (customer_id) "
                                    "GROUP BY 1"),
    ("Which customers spent the most?", "SELECT c.customer_name, SUM(o.amount) FROM orders o JOIN customers c "
                                        "USING (customer_id) GROUP BY 1"),  # the verified query
]


def test_small_model_answers_through_the_rule_planner(small: tuple[Path, list[Finding]], small_db: Path) -> None:
    answers = _ask(small_db, small[0], "2025-04-30", [q for q, _ in SMALL_ASKED])
    for question, gold in SMALL_ASKED:
        answer = answers[question]
        assert answer.status == "ok", (question, answer.message)
        assert _rows(answer.rows) == _gold(small_db, gold), (question, answer.sql)
    assert answers["Which customers spent the most?"].message.startswith("Verified query")


def test_small_model_min_max_and_validate(small: tuple[Path, list[Finding]], small_db: Path) -> None:
    pipe = Pipeline.from_settings(Settings.load(db=str(small_db), layer=str(small[0]), as_of="2025-04-30"))
    try:
        got = pipe.run_sql(pipe.compile(SemanticQuery(metrics=["largest_order", "smallest_order"],
                                                      dimensions=["segment"])).tree).rows
    finally:
        pipe.close()
    assert _rows(got) == _gold(small_db, "SELECT c.segment, MAX(o.amount), MIN(o.amount) FROM orders o "
                                         "JOIN customers c USING (customer_id) GROUP BY 1")
    assert check_layer_against_db(str(small[0]), str(small_db))[0] == []


# ---------------------------------------------------------------------- 2. the revenue model
@pytest.fixture(scope="module")
def revenue_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tables of create_snowflake_objects.sql (Snowflake types in DuckDB's words), CSVs by position."""
    text = (REVENUE / "create_snowflake_objects.sql").read_text(encoding="utf-8")
    ddl = []
    for statement in re.findall(r"CREATE OR REPLACE TABLE[^;]+;", text):
        tree = sqlglot.parse_one(statement, read="snowflake")
        tree.this.this.set("db", None)
        tree.this.this.set("catalog", None)
        tree.set("replace", False)
        ddl.append(tree.sql(dialect="duckdb"))
    data = REVENUE / "data"
    return _db(tmp_path_factory.mktemp("revenue") / "revenue.duckdb", ddl, {
        "daily_revenue": data / "daily_revenue.csv", "product_dim": data / "product.csv",
        "region_dim": data / "region.csv"})


@pytest.fixture(scope="module")
def revenue(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Finding]]:
    return _import(REVENUE / "revenue_timeseries.yaml", tmp_path_factory.mktemp("revenue") / "layer")


@needs_revenue
def test_revenue_import_reports_its_defects(revenue: tuple[Path, list[Finding]]) -> None:
    f = revenue[1]
    assert _has(f, "defect", "tables.product_dimension", "repeats base table product_dim")
    assert _has(f, "unsupported", "tables.product_dimension.dimensions.product_line.cortex_search_service")
    assert _has(f, "guess", "tables.daily_revenue.measures.daily_profit", "sum of revenue - cogs")
    # Verified SQL over logical names (daily_cogs, daily_revenue as a column) rewritten over columns.
    assert _has(f, "defect", "verified_queries.daily cumulative expenses in 2023 dec", "(daily_cogs = cogs)")
    assert _has(f, "defect", "verified_queries.lowest revenue each month", "(daily_revenue = revenue)")
    layer = load_layer(revenue[0])
    assert sorted(layer.tables) == ["daily_revenue", "product_dim", "region_dim"]
    assert all("daily_cogs" not in (q.sql or "") for q in layer.spec.verified_queries)


REVENUE_ASKED = [
    ("total revenue last month", "SELECT SUM(revenue) FROM daily_revenue WHERE date BETWEEN '2024-10-01' "
                                 "AND '2024-10-31'"),
    ("revenue by product line", "SELECT p.product_line, SUM(d.revenue) FROM daily_revenue d "
                                "JOIN product_dim p USING (product_id) GROUP BY 1"),
    ("daily revenue trend last month", "SELECT date, SUM(revenue) FROM daily_revenue WHERE date BETWEEN "
                                       "'2024-10-01' AND '2024-10-31' GROUP BY 1"),
    ("cogs", "SELECT SUM(cogs) FROM daily_revenue"),
    ("cogs by month in 2024", "SELECT CAST(DATE_TRUNC('month', date) AS DATE), SUM(cogs) FROM daily_revenue "
                              "WHERE year(date) = 2024 GROUP BY 1"),
    ("profit last year", "SELECT SUM(revenue - cogs) FROM daily_revenue WHERE year(date) = 2023"),
    ("absolute error by product line", "SELECT p.product_line, AVG(ABS(d.forecasted_revenue - d.revenue)) "
                                       "FROM daily_revenue d JOIN product_dim p USING (product_id) GROUP BY 1"),
    ("For each month, what was the lowest daily revenue and on what date did that lowest revenue occur?",
     "SELECT DATE_TRUNC('month', date), MIN(revenue), arg_min(date, revenue) FROM daily_revenue GROUP BY 1"),
]


@needs_revenue
def test_revenue_questions_match_hand_written_sql(revenue: tuple[Path, list[Finding]], revenue_db: Path) -> None:
    answers = _ask(revenue_db, revenue[0], "2024-11-08", [q for q, _ in REVENUE_ASKED])
    for question, gold in REVENUE_ASKED:
        answer = answers[question]
        assert answer.status == "ok", (question, answer.message)
        assert _rows(answer.rows) == _gold(revenue_db, gold), (question, answer.sql)


@needs_revenue
def test_revenue_verified_query_with_a_period_is_used_on_its_day(revenue: tuple[Path, list[Finding]],
                                                                 revenue_db: Path) -> None:
    question = "daily cumulative expenses in 2023 dec"  # verified_at 1714752498: 2024-05-03
    answer = _ask(revenue_db, revenue[0], "2024-05-03", [question])[question]
    assert answer.status == "ok" and answer.message.startswith("Verified query"), answer.message
    assert _rows(answer.rows) == _gold(revenue_db, "SELECT date, SUM(cogs) OVER (ORDER BY date) FROM daily_revenue "
                                                   "WHERE date BETWEEN '2023-12-01' AND '2023-12-31'")


@needs_revenue
def test_revenue_non_unique_region_key(revenue: tuple[Path, list[Finding]], revenue_db: Path,
                                       tmp_path: Path) -> None:
    """The import cannot see data, so it keeps the declared many-to-one; `layer validate` flags
    the key. Unfixed, revenue by region would count each day five times (one row per state)."""
    problems, _ = check_layer_against_db(str(revenue[0]), str(revenue_db))
    assert any("region_dim" in p and "daily_revenue.region_id -> region_dim.region_id" in p and "not unique" in p
               for p in problems), problems
    truth = _gold(revenue_db, "SELECT s, SUM(r) FROM (SELECT DISTINCT region_id, sales_region AS s FROM region_dim) "
                              "g JOIN (SELECT region_id, revenue AS r FROM daily_revenue) d USING (region_id) GROUP BY 1")
    q = "revenue by sales region"
    unfixed = _ask(revenue_db, revenue[0], "2024-11-08", [q])[q]
    assert [r[1] for r in _rows(unfixed.rows)] == [round(5 * r[1], 4) for r in truth]  # what validate prevents
    # The fix validate points to: no key where there is none, the relationship many_to_many.
    spec = yaml.safe_load((revenue[0] / "layer.yaml").read_text(encoding="utf-8"))
    next(t for t in spec["tables"] if t["name"] == "region_dim").pop("primary_key")
    next(r for r in spec["relationships"] if r["to"] == "region_dim.region_id")["cardinality"] = "many_to_many"
    fixed = tmp_path / "fixed"
    fixed.mkdir()
    (fixed / "layer.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    assert check_layer_against_db(str(fixed), str(revenue_db))[0] == []
    refused = _ask(revenue_db, fixed, "2024-11-08", [q])[q]
    assert refused.status != "ok" and not refused.rows  # not answered rather than multiplied
    # A layer can answer it right: the regions as a derived table, one row per region id.
    spec["tables"].append({"name": "sales_regions", "sql": "SELECT DISTINCT region_id, sales_region FROM region_dim",
                           "primary_key": ["region_id"], "columns": {"region_id": "BIGINT", "sales_region": "VARCHAR"}})
    next(d for d in spec["dimensions"] if d["name"] == "sales_region")["table"] = "sales_regions"
    spec["relationships"].append({"from": "daily_revenue.region_id", "to": "sales_regions.region_id"})
    (fixed / "layer.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    right = _ask(revenue_db, fixed, "2024-11-08", [q])[q]
    assert right.status == "ok" and _rows(right.rows) == truth


# ---------------------------------------------------------------------- 3. round trips
_CORTEX_KEYS = {"name", "description", "synonyms", "base_table", "primary_key", "dimensions", "time_dimensions",
                "facts", "metrics", "expr", "data_type", "unique", "sample_values", "access_modifier", "tables",
                "relationships", "verified_queries", "left_table", "right_table", "relationship_columns",
                "left_column", "right_column", "join_type", "relationship_type", "question", "sql", "verified_at",
                "database", "schema", "table", "definition", "columns"}


def _keys(node: Any) -> set[str]:
    if isinstance(node, dict):
        return set(node) | {k for v in node.values() for k in _keys(v)}
    return {k for v in node for k in _keys(v)} if isinstance(node, list) else set()


def _canon(spec: LayerSpec) -> dict[str, Any]:
    """What the two layers must share; measures named by what they compute, not by their names."""
    rule = {m.name: repr((m.table, m.agg, m.expr, m.filter)) for m in spec.measures}
    def metric(expr: str) -> str:
        tree = sqlglot.parse_one(expr, read="duckdb")
        return tree.transform(lambda n: exp.Literal.string(rule[n.name]) if isinstance(n, exp.Column) else n).sql()
    return {"tables": sorted((t.name, tuple(t.primary_key), t.source, t.where, t.time_column,
                              tuple(r.column for r in t.time_roles)) for t in spec.tables),
            "relationships": sorted((r.from_, r.to, r.cardinality) for r in spec.relationships),
            "dimensions": sorted((d.name, d.table, d.column, d.expr, tuple(d.values)) for d in spec.dimensions),
            "metrics": {m.name: metric(m.expr) for m in spec.metrics},
            "verified": sorted((q.question, q.sql or "", q.as_of or "") for q in spec.verified_queries)}


def _round_trip(layer_dir: Path, tmp_path: Path) -> tuple[Path, list[Finding], Path, list[Finding]]:
    exported = write(load_layer(layer_dir), tmp_path / "model.yaml")
    assert _keys(yaml.safe_load(exported.files[0].read_text(encoding="utf-8"))) <= _CORTEX_KEYS  # the spec's keys
    back, findings = _import(exported.files[0], tmp_path / "back")
    return exported.files[0], exported.findings, back, findings


def _same_results(db: Path, a: Path, b: Path, queries: list[SemanticQuery]) -> None:
    for layer_dir in (a, b):
        pipe = Pipeline.from_settings(Settings.load(db=str(db), layer=str(layer_dir)))
        try:
            rows = [_rows(pipe.run_sql(pipe.compile(q).tree).rows) for q in queries]
        finally:
            pipe.close()
        if layer_dir == a:
            first = rows
    assert rows == first


def test_round_trip_of_the_cortex_import_is_exact(small: tuple[Path, list[Finding]], small_db: Path,
                                                  tmp_path: Path) -> None:
    _, out, back, _ = _round_trip(small[0], tmp_path)
    assert _canon(load_layer(back).spec) == _canon(load_layer(small[0]).spec)
    assert _has(out, "unsupported", "dimensions.order_status", "value synonyms")  # the named filter's words
    _same_results(small_db, small[0], back, [SemanticQuery(metrics=[m], dimensions=["segment"]) for m in
                                             ("order_amount", "net_sales", "discount_rate", "shipped_amount",
                                              "ordering_customers", "order_count", "largest_order")])


def test_round_trip_of_the_format_layer(tmp_path: Path) -> None:
    db = tmp_path / "insurance.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute(FORMAT_DATA)
    model, out, back, _ = _round_trip(FORMAT_LAYER, tmp_path)
    left_out = {"active_claims", "loss_payments_total", "unpaid_claims", "loss_ratio"}  # join filter, EXISTS
    assert all(_has(out, "unsupported", f"metrics.{m}", "left out") for m in left_out)
    for item, words in [("units", "usd"), ("labels", "dimensions.agent"), ("dimensions.agent", "key column"),
                        ("tables.policy_agent", "definition")]:
        assert any(f.item == item and words in f.message for f in out), (item, [str(f) for f in out])
    a, b = _canon(load_layer(FORMAT_LAYER).spec), _canon(load_layer(back).spec)
    assert a["tables"] == b["tables"] and a["relationships"] == b["relationships"]  # role tables as queries
    assert [d[:4] for d in a["dimensions"]] == [d[:4] for d in b["dimensions"]]
    assert set(b["metrics"]) == set(a["metrics"]) - left_out
    kept = sorted(b["metrics"])
    _same_results(db, FORMAT_LAYER, back, [SemanticQuery(metrics=[m]) for m in kept]
                  + [SemanticQuery(metrics=["claim_total"], dimensions=[d]) for d in ("agent", "claim_size", "region")])
    assert "<DATABASE>" in model.read_text(encoding="utf-8")


# ---------------------------------------------------------------------- 4. the CLI
def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    # The installed command: main.py registers `layer import/export` after its `__main__` block, so
    # `python -m assistant.surfaces.cli.main layer import` does not know them.
    exe = Path(sys.executable).parent / "factory-assistant"
    return subprocess.run([str(exe), *args], capture_output=True, text=True, cwd=ROOT, timeout=300)


def test_cli_import_and_export(tmp_path: Path) -> None:
    done = _cli("layer", "import", "--format", "cortex", str(SMALL / "model.yaml"), "--out", str(tmp_path / "l"))
    assert done.returncode == 0, done.stderr
    assert "tables.orders.measures.median_order" in done.stdout and "finding(s)" in done.stdout
    done = _cli("layer", "export", "--format", "cortex", "--layer", str(tmp_path / "l"), "--out",
                str(tmp_path / "m.yaml"))
    assert done.returncode == 0 and (tmp_path / "m.yaml").is_file(), done.stderr


@pytest.mark.parametrize("source", ["missing.yaml", "tests/fixtures/format_growth/layer/layer.yaml", "broken"])
def test_cli_import_refuses_what_is_no_model(tmp_path: Path, source: str) -> None:
    path = ROOT / source
    if source == "broken":
        path = tmp_path / "broken.yaml"
        path.write_text("tables: [", encoding="utf-8")
    done = _cli("layer", "import", "--format", "cortex", str(path), "--out", str(tmp_path / "l"))
    assert done.returncode == 2 and "Traceback" not in done.stderr + done.stdout
    assert ("does not exist" if source == "missing.yaml" else "Cortex Analyst semantic model") in done.stderr
