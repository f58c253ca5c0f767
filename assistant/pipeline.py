"""The one place that wires the steps: plan -> compile -> guard -> execute -> answer.

CLI, Streamlit, bots, the HTTP API, alerts and the evaluation harness are thin adapters
over `Pipeline.ask` (questions) and `Pipeline.run_query` (structured queries).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from pathlib import Path
from typing import Any, Sequence

from sqlglot import exp

from assistant.explain.answer import Answer, Provenance
from assistant.sql.compiler import CompiledQuery, Compiler
from assistant.core.errors import FactoryAssistantError, user_message
from assistant.sql.executor import Executor, QueryResult
from assistant.explain.sentences import format_value, interpretation, is_zh
from assistant.sql.guard import CheckedSQL, Guard
from assistant.plan.types import Plan, PlanContext, Planner, Session, Turn
from assistant.plan.query import Filter, SemanticQuery
from assistant.core.settings import Settings
from assistant.understand.catalogue import ValueCatalogue, build_catalogue
from semantic_layer.layer import Layer
from semantic_layer.loader import load_layer

_FRESHNESS_TTL_S = 300.0


class Pipeline:
    def __init__(self, layer: Layer, executor: Executor, *, planners: dict[str, Planner] | None = None,
                 default_planner: str = "rules", settings: Settings | None = None,
                 scope: Sequence[Filter] = (), index_dir: Path | None = None) -> None:
        self.layer = layer
        self.executor = executor
        self.settings = settings or Settings()
        self.guard = Guard(layer.physical_schema(), dialect=executor.dialect, max_rows=self.settings.max_rows)
        self.compiler = Compiler(layer, scope=scope, dialect=executor.dialect)
        self.default_planner = default_planner
        self._planners = planners
        self._index_dir = index_dir
        self._values: ValueCatalogue | None = None
        self._index: Any = None
        self._lock = threading.Lock()
        self._freshness: dict[tuple[str, str], tuple[float, str]] = {}

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_settings(cls, settings: Settings | None = None, **overrides: Any) -> Pipeline:
        settings = settings or Settings.load(**overrides)
        layer = load_layer(settings.layer)
        target = settings.db_target()
        executor = Executor(target, timeout_s=settings.timeout_s, max_rows=settings.max_rows)
        index_dir = Path(settings.index_dir) if settings.index_dir else None
        return cls(layer, executor, settings=settings, default_planner=settings.effective_planner, index_dir=index_dir)

    @property
    def values(self) -> ValueCatalogue:
        with self._lock:
            if self._values is None:
                self._values = build_catalogue(self.layer, lambda q: self.run_sql(q).rows)
            return self._values

    @property
    def index(self) -> Any:
        """The retrieval index, built lazily (and rebuilt when layer or data change)."""
        with self._lock:
            if self._index is None:
                from assistant.understand.retrieval.documents import open_index

                self._index = open_index(self.layer, self._values_unlocked(), self._index_dir)
            return self._index

    def _values_unlocked(self) -> ValueCatalogue:
        if self._values is None:
            self._values = build_catalogue(self.layer, lambda q: self.run_sql(q).rows)
        return self._values

    @property
    def planners(self) -> dict[str, Planner]:
        if self._planners is None:
            from assistant.plan.registry import default_planners

            self._planners = default_planners(self.settings)
        return self._planners

    def new_session(self) -> Session:
        return Session()

    # ------------------------------------------------------------------ running SQL
    def check(self, sql: str | exp.Expression, *, limit: int | None = None) -> CheckedSQL:
        return self.guard.check(sql, limit=limit)

    def run_sql(self, sql: str | exp.Expression, *, limit: int | None = None) -> QueryResult:
        """Every SQL string goes through here: guard first, then the read-only executor."""
        return self.executor.run(self.check(sql, limit=limit))

    def compile(self, query: SemanticQuery) -> CompiledQuery:
        return self.compiler.compile(query)

    def freshness(self, tables: Sequence[tuple[str, str]]) -> dict[str, str]:
        out: dict[str, str] = {}
        now = time.monotonic()
        for table, column in tables:
            if self.layer.tables[table].derived:
                continue
            cached = self._freshness.get((table, column))
            if cached is None or now - cached[0] > _FRESHNESS_TTL_S:
                latest = self.run_sql(exp.select(exp.Max(this=exp.column(column))).from_(table)).rows[0][0]
                cached = (now, str(latest)[:10] if latest is not None else "—")
                self._freshness[(table, column)] = cached
            out[f"{table}.{column}"] = cached[1]
        return out

    # ------------------------------------------------------------------ questions
    def ask(self, question: str, *, session: Session | None = None, as_of: dt.date | None = None,
            planner: str | None = None) -> Answer:
        started = time.perf_counter()
        session = session if session is not None else self.new_session()
        lang = "zh" if is_zh(question) else "en"
        session.lang = lang
        timings: dict[str, float] = {}
        name = planner or self.default_planner
        try:
            chosen = self.planners[name]
        except KeyError:
            if name in ("llm", "hybrid"):  # say plainly that no LLM is set up, and how to set one up
                from assistant.plan.llm import status

                return Answer(question, "error", status(self.settings)[lang], lang=lang, planner=name)
            return Answer(question, "error", f"Unknown planner '{name}'. Use one of: {', '.join(self.planners)}.", lang=lang)
        ctx = PlanContext(layer=self.layer, as_of=as_of or self.settings.today(), session=session, lang=lang,
                          retrieve=self._retrieve, values=self.values, validate=self.validate_plan)
        t0 = time.perf_counter()
        try:
            plan = chosen.plan(question, ctx)
        except FactoryAssistantError as exc:
            plan = Plan(kind="clarify", planner=name, message=user_message(exc, lang))
        timings["plan"] = (time.perf_counter() - t0) * 1000
        answer = self.execute_plan(question, plan, lang=lang, timings=timings)
        timings["total"] = (time.perf_counter() - started) * 1000
        answer.timings_ms = timings
        session.turns.append(Turn(question, plan, answer.status))
        return answer

    def _retrieve(self, query: str, k: int = 10, kinds: Sequence[str] | None = None, lexical: bool = False) -> list[Any]:
        if lexical:
            # The offline planner only wants hints: never pay for building the index (or loading
            # the embedding model) on its path; the app warms the index at start-up instead.
            return self._index.search_lexical(query, k=k, kinds=kinds) if self._index is not None else []
        return self.index.search(query, k=k, kinds=kinds)

    def warm_index(self) -> None:
        """Build or open the retrieval index now (the app calls this at start-up)."""
        _ = self.index

    def validate_plan(self, plan: Plan) -> str | None:
        """Cheap checks a planner can run before answering (used by the LLM repair loop)."""
        try:
            if plan.kind == "query" and plan.query is not None:
                self.executor.explain(self.check(self.compile(plan.query).tree))
            elif plan.kind == "sql" and plan.sql:
                self.executor.explain(self.check(plan.sql))
        except FactoryAssistantError as exc:
            return str(exc)
        return None

    def execute_plan(self, question: str, plan: Plan, *, lang: str, timings: dict[str, float]) -> Answer:
        base = dict(planner=plan.planner, lang=lang)
        prov = Provenance(retrieved_ids=plan.retrieved_ids, prompt_version=plan.prompt_version,
                          repair_rounds=plan.repair_rounds, token_usage=plan.token_usage,
                          not_understood=plan.not_understood)
        if plan.kind in ("clarify", "refuse"):
            status = "clarify" if plan.kind == "clarify" else "refused"
            return Answer(question, status, plan.message, suggestions=plan.suggestions, provenance=prov, **base)
        try:
            if plan.kind == "query" and plan.query is not None:
                return self._answer_query(question, plan, prov, timings, **base)
            if plan.kind == "sql" and plan.sql:
                return self._answer_sql(question, plan, prov, timings, **base)
            if plan.kind == "trace" and plan.trace is not None:
                from assistant.explain.trace.answer import answer_trace

                return answer_trace(self, question, plan, prov, timings, lang=lang)
        except FactoryAssistantError as exc:
            msg = user_message(exc, lang)
            return Answer(question, "error", msg, sql=getattr(exc, "sql", None), provenance=prov, **base)
        return Answer(question, "error", "The planner returned nothing to run.", provenance=prov, **base)

    def run_query(self, query: SemanticQuery, *, question: str = "", planner: str = "api") -> Answer:
        """Answer a structured query directly (alerts, API, app widgets)."""
        lang = query.locale
        return self.execute_plan(question or "", Plan(kind="query", planner=planner, query=query), lang=lang, timings={})

    def _answer_query(self, question: str, plan: Plan, prov: Provenance, timings: dict[str, float], **base: Any) -> Answer:
        query = plan.query
        assert query is not None
        lang = base["lang"]
        if query.locale != lang:
            query = query.model_copy(update={"locale": lang})
        t0 = time.perf_counter()
        compiled = self.compile(query)
        checked = self.check(compiled.tree, limit=query.limit)
        timings["compile"] = (time.perf_counter() - t0) * 1000
        t0 = time.perf_counter()
        result = self.executor.run(checked)
        timings["execute"] = (time.perf_counter() - t0) * 1000
        prov.metrics = [self._metric_info(m) for m in query.metrics]
        labels = {m.key: m.label(lang) for f in query.filters if f.field in self.layer.dimensions
                  for m in self.values.of(f.field)}
        from assistant.explain.sentences import filter_words

        prov.filters = [filter_words(f, self.layer, lang, labels) for f in query.filters]
        prov.time_range = f"{query.time_range.start} – {query.time_range.end}" if query.time_range else None
        tables = [tc for m in query.metrics for tc in self.layer.metric_time_columns(m)]
        prov.freshness = self.freshness(list(dict.fromkeys(tables)))
        text = interpretation(query, self.layer, lang, value_labels=labels, not_understood=plan.not_understood)
        if plan.notes:
            text += ("；" if lang == "zh" else "; ") + ("；".join(plan.notes) if lang == "zh" else "; ".join(plan.notes))
        answer = Answer(question, "ok", "", interpretation=text, semantic_query=query.model_dump(mode="json"),
                        sql=checked.sql, columns=result.columns, rows=[list(r) for r in result.rows],
                        truncated=result.truncated, provenance=prov, **base)
        answer.column_labels = {c.name: (c.label_zh if lang == "zh" else c.label_en) for c in compiled.columns}
        answer.column_units = {c.name: c.unit for c in compiled.columns if c.unit}
        answer.extras["column_kinds"] = {c.name: c.kind for c in compiled.columns}
        answer.message = key_sentence(answer, query, self.layer, lang)
        self._attach_chart(answer)
        return answer

    def _answer_sql(self, question: str, plan: Plan, prov: Provenance, timings: dict[str, float], **base: Any) -> Answer:
        t0 = time.perf_counter()
        checked = self.check(plan.sql or "")
        timings["compile"] = (time.perf_counter() - t0) * 1000
        t0 = time.perf_counter()
        result = self.executor.run(checked)
        timings["execute"] = (time.perf_counter() - t0) * 1000
        lang = base["lang"]
        n = len(result.rows)
        msg = f"共 {n} 行结果。" if lang == "zh" else f"{n} row{'s' if n != 1 else ''}."
        answer = Answer(question, "ok", msg, interpretation=plan.message or ("SQL 查询" if lang == "zh" else "SQL query"),
                        sql=checked.sql, columns=result.columns, rows=[list(r) for r in result.rows],
                        truncated=result.truncated, provenance=prov, **base)
        self._attach_chart(answer)
        return answer

    def _attach_chart(self, answer: Answer) -> None:
        try:
            from assistant.explain.charts import auto_chart

            answer.chart = auto_chart(answer)
        except FactoryAssistantError:
            answer.chart = None

    def _metric_info(self, name: str) -> dict[str, Any]:
        m = self.layer.metric(name)
        return {"name": name, "label": m.label.en, "label_zh": m.label.zh, "formula": m.formula,
                "unit": m.unit, "description": m.description, "description_zh": m.description_zh or m.description}

    def close(self) -> None:
        self.executor.dispose()


def key_sentence(answer: Answer, query: SemanticQuery, layer: Layer, lang: str) -> str:
    """A short sentence with the number that matters."""
    if not answer.rows:
        return "这个范围内没有数据。" if lang == "zh" else "No data in this range."
    metric = query.metrics[0]
    unit = layer.metric(metric).unit
    label = layer.metric(metric).label.get(lang)
    idx = answer.columns.index(metric)
    keys = [c for c in answer.columns if c not in query.metrics]
    if len(answer.rows) == 1 and not keys:
        parts = [f"{layer.metric(m).label.get(lang)}: {format_value(answer.rows[0][answer.columns.index(m)], layer.metric(m).unit, lang)}"
                 for m in query.metrics]
        return ("；".join(parts) + "。") if lang == "zh" else "; ".join(parts) + "."
    valued = [r for r in answer.rows if r[idx] is not None]
    if not valued:
        return "这个范围内没有数据。" if lang == "zh" else "No data in this range."

    def name(row: list[Any]) -> str:
        return " / ".join(str(row[answer.columns.index(k)]) for k in keys)

    ordered = next((o for o in query.order if o.field == metric), None)
    if ordered is not None:  # a ranking: the first row is the answer
        top = valued[0]
        word = ("最高" if ordered.desc else "最低") if lang == "zh" else ("Highest" if ordered.desc else "Lowest")
        if lang == "zh":
            return f"{label}{word}：{name(top)}（{format_value(top[idx], unit, lang)}）。"
        return f"{word} {label}: {name(top)} ({format_value(top[idx], unit, lang)})."
    if query.time_grain and query.dimensions:  # latest period, its best and worst category
        t = answer.columns.index(query.time_grain)
        latest = max(r[t] for r in valued)
        valued = [r for r in valued if r[t] == latest]
        keys = [k for k in keys if k != query.time_grain]
    elif query.time_grain:
        last = valued[-1]
        change = ""
        partial = _partial_period(last[answer.columns.index(query.time_grain)], query)
        if partial:  # a period cut short by the range (this week so far) is not compared like for like
            change = "（本期未满，未作比较）" if lang == "zh" else " (period not complete, not compared)"
        elif len(valued) > 1 and valued[-2][idx]:
            prev = valued[-2][idx]
            if unit == "ratio":  # ratios move in points, not percent of percent
                delta = f"{(last[idx] - prev) * 100:+.1f} pp"
            else:
                delta = f"{(last[idx] - prev) / abs(prev) * 100:+.1f}%"
            change = f"，较上一期 {delta}" if lang == "zh" else f", {delta} vs {name(valued[-2])}"
        return (f"最近一期（{name(last)}）{label}：{format_value(last[idx], unit, lang)}{change}。" if lang == "zh"
                else f"Latest {query.time_grain} ({name(last)}): {label} {format_value(last[idx], unit, lang)}{change}.")
    if len(valued) == 1:  # one member left (e.g. "only Ningbo"): no highest/lowest to speak of
        row = valued[0]
        return (f"{name(row)}：{label} {format_value(row[idx], unit, lang)}。" if lang == "zh"
                else f"{name(row)}: {label} {format_value(row[idx], unit, lang)}.")
    best = max(valued, key=lambda r: r[idx])
    worst = min(valued, key=lambda r: r[idx])
    if query.time_grain:
        period = str(valued[0][answer.columns.index(query.time_grain)])
        label = f"{label}（{period}）" if lang == "zh" else f"{label} ({period})"
    if lang == "zh":
        return f"{label}最高：{name(best)}（{format_value(best[idx], unit, lang)}）；最低：{name(worst)}（{format_value(worst[idx], unit, lang)}）。"
    return f"Highest {label}: {name(best)} ({format_value(best[idx], unit, lang)}); lowest: {name(worst)} ({format_value(worst[idx], unit, lang)})."


def _partial_period(start: Any, query: SemanticQuery) -> bool:
    """Whether the period starting at `start` runs past the end of the query's date range."""
    if query.time_range is None or not isinstance(start, dt.date) or query.time_grain is None:
        return False
    months = {"month": 1, "quarter": 3, "year": 12}.get(query.time_grain)
    if months:
        y, m = divmod(start.year * 12 + start.month - 1 + months, 12)
        end = dt.date(y, m + 1, 1)
    else:
        end = start + dt.timedelta(days=7 if query.time_grain == "week" else 1)
    return end - dt.timedelta(days=1) > query.time_range.end
