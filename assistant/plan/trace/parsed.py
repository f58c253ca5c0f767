"""A trace question as read: its ids, genealogy words and members, its date, and where each cue stands."""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.core.calendar import TimeRange
from assistant.plan.trace.mentions import Mention


@dataclass
class ParsedQuestion:
    text: str
    ids: list[Mention]
    words: list[Mention]  # genealogy words and members, left to right
    time: TimeRange | None = None
    time_span: tuple[int, int] | None = None
    spans: dict[str, list[tuple[int, int, str]]] = field(default_factory=dict)  # cue kind -> hits

    def has(self, kind: str) -> bool:
        return bool(self.spans.get(kind))
