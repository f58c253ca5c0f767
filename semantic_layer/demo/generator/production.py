"""Shop-floor facts for one chunk of days: production records, downtime, defects, energy.

Everything is vectorised over (machine, day, shift) so a month of scale 100 is a few
array operations; each chunk draws from its own random stream.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import names as N
from .dimensions import IDLE_SHARE, Dims
from .plan import Plan
from .util import STREAM_CHUNK, date_array, day_seconds, dict_array, rng_for, ts_array, weighted_choice

SHIFT_IDS = [s[0] for s in N.SHIFTS]
START_HOUR = np.array(N.SHIFT_START_HOUR)
CRACK = [t for t, _ in N.DEFECT_TYPES].index("crack")
PAINT_DEFECT = [t for t, _ in N.DEFECT_TYPES].index("paint_defect")
PAINT_CELL = N.MACHINE_TYPES.index("paint")
MAX_DOWN_MIN = 420.0  # leave at least an hour of every worked shift for running
# Unplanned-event probability per machine-shift by plant (SZ, NB, CQ).
SHORTAGE_P = np.array([0.012, 0.016, 0.020])
NO_OPERATOR_P = np.array([0.004, 0.005, 0.011])
MINOR_STOPS = np.array([0.9, 1.0, 1.2])  # unlogged short stops, relative by plant


def _cdf(weights: np.ndarray) -> np.ndarray:
    """Row-normalised cumulative weights, exactly 1.0 where a row is complete."""
    c = np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1)
    c[c > 1 - 1e-9] = 1.0
    return c


FAMILY_DEFECT_CDF = _cdf(np.array([N.FAMILY_DEFECT_MIX[f] for f in N.FAMILIES]))
SEVERITY_CDF = _cdf(np.array(N.SEVERITY_PROBS))


def batch_id(line_id: str, day: np.datetime64) -> str:
    """A finished batch is one line's good output of one day: 'B20251105-NB-L3'."""
    return f"B{str(day).replace('-', '')}-{line_id}"


@dataclass
class Accumulator:
    """Running totals the later stages need (all small: work orders or lines x days)."""

    wo_total: np.ndarray
    wo_good: np.ndarray
    wo_first_ts: np.ndarray
    wo_last_ts: np.ndarray
    line_day_total: np.ndarray
    line_day_good: np.ndarray
    line_day_records: np.ndarray
    counters: dict[str, int] = field(default_factory=lambda: {"record": 1, "event": 1, "defect": 1})

    @classmethod
    def empty(cls, n_wo: int, n_lines: int, n_ext: int) -> Accumulator:
        return cls(
            wo_total=np.zeros(n_wo, np.int64), wo_good=np.zeros(n_wo, np.int64),
            wo_first_ts=np.full(n_wo, np.iinfo(np.int64).max), wo_last_ts=np.full(n_wo, -1, np.int64),
            line_day_total=np.zeros((n_lines, n_ext), np.int64), line_day_good=np.zeros((n_lines, n_ext), np.int64),
            line_day_records=np.zeros((n_lines, n_ext), np.int64),
        )


def generate_chunk(dims: Dims, plan: Plan, seed: int, chunk: int, d0: int, d1: int,
                   acc: Accumulator) -> dict[str, dict[str, Any]]:
    """Facts for days [d0, d1): returns columns per table and updates the accumulator."""
    rng = rng_for(seed, STREAM_CHUNK, chunk)
    n_m, n_dc = len(dims.machine_ids), d1 - d0
    planned = plan.planned[:, d0:d1, :][dims.m_line]  # (machines, days, shifts)
    idle = rng.random(planned.shape) < plan.p_idle[:, d0:d1][dims.m_plant][:, :, None]
    sm = plan.story2_machine
    if sm >= 0 and d1 > plan.story2_from_day:  # the wearing machine works every planned shift
        idle[sm, max(0, plan.story2_from_day - d0):, :] = False
    dd, ss, mm = np.nonzero((planned & ~idle).transpose(1, 2, 0))  # ordered by day, shift, machine
    n = len(dd)
    d = d0 + dd
    line = dims.m_line[mm]
    plant = dims.m_plant[mm]
    wo = plan.wo_of[line, d]
    prod = plan.wo_product[wo]
    fam = dims.p_family[prod]
    ict = np.round(dims.p_ct[prod] * dims.m_ct_factor[mm], 1)
    shift_start = day_seconds(plan.dates[d]) + START_HOUR[ss] * 3600
    night = ss == 2
    story1 = plan.wo_story1[wo]

    # --- downtime events: six slots per record, in clock order inside the shift --------
    first = plan.first_shift[line, d] == ss
    dur = np.zeros((n, 6))
    changeover = (d == plan.wo_first_day[wo]) & first
    dur[:, 0] = np.where(changeover, np.round(rng.uniform(30, 95, n)), 0)
    pm = ((d + dims.m_pm_offset[mm]) % 28 == 0) & first
    dur[:, 1] = np.where(pm, np.round(rng.uniform(60, 150, n)), 0)
    bd = rng.random(n) < dims.m_bd_rate[mm] * np.where(night, 1.15, 1.0)
    dur[:, 2] = np.where(bd, np.clip(np.round(rng.lognormal(np.log(40), 0.6, n)), 8, 300), 0)
    if sm >= 0:
        sel = (mm == sm) & (d >= plan.story2_from_day)
        dur[sel, 2] = plan.story2_breakdowns[d[sel], ss[sel]]
    short = rng.random(n) < SHORTAGE_P[plant]
    dur[:, 3] = np.where(short, np.round(rng.uniform(15, 90, n)), 0)
    hold = rng.random(n) < np.where(story1, 0.12, 0.008)  # cracks trigger quality holds
    dur[:, 4] = np.where(hold, np.round(rng.uniform(20, 120, n)), 0)
    no_op = rng.random(n) < NO_OPERATOR_P[plant] * np.where(night, 1.8, 1.0)
    dur[:, 5] = np.where(no_op, np.round(rng.uniform(30, 240, n)), 0)
    down = dur.sum(axis=1)
    over = down > MAX_DOWN_MIN
    if over.any():
        dur[over] = np.floor(dur[over] * (MAX_DOWN_MIN / down[over])[:, None])
        down = dur.sum(axis=1)
    gaps = np.floor(np.sort(rng.random((n, 6)), axis=1) * (N.SHIFT_MINUTES - down)[:, None])
    offset = gaps + np.cumsum(dur, axis=1) - dur  # events never overlap and end inside the shift
    minor = np.round(rng.uniform(8, 40, n) * MINOR_STOPS[plant], 1)  # short stops nobody logs
    run = np.round(N.SHIFT_MINUTES - down - minor, 1)

    # --- counts ---------------------------------------------------------------------
    perf = np.clip(dims.m_perf[mm] + rng.normal(0, 0.02, n) - 0.02 * night - 0.03 * changeover, 0.78, 0.98)
    total = np.floor(run * 60 * perf / ict).astype(np.int64)
    fam_scrap = np.array([N.FAMILY_SCRAP[f] for f in N.FAMILIES])
    p_scrap = fam_scrap[fam] * dims.m_scrap[mm] * np.where(night, 1.2, 1.0) * np.where(changeover, 1.5, 1.0)
    scrap = rng.binomial(total, np.clip(p_scrap, 0, 0.5))
    crack = np.where(story1, rng.binomial(total, 0.045), 0)
    crack = np.minimum(crack, total - scrap)
    good = total - scrap - crack

    out: dict[str, dict[str, Any]] = {}
    rid = acc.counters["record"]
    out["production_records"] = {
        "record_id": np.arange(rid, rid + n, dtype=np.int64),
        "work_order_id": dict_array(wo, plan.wo_ids),
        "machine_id": dict_array(mm, dims.machine_ids),
        "line_id": dict_array(line, dims.line_ids),
        "shift_id": dict_array(ss, SHIFT_IDS),
        "production_date": date_array(plan.dates[d]),
        "planned_time_min": np.full(n, N.SHIFT_MINUTES),
        "run_time_min": run,
        "ideal_cycle_time_s": ict,
        "total_count": total.astype(np.int32),
        "good_count": good.astype(np.int32),
    }
    acc.counters["record"] += n

    ri, si = np.nonzero(dur > 0)
    ev_start = shift_start[ri] + (offset[ri, si] * 60).astype(np.int64)
    ev_dur = dur[ri, si]
    eid = acc.counters["event"]
    out["downtime_events"] = {
        "event_id": np.arange(eid, eid + len(ri), dtype=np.int64),
        "machine_id": dict_array(mm[ri], dims.machine_ids),
        "line_id": dict_array(line[ri], dims.line_ids),
        "start_time": ts_array(ev_start),
        "end_time": ts_array(ev_start + (ev_dur * 60).astype(np.int64)),
        "duration_min": ev_dur,
        "category": dict_array((si >= 2).astype(np.int32), ["planned", "unplanned"]),
        "reason": dict_array(si, [r[0] for r in N.DOWNTIME_REASONS]),
        "reason_zh": dict_array(si, [r[1] for r in N.DOWNTIME_REASONS]),
    }
    acc.counters["event"] += len(ri)

    out["defects"] = _defects(rng, dims, plan, acc, d0, n_dc, mm, line, wo, fam, dd, scrap, crack, shift_start)
    out["energy_readings"] = _energy(rng, dims, plan, d0, n_dc, n_m, mm, dd, total, run)

    # --- accumulate for work orders, batches, materials ------------------------------
    n_wo = len(plan.wo_ids)
    acc.wo_total += np.bincount(wo, weights=total, minlength=n_wo).astype(np.int64)
    acc.wo_good += np.bincount(wo, weights=good, minlength=n_wo).astype(np.int64)
    np.minimum.at(acc.wo_first_ts, wo, shift_start)
    np.maximum.at(acc.wo_last_ts, wo, shift_start + 480 * 60)
    key = line * plan.n_ext + d
    size = acc.line_day_total.size
    acc.line_day_total += (np.bincount(key, weights=total, minlength=size).astype(np.int64)
                           .reshape(acc.line_day_total.shape))
    acc.line_day_good += (np.bincount(key, weights=good, minlength=size).astype(np.int64)
                          .reshape(acc.line_day_good.shape))
    acc.line_day_records += np.bincount(key, minlength=size).reshape(acc.line_day_records.shape)
    return out


def _defects(rng: np.random.Generator, dims: Dims, plan: Plan, acc: Accumulator, d0: int, n_dc: int,
             mm: np.ndarray, line: np.ndarray, wo: np.ndarray, fam: np.ndarray, dd: np.ndarray,
             scrap: np.ndarray, crack: np.ndarray, shift_start: np.ndarray) -> dict[str, Any]:
    """Split each record's scrap into defect rows; per work order they sum to its scrap exactly."""
    r1 = np.nonzero(scrap > 0)[0]
    t1 = weighted_choice(rng, FAMILY_DEFECT_CDF, fam[r1])
    t1 = np.where((dims.m_type[mm[r1]] == PAINT_CELL) & (rng.random(len(r1)) < 0.5), PAINT_DEFECT, t1)
    t2 = weighted_choice(rng, FAMILY_DEFECT_CDF, fam[r1])
    split = (scrap[r1] >= 2) & (rng.random(len(r1)) < 0.35) & (t2 != t1)
    q1 = np.where(split, 1 + rng.binomial(np.maximum(scrap[r1] - 2, 0), 0.6), scrap[r1])
    rc = np.nonzero(crack > 0)[0]
    rec = np.concatenate([r1, r1[split], rc])
    typ = np.concatenate([t1, t2[split], np.full(len(rc), CRACK)])
    qty = np.concatenate([q1, (scrap[r1] - q1)[split], crack[rc]])
    sub = np.concatenate([np.zeros(len(r1)), np.ones(int(split.sum())), np.full(len(rc), 2)])
    order = np.lexsort((sub, rec))
    rec, typ, qty, sub = rec[order], typ[order], qty[order], sub[order]
    k = len(rec)
    sev = weighted_choice(rng, SEVERITY_CDF, typ)
    detected = shift_start[rec] + np.floor(rng.uniform(0, 480 * 60, k)).astype(np.int64)
    # Some defects are found at final inspection and booked against the day's batch.
    linked = rng.random(k) < np.where(sub == 2, 0.6, 0.25)
    batch_names = [batch_id(lid, plan.dates[d0 + j]) for lid in dims.line_ids for j in range(n_dc)]
    did = acc.counters["defect"]
    acc.counters["defect"] += k
    return {
        "defect_id": np.arange(did, did + k, dtype=np.int64),
        "work_order_id": dict_array(wo[rec], plan.wo_ids),
        "batch_id": dict_array(line[rec] * n_dc + dd[rec], batch_names, mask=~linked),
        "machine_id": dict_array(mm[rec], dims.machine_ids),
        "line_id": dict_array(line[rec], dims.line_ids),
        "detected_at": ts_array(detected),
        "defect_type": dict_array(typ, [t for t, _ in N.DEFECT_TYPES]),
        "defect_type_zh": dict_array(typ, [z for _, z in N.DEFECT_TYPES]),
        "severity": dict_array(sev, list(N.SEVERITIES)),
        "quantity": qty.astype(np.int32),
    }


def _energy(rng: np.random.Generator, dims: Dims, plan: Plan, d0: int, n_dc: int, n_m: int, mm: np.ndarray,
            dd: np.ndarray, total: np.ndarray, run: np.ndarray) -> dict[str, Any]:
    """Daily kWh per machine: per-part process energy, idle while stopped, standby otherwise."""
    key = dd * n_m + mm
    size = n_dc * n_m
    # Mostly process energy per part (which keeps a plant's kWh/unit steady across product
    # mixes), partly spindle/pump load per running hour, plus idle load while stopped.
    run_kw = dims.m_idle_kw[mm] / IDLE_SHARE
    working = (0.75 * total * dims.m_epp[mm] + 0.25 * run_kw * run / 60.0
               + dims.m_idle_kw[mm] * (N.SHIFT_MINUTES - run) / 60.0)
    kwh = np.bincount(key, weights=working, minlength=size)
    shifts = np.bincount(key, minlength=size)
    m_all = np.tile(np.arange(n_m), n_dc)
    d_all = d0 + np.repeat(np.arange(n_dc), n_m)
    kwh += dims.m_standby_kw[m_all] * (24 - 8 * shifts)
    kwh *= plan.energy_mult[dims.m_plant[m_all], d_all] * (1 + rng.normal(0, 0.015, size))
    return {
        "machine_id": dict_array(m_all, dims.machine_ids),
        "reading_date": date_array(plan.dates[d_all]),
        "kwh": np.round(kwh, 2),
    }
