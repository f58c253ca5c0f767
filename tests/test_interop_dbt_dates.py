"""dbt export: a measure read by a date of its own (`time_column` on the measure) that the table does
not declare as a time role is exported with that date as its time dimension (it raised KeyError)."""

from __future__ import annotations

from pathlib import Path

import yaml

from semantic_layer.interop.dbt import write
from semantic_layer.layer import Layer
from semantic_layer.loader import DEMO_LAYER_DIR, load_layer


def test_a_measure_date_that_is_no_declared_role_is_exported(tmp_path: Path) -> None:
    demo = load_layer(DEMO_LAYER_DIR)
    tables = [t.model_copy(update={"time_roles": []}) if t.name == "sales_order_delivery" else t
              for t in demo.spec.tables]
    layer = Layer(demo.spec.model_copy(update={"tables": tables}))
    measure = next(m for m in layer.spec.measures if m.time_column == "last_ship_date")
    write(layer, tmp_path / "dbt")
    models = [m for f in (tmp_path / "dbt").rglob("*.yml")
              for m in (yaml.safe_load(f.read_text()) or {}).get("semantic_models", [])]
    model = next(m for m in models if m["name"] == "sales_order_delivery")
    exported = next(x for x in model["measures"] if x["name"] == measure.name)
    times = {d["name"] for d in model["dimensions"] if d["type"] == "time"}
    assert exported["agg_time_dimension"] in times
