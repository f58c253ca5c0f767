"""Sales orders, shipments and customer complaints.

Per product, the released batches form a stream of parts; consecutive orders take
consecutive slices of it, so an order ships from one to a few batches and a batch can go
to several customers. Orders reaching past the released stock stay open.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import names as N
from .dimensions import Dims
from .plan import Plan
from .util import STREAM_SALES, date_array, dict_array, rng_for
from .workorders import Batches

SO_STATUSES = ["open", "shipped", "cancelled"]
COMPLAINT_STATUSES = ["open", "investigating", "closed"]


def _customer_weights(family: str) -> tuple[np.ndarray, np.ndarray]:
    idx = np.array([i for i, c in enumerate(N.CUSTOMERS) if family in c.families])
    w = np.array([N.CUSTOMERS[i].weight for i in idx])
    return idx, w / w.sum()


def build_sales(dims: Dims, plan: Plan, seed: int, b: Batches) -> dict[str, dict[str, Any]]:
    """sales_orders, shipments and customer_complaints columns."""
    rng = rng_for(seed, STREAM_SALES)
    end_i = plan.n_days - 1
    n_per_product = max(4, round(110 * plan.n_days / 730)) * dims.scale
    cust_x, cust_y = (next(i for i, c in enumerate(N.CUSTOMERS) if c.customer_id == cid) for cid in N.STORY1_CUSTOMERS)
    released = b.qc == 0
    story_batches = np.nonzero(released & b.story1)[0]  # in production order
    story_rank = {int(bi): r for r, bi in enumerate(story_batches)}

    so: dict[str, list[np.ndarray]] = {c: [] for c in ("product", "customer", "order", "due", "qty", "status")}
    sh: dict[str, list[np.ndarray]] = {c: [] for c in ("order_local", "batch", "ship", "qty")}
    n_orders = 0
    for p in range(len(dims.product_ids)):
        bi = np.nonzero(released & (b.product == p))[0]
        if len(bi) == 0:
            continue
        q = b.qty[bi].astype(np.int64)
        cum_end = np.cumsum(q)
        cum_start = cum_end - q
        total = int(cum_end[-1])
        mean = max(50.0, total / n_per_product)
        sizes = np.maximum(10, np.round(rng.gamma(4.0, mean / 4.0, int(n_per_product * 1.4) + 8) / 10) * 10)
        bounds = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        bounds = bounds[: int(np.searchsorted(bounds, total * 1.06)) + 1]
        # Story 1: cut orders at the bad batches' edges (and split the first one in two), so
        # exactly the two story customers receive them.
        mine = [int(x) for x in bi if int(x) in story_rank]
        pos = {int(x): k for k, x in enumerate(bi.tolist())}
        cuts = []
        for x in mine:
            k = pos[x]
            cuts += [cum_start[k], cum_end[k]]
            if story_rank[x] == 0:
                cuts.append(cum_start[k] + q[k] // 2)
        bounds = np.unique(np.concatenate([bounds, np.array(cuts, dtype=np.int64)]))
        a, z = bounds[:-1], bounds[1:]
        n_o = len(a)
        cidx, cw = _customer_weights(N.FAMILIES[dims.p_family[p]])
        customer = cidx[rng.choice(len(cidx), size=n_o, p=cw)]
        fb = np.searchsorted(cum_end, a, side="right")
        lb = np.searchsorted(cum_start, z, side="left") - 1
        count = np.maximum(0, lb - fb + 1)
        rep = np.repeat(np.arange(n_o), count)
        first_of = np.cumsum(count) - count
        k_b = fb[rep] + (np.arange(len(rep)) - first_of[rep])
        ov = np.minimum(z[rep], cum_end[k_b]) - np.maximum(a[rep], cum_start[k_b])
        batch = bi[k_b]
        if mine:  # story orders go to the two story customers, alternating by batch
            srow = np.nonzero(np.isin(batch, story_batches))[0]
            first = pos.get(int(story_batches[0]), -1)
            for o in np.unique(rep[srow]).tolist():
                r = min(story_rank[int(x)] for x in batch[srow][rep[srow] == o])
                if r == 0:
                    mid = cum_start[first] + q[first] // 2
                    customer[o] = cust_x if a[o] < mid else cust_y
                else:
                    customer[o] = cust_x if r % 2 == 1 else cust_y
        lag = rng.integers(1, 4, len(rep))
        ship = b.day[batch] + lag
        shipped = ship <= end_i
        beyond = z > total
        missing = np.bincount(rep[~shipped], minlength=n_o) > 0
        status = np.where(beyond | missing, 0, 1)
        first_day = end_i - rng.integers(0, 20, n_o)
        last_day = np.full(n_o, -(10**6))
        np.minimum.at(first_day, rep, b.day[batch])
        np.maximum.at(last_day, rep, b.day[batch] + 2)
        last_day = np.where(count > 0, last_day, end_i + 2)  # nothing to ship from yet
        order_day = np.maximum(0, first_day - rng.integers(5, 26, n_o))
        slack = np.where(rng.random(n_o) < 0.93, rng.integers(1, 9, n_o), -rng.integers(1, 6, n_o))
        due = np.where(beyond, end_i + rng.integers(3, 31, n_o), last_day + slack)
        due = np.maximum(due, order_day + 3)
        so["product"].append(np.full(n_o, p))
        so["customer"].append(customer)
        so["order"].append(order_day)
        so["due"].append(due)
        so["qty"].append(z - a)
        so["status"].append(status)
        sh["order_local"].append(rep[shipped] + n_orders)
        sh["batch"].append(batch[shipped])
        sh["ship"].append(ship[shipped])
        sh["qty"].append(ov[shipped])
        n_orders += n_o

    # A few cancelled orders that never shipped.
    n_c = max(1, n_orders // 50)
    c_prod = rng.integers(0, len(dims.product_ids), n_c)
    c_cust = np.empty(n_c, dtype=np.int64)
    for i, p in enumerate(c_prod.tolist()):
        cidx, cw = _customer_weights(N.FAMILIES[dims.p_family[p]])
        c_cust[i] = cidx[rng.choice(len(cidx), p=cw)]
    c_order = rng.integers(0, max(1, end_i - 10), n_c)
    so["product"].append(c_prod)
    so["customer"].append(c_cust)
    so["order"].append(c_order)
    so["due"].append(c_order + rng.integers(14, 41, n_c))
    so["qty"].append(np.full(n_c, 500) * rng.integers(1, 20, n_c))
    so["status"].append(np.full(n_c, 2))
    cat = {k: np.concatenate(v) for k, v in so.items()}
    shc = {k: np.concatenate(v) for k, v in sh.items()}

    so_order = np.lexsort((np.arange(len(cat["order"])), cat["product"], cat["order"]))
    so_rank = np.empty_like(so_order)
    so_rank[so_order] = np.arange(len(so_order))
    so_ids = [f"SO-{i + 1:07d}" for i in range(len(so_order))]
    sh_so = so_rank[shc["order_local"]]
    sh_order = np.lexsort((shc["batch"], sh_so, shc["ship"]))
    sh_ids = [f"SH-{i + 1:07d}" for i in range(len(sh_order))]
    sh_customer = cat["customer"][shc["order_local"]]
    tables: dict[str, dict[str, Any]] = {
        "sales_orders": {
            "sales_order_id": so_ids,
            "customer_id": dict_array(cat["customer"][so_order], [c.customer_id for c in N.CUSTOMERS]),
            "product_id": dict_array(cat["product"][so_order], dims.product_ids),
            "order_date": date_array(plan.dates[0] + cat["order"][so_order]),
            "due_date": date_array(plan.dates[0] + cat["due"][so_order]),
            "quantity": cat["qty"][so_order].astype(np.int32),
            "status": dict_array(cat["status"][so_order], SO_STATUSES),
        },
        "shipments": {
            "shipment_id": sh_ids,
            "sales_order_id": dict_array(sh_so[sh_order], so_ids),
            "batch_id": [b.ids[i] for i in shc["batch"][sh_order].tolist()],
            "customer_id": dict_array(sh_customer[sh_order], [c.customer_id for c in N.CUSTOMERS]),
            "ship_date": date_array(plan.dates[0] + shc["ship"][sh_order]),
            "quantity": shc["qty"][sh_order].astype(np.int32),
        },
    }
    tables["customer_complaints"] = _complaints(rng, dims, plan, b, shc["batch"], shc["ship"], shc["qty"],
                                                sh_customer, story_batches, cust_x)
    return tables


def _complaints(rng: np.random.Generator, dims: Dims, plan: Plan, b: Batches, s_batch: np.ndarray,
                s_ship: np.ndarray, s_qty: np.ndarray, s_cust: np.ndarray, story_batches: np.ndarray,
                cust_x: int) -> dict[str, Any]:
    """Random complaints on shipped batches, plus story 1's crack complaint."""
    end_i = plan.n_days - 1
    pool = np.nonzero(~np.isin(s_batch, story_batches))[0]
    n_c = min(len(pool), max(2, round(0.008 * len(s_batch))))
    pick = np.sort(rng.choice(pool, size=n_c, replace=False)) if n_c else pool[:0]
    reported = s_ship[pick] + rng.integers(5, 46, len(pick))
    pick, reported = pick[reported <= end_i], reported[reported <= end_i]
    fam = dims.p_family[b.product[s_batch[pick]]]
    issues = np.empty(len(pick), dtype=np.int64)
    for i, f in enumerate(fam.tolist()):
        cands = [k for k, (_, _, fm) in enumerate(N.COMPLAINT_ISSUES) if fm in (N.FAMILIES[f], "")]
        issues[i] = cands[int(rng.integers(0, len(cands)))]
    age = end_i - reported
    u = rng.random(len(pick))
    status = np.where(age > 60, np.where(u < 0.92, 2, 1), np.where(age > 20, np.where(u < 0.5, 2, 1),
                                                                    np.where(u < 0.6, 0, 1)))
    qty = np.minimum(s_qty[pick], rng.integers(1, 301, len(pick)))
    cust = s_cust[pick]
    batch = s_batch[pick]
    issue_en = [N.COMPLAINT_ISSUES[i][0] for i in issues]
    issue_zh = [N.COMPLAINT_ISSUES[i][1] for i in issues]
    # Story 1: the first customer finds cracks in the first bad batch it received.
    to_x = np.nonzero(np.isin(s_batch, story_batches) & (s_cust == cust_x))[0]
    if len(to_x):
        j = to_x[np.argmin(s_ship[to_x])]
        reported = np.append(reported, min(end_i, max(int(s_ship[j]) + 10, end_i - 14)))
        cust = np.append(cust, cust_x)
        batch = np.append(batch, s_batch[j])
        qty = np.append(qty, min(int(s_qty[j]), 180))
        status = np.append(status, 1)
        issue_en.append(N.STORY_COMPLAINT[0])
        issue_zh.append(N.STORY_COMPLAINT[1])
    order = np.lexsort((batch, reported))
    return {
        "complaint_id": [f"CC-{i + 1:05d}" for i in range(len(order))],
        "customer_id": dict_array(cust[order], [c.customer_id for c in N.CUSTOMERS]),
        "batch_id": [b.ids[i] for i in batch[order].tolist()],
        "reported_on": date_array(plan.dates[0] + reported[order]),
        "issue": [issue_en[i] for i in order.tolist()],
        "quantity_affected": qty[order].astype(np.int32),
        "status": dict_array(status[order], COMPLAINT_STATUSES),
        "issue_zh": [issue_zh[i] for i in order.tolist()],
    }
