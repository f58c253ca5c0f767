"""Traces on a tiny crafted genealogy: cycles, missing links, delivery windows and layer-made suggestions."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import duckdb
import pytest
import yaml

from assistant.core.calendar import TimeRange
from assistant.pipeline import Pipeline
from assistant.plan.trace.detect import detect_trace
from assistant.plan.types import PlanContext, Session, TraceRequest
from assistant.sql.executor import Executor
from semantic_layer.loader import load_layer
from tests.test_trace import _answer

ROOT = Path(__file__).resolve().parents[1]
AS_OF = dt.date(2025, 12, 31)
FIXTURE_LAYER = ROOT / "tests" / "fixtures" / "trace_layer"



# ---------------------------------------------------------------------- cycles and missing links
def _loop_db(path: Path) -> Path:
    con = duckdb.connect(str(path))
    con.execute("""
        CREATE TABLE suppliers (supplier_id VARCHAR, supplier_name VARCHAR);
        CREATE TABLE lots (lot_id VARCHAR, supplier_id VARCHAR, received_on DATE);
        CREATE TABLE items (item_id VARCHAR, made_on DATE, qty INTEGER, status VARCHAR);
        CREATE TABLE lot_use (lot_id VARCHAR, item_id VARCHAR);
        CREATE TABLE rework (from_item VARCHAR, to_item VARCHAR);
        CREATE TABLE deliveries (delivery_id VARCHAR, item_id VARCHAR, customer_id VARCHAR, shipped_on DATE, qty INTEGER);
        CREATE TABLE customers (customer_id VARCHAR, customer_name VARCHAR);
        INSERT INTO suppliers VALUES ('S1', 'Acme');
        INSERT INTO lots VALUES ('L1', 'S1', DATE '2025-01-01'), ('L2', 'S1', DATE '2025-02-01');
        INSERT INTO items VALUES ('IA', DATE '2025-01-02', 10, 'ok'), ('IB', DATE '2025-01-03', 20, 'hold'),
                                 ('IC', DATE '2025-01-04', 30, 'ok');
        INSERT INTO lot_use VALUES ('L1', 'IA'), ('L2', 'IQ');              -- IQ: no such item
        INSERT INTO rework VALUES ('IA', 'IB'), ('IB', 'IC'), ('IC', 'IA'), -- a loop
                                  ('IA', 'IA'), ('IB', 'IZ'), (NULL, 'IB'); -- self-link, dangling, null
        INSERT INTO deliveries VALUES ('D1', 'IC', 'K1', DATE '2025-01-10', 30), ('D2', 'IZ', 'K2', DATE '2025-01-11', 5),
                                      ('D3', 'IA', 'K9', DATE '2025-01-12', 10), ('D4', NULL, 'K1', DATE '2025-01-13', 1);
        INSERT INTO customers VALUES ('K1', 'Kilo'), ('K2', 'Kappa');
    """)
    con.close()
    return path


@pytest.fixture()
def loop_pipe(tmp_path: Path):
    pipeline = Pipeline(load_layer(FIXTURE_LAYER), Executor(str(_loop_db(tmp_path / "loops.duckdb")), timeout_s=10))
    yield pipeline
    pipeline.close()


def test_cycles_and_missing_links_do_not_hang(loop_pipe: Pipeline) -> None:
    t0 = time.perf_counter()
    result = loop_pipe.run_trace(TraceRequest("lot", ["L1"], direction="forward", target_node="customer"), lang="en")
    assert time.perf_counter() - t0 < 5
    assert sorted(result.level("item").ids) == ["IA", "IB", "IC", "IZ"]
    assert result.level("item").missing == ["IZ"]
    assert sorted(r[0] for r in result.rows) == ["K1", "K2"] and result.level("customer").count == 3  # K9: no record
    assert ("item", "IC", "item", "IA") in result.links  # the loop is drawn, once
    back = loop_pipe.run_trace(TraceRequest("customer", ["K1"], direction="backward"), lang="en")
    assert sorted(back.level("delivery").ids) == ["D1", "D4"] and back.level("lot").ids == ["L1"]
    answer = _answer(loop_pipe, "trace lot L2", TraceRequest("lot", ["L2"], direction="both"))
    assert answer.status == "ok" and answer.extras["trace"]["levels"][-1]["missing"] == ["IQ"]


def test_cycle_questions_route_with_the_fixture_vocabulary(loop_pipe: Pipeline) -> None:
    ctx = PlanContext(layer=loop_pipe.layer, as_of=AS_OF, session=Session(), lang="en", values=loop_pipe.values)
    request = detect_trace("which customers got items from lot L1 shipped after January 10, 2025", ctx)
    assert (request.start_node, request.target_node, request.time_node) == ("lot", "customer", "delivery")
    answer = _answer(loop_pipe, "x", request)
    assert [r[0] for r in answer.rows] == ["K2"]


def test_impact_split_by_a_delivery_window_on_the_fixture(loop_pipe: Pipeline) -> None:
    # Items of L1: IA delivered on Jan 12, IC on Jan 10, IB never (status 'hold'); IZ has no record.
    def impact(first: dt.date, last: dt.date):
        request = TraceRequest("lot", ["L1"], direction="forward", target_node="customer",
                               time_range=TimeRange(start=first, end=last), time_node="delivery")
        return _answer(loop_pipe, "x", request)

    after = impact(dt.date(2025, 1, 11), AS_OF)
    split = after.extras["trace"]["impact"]["delivery_filter"]
    assert [split[k]["count"] for k in ("matching", "earlier", "other")] == [1, 1, 0]
    assert "1 shipped between 2025-01-11 and 2025-12-31, 1 shipped earlier, 1 not delivered yet (1 hold)" in after.message
    before = impact(dt.date(1900, 1, 1), dt.date(2025, 1, 10))
    assert "1 shipped up to 2025-01-10, 1 shipped later, 1 not delivered yet" in before.message


def test_suggestions_come_from_the_layer_labels(loop_pipe: Pipeline, tmp_path: Path) -> None:
    request = TraceRequest("customer", ["K1"], direction="backward")
    assert _answer(loop_pipe, "x", request).suggestions == ["Trace lot L1"]
    assert _answer(loop_pipe, "追溯", request).suggestions == ["追溯批次 L1"]
    # The same layer with the lot type renamed and relabelled: the suggestion follows the layer.
    for f in FIXTURE_LAYER.glob("*.yaml"):
        (tmp_path / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    gen = yaml.safe_load((tmp_path / "genealogy.yaml").read_text(encoding="utf-8"))
    for node in gen["genealogy"]["nodes"]:
        if node["name"] == "lot":
            node.update(name="coil", label={"en": "coil", "zh": "卷料"}, synonyms={"en": ["coil"], "zh": ["卷料"]})
    for edge in gen["genealogy"]["edges"]:
        edge.update({k: "coil" for k in ("upstream", "downstream") if edge[k] == "lot"})
    (tmp_path / "genealogy.yaml").write_text(yaml.safe_dump(gen, allow_unicode=True), encoding="utf-8")
    coil = Pipeline(load_layer(tmp_path), Executor(str(_loop_db(tmp_path / "coils.duckdb")), timeout_s=10))
    try:
        assert _answer(coil, "x", request).suggestions == ["Trace coil L1"]
        assert _answer(coil, "追溯", request).suggestions == ["追溯卷料 L1"]
        ctx = PlanContext(layer=coil.layer, as_of=AS_OF, session=Session(), lang="en", values=coil.values)
        routed = detect_trace("Trace coil L1", ctx)
        assert (routed.start_node, routed.start_ids) == ("coil", ["L1"])
    finally:
        coil.close()
