"""The sentences of an explanation (see `words` for the pieces): first what moved, then why.

Why, in order of what the numbers allow: no data in a period, too few earlier periods to
judge, within normal variation (with a member that moved far outside its own named, if
one did), else the driver and what sharpens it, or that the change is spread out.
"""

from __future__ import annotations

from assistant.explain.why.engine import Driver
from assistant.explain.why.words import Writer, period_words
from assistant.plan.change import grain_of

_BEFORE = {"week": ("the week before", "上一周"), "month": ("the month before", "上个月"),
           "quarter": ("the quarter before", "上一季度"), "year": ("the year before", "上一年")}
_SAME_DAYS = ("the same number of days before", "之前相同天数")
MEMBER_BAND = 3.0  # a member named against a calm whole must be far outside its own movement


def message(w: Writer) -> str:
    first = _what_moved(w)
    second = _why(w)
    return f"{first}{second}" if w.zh else f"{first} {second}".strip()


def _what_moved(w: Writer) -> str:
    ex = w.ex
    name, scope = w.metric_name(), w.scope()
    p1, p0 = period_words(ex.later, w.lang), period_words(ex.earlier, w.lang)
    if w.zh:
        subject = f"{scope}的{name}" if scope else name
        versus = f"与{_before_word(w)}（{p0}）相比" if ex.chosen else f"与{p0}相比"
        if ex.change is None:
            return f"{subject}{p1}{versus}无法比较。"
        verb = "上升" if ex.change > 0 else "下降" if ex.change < 0 else ""
        moved = f"{verb}{w.change(ex.change, signed=False)}" if verb else "持平"
        contrary = _contrary(w)
        lead = f"{subject}{p1}并没有{contrary}，而是{versus}" if contrary else f"{subject}{p1}{versus}"
        return f"{lead}{moved}（{w.value(ex.before)} → {w.value(ex.after)}）。"
    subject = f"{name} for {scope}" if scope else name
    versus = f"compared with {_before_word(w)} ({p0})" if ex.chosen else f"compared with {p0}"
    if ex.change is None:
        return f"{subject} cannot be compared between {p1} and {p0}."
    verb = "rose" if ex.change > 0 else "fell" if ex.change < 0 else ""
    moved = f"{verb} {w.change(ex.change, signed=False)}" if verb else "was unchanged"
    contrary = _contrary(w)
    if contrary:
        return f"{subject} did not {contrary} in {p1}: it {moved} {versus}, from {w.value(ex.before)} " \
               f"to {w.value(ex.after)}."
    return f"{subject} {moved} in {p1} {versus}, from {w.value(ex.before)} to {w.value(ex.after)}."


def _before_word(w: Writer) -> str:
    words = _BEFORE.get(grain_of(w.ex.later) or "", _SAME_DAYS)
    return words[1] if w.zh else words[0]


def _contrary(w: Writer) -> str:
    """The word the question used for a move the figure did not make ('drop'), else ''."""
    ex = w.ex
    if ex.direction is None or ex.change is None:
        return ""
    up = ex.direction == "up" or (ex.direction in ("good", "bad") and (ex.direction == "good") == _higher_better(w))
    if (up and ex.change > 0) or (not up and ex.change < 0):
        return ""
    if w.zh:
        return "上升" if up else "下降"
    return "rise" if up else "drop"


def _higher_better(w: Writer) -> bool:
    return w.layer.metric(w.ex.metric).higher_is_better


def _why(w: Writer) -> str:
    ex = w.ex
    if ex.before is None or ex.after is None:
        missing = period_words(ex.earlier if ex.before is None else ex.later, w.lang)
        return f"{missing}没有数据，无法解释这一变化。" if w.zh else \
            f"There are no data for {missing}, so the change cannot be explained."
    if ex.noise.verdict == "too_few":
        return "之前的数据太少，无法判断这是否超出正常波动，因此不指明原因。" if w.zh else \
            "There are too few earlier periods to tell whether this is more than its usual movement, " \
            "so no cause is named."
    if ex.noise.verdict == "normal":
        return _normal(w)
    return _drivers(w)


def _typical(w: Writer) -> str:
    typical = w.ex.noise.typical or 0.0
    if w.unit is not None and w.unit.name == "count":
        typical = float(round(typical))  # "about 4,497 a month", not 4,497.1 of a count
    return w.change(typical, signed=False)


def _normal(w: Writer) -> str:
    d = w.ex.driver
    calm = f"这在正常波动范围内（通常每{w.unit_word()}变动约{_typical(w)}）" if w.zh else \
        f"That is within its normal variation (it usually moves about {_typical(w)} from one " \
        f"{w.unit_word()} to the next)"
    if d is None or not _outlier(d):
        return f"{calm}，因此不指明单一原因。" if w.zh else f"{calm}, so no single cause is named."
    if w.zh:
        return f"{calm}，但{w.member(d)}明显超出其自身的正常范围（{_focus(w)}{w.own(d)}），" \
               f"贡献了{w.change(d.top.contribution)}。"
    return f"{calm}, but {w.member(d)} moved well outside its own range ({_focus(w)}{w.own(d)}) " \
           f"and accounts for {w.change(d.top.contribution)} of it."


def _outlier(d: Driver) -> bool:
    noise = d.noise
    if noise is None or noise.verdict != "unusual" or not noise.typical or not d.stands_out():
        return False
    top = d.top
    moved = abs((top.after or 0.0) - (top.before or 0.0))
    return moved > MEMBER_BAND * noise.typical


def _focus(w: Writer) -> str:
    """A product's factor the members were compared by, named before their figures."""
    if w.ex.focus is None:
        return ""
    return w.factor_name(w.ex.focus) if w.zh else f"{w.factor_name(w.ex.focus, inside=True)} "


def _drivers(w: Writer) -> str:
    ex = w.ex
    parts: list[str] = []
    if ex.focus is not None:
        factor = ex.factors[ex.focus]
        parts.append(f"其中{w.change(factor.contribution, signed=False)}来自{w.factor_name(ex.focus)}" if w.zh else
                     f"{w.change(factor.contribution, signed=False)} of it comes from "
                     f"{w.factor_name(ex.focus, inside=True)}")
    d = ex.driver
    if d is None:
        return _join(w, parts)
    if not d.stands_out():
        plural = w.dim_name(d.dimension)
        parts.append(f"没有哪个{plural}特别突出，变化大致按规模分布" if w.zh else
                     f"no single {plural} stands out: the change is spread roughly in proportion to size")
        return _join(w, parts)
    lead = f"{w.member(d)}（{_focus(w)}{w.own(d)}，贡献{w.change(d.top.contribution)}）" if w.zh else \
        f"{w.member(d)} ({_focus(w)}{w.own(d)}; {w.change(d.top.contribution)})"
    sharper = [f"{w.member(x)}（{w.change(x.top.contribution)}）" if w.zh else
               f"{w.member(x)} ({w.change(x.top.contribution)})" for x in ex.drills]
    if w.zh:
        text = f"主要来自{lead}" + (f"，其中主要是{'和'.join(sharper)}" if sharper else "")
    else:
        text = f"{_most(d.share, bool(parts))} of {'that' if parts else 'it'} is {lead}" + \
            (f", within it mostly {' and '.join(sharper)}" if sharper else "")
    parts.append(text)
    return _join(w, parts)


def _most(share: float, inside: bool) -> str:
    word = "All" if share >= 0.95 else "Most" if share >= 0.6 else "Much"
    return word.lower() if inside else word


def _join(w: Writer, parts: list[str]) -> str:
    if not parts:
        return ""
    if w.zh:
        return "，".join(parts) + "。"
    text = "; ".join(parts)
    return text[:1].upper() + text[1:] + "."
