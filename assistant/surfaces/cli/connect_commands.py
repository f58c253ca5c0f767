"""`factory-assistant connect URL` and `factory-assistant layer init --from-db URL --out DIR`.

Both open the database read-only (semantic_layer/bootstrap/introspect.py says how per
backend) and never print a password: URLs are shown masked. Exit codes: 2 the address or
its driver is unusable, 3 the database cannot be opened, 4 it has no tables.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

__all__ = ["register"]

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)
NO_TABLES = 4


def _fail(message: str, suggestion: str | None, code: int) -> None:
    err.print(f"[red]{escape(message)}[/red]")
    if suggestion:
        err.print(escape(suggestion))
    raise typer.Exit(code)


def connect(url: str, save: bool) -> None:
    from assistant.core.errors import FactoryAssistantError
    from assistant.core.settings import save_setting
    from semantic_layer.bootstrap import BootstrapError, check_database

    try:
        checked = check_database(url)
    except BootstrapError as exc:
        _fail(exc.message, exc.suggestion, exc.code)
        return
    shown, tables = checked.shown, checked.tables
    if not tables:
        _fail(f"{shown} has no tables I can read. / {shown} 中没有可读取的表。",
              "Check the database name, the schema and the account's grants. / 请检查数据库名、模式和账号权限。",
              NO_TABLES)
    grid = Table(title=f"{escape(shown)} (read-only / 只读)")
    grid.add_column("table / 表")
    grid.add_column("rows / 行数", justify="right")
    for name, rows in tables:
        grid.add_row(escape(name), f"{rows:,}")
    out.print(grid)
    if not save:
        return
    try:
        # A password in the URL is stored (the app needs it), but the file becomes owner-only.
        path = save_setting("db", checked.stored, private=checked.has_password)
    except FactoryAssistantError as exc:
        _fail(str(exc), None, 1)
        return
    out.print(f"Recorded as the database in {escape(str(path))}. / 已记录为默认数据库：{escape(str(path))}")
    out.print("Next / 下一步: factory-assistant layer init --from-db URL --out my_layer")


def layer_init(from_db: str, out_dir: Path, force: bool, sample_limit: int) -> None:
    from semantic_layer.bootstrap import (
        BootstrapError,
        guess_layer,
        introspect,
        mask_url,
        open_read_only,
        resolve_url,
        write_layer,
    )
    from semantic_layer.errors import LayerError
    from semantic_layer.loader import load_layer

    if out_dir.is_dir() and any(out_dir.glob("*.y*ml")) and not force:
        _fail(f"{out_dir} already holds YAML files. / {out_dir} 中已有 YAML 文件。",
              "Choose another --out folder, or pass --force to overwrite. / "
              "请换一个 --out 目录，或加 --force 覆盖。", 2)
    try:
        parsed = resolve_url(from_db)
        engine = open_read_only(parsed)
        try:
            tables = introspect(engine, sample_limit=sample_limit)
            if not tables:
                _fail(f"{mask_url(parsed)} has no tables. / {mask_url(parsed)} 中没有表。", None, NO_TABLES)
            name = Path(parsed.database or "layer").stem.replace("-", "_") or "layer"
            draft = guess_layer(engine, tables, name=name)
        finally:
            engine.dispose()
    except BootstrapError as exc:
        _fail(exc.message, exc.suggestion, exc.code)
        return
    write_layer(draft, out_dir, source=mask_url(parsed))
    try:
        layer = load_layer(out_dir)
    except LayerError as exc:  # a bug of the generator, not of the user: say so plainly
        _fail(f"The generated layer does not load: {exc} / 生成的语义层无法加载：{exc}", None, 1)
        return
    guessed = sum(1 for r in draft.relationships if "guess" in r.after.get("", ""))
    out.print(f"Wrote {escape(str(out_dir))}: {len(draft.tables)} tables, {len(draft.relationships)} joins "
              f"({guessed} guessed), {len(layer.spec.dimensions)} dimensions, {len(layer.spec.metrics)} metrics. / "
              f"已生成语义层：{len(draft.tables)} 张表，{len(draft.relationships)} 个关联（{guessed} 个为推测）。")
    for skipped in draft.skipped:
        out.print(f"  skipped / 跳过: {escape(skipped)}")
    out.print("Review every `# guess: review` line, then / 请检查所有 `# guess: review` 行，然后运行:\n"
              f"  factory-assistant layer validate --layer {escape(str(out_dir))} --db URL")


def register(app: typer.Typer, layer_app: typer.Typer) -> None:
    @app.command("connect")
    def connect_command(url: str = typer.Argument(..., help="DuckDB or SQLite file, or a SQLAlchemy URL "
                                                            "(postgresql+psycopg://user@host/db, mysql+pymysql://...)."),
                        save: bool = typer.Option(True, "--save/--no-save", help="Record it as the `db` setting.")
                        ) -> None:
        """Check a database read-only, list its tables and record it in the config file."""
        connect(url, save)

    @layer_app.command("init")
    def layer_init_command(from_db: str = typer.Option(..., "--from-db", help="The database to read (as for connect)."),
                           out_dir: Path = typer.Option(..., "--out", help="Folder to write the layer into."),
                           force: bool = typer.Option(False, "--force", help="Overwrite YAML files already there."),
                           sample_limit: int = typer.Option(30, "--max-values", min=2,
                                                            help="Text columns with at most this many distinct "
                                                                 "values become dimensions.")) -> None:
        """Write a first semantic layer from a database's tables, keys and values, every guess marked."""
        layer_init(from_db, out_dir, force, sample_limit)
