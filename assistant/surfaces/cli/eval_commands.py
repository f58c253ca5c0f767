"""`factory-assistant eval ...`: the evaluation harness on the command line."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

from assistant.core.errors import FactoryAssistantError


class PipelineAsker:
    """Adapts the pipeline to the harness's Asker protocol."""

    def __init__(self, pipeline: Any, planner: str) -> None:
        if planner not in pipeline.planners:  # stop once, not once per question
            from assistant.core.errors import ConfigError
            from assistant.plan.llm import status

            message = status(pipeline.settings)["en"] if planner in ("llm",
                                                                     "hybrid") else f"Unknown planner '{planner}'."
            raise ConfigError(message)
        self.pipeline = pipeline
        self.name = planner

    def new_session(self) -> object:
        return self.pipeline.new_session()

    def ask(self, question: str, *, session: object, as_of: dt.date | None):
        return self.pipeline.ask(question, session=session, as_of=as_of, planner=self.name)


def register(app: typer.Typer, make_pipeline: Callable[..., Any]) -> None:
    eval_app = typer.Typer(help="Measure accuracy on a question set.", invoke_without_command=True)
    app.add_typer(eval_app, name="eval")

    @eval_app.callback()
    def run(ctx: typer.Context,
            questions: Path | None = typer.Option(None, "--questions", help="Question YAML (e.g. eval/dev.yaml)."),
            db: str | None = typer.Option(None, "--db", help="DuckDB file or SQLAlchemy URL with the evaluation "
                                                            "data (default: $FA_DB or the demo factory)."),
            layer: str | None = typer.Option(None, "--layer", help="Semantic layer folder (default: $FA_LAYER or "
                                                                  "the demo layer)."),
            as_of: str | None = typer.Option(None, "--as-of", help="Override the file's as_of date."),
            planner: str = typer.Option("rules", "--planner", help="rules | llm | hybrid"),
            output: Path | None = typer.Option(None, "--output", help="Write results.json here."),
            report: Path | None = typer.Option(None, "--report", help="Write a markdown report (and PNG chart) here."),
            min_accuracy: float | None = typer.Option(None, "--min-accuracy", help="Exit 1 below this (0..1 or %)."),
            baseline: Path | None = typer.Option(None, "--baseline", help="Gate against eval/baseline.json."),
            raise_baseline: bool = typer.Option(False, "--raise-baseline",
                                                help="Store a higher accuracy in the baseline.")) -> None:
        if ctx.invoked_subcommand is not None:
            return
        if questions is None:
            typer.echo("Give --questions FILE (for example eval/dev.yaml).", err=True)
            raise typer.Exit(2)
        from assistant.core.settings import Settings
        from assistant.surfaces.evaluation.command import run_eval_command

        date = _date(as_of)
        db_path = db or Settings.load().db_target()
        pipeline = make_pipeline(db_path, as_of, None, layer)
        code = run_eval_command(questions, db_path, date, planner, output, report, min_accuracy,
                                lambda name: PipelineAsker(pipeline, name),
                                equivalence_groups=pipeline.layer.value_equivalence_groups(),
                                baseline=baseline, raise_baseline=raise_baseline, settings=pipeline.settings)
        raise typer.Exit(code)

    _register_diff_and_init(eval_app, make_pipeline)

    @eval_app.command("promote")
    def promote(item_id: str = typer.Argument(..., help="The id of the question to promote."),
                source: Path = typer.Option(Path("eval/dev.yaml"), "--from", help="results.json or question YAML."),
                verified: Path | None = typer.Option(None, "--to",
                                                     help="verified_queries YAML (default: the layer's)."),
                layer: Path | None = typer.Option(None, "--layer",
                                                  help="Semantic layer folder (default: $FA_LAYER or the demo layer)."),
                db: str | None = typer.Option(None, "--db", help="Database the gold SQL is checked against "
                                                                "(default: $FA_DB or the demo factory).")) -> None:
        """Turn an evaluation item into a verified query of the semantic layer (retrieval then uses it).

        The gold SQL must pass the SQL guard and the database, and the layer must still load
        with it; otherwise nothing is written."""
        from assistant.core.settings import Settings
        from assistant.surfaces.evaluation.promote import PromoteError, promote_command
        from assistant.surfaces.evaluation.promote_checks import GoldCheck
        from semantic_layer.loader import DEMO_LAYER_DIR

        try:
            settings = Settings.load(db=db, layer=str(layer) if layer else None)
            layer_dir = Path(settings.layer or DEMO_LAYER_DIR)
            target = verified or layer_dir / "verified_queries.yaml"
            with GoldCheck(layer_dir, settings.db_target(), settings=settings) as check:
                promote_command(item_id, source, target, check=check)
        except PromoteError as exc:
            typer.echo(exc.text(), err=True)
            raise typer.Exit(1) from None
        except FactoryAssistantError as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(1) from None
        except OSError as exc:  # e.g. the question file vanished: a sentence, not a traceback
            typer.echo(f"cannot promote '{item_id}': {exc.strerror or exc} ({exc.filename or source})", err=True)
            raise typer.Exit(1) from None


def _register_diff_and_init(eval_app: typer.Typer, make_pipeline: Callable[..., Any]) -> None:
    @eval_app.command("diff")
    def diff(old: Path = typer.Argument(..., help="results.json of the earlier run (eval --output)."),
             new: Path = typer.Argument(..., help="results.json of the later run."),
             all_tags: bool = typer.Option(False, "--all-tags", help="List every tag, not only those that changed."),
             fail_on_regression: bool = typer.Option(False, "--fail-on-regression",
                                                     help="Exit 1 when an item went from right to wrong.")) -> None:
        """Compare two runs: items that flipped, accuracy by language and tag, latency p50/p95."""
        from rich.console import Console

        from assistant.surfaces.evaluation.rundiff import diff_runs, load_results, print_diff

        try:
            result = diff_runs(load_results(old), load_results(new))
        except FactoryAssistantError as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(2) from None
        print_diff(result, Console(), all_tags=all_tags)
        raise typer.Exit(1 if fail_on_regression and result.right_to_wrong else 0)

    @eval_app.command("init")
    def init(out: Path = typer.Option(..., "--out", help="The question file to write (YAML)."),
             db: str | None = typer.Option(None, "--db", help="DuckDB file or SQLAlchemy URL (default: $FA_DB "
                                                             "or the demo factory)."),
             layer: str | None = typer.Option(None, "--layer", help="Semantic layer folder (default: $FA_LAYER "
                                                                   "or the demo layer)."),
             as_of: str | None = typer.Option(None, "--as-of", help="The file's as_of (default: today)."),
             force: bool = typer.Option(False, "--force", help="Replace the file if it exists.")) -> None:
        """Draft a question file from the layer: one question per metric and a few per dimension,
        in English and Chinese, with gold SQL compiled from the layer. Every item is a draft
        (reviewed: false) that counts in no accuracy figure until you review it."""
        from assistant.surfaces.cli.eval_init import write_draft

        raise typer.Exit(write_draft(out, lambda: make_pipeline(db, as_of, None, layer), _date(as_of), force=force))


def _date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        typer.echo(f"'{value}' is not a date. Use YYYY-MM-DD, e.g. 2025-12-31.", err=True)
        raise typer.Exit(2) from None
