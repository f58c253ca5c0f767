"""What the dbt import builds up while it reads: the semantic models as read, the layer's items
as plain dicts (validated into a LayerSpec at the end), and the findings."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any, Literal

from semantic_layer.interop import Finding, Severity
from semantic_layer.interop.dbt_project import DbtProject, ModelSql

DimKind = Literal["categorical", "time", "marker"]


@dataclass
class Entity:
    name: str
    kind: str  # primary, unique, foreign (a key found not unique on the data is read as foreign)
    column: str


@dataclass
class Dim:
    """One dbt dimension as read. `ours` is our dimension's name (categorical ones only);
    a marker (constant `expr`, or CASE WHEN cond THEN constant END) becomes membership."""

    name: str
    kind: DimKind
    column: str | None = None
    expr: str | None = None
    ours: str | None = None
    marker_filter: str | None = None  # a marker's condition over its own table, if any
    marker_value: str | None = None


@dataclass
class Model:
    """One semantic model as read."""

    name: str
    table: str
    dbt_model: str
    raw: dict[str, Any]
    sql: ModelSql
    entities: list[Entity] = field(default_factory=list)
    dims: dict[str, Dim] = field(default_factory=dict)
    default_time: str | None = None  # column
    meta: dict[str, Any] = field(default_factory=dict)  # our own block, when we wrote the project

    @property
    def primary(self) -> Entity | None:
        return next((e for e in self.entities if e.kind == "primary"), None)

    def key_columns(self) -> list[str]:
        return [e.column for e in self.entities if e.kind in ("primary", "unique")]

    def entity(self, name: str) -> Entity | None:
        return next((e for e in self.entities if e.name == name), None)

    def has_entity(self, name: str) -> bool:
        """An entity of this name, or `primary_entity: name` (a model without a key column names its rows so)."""
        return self.entity(name) is not None or str(self.raw.get("primary_entity") or "") == name

    @property
    def exported_by_us(self) -> bool:
        return bool(self.meta)


@dataclass
class Ctx:
    project: DbtProject
    findings: list[Finding] = field(default_factory=list)
    models: dict[str, Model] = field(default_factory=dict)
    tables: dict[str, dict[str, Any]] = field(default_factory=dict)
    relationships: list[dict[str, Any]] = field(default_factory=list)
    dimensions: list[dict[str, Any]] = field(default_factory=list)
    measures: list[dict[str, Any]] = field(default_factory=list)
    metrics: list[dict[str, Any]] = field(default_factory=list)
    units: dict[str, dict[str, Any]] = field(default_factory=dict)
    typed_by_guess: list[str] = field(default_factory=list)  # models whose column types nothing in the project says

    def add(self, severity: Severity, item: str, message: str) -> None:
        finding = Finding(severity, item, message)
        if finding not in self.findings:
            self.findings.append(finding)

    def model_of_table(self, table: str) -> Model | None:
        return next((m for m in self.models.values() if m.table == table), None)

    def join_path(self, start: str, target: str) -> list[dict[str, Any]] | None:
        """Shortest many-to-one path between two tables over the relationships read so far
        (the layer's own rule: one_to_one and many_to_one both join from `from` to `to`)."""
        if start == target:
            return []
        queue: deque[tuple[str, list[dict[str, Any]]]] = deque([(start, [])])
        seen = {start}
        while queue:
            table, path = queue.popleft()
            for r in self.relationships:
                src, dst = r["from"].split(".")[0], r["to"].split(".")[0]
                if src != table or dst in seen or r.get("cardinality") == "many_to_many":
                    continue
                if dst == target:
                    return [*path, r]
                seen.add(dst)
                queue.append((dst, [*path, r]))
        return None

    def related(self, a: str, b: str) -> list[dict[str, Any]]:
        """Relationships declared between two tables, either way."""
        return [r for r in self.relationships
                if {r["from"].split(".")[0], r["to"].split(".")[0]} == {a, b} and a != b]
