"""The exception tree of factory-assistant.

Every error a user can meet is one of these, and every one carries a message a plant
manager can read plus, where we have one, a suggestion of what to try instead.

    FactoryAssistantError
    ├── LayerError              the semantic layer itself is wrong (bad YAML, unknown column)
    ├── QueryError              a SemanticQuery does not fit the layer
    │   ├── UnknownFieldError   a metric or dimension name the layer does not have
    │   └── IncompatibleError   e.g. a metric that cannot be cut by the requested dimension
    ├── GuardError              a SQL string was refused before it ran (not read-only, unknown table...)
    ├── ExecutionError          the database failed while running a checked query
    │   ├── QueryTimeout        the statement ran past the time limit
    │   └── DatabaseUnavailable the database could not be opened or reached
    ├── PlanningError           a question could not be turned into a query
    └── ConfigError             settings, providers or missing optional packages
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
    """A semantic query does not fit the semantic layer."""


class UnknownFieldError(QueryError):
    """A metric, dimension or filter field that the layer does not define."""


class IncompatibleError(QueryError):
    """Parts of a query that exist but cannot be combined."""


class GuardError(FactoryAssistantError):
    """A SQL statement was refused by the guard; nothing was executed."""


class ExecutionError(FactoryAssistantError):
    """The database failed while running a checked statement."""


class QueryTimeout(ExecutionError):
    """The statement exceeded the configured time limit."""


class DatabaseUnavailable(ExecutionError):
    """The database could not be opened or reached."""


class PlanningError(FactoryAssistantError):
    """A question could not be planned into a query."""


class ConfigError(FactoryAssistantError):
    """Bad settings, or an optional package that is not installed."""


def did_you_mean(word: str, choices: Iterable[str], *, cutoff: float = 60.0) -> str | None:
    """Return "Did you mean 'x'?" for the closest choice, or None when nothing is close."""
    options = list(dict.fromkeys(choices))
    if not options or not word:
        return None
    best = _fuzz_process.extractOne(word, options, score_cutoff=cutoff)
    if best is None:
        return None
    return f"Did you mean '{best[0]}'?"


_ZH_HEADLINES: list[tuple[type[FactoryAssistantError], str]] = [
    (QueryTimeout, "查询超时，请缩小时间范围或减少拆分维度"),
    (DatabaseUnavailable, "数据库无法打开"),
    (ExecutionError, "数据库执行出错"),
    (GuardError, "这条查询未通过安全检查，没有执行"),
    (QueryError, "这个问题无法按所给的方式计算"),
    (LayerError, "语义层配置有误"),
    (ConfigError, "配置有误"),
    (PlanningError, "没能理解这个问题"),
]


def user_message(exc: FactoryAssistantError, lang: str) -> str:
    """The error for a person in their language: a Chinese headline, then the details."""
    if lang != "zh":
        return str(exc)
    headline = next((text for cls, text in _ZH_HEADLINES if isinstance(exc, cls)), "出错了")
    return f"{headline}。详情：{exc}"
