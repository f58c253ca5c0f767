"""The reporting half of benchmarks/overhead.py: the cold CLI, the machine, the printed table and
the comparison with an earlier run. See overhead.py."""

from __future__ import annotations

import datetime as dt
import os
import platform
import statistics
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from overhead_measure import STAGES, SUMMARY

ROOT = Path(__file__).resolve().parents[1]
COLD_QUESTIONS = (("en", "OEE by plant last month"), ("zh", "上个月各工厂的报废率"))


# ---------------------------------------------------------------------- the CLI, cold
def cold_cli(db: str, as_of: dt.date, runs: int, *, summaries: bool = True) -> dict[str, Any]:
    exe = ROOT / ".venv" / "bin" / "factory-assistant"
    env = {k: v for k, v in os.environ.items() if not k.startswith("FA_")}
    env["FA_PLANNER"] = "rules"
    env["FA_SUMMARIES"] = "1" if summaries else "0"
    out: dict[str, Any] = {}
    for lang, question in COLD_QUESTIONS:
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            done = subprocess.run(
                [
                    str(exe) if exe.exists() else "factory-assistant",
                    "ask",
                    question,
                    "--db",
                    str(db),
                    "--as-of",
                    as_of.isoformat(),
                ],
                capture_output=True,
                env=env,
                check=False,
            )
            times.append(time.perf_counter() - t0)
            if done.returncode != 0:
                raise SystemExit(f"factory-assistant ask failed: {done.stderr.decode()[-500:]}")
        out[lang] = {"question": question, "median_s": statistics.median(times), "max_s": max(times), "runs_s": times}
    return out


# ---------------------------------------------------------------------- machine
def machine() -> dict[str, Any]:
    import duckdb
    import sqlglot

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem_kb = next(
        (
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        ),
        0,
    )
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "ram_gb": round(mem_kb / 2**20, 1),
        "cpu": cpu,
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "sqlglot": sqlglot.__version__,
        "commit": commit,
        "load_before": _load(),
        "date": dt.datetime.now().isoformat(timespec="seconds"),
    }


def _load() -> str:
    """The 1/5/15-minute load average: other work on the machine skews every figure here."""
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


# ---------------------------------------------------------------------- printing
def _cell(d: dict[str, float] | None, unit: str = "") -> str:
    if not d:
        return f"{'—':>19}"
    fmt = "{:.2f}" if unit == "x" or d["median"] < 10 else "{:.1f}" if d["median"] < 1000 else "{:.0f}"
    return f"{fmt.format(d['median']) + unit:>9} {fmt.format(d['p95']) + unit:>9}"


LABELS = {
    "retrieval": "retrieval",
    "planning": "planning",
    "compile": "compile",
    "guard": "guard",
    "execute": "execute (SQLAlchemy)",
    "freshness": "freshness",
    "answer": "sentences/chart",
    "total": "assistant total",
    "bare_sql": "bare SQL (floor)",
    "overhead_ms": "overhead ms",
    "overhead_ratio": "overhead ratio total/bare",
    "first_pass_total": "first pass total",
}


KINDS = {"query": "metric answers", "why": "why-answers", "trace": "traces", "clarify": "clarifications"}


def print_table(result: dict[str, Any]) -> None:
    scales = result["scales"]
    names = list(scales)
    m = result["machine"]
    print(
        f"\nmachine: {m['nproc']} cores, {m['ram_gb']} GB RAM, {m['cpu']}; Python {m['python']}, "
        f"DuckDB {m['duckdb']}, sqlglot {m['sqlglot']}; commit {m['commit']}"
    )
    first = scales[names[0]]
    print(
        f"{first['questions']} questions x {first['rounds']} timed rounds per scale, after a first pass "
        f"reported on its own; load average {m['load_before']} before, {m['load_after']} after\n"
    )
    head = f"{'ms, median / p95':<28}" + "".join(f"{'scale ' + n:>20}" for n in names)
    print(head)
    print("-" * len(head))
    for label, fn in _rows(scales):
        print(f"{label:<28}" + "".join(f" {fn(scales[n])}" for n in names))
    print("-" * len(head))
    _facts(scales, names)


Row = tuple[str, Callable[[dict[str, Any]], str]]


def _rows(scales: dict[str, Any]) -> list[Row]:
    """The table's timing rows: stages, totals, overhead by kind, the assistant side by kind."""
    rows: list[Row] = []
    for s in STAGES:
        rows.append((LABELS[s], lambda r, s=s: _cell(r["stages"][s])))
    rows.append(("", lambda r: " " * 19))
    for s in SUMMARY:
        rows.append((LABELS[s], lambda r, s=s: _cell(r[s], "x" if s == "overhead_ratio" else "")))
    rows.append((LABELS["first_pass_total"], lambda r: _cell(r["first_pass_total"])))
    for kind, label in KINDS.items():
        if not any(kind in r.get("overhead_by_kind", {}) for r in scales.values()):
            continue
        rows.append((f"overhead ms, {label}", lambda r, kind=kind: _cell(r.get("overhead_by_kind", {}).get(kind))))
    if any("assistant_side_ms" in r for r in scales.values()):  # see overhead.py: "assistant side"
        rows.append(("", lambda r: " " * 19))
        rows.append(("floor's DB time in the run", lambda r: _cell(r.get("db_in_run"))))
        rows.append(("assistant side ms", lambda r: _cell(r.get("assistant_side_ms"))))
        rows.append(("  of which GC pauses", lambda r: _cell(r.get("gc_pause"))))
        for kind, label in KINDS.items():
            if any(kind in r.get("assistant_side_by_kind", {}) for r in scales.values()):
                rows.append((f"assistant side, {label}",
                             lambda r, kind=kind: _cell(r.get("assistant_side_by_kind", {}).get(kind))))
    return rows


def _facts(scales: dict[str, Any], names: list[str]) -> None:
    """Below the table: the data, the build times, memory, cold starts, and the slowest answers."""

    def line(label: str, fn: Callable[[dict[str, Any]], str]) -> None:
        print(f"{label:<28}" + "".join(f"{fn(scales[n]):>20}" for n in names))

    line("production records", lambda r: f"{r['rows']['production_records']:,}")
    line("summary tables", lambda r: "read" if r.get("summaries", True) else "off")
    line("copy to PostgreSQL (s)", lambda r: f"{r['copy_to_postgres_s']:.0f}" if r.get("copy_to_postgres_s") else "—")
    line("generated in (s)", lambda r: "cached" if r.get("generate_s") is None else f"{r['generate_s']:.0f}")
    line("member catalogue build ms", lambda r: f"{r['catalogue_build_ms']:.0f}")
    line("embedding model load ms", lambda r: f"{r.get('embedding_model_load_ms', 0):.0f}")
    line("index build ms (docs)", lambda r: f"{r['index_build_ms']:.0f} ({r['index_docs']})")
    line("index open, cached ms", lambda r: f"{r['index_open_ms']:.0f}")
    line("peak RSS MB", lambda r: f"{r['peak_rss_mb']:.0f}")
    line(
        "py alloc/answer MB med/max",
        lambda r: f"{r['py_peak_per_answer_mb']['median']:.1f} / {r['py_peak_per_answer_mb']['max']:.1f}",
    )
    for lang, _q in COLD_QUESTIONS:
        line(
            f"CLI cold start s ({lang}) med/max",
            lambda r, lang=lang: (
                f"{r['cli_cold'][lang]['median_s']:.2f} / {r['cli_cold'][lang]['max_s']:.2f}"
                if r.get("cli_cold")
                else "—"
            ),
        )
    line(
        "answers not ok (first pass)",
        lambda r: ", ".join(f"{n} {k}" for k, n in r["statuses"].items() if not k.endswith(":ok")) or "none",
    )
    for n in names:
        slow = sorted(scales[n]["per_question"], key=lambda q: -q["overhead_ms"])[:5]
        print(f"\nscale {n}, largest overhead (median ms: total / bare SQL / overhead / assistant side, "
              "statements run):")
        for q in slow:
            side = q.get("assistant_side_ms")
            print(
                f"  {q['id']:<32} {q['plan_kind']:<6} {q['total']:8.1f} {q['bare_sql']:8.1f} "
                f"{q['overhead_ms']:8.1f} {'—' if side is None else f'{side:.1f}':>8}  {q['statements']:>3}"
            )


def print_compare(old: dict[str, Any], new: dict[str, Any]) -> None:
    print(
        f"\nchange against {old['machine'].get('commit', '?')} ({old['machine'].get('date', '?')}); load average "
        f"then {old['machine'].get('load_before', '?')}, now {new['machine'].get('load_before', '?')} "
        "(on a shared machine, a change within the noise of two runs of the same code is no change):"
    )
    for n, now in new["scales"].items():
        was = old["scales"].get(n)
        if was is None:
            print(f"  scale {n}: not in the old run")
            continue
        print(f"  scale {n}{'':<18}{'old':>10}{'new':>10}{'change':>10}")
        pairs = [(f"{LABELS[k]} {q}", was[k][q], now[k][q]) for k in SUMMARY for q in ("median", "p95")]
        pairs += [(f"{LABELS[s]} median", was["stages"][s]["median"], now["stages"][s]["median"]) for s in STAGES]
        pairs += [
            ("index build ms", was["index_build_ms"], now["index_build_ms"]),
            ("peak RSS MB", was["peak_rss_mb"], now["peak_rss_mb"]),
        ]
        for lang, _q in COLD_QUESTIONS:
            if was.get("cli_cold") and now.get("cli_cold"):
                pairs.append(
                    (f"CLI cold start s ({lang})", was["cli_cold"][lang]["median_s"], now["cli_cold"][lang]["median_s"])
                )
        for label, a, b in pairs:
            change = f"{(b - a) / a * 100:+.0f}%" if a else "—"
            print(f"    {label:<36}{a:>10.2f}{b:>10.2f}{change:>10}")
