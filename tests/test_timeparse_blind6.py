"""Period phrases a fresh blind set (eval/blind6.yaml) showed were dropped or misread.

A bare year after a name ("downtime by month for Chongqing 2025") was dropped without a word,
so the answer covered all dates; "the week of Dec 15" read as the one day.
"""

from __future__ import annotations

import datetime as dt

import pytest

from assistant.understand.timeparse import find_time_ranges

A = dt.date(2025, 12, 31)
D = dt.date


@pytest.mark.parametrize("text, start, end", [
    ("downtime trend by month for Chongqing 2025", D(2025, 1, 1), D(2025, 12, 31)),
    ("energy per unit trend, monthly, chongqing 2025", D(2025, 1, 1), D(2025, 12, 31)),
    ("OEE 2024 by plant", D(2024, 1, 1), D(2024, 12, 31)),
    ("Kindly share OEE for the Ningbo plant for the week of Dec 15", D(2025, 12, 15), D(2025, 12, 21)),
    ("scrap for the week starting Dec 1", D(2025, 12, 1), D(2025, 12, 7)),
    ("w/c 8 Dec 2025", D(2025, 12, 8), D(2025, 12, 14)),
    ("12月15日那周的产量", D(2025, 12, 15), D(2025, 12, 21)),
    ("12月17日所在的周", D(2025, 12, 15), D(2025, 12, 21)),  # a Wednesday: its Monday-to-Sunday week
])
def test_period_read_whole(text: str, start: dt.date, end: dt.date) -> None:
    [match] = find_time_ranges(text, A)
    assert (match.range.start, match.range.end) == (start, end)


@pytest.mark.parametrize("text", ["top 2000 lots", "over 2025 units", "number 2025", "Summer 2025",
                                  "between 2000 and 2020 units", "output on Dec 15 vs Dec 8"])
def test_numbers_and_days_stay_what_they_are(text: str) -> None:
    found = find_time_ranges(text, A)
    assert all(m.range.start == m.range.end for m in found)  # no year, no week
