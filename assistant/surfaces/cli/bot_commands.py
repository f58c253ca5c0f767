"""`factory-assistant bot slack` and `factory-assistant bot webhooks`: the chat bots.

Each bot is its own surface (assistant/surfaces/bots), run as `python -m assistant.surfaces.bots.<name>`:
the CLI hands it the options as settings in the environment and becomes that process (as `serve api`
does), so the CLI and the bots stay independent adapters and stopping the launcher stops the bot.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import typer

from assistant.surfaces.cli.serve_commands import become, date_option, settings_env

__all__ = ["register"]


def register(app: typer.Typer, ensure_demo_db: Callable[[Path], None]) -> None:
    bot_app = typer.Typer(no_args_is_help=True, help="Run a chat bot: `bot slack` (Socket Mode or HTTP), "
                                                     "`bot webhooks` (Feishu/Lark, DingTalk, WeCom, Teams).")
    app.add_typer(bot_app, name="bot")

    def _prepare(db: str | None, layer: str | None, users: str | None, as_of: str | None) -> dict[str, str]:
        from assistant.core.settings import Settings

        settings = Settings.load(db=db, layer=layer, users_file=users, as_of=date_option(as_of))
        if settings.db is None:
            ensure_demo_db(settings.demo_db_path())
        return settings_env(db, layer, users, as_of)

    @bot_app.command("slack", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
    def bot_slack(ctx: typer.Context,
                  db: str | None = typer.Option(None, "--db", help="DuckDB file or SQLAlchemy URL."),
                  layer: str | None = typer.Option(None, "--layer", help="Semantic layer folder."),
                  users: str | None = typer.Option(None, "--users", help="Users file: Slack ids map to users."),
                  as_of: str | None = typer.Option(None, "--as-of", help="The date 'today' means (YYYY-MM-DD)."),
                  ) -> None:
        """The Slack bot. Other options go to the bot: --http --port 3000 for HTTP mode (default: Socket
        Mode); see `python -m assistant.surfaces.bots.slack --help`."""
        env = _prepare(db, layer, users, as_of)
        become([sys.executable, "-m", "assistant.surfaces.bots.slack", *ctx.args], env)

    @bot_app.command("webhooks", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
    def bot_webhooks(ctx: typer.Context,
                     db: str | None = typer.Option(None, "--db", help="DuckDB file or SQLAlchemy URL."),
                     layer: str | None = typer.Option(None, "--layer", help="Semantic layer folder."),
                     users: str | None = typer.Option(None, "--users", help="Users file: chat ids map to users."),
                     as_of: str | None = typer.Option(None, "--as-of", help="The date 'today' means (YYYY-MM-DD)."),
                     ) -> None:
        """Feishu/Lark, DingTalk, WeCom and Teams bots on one HTTP server. Other options go to the
        server (--host, --port); see `python -m assistant.surfaces.bots.webhooks --help`."""
        env = _prepare(db, layer, users, as_of)
        become([sys.executable, "-m", "assistant.surfaces.bots.webhooks", *ctx.args], env)
