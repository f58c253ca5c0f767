"""The webhooks server: one app, one route per platform (/bots/feishu, /bots/dingtalk,
/bots/wecom, /bots/teams) over one shared ChatEngine.

A platform whose settings are missing answers 503 naming the settings to set (never their
values); the other platforms work regardless. Bodies are bounded, and an unexpected failure is
a bare 500 with no detail: the log has the exception's type, never a secret.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Protocol

import httpx
from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from assistant.core.settings import SECRETS, Settings
from assistant.core.users import Users
from assistant.pipeline import Pipeline
from assistant.surfaces.bots.engine import ChatEngine
from assistant.surfaces.bots.webhooks.common import Bots, Worker, env_names
from assistant.surfaces.bots.webhooks.dingtalk import DingTalkBot
from assistant.surfaces.bots.webhooks.feishu import FeishuBot
from assistant.surfaces.bots.webhooks.teams import REPLY_WITHIN_S, TeamsBot
from assistant.surfaces.bots.webhooks.wecom import WeComBot

__all__ = ["Adapter", "create_app", "platform_status"]

log = logging.getLogger("assistant.bots.webhooks")

MAX_BODY_BYTES = 1_000_000  # a chat message is a few KB; anything near this is not one


class Adapter(Protocol):
    name: str
    title: str

    @property
    def missing(self) -> list[str]: ...

    async def handle(self, req: Request) -> Response: ...


def create_app(pipeline: Pipeline, users: Users | None = None, *, settings: Settings | None = None,
               engine: ChatEngine | None = None, teams_reply_within_s: float = REPLY_WITHIN_S) -> FastAPI:
    """The app; `settings` (default: the pipeline's) holds the platforms' credentials."""
    settings = settings or pipeline.settings

    def secrets() -> list[str]:
        return [str(getattr(settings, name)) for name in SECRETS if getattr(settings, name, None)]

    bots = Bots(engine=engine or ChatEngine(pipeline, users), settings=settings, http=httpx.Client(),
                worker=Worker(max(2, min(8, settings.pool_size)), secrets))
    adapters: list[Adapter] = [FeishuBot(bots), DingTalkBot(bots), WeComBot(bots),
                               TeamsBot(bots, reply_within_s=teams_reply_within_s)]

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        bots.worker.close()
        bots.http.close()

    app = FastAPI(title="factory-assistant chat webhooks", docs_url=None, redoc_url=None, openapi_url=None,
                  lifespan=lifespan)
    app.state.bots = bots
    app.state.adapters = {a.name: a for a in adapters}
    for adapter in adapters:
        app.add_api_route(f"/bots/{adapter.name}", _endpoint(adapter), methods=["GET", "POST"],
                          include_in_schema=False)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, object]:
        return {"ok": True, "platforms": platform_status(adapters)}

    return app


def platform_status(adapters: list[Adapter]) -> dict[str, bool]:
    return {a.name: not a.missing for a in adapters}


def _endpoint(adapter: Adapter) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(req: Request) -> Response:
        if missing := adapter.missing:
            return JSONResponse({"error": f"{adapter.title} is not set up on this server: set "
                                          f"{', '.join(env_names(missing))} and restart."}, status_code=503)
        if int(req.headers.get("content-length") or 0) > MAX_BODY_BYTES:
            return JSONResponse({"error": "the body is too large"}, status_code=413)
        try:
            return await adapter.handle(req)
        except Exception as exc:  # a malformed event must not show a traceback to the caller
            log.error("%s webhook failed (%s)", adapter.title, type(exc).__name__)
            log.debug("%s webhook failure", adapter.title, exc_info=True)
            return JSONResponse({"error": "internal error"}, status_code=500)
    endpoint.__name__ = f"bots_{adapter.name}"
    return endpoint
