"""What the model must return (`LLMResponse`), how to read it, and the user-facing failure texts."""

from __future__ import annotations

import json
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from assistant.plan.query import SemanticQuery

MAX_ERROR_CHARS = 1200  # repair prompts quote errors; a pydantic dump can be far longer


class LLMResponse(BaseModel):
    # The docstring is the schema's description the model reads: one line, hence two joined literals.
    ("The planner's answer to one question about the data: a semantic query (preferred), "
     "one read-only SQL SELECT, a clarifying question, or a refusal.")

    model_config = ConfigDict(extra="forbid")
    kind: Literal["query", "sql", "clarify", "refuse"] = Field(
        description="query: fill `query`; sql: fill `sql` (only when a query cannot express it); "
                    "clarify: ask the user in `message`; refuse: explain in `message`.")
    query: SemanticQuery | None = Field(
        default=None,
        description="For kind=query: metrics, dimensions, filters, time range... using only names from the context.")
    sql: str | None = Field(
        default=None, description="For kind=sql: exactly one read-only SELECT over the listed tables and columns.")
    message: str = Field(
        default="", description="For clarify/refuse: the text for the user, in the user's language. "
                                "For sql: one sentence saying what the SQL computes.")

    @model_validator(mode="after")
    def _consistent(self) -> LLMResponse:
        # Said plainly so that the repair prompt tells the model exactly what to change.
        if self.kind == "query" and self.query is None:
            raise ValueError("kind is 'query' but `query` is empty: fill `query` or choose another kind")
        if self.kind == "sql" and not (self.sql or "").strip():
            raise ValueError("kind is 'sql' but `sql` is empty: write one SELECT statement or choose another kind")
        if self.kind in ("clarify", "refuse") and not self.message.strip():
            raise ValueError(f"kind is '{self.kind}' but `message` is empty: write the text for the user")
        return self


def json_instructions() -> str:
    """For models without tool calling or JSON-schema support: ask for raw JSON instead."""
    schema = json.dumps(LLMResponse.model_json_schema(), ensure_ascii=False)
    return ("Reply with ONE JSON object only (no prose, no code fence) that matches this JSON schema:\n"
            f"{schema}\n只输出一个符合该 JSON Schema 的 JSON 对象，不要输出其他文字。")


_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.S)


def parse_text(content: Any) -> tuple[LLMResponse | None, str | None]:
    """Read an LLMResponse from a message's text (models that answered in prose or JSON)."""
    text = content if isinstance(content, str) else " ".join(
        str(part.get("text", "")) if isinstance(part, dict) else str(part) for part in (content or []))
    text = text.strip()
    if not text:
        return None, "The answer was empty: return the LLMResponse object (kind, query/sql, message)."
    fenced = _FENCE.search(text)
    if fenced:
        text = fenced.group(1).strip()
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end <= start:
        return None, "The answer was not JSON: return the LLMResponse object (kind, query/sql, message), nothing else."
    try:
        return LLMResponse.model_validate_json(text[start:end + 1]), None
    except ValidationError as exc:
        return None, describe_error(exc)


def describe_error(exc: BaseException) -> str:
    """A short, model-readable description of a parsing/validation failure."""
    cause: BaseException | None = exc
    while cause is not None and not isinstance(cause, ValidationError):
        cause = cause.__cause__
    if isinstance(cause, ValidationError):
        parts = []
        for err in cause.errors(include_url=False):
            loc = ".".join(str(x) for x in err.get("loc", ())) or "answer"
            parts.append(f"{loc}: {err.get('msg', 'invalid')}")
        text = "The answer does not match the schema: " + "; ".join(parts)
    else:
        text = f"The answer could not be read: {exc}"
    return text[:MAX_ERROR_CHARS]


def previous_answer(raw: Any, parsed: LLMResponse | None) -> str:
    """The rejected answer, quoted back in the repair prompt."""
    if parsed is not None:
        return parsed.model_dump_json(exclude_none=True)
    calls = getattr(raw, "tool_calls", None) or []
    if calls:
        return json.dumps(calls[0].get("args", {}), ensure_ascii=False, default=str)[:MAX_ERROR_CHARS]
    content = getattr(raw, "content", "")
    text = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False, default=str)
    return text[:MAX_ERROR_CHARS] or "(empty)"


# ---------------------------------------------------------------------- failure texts
FAILURES: dict[str, tuple[str, str]] = {
    "timeout": ("The language model did not answer within {seconds:g} seconds. The offline rule planner can "
                "still answer: ask again, or choose the 'rules' planner.",
                "语言模型未在 {seconds:g} 秒内回答。离线规则解析器仍可回答：请重试，或选择“rules”解析器。"),
    "unreachable": ("The language model could not be reached ({detail}). The offline rule planner can still "
                    "answer: choose the 'rules' planner, or check FA_LLM_PROVIDER / FA_LLM_BASE_URL.",
                    "无法连接语言模型（{detail}）。离线规则解析器仍可回答：请选择“rules”解析器，"
                    "或检查 FA_LLM_PROVIDER / FA_LLM_BASE_URL 设置。"),
    "config": ("The language model is not set up: {detail} The offline rule planner can still answer.",
               "语言模型尚未配置好：{detail} 离线规则解析器仍可回答。"),
    "invalid": ("The language model could not produce a valid query for this question in {attempts} attempts "
                "(last problem: {detail}). Try rephrasing it, or ask with the 'rules' planner.",
                "语言模型尝试 {attempts} 次后仍未生成有效的查询（最后的问题：{detail}）。"
                "请换个说法，或改用“rules”解析器。"),
}


def failure_text(kind: str, lang: str, **values: Any) -> str:
    en, zh = FAILURES[kind]
    return (zh if lang == "zh" else en).format(**values)


def error_detail(exc: BaseException, secrets: tuple[str | None, ...] = ()) -> str:
    """'ConnectError: connection refused', one line, with configured secrets masked."""
    text = " ".join(str(exc).split())[:200]
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "••••")
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def is_timeout(exc: BaseException) -> bool:
    """httpx.ReadTimeout, openai.APITimeoutError, TimeoutError...: matched by class name so no provider is imported."""
    return isinstance(exc, TimeoutError) or any("timeout" in cls.__name__.lower() for cls in type(exc).__mro__)
