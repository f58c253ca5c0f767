"""`factory-assistant serve api`: start the HTTP API (uvicorn) over the configured database;
`factory-assistant serve mcp --user NAME`: the MCP server over stdin/stdout, for AI assistants.

The API is its own surface (assistant/surfaces/api), run as `python -m assistant.surfaces.api`:
the CLI hands it the options as settings in the environment and becomes that process, so
stopping the launcher stops the server, as with `factory-assistant app`.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import typer
from rich.console import Console

__all__ = ["become", "date_option", "register", "settings_env"]

err = Console(stderr=True)


def register(app: typer.Typer, ensure_demo_db: Callable[[Path], None]) -> None:
    serve_app = typer.Typer(no_args_is_help=True, help="Run a server: `serve api` starts the HTTP API, `serve mcp` "
                                                       "the MCP server over stdio.")
    app.add_typer(serve_app, name="serve")

    @serve_app.command("api")
    def serve_api(host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
                  port: int = typer.Option(8000, "--port", min=1, max=65535),
                  db: str | None = typer.Option(None, "--db", help="DuckDB file or SQLAlchemy URL (default: $FA_DB "
                                                                   "or the demo factory)."),
                  layer: str | None = typer.Option(None, "--layer", help="Semantic layer folder."),
                  users: str | None = typer.Option(None, "--users", help="Users file (default: $FA_USERS); "
                                                                         "without one the API is an anonymous demo."),
                  as_of: str | None = typer.Option(None, "--as-of", help="The date 'today' means (YYYY-MM-DD)."),
                  concurrency: int | None = typer.Option(None, "--concurrency", min=1,
                                                         help="Questions answered at once (default: pool_size)."),
                  processes: int = typer.Option(1, "--processes", min=1,
                                                help="Answer in this many worker processes, to use more than one "
                                                     "core (each holds its own copy of the pipeline)."),
                  ) -> None:
        """Start the HTTP API: POST /v1/ask, GET /v1/metrics, GET /healthz, docs at /docs."""
        from assistant.core.settings import Settings

        settings = Settings.load(db=db, layer=layer, users_file=users, as_of=date_option(as_of))
        if settings.db is None:
            ensure_demo_db(settings.demo_db_path())
        if settings.users_file is None and not _loopback(host):
            err.print(f"[yellow]No users file: anyone who can reach {host}:{port} can read all data. Set "
                      "FA_USERS (or --users) to require tokens. / 未配置用户文件：能访问此端口的人都能读取全部数据。"
                      "[/yellow]")
        env = settings_env(db, layer, users, as_of)
        cmd = [sys.executable, "-m", "assistant.surfaces.api", "--host", host, "--port", str(port)]
        if concurrency:
            cmd += ["--concurrency", str(concurrency)]
        if processes > 1:
            cmd += ["--processes", str(processes)]
        err.print(f"API on http://{host}:{port}  (docs: http://{host}:{port}/docs)")
        become(cmd, env)

    @serve_app.command("mcp")
    def serve_mcp(user: str | None = typer.Option(None, "--user", help="Whose access every tool call uses; "
                                                                      "required when users are configured."),
                  db: str | None = typer.Option(None, "--db", help="DuckDB file or SQLAlchemy URL (default: $FA_DB "
                                                                   "or the demo factory)."),
                  layer: str | None = typer.Option(None, "--layer", help="Semantic layer folder."),
                  users: str | None = typer.Option(None, "--users", help="Users file (default: $FA_USERS)."),
                  as_of: str | None = typer.Option(None, "--as-of", help="The date 'today' means (YYYY-MM-DD)."),
                  ) -> None:
        """The MCP server over stdin/stdout (tools: ask, list_metrics, list_alerts), for an AI assistant
        that starts it, e.g. Claude Desktop. Over HTTP, `serve api` serves the same tools at /mcp."""
        from assistant.core.settings import Settings

        settings = Settings.load(db=db, layer=layer, users_file=users, as_of=date_option(as_of))
        if settings.db is None:
            with contextlib.redirect_stdout(sys.stderr):  # its progress bar too: stdout is the protocol's
                ensure_demo_db(settings.demo_db_path())
        env = settings_env(db, layer, users, as_of)
        cmd = [sys.executable, "-m", "assistant.surfaces.api.mcp_stdio"] + (["--user", user] if user else [])
        become(cmd, env)


def settings_env(db: str | None, layer: str | None, users: str | None, as_of: str | None) -> dict[str, str]:
    """The options as the settings' environment variables, for the server process to read."""
    env = dict(os.environ)
    for name, value in (("FA_DB", db), ("FA_LAYER", layer), ("FA_USERS", users), ("FA_AS_OF", as_of)):
        if value:
            env[name] = value
    return env


def become(cmd: list[str], env: dict[str, str]) -> None:
    sys.stdout.flush()
    sys.stderr.flush()
    if os.name == "posix":
        os.execve(sys.executable, cmd, env)  # become the server: Ctrl-C or kill stops it, not a child
    raise typer.Exit(subprocess.call(cmd, env=env))


def date_option(value: str | None) -> str | None:
    import datetime as dt

    if value is None:
        return None
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        err.print(f"[red]'{value}' is not a date. Use YYYY-MM-DD, e.g. 2025-12-31.[/red]")
        raise typer.Exit(2) from None
    return value


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
