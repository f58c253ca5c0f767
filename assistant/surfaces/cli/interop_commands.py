"""`factory-assistant layer import --format dbt|cortex PATH --out DIR` and `layer export`.

Import writes a layer folder and prints every finding (unsupported constructs and defects of
the source, by name), then loads what it wrote, so a layer that would not load is reported at
once. Exit codes: 1 the written layer does not load, 2 the source cannot be read.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

__all__ = ["register"]

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


def _print_findings(findings: list[object]) -> None:
    for f in findings:
        out.print(f"  {escape(str(f))}")


def layer_import(fmt: str, path: Path, out_dir: Path) -> None:
    from assistant.core.errors import FactoryAssistantError
    from semantic_layer.interop import import_model
    from semantic_layer.interop.folder import write_layer_folder
    from semantic_layer.loader import load_layer

    try:
        imported = import_model(fmt, path)
    except FactoryAssistantError as exc:
        err.print(f"[red]{escape(str(exc))}[/red]")
        raise typer.Exit(2) from None
    target = write_layer_folder(imported.spec, out_dir, source=f"{fmt} {path}", findings=imported.findings)
    spec = imported.spec
    out.print(f"Imported {len(spec.tables)} tables, {len(spec.dimensions)} dimensions, {len(spec.metrics)} metrics "
              f"into {escape(str(target))} / 已导入 {len(spec.tables)} 张表、{len(spec.metrics)} 个指标。")
    if imported.findings:
        out.print(f"{len(imported.findings)} finding(s) to review / 需检查的问题:")
        _print_findings(list(imported.findings))
    try:
        load_layer(out_dir)
    except FactoryAssistantError as exc:
        err.print(f"[red]The imported layer does not load / 导入的语义层无法加载: {escape(str(exc))}[/red]")
        raise typer.Exit(1) from None
    out.print("Next / 下一步:\n"
              f"  factory-assistant layer validate --layer {escape(str(out_dir))} --db URL")


def layer_export(fmt: str, layer_dir: str | None, out_path: Path) -> None:
    from assistant.core.errors import FactoryAssistantError
    from semantic_layer.interop import export_layer
    from semantic_layer.loader import load_layer

    try:
        exported = export_layer(fmt, load_layer(layer_dir), out_path)
    except FactoryAssistantError as exc:
        err.print(f"[red]{escape(str(exc))}[/red]")
        raise typer.Exit(2) from None
    for f in exported.files:
        out.print(f"wrote / 已写入 {escape(str(f))}")
    if exported.findings:
        out.print(f"{len(exported.findings)} finding(s) / 需检查的问题:")
        _print_findings(list(exported.findings))


def register(layer_app: typer.Typer) -> None:
    @layer_app.command("import")
    def layer_import_command(
            path: Path = typer.Argument(..., help="The dbt project folder, or the Cortex semantic model YAML."),
            fmt: str = typer.Option(..., "--format", help="dbt or cortex."),
            out_dir: Path = typer.Option(..., "--out", help="Folder to write the layer into.")) -> None:
        """Import a dbt (MetricFlow) or Cortex Analyst semantic model as a layer, reporting what it cannot carry."""
        layer_import(fmt, path, out_dir)

    @layer_app.command("export")
    def layer_export_command(
            fmt: str = typer.Option(..., "--format", help="dbt or cortex."),
            out_path: Path = typer.Option(..., "--out", help="dbt: a folder; cortex: a YAML file."),
            layer: str | None = typer.Option(None, "--layer", help="Layer folder (default: the configured one).")
    ) -> None:
        """Write the layer as dbt semantic models and metrics, or as a Cortex Analyst semantic model."""
        layer_export(fmt, layer, out_path)
