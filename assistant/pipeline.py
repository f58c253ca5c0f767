"""The one place that wires the stages: plan -> compile -> guard -> execute -> explain.

CLI, Streamlit, bots, the HTTP API, alerts and the evaluation harness are thin adapters
over `Pipeline.ask` (questions), `Pipeline.run_query` (structured queries) and
`Pipeline.trace` (a genealogy walk from a picked node). Every SQL statement, whoever wrote
it, goes through `run_sql`: the guard first, then the read-only executor.

    with Pipeline.from_settings() as pipeline:
        answer = pipeline.ask("OEE by plant last month")
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from sqlglot import exp

from assistant.core.disk_cache import DiskCache
from assistant.core.errors import FactoryAssistantError, user_message
from assistant.core.settings import Settings
from assistant.core.stored_layer import load_layer_kept
from assistant.core.text import question_lang
from assistant.explain.answer import Answer, Provenance, Status
from assistant.explain.compare import attach_comparison, comparison_range
from assistant.explain.future import future_message, not_happened_yet
from assistant.explain.limits import too_long
from assistant.explain.metric_answer import metric_answer, sql_answer
from assistant.explain.unavailable import unknown_planner
from assistant.plan.choices import reply_to
from assistant.plan.query import Filter, SemanticQuery, TimeRange
from assistant.plan.types import Plan, PlanContext, Planner, Session, TraceRequest, Turn
from assistant.sql.compiler import CompiledQuery, Compiler
from assistant.sql.executor import Executor, QueryResult
from assistant.sql.guard import CheckedSQL, Guard
from assistant.sql.members import members_query
from assistant.sql.rollup import SummaryProbe
from assistant.sql.today import with_today
from assistant.understand.catalogue import ValueCatalogue, build_catalogue
from semantic_layer.layer import Layer

if TYPE_CHECKING:  # the index pulls in chromadb; traces and whys are imported on their first question
    from assistant.sql.trace.result import TraceResult
    from assistant.understand.retrieval import RetrievalIndex

_FRESHNESS_TTL_S = 300.0


class Pipeline:
    """Answers questions about one layer on one database; safe to share between threads."""

    def __init__(self, layer: Layer, executor: Executor, *, planners: dict[str, Planner] | None = None,
                 default_planner: str | None = None, settings: Settings | None = None,
                 scope: Sequence[Filter] = (), index_dir: Path | None = None) -> None:
        self.layer = layer
        self.executor = executor
        self.settings = settings if settings is not None else Settings.load()
        self.guard = Guard(layer.physical_schema(), dialect=executor.dialect, max_rows=self.settings.max_rows)
        self._disk = DiskCache.from_settings(self.settings)
        # Which summaries the data has is kept like the catalogue: only for data whose identity every write changes.
        data = executor.data_identity()
        kept = self._disk.kept("summaries", (layer.fingerprint, *data), frozenset) if data else None
        probe = SummaryProbe(layer, self.run_sql, kept=kept) if self.settings.summaries else ()
        self.compiler = Compiler(layer, scope=scope, dialect=executor.dialect, summaries=probe)
        self.default_planner = default_planner or self.settings.effective_planner
        self._planners = planners
        self._index_dir = index_dir if index_dir is not None else self.settings.index_path()
        self._values: ValueCatalogue | None = None
        self._index: RetrievalIndex | None = None
        self._lock = threading.Lock()
        # Its own lock: building the index takes seconds, and a question asked meanwhile must
        # not wait for it behind `_lock` (which guards the member catalogue every answer reads).
        self._index_lock = threading.Lock()
        self._freshness: dict[tuple[str, str], tuple[float, str]] = {}

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_settings(cls, settings: Settings | None = None, **overrides: Any) -> Pipeline:
        settings = settings or Settings.load(**overrides)
        executor = Executor.from_settings(settings)
        return cls(load_layer_kept(settings.layer, DiskCache.from_settings(settings)), executor, settings=settings)

    def __enter__(self) -> Pipeline:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self.executor.dispose()

    @property
    def values(self) -> ValueCatalogue:
        """The member catalogue (every id, name and synonym of the layer's dimensions)."""
        with self._lock:
            return self._values_unlocked()

    def _values_unlocked(self) -> ValueCatalogue:
        if self._values is None:
            # Kept on disk between processes only when the data has an identity that every write
            # changes (a DuckDB file); the row cap is in the key because it can cut a member list.
            data = self.executor.data_identity()
            key = (self.layer.fingerprint, str(self.settings.max_rows), *data) if data else None
            cached = self._disk.load("catalogue", key, ValueCatalogue) if key else None
            if cached is None:
                cached = build_catalogue(self.layer, lambda dim: self.run_sql(members_query(self.layer, dim)).rows)
                if key:
                    self._disk.save("catalogue", key, cached)
            self._values = cached
        return self._values

    @property
    def index(self) -> RetrievalIndex:
        """The retrieval index, built lazily (and rebuilt when layer or data change)."""
        with self._index_lock:
            if self._index is None:
                from assistant.understand.retrieval.documents import open_index

                values = self.values  # holds `_lock` only while the catalogue is read
                self._index = open_index(self.layer, values, self._index_dir, cache=self._disk)
            return self._index

    def warm_index(self) -> None:
        """Build or open the retrieval index and its Chinese segmenter now (the app does this in
        the background), so that the rule planner's hints cost nothing from then on."""
        self.index.load_segmenter()

    def hints_ready(self, query: str) -> bool:
        """A lexical search for `query` would load nothing: the index is open and the query needs
        no segmenter, or it is loaded."""
        index = self._index
        return index is not None and index.lexical_ready(query)

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
        """The latest date on or before today in each (table, time column), cached for a few
        minutes. Later dates are plans and due dates, not records: "data up to" a day that has
        not come yet would be a claim the data cannot make."""
        out: dict[str, str] = {}
        now = time.monotonic()
        today = exp.cast(exp.Literal.string(self.settings.today().isoformat()), exp.DataType.build("date"))
        for table, column in tables:
            if self.layer.tables[table].derived:
                continue
            cached = self._freshness.get((table, column))
            if cached is None or now - cached[0] > _FRESHNESS_TTL_S:
                statement = exp.select(exp.Max(this=exp.column(column))).from_(table).where(
                    exp.column(column) <= today)
                latest = self.run_sql(statement).rows[0][0]
                cached = (now, str(latest)[:10] if latest is not None else "—")
                self._freshness[(table, column)] = cached
            out[f"{table}.{column}"] = cached[1]
        return out

    # ------------------------------------------------------------------ questions
    def ask(self, question: str, *, session: Session | None = None, as_of: dt.date | None = None,
            planner: str | None = None) -> Answer:
        started = time.perf_counter()
        if (refused := too_long(question, self.settings.max_question_chars)) is not None:
            return refused
        session = session if session is not None else self.new_session()
        picked = reply_to(question, session.choices)  # '2', 'NB-L3', '宁波', 'all': an option of the last answer
        question = picked["question"] if picked is not None else question
        lang = question_lang(question)
        session.lang = lang
        name = planner or self.default_planner
        chosen = self.planners.get(name)
        if chosen is None:
            return unknown_planner(question, name, lang, self.settings, self.planners)
        ctx = PlanContext(layer=self.layer, as_of=as_of or self.settings.today(), session=session, lang=lang,
                          retrieve=self._retrieve, values=self.values, validate=self.validate_plan,
                          dialect=self.executor.dialect)
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        try:
            plan = chosen.plan(question, ctx)
        except FactoryAssistantError as exc:
            plan = Plan(kind="clarify", planner=name, message=user_message(exc, lang))
        timings["plan"] = (time.perf_counter() - t0) * 1000
        plan.as_of, plan.query = ctx.as_of, with_today(plan.query, self.layer, ctx.as_of)  # 'overdue': as of today
        answer = self.execute_plan(question, plan, lang=lang, timings=timings)
        timings["total"] = (time.perf_counter() - started) * 1000
        answer.timings_ms = timings
        session.turns.append(Turn(question, plan, answer.status, choices=answer.extras.get("choices", []),
                                  shown=_shown_members(answer)))
        return answer

    def _retrieve(self, query: str, k: int = 10, kinds: Sequence[str] | None = None,
                  lexical: bool = False) -> list[Any]:
        if lexical:
            # The offline planner only wants hints: never pay for building the index, loading
            # the embedding model or jieba's dictionary on its path; the app warms them in the
            # background after its first answer instead.
            ready = self._index if self.hints_ready(query) else None
            return ready.search_lexical(query, k=k, kinds=kinds) if ready is not None else []
        return self.index.search(query, k=k, kinds=kinds)

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
        prov = Provenance(retrieved_ids=plan.retrieved_ids, prompt_version=plan.prompt_version,
                          repair_rounds=plan.repair_rounds, token_usage=plan.token_usage,
                          not_understood=plan.not_understood)
        if plan.kind in ("clarify", "refuse"):
            status: Status = "clarify" if plan.kind == "clarify" else "refused"
            answer = Answer(question, status, plan.message, suggestions=plan.suggestions, provenance=prov,
                            planner=plan.planner, lang=lang)
            if plan.choices:  # labelled options (assistant/plan/choices.py) and their bare values
                answer.extras.update(choices=plan.choices, options=[c["value"] for c in plan.choices])
            return answer
        try:
            if plan.kind == "query" and plan.query is not None:
                return self._answer_query(question, plan, prov, timings, lang=lang)
            if plan.kind == "sql" and plan.sql:
                return self._answer_sql(question, plan, prov, timings, lang=lang)
            if plan.kind == "trace" and plan.trace is not None:
                from assistant.explain.trace.respond import answer_trace

                return answer_trace(self, question, plan.trace, prov, timings, lang=lang, planner=plan.planner)
            if plan.kind == "why":  # "why did it change?": explain/why, every query through this pipeline
                from assistant.explain.why import why_answer

                return why_answer(self, question, plan, prov=prov)
        except FactoryAssistantError as exc:
            return Answer(question, "error", user_message(exc, lang), sql=getattr(exc, "sql", None), provenance=prov,
                          planner=plan.planner, lang=lang)
        return Answer(question, "error", "The planner returned nothing to run.", provenance=prov,
                      planner=plan.planner, lang=lang)

    def run_query(self, query: SemanticQuery, *, question: str = "", planner: str = "api") -> Answer:
        """Answer a structured query directly (alerts, API, app widgets)."""
        return self.execute_plan(question, Plan(kind="query", planner=planner, query=query),
                                 lang=query.locale, timings={})

    # ------------------------------------------------------------------ metric queries and SQL
    def _answer_query(self, question: str, plan: Plan, prov: Provenance, timings: dict[str, float], *, lang: str,
                      extras: bool = True) -> Answer:
        """Compile, guard, run and explain a metric query; `extras` adds the comparison and the chart."""
        assert plan.query is not None
        query = plan.query if plan.query.locale == lang else plan.query.model_copy(update={"locale": lang})
        t0 = time.perf_counter()
        compiled = self.compile(query)
        checked = self.check(compiled.tree, limit=query.limit)
        timings["compile"] = (time.perf_counter() - t0) * 1000
        t0 = time.perf_counter()
        result = self.executor.run(checked)
        timings["execute"] = (time.perf_counter() - t0) * 1000
        labels = {m.key: m.label(lang) for f in query.filters if f.field in self.layer.dimensions
                  for m in self.values.of(f.field)}
        sources = [tc for m in query.metrics for tc in self.layer.metric_time_columns(m)]
        freshness = self.freshness(list(dict.fromkeys(sources)))
        latest = not_happened_yet(query, result.rows, freshness, plan.as_of or self.settings.today())
        if latest is not None:
            prov.freshness = freshness
            return Answer(question, "refused", future_message(query, latest, lang), sql=checked.sql, provenance=prov,
                          planner=plan.planner, lang=lang)
        answer = metric_answer(question, query, compiled, result, self.layer, sql=checked.sql, labels=labels,
                               freshness=freshness, prov=prov, notes=plan.notes, planner=plan.planner)
        if not extras:
            return answer
        period = comparison_range(answer, query)
        if period is not None:
            self._add_comparison(answer, query, period)
        self._attach_chart(answer)
        return answer

    def _add_comparison(self, answer: Answer, query: SemanticQuery, period: tuple[dt.date, dt.date]) -> None:
        """The same query over the period before, for the delta under a single figure."""
        start, end = period
        earlier = query.model_copy(update={"time_range": TimeRange(start=start, end=end)})
        try:
            before = self._answer_query(answer.question, Plan(kind="query", planner="comparison", query=earlier),
                                        Provenance(), {}, lang=query.locale, extras=False)
        except FactoryAssistantError:
            return  # the comparison is a nicety: the answer stands without it
        attach_comparison(answer, query, before, start, end)

    def _answer_sql(self, question: str, plan: Plan, prov: Provenance, timings: dict[str, float], *,
                    lang: str) -> Answer:
        t0 = time.perf_counter()
        checked = self.check(plan.sql or "")
        timings["compile"] = (time.perf_counter() - t0) * 1000
        t0 = time.perf_counter()
        result = self.executor.run(checked)
        timings["execute"] = (time.perf_counter() - t0) * 1000
        answer = sql_answer(question, result, sql=checked.sql, description=plan.message, prov=prov,
                            planner=plan.planner, lang=lang)
        self._attach_chart(answer)
        return answer

    @staticmethod
    def _attach_chart(answer: Answer) -> None:
        # Drawn on first read: altair and pandas cost ~1 s to import and the chart ~20 ms per
        # answer, which the CLI, the API and most bot replies never show.
        answer.draw_later(_auto_chart)

    # ------------------------------------------------------------------ traces
    def run_trace(self, request: TraceRequest, *, lang: str = "en") -> TraceResult:
        """Walk the genealogy for `request` (every statement guarded); raises ClarificationNeeded."""
        from assistant.sql.trace.walk import run_trace

        return run_trace(self.layer, self.run_sql, request, lang)

    def recent_ids(self, node: str, *, limit: int = 25) -> list[str]:
        """The latest ids of a genealogy node type, newest first (for pickers)."""
        from assistant.sql.trace.statements import recent_ids_statement

        statement = recent_ids_statement(self.layer, self.layer.genealogy.node(node), limit)
        return [str(r[0]) for r in self.run_sql(statement).rows]

    def trace(self, request: TraceRequest, *, question: str = "", lang: str = "en", planner: str = "trace") -> Answer:
        """Answer a trace that was picked rather than asked (the traceability page)."""
        return self.execute_plan(question, Plan(kind="trace", planner=planner, trace=request), lang=lang, timings={})

    # ------------------------------------------------------------------ what data is loaded
    def data_span(self) -> tuple[dt.date, dt.date] | None:
        """The period the data covers (first day, latest day), for "what is loaded" on first screens.

        Medians of the dated sources' first and last days, not the extremes: plan and due dates
        run ahead of the records and a few early records lie before them, while most sources
        start and end together. One query per table; the latest days also fill the freshness
        cache, and the span is kept as long as freshness is. None when nothing is dated."""
        import statistics

        from assistant.explain.periods import as_date

        cached: tuple[float, tuple[dt.date, dt.date] | None] | None = getattr(self, "_span", None)
        now = time.monotonic()
        if cached is not None and now - cached[0] <= _FRESHNESS_TTL_S:
            return cached[1]
        firsts: list[dt.date] = []
        lasts: list[dt.date] = []
        for table in self.layer.spec.tables:
            columns = table.time_columns()
            if table.derived or not columns:
                continue
            bounds = [agg(this=exp.column(c)) for c in columns for agg in (exp.Min, exp.Max)]
            row = self.run_sql(exp.select(*bounds).from_(table.name)).rows[0]
            for i, column in enumerate(columns):
                first, last = as_date(row[2 * i]), as_date(row[2 * i + 1])
                if first is not None and last is not None:
                    firsts.append(first)
                    lasts.append(last)
                    if last <= self.settings.today():  # a later last day is a plan: see freshness()
                        self._freshness[(table.name, column)] = (now, last.isoformat())
        span = (statistics.median_low(firsts), statistics.median_high(lasts)) if firsts else None
        self._span = (now, span)
        return span


def _auto_chart(answer: Answer) -> dict[str, Any] | None:
    from assistant.explain.charts import auto_chart

    try:
        return auto_chart(answer)
    except FactoryAssistantError:  # an answer without a picture is still an answer
        return None


def _shown_members(answer: Answer, most: int = 25) -> dict[str, list[str]]:
    """The breakdown members a short answer showed, for a next question about 'those' rows."""
    dims = (answer.semantic_query or {}).get("dimensions") or []
    if answer.status != "ok" or not dims or not answer.rows or len(answer.rows) > most:
        return {}
    return {c: list(dict.fromkeys(str(r[i]) for r in answer.rows)) for i, c in enumerate(answer.columns) if c in dims}
