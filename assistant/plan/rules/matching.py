"""Read the semantic layer's terms in a question: the metrics, breakdowns and values it names.

Exact forms, Latin typos and Chinese typos are found by the Vocabulary; this module decides
what each match means here (a metric, a value, or a breakdown) and records it in a Parsed.
"""

from __future__ import annotations

import itertools
import re
from bisect import bisect_left
from dataclasses import dataclass, field

from assistant.core.text import fold, has_cjk, word_frequency
from assistant.plan.rules import lexicon as lx
from assistant.plan.rules.enumerated import listed_members, roles_inside
from assistant.plan.rules.extract import Span
from assistant.plan.rules.kind_words import (
    by_before_whole_name,
    each_by_classifier,
    joined_to_marked,
    kind_by_what_it_handles,
    one_of_a_kind,
)
from assistant.plan.rules.member_runs import one_member_runs
from assistant.plan.rules.metric_choice import metric_inside_values
from assistant.plan.rules.one_figure import settle_figures
from assistant.plan.rules.scene import drop_scene_breakdowns, said_in_intro
from assistant.plan.rules.settle import settle_by_members
from assistant.plan.rules.shape_words import COUNT
from assistant.plan.rules.spans import Occupied, Spans
from assistant.plan.rules.vocab import Match, Term, Vocabulary
from assistant.plan.types import PlanContext
from semantic_layer.layer import Layer


@dataclass
class Parsed:
    """What the question's layer terms say, and the spans they cover."""

    metrics: list[str] = field(default_factory=list)
    metric_spans: dict[str, Span] = field(default_factory=dict)
    ambiguous_metrics: list[list[str]] = field(default_factory=list)
    ambiguous_spans: list[tuple[int, int, str]] = field(default_factory=list)  # where each was said
    group_by: list[str] = field(default_factory=list)
    values: list[tuple[Match, list[Term]]] = field(default_factory=list)
    taken: list[Span] = field(default_factory=list)
    included: list[tuple[str, str]] = field(default_factory=list)  # (dimension, key) said to be counted too
    corrections: list[tuple[str, str]] = field(default_factory=list)  # (typed, understood as)
    matched_text: dict[str, str] = field(default_factory=dict)  # metric -> the words that named it
    dim_spans: list[Span] = field(default_factory=list)  # where dimension words stand
    time_roles: list[str] = field(default_factory=list)  # "table.column" of dates the words name ('placed')
    role_members: dict[str, set[str]] = field(default_factory=dict)  # role -> dims its word also names a member of
    dim_words: dict[str, Span] = field(default_factory=dict)  # dimension -> where its word stands
    guessed: str | None = None  # a metric read from the other words, not named (said in the answer)
    bare_dims: set[str] = field(default_factory=set)  # dimension words with no 'by', 'each', '各' before them
    marked_dims: set[str] = field(default_factory=set)  # ... and those asked by one of them somewhere
    worded: list[Span] = field(default_factory=list)  # words a metric took that shape words must not read ('per part')

    def add_metric(self, m: Match, refs: list[str]) -> None:
        """One metric the match names, or several it could mean (asked about unless another is named)."""
        if len(refs) == 1:
            if refs[0] not in self.metrics:
                self.metrics.append(refs[0])
                self.metric_spans[refs[0]] = (m.start, m.end)
                self.matched_text[refs[0]] = m.text.strip()
        else:
            self.ambiguous_metrics.append(refs)
            self.ambiguous_spans.append((m.start, m.end, m.text.strip()))
        self.taken.append((m.start, m.end))


def read_terms(text: str, ctx: PlanContext, vocab: Vocabulary, known: set[str], taken: list[Span],
               question: str | None = None) -> Parsed:
    """The metrics, breakdowns and values the question names outside the `taken` spans."""
    matches = said_in_intro(one_member_runs(_find_matches(text, vocab, known, taken), text, ctx.values), text)
    if question is not None and len(question) == len(text):
        matches = [m for m in matches if not _pronoun_not_code(m, question)]
    # 'complaints broken down by region': the words ask for a breakdown, they name no metric
    matches = _no_occasion_metrics(matches, text, taken)
    occupied = Occupied((m.start, m.end) for m in matches)
    for m in matches:
        _complete_name(m, text, occupied)
    near = _Values(matches)
    out = Parsed(corrections=[(m.text.strip(), _term_label(m.terms[0], ctx)) for m in matches if m.fuzzy])
    value_dims = {t.ref for m in matches for t in m.terms if t.kind == "value"}
    certain = _certain_metrics(matches)
    for m in matches:
        metric_refs = _metric_refs(m, certain, ctx.layer)
        values = [t for t in m.terms if t.kind == "value"]
        dims = [t.ref for t in m.terms if t.kind == "dimension"]
        roles = [t.ref for t in m.terms if t.kind == "time_role"]
        if roles:  # a date's word ('placed', 'completed') may also name a value: both readings stay
            out.time_roles.extend(r for r in roles if r not in out.time_roles)
            out.role_members.update({r: out.role_members.get(r, set()) | {v.ref for v in values} for r in roles})
            out.taken.append((m.start, m.end))
        for d in dims:
            out.dim_words.setdefault(d, (m.start, m.end))
        if metric_refs:
            out.add_metric(m, metric_refs)
            roles_inside(out, m.text, metric_refs, vocab, ctx.layer)
        elif values:
            out.values.append((m, values))
            out.taken.append((m.start, m.end))
        elif dims:
            _add_breakdowns(out, m, dims, text, near, value_dims, ctx.layer)
    _typed_values_asked(out, matches, text, vocab, near)
    _breakdown_opening_metric(out, matches, text, vocab)
    listed_members(out, text, ctx.values)  # 'by crew - Day, Evening and Night'
    drop_scene_breakdowns(out, text)  # '董事会材料里要放：…': the materials the answer goes into
    included = _included_values(out.values, text)
    out.included = [(t.ref, t.member.key) for m, v in out.values if id(m) in included for t in v if t.member]
    out.values = [(m, v) for m, v in out.values if id(m) not in included]
    settle_by_members(out, ctx.layer)
    out.ambiguous_metrics = [opts for opts in out.ambiguous_metrics if not set(opts) & set(out.metrics)]
    settle_figures(out, matches, vocab, ctx.layer, text, taken)
    if not out.metrics and not out.ambiguous_metrics and not _ONLY_THOSE.match(text):  # '只看设备故障的': a filter
        metric_inside_values(vocab, out.values, out.metrics, out.metric_spans, ctx.layer)
    return out


def _no_occasion_metrics(matches: list[Match], text: str, taken: list[Span]) -> list[Match]:
    """Metric words that name no figure asked: 'complaints broken down by region' asks a breakdown;
    'prepping the quality huddle - scrap rate for each line' names the occasion in its opening clause
    when the question names its own figure after it."""
    idioms = [i.span() for i in lx.BROKEN_DOWN_BY.finditer(text)]
    matches = [m for m in matches if not ("metric" in m.kinds and any(s <= m.start and m.end <= e for s, e in idioms))]
    pre = lx.PREAMBLE.match(text) or lx.SELF_INTRO.match(text)  # 'Quality here. Ningbo defect PPM by type'
    # Not when the opening clause names a period ('Ningbo defect mix last month - % by type': the topic,
    # said first), nor when it names members and nothing after it does ('Weida's open POs past the promised
    # date - PO number and date' asks before the dash; what follows lists what to show).
    # ('POs past the promised date - count them per supplier': what follows points back at it, its subject)
    if pre and _POINTS_BACK.match(text, pre.end()):
        pre = None
    if pre and not any(s < pre.end() for s, _ in taken) and _asks_after(matches, text, pre.end()) and (
            not any(m.end <= pre.end() and "value" in m.kinds for m in matches)
            or any(m.start >= pre.end() and m.kinds & {"value", "dimension"} for m in matches)):
        matches = [m for m in matches if not (m.kinds == {"metric"} and m.end <= pre.end())]
    return matches


_POINTS_BACK = re.compile(r"[^?.;]{0,30}\b(?:them|those|these|they|it)\b|[^？。；]{0,12}(?:它们|这些|那些)", re.I)


def _asks_after(matches: list[Match], text: str, at: int) -> bool:
    """After the opening clause the question names its own figure: a metric, or a count of a kind."""
    after = [m for m in matches if m.start >= at]
    return any("metric" in m.kinds for m in after) or (
        COUNT.search(text, at) is not None and any("dimension" in m.kinds for m in after))


_JOINED_MEMBERS = re.compile(r"\s*(?:和|与|跟|、|,|，|/|\+|and|or|&)?\s*", re.I)


def _included_values(values: list[tuple[Match, list[Term]]], text: str) -> set[int]:
    """The ids of the value matches named to include them ('planned stops count too'); members of one kind
    said together before 'both count' ('计划内计划外都算上') are all included."""
    included = {id(m) for m, _v in values if _included_too(m, text)}
    for (a, va), (b, vb) in itertools.pairwise(values):
        if id(b) in included and _JOINED_MEMBERS.fullmatch(text, a.end, b.start) \
                and {t.ref for t in va} & {t.ref for t in vb}:
            included.add(id(a))
    return included


def _included_too(m: Match, text: str) -> bool:
    """'planned stops count too', '计划内的也算上': the member is named to include it, not to filter."""
    # 'including the' is at most 14 characters (the planner reads white space runs as one space):
    # searching the whole text before every value made long questions quadratic.
    return bool(lx.INCLUDED_AFTER.search(text[m.end:m.end + 30])
                or lx.INCLUDED_BEFORE.search(text, max(0, m.start - _INCLUDED_REACH), m.start))


_INCLUDED_REACH = 40  # characters before a value that 'including (the)' can take


def _pronoun_not_code(m: Match, question: str) -> bool:
    """'us' in 'customers who filed with us' is no country code 'US': a short code that is also an
    everyday word is read as the code only when typed in capitals."""
    typed = question[m.start:m.end]
    if not (typed.isascii() and typed.isalpha() and len(typed) <= 3) or typed.isupper():
        return False
    return all(t.kind == "value" for t in m.terms) and word_frequency(typed.lower(), "en") >= 5.5


def _complete_name(m: Match, text: str, occupied: Occupied) -> None:
    """'Kanto Motor' where 'Kanto' names Kanto Motor Corporation: the rest of the typed name is that
    member's too, not a word left over. `occupied` holds every match's span (and takes the new one)."""
    members = {t.member.key: t.member for t in m.terms if t.kind == "value" and t.member}
    if len(members) != 1:
        return
    label = next(iter(members.values())).label_en.lower()
    at = label.find(m.text.lower())
    if at < 0:
        return
    rest, end = label[at + len(m.text):].split(), m.end
    for word in rest:
        # match(text, end), not match(text[end:]): copying the rest of a long question per value was quadratic
        hit = re.compile(rf"\s+{re.escape(word)}\b").match(text, end)
        if hit is None or occupied.overlaps(end, hit.end()):  # m itself ends at or before `end`
            break
        end = hit.end()
    if end > m.end:
        occupied.add(m.end, end)
    m.end, m.text = end, text[m.start:end]


def _breakdown_opening_metric(out: Parsed, matches: list[Match], text: str, vocab: Vocabulary) -> None:
    """'each supplier's on-time delivery rate', '各供应商准时交付率': a metric whose name opens with a
    kind's word, asked with 'each', 'by', '各', is also broken down by that kind."""
    for m in matches:
        before = text[max(0, m.start - 24):m.start]
        if "metric" not in m.kinds or not lx.BY_BEFORE.search(before):
            continue
        if re.search(r"\bwhich\s*$", before) and _counts_rows(m, vocab):
            continue  # 'which customer orders went out late': the orders themselves, not per customer
        words = m.text.split()
        heads = [" ".join(words[:k]) for k in (2, 1) if len(words) > k] if m.text.isascii() \
            else [m.text[:k] for k in (4, 3, 2) if len(m.text) > k]
        for head in heads:
            dims = [t.ref for t in vocab.lookup(head) if t.kind == "dimension"]
            if dims:
                if dims[0] not in out.group_by:
                    out.group_by.append(dims[0])
                    out.dim_words.setdefault(dims[0], (m.start, m.start + len(head)))
                break


def _counts_rows(m: Match, vocab: Vocabulary) -> bool:
    return any(t.kind == "metric" and t.ref in vocab.record_counts for t in m.terms)


def _typed_values_asked(out: Parsed, matches: list[Match], text: str, vocab: Vocabulary, near: _Values) -> None:
    """'which Suzhou CNC machine had the most breakdowns': a value named with its kind's word ('CNC
    machine'), asked with 'which', 'each', '哪': the machines are asked for, of that kind."""
    for m in matches:
        words = m.text.split()
        if "value" not in m.kinds or len(words) < 2 or not _marked(text, m, near):
            continue
        tail = [t.ref for h in vocab.scan(words[-1]) for t in h.terms if t.kind == "dimension"]
        for d in tail[:1]:
            if d not in out.group_by:
                out.group_by.append(d)
                out.dim_words.setdefault(d, (m.start, m.end))


def mend_typos(question: str, ctx: PlanContext, vocab: Vocabulary, known: set[str],
               taken: list[Span]) -> tuple[str, list[tuple[str, str]]]:
    """Rewrite Latin typos of the layer's names into the names ('on-time delivry to customers' ->
    'on-time delivery to customers'), so the whole question is then read as if typed right: a
    repaired word can complete a longer name, and trace questions see it too. Returns the mended
    question and (typed, read as) pairs."""
    text = fold(question)
    fixes: list[tuple[str, str]] = []
    pieces: list[str] = []
    done = 0
    # The repairs never overlap (each token is read once): the question is rebuilt once, left to
    # right, rather than copied whole for every typo.
    repaired = vocab.fuzzy(text, taken, known)
    if has_cjk(text):  # '哪个公单生产的': one character typed by sound, repaired so traces read it too
        repaired += [m for m in vocab.cjk_fuzzy(text, vocab.scan(text, taken), taken) if m.form
                     and not any(a != b and a in _GRAMMAR_CHARS for a, b in zip(m.text, m.form, strict=False))]
    for m in sorted(repaired, key=lambda x: x.start):
        if m.form is None or m.start < done or (not m.form.isascii() and len(m.form) != m.end - m.start):
            continue
        pieces += [question[done:m.start], m.form]
        done = m.end
        fixes.append((m.text.strip(), _term_label(m.terms[0], ctx)))
    return "".join([*pieces, question[done:]]), fixes


# a character of grammar ('各工厂' is no '个工厂' mistyped): only content characters are rewritten in place
_GRAMMAR_CHARS = frozenset("的了是在和与及把被为个各每按哪几多这那吗呢么也都就还又")
_ONLY_THOSE = re.compile(r"^\s*(?:只看|仅看|只要|只算|就看)[^，,。？?]{1,12}的")


def _find_matches(text: str, vocab: Vocabulary, known: set[str], taken: list[Span]) -> list[Match]:
    """Layer terms in the text, left to right: typos first, then exact forms, then Chinese typos."""
    fuzzy = vocab.fuzzy(text, taken, known)
    exact = vocab.scan(text, taken + [(m.start, m.end) for m in fuzzy])
    cjk = vocab.cjk_fuzzy(text, exact + fuzzy, taken)
    if cjk:  # a repaired name replaces whatever exact pieces it overlaps ('电子' inside '韦达电子')
        repaired = Spans((c.start, c.end) for c in cjk)
        exact = [m for m in exact if not repaired.overlaps(m.start, m.end)]
    return sorted(exact + fuzzy + cjk, key=lambda m: m.start)


def _add_breakdowns(out: Parsed, m: Match, dims: list[str], text: str, near: _Values,
                    value_dims: set[str], layer: Layer) -> None:
    """A dimension word: a breakdown, unless it only names a value's type or means the whole set."""
    out.taken.append((m.start, m.end))
    out.dim_spans.append((m.start, m.end))
    # "press machines", "the Ningbo plant": a value of the kind's own table names its type; a value of
    # another table ('Ningbo machines') only narrows the machines
    tables = {layer.dimension(d).table for d in dims}
    described = any(any(t.kind == "value" and layer.dimension(t.ref).table in tables for t in o.terms)
                    for o in near.beside(m))
    if lx.ALL_BEFORE.search(text[max(0, m.start - 16):m.start]) or lx.ALL_COUNTED.match(text, m.end) \
            or _WHOSE.search(text, max(0, m.start - 12), m.start):
        return  # "across all plants", '各种状态都算': one total; 'lines whose machines ran…': the lines
    marked = _marked(text, m, near) or one_of_a_kind(text, m, near, set(dims) & value_dims) \
        or by_before_whole_name(text, m, dims, layer) or kind_by_what_it_handles(m, near, tables, layer) \
        or joined_to_marked(out.marked_dims, out.dim_words, text, m) or each_by_classifier(text, m, dims, layer)
    for d in dims:
        if (d in value_dims or described) and not marked:
            continue  # "the Ningbo plant", "press machines": the word names a value's type
        if d not in out.group_by:
            out.group_by.append(d)
        if marked:
            out.bare_dims.discard(d)  # "line by line": one marked mention is enough
            out.marked_dims.add(d)
        elif d not in out.marked_dims:  # 'ppm per line - only lines that had any': still per line
            out.bare_dims.add(d)


_WHOSE = re.compile(r"\bwhose\s+(?:own\s+)?$", re.I)


def _marked(text: str, m: Match, near: _Values) -> bool:
    """Is the dimension word asked to break down by ('by line', 'which plant', '各工厂', 'line-wise')?"""
    before = text[max(0, m.start - 24):m.start]
    start = min(near.run_start(m.start), m.start)
    if _AGENT_BY.search(text, max(0, start - 24), start):
        return False  # 'energy drawn by the paint cells': who did it, those cells together
    if m.text.startswith(("哪", "which", "各", "每", "按")) or lx.BY_BEFORE.search(before):
        return True
    if lx.RANKED_BEFORE.search(before):
        return True
    # "for each Suzhou line", "which Suzhou CNC machine": the marker may sit before values
    return bool(lx.BY_BEFORE.search(text[max(0, start - 24):start])
                or lx.BY_AFTER.search(text[m.end:m.end + 6]) or _EACH_LATER.match(text, m.end, m.end + 10))


_AGENT_BY = re.compile(r"\b[a-z]+(?:ed|en|wn|de)\s+by\s+(?:the|our|those|these)\s+$", re.I)
# '供应商今年各家的…': a classifier with 各/每 a few characters on stands for the kind just named
_EACH_LATER = re.compile(r"[^，,。？?；;]{0,6}?(?:各|每)(?:家|条|台|位)")


class _Values:
    """The value matches of a question, looked up by where they end: a dimension word asks about its
    neighbours, and scanning (or sorting) every value for every word made long questions quadratic."""

    def __init__(self, matches: list[Match]) -> None:
        values = [o for o in matches if "value" in o.kinds]
        # latest end first, ties in the matches' order (a stable sort, as the walk below always took them)
        self._by_end = sorted(values, key=lambda o: o.end, reverse=True)
        self._neg_ends = [-o.end for o in self._by_end]
        self._by_start = sorted(values, key=lambda o: o.start)
        self._starts = [o.start for o in self._by_start]
        self._run: dict[int, int] = {}

    def beside(self, m: Match) -> list[Match]:
        """Values ending at most 2 characters before `m` or starting at most 2 after it."""
        before = self._by_end[bisect_left(self._neg_ends, -m.start):bisect_left(self._neg_ends, -(m.start - 2) + 1)]
        after = self._by_start[bisect_left(self._starts, m.end):bisect_left(self._starts, m.end + 3)]
        return [*before, *after]

    def run_start(self, start: int) -> int:
        """Where the run of values right before `start` begins (each at most 2 characters before the
        next): taking, latest end first, every value that ends 0-2 characters before the run so far."""
        path: list[int] = []
        while start not in self._run:
            k = bisect_left(self._neg_ends, -start)  # the first value (latest end first) ending by `start`
            if k == len(self._by_end) or start - self._by_end[k].end > 2:
                self._run[start] = start
                break
            path.append(start)
            start = self._by_end[k].start
        found = self._run[start]
        for s in path:
            self._run[s] = found
        return found


def _term_label(t: Term, ctx: PlanContext) -> str:
    """What a term is called in the user's language (for 'read X as Y')."""
    if t.member:
        return t.member.label(ctx.lang)
    if t.kind == "time_role":
        table, _, column = t.ref.partition(".")
        role = next(r for r in ctx.layer.tables[table].time_roles if r.column == column)
        return role.label.get(ctx.lang)
    return (ctx.layer.metric(t.ref) if t.kind == "metric" else ctx.layer.dimension(t.ref)).label.get(ctx.lang)


def _certain_metrics(matches: list[Match]) -> set[str]:
    """Metrics named unambiguously: by a match that means exactly one metric and no value."""
    metric_matches = [m for m in matches if "metric" in m.kinds]
    return {t.ref for m in metric_matches for t in m.terms if t.kind == "metric"
            if len({x.ref for x in m.terms if x.kind == "metric"}) == 1 and "value" not in m.kinds}


def _metric_refs(m: Match, certain: set[str], layer: Layer) -> list[str]:
    """The metrics a match may mean; none when it is also a value the named metrics can filter on."""
    metric_refs = list(dict.fromkeys(t.ref for t in m.terms if t.kind == "metric"))
    values = [t for t in m.terms if t.kind == "value"]
    if metric_refs and values and certain and any(
            all(v.ref in layer.metric_dimensions(c) for c in certain) for v in values):
        return []  # "downtime due to breakdowns": a value, since a metric is already named
    return metric_refs
