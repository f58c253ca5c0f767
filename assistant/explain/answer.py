"""The one answer object that every surface (CLI, Streamlit, bots, HTTP API, alerts) renders.

Surfaces never re-plan or re-query: they format what is here. `to_json()` is the
documented wire shape of `factory-assistant ask --json`.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from assistant.explain.periods import period_label
from semantic_layer.models import BUILTIN_UNITS, GRAINS, UnitSpec

PERIOD_GRAINS = GRAINS

Status = Literal["ok", "clarify", "refused", "error"]


@dataclass
class Provenance:
    """How an answer was computed, for the 'how was this computed?' view."""

    metrics: list[dict[str, Any]] = field(default_factory=list)  # name, label, formula, unit, description
    filters: list[str] = field(default_factory=list)  # filters in words
    time_range: str | None = None
    freshness: dict[str, str] = field(default_factory=dict)  # source table -> latest date
    retrieved_ids: list[str] = field(default_factory=list)
    prompt_version: str | None = None
    repair_rounds: int = 0
    token_usage: dict[str, int] = field(default_factory=dict)
    not_understood: list[str] = field(default_factory=list)  # words of the question that were not used
    summaries: list[str] = field(default_factory=list)  # summary tables read instead of their facts (`aggregates:`)


@dataclass
class Answer:
    question: str
    status: Status
    message: str
    interpretation: str = ""
    semantic_query: dict[str, Any] | None = None
    sql: str | None = None
    columns: list[str] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)
    truncated: bool = False
    chart: dict[str, Any] | None = None
    planner: str = "rules"
    timings_ms: dict[str, float] = field(default_factory=dict)
    lang: str = "en"
    suggestions: list[str] = field(default_factory=list)  # clickable follow-ups or clarify options
    column_labels: dict[str, str] = field(default_factory=dict)
    column_units: dict[str, str] = field(default_factory=dict)  # column -> unit name (ratio, count, ...)
    units: dict[str, UnitSpec] = field(default_factory=dict)  # unit name -> how its values read
    provenance: Provenance = field(default_factory=Provenance)
    extras: dict[str, Any] = field(default_factory=dict)  # e.g. trace levels, comparison deltas
    # column -> stored value -> the layer's label in the answer's language ("assembly_error" ->
    # "Assembly error"); rows keep the stored values so filters and exports stay exact.
    value_labels: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def draw_later(self, build: Callable[[Answer], dict[str, Any] | None]) -> None:
        """Build `chart` on first read instead of now. Most CLI, API and bot answers are never
        drawn, and the chart was a third of a metric answer's time; reading `chart` (or
        `to_json()`) builds it from the answer as it stands then."""
        self.__dict__["_chart_builder"] = build

    def unit_of(self, column: str) -> UnitSpec | None:
        """The display rules of a column's unit (None for dimensions and unitless columns)."""
        name = self.column_units.get(column)
        if not name:
            return None
        return self.units.get(name) or next((u for u in BUILTIN_UNITS if u.name == name), None)

    def is_ratio(self, column: str) -> bool:
        unit = self.unit_of(column)
        return unit is not None and unit.kind == "ratio"

    def column_kind(self, column: str) -> str | None:
        """'time', 'dimension' or 'metric' for a compiled query's columns; None otherwise."""
        kinds: dict[str, str] = self.extras.get("column_kinds") or {}
        return kinds.get(column)

    def shown(self, column: str, value: Any) -> Any:
        """A value as people read it: the layer's label for a code, a period in words for a
        time column ("Dec 2025"); numbers and unlabelled values unchanged."""
        if value is None:
            return None
        if self.column_kind(column) == "time" and column in PERIOD_GRAINS:
            return period_label(value, column, self.lang)
        labels = self.value_labels.get(column)
        if labels:
            return labels.get(str(value), value)
        return value

    def shown_rows(self) -> list[list[Any]]:
        """Every row with `shown` values, in the answer's order (table, chart and CSV agree)."""
        return [[self.shown(c, v) for c, v in zip(self.columns, row, strict=True)] for row in self.rows]

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def to_json(self) -> dict[str, Any]:
        """A JSON-safe dict: numbers stay numbers, dates become ISO strings."""
        return {
            "question": self.question,
            "status": self.status,
            "message": self.message,
            "interpretation": self.interpretation,
            "semantic_query": self.semantic_query,
            "sql": self.sql,
            "columns": list(self.columns),
            "rows": [[json_value(v) for v in row] for row in self.rows],
            "truncated": self.truncated,
            "chart": self.chart,
            "planner": self.planner,
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
            "lang": self.lang,
            "suggestions": list(self.suggestions),
            "column_labels": dict(self.column_labels),
            "column_units": dict(self.column_units),
            "units": {name: unit.model_dump(mode="json") for name, unit in self.units.items()},
            "provenance": json_value(self.provenance.__dict__),
            "extras": json_value(self.extras),
            "value_labels": {c: dict(m) for c, m in self.value_labels.items()},
        }


def _get_chart(answer: Answer) -> dict[str, Any] | None:
    build = answer.__dict__.pop("_chart_builder", None)
    if build is not None:
        answer.__dict__["_chart"] = build(answer)
    chart: dict[str, Any] | None = answer.__dict__.get("_chart")
    return chart


def _set_chart(answer: Answer, value: dict[str, Any] | None) -> None:
    answer.__dict__.pop("_chart_builder", None)  # a chart set by hand wins over a deferred one
    answer.__dict__["_chart"] = value


# `chart` stays a dataclass field (constructor argument, repr, equality) but reads through
# draw_later's builder; installed after the class so the dataclass still sees the field.
setattr(Answer, "chart", property(_get_chart, _set_chart))  # noqa: B010


def json_value(value: Any) -> Any:
    """Convert database values to JSON: Decimal -> float, dates -> ISO, NaN -> None."""
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return json_value(value.item())
    return str(value)
