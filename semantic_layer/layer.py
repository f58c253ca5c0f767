"""A loaded, cross-checked semantic layer with lookups and join paths."""

from __future__ import annotations

import hashlib
import json
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import sqlglot
from sqlglot import exp

from semantic_layer.aggregates import Aggregate, summary_column_types
from semantic_layer.errors import LayerError, UnknownFieldError, did_you_mean
from semantic_layer.expand import expand
from semantic_layer.genealogy import GenealogyGraph
from semantic_layer.generated import with_generated
from semantic_layer.models import BUILTIN_UNITS, Dimension, LayerSpec, Measure, Metric, Relationship, Table, UnitSpec
from semantic_layer.validation import check_layer

RECORD_SUFFIX = "__record"  # a record dimension's name: the genealogy node's name and this


@dataclass(frozen=True)
class JoinStep:
    """Join `table` on `left_table.left_column = table.right_column` (many-to-one)."""

    left_table: str
    left_column: str
    table: str
    right_column: str


class Layer:
    """The semantic layer: the single source of truth for names, joins and formulas."""

    def __init__(self, spec: LayerSpec, *, origin: dict[tuple[str, str], str] | None = None,
                 folder: Path | None = None) -> None:
        spec = with_generated(expand(spec))
        self.spec = spec
        self.folder = folder
        self._origin = origin or {}
        self.tables: dict[str, Table] = {t.name: t for t in spec.tables}
        self.dimensions: dict[str, Dimension] = {d.name: d for d in spec.dimensions}
        self.measures: dict[str, Measure] = {m.name: m for m in spec.measures}
        self.metrics: dict[str, Metric] = {m.name: m for m in spec.metrics}
        self.units: dict[str, UnitSpec] = {u.name: u for u in (*BUILTIN_UNITS, *spec.units)}
        self.aggregates: dict[str, Aggregate] = {a.name: a for a in spec.aggregates}
        # A layer does not change once loaded; planners ask these many times per question.
        self._measures_of: dict[str, list[Measure]] = {}
        self._paths: dict[tuple[str, str], list[JoinStep] | None] = {}
        self._reachable: dict[str, list[str]] = {}
        check_layer(self)
        # One filterable field per kind of record the genealogy walks ('work_order__record'): a figure over
        # the records a trace reached ('scrap on the work orders that used lot X') filters by their keys.
        # Kept out of `spec`, so no question names them and no answer offers them as a breakdown.
        self.record_dimensions: dict[str, Dimension] = {}
        for node in spec.genealogy.nodes:
            if node.context or node.table not in self.tables:
                continue
            name = f"{node.name}{RECORD_SUFFIX}"
            if name not in self.dimensions:
                self.record_dimensions[node.name] = Dimension(name=name, label=node.label, table=node.table,
                                                              column=node.key, index_values=False)
        self.dimensions.update({d.name: d for d in self.record_dimensions.values()})

    @cached_property
    def genealogy(self) -> GenealogyGraph:
        """The genealogy as a type graph, built once per layer (traces read it many times)."""
        return GenealogyGraph(self.spec.genealogy)

    @cached_property
    def fingerprint(self) -> str:
        """Content hash; the retrieval index and caches rebuild when it changes."""
        blob = json.dumps(self.spec.model_dump(mode="json", by_alias=True), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    # ------------------------------------------------------------------ validation
    def where(self, section: str, name: str) -> str:
        """'file: section[i]' of an item, for error messages."""
        return self._origin.get((section, name), f"{section}: {name}")

    def require_table(self, table: str, where: str) -> Table:
        if table not in self.tables:
            raise LayerError(f"unknown table '{table}'.", location=where, suggestion=did_you_mean(table, self.tables))
        return self.tables[table]

    def require_column(self, table: str, column: str, where: str) -> None:
        cols = self.require_table(table, where).columns
        if column not in cols:
            raise LayerError(f"table '{table}' has no column '{column}'.", location=where,
                             suggestion=did_you_mean(column, cols))

    # ------------------------------------------------------------------ lookups
    def metric(self, name: str) -> Metric:
        if name not in self.metrics:
            raise UnknownFieldError(f"There is no metric called '{name}'.",
                                    suggestion=did_you_mean(name, self.metrics))
        return self.metrics[name]

    def unit(self, name: str | None) -> UnitSpec | None:
        """The display rules of a unit (None for no unit)."""
        return self.units.get(name) if name else None

    def dimension(self, name: str) -> Dimension:
        if name not in self.dimensions:
            raise UnknownFieldError(f"There is no dimension called '{name}'.",
                                    suggestion=did_you_mean(name, self.dimensions))
        return self.dimensions[name]

    def metric_measures(self, name: str, *, where: str | None = None) -> list[Measure]:
        """Measures referenced by a metric's expression, in order of appearance."""
        if name in self._measures_of:
            return list(self._measures_of[name])
        metric = self.metric(name)
        tree = sqlglot.parse_one(metric.expr, read="duckdb")
        out: list[Measure] = []
        for col in tree.find_all(exp.Column):
            if col.name not in self.measures:
                raise LayerError(f"unknown measure '{col.name}' in expression '{metric.expr}'.",
                                 location=where or self.where("metrics", name),
                                 suggestion=did_you_mean(col.name, self.measures))
            if self.measures[col.name] not in out:
                out.append(self.measures[col.name])
        self._measures_of[name] = out
        return list(out)

    def time_column(self, measure: Measure) -> str | None:
        return measure.time_column or self.tables[measure.table].time_column

    def physical_schema(self) -> dict[str, dict[str, str]]:
        """What SQL may touch: physical tables and their columns (derived tables are CTEs), and
        the summary tables the layer declares."""
        schema = {t.name: {c: ty for c, ty in t.columns.items() if c not in t.computed}
                  for t in self.spec.tables if not t.derived}
        return {**schema, **self.summary_schema()}

    def summary_schema(self) -> dict[str, dict[str, str]]:
        """Each declared summary table and its columns (`aggregates:`)."""
        return {a.name: summary_column_types(a, self.tables[a.source].columns if a.source in self.tables else {})
                for a in self.spec.aggregates}

    def value_equivalence_groups(self) -> list[tuple[str, list[str]]]:
        """(table, columns) whose values name the same thing: id, English and Chinese name."""
        groups: dict[tuple[str, tuple[str, ...]], None] = {}
        for d in self.spec.dimensions:
            if not self.tables[d.table].derived and len(d.equivalent_columns()) > 1:
                groups[(d.table, tuple(d.equivalent_columns()))] = None
        return [(t, list(cols)) for t, cols in groups]

    # ------------------------------------------------------------------ joins
    @cached_property
    def _edges(self) -> dict[str, list[Relationship]]:
        edges: dict[str, list[Relationship]] = {}
        for r in self.spec.relationships:
            if r.cardinality != "many_to_many":  # a join through anything else repeats fact rows
                edges.setdefault(r.from_table, []).append(r)
        return edges

    def join_path(self, start: str, target: str) -> list[JoinStep] | None:
        """Shortest many-to-one path; ties go to relationships declared first."""
        if start == target:
            return []
        key = (start, target)
        if key not in self._paths:
            self._paths[key] = self._find_path(start, target)
        path = self._paths[key]
        return None if path is None else list(path)

    def _find_path(self, start: str, target: str) -> list[JoinStep] | None:
        queue: deque[tuple[str, list[JoinStep]]] = deque([(start, [])])
        seen = {start}
        while queue:
            table, path = queue.popleft()
            for r in self._edges.get(table, []):
                if r.to_table in seen:
                    continue
                step = JoinStep(table, r.from_column, r.to_table, r.to_column)
                if r.to_table == target:
                    return [*path, step]
                seen.add(r.to_table)
                queue.append((r.to_table, [*path, step]))
        return None

    def membership_columns(self, table: str, other: str) -> list[tuple[str, str]]:
        """(column of `table`, column of `other`) that match a row to its members in `other`: the
        one relationship declared between the two tables, in either direction."""
        pairs = [(r.from_column, r.to_column) for r in self.spec.relationships
                 if r.from_table == table and r.to_table == other]
        pairs += [(r.to_column, r.from_column) for r in self.spec.relationships
                  if r.from_table == other and r.to_table == table]
        if len(pairs) != 1:
            found = "no relationship" if not pairs else f"{len(pairs)} relationships"
            raise LayerError(f"{found} between '{table}' and '{other}' to match members on.",
                             suggestion=f"Declare one between them, or write "
                                        f"`on: {{<{table} column>: <{other} column>}}`.")
        return pairs

    def count_metric(self, table: str) -> str | None:
        """The metric that counts the rows of `table` (declared, or generated from its label)."""
        for metric in self.spec.metrics:
            refs = self.metric_measures(metric.name)
            if len(refs) == 1 and metric.expr.strip() == refs[0].name:
                m = refs[0]
                if m.table == table and m.agg == "count" and m.expr is None and m.filter is None:
                    return metric.name
        return None

    def part_count(self, part: str, whole: str) -> bool:
        """Whether metric `part` counts some of the rows metric `whole` counts all of (late POs of POs):
        their ratio is a share."""
        a, b = self.metric_measures(part), self.metric_measures(whole)
        return len(a) == len(b) == 1 and a[0].agg == b[0].agg == "count" and a[0].table == b[0].table \
            and bool(a[0].filter) and not b[0].filter

    def list_table(self, dimensions: Sequence[str], filters: Sequence[str] = ()) -> str | None:
        """The table a list of members is read from: one of the listed dimensions' tables from
        which every listed and filtered dimension is reachable (the most specific one)."""
        fields = [*dimensions, *(f for f in filters if f in self.dimensions)]
        tables = list(dict.fromkeys(self.dimension(d).table for d in dimensions))
        # one kind of member, filtered by what only records link to it ('suppliers we get aluminium
        # from': through their purchase orders); two kinds are never paired through records
        if len(tables) == 1 and len(dimensions) == 1:
            tables += [t.name for t in self.spec.tables if t.primary_key and not t.derived and t.name not in tables]
        elif len(tables) > 1:  # 'lines and the product family each makes': records that name both directly
            tables += [t.name for t in self.spec.tables if t.primary_key and not t.derived and t.name not in tables
                       and all(len(self.join_path(t.name, k) or [None, None]) <= 1 for k in tables)]
        for table in tables:
            if all(self.join_path(table, self.dimension(f).table) is not None for f in fields):
                return table
        return None

    def reaches(self, metric_name: str, dimension: str) -> bool:
        """Whether every fact of the metric joins to the dimension's table (record dimensions included)."""
        table = self.dimension(dimension).table
        return all(self.join_path(m.table, table) is not None for m in self.metric_measures(metric_name))

    def reachable_dimensions(self, metric_name: str) -> list[str]:
        if metric_name not in self._reachable:
            tables = {m.table for m in self.metric_measures(metric_name)}
            self._reachable[metric_name] = [d.name for d in self.spec.dimensions
                                            if all(self.join_path(t, d.table) is not None for t in tables)]
        return list(self._reachable[metric_name])

    def metric_dimensions(self, metric_name: str) -> list[str]:
        metric = self.metric(metric_name)
        return list(metric.dimensions) if metric.dimensions is not None else self.reachable_dimensions(metric_name)

    def is_level(self, metric_name: str) -> bool:
        """Every measure of the metric is a level read on a period's last day (`semi_additive: last`)."""
        refs = self.metric_measures(metric_name)
        return bool(refs) and all(r.semi_additive == "last" for r in refs)

    def metric_time_columns(self, metric_name: str) -> list[tuple[str, str]]:
        """(table, time column) pairs a metric is dated by, for provenance and freshness."""
        out: list[tuple[str, str]] = []
        for m in self.metric_measures(metric_name):
            col = self.time_column(m)
            if col and (m.table, col) not in out:
                out.append((m.table, col))
        return out

    def describe(self) -> dict[str, Any]:
        return {"name": self.spec.name, "metrics": len(self.metrics), "dimensions": len(self.dimensions),
                "tables": len(self.tables), "verified_queries": len(self.spec.verified_queries)}
