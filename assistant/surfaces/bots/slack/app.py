"""Building the Slack bot: a Bolt `App` over one `ChatEngine`, for Socket Mode or HTTP mode.

`base_url` points the Web API client elsewhere (tests use a local server that plays Slack);
everything else is Slack's own defaults. One workspace, one bot token: the app is installed
from the manifest (deploy/slack/manifest.yaml), not through an OAuth install flow.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App
from slack_sdk import WebClient

from assistant.surfaces.bots.engine import ChatEngine
from assistant.surfaces.bots.slack.handlers import SlackBot
from assistant.surfaces.bots.slack.post import Poster

__all__ = ["SLACK_API", "build_app"]

SLACK_API = "https://slack.com/api/"
_TIMEOUT_S = 30  # one Web API call; a chart upload is the slowest


def build_app(engine: ChatEngine, *, token: str, signing_secret: str | None = None, base_url: str = SLACK_API,
              working_after_s: float | None = None, verify_token: bool = True,
              workers: int = 8) -> tuple[App, SlackBot]:
    """The Bolt app and the bot behind it (close the bot when done).

    `signing_secret` is required for HTTP mode (every request is checked against it); Socket Mode
    requests come over the app's own authenticated connection and need none. `verify_token` calls
    auth.test now, so a wrong token fails at start rather than at the first question."""
    client = WebClient(token=token, base_url=base_url if base_url.endswith("/") else base_url + "/",
                       timeout=_TIMEOUT_S)
    app = App(
        name="factory-assistant",
        client=client,
        signing_secret=signing_secret or "",
        token_verification_enabled=verify_token,
        # Acknowledge first, answer after: Bolt acks events before their listener runs and returns the
        # HTTP response as soon as ack() is called; the listener goes on in this pool.
        process_before_response=False,
        listener_executor=ThreadPoolExecutor(max_workers=workers, thread_name_prefix="slack-listener"),
    )
    bot = SlackBot(engine, Poster(client), working_after_s=working_after_s, workers=workers)
    bot.register(app)
    return app, bot
