"""Purchasing: weekly deliveries per (line, material) pool, sized from actual consumption.

Each pool gets an opening lot before the window, then one delivery a week covering the
demand `lead` weeks ahead, so stock runs at about lead + 0.6 weeks of demand. Stories 1
(the Hengtai lot), 4 (the late supplier) and 5 (the stock-out risk) are planted here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import names as N
from .dimensions import Dims
from .plan import Plan
from .production import Accumulator
from .util import STREAM_SUPPLY, rng_for

WASTE = 1.02  # material issued per unit includes a little machining and casting loss
ELECTRONICS = "electronic components"


def lead_weeks(material_type: str) -> int:
    """How far ahead deliveries cover demand (chips are ordered further out)."""
    return 3 if material_type == ELECTRONICS else 2


def safety_weeks(material_type: str) -> float:
    """Safety stock policy in weeks of average demand (chips are shortage-prone)."""
    return 2.0 if material_type == ELECTRONICS else 1.0


@dataclass
class Pools:
    """Material pools: one per (line, material) the line's products use."""

    line: np.ndarray
    material: np.ndarray
    daily: np.ndarray  # (pools, n_ext) consumption per day (window actuals, forecast after)
    regular: np.ndarray  # same, minus what the story lot supplies
    story_pool: int = -1  # story 1: the pool the bad lot is melted into (-1: no story)
    story_share: float = 0.0  # fraction of the story work orders' metal that came from it


@dataclass
class Purchases:
    """Purchase orders and the lots they delivered, as parallel arrays (one row per PO)."""

    pool: np.ndarray
    supplier: np.ndarray
    order_day: np.ndarray  # day index relative to the window start (may be negative)
    promised_day: np.ndarray
    delivered_day: np.ndarray  # -10**6 when not delivered
    qty: np.ndarray
    unit_price: np.ndarray
    status: np.ndarray  # 0 open, 1 delivered, 2 cancelled
    inspection: np.ndarray  # 0 accepted, 1 rejected, 2 conditional (lots only)
    story_lot: int  # index of the story-1 PO, -1 if none


NOT_DELIVERED = -(10**6)


def build_pools(dims: Dims, plan: Plan, acc: Accumulator) -> Pools:
    """Daily consumption per pool from what the lines actually produced."""
    n = plan.n_days
    wo = plan.wo_of[:, :n]
    prod = plan.wo_product[np.maximum(wo, 0)]
    story_day = np.where(wo >= 0, plan.wo_story1[np.maximum(wo, 0)], False)
    lines, mats = [], []
    for li, prods in enumerate(dims.line_products):
        for mi in np.nonzero(dims.bom[prods].sum(axis=0) > 0)[0]:
            lines.append(li)
            mats.append(int(mi))
    line_a, mat_a = np.array(lines), np.array(mats)
    daily = np.zeros((len(lines), plan.n_ext))
    daily[:, :n] = acc.line_day_total[line_a, :n] * dims.bom[prod[line_a], mat_a[:, None]] * WASTE
    # After the window: forecast at the last four weeks' average on planned days.
    worked = plan.planned[line_a, max(0, n - 28) : n].any(axis=2).sum(axis=1)
    tail = daily[:, max(0, n - 28) : n].sum(axis=1) / np.maximum(1, worked)
    future = plan.planned[line_a, n:].any(axis=2)
    daily[:, n:] = future * tail[:, None]
    pools = Pools(line=line_a, material=mat_a, daily=daily, regular=daily.copy())
    p1 = _story1_pool(dims, pools)
    need = daily[p1, :n][story_day[line_a[p1]]].sum() if p1 >= 0 else 0.0
    if need > 0:
        # The bad lot is blended with regular lots in the melt: a share of every story order.
        pools.story_pool = p1
        pools.story_share = min(0.5, 0.985 * N.STORY1_LOT_QTY / need)
        pools.regular[p1, :n] = daily[p1, :n] * np.where(story_day[line_a[p1]], 1 - pools.story_share, 1.0)
    return pools


def _round_qty(q: np.ndarray, unit: np.ndarray) -> np.ndarray:
    """Order quantities in sensible lot sizes: 10 kg / L, 100 pieces."""
    step = np.where(unit == "pcs", 100.0, 10.0)
    return np.maximum(step, np.round(q / step) * step)


def build_purchases(dims: Dims, plan: Plan, seed: int, pools: Pools) -> Purchases:
    """All purchase orders, their delivery dates, and the inspection result of their lots."""
    rng = rng_for(seed, STREAM_SUPPLY)
    k = dims.scale
    end_i = plan.n_days - 1
    weekday0 = int((plan.dates[0].astype(np.int64) - 4) % 7)  # Monday = 0
    sup_type = np.array([s.category for s in N.SUPPLIERS])
    mat_type = np.array([m.material_type for m in N.MATERIALS])
    mat_unit = np.array([m.unit for m in N.MATERIALS])
    lead_days = np.array([s.lead_days for s in N.SUPPLIERS])
    late_rate = np.array([s.late_rate for s in N.SUPPLIERS])
    story4 = [s.supplier_id for s in N.SUPPLIERS].index(N.STORY4_SUPPLIER)
    story5_plant = dims.plant_ids.index(N.STORY5_PLANT)
    story5_mat = dims.material_ids.index(N.STORY5_MATERIAL)
    long_window = plan.n_days >= 120

    rows: dict[str, list[np.ndarray]] = {c: [] for c in ("pool", "promised", "qty")}
    n_weeks = (weekday0 + plan.n_ext) // 7 + 1
    for p in range(len(pools.line)):
        lead = lead_weeks(mat_type[pools.material[p]])
        week = (np.arange(plan.n_ext) + weekday0) // 7
        demand = np.bincount(week, weights=pools.regular[p], minlength=n_weeks)
        avg = demand[: max(1, (weekday0 + plan.n_days) // 7)].mean()
        dow = (2 * p) % 5
        promised = np.arange(n_weeks) * 7 - weekday0 + dow
        target = np.arange(n_weeks) + lead
        cover = np.where(target < n_weeks, demand[np.minimum(target, n_weeks - 1)], avg)
        cover = cover * rng.uniform(0.97, 1.03, n_weeks)
        skipped = promised < 0
        buffer = (safety_weeks(mat_type[pools.material[p]]) + 0.3) * avg
        opening = demand[:lead].sum() + cover[skipped].sum() + buffer
        keep = ~skipped & (cover > 0)
        promised = np.concatenate([[-7], promised[keep]])
        qty = np.concatenate([[opening], cover[keep]])
        rows["pool"].append(np.full(len(qty) * k, p))
        rows["promised"].append(np.repeat(promised, k))
        rows["qty"].append(np.repeat(qty / k, k))
    pool = np.concatenate(rows["pool"])
    promised = np.concatenate(rows["promised"])
    mat = pools.material[pool]
    qty = _round_qty(np.concatenate(rows["qty"]), mat_unit[mat])
    n = len(pool)

    # Supplier per PO: the pool's main supplier most of the time, another of the same type otherwise.
    supplier = np.empty(n, dtype=np.int64)
    u = rng.random(n)
    pick = rng.integers(0, 100, n)
    # Main suppliers rotate over the pools of each material type, so every supplier has volume.
    pool_main = np.empty(len(pools.line), dtype=np.int64)
    for t in np.unique(mat_type[pools.material]):
        cands = np.nonzero(sup_type == t)[0]
        of_type = np.nonzero(mat_type[pools.material] == t)[0]
        pool_main[of_type] = cands[np.arange(len(of_type)) % len(cands)]
    for mi in np.unique(mat):
        cands = np.nonzero(sup_type == mat_type[mi])[0]
        sel = mat == mi
        other = cands[pick[sel] % len(cands)]
        supplier[sel] = np.where(u[sel] < 0.8, pool_main[pool[sel]], other)
    recent = promised > end_i - 120
    force5 = (dims.line_plant[pools.line[pool]] == story5_plant) & (mat == story5_mat) & recent & long_window
    supplier[force5] = story4

    order_day = promised - lead_days[supplier] - rng.integers(0, 4, n)
    in_story4 = (supplier == story4) & (promised > end_i - 90) & long_window
    late = rng.random(n) < np.where(in_story4, 0.45, late_rate[supplier])
    delay = np.where(late, np.where(in_story4, rng.integers(2, 13, n), rng.integers(1, 7, n)),
                     -rng.choice([0, 0, 0, 1, 2], n))
    delivered = promised + delay
    # Story 5: the late supplier's last deliveries of microcontrollers to Chongqing are overdue.
    if long_window:
        last_monday = end_i - (end_i + weekday0) % 7
        withheld = _starve_story5(pool, promised, delivered, qty, force5, pools.daily, end_i, last_monday,
                                  safety_weeks(N.MATERIALS[story5_mat].material_type))
    else:
        withheld = np.zeros(n, dtype=bool)
    delivered = np.where(withheld, end_i + 30, delivered)

    exists = order_day <= end_i  # a PO that would be placed after the window does not exist yet
    existing = np.nonzero(exists)[0]
    pool, promised, qty, supplier, order_day, delivered = (
        a[existing] for a in (pool, promised, qty, supplier, order_day, delivered))
    n = len(pool)
    inspection = rng.choice([0, 1, 2], size=n, p=[0.966, 0.014, 0.020])
    inspection[promised < 0] = 0  # the opening stock was inspected long ago

    # Rejected lots are replaced by a rush order delivered a few days later.
    rej = np.nonzero((inspection == 1) & (delivered <= end_i))[0]
    r_order = delivered[rej]
    r_prom = r_order + 4
    pool = np.concatenate([pool, pool[rej]])
    promised = np.concatenate([promised, r_prom])
    qty = np.concatenate([qty, qty[rej]])
    supplier = np.concatenate([supplier, supplier[rej]])
    order_day = np.concatenate([order_day, r_order])
    delivered = np.concatenate([delivered, r_prom - rng.integers(0, 2, len(rej))])
    inspection = np.concatenate([inspection, np.zeros(len(rej), dtype=inspection.dtype)])

    if long_window:
        delivered = _enforce_on_time(rng, supplier, promised, delivered, end_i, story4)
    status = np.where(delivered <= end_i, 1, 0)
    delivered = np.where(status == 1, delivered, NOT_DELIVERED)
    inspection = np.where(status == 1, inspection, 0)
    # A few orders are cancelled before delivery: copies that never arrive.
    canc = rng.choice(n, size=max(1, n // 70), replace=False)
    canc.sort()
    pool = np.concatenate([pool, pool[canc]])
    promised = np.concatenate([promised, promised[canc] + 3])
    qty = np.concatenate([qty, qty[canc]])
    supplier = np.concatenate([supplier, supplier[canc]])
    order_day = np.concatenate([order_day, order_day[canc] + 1])
    delivered = np.concatenate([delivered, np.full(len(canc), NOT_DELIVERED)])
    status = np.concatenate([status, np.full(len(canc), 2)])
    inspection = np.concatenate([inspection, np.zeros(len(canc), dtype=inspection.dtype)])

    story_lot = -1
    p1 = pools.story_pool
    story_days = np.nonzero(np.isin(plan.wo_of[dims.line_ids.index(N.STORY1_LINE), : plan.n_days],
                                    np.nonzero(plan.wo_story1)[0]))[0]
    hengtai = [s.supplier_id for s in N.SUPPLIERS].index(N.STORY1_SUPPLIER)
    if p1 >= 0 and len(story_days):
        # Story 1: no other conditional Hengtai lot in the last 60 days, so the bad one stands out.
        inspection[(supplier == hengtai) & (delivered > end_i - 60) & (inspection == 2)] = 0
        recv = int(story_days[0]) - 6
        story_lot = len(pool)
        pool = np.append(pool, p1)
        promised = np.append(promised, recv)
        qty = np.append(qty, N.STORY1_LOT_QTY)
        supplier = np.append(supplier, hengtai)
        order_day = np.append(order_day, recv - 11)
        delivered = np.append(delivered, recv)
        status = np.append(status, 1)
        inspection = np.append(inspection, 2)

    price_factor = 1 + 0.02 * (supplier % 4) + 0.03 * (promised / 365.0)  # suppliers differ; mild inflation
    std = np.array([m.standard_cost for m in N.MATERIALS])
    unit_price = np.round(std[pools.material[pool]] * price_factor * rng.uniform(0.97, 1.03, len(pool)), 2)
    return Purchases(pool=pool, supplier=supplier, order_day=order_day, promised_day=promised,
                     delivered_day=delivered, qty=qty, unit_price=unit_price, status=status,
                     inspection=inspection, story_lot=story_lot)


def _starve_story5(pool: np.ndarray, promised: np.ndarray, delivered: np.ndarray, qty: np.ndarray,
                   force5: np.ndarray, daily: np.ndarray, end_i: int, last_monday: int, weeks: float) -> np.ndarray:
    """Story 5: hold back the late supplier's latest deliveries until the plant's stock at the
    last snapshot sits below safety stock, without letting a work order run dry."""
    withheld = np.zeros(len(pool), dtype=bool)
    story_pools = np.unique(pool[force5])
    if len(story_pools) == 0:
        return withheld
    n_days = end_i + 1
    cons = daily[story_pools, :n_days].sum(axis=0)
    cum_cons = np.concatenate([[0.0], np.cumsum(cons)])
    safety = weeks * cons.sum() / max(1.0, n_days / 7.0)
    days = np.arange(max(0, last_monday - 35), n_days)
    ahead = np.array([cons[d : d + 5].sum() for d in days])  # what a work order starting that day needs
    mine = np.isin(pool, story_pools)

    def stock(mask: np.ndarray) -> np.ndarray:
        """Stock at the start of each day in `days` (receipts before the day minus consumption)."""
        sel = mine & ~mask & (delivered <= end_i)
        order = np.argsort(delivered[sel], kind="stable")
        got, q = delivered[sel][order], qty[sel][order]
        cum = np.concatenate([[0.0], np.cumsum(q)])
        return cum[np.searchsorted(got, days, side="left")] - cum_cons[days]

    candidates = np.nonzero(force5 & (promised <= end_i) & (delivered <= end_i))[0]
    candidates = candidates[np.argsort(-promised[candidates], kind="stable")]  # latest first
    monday = int(np.searchsorted(days, last_monday))
    for c in candidates.tolist():
        if stock(withheld)[monday] < 0.85 * safety:
            break
        trial = withheld.copy()
        trial[c] = True
        s = stock(trial)
        if (s - ahead).min() < 0:  # would starve the line: stop here
            break
        withheld = trial
    return withheld


def _story1_pool(dims: Dims, pools: Pools) -> int:
    li = dims.line_ids.index(N.STORY1_LINE)
    mi = dims.material_ids.index(N.STORY1_MATERIAL)
    hit = np.nonzero((pools.line == li) & (pools.material == mi))[0]
    return int(hit[0]) if len(hit) else -1


def _enforce_on_time(rng: np.random.Generator, supplier: np.ndarray, promised: np.ndarray,
                     delivered: np.ndarray, end_i: int, story4: int) -> np.ndarray:
    """Story 4: in the last 90 days the late supplier is < 70% on time, all others > 90%."""
    delivered = delivered.copy()
    window = (promised > end_i - 90) & (promised <= end_i)
    for s in range(len(N.SUPPLIERS)):
        idx = np.nonzero(window & (supplier == s) & (delivered <= end_i))[0]
        if len(idx) == 0:
            continue
        idx = idx[rng.permutation(len(idx))]
        on_time = delivered[idx] <= promised[idx]
        if s == story4:
            target = int(np.floor(0.62 * len(idx)))
            flip = idx[on_time & (promised[idx] + 3 <= end_i)][: max(0, int(on_time.sum()) - target)]
            delivered[flip] = promised[flip] + rng.integers(
                3, 4 + np.maximum(0, np.minimum(9, end_i - promised[flip] - 3)))
        else:
            target = int(np.ceil(0.94 * len(idx)))
            flip = idx[~on_time][: max(0, target - int(on_time.sum()))]
            delivered[flip] = promised[flip]
    return delivered
