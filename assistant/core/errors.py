"""The exception tree of factory-assistant.

Every error a user can meet is one of these, and every one carries a message a plant
manager can read plus, where we have one, a suggestion of what to try instead. The root
and the layer's own errors (*) live in `semantic_layer.errors`, the bottom of the stack;
this module re-exports them, so `from assistant.core.errors import ...` names the whole tree.

    FactoryAssistantError*
    ├── LayerError*             the semantic layer itself is wrong (bad YAML, unknown column)
    ├── QueryError*             a request does not fit the layer
    │   ├── UnknownFieldError*  a metric or dimension name the layer does not have
    │   └── IncompatibleError   e.g. a metric that cannot be cut by the requested dimension
    ├── GuardError              a SQL string was refused before it ran (not read-only, unknown table...)
    ├── ExecutionError          the database failed while running a checked query
    │   ├── QueryTimeout        the statement ran past the time limit
    │   ├── DatabaseUnavailable the database could not be opened or reached
    │   ├── ServiceBusy         every connection stayed busy past the queue timeout: try again shortly
    │   └── ResultTooLarge      one result ran past the byte cap
    ├── AccessDenied            the user's access scope does not cover what was asked (or not signed in)
    ├── PlanningError           a question could not be turned into a query
    │   └── ClarificationNeeded the request cannot go on until the user says which one (options)
    └── ConfigError             settings, providers or missing optional packages
"""

from __future__ import annotations

from semantic_layer.errors import (
    FactoryAssistantError,
    LayerError,
    QueryError,
    UnknownFieldError,
    did_you_mean,
)

__all__ = [
    "AccessDenied", "ClarificationNeeded", "ConfigError", "DatabaseUnavailable", "ExecutionError",
    "FactoryAssistantError", "GuardError",
    "IncompatibleError", "LayerError", "PlanningError", "QueryError", "QueryTimeout", "ResultTooLarge",
    "ServiceBusy", "UnknownFieldError",
    "did_you_mean", "user_message",
]


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


class ServiceBusy(ExecutionError):
    """Every connection was busy for longer than the queue timeout; nothing ran."""


class ResultTooLarge(ExecutionError):
    """A result grew past the byte cap while it was fetched."""


class AccessDenied(FactoryAssistantError):
    """The user's access scope does not reach what was asked: a hidden column or metric, a
    table with no path to the user's rows, or no sign-in where one is required."""


class PlanningError(FactoryAssistantError):
    """A question could not be planned into a query."""


class ClarificationNeeded(PlanningError):
    """The request cannot go on until the user says more: no id given, an id that does not
    exist, a name that matches several things.

    Carries both languages, so every surface answers in the question's language, and options
    to click (e.g. real ids that look like the one typed)."""

    def __init__(self, en: str, zh: str, *, options: list[str] | None = None) -> None:
        super().__init__(en)
        self.zh = zh
        self.options = options or []

    def text(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.message


class ConfigError(FactoryAssistantError):
    """Bad settings, or an optional package that is not installed."""


_ZH_HEADLINES: list[tuple[type[FactoryAssistantError], str]] = [
    (QueryTimeout, "查询超时，请缩小时间范围或减少拆分维度"),
    (ServiceBusy, "服务正忙，请稍后再试"),
    (ResultTooLarge, "结果太大，请缩小时间范围或减少拆分维度"),
    (DatabaseUnavailable, "数据库无法打开"),
    (AccessDenied, "你的访问范围不包括这项数据"),
    (ExecutionError, "数据库执行出错"),
    (GuardError, "这条查询未通过安全检查，没有执行"),
    (QueryError, "这个问题无法按所给的方式计算"),
    (LayerError, "语义层配置有误"),
    (ConfigError, "配置有误"),
    (PlanningError, "没能理解这个问题"),
]


def user_message(exc: FactoryAssistantError, lang: str) -> str:
    """The error for a person in their language: a Chinese headline, then the details."""
    if isinstance(exc, ClarificationNeeded):
        return exc.text(lang)
    if lang != "zh":
        return str(exc)
    headline = next((text for cls, text in _ZH_HEADLINES if isinstance(exc, cls)), "出错了")
    return f"{headline}。详情：{exc}"
