"""The trace mentions' form index finds exactly what searching the question once per form finds.

`mentions._Starts` looks each place of a question up by its first two characters instead of
searching the question for every form (thousands of catalogue forms at scale 10); the order of
the hits, and so which overlapping phrase wins, must be the same as the plain search's."""

from __future__ import annotations

import random

import pytest

from assistant.plan.trace import mentions
from assistant.plan.trace.mentions import Occupied, _Starts, find_all, find_phrases

FORMS = ["lot", "lots", "hengtai", "hengtai metals", "恒泰", "恒泰金属", "批次", "批", "b2", "nb-l3", "line 3",
         "3", "金属", "a", "ab", "abc", "bc", "用到", "产线", "产线上"]
PIECES = [*FORMS, " ", "x", "9", "，", "的", "哪些", "-", "l"]


def _plain_phrases(text: str, forms: list[str]) -> list[tuple[int, int, str]]:
    """What find_phrases did before the index: every form, longest first, searched in turn."""
    out: list[tuple[int, int, str]] = []
    taken = Occupied(())
    for form in sorted(set(forms), key=len, reverse=True):
        for s, e in find_all(text, form):
            if not taken.overlaps(s, e):
                taken.add(s, e)
                out.append((s, e, form))
    return sorted(out)


def _texts(n: int) -> list[str]:
    rng = random.Random(17)
    return ["".join(rng.choice(PIECES) for _ in range(rng.randint(1, 12))) for _ in range(n)]


@pytest.mark.parametrize("text", _texts(400))
def test_index_hits_equal_one_search_per_form(text: str) -> None:
    starts = _Starts.of(FORMS)
    plain = sorted((i, s, e) for i, f in enumerate(FORMS) for s, e in find_all(text, f))
    assert starts.hits(text) == plain


@pytest.mark.parametrize("text", _texts(200))
def test_find_phrases_equals_plain_search(text: str) -> None:
    distinct = sorted(set(FORMS), key=lambda f: (-len(f), f))  # no two forms of one length tie in order
    by_len = {len(f) for f in distinct}
    if len(by_len) == len(distinct):
        assert find_phrases(text, distinct) == _plain_phrases(text, distinct)
    else:  # equal lengths: the chosen phrase may differ only among forms of the same length
        got = find_phrases(text, distinct)
        want = _plain_phrases(text, distinct)
        assert [(s, e) for s, e, _ in got] == [(s, e) for s, e, _ in want]


def test_ascii_forms_are_not_found_inside_words() -> None:
    starts = _Starts.of(["lot", "恒泰"])
    assert starts.hits("lots 恒泰金属 pilot lot") == [(0, 16, 19), (1, 5, 7)]


def test_member_index_is_rebuilt_for_another_vocabulary() -> None:
    a = mentions.Vocab((), (("hengtai", object(), None),), (), (), ())
    b = mentions.Vocab((), (("weida", object(), None),), (), (), ())
    assert mentions._member_starts(a).forms == ("hengtai",)
    assert mentions._member_starts(b).forms == ("weida",)


def test_catalogue_fingerprint_follows_new_members() -> None:
    from assistant.understand.catalogue import Member, ValueCatalogue

    values = ValueCatalogue()
    values.add(Member("plant", "SZ", "Suzhou", "苏州", ("SZ", "Suzhou")))
    first = values.fingerprint
    assert values.fingerprint == first
    values.add(Member("plant", "NB", "Ningbo", "宁波", ("NB",)))
    second = values.fingerprint
    assert second != first
    values.members.append(Member("plant", "CQ", "Chongqing", "重庆", ("CQ",)))  # not through add()
    assert values.fingerprint not in (first, second)
