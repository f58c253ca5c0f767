"""The root of factory-assistant's error tree, and the errors of the semantic layer itself.

The layer is the bottom of the stack, so the root lives here; `assistant.core.errors`
extends the tree with the errors of the stages above (guard, executor, planning, settings).

    FactoryAssistantError       message for people, optional suggestion of what to try
    ├── LayerError              the semantic layer itself is wrong (bad YAML, unknown column)
    └── QueryError              a request does not fit the layer
        └── UnknownFieldError   a metric, dimension or node name the layer does not have
"""

from __future__ import annotations

from collections.abc import Iterable

from rapidfuzz import process as _fuzz_process


class FactoryAssistantError(Exception):
    """Base class. `message` is for people; `suggestion` is what to try next."""

    def __init__(self, message: str, *, suggestion: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.suggestion = suggestion

    def __str__(self) -> str:
        if self.suggestion:
            sep = " " if self.message.rstrip().endswith((".", "?", "!", "。", "？", "！", ")")) else ". "
            return f"{self.message.rstrip()}{sep}{self.suggestion}"
        return self.message


class LayerError(FactoryAssistantError):
    """The semantic layer is invalid; `location` is 'file: path.to.field'."""

    def __init__(self, message: str, *, location: str | None = None, suggestion: str | None = None) -> None:
        super().__init__(message, suggestion=suggestion)
        self.location = location

    def __str__(self) -> str:
        base = super().__str__()
        return f"{self.location}: {base}" if self.location else base


class QueryError(FactoryAssistantError):
    """A request (a semantic query, a trace) does not fit the semantic layer."""


class UnknownFieldError(QueryError):
    """A metric, dimension or filter field that the layer does not define."""


def did_you_mean(word: str, choices: Iterable[str], *, cutoff: float = 60.0) -> str | None:
    """Return "Did you mean 'x'?" for the closest choice, or None when nothing is close."""
    options = list(dict.fromkeys(choices))
    if not options or not word:
        return None
    best = _fuzz_process.extractOne(word, options, score_cutoff=cutoff)
    if best is None:
        return None
    return f"Did you mean '{best[0]}'?"
