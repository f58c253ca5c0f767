"""A loaded, cross-checked semantic layer with lookups and join paths."""

from __future__ import annotations

import hashlib
import json
import re
from collections import deque
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import sqlglot
from sqlglot import exp

from semantic_layer.errors import LayerError, UnknownFieldError, did_you_mean
from semantic_layer.genealogy import GenealogyGraph
from semantic_layer.models import Dimension, LayerSpec, Measure, Metric, Relationship, Table


@dataclass(frozen=True)
class JoinStep:
    """Join `table` on `left_table.left_column = table.right_column` (many-to-one)."""

    left_table: str
    left_column: str
    table: str
    right_column: str


def _columns_of(sql: str) -> set[str]:
    tree = sqlglot.parse_one(sql, read="duckdb")
    return {c.name for c in tree.find_all(exp.Column)}


class Layer:
    """The semantic layer: the single source of truth for names, joins and formulas."""

    def __init__(self, spec: LayerSpec, *, origin: dict[tuple[str, str], str] | None = None,
                 folder: Path | None = None) -> None:
        self.spec = spec
        self.folder = folder
        self._origin = origin or {}
        self.tables: dict[str, Table] = {t.name: t for t in spec.tables}
        self.dimensions: dict[str, Dimension] = {d.name: d for d in spec.dimensions}
        self.measures: dict[str, Measure] = {m.name: m for m in spec.measures}
        self.metrics: dict[str, Metric] = {m.name: m for m in spec.metrics}
        self._check()

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
    def _where(self, section: str, name: str) -> str:
        return self._origin.get((section, name), f"{section}: {name}")

    def _require_table(self, table: str, where: str) -> Table:
        if table not in self.tables:
            raise LayerError(f"unknown table '{table}'.", location=where, suggestion=did_you_mean(table, self.tables))
        return self.tables[table]

    def _require_column(self, table: str, column: str, where: str) -> None:
        cols = self._require_table(table, where).columns
        if column not in cols:
            raise LayerError(f"table '{table}' has no column '{column}'.", location=where,
                             suggestion=did_you_mean(column, cols))

    def _check(self) -> None:
        for kind, items in (("tables", self.spec.tables), ("dimensions", self.spec.dimensions),
                            ("measures", self.spec.measures), ("metrics", self.spec.metrics)):
            seen: set[str] = set()
            for item in items:
                if item.name in seen:
                    raise LayerError(f"'{item.name}' is defined twice.", location=self._where(kind, item.name))
                seen.add(item.name)
        clash = set(self.metrics) & set(self.dimensions)
        if clash:
            raise LayerError(f"names used for both a metric and a dimension: {sorted(clash)}.")
        for t in self.spec.tables:
            where = self._where("tables", t.name)
            for col in [*t.primary_key, *([t.time_column] if t.time_column else [])]:
                self._require_column(t.name, col, where)
        for r in self.spec.relationships:
            where = self._where("relationships", r.from_)
            self._require_column(r.from_table, r.from_column, where)
            self._require_column(r.to_table, r.to_column, where)
        for d in self.spec.dimensions:
            where = self._where("dimensions", d.name)
            for col in d.equivalent_columns():
                self._require_column(d.table, col, where)
        for m in self.spec.measures:
            where = self._where("measures", m.name)
            table = self._require_table(m.table, where)
            for sql in filter(None, (m.expr, m.filter)):
                for col in _columns_of(sql):
                    self._require_column(m.table, col, where)
            if m.time_column:
                self._require_column(table.name, m.time_column, where)
        for metric in self.spec.metrics:
            where = self._where("metrics", metric.name)
            refs = self.metric_measures(metric.name, where=where)
            if not refs:
                raise LayerError("the expression uses no measure.", location=where)
            tables = {m.table for m in refs}
            allowed = [d.name for d in self.spec.dimensions if any(self.join_path(t, d.table) is not None for t in tables)]
            for dim in metric.dimensions or []:
                if dim not in self.dimensions:
                    raise LayerError(f"unknown dimension '{dim}'.", location=where,
                                     suggestion=did_you_mean(dim, self.dimensions))
                if dim not in allowed:
                    raise LayerError(f"dimension '{dim}' cannot be reached from any table this metric uses.",
                                     location=where)
        self.check_genealogy()

    # ------------------------------------------------------------------ genealogy
    def check_genealogy(self) -> None:
        """Cross-check the genealogy graph against the tables (traceability answers rely on it)."""
        gen = self.spec.genealogy
        where = self._where("genealogy", "")
        names: set[str] = set()
        for i, node in enumerate(gen.nodes):
            at = f"{where}.nodes[{i}] ({node.name})"
            if node.name in names:
                raise LayerError(f"node '{node.name}' is defined twice.", location=at)
            names.add(node.name)
            self._require_physical(node.table, at)
            cols = [node.key, node.display, node.display_zh, node.time_column, node.quantity_column,
                    node.status_column, *node.columns]
            for col in filter(None, cols):
                self._require_column(node.table, col, at)
            if node.id_pattern:
                try:
                    re.compile(node.id_pattern)
                except re.error as exc:
                    raise LayerError(f"id_pattern is not a valid regular expression ({exc}).", location=at) from None
        for i, edge in enumerate(gen.edges):
            at = f"{where}.edges[{i}] ({edge.upstream} -> {edge.downstream})"
            for end in (edge.upstream, edge.downstream):
                if end not in names:
                    raise LayerError(f"unknown node '{end}'.", location=at, suggestion=did_you_mean(end, names))
            self._require_physical(edge.table, at)
            self._require_column(edge.table, edge.upstream_column, at)
            self._require_column(edge.table, edge.downstream_column, at)
        for role, node_name in gen.impact.model_dump().items():
            if node_name and node_name not in names:
                raise LayerError(f"impact.{role}: unknown node '{node_name}'.", location=where,
                                 suggestion=did_you_mean(node_name, names))

    def _require_physical(self, table: str, where: str) -> None:
        # Traces run as plain SQL over stored tables; derived tables exist only inside compiled metrics.
        if self._require_table(table, where).derived:
            raise LayerError(f"table '{table}' is derived; genealogy needs a stored table.", location=where)

    # ------------------------------------------------------------------ lookups
    def metric(self, name: str) -> Metric:
        if name not in self.metrics:
            raise UnknownFieldError(f"There is no metric called '{name}'.",
                                    suggestion=did_you_mean(name, self.metrics))
        return self.metrics[name]

    def dimension(self, name: str) -> Dimension:
        if name not in self.dimensions:
            raise UnknownFieldError(f"There is no dimension called '{name}'.",
                                    suggestion=did_you_mean(name, self.dimensions))
        return self.dimensions[name]

    def metric_measures(self, name: str, *, where: str | None = None) -> list[Measure]:
        """Measures referenced by a metric's expression, in order of appearance."""
        metric = self.metric(name)
        tree = sqlglot.parse_one(metric.expr, read="duckdb")
        out: list[Measure] = []
        for col in tree.find_all(exp.Column):
            if col.name not in self.measures:
                raise LayerError(f"unknown measure '{col.name}' in expression '{metric.expr}'.",
                                 location=where or self._where("metrics", name),
                                 suggestion=did_you_mean(col.name, self.measures))
            if self.measures[col.name] not in out:
                out.append(self.measures[col.name])
        return out

    def time_column(self, measure: Measure) -> str | None:
        return measure.time_column or self.tables[measure.table].time_column

    def physical_schema(self) -> dict[str, dict[str, str]]:
        """What SQL may touch: physical tables and their columns (derived tables are CTEs)."""
        return {t.name: dict(t.columns) for t in self.spec.tables if not t.derived}

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
            edges.setdefault(r.from_table, []).append(r)
        return edges

    def join_path(self, start: str, target: str) -> list[JoinStep] | None:
        """Shortest many-to-one path; ties go to relationships declared first."""
        if start == target:
            return []
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

    def reachable_dimensions(self, metric_name: str) -> list[str]:
        tables = {m.table for m in self.metric_measures(metric_name)}
        return [d.name for d in self.spec.dimensions
                if all(self.join_path(t, d.table) is not None for t in tables)]

    def metric_dimensions(self, metric_name: str) -> list[str]:
        metric = self.metric(metric_name)
        return list(metric.dimensions) if metric.dimensions is not None else self.reachable_dimensions(metric_name)

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
