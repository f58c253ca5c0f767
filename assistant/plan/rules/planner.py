"""The embedded rule planner: a deterministic, offline parser from question to SemanticQuery.

It knows only what the semantic layer declares (metrics, dimensions, synonyms, values)
plus domain-free question words (lexicon). When unsure it asks; when the question is
outside the layer, or wants to change data, it refuses.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field

from assistant.core.text import fold
from assistant.plan.query import Filter, Order, SemanticQuery, TimeRange
from assistant.plan.rules import lexicon as lx
from assistant.plan.rules.extract import (
    Span,
    TopN,
    find_grain_word,
    find_threshold,
    find_times,
    find_top_n,
    mend_time_words,
    overlaps,
    remainder_words,
)
from assistant.plan.rules.followup import merge_follow_up
from assistant.plan.rules.messages import (
    clarify_metric,
    clarify_unknown_member,
    refusal,
    refuse_unknown,
)
from assistant.plan.rules.metric_choice import (
    fit_metrics,
    metric_from_previous,
    metric_inside_values,
)
from assistant.plan.rules.periods import resolve_times, shift_back, trend_grain
from assistant.plan.rules.unknown import unknown_member
from assistant.plan.rules.verified import match_verified
from assistant.plan.rules.vocab import Match, Term, Vocabulary, build_vocabulary
from assistant.plan.types import Plan, PlanContext
from assistant.understand.catalogue import Member
from assistant.understand.timeparse import TimeMatch

_TREND = re.compile(r"\btrend|\bover time\b|走势|趋势|变化", re.I)
_BEFORE_THAT = re.compile(r"before that|the one before|previous (?:one|period)|prior period|再往前|前一期|上一期|之前那", re.I)
_ORDER_ONLY = re.compile(r"(?:highest|lowest|largest|smallest|biggest|best|worst)\s+(?:first|to)|sorted|排序|从高到低|从低到高", re.I)


@dataclass
class Parsed:
    metrics: list[str] = field(default_factory=list)
    metric_spans: dict[str, Span] = field(default_factory=dict)
    ambiguous_metrics: list[list[str]] = field(default_factory=list)
    group_by: list[str] = field(default_factory=list)
    values: list[tuple[Match, list[Term]]] = field(default_factory=list)
    taken: list[Span] = field(default_factory=list)
    corrections: list[tuple[str, str]] = field(default_factory=list)  # (typed, understood as)
    matched_text: dict[str, str] = field(default_factory=dict)  # metric -> the words that named it
    dim_spans: list[Span] = field(default_factory=list)  # where dimension words stand


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
        verified = match_verified(question, ctx.layer, ctx.as_of, has_time=bool(find_times(question, ctx.as_of)))
        if verified is not None and verified.sql:
            label = "已验证的查询" if ctx.lang == "zh" else "Verified query"
            return Plan(kind="sql", planner=self.name, sql=verified.sql, message=f"{label}: {verified.question}",
                        notes=[verified.source])
        mended, fixes = mend_time_words(question, self._known(self.vocabulary(ctx)))
        plan = self._plan_query(mended, fold(mended), ctx)
        if fixes and plan.kind == "query":
            plan.notes += [f"“{a}”按“{b}”理解" if ctx.lang == "zh" else f"read '{a}' as '{b}'" for a, b in fixes]
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

    def _trace(self, question: str, ctx: PlanContext):  # -> TraceRequest | None
        try:
            from assistant.plan.trace.detect import detect_trace
        except ImportError:
            return None
        return detect_trace(question, ctx)

    # ------------------------------------------------------------------ query
    def _plan_query(self, question: str, text: str, ctx: PlanContext) -> Plan:
        layer, lang = ctx.layer, ctx.lang
        taken: list[Span] = []
        times = find_times(question, ctx.as_of)
        taken += [t.span for t in times]
        grain = find_grain_word(text, taken)
        if grain is None:
            which = lx.WHICH_PERIOD.search(text)
            if which and not overlaps(which.span(), taken):
                grain = (lx.PERIOD_WORDS[which.group("en") or which.group("zh")], which.span())
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
        parsed = self._match(text, ctx, taken)
        taken += parsed.taken
        taken += [m.span() for m in _BEFORE_THAT.finditer(text)]
        taken += [m.span() for m in lx.VS_PREVIOUS.finditer(text)]
        taken += [m.span() for m in lx.EXCLUDE.finditer(text)] + [m.span() for m in re.finditer(r"\bexcluding|\bexcept|除了|不包括|不含", text)]
        unknown = remainder_words(question, text, taken)
        previous = ctx.session.last_query
        cue = bool(lx.FOLLOW_UP.search(text))
        is_follow_up = previous is not None and (cue or (not parsed.metrics and not parsed.ambiguous_metrics and not unknown))

        if parsed.ambiguous_metrics and not parsed.metrics:
            plan = clarify_metric(self.name, layer, lang, parsed.ambiguous_metrics[0])
            plan.partial = {"values": parsed.values, "group_by": parsed.group_by, "times": times}
            return plan
        if not parsed.metrics and not is_follow_up:
            if unknown or not (parsed.values or parsed.group_by):
                return refuse_unknown(self.name, layer, lang, unknown)
            plan = clarify_metric(self.name, layer, lang, [])
            plan.partial = {"values": parsed.values, "group_by": parsed.group_by, "times": times}
            return plan
        if is_follow_up and previous is not None and not parsed.metrics:
            swapped = metric_from_previous(text, previous, ctx, self.vocabulary(ctx))
            if swapped:  # "energy" + "per unit instead" -> energy per unit
                parsed.metrics.append(swapped)
        unknown_name = unknown_member(question, text, unknown, parsed.dim_spans)
        if unknown_name is not None:  # "OEE of SZ-L9-M99", "OEE for Shanghai plant": never widen the answer
            return clarify_unknown_member(self.name, lang, unknown_name, ctx.values)
        pending = ctx.session.pending
        if pending and parsed.metrics and not is_follow_up:
            # "how is Ningbo doing?" -> "which metric?" -> "OEE": the answer completes the question.
            parsed.values = parsed.values or pending.get("values", [])
            parsed.group_by = parsed.group_by or pending.get("group_by", [])
            times = times or pending.get("times", [])

        metrics = parsed.metrics or (previous.metrics if previous else [])
        metrics = fit_metrics(metrics, parsed.values, parsed.metric_spans, parsed.matched_text, ctx)
        filters, notes, problem = self._filters(parsed, metrics, ctx, text)
        if problem:
            return Plan(kind="clarify", planner=self.name, message=problem, not_understood=unknown)
        dims = [d for d in parsed.group_by if all(d in layer.metric_dimensions(m) for m in metrics)]
        dropped = [d for d in parsed.group_by if d not in dims]
        # Naming two members of one dimension ("Suzhou and Ningbo", "compare A and B") means compare them.
        for f in filters:
            if f.field in layer.dimensions and len(f.values) > 1 and f.field not in dims:
                dims.append(f.field)
        vs_previous = lx.VS_PREVIOUS.search(text)
        if vs_previous and len(times) == 1:  # "last month compared to the month before": both periods
            earlier = shift_back(TimeRange(start=times[0].start, end=times[0].end))
            label = f"{earlier.start} – {earlier.end}"
            times = [TimeMatch(earlier.model_copy(update={"label": label}), vs_previous.span(), label, "previous"), *times]
        time_range, time_grain, periods = resolve_times(times, grain[0] if grain else None)
        if periods is not None:
            filters.append(periods)
        if time_grain is None and _TREND.search(text) and time_range is not None:
            time_grain = trend_grain(time_range)
        query = SemanticQuery(metrics=metrics, dimensions=dims, filters=filters, time_range=time_range,
                              time_grain=time_grain, locale="zh" if lang == "zh" else "en")
        if threshold:
            query = self._apply_threshold(query, threshold, parsed, ctx)
        if is_follow_up and previous is not None:
            if time_range is None and _BEFORE_THAT.search(text) and previous.time_range is not None:
                time_range = shift_back(previous.time_range)
            query = merge_follow_up(previous, query, parsed_metrics=bool(parsed.metrics),
                                    new_time=time_range is not None, new_grain=time_grain is not None,
                                    new_dims=bool(dims), layer=layer, text=text)
            if time_range is not None:
                query = query.model_copy(update={"time_range": time_range})
        if top:
            query = self._apply_top(query, top, text, ctx)
        for typed, understood in parsed.corrections:
            notes.append(f"“{typed}”按“{understood}”理解" if lang == "zh" else f"read '{typed}' as '{understood}'")
        for d in dropped:
            notes.append(f"{layer.dimension(d).label.get(lang)} " + ("不适用于该指标" if lang == "zh" else "does not apply to this metric"))
        return Plan(kind="query", planner=self.name, query=query, not_understood=unknown, notes=notes,
                    confidence=0.6 if unknown else 0.95)

    # ------------------------------------------------------------------ matching
    def _match(self, text: str, ctx: PlanContext, taken: list[Span]) -> Parsed:
        vocab = self.vocabulary(ctx)
        known = self._known(vocab)
        fuzzy = vocab.fuzzy(text, taken, known)
        exact = vocab.scan(text, taken + [(m.start, m.end) for m in fuzzy])
        cjk = vocab.cjk_fuzzy(text, exact + fuzzy, taken)
        if cjk:  # a repaired name replaces whatever exact pieces it overlaps ('电子' inside '韦达电子')
            exact = [m for m in exact if not any(m.start < c.end and c.start < m.end for c in cjk)]
        matches = sorted(exact + fuzzy + cjk, key=lambda m: m.start)
        out = Parsed()
        for m in matches:
            if m.fuzzy:
                t = m.terms[0]
                label = (t.member.label(ctx.lang) if t.member else
                         (ctx.layer.metric(t.ref) if t.kind == "metric" else ctx.layer.dimension(t.ref)).label.get(ctx.lang))
                out.corrections.append((m.text.strip(), label))
        value_dims = {t.ref for m in matches for t in m.terms if t.kind == "value"}
        metric_matches = [m for m in matches if "metric" in m.kinds]
        certain = {t.ref for m in metric_matches for t in m.terms if t.kind == "metric"
                   if len({x.ref for x in m.terms if x.kind == "metric"}) == 1 and "value" not in m.kinds}
        for m in matches:
            metric_refs = list(dict.fromkeys(t.ref for t in m.terms if t.kind == "metric"))
            values = [t for t in m.terms if t.kind == "value"]
            dims = [t.ref for t in m.terms if t.kind == "dimension"]
            if metric_refs and values and certain and any(
                    all(v.ref in ctx.layer.metric_dimensions(c) for c in certain) for v in values):
                metric_refs = []  # "downtime due to breakdowns": a value, since a metric is already named
            if metric_refs:
                if len(metric_refs) == 1:
                    if metric_refs[0] not in out.metrics:
                        out.metrics.append(metric_refs[0])
                        out.metric_spans[metric_refs[0]] = (m.start, m.end)
                        out.matched_text[metric_refs[0]] = m.text.strip()
                else:
                    out.ambiguous_metrics.append(metric_refs)
                out.taken.append((m.start, m.end))
            elif values:
                out.values.append((m, values))
                out.taken.append((m.start, m.end))
            elif dims:
                out.taken.append((m.start, m.end))
                out.dim_spans.append((m.start, m.end))
                described = any("value" in o.kinds and (0 <= m.start - o.end <= 2 or 0 <= o.start - m.end <= 2)
                                for o in matches)
                if lx.ALL_BEFORE.search(text[max(0, m.start - 16):m.start]):
                    continue  # "across all plants": one total
                for d in dims:
                    if (d in value_dims or described) and not self._marked(text, m, matches):
                        continue  # "the Ningbo plant", "press machines": the word names a value's type
                    if d not in out.group_by:
                        out.group_by.append(d)
        out.ambiguous_metrics = [opts for opts in out.ambiguous_metrics if not set(opts) & set(out.metrics)]
        if not out.metrics and not out.ambiguous_metrics:
            metric_inside_values(vocab, out.values, out.metrics, out.metric_spans)
        return out

    def _known(self, vocab: Vocabulary) -> set[str]:
        key = id(vocab)
        cached = self._known_cache.get(key)
        if cached is None:
            cached = vocab.known_words | lx.STOPWORDS_EN | lx.QUESTION_WORDS
            self._known_cache[key] = cached
        return cached

    @staticmethod
    def _marked(text: str, m: Match, matches: list[Match] | None = None) -> bool:
        if m.text.startswith(("哪", "which")) or lx.BY_BEFORE.search(text[max(0, m.start - 24):m.start]):
            return True
        start = m.start
        for o in matches or []:  # "for each Suzhou line": the marker may sit before a value naming the line
            if "value" in o.kinds and 0 <= start - o.end <= 2:
                start = o.start
        return bool(lx.BY_BEFORE.search(text[max(0, start - 24):start]) or lx.BY_AFTER.search(text[m.end:m.end + 6]))

    def _filters(self, parsed: Parsed, metrics: list[str], ctx: PlanContext, text: str = "") -> tuple[list[Filter], list[str], str | None]:
        layer, lang = ctx.layer, ctx.lang
        allowed = set.intersection(*(set(layer.metric_dimensions(m)) for m in metrics)) if metrics else set()
        chosen: dict[str, list[Member]] = {}
        partials: list[list[Member]] = []
        excluded: set[str] = set()  # member keys the question leaves out ("excluding Hamburg")
        for match, terms in parsed.values:
            if lx.EXCLUDE.search(text[max(0, match.start - 16):match.start]):
                excluded.update(t.member.key for t in terms if t.member is not None)
            fitting = [t for t in terms if t.ref in allowed] or terms
            full = [t for t in fitting if not t.partial]
            if full:
                dims = list(dict.fromkeys(t.ref for t in full))
                dim = dims[0]
                members = [t.member for t in full if t.ref == dim and t.member is not None]
                if len(dims) > 1 and not any(d in allowed for d in dims):
                    pass
                for member in members[:1] if len({mm.key for mm in members}) == 1 else members:
                    bucket = chosen.setdefault(dim, [])
                    if member not in bucket:
                        bucket.append(member)
            else:
                partials.append([t.member for t in fitting if t.member is not None])
        notes: list[str] = []
        for options in partials:
            # "line 3" + "Ningbo": keep the member whose name contains a chosen member's name.
            hits = [o for o in options if any(p.label_en.lower() in o.label_en.lower() or p.label_zh in o.label_zh
                                               for ps in chosen.values() for p in ps)]
            if len(hits) == 1 or len({h.key for h in hits}) == 1:
                member = hits[0]
                parents = [d for d, ps in chosen.items() for p in ps if p.label_en.lower() in member.label_en.lower()]
                for d in parents:
                    chosen.pop(d, None)
                chosen.setdefault(member.dimension, []).append(member)
            elif len(options) == 1:
                chosen.setdefault(options[0].dimension, []).append(options[0])
            else:
                names = ", ".join(o.label(lang) for o in options[:6])
                msg = (f"请指明是哪一个：{names}？" if lang == "zh" else f"Which one do you mean: {names}?")
                return [], notes, msg
        filters: list[Filter] = []
        for dim, members in chosen.items():
            if dim not in allowed:
                label = layer.dimension(dim).label.get(lang)
                names = "、".join(layer.metric(m).label.get(lang) for m in metrics)
                return [], notes, (f"{names}不能按{label}筛选。" if lang == "zh"
                                   else f"{names} cannot be filtered by {label.lower()}.")
            keep = [m.key for m in members if m.key not in excluded]
            drop = [m.key for m in members if m.key in excluded]
            if keep:
                filters.append(Filter(field=dim, op="in", values=keep))
            if drop:
                filters.append(Filter(field=dim, op="not in", values=drop))
        return filters, notes, None

    # ------------------------------------------------------------------ structure
    def _apply_threshold(self, query: SemanticQuery, threshold, parsed: Parsed, ctx: PlanContext) -> SemanticQuery:
        before = [m for m, span in parsed.metric_spans.items() if span[0] < threshold.span[0]]
        metric = (before[-1] if before else query.metrics[0])
        unit = ctx.layer.metric(metric).unit
        numbers = [threshold.number] + ([threshold.high] if threshold.high is not None else [])
        if unit == "ratio" and (threshold.percent or max(numbers) > 1):
            numbers = [n / 100 for n in numbers]
        return query.model_copy(update={"filters": [*query.filters, Filter(field=metric, op=threshold.op, values=numbers)]})

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
