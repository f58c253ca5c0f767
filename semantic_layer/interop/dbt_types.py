"""What the project's seed data says about a model's columns: their types, whether a key is
unique, whether a 'time' dimension holds dates. Without seeds, types are guessed from use and
the guess is reported once per model."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from semantic_layer.interop.dbt_context import Ctx, Model

_INT = re.compile(r"^[+-]?\d+$")
_FLOAT = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:?\d{2}|Z)?$")
_BOOL = {"true", "false", "t", "f"}
_GUESSED = {"time": "DATE", "measure": "DOUBLE", "key": "VARCHAR", "other": "VARCHAR"}


def looks_like_dates(values: list[str]) -> bool:
    """Every non-empty value is a date or timestamp (no values at all: nothing says otherwise)."""
    return all(_DATE.match(v.strip()) or _TIMESTAMP.match(v.strip()) for v in values if v.strip())


def seed_type(values: list[str]) -> str | None:
    """The type a database's CSV reader would give these values; None when all are empty."""
    present = [v.strip() for v in values if v.strip()]
    if not present:
        return None
    for sql_type, test in (("BIGINT", lambda v: _INT.match(v)), ("DOUBLE", lambda v: _FLOAT.match(v)),
                           ("DATE", lambda v: _DATE.match(v)), ("TIMESTAMP", lambda v: _TIMESTAMP.match(v)),
                           ("BOOLEAN", lambda v: v.lower() in _BOOL)):
        if all(test(v) for v in present):
            return sql_type
    return "VARCHAR"


def infer_type(ctx: Ctx, model: Model, column: str, use: str) -> str:
    """The seed's type for the column, else a guess from how the semantic model uses it."""
    values = model.sql.values(column)
    found = seed_type(values) if values is not None else None
    if found:
        return found
    if values is None and model.name not in ctx.typed_by_guess:  # said once, for all such models
        ctx.typed_by_guess.append(model.name)
    return _GUESSED[use]


def empty_in_seed(ctx: Ctx, model: Model, column: str, where: str, what: str) -> None:
    """A defect when the seed has the column but no value in it: `what` says what that breaks."""
    values = model.sql.values(column)
    if values is not None and values and not any(v.strip() for v in values):
        ctx.add("defect", where, f"column '{column}' has no values in the seed data: {what}.")


def check_key(ctx: Ctx, model: Model, column: str, where: str, kind: str) -> bool:
    """False (and a defect) when the seed data repeats a value of the key column: a many-to-one
    join to it would repeat rows and double count."""
    values = model.sql.values(column)
    if values is None:
        return True
    seen: dict[str, int] = {}
    for v in values:
        if v.strip():
            seen[v] = seen.get(v, 0) + 1
    repeated = [(v, n) for v, n in seen.items() if n > 1]
    if not repeated:
        return True
    value, times = repeated[0]
    ctx.add("defect", where,
            f"a {kind} entity, but not unique in the seed data: "
            f"{column} = {value} appears {times} times ({len(repeated)} repeated value(s)). Not declared as a key; "
            "it still joins many-to-one to the entity's owner. If rows are unique per a code (a role), declare "
            "one table per role (`source:` + `where:`).")
    return False
