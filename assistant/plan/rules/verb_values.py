"""A state (or a date) said as the verb that puts rows in it (or dates them): 'how many work orders did
we cancel' asks for the cancelled ones, 'orders customers place' are dated by their order date. The layer
names the state ('cancelled'); the question names the act. Left as an unknown everyday word, the verb
would be ignored and every row counted.

Only for a count of one table's rows and a state of that same table: 'how many pieces did we ship' names
no state of the pieces."""

from __future__ import annotations

import re

from assistant.plan.rules.matching import Parsed
from assistant.plan.rules.vocab import Match, Term, Vocabulary
from semantic_layer.layer import Layer

# before the verb: it has not happened ('waiting to ship', 'yet to close', "didn't cancel")
_NOT_DONE = re.compile(r"(?:\bto|\bnot(?:\s+yet)?|n't|\bnever|\byet\s+to|\bwaiting\s+to|\bready\s+to)\s+$", re.I)


def values_said_as_verbs(parsed: Parsed, unknown: list[str], text: str, vocab: Vocabulary,
                         layer: Layer) -> list[str]:
    """Reads unknown verbs naming a state of the counted rows as that state (added to `parsed.values`);
    returns the words still unknown."""
    _metric_said_as_verb(parsed, text, vocab, layer)
    if len(parsed.metrics) != 1 or not unknown:
        return unknown
    metric = parsed.metrics[0]
    tables = {m.table for m in layer.metric_measures(metric)}
    if len(tables) != 1 or layer.count_metric(next(iter(tables))) != metric:
        return unknown
    table = next(iter(tables))
    named = {t.ref for _m, terms in parsed.values for t in terms}
    left: list[str] = []
    for word in unknown:
        terms = _state_of(word, table, vocab, layer) if word.isascii() and word.isalpha() else []
        at = re.search(rf"(?<![A-Za-z]){re.escape(word)}(?![A-Za-z])", text, re.I)
        if at is not None and _NOT_DONE.search(text, max(0, at.start() - 24), at.start()):
            left.append(word)  # 'waiting to ship', 'not yet cancelled': the act is still to come
            continue
        role = _date_of(word, table, vocab) if word.isascii() and word.isalpha() and not terms else None
        if role is not None and at is not None and not parsed.time_roles:
            parsed.time_roles.append(role)  # 'orders customers placed in November': by the order date
            parsed.taken.append(at.span())
            continue
        if not terms or at is None or terms[0].ref in named:
            left.append(word)
            continue
        parsed.values.append((Match(at.start(), at.end(), at.group(0), terms), terms))
        parsed.taken.append(at.span())
        named.add(terms[0].ref)
    return left


# before a plain verb: 'did QC scrap', 'did we cancel'
_AS_VERB = re.compile(r"\b(?:did|do|does|will|would)\s+(?:[a-z]+\s+)?$", re.I)


def _metric_said_as_verb(parsed: Parsed, text: str, vocab: Vocabulary, layer: Layer) -> None:
    """'how many batches did QC scrap': a metric's word used as the verb ('scrap') whose participle is a
    state of the counted rows ('scrapped' batches) is that state, not a second figure."""
    if len(parsed.metrics) != 2:
        return
    for rows, other in (parsed.metrics, parsed.metrics[::-1]):
        tables = {m.table for m in layer.metric_measures(rows)}
        table = next(iter(tables)) if len(tables) == 1 else None
        start, end = parsed.metric_spans.get(other, (0, 0))
        word = text[start:end]
        if table is None or layer.count_metric(table) != rows or not word.isalpha() or not word.isascii() \
                or not _AS_VERB.search(text, max(0, start - 24), start):
            continue
        terms = _state_of(word, table, vocab, layer)
        if terms:
            parsed.metrics.remove(other)
            parsed.metric_spans.pop(other, None)
            parsed.values.append((Match(start, end, word, terms), terms))
            return


def _participles(verb: str) -> tuple[str, ...]:
    verb = verb.lower()
    return (verb + "ed", verb + "d", verb + verb[-1] + "ed", verb[:-1] + "ied" if verb.endswith("y") else "")


def _date_of(verb: str, table: str, vocab: Vocabulary) -> str | None:
    """The one date of `table` the verb's participle names ('place' -> 'placed': the order date)."""
    for form in _participles(verb):
        roles = {t.ref for t in vocab.lookup(form) if t.kind == "time_role" and t.ref.split(".")[0] == table}
        if len(roles) == 1:
            return roles.pop()
    return None


def _state_of(verb: str, table: str, vocab: Vocabulary, layer: Layer) -> list[Term]:
    """The one state of `table` whose name is the verb's past participle ('cancel' -> 'cancelled')."""
    for form in _participles(verb):
        terms = [t for t in vocab.lookup(form) if t.kind == "value" and t.member is not None
                 and layer.dimension(t.ref).table == table]
        if len({(t.ref, t.member.key) for t in terms if t.member}) == 1:
            return terms[:1]
    return []
