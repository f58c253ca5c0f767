"""Semantic models -> tables, keys, dimensions and time columns.

- `model: ref('x')` -> table x (the physical table is the dbt model); a second semantic model
  over the same dbt model becomes a role of the first table (`source:`).
- Columns: what the model's SQL selects (when it is a plain SELECT), plus every column an
  entity, dimension or measure names, lower-cased. Types: the model's `data_type`s, else what
  the seed's values are, else a guess from use (reported).
- Entities: primary -> primary_key, unique -> unique_keys (relationships: dbt_entities.py). A key
  the project's own seed data shows to repeat is reported and not declared: a join to it would
  double count.
- Dimensions: categorical -> dimensions (`expr` other than a column -> an expression dimension);
  a constant `expr` ("1") marks membership and is used by metric filters, not as a dimension;
  time -> the table's time_column (`defaults.agg_time_dimension`) and time_roles.
"""

from __future__ import annotations

import re
from typing import Any

from semantic_layer.errors import did_you_mean
from semantic_layer.interop.dbt_context import Ctx, Dim, Entity, Model
from semantic_layer.interop.dbt_names import (
    META_KEY,
    bare_column,
    constant,
    dated_column,
    expr_columns,
    lower_columns,
    plural,
    title,
)
from semantic_layer.interop.dbt_names import date_words as role_words
from semantic_layer.interop.dbt_project import DbtProject, ModelSql
from semantic_layer.interop.dbt_types import check_key, empty_in_seed, infer_type, looks_like_dates

# Keys of our meta block that describe the dbt side (not fields of the table).
_BOOKKEEPING = {"layer", "dimensions", "time_roles", "filter_only", "markers", "many_to_many", "many_to_one"}
_REF = re.compile(r"""^\s*ref\(\s*(?:['"][^'"]+['"]\s*,\s*)?['"]([^'"]+)['"]\s*\)\s*$""")
_NOT_A_DATE = re.compile(r"(_|^)(code|id|identifier|number|num|indicator|flag|name|type|status|count)$")
_CASE_MARKER = re.compile(r"^\s*case\s+when\s+(.+?)\s+then\s+('?[\w.]+'?)\s*(?:else\s+null\s*)?end\s*$",
                          re.IGNORECASE | re.DOTALL)


def read_models(project: DbtProject) -> Ctx:
    ctx = Ctx(project=project, findings=list(project.findings))
    names = _categorical_names(project.semantic_models)
    for raw in project.semantic_models:
        model = _model(ctx, raw)
        if model is None:
            continue
        ctx.models[model.name] = model
        _entities(ctx, model)
        _dimensions(ctx, model, names)
        _table(ctx, model)
    if ctx.typed_by_guess:
        ctx.add("guess", "semantic_models", f"column types of {', '.join(ctx.typed_by_guess)} are not in the project "
                                            "(no `data_type`, no seed): dates are DATE, measured columns DOUBLE, the "
                                            "rest VARCHAR; correct them under `columns:` if the database differs.")
    return ctx


def _item(model: str, part: str = "", name: str = "") -> str:
    return ".".join(p for p in ("semantic_models", model, part, name) if p)


def _model(ctx: Ctx, raw: dict[str, Any]) -> Model | None:
    name = str(raw["name"])
    match = _REF.match(str(raw.get("model") or ""))
    if match is None:
        ctx.add("defect", _item(name), f"`model: {raw.get('model')}` is not ref('a model'); the semantic model "
                                       "is left out.")
        return None
    dbt_model = match.group(1).lower()
    meta = (raw.get("config") or {}).get("meta") or {}
    ours = meta.get(META_KEY) if isinstance(meta, dict) else None
    table = dbt_model if all(m.table != dbt_model for m in ctx.models.values()) else name
    if table != dbt_model:  # two semantic models over one dbt model: the second is a role of the first
        ctx.add("guess", _item(name), f"a second semantic model over dbt model '{dbt_model}': imported as "
                                      f"table '{name}', a role of '{dbt_model}' (`source:`).")
    sql = ctx.project.models.get(dbt_model) or ModelSql(columns=[])
    if dbt_model not in ctx.project.models:
        ctx.add("defect", _item(name), f"no SQL file for dbt model '{dbt_model}' in the project; its columns "
                                       "are those the semantic model names.")
    return Model(name=name, table=table, dbt_model=dbt_model, raw=raw, sql=sql,
                 meta=ours if isinstance(ours, dict) else {})


# ---------------------------------------------------------------------- entities
def _entities(ctx: Ctx, model: Model) -> None:
    for raw in model.raw.get("entities") or []:
        name, kind = str(raw.get("name", "")), str(raw.get("type", "")).lower()
        where = _item(model.name, "entities", name)
        column = bare_column(raw["expr"]) if raw.get("expr") is not None else name.lower()
        if kind == "natural":
            ctx.add("unsupported", where, "a natural key (slowly changing dimension, joined by validity dates) "
                                          "has no equivalent; the entity is left out.")
            continue
        if column is None:
            ctx.add("unsupported", where, f"the entity is the expression `{raw.get('expr')}`; relationships join "
                                          "columns, so the entity is left out.")
            continue
        if not _has_column(ctx, model, column, where):
            continue
        if kind in ("primary", "unique") and not check_key(ctx, model, column, where, kind):
            kind = "foreign"  # still joins many-to-one to the entity's owner
        if kind in ("primary", "unique"):
            empty_in_seed(ctx, model, column, where, "no row can be joined to this semantic model")
        model.entities.append(Entity(name=name, kind=kind, column=column))


def _has_column(ctx: Ctx, model: Model, column: str, where: str) -> bool:
    """A column the model's SQL does not select fails every query: reported and left out."""
    if model.sql.columns and column not in model.sql.columns:
        hint = did_you_mean(column, model.sql.columns)
        ctx.add("defect", where, f"uses column '{column}', which the SQL of dbt model '{model.table}' does not "
                                 f"select; left out.{' ' + hint if hint else ''}")
        return False
    return True


# ---------------------------------------------------------------------- dimensions
def _categorical_names(raws: list[dict[str, Any]]) -> dict[str, int]:
    """How many semantic models declare each categorical dimension name (ours must be unique)."""
    counts: dict[str, int] = {}
    for raw in raws:
        for d in raw.get("dimensions") or []:
            if str(d.get("type", "")).lower() == "categorical":
                counts[str(d.get("name"))] = counts.get(str(d.get("name")), 0) + 1
    return counts


def _dimensions(ctx: Ctx, model: Model, names: dict[str, int]) -> None:
    for raw in model.raw.get("dimensions") or []:
        dim = _dimension(ctx, model, raw)
        if dim is None:
            continue
        model.dims[dim.name] = dim
        if dim.kind == "categorical":
            _add_dimension(ctx, model, dim, raw, shared=names.get(dim.name, 0) > 1)
    default = (model.raw.get("defaults") or {}).get("agg_time_dimension")
    if default:
        dim = model.dims.get(str(default))
        if dim is not None and dim.kind == "time":
            model.default_time = dim.column
            empty_in_seed(ctx, model, dim.column or "", _item(model.name, "defaults", "agg_time_dimension"),
                          "every row is undated, so a question over a period finds nothing")
        else:
            ctx.add("defect", _item(model.name, "defaults", "agg_time_dimension"),
                    f"'{default}' is not a time dimension of this semantic model; rows have no default date.")


def _dimension(ctx: Ctx, model: Model, raw: dict[str, Any]) -> Dim | None:
    name, kind = str(raw.get("name", "")), str(raw.get("type", "")).lower()
    where = _item(model.name, "dimensions", name)
    expr = raw.get("expr")
    column = name.lower() if expr is None else bare_column(expr)
    if kind == "time" and column is None:
        column = dated_column(expr)  # cast(ordered_at as date): dated by ordered_at
    if expr is not None and column is None:
        marker = _marker(str(expr))
        if marker is not None:
            return Dim(name=name, kind="marker", marker_filter=marker[0], marker_value=marker[1])
    for col in [column] if column else expr_columns(str(expr)):
        if not _has_column(ctx, model, col, where):
            return None
    if kind == "time":
        return _time_dimension(ctx, model, raw, name, column)
    return Dim(name=name, kind="categorical", column=column,
               expr=None if column else lower_columns(str(expr)))


def _marker(expr: str) -> tuple[str | None, str] | None:
    """(condition, value) of a membership marker: `"1"`, or CASE WHEN cond THEN 1 END."""
    if constant(expr):
        return None, expr.strip().strip("'")
    match = _CASE_MARKER.match(expr)
    if match and constant(match.group(2)):
        return lower_columns(match.group(1)), match.group(2).strip("'")
    return None


def _time_dimension(ctx: Ctx, model: Model, raw: dict[str, Any], name: str, column: str | None) -> Dim | None:
    where = _item(model.name, "dimensions", name)
    if column is None:
        ctx.add("unsupported", where, "a time dimension computed by an expression; only a column can date rows, "
                                      "so it is left out.")
        return None
    values = model.sql.values(column)
    problem = None
    if _NOT_A_DATE.search(name.lower()):
        problem = "is typed as a time dimension but named like a code or number"
    elif values is not None and not looks_like_dates(values):
        sample = next((v for v in values if v.strip()), "")
        problem = f"is typed as a time dimension but its seed values are not dates (e.g. '{sample}')"
    if problem:
        ctx.add("defect", where, f"{problem}; imported as a categorical dimension, not a date.")
        return Dim(name=name, kind="categorical", column=column)
    params = raw.get("type_params") or {}
    grain = str(params.get("time_granularity", "day")).lower()
    if grain in ("month", "quarter", "year"):
        ctx.add("unsupported", where, f"time_granularity {grain}: the layer has no coarsest grain per column, so "
                                      "a breakdown by a finer one is not refused.")
    if params.get("validity_params"):
        ctx.add("unsupported", where, "validity_params (a slowly changing dimension's window) have no equivalent; "
                                      "imported as a plain date.")
    return Dim(name=name, kind="time", column=column)


def _add_dimension(ctx: Ctx, model: Model, dim: Dim, raw: dict[str, Any], *, shared: bool) -> None:
    shared = shared or any(d["name"] == dim.name for d in ctx.dimensions)  # e.g. a time dimension read as categorical
    ours = dim.name if not shared else f"{model.name}_{dim.name}"
    label = str(raw.get("label") or "") or title(dim.name)
    if shared:
        label = _merge_words(title(model.name), label)
        ctx.add("guess", _item(model.name, "dimensions", dim.name),
                f"the name is used by several semantic models; imported as '{ours}' ({label}).")
    item: dict[str, Any] = {"name": ours, "label": {"en": label}, "table": model.table}
    if dim.expr is not None:
        item["expr"] = dim.expr
    else:
        item["column"] = dim.column
    if raw.get("description"):
        item["description"] = str(raw["description"]).strip()
    item.update(((model.meta.get("dimensions") or {}).get(dim.name)) or {})  # what we exported for it
    dim.ours = item["name"]
    if dim.name in (model.meta.get("filter_only") or []):
        return  # a dimension our export added only for a metric filter to name a column
    ctx.dimensions.append(item)


def _merge_words(head: str, tail: str) -> str:
    """'Agreement Party Role' + 'Party Role Code' -> 'Agreement Party Role Code'."""
    a, b = head.split(), tail.split()
    for n in range(min(len(a), len(b)), 0, -1):
        if [w.lower() for w in a[-n:]] == [w.lower() for w in b[:n]]:
            return " ".join([*a, *b[n:]])
    return f"{head} {tail}"


# ---------------------------------------------------------------------- tables
def _table(ctx: Ctx, model: Model) -> None:
    own = model.meta
    table: dict[str, Any] = {"name": model.table}
    if model.raw.get("label") or not model.exported_by_us:  # ours writes a label only where the layer had one
        table["label"] = {"en": plural(str(model.raw.get("label") or "") or title(model.name))}
    if model.raw.get("description"):
        table["description"] = str(model.raw["description"]).strip()
    primary = model.primary
    if primary is not None:
        table["primary_key"] = [primary.column]
    uniques = [[e.column] for e in model.entities if e.kind == "unique" and (not primary or e.column != primary.column)]
    if uniques:
        table["unique_keys"] = list({tuple(k): k for k in uniques}.values())
    if model.table != model.dbt_model:
        table["source"] = model.dbt_model
    elif not own.get("source"):  # a role table of ours has its source's columns
        table["columns"] = _columns(ctx, model)
    if model.default_time:
        table["time_column"] = model.default_time
    exported_roles = model.meta.get("time_roles") or {}  # ours may give the default date words of its own
    roles = [_role(model, d) for d in model.dims.values()
             if d.kind == "time" and (d.column != model.default_time or d.name in exported_roles)]
    if roles:
        table["time_roles"] = list({r["column"]: r for r in roles}.values())
    table.update({k: v for k, v in own.items() if k not in _BOOKKEEPING})  # what the layer said and dbt cannot
    ctx.tables[model.table] = table


def _role(model: Model, dim: Dim) -> dict[str, Any]:
    raw: dict[str, Any] = next((d for d in model.raw.get("dimensions") or [] if d.get("name") == dim.name), {})
    label = str(raw.get("label") or "") or title(dim.name)
    role: dict[str, Any] = {"column": dim.column, "label": {"en": label}}
    spoken = role_words(dim.name, model.name)
    if spoken and spoken.lower() != label.lower():
        role["synonyms"] = {"en": [spoken]}
    role.update(((model.meta.get("time_roles") or {}).get(dim.name)) or {})
    return role


def _columns(ctx: Ctx, model: Model) -> dict[str, str]:
    """Every column the model selects or the semantic model uses, with its type."""
    used: list[tuple[str, str]] = [(e.column, "key") for e in model.entities]
    for d in model.dims.values():
        read = [d.column] if d.column else expr_columns(d.expr or "")
        used += [(c, "time" if d.kind == "time" else "other") for c in read if c]
    for m in model.raw.get("measures") or []:
        expr = m.get("expr", m.get("name"))
        cols = [str(expr).lower()] if bare_column(expr) else expr_columns(str(expr))
        used += [(c, "measure") for c in cols if not model.sql.columns or c in model.sql.columns]
    names = list(dict.fromkeys([*model.sql.columns, *(c for c, _ in used)]))
    uses = dict(reversed(used))
    declared = ctx.project.column_types.get(model.table, {})
    return {c: declared.get(c) or infer_type(ctx, model, c, uses.get(c, "other")) for c in names}
