"""Build a LangChain chat model from Settings, with the provider package as an optional extra.

    FA_LLM_PROVIDER=ollama  FA_LLM_MODEL=qwen2.5:7b                      (pip install "factory-assistant[ollama]")
    FA_LLM_PROVIDER=openai  FA_LLM_MODEL=gpt-4o-mini  FA_LLM_API_KEY=...  (pip install "factory-assistant[openai]")
    FA_LLM_BASE_URL=http://gpu-box:8000/v1  FA_LLM_MODEL=Qwen/Qwen2.5-7B-Instruct
                                                       (vLLM or any OpenAI-compatible server)

Nothing here imports a provider package at module import time: the pipeline and the
offline rule planner must work without any of them installed.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from assistant.core.errors import ConfigError
from assistant.core.settings import Settings, environment_has

# provider -> (python module, extra of factory-assistant that installs it)
PACKAGES: dict[str, tuple[str, str]] = {
    "openai": ("langchain_openai", "openai"),
    "azure_openai": ("langchain_openai", "openai"),
    "ollama": ("langchain_ollama", "ollama"),
    "anthropic": ("langchain_anthropic", "anthropic"),
}

# Servers that speak the OpenAI chat API: routed through langchain-openai with a base URL,
# so users need one extra ("openai") instead of one package per vendor.
OPENAI_COMPATIBLE: dict[str, str | None] = {
    "openai_compatible": None,
    "vllm": "http://localhost:8000/v1",
    "lmstudio": "http://localhost:1234/v1",
    "deepseek": "https://api.deepseek.com/v1",
    "qwen": "https://dashscope.aliyuncs.com/compatible-mode/v1",
    "dashscope": "https://dashscope.aliyuncs.com/compatible-mode/v1",
}

# Local servers ignore the key, but the OpenAI client refuses to start without one.
_PLACEHOLDER_KEY = "not-needed"


@dataclass(frozen=True)
class ProviderChoice:
    provider: str  # the LangChain provider key passed to init_chat_model
    model: str
    base_url: str | None
    alias: str  # what the user wrote (e.g. "vllm"), for messages


def resolve(settings: Settings) -> ProviderChoice:
    """Normalise provider aliases; an OpenAI-compatible base URL alone implies provider openai."""
    if not settings.llm_model:
        raise ConfigError("No LLM model is configured.",
                          suggestion="Set FA_LLM_MODEL (and FA_LLM_PROVIDER or FA_LLM_BASE_URL).")
    alias = (settings.llm_provider or "").strip().lower().replace("-", "_")
    base_url = settings.llm_base_url or None
    if not alias:
        if not base_url:
            raise ConfigError("No LLM provider is configured.",
                              suggestion="Set FA_LLM_PROVIDER (openai, ollama, anthropic...) or FA_LLM_BASE_URL.")
        alias = "openai_compatible"
    if alias in OPENAI_COMPATIBLE:
        base_url = base_url or OPENAI_COMPATIBLE[alias]
        if base_url is None:
            raise ConfigError(f"Provider '{settings.llm_provider}' needs a server address.",
                              suggestion="Set FA_LLM_BASE_URL, e.g. http://localhost:8000/v1.")
        return ProviderChoice("openai", settings.llm_model, base_url, alias)
    return ProviderChoice(alias, settings.llm_model, base_url, alias)


def install_hint(provider: str) -> str:
    if provider in PACKAGES:
        return f'pip install "factory-assistant[{PACKAGES[provider][1]}]"'
    return f"pip install langchain-{provider.replace('_', '-')}"


def missing_package(provider: str) -> str | None:
    """The install command when the provider's package is absent, else None."""
    module = PACKAGES.get(provider, (f"langchain_{provider}", ""))[0]
    try:
        found = importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        found = False
    return None if found else install_hint(provider)


def structured_method(provider: str) -> str:
    """How to ask for structured output.

    Ollama constrains decoding to a JSON schema (`format`), which works with every local
    model, while tool calling needs a tool-capable one. Elsewhere function calling is the
    widely supported choice: OpenAI's strict json_schema rejects schemas with defaults
    and length limits (SemanticQuery has both), and vLLM/DeepSeek/Qwen servers differ in
    json_schema support.
    """
    return "json_schema" if provider == "ollama" else "function_calling"


def model_kwargs(choice: ProviderChoice, settings: Settings) -> dict[str, Any]:
    """Keyword arguments for init_chat_model, per provider (their parameter names differ)."""
    kwargs: dict[str, Any] = {"temperature": settings.llm_temperature}
    key = settings.llm_api_key
    if choice.provider == "ollama":
        # ChatOllama has no `timeout`; it passes client_kwargs to its httpx client.
        kwargs["client_kwargs"] = {"timeout": settings.llm_timeout_s}
        if choice.base_url:
            kwargs["base_url"] = choice.base_url
        if key:  # a remote Ollama behind an authenticating proxy
            kwargs["headers"] = {"Authorization": f"Bearer {key}"}
        return kwargs
    kwargs["timeout"] = settings.llm_timeout_s
    # Retries would multiply the time a user waits; the planner falls back instead.
    kwargs["max_retries"] = 0
    if choice.base_url:
        kwargs["base_url"] = choice.base_url
    if key:
        kwargs["api_key"] = key
    elif choice.provider == "openai" and choice.base_url and not environment_has("OPENAI_API_KEY"):
        kwargs["api_key"] = _PLACEHOLDER_KEY
    return kwargs


def build_chat_model(settings: Settings) -> Any:
    """A LangChain BaseChatModel for the configured provider; ConfigError with an install hint otherwise."""
    choice = resolve(settings)
    hint = missing_package(choice.provider)
    if hint:
        raise ConfigError(f"The LLM provider '{choice.alias}' needs a package that is not installed.",
                          suggestion=f"Install it with: {hint}")
    from langchain.chat_models import init_chat_model

    try:
        return init_chat_model(choice.model, model_provider=choice.provider, **model_kwargs(choice, settings))
    except ImportError as exc:
        raise ConfigError(f"The LLM provider '{choice.alias}' could not be loaded: {exc}",
                          suggestion=f"Install it with: {install_hint(choice.provider)}") from None
    except (ValueError, TypeError) as exc:
        # Unknown provider, or a parameter the provider's class rejects (pydantic error).
        raise ConfigError(f"The LLM provider '{choice.alias}' could not be set up: {_first_line(exc)}",
                          suggestion="Check FA_LLM_PROVIDER, FA_LLM_MODEL and FA_LLM_BASE_URL.") from None


def redact_url(url: str | None) -> str | None:
    """Drop user:password from a URL before showing it."""
    if not url:
        return url
    parts = urlsplit(url)
    if parts.username or parts.password:
        parts = parts._replace(netloc=(parts.hostname or "") + (f":{parts.port}" if parts.port else ""))
    return urlunsplit(parts)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
