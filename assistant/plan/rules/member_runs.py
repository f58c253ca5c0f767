"""Words that together name one member: 'PA66 nylon resin' is the resin 'PA66-GF30 nylon resin', not the nut
whose name opens with 'Nylon' filtered to the resin type. Read piece by piece, each word finds its own term;
read as a run, the words are one member's name when exactly one member's name holds all of them."""

from __future__ import annotations

import re
from typing import Any

from assistant.plan.rules.vocab import Match, Term

_TOKEN = re.compile(r"[a-z0-9]+")
# adjacent, or a few words apart ('ADC12 die-casting alloy'): the name must then hold those words too
_JOIN = re.compile(r"[\s-]*(?:[a-z0-9]+[\s-]+){0,3}")
_WORD_BEFORE = re.compile(r"([a-z0-9]+)[\s-]+$")


def _is_value(m: Match) -> bool:
    return bool(m.terms) and all(t.kind == "value" for t in m.terms) and m.text.isascii()


def one_member_runs(matches: list[Match], text: str, values: Any) -> list[Match]:
    """`matches` with each run of adjacent value matches that one member's name holds merged into a match
    of that member (widened over the unmatched words before it that the name also holds)."""
    members = getattr(values, "members", None)
    if not members or sum(_is_value(m) for m in matches) < 2:
        return matches
    out: list[Match] = []
    i = 0
    while i < len(matches):
        j = i
        while _is_value(matches[i]) and j + 1 < len(matches) and _is_value(matches[j + 1]) \
                and _JOIN.fullmatch(text, matches[j].end, matches[j + 1].start):
            j += 1
        # the longest run from here that one name holds ('ADC12 die-casting alloy', not '… alloy is in Ningbo')
        for k in range(j, i, -1):
            merged = _merged(matches[i:k + 1], text, members, out[-1].end if out else 0)
            if merged is not None:
                out.append(merged)
                i = k + 1
                break
        else:
            out.append(matches[i])
            i += 1
    return out


def _merged(run: list[Match], text: str, members: list[Any], floor: int) -> Match | None:
    start, end = run[0].start, run[-1].end
    words = set(_TOKEN.findall(text[start:end].lower()))
    holders = [m for m in members if _holds(set(_TOKEN.findall(m.label_en.lower())), words)]
    if len(holders) != 1:
        return None
    own = set(_TOKEN.findall(holders[0].label_en.lower()))
    while (before := _WORD_BEFORE.search(text, floor, start)) is not None and _holds(own, {before.group(1)}):
        start = before.start()
    return Match(start, end, text[start:end], [Term("value", holders[0].dimension, member=holders[0])])


def _holds(name: set[str], words: set[str]) -> bool:
    """Every word is a word of the name, or its stem ('die-cast' of 'Die-casting'; four letters or more)."""
    return all(w in name or (len(w) >= 4 and any(n.startswith(w) for n in name)) for w in words)
