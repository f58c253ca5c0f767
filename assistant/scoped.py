"""The pipeline as one user sees it: `for_user(pipeline, user)`.

Every surface (app, CLI, bots, API, alerts) asks through the view this returns. The view shares
the database connections, planners and retrieval index of the one pipeline, and swaps in what
the user's access changes: a guard with their visible schema and row scope (so compiled,
verified and model-written SQL, traces and the trace page's pickers are all limited the same
way), a compiler that refuses their hidden metrics and dimensions, and a member catalogue
built through that guard (so suggestions and value matching only know their members).
Answers whose rows the scope limited say so.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from assistant.core.errors import AccessDenied, FactoryAssistantError, GuardError
from assistant.core.text import question_lang
from assistant.core.users import User
from assistant.explain.answer import Answer
from assistant.explain.limits import too_long
from assistant.pipeline import Pipeline
from assistant.plan.types import Plan, PlanContext, Planner, Session, Turn
from assistant.sql.access import Access, ScopedCompiler, resolve_access
from assistant.sql.guard import CheckedSQL, Guard
from assistant.sql.members import members_query
from assistant.understand.catalogue import ValueCatalogue, build_catalogue

if TYPE_CHECKING:
    from assistant.understand.retrieval import RetrievalIndex

__all__ = ["ScopedPipeline", "askable_metrics", "for_user", "scope_note"]

_views_lock = threading.Lock()


def for_user(pipeline: Pipeline, user: User | None) -> Pipeline:
    """The pipeline limited to `user`'s access; the pipeline itself for no user or an admin.

    Views are cached per (role, attributes): users who see the same data share one catalogue."""
    base = pipeline.base if isinstance(pipeline, ScopedPipeline) else pipeline
    access = resolve_access(base.layer, user)
    if access is None or user is None:
        return base
    with _views_lock:
        views: dict[Any, ScopedPipeline] = base.__dict__.setdefault("_scoped_views", {})
        key = user.scope_key()
        view = views.get(key)
        if view is None or view.access.user != user:
            view = views[key] = ScopedPipeline(base, access)
        return view


class ScopedPipeline(Pipeline):
    """A pipeline limited to one access scope; see the module docstring."""

    def __init__(self, base: Pipeline, access: Access) -> None:
        super().__init__(base.layer, base.executor, default_planner=base.default_planner, settings=base.settings,
                         index_dir=base._index_dir)
        self.base = base
        self.access = access
        self.guard = Guard(access.schema, dialect=base.executor.dialect, max_rows=base.settings.max_rows,
                           row_scope=access.rows)
        self.compiler = ScopedCompiler(base.layer, access, dialect=base.executor.dialect,
                                       summaries=base.compiler.summaries)  # row scopes hold on summaries too
        self._filtered = threading.local()  # per question: did the row scope filter what it read?

    @property
    def planners(self) -> dict[str, Planner]:
        return self.base.planners

    @property
    def index(self) -> RetrievalIndex:
        return self.base.index

    def close(self) -> None:
        """The connections belong to the base pipeline: closing a view closes nothing."""

    def check(self, sql: Any, *, limit: int | None = None) -> CheckedSQL:
        checked = super().check(sql, limit=limit)
        if self.access.rows is not None and self.access.rows.filtered(checked.tables):
            self._filtered.hit = True
        return checked

    def _values_unlocked(self) -> ValueCatalogue:
        if self._values is None:
            self._values = build_catalogue(self.layer, self._members)
        return self._values

    def _members(self, dimension: str) -> Sequence[Sequence[Any]]:
        try:
            return self.run_sql(members_query(self.layer, dimension)).rows
        except (AccessDenied, GuardError):
            return []  # a dimension outside the scope has no members the user may see

    def _retrieve(self, query: str, k: int = 10, kinds: Sequence[str] | None = None,
                  lexical: bool = False) -> list[Any]:
        """The shared index's hits, less those naming what this user cannot see."""
        if lexical and not self.base.hints_ready(query):
            return []
        hits = self.base._retrieve(query, k=k + 10, kinds=kinds, lexical=lexical)
        return [h for h in hits if self._visible(h.doc.kind, h.doc.payload)][:k]

    def _visible(self, kind: str, payload: dict[str, Any]) -> bool:
        if kind == "metric":
            return str(payload.get("ref")) not in self.access.hidden_metrics
        if kind == "value":
            return self.values.find(str(payload.get("ref")), str(payload.get("key"))) is not None
        return True

    def _drop_unaskable(self, answer: Answer) -> None:
        """Suggestions and choices never offer a metric this user would be refused."""
        words = _unaskable_words(self)
        if not words:
            return
        kept = [s for s in answer.suggestions if not any(w in s.lower() for w in words)]
        if kept != answer.suggestions:
            for sep in (" or ", "、", ", "):  # "Did you mean A or B?", "您指的是哪一个指标：A、B？"
                offered = sep.join(answer.suggestions)
                if offered in answer.message:
                    answer.message = answer.message.replace(offered, sep.join(kept)) if kept else (
                        "这不在你的访问范围内。" if answer.lang == "zh" else "That is not part of your access.")
                    break
            answer.suggestions = kept
        if answer.extras.get("choices"):
            answer.extras["choices"] = [c for c in answer.extras["choices"]
                                        if not any(w in str(c.get("question", "")).lower() for w in words)]
            answer.extras["options"] = [c["value"] for c in answer.extras["choices"]]

    def ask(self, question: str, *, session: Session | None = None, as_of: dt.date | None = None,
            planner: str | None = None) -> Answer:
        # The view's catalogue knows only the user's members, so "Suzhou OEE" would read as "OEE"
        # with "Suzhou" ignored: the user's own figure, under another plant's name. The whole
        # catalogue reads the question once more, and a member outside the scope is refused.
        outside = self._outside_members(question, session, as_of)
        if not outside:
            return super().ask(question, session=session, as_of=as_of, planner=planner)
        lang = question_lang(question)
        allowed = scope_note(self, lang)
        if lang == "zh":
            message = f"{'、'.join(outside)}不在你的访问范围内，所以不为你回答。{allowed}"
        else:
            message = f"{', '.join(outside)} {'is' if len(outside) == 1 else 'are'} outside your access, " \
                      f"so it is not answered for you. {allowed}"
        answer = Answer(question, "refused", message, lang=lang)
        if session is not None:
            session.turns.append(Turn(question, Plan(kind="refuse", planner="access", message=message), "refused"))
        return answer

    def _outside_members(self, question: str, session: Session | None, as_of: dt.date | None) -> list[str]:
        """Labels of members the question names that the whole layer has and this user may not see."""
        rules = self.base.planners.get("rules")
        if self.access.rows is None or rules is None or too_long(question, self.settings.max_question_chars):
            return []
        lang = question_lang(question)
        ctx = PlanContext(layer=self.layer, as_of=as_of or self.settings.today(), session=session or Session(),
                          lang=lang, retrieve=None, values=self.base.values, dialect=self.executor.dialect)
        try:
            plan = rules.plan(question, ctx)
        except FactoryAssistantError:
            return []
        if plan.query is None:
            return []
        outside: list[str] = []
        for flt in plan.query.filters:
            for value in flt.values:
                member = self.base.values.find(flt.field, str(value))
                if member is not None and self.values.find(flt.field, str(value)) is None:
                    outside.append(member.label(lang))
        return list(dict.fromkeys(outside))

    def execute_plan(self, question: str, plan: Plan, *, lang: str, timings: dict[str, float]) -> Answer:
        self._filtered.hit = False
        answer = super().execute_plan(question, plan, lang=lang, timings=timings)
        self._drop_unaskable(answer)
        if answer.ok and getattr(self._filtered, "hit", False):
            note = scope_note(self, lang)
            answer.extras["access_scope"] = note
            answer.message = f"{answer.message} {note}".strip() if lang != "zh" else f"{answer.message}{note}"
        return answer


def _unaskable_words(view: ScopedPipeline) -> list[str]:
    askable = set(askable_metrics(view))
    return [w.lower() for m in view.layer.spec.metrics if m.name not in askable
            for w in (m.label.en, m.label.zh, m.name)]


def askable_metrics(pipeline: Pipeline) -> list[str]:
    """The metrics this view may ask about (glossary, API, suggestions): all of them unscoped."""
    names = [m.name for m in pipeline.layer.spec.metrics]
    if not isinstance(pipeline, ScopedPipeline):
        return names
    compiler = pipeline.compiler
    assert isinstance(compiler, ScopedCompiler)
    return [n for n in names if compiler.metric_refusal(n) is None]


def scope_note(view: ScopedPipeline, lang: str) -> str:
    """'Limited to your access: Ningbo.' in the answer's language, members by their names."""
    names = []
    for dimension, keys in view.access.values.items():
        for key in keys:
            member = view.values.find(dimension, key)
            names.append(member.label(lang) if member is not None else key)
    if lang == "zh":
        return f"（仅限你的访问范围：{'、'.join(names)}）"
    return f"(Limited to your access: {', '.join(names)}.)"
