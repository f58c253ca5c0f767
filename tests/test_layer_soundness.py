"""Issue 16: a layer the compiler cannot honour is an error, never a silently wrong number.

A measure filter with a subquery compiled to `claims.claim_id IN (SELECT claims.claim_id FROM
loss_payments)`, true for every claim (13,600 instead of 3,500); a relationship to a key that is
not unique repeats fact rows. Both are rejected: the first when the layer loads, the second at
load (the target must be a declared key) and by `layer validate` on the data.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from assistant.plan.query import SemanticQuery
from assistant.sql.compiler import Compiler
from semantic_layer.errors import LayerError
from semantic_layer.layer import Layer
from semantic_layer.loader import load_layer

_LABEL = {"en": "x", "zh": "x"}


def _spec(filter_sql: str | None = None, *, relationship: dict[str, str] | None = None,
          claims_extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Claims and their loss payments, with one measure whose filter is under test."""
    measure: dict[str, Any] = {"name": "loss_amount", "table": "claims", "agg": "sum", "expr": "amount"}
    if filter_sql is not None:
        measure["filter"] = filter_sql
    return {
        "name": "claims_fixture",
        "label": {"en": "Claims", "zh": "理赔"},
        "tables": [
            {"name": "claims", "primary_key": ["claim_id"], **(claims_extra or {}),
             "columns": {"claim_id": "VARCHAR", "status": "VARCHAR", "kind": "VARCHAR", "amount": "DOUBLE",
                         "is_open": "BOOLEAN"}},
            {"name": "loss_payments", "primary_key": ["payment_id"],
             "columns": {"payment_id": "VARCHAR", "claim_id": "VARCHAR", "paid": "DOUBLE"}},
        ],
        "relationships": [relationship or {"from": "loss_payments.claim_id", "to": "claims.claim_id"}],
        "measures": [measure, {"name": "paid", "table": "loss_payments", "agg": "sum", "expr": "paid"}],
        "metrics": [
            {"name": "losses", "label": _LABEL, "description": "x", "formula": "x", "expr": "loss_amount",
             "unit": "count"},
            {"name": "payments", "label": _LABEL, "description": "x", "formula": "x", "expr": "paid", "unit": "count"},
        ],
    }


def _write(folder: Path, spec: dict[str, Any]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "layer.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    return folder


def _load(tmp_path: Path, spec: dict[str, Any]) -> Layer:
    return load_layer(_write(tmp_path / "layer", spec))


# ---------------------------------------------------------------- measure filters
def test_subquery_filter_is_rejected_at_load_naming_measure_and_filter(tmp_path: Path) -> None:
    sql = "claim_id IN (SELECT claim_id FROM loss_payments)"
    with pytest.raises(LayerError) as err:
        _load(tmp_path, _spec(sql))
    text = str(err.value)
    assert "layer.yaml: measures[0]" in text and "'loss_amount'" in text and sql in text
    assert "subquery" in text and "own table columns" in text  # what is wrong, and what is allowed


@pytest.mark.parametrize(("sql", "words"), [
    ("EXISTS (SELECT 1 FROM loss_payments p WHERE p.claim_id = claims.claim_id)", "EXISTS"),
    ("NOT EXISTS (SELECT 1 FROM loss_payments)", "EXISTS"),
    ("amount > ANY (SELECT paid FROM loss_payments)", "ANY/ALL"),
    ("amount > (SELECT AVG(paid) FROM loss_payments)", "subquery"),
    ("SUM(amount) > 100", "aggregate"),
    ("COUNT(*) > 1", "aggregate"),
    ("ROW_NUMBER() OVER (PARTITION BY kind ORDER BY amount) = 1", "window"),
    # loss_payments -> claims is many-to-one, so claims do not reach payments by a join.
    ("loss_payments.paid > 0", "not reached"),
    ("status = 'open' AND loss_payments.claim_id IS NOT NULL", "not reached"),
    ("main.claims.status = 'open'", "table.column at most"),
    ("statuz = 'open'", "does not have"),
    ("amount + 1", "not a condition"),
    ("amount", "not a condition"),
    ("'open'", "not a condition"),
    ("status = 'a'; status = 'b'", "exactly one"),
    ("status = ", "not valid SQL"),
])
def test_filters_the_compiler_cannot_honour_are_rejected(tmp_path: Path, sql: str, words: str) -> None:
    with pytest.raises(LayerError) as err:
        _load(tmp_path, _spec(sql))
    assert "loss_amount" in str(err.value) and words in str(err.value), str(err.value)


def test_subquery_in_a_measure_expression_is_rejected(tmp_path: Path) -> None:
    spec = _spec()
    spec["measures"][0]["expr"] = "(SELECT MAX(paid) FROM loss_payments)"
    with pytest.raises(LayerError, match=r"loss_amount.*expression.*subquery"):
        _load(tmp_path, spec)


@pytest.mark.parametrize(("sql", "where"), [
    ("status = 'x'", "claims.status = 'x'"),
    ("amount > 0 AND kind IN ('p', 'q')", "claims.amount > 0 AND claims.kind IN ('p', 'q')"),
    ("claims.status = 'x' OR NOT is_open", "claims.status = 'x' OR NOT claims.is_open"),
    ("is_open", "claims.is_open"),
    ("lower(status) LIKE 'op%' AND amount BETWEEN 1 AND 9 AND kind IS NOT NULL",
     "LOWER(claims.status) LIKE 'op%' AND claims.amount BETWEEN 1 AND 9 AND NOT claims.kind IS NULL"),
])
def test_ordinary_filters_load_and_compile_as_before(tmp_path: Path, sql: str, where: str) -> None:
    layer = _load(tmp_path, _spec(sql))
    compiled = Compiler(layer).compile(SemanticQuery(metrics=["losses"])).sql()
    # The only measure of its fact: the filter is the fact's WHERE, bound to its table.
    assert compiled == f"SELECT SUM(claims.amount) AS losses FROM claims WHERE {where}", compiled


def test_demo_layer_filters_still_compile_into_the_aggregate(layer: Layer) -> None:
    compiled = Compiler(layer).compile(SemanticQuery(metrics=["on_time_delivery_rate"])).sql()
    assert "CASE WHEN purchase_orders.status = 'delivered' AND purchase_orders.delivered_date <= " \
           "purchase_orders.promised_date THEN 1 END" in compiled, compiled


# ---------------------------------------------------------------- relationship keys
def test_relationship_to_a_column_that_is_no_key_is_rejected_at_load(tmp_path: Path) -> None:
    spec = _spec(relationship={"from": "claims.claim_id", "to": "loss_payments.claim_id"})
    with pytest.raises(LayerError) as err:
        _load(tmp_path, spec)
    text = str(err.value)
    assert "claims.claim_id -> loss_payments.claim_id" in text and "not a key" in text
    assert "[payment_id]" in text and "many_to_many" in text and "unique_keys" in text


def test_a_declared_unique_key_or_many_to_many_is_accepted(tmp_path: Path) -> None:
    spec = _spec(relationship={"from": "loss_payments.claim_id", "to": "claims.kind"},
                 claims_extra={"unique_keys": [["kind"]]})
    assert _load(tmp_path / "a", spec).join_path("loss_payments", "claims")
    spec = _spec(relationship={"from": "claims.claim_id", "to": "loss_payments.claim_id",
                               "cardinality": "many_to_many"})
    layer = _load(tmp_path / "b", spec)
    assert layer.join_path("claims", "loss_payments") is None  # recorded, never joined through


def test_unknown_unique_key_column_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(LayerError, match=r"table 'claims' has no column 'code'"):
        _load(tmp_path, _spec(claims_extra={"unique_keys": [["code"]]}))


def _database(path: Path, claims: list[tuple[str, str, float]]) -> Path:
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE claims (claim_id VARCHAR, status VARCHAR, kind VARCHAR, amount DOUBLE, "
                "is_open BOOLEAN)")
    con.executemany("INSERT INTO claims VALUES (?, ?, 'k', ?, true)", claims)
    con.execute("CREATE TABLE loss_payments (payment_id VARCHAR, claim_id VARCHAR, paid DOUBLE)")
    con.execute("INSERT INTO loss_payments VALUES ('p1', 'c1', 100), ('p2', 'c2', 200)")
    con.close()
    return path


def test_validate_reports_a_non_unique_relationship_target(tmp_path: Path) -> None:
    from assistant.surfaces.cli.layer_check import check_layer_against_db

    folder = _write(tmp_path / "layer", _spec("status = 'open'"))
    db = _database(tmp_path / "dup.duckdb", [("c1", "open", 1.0), ("c2", "open", 2.0), ("c2", "closed", 3.0)])
    problems, _ = check_layer_against_db(str(folder), str(db))
    dup = [p for p in problems if "not unique" in p]
    assert len(dup) == 1, problems
    assert "primary key of claims" in dup[0] and "loss_payments.claim_id -> claims.claim_id" in dup[0]
    assert "'c2' appears 2 times" in dup[0]


def test_validate_passes_when_keys_are_unique(tmp_path: Path) -> None:
    from assistant.surfaces.cli.layer_check import check_layer_against_db

    folder = _write(tmp_path / "layer", _spec("status = 'open'"))
    db = _database(tmp_path / "ok.duckdb", [("c1", "open", 1.0), ("c2", "closed", 3.0)])
    assert check_layer_against_db(str(folder), str(db)) == ([], 7)


def test_validate_checks_the_key_of_a_derived_table(tmp_path: Path) -> None:
    from assistant.surfaces.cli.layer_check import check_layer_against_db

    spec = _spec()
    # One row per payment, declared as one row per claim: c1 is paid twice in the data below.
    spec["tables"].append({"name": "paid_claims", "primary_key": ["claim_id"],
                           "columns": {"claim_id": "VARCHAR", "paid": "DOUBLE"},
                           "sql": "SELECT claim_id, paid FROM loss_payments"})
    folder = _write(tmp_path / "layer", spec)
    db = _database(tmp_path / "d.duckdb", [("c1", "open", 1.0), ("c2", "closed", 3.0)])
    con = duckdb.connect(str(db))
    con.execute("INSERT INTO loss_payments VALUES ('p3', 'c1', 50)")
    con.close()
    problems, _ = check_layer_against_db(str(folder), str(db))
    assert problems == ["primary key of paid_claims: key (claim_id) is not unique in paid_claims: 'c1' appears "
                        "2 times, so joins to it count rows more than once."], problems


def test_demo_layer_and_database_pass_every_check(demo_db: Path) -> None:
    from assistant.surfaces.cli.layer_check import check_layer_against_db

    problems, checked = check_layer_against_db(None, str(demo_db))
    assert problems == []
    assert checked >= 122  # the 20 key checks ran too (102 before them)
