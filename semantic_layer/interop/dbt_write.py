"""Write our layer as a dbt project: dbt_project.yml, a model per table (`models/<table>.sql`:
a physical table read from the `source` named after the layer, a role table as a filtered
SELECT of its source), the columns' types (`models/schema.yml`), the semantic models and the
metrics. The layer's name, label and language go to `vars: factory_assistant:`.

What has no place in dbt at all is a finding: verified queries, genealogy, access roles.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlglot
import yaml
from sqlglot import exp

from semantic_layer.interop import Exported
from semantic_layer.interop.dbt_export import Export
from semantic_layer.interop.dbt_export_metrics import export_metrics
from semantic_layer.interop.dbt_names import META_KEY, snake
from semantic_layer.safe_write import write_atomic

if TYPE_CHECKING:
    from semantic_layer.layer import Layer
    from semantic_layer.models import Table


def write_project(layer: Layer, out: Path) -> Exported:
    x = Export(layer)
    x.build()
    metrics = export_metrics(x)  # may add dimensions (filter-only, markers): before the models are written
    for name, meta in x.meta.items():
        x.models[name]["config"] = {"meta": {META_KEY: meta}}
    _unexpressed(x)
    files: dict[str, str] = {
        "dbt_project.yml": _dump(_project(layer)),
        "models/sources.yml": _dump({"version": 2, "sources": [{"name": snake(layer.spec.name), "tables": [
            {"name": t.name} for t in layer.spec.tables if not t.derived]}]}),
        "models/schema.yml": _dump({"version": 2, "models": [_columns(t) for t in layer.spec.tables if not t.source]}),
        "models/semantic_models.yml": _dump({"semantic_models": [_clean(m) for m in x.models.values()]}),
        "models/metrics.yml": _dump({"metrics": metrics}),
    }
    for t in layer.spec.tables:
        files[f"models/{t.name}.sql"] = _model_sql(layer, t) + "\n"
    written: list[Path] = []
    for rel, text in files.items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, text)
        written.append(path)
    return Exported(files=written, findings=x.findings)


class _Dumper(yaml.SafeDumper):
    """Text with a single quote (filters: `{{ Dimension('x') }} = 'a'`) in double quotes, which
    reads as written instead of YAML's doubled single quotes."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = '"' if "'" in value and "\n" not in value and '"' not in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)
_ORDER = ("name", "description", "label", "model", "defaults", "primary_entity", "entities", "dimensions", "measures",
          "config")


def _dump(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=110)


def _clean(model: dict[str, Any]) -> dict[str, Any]:
    """Keys in the order dbt's docs show them; empty lists left out (`entities: []` reads as a mistake)."""
    return {k: model[k] for k in sorted(model, key=lambda k: _ORDER.index(k) if k in _ORDER else 99)
            if model[k] != []}


def _project(layer: Layer) -> dict[str, Any]:
    spec = layer.spec
    return {"name": snake(spec.name), "version": "1.0.0", "config-version": 2, "profile": snake(spec.name),
            "model-paths": ["models"],
            "vars": {META_KEY: {"name": spec.name, "label": spec.label.model_dump(), "description": spec.description,
                                "default_lang": spec.default_lang,
                                "units": [u.model_dump(mode="json", exclude_defaults=True) for u in spec.units]}}}


def _columns(t: Table) -> dict[str, Any]:
    cols = [{"name": c, "data_type": ty} for c, ty in t.columns.items() if c not in t.computed]
    return {"name": t.name, "columns": cols}


def _model_sql(layer: Layer, t: Table) -> str:
    cols = ", ".join(c for c in t.columns if c not in t.computed) or "*"
    if t.source is not None:
        where = f" where {t.where}" if t.where else ""
        return f"select {cols} from {{{{ ref('{t.source}') }}}}{where}"
    if t.sql is not None:  # a derived table: its tables become refs to their models
        tree = sqlglot.parse_one(t.sql, read="duckdb")
        names = {n.name for n in tree.find_all(exp.Table)}
        sql = tree.sql(dialect="duckdb")
        for name in sorted(names, key=len, reverse=True):
            if name in layer.tables:
                sql = sql.replace(f"FROM {name}", f"FROM {{{{ ref('{name}') }}}}").replace(
                    f"JOIN {name}", f"JOIN {{{{ ref('{name}') }}}}")
        return sql
    return f"select {cols} from {{{{ source('{snake(layer.spec.name)}', '{t.name}') }}}}"


def _unexpressed(x: Export) -> None:
    spec = x.layer.spec
    if spec.verified_queries:
        x.add("verified_queries", f"{len(spec.verified_queries)} verified question(s): dbt has no place for them "
                                  "(saved queries hold no question); not written.")
    if spec.genealogy.nodes:
        x.add("genealogy", "material genealogy (trace graph) has no dbt equivalent; not written.")
    if spec.access.roles:
        x.add("access", "access roles (row filters, hidden columns) are not dbt semantics; not written.")
    if spec.aggregates:
        x.add("aggregates", f"{len(spec.aggregates)} summary table(s): build them as dbt models (the answers are the "
                            "same without them, only slower); not written.")
