"""Python values as SQL literals, one rule for every statement the SQL stage builds."""

from __future__ import annotations

import datetime as dt

from sqlglot import exp


def literal(value: object) -> exp.Expression:
    """bool -> TRUE/FALSE, numbers as numbers, dates as DATE 'YYYY-MM-DD', anything else as text."""
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, (int, float)):
        return exp.Literal.number(value)
    if isinstance(value, dt.date):
        return exp.cast(exp.Literal.string(value.isoformat()), "DATE")
    return exp.Literal.string(str(value))
