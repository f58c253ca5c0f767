"""HTTP mode: Slack posts events, commands and button presses to `/slack/events`.

A small Starlette app on uvicorn rather than Bolt's development server (http.server, which its
authors say is not for production). Bolt's `dispatch` is blocking: it runs in Starlette's thread
pool so one request waiting for its ack never holds up the event loop and the requests behind it.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

__all__ = ["EVENTS_PATH", "http_app", "make_server", "serve"]

EVENTS_PATH = "/slack/events"
_MAX_BODY = 1_000_000  # Slack's payloads are a few kB; refuse anything huge before reading it whole


def http_app(app: App) -> Starlette:
    async def events(request: Request) -> Response:
        declared = request.headers.get("content-length", "0")
        if declared.isdigit() and int(declared) > _MAX_BODY:
            return PlainTextResponse("too large", status_code=413)
        body = await request.body()
        if len(body) > _MAX_BODY:
            return PlainTextResponse("too large", status_code=413)
        bolt_response = await run_in_threadpool(app.dispatch, to_bolt_request(request, body))
        return to_starlette_response(bolt_response)

    async def healthz(request: Request) -> Response:
        return PlainTextResponse("ok")

    return Starlette(routes=[Route(EVENTS_PATH, events, methods=["POST"]), Route("/healthz", healthz)])


def make_server(app: App, *, host: str, port: int, log_level: str = "info") -> Any:
    """A uvicorn server for the app (`.run()` blocks; tests run it in a thread and set `should_exit`).
    One process, never `--workers`: conversations live in its memory."""
    import uvicorn  # here: Socket Mode never needs it

    config = uvicorn.Config(http_app(app), host=host, port=port, log_level=log_level, lifespan="off",
                            server_header=False, proxy_headers=False)
    return uvicorn.Server(config)


def serve(app: App, *, host: str, port: int, log_level: str = "info") -> None:
    """Serve until interrupted."""
    make_server(app, host=host, port=port, log_level=log_level).run()
