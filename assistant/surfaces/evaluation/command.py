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
from assistant.core.settings import Settings
from assistant.surfaces.evaluation.gate import check_gate, update_baseline
from assistant.surfaces.evaluation.questions import load_questions
from assistant.surfaces.evaluation.report import write_report, write_results_json
from assistant.surfaces.evaluation.runner import Asker, EvalRun, ItemResult, run_eval
from assistant.surfaces.evaluation.summary import not_scored_line

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
    figure = f"{s['accuracy'] * 100:.1f}%" if s["accuracy"] is not None else "– (no item counts yet)"
    console.print(f"[bold]Accuracy {figure}[/bold] ({s['correct']}/{s['total']}) · "
                  f"planner {s['planner']} · {s['questions_name']} · as of {s.get('as_of') or 'today'}")
    if (line := not_scored_line(s)) is not None:
        console.print(f"[yellow]{escape(line)}[/yellow]", highlight=False)
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
    failures = [i for i in run.items if i.scored and not i.correct]
    for item in failures[:_FAILURES_SHOWN]:
        console.print(f"  [red]✗[/red] {escape(item.id)}: {escape(item.reason)}", highlight=False)
    if len(failures) > _FAILURES_SHOWN:
        console.print(f"  … and {len(failures) - _FAILURES_SHOWN} more (see the report)")


def _exit_code(run: EvalRun, threshold: float | None, baseline: str | os.PathLike[str] | None,
               raise_baseline: bool, console: Console) -> int:
    """The bar (--min-accuracy) and the gate (--baseline), each printed; EXIT_BELOW when one fails."""
    s = run.summary
    if not s["total"]:
        # Nothing counts (every item a draft or untranspilable): there is no accuracy to hold to a bar.
        if threshold is not None or baseline is not None:
            console.print("[red]No item counts, so accuracy cannot be checked: review the drafts first.[/red]")
            return EXIT_BELOW
        return EXIT_OK
    code = EXIT_OK
    exact = s["correct"] / s["total"]
    if threshold is not None and exact < threshold:
        console.print(f"[red]Accuracy {exact:.1%} is below --min-accuracy {threshold:.1%}.[/red]")
        code = EXIT_BELOW
    if baseline is not None:
        name, planner = s["questions_name"], s["planner"]
        gate = check_gate(exact, baseline, name, planner)
        verdict = "[green]gate passed:[/green] " if gate.passed else "[red]gate failed:[/red] "
        console.print(verdict + escape(gate.message))
        if not gate.passed:
            code = EXIT_BELOW
        elif raise_baseline:
            level = update_baseline(exact, baseline, name, planner)
            console.print(f"baseline for {name} / {planner}: {level:.1%}")
    return code


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
    settings: Settings | None = None,
) -> int:
    """Run the evaluation end to end and return the exit code (see the module doc).

    questions: question YAML; db: DuckDB file or database URL the gold SQL runs on
    (read-only; settings: the system under test's, for its limits); as_of: overrides the
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

            run = run_eval(qset, asker, db, as_of=as_of, equivalence_groups=equivalence_groups, on_item=advance,
                           settings=settings)
    except FactoryAssistantError as exc:
        console.print(f"[red]Evaluation could not run:[/red] {escape(str(exc))}", highlight=False)
        return EXIT_CANNOT_RUN

    print_summary(run, console)
    if output is not None:
        console.print(f"results: {write_results_json(run, output)}")
    if report is not None:
        md, png = write_report(run, report)
        console.print(f"report: {md}" + (f" (chart {png.name})" if png else " (chart not rendered)"))

    return _exit_code(run, threshold, baseline, raise_baseline, console)

__all__ = ["EXIT_BELOW", "EXIT_CANNOT_RUN", "EXIT_OK", "print_summary", "run_eval_command"]
