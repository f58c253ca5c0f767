"""Building the planner's vocabulary from a semantic layer and its value catalogue: every name,
synonym, member form, date word (time roles, with their plain verbs) and short name becomes a
Term of the Vocabulary that `vocab.Vocabulary.scan` then finds in questions."""

from __future__ import annotations

import re

from assistant.core.text import key as normalize
from assistant.plan.rules.vocab import Term, Vocabulary
from assistant.understand.catalogue import Member, ValueCatalogue, short_names
from semantic_layer.layer import Layer


def _parent_removed_forms(member: Member, catalogue: ValueCatalogue, dim: str) -> list[str]:
    """'Ningbo Line 3' minus another dimension's member 'Ningbo' -> 'Line 3'; '宁波3号线' -> '3号线'."""
    out: list[str] = []
    for label in {member.label_en, member.label_zh}:
        norm = normalize(label)
        for other_form, others in catalogue.by_form.items():
            if len(other_form) < 2 or other_form == norm or not norm.startswith(other_form):
                continue
            if any(o.dimension != dim for o in others):
                rest = norm[len(other_form):].strip(" -")
                if len(rest) >= 2:
                    out.append(rest)
    return out


def singular(form: str) -> str | None:
    """'sales orders' -> 'sales order', 'batches' -> 'batch': the last English word without its plural
    ending (None when it has none), so a form declared in the plural also matches the singular."""
    if not form.isascii() or not form[-1:].isalpha():
        return None
    if re.match(r"(?:number|count|total|amount) of ", form, re.I):
        return None  # 'number of customers' takes no singular: 'number of customer complaints' is another thing
    head, _, last = form.rpartition(" ")
    low = last.lower()
    if len(low) <= 3 or not low.endswith("s") or low.endswith(("ss", "us", "is")):
        return None
    stem = last[:-2] if low.endswith(("ches", "shes", "xes", "sses")) else last[:-1]
    return f"{head} {stem}".strip()


def _add_with_singular(vocab: Vocabulary, forms: list[str], term: Term, *, every: bool = False) -> None:
    """The forms, and the singular of plural ones: of every form for things counted by row
    ('shipments' -> 'shipment'), else only of several-word forms ('sales orders' -> 'sales order'):
    a single plural word often has a singular of its own meaning ('units' is not 'unit')."""
    for form in forms:
        vocab.add(form, term)
    for form in forms:
        for other in other_determiners(form):
            if normalize(other) not in vocab.forms:
                vocab.add(other, term)
    for form in forms:
        one = singular(form)
        if one and (every or " " in one) and normalize(one) not in vocab.forms:
            vocab.add(one, term)
        many = _plural(form) if term.kind == "dimension" and " " in form else None
        if many and normalize(many) not in vocab.forms:  # 'complaint issue' -> 'complaint issues'
            vocab.add(many, term)


_DETERMINERS = ("the", "its", "their", "our", "your")


def other_determiners(form: str) -> list[str]:
    """'under its safety level' -> 'under their / the / our safety level': a name's determiner is
    said as any of them ('sit under their safety level')."""
    words = form.split()
    if len(words) < 3 or not form.isascii():
        return []
    at = [i for i, w in enumerate(words) if w.lower() in _DETERMINERS]
    if len(at) != 1 or at[0] in (0, len(words) - 1):
        return []
    i = at[0]
    return [" ".join([*words[:i], d, *words[i + 1:]]) for d in _DETERMINERS if d != words[i].lower()]


def _plural(form: str) -> str | None:
    if not form.isascii() or not form[-1:].isalpha() or singular(form) is not None or form.endswith("s"):
        return None
    return form + ("es" if form.lower().endswith(("x", "ch", "sh")) else "s")


def build_vocabulary(layer: Layer, catalogue: ValueCatalogue) -> Vocabulary:
    vocab = Vocabulary()
    for metric in layer.spec.metrics:
        term = Term("metric", metric.name)
        names = [metric.name, metric.name.replace("_", " "), metric.label.en, metric.label.zh]
        tables = {m.table for m in layer.metric_measures(metric.name)}
        counts_rows = any(layer.count_metric(t) == metric.name for t in tables)
        _add_with_singular(vocab, [*names, *metric.synonyms.all()], term, every=counts_rows)
    for dim in layer.spec.dimensions:
        term = Term("dimension", dim.name)
        _add_with_singular(vocab, [dim.name.replace("_", " "), dim.label.en, dim.label.zh, *dim.synonyms.all()], term)
    roles = _add_time_roles(vocab, layer)
    for member in catalogue.members:
        term = Term("value", member.dimension, member)
        for form in member.forms:
            vocab.add(form, term)
        label = member.label_en
        if label.isascii() and label[-1:].isalpha() and (" " in label or len(label) > 4 or label.isupper()):
            # English plurals of names: "front brake calipers", "gear sets".
            vocab.add(label + ("es" if label.lower().endswith(("s", "x", "ch", "sh")) else "s"), term)
        kind = layer.dimension(member.dimension)
        kind_words = {w for f in (kind.label.en, *kind.synonyms.en) for w in normalize(f).split()}
        kind_zh = [normalize(f) for f in (kind.label.zh, *kind.synonyms.zh) if f]
        for form in _parent_removed_forms(member, catalogue, member.dimension):
            said = normalize(form)
            if said in kind_words or any(said in f for f in kind_zh) \
                    or any(t.kind == "metric" for t in vocab.forms.get(said, [])):
                continue  # 'Paint defect' less 'paint' is 'defect' ('涂装缺陷' less '涂装': '缺陷'): the kind's word
            vocab.add(form, Term("value", member.dimension, member, partial=True))
    _add_lettered(vocab, layer, catalogue)
    _add_value_sets(vocab, layer, catalogue)
    vocab.entity_dims = {d.name for d in layer.spec.dimensions if d.key and d.key != d.column}
    vocab.record_counts = {c for t in layer.tables if (c := layer.count_metric(t))}
    _add_short_names(vocab, catalogue)
    _add_initialisms(vocab, catalogue)
    _add_plain_verbs(vocab, roles)
    vocab.compile()
    return vocab


def _add_value_sets(vocab: Vocabulary, layer: Layer, catalogue: ValueCatalogue) -> None:
    """A set's words name all of its values at once, before a single value of the same dimension said
    the same way ('open complaints' are the open and the investigated ones; 'status open' is one)."""
    for dim in layer.spec.dimensions:
        for vs in dim.value_sets:
            members = [m for m in catalogue.members if m.dimension == dim.name and m.key in vs.values]
            if not members:
                continue  # none of its values is in the data: the words name nothing here
            group = vs.en or vs.zh or vs.forms()[0]
            for form in vs.forms():
                bucket = vocab.forms.setdefault(normalize(form), [])
                if len(normalize(form)) < 2:
                    continue
                # The set first; a single value said the same way stays for 'status open' (filters.py).
                bucket[:0] = [Term("value", dim.name, m, group=group) for m in members]


def _add_time_roles(vocab: Vocabulary, layer: Layer) -> list[tuple[str, Term]]:
    roles: list[tuple[str, Term]] = []
    for table in layer.spec.tables:
        for role in table.time_roles:
            term = Term("time_role", f"{table.name}.{role.column}")
            vocab.add_all([role.label.en, role.label.zh, *role.synonyms.all()], term)
            roles += [(form, term) for form in role.synonyms.all()]
    return roles


def _add_plain_verbs(vocab: Vocabulary, roles: list[tuple[str, Term]]) -> None:
    """'did each line complete': the plain verb of 'completed' names the date too (after the values,
    so that beside a status of the same word both readings stay)."""
    for form, term in roles:
        for base in _plain_verbs(form):
            if all(t.kind in ("value", "time_role") for t in vocab.forms.get(normalize(base), [])):
                vocab.add(base, term)


def _plain_verbs(form: str) -> list[str]:
    """'completed' -> complete, 'finished' -> finish, 'shipped' -> ship, 'closed out' -> close out:
    the plain forms of a past tense (the first word of a phrase)."""
    verb, _, rest = form.partition(" ")
    if not verb.isascii() or not verb.endswith("ed") or len(verb) < 6 - (2 if rest else 0):
        return []
    stem = verb[:-2]
    out = [verb[:-1], stem]
    if len(stem) > 2 and stem[-1] == stem[-2]:
        out.append(stem[:-1])
    return [f"{o} {rest}".strip() for o in out]


def _add_initialisms(vocab: Vocabulary, catalogue: ValueCatalogue) -> None:
    """'Zhongtian NEV' for 'Zhongtian New Energy Vehicles', 'Jinling EV': a name's first word with the
    initials of the rest, as people abbreviate company names (only where the form is free)."""
    for member in catalogue.members:
        if member.dimension not in vocab.entity_dims:
            continue
        words = member.label_en.split()
        rest = [w for w in words[1:] if w[:1].isupper()]
        if len(words) < 3 or len(rest) != len(words) - 1 or not words[0].isalpha():
            continue
        form = f"{words[0]} {''.join(w[0] for w in rest)}"
        if normalize(form) not in vocab.forms:
            vocab.add(form, Term("value", member.dimension, member))


def _add_short_names(vocab: Vocabulary, catalogue: ValueCatalogue) -> None:
    """Short names of entities ('Hengtai', '恒泰') that mean nothing else in this vocabulary."""
    entity = [m for m in catalogue.members if m.dimension in vocab.entity_dims]
    for short, member in short_names(entity).items():
        if short not in vocab.forms:
            vocab.add(short, Term("value", member.dimension, member))


def _add_lettered(vocab: Vocabulary, layer: Layer, catalogue: ValueCatalogue) -> None:
    """'shift C', 'C shift': a member whose id is one letter is named with its kind's word beside it (alone
    the letter is just a letter). 'a shift' stays an article: the lower-case form is not added before."""
    for member in catalogue.members:
        if len(member.key) != 1 or not member.key.isalpha():
            continue
        kind = layer.dimension(member.dimension)
        term = Term("value", member.dimension, member)
        for word in {normalize(f) for f in (kind.label.en, *kind.synonyms.en) if f and " " not in f.strip()}:
            vocab.add(f"{word} {member.key.lower()}", term)
            if member.key.lower() not in ("a", "i"):
                vocab.add(f"{member.key.lower()} {word}", term)
