"""What a chart writes for an answer's keys: period words on time axes, layer labels for codes,
and the orders the table shows.

A time axis is a list of period words ("Dec 2025", "W49 2025", "2025年12月") in time order,
not a temporal scale Vega would label itself ("2025-12-01", a quarter label on every month):
every period in the range appears, with a gap where a period has no row, so a missing week is
not silently closed up. Categories keep the order of the answer's rows, which is the table's.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from typing import Any

from assistant.core.calendar import DAY, grain_end, grain_start
from assistant.explain.answer import PERIOD_GRAINS, Answer, json_value
from assistant.explain.periods import as_date, period_label

MAX_PERIODS = 800  # a longer axis (years of days) is drawn from the rows alone, without gaps
NO_VALUE = "—"


def first_seen(values: Iterable[str]) -> list[str]:
    """Distinct values in the order they first appear (the table's order)."""
    return list(dict.fromkeys(values))


def number(value: Any) -> float | None:
    """A database number as a float for the chart; None for nulls and NaN."""
    if value is None or isinstance(value, bool):
        return None
    try:
        result = float(value)
    except (TypeError, ValueError):
        return None
    return result if math.isfinite(result) else None


def column(answer: Answer, col: str) -> list[Any]:
    i = answer.columns.index(col)
    return [row[i] for row in answer.rows]


def member_labels(answer: Answer, dims: list[str]) -> list[str]:
    """Each row's member in words: the layer's labels for codes, several keys joined by " / "."""
    if not dims:
        return ["" for _ in answer.rows]
    parts = [_labels(answer, d) for d in dims]
    return [" / ".join(p) for p in zip(*parts, strict=True)]


def _labels(answer: Answer, dim: str) -> list[str]:
    raw = column(answer, dim)
    shown = [NO_VALUE if v is None else str(answer.shown(dim, v)) for v in raw]
    # Two codes with one label would merge into one bar: name the code when labels collide.
    owners: dict[str, set[str]] = {}
    for value, text in zip(raw, shown, strict=True):
        owners.setdefault(text, set()).add(str(value))
    return [f"{text} ({value})" if len(owners[text]) > 1 else text for value, text in zip(raw, shown, strict=True)]


def grain_of(answer: Answer, time: str) -> str:
    """A time column's grain: its own name for compiled queries, else the query's, else days."""
    if time in PERIOD_GRAINS:
        return time
    grain = (answer.semantic_query or {}).get("time_grain")
    return grain if grain in PERIOD_GRAINS else "day"


def period_axis(answer: Answer, time: str) -> tuple[list[str], list[str]]:
    """Each row's period in words, and the axis: every period from first to last, in time order."""
    raw = column(answer, time)
    if answer.value_labels.get(time):  # compared periods named by their words ('H1', '上半年'), in time order
        labels = [NO_VALUE if v is None else str(answer.shown(time, v)) for v in raw]
        order = sorted({v for v in raw if v is not None}, key=str)
        return labels, [str(answer.shown(time, v)) for v in order] + ([NO_VALUE] if NO_VALUE in labels else [])
    grain = grain_of(answer, time)
    lang = "zh" if answer.lang == "zh" else "en"
    days = [as_date(v) for v in raw]
    labels = [NO_VALUE if v is None else period_label(v, grain, lang) for v in raw]
    known = {(d, text) for d, text in zip(days, labels, strict=True) if d is not None}
    if len({d for d, _ in known}) != len({text for _, text in known}) or any(
            v is not None and d is None for v, d in zip(raw, days, strict=True)):
        # Values finer than the grain (timestamps) or not dates: words would merge them.
        labels = [NO_VALUE if v is None else str(json_value(v)) for v in raw]
        return labels, sorted(set(labels) - {NO_VALUE}) + ([NO_VALUE] if NO_VALUE in labels else [])
    starts = sorted({d for d, _ in known})
    axis = [period_label(d, grain, lang) for d in _every_period(starts, grain)]
    return labels, axis + ([NO_VALUE] if NO_VALUE in labels else [])


def _every_period(starts: list[dt.date], grain: str) -> list[dt.date]:
    """The period starts from the first to the last, gaps filled; the rows' own starts when
    they are not aligned to the grain or the range is too long to list."""
    if not starts or any(grain_start(d, grain) != d for d in starts):
        return starts
    filled: list[dt.date] = []
    day = starts[0]
    while day <= starts[-1] and len(filled) <= MAX_PERIODS:
        filled.append(day)
        day = grain_end(day, grain) + DAY
    return filled if len(filled) <= MAX_PERIODS else starts

