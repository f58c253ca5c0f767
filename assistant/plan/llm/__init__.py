"""Any LLM, grounded: a LangChain planner with retrieval, validation and self-correction.

    from assistant.plan.llm import status
    status(settings)  # {"en": "...", "zh": "..."} for the app and CLI

The planners live in `assistant.plan.llm.planner` (imported lazily: it pulls in langchain-core,
which `status` does not need).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from assistant.core.settings import Settings

if TYPE_CHECKING:  # pragma: no cover
    from assistant.plan.llm.planner import HybridPlanner, LLMPlanner
    from assistant.plan.llm.response import LLMResponse

__all__ = ["HybridPlanner", "LLMPlanner", "LLMResponse", "status"]


def status(settings: Settings) -> dict[str, str]:
    """Say plainly, in both languages, whether an LLM is configured and usable."""
    from assistant.core.errors import ConfigError
    from assistant.plan.llm import provider

    if not settings.llm_configured:
        return {
            "en": "No LLM configured: the offline rule planner answers. "
                  "Set FA_LLM_PROVIDER and FA_LLM_MODEL to enable it.",
            "zh": "未配置大语言模型：由离线规则解析器回答。设置 FA_LLM_PROVIDER 和 FA_LLM_MODEL 即可启用。",
        }
    try:
        choice = provider.resolve(settings)
    except ConfigError as exc:
        return {"en": f"The LLM settings are incomplete: {exc} The offline rule planner answers meanwhile.",
                "zh": f"大语言模型设置不完整：{exc} 在此之前由离线规则解析器回答。"}
    where = f" at {provider.redact_url(choice.base_url)}" if choice.base_url else ""
    where_zh = f"（{provider.redact_url(choice.base_url)}）" if choice.base_url else ""
    hint = provider.missing_package(choice.provider)
    if hint:
        return {"en": f"LLM {choice.model} via {choice.alias}{where} is configured, but its package is missing: "
                      f"run {hint}. The offline rule planner answers meanwhile.",
                "zh": f"已配置大语言模型 {choice.model}（{choice.alias}）{where_zh}，但缺少所需的软件包："
                      f"请运行 {hint}。在此之前由离线规则解析器回答。"}
    planner = settings.effective_planner
    hybrid = planner == "hybrid"
    return {"en": f"LLM: {choice.model} via {choice.alias}{where}; planner '{planner}'"
                  + (" (the rule planner answers first when it is sure)." if hybrid else "."),
            "zh": f"大语言模型：{choice.model}（{choice.alias}）{where_zh}；当前解析器“{planner}”"
                  + ("（规则解析器有把握时先由它回答）。" if hybrid else "。")}


def __getattr__(name: str) -> Any:
    # Lazy re-exports so `import assistant.plan.llm` stays cheap for the app's status line.
    if name in ("HybridPlanner", "LLMPlanner"):
        from assistant.plan.llm import planner

        return getattr(planner, name)
    if name == "LLMResponse":
        from assistant.plan.llm.response import LLMResponse

        return LLMResponse
    raise AttributeError(f"module 'assistant.plan.llm' has no attribute '{name}'")
