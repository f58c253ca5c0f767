"""SemanticQuery: the typed contract between planners (rules, LLM) and the compiler.

A planner's whole job is to produce one of these; the compiler's whole job is to turn
one into SQL. `validate_query` checks it against a layer and explains what is wrong.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer,
    model_validator,
)

from assistant.core.calendar import TimeRange
from assistant.core.errors import IncompatibleError, UnknownFieldError, did_you_mean
from semantic_layer.layer import RECORD_SUFFIX, Layer
from semantic_layer.models import GRAINS, Grain, Measure

__all__ = ["PERIOD", "Filter", "Op", "Order", "SemanticQuery", "TimeRange", "Value", "validate_query"]

PERIOD = "period"  # the key of compared periods (SemanticQuery.periods): each one's first day

Op = Literal["=", "!=", "in", "not in", ">", ">=", "<", "<=", "between"]
Value = str | int | float | dt.date


class Filter(BaseModel):
    """`field` is a dimension (row filter, WHERE) or a metric (threshold, HAVING)."""

    model_config = ConfigDict(extra="forbid")
    field: str
    op: Op = "in"
    values: list[Value] = Field(min_length=1)

    @model_validator(mode="after")
    def _arity(self) -> Filter:
        if self.op == "between" and len(self.values) != 2:
            raise ValueError("'between' needs exactly two values")
        if self.op in {"=", "!=", ">", ">=", "<", "<="} and len(self.values) != 1:
            raise ValueError(f"'{self.op}' needs exactly one value")
        return self


class Order(BaseModel):
    model_config = ConfigDict(extra="forbid")
    field: str
    desc: bool = True


class SemanticQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    metrics: list[str] = Field(default_factory=list)  # none: a list of distinct members (needs dimensions)
    dimensions: list[str] = Field(default_factory=list)
    filters: list[Filter] = Field(default_factory=list)
    time_range: TimeRange | None = None
    time_grain: Grain | None = None
    order: list[Order] = Field(default_factory=list)
    limit: int | None = Field(default=None, ge=1, le=100_000)
    locale: Literal["en", "zh"] = "en"
    # The date a period applies to when a fact has several ("orders placed in May" vs "due in May").
    time_role: str | None = None
    # A share of a total: the first metric over the same metric without these dimensions' filters
    # and breakdowns ("share of scrap from the night shift", "each plant's share of output").
    share: list[str] = Field(default_factory=list)
    # The first metric divided by this one, aggregated first ("average quantity per shipment").
    per: str | None = None
    # Metrics shown in another unit than their own, one their unit converts to ("downtime in hours").
    units: dict[str, str] = Field(default_factory=dict)
    # The records of this table one by one (its key, its date and the dimensions asked), newest
    # first, instead of a figure: "show me the open complaints from this month". No metric. A count
    # metric here lists the rows it counts ("anything below safety stock?"), its measure's filter applied.
    records: str | None = None
    # With `records`: the distinct members of `dimensions` among those records, not the records
    # themselves ("which customers were those complaints from?").
    distinct: bool = False
    # The mean over the periods of this grain ("average daily output"): the metric per period,
    # then the average of those figures (periods with no rows are not counted). Sums and counts only.
    average_over: Grain | None = None
    # Periods compared side by side that are no calendar grain ("H1 vs H2", "the last 4 weeks vs the
    # 4 before"): one row per period, keyed `period` by its first day; only rows inside one of them.
    periods: list[TimeRange] = Field(default_factory=list)
    # The day the question was asked on, for measures the layer dates against today ('overdue':
    # promised before CURRENT_DATE); set by the pipeline only for those, so other queries stay as written.
    as_of: dt.date | None = None

    @model_serializer(mode="wrap")
    def _today_only_when_set(self, handler: SerializerFunctionWrapHandler) -> Any:
        # fields added late are written only when set, so earlier queries (stored, golden) read the same
        data = handler(self)
        if isinstance(data, dict) and data.get("as_of") is None:
            data.pop("as_of", None)
        if isinstance(data, dict) and not data.get("distinct", True):
            data.pop("distinct", None)
        return data

    @model_validator(mode="after")
    def _shape(self) -> SemanticQuery:
        if not self.metrics and not self.dimensions and not self.records:
            raise ValueError("a query needs a metric, dimensions to list or a table whose records to list")
        if self.records and (self.metrics or self.time_grain):
            raise ValueError("records are listed one by one: no metric and no time grain")
        if self.distinct and not (self.records and self.dimensions):
            raise ValueError("distinct members are read from records: both are needed")
        if (self.share or self.per) and not self.metrics:
            raise ValueError("a share or a ratio needs a metric")
        if self.average_over and (not self.metrics or self.share or self.per or self.time_grain):
            raise ValueError("an average over periods needs a metric, and no share, ratio or time grain beside it")
        if self.periods and (len(self.periods) < 2 or not self.metrics or self.time_grain or self.share
                             or self.average_over):
            raise ValueError("periods compare two or more periods of a metric, with no time grain, share "
                             "or average over periods beside them")
        if self.per is not None and self.per not in self.metrics[1:]:
            raise ValueError(f"'per' must name one of the other metrics of the query, not '{self.per}'")
        return self

    def derived_column(self) -> str | None:
        """The column a share or a ratio adds to the result (the answer's figure then)."""
        if self.share:
            return f"{self.metrics[0]}_share"
        if self.per:
            return f"{self.metrics[0]}_per_{self.per}"
        return None

    @field_validator("metrics", "dimensions")
    @classmethod
    def _unique(cls, names: list[str]) -> list[str]:
        return list(dict.fromkeys(names))

    def output_fields(self) -> list[str]:
        """Keys (time grain, dimensions) then metrics; a share or ratio column comes after them."""
        time = [self.time_grain] if self.time_grain else [PERIOD] if self.periods else []
        return [*time, *self.dimensions, *self.metrics]


def validate_query(query: SemanticQuery, layer: Layer) -> None:
    """Raise a QueryError that says what is wrong and what would work instead."""
    for name in query.metrics:
        layer.metric(name)
    _check_dimensions(query, layer)
    for f in query.filters:
        _check_filter(f, query, layer)
    _check_order(query, layer)
    _check_time_grain(query, layer)
    _check_shape(query, layer)
    _check_units(query, layer)
    _check_records(query, layer)


def records_table(layer: Layer, records: str) -> tuple[str, Measure | None]:
    """The table whose rows `records` lists, and for a count metric the one measure that counts them
    (its filter picks the rows: 'anything below safety stock' lists the rows the count counts)."""
    if records in layer.tables:
        return records, None
    refs = layer.metric_measures(records)
    if len(refs) == 1 and refs[0].agg == "count" and layer.metric(records).expr.strip() == refs[0].name:
        return refs[0].table, refs[0]
    return refs[0].table if refs else records, None


def _check_records(query: SemanticQuery, layer: Layer) -> None:
    """Records of a table with a key, with dimensions and filters its rows reach."""
    if query.records is None:
        return
    if query.records not in layer.tables and query.records not in layer.metrics:
        raise UnknownFieldError(f"There is no table '{query.records}'.", suggestion=did_you_mean(query.records,
                                                                                              list(layer.tables)))
    if query.records in layer.metrics and records_table(layer, query.records)[1] is None:
        raise IncompatibleError(f"'{query.records}' is no count of rows, so it has no records to list.")
    table = layer.tables[records_table(layer, query.records)[0]]
    if not table.primary_key:
        raise IncompatibleError(f"'{table.name}' has no key, so its records cannot be listed one by one.")
    if query.time_role is not None and query.time_role not in table.time_columns():
        raise IncompatibleError(f"'{table.name}' has no date called '{query.time_role}'.",
                                suggestion=did_you_mean(query.time_role, table.time_columns()))
    for name in [*query.dimensions, *(f.field for f in query.filters)]:
        if layer.join_path(table.name, layer.dimension(name).table) is None:
            said = table.label.en if table.label is not None else table.name.replace("_", " ")
            raise IncompatibleError(f"{said[:1].upper()}{said[1:]} do not record a "
                                    f"{layer.dimension(name).label.en.lower()}, so they cannot be listed by it.",
                                    suggestion="Ask about the records that do, or name the ones you mean.")


def _check_units(query: SemanticQuery, layer: Layer) -> None:
    for metric, unit in query.units.items():
        if metric not in query.metrics:
            raise IncompatibleError(f"A unit is given for '{metric}', which the query does not ask for.")
        own = layer.unit(layer.metric(metric).unit)
        targets = [c.to for c in own.conversions] if own is not None else []
        if unit not in targets:
            raise IncompatibleError(f"'{metric}' cannot be shown in '{unit}'.",
                                    suggestion=f"It converts to: {', '.join(targets)}." if targets else None)


def _check_dimensions(query: SemanticQuery, layer: Layer) -> None:
    """Every dimension exists and every metric can be broken down by it."""
    for name in query.dimensions:
        layer.dimension(name)
        for metric in query.metrics:
            allowed = layer.metric_dimensions(metric)
            if name not in allowed:
                label = layer.metric(metric).label.en
                raise IncompatibleError(
                    f"{label} cannot be broken down by {layer.dimension(name).label.en.lower()}.",
                    suggestion=f"It can be broken down by: {', '.join(allowed)}.")


def _check_filter(f: Filter, query: SemanticQuery, layer: Layer) -> None:
    """A metric threshold, a pick of periods, or a dimension filter every metric accepts."""
    ratio = bool(query.per) and f.field == query.derived_column()  # 'on hand below 1.5 times the safety stock'
    if f.field in layer.metrics or ratio:
        if f.field not in query.metrics and not ratio:
            raise IncompatibleError(f"A threshold on '{f.field}' needs that metric in the question.")
        if f.op in {"in", "not in"}:
            raise IncompatibleError(f"Compare a figure with a number (>, <, between), not a list: '{f.field}'.")
        return
    if f.field == query.time_grain:  # keep only some periods: "Q2 and Q4"
        if f.op not in {"in", "="}:
            raise IncompatibleError(f"Periods can only be picked by their first day, not compared with '{f.op}'.")
        return
    if f.field not in layer.dimensions:
        raise UnknownFieldError(f"Cannot filter on '{f.field}': it is neither a dimension nor a metric.",
                                suggestion=did_you_mean(f.field, [*layer.dimensions, *layer.metrics]))
    record = f.field.endswith(RECORD_SUFFIX) and f.field not in {d.name for d in layer.spec.dimensions}
    for metric in query.metrics:
        if not (layer.reaches(metric, f.field) if record else f.field in layer.metric_dimensions(metric)):
            raise IncompatibleError(
                f"{layer.metric(metric).label.en} cannot be filtered by "
                f"{layer.dimension(f.field).label.en.lower()}.")


def _check_order(query: SemanticQuery, layer: Layer) -> None:
    """Sorting is only by a column of the result (records: also by an amount each record carries)."""
    fields = {*query.output_fields(), *filter(None, [query.derived_column()])}
    for o in query.order:
        if o.field not in fields and not (query.records and row_amount(layer, query.records, o.field)):
            raise UnknownFieldError(f"Cannot sort by '{o.field}': it is not part of the result.",
                                    suggestion=did_you_mean(o.field, fields))


def row_amount(layer: Layer, records: str, metric: str) -> Measure | None:
    """The amount each record of `records` carries that `metric` sums ('the longest breakdowns': each
    event's minutes, which downtime minutes add up), or None when the metric is no plain sum of them."""
    if metric not in layer.metrics:
        return None
    refs = layer.metric_measures(metric)
    table = records_table(layer, records)[0]
    if len(refs) != 1 or refs[0].agg != "sum" or not refs[0].expr or refs[0].table != table \
            or layer.metric(metric).expr.strip() != refs[0].name:
        return None
    return refs[0]


def _check_time_grain(query: SemanticQuery, layer: Layer) -> None:
    """A time grain needs dated metrics and must be a known grain."""
    grain = query.time_grain or query.average_over
    if grain is not None:
        timeless = [m for m in query.metrics if not layer.metric_time_columns(m)]
        if timeless:
            raise IncompatibleError(f"{layer.metric(timeless[0]).label.en} is a snapshot figure with no dates, "
                                    f"so it cannot be broken down by {grain}.")
    if query.time_grain is not None and query.time_grain not in GRAINS:
        raise UnknownFieldError(f"Unknown time grain '{query.time_grain}'.",
                                suggestion=did_you_mean(query.time_grain, GRAINS))


def _check_shape(query: SemanticQuery, layer: Layer) -> None:
    """A time role some fact has; a share over dimensions of the query; a list's dimensions related."""
    if query.time_role is not None:
        roles = {c for m in query.metrics for t in {x.table for x in layer.metric_measures(m)}
                 for c in layer.tables[t].time_columns()}
        if query.metrics and query.time_role not in roles:
            raise IncompatibleError(f"None of the metrics has a date called '{query.time_role}'.",
                                    suggestion=did_you_mean(query.time_role, roles))
    for name in query.share:
        layer.dimension(name)
        named = {f.field for f in query.filters} | set(query.dimensions)
        if name not in named:
            raise IncompatibleError(f"A share over '{name}' needs that dimension as a filter or a breakdown.")
    if query.share and layer.metric(query.metrics[0]).unit == "ratio":
        raise IncompatibleError(f"{layer.metric(query.metrics[0]).label.en} is already a rate: "
                                "a share of it has no meaning.", suggestion="Ask for the rate itself.")
    if not query.metrics and not query.records and layer.list_table(
            query.dimensions, [f.field for f in query.filters]) is None:
        raise IncompatibleError("These fields are not recorded together: " + ", ".join(query.dimensions) + ".",
                                suggestion="List fewer fields at once.")
