"""Issue 19, classes of session 17 (each tested in other words than the questions that showed them):
a level's name said after 'latest' is the snapshot the rows come from; 'the most recent weekly X' is one
record, not a weekly grain."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.plan.rules.spelling import mend_spelling
from assistant.understand.timeparse import find_grain


@pytest.mark.parametrize("question", [
    "in the newest stock take, which materials at which plants sit under their safety level?",
    "going by the most recent monthly stock count, which plant and material pairs are below safety stock",
])
def test_a_level_named_after_latest_is_the_snapshot_not_a_second_figure(pipeline: Any, question: str) -> None:
    answer = pipeline.ask(question)
    assert answer.status == "ok", answer.message
    sq = answer.semantic_query
    assert "on_hand_stock" not in sq["metrics"] and sq["time_grain"] is None, sq
    assert sq.get("records") == "stock_items_below_safety" or sq["metrics"] == ["stock_items_below_safety"], sq


def test_the_latest_stock_level_alone_is_still_the_figure(pipeline: Any) -> None:
    sq = pipeline.ask("what's the latest stock level of PBT-GF30 resin at Ningbo").semantic_query
    assert sq is not None and sq["metrics"] == ["on_hand_stock"], sq


@pytest.mark.parametrize(("text", "grain"), [
    ("the most recent weekly review", None),
    ("our last monthly meeting's numbers", None),
    ("weekly scrap for Ningbo", "week"),
    ("show the monthly output of 2025", "month"),
])
def test_one_record_of_a_recurring_kind_is_no_grain(text: str, grain: str | None) -> None:
    found = find_grain(text)
    assert (found[0] if found else None) == grain, found


@pytest.mark.parametrize(("typed", "meant"), [
    ("split the numbers donw by line", "split the numbers down by line"),
    ("scrap rate frmo last week", "scrap rate from last week"),
])
def test_a_short_word_with_two_letters_swapped_is_the_word(typed: str, meant: str) -> None:
    mended, fixes = mend_spelling(typed, set())
    assert mended == meant and fixes, (mended, fixes)
