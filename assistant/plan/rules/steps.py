"""The steps of the rule planner's reading of a question, each a small function: structure (times,
grain, threshold, ranking), connective words, breakdowns, periods, follow-ups, shapes, notes."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import sqlglot
from sqlglot import exp

from assistant.core.errors import ClarificationNeeded
from assistant.plan.query import Filter, SemanticQuery, TimeRange
from assistant.plan.rules import lexicon as lx
from assistant.plan.rules.extract import (
    Span,
    Threshold,
    TopN,
    find_grain_word,
    find_threshold,
    find_times,
    find_top_n,
    overlaps,
)
from assistant.plan.rules.followup import merge_follow_up
from assistant.plan.rules.matching import Parsed
from assistant.plan.rules.periods import (
    beside_previous,
    compared_periods,
    period_grain,
    resolve_times,
    shift_back,
    trend_grain,
)
from assistant.plan.rules.shape_words import Shapes
from assistant.plan.rules.shapes import per_metric
from assistant.plan.rules.share_scope import share_over
from assistant.plan.rules.spans import Spans
from assistant.plan.rules.unknown import Leftover
from assistant.plan.types import PlanContext
from assistant.understand.timeparse import TimeMatch
from semantic_layer.layer import Layer

TREND = re.compile(r"\btrend|\bover time\b|走势|趋势|变化"
                   r"|\bhow\s+(?:has|have|did)\b.{0,60}?\b(?:moved|changed|developed|evolved|gone)\b", re.I)
BEFORE_THAT = re.compile(
    r"before that|the one before|previous (?:one|period)|prior period|再往前|前一期|上一期|之前那"
    # 'and the week before?', '前一周呢': one period further back
    r"|\bthe\s+(?:day|week|month|quarter|year)\s+(?:before|prior)\b(?!\s+(?:last|that)\b)"
    r"|(?:^|[，,\s])前一(?:天|周|个?星期|个?月|个?季度|年)(?=\s*(?:呢|[?？]|$))", re.I)
ORDER_ONLY = re.compile(
    r"(?:highest|lowest|largest|smallest|biggest|best|worst|most|least)\s+(?:first|to)|sorted|\branked\b|\brank(?:ing)?\s+(?:them|all)"
    r"|\bin\s+order\b|排序|从高到低|从低到高|依次排|排个序"
    # 'which plant gets the most complaints? count per plant': every member's figure, the highest first
    r"|\b(?:counts?|numbers?|totals?|figures?)\s+(?:per|for\s+(?:each|every|all))\b", re.I)
EXCLUDING = re.compile(r"\bexcluding|\bexcept|\bnot counting|\bnot including|\boutside(?: of)?|除了|不包括|不含|不算")



@dataclass
class Reading:
    """What a first pass over the question found."""

    found: Structure
    parsed: Parsed
    shapes: Shapes
    unknown: list[str]
    leftover: Leftover
    question: str = ""  # as read (typos mended): clarify options rewrite it


@dataclass
class Structure:
    """The structural parts of a question, and the spans of the words they used."""

    times: list[TimeMatch]
    grain: tuple[str, Span] | None
    threshold: Threshold | None
    top: TopN | None
    taken: list[Span]



def find_structure(question: str, text: str, as_of: dt.date, layer: Layer) -> Structure:
    """Times, a grain, a threshold and a top-N, in that order, each kept off the words already used."""
    found = find_times(question, as_of, layer)
    # 'for the shift review tomorrow', '明天开会要用': when the answer is needed dates no data
    times = [t for t in found if not _OCCASION.search(_clause_around(text, t.span))] if len(found) > 1 else found
    taken: list[Span] = [t.span for t in found]
    grain = find_grain(text, taken)
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
    return Structure(times, grain, threshold, top, taken)


_OCCASION = re.compile(r"\b(?:meeting|review|call|huddle|stand-?up|presentation|deck|briefing|sync|catch-?up)\b"
                       r"|开会|会议|例会|周会|早会|晨会|汇报|评审|碰头", re.I)
_CLAUSE_BREAK = re.compile(r"[,，:：;；.。?？!！]|\s[-–—]\s|\bI\s+need\b|要用|需要", re.I)


def _clause_around(text: str, span: Span) -> str:
    """The words of the clause a time phrase stands in, itself left out."""
    start = max((m.end() for m in _CLAUSE_BREAK.finditer(text, 0, span[0])), default=0)
    stop = next((m.start() for m in _CLAUSE_BREAK.finditer(text, span[1])), len(text))
    return text[start:span[0]] + " " + text[span[1]:stop]


def find_grain(text: str, taken: list[Span]) -> tuple[str, Span] | None:
    """A grain word ('monthly', 'by week'), else the period of 'which day', 'which month'."""
    grain = find_grain_word(text, taken)
    if grain is None:
        which = lx.WHICH_PERIOD.search(text)
        if which and not overlaps(which.span(), taken):
            grain = (lx.PERIOD_WORDS[which.group("en") or which.group("zh")], which.span())
    return grain


def connective_spans(text: str) -> list[Span]:
    """Words understood without a term of their own: 'before that', 'vs the previous month', 'excluding'."""
    spans = [m.span() for m in BEFORE_THAT.finditer(text)]
    spans += [m.span() for m in lx.VS_PREVIOUS.finditer(text)]
    spans += [m.span() for m in lx.EXCLUDE.finditer(text)] + [m.span() for m in EXCLUDING.finditer(text)]
    spans += [m.span() for m in lx.TOGETHER.finditer(text)]
    spans += [m.span() for m in lx.DECLINED_FORM.finditer(text)]  # 'not a percentage': the form declined
    return spans


def resume_pending(parsed: Parsed, times: list[TimeMatch], ctx: PlanContext,
                    is_follow_up: bool) -> list[TimeMatch]:
    """The times to use; an answer to "which metric?" also takes the values and breakdowns asked before."""
    pending = ctx.session.pending
    if pending and parsed.metrics and not is_follow_up:
        # "how is Ningbo doing?" -> "which metric?" -> "OEE": the answer completes the question.
        parsed.values = parsed.values or pending.get("values", [])
        parsed.group_by = parsed.group_by or pending.get("group_by", [])
        return times or pending.get("times", [])
    return times


# 'open or under investigation', '计划中+生产中', 'in total': several members named as one group.
def time_parts(text: str, times: list[TimeMatch], grain: tuple[str, Span] | None
               ) -> tuple[TimeRange | None, str | None, Filter | None, list[TimeRange]]:
    """Time range, time grain, a filter picking periods of the grain, and periods compared that are no
    grain; 'compared to the month before' adds that month."""
    vs_previous = lx.VS_PREVIOUS.search(text)
    if vs_previous and len(times) == 1:  # "last month compared to the month before": both periods
        earlier = shift_back(TimeRange(start=times[0].start, end=times[0].end))
        # no words of its own: answers say its dates as people do ('6 Nov – 3 Dec 2025')
        times = [TimeMatch(earlier.model_copy(update={"label": None}), vs_previous.span(), "", "previous"), *times]
    times = _year_ago(text, times)
    same = lx.SAME_PERIOD_LAST_YEAR.search(text)
    if grain and same and grain[1][0] < same.end() and same.start() < grain[1][1]:
        grain = None  # the 'year' of 'year over year' is no yearly breakdown
    time_range, time_grain, periods = resolve_times(times, grain[0] if grain else None)
    if time_grain is None and TREND.search(text) and time_range is not None:
        time_grain = trend_grain(time_range)
    return time_range, time_grain, periods, compared_periods(times, time_grain)


def _year_ago(text: str, times: list[TimeMatch]) -> list[TimeMatch]:
    """'本月至今，跟去年同期比': the period named and the same dates a year earlier, one row each when
    both are whole months, quarters or years. Never the span between them ('去年' read inside
    '去年同期' would make one): for partial periods the period named alone is answered."""
    same = lx.SAME_PERIOD_LAST_YEAR.search(text)
    if same is None:
        return times
    own = [t for t in times if not (t.span[0] < same.end() and same.start() < t.span[1])]
    if len(own) != 1:
        return own
    t = own[0]
    earlier = TimeRange(start=_a_year_before(t.start), end=_a_year_before(t.end))
    label = f"{earlier.start} – {earlier.end}"
    both = [TimeMatch(earlier.model_copy(update={"label": label}), same.span(), label, "year_ago"), t]
    return both if period_grain(both) in ("month", "quarter", "year") else own


def _a_year_before(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


_INSTEAD_END = re.compile(r"\binstead\s*[?.!]*\s*$", re.I)
_BY = re.compile(r"\b(?:by|per|break\w*|split\w*|group\w*)\b", re.I)


def merge_previous(previous: SemanticQuery, query: SemanticQuery, text: str, *, parsed_metrics: bool,
                    time_range: TimeRange | None, time_grain: str | None, dims: list[str],
                    layer: Layer, dim_words: dict[str, Span] | None = None,
                    included: Sequence[tuple[str, str]] = ()) -> SemanticQuery:
    """A follow-up keeps the previous query but for what it changes; 'before that' moves the period back;
    'by month instead of by reason' takes the reason away."""
    if time_range is None and BEFORE_THAT.search(text) and previous.time_range is not None:
        time_range = shift_back(previous.time_range)
    elif time_range is None and lx.YEAR_BACK_INSTEAD.search(text) and previous.time_range is not None \
            and not lx.VS_PREVIOUS.search(text):
        time_range = TimeRange(start=_a_year_before(previous.time_range.start),
                               end=_a_year_before(previous.time_range.end))
    # '不分厂了': the word '分厂' holds the 分 that takes the breakdown away
    instead = {d for d, (s, _) in (dim_words or {}).items()
               if lx.INSTEAD_OF.search(text, max(0, s - 24), s + (text[s:s + 1] in "分按"))}
    dims = [d for d in dims if d not in instead]
    query = query.model_copy(update={"dimensions": [d for d in query.dimensions if d not in instead]})
    query = merge_follow_up(previous, query, parsed_metrics=parsed_metrics, new_time=time_range is not None,
                            new_grain=time_grain is not None, new_dims=bool(dims), layer=layer, text=text)
    filters = _with_members_too(query.filters, included)
    grown = [f.field for f in filters if f not in query.filters and f.field not in query.dimensions]  # compared
    update: dict[str, object] = {"dimensions": [*(d for d in query.dimensions if d not in instead), *grown],
                                 "filters": filters}
    if (dims or (time_grain is not None and _BY.search(text))) and _INSTEAD_END.search(text):
        # 'break it down by week instead': the new breakdown replaces the old; 'weekly instead' only the grain
        update["dimensions"] = list(dims)
    if time_range is not None:
        update["time_range"] = time_range
        if lx.BESIDE.search(text) and previous.time_range is not None and not previous.time_grain \
                and not previous.periods and not (time_range.start <= previous.time_range.start
                                                  and previous.time_range.end <= time_range.end):
            both, grain, keep, compared = beside_previous(previous.time_range, time_range)
            update.update(time_range=both, time_grain=grain, periods=compared,
                          filters=[*query.filters, *([keep] if keep else [])])
    return query.model_copy(update=update)



def _with_members_too(filters: list[Filter], included: Sequence[tuple[str, str]]) -> list[Filter]:
    """'add Chongqing to that too': a member said to count too joins the members its kind was filtered to."""
    out = []
    for f in filters:
        more = [key for dim, key in included if dim == f.field and key not in f.values]
        out.append(f.model_copy(update={"values": [*f.values, *more]}) if more and f.op == "in" else f)
    return out


def reachable(parsed: Parsed, layer: Layer) -> set[str]:
    """Metrics every named breakdown and value can reach (a customer rules out supplier metrics); a value
    several kinds share ('open': a PO's, a complaint's status) needs only one of its readings reached."""
    if not parsed.group_by and not parsed.values:
        return set(layer.metrics)
    dims = set(parsed.group_by)
    readings = [{t.ref for t in terms} for _, terms in parsed.values]
    out = set()
    for m in layer.metrics:
        own = set(layer.metric_dimensions(m))
        if dims <= own and all(r & own for r in readings):
            out.add(m)
    return out


def count_instead(parsed: Parsed, dim: str, metric: str) -> None:
    parsed.metrics.append(metric)
    parsed.metric_spans[metric] = parsed.dim_words[dim]
    parsed.group_by = [d for d in parsed.group_by if d != dim]


# 'POs that were due last month showed up late', '交期在本月': the period is said of the due date
_PROMISED_TO = re.compile(r"承诺(?:的)?(?:这[周个]|本[周月])?(?:交货|到货|送到)|\bpromised\s+(?:to\s+)?deliver", re.I)
_DUE_BEFORE = re.compile(r"\b(?:due|promised|scheduled)\s+(?:(?:in|for|on|by|during)\s+)?$"
                         r"|(?:交期|到期|承诺)(?:在|落在|是)?$", re.I)


@lru_cache(maxsize=256)
def _columns(condition: str) -> frozenset[str]:
    """The columns a measure's filter reads."""
    return frozenset(c.name for c in sqlglot.parse_one(condition, read="duckdb").find_all(exp.Column))


def time_role(roles: list[str], metrics: list[str], layer: Layer, text: str = "",
              times: Sequence[Any] = ()) -> str | None:
    """The date the question's words name ('placed', '完工'), when a fact of its metrics has it; none
    when the period is said of the due date, the facts' own (other date words then describe the rows)."""
    if any(_DUE_BEFORE.search(text[max(0, t.span[0] - 16):t.span[0]]) for t in times) or _PROMISED_TO.search(text):
        return None  # '承诺交货的采购单', 'promised to deliver': the date words are the promise's
    tables = {m.table for name in metrics for m in layer.metric_measures(name)}
    # '到货最不准时的供应商': a date the metric itself compares (delivered against promised) is its sense,
    # not the date the period is of
    compared = {c for name in metrics for m in layer.metric_measures(name) if m.filter for c in _columns(m.filter)}
    # '12月实际到货的采购单里，晚于承诺日期的占比': all the rows are counted too, and they are what the date is of
    whole = {m.table for name in metrics for m in layer.metric_measures(name) if not m.filter and m.agg == "count"}
    for ref in roles:
        table, _, column = ref.partition(".")
        if table in tables and (column not in compared or table in whole):
            return column
    return None


def shaped(query: SemanticQuery, parsed: Parsed, shapes: Shapes, layer: Layer, text: str) -> SemanticQuery:
    """A ratio of two named metrics ('per', '每'), or a share of the total ('what share of')."""
    pair = per_metric(parsed, shapes, layer, text) or _part_of_whole(query, shapes, layer)
    # 'defective pieces per million produced': the layer's per-million figure of the two
    if pair is not None and (scaled := _ratio_of(*pair, layer, text)) is not None:
        return query.model_copy(update={"metrics": [scaled, *(m for m in query.metrics if m not in pair)]})
    if _PER_MILLION.search(text) and len(query.metrics) == 1 and \
            (over := _per_million_over(query.metrics[0], parsed, layer)):
        # 'the crack rate, as parts per million of what the line produced': the one figure per million of it
        # whose numerator the members named belong to
        return query.model_copy(update={"metrics": [over]})
    if _PER_MILLION.search(text) and not any(layer.metric(m).expr.strip().startswith("1000000") for m in query.metrics):
        # 'scrap per million parts made': no such figure in the layer; a count or a fraction would mislead
        per_million = [layer.metric(m.name).label for m in layer.spec.metrics if m.expr.strip().startswith("1000000")]
        raise ClarificationNeeded(
            "I have no figure per million for that; ask for it as a rate"
            + (f", or for {', '.join(x.en for x in per_million)}." if per_million else "."),
            "没有按每百万计的这个指标；可以改问比率" + (f"，或{'、'.join(x.zh or x.en for x in per_million)}。"
                                                  if per_million else "。"))
    if pair is not None and _already_per(*pair, layer):  # 'avg minutes per breakdown repair': MTTR itself
        return query.model_copy(update={"metrics": [m for m in query.metrics if m != pair[1]]})
    if pair is not None:
        num, den = pair
        rest = [m for m in query.metrics if m not in pair]
        return query.model_copy(update={"metrics": [num, den, *rest], "per": den})
    share = share_over(query, parsed, shapes, layer, text)
    return query.model_copy(update={"share": share}) if share else query


_PER_MILLION = re.compile(r"\bper\s+million\b|每百万", re.I)


def _per_million_over(metric: str, parsed: Parsed, layer: Layer) -> str | None:
    """The layer's one per-million figure of `metric`: `metric` its numerator ('crack rate, as parts per
    million'), or its denominator when a member named belongs to the numerator only ('… per million
    of what the line produced' with 'crack')."""
    e = re.escape(layer.metric(metric).expr.strip())
    ppm = [m for m in layer.spec.metrics if m.expr.strip().startswith("1000000")]
    over = [m.name for m in ppm if re.fullmatch(rf"1000000\s*\*\s*{e}\s*/\s*\w+", m.expr.strip())]
    if len(over) == 1:
        return over[0]
    under = [m.name for m in ppm if re.fullmatch(rf"1000000\s*\*\s*\w+\s*/\s*{e}", m.expr.strip())]
    if len(under) != 1:
        return None
    named = {t.ref for _, terms in parsed.values for t in terms}
    return under[0] if named & (set(layer.metric_dimensions(under[0])) - set(layer.metric_dimensions(metric))) else None


def _ratio_of(num: str, den: str, layer: Layer, text: str) -> str | None:
    """The layer's metric that is `num` per million `den` (PPM), when 'per million' is said."""
    if not _PER_MILLION.search(text):
        return None
    a, b = layer.metric(num).expr.strip(), layer.metric(den).expr.strip()
    found = [m.name for m in layer.spec.metrics
             if re.fullmatch(rf"1000000\s*\*\s*{re.escape(a)}\s*/\s*{re.escape(b)}", m.expr.strip())]
    return found[0] if len(found) == 1 else None


def _part_of_whole(query: SemanticQuery, shapes: Shapes, layer: Layer) -> tuple[str, str] | None:
    """'到货的采购单里，延迟到货的占多少': a share asked of two counts of the same rows, one the other's part."""
    if shapes.share is None or len(query.metrics) != 2:
        return None
    a, b = query.metrics
    return (a, b) if layer.part_count(a, b) else (b, a) if layer.part_count(b, a) else None


def _already_per(num: str, den: str, layer: Layer) -> bool:
    """A rate of the same rows as a count of them is already per row ('MTTR per breakdown')."""
    tables = {m.table for m in layer.metric_measures(num)}
    return "/" in layer.metric(num).expr and tables == {m.table for m in layer.metric_measures(den)} \
        and all(m.agg == "count" for m in layer.metric_measures(den))


def guess_note(metric: str, ctx: PlanContext) -> str:
    label = ctx.layer.metric(metric).label.get(ctx.lang)
    return f"按“{label}”理解" if ctx.lang == "zh" else f"read as {label}"


def read_as(typed: str, understood: str, lang: str) -> str:
    """The note for a mistyped word: how it was read."""
    return f"“{typed}”按“{understood}”理解" if lang == "zh" else f"read '{typed}' as '{understood}'"


def reading_notes(corrections: list[tuple[str, str]], dropped: list[str], ctx: PlanContext) -> list[str]:
    """How mistyped words were read, and which breakdowns do not apply to the metric."""
    lang = ctx.lang
    notes = [read_as(typed, understood, lang) for typed, understood in corrections]
    does_not_apply = "不适用于该指标" if lang == "zh" else "does not apply to this metric"
    notes += [f"{ctx.layer.dimension(d).label.get(lang)} {does_not_apply}" for d in dropped]
    return notes


def unplaced_negation(text: str, spans: list[tuple[int, int]], filters: list[Filter]) -> str | None:
    """A negation outside every name, period and ranking the reading used, when no member was left out
    by it ('which lines did not reach 85%'): the word, to ask about rather than answer the opposite."""
    if any(f.op in ("not in", "!=") for f in filters):
        return None
    used = Spans([*spans, *(m.span() for m in lx.ASIDE_NEGATION.finditer(text))])  # one look-up per negation
    for m in lx.NEGATION.finditer(text):
        if not used.covers(*m.span()):
            return m.group(0)
    return None
