"""Render an Answer in a terminal with rich: interpretation, table, key sentence; a clarify
answer's options numbered, each with the question that answers it."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from assistant.core.units import format_value
from assistant.explain.answer import Answer
from assistant.surfaces.shapes import options

__all__ = ["MAX_SHOWN", "options", "render_answer"]

MAX_SHOWN = 40


def render_answer(answer: Answer, console: Console, *, numbered: bool = False) -> None:
    """`numbered`: the options are picked by typing their number (the chat); else each shows
    the question to ask for it."""
    if answer.status != "ok":
        style = {"clarify": "yellow", "refused": "magenta", "error": "red"}[answer.status]
        console.print(f"[{style}]{escape(answer.message)}[/{style}]")
        picks = options(answer)
        for i, pick in enumerate(picks, 1):
            console.print(f"  {i}. {escape(pick['label'])}")
            if not numbered and pick["question"] != pick["label"]:
                console.print(f"     [dim]{escape(pick['question'])}[/dim]")
        if picks and numbered:
            hint = "输入编号即可选择。" if answer.lang == "zh" else "Type a number to choose."
            console.print(f"[dim]{hint}[/dim]")
        elif answer.suggestions and not picks:
            console.print("  " + " · ".join(escape(s) for s in answer.suggestions))
        return
    console.print(f"[dim]{answer.interpretation}[/dim]")
    table = Table(show_lines=False)
    for col in answer.columns:
        table.add_column(answer.column_labels.get(col, col), justify="right" if col in answer.column_units else "left")
    for row in answer.shown_rows()[:MAX_SHOWN]:  # labels for codes, periods in words, as in the app
        table.add_row(*[format_value(v, answer.unit_of(c), answer.lang) for c, v in zip(answer.columns, row,
                                                                                        strict=True)])
    console.print(table)
    if len(answer.rows) > MAX_SHOWN or answer.truncated:
        cut = " (truncated)" if answer.truncated else ""
        console.print(f"[dim]{len(answer.rows)} rows{cut}; showing {MAX_SHOWN}.[/dim]")
    console.print(f"[bold]{answer.message}[/bold]")
