"""Render an Answer in a terminal with rich: interpretation, table, key sentence."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from assistant.core.units import format_value
from assistant.explain.answer import Answer

MAX_SHOWN = 40


def render_answer(answer: Answer, console: Console) -> None:
    if answer.status != "ok":
        style = {"clarify": "yellow", "refused": "magenta", "error": "red"}[answer.status]
        console.print(f"[{style}]{answer.message}[/{style}]")
        if answer.suggestions:
            console.print("  " + " · ".join(answer.suggestions))
        return
    console.print(f"[dim]{answer.interpretation}[/dim]")
    table = Table(show_lines=False)
    for col in answer.columns:
        table.add_column(answer.column_labels.get(col, col), justify="right" if col in answer.column_units else "left")
    for row in answer.rows[:MAX_SHOWN]:
        table.add_row(*[format_value(v, answer.unit_of(c), answer.lang) for c, v in zip(answer.columns, row,
                                                                                        strict=True)])
    console.print(table)
    if len(answer.rows) > MAX_SHOWN or answer.truncated:
        cut = " (truncated)" if answer.truncated else ""
        console.print(f"[dim]{len(answer.rows)} rows{cut}; showing {MAX_SHOWN}.[/dim]")
    console.print(f"[bold]{answer.message}[/bold]")
