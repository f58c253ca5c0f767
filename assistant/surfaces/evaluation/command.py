"""`factory-assistant eval`: run, report, gate; return the process exit code.

Exit codes: 0 ok; 1 accuracy below --min-accuracy or below the baseline (the gate);
2 the evaluation could not run (bad question file, missing database, no planner).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Sequence

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from assistant.core.errors import ConfigError, FactoryAssistantError
from assistant.surfaces.evaluation.gate import check_gate, update_baseline
from assistant.surfaces.evaluation.questions import load_questions
from assistant.surfaces.evaluation.report import write_report, write_results_json
from assistant.surfaces.evaluation.runner import Asker, EvalRun, ItemResult, run_eval

EXIT_OK, EXIT_BELOW, EXIT_CANNOT_RUN = 0, 1, 2
_FAILURES_SHOWN = 10


def _threshold(min_accuracy: float | None) -> float | None:
    # People type --min-accuracy 85 as often as 0.85; anything above 1 is a percentage.
    if min_accuracy is None:
        return None
    if not 0 <= min_accuracy <= 100:
        raise ConfigError(f"--min-accuracy {min_accuracy} is not an accuracy.",
                          suggestion="Give 0..1 or a percentage 0..100.")
    return min_accuracy / 100 if min_accuracy > 1 else min_accuracy


def print_summary(run: EvalRun, console: Console) -> None:
    s = run.summary
    console.print(f"[bold]Accuracy {s['accuracy'] * 100:.1f}%[/bold] ({s['correct']}/{s['total']}) · "
                  f"planner {s['planner']} · {s['questions_name']} · as of {s.get('as_of') or 'today'}")
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    for col in ("group", "accuracy", "n"):
        table.add_column(col, justify="left" if col == "group" else "right")
    for prefix, key in (("lang", "by_lang"), ("tag", "by_tag")):
        for name, st in s.get(key, {}).items():
            table.add_row(f"{prefix}: {name}", f"{st['accuracy'] * 100:.1f}%", str(st["n"]))
    console.print(table)
    lat, ref = s["latency_ms"], s["refusals"]
    console.print(f"latency p50 {lat['p50']} ms, p95 {lat['p95']} ms · refusals {ref['correct']}/{ref['expected']}"
                  f" · false refusals {ref['false_refusals']}"
                  + (f" · questions back {s['clarify']['correct']}/{s['clarify']['expected']}"
                     f" (needless {s['clarify']['needless']})" if s.get("clarify") else "")
                  + f" · wrong with data {s.get('wrong_with_data', 0)}"
                  + (" · tokens " + ", ".join(f"{k} {v}" for k, v in s["tokens_total"].items())
                     if s.get("tokens_total") else ""))
    if s.get("gold_errors"):
        console.print(f"[red]{s['gold_errors']} gold SQL quer{'y' if s['gold_errors'] == 1 else 'ies'} failed: "
                      "fix the question file.[/red]")
    failures = [i for i in run.items if not i.correct]
    for item in failures[:_FAILURES_SHOWN]:
        console.print(f"  [red]✗[/red] {escape(item.id)}: {escape(item.reason)}", highlight=False)
    if len(failures) > _FAILURES_SHOWN:
        console.print(f"  … and {len(failures) - _FAILURES_SHOWN} more (see the report)")


def run_eval_command(
    questions: str | os.PathLike[str],
    db: str | os.PathLike[str],
    as_of: dt.date | None,
    planner: str,
    output: str | os.PathLike[str] | None,
    report: str | os.PathLike[str] | None,
    min_accuracy: float | None,
    asker_factory: Callable[[str], Asker],
    *,
    equivalence_groups: Sequence[tuple[str, Sequence[str]]] | None = None,
    baseline: str | os.PathLike[str] | None = None,
    raise_baseline: bool = False,
    console: Console | None = None,
) -> int:
    """Run the evaluation end to end and return the exit code (see the module doc).

    questions: question YAML; db: DuckDB file the gold SQL runs on; as_of: overrides the
    file's as_of; planner: passed to asker_factory (rules | llm | hybrid); output:
    results.json path (a directory gets results.json inside; None = do not write);
    report: markdown path (chart PNG next to it; None = no report); min_accuracy: 0..1
    or a percentage; equivalence_groups: [(table, [id_col, name_col, ...])] from the
    semantic layer (None = the demo contract's groups); baseline: eval/baseline.json to
    gate against (None = no gate); raise_baseline: store a higher accuracy there.
    """
    console = console or Console()
    try:
        threshold = _threshold(min_accuracy)
        qset = load_questions(questions)
        asker = asker_factory(planner)
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                      console=console, transient=True) as progress:
            task = progress.add_task(f"eval {qset.name} ({planner})", total=len(qset.items))

            def advance(_: ItemResult) -> None:
                progress.advance(task)

            run = run_eval(qset, asker, db, as_of=as_of, equivalence_groups=equivalence_groups, on_item=advance)
    except FactoryAssistantError as exc:
        console.print(f"[red]Evaluation could not run:[/red] {escape(str(exc))}", highlight=False)
        return EXIT_CANNOT_RUN

    print_summary(run, console)
    if output is not None:
        console.print(f"results: {write_results_json(run, output)}")
    if report is not None:
        md, png = write_report(run, report)
        console.print(f"report: {md}" + (f" (chart {png.name})" if png else " (chart not rendered)"))

    code = EXIT_OK
    exact = run.summary["correct"] / run.summary["total"]
    if threshold is not None and exact < threshold:
        console.print(f"[red]Accuracy {exact:.1%} is below --min-accuracy {threshold:.1%}.[/red]")
        code = EXIT_BELOW
    if baseline is not None:
        gate = check_gate(exact, baseline, qset.name, asker.name)
        verdict = "[green]gate passed:[/green] " if gate.passed else "[red]gate failed:[/red] "
        console.print(verdict + escape(gate.message))
        if not gate.passed:
            code = EXIT_BELOW
        elif raise_baseline:
            level = update_baseline(exact, baseline, qset.name, asker.name)
            console.print(f"baseline for {qset.name} / {asker.name}: {level:.1%}")
    return code


__all__ = ["EXIT_BELOW", "EXIT_CANNOT_RUN", "EXIT_OK", "print_summary", "run_eval_command"]
