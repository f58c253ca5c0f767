"""Numbers on charts: value axes with ticks we choose, labels precise enough to be distinct.

Vega picks ticks and formats on its own only when told a format; a fixed format such as ".1%"
then prints 1.4%, 1.4%, 1.4% for ticks 0.0138, 0.0140, 0.0142, and "s" prints 300m for 0.30.
So the ticks are computed here (d3's 1-2-5 steps), and the format follows from the step: every
tick label is distinct by construction. Texts written on the chart (bar ends, tooltips, the
change per member) are formatted here too, with the fewest decimals that keep different values
apart. Nothing here uses SI prefixes: a manager reads 0.30, not 300m.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.explain.headline import change_words
from semantic_layer.models import UnitSpec

MAX_EXTRA_DECIMALS = 1  # more would print 1.656% for a manager; the change line tells close values apart
ZERO_NEAR = 0.5  # a ratio whose smallest value is under half its largest keeps zero in view
# Large numbers are written in the reader's own grouping: millions in English, 万/亿 in Chinese.
_BIG = {"en": ((1e6, "M"),), "zh": ((1e8, "亿"), (1e4, "万"))}
BIG_FROM = 1e6


@dataclass(frozen=True)
class ValueAxis:
    """A value scale's domain and the axis that goes with it (explicit ticks, one format)."""

    domain: tuple[float, float]
    ticks: list[float]
    format: str  # d3 format of every tick
    label_expr: str | None = None  # set when large numbers are written as "3M" / "300万"


def nice_ticks(lo: float, hi: float, count: int) -> list[float]:
    """About `count` round ticks covering [lo, hi], d3-style (steps of 1, 2 or 5 times 10^k)."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        lo, hi = 0.0, 1.0
    if hi < lo:
        lo, hi = hi, lo
    if hi == lo:  # one value: give it room around it instead of a zero-width scale
        pad = abs(hi) * 0.1 or 1.0
        lo, hi = lo - pad, hi + pad
    step = tick_step(lo, hi, count)
    start, stop = math.floor(lo / step + 1e-9), math.ceil(hi / step - 1e-9)
    places = decimals_of_step(step) + 2
    return [round(i * step, places) for i in range(start, stop + 1)]


def tick_step(lo: float, hi: float, count: int) -> float:
    raw = (hi - lo) / max(count, 1)
    power = 10 ** math.floor(math.log10(raw))
    error = raw / power
    factor = 10 if error >= math.sqrt(50) else 5 if error >= math.sqrt(10) else 2 if error >= math.sqrt(2) else 1
    return factor * power


def decimals_of_step(step: float) -> int:
    """Decimals that tell ticks `step` apart: 0.02 -> 2, 0.5 -> 1, 20 -> 0."""
    return max(0, -math.floor(math.log10(step) + 1e-9))


def is_amount(values: Sequence[float], unit: UnitSpec | None) -> bool:
    """Counts and sums (whole numbers, or money): their size from zero is what a reader compares."""
    if unit is not None and unit.kind == "ratio":
        return False
    if unit is not None and (unit.name == "count" or unit.kind == "money"):
        return True
    return bool(values) and all(v >= 0 and float(v).is_integer() for v in values)


def zero_baseline(values: Sequence[float], unit: UnitSpec | None, *, amounts: bool = True) -> bool:
    """Whether a line or scatter axis starts at zero (bars always do).

    Counts and sums start at zero: cut off, a 5% dip looks like a collapse. A ratio starts at
    zero when its values are already near it (the smallest under half the largest), so the
    picture is not stretched; a ratio in a narrow band far from zero (OEE 78-84%) and averages
    such as kWh per unit follow the data, with ticks precise enough to read the band. A scatter
    (`amounts=False`) shows how two figures go together, not their sizes: zero only when near."""
    if not values:
        return True
    lo, hi = min(values), max(values)
    if lo < 0:
        return False
    if (unit is not None and unit.kind == "ratio") or not amounts:
        return lo <= ZERO_NEAR * hi
    return is_amount(values, unit)


def value_axis(values: Sequence[float], unit: UnitSpec | None, lang: str, *, zero: bool, count: int,
               headroom: float = 1.0) -> ValueAxis:
    """Domain, ticks and format for `values`. `headroom` widens the domain but not the ticks, so
    the text after the longest bar fits and no tick claims a value beyond the data's round top
    (a ratio's scale may reach past 100% for its labels; its ticks stop at 100%)."""
    finite = [v for v in values if v is not None and math.isfinite(v)]
    lo, hi = (min(finite), max(finite)) if finite else (0.0, 1.0)
    if zero:
        lo, hi = min(lo, 0.0), max(hi, 0.0)
    ticks = nice_ticks(lo, hi, count)
    top = max(ticks[-1], hi * headroom) if hi > 0 else ticks[-1]
    domain = (ticks[0], top)
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    ratio = unit is not None and unit.kind == "ratio"
    if ratio:
        return ValueAxis(domain, ticks, f".{decimals_of_step(step * 100)}%")
    plain = f",.{decimals_of_step(step)}f"
    biggest = max(abs(ticks[0]), abs(ticks[-1]))
    if biggest < BIG_FROM:
        return ValueAxis(domain, ticks, plain)
    size, word = next((s, w) for s, w in _BIG.get(lang, _BIG["en"]) if biggest >= s)
    scaled = f",.{decimals_of_step(step / size)}f"
    # Zero is "0", not "0M": it is the same in every grouping.
    expr = f"datum.value == 0 ? '0' : format(datum.value / {size:.0f}, '{scaled}') + '{word}'"
    return ValueAxis(domain, ticks, plain, expr)


def base_decimals(values: Sequence[float], unit: UnitSpec | None) -> int:
    """The precision `assistant.core.units.format_value` uses, read for a whole column."""
    if unit is not None and unit.kind == "ratio":
        return 1
    if unit is not None and unit.decimals is not None:
        return unit.decimals
    if all(float(v).is_integer() for v in values):
        return 0
    return 1 if min((abs(v) for v in values), default=0) >= 10 else 2


def text_decimals(values: Sequence[float | None], unit: UnitSpec | None) -> int:
    """One precision for every value written on a chart: the table's, plus one decimal when
    that would print two different values alike (1.39% and 1.44% are not both "1.4%")."""
    numbers = [v for v in values if v is not None and math.isfinite(v)]
    decimals = base_decimals(numbers, unit)
    for extra in range(MAX_EXTRA_DECIMALS + 1):
        seen: dict[str, float] = {}
        for v in numbers:
            text = _number(v, unit, "en", decimals + extra, False)
            if seen.setdefault(text, v) != v:
                break
        else:
            return decimals + extra
    return decimals + MAX_EXTRA_DECIMALS


def value_texts(values: Sequence[float | None], unit: UnitSpec | None, lang: str, *,
                suffix: bool = False) -> list[str]:
    """Each value as written on the chart, at `text_decimals`; "—" for no value."""
    decimals = text_decimals(values, unit)
    return [_number(v, unit, lang, decimals, suffix) for v in values]


def _number(value: float | None, unit: UnitSpec | None, lang: str, decimals: int, suffix: bool) -> str:
    if value is None or not math.isfinite(value):
        return "—"
    if unit is not None and unit.kind == "ratio":
        return f"{_unsigned_zero(value * 100, decimals):.{decimals}f}%"
    text = f"{_unsigned_zero(value, decimals):,.{decimals}f}"
    if not suffix or unit is None:
        return text
    prefix = unit.prefix.get(lang)
    if prefix and text.startswith("-"):
        return f"-{prefix}{text[1:]}{unit.suffix.get(lang)}"
    return f"{prefix}{text}{unit.suffix.get(lang)}"


def _unsigned_zero(value: float, decimals: int) -> float:
    """-0.0004 printed with 1 decimal is "-0.0": a value that rounds to zero has no sign."""
    return 0.0 if round(value, decimals) == 0 else value


def change_text(before: float | None, after: float | None, unit: UnitSpec | None, lang: str, *,
                decimals: int = 1) -> str:
    """The change from one period to the next, worded as the answer's sentence words it
    (`headline.change_words`: "+0.1 pp", "+7.0%", "unchanged"/"持平", never "-0.0 pp").

    Ratios written with more decimals beside the bars (1.41% -> 1.46%) get their change at
    that precision ("+0.04 pp"), not "unchanged"; a change from zero is the amount ("+12").
    "" when a period has no value."""
    if before is None or after is None or not (math.isfinite(before) and math.isfinite(after)):
        return ""
    ratio = unit is not None and unit.kind == "ratio"
    if ratio and decimals > 1:
        points = (after - before) * 100
        if round(points, decimals) == 0:
            return change_words(after, after, unit, lang)  # the sentence's word for no change
        return f"{points:+.{decimals}f}" + ("个百分点" if lang == "zh" else " pp")
    if not ratio and before == 0:
        diff = after - before
        return f"{diff:+,.{base_decimals([after], unit)}f}" + (unit.suffix.get(lang) if unit else "")
    return change_words(after, before, unit, lang)


def unit_title(label: str, unit: UnitSpec | None, lang: str) -> str:
    """A chart title that names the unit the axis is in, unless the label already does
    ("Energy per unit (kWh/unit)", but "Downtime minutes" and "MTBF (hours)" stay as they are)."""
    if unit is None or unit.kind == "ratio" or unit.name == "count":
        return label
    suffix = unit.suffix.get(lang).strip() or unit.prefix.get(lang).strip()  # "($)" for a prefixed unit
    words = {suffix, unit.label.get(lang)} - {""}
    if not suffix or any(_names(label, w) for w in words):
        return label
    return f"{label}（{suffix}）" if lang == "zh" else f"{label} ({suffix})"


def _names(label: str, word: str) -> bool:
    if re.search(r"[\u4e00-\u9fff]", word):
        return word in label
    return re.search(rf"(?<![A-Za-z]){re.escape(word)}(?![A-Za-z])", label, re.IGNORECASE) is not None
