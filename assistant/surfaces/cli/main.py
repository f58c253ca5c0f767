"""`factory-assistant`: the command line. A thin adapter over the pipeline and tools.

    factory-assistant app                      start the web app (generates the demo data if missing)
    factory-assistant ask "QUESTION" [--json]  one answer
    factory-assistant chat                     a conversation in the terminal
    factory-assistant demo-data --out PATH     generate the demo factory (or --to postgresql://...)
    factory-assistant connect URL              check a database read-only and record it as the `db` setting
    factory-assistant layer init --from-db URL --out DIR   write a first layer from a database
    factory-assistant layer validate           check the semantic layer against a database
    factory-assistant eval --questions FILE    measure accuracy; `eval promote ID` adds a verified query
    factory-assistant eval init --out FILE     draft a question file from the layer; `eval diff A B` compares runs
    factory-assistant serve api                the HTTP API (POST /v1/ask, GET /v1/metrics, /docs)
    factory-assistant users new-token          an API token and the hash for the users file
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import os
import subprocess
import sys
from pathlib import Path

# Cold start: importing the CLI builds tens of thousands of objects that live as long as the
# process (layer models, sqlglot, pydantic, typer), and the collector's passes over them freed
# nothing while costing ~60 ms of a one-question run. Collection pauses while this module imports;
# at its end what was built is frozen (gc.freeze: later passes skip it) and collection resumes.
_GC_WAS_ON = gc.isenabled()
gc.disable()

import typer  # noqa: E402
from rich.console import Console  # noqa: E402

from assistant.core.errors import FactoryAssistantError  # noqa: E402

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Ask questions about your data in plain English or Chinese.")
layer_app = typer.Typer(no_args_is_help=True, help="Inspect and validate a semantic layer.")
app.add_typer(layer_app, name="layer")
console = Console()
err = Console(stderr=True)

DbOpt = typer.Option(None, "--db", help="DuckDB file or SQLAlchemy URL (default: $FA_DB or the demo factory).")
AsOfOpt = typer.Option(None, "--as-of", help="The date 'today' means (YYYY-MM-DD).")
LayerOpt = typer.Option(None, "--layer", help="Semantic layer folder (default: $FA_LAYER or the demo layer).")
UserOpt = typer.Option(None, "--user", help="Ask as this user of the users file ($FA_USERS): their access scope "
                                            "applies. Required when users are configured.")


def _date(value: str | None, *, as_json: bool = False) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        message = f"'{value}' is not a date. Use YYYY-MM-DD, e.g. 2025-12-31."
        if as_json:  # --json callers parse stdout: keep the contract even for bad arguments
            print(json.dumps({"status": "error", "message": message}, ensure_ascii=False))
        else:
            err.print(f"[red]{message}[/red]")
        raise typer.Exit(2) from None


def _fail(exc: FactoryAssistantError) -> None:
    err.print(f"[red]{exc}[/red]")
    raise typer.Exit(1)


def ensure_demo_db(path: Path) -> None:
    """Generate the demo factory on first use so the quickstart is one command."""
    if path.exists():
        return
    from semantic_layer.demo.generator import generate

    err.print(f"Generating the demo factory at {path} (first run only)...")
    path.parent.mkdir(parents=True, exist_ok=True)
    generate(path, progress=True)


def _pipeline(db: str | None, as_of: str | None, planner: str | None = None, layer: str | None = None,
              *, as_json: bool = False, user: str | None = None):
    from assistant.core.errors import AccessDenied
    from assistant.core.settings import Settings
    from assistant.core.users import load_users
    from assistant.pipeline import Pipeline
    from assistant.scoped import for_user

    settings = Settings.load(db=db, as_of=_date(as_of, as_json=as_json), planner=planner, layer=layer)
    users = load_users(settings.users_file)
    who = None
    if users is not None:  # the anonymous demo only exists without users
        if not user:
            raise AccessDenied(f"Users are configured ({users.source}): say who is asking.",
                               suggestion="Pass --user NAME (a user of that file).")
        who = users.get(user)
        if who is None:
            raise AccessDenied(f"'{user}' is not a user of {users.source}.", suggestion="Check the name.")
    elif user:
        raise AccessDenied("--user needs a users file, and none is configured.", suggestion="Set FA_USERS.")
    if settings.db is None:
        ensure_demo_db(settings.demo_db_path())
    pipeline = Pipeline.from_settings(settings)
    pipeline.executor.prewarm()  # a DuckDB file opens while the planner is imported (cold start)
    return for_user(pipeline, who)


@app.command()
def ask(question: str = typer.Argument(..., help="The question, in English or Chinese."),
        db: str | None = DbOpt, as_of: str | None = AsOfOpt,
        json_out: bool = typer.Option(False, "--json", help="Print one JSON object."),
        planner: str | None = typer.Option(None, "--planner", help="rules | llm | hybrid"),
        layer: str | None = LayerOpt, user: str | None = UserOpt) -> None:
    """Answer one question."""
    from assistant.core.text import valid_unicode
    from assistant.surfaces.cli.terminal import render_answer

    question = valid_unicode(question)
    try:
        pipe = _pipeline(db, as_of, planner, layer, as_json=json_out, user=user)
        answer = pipe.ask(question)
    except FactoryAssistantError as exc:
        from assistant.core.errors import user_message
        from assistant.core.text import question_lang

        message = user_message(exc, question_lang(question))
        if json_out:
            print(json.dumps({"status": "error", "message": message}, ensure_ascii=False))
            raise typer.Exit(1) from None
        err.print(f"[red]{message}[/red]")
        raise typer.Exit(1) from None
    if json_out:
        from assistant.surfaces.shapes import answer_json  # the same shape as the HTTP API's answers

        print(json.dumps(answer_json(answer), ensure_ascii=False, indent=2))
    else:
        render_answer(answer, console)
    raise typer.Exit(0 if answer.status in ("ok", "clarify", "refused") else 1)


@app.command()
def chat(db: str | None = DbOpt, as_of: str | None = AsOfOpt,
         planner: str | None = typer.Option(None, "--planner", help="rules | llm | hybrid"),
         layer: str | None = LayerOpt, user: str | None = UserOpt) -> None:
    """An interactive conversation; follow-ups use the earlier questions. Type 'new' to start over, 'quit' to leave."""
    from rich.markup import escape

    from assistant.surfaces.cli.terminal import options, render_answer

    try:
        pipe = _pipeline(db, as_of, planner, layer, user=user)
    except FactoryAssistantError as exc:
        _fail(exc)
        return
    session = pipe.new_session()
    console.print("Ask about your data (English or 中文). 'new' starts a new conversation, 'quit' exits.")
    picks: list[dict[str, str]] = []  # the last clarify answer's options: a number typed asks one
    while True:
        try:
            question = console.input("[bold cyan]> [/bold cyan]").strip()
        except (EOFError, KeyboardInterrupt):
            break
        if question.lower() in {"quit", "exit", "q", "退出"}:
            break
        if question.lower() in {"new", "新对话"}:
            session, picks = pipe.new_session(), []
            console.print("New conversation. / 新对话。")
            continue
        if question.isdigit() and 1 <= int(question) <= len(picks):
            question = picks[int(question) - 1]["question"]
            console.print(f"[dim]> {escape(question)}[/dim]")
        if question:
            answer = pipe.ask(question, session=session)
            render_answer(answer, console, numbered=True)
            picks = options(answer)


@app.command(name="app")
def run_app(db: str | None = DbOpt, port: int = typer.Option(8501, "--port"),
            address: str = typer.Option("127.0.0.1", "--address")) -> None:
    """Start the Streamlit app (generating the demo factory first if it is missing)."""
    from assistant.core.settings import Settings

    settings = Settings.load(db=db)
    if settings.db is None:
        ensure_demo_db(settings.demo_db_path())
    env = dict(os.environ)  # the app reads its settings itself; an explicit --db travels as FA_DB
    if db:
        env["FA_DB"] = db
    app_py = Path(__file__).resolve().parents[3] / "app.py"
    # Flags, not only .streamlit/config.toml: that file is read from the working folder, which
    # need not be the repository. No file watcher: it follows every imported file (a .venv in the
    # repository included), overflows inotify and burns CPU. No usage statistics leave the machine.
    cmd = [sys.executable, "-m", "streamlit", "run", str(app_py), "--server.port", str(port),
           "--server.address", address, "--browser.gatherUsageStats", "false", "--server.headless", "true",
           "--server.fileWatcherType", "none", "--server.runOnSave", "false"]
    console.print(f"Open http://{address}:{port} in your browser.")
    sys.stdout.flush()
    sys.stderr.flush()
    if os.name == "posix":
        # Become the server (same process id): stopping the launcher, by Ctrl-C, kill or a
        # supervisor, then stops the server too, instead of leaving a child holding the port.
        os.execve(sys.executable, cmd, env)
    raise typer.Exit(subprocess.call(cmd, env=env))


@app.command(name="demo-data")
def demo_data(out: Path | None = typer.Option(None, "--out",
                                              help="DuckDB file to write (default: $FA_DB or the user data folder)."),
              end_date: str | None = typer.Option(None, "--end-date", help="Last day of data (default: today)."),
              days: int = typer.Option(730, "--days", min=7), scale: int = typer.Option(1, "--scale", min=1),
              seed: int = typer.Option(42, "--seed"),
              to: str | None = typer.Option(None, "--to",
                                            help="Also copy into PostgreSQL: postgresql://user@host:port/db")) -> None:
    """Generate the demo factory database (deterministic for the same arguments)."""
    from assistant.core.settings import Settings
    from semantic_layer.demo.generator import copy_to_postgres, generate

    target = out or Path(Settings.load().db_target())
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        path = generate(target, end_date=_date(end_date), days=days, scale=scale, seed=seed, progress=True)
        console.print(f"Demo factory written to {path}")
        if to:
            copy_to_postgres(path, to, progress=True)
            console.print(f"Copied into {to.split('@')[-1]}")
    except FactoryAssistantError as exc:
        _fail(exc)


@layer_app.command("validate")
def layer_validate(layer: str | None = LayerOpt, db: str | None = DbOpt) -> None:
    """Check the layer's YAML, then that every table, column, join and formula resolves on the database."""
    from assistant.surfaces.cli.layer_check import check_layer_against_db

    try:
        problems, checked = check_layer_against_db(layer, db)
    except FactoryAssistantError as exc:
        _fail(exc)
        return
    for p in problems:
        err.print(f"[red]✗[/red] {p}")
    if problems:
        err.print(f"[red]{len(problems)} problem(s)[/red] in {checked} checks.")
        raise typer.Exit(1)
    console.print(f"[green]✓[/green] layer is valid: {checked} checks passed.")


@layer_app.command("show")
def layer_show(layer: str | None = LayerOpt) -> None:
    """List the layer's metrics and what each can be broken down by."""
    from semantic_layer.loader import load_layer

    try:
        lay = load_layer(layer)
    except FactoryAssistantError as exc:
        _fail(exc)
        return
    for m in lay.spec.metrics:
        console.print(f"[bold]{m.name}[/bold] ({m.label.en} / {m.label.zh}, {m.unit}): {m.formula}")
        console.print(f"    by: {', '.join(lay.metric_dimensions(m.name))}")


from assistant.surfaces.cli.eval_commands import register as _register_eval  # noqa: E402  (sub-commands live beside)

_register_eval(app, _pipeline)

from assistant.surfaces.cli.serve_commands import register as _register_serve  # noqa: E402
from assistant.surfaces.cli.users_commands import register as _register_users  # noqa: E402

_register_serve(app, ensure_demo_db)
_register_users(app)

from assistant.surfaces.cli.alerts_commands import register as _register_alerts  # noqa: E402

_register_alerts(app, ensure_demo_db)

from assistant.surfaces.cli.bot_commands import register as _register_bots  # noqa: E402

_register_bots(app, ensure_demo_db)

from assistant.surfaces.cli.connect_commands import register as _register_connect  # noqa: E402

_register_connect(app, layer_app)

from assistant.surfaces.cli.interop_commands import register as _register_interop  # noqa: E402

_register_interop(layer_app)

from assistant.surfaces.cli.spark_commands import register as _register_spark  # noqa: E402

_register_spark(app)

gc.freeze()  # frozen before collection resumes: else the first pass walks all of it at once (~20 ms)
if _GC_WAS_ON:
    gc.enable()


def main() -> None:
    try:
        app()
    except FactoryAssistantError as exc:  # last line of defence: never a traceback for our own errors
        err.print(f"[red]{exc}[/red]")
        sys.exit(1)
    finally:
        # The process ends here: the collection Python runs at exit (~20 ms) would only free memory
        # the OS takes back anyway. Output is flushed and files are closed by then.
        gc.freeze()


if __name__ == "__main__":
    main()
