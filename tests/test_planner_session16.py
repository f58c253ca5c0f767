"""Issue 19, classes of session 16 (each tested in other words than the questions that showed them):
ordinary English words typed with one slip are read as the word (wordfreq is the dictionary)."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.plan.rules.spelling import mend_spelling


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
