"""Purchase orders and lots as tables, lot genealogy (FIFO issue to work orders), stock snapshots."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from . import names as N
from .dimensions import Dims
from .plan import Plan
from .supply import Pools, Purchases, safety_weeks
from .util import date_array, dict_array

PO_STATUSES = ["open", "delivered", "cancelled"]
INSPECTION = ["accepted", "rejected", "conditional"]


def _days(plan: Plan, idx: np.ndarray) -> np.ndarray:
    return plan.dates[0] + np.asarray(idx, dtype=np.int64)


@dataclass
class Lots:
    """Material lots: a delivery is split into lots of at most one truckload / pallet."""

    po: np.ndarray  # purchase order row per lot
    qty: np.ndarray
    ids: list[str]
    story: int  # lot row of the story-1 lot, -1 if none


LOT_CAP: dict[str, float] = {"kg": 40_000.0, "L": 8_000.0, "pcs": 250_000.0}
LOT_STEP: dict[str, float] = {"kg": 10.0, "L": 10.0, "pcs": 100.0}


def split_lots(plan: Plan, pools: Pools, pur: Purchases) -> Lots:
    """One or more lots per delivered PO, ordered by received date, with readable ids."""
    units = np.array([m.unit for m in N.MATERIALS])[pools.material[pur.pool]]
    cap = np.array([LOT_CAP[u] for u in units])
    step = np.array([LOT_STEP[u] for u in units])
    po = np.nonzero(pur.status == 1)[0]
    n_l = np.maximum(1, np.ceil(pur.qty[po] / cap[po] - 1e-9)).astype(np.int64)
    rep = np.repeat(po, n_l)
    k = np.arange(len(rep)) - np.repeat(np.cumsum(n_l) - n_l, n_l)
    n_rep = np.repeat(n_l, n_l)
    base = np.floor(pur.qty[rep] / n_rep / step[rep]) * step[rep]
    qty = np.where(k == n_rep - 1, pur.qty[rep] - base * (n_rep - 1), base)
    order = np.lexsort((k, rep, pur.pool[rep], pur.delivered_day[rep]))
    rep, qty = rep[order], qty[order]
    day_str = [str(d).replace("-", "") for d in _days(plan, pur.delivered_day[rep])]
    ids: list[str] = []
    seq = 0
    for i, ds in enumerate(day_str):
        seq = seq + 1 if i and day_str[i - 1] == ds else 1
        ids.append(f"LOT-{ds}-{seq:04d}")
    story = int(np.nonzero(rep == pur.story_lot)[0][0]) if pur.story_lot >= 0 else -1
    return Lots(po=rep, qty=qty, ids=ids, story=story)


def po_and_lot_tables(dims: Dims, plan: Plan, pools: Pools, pur: Purchases,
                      lots: Lots) -> tuple[dict[str, Any], dict[str, Any]]:
    """purchase_orders and material_lots columns."""
    po_order = np.lexsort((np.arange(len(pur.pool)), pur.pool, pur.promised_day, pur.order_day))
    po_ids = np.empty(len(po_order), dtype=object)
    po_ids[po_order] = [f"PO-{i + 1:07d}" for i in range(len(po_order))]
    plant = dims.line_plant[pools.line[pur.pool]]
    mat = pools.material[pur.pool]
    delivered = pur.status == 1
    suppliers = [s.supplier_id for s in N.SUPPLIERS]
    po = {
        "po_id": po_ids[po_order].tolist(),
        "supplier_id": dict_array(pur.supplier[po_order], suppliers),
        "material_id": dict_array(mat[po_order], dims.material_ids),
        "order_date": date_array(_days(plan, pur.order_day[po_order])),
        "promised_date": date_array(_days(plan, pur.promised_day[po_order])),
        "delivered_date": date_array(_days(plan, np.where(delivered, pur.delivered_day, 0)[po_order]),
                                     mask=~delivered[po_order]),
        "quantity": pur.qty[po_order].astype(float),
        "unit_price": pur.unit_price[po_order],
        "status": dict_array(pur.status[po_order], PO_STATUSES),
        "plant_id": dict_array(plant[po_order], dims.plant_ids),
    }
    lp = lots.po
    lot_table = {
        "lot_id": lots.ids,
        "material_id": dict_array(mat[lp], dims.material_ids),
        "supplier_id": dict_array(pur.supplier[lp], suppliers),
        "po_id": po_ids[lp].tolist(),
        "received_date": date_array(_days(plan, pur.delivered_day[lp])),
        "quantity": lots.qty.astype(float),
        "inspection_result": dict_array(pur.inspection[lp], INSPECTION),
        "plant_id": dict_array(plant[lp], dims.plant_ids),
    }
    return po, lot_table


def lot_consumption(plan: Plan, pools: Pools, pur: Purchases, lots: Lots,
                    started: np.ndarray) -> tuple[dict[str, Any], int]:
    """Issue lots to work orders first-in-first-out, only from lots received by the order's start.

    Returns the table columns and how many issues had to borrow from an already-empty lot
    (a diagnostic; zero when supply keeps up)."""
    n = plan.n_days
    usable = pur.inspection[lots.po] != 1
    lot_pool = pur.pool[lots.po]
    rows_wo: list[int] = []
    rows_lot: list[int] = []
    rows_qty: list[float] = []
    borrowed = 0
    for p in range(len(pools.line)):
        li = pools.line[p]
        wo_days = plan.wo_of[li, :n]
        has = wo_days >= 0
        use = np.bincount(wo_days[has], weights=pools.daily[p, :n][has], minlength=len(plan.wo_ids))
        wos = np.nonzero((use > 0) & started)[0]
        wos = wos[np.argsort(plan.wo_first_day[wos], kind="stable")]
        mine = np.nonzero((lot_pool == p) & usable)[0]  # lots are already in received order
        mine = mine[mine != lots.story]
        recv = pur.delivered_day[lots.po[mine]]
        rem = lots.qty[mine].astype(float)
        ptr = 0
        for w in wos.tolist():
            need = float(use[w])
            if p == pools.story_pool and plan.wo_story1[w] and lots.story >= 0:
                from_story = need * pools.story_share
                rows_wo.append(w)
                rows_lot.append(lots.story)
                rows_qty.append(from_story)
                need -= from_story
            start = int(plan.wo_first_day[w])
            while need > 1e-9:
                while ptr < len(mine) and rem[ptr] <= 1e-9:
                    ptr += 1
                if ptr >= len(mine) or recv[ptr] > start:
                    # Supply fell behind: book the rest on the newest lot already received.
                    j = max(0, int(np.searchsorted(recv, start, side="right")) - 1)
                    rows_wo.append(w)
                    rows_lot.append(int(mine[j]))
                    rows_qty.append(need)
                    rem[j] -= need
                    borrowed += 1
                    break
                take = min(need, rem[ptr])
                rows_wo.append(w)
                rows_lot.append(int(mine[ptr]))
                rows_qty.append(take)
                rem[ptr] -= take
                need -= take
    wo_a = np.array(rows_wo, dtype=np.int64)
    lot_a = np.array(rows_lot, dtype=np.int64)
    qty_a = np.array(rows_qty, dtype=float)
    # Merge repeated (work order, lot) pairs and order by work order id, then lot id.
    width = len(lots.ids) + 1
    uniq, inv = np.unique(wo_a * width + lot_a, return_inverse=True)
    qty_u = np.bincount(inv, weights=qty_a)
    wo_u, lot_u = uniq // width, uniq % width
    lot_names = np.array(lots.ids, dtype=object)
    order = np.lexsort((lot_names[lot_u], wo_u))
    return {
        "work_order_id": dict_array(wo_u[order], plan.wo_ids),
        "lot_id": lot_names[lot_u[order]].tolist(),
        "quantity_used": np.floor(qty_u[order] * 100 + 1e-6) / 100,  # never more than the lot held
    }, borrowed


def inventory_snapshots(dims: Dims, plan: Plan, pools: Pools, pur: Purchases, lots: Lots) -> dict[str, Any]:
    """Weekly (Monday) stock per plant and material: receipts before the day minus consumption."""
    n = plan.n_days
    weekday = (plan.dates[:n].astype(np.int64) - 4) % 7
    mondays = np.nonzero(weekday == 0)[0]
    plant_of_pool = dims.line_plant[pools.line]
    pairs = sorted({(int(a), int(b)) for a, b in zip(plant_of_pool, pools.material, strict=True)})
    usable = pur.inspection[lots.po] != 1
    lot_pool = pur.pool[lots.po]
    lot_day = pur.delivered_day[lots.po]
    mat_type = [m.material_type for m in N.MATERIALS]
    snap_day: list[np.ndarray] = []
    snap_plant: list[np.ndarray] = []
    snap_mat: list[np.ndarray] = []
    snap_qty: list[np.ndarray] = []
    snap_safety: list[np.ndarray] = []
    last_rows: dict[tuple[int, int], int] = {}
    for pl, mi in pairs:
        ps = np.nonzero((plant_of_pool == pl) & (pools.material == mi))[0]
        cons = pools.daily[ps, :n].sum(axis=0)
        cum_cons = np.concatenate([[0.0], np.cumsum(cons)])  # consumed before day d = cum_cons[d]
        sel = np.isin(lot_pool, ps) & usable
        recv = np.sort(lot_day[sel])
        qty = lots.qty[sel][np.argsort(lot_day[sel], kind="stable")]
        cum_recv = np.concatenate([[0.0], np.cumsum(qty)])
        received_before = cum_recv[np.searchsorted(recv, mondays, side="left")]
        on_hand = np.maximum(0.0, received_before - cum_cons[mondays])
        weeks = max(1.0, n / 7.0)
        pair_safety = max(10.0, float(np.round(safety_weeks(mat_type[mi]) * cons.sum() / weeks / 10.0) * 10.0))
        last_rows[(pl, mi)] = sum(len(x) for x in snap_day) + len(mondays) - 1
        snap_day.append(mondays)
        snap_plant.append(np.full(len(mondays), pl))
        snap_mat.append(np.full(len(mondays), mi))
        snap_qty.append(np.round(on_hand, 1))
        snap_safety.append(np.full(len(mondays), pair_safety))
    day = np.concatenate(snap_day)
    plant = np.concatenate(snap_plant)
    mat = np.concatenate(snap_mat)
    qty = np.concatenate(snap_qty)
    safety = np.concatenate(snap_safety)
    story = (dims.plant_ids.index(N.STORY5_PLANT), dims.material_ids.index(N.STORY5_MATERIAL))
    if story in last_rows and len(mondays) and n >= 120:
        r = last_rows[story]
        if qty[r] >= safety[r]:
            # Fallback when holding back deliveries could not drain stock without starving the
            # line: the policy was raised when the supplier started slipping (last 90 days).
            raised = np.ceil(qty[r] * 1.15 / 10) * 10
            rows = (plant == story[0]) & (mat == story[1]) & (day > n - 91)
            safety[rows] = np.maximum(safety[rows], raised)
    order = np.lexsort((mat, plant, day))
    return {
        "snapshot_date": date_array(plan.dates[day[order]]),
        "plant_id": dict_array(plant[order], dims.plant_ids),
        "material_id": dict_array(mat[order], dims.material_ids),
        "on_hand_qty": qty[order],
        "safety_stock": safety[order],
    }
