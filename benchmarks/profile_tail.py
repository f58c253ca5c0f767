"""Where the slowest answers spend their time: pyinstrument on the questions with the largest overhead (issue 17).

    .venv/bin/pip install pyinstrument          # a profiler, not a dependency of the project
    .venv/bin/python benchmarks/profile_tail.py [--scale 1] [--slowest 5] [--repeat 5] [--out DIR]
    .venv/bin/python benchmarks/profile_tail.py --ids oee-by-plant,scrap-rate-nov   # chosen questions

Builds the pipeline as benchmarks/overhead.py does (same questions, same database, same stage
timers), asks every question twice and ranks them by median overhead (total - bare SQL). The
timers are then taken off and the `--slowest` questions are asked `--repeat` times each under
pyinstrument (only the measured turn; a follow-up's earlier turns run unprofiled). Prints, in ms
per answer: each question's stages, the time by package (self time), the top functions by
inclusive time and by self time over all profiled answers; writes each question's call tree to
DIR/<id>.txt (default .cache/bench/profile/).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from bench_data import scaled_db
from overhead_measure import QUESTIONS, STAGES, Bench, prepared_session


def _package(path: str) -> str:
    """'sqlglot', 'altair', 'assistant.sql.guard', ... from a frame's file."""
    parts = Path(path).parts
    if "site-packages" in parts:
        rest = parts[parts.index("site-packages") + 1:]
        return rest[0].removesuffix(".py") if rest else "?"
    for root in ("assistant", "semantic_layer"):
        if root in parts:
            rest = parts[parts.index(root):]
            return ".".join(p.removesuffix(".py") for p in rest[:3] if not p.endswith(".py") or len(rest) <= 3)
    return "python" if "/lib/python" in path else Path(path).name


def _walk(frame: Any, path: tuple[str, ...], inclusive: dict[str, float], own: dict[str, float],
          packages: dict[str, float], parent_file: str = "") -> None:
    """Inclusive time per function (recursion counted once) and self time per function and package;
    pyinstrument keeps a function's own time in a synthetic '[self]' child, counted here to the function."""
    if frame.is_synthetic_leaf:
        if path:
            own[path[-1]] += frame.time
        packages[_package(frame.file_path or parent_file)] += frame.time
        return
    key = f"{frame.function}  {frame.file_path_short}:{frame.line_no}"
    if key not in path:
        inclusive[key] += frame.time
    rest = max(0.0, frame.time - sum(child.time for child in frame.children))
    if rest and path:  # a leaf, or time pyinstrument left unassigned
        own[key] += rest
        packages[_package(frame.file_path or "")] += rest
    for child in frame.children:
        _walk(child, (*path, key), inclusive, own, packages, frame.file_path or parent_file)


def _report(per: float, answers: int, packages: dict[str, float], inclusive: dict[str, float],
            own: dict[str, float]) -> None:
    """`per`: seconds summed over all profiled answers -> ms per answer."""
    print(f"\nself time by package, ms per answer ({answers} profiled answers):")
    for name, secs in sorted(packages.items(), key=lambda kv: -kv[1])[:15]:
        print(f"  {secs * per:8.1f}  {name}")
    print("\ntop functions by inclusive time, ms per answer:")
    for name, secs in sorted(inclusive.items(), key=lambda kv: -kv[1])[:30]:
        print(f"  {secs * per:8.1f}  {name}")
    print("\ntop functions by self time, ms per answer:")
    for name, secs in sorted(own.items(), key=lambda kv: -kv[1])[:20]:
        print(f"  {secs * per:8.1f}  {name}")


def _rank(bench: Bench) -> list[dict[str, Any]]:
    """Every question asked twice more (after a warm-up pass), with its median figures."""
    for item in bench.items:  # warm-up: imports, vocabularies, freshness cache
        bench.one(item)
    runs = [[bench.one(item) for item in bench.items] for _ in range(2)]
    ranked: list[dict[str, Any]] = []
    for item, *xs in zip(bench.items, *runs, strict=True):
        ranked.append({"id": item["id"], "total": statistics.median(x["total"] for x in xs),
                       "bare_sql": statistics.median(x["bare_sql"] for x in xs),
                       "overhead": statistics.median(x["total"] - x["bare_sql"] for x in xs),
                       "stages": {s: statistics.median(x["stages"][s] for x in xs) for s in STAGES}})
    return ranked


def main() -> int:
    try:
        from pyinstrument import Profiler
    except ImportError:
        raise SystemExit("pyinstrument is not installed: .venv/bin/pip install pyinstrument") from None
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--db", help="an existing DuckDB file instead of the demo factory at --scale")
    parser.add_argument("--slowest", type=int, default=5)
    parser.add_argument("--ids", help="profile these question ids (comma-separated) instead of the slowest")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--interval", type=float, default=0.001, help="sampling interval, seconds")
    parser.add_argument("--out", type=Path, default=ROOT / ".cache" / "bench" / "profile")
    args = parser.parse_args()

    bench = Bench(str(scaled_db(args.scale, args.db)), QUESTIONS)
    ranked = _rank(bench)
    wanted = [i.strip() for i in args.ids.split(",")] if args.ids else []
    slow = ([r for r in ranked if r["id"] in wanted] if wanted
            else sorted(ranked, key=lambda r: -r["overhead"])[: args.slowest])
    bench.stages.unwrap()

    args.out.mkdir(parents=True, exist_ok=True)
    by_id = {i["id"]: i for i in bench.items}
    inclusive: dict[str, float] = defaultdict(float)
    own: dict[str, float] = defaultdict(float)
    packages: dict[str, float] = defaultdict(float)
    answers = 0
    print(f"database {bench.info['db']}; {'the chosen questions' if wanted else f'the {len(slow)} largest overheads'}, "
          "ms per answer (median of 2):")
    print(f"  {'question':<32}{'total':>8}{'bare':>8}{'overhead':>9}  " + " ".join(f"{s[:7]:>7}" for s in STAGES))
    for r in slow:
        print(f"  {r['id']:<32}{r['total']:8.1f}{r['bare_sql']:8.1f}{r['overhead']:9.1f}  "
              + " ".join(f"{r['stages'][s]:7.1f}" for s in STAGES))
    for r in slow:
        item = by_id[r["id"]]
        profiler = Profiler(interval=args.interval)
        for _ in range(args.repeat):
            session = prepared_session(bench.pipe, item)
            profiler.start()
            bench.pipe.ask(item["question"], session=session)
            profiler.stop()
        session_ = profiler.last_session
        assert session_ is not None
        (args.out / f"{r['id']}.txt").write_text(
            f"{item['question']}\n{args.repeat} answers, times are totals over them\n\n"
            + profiler.output_text(unicode=True, show_all=False), encoding="utf-8")
        root = session_.root_frame()
        if root is not None:
            _walk(root, (), inclusive, own, packages)
        answers += args.repeat
    bench.close()

    _report(1000 / answers, answers, packages, inclusive, own)
    print(f"\ncall trees: {args.out}/<question id>.txt")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
