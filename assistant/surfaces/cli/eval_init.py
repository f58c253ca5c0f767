"""`factory-assistant eval init --out FILE`: write the drafted question file, then say what to do next.

Exit codes: 0 written; 2 nothing written (the file exists, the database or layer cannot be
opened, the file cannot be written).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import typer
import yaml

from assistant.core.errors import FactoryAssistantError
from assistant.surfaces.evaluation.db import database_label
from assistant.surfaces.evaluation.draft import draft_questions, render_question_file
from assistant.surfaces.evaluation.questions import parse_questions
from semantic_layer.safe_write import write_atomic

if TYPE_CHECKING:
    from assistant.pipeline import Pipeline

_SKIPPED_SHOWN = 10


def write_draft(out: Path, make_pipeline: Callable[[], Pipeline], as_of: dt.date | None, *, force: bool) -> int:
    """Draft from the pipeline's layer and database into `out`; return the exit code."""
    if out.exists() and not force:
        typer.echo(
            f"{out} already exists; nothing was written. Pass --force to replace it, or choose another --out.", err=True
        )
        return 2
    try:
        pipeline = make_pipeline()
        database = database_label(pipeline.executor)  # never writes a password
        layer = f"the layer in {pipeline.settings.layer}" if pipeline.settings.layer else "the demo layer"
        layer_option = f" --layer {pipeline.settings.layer}" if pipeline.settings.layer else ""
        drafted = draft_questions(pipeline, as_of=as_of or pipeline.settings.today(), source=f"{layer} on {database}")
    except FactoryAssistantError as exc:
        typer.echo(f"Cannot draft questions: {exc}", err=True)
        return 2
    text = render_question_file(drafted)
    # What is written must load with the harness's own loader; a failure here is a bug, not input.
    parse_questions(yaml.safe_load(text), source=out.name)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(out, text.encode("utf-8"))
    except OSError as exc:
        typer.echo(f"Cannot write {out}: {exc.strerror or exc}.", err=True)
        return 2
    items = drafted.data["items"]
    typer.echo(f"Wrote {len(items)} draft questions ({sum(i['lang'] == 'zh' for i in items)} in Chinese) to {out}.")
    for line in drafted.skipped[:_SKIPPED_SHOWN]:
        typer.echo(f"  not drafted: {line}")
    if len(drafted.skipped) > _SKIPPED_SHOWN:
        typer.echo(f"  … and {len(drafted.skipped) - _SKIPPED_SHOWN} more not drafted")
    typer.echo(
        "Every item says reviewed: false and counts in no accuracy figure until you review it:\n"
        "read each question and its gold SQL, fix them, set reviewed: true. Then:\n"
        f"  factory-assistant eval --questions {out}{layer_option} --db {database} --report report.md"
    )
    return 0
