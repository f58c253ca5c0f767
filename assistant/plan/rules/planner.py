"""The embedded rule planner: a deterministic, offline parser from question to SemanticQuery.

It knows only what the semantic layer declares (metrics, dimensions, synonyms, values)
plus domain-free question words (lexicon). When unsure it asks; when the question is
outside the layer, or wants to change data, it refuses.
"""

from __future__ import annotations

import threading
from dataclasses import replace

from assistant.core.text import fold
from assistant.plan.choices import clarify
from assistant.plan.query import Filter, SemanticQuery
from assistant.plan.rules import lexicon as lx
from assistant.plan.rules.breakdowns import breakdowns, keeps_bare
from assistant.plan.rules.extract import find_times, remainder_words
from assistant.plan.rules.filters import dated_not_members, member_filters, without_whole_kinds
from assistant.plan.rules.follow_up_metric import follow_up_metric
from assistant.plan.rules.followup import (
    breakdown_of_previous,
    count_of_records,
    members_of_records,
    metric_instead,
    records_reach,
    refer_to_shown,
    refers_to_shown,
    widen_to_parent,
    with_new_count,
)
from assistant.plan.rules.kind_words import kind_of_named_members
from assistant.plan.rules.listed_states import state_listed_with_states, value_before_rows
from assistant.plan.rules.lists import list_plan
from assistant.plan.rules.matching import Parsed, read_terms
from assistant.plan.rules.messages import (
    cannot_break_down,
    clarify_metric,
    not_recorded,
    refusal,
    refuse_breakdown,
    refuse_money,
    refuse_unknown,
    shape_stop,
    share_of_what,
    suggest_metrics,
    unread_negation,
)
from assistant.plan.rules.metric_choice import (
    average_in_named_unit,
    counted_times,
    in_named_unit,
    rows_metric,
    unit_named,
    unit_span,
    with_asked_units,
)
from assistant.plan.rules.metric_guess import guess_metric, meaningful_leftovers, unanswerable_words
from assistant.plan.rules.multiple_of import multiple_of_other, multiple_span
from assistant.plan.rules.not_ours import not_ours
from assistant.plan.rules.own_breakdowns import take_own_breakdowns, things_of_a_kind
from assistant.plan.rules.period_average import period_average
from assistant.plan.rules.ranked_records import ranked_records, records_to_rank
from assistant.plan.rules.ranking import apply_threshold, apply_top, members_over_threshold
from assistant.plan.rules.rates import (
    part_filters,
    period_of_whole,
    share_as_rate,
    share_of_own_state,
    share_of_rows,
    unread_rate,
)
from assistant.plan.rules.reconsider import drop_values_of_its_name, reconsider_metric
from assistant.plan.rules.records import LIST_NOUN, as_records, listed_after_verb, records_asked
from assistant.plan.rules.rewrite import rewritten
from assistant.plan.rules.rivals import fit_metrics, ratio_of_pair, said_against
from assistant.plan.rules.rows_amount import amount_of_rows
from assistant.plan.rules.second_metrics import PER_PIECE
from assistant.plan.rules.shape_words import SHARE, find_shapes
from assistant.plan.rules.shapes import counted_thing, unit_spans
from assistant.plan.rules.steps import (
    Reading,
    connective_spans,
    count_instead,
    find_structure,
    guess_note,
    merge_previous,
    reachable,
    read_as,
    reading_notes,
    resume_pending,
    shaped,
    time_parts,
    time_role,
    unplaced_negation,
)
from assistant.plan.rules.unit_of_other import unit_of_other
from assistant.plan.rules.unjoined import unjoined_metrics
from assistant.plan.rules.unknown import (
    Leftover,
    says_nothing,
    sort_leftover,
)
from assistant.plan.rules.verb_lists import members_by_verb
from assistant.plan.rules.verb_values import values_said_as_verbs
from assistant.plan.rules.verified import match_verified, verified_plan
from assistant.plan.rules.vocab import Vocabulary
from assistant.plan.rules.vocab_build import build_vocabulary
from assistant.plan.rules.why import why_plan
from assistant.plan.types import Plan, PlanContext, Session
from assistant.understand.timeparse import TimeMatch


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
        said = " ".join(question.split())  # runs of spaces or line breaks read as one space
        question = lx.POSSESSIVE.sub(r"\1", said)  # "each plant's share": the plant, not a typo of it
        text = fold(question)
        if not text.strip():
            return Plan(kind="clarify", planner=self.name, message=refusal("empty", ctx.lang, ctx.layer))
        if (why := why_plan(question, ctx, self.plan, self.name)) is not None:  # "why did OEE drop?": why.py
            return why
        paid = None if any(u.kind == "money" for u in ctx.layer.spec.units) else lx.PAID  # no money: refuse
        for kind, pattern in (*lx.ALWAYS_REFUSED, ("money", paid)):
            if pattern is not None and pattern.search(text):
                return Plan(kind="refuse", planner=self.name, message=refusal(kind, ctx.lang))
        mended, fixes = self._mend(question, ctx)
        if (walk := self._walk(mended, ctx, said, fixes)) is not None:  # a trace, or a figure over what it reaches
            return walk
        has_time = bool(find_times(question, ctx.as_of, ctx.layer))
        verified = match_verified(question, ctx.layer, ctx.as_of, has_time=has_time)
        if verified is not None and verified.sql:
            return verified_plan(self.name, verified, ctx.lang)
        plan = self._plan_query(mended, fold(mended), ctx)
        if plan.kind == "clarify" and ctx.session.last_query is not None and not lx.FOLLOW_UP.search(fold(mended)):
            # a whole question of its own that the earlier figure cannot answer: read it afresh
            fresh = self._plan_query(mended, fold(mended), replace(ctx, session=Session(lang=ctx.session.lang)))
            plan = fresh if fresh.kind == "query" else plan
        if fixes and plan.kind == "query":
            plan.notes += [read_as(a, b, ctx.lang) for a, b in fixes]
        if plan.kind in ("clarify", "refuse") and not plan.suggestions:
            plan.suggestions = suggest_metrics(question, ctx)  # retrieval's nearest metrics as options
        return plan

    def _mend(self, question: str, ctx: PlanContext) -> tuple[str, list[tuple[str, str]]]:
        """Typos of time and ranking words, then of the layer's names, rewritten before anything is read."""
        vocab = self.vocabulary(ctx)
        return rewritten(question, ctx, vocab, self._known(vocab))

    def _walk(self, question: str, ctx: PlanContext, said: str, fixes: list[tuple[str, str]]) -> Plan | None:
        from assistant.plan.trace.scope import walk_plan  # 'Hengtai's lot': `said` keeps the possessive

        return walk_plan(question, ctx, said, self.name, lambda rest: self._plan_query(rest, fold(rest), ctx),
                         [read_as(a, b, ctx.lang) for a, b in fixes])

    # ------------------------------------------------------------------ query
    def _read(self, question: str, text: str, ctx: PlanContext) -> Reading:
        """Structure, layer terms and shape words; the words left over, sorted into names and the rest."""
        found = find_structure(question, text, ctx.as_of, ctx.layer)
        vocab = self.vocabulary(ctx)
        parsed = read_terms(text, ctx, vocab, self._known(vocab), found.taken, question)
        shapes = find_shapes(text, [*found.taken, *parsed.worded], list(parsed.metric_spans.values()), parsed.dim_spans)
        counted = counted_thing(parsed, shapes, ctx.layer, text)
        if counted is not None:  # "how many machines": the machines are counted, not a breakdown
            count_instead(parsed, *counted)
        spans = [*found.taken, *parsed.taken, *connective_spans(text), *shapes.spans(), *unit_spans(text, ctx.layer),
                 *(m.span() for m in SHARE.finditer(text) if shapes.share),  # 'slice of …, as a percentage
                 *(m.span() for m in PER_PIECE.finditer(text))]  # '折算到每件产品上': per piece made
        unknown = values_said_as_verbs(parsed, remainder_words(question, text, spans), text, vocab, ctx.layer)
        terms = [*parsed.metric_spans.values(), *parsed.dim_spans]
        leftover = sort_leftover(question, text, unknown, parsed.dim_spans, terms, ctx.values, parsed.values)
        return Reading(found, parsed, shapes, unknown, leftover, question)

    def _plan_query(self, question: str, text: str, ctx: PlanContext) -> Plan:
        r = self._read(question, text, ctx)
        previous = ctx.session.last_query
        cue = bool(lx.FOLLOW_UP.search(text) or lx.BACK_REFERENCE.search(text)) \
            or refers_to_shown(text, ctx.session.last_shown)
        parsed = r.parsed
        if (rate := metric_instead(previous, parsed.metrics, text, ctx.layer)) is not None:  # 'as a rate'
            parsed.metrics[:], cue, r.unknown = [rate], True, []
            r.leftover = Leftover()
        is_follow_up = previous is not None and (
            cue or (not parsed.metrics and not parsed.ambiguous_metrics and not r.leftover.names))
        money = lx.money_asked(text)  # 'for the cost review: scrapped pieces per family' asks pieces
        if money and not any(getattr(ctx.layer.unit(m.unit), "kind", None) == "money" for m in ctx.layer.spec.metrics):
            return refuse_money(self.name, ctx.layer, ctx.lang, money.group(0))
        take_own_breakdowns(r, text, ctx)
        things_of_a_kind(r, text, ctx)
        if not is_follow_up:
            members_by_verb(r, text)  # 'what products do we make': the products, not their output
            records_to_rank(r, text, ctx.layer)  # 'the single longest breakdown': those records
        early = self._early_answer(question, text, r, ctx, is_follow_up)
        if early is not None and early.query is not None and is_follow_up:
            early.query = members_of_records(previous, early.query, text, ctx.layer) or early.query
        if early is not None:
            return early
        if is_follow_up and previous is not None and not parsed.metrics:
            follow_up_metric(r, previous, text, ctx, self.vocabulary(ctx))
        contested = reconsider_metric(parsed, r.leftover, ctx.layer, text, r.shapes.per, bool(r.shapes.count),
                                      share=bool(r.shapes.share))
        if contested:  # words the reading left out name another metric: ask rather than guess
            return self._ask_metric(parsed, contested, r.found.times, ctx)
        terms = [*parsed.metric_spans.values(), *parsed.dim_spans]
        return not_ours(self.name, question, text, r, terms, ctx) or \
            self._build_query(r, text, ctx, previous if is_follow_up else None)

    def _early_answer(self, question: str, text: str, r: Reading, ctx: PlanContext,
                      is_follow_up: bool) -> Plan | None:
        """A list of members, a refusal of a breakdown the data lacks, or no metric to answer with."""
        listing = list_plan(self.name, r, text, ctx)
        # '分厂看一下，三个厂都列出来' after a figure: that figure by plant, not the plants
        if listing is not None and not (is_follow_up and not lx.MEMBERS_ASKED.search(text)
                                        and breakdown_of_previous(listing, ctx.session.last_query, ctx)):
            return listing
        # "which operator ...": answering for everyone would not answer it ('for each type' of presses is)
        if r.leftover.breakdowns and not kind_of_named_members(r.leftover.breakdowns[0], r.parsed, ctx.layer):
            return refuse_breakdown(self.name, ctx.layer, ctx.lang, r.leftover.breakdowns[0])
        return self._without_metric(r.parsed, r.leftover, r.found.times, ctx, is_follow_up, text, r.shapes.count)

    def _build_query(self, r: Reading, text: str, ctx: PlanContext, previous: SemanticQuery | None) -> Plan:
        """The SemanticQuery of what was read: metrics, filters, breakdowns, period, shape, ranking."""
        found, parsed = r.found, r.parsed
        times = resume_pending(parsed, found.times, ctx, previous is not None)
        value_before_rows(parsed, text, ctx)  # '报废掉的成品批次': the scrapped batches, counted
        state_listed_with_states(parsed, text, ctx)  # '放行、冻结、报废的各有多少批': a state, not the scrap
        amount_of_rows(parsed, text, ctx.layer)  # 'qty of finished batches': their quantity
        unjoined = None if multiple_span(text, parsed, ctx.layer) else unjoined_metrics(parsed, text, ctx.layer,
                                                                                      r.shapes.per)
        # 'what % of the planned quantity became good parts': the ratio the layer declares of the two
        unjoined = ratio_of_pair(parsed.metrics, unjoined, bool(r.shapes.share or r.shapes.per), ctx.layer,
                                 against=said_against(parsed.metric_spans, text))
        if unjoined:  # two metrics named apart, no 'and' between them: which one is asked?
            return self._ask_metric(parsed, unjoined, times, ctx)
        parsed.metrics.extend(count_of_records(previous, parsed.metrics, bool(r.shapes.count), ctx.layer))
        metrics = parsed.metrics or (previous.metrics if previous else [])
        metrics = fit_metrics(metrics, parsed.values, parsed.metric_spans, parsed.matched_text, ctx, parsed.dim_words)
        metrics = counted_times(unit_named(metrics, parsed.metrics, text, ctx.layer), text, ctx.layer)
        filters, stop = self._filters(r, metrics, text, ctx)
        if stop is not None:
            return stop
        # A bare dimension word is the question's subject ("设备平均运行") unless a ranking needs it, or
        # it names what to list ('列出工厂和物料')
        group_by = [d for d in parsed.group_by if keeps_bare(found, parsed, text, d) or d not in parsed.bare_dims
                    or listed_after_verb(text, parsed.dim_words.get(d))]
        dims, dropped = breakdowns(group_by, metrics, filters, ctx.layer, text)
        if dropped and not previous:  # never answer without a breakdown that was asked for
            return Plan(kind="clarify", planner=self.name, not_understood=r.unknown,
                        message=cannot_break_down(metrics, dropped, ctx.layer, ctx.lang))
        time_range, time_grain, periods, compared = time_parts(text, times, found.grain)
        if periods is not None:
            filters.append(periods)
        query = SemanticQuery(metrics=metrics, dimensions=dims, filters=filters, time_range=time_range,
                              time_grain=time_grain, locale="zh" if ctx.lang == "zh" else "en", periods=compared,
                              time_role=time_role(parsed.time_roles, metrics, ctx.layer, text, times),
                              records=None if metrics or previous is None else previous.records)
        query = period_average(query, r.shapes.average, found.grain, ctx.layer, text)
        shaped_query = self._shape(query, r, text, ctx, times)
        if isinstance(shaped_query, Plan):
            return shaped_query
        query = multiple_of_other(period_of_whole(shaped_query, parsed.role_members), parsed, text, ctx.layer)
        if found.threshold and not multiple_span(text, parsed, ctx.layer):  # 'below 2 times X' is placed
            query = apply_threshold(query, found.threshold, parsed, ctx)
        if previous is not None:
            query = merge_previous(previous, query, text, parsed_metrics=bool(parsed.metrics), time_range=time_range,
                                   time_grain=time_grain, dims=dims, layer=ctx.layer, dim_words=parsed.dim_words,
                                   included=parsed.included)
            query = refer_to_shown(query, ctx.session.last_shown, text, ctx.layer, ctx.values, ranked=bool(found.top))
            query = widen_to_parent(query, previous, text, parsed.dim_words, ctx.values)  # 'the whole plant'
            query = with_new_count(query, previous, text)  # 'give me five instead'
        # 'the longest single breakdown': that record, not a figure of them
        listed = ranked_records(query, parsed, text, ctx.layer) if previous is None else None
        if found.top and listed is None:
            query = apply_top(query, found.top, text, ctx)
        query = with_asked_units(listed or query, previous, text, ctx.layer)
        notes = reading_notes(parsed.corrections, dropped, ctx)
        if parsed.guessed:
            notes.insert(0, guess_note(parsed.guessed, ctx))
        left_out = any(f.op == "not in" for f in filters)  # a negation placed as a member left out: read
        r.unknown = [w for w in r.unknown if not (lx.NEGATION.fullmatch(w) and left_out)]
        return Plan(kind="query", planner=self.name, query=query, not_understood=r.unknown, notes=notes,
                    confidence=0.7 if parsed.guessed else 0.6 if r.leftover.names else 0.95)

    def _shape(self, query: SemanticQuery, r: Reading, text: str, ctx: PlanContext,
               times: list[TimeMatch]) -> SemanticQuery | Plan:
        """One metric per another, a share of the total, or the rate a share of a count stands for."""
        parsed, layer = r.parsed, ctx.layer
        query = shaped(query, parsed, r.shapes, layer, text)
        if (stop := shape_stop(query, r.shapes, text, layer, self.name, ctx.lang)) is not None:
            return stop  # periods that are no grain; below: the records, not their count
        # 'suppliers with at least 3 rejected lots': members picked by a figure, as by a ranking
        query = members_over_threshold(query, parsed.dim_words, r.found.threshold is not None, layer)
        ranked = bool(r.found.top) or (r.found.threshold is not None and bool(query.dimensions))
        if (table := records_asked(query, r.shapes, text, layer, parsed.dim_words, ranked=ranked)) is not None:
            r.unknown = [w for w in r.unknown if not LIST_NOUN.fullmatch(w)]  # '清单' was read
            return as_records(query, table, parsed.dim_words, text, layer)
        if query.per and len(parsed.metrics) == 1:  # the figure before 'per' was read from these words
            spec = layer.metric(query.metrics[0])
            forms = " ".join([*spec.synonyms.all(), spec.label.en, spec.label.zh]).lower()
            r.unknown = [w for w in r.unknown if w.lower() not in forms]
        if (own := share_of_own_state(query, r.shapes, layer)) is not None:  # 'what % of POs were late'
            role = time_role(parsed.time_roles, own.metrics, layer, text, times)  # with all the rows counted too
            return own.model_copy(update={"time_role": role or own.time_role})
        rate, options = share_as_rate(query, r.shapes, layer, meaningful_leftovers(r.leftover.ordinary, layer), text)
        if options:  # a share of all lots, with words about which part: one of the rates over them
            return self._ask_metric(parsed, options, times, ctx)
        if rate is not None:
            parsed.guessed = rate
            return query.model_copy(update={"metrics": [rate], "share": [], "filters": [
                f for f in query.filters if f not in part_filters(query, rate, layer)]})
        is_rate = bool(query.metrics) and getattr(
            layer.unit(layer.metric(query.metrics[0]).unit), "kind", None) == "ratio"
        if r.shapes.share and not query.share and not query.per and query.metrics and not is_rate:
            groups = [layer.dimension(d).label.get(ctx.lang) for d in layer.metric_dimensions(query.metrics[0])[:3]]
            return share_of_what(self.name, ctx.lang, layer.metric(query.metrics[0]).label.get(ctx.lang), groups)
        if (rows_share := share_of_rows(query, layer)) is not None:  # 'what share of delivered POs arrived late'
            return rows_share
        if unread_rate(query, r.unknown, layer):  # 'plan hit rate … only the work orders that were finished'
            rates = {m for m in layer.metrics if getattr(layer.unit(layer.metric(m).unit), "kind", None) == "ratio"}
            return self._ask_metric(parsed, guess_metric(r.leftover.ordinary, layer, rates).options[:3], times, ctx)
        return query

    def _filters(self, r: Reading, metrics: list[str], text: str, ctx: PlanContext) -> tuple[list[Filter], Plan | None]:
        """The members named, or the question to ask when one cannot apply or a 'not' was not placed."""
        allowed = None if metrics else records_reach(ctx.session.last_query, ctx.layer)  # 'only the closed ones'
        values = dated_not_members(r.parsed.values, r.parsed.role_members, metrics, ctx.layer)
        filters, problem = member_filters(values, metrics, ctx, r.question, allowed=allowed, grouped=r.parsed.group_by)
        if problem:
            return filters, clarify(self.name, problem.message, problem.choices, not_understood=r.unknown)
        filters = without_whole_kinds(filters, ctx) if lx.TOGETHER.search(text) else filters  # '… together'
        negation = unplaced_negation(text, [*r.found.taken, *r.parsed.taken], filters)
        if negation:
            return filters, unread_negation(self.name, ctx.lang, negation)
        return filters, None

    def _without_metric(self, parsed: Parsed, leftover: Leftover, times: list[TimeMatch], ctx: PlanContext,
                        is_follow_up: bool, text: str, count: tuple[int, int] | None = None) -> Plan | None:
        """No metric named and none to carry over: the one the other words describe when one clearly
        does; else ask with the closest ones, or refuse what the layer does not hold."""
        if parsed.ambiguous_metrics and not parsed.metrics:
            if leftover.pieces:  # '华信的准时交货率': which supplier first; its answer settles the metric
                return None
            return self._ask_metric(parsed, parsed.ambiguous_metrics[0], times, ctx)
        if parsed.metrics or is_follow_up:
            return None
        if (elsewhere := not_recorded(self.name, text, times if not leftover.words else [], ctx)) is not None:
            return elsewhere
        fits = reachable(parsed, ctx.layer)
        unit_metric = average_in_named_unit(fits, text, ctx.layer) or in_named_unit(fits, text, ctx.layer)
        other = unit_of_other(text, leftover.words, ctx.layer) if unit_metric else None  # 'overtime hours'
        counted = None if unit_metric else rows_metric(parsed, text, fits, ctx.layer, count, leftover.words)
        if not leftover.words and unit_metric is None and counted is None:
            return self._no_words_for_a_metric(parsed, fits, times, ctx, text)
        guess = guess_metric(leftover.words, ctx.layer, fits)
        if other or (unit_metric is None and unanswerable_words(leftover.words, ctx.layer)):
            return refuse_unknown(self.name, ctx.layer, ctx.lang, [other] if other else leftover.words)
        if (chosen := unit_metric or guess.taken or counted) is not None:
            parsed.metrics.append(chosen)
            if chosen == unit_metric and (at := unit_span(text, chosen, ctx.layer)) is not None:
                parsed.metric_spans.setdefault(chosen, at)  # 'share of breakdown minutes … from M03'
            parsed.guessed = chosen
            drop_values_of_its_name(parsed, chosen, leftover.words, ctx.layer)  # 'of planned time … running'
            return None
        lacking = [w for w in leftover.lacking if not says_nothing(w, text)]  # 'they', 'export check: …'
        # 'which plant is doing best at the moment?': a kind ranked in everyday words: by which figure?
        ranked = bool(parsed.group_by) and not leftover.names and lx.RANKING_WORD.search(text) is not None
        if guess.worth_asking or not lacking or ranked:
            return self._ask_metric(parsed, guess.options, times, ctx)
        return refuse_unknown(self.name, ctx.layer, ctx.lang, lacking)

    def _no_words_for_a_metric(self, parsed: Parsed, fits: set[str], times: list[TimeMatch], ctx: PlanContext,
                               text: str) -> Plan:  # "how is Ningbo doing?", 'how did we do last week?': which figure?
        if parsed.values or parsed.group_by or times or lx.HOW_DOING.search(text):
            return self._ask_metric(parsed, [m for m in ctx.layer.metrics if m in fits][:4] if len(fits) <= 4
                                    else [], times, ctx)
        return refuse_unknown(self.name, ctx.layer, ctx.lang, [])

    def _ask_metric(self, parsed: Parsed, options: list[str], times: list[TimeMatch], ctx: PlanContext) -> Plan:
        """Ask which metric is meant, keeping what was understood for the answer that follows."""
        plan = clarify_metric(self.name, ctx.layer, ctx.lang, options)
        plan.partial = {"values": parsed.values, "group_by": parsed.group_by, "times": times}
        return plan

    def _known(self, vocab: Vocabulary) -> set[str]:
        if id(vocab) not in self._known_cache:
            self._known_cache[id(vocab)] = vocab.known_words | lx.STOPWORDS_EN | lx.QUESTION_WORDS
        return self._known_cache[id(vocab)]
