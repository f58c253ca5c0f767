"""generate(): orchestrates plan -> monthly fact chunks -> orders, supply, sales -> DuckDB file."""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from .dimensions import Dims, build_dims
from .inventory import inventory_snapshots, lot_consumption, po_and_lot_tables, split_lots
from .plan import Plan, build_plan
from .production import Accumulator, generate_chunk
from .sales import build_sales
from .supply import build_pools, build_purchases
from .workorders import Batches, batches_table, build_batches, work_order_status, work_orders_table
from .writer import DuckWriter

log = logging.getLogger(__name__)

DIMENSION_TABLES = ("plants", "production_lines", "machines", "products", "shifts", "suppliers", "materials",
                    "customers")


def _progress(enabled: bool) -> Any:
    if not enabled:
        return nullcontext(None)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())


def _check_arguments(days: int, scale: int, seed: int) -> None:
    if days < 14:
        raise ValueError("days must be at least 14")
    if scale < 1:
        raise ValueError("scale must be a positive integer")
    if seed < 0:
        raise ValueError("seed must be non-negative")


def _stepper(bar: Any, task: Any) -> Callable[[str], None]:
    """A callback that advances the progress bar (when there is one) past a step named `label`."""

    def step(label: str) -> None:
        if bar is not None:
            bar.update(task, advance=1, description=label)

    return step


def _write_production(writer: DuckWriter, dims: Dims, plan: Plan, seed: int, acc: Accumulator,
                      chunks: list[tuple[int, int]], step: Callable[[str], None]) -> None:
    """The dimension tables, then the production facts month by month (filling `acc`)."""
    for name in DIMENSION_TABLES:
        writer.append(name, dims.tables[name])
    for ci, (d0, d1) in enumerate(chunks):
        for table, cols in generate_chunk(dims, plan, seed, ci, d0, d1, acc).items():
            writer.append(table, cols)
        step(f"production {plan.dates[d0].astype('datetime64[M]')}")


def _write_work_orders(writer: DuckWriter, dims: Dims, plan: Plan, seed: int, acc: Accumulator) -> Batches:
    """Work orders and the finished batches they made; returns the batches for sales."""
    writer.append("work_orders", work_orders_table(dims, plan, acc))
    batches = build_batches(dims, plan, seed, acc)
    writer.append("finished_batches", batches_table(dims, plan, batches))
    return batches


def _write_purchasing(writer: DuckWriter, dims: Dims, plan: Plan, seed: int, acc: Accumulator) -> None:
    """Purchase orders, material lots, what the started work orders consumed, and inventory."""
    pools = build_pools(dims, plan, acc)
    purchases = build_purchases(dims, plan, seed, pools)
    lots = split_lots(plan, pools, purchases)
    po_table, lot_table = po_and_lot_tables(dims, plan, pools, purchases, lots)
    writer.append("purchase_orders", po_table)
    writer.append("material_lots", lot_table)
    status = work_order_status(plan, acc)
    started = (status == 1) | (status == 2)
    consumption, borrowed = lot_consumption(plan, pools, purchases, lots, started)
    if borrowed:
        log.warning("lot issue fell back to an emptied lot %d times", borrowed)
    writer.append("lot_consumption", consumption)
    writer.append("inventory_snapshots", inventory_snapshots(dims, plan, pools, purchases, lots))


def generate(
    out: str | os.PathLike[str],
    *,
    end_date: dt.date | None = None,
    days: int = 730,
    scale: int = 1,
    seed: int = 42,
    progress: bool = True,
) -> Path:
    """Write the demo factory database to `out` (DuckDB) and return its path.

    The same arguments always give the same table contents; only end_date=None reads
    the clock (it means today). Facts are streamed month by month, so memory stays flat
    as `scale` grows.
    """
    _check_arguments(days, scale, seed)
    end = end_date or dt.date.today()
    dims = build_dims(seed, scale)
    plan = build_plan(dims, seed, end, days)
    acc = Accumulator.empty(len(plan.wo_ids), len(dims.line_ids), plan.n_ext)
    writer = DuckWriter(Path(out))
    chunks = plan.chunks()
    try:
        with _progress(progress) as bar:
            task = bar.add_task(f"demo factory x{scale}", total=len(chunks) + 4) if bar else None
            step = _stepper(bar, task)
            _write_production(writer, dims, plan, seed, acc, chunks, step)
            batches = _write_work_orders(writer, dims, plan, seed, acc)
            step("work orders and batches")
            _write_purchasing(writer, dims, plan, seed, acc)
            step("purchasing and inventory")
            for table, cols in build_sales(dims, plan, seed, batches).items():
                writer.append(table, cols)
            step("sales and complaints")
            path = writer.finish()
            step("keys and checkpoint")
    except BaseException:
        writer.abort()
        raise
    log.info("demo factory written to %s: %s", path, {t: n for t, n in writer.rows.items() if n})
    return path


def row_counts(path: str | os.PathLike[str]) -> dict[str, int]:
    """Rows per table of a generated file (for reports and the CLI)."""
    import duckdb

    from .schema import TABLES

    with duckdb.connect(str(path), read_only=True) as con:
        return {t: int(con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]) for t in TABLES}


__all__ = ["generate", "row_counts"]
