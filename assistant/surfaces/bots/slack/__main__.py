"""`python -m assistant.surfaces.bots.slack [--http --host 0.0.0.0 --port 3000]`: run the Slack bot.

Socket Mode by default: the bot opens a connection to Slack (app token, xapp-...), so it needs no
public address. `--http` serves Slack's requests on /slack/events instead (signing secret).
Settings (bot token, secrets, database, layer, users file, as_of) come from the environment and
the config file, as everywhere; `factory-assistant bot slack` sets them from its options and runs
this, so the CLI and the bot stay independent adapters.
"""

from __future__ import annotations

import argparse
import logging
import sys

from assistant.core.errors import FactoryAssistantError
from assistant.core.settings import Settings

# Exit codes: 1 could not start (bad settings, Slack refused the token), 2 a token or secret is missing.
_MISSING = 2

_NEEDS = {
    # setting: (environment variable, what it looks like, where Slack shows it)
    "slack_bot_token": ("FA_SLACK_BOT_TOKEN", "xoxb-", "OAuth & Permissions → Bot User OAuth Token",
                        "OAuth & Permissions → Bot User OAuth Token"),
    "slack_app_token": ("FA_SLACK_APP_TOKEN", "xapp-", "Basic Information → App-Level Tokens (connections:write)",
                        "Basic Information → App-Level Tokens（connections:write）"),
    "slack_signing_secret": ("FA_SLACK_SIGNING_SECRET", "", "Basic Information → Signing Secret",
                             "Basic Information → Signing Secret"),
}


def missing_secrets(settings: Settings, http: bool) -> list[str]:
    """Bilingual lines for each secret this mode needs that is unset or of the wrong kind."""
    wanted = ["slack_bot_token", "slack_signing_secret" if http else "slack_app_token"]
    lines = []
    for name in wanted:
        env, prefix, where_en, where_zh = _NEEDS[name]
        value = getattr(settings, name)
        if not value:
            lines.append(f"  {env} is not set ({where_en}). / 未设置 {env}（{where_zh}）。")
        elif prefix and not str(value).startswith(prefix):
            lines.append(f"  {env} should start with {prefix} ({where_en}). / {env} 应以 {prefix} 开头（{where_zh}）。")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m assistant.surfaces.bots.slack", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--http", action="store_true", help="HTTP mode: serve /slack/events (default: Socket Mode)")
    parser.add_argument("--host", default="127.0.0.1", help="HTTP mode: address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=3000, help="HTTP mode: port (default 3000)")
    parser.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    try:
        settings = Settings.load()
    except FactoryAssistantError as exc:
        print(f"Cannot start the Slack bot / 无法启动 Slack 机器人: {exc}", file=sys.stderr)
        return 1
    missing = missing_secrets(settings, args.http)
    if missing:  # before the database and the models load: say what to set, quickly
        mode = "HTTP mode" if args.http else "Socket Mode"
        print(f"Cannot start the Slack bot ({mode}): / 无法启动 Slack 机器人（{mode}）：\n" + "\n".join(missing)
              + "\nSee the README's Slack section. / 请参阅 README 的 Slack 一节。", file=sys.stderr)
        return _MISSING
    return _run(settings, args)


def _run(settings: Settings, args: argparse.Namespace) -> int:
    from slack_bolt.error import BoltError
    from slack_sdk.errors import SlackApiError, SlackClientError

    from assistant.core.users import load_users
    from assistant.pipeline import Pipeline
    from assistant.surfaces.bots.engine import ChatEngine
    from assistant.surfaces.bots.slack.app import build_app

    try:
        users = load_users(settings.users_file)  # a bad users file fails before the database opens
        pipeline = Pipeline.from_settings(settings)
    except FactoryAssistantError as exc:
        print(f"Cannot start the Slack bot / 无法启动 Slack 机器人: {exc}", file=sys.stderr)
        return 1
    try:
        app, bot = build_app(ChatEngine(pipeline, users), token=str(settings.slack_bot_token),
                             signing_secret=settings.slack_signing_secret)
    except BoltError as exc:  # auth.test said no: a wrong or revoked token
        pipeline.close()
        print(f"Slack did not accept the bot token / Slack 未接受机器人令牌: {exc}", file=sys.stderr)
        return 1
    except (SlackClientError, OSError) as exc:  # auth.test never got an answer: no route to Slack
        pipeline.close()
        print(f"Cannot reach Slack to check the bot token / 无法连接 Slack 以验证机器人令牌: "
              f"{type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    try:
        if args.http:
            from assistant.surfaces.bots.slack.http_mode import serve

            serve(app, host=args.host, port=args.port, log_level=args.log_level)
        else:
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            SocketModeHandler(app, str(settings.slack_app_token)).start()
    except KeyboardInterrupt:  # Ctrl-C is how a bot is stopped: not an error
        pass
    except (SlackApiError, SlackClientError, OSError) as exc:
        print(f"Slack connection failed / 连接 Slack 失败: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    finally:
        bot.close()
        pipeline.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
