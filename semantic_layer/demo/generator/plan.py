"""The production plan: working calendar, shift pattern per line, work orders, story anchors.

Everything here is small (lines x days) and computed up front, so the chunked fact
generators can stream month by month without looking back.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from . import names as N
from .dimensions import Dims
from .holidays import day_flags, spring_festival_end
from .util import SECONDS_PER_DAY, STREAM_PLAN, STREAM_STORY, day_seconds, rng_for, to_day

HORIZON_DAYS = 21  # plan beyond end_date so there are future ('planned') work orders
# Demand season by month (Jan..Dec): Spring Festival dip, summer lull, autumn peak (金九银十).
SEASON = np.array([1.0, 0.80, 0.95, 0.97, 0.97, 1.0, 0.92, 0.95, 1.05, 1.10, 1.12, 1.08])
# Per plant: season level needed for Saturday A, Saturday B and weekday night (C) shifts.
SHIFT_RULES: dict[str, tuple[float, float, float]] = {
    "SZ": (0.95, 1.08, 0.0),
    "NB": (1.05, 9.0, 0.95),
    "CQ": (1.00, 9.0, 1.08),
}
PLANT_IDLE: dict[str, float] = {"SZ": 0.010, "NB": 0.014, "CQ": 0.022}
RUN_LENGTHS = np.array([1, 2, 2, 3, 3, 3, 4, 4, 5])


@dataclass
class Plan:
    """Calendar, shift pattern and work orders; day indices count from the window start."""

    start: dt.date
    end: dt.date
    n_days: int
    n_ext: int
    dates: np.ndarray  # datetime64[D], n_ext
    holiday: np.ndarray
    season: np.ndarray
    planned: np.ndarray  # (lines, n_ext, 3) bool; shift order A, B, C
    first_shift: np.ndarray  # (lines, n_ext) earliest planned shift in clock order, -1 if none
    p_idle: np.ndarray  # (plants, n_ext)
    wo_of: np.ndarray  # (lines, n_ext) work order index or -1
    wo_line: np.ndarray
    wo_product: np.ndarray
    wo_first_day: np.ndarray
    wo_last_day: np.ndarray
    wo_planned_start: np.ndarray  # epoch seconds
    wo_planned_end: np.ndarray
    wo_planned_qty: np.ndarray
    wo_priority: np.ndarray
    wo_cancelled: np.ndarray
    wo_story1: np.ndarray
    wo_ids: list[str]
    story2_machine: int  # -1 when the window is too short
    story2_from_day: int
    story2_breakdowns: np.ndarray  # (n_ext, 3) planted breakdown minutes for the story machine
    energy_mult: np.ndarray  # (plants, n_ext)

    def chunks(self) -> list[tuple[int, int]]:
        """Calendar-month day ranges [d0, d1) covering the window."""
        months = self.dates[: self.n_days].astype("datetime64[M]")
        cuts = np.nonzero(np.diff(months.astype(np.int64)))[0] + 1
        bounds = [0, *cuts.tolist(), self.n_days]
        return list(pairwise(bounds))


def _shift_pattern(dims: Dims, dates: np.ndarray, holiday: np.ndarray, makeup: np.ndarray,
                   season: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Planned shifts per line and day, plus the post-Spring-Festival ramp-up flag."""
    weekday = (dates.astype(np.int64) - 4) % 7  # 1970-01-01 was a Thursday; 0 = Monday
    workday = ((weekday < 5) & ~holiday) | makeup
    saturday = (weekday == 5) & ~holiday & ~makeup
    ramp = np.zeros(len(dates), dtype=bool)
    years = range(int(str(dates[0])[:4]), int(str(dates[-1])[:4]) + 1)
    for y in years:  # workers trickle back in the week after the Spring Festival break
        sf_end = np.datetime64(spring_festival_end(y).isoformat(), "D")
        ramp |= (dates > sf_end) & (dates <= sf_end + 7)
    planned = np.zeros((len(dims.line_ids), len(dates), 3), dtype=bool)
    for li in range(len(dims.line_ids)):
        sat_a, sat_b, night = SHIFT_RULES[dims.plant_ids[dims.line_plant[li]]]
        planned[li, :, 0] = workday | (saturday & (season >= sat_a) & ~ramp)
        planned[li, :, 1] = workday | (saturday & (season >= sat_b) & ~ramp)
        planned[li, :, 2] = workday & ~ramp & (season >= night)
    return planned, ramp


def _planned_end_seconds(day: int, shifts: np.ndarray, dates: np.ndarray) -> int:
    """End of the last planned shift of a day, in epoch seconds."""
    base = int(day_seconds(dates[day : day + 1])[0])
    if shifts[1]:
        return base + SECONDS_PER_DAY
    return base + (16 if shifts[0] else 8) * 3600


def build_plan(dims: Dims, seed: int, end: dt.date, days: int) -> Plan:
    """Lay out calendar, shifts and work orders for the window ending at `end`."""
    rng = rng_for(seed, STREAM_PLAN)
    start = end - dt.timedelta(days=days - 1)
    n_ext = days + HORIZON_DAYS
    dates = to_day(start) + np.arange(n_ext)
    holiday, makeup = day_flags(dates)
    season = SEASON[dates.astype("datetime64[M]").astype(np.int64) % 12]
    planned, ramp = _shift_pattern(dims, dates, holiday, makeup, season)
    n_lines = len(dims.line_ids)
    # Clock order within a day is C (00-08), A (08-16), B (16-24).
    first_shift = np.where(planned[:, :, 2], 2, np.where(planned[:, :, 0], 0, np.where(planned[:, :, 1], 1, -1)))
    p_idle = np.array([PLANT_IDLE[p] + np.maximum(0.0, 1.0 - season) * 0.35 + 0.2 * ramp for p in dims.plant_ids])

    # Work orders: runs of 1-5 line-working days; a break of more than 5 days starts a new one.
    story_line = dims.line_ids.index(N.STORY1_LINE)
    end_i = days - 1
    s1_from, s1_to = end_i - 50, end_i - 42
    story_prods = [int(np.nonzero(np.array(dims.product_ids) == p)[0][0]) for p in N.STORY1_PRODUCTS]
    wo_line, wo_prod, wo_first, wo_last, wo_story = [], [], [], [], []
    wo_of = np.full((n_lines, n_ext), -1, dtype=np.int32)
    for li in range(n_lines):
        work_days = np.nonzero(planned[li].any(axis=1))[0]
        prods = dims.line_products[li]
        weights = np.linspace(1.6, 0.7, len(prods))
        prev = -1
        i = 0
        while i < len(work_days):
            length = int(rng.choice(RUN_LENGTHS))
            j = i + 1
            while j < len(work_days) and j - i < length and work_days[j] - work_days[j - 1] <= 5:
                j += 1
            first = int(work_days[i])
            is_story = li == story_line and s1_from <= first <= s1_to and days >= 60
            if is_story:
                prod = story_prods[0] if prev != story_prods[0] else story_prods[1]
            else:
                odds = np.where(prods == prev, 0.0, weights)
                prod = int(rng.choice(prods, p=odds / odds.sum()))
            wo_line.append(li)
            wo_prod.append(prod)
            wo_first.append(first)
            wo_last.append(int(work_days[j - 1]))
            wo_story.append(is_story)
            prev = prod
            i = j

    n_sched = len(wo_line)
    n_cancel = max(1, round(0.025 * n_sched))
    c_line = rng.integers(0, n_lines, n_cancel)
    c_first = rng.integers(0, n_ext - 5, n_cancel)
    c_len = rng.integers(1, 4, n_cancel)
    for k in range(n_cancel):
        wo_line.append(int(c_line[k]))
        wo_prod.append(int(rng.choice(dims.line_products[c_line[k]])))
        wo_first.append(int(c_first[k]))
        wo_last.append(int(c_first[k] + c_len[k] - 1))
        wo_story.append(False)
    wo_line_a = np.array(wo_line, dtype=np.int32)
    wo_prod_a = np.array(wo_prod, dtype=np.int32)
    wo_first_a = np.array(wo_first, dtype=np.int32)
    wo_last_a = np.array(wo_last, dtype=np.int32)
    cancelled = np.arange(len(wo_line)) >= n_sched

    day_sec = day_seconds(dates)
    start_hour = np.array([8, 16, 0])
    pstart = np.empty(len(wo_line), dtype=np.int64)
    pend = np.empty(len(wo_line), dtype=np.int64)
    qty = np.empty(len(wo_line), dtype=np.int64)
    mean_ct_factor = np.array([dims.m_ct_factor[dims.m_line == li].mean() for li in range(n_lines)])
    for w in range(len(wo_line)):
        li, f, l_ = wo_line_a[w], wo_first_a[w], wo_last_a[w]
        fs = first_shift[li, f]
        pstart[w] = day_sec[f] + (start_hour[fs] if fs >= 0 else 8) * 3600
        pend[w] = _planned_end_seconds(l_, planned[li, l_], dates) if planned[li, l_].any() else day_sec[l_] + 16 * 3600
        shifts = max(int(planned[li, f : l_ + 1].sum()), 1)
        per_shift = 480 * 60 / (dims.p_ct[wo_prod_a[w]] * mean_ct_factor[li]) * dims.line_n_machines[li]
        qty[w] = max(10, int(round(shifts * per_shift * 0.80, -1)))  # plan at a typical 80% OEE
        if not cancelled[w]:
            wo_of[li, f : l_ + 1] = np.where(planned[li, f : l_ + 1].any(axis=1), w, wo_of[li, f : l_ + 1])
    priority = rng.choice(len(N.PRIORITIES), size=len(wo_line), p=N.PRIORITY_PROBS)

    # Final order and ids: by planned start, then line, scheduled before cancelled.
    order = np.lexsort((cancelled, wo_line_a, pstart))
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    wo_of = np.where(wo_of >= 0, rank[np.maximum(wo_of, 0)], -1).astype(np.int32)
    wo_ids = [f"WO-{i + 1:06d}" for i in range(len(order))]

    story2_machine, s2_from, planted = _story2(dims, seed, planned, days, n_ext)
    energy_mult = _story3(dims, dates, start, end, days)
    return Plan(
        start=start, end=end, n_days=days, n_ext=n_ext, dates=dates, holiday=holiday, season=season,
        planned=planned, first_shift=first_shift.astype(np.int8), p_idle=p_idle, wo_of=wo_of,
        wo_line=wo_line_a[order], wo_product=wo_prod_a[order], wo_first_day=wo_first_a[order],
        wo_last_day=wo_last_a[order], wo_planned_start=pstart[order], wo_planned_end=pend[order],
        wo_planned_qty=qty[order], wo_priority=priority[order], wo_cancelled=cancelled[order],
        wo_story1=np.array(wo_story, dtype=bool)[order], wo_ids=wo_ids, story2_machine=story2_machine,
        story2_from_day=s2_from, story2_breakdowns=planted, energy_mult=energy_mult,
    )


def _story2(dims: Dims, seed: int, planned: np.ndarray, days: int, n_ext: int) -> tuple[int, int, np.ndarray]:
    """Pick breakdown slots for the wearing-out CNC: counts grow week by week."""
    planted = np.zeros((n_ext, 3))
    if days < 70:
        return -1, days, planted
    rng = rng_for(seed, STREAM_STORY, 2)
    li = dims.line_ids.index(N.STORY2_LINE)
    machine = int(np.nonzero(dims.m_line == li)[0][N.STORY2_MACHINE_INDEX])
    weeks = len(N.STORY2_WEEKLY_BREAKDOWNS)
    d_from = days - 7 * weeks
    for k, count in enumerate(N.STORY2_WEEKLY_BREAKDOWNS):
        d0 = d_from + 7 * k
        dd, ss = np.nonzero(planned[li, d0 : d0 + 7])
        if count == 0 or len(dd) == 0:
            continue
        pick = np.sort(rng.choice(len(dd), size=min(count, len(dd)), replace=False))
        # Repairs get longer as the spindle wears.
        planted[d0 + dd[pick], ss[pick]] = np.round(38 + 14 * k + rng.uniform(-6, 12, len(pick)))
    return machine, d_from, planted


def _story3(dims: Dims, dates: np.ndarray, start: dt.date, end: dt.date, days: int) -> np.ndarray:
    """Chongqing's energy per unit creeps up: flat, a slight rise, then ~+15% in the last quarter."""
    mult = np.ones((len(dims.plant_ids), len(dates)))
    q_start = dt.date(end.year, 3 * ((end.month - 1) // 3) + 1, 1)
    if (q_start - start).days < 120:
        return mult
    qi = (q_start - start).days
    end_i = days - 1
    d = np.arange(len(dates), dtype=float)
    ramp_in = np.clip((d - (qi - 30)) / 30.0, 0.0, 1.0) * 0.04  # last month of the quarter before
    ramp_q = np.clip((d - qi) / max(end_i - qi, 1), 0.0, 1.0) * 0.26
    pi = dims.plant_ids.index(N.STORY3_PLANT)
    mult[pi] = 1.0 + ramp_in + np.where(d >= qi, ramp_q, 0.0)
    return mult
