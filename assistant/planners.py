"""The planners a pipeline can use, by name: rules (offline), llm and hybrid (when configured)."""

from __future__ import annotations

from assistant.planning import Planner
from assistant.rules.planner import RulePlanner
from assistant.settings import Settings


def default_planners(settings: Settings) -> dict[str, Planner]:
    planners: dict[str, Planner] = {"rules": RulePlanner()}
    if settings.llm_configured:
        try:
            from assistant.llm.planner import HybridPlanner, LLMPlanner
        except ImportError:
            return planners
        llm = LLMPlanner.from_settings(settings)
        planners["llm"] = llm
        planners["hybrid"] = HybridPlanner(planners["rules"], llm)
    return planners
