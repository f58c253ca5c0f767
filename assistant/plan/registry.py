"""The planners a pipeline can use, by name: rules (offline), llm and hybrid (when configured)."""

from __future__ import annotations

from assistant.core.disk_cache import DiskCache
from assistant.core.settings import Settings
from assistant.plan.stored_vocabulary import StoredVocabularyPlanner
from assistant.plan.types import Planner


def default_planners(settings: Settings) -> dict[str, Planner]:
    planners: dict[str, Planner] = {"rules": StoredVocabularyPlanner(DiskCache.from_settings(settings))}
    if settings.llm_configured:
        try:
            from assistant.plan.llm.planner import HybridPlanner, LLMPlanner
        except ImportError:
            return planners
        llm = LLMPlanner.from_settings(settings)
        planners["llm"] = llm
        planners["hybrid"] = HybridPlanner(planners["rules"], llm)
    return planners
