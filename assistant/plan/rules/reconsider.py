"""A metric read again in the light of the words the first reading left over: 'units shipped' is shipped
quantity, not output; when the other words point at other metrics and none clearly wins, they are offered."""

from __future__ import annotations

import re

from assistant.plan.rules import lexicon as lx
from assistant.plan.rules.matching import Parsed
from assistant.plan.rules.metric_choice import duration_asked, still_counting
from assistant.plan.rules.metric_guess import Guess, guess_metric, meaningful_leftovers, reconsider
from assistant.plan.rules.rates import rates_over
from assistant.plan.rules.records import IDS_ASKED
from assistant.plan.rules.second_metrics import COUNT_PHRASE, holds
from assistant.plan.rules.shape_words import SHARE, share_asked
from assistant.plan.rules.spans import Span
from assistant.plan.rules.steps import reachable
from assistant.plan.rules.unknown import Leftover
from assistant.plan.rules.vocab_build import other_determiners
from semantic_layer.layer import Layer


def _own_words(parsed: Parsed, leftover: Leftover, current: str, text: str, layer: Layer) -> list[str]:
    """The left-over words of the metric's own sentence that may say more about it."""
    # '三个厂各占多少比例': a share word after 占 names the groups' shares of the total, not a rate
    own = [w for w in _in_sentence_of(leftover.ordinary, text, parsed.metric_spans.get(current))
           if not re.search(rf"占[^，,。？?]{{0,6}}{re.escape(w)}", text)]
    if (intro := lx.SELF_INTRO.match(text)) is not None:  # '维修主管想知道：': who asks, no word of the figure
        own = [w for w in own if not 0 <= text.find(w.lower()) < intro.end()]
    if getattr(layer.unit(layer.metric(current).unit), "kind", None) == "ratio":
        own = [w for w in own if not SHARE.fullmatch(w)]  # 'the biggest percentage of …' of a rate: the rate itself
    return own


def _state_of_its_rows(parsed: Parsed, metric: str, layer: Layer) -> bool:
    """A member named is a state of the rows the metric counts (rejected lots of the lot count)."""
    tables = {m.table for m in layer.metric_measures(metric)}
    return len(tables) == 1 and any(layer.dimension(t.ref).table in tables for _m, terms in parsed.values
                                    for t in terms[:1] if t.kind == "value")


def reconsider_metric(parsed: Parsed, leftover: Leftover, layer: Layer, text: str,
                      per: tuple[int, int] | None = None, counted: bool = False, share: bool = False) -> list[str]:
    """'units shipped': a metric that explains the words that named the chosen one and the left-over
    ones (and the breakdowns it cannot take) takes its place (shipped quantity, not output). Returns
    the metrics to offer when left-over words name something of the layer but no metric clearly wins."""
    # '判退的批次占比': a share of the rows in one state is the rate over them (planner._shape), no other figure
    if len(parsed.metrics) != 1 or parsed.guessed or (share and _state_of_its_rows(parsed, parsed.metrics[0], layer)):
        return []
    current = parsed.metrics[0]
    if per is not None and parsed.metric_spans.get(current, (0, 0))[0] >= per[1]:
        return []  # 'quantity per shipment': the metric after 'per' divides; the words before it are the figure
    named_by = parsed.matched_text.get(current, "")
    if COUNT_PHRASE.fullmatch(named_by) and not leftover.ordinary:
        return []  # '各客户…订了多少件': a bare '多少件' and a breakdown say nothing of which pieces
    unreachable = [text[s:e] for d, (s, e) in parsed.dim_words.items() if d not in layer.metric_dimensions(current)]
    own = _own_words(parsed, leftover, current, text, layer)
    # 'Hengtai's open POs - PO number and promised date': the columns asked of each record, not the figure
    asked = IDS_ASKED.search(text, parsed.metric_spans.get(current, (0, 0))[1])
    if asked:
        own = [w for w in own if w.lower() in text[:asked.start()].lower()]
    extra = [*own, *unreachable]
    if (other := _said_apart(parsed, current, named_by, own, text, layer)) is not None:
        parsed.metrics = [other]
        parsed.metric_spans[other] = parsed.metric_spans.pop(current, (0, 0))
        return []
    better = still_counting(reconsider(current, named_by, extra, layer, reachable(parsed, layer)), current, text, layer)
    if better is not None:
        parsed.metrics = [better]
        parsed.metric_spans[better] = parsed.metric_spans.pop(current, (0, 0))
        parsed.guessed = better
        drop_values_of_its_name(parsed, better, extra, layer)
        return []
    meaningful = meaningful_leftovers(own, layer)
    if not meaningful or _named_in_full(current, named_by, layer):
        return []
    # every word the layer says, phrases' own words too ('keeps' of 'keeps breaking down'), weighs the reading
    guess = guess_metric([named_by, *meaningful_leftovers(own, layer, phrases=True)], layer, reachable(parsed, layer))
    # Only when the whole question reads more like another metric ('hours of running time between
    # breakdowns' is MTBF, not the breakdown count); words that fit the chosen metric too change nothing.
    if share and guess.best & {*rates_over(current, layer, part=True), *rates_over(current, layer, part=False),
                               *_terms_of(current, layer)}:
        # 'percent of pieces that came off the machines good': the share's rate, read with the share;
        # 'what proportion of the parts we produced ended up as scrap': the rate of the two figures named
        return []
    if (narrower := _narrower_count(guess.best, current, layer)) is not None:
        parsed.metrics = [narrower]  # '本月完成了多少个工单': the completed work orders, a count of some of those rows
        parsed.metric_spans[narrower] = parsed.metric_spans.pop(current, (0, 0))
        return []
    return duration_asked(parsed, _rivals(guess, current, parsed, counted, layer), text, layer)


def _narrower_count(best: frozenset[str], current: str, layer: Layer) -> str | None:
    """The one best reading, when it counts some of the rows `current` counts (a table keyed like them)."""
    if len(best) != 1 or not _counts(current, layer):
        return None
    other = next(iter(best))
    mine = {m.table for m in layer.metric_measures(current)}
    theirs = {m.table for m in layer.metric_measures(other)}
    if not _counts(other, layer) or "/" in layer.metric(other).expr or len(mine) != 1 or len(theirs) != 1:
        return None
    key = layer.tables[next(iter(mine))].primary_key
    return other if key and layer.tables[next(iter(theirs))].primary_key == key else None


def _rivals(guess: Guess, current: str, parsed: Parsed, counted: bool, layer: Layer) -> list[str]:
    """The metrics to offer beside `current` when the whole question reads more like another."""
    options = guess.options if current not in guess.best else []
    if counted and _counts(current, layer):  # '判退的批次…统计个数': rows counted as asked, no rate offered,
        options = [o for o in options if _counts(o, layer)]  # nor a count of them the member named already picks
        table = layer.metric_measures(current)[0].table
        if any(layer.dimension(t.ref).table == table for _m, terms in parsed.values for t in terms[:1]):
            options = [o for o in options if layer.metric_measures(o)[0].table != table]
    return list(dict.fromkeys([current, *options]))[:3] if options and options[0] != current else []


def drop_values_of_its_name(parsed: Parsed, metric: str, words: list[str], layer: Layer) -> None:
    """'what % of planned time were machines running': 'planned' was read as a work order's status, but it is
    a word of the name ('share of planned time running') the left-over words chose: no filter."""
    spec = layer.metric(metric)
    forms = [f.lower() for f in (spec.label.en, spec.label.zh, *spec.synonyms.en, *spec.synonyms.zh) if f]
    said = [w.lower() for w in words]

    def of_name(value: str) -> bool:
        return any(holds(f, value) and any(holds(f, w) for w in said if w != value) for f in forms)

    parsed.values = [(m, terms) for m, terms in parsed.values if not of_name(m.text.strip().lower())]


def _rows_named_apart(current: str, named_by: str, text: str, read: list[Span], layer: Layer) -> str | None:
    """A count of the same rows that picks some of them, named in two places ('orders … past due' for
    'orders past due'): the words its name adds to the rows' own stand elsewhere in the question, not
    already read as a state (`read`: the rows' name and the members)."""
    table = next(iter({m.table for m in layer.metric_measures(current)}), None)
    if table is None or layer.count_metric(table) != current:
        return None
    chars = list(text.lower())
    for s, e in read:
        chars[s:e] = " " * (e - s)
    rest = "".join(chars)
    own = layer.metric(current)
    rows = {w for f in (named_by, own.label.en, *own.synonyms.en) for w in re.findall(r"[a-z]+", f.lower())}
    found = []
    for spec in layer.spec.metrics:
        refs = layer.metric_measures(spec.name)
        if spec.name == current or len(refs) != 1 or refs[0].table != table or refs[0].agg != "count" \
                or not (refs[0].filter or refs[0].exists):
            continue
        for form in spec.synonyms.en:
            words = [w for w in re.findall(r"[a-z]+", form.lower()) if w not in rows]
            if words and any(w not in lx.STOPWORDS_EN for w in words) \
                    and re.search(r"(?<![a-z])" + r"\s+".join(map(re.escape, words)) + r"(?![a-z])", rest):
                found.append(spec.name)
                break
    return found[0] if len(found) == 1 else None


def _said_apart(parsed: Parsed, current: str, named_by: str, own: list[str], text: str, layer: Layer) -> str | None:
    """Another count of the same rows named in two places ('open customer orders … already past due': the
    overdue ones), or a rate's part whose word stands apart from the whole's ('good calipers … did we make')."""
    spans = [parsed.metric_spans.get(current, (0, 0)), *((m.start, m.end) for m, _t in parsed.values)]
    part = None if share_asked(text) else _part_by_its_word(current, own, layer)  # 'what fraction … good': the rate
    return _rows_named_apart(current, named_by, text, spans, layer) or part


_JOINS = re.compile(r"\b(?:and|plus|vs|versus|with)\b|&", re.I)


def _part_by_its_word(current: str, words: list[str], layer: Layer) -> str | None:
    """'how many good calipers did we make': the word that makes a rate's part of its whole ('good' of
    'good parts', 'good pieces') said beside the whole's verb asks the part. A word the whole's own names
    open with too is no such word (but not 'good and bad', which names the whole by its parts)."""
    if not words:
        return None
    whole = layer.metric(current)
    opens_whole = {f.split()[0].lower() for f in (whole.label.en, *whole.synonyms.en) if f and not _JOINS.search(f)}
    found = set()
    for rate in layer.spec.metrics:
        num, _, den = (x.strip() for x in rate.expr.partition("/"))
        if getattr(layer.unit(rate.unit), "kind", None) != "ratio" or den != whole.expr.strip():
            continue
        for part in (m for m in layer.spec.metrics if m.expr.strip() == num and m.name != current):
            opens = [f.split()[0].lower() for f in (part.label.en, *part.synonyms.en) if f and " " in f.strip()]
            found |= {part.name for w in words if opens.count(w.lower()) >= 2 and w.lower() not in opens_whole}
    return found.pop() if len(found) == 1 else None


def _terms_of(rate: str, layer: Layer) -> set[str]:
    """The metrics a ratio divides (scrap count and output of the scrap rate)."""
    if getattr(layer.unit(layer.metric(rate).unit), "kind", None) != "ratio":
        return set()
    terms = {t.strip() for t in layer.metric(rate).expr.split("/")}
    return {m.name for m in layer.spec.metrics if m.name != rate and m.expr.strip() in terms}


def _counts(metric: str, layer: Layer) -> bool:
    return all(m.agg == "count" for m in layer.metric_measures(metric))


def _in_sentence_of(words: list[str], text: str, span: Span | None) -> list[str]:
    """The words said in the metric's own sentence: '…各多少分钟？维修说这台越来越不稳定' - a later sentence
    comments on the answer (who says what), it does not rename the figure."""
    if span is None:
        return words
    ends = [m.end() for m in lx.SENTENCE_END.finditer(text)]
    start = max((e for e in ends if e <= span[0]), default=0)
    stop = min((e for e in ends if e > span[0]), default=len(text))
    return [w for w in words if w.lower() in text[start:stop].lower()]


def _named_in_full(metric: str, said: str, layer: Layer) -> bool:
    """'plan attainment' said whole: other words ('for urgent work orders') are its context, not a rival.
    One word ('breakdowns') is too little to settle it."""
    spec = layer.metric(metric)
    names = {n.lower() for n in (spec.label.en, spec.label.zh, *spec.synonyms.en, *spec.synonyms.zh)}
    said = said.strip().lower()
    full = said in names or any(v in names for v in other_determiners(said))  # 'under their safety level'
    return full and (len(re.split(r"[\s-]+", said)) >= 2 or (not said.isascii() and len(said) >= 4))
