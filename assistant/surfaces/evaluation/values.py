"""Normalise database and JSON values into typed tokens that compare with tolerance.

A value becomes (kind, payload). Kinds never equal each other, so 3 and '3' differ,
but 3, 3.0 and Decimal('3') are all ('num', 3); a DATE, a midnight TIMESTAMP and the
string '2025-12-01' are all ('date', 2025-12-01); NaN, NaT and None are all null.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import re
from typing import Any

from assistant.explain.answer import json_value

REL_TOL = 1e-6
ABS_TOL = 1e-9

# A normalised value is (kind, payload); kinds never compare equal to each other.
Norm = tuple[str, Any]
KIND_RANK = {"null": 0, "num": 1, "date": 2, "datetime": 3, "time": 4, "dim": 5, "str": 6, "other": 7}
_NULL: Norm = ("null", None)

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)?$")
_TIME_RE = re.compile(r"^\d{2}:\d{2}:\d{2}(\.\d{1,6})?$")


def _norm_datetime(value: dt.datetime) -> Norm:
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    if value.time() == dt.time(0, 0):
        # A DATE grain column often comes back as a midnight TIMESTAMP from date_trunc.
        return ("date", value.date())
    return ("datetime", value)


def _norm_string(value: str) -> Norm:
    text = value.strip()
    try:
        if _DATE_RE.match(text):
            return ("date", dt.date.fromisoformat(text))
        if _DATETIME_RE.match(text):
            # fromisoformat accepts at most 6 fractional digits; nanoseconds are noise here.
            text = re.sub(r"(\.\d{6})\d+", r"\1", text)
            return _norm_datetime(dt.datetime.fromisoformat(text))
        if _TIME_RE.match(text):
            return ("time", dt.time.fromisoformat(text).isoformat())
    except ValueError:
        pass  # looked like a date but is not one (e.g. '2025-13-45'): keep the text
    return ("str", value)


def _norm_float(value: float) -> Norm:
    if math.isnan(value):
        return _NULL
    if value.is_integer() and abs(value) < 2**53:
        return ("num", int(value))  # exact ints compare exactly, also huge BIGINT counts
    return ("num", value)


def _norm_decimal(value: decimal.Decimal) -> Norm:
    if value.is_nan():
        return _NULL
    if value.is_finite() and value == value.to_integral_value():
        return ("num", int(value))
    return ("num", float(value))


def _norm_number(value: int | float | decimal.Decimal) -> Norm:
    """bool, int, float (numpy's float64 too) and Decimal as one 'num' kind."""
    if isinstance(value, bool):
        return ("num", int(value))
    if isinstance(value, int):
        return ("num", value)
    if isinstance(value, float):
        return _norm_float(value)
    return _norm_decimal(value)


def _norm_temporal(value: dt.date | dt.time) -> Norm:
    if isinstance(value, dt.datetime):  # before date: datetime is a date subclass
        return _norm_datetime(value)
    if isinstance(value, dt.date):
        return ("date", value)
    return ("time", value.isoformat())


def _norm_other(value: Any) -> Norm:
    """numpy scalars by their Python value; anything else by its JSON text."""
    if type(value).__name__ == "datetime64":
        import pandas as pd  # only numpy datetimes need it

        return normalise_value(pd.Timestamp(value).to_pydatetime())
    if hasattr(value, "item") and type(value).__module__ == "numpy":
        return normalise_value(value.item())
    return ("other", str(json_value(value)))


def normalise_value(value: Any) -> Norm:
    """A typed, comparable token for one database or JSON value."""
    if value is None:
        return _NULL
    if isinstance(value, (int, float, decimal.Decimal)):  # bool is an int
        return _norm_number(value)
    if type(value).__name__ == "NaTType":  # pandas' missing timestamp
        return _NULL
    if isinstance(value, (dt.date, dt.time)):
        return _norm_temporal(value)
    if isinstance(value, str):
        return _norm_string(value)
    return _norm_other(value)


def values_equal(a: Norm, b: Norm) -> bool:
    if a[0] != b[0]:
        return False
    if a[0] == "num":
        x, y = a[1], b[1]
        if isinstance(x, int) and isinstance(y, int):
            return x == y
        return math.isclose(x, y, rel_tol=REL_TOL, abs_tol=ABS_TOL)
    return bool(a[1] == b[1])


def sort_key(value: Norm) -> tuple[int, Any]:
    return (KIND_RANK[value[0]], value[1])

