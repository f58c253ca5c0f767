"""`factory-assistant export-parquet`: a DuckDB database's layer tables as Parquet files, for Spark.

Then point the assistant at them: `--db spark+local:///abs/path/to/DIR` (Spark in this process),
or copy DIR where a cluster can read it and use `spark://host:7077?parquet=DIR` or
`sc://host:15002?parquet=DIR` (README, 'Apache Spark').
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from assistant.core.errors import FactoryAssistantError

__all__ = ["register"]

out = Console(highlight=False)
err = Console(stderr=True)


def register(app: typer.Typer) -> None:
    @app.command("export-parquet")
    def export_parquet_command(
        db: Path | None = typer.Option(None, "--db", help="DuckDB file to read (default: $FA_DB or the demo factory)."),
        to: Path = typer.Option(..., "--out", help="Folder to write <table>.parquet files into (made if missing)."),
        layer: str | None = typer.Option(
            None, "--layer", help="Semantic layer whose tables to write (default: $FA_LAYER or the demo layer)."
        ),
    ) -> None:
        """Write the layer's tables of a DuckDB database as Parquet, for the Spark executor."""
        from assistant.core.settings import Settings
        from assistant.sql.parquet_export import export_parquet
        from semantic_layer.loader import load_layer

        try:
            settings = Settings.load()
            source = db or Path(settings.db_target())
            tables = load_layer(layer or settings.layer).physical_schema()
            report = export_parquet(source, to, tables, progress=lambda t, n: out.print(f"  {escape(t)}: {n:,} rows"))
        except FactoryAssistantError as exc:
            err.print(f"[red]{escape(str(exc))}[/red]")
            raise typer.Exit(1) from None
        for table in report.missing:
            err.print(f"[yellow]not in the database, not written:[/yellow] {escape(table)}")
        total = sum(report.written.values())
        out.print(f"{len(report.written)} tables, {total:,} rows written to {report.folder} in {report.seconds:.1f} s")
        out.print(f"Ask with: --db spark+local://{report.folder}")
