"""Issue 19, classes of session 16 (each tested in other words than the questions that showed them):
ordinary English words typed with one slip are read as the word (wordfreq is the dictionary); pieces asked
of counted rows; days said as ordinals ('the 29th', '29 dec', 'the first of december')."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from assistant.plan.rules.spelling import mend_spelling
from assistant.understand.timeparse import find_time_ranges

AS_OF = dt.date(2025, 12, 31)


@pytest.mark.parametrize(("typed", "meant"), [
    ("defects per milion parts", "defects per million parts"),
    ("how many peices did we ship", "how many pieces did we ship"),
    ("were the presses actualy down", "were the presses actually down"),
    ("Yesturday's output", "Yesterday's output"),
])
def test_an_unseen_word_one_slip_from_an_everyday_word_is_that_word(typed: str, meant: str) -> None:
    mended, fixes = mend_spelling(typed, set())
    assert mended == meant and fixes, (mended, fixes)


@pytest.mark.parametrize("question", [
    "output of line Pressix last week",  # a capital inside the sentence may be a name
    "how did wrok go",  # four letters: one slip turns too many short words into others
    "scrap at the kesler plant",  # a real (if rare) word: wordfreq has it, so nothing to repair
    "qc status of lot ml-20251",  # ids and hyphenated codes are never words
])
def test_names_short_words_and_ids_are_left_as_typed(question: str) -> None:
    mended, fixes = mend_spelling(question, set())
    assert mended == question and not fixes, (mended, fixes)


def test_the_planners_own_word_wins_over_a_commoner_one() -> None:
    # 'shfit' is one slip from 'shift' and from 'shit'; the plant's word is the likelier one here
    assert mend_spelling("scrap by shfit", {"shift"})[0] == "scrap by shift"


def test_two_readings_about_as_likely_are_not_guessed() -> None:
    # 'bames' is one slip from 'games', 'names', 'james', 'bases', 'barnes' ...
    mended, fixes = mend_spelling("the bames of it", set())
    assert mended == "the bames of it" and not fixes, (mended, fixes)


@pytest.mark.parametrize("question", [
    "defective parts per milion made, by plant, last quarter",
    "how many breakdowns actualy happened last month",
])
def test_a_question_with_an_ordinary_typo_is_answered_and_says_how_it_was_read(pipeline: Any, question: str) -> None:
    answer = pipeline.ask(question)
    assert answer.status == "ok", answer.message
    typed = next(w for w in ("milion", "actualy") if w in question)
    assert f"'{typed}'" in (answer.interpretation or ""), answer.interpretation


@pytest.mark.parametrize(("question", "metrics"), [
    ("batches finished on the 29th of december - how many pieces altogether?", ["batch_quantity"]),
    ("12月29号做出来的成品批次总共多少件", ["batch_quantity"]),
    ("how many finished batches came off the lines on dec 29 and how many pieces was that",
     ["finished_batches_count", "batch_quantity"]),
])
def test_pieces_asked_of_counted_rows_are_their_quantity(pipeline: Any, question: str, metrics: list[str]) -> None:
    """The rows are named, then their pieces are asked: the rows' quantity, not how many rows (or both)."""
    sq = pipeline.ask(question).semantic_query
    assert sq is not None and sq["metrics"] == metrics, sq


@pytest.mark.parametrize("question", [
    "show me the purchase orders that are overdue and still open",
    "list POs which are overdue, meaning still open past the promised date",
])
def test_a_status_said_again_keeps_the_rows_the_metric_picks(pipeline: Any, question: str) -> None:
    """'open' is a status of several kinds; a reading of it that the PO metrics reach is enough, and
    'still' names no metric: the overdue rows, not every open PO."""
    sq = pipeline.ask(question).semantic_query
    assert sq is not None and sq.get("records") == "overdue_po_count", sq


@pytest.mark.parametrize(("text", "start", "end"), [
    ("output on 28 nov", "2025-11-28", "2025-11-28"),
    ("what did we make on the 2nd of december", "2025-12-02", "2025-12-02"),
    ("scrap on the third of november", "2025-11-03", "2025-11-03"),
    ("the first of december", "2025-12-01", "2025-12-01"),  # a day, not the first units of the month
    ("breakdowns since the 20th of november", "2025-11-20", "2025-12-31"),
    ("complaints after the 10th", "2025-12-11", "2025-12-31"),
    ("how much did line 2 make on the 30th?", "2025-12-30", "2025-12-30"),
])
def test_days_said_as_people_say_them(text: str, start: str, end: str) -> None:
    found = find_time_ranges(text, AS_OF)
    assert [(str(t.start), str(t.end)) for t in found] == [(start, end)], found


@pytest.mark.parametrize("text", ["oee on the 3rd shift", "the 2nd line's scrap", "top 5 dec", "we may 3 times"])
def test_ordinals_of_things_and_numbers_before_words_are_no_days(text: str) -> None:
    assert find_time_ranges(text, AS_OF) == [], text


@pytest.mark.parametrize("question", ["total output on the 28th of november", "scrap count since the 1st of december"])
def test_a_day_after_the_is_read_in_a_question(pipeline: Any, question: str) -> None:
    """'the', 'of' are words of the layer's longer names; they never make the day a thing's number."""
    answer = pipeline.ask(question)
    assert answer.status == "ok" and answer.semantic_query["time_range"]["start"] in ("2025-11-28", "2025-12-01"), \
        answer.message
