"""An explanation in one or two sentences, English or Chinese, written for a plant manager:
what moved and by how much between which periods, then what drove it, or that it is within
the figure's normal variation, or that there are too few data to say.

Every noun comes from the layer (metric, factor and breakdown labels) or the data (member
names); the sentences know no domain words.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass

from assistant.core.units import format_value
from assistant.explain.periods import period_label, range_words
from assistant.explain.sentences import mid_sentence
from assistant.explain.why.engine import Driver, Explanation
from assistant.plan.change import grain_of
from assistant.plan.query import TimeRange
from semantic_layer.layer import Layer
from semantic_layer.models import UnitSpec

Labeller = Callable[[str, Hashable], str]  # (dimension, key) -> the member's name

_UNIT_WORDS = {"week": ("week", "周"), "month": ("month", "月"), "quarter": ("quarter", "季度"),
               "year": ("year", "年")}
_PERIOD_WORD = ("period", "期")


def period_words(period: TimeRange, lang: str) -> str:
    """'W52 2025', 'November 2025', '2025年第4季度', '1–28 Dec 2025'."""
    if grain_of(period) == "week":
        return period_label(period.start, "week", lang)
    return range_words(period.start, period.end, lang)


def amount(value: float, unit: UnitSpec | None, lang: str, *, signed: bool = True, decimals: int | None = None) -> str:
    """A change as people read it: ratios in points ("-0.38 pp", "-0.38个百分点"), others in the
    metric's unit ("+1,120.8 ppm"), with enough decimals not to print a real change as zero."""
    sign = ("+" if value > 0 else "-" if value < 0 else "") if signed else ""
    if unit is not None and unit.kind == "ratio":
        points = abs(value) * 100
        places = decimals if decimals is not None else point_decimals(points)
        return f"{sign}{points:.{places}f}{'个百分点' if lang == 'zh' else ' pp'}"
    return sign + format_value(abs(value), unit, lang)


def point_decimals(points: float) -> int:
    """1 decimal for a point or more, 2 from a tenth, 3 below."""
    return 1 if points >= 0.95 else 2 if points >= 0.095 else 3


@dataclass
class Writer:
    layer: Layer
    ex: Explanation
    lang: str
    label: Labeller

    @property
    def zh(self) -> bool:
        return self.lang == "zh"

    @property
    def unit(self) -> UnitSpec | None:
        return self.layer.unit(self.layer.metric(self.ex.metric).unit)

    def metric_name(self) -> str:
        return self.layer.metric(self.ex.metric).label.get(self.lang)

    def focus_unit(self) -> UnitSpec | None:
        """The unit of the figure the members were compared by (a product's factor, or the metric)."""
        factor = self.ex.factors[self.ex.focus] if self.ex.focus is not None else None
        name = factor.metric if factor is not None else None
        return self.layer.unit(self.layer.metric(name).unit) if name else self.unit

    def factor_name(self, index: int, *, inside: bool = False) -> str:
        """A product's factor by the layer's name for it; `inside` a sentence in English lower case."""
        name = self.ex.factors[index].metric
        if name:
            text = self.layer.metric(name).label.get(self.lang)
            return mid_sentence(text) if inside and not self.zh else text
        return f"第{index + 1}个因子" if self.zh else f"factor {index + 1}"

    def dim_name(self, dimension: str) -> str:
        text = self.layer.dimension(dimension).label.get(self.lang)
        return text if self.zh else mid_sentence(text)

    def scope(self) -> str:
        """The members the question was about: 'Suzhou Line 2' / 'Ningbo, CNC'."""
        names = [self.label(f.field, v) for f in self.ex.query.filters if f.op in ("in", "=")
                 and f.field in self.layer.dimensions for v in f.values]
        return ("、" if self.zh else ", ").join(names)

    def value(self, v: float | None, unit: UnitSpec | None = None) -> str:
        """A figure, with as many decimals as the change needs to show (1.44% -> 1.54%, not 1.4% -> 1.5%)."""
        unit = unit or self.unit
        places = self._decimals()
        if v is None or unit is None or unit.kind != "ratio" or places is None or places <= 1:
            return format_value(v, unit, self.lang)
        return f"{v * 100:.{places}f}%"

    def change(self, v: float, *, signed: bool = True) -> str:
        return amount(v, self.unit, self.lang, signed=signed, decimals=self._decimals())

    def _decimals(self) -> int | None:
        unit = self.unit
        if unit is None or unit.kind != "ratio" or self.ex.change is None:
            return None
        return point_decimals(abs(self.ex.change) * 100)

    def unit_word(self) -> str:
        words = _UNIT_WORDS.get(grain_of(self.ex.later) or "", _PERIOD_WORD)
        return words[1] if self.zh else words[0]

    def member(self, driver: Driver) -> str:
        name = "（无）" if self.zh else "(none)"
        if driver.top.key is not None:
            name = self.label(driver.dimension, driver.top.key)
        return f"{self.dim_name(driver.dimension)}{name}" if self.zh else f"{self.dim_name(driver.dimension)} {name}"

    def own(self, driver: Driver) -> str:
        """The leading member's own figures, '2.2% → 3.3%', in the unit it was compared by."""
        top = driver.top
        if top.before is None or top.after is None:
            return ""
        unit = self.focus_unit()
        return f"{self.value(top.before, unit)} → {self.value(top.after, unit)}"
