"""Words of the opening clause that set the scene ('董事会材料里要放：', 'for the materials review:'):
a kind named there is where the answer goes, not a breakdown of it, when the question names its
figure after the clause."""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.plan.rules import lexicon as lx

if TYPE_CHECKING:
    from assistant.plan.rules.matching import Parsed
    from assistant.plan.rules.vocab_match import Match


def drop_scene_breakdowns(out: Parsed, text: str) -> None:
    """Take away the bare breakdowns said only in an opening clause that ends in a colon or a dash."""
    pre = lx.PREAMBLE.match(text)
    if pre is None or not out.metric_spans or any(s < pre.end() for s, _ in out.metric_spans.values()):
        return
    scene = {d for d, (s, e) in out.dim_words.items() if e <= pre.end() and d in out.bare_dims
             and text.find(text[s:e], pre.end()) < 0}
    # ('设备科想看一下：…前三台': with no breakdown of its own after the clause, the kind may be the one ranked)
    if not any(s >= pre.end() for d, (s, _e) in out.dim_words.items() if d in out.group_by):
        return
    out.group_by = [d for d in out.group_by if d not in scene]
    out.bare_dims -= scene


def said_in_intro(matches: list[Match], text: str) -> list[Match]:
    """The matches, less values only guessed in a self-introduction ('Scheduler again.' is no 'scheduled'):
    who asks may name a member ('CQ plant mgr:'), but only in its own words."""
    intro = lx.SELF_INTRO.match(text)
    if intro is None:
        return matches
    def guessed(m: Match) -> bool:
        forms = {f.lower() for t in m.terms if t.member is not None for f in t.member.forms}
        return m.end <= intro.end() and "value" in m.kinds and m.text.strip().lower() not in forms
    return [m for m in matches if not guessed(m)]
