"""dbt (MetricFlow) semantic models and metrics <-> this layer format.

`read(path)`: the dbt project at `path` as a LayerSpec and its findings. The reading is split by
stage: dbt_project.py (files, model SQL, seeds), dbt_read.py (semantic models -> tables,
dimensions, time columns), dbt_entities.py (entities -> relationships), dbt_measures.py,
dbt_metrics.py, dbt_filters.py and dbt_assemble.py (measures, metrics and their filters).
Whatever still does not load is left out here, by name, so an import always gives a layer
that loads, and every gap is a finding.

`write(layer, out)`: dbt_write.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from semantic_layer.errors import LayerError
from semantic_layer.interop import Exported, Imported
from semantic_layer.interop.dbt_assemble import build_metrics
from semantic_layer.interop.dbt_context import Ctx
from semantic_layer.interop.dbt_entities import relate
from semantic_layer.interop.dbt_names import title
from semantic_layer.interop.dbt_project import load_project
from semantic_layer.interop.dbt_read import read_models
from semantic_layer.models import LayerSpec

if TYPE_CHECKING:
    from semantic_layer.layer import Layer

_MAX_ROUNDS = 200  # each round leaves one item out; a project has far fewer broken items


def read(path: Path) -> Imported:
    project = load_project(Path(path))
    ctx = read_models(project)
    relate(ctx)
    build_metrics(ctx)
    _rename_clashes(ctx)
    spec = _loadable(ctx, _spec(ctx))
    return Imported(spec=spec, findings=ctx.findings)


def write(layer: Layer, out: Path) -> Exported:
    from semantic_layer.interop.dbt_write import write_project

    return write_project(layer, Path(out))


def _spec(ctx: Ctx) -> LayerSpec:
    meta = ctx.project.meta
    data: dict[str, Any] = {
        "name": meta.get("name") or ctx.project.name,
        "label": meta.get("label") or {"en": title(ctx.project.name)},
        "description": meta.get("description") or f"Imported from the dbt project '{ctx.project.name}'.",
        "default_lang": meta.get("default_lang") or "en",
        "tables": list(ctx.tables.values()), "relationships": ctx.relationships, "dimensions": ctx.dimensions,
        "measures": ctx.measures, "metrics": ctx.metrics,
        "units": list({u["name"]: u for u in [*(meta.get("units") or []), *ctx.units.values()]}.values()),
    }
    try:
        return LayerSpec.model_validate(data)
    except ValidationError as exc:  # the importer built something the format rejects: a bug here
        raise LayerError(f"the imported layer is not valid ({exc.errors()[0]['msg']} at "
                         f"{'.'.join(str(p) for p in exc.errors()[0]['loc'])}).") from None


def _rename_clashes(ctx: Ctx) -> None:
    """A dimension named like a metric (the layer forbids it) takes its table's name in front."""
    metrics = {m["name"] for m in ctx.metrics}
    for d in ctx.dimensions:
        if d["name"] in metrics:
            new = f"{d['table']}_{d['name']}"
            ctx.add("guess", f"dimensions.{d['name']}", f"a metric has the same name; the dimension is '{new}'.")
            d["name"] = new


def _loadable(ctx: Ctx, spec: LayerSpec) -> LayerSpec:
    """Leave out, one by one, what the layer's load-time checks reject (a filter the compiler
    cannot honour, an expression with a subquery), each as a finding naming it."""
    from semantic_layer.layer import Layer

    for _ in range(_MAX_ROUNDS):
        try:
            Layer(spec)
            return spec
        except LayerError as exc:
            section, _, name = (exc.location or "").partition(": ")
            if not name or section not in ("metrics", "measures", "dimensions", "relationships"):
                raise
            ctx.add("unsupported", f"{section}.{name}", f"does not load ({exc.message}); left out.")
            spec = _without(spec, section, name.split(".")[0] if section != "relationships" else name)
    raise LayerError("the imported layer still does not load after leaving out what failed.")


def _without(spec: LayerSpec, section: str, name: str) -> LayerSpec:
    data = spec.model_dump(mode="json", by_alias=True)
    if section == "relationships":
        data["relationships"] = [r for r in data["relationships"] if r["from"] != name]
    else:
        data[section] = [i for i in data[section] if i["name"] != name]
    if section == "measures":
        data["metrics"] = [m for m in data["metrics"] if name not in _words(m["expr"])]
    if section == "dimensions":
        for m in data["metrics"]:
            if m.get("dimensions"):
                m["dimensions"] = [d for d in m["dimensions"] if d != name]
    return LayerSpec.model_validate(data)


def _words(sql: str) -> set[str]:
    import re

    return set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", sql))
