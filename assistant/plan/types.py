"""What every planner (rules, LLM, hybrid) receives and returns.

A planner never runs SQL. It returns a Plan; the pipeline compiles, guards and runs it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from assistant.plan.change import ChangeRequest
from assistant.plan.query import SemanticQuery, TimeRange
from semantic_layer.layer import Layer

# "why": explain a metric's change between two periods (`query` over the later one, `change`).
PlanKind = Literal["query", "sql", "trace", "clarify", "refuse", "why"]


@dataclass
class TraceTally:
    """A figure at the end of a trace: how many of the reached `node` records (by their status), or
    how much of its quantity, in all or per reached `by` record ('shipped qty per customer from lot X')."""

    node: str
    measure: Literal["count", "quantity"]
    by: str | None = None  # "status", or a node type whose key the tallied records carry


@dataclass
class TraceRequest:
    """A genealogy question: start from `node` ids and walk `direction` to `target` nodes."""

    start_node: str  # node type, e.g. "lot"
    start_ids: list[str] = field(default_factory=list)
    # e.g. {"supplier": ["S01"], "inspection_result": ["conditional"]}
    start_filters: dict[str, Any] = field(default_factory=dict)
    direction: Literal["forward", "backward", "both"] = "forward"
    target_node: str | None = None  # None: the whole chain
    time_range: TimeRange | None = None
    # Optional, added for traceability answers (assistant/trace):
    # other nodes, e.g. {"customer": {"customer_region": ["Europe"]}}
    node_filters: dict[str, dict[str, list[Any]]] = field(default_factory=dict)
    time_node: str | None = None  # the node `time_range` dates (None: the start node, else the nearest dated one)
    context: TraceRequest | None = None  # "this complaint" with no id: start from what this earlier trace reached
    latest: int | None = None  # keep only the N most recent start nodes (the walk's own shortcut)
    # With no id: how many of the start records matching the filters the words name. "one"
    # ("Hengtai's conditional lot", "那批铝材"): ask which when several match; "latest" ("the
    # latest lot", "最近一批"): the newest, named in the answer; "all" ("all lots", "所有批次") or
    # None (nothing said): every match, listed in the answer. The pipeline resolves it.
    pick: Literal["one", "latest", "all"] | None = None
    # The words naming the start and which of their occurrences: a picked id is written after them.
    mention: tuple[str, int] | None = None
    tally: TraceTally | None = None  # a figure asked of the reached records instead of their list
    # A metric over the `target_node` records reached ('scrap on the work orders that used lot X'): the
    # pipeline runs this query filtered to their keys (the layer's record dimension of that node).
    figure: SemanticQuery | None = None


@dataclass
class Turn:
    question: str
    plan: Plan
    status: str
    choices: list[dict[str, str]] = field(default_factory=list)  # a clarify answer's options (plan/choices.py)
    # The members an answer showed, per breakdown, as shown: 'those two', '它' in the next turn mean them.
    shown: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Session:
    """Conversation state: follow-ups reuse the last successful SemanticQuery."""

    turns: list[Turn] = field(default_factory=list)
    lang: str = "en"

    @property
    def last_query(self) -> SemanticQuery | None:
        for turn in reversed(self.turns):
            if turn.status == "ok" and turn.plan.query is not None:
                return turn.plan.query
        return None

    @property
    def last_shown(self) -> dict[str, list[str]]:
        """The members the last answered query showed (see Turn.shown)."""
        for turn in reversed(self.turns):
            if turn.status == "ok" and turn.plan.query is not None:
                return turn.shown
        return {}

    @property
    def pending(self) -> dict[str, Any]:
        """The understood parts of the last turn, if it asked which metric was meant."""
        if self.turns and self.turns[-1].status == "clarify":
            return self.turns[-1].plan.partial
        return {}

    @property
    def choices(self) -> list[dict[str, str]]:
        """The options of the last turn, if it asked which one was meant (a reply may pick one)."""
        if self.turns and self.turns[-1].status == "clarify":
            return self.turns[-1].choices
        return []

    @property
    def last_trace(self) -> TraceRequest | None:
        for turn in reversed(self.turns):
            if turn.status == "ok" and turn.plan.trace is not None:
                return turn.plan.trace
        return None

    def transcript(self, limit: int = 6) -> list[str]:
        return [t.question for t in self.turns[-limit:]]


@dataclass
class Plan:
    kind: PlanKind
    planner: str
    query: SemanticQuery | None = None
    sql: str | None = None
    trace: TraceRequest | None = None
    change: ChangeRequest | None = None  # for why: the earlier period (assistant/plan/change.py)
    message: str = ""  # for clarify/refuse: what to tell the user
    suggestions: list[str] = field(default_factory=list)
    # For clarify: the candidates as {"label", "question", "value"} (see assistant.plan.choices).
    choices: list[dict[str, str]] = field(default_factory=list)
    not_understood: list[str] = field(default_factory=list)
    confidence: float = 1.0
    retrieved_ids: list[str] = field(default_factory=list)
    prompt_version: str | None = None
    repair_rounds: int = 0
    token_usage: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # interpretation remarks, e.g. "compared with the previous period"
    # What a clarify turn did understand (filters, breakdowns, time), for the answer that follows it.
    partial: dict[str, Any] = field(default_factory=dict)
    as_of: dt.date | None = None  # the day relative dates were read against (set by the pipeline)


@dataclass
class PlanContext:
    layer: Layer
    as_of: dt.date
    session: Session
    lang: str
    retrieve: Callable[..., list[Any]] | None = None  # retrieval search(query, k=, kinds=) -> hits
    values: Any = None  # dimension value catalogue (see assistant.understand.catalogue)
    validate: Callable[[Plan], str | None] | None = None  # returns an error message for a bad plan
    dialect: str = "duckdb"  # the database's SQL dialect (an LLM writing SQL must know it)


class Planner(Protocol):
    name: str

    def plan(self, question: str, ctx: PlanContext) -> Plan: ...
