"""Chinese public holidays and make-up working days (调休).

Years 2023-2026 use the State Council's published schedules. Other years fall back to a
rule built on the lunar dates below (no make-up days), which is close enough for a demo.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

# year -> (list of (first, last) holiday ranges, list of make-up working days)
_OFFICIAL: dict[int, tuple[tuple[tuple[str, str], ...], tuple[str, ...]]] = {
    2023: (
        (("2023-01-01", "2023-01-02"), ("2023-01-21", "2023-01-27"), ("2023-04-05", "2023-04-05"),
         ("2023-04-29", "2023-05-03"), ("2023-06-22", "2023-06-24"), ("2023-09-29", "2023-10-06"),
         ("2023-12-30", "2023-12-31")),
        ("2023-01-28", "2023-01-29", "2023-04-23", "2023-05-06", "2023-06-25", "2023-10-07", "2023-10-08"),
    ),
    2024: (
        (("2024-01-01", "2024-01-01"), ("2024-02-10", "2024-02-17"), ("2024-04-04", "2024-04-06"),
         ("2024-05-01", "2024-05-05"), ("2024-06-08", "2024-06-10"), ("2024-09-15", "2024-09-17"),
         ("2024-10-01", "2024-10-07")),
        ("2024-02-04", "2024-02-18", "2024-04-07", "2024-04-28", "2024-05-11", "2024-09-14", "2024-09-29",
         "2024-10-12"),
    ),
    2025: (
        (("2025-01-01", "2025-01-01"), ("2025-01-28", "2025-02-04"), ("2025-04-04", "2025-04-06"),
         ("2025-05-01", "2025-05-05"), ("2025-05-31", "2025-06-02"), ("2025-10-01", "2025-10-08")),
        ("2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11"),
    ),
    2026: (
        (("2026-01-01", "2026-01-03"), ("2026-02-15", "2026-02-23"), ("2026-04-04", "2026-04-06"),
         ("2026-05-01", "2026-05-05"), ("2026-06-19", "2026-06-21"), ("2026-09-25", "2026-09-27"),
         ("2026-10-01", "2026-10-07")),
        ("2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"),
    ),
}

# Lunar festivals: year -> (Spring Festival, Dragon Boat, Mid-Autumn) as (month, day).
_LUNAR: dict[int, tuple[tuple[int, int], tuple[int, int], tuple[int, int]]] = {
    2015: ((2, 19), (6, 20), (9, 27)), 2016: ((2, 8), (6, 9), (9, 15)), 2017: ((1, 28), (5, 30), (10, 4)),
    2018: ((2, 16), (6, 18), (9, 24)), 2019: ((2, 5), (6, 7), (9, 13)), 2020: ((1, 25), (6, 25), (10, 1)),
    2021: ((2, 12), (6, 14), (9, 21)), 2022: ((2, 1), (6, 3), (9, 10)), 2027: ((2, 6), (6, 9), (9, 15)),
    2028: ((1, 26), (5, 28), (10, 3)), 2029: ((2, 13), (6, 16), (9, 22)), 2030: ((2, 3), (6, 5), (9, 12)),
    2031: ((1, 23), (6, 24), (10, 1)), 2032: ((2, 11), (6, 12), (9, 19)), 2033: ((1, 31), (6, 1), (9, 8)),
    2034: ((2, 19), (6, 20), (9, 27)), 2035: ((2, 8), (6, 10), (9, 16)),
}


def _rule_based(year: int) -> set[dt.date]:
    """Approximate holiday days for a year without an official schedule here."""
    days: set[dt.date] = {dt.date(year, 1, 1)}
    days |= {dt.date(year, 5, d) for d in range(1, 6)}
    days |= {dt.date(year, 10, d) for d in range(1, 8)}
    days.add(dt.date(year, 4, 4 if year % 4 in (0, 1) else 5))  # Qingming
    lunar = _LUNAR.get(year)
    if lunar is None:  # outside the table: keep the solar holidays, approximate the rest
        lunar = ((2, 5), (6, 10), (9, 20))
    spring = dt.date(year, *lunar[0])
    days |= {spring + dt.timedelta(days=k) for k in range(-1, 7)}
    days.add(dt.date(year, *lunar[1]))
    days.add(dt.date(year, *lunar[2]))
    return days


def holidays_and_makeups(year: int) -> tuple[set[dt.date], set[dt.date]]:
    """Holiday days off and make-up working days for one calendar year."""
    if year in _OFFICIAL:
        ranges, makeups = _OFFICIAL[year]
        off: set[dt.date] = set()
        for first, last in ranges:
            a, b = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
            off |= {a + dt.timedelta(days=k) for k in range((b - a).days + 1)}
        return off, {dt.date.fromisoformat(d) for d in makeups}
    return _rule_based(year), set()


def spring_festival_end(year: int) -> dt.date:
    """Last official day off of the Spring Festival break in a year."""
    off, _ = holidays_and_makeups(year)
    winter = sorted(d for d in off if d.month in (1, 2) and not (d.month == 1 and d.day <= 3))  # skip New Year
    return winter[-1] if winter else dt.date(year, 2, 10)


def day_flags(dates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For datetime64[D] dates: (is_holiday, is_makeup_workday) boolean arrays."""
    years = range(int(str(dates[0])[:4]), int(str(dates[-1])[:4]) + 1)
    off: set[dt.date] = set()
    make: set[dt.date] = set()
    for y in years:
        o, m = holidays_and_makeups(y)
        off |= o
        make |= m
    off_arr = np.array(sorted(off), dtype="datetime64[D]")
    make_arr = np.array(sorted(make), dtype="datetime64[D]")
    return np.isin(dates, off_arr), np.isin(dates, make_arr)
