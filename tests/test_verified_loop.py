"""Verified-queries loop: `eval promote ID` adds a question to the layer; afterwards retrieval
indexes it and the rule planner answers that question with the verified SQL (through the guard),
but only on the as-of day its relative dates were resolved for."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from assistant.core.settings import Settings
from assistant.pipeline import Pipeline
from assistant.sql.executor import Executor
from assistant.surfaces.evaluation.promote import promote_command
from assistant.understand.catalogue import ValueCatalogue
from assistant.understand.retrieval.documents import layer_documents
from semantic_layer.loader import DEMO_LAYER_DIR, load_layer

ROOT = Path(__file__).resolve().parents[1]
ITEM = "energy-per-unit-cq-monthly-this-year"
QUESTION = "kWh per part for Chongqing by month this year"


def test_promoted_item_is_used(tmp_path: Path, demo_db: Path) -> None:
    folder = tmp_path / "layer"
    shutil.copytree(DEMO_LAYER_DIR, folder)
    promote_command(ITEM, ROOT / "eval" / "dev.yaml", folder / "verified_queries.yaml")
    layer = load_layer(folder)
    promoted = [q for q in layer.spec.verified_queries if q.source == f"eval:{ITEM}"]
    assert len(promoted) == 1 and promoted[0].as_of == "2025-12-31"

    docs = layer_documents(layer, ValueCatalogue())
    assert any(d.kind == "verified" and d.text == QUESTION and "sql" in d.payload for d in docs)

    pipe = Pipeline(layer, Executor(str(demo_db)), settings=Settings(as_of=dt.date(2025, 12, 31)))
    try:
        same_day = pipe.ask(QUESTION)
        assert same_day.status == "ok"
        assert same_day.semantic_query is None and same_day.sql is not None  # answered by the verified SQL
        assert "energy_readings" in same_day.sql and len(same_day.rows) == 12
        later = pipe.ask(QUESTION, as_of=dt.date(2026, 3, 31))  # "this year" means 2026 now: re-plan
        assert later.semantic_query is not None and later.semantic_query["time_range"]["start"] == "2026-01-01"
    finally:
        pipe.close()
