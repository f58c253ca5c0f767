"""Dimension tables and the per-machine / per-product parameters the facts are drawn from."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import names as N
from .util import STREAM_DIMS, rng_for

# Plant personalities: performance level, scrap multiplier, breakdown multiplier.
PLANT_PERF: dict[str, float] = {"SZ": 0.925, "NB": 0.905, "CQ": 0.885}
PLANT_SCRAP: dict[str, float] = {"SZ": 0.85, "NB": 1.0, "CQ": 1.25}
PLANT_BREAKDOWN: dict[str, float] = {"SZ": 0.85, "NB": 1.0, "CQ": 1.2}
IDLE_SHARE = 0.22  # a stopped machine still draws this share of its running kW


@dataclass
class Dims:
    """Everything about the static world that the fact generators need, as arrays."""

    scale: int
    plant_ids: list[str]
    line_ids: list[str]
    line_plant: np.ndarray
    line_family: np.ndarray
    line_products: list[np.ndarray]
    line_n_machines: np.ndarray
    machine_ids: list[str]
    m_line: np.ndarray
    m_plant: np.ndarray
    m_type: np.ndarray
    m_ct_factor: np.ndarray
    m_perf: np.ndarray
    m_scrap: np.ndarray
    m_bd_rate: np.ndarray
    m_pm_offset: np.ndarray
    m_epp: np.ndarray  # kWh per part while running
    m_idle_kw: np.ndarray
    m_standby_kw: np.ndarray
    product_ids: list[str]
    p_family: np.ndarray
    p_ct: np.ndarray
    material_ids: list[str]
    bom: np.ndarray  # (products, materials) usage per unit
    tables: dict[str, dict[str, Any]] = field(default_factory=dict)


def build_dims(seed: int, scale: int) -> Dims:
    """Build the dimension tables for a given scale (machines per line multiply by scale)."""
    rng = rng_for(seed, STREAM_DIMS)
    fam_idx = {f: i for i, f in enumerate(N.FAMILIES)}
    type_idx = {t: i for i, t in enumerate(N.MACHINE_TYPES)}
    prod_idx = {p.product_id: i for i, p in enumerate(N.PRODUCTS)}
    mat_idx = {m.material_id: i for i, m in enumerate(N.MATERIALS)}

    plant_ids = [p.plant_id for p in N.PLANTS]
    line_ids: list[str] = []
    line_rows: dict[str, list[Any]] = {c: [] for c in
                                       ("line_id", "plant_id", "line_name", "line_name_zh", "product_family")}
    line_plant, line_family, line_n = [], [], []
    for pi, plant in enumerate(N.PLANTS):
        for n, (family, n_machines) in enumerate(N.LINE_LAYOUT[plant.plant_id], start=1):
            lid = f"{plant.plant_id}-L{n}"
            line_ids.append(lid)
            line_plant.append(pi)
            line_family.append(fam_idx[family])
            line_n.append(n_machines * scale)
            values = (lid, plant.plant_id, f"{plant.name} Line {n}", f"{plant.name_zh}{n}号线", family)
            for c, v in zip(line_rows, values, strict=True):
                line_rows[c].append(v)

    # Machines: cells cycle through the family's machine types.
    machine_ids: list[str] = []
    m_line, m_type, m_commissioned, m_names = [], [], [], []
    for li, lid in enumerate(line_ids):
        cycle = N.LINE_MACHINE_CYCLE[N.FAMILIES[line_family[li]]]
        opened = N.PLANTS[line_plant[li]].opened_on
        for k in range(line_n[li]):
            mtype = cycle[k % len(cycle)]
            machine_ids.append(f"{lid}-M{k + 1:02d}")
            m_line.append(li)
            m_type.append(type_idx[mtype])
            models = N.MACHINE_MODELS[mtype]
            m_names.append(f"{models[(li + k) % len(models)]} #{k + 1}")
            # Commissioning dates are fixed in time (not relative to the window).
            span = (dt.date(2023, 6, 30) - opened).days
            m_commissioned.append(opened + dt.timedelta(days=int(rng.integers(30, max(span, 31)))))
    n_m = len(machine_ids)
    m_line_a = np.array(m_line, dtype=np.int32)
    m_type_a = np.array(m_type, dtype=np.int32)
    line_plant_a = np.array(line_plant, dtype=np.int32)
    m_plant_a = line_plant_a[m_line_a]
    plant_codes = [plant_ids[p] for p in m_plant_a]

    type_params = np.array([N.MACHINE_TYPE_PARAMS[t] for t in N.MACHINE_TYPES])
    ct_factor = type_params[m_type_a, 0] * rng.uniform(0.93, 1.10, n_m)
    perf = np.array([PLANT_PERF[c] for c in plant_codes]) + rng.normal(0, 0.015, n_m)
    scrap = np.array([PLANT_SCRAP[c] for c in plant_codes]) * rng.lognormal(0, 0.22, n_m)
    bd_rate = (type_params[m_type_a, 2] * np.array([PLANT_BREAKDOWN[c] for c in plant_codes])
               * rng.lognormal(0, 0.3, n_m))
    pm_offset = rng.integers(0, 28, n_m)
    run_kw = type_params[m_type_a, 1] * rng.uniform(0.92, 1.08, n_m)

    p_family = np.array([fam_idx[p.family] for p in N.PRODUCTS], dtype=np.int32)
    p_ct = np.array([p.base_ct_s for p in N.PRODUCTS], dtype=float)
    fam_ct = np.array([p_ct[p_family == f].mean() for f in range(len(N.FAMILIES))])
    line_family_a = np.array(line_family, dtype=np.int32)
    # Energy per part tied to the machine and its line's typical cycle, not to the product,
    # so a plant's kWh/unit is stable quarter to quarter unless a story moves it.
    epp = run_kw * fam_ct[line_family_a[m_line_a]] * ct_factor / 3600.0

    bom = np.zeros((len(N.PRODUCTS), len(N.MATERIALS)))
    for p in N.PRODUCTS:
        for mid, use in p.bom.items():
            bom[prod_idx[p.product_id], mat_idx[mid]] = use

    dims = Dims(
        scale=scale, plant_ids=plant_ids, line_ids=line_ids, line_plant=line_plant_a,
        line_family=line_family_a,
        line_products=[np.array([prod_idx[p] for p in N.LINE_PRODUCTS[lid]], dtype=np.int32) for lid in line_ids],
        line_n_machines=np.array(line_n, dtype=np.int32), machine_ids=machine_ids, m_line=m_line_a,
        m_plant=m_plant_a, m_type=m_type_a, m_ct_factor=ct_factor, m_perf=np.clip(perf, 0.84, 0.96),
        m_scrap=scrap, m_bd_rate=bd_rate, m_pm_offset=pm_offset, m_epp=epp, m_idle_kw=IDLE_SHARE * run_kw,
        m_standby_kw=0.035 * run_kw, product_ids=[p.product_id for p in N.PRODUCTS], p_family=p_family,
        p_ct=p_ct, material_ids=[m.material_id for m in N.MATERIALS], bom=bom,
    )
    dims.tables = {
        "plants": {
            "plant_id": plant_ids, "plant_name": [p.name for p in N.PLANTS],
            "plant_name_zh": [p.name_zh for p in N.PLANTS], "city": [p.city for p in N.PLANTS],
            "opened_on": [p.opened_on for p in N.PLANTS],
        },
        "production_lines": line_rows,
        "machines": {
            "machine_id": machine_ids, "line_id": [line_ids[i] for i in m_line],
            "machine_name": m_names, "machine_type": [N.MACHINE_TYPES[t] for t in m_type],
            "commissioned_on": m_commissioned,
        },
        "products": {
            "product_id": dims.product_ids, "sku": [p.sku for p in N.PRODUCTS],
            "product_name": [p.name for p in N.PRODUCTS], "product_name_zh": [p.name_zh for p in N.PRODUCTS],
            "product_family": [p.family for p in N.PRODUCTS], "unit_cost": [p.unit_cost for p in N.PRODUCTS],
            "unit_price": [p.unit_price for p in N.PRODUCTS],
        },
        "shifts": {
            "shift_id": [s[0] for s in N.SHIFTS], "shift_name": [s[1] for s in N.SHIFTS],
            "shift_name_zh": [s[2] for s in N.SHIFTS], "start_time": [dt.time(s[3]) for s in N.SHIFTS],
            "end_time": [dt.time(s[4]) for s in N.SHIFTS],
        },
        "suppliers": {
            "supplier_id": [s.supplier_id for s in N.SUPPLIERS], "supplier_name": [s.name for s in N.SUPPLIERS],
            "supplier_name_zh": [s.name_zh for s in N.SUPPLIERS], "country": [s.country for s in N.SUPPLIERS],
            "category": [s.category for s in N.SUPPLIERS],
        },
        "materials": {
            "material_id": dims.material_ids, "material_name": [m.name for m in N.MATERIALS],
            "material_name_zh": [m.name_zh for m in N.MATERIALS],
            "material_type": [m.material_type for m in N.MATERIALS], "unit": [m.unit for m in N.MATERIALS],
            "standard_cost": [m.standard_cost for m in N.MATERIALS],
        },
        "customers": {
            "customer_id": [c.customer_id for c in N.CUSTOMERS], "customer_name": [c.name for c in N.CUSTOMERS],
            "customer_name_zh": [c.name_zh for c in N.CUSTOMERS], "region": [c.region for c in N.CUSTOMERS],
            "country": [c.country for c in N.CUSTOMERS],
        },
    }
    return dims
