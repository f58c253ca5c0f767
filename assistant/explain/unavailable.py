"""The answer when the planner asked for cannot read questions here (named wrongly, or an LLM
planner with no model set up): say so plainly, and how to set one up."""

from __future__ import annotations

from collections.abc import Iterable

from assistant.core.settings import Settings
from assistant.explain.answer import Answer


def unknown_planner(question: str, name: str, lang: str, settings: Settings, known: Iterable[str]) -> Answer:
    if name in ("llm", "hybrid"):
        from assistant.plan.llm import status  # LangChain is optional: imported only to explain its absence

        return Answer(question, "error", status(settings)[lang], lang=lang, planner=name)
    return Answer(question, "error", f"Unknown planner '{name}'. Use one of: {', '.join(known)}.", lang=lang)
