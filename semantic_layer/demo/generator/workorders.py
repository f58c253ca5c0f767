"""Work orders (status and actual times from what was produced) and finished batches."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from . import names as N
from .dimensions import Dims
from .plan import Plan
from .production import Accumulator, batch_id
from .util import STREAM_BATCHES, date_array, dict_array, rng_for, ts_array

QC_STATUSES = ["released", "on_hold", "scrapped"]


@dataclass
class Batches:
    """Finished batches as arrays (small: one per line and production day)."""

    ids: list[str]
    line: np.ndarray
    day: np.ndarray
    wo: np.ndarray
    product: np.ndarray
    qty: np.ndarray
    qc: np.ndarray  # index into QC_STATUSES
    story1: np.ndarray


def work_order_status(plan: Plan, acc: Accumulator) -> np.ndarray:
    """Status index into names.WO_STATUSES, relative to the window end."""
    status = np.where(plan.wo_last_day < plan.n_days, 2, np.where(plan.wo_first_day >= plan.n_days, 0, 1))
    produced = acc.wo_total > 0
    status = np.where((status == 2) & ~produced, 3, status)  # nothing was ever made: it was cancelled
    status = np.where((status == 1) & ~produced, 0, status)
    return np.where(plan.wo_cancelled, 3, status)


def work_orders_table(dims: Dims, plan: Plan, acc: Accumulator) -> dict[str, Any]:
    """Columns of work_orders."""
    status = work_order_status(plan, acc)
    started = status >= 1
    started &= status != 3
    done = status == 2
    return {
        "work_order_id": plan.wo_ids,
        "product_id": dict_array(plan.wo_product, dims.product_ids),
        "line_id": dict_array(plan.wo_line, dims.line_ids),
        "planned_qty": plan.wo_planned_qty.astype(np.int32),
        "planned_start": ts_array(plan.wo_planned_start),
        "planned_end": ts_array(plan.wo_planned_end),
        "actual_start": ts_array(np.where(started, acc.wo_first_ts, 0), mask=~started),
        "actual_end": ts_array(np.where(done, acc.wo_last_ts, 0), mask=~done),
        "status": dict_array(status, list(N.WO_STATUSES)),
        "priority": dict_array(plan.wo_priority, list(N.PRIORITIES)),
    }


def build_batches(dims: Dims, plan: Plan, seed: int, acc: Accumulator) -> Batches:
    """One batch per line and production day, with a QC verdict."""
    rng = rng_for(seed, STREAM_BATCHES)
    recs = acc.line_day_records[:, : plan.n_days]
    dd, ll = np.nonzero(recs.T > 0)  # ordered by day, then line
    wo = plan.wo_of[ll, dd]
    qty = acc.line_day_good[ll, dd]
    story = plan.wo_story1[wo]
    u = rng.random(len(dd))
    qc = np.where(u < 0.004, 2, np.where(u < 0.012, 1, 0))
    qc = np.where(dd >= plan.n_days - 2, 1, qc)  # the last two days still wait for QC release
    qc = np.where(qty == 0, 2, qc)
    if story.any():
        # Cracked housings: the first batches went out before anyone noticed; the rest are held.
        idx = np.nonzero(story)[0]
        n_rel = max(2, int(np.ceil(0.4 * len(idx))))
        qc[idx[:n_rel]] = 0
        qc[idx[n_rel:]] = 1
    return Batches(
        ids=[batch_id(dims.line_ids[li], plan.dates[d]) for d, li in zip(dd.tolist(), ll.tolist(), strict=True)],
        line=ll, day=dd, wo=wo, product=plan.wo_product[wo], qty=qty, qc=qc, story1=story,
    )


def batches_table(dims: Dims, plan: Plan, b: Batches) -> dict[str, Any]:
    """Columns of finished_batches."""
    return {
        "batch_id": b.ids,
        "work_order_id": dict_array(b.wo, plan.wo_ids),
        "product_id": dict_array(b.product, dims.product_ids),
        "produced_on": date_array(plan.dates[b.day]),
        "quantity": b.qty.astype(np.int32),
        "qc_status": dict_array(b.qc, QC_STATUSES),
    }
