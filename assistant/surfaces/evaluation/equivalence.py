"""Dimension-value equivalence: 'SZ', 'Suzhou' and '苏州' name the same plant.

Built from the database: for each group (table, [key column, name columns...]) every
value of those columns maps to the token 'table:<key value>'. Groups come from the
semantic layer (`Layer.value_equivalence_groups`).
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from assistant.core.errors import ConfigError, ExecutionError
from assistant.surfaces.evaluation.db import GoldConnection, identifier
from assistant.surfaces.evaluation.values import Norm, normalise_value


def default_equivalence_groups() -> list[tuple[str, list[str]]]:
    """The groups of the default semantic layer ($FA_LAYER or the demo factory): names live
    in the layer's dimensions (key, display and alias columns), never in this code."""
    from semantic_layer.loader import load_layer

    return load_layer().value_equivalence_groups()


def _equivalence_key(value: Norm) -> tuple[str, Any] | None:
    if value[0] == "str":
        return ("s", value[1].strip().casefold())
    if value[0] == "num" and isinstance(value[1], int):
        return ("n", value[1])  # integer surrogate keys in non-demo databases
    return None


class ValueEquivalence:
    """Maps every id / English name / Chinese name of a dimension member to one token.

    A value that maps to several tokens (e.g. a name shared by two tables, or by two
    rows) is ambiguous and left as it is, so equivalence can never merge two members.
    """

    def __init__(self, groups_rows: Iterable[tuple[str, Iterable[Sequence[Any]]]]) -> None:
        seen: dict[tuple[str, Any], set[str]] = defaultdict(set)
        for table, rows in groups_rows:
            for row in rows:
                if not row or row[0] is None:
                    continue
                token = f"{table}:{row[0]}"
                for raw in row:
                    if raw is None:
                        continue
                    key = _equivalence_key(normalise_value(raw))
                    if key is not None:
                        seen[key].add(token)
        self.mapping: dict[tuple[str, Any], str] = {k: next(iter(v)) for k, v in seen.items() if len(v) == 1}
        self.ambiguous: int = sum(1 for v in seen.values() if len(v) > 1)

    def __len__(self) -> int:
        return len(self.mapping)

    def canonical(self, value: Norm) -> Norm:
        key = _equivalence_key(value)
        if key is None:
            return value
        token = self.mapping.get(key)
        return ("dim", token) if token is not None else value

    @classmethod
    def from_connection(
        cls, con: GoldConnection, groups: Sequence[tuple[str, Sequence[str]]], *, skip_missing: bool = False
    ) -> ValueEquivalence:
        data: list[tuple[str, list[tuple[Any, ...]]]] = []
        for table, columns in groups:
            if not columns:
                raise ConfigError(f"Equivalence group '{table}' lists no columns.")
            if skip_missing:
                present = con.columns(table)
                if present is None:
                    continue
                known = {c.lower() for c in present}
                columns = [c for c in columns if c.lower() in known]  # a smaller database may lack alias columns
                if len(columns) < 2:
                    continue
            # DISTINCT: groups may be coded columns of big fact tables (defect types).
            names = ", ".join(identifier(c, con.dialect) for c in columns)
            sql = f"SELECT DISTINCT {names} FROM {identifier(table, con.dialect)}"
            try:
                _, rows = con.query(sql)
            except ExecutionError as exc:
                raise ConfigError(
                    f"Cannot read equivalence group {table}({', '.join(columns)}): {exc.message}",
                    suggestion="Check the table and column names passed as equivalence groups.",
                ) from exc
            data.append((table, rows))
        return cls(data)

    @classmethod
    def from_database(
        cls,
        db: str | os.PathLike[str],
        groups: Sequence[tuple[str, Sequence[str]]],
        *,
        skip_missing: bool = False,
    ) -> ValueEquivalence:
        """Read the groups, e.g. [('plants', ['plant_id', 'plant_name', 'plant_name_zh'])], from a
        DuckDB file or a database URL."""
        with GoldConnection(db) as con:
            return cls.from_connection(con, groups, skip_missing=skip_missing)
