"""dbt measures -> our measures, one per (measure, filter) a metric uses.

A dbt measure is an aggregate; its filters live on the metrics that use it. Ours carry their
filter, so each distinct filtered use of a dbt measure is one measure of ours ("a variant"),
named after the dbt measure when that is its only use, else after the metric that introduces it.

Aggregations: sum, count (COUNT(expr); `expr: 1` counts rows), count_distinct, average, min,
max map one to one; sum_boolean is SUM(CASE WHEN expr THEN 1 ELSE 0 END), as MetricFlow writes
it; `sum` of `1` is a row count. median, percentile and non_additive_dimension (semi-additive
measures, a balance at the period's end) have no equivalent: metrics using them are left out.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from semantic_layer.interop.dbt_context import Ctx, Model
from semantic_layer.interop.dbt_filters import Translated, translate
from semantic_layer.interop.dbt_names import bare_column, expr_columns, lower_columns
from semantic_layer.interop.dbt_types import empty_in_seed

_AGGS = {"sum": "sum", "count": "count", "count_distinct": "count_distinct", "average": "avg", "avg": "avg",
         "min": "min", "max": "max", "sum_boolean": "sum"}


@dataclass
class Base:
    """One dbt measure as read; `problem` says why no metric may use it."""

    name: str
    model: Model
    agg: str
    expr: str | None
    time_column: str | None = None
    description: str = ""
    label: str | None = None
    metric_label: str | None = None  # create_metric_display_name
    problem: str | None = None
    create_metric: bool | None = None  # as written: None when the project does not say
    semi_additive: str | None = None  # 'last': a level read on the last day of a period


@dataclass
class Variant:
    base: Base
    translated: Translated
    token: str
    users: list[str] = field(default_factory=list)  # metrics whose whole expression is this variant
    introduced_by: str | None = None  # the first metric using it (inside an expression, possibly)

    @property
    def filtered(self) -> bool:
        return bool(self.translated.filter or self.translated.exists)


class Measures:
    """The dbt measures of a project and the variants metrics use, named at the end."""

    def __init__(self, ctx: Ctx) -> None:
        self.ctx = ctx
        self.bases: dict[str, Base] = {}
        self.variants: dict[tuple[str, str], Variant] = {}
        for model in ctx.models.values():
            for raw in model.raw.get("measures") or []:
                base = _base(ctx, model, raw)
                if base.name in self.bases:
                    ctx.add("defect", f"semantic_models.{model.name}.measures.{base.name}",
                            "a measure of this name is already defined; this one is left out.")
                    continue
                self.bases[base.name] = base

    def variant(self, base: Base, filters: list[str]) -> Variant:
        """Our measure for `base` under every filter in `filters` (raises Unsupported)."""
        translated = translate(self.ctx, base.model, base.time_column or base.model.default_time, filters)
        key = (base.name, json.dumps([translated.filter, translated.exists], sort_keys=True))
        if key not in self.variants:
            self.variants[key] = Variant(base, translated, token=f"fa_dbt_measure_{len(self.variants)}")
        return self.variants[key]

    def names(self, kept: set[str]) -> dict[str, str]:
        """token -> measure name, for the variants of the metrics kept."""
        used = [v for v in self.variants.values() if v.token in kept]
        out: dict[str, str] = {}
        taken: set[str] = set()
        for v in sorted(used, key=lambda v: v.filtered):  # an unfiltered variant takes the dbt name first
            alone = not v.filtered or sum(1 for u in used if u.base is v.base) == 1
            candidates = [v.base.name] if alone else []
            candidates += [*v.users, *([f"{v.base.name}_{v.introduced_by}"] if v.introduced_by else []),
                           *(f"{v.base.name}_{i}" for i in range(2, 2 + len(used)))]
            name = next(c for c in candidates if c not in taken)
            taken.add(name)
            out[v.token] = name
        return out

    def spec(self, v: Variant, name: str) -> dict[str, Any]:
        b = v.base
        item: dict[str, Any] = {"name": name, "table": b.model.table, "agg": b.agg}
        if b.expr is not None:
            item["expr"] = b.expr
        if v.translated.filter:
            item["filter"] = v.translated.filter
        if v.translated.exists:
            item["exists"] = v.translated.exists
        if b.time_column and b.time_column != b.model.default_time:
            item["time_column"] = b.time_column
        if b.semi_additive:
            item["semi_additive"] = b.semi_additive
        if b.description and not v.filtered:  # the dbt description is of the measure over all rows
            item["description"] = b.description
        return item

    def describe(self, v: Variant) -> str:
        """The measure in words, for a metric's formula."""
        b = v.base
        text = f"{b.agg.upper()}({b.expr or '*'}) of {b.model.table}"
        if v.translated.filter:
            text += f" where {v.translated.filter}"
        for e in v.translated.exists:
            text += f", {'without' if e.get('absent') else 'with'} a matching {e['table']} row"
            text += f" where {e['filter']}" if e.get("filter") else ""
        return text


def _base(ctx: Ctx, model: Model, raw: dict[str, Any]) -> Base:
    name = str(raw.get("name", "")).strip()
    agg = str(raw.get("agg", "")).lower()
    base = Base(name=name, model=model, agg=_AGGS.get(agg, agg), expr=None, label=raw.get("label"),
                description=str(raw.get("description") or "").strip(), create_metric=raw.get("create_metric"),
                metric_label=raw.get("create_metric_display_name"))
    where = f"semantic_models.{model.name}.measures.{name}"
    expr = raw.get("expr", name)
    text = str(expr).strip().lower() if isinstance(expr, bool) else str(expr).strip()
    if agg not in _AGGS:
        base.problem = f"aggregation '{agg}' has no equivalent (sum, count, count_distinct, average, min, max)"
    elif raw.get("non_additive_dimension") and not _read_on_last_day(raw, model):
        base.problem = ("a semi-additive measure other than 'the last value of its time dimension' "
                        "(non_additive_dimension with window_choice max, no window_groupings) has no equivalent")
    if not base.problem and raw.get("non_additive_dimension"):
        base.semi_additive = "last"  # stock on hand: MetricFlow's max window over its time dimension
    if base.problem:
        pass
    elif text in ("1", "*") and agg in ("sum", "count"):
        base.agg = "count"  # SUM(1) and COUNT(1) count rows
    else:
        base.expr = _expr(text, agg)
        missing = [c for c in expr_columns(base.expr) if model.sql.columns and c not in model.sql.columns]
        if missing:
            base.problem = f"uses column '{missing[0]}', which the SQL of dbt model '{model.table}' does not select"
        elif bare_column(base.expr):
            empty_in_seed(ctx, model, base.expr, where, "the measure is empty")
    if base.problem:
        ctx.add("unsupported" if "equivalent" in base.problem else "defect", where, base.problem + "; metrics using "
                "it are left out.")
    _time(ctx, model, raw, base, where)
    return base


def _read_on_last_day(raw: dict[str, Any], model: Model) -> bool:
    """MetricFlow's `non_additive_dimension: {name: <time dimension>, window_choice: max}`: the value on
    the latest day of the period, which `semi_additive: last` is."""
    nad = raw.get("non_additive_dimension")
    if not isinstance(nad, dict) or str(nad.get("window_choice", "")).lower() != "max" or nad.get("window_groupings"):
        return False
    dim = model.dims.get(str(nad.get("name", "")))
    return dim is not None and dim.kind == "time"


def _expr(text: str, agg: str) -> str:
    inner = bare_column(text) or lower_columns(text)
    return f"CASE WHEN {inner} THEN 1 ELSE 0 END" if agg == "sum_boolean" else inner


def _time(ctx: Ctx, model: Model, raw: dict[str, Any], base: Base, where: str) -> None:
    own = raw.get("agg_time_dimension")
    if own:
        dim = model.dims.get(str(own))
        if dim is not None and dim.kind == "time":
            base.time_column = dim.column
        else:
            ctx.add("defect", where, f"agg_time_dimension '{own}' is not a time dimension of '{model.name}'; the "
                                     "measure is dated by the model's default.")
    written = (model.raw.get("defaults") or {}).get("agg_time_dimension")  # if wrong, reported with the model
    if base.time_column is None and model.default_time is None and not written:
        ctx.add("defect", where, "no agg_time_dimension (on the measure or in `defaults`), which MetricFlow "
                                 "requires: questions over a period cannot date this measure.")
