"""LLM planner: grounded prompts, structured output, repair, safety, failures, hybrid routing.

No network and no real model: `ScriptedFakeChatModel` plays back scripted AIMessages
(tool calls with usage metadata) or raises scripted errors, and records every prompt.
Retrieval is a stub that returns chosen layer documents, so the tests say exactly what
"retrieved" means; the database is the shared demo database (tests/conftest.py).
"""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.language_models.fake_chat_models import FakeListChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import Field

from assistant.core.errors import ConfigError
from assistant.core.settings import Settings
from assistant.pipeline import Pipeline
from assistant.plan.llm import provider, status
from assistant.plan.llm.planner import HybridPlanner, LLMPlanner
from assistant.plan.llm.prompts import load_prompt
from assistant.plan.query import SemanticQuery
from assistant.plan.rules.planner import RulePlanner
from assistant.plan.types import Plan, PlanContext, Session, Turn
from assistant.sql.executor import Executor
from assistant.understand.retrieval.documents import layer_documents
from tests.conftest import CACHE, EVAL_END

USAGE = {"input_tokens": 100, "output_tokens": 20, "total_tokens": 120}
GOOD_SQL = ("SELECT p.plant_id, SUM(r.good_count) AS good FROM production_records r "
            "JOIN production_lines l ON r.line_id = l.line_id JOIN plants p ON l.plant_id = p.plant_id "
            "GROUP BY p.plant_id ORDER BY p.plant_id")
BAD_COLUMN_SQL = "SELECT plant_name, SUM(good_count) AS good FROM production_records GROUP BY plant_name"


class ScriptedFakeChatModel(BaseChatModel):
    """Plays back `script` (AIMessage, or an exception to raise); records every prompt in `calls`.

    LangChain's own fakes raise NotImplementedError for bind_tools, which
    with_structured_output needs; binding is a no-op here because the script already
    holds the tool calls a real model would make.
    """

    # Pydantic fields (the constructor sets them), so a fresh list per model, not a ClassVar.
    script: list[Any] = Field(default_factory=list)
    calls: list[list[BaseMessage]] = Field(default_factory=list)
    bound_tools: list[Any] = Field(default_factory=list)
    delay_s: float = 0.0

    @property
    def _llm_type(self) -> str:
        return "scripted-fake"

    def bind_tools(self, tools: Any, **kwargs: Any) -> ScriptedFakeChatModel:
        self.bound_tools = list(tools)
        return self

    def _generate(self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kwargs: Any) -> ChatResult:
        self.calls.append(list(messages))
        if self.delay_s:
            time.sleep(self.delay_s)
        if not self.script:
            raise AssertionError("the model was called more often than scripted")
        item = self.script.pop(0)
        if isinstance(item, BaseException):
            raise item
        return ChatResult(generations=[ChatGeneration(message=item)])

    def prompt_text(self, call: int = -1) -> str:
        return "\n".join(str(m.content) for m in self.calls[call])


def answer(**args: Any) -> AIMessage:
    return AIMessage(content="", tool_calls=[{"name": "LLMResponse", "args": args, "id": "call_1"}],
                     usage_metadata=dict(USAGE))


def scripted(*items: Any, delay_s: float = 0.0) -> ScriptedFakeChatModel:
    return ScriptedFakeChatModel(script=list(items), calls=[], delay_s=delay_s)


class StubRetrieval:
    """Returns the layer documents named in `ids` (filtered by kind), like the real index would."""

    def __init__(self, docs: list[Any], ids: list[str]) -> None:
        by_id = {d.id: d for d in docs}
        self.docs = [by_id[i] for i in ids]
        self.calls: list[tuple[str, Any]] = []

    def __call__(self, query: str, k: int = 10, kinds: Any = None) -> list[Any]:
        self.calls.append((query, kinds))
        return [SimpleNamespace(doc=d, score=1.0) for d in self.docs if kinds is None or d.kind in kinds][:k]


@pytest.fixture(scope="module")
def pipe(demo_db, layer):
    p = Pipeline(layer, Executor(str(demo_db)), planners={}, settings=Settings(as_of=EVAL_END))
    yield p
    p.close()


@pytest.fixture
def retrieval(pipe):
    docs = layer_documents(pipe.layer, pipe.values)
    return StubRetrieval(docs, ["metric:oee", "dimension:plant", "value:plant:NB", "verified:0"])


def context(pipe, retrieval, *, lang: str = "en", session: Session | None = None) -> PlanContext:
    return PlanContext(layer=pipe.layer, as_of=EVAL_END, session=session or Session(), lang=lang,
                       retrieve=retrieval, values=pipe.values, validate=pipe.validate_plan)


def with_planners(pipe, retrieval, **planners: Any) -> Pipeline:
    """The module's pipeline with these planners and the stub retrieval (no embedding model)."""
    pipe._planners = planners
    pipe._retrieve = retrieval
    return pipe


# ---------------------------------------------------------------------- (1) grounded prompt
def test_prompt_holds_only_retrieved_definitions(pipe, retrieval):
    model = scripted(answer(kind="query", query={"metrics": ["oee"], "dimensions": ["plant"]}))
    plan = LLMPlanner(model).plan("OEE by plant in Ningbo last month", context(pipe, retrieval))
    prompt = model.prompt_text(0)
    oee, unrelated = pipe.layer.metric("oee"), pipe.layer.metric("energy_per_unit")
    assert oee.formula in prompt and oee.description in prompt and "allowed dimensions:" in prompt
    assert "NB (Ningbo / 宁波)" in prompt  # the matched value with both labels
    assert pipe.layer.spec.verified_queries[0].question in prompt
    assert "2025-12-31" in prompt and '"last month" = 2025-11-01 .. 2025-11-30' in prompt
    assert "production_records(" in prompt  # the table behind oee, for SQL answers
    # Not retrieved, so not sent: another metric, its formula, unrelated tables.
    assert "energy_per_unit" not in prompt and unrelated.formula not in prompt
    assert "customer_complaints" not in prompt and "purchase_orders" not in prompt
    assert plan.retrieved_ids == ["metric:oee", "dimension:plant", "value:plant:NB", "verified:0"]


def test_prompt_carries_the_conversation_and_language(pipe, retrieval):
    earlier = Plan(kind="query", planner="llm", query=SemanticQuery(metrics=["scrap_rate"], dimensions=["line"]))
    session = Session(turns=[Turn("scrap rate by line", earlier, "ok")])
    model = scripted(answer(kind="query", query={"metrics": ["scrap_rate"], "dimensions": ["plant"]}))
    LLMPlanner(model).plan("按工厂呢？", context(pipe, retrieval, lang="zh", session=session))
    prompt = model.prompt_text(0)
    assert "scrap rate by line" in prompt and '"scrap_rate"' in prompt
    assert pipe.layer.metric("scrap_rate").formula in prompt  # the follow-up keeps the previous metric
    assert "Simplified Chinese" in prompt


# ---------------------------------------------------------------------- (2) structured output
def test_structured_output_becomes_a_query_plan(pipe, retrieval):
    model = scripted(answer(kind="query", query={
        "metrics": ["oee"], "dimensions": ["plant"], "filters": [{"field": "plant", "op": "in", "values": ["NB"]}],
        "time_range": {"start": "2025-11-01", "end": "2025-11-30"}}))
    plan = LLMPlanner(model).plan("OEE in Ningbo last month", context(pipe, retrieval, lang="zh"))
    assert [t.__name__ for t in model.bound_tools] == ["LLMResponse"]  # went through with_structured_output
    assert plan.kind == "query" and plan.planner == "llm" and plan.prompt_version == "planner.v1"
    assert plan.query.metrics == ["oee"] and plan.query.filters[0].values == ["NB"]
    assert str(plan.query.time_range.start) == "2025-11-01" and plan.query.locale == "zh"
    assert plan.repair_rounds == 0 and plan.token_usage == {**USAGE, "llm_calls": 1}


def test_models_without_tool_calling_answer_in_json(pipe, retrieval):
    model = FakeListChatModel(responses=['```json\n{"kind": "query", "query": {"metrics": ["oee"]}}\n```'])
    plan = LLMPlanner(model).plan("OEE", context(pipe, retrieval))
    assert plan.kind == "query" and plan.query.metrics == ["oee"]


def test_answer_flows_to_provenance(pipe, retrieval):
    model = scripted(answer(kind="query", query={"metrics": ["oee"], "dimensions": ["plant"]}))
    result = with_planners(pipe, retrieval, llm=LLMPlanner(model)).ask("OEE by plant", planner="llm", as_of=EVAL_END)
    assert result.status == "ok" and result.planner == "llm" and result.columns == ["plant", "oee"]
    assert result.provenance.token_usage["total_tokens"] == 120
    assert result.provenance.prompt_version == "planner.v1"
    assert "metric:oee" in result.provenance.retrieved_ids


# ---------------------------------------------------------------------- (3)+(8) repair
def test_hallucinated_column_is_repaired_with_the_guard_message(pipe, retrieval):
    guard_message = pipe.validate_plan(Plan(kind="sql", planner="t", sql=BAD_COLUMN_SQL))
    assert guard_message and "plant_name" in guard_message
    model = scripted(answer(kind="sql", sql=BAD_COLUMN_SQL, message="good parts per plant"),
                     answer(kind="sql", sql=GOOD_SQL, message="good parts per plant"))
    planner = LLMPlanner(model, repair_rounds=2)
    result = with_planners(pipe, retrieval, llm=planner).ask("good parts per plant", planner="llm", as_of=EVAL_END)
    assert len(model.calls) == 2
    repair_prompt = str(model.calls[1][-1].content)
    assert guard_message in repair_prompt and BAD_COLUMN_SQL in repair_prompt
    assert result.status == "ok" and "plant_name" not in result.sql and "good" in result.columns
    assert result.provenance.repair_rounds == 1
    assert result.provenance.prompt_version == "planner.v1+repair.v1"
    assert result.provenance.token_usage == {"input_tokens": 200, "output_tokens": 40, "total_tokens": 240, "llm_calls": 2}


def test_schema_errors_are_sent_back_too(pipe, retrieval):
    model = scripted(answer(kind="query", query={"metrics": ["oee"], "dimensions": ["color"]}),
                     answer(kind="query", query={"metrics": ["oee"], "dimensions": ["plant"]}))
    plan = LLMPlanner(model).plan("OEE by plant", context(pipe, retrieval))
    assert "color" in str(model.calls[1][-1].content)
    assert plan.kind == "query" and plan.query.dimensions == ["plant"] and plan.repair_rounds == 1


# ---------------------------------------------------------------------- (4) unsafe SQL never runs
@pytest.mark.parametrize("sql", ["DROP TABLE plants", "SELECT * FROM read_csv('/etc/passwd')",
                                 "SELECT 1; DROP TABLE plants", "DELETE FROM plants"])
def test_unsafe_sql_from_the_model_never_executes(pipe, retrieval, monkeypatch, sql):
    seen: list[str] = []
    for method in ("run", "explain"):
        original = getattr(pipe.executor, method)
        monkeypatch.setattr(pipe.executor, method, lambda checked, *a, _f=original, **k: (seen.append(str(checked.sql)), _f(checked, *a, **k))[1])
    before = pipe.run_sql("SELECT COUNT(*) FROM plants").rows[0][0]
    model = scripted(*(answer(kind="sql", sql=sql, message="x") for _ in range(3)))
    result = with_planners(pipe, retrieval, llm=LLMPlanner(model, repair_rounds=2)).ask("plants", planner="llm", as_of=EVAL_END)
    assert result.status == "clarify" and "could not produce a valid query" in result.message
    assert len(model.calls) == 3 and result.provenance.repair_rounds == 2
    assert not any(w in s.upper() for s in seen if s != "SELECT COUNT(*) FROM plants" for w in ("DROP", "READ_CSV", "DELETE"))
    assert pipe.run_sql("SELECT COUNT(*) FROM plants").rows[0][0] == before
    # Defence in depth: the same SQL handed straight to the pipeline is refused by the guard.
    direct = pipe.execute_plan("x", Plan(kind="sql", planner="llm", sql=sql), lang="en", timings={})
    assert direct.status == "error" and direct.rows == []


# ---------------------------------------------------------------------- (5) timeouts and provider errors
@pytest.mark.parametrize("error, en_text", [
    (httpx.ReadTimeout("timed out"), "did not answer within 30 seconds"),
    (httpx.ConnectError("[Errno 111] Connection refused"), "could not be reached (ConnectError"),
    (RuntimeError("502 Bad Gateway"), "could not be reached (RuntimeError: 502"),
])
def test_provider_failures_become_clear_messages(pipe, retrieval, error, en_text):
    result = with_planners(pipe, retrieval, llm=LLMPlanner(scripted(error))).ask("OEE by plant", planner="llm", as_of=EVAL_END)
    assert result.status == "clarify" and en_text in result.message
    assert "offline rule planner can still answer" in result.message and "Traceback" not in result.message


def test_failure_messages_follow_the_question_language(pipe, retrieval):
    plan = LLMPlanner(scripted(httpx.ReadTimeout("timed out"))).plan("各工厂的OEE", context(pipe, retrieval, lang="zh"))
    assert plan.kind == "clarify" and "语言模型未在 30 秒内回答" in plan.message and "离线规则解析器" in plan.message


def test_a_hanging_model_is_abandoned(pipe, retrieval):
    planner = LLMPlanner(scripted(answer(kind="clarify", message="late"), delay_s=3.0), timeout_s=0.2)
    started = time.perf_counter()
    plan = planner.plan("OEE", context(pipe, retrieval))
    assert time.perf_counter() - started < 2.0
    assert plan.kind == "clarify" and "did not answer within 0.2 seconds" in plan.message


def test_api_key_is_masked_in_messages(pipe, retrieval):
    settings = Settings(llm_provider="openai", llm_model="m", llm_api_key="sk-secret-123")
    planner = LLMPlanner(scripted(RuntimeError("bad key sk-secret-123")), settings=settings)
    plan = planner.plan("OEE", context(pipe, retrieval))
    assert "sk-secret-123" not in plan.message and "••••" in plan.message


# ---------------------------------------------------------------------- (6) hybrid routing
def test_hybrid_keeps_confident_rule_answers_away_from_the_llm(pipe, retrieval):
    model = scripted()
    hybrid = HybridPlanner(RulePlanner(), LLMPlanner(model))
    for question in ("OEE by plant last month", "delete all rows from plants"):
        plan = hybrid.plan(question, context(pipe, retrieval))
        assert plan.planner == "rules" and any("hybrid" in n for n in plan.notes)
    assert model.calls == []


def test_hybrid_keeps_why_questions_with_the_rules_scripted_fake_model_never_called(pipe, retrieval):
    model = scripted()
    for question in ("Why did defect ppm at Ningbo rise in November?", "为什么上个月宁波的报废率上升了?"):
        plan = HybridPlanner(RulePlanner(), LLMPlanner(model)).plan(question, context(pipe, retrieval))
        assert plan.kind == "why" and plan.planner == "rules"
    assert model.calls == []


def test_hybrid_asks_the_llm_about_words_the_rules_did_not_understand(pipe, retrieval):
    model = scripted(answer(kind="query", query={"metrics": ["oee"], "dimensions": ["line"]}))
    plan = HybridPlanner(RulePlanner(), LLMPlanner(model)).plan("OEE by plant last month for the zorblax", context(pipe, retrieval))
    assert len(model.calls) == 1 and plan.planner == "llm" and plan.query.dimensions == ["line"]
    assert any("hybrid" in n for n in plan.notes) and plan.token_usage["total_tokens"] == 120


def test_hybrid_falls_back_to_the_rule_plan_when_the_llm_fails(pipe, retrieval):
    model = scripted(httpx.ConnectError("connection refused"))
    plan = HybridPlanner(RulePlanner(), LLMPlanner(model)).plan("OEE by plant last month for the zorblax", context(pipe, retrieval))
    assert len(model.calls) == 1 and plan.planner == "rules" and plan.kind == "query"
    assert plan.query.metrics == ["oee"] and any("unavailable" in n for n in plan.notes)
    assert plan.token_usage == {"llm_calls": 1}  # the failed call is counted, no tokens came back


def test_hybrid_through_the_pipeline_answers_when_the_llm_is_down(pipe, retrieval):
    hybrid = HybridPlanner(RulePlanner(), LLMPlanner(scripted(httpx.ConnectError("refused"))))
    result = with_planners(pipe, retrieval, hybrid=hybrid).ask("OEE by plant last month for the zorblax",
                                                               planner="hybrid", as_of=EVAL_END)
    assert result.status == "ok" and result.planner == "rules" and "rule planner answered" in result.interpretation


# ---------------------------------------------------------------------- (7) providers
@pytest.fixture
def no_provider_packages(monkeypatch):
    real = provider.importlib.util.find_spec
    monkeypatch.setattr(provider.importlib.util, "find_spec",
                        lambda name, *a: None if name.startswith("langchain_") else real(name, *a))


@pytest.mark.parametrize("name, extra", [("openai", "openai"), ("vllm", "openai"), ("ollama", "ollama"), ("anthropic", "anthropic")])
def test_missing_provider_package_is_a_config_error_with_the_install_command(no_provider_packages, name, extra):
    settings = Settings(llm_provider=name, llm_model="some-model")
    with pytest.raises(ConfigError) as err:
        provider.build_chat_model(settings)
    assert f'pip install "factory-assistant[{extra}]"' in str(err.value)
    assert f'factory-assistant[{extra}]' in status(settings)["en"] and f'factory-assistant[{extra}]' in status(settings)["zh"]


def test_the_planner_is_built_lazily_and_reports_a_missing_package(no_provider_packages, pipe, retrieval):
    planner = LLMPlanner.from_settings(Settings(llm_provider="ollama", llm_model="qwen2.5:7b"))  # no error yet
    plan = planner.plan("OEE", context(pipe, retrieval))
    assert plan.kind == "clarify" and 'pip install "factory-assistant[ollama]"' in plan.message


def test_provider_arguments(monkeypatch):
    captured: dict[str, Any] = {}
    monkeypatch.setattr(provider, "missing_package", lambda p: None)
    monkeypatch.setattr("langchain.chat_models.init_chat_model", lambda model, **kw: captured.update(model=model, **kw) or "model")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    provider.build_chat_model(Settings(llm_base_url="http://gpu:8000/v1", llm_model="Qwen/Qwen2.5-7B-Instruct", llm_timeout_s=12))
    assert captured["model_provider"] == "openai" and captured["base_url"] == "http://gpu:8000/v1"
    assert captured["timeout"] == 12 and captured["max_retries"] == 0 and captured["api_key"] == "not-needed"
    captured.clear()
    provider.build_chat_model(Settings(llm_provider="ollama", llm_model="qwen2.5:7b", llm_base_url="http://h:11434"))
    assert captured["model_provider"] == "ollama" and captured["client_kwargs"] == {"timeout": 30.0}
    assert "timeout" not in captured and provider.structured_method("ollama") == "json_schema"


def test_default_planners_register_llm_and_hybrid_without_the_package(no_provider_packages):
    from assistant.plan.registry import default_planners

    planners = default_planners(Settings(llm_provider="openai", llm_model="gpt-4o-mini"))
    assert set(planners) == {"rules", "llm", "hybrid"} and planners["hybrid"].name == "hybrid"
    assert set(default_planners(Settings())) == {"rules"}


def test_empty_questions_are_not_sent(pipe, retrieval):
    model = scripted()
    plan = LLMPlanner(model).plan("   ", context(pipe, retrieval))
    assert plan.kind == "clarify" and model.calls == []


def test_status_without_an_llm_says_so_in_both_languages():
    text = status(Settings())
    assert "No LLM configured" in text["en"] and "FA_LLM_PROVIDER" in text["en"]
    assert "离线规则解析器" in text["zh"] and "FA_LLM_MODEL" in text["zh"]


def test_prompt_files_carry_their_version(tmp_path):
    assert load_prompt("planner.v1").version == "planner.v1"
    (tmp_path / "planner.v9.md").write_text("---\nversion: planner.v1\n---\n<!-- section: system -->\nx\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="does not match"):
        load_prompt("planner.v9", tmp_path)


# ---------------------------------------------------------------------- real retrieval
@pytest.mark.slow
def test_real_retrieval_grounds_the_prompt(demo_db, layer):
    """The same grounding with the real hybrid index instead of the stub."""
    model = scripted(answer(kind="query", query={"metrics": ["scrap_rate"], "dimensions": ["plant"]}))
    p = Pipeline(layer, Executor(str(demo_db)), planners={"llm": LLMPlanner(model)},
                 settings=Settings(as_of=EVAL_END), index_dir=CACHE / "index")
    try:
        result = p.ask("scrap rate by plant last month", planner="llm", as_of=EVAL_END)
    finally:
        p.close()
    prompt = model.prompt_text(0)
    assert result.status == "ok" and "metric:scrap_rate" in result.provenance.retrieved_ids
    assert layer.metric("scrap_rate").formula in prompt
    retrieved = {i.split(":", 1)[1] for i in result.provenance.retrieved_ids if i.startswith("metric:")}
    absent = [m for m in layer.metrics if m not in retrieved and m not in {"scrap_rate"}]
    assert absent and all(f"- {m}:" not in prompt for m in absent)
    assert len(prompt) < 12_000  # a slice, not the schema
