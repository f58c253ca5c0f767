"""LLMPlanner (grounded, validated, self-correcting) and HybridPlanner (rules first, LLM when unsure).

LLMPlanner.plan: retrieve a slice of the semantic layer -> prompt -> structured output
(`LLMResponse`) -> validate (schema, layer, guard, EXPLAIN dry run) -> on rejection send the
validator's message back (at most `repair_rounds` times) -> a Plan. It never runs SQL:
the pipeline guards and executes what the plan says. Any failure of the model call
(timeout, connection refused, missing package) becomes a clarify Plan with a readable
message, so a broken LLM never costs the user a traceback.
"""

from __future__ import annotations

import contextvars
import dataclasses
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from assistant.core.errors import ConfigError, FactoryAssistantError
from assistant.core.settings import Settings
from assistant.core.text import shorten
from assistant.plan.llm import provider
from assistant.plan.llm.context import build_context
from assistant.plan.llm.prompts import PLANNER_PROMPT, REPAIR_PROMPT, load_prompt
from assistant.plan.llm.response import (
    LLMResponse,
    describe_error,
    error_detail,
    failure_text,
    is_timeout,
    json_instructions,
    parse_text,
    previous_answer,
)
from assistant.plan.llm.safe_text import safe_text
from assistant.plan.query import validate_query
from assistant.plan.types import Plan, PlanContext, Planner

USAGE_KEYS = ("input_tokens", "output_tokens", "total_tokens")


class _DeadlineExceeded(TimeoutError):
    """The provider ignored its own timeout; we stopped waiting."""


@dataclass
class LLMOutcome:
    """A plan plus why the LLM failed (None when it answered): lets HybridPlanner fall back."""

    plan: Plan
    failure: str | None = None  # "timeout" | "unreachable" | "config" | "invalid"


class LLMPlanner:
    name = "llm"

    def __init__(self, chat_model: Any = None, *, settings: Settings | None = None,
                 model_factory: Callable[[Settings], Any] | None = None, repair_rounds: int = 2,
                 timeout_s: float = 30.0, structured_method: str | None = None,
                 prompts_dir: Path | None = None) -> None:
        """`chat_model`: a LangChain chat model (tests inject a scripted one). Otherwise one is
        built from `settings` on the first question, so constructing a pipeline never needs
        the provider package."""
        self._chat_model = chat_model
        self._settings = settings
        self._factory = model_factory or provider.build_chat_model
        self.repair_rounds = max(0, repair_rounds)
        self.timeout_s = timeout_s
        choice = _safe_resolve(settings)
        self.structured_method = structured_method or provider.structured_method(choice.provider if choice else "")
        self._prompt = load_prompt(PLANNER_PROMPT, prompts_dir)
        self._repair = load_prompt(REPAIR_PROMPT, prompts_dir)
        self._runnable: Any = None
        self._json_fallback = False
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs: Any) -> LLMPlanner:
        return cls(settings=settings, repair_rounds=settings.llm_repair_rounds, timeout_s=settings.llm_timeout_s,
                   **kwargs)

    @property
    def prompt_version(self) -> str:
        return self._prompt.version

    @property
    def deadline_s(self) -> float:
        # Providers enforce timeout_s themselves; this is the backstop for one that does not.
        return self.timeout_s + min(5.0, self.timeout_s)

    # ------------------------------------------------------------------ planning
    def plan(self, question: str, ctx: PlanContext) -> Plan:
        return self.attempt(question, ctx).plan

    def attempt(self, question: str, ctx: PlanContext) -> LLMOutcome:
        if not question.strip():  # nothing to ask a paid model about
            from assistant.plan.rules.messages import refusal

            return LLMOutcome(Plan(kind="clarify", planner=self.name, message=refusal("empty", ctx.lang),
                                   prompt_version=self.prompt_version))
        grounded = build_context(question, ctx, dialect=ctx.dialect)
        usage: dict[str, int] = {}
        messages: list[BaseMessage] = [
            SystemMessage(self._prompt.render("system")),
            HumanMessage(self._prompt.render("user", context=grounded.text, question=question.strip())),
        ]
        repairs, last_error = 0, ""
        for attempt in range(self.repair_rounds + 1):
            try:
                raw, parsed, error = self._ask(messages)
            except ConfigError as exc:
                return self._failed("config", ctx, grounded.retrieved_ids, usage, repairs, detail=str(exc))
            except Exception as exc:
                _add_usage(usage, None)  # the call was made (and may be billed) even though it failed
                kind = "timeout" if is_timeout(exc) else "unreachable"
                detail = error_detail(exc, (getattr(self._settings, "llm_api_key", None),))
                return self._failed(kind, ctx, grounded.retrieved_ids, usage, repairs,
                                    seconds=self.timeout_s, detail=detail)
            _add_usage(usage, raw)
            plan = None
            if error is None and parsed is not None:
                plan = self._to_plan(parsed, ctx)
                error = self._validate(plan, ctx)
            if error is None and plan is not None:
                return LLMOutcome(self._stamp(plan, grounded.retrieved_ids, usage, repairs))
            last_error = error or "no answer"
            if attempt == self.repair_rounds:
                break
            repairs += 1
            messages += [
                AIMessage(previous_answer(raw, parsed)),
                HumanMessage(self._repair.render("user", previous=previous_answer(raw, parsed), error=last_error,
                                                 round=str(repairs), max_rounds=str(self.repair_rounds))),
            ]
        return self._failed("invalid", ctx, grounded.retrieved_ids, usage, repairs,
                            attempts=self.repair_rounds + 1, detail=_short(last_error))

    # ------------------------------------------------------------------ model calls
    def _structured(self) -> Any:
        with self._lock:
            if self._runnable is None:
                model = self._chat_model
                if model is None:
                    if self._settings is None:
                        raise ConfigError("No language model is configured.",
                                          suggestion="Set FA_LLM_PROVIDER and FA_LLM_MODEL.")
                    model = self._factory(self._settings)
                try:
                    self._runnable = model.with_structured_output(
                        LLMResponse, include_raw=True, method=self.structured_method)
                    self._json_fallback = False
                except NotImplementedError:
                    # No tool calling / JSON schema support: ask for JSON in words and parse it ourselves.
                    self._runnable, self._json_fallback = model, True
            return self._runnable

    def _ask(self, messages: list[BaseMessage]) -> tuple[Any, LLMResponse | None, str | None]:
        runnable = self._structured()
        if self._json_fallback:
            system = SystemMessage(f"{messages[0].content}\n\n{json_instructions()}")
            raw = self._invoke(runnable, [system, *messages[1:]])
            parsed, error = parse_text(getattr(raw, "content", ""))
            return raw, parsed, error
        out = self._invoke(runnable, messages)
        raw, parsed, error = out.get("raw"), out.get("parsed"), out.get("parsing_error")
        if error is not None:
            return raw, None, describe_error(error)
        if parsed is None:  # no tool call: some models put the JSON in the text instead
            return (raw, *parse_text(getattr(raw, "content", "")))
        if not isinstance(parsed, LLMResponse):  # dict from a provider that skipped validation
            try:
                parsed = LLMResponse.model_validate(parsed)
            except ValueError as exc:
                return raw, None, describe_error(exc)
        return raw, parsed, None

    def _invoke(self, runnable: Any, messages: list[BaseMessage]) -> Any:
        """runnable.invoke with a hard deadline (contextvars copied so tracing callbacks still work)."""
        box: dict[str, Any] = {}

        def call() -> None:
            try:
                box["out"] = runnable.invoke(messages)
            except BaseException as exc:
                box["err"] = exc

        worker = threading.Thread(target=contextvars.copy_context().run, args=(call,), daemon=True, name="fa-llm-call")
        worker.start()
        worker.join(self.deadline_s)
        if worker.is_alive():
            raise _DeadlineExceeded(f"no answer after {self.deadline_s:g} s")
        if "err" in box:
            raise box["err"]
        return box.get("out")

    # ------------------------------------------------------------------ plans
    def _to_plan(self, response: LLMResponse, ctx: PlanContext) -> Plan:
        # The model's words reach users as markdown: here, where they enter, they lose images,
        # links to elsewhere, markup and excess length (safe_text.py).
        if response.kind == "query" and response.query is not None:
            return Plan(kind="query", planner=self.name, query=response.query.model_copy(update={"locale": ctx.lang}))
        if response.kind == "sql":
            return Plan(kind="sql", planner=self.name, sql=(response.sql or "").strip(),
                        message=safe_text(response.message))
        return Plan(kind=response.kind, planner=self.name, message=safe_text(response.message))

    def _validate(self, plan: Plan, ctx: PlanContext) -> str | None:
        """The validator's message, or None. Same checks the pipeline runs before executing."""
        if plan.kind in ("clarify", "refuse") and not plan.message:
            return ("`message` held nothing but links, images or markup, which are not shown: "
                    "write the text for the user in plain words")
        try:
            if plan.kind == "query" and plan.query is not None:
                validate_query(plan.query, ctx.layer)
            if plan.kind in ("query", "sql") and ctx.validate is not None:
                return ctx.validate(plan)
        except FactoryAssistantError as exc:
            return str(exc)
        return None

    def _stamp(self, plan: Plan, retrieved_ids: list[str], usage: dict[str, int], repairs: int) -> Plan:
        plan.planner = self.name
        plan.prompt_version = self.prompt_version + (f"+{self._repair.version}" if repairs else "")
        plan.retrieved_ids = list(retrieved_ids)
        plan.repair_rounds = repairs
        plan.token_usage = dict(usage)
        return plan

    def _failed(self, kind: str, ctx: PlanContext, retrieved_ids: list[str], usage: dict[str, int],
                repairs: int, **values: Any) -> LLMOutcome:
        plan = Plan(kind="clarify", planner=self.name, message=failure_text(kind, ctx.lang, **values))
        return LLMOutcome(self._stamp(plan, retrieved_ids, usage, repairs), failure=kind)


# ---------------------------------------------------------------------- hybrid
_NOTES = {
    "rules": ("answered by the rule planner (hybrid routing)", "由规则解析器回答（混合路由）"),
    "llm": ("answered by the language model (hybrid routing)", "由语言模型回答（混合路由）"),
    "fallback": ("the language model was unavailable, so the rule planner answered (hybrid routing)",
                 "语言模型不可用，由规则解析器回答（混合路由）"),
}


class HybridPlanner:
    """Rules first (fast, free, deterministic); the LLM only when the rules are unsure."""

    name = "hybrid"

    def __init__(self, rules: Planner, llm: LLMPlanner, *, min_confidence: float = 0.9) -> None:
        self.rules = rules
        self.llm = llm
        self.min_confidence = min_confidence

    def plan(self, question: str, ctx: PlanContext) -> Plan:
        try:
            rule_plan: Plan | None = self.rules.plan(question, ctx)
        except FactoryAssistantError:
            rule_plan = None
        if rule_plan is not None and (self._trusted(rule_plan, question) or not question.strip()):
            return _noted(rule_plan, "rules", ctx.lang)
        outcome = self.llm.attempt(question, ctx)
        if outcome.failure is None:
            return _noted(outcome.plan, "llm", ctx.lang)
        if rule_plan is not None and rule_plan.kind in ("query", "trace", "why"):
            # The tokens were spent even though the rules answered: keep them visible.
            rule_plan.token_usage = dict(outcome.plan.token_usage)
            return _noted(rule_plan, "fallback", ctx.lang)
        if rule_plan is not None and rule_plan.message:
            # Both unsure: say the LLM failed, then what the rules need to know.
            sep = "" if ctx.lang == "zh" else " "
            return dataclasses.replace(outcome.plan, message=f"{outcome.plan.message}{sep}{rule_plan.message}",
                                       suggestions=list(rule_plan.suggestions))
        return outcome.plan

    def _trusted(self, plan: Plan, question: str) -> bool:
        if plan.kind == "why":  # the model cannot decompose a change: the rules' computed answer stands
            return True
        if plan.kind in ("query", "trace"):
            return plan.confidence >= self.min_confidence and not plan.not_understood
        return plan.kind == "refuse" and _write_or_injection(question)


def _noted(plan: Plan, route: str, lang: str) -> Plan:
    en, zh = _NOTES[route]
    plan.notes = [*plan.notes, zh if lang == "zh" else en]
    return plan


def _write_or_injection(question: str) -> bool:
    """The rule planner's own write/injection patterns: such refusals must never reach an LLM."""
    from assistant.core.text import fold
    from assistant.plan.rules import lexicon as lx

    text = fold(question)
    return bool(lx.INJECTION.search(text) or lx.WRITE_INTENT.search(text))


# ---------------------------------------------------------------------- helpers
def _add_usage(total: dict[str, int], raw: Any) -> None:
    usage = getattr(raw, "usage_metadata", None) or {}
    for key in USAGE_KEYS:
        value = usage.get(key)
        if isinstance(value, int):
            total[key] = total.get(key, 0) + value
    total["llm_calls"] = total.get("llm_calls", 0) + 1


def _short(text: str, limit: int = 300) -> str:
    return shorten(text, limit)


def _safe_resolve(settings: Settings | None) -> provider.ProviderChoice | None:
    if settings is None or not settings.llm_model:
        return None
    try:
        return provider.resolve(settings)
    except ConfigError:
        return None  # reported on the first question, as a message, not at construction
