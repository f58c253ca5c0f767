"""Issue 16, point 1: the layer format expresses ordinary schemas, and what it cannot honour
fails at load.

The fixture layer (tests/fixtures/format_growth) is a small insurance model using each new
construct. Every compiled query passes the product's guard and runs on a tiny DuckDB; its rows
are compared with hand-written SQL over the same data.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from assistant.core.settings import Settings
from assistant.core.units import format_value
from assistant.pipeline import Pipeline
from assistant.plan.query import Filter, SemanticQuery, TimeRange
from assistant.sql.executor import Executor
from semantic_layer.errors import LayerError
from semantic_layer.loader import load_layer

LAYER_DIR = Path(__file__).resolve().parent / "fixtures" / "format_growth" / "layer"

_DATA = """
CREATE TABLE policies (policy_id VARCHAR, status VARCHAR, region VARCHAR, premium DOUBLE,
                       effective_date DATE, expiration_date DATE);
INSERT INTO policies VALUES
  ('P1', 'active', 'north', 1200, DATE '2025-01-10', DATE '2026-01-09'),
  ('P2', 'lapsed', 'north',  800, DATE '2025-02-01', DATE '2025-12-31'),
  ('P3', 'active', 'south', 1500, DATE '2025-03-05', DATE '2026-03-04'),
  ('P4', 'active', 'south',  600, DATE '2025-05-20', DATE '2025-11-19');
CREATE TABLE claims (claim_id VARCHAR, policy_id VARCHAR, amount DOUBLE, opened_date DATE, closed_date DATE);
INSERT INTO claims VALUES
  ('C1', 'P1',  500, DATE '2025-03-01', DATE '2025-04-02'),
  ('C2', 'P1', 2500, DATE '2025-04-15', DATE '2025-06-01'),
  ('C3', 'P2',  300, DATE '2025-04-20', DATE '2025-04-25'),
  ('C4', 'P3', 1800, DATE '2025-06-03', DATE '2025-08-30'),
  ('C5', 'P4',  150, DATE '2025-06-10', DATE '2025-06-12'),
  ('C6', 'P3',  900, DATE '2025-07-01', DATE '2025-07-20');
CREATE TABLE loss_payments (claim_id VARCHAR, paid_date DATE);
INSERT INTO loss_payments VALUES ('C1', DATE '2025-04-01'), ('C2', DATE '2025-05-30'), ('C4', DATE '2025-08-29');
CREATE TABLE parties (party_id VARCHAR, party_name VARCHAR, kind VARCHAR);
INSERT INTO parties VALUES ('A1', 'Ada Agent', 'agent'), ('A2', 'Bo Broker', 'agent'),
  ('H1', 'Hal Holder', 'person'), ('H2', 'Hedy Holder', 'person'), ('H3', 'Acme Ltd', 'company');
CREATE TABLE policy_parties (policy_id VARCHAR, party_id VARCHAR, role_code VARCHAR);
INSERT INTO policy_parties VALUES
  ('P1', 'A1', 'AG'), ('P1', 'H1', 'PH'), ('P2', 'A1', 'AG'), ('P2', 'H2', 'PH'),
  ('P3', 'A2', 'AG'), ('P3', 'H3', 'PH'), ('P4', 'A2', 'AG'), ('P4', 'H1', 'PH');
"""


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("format") / "insurance.duckdb"
    con = duckdb.connect(str(path))
    con.execute(_DATA)
    con.close()
    return path


@pytest.fixture(scope="module")
def pipe(db: Path) -> Pipeline:
    settings = Settings.load(db=str(db), layer=str(LAYER_DIR))
    return Pipeline(load_layer(LAYER_DIR), Executor.from_settings(settings), settings=settings)


def _rows(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    def norm(v: Any) -> Any:
        return round(float(v), 6) if isinstance(v, (int, float)) and not isinstance(v, bool) else v
    return sorted((tuple(norm(v) for v in r) for r in rows), key=repr)


def _check(pipe: Pipeline, db: Path, query: SemanticQuery, gold: str) -> None:
    compiled = pipe.compile(query)
    got = pipe.run_sql(compiled.tree).rows  # through the guard, like every statement
    con = duckdb.connect(str(db), read_only=True)
    try:
        want = con.execute(gold).fetchall()
    finally:
        con.close()
    assert _rows(got) == _rows(want), compiled.sql()


H1_2025 = TimeRange(start=dt.date(2025, 1, 1), end=dt.date(2025, 6, 30))

CASES: list[tuple[str, SemanticQuery, str]] = [
    ("filter through a many-to-one join", SemanticQuery(metrics=["active_claims"]),
     "SELECT SUM(c.amount) FROM claims c JOIN policies p USING (policy_id) WHERE p.status = 'active'"),
    ("join filter, by a dimension on another path", SemanticQuery(metrics=["active_claims"], dimensions=["agent"]),
     """SELECT a.party_name, SUM(c.amount) FROM claims c JOIN policies p USING (policy_id)
        JOIN policy_parties pp ON pp.policy_id = p.policy_id AND pp.role_code = 'AG'
        JOIN parties a ON a.party_id = pp.party_id WHERE p.status = 'active' GROUP BY 1"""),
    ("membership (EXISTS)", SemanticQuery(metrics=["loss_payments_total"]),
     "SELECT SUM(amount) FROM claims WHERE claim_id IN (SELECT claim_id FROM loss_payments)"),
    ("membership absent (NOT EXISTS), by region", SemanticQuery(metrics=["unpaid_claims"], dimensions=["region"]),
     """SELECT p.region, SUM(c.amount) FROM claims c JOIN policies p USING (policy_id)
        WHERE c.claim_id NOT IN (SELECT claim_id FROM loss_payments) GROUP BY 1"""),
    ("two measures with different memberships in one fact",
     SemanticQuery(metrics=["loss_payments_total", "unpaid_claims", "claim_total"]),
     """SELECT SUM(CASE WHEN lp.claim_id IS NOT NULL THEN amount END), SUM(CASE WHEN lp.claim_id IS NULL
        THEN amount END), SUM(amount) FROM claims c LEFT JOIN loss_payments lp USING (claim_id)"""),
    ("role-playing: agent", SemanticQuery(metrics=["written_premium"], dimensions=["agent"]),
     """SELECT a.party_name, SUM(p.premium) FROM policies p JOIN policy_parties pp
        ON pp.policy_id = p.policy_id AND pp.role_code = 'AG' JOIN parties a ON a.party_id = pp.party_id GROUP BY 1"""),
    ("role-playing: both roles at once", SemanticQuery(metrics=["written_premium"], dimensions=["agent", "policyholder"]),
     """SELECT a.party_name, h.party_name, SUM(p.premium) FROM policies p
        JOIN policy_parties ag ON ag.policy_id = p.policy_id AND ag.role_code = 'AG'
        JOIN parties a ON a.party_id = ag.party_id
        JOIN policy_parties ph ON ph.policy_id = p.policy_id AND ph.role_code = 'PH'
        JOIN parties h ON h.party_id = ph.party_id GROUP BY 1, 2"""),
    ("role-playing: filter on one role", SemanticQuery(metrics=["claim_total"], filters=[
        Filter(field="policyholder", op="=", values=["H1"])]),
     """SELECT SUM(c.amount) FROM claims c JOIN policy_parties ph ON ph.policy_id = c.policy_id
        AND ph.role_code = 'PH' WHERE ph.party_id = 'H1'"""),
    ("average", SemanticQuery(metrics=["average_claim"], dimensions=["region"]),
     "SELECT p.region, AVG(c.amount) FROM claims c JOIN policies p USING (policy_id) GROUP BY 1"),
    ("min, max and count distinct", SemanticQuery(metrics=["max_claim", "min_claim", "policies_with_claims"]),
     "SELECT MAX(amount), MIN(amount), COUNT(DISTINCT policy_id) FROM claims"),
    ("default date", SemanticQuery(metrics=["claim_total"], time_range=H1_2025),
     "SELECT SUM(amount) FROM claims WHERE opened_date BETWEEN DATE '2025-01-01' AND DATE '2025-06-30'"),
    ("second date of the same fact", SemanticQuery(metrics=["claim_total"], time_range=H1_2025,
                                                   time_role="closed_date"),
     "SELECT SUM(amount) FROM claims WHERE closed_date BETWEEN DATE '2025-01-01' AND DATE '2025-06-30'"),
    ("expression dimension", SemanticQuery(metrics=["claim_total"], dimensions=["claim_size"]),
     """SELECT CASE WHEN amount >= 1000 THEN 'large' ELSE 'small' END AS s, SUM(amount) FROM claims GROUP BY 1"""),
    ("expression dimension as a filter", SemanticQuery(metrics=["claim_total"], filters=[
        Filter(field="claim_size", op="=", values=["large"])]),
     "SELECT SUM(amount) FROM claims WHERE amount >= 1000"),
    ("ratio across facts", SemanticQuery(metrics=["loss_ratio"], dimensions=["region"]),
     """WITH l AS (SELECT p.region, SUM(c.amount) AS x FROM claims c JOIN policies p USING (policy_id)
                   WHERE c.claim_id IN (SELECT claim_id FROM loss_payments) GROUP BY 1),
             w AS (SELECT region, SUM(premium) AS y FROM policies GROUP BY 1)
        SELECT w.region, l.x / w.y FROM w JOIN l USING (region)"""),
]


@pytest.mark.parametrize(("what", "query", "gold"), CASES, ids=[c[0] for c in CASES])
def test_construct_compiles_passes_the_guard_and_matches_hand_written_sql(
        pipe: Pipeline, db: Path, what: str, query: SemanticQuery, gold: str) -> None:
    _check(pipe, db, query, gold)


def test_list_of_an_expression_dimension(pipe: Pipeline) -> None:
    rows = pipe.run_sql(pipe.compile(SemanticQuery(metrics=[], dimensions=["claim_size"])).tree).rows
    assert sorted(r[0] for r in rows) == ["large", "small"]


def test_labels_in_one_language_and_units_with_a_prefix() -> None:
    layer = load_layer(LAYER_DIR)
    assert layer.metric("claim_total").label.zh == "Claim amount"  # shown as given, never guessed
    assert layer.metric("average_claim").label.zh == "平均理赔额"
    usd = layer.unit("usd")
    assert format_value(1234.5, usd, "en") == "$1,234.50"
    assert format_value(-20, usd, "zh") == "-$20.00"
    assert math.isclose(float(format_value(0.5, None, "en")), 0.5)


def test_role_tables_are_derived_and_invisible_to_the_guard_schema() -> None:
    layer = load_layer(LAYER_DIR)
    assert layer.tables["policy_agent"].derived and "role_code = 'AG'" in (layer.tables["policy_agent"].sql or "")
    assert "policy_agent" not in layer.physical_schema()
    assert "claim_size" not in layer.physical_schema()["claims"]  # a computed column is not a column to read


# ---------------------------------------------------------------- rejected at load
def _raw() -> dict[str, Any]:
    data = yaml.safe_load((LAYER_DIR / "layer.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return copy.deepcopy(data)


def _load(tmp_path: Path, spec: dict[str, Any]) -> None:
    folder = tmp_path / "layer"
    folder.mkdir()
    (folder / "layer.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    load_layer(folder)


def _measure(spec: dict[str, Any], name: str) -> dict[str, Any]:
    return next(m for m in spec["measures"] if m["name"] == name)


def _edit_membership_without_relationship(spec: dict[str, Any]) -> None:
    _measure(spec, "loss_payment_amount")["exists"] = [{"table": "parties"}]


def _edit_membership_filter_other_table(spec: dict[str, Any]) -> None:
    _measure(spec, "loss_payment_amount")["exists"] = [{"table": "loss_payments", "filter": "claims.amount > 0"}]


def _edit_filter_on_unreached_table(spec: dict[str, Any]) -> None:
    _measure(spec, "active_claim_amount")["filter"] = "loss_payments.paid_date IS NOT NULL"


def _edit_role_where_unknown_column(spec: dict[str, Any]) -> None:
    next(t for t in spec["tables"] if t["name"] == "policy_agent")["where"] = "role = 'AG'"


def _edit_role_of_unknown_table(spec: dict[str, Any]) -> None:
    next(t for t in spec["tables"] if t["name"] == "agents")["source"] = "partys"


def _edit_expression_with_subquery(spec: dict[str, Any]) -> None:
    next(d for d in spec["dimensions"] if d["name"] == "claim_size")["expr"] = "(SELECT MAX(amount) FROM claims)"


def _edit_expression_other_table(spec: dict[str, Any]) -> None:
    next(d for d in spec["dimensions"] if d["name"] == "claim_size")["expr"] = "policies.region"


def _edit_one_to_one_from_non_key(spec: dict[str, Any]) -> None:
    spec["relationships"][0]["cardinality"] = "one_to_one"  # claims.policy_id repeats


def _edit_unknown_aggregation(spec: dict[str, Any]) -> None:
    _measure(spec, "avg_claim")["agg"] = "median"


def _edit_label_in_no_language(spec: dict[str, Any]) -> None:
    spec["metrics"][0]["label"] = {}


REJECTED = [
    (_edit_membership_without_relationship, "no relationship between 'claims' and 'parties'"),
    (_edit_membership_filter_other_table, "a column of another table"),
    (_edit_filter_on_unreached_table, "not reached"),
    (_edit_role_where_unknown_column, "'role', which 'policy_parties' does not have"),
    (_edit_role_of_unknown_table, "unknown source table 'partys'"),
    (_edit_expression_with_subquery, "subquery"),
    (_edit_expression_other_table, "a column of another table"),
    (_edit_one_to_one_from_non_key, "'policy_id' is not a key of table 'claims'"),
    (_edit_unknown_aggregation, "agg"),
    (_edit_label_in_no_language, "label"),
]


@pytest.mark.parametrize(("edit", "words"), REJECTED, ids=[e.__name__[6:] for e, _ in REJECTED])
def test_what_the_compiler_cannot_honour_fails_at_load(tmp_path: Path, edit: Any, words: str) -> None:
    spec = _raw()
    edit(spec)
    with pytest.raises(LayerError) as err:
        _load(tmp_path, spec)
    assert words in str(err.value), str(err.value)


def test_the_fixture_itself_loads(tmp_path: Path) -> None:
    _load(tmp_path, _raw())  # the edits above are what fails, not the fixture


# ---------------------------------------------------------------- asked in words
ASKED = [
    ("claim amount on active policies", "SELECT SUM(c.amount) FROM claims c JOIN policies p USING (policy_id) "
                                        "WHERE p.status = 'active'"),
    ("claims for Hal Holder", "SELECT COUNT(*) FROM claims c JOIN policy_parties ph ON ph.policy_id = c.policy_id "
                              "AND ph.role_code = 'PH' WHERE ph.party_id = 'H1'"),
    ("written premium by agent", "SELECT a.party_name, SUM(p.premium) FROM policies p JOIN policy_parties pp "
                                 "ON pp.policy_id = p.policy_id AND pp.role_code = 'AG' "
                                 "JOIN parties a ON a.party_id = pp.party_id GROUP BY 1"),
    ("保费按代理人", "SELECT a.party_name, SUM(p.premium) FROM policies p JOIN policy_parties pp "
                "ON pp.policy_id = p.policy_id AND pp.role_code = 'AG' JOIN parties a ON a.party_id = pp.party_id GROUP BY 1"),
    ("average claim by claim size", "SELECT CASE WHEN amount >= 1000 THEN 'large' ELSE 'small' END, AVG(amount) "
                                    "FROM claims GROUP BY 1"),
    ("大额的平均理赔额", "SELECT AVG(amount) FROM claims WHERE amount >= 1000"),
    ("claims closed in June 2025", "SELECT COUNT(*) FROM claims WHERE closed_date BETWEEN DATE '2025-06-01' "
                                   "AND DATE '2025-06-30'"),
    ("赔付率按地区", """WITH l AS (SELECT p.region, SUM(c.amount) AS x FROM claims c JOIN policies p USING (policy_id)
                     WHERE c.claim_id IN (SELECT claim_id FROM loss_payments) GROUP BY 1),
                 w AS (SELECT region, SUM(premium) AS y FROM policies GROUP BY 1)
                 SELECT w.region, l.x / w.y FROM w JOIN l USING (region)"""),
]


@pytest.mark.parametrize(("question", "gold"), ASKED, ids=[q for q, _ in ASKED])
def test_rule_planner_answers_over_the_new_constructs(db: Path, question: str, gold: str) -> None:
    pipe = Pipeline.from_settings(Settings.load(db=str(db), layer=str(LAYER_DIR), as_of="2025-12-31"))
    try:
        answer = pipe.ask(question)
    finally:
        pipe.close()
    assert answer.status == "ok", answer.message
    con = duckdb.connect(str(db), read_only=True)
    try:
        want = con.execute(gold).fetchall()
    finally:
        con.close()
    assert _rows([tuple(r) for r in answer.rows]) == _rows(want), answer.sql


# ---------------------------------------------------------------- checked on the data
def test_layer_validate_passes_on_the_fixture_data(db: Path) -> None:
    from assistant.surfaces.cli.layer_check import check_layer_against_db

    problems, checks = check_layer_against_db(str(LAYER_DIR), str(db))
    assert problems == [] and checks > 20


def test_a_role_whose_key_repeats_is_caught_on_the_data(db: Path, tmp_path: Path) -> None:
    """Declared one_to_one, but 'every party of a policy' repeats the policy: validate says so."""
    from assistant.surfaces.cli.layer_check import check_layer_against_db

    spec = _raw()
    next(t for t in spec["tables"] if t["name"] == "policy_agent")["where"] = "role_code IN ('AG', 'PH')"
    folder = tmp_path / "layer"
    folder.mkdir()
    (folder / "layer.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    problems, _ = check_layer_against_db(str(folder), str(db))
    assert any("policy_agent" in p and "not unique" in p for p in problems), problems
