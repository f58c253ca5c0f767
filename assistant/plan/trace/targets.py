"""Which kind of record a trace question asks for: the one named after 'which', an id's own kind said short,
the kind asked with 'any' / 'every', else the last other kind named; and which way to walk to it."""

from __future__ import annotations

import re
from bisect import bisect_left
from typing import Literal

from assistant.plan.trace import cues
from assistant.plan.trace.mentions import Mention
from assistant.plan.trace.parsed import ParsedQuestion as _Parsed
from semantic_layer.genealogy import GenealogyGraph

# How far after 'which' its node word may stand: a question has a few words between them ('which of
# the other affected customers'); looking further, for every 'which' of a long text, was quadratic.
_WHICH_REACH = 200


def not_the_start(p: _Parsed, graph: GenealogyGraph, node_words: list[Mention], start: str,
                   target: str | None) -> str | None:
    """'LOT-1做出来的成品里，哪些批次…': asked of an id, its own kind ('批次' is also a lot) is the other kind named."""
    if target != start or not p.ids:
        return target
    return next((w.node for w in reversed(node_words) if w.node != start and graph.walkable(w.node or "")), target)


def _gap_ok(text: str, start: int, end: int, zh: bool) -> bool:
    gap = text[start:end].strip()
    if zh:
        return len(gap) <= 3
    return all(w in cues.FILLER_EN for w in gap.replace("'s", "").split())


def _gap_closed(text: str, start: int, end: int, zh: bool) -> bool:
    """No longer gap from `start` can be ok either: too long (Chinese), or (English) a word that is
    no filler stands whole in it, before its last space."""
    gap = text[start:end]
    if zh:
        return len(gap.strip()) > 3
    head = gap[:max(gap.rfind(" "), 0)]
    return any(w not in cues.FILLER_EN for w in head.replace("'s", "").split())


def target_named(p: _Parsed, graph: GenealogyGraph, zh: bool) -> str | None:
    """The node type named right after 'which' ('which customers', '哪条产线'); context nodes count too."""
    nodes = [w for w in p.words if w.kind == "node" and (w.node or "") in graph.nodes]
    starts = [w.start for w in nodes]  # p.words are left to right
    asked: list[str] = []
    for _start, e, _form in p.spans.get("which", []):
        for w in nodes[bisect_left(starts, e):bisect_left(starts, e + _WHICH_REACH)]:
            if _gap_ok(p.text, e, w.start, zh):
                asked.append(w.node or "")
                break
            if _gap_closed(p.text, e, w.start, zh):
                break
    if asked:  # '哪条线、哪张工单做的': the records asked (their table shows the line too)
        return next((n for n in asked if graph.walkable(n)), asked[0])
    found = _each_or_who(p, graph, nodes)
    if found is not None:
        return found
    # '恒泰11月那批让步接收的铝料，做出来的成品批次里…': the records named right after the verb that links them
    for _s, e, form in (p.spans.get("relation", []) if zh else []):
        if not _MAKING.search(form):
            continue  # '相关的成品': related to, not made into
        after = [w for w in nodes if 0 <= w.start - e <= 6 and _MADE_INTO.fullmatch(p.text, e, w.start)]
        if after and graph.walkable(after[0].node or ""):
            return after[0].node
    return None


def _each_or_who(p: _Parsed, graph: GenealogyGraph, nodes: list[Mention]) -> str | None:
    """'per customer, how many pieces shipped out of batches built with lot X': what each figure is for;
    'who received …' asks for the ones to notify; '谁家供的' names the suppliers itself."""
    each = [w.node for w in nodes if _EACH_BEFORE.search(p.text, max(0, w.start - 12), w.start)]
    if len(each) == 1 and graph.walkable(each[0] or ""):
        return each[0]
    who = p.spans.get("who", [])
    if any(not any(w.start <= s < w.end for w in nodes) for s, _e, _f in who) and graph.spec.impact.notify:
        return graph.spec.impact.notify
    inside = [w.node for w in nodes for s, _e, _f in who if w.start <= s < w.end]
    return inside[0] if inside and graph.walkable(inside[0] or "") else None


_EACH_BEFORE = re.compile(r"(?:\bper|\bfor\s+each|\beach|\bby|按|每个|每家|每位|各)\s*$", re.I)
_MADE_INTO = re.compile(r"(?:来|出来|出|成)?(?:了)?的")
_MAKING = re.compile(r"做|制|产|加工|造")  # '做出来的成品批次': what was made, named next
_ANY_BEFORE = re.compile(r"(?:\b(?:any|every|all)\b(?:\s+[\w-]+){0,3}|有没有|有无|所有|全部)\s*$", re.I)


def final_target(p: _Parsed, graph: GenealogyGraph, node_words: list[Mention], start: str,
                  target: str | None) -> str | None:
    """The node asked for, else the last other walkable node named; never the start itself."""
    if target is None:
        others = [w for w in [*node_words, *p.ids] if w.node and graph.walkable(w.node) and w.node != start]
        # 'did any Hengtai lot go into that batch? which one?': the kind asked about with 'any' / 'every'
        asked = [w for w in others if _ANY_BEFORE.search(p.text, max(0, w.start - 40), w.start)]
        target = (asked or others)[-1].node if others else None
    if target is not None and graph.relation(start, target) is None and target == start:
        target = None
    return target


def direction(p: _Parsed, graph: GenealogyGraph, start: str,
               target: str | None) -> Literal["forward", "backward", "both"]:
    """Which way to walk: towards the target when there is one, else as the cue words say."""
    walk_to = graph.walk_target(start, target)  # a line: the work orders it describes
    if walk_to and walk_to != start:
        return graph.relation(start, walk_to) or "both"
    backward, forward = p.has("backward"), p.has("forward")
    return "backward" if backward and not forward else "forward" if forward and not backward else "both"
