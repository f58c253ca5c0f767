"""The embedded rule planner: a deterministic, offline parser from question to SemanticQuery.

It knows only what the semantic layer declares (metrics, dimensions, synonyms, values)
plus domain-free question words (lexicon). When unsure it asks; when the question is
outside the layer, or wants to change data, it refuses.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from dataclasses import dataclass

from assistant.core.text import fold
from assistant.plan.query import Filter, Order, SemanticQuery, TimeRange
from assistant.plan.rules import lexicon as lx
from assistant.plan.rules.extract import (
    Span,
    Threshold,
    TopN,
    find_grain_word,
    find_threshold,
    find_times,
    find_top_n,
    mend_time_words,
    overlaps,
    remainder_words,
)
from assistant.plan.rules.filters import member_filters
from assistant.plan.rules.followup import merge_follow_up
from assistant.plan.rules.matching import Parsed, read_terms
from assistant.plan.rules.messages import (
    clarify_metric,
    clarify_unknown_member,
    refusal,
    refuse_unknown,
)
from assistant.plan.rules.metric_choice import fit_metrics, metric_from_previous
from assistant.plan.rules.periods import resolve_times, shift_back, trend_grain
from assistant.plan.rules.unknown import unknown_member
from assistant.plan.rules.verified import match_verified
from assistant.plan.rules.vocab import Vocabulary, build_vocabulary
from assistant.plan.types import Plan, PlanContext, TraceRequest
from assistant.understand.timeparse import TimeMatch
from semantic_layer.layer import Layer

_TREND = re.compile(r"\btrend|\bover time\b|走势|趋势|变化", re.I)
_BEFORE_THAT = re.compile(
    r"before that|the one before|previous (?:one|period)|prior period|再往前|前一期|上一期|之前那", re.I)
_ORDER_ONLY = re.compile(
    r"(?:highest|lowest|largest|smallest|biggest|best|worst)\s+(?:first|to)|sorted|排序|从高到低|从低到高", re.I)
_EXCLUDING = re.compile(r"\bexcluding|\bexcept|除了|不包括|不含")


@dataclass
class _Structure:
    """The structural parts of a question, and the spans of the words they used."""

    times: list[TimeMatch]
    grain: tuple[str, Span] | None
    threshold: Threshold | None
    top: TopN | None
    taken: list[Span]


class RulePlanner:
    name = "rules"

    def __init__(self) -> None:
        self._vocab: dict[tuple[str, str], Vocabulary] = {}
        self._lock = threading.Lock()
        self._known_cache: dict[int, set[str]] = {}

    def vocabulary(self, ctx: PlanContext) -> Vocabulary:
        key = (ctx.layer.fingerprint, ctx.values.fingerprint)
        with self._lock:
            if key not in self._vocab:
                self._vocab[key] = build_vocabulary(ctx.layer, ctx.values)
            return self._vocab[key]

    # ------------------------------------------------------------------ entry
    def plan(self, question: str, ctx: PlanContext) -> Plan:
        text = fold(question)
        if not text.strip():
            return Plan(kind="clarify", planner=self.name, message=refusal("empty", ctx.lang, ctx.layer))
        for kind, pattern in (("injection", lx.INJECTION), ("write", lx.WRITE_INTENT)):
            if pattern.search(text):
                return Plan(kind="refuse", planner=self.name, message=refusal(kind, ctx.lang))
        trace = self._trace(question, ctx)
        if trace is not None:
            return Plan(kind="trace", planner=self.name, trace=trace)
        has_time = bool(find_times(question, ctx.as_of, ctx.layer))
        verified = match_verified(question, ctx.layer, ctx.as_of, has_time=has_time)
        if verified is not None and verified.sql:
            label = "已验证的查询" if ctx.lang == "zh" else "Verified query"
            return Plan(kind="sql", planner=self.name, sql=verified.sql, message=f"{label}: {verified.question}",
                        notes=[verified.source])
        mended, fixes = mend_time_words(question, self._known(self.vocabulary(ctx)))
        plan = self._plan_query(mended, fold(mended), ctx)
        if fixes and plan.kind == "query":
            plan.notes += [_read_as(a, b, ctx.lang) for a, b in fixes]
        if plan.kind in ("clarify", "refuse") and not plan.suggestions:
            plan.suggestions = self._suggest(question, ctx)  # retrieval's nearest metrics as options
        return plan

    def _suggest(self, question: str, ctx: PlanContext) -> list[str]:
        """Metrics retrieval finds closest to the question, as clickable options."""
        if ctx.retrieve is None:
            return []
        try:
            hits = ctx.retrieve(question, k=3, kinds=["metric"], lexical=True)
        except Exception:  # retrieval is a helper here; a broken index must not break planning
            return []
        names = [str(h.doc.payload.get("ref")) for h in hits if h.doc.payload.get("ref") in ctx.layer.metrics]
        return [ctx.layer.metric(n).label.get(ctx.lang) for n in names]

    def _trace(self, question: str, ctx: PlanContext) -> TraceRequest | None:
        try:
            from assistant.plan.trace.detect import detect_trace
        except ImportError:
            return None
        return detect_trace(question, ctx)

    # ------------------------------------------------------------------ query
    def _plan_query(self, question: str, text: str, ctx: PlanContext) -> Plan:
        found = _find_structure(question, text, ctx.as_of, ctx.layer)
        vocab = self.vocabulary(ctx)
        parsed = read_terms(text, ctx, vocab, self._known(vocab), found.taken)
        unknown = remainder_words(question, text, [*found.taken, *parsed.taken, *_connective_spans(text)])
        previous = ctx.session.last_query
        cue = bool(lx.FOLLOW_UP.search(text))
        is_follow_up = previous is not None and (
            cue or (not parsed.metrics and not parsed.ambiguous_metrics and not unknown))
        no_metric = self._without_metric(parsed, unknown, found.times, ctx, is_follow_up)
        if no_metric is not None:
            return no_metric
        if is_follow_up and previous is not None and not parsed.metrics:
            swapped = metric_from_previous(text, previous, ctx, vocab)
            if swapped:  # "energy" + "per unit instead" -> energy per unit
                parsed.metrics.append(swapped)
        unknown_name = unknown_member(question, text, unknown, parsed.dim_spans)
        if unknown_name is not None:  # "OEE of SZ-L9-M99", "OEE for Shanghai plant": never widen the answer
            return clarify_unknown_member(self.name, ctx.lang, unknown_name, ctx.values)
        times = _resume_pending(parsed, found.times, ctx, is_follow_up)

        metrics = parsed.metrics or (previous.metrics if previous else [])
        metrics = fit_metrics(metrics, parsed.values, parsed.metric_spans, parsed.matched_text, ctx)
        filters, problem = member_filters(parsed.values, metrics, ctx, text)
        if problem:
            return Plan(kind="clarify", planner=self.name, message=problem, not_understood=unknown)
        dims, dropped = _breakdowns(parsed.group_by, metrics, filters, ctx.layer)
        time_range, time_grain, periods = _time_parts(text, times, found.grain)
        if periods is not None:
            filters.append(periods)
        query = SemanticQuery(metrics=metrics, dimensions=dims, filters=filters, time_range=time_range,
                              time_grain=time_grain, locale="zh" if ctx.lang == "zh" else "en")
        if found.threshold:
            query = self._apply_threshold(query, found.threshold, parsed, ctx)
        if is_follow_up and previous is not None:
            query = _merge_previous(previous, query, text, parsed_metrics=bool(parsed.metrics),
                                    time_range=time_range, time_grain=time_grain, dims=dims, layer=ctx.layer)
        if found.top:
            query = self._apply_top(query, found.top, text, ctx)
        return Plan(kind="query", planner=self.name, query=query, not_understood=unknown,
                    notes=_reading_notes(parsed.corrections, dropped, ctx), confidence=0.6 if unknown else 0.95)

    def _without_metric(self, parsed: Parsed, unknown: list[str], times: list[TimeMatch], ctx: PlanContext,
                        is_follow_up: bool) -> Plan | None:
        """No metric named and none to carry over: ask which one, or refuse what the layer does not hold."""
        if parsed.ambiguous_metrics and not parsed.metrics:
            return self._ask_metric(parsed, parsed.ambiguous_metrics[0], times, ctx)
        if not parsed.metrics and not is_follow_up:
            if unknown or not (parsed.values or parsed.group_by):
                return refuse_unknown(self.name, ctx.layer, ctx.lang, unknown)
            return self._ask_metric(parsed, [], times, ctx)
        return None

    def _ask_metric(self, parsed: Parsed, options: list[str], times: list[TimeMatch], ctx: PlanContext) -> Plan:
        """Ask which metric is meant, keeping what was understood for the answer that follows."""
        plan = clarify_metric(self.name, ctx.layer, ctx.lang, options)
        plan.partial = {"values": parsed.values, "group_by": parsed.group_by, "times": times}
        return plan

    def _known(self, vocab: Vocabulary) -> set[str]:
        key = id(vocab)
        cached = self._known_cache.get(key)
        if cached is None:
            cached = vocab.known_words | lx.STOPWORDS_EN | lx.QUESTION_WORDS
            self._known_cache[key] = cached
        return cached

    # ------------------------------------------------------------------ structure
    def _apply_threshold(self, query: SemanticQuery, threshold: Threshold, parsed: Parsed,
                         ctx: PlanContext) -> SemanticQuery:
        before = [m for m, span in parsed.metric_spans.items() if span[0] < threshold.span[0]]
        metric = (before[-1] if before else query.metrics[0])
        unit = ctx.layer.metric(metric).unit
        numbers = [threshold.number] + ([threshold.high] if threshold.high is not None else [])
        if unit == "ratio" and (threshold.percent or max(numbers) > 1):
            numbers = [n / 100 for n in numbers]
        having = Filter(field=metric, op=threshold.op, values=numbers)
        return query.model_copy(update={"filters": [*query.filters, having]})

    def _apply_top(self, query: SemanticQuery, top: TopN, text: str, ctx: PlanContext) -> SemanticQuery:
        metric = query.metrics[0]
        higher_is_better = ctx.layer.metric(metric).higher_is_better
        desc = {"desc": True, "asc": False, "good": higher_is_better, "bad": not higher_is_better}[top.direction]
        order = [Order(field=metric, desc=desc)]
        if not query.dimensions and not query.time_grain:
            return query  # a single number has no "top"
        if not top.explicit and _ORDER_ONLY.search(text):
            return query.model_copy(update={"order": order})
        return query.model_copy(update={"order": order, "limit": top.n})


# ---------------------------------------------------------------------- steps of _plan_query
def _find_structure(question: str, text: str, as_of: dt.date, layer: Layer) -> _Structure:
    """Times, a grain, a threshold and a top-N, in that order, each kept off the words already used."""
    times = find_times(question, as_of, layer)
    taken: list[Span] = [t.span for t in times]
    grain = _find_grain(text, taken)
    if grain:
        taken.append(grain[1])
    threshold = find_threshold(text, taken)
    if threshold:
        taken.append(threshold.span)
    top = find_top_n(text, taken)
    if top:
        taken.append(top.span)
        if top.extra:
            taken.append(top.extra)
    return _Structure(times, grain, threshold, top, taken)


def _find_grain(text: str, taken: list[Span]) -> tuple[str, Span] | None:
    """A grain word ('monthly', 'by week'), else the period of 'which day', 'which month'."""
    grain = find_grain_word(text, taken)
    if grain is None:
        which = lx.WHICH_PERIOD.search(text)
        if which and not overlaps(which.span(), taken):
            grain = (lx.PERIOD_WORDS[which.group("en") or which.group("zh")], which.span())
    return grain


def _connective_spans(text: str) -> list[Span]:
    """Words understood without a term of their own: 'before that', 'vs the previous month', 'excluding'."""
    spans = [m.span() for m in _BEFORE_THAT.finditer(text)]
    spans += [m.span() for m in lx.VS_PREVIOUS.finditer(text)]
    spans += [m.span() for m in lx.EXCLUDE.finditer(text)] + [m.span() for m in _EXCLUDING.finditer(text)]
    return spans


def _resume_pending(parsed: Parsed, times: list[TimeMatch], ctx: PlanContext,
                    is_follow_up: bool) -> list[TimeMatch]:
    """The times to use; an answer to "which metric?" also takes the values and breakdowns asked before."""
    pending = ctx.session.pending
    if pending and parsed.metrics and not is_follow_up:
        # "how is Ningbo doing?" -> "which metric?" -> "OEE": the answer completes the question.
        parsed.values = parsed.values or pending.get("values", [])
        parsed.group_by = parsed.group_by or pending.get("group_by", [])
        return times or pending.get("times", [])
    return times


def _breakdowns(group_by: list[str], metrics: list[str], filters: list[Filter],
                layer: Layer) -> tuple[list[str], list[str]]:
    """The breakdowns every metric allows (and those dropped), plus dimensions with several members named."""
    dims = [d for d in group_by if all(d in layer.metric_dimensions(m) for m in metrics)]
    dropped = [d for d in group_by if d not in dims]
    # Naming two members of one dimension ("Suzhou and Ningbo", "compare A and B") means compare them.
    for f in filters:
        if f.field in layer.dimensions and len(f.values) > 1 and f.field not in dims:
            dims.append(f.field)
    return dims, dropped


def _time_parts(text: str, times: list[TimeMatch],
                grain: tuple[str, Span] | None) -> tuple[TimeRange | None, str | None, Filter | None]:
    """Time range, time grain and a filter picking periods; 'compared to the month before' adds that month."""
    vs_previous = lx.VS_PREVIOUS.search(text)
    if vs_previous and len(times) == 1:  # "last month compared to the month before": both periods
        earlier = shift_back(TimeRange(start=times[0].start, end=times[0].end))
        label = f"{earlier.start} – {earlier.end}"
        times = [TimeMatch(earlier.model_copy(update={"label": label}), vs_previous.span(), label, "previous"), *times]
    time_range, time_grain, periods = resolve_times(times, grain[0] if grain else None)
    if time_grain is None and _TREND.search(text) and time_range is not None:
        time_grain = trend_grain(time_range)
    return time_range, time_grain, periods


def _merge_previous(previous: SemanticQuery, query: SemanticQuery, text: str, *, parsed_metrics: bool,
                    time_range: TimeRange | None, time_grain: str | None, dims: list[str],
                    layer: Layer) -> SemanticQuery:
    """A follow-up keeps the previous query but for what it changes; 'before that' moves the period back."""
    if time_range is None and _BEFORE_THAT.search(text) and previous.time_range is not None:
        time_range = shift_back(previous.time_range)
    query = merge_follow_up(previous, query, parsed_metrics=parsed_metrics, new_time=time_range is not None,
                            new_grain=time_grain is not None, new_dims=bool(dims), layer=layer, text=text)
    if time_range is not None:
        query = query.model_copy(update={"time_range": time_range})
    return query


def _read_as(typed: str, understood: str, lang: str) -> str:
    """The note for a mistyped word: how it was read."""
    return f"“{typed}”按“{understood}”理解" if lang == "zh" else f"read '{typed}' as '{understood}'"


def _reading_notes(corrections: list[tuple[str, str]], dropped: list[str], ctx: PlanContext) -> list[str]:
    """How mistyped words were read, and which breakdowns do not apply to the metric."""
    lang = ctx.lang
    notes = [_read_as(typed, understood, lang) for typed, understood in corrections]
    does_not_apply = "不适用于该指标" if lang == "zh" else "does not apply to this metric"
    notes += [f"{ctx.layer.dimension(d).label.get(lang)} {does_not_apply}" for d in dropped]
    return notes
