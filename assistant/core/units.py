"""Numbers for people, by the unit the layer declares: ratios as percentages, other values
with the unit's suffix and a precision that suits their size, in English or Chinese."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from semantic_layer.models import UnitSpec


def format_value(value: Any, unit: UnitSpec | None, lang: str = "en") -> str:
    """'83.9%', '1,234 min', '0.302 kWh/unit', '—' for no value; dates as ISO dates."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        try:
            value = float(value)
        except (TypeError, ValueError):
            return str(value)
    if unit is not None and unit.kind == "ratio":
        return f"{value * 100:.1f}%"
    suffix = unit.suffix.get(lang) if unit is not None else ""
    prefix = unit.prefix.get(lang) if unit is not None else ""
    sign = "-" if value < 0 and prefix else ""  # "-$1,200", not "$-1,200"
    if sign:
        value = -value
    if unit is not None and unit.decimals is not None:
        return f"{sign}{prefix}{value:,.{unit.decimals}f}{suffix}"
    if float(value).is_integer() and (abs(value) >= 1 or value == 0):  # a count of nothing reads "0", not "0.00"
        return f"{sign}{prefix}{int(value):,}{suffix}"
    text = f"{value:,.1f}" if abs(value) >= 10 else f"{value:,.2f}"
    return f"{sign}{prefix}{text}{suffix}"


def unit_words(unit: UnitSpec | None, lang: str) -> str:
    """What the unit is called ('minutes', '千瓦时'), for glossaries."""
    return unit.label.get(lang) if unit is not None else "—"
