"""Splitting a change into parts that add up to it exactly. Pure arithmetic: no SQL, no layer.

Ratio of sums, R = N / D = sum(n_i) / sum(d_i) over the members i of one breakdown. With
a_i = n_i / D (the member's part of R), w_i = d_i / D (its share of the denominator),
r_i = n_i / d_i (its own ratio) and a bar for the mean of the two periods:

    contribution_i = delta(a_i) - R_bar * delta(w_i)
    rate_i         = delta(r_i) * w_bar_i                 (its own ratio moved)
    mix_i          = delta(w_i) * (r_bar_i - R_bar)       (its share of the denominator moved)

This is the symmetric (midpoint) rate/mix split: delta(w r) = delta(r) w_bar + delta(w) r_bar
holds exactly, and since the shares add up to 1 in both periods, sum(delta(w_i)) = 0, so
subtracting R_bar * delta(w_i) changes no total while making a member's mix part say whether
more weight moved onto a member better or worse than the average. Hence rate_i + mix_i =
contribution_i and sum(contribution_i) = R_after - R_before, exactly. A member without a
denominator in one period has no ratio there: its whole contribution is mix (it entered or
left) or, with no denominator in either period, rate (numerator on no base).

A breakdown that splits only the numerator (defect type splits defects, not the parts made)
shares one denominator: contribution_i = delta(n_i / D) = delta(n_i) * mean(1/D) (rate: its
own count) + mean(n_i) * delta(1/D) (mix: the common base moved).

Additive metrics: contribution_i = v_i_after - v_i_before; no rate or mix.

Products, V = c * F_1 * ... * F_k: the logarithmic mean Divisia index (LMDI),
    contribution_j = L(V_before, V_after) * ln(F_j_after / F_j_before),
L(x, y) = (y - x) / (ln y - ln x) (= x when x = y). The logs of the factors' ratios add up
to ln(V_after / V_before), so the parts add up to V_after - V_before exactly, in any order of
factors. With a zero or negative factor the logs do not exist: the Shapley split (each
factor's change averaged over every order of changing them) is used instead, also exact.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

Key = Hashable


@dataclass(frozen=True)
class Part:
    """One member's share of a change. `before`/`after` are its own figure (ratio or value)."""

    key: Key
    before: float | None
    after: float | None
    contribution: float
    rate: float | None = None
    mix: float | None = None
    weight: float = 0.0  # its average share of the whole (denominator, numerator or value)


@dataclass(frozen=True)
class Split:
    before: float
    after: float
    parts: list[Part]

    @property
    def change(self) -> float:
        return self.after - self.before


def ratio_split(before: Mapping[Key, tuple[float, float]], after: Mapping[Key, tuple[float, float]]) -> Split | None:
    """Members' (numerator, denominator) in each period -> rate and mix parts; None when a
    period's total denominator is zero (the ratio does not exist there)."""
    n0, d0 = _totals(before)
    n1, d1 = _totals(after)
    if d0 == 0 or d1 == 0:
        return None
    r0, r1 = n0 / d0, n1 / d1
    r_bar = (r0 + r1) / 2
    parts = []
    for key in _keys(before, after):
        a, b = before.get(key, (0.0, 0.0)), after.get(key, (0.0, 0.0))
        w0, w1 = a[1] / d0, b[1] / d1
        own0 = a[0] / a[1] if a[1] else None
        own1 = b[0] / b[1] if b[1] else None
        contribution = (b[0] / d1 - a[0] / d0) - r_bar * (w1 - w0)
        if own0 is not None and own1 is not None:
            rate = (own1 - own0) * (w0 + w1) / 2
        else:
            rate = contribution if a[1] == 0 and b[1] == 0 else 0.0
        parts.append(Part(key, own0, own1, contribution, rate, contribution - rate, (w0 + w1) / 2))
    return Split(r0, r1, parts)


def shared_base_split(before: Mapping[Key, float], after: Mapping[Key, float], base_before: float,
                      base_after: float) -> Split | None:
    """Members split the numerator only, over one common denominator per period."""
    if base_before == 0 or base_after == 0:
        return None
    n0, n1 = sum(before.values()), sum(after.values())
    inv_bar = (1 / base_before + 1 / base_after) / 2
    parts = []
    for key in _keys(before, after):
        a, b = before.get(key, 0.0), after.get(key, 0.0)
        contribution = b / base_after - a / base_before  # first, not as rate + mix: no cancellation
        rate = (b - a) * inv_bar
        weight = ((a / n0 if n0 else 0.0) + (b / n1 if n1 else 0.0)) / 2
        parts.append(Part(key, a / base_before, b / base_after, contribution, rate, contribution - rate, weight))
    return Split(n0 / base_before, n1 / base_after, parts)


def additive_split(before: Mapping[Key, float], after: Mapping[Key, float]) -> Split:
    """Members' values in each period -> their differences."""
    t0, t1 = sum(before.values()), sum(after.values())
    s0, s1 = sum(abs(v) for v in before.values()), sum(abs(v) for v in after.values())
    parts = []
    for key in _keys(before, after):
        a, b = before.get(key, 0.0), after.get(key, 0.0)
        weight = ((abs(a) / s0 if s0 else 0.0) + (abs(b) / s1 if s1 else 0.0)) / 2
        parts.append(Part(key, a, b, b - a, weight=weight))
    return Split(t0, t1, parts)


def product_split(before: Sequence[float], after: Sequence[float], constant: float = 1.0) -> list[float]:
    """Each factor's part of the change of constant * prod(factors): LMDI, or Shapley when a
    factor is not positive. The parts add up to the product's change exactly."""
    v0 = constant * math.prod(before)
    v1 = constant * math.prod(after)
    if all(x > 0 for x in [*before, *after]) and v0 > 0 and v1 > 0:
        weight = _log_mean(v0, v1)
        return [weight * (math.log(b) - math.log(a)) for a, b in zip(before, after, strict=True)]
    return _shapley(before, after, constant)


def _log_mean(x: float, y: float) -> float:
    if math.isclose(x, y, rel_tol=1e-12):
        return x
    return (y - x) / (math.log(y) - math.log(x))


def _shapley(before: Sequence[float], after: Sequence[float], constant: float) -> list[float]:
    k = len(before)
    parts = [0.0] * k
    orders = list(itertools.permutations(range(k)))
    for order in orders:
        current = list(before)
        for j in order:
            was = constant * math.prod(current)
            current[j] = after[j]
            parts[j] += constant * math.prod(current) - was
    return [p / len(orders) for p in parts]


def _totals(members: Mapping[Key, tuple[float, float]]) -> tuple[float, float]:
    return sum(n for n, _ in members.values()), sum(d for _, d in members.values())


def _keys(before: Mapping[Key, object], after: Mapping[Key, object]) -> list[Key]:
    return list(dict.fromkeys([*before, *after]))


def rescale(split: Split, factor: float) -> list[Part]:
    """Parts in another unit (a factor's parts in the product's change): every number that adds
    up is multiplied, the members' own figures stay as they are."""
    return [Part(p.key, p.before, p.after, p.contribution * factor,
                 None if p.rate is None else p.rate * factor, None if p.mix is None else p.mix * factor, p.weight)
            for p in split.parts]
