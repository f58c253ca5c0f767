"""Explain a metric's change between two periods: `explain_change` returns an `Explanation`.

1. The figure in both periods and over the periods before (`noise`): is the change more
   than its usual movement?
2. Its shape (`formula`): a product is first split across its factors (OEE into
   availability, performance and quality); the factor that moved it most, or the metric
   itself, is then split across the members of every candidate breakdown (`decompose`).
3. The breakdown whose leading member explains the most beyond its size is the driver:
   score = (the member's part of the change, at most all of it) - (its share of the whole).
   A spread change (every member moving with its size) scores near zero; one member carrying
   a change far beyond its size scores near one. Inside its leading member the change is
   split again, one level down (a line's machines) and by the best breakdown of another family
   (a line's defect types), and each is kept when it sharpens the answer.
4. The leading member's own change is judged against its own history: a change within the
   whole's normal variation can still have one member far outside its own.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field

from assistant.core.errors import QueryError
from assistant.explain.why.breakdowns import Splitter, candidates, children, on_facts, related
from assistant.explain.why.decompose import Part, product_split, rescale
from assistant.explain.why.fetch import Fetcher, Incomplete, QueryLog, Runner, Sums
from assistant.explain.why.formula import Formula, Kind, read_formula
from assistant.explain.why.noise import HISTORY, Noise, judge
from assistant.plan.change import Direction, history
from assistant.plan.query import Filter, SemanticQuery, TimeRange

MIN_SCORE = 0.25  # the leading member explains this much beyond its size...
MIN_SHARE = 0.4  # ...and carries at least this share of the change


@dataclass
class Driver:
    """One breakdown's split of a change: parts ordered by how much they moved it its way."""

    dimension: str
    parts: list[Part]
    target: float  # the change the parts add up to
    within: Filter | None = None  # drilled inside this member
    noise: Noise | None = None  # the leading member's own change against its own history

    @property
    def top(self) -> Part:
        return self.parts[0]

    @property
    def share(self) -> float:
        return self.top.contribution / self.target if self.target else 0.0

    @property
    def score(self) -> float:
        return min(self.share, 1.0) - self.top.weight

    def stands_out(self) -> bool:
        return self.score >= MIN_SCORE and self.share >= MIN_SHARE


@dataclass(frozen=True)
class FactorPart:
    metric: str | None  # the layer's metric with the factor's expression, if one has it
    before: float
    after: float
    contribution: float


@dataclass
class Explanation:
    metric: str
    query: SemanticQuery  # the metric and its filters over the later period
    later: TimeRange
    earlier: TimeRange
    chosen: bool  # the earlier period was chosen, not named
    direction: Direction | None
    kind: Kind
    before: float | None
    after: float | None
    noise: Noise
    factors: list[FactorPart] = field(default_factory=list)
    focus: int | None = None  # the factor whose members were looked at (products)
    driver: Driver | None = None
    drills: list[Driver] = field(default_factory=list)  # inside the driver's leading member
    queries: list[QueryLog] = field(default_factory=list)

    @property
    def change(self) -> float | None:
        return None if self.before is None or self.after is None else self.after - self.before


def explain_change(runner: Runner, query: SemanticQuery, later: TimeRange, earlier: TimeRange, *,
                   chosen: bool = True, direction: Direction | None = None) -> Explanation:
    """Why `query`'s first metric (over its filters) moved from `earlier` to `later`."""
    layer = runner.layer
    metric = query.metrics[0]
    formula = read_formula(layer, metric)
    filters = [f for f in query.filters if f.field in layer.dimensions]
    fetcher = Fetcher(runner, metric, filters, query.locale, query.time_role, plain=formula.kind == "opaque")
    past = history(later, HISTORY)
    series = fetcher.series(past)
    sums0 = series[-1] if earlier == past[-1] else fetcher.total(earlier)
    sums1 = fetcher.total(later)
    v0, v1 = _value(formula, metric, sums0), _value(formula, metric, sums1)
    change = None if v0 is None or v1 is None else v1 - v0
    noise = judge(change, [_value(formula, metric, s) for s in series])
    out = Explanation(metric, query.model_copy(update={"time_range": later}), later, earlier, chosen, direction,
                      formula.kind, v0, v1, noise, queries=fetcher.log)
    if change is None or formula.kind == "opaque":
        return out
    focus, target = formula, change
    if formula.kind == "product":
        picked = _factors(out, formula, sums0, sums1)
        if picked is None:
            return out
        focus, target = picked
    splitter = Splitter(layer, focus, fetcher)
    drivers = [d for dim in candidates(layer, metric, filters, query.dimensions)
               if (d := _driver(splitter, dim, earlier, later, target)) is not None]
    if not drivers:
        return out
    out.driver = max(drivers, key=lambda d: d.score)
    out.driver.noise = _member_noise(fetcher, focus, out.driver, past)
    out.drills = _drills(splitter, metric, out.driver, [d.dimension for d in drivers], earlier, later)
    return out


def _value(formula: Formula, metric: str, sums: Sums) -> float | None:
    if formula.kind == "opaque":
        return sums.get(metric)
    return formula.value(sums) if sums else None


def _factors(out: Explanation, formula: Formula, sums0: Sums, sums1: Sums) -> tuple[Formula, float] | None:
    """Split a product across its factors (recorded on `out`); the factor that moved it most its
    way and its part of the change."""
    before = [f.formula.value(sums0) for f in formula.factors]
    after = [f.formula.value(sums1) for f in formula.factors]
    if any(v is None for v in [*before, *after]):
        return None
    f0 = [v for v in before if v is not None]
    f1 = [v for v in after if v is not None]
    parts = product_split(f0, f1, formula.constant)
    out.factors = [FactorPart(f.metric, a, b, c) for f, a, b, c in zip(formula.factors, f0, f1, parts, strict=True)]
    sign = 1.0 if (out.change or 0.0) >= 0 else -1.0
    j = max(range(len(parts)), key=lambda i: parts[i] * sign)
    out.focus = j
    return formula.factors[j].formula, parts[j]


def _driver(splitter: Splitter, dimension: str, earlier: TimeRange, later: TimeRange, target: float,
            within: Filter | None = None) -> Driver | None:
    """The split of `target` by `dimension`. The parts of the formula's own change are scaled to
    add up to `target`: a factor's change to its part of the product's, a member's own change
    to its part of the whole (inside a member, its rate and mix are shared out in proportion)."""
    try:
        split = splitter.split(dimension, earlier, later, [within] if within else None)
    except (Incomplete, QueryError):
        return None  # a breakdown the data cannot give whole is no explanation
    if split is None or len(split.parts) < 2 or split.change == 0:
        return None
    scale = target / split.change
    parts = split.parts if scale == 1.0 else rescale(split, scale)
    sign = 1.0 if target >= 0 else -1.0
    parts.sort(key=lambda p: p.contribution * sign, reverse=True)
    return Driver(dimension, parts, target, within)


def _drills(splitter: Splitter, metric: str, best: Driver, among: list[str], earlier: TimeRange,
            later: TimeRange) -> list[Driver]:
    """Inside the driver's leading member: the best split one level down, and the best of another
    family (a breakdown of the same family as the driver says nothing new), where they stand out."""
    layer = splitter.layer
    if best.top.key is None:
        return []  # rows with no member cannot be picked out by a filter
    inside = Filter(field=best.dimension, values=[_key(best.top.key)])
    below = children(layer, best.dimension, among)
    # Across families only between where and what happened: a line and its defect types, not a
    # machine and the products it happened to make (that is where the breakdowns fell, not why).
    beside = [d for d in among if d not in below and not related(layer, metric, d, best.dimension)
              and (on_facts(layer, metric, d) or on_facts(layer, metric, best.dimension))]
    out = []
    for group in (below, beside):
        found = [d for dim in group
                 if (d := _driver(splitter, dim, earlier, later, best.top.contribution, inside)) is not None]
        standing = [d for d in found if d.stands_out()]
        if standing:
            out.append(max(standing, key=lambda d: d.score))
    return out


def _member_noise(fetcher: Fetcher, focus: Formula, driver: Driver, past: list[TimeRange]) -> Noise | None:
    top = driver.top
    if top.before is None or top.after is None or top.key is None:
        return None
    only = Filter(field=driver.dimension, values=[_key(top.key)])
    try:
        series = fetcher.series(past, [only])
    except (Incomplete, QueryError):
        return None
    return judge(top.after - top.before, [focus.value(s) if s else None for s in series])


def _key(key: Hashable) -> str | int | float:
    return key if isinstance(key, (str, int, float)) else str(key)
