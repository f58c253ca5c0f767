"""The arithmetic of "why did it change?" on crafted numbers: the parts add up to the change
exactly, for ratio (rate + mix per member), shared-denominator, additive and product metrics;
and a metric's shape is read from its expression in the layer, never from its name."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.explain.why.decompose import (
    additive_split,
    product_split,
    ratio_split,
    rescale,
    shared_base_split,
)
from assistant.explain.why.formula import read_formula
from assistant.explain.why.noise import judge
from semantic_layer.layer import Layer
from semantic_layer.models import LayerSpec

amounts = st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False)
positive = st.floats(min_value=1e-3, max_value=1e6, allow_nan=False, allow_infinity=False)
members = st.dictionaries(st.sampled_from("abcdefgh"), st.tuples(amounts, positive), min_size=1, max_size=8)
loose = st.dictionaries(st.sampled_from("abcdefgh"), st.tuples(amounts, st.one_of(st.just(0.0), positive)),
                       min_size=1, max_size=8)
values = st.dictionaries(st.sampled_from("abcdefgh"), st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
                         min_size=1, max_size=8)


def close(a: float, b: float, scale: float = 1.0) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9 * max(1.0, scale))


# ---------------------------------------------------------------- ratio of sums
def test_ratio_split_on_a_worked_example() -> None:
    """Two members; B's own ratio quadruples and its share grows. By hand (midpoint split):
    R0 = 15/200 = 0.075, R1 = 35/200 = 0.175, R_bar = 0.125.
    A: r 0.1 -> 0.1, w 0.5 -> 0.25: rate 0, mix -0.25 x (0.1 - 0.125) = +0.00625.
    B: r 0.05 -> 0.2, w 0.5 -> 0.75: rate 0.15 x 0.625 = 0.09375, mix 0.25 x (0.125 - 0.125) = 0."""
    split = ratio_split({"A": (10, 100), "B": (5, 100)}, {"A": (5, 50), "B": (30, 150)})
    assert split is not None
    assert close(split.before, 0.075) and close(split.after, 0.175)
    a, b = split.parts
    assert close(a.rate or 0, 0.0) and close(a.mix or 0, 0.00625)
    assert close(b.rate or 0, 0.09375) and close(b.mix or 0, 0.0)
    assert close(a.contribution + b.contribution, 0.1)


@given(members, members)
@settings(max_examples=300, deadline=None)
def test_ratio_parts_add_up_to_the_change(before, after) -> None:
    split = ratio_split(before, after)
    assert split is not None
    total = sum(p.contribution for p in split.parts)
    assert close(total, split.change, scale=abs(split.before) + abs(split.after))
    n0, d0 = sum(n for n, _ in before.values()), sum(d for _, d in before.values())
    assert close(split.before, n0 / d0, scale=split.before)
    for p in split.parts:  # rate + mix is the member's whole part
        assert p.rate is not None and p.mix is not None
        assert close(p.rate + p.mix, p.contribution, scale=abs(p.rate) + abs(p.mix) + abs(p.contribution))


@given(members, members)
@settings(max_examples=200, deadline=None)
def test_rate_and_mix_are_the_midpoint_formulas(before, after) -> None:
    """For a member with a denominator in both periods: rate = d(own ratio) x mean share,
    mix = d(share) x (mean own ratio - mean total ratio)."""
    split = ratio_split(before, after)
    assert split is not None
    d0, d1 = sum(d for _, d in before.values()), sum(d for _, d in after.values())
    r_bar = (split.before + split.after) / 2
    for p in split.parts:
        if p.key not in before or p.key not in after:
            continue
        (n0, e0), (n1, e1) = before[p.key], after[p.key]
        w0, w1 = e0 / d0, e1 / d1
        assert close(p.rate or 0, (n1 / e1 - n0 / e0) * (w0 + w1) / 2, scale=1e6)
        assert close(p.mix or 0, (w1 - w0) * ((n0 / e0 + n1 / e1) / 2 - r_bar), scale=1e6)


@given(loose, loose)
@settings(max_examples=200, deadline=None)
def test_ratio_parts_add_up_with_members_without_a_denominator(before, after) -> None:
    """A member with no denominator in a period (it entered, left, or has a numerator on no base,
    such as run time on a machine with no breakdowns) still leaves the parts adding up."""
    split = ratio_split(before, after)
    if split is None:  # a period with no denominator at all: no ratio to explain
        assert sum(d for _, d in before.values()) == 0 or sum(d for _, d in after.values()) == 0
        return
    assert close(sum(p.contribution for p in split.parts), split.change, scale=abs(split.before) + abs(split.after))


def test_a_member_that_enters_is_all_mix() -> None:
    split = ratio_split({"A": (1, 10)}, {"A": (1, 10), "B": (9, 10)})
    assert split is not None
    entered = next(p for p in split.parts if p.key == "B")
    assert entered.before is None and entered.rate == 0.0 and close(entered.mix or 0, entered.contribution)


def test_no_denominator_in_a_period_is_no_ratio() -> None:
    assert ratio_split({"A": (1, 0)}, {"A": (1, 10)}) is None


# ---------------------------------------------------------------- one shared denominator
@given(st.dictionaries(st.sampled_from("abcdef"), amounts, min_size=1, max_size=6),
       st.dictionaries(st.sampled_from("abcdef"), amounts, min_size=1, max_size=6), positive, positive)
@settings(max_examples=200, deadline=None)
def test_shared_base_parts_add_up(before, after, base0, base1) -> None:
    """A breakdown of the numerator only (defect type) over one denominator (the parts made)."""
    split = shared_base_split(before, after, base0, base1)
    assert split is not None
    assert close(split.before, sum(before.values()) / base0, scale=split.before)
    assert close(sum(p.contribution for p in split.parts), split.change, scale=abs(split.before) + abs(split.after))
    for p in split.parts:
        assert close((p.rate or 0) + (p.mix or 0), p.contribution, scale=abs(p.rate or 0) + abs(p.mix or 0) + 1)


# ---------------------------------------------------------------- additive
@given(values, values)
@settings(max_examples=200, deadline=None)
def test_additive_parts_are_the_differences(before, after) -> None:
    split = additive_split(before, after)
    assert close(sum(p.contribution for p in split.parts), split.change, scale=1e6)
    for p in split.parts:
        assert close(p.contribution, after.get(p.key, 0.0) - before.get(p.key, 0.0), scale=1e6)
        assert p.rate is None and p.mix is None  # rate and mix mean nothing for a sum


# ---------------------------------------------------------------- products
def test_product_split_on_a_worked_example() -> None:
    """OEE 0.9 x 0.8 x 0.95 = 0.684 -> 0.85 x 0.8 x 0.95 = 0.646: only availability moved, so
    all of the -0.038 is availability's."""
    parts = product_split([0.9, 0.8, 0.95], [0.85, 0.8, 0.95])
    assert close(parts[0], 0.85 * 0.8 * 0.95 - 0.9 * 0.8 * 0.95)
    assert parts[1] == 0.0 and parts[2] == 0.0


factors = st.lists(st.floats(min_value=0.01, max_value=10, allow_nan=False), min_size=2, max_size=4)


@given(factors, st.data())
@settings(max_examples=300, deadline=None)
def test_product_parts_add_up(before, data) -> None:
    after = data.draw(st.lists(st.floats(min_value=0.01, max_value=10, allow_nan=False),
                               min_size=len(before), max_size=len(before)))
    parts = product_split(before, after, 2.0)
    change = 2.0 * math.prod(after) - 2.0 * math.prod(before)
    assert close(sum(parts), change, scale=2.0 * (math.prod(after) + math.prod(before)))
    # The order of the factors changes nothing (a sequential split would).
    swapped = product_split(before[::-1], after[::-1], 2.0)
    assert all(close(a, b, scale=abs(change) + 1) for a, b in zip(parts, swapped[::-1], strict=True))


@given(st.lists(st.floats(min_value=-5, max_value=5, allow_nan=False), min_size=2, max_size=4), st.data())
@settings(max_examples=200, deadline=None)
def test_product_parts_add_up_with_zero_or_negative_factors(before, data) -> None:
    """Logs need positive factors; the Shapley split takes over and still adds up."""
    after = data.draw(st.lists(st.floats(min_value=-5, max_value=5, allow_nan=False),
                               min_size=len(before), max_size=len(before)))
    parts = product_split(before, after)
    assert close(sum(parts), math.prod(after) - math.prod(before), scale=1e3)


def test_rescale_keeps_the_parts_adding_up_in_the_new_unit() -> None:
    split = ratio_split({"A": (10, 100), "B": (5, 100)}, {"A": (5, 50), "B": (30, 150)})
    assert split is not None
    parts = rescale(split, 0.5)
    assert close(sum(p.contribution for p in parts), 0.5 * split.change)
    assert [p.before for p in parts] == [p.before for p in split.parts]  # own figures are not parts


# ---------------------------------------------------------------- noise
def test_noise_verdicts() -> None:
    calm = [1.0, 1.1, 1.0, 1.1, 1.0, 1.1, 1.0, 1.1]  # moves 0.1 a period
    assert judge(0.15, calm).verdict == "normal"
    assert judge(0.5, calm).verdict == "unusual"
    assert judge(0.5, calm[-3:]).verdict == "too_few"  # two earlier changes judge nothing
    assert judge(None, calm).verdict == "too_few"
    assert judge(0.5, [1.0, None, 1.1, None, 1.0, None]).verdict == "too_few"  # gaps are not changes


# ---------------------------------------------------------------- shapes from the layer
def _layer(metrics: list[dict]) -> Layer:
    """A layer of one fact table with made-up names: nothing here is the demo's."""
    return Layer(LayerSpec.model_validate({
        "name": "shapes", "label": {"en": "Shapes", "zh": "形状"},
        "tables": [{"name": "facts", "primary_key": ["id"], "time_column": "day",
                    "columns": {"id": "INTEGER", "day": "DATE", "a": "DOUBLE", "b": "DOUBLE", "c": "DOUBLE"}}],
        "measures": [{"name": "sa", "table": "facts", "agg": "sum", "expr": "a"},
                     {"name": "sb", "table": "facts", "agg": "sum", "expr": "b"},
                     {"name": "sc", "table": "facts", "agg": "sum", "expr": "c"},
                     {"name": "top", "table": "facts", "agg": "max", "expr": "a"}],
        "metrics": [{"name": m["name"], "label": {"en": m["name"], "zh": m["name"]}, "description": "x",
                     "formula": m["expr"], "expr": m["expr"], "unit": "count"} for m in metrics],
    }))


@pytest.mark.parametrize("expr,kind", [
    ("sa", "additive"), ("sa - sb", "additive"), ("2 * sa + sb / 4", "additive"),
    ("sa / sb", "ratio"), ("1000000 * sa / sb", "ratio"), ("sa / 60 / sb", "ratio"), ("100 * (sa / sb)", "ratio"),
    ("(sa / sb) * (sb / sc)", "product"), ("(sa / sb) * (sc / sa) * (sb / sc)", "product"),
    ("top", "opaque"), ("sa + 1", "opaque"), ("sa / sb / sc", "opaque"), ("top / sa", "opaque"),
])
def test_shape_is_read_from_the_expression(expr: str, kind: str) -> None:
    layer = _layer([{"name": "m", "expr": expr}])
    assert read_formula(layer, "m").kind == kind


def test_a_products_factors_are_named_after_the_metrics_with_their_expression() -> None:
    layer = _layer([{"name": "x_rate", "expr": "sa / sb"}, {"name": "y_rate", "expr": "sb / sc"},
                    {"name": "xy", "expr": "(sa / sb) * (sb/sc)"}])
    formula = read_formula(layer, "xy")
    assert [f.metric for f in formula.factors] == ["x_rate", "y_rate"]
    assert formula.value({"sa": 2, "sb": 4, "sc": 8}) == pytest.approx(0.25)
    assert formula.factors[0].formula.value({"sa": 2, "sb": 0}) is None  # a zero denominator is no value


def test_the_demo_oee_is_a_product_of_its_three_rates(layer) -> None:
    formula = read_formula(layer, "oee")
    assert formula.kind == "product"
    assert [f.metric for f in formula.factors] == ["availability", "performance", "quality_rate"]
    assert read_formula(layer, "defect_ppm").kind == "ratio"
    assert read_formula(layer, "scrap_count").kind == "additive"



def _walk(node: Any, sums: dict[str, float | None]) -> float | None:
    """The tree walk `formula.evaluate` was before it compiled its trees (the reference)."""
    from sqlglot import exp

    while isinstance(node, exp.Paren):
        node = node.this
    if isinstance(node, exp.Column):
        v = sums.get(node.name)
        return None if v is None else float(v)
    if isinstance(node, exp.Literal):
        return float(node.this)
    if isinstance(node, exp.Neg):
        inner = _walk(node.this, sums)
        return None if inner is None else -inner
    left, right = _walk(node.this, sums), _walk(node.expression, sums)
    if left is None or right is None:
        return None
    ops = {exp.Add: lambda a, b: a + b, exp.Sub: lambda a, b: a - b, exp.Mul: lambda a, b: a * b,
           exp.Div: lambda a, b: None if b == 0 else a / b}
    return ops[type(node)](left, right)


def test_compiled_formulas_compute_what_the_tree_walk_computed() -> None:
    """Issue 17 point 2: formulas are evaluated by functions made once per tree; every operation,
    NULL and zero denominator as the tree walk they replace did it."""
    import random

    import sqlglot

    from assistant.explain.why.formula import compiled, evaluate

    rng = random.Random(17)
    for text in ("a / b", "1e6 * a / (b + c)", "(a - b) / 60 / c", "-(a) * (b / c) * (c / 2)", "a + b - c"):
        node = sqlglot.parse_one(text, read="duckdb")
        for _ in range(200):
            sums: dict[str, float | None] = {k: rng.choice([None, 0.0, -0.0, 1.5, rng.uniform(-5, 5)])
                                             for k in "abc" if rng.random() < 0.9}
            assert evaluate(node, sums) == _walk(node, sums)
            assert compiled(node, zeros=True)(sums) == _walk(node, {k: (v or 0.0) for k, v in sums.items()})
