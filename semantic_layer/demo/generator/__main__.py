"""python -m semantic_layer.demo.generator --out PATH [--end-date D] [--days N] [--scale K] [--seed S] [--to URL]"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time

from .core import generate, row_counts
from .postgres import copy_to_postgres, describe_url


def main(argv: list[str] | None = None) -> int:
    """Generate the demo factory (and optionally copy it to PostgreSQL); prints timings."""
    ap = argparse.ArgumentParser(prog="python -m semantic_layer.demo.generator", description=__doc__)
    ap.add_argument("--out", required=True, help="DuckDB file to write")
    ap.add_argument("--end-date", type=dt.date.fromisoformat, default=None, help="last day (default: today)")
    ap.add_argument("--days", type=int, default=730)
    ap.add_argument("--scale", type=int, default=1)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--to", default=None, help="also copy into PostgreSQL at this URL")
    ap.add_argument("--quiet", action="store_true", help="no progress bars")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    path = generate(args.out, end_date=args.end_date, days=args.days, scale=args.scale, seed=args.seed,
                    progress=not args.quiet)
    t1 = time.perf_counter()
    counts = row_counts(path)
    print(f"wrote {path} in {t1 - t0:.1f} s ({sum(counts.values()):,} rows)")
    for table, n in counts.items():
        print(f"  {table:<22} {n:>12,}")
    if args.to:
        copy_to_postgres(path, args.to, progress=not args.quiet)
        print(f"copied to {describe_url(args.to)} in {time.perf_counter() - t1:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
