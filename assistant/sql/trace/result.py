"""What a trace returns: levels (one per node type reached), links, impact, the target table."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assistant.plan.types import TraceRequest
from assistant.sql.trace.statements import WalkSpec


@dataclass
class TraceLevel:
    node: str  # node type, e.g. "batch"
    label: str  # plural label in the answer's language
    index: int  # signed distance from the start type: upstream < 0 < downstream
    count: int  # exact number of distinct nodes reached
    ids: list[str] = field(default_factory=list)  # reached ids (cut at the row limit: see truncated)
    columns: list[str] = field(default_factory=list)
    column_labels: dict[str, str] = field(default_factory=dict)
    rows: list[list[Any]] = field(default_factory=list)  # details of the first ids
    truncated: bool = False  # rows/ids hold fewer than `count` nodes
    missing: list[str] = field(default_factory=list)  # reached ids with no record of their own
    statuses: dict[str, int] = field(default_factory=dict)  # status value -> nodes
    quantity: float | None = None  # sum of the node's quantity column
    context: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # e.g. line -> [{id, name, count}]

    def to_json(self) -> dict[str, Any]:
        return {"node": self.node, "label": self.label, "index": self.index, "count": self.count,
                "columns": self.columns, "column_labels": self.column_labels, "rows": self.rows,
                "truncated": self.truncated, "missing": self.missing, "statuses": self.statuses,
                "quantity": self.quantity, "context": self.context}


@dataclass
class TraceResult:
    request: TraceRequest
    spec: WalkSpec
    lang: str
    levels: list[TraceLevel]  # ordered upstream -> downstream
    links: list[tuple[str, str, str, str]]  # (up_type, up_id, down_type, down_id), material-flow order
    target: str | None
    columns: list[str]  # the target table (or the whole chain when there is no target)
    rows: list[list[Any]]
    column_labels: dict[str, str]
    truncated: bool  # the target table was cut at the row limit
    graph_truncated: bool  # links/ids were cut at the row limit (counts are still exact)
    impact: dict[str, Any]
    sql: str  # the main statement (the target table, or the trace itself)
    trace_sql: str
    via: str | None = None  # sibling target: the common upstream type the trace went through
    host: str | None = None  # context target (a line): the node type it describes, which the walk reached
    time_node: str | None = None
    sql_count: int = 0  # statements run (all guarded)
    elapsed_ms: float = 0.0

    def level(self, node: str) -> TraceLevel | None:
        return next((lv for lv in self.levels if lv.node == node), None)

    @property
    def reached(self) -> bool:
        return any(lv.count for lv in self.levels if lv.index != 0)
