"""Row-level scope: the one seam where access filters (e.g. a plant manager sees only Ningbo)
are injected into every compiled query that can reach the scoped dimension."""

from __future__ import annotations

from pathlib import Path

from assistant.plan.query import Filter, SemanticQuery
from assistant.sql.compiler import Compiler
from assistant.sql.executor import Executor
from assistant.sql.guard import Guard


def _run(layer, demo_db: Path, query: SemanticQuery, scope: list[Filter]) -> list[tuple]:
    executor = Executor(str(demo_db))
    try:
        guard = Guard(layer.physical_schema(), dialect="duckdb")
        return executor.run(guard.check(Compiler(layer, scope=scope).compile(query).tree)).rows
    finally:
        executor.dispose()


def test_scope_limits_every_fact(layer, demo_db: Path) -> None:
    nb = [Filter(field="plant", op="in", values=["NB"])]
    by_plant = _run(layer, demo_db, SemanticQuery(metrics=["total_output", "energy_kwh"], dimensions=["plant"]), [])
    scoped = _run(layer, demo_db, SemanticQuery(metrics=["total_output", "energy_kwh"]), nb)
    ningbo = next(r for r in by_plant if r[0] == "Ningbo")
    assert scoped == [(ningbo[1], ningbo[2])]
    grouped = _run(layer, demo_db, SemanticQuery(metrics=["scrap_rate"], dimensions=["plant"]), nb)
    assert [r[0] for r in grouped] == ["Ningbo"]


def test_scope_leaves_unrelated_facts_alone(layer, demo_db: Path) -> None:
    """Suppliers belong to no plant in the layer, so a plant scope does not change their numbers."""
    q = SemanticQuery(metrics=["on_time_delivery_rate"])
    assert _run(layer, demo_db, q, [Filter(field="plant", op="in", values=["NB"])]) == _run(layer, demo_db, q, [])
