"""factory-assistant: ask plant questions in English or Chinese, get correct, traceable answers.

The public API (everything else is internal and may move):

    from assistant import Pipeline, Answer, SemanticQuery, load_layer

    with Pipeline.from_settings() as pipeline:          # settings: arguments > FA_* > config file
        answer = pipeline.ask("OEE by plant last month")
        print(answer.message, answer.rows)

Errors form one tree rooted at `FactoryAssistantError` (see `assistant.core.errors`).

The package is organised by stage, in the order data flows; a stage imports only the
stages before it (checked by import-linter):

    semantic_layer   the layer: models, loader, validation, genealogy graph (the bottom)
    core             errors, settings, text, calendar and unit rules shared by every stage
    understand       time expressions, the member catalogue, retrieval
    plan             SemanticQuery and plan types; rule, LLM and trace planners
    sql              compiler (metrics and traces), guard, executor
    explain          the Answer: sentences, comparison, charts, trace pictures
    pipeline         the one place that wires the stages
    scoped           the pipeline as one user sees it (access scopes): for_user(pipeline, user)
    surfaces         CLI, Streamlit app, evaluation harness (thin adapters over the pipeline)
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.2.0"

# Names are imported on first use: `import assistant` stays cheap for every submodule.
_EXPORTS = {
    "Pipeline": "assistant.pipeline",
    "Answer": "assistant.explain.answer",
    "SemanticQuery": "assistant.plan.query",
    "Filter": "assistant.plan.query",
    "TimeRange": "assistant.plan.query",
    "Settings": "assistant.core.settings",
    "load_layer": "semantic_layer.loader",
    "Layer": "semantic_layer.layer",
    "FactoryAssistantError": "assistant.core.errors",
    "LayerError": "assistant.core.errors",
    "QueryError": "assistant.core.errors",
    "UnknownFieldError": "assistant.core.errors",
    "IncompatibleError": "assistant.core.errors",
    "GuardError": "assistant.core.errors",
    "ExecutionError": "assistant.core.errors",
    "QueryTimeout": "assistant.core.errors",
    "DatabaseUnavailable": "assistant.core.errors",
    "PlanningError": "assistant.core.errors",
    "ClarificationNeeded": "assistant.core.errors",
    "ConfigError": "assistant.core.errors",
    "ServiceBusy": "assistant.core.errors",
    "ResultTooLarge": "assistant.core.errors",
    "AccessDenied": "assistant.core.errors",
    "User": "assistant.core.users",
    "for_user": "assistant.scoped",
}
__all__ = [
    "AccessDenied", "Answer", "ClarificationNeeded", "ConfigError", "DatabaseUnavailable", "ExecutionError",
    "FactoryAssistantError", "Filter", "GuardError", "IncompatibleError", "Layer", "LayerError", "Pipeline",
    "PlanningError", "QueryError", "QueryTimeout", "ResultTooLarge", "SemanticQuery", "ServiceBusy", "Settings",
    "TimeRange", "UnknownFieldError", "User", "__version__", "for_user", "load_layer",
]

if TYPE_CHECKING:
    from assistant.core.errors import (
        AccessDenied,
        ClarificationNeeded,
        ConfigError,
        DatabaseUnavailable,
        ExecutionError,
        FactoryAssistantError,
        GuardError,
        IncompatibleError,
        LayerError,
        PlanningError,
        QueryError,
        QueryTimeout,
        ResultTooLarge,
        ServiceBusy,
        UnknownFieldError,
    )
    from assistant.core.settings import Settings
    from assistant.core.users import User
    from assistant.explain.answer import Answer
    from assistant.pipeline import Pipeline
    from assistant.plan.query import Filter, SemanticQuery, TimeRange
    from assistant.scoped import for_user
    from semantic_layer.layer import Layer
    from semantic_layer.loader import load_layer


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'assistant' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
