"""The HTTP API: `create_app(pipeline, users)` builds the FastAPI application.

    POST   /v1/ask                     a question -> the `ask --json` answer (+ conversation_id for follow-ups)
    GET    /v1/metrics                 the metrics the caller may ask about
    GET    /v1/alerts                  the caller's alerts in words and their open incidents
    POST   /v1/alerts                  an alert from a sentence, owned by the caller, in their scope
    POST   /v1/alerts/{id}/mute|unmute, DELETE /v1/alerts/{id}   the caller's own alerts
    POST   /mcp                        MCP (streamable HTTP): tools ask, list_metrics, list_alerts
    GET    /healthz                    up, and whether tokens are required (no secrets)
    GET    /docs, /openapi.json

Every /v1 route depends on `caller` (auth.py) and asks through `for_user`, so a token's user
never sees past their access scope; /mcp checks the same tokens (mcp_server.McpGate) and its tools
call the same functions as the routes. New endpoints are routers added to `V1_ROUTERS`; they get
the same auth dependency, error shapes and state.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from anyio import CapacityLimiter
from fastapi import APIRouter, FastAPI, Request
from fastapi_offline import FastAPIOffline

from assistant import __version__
from assistant.core.errors import FactoryAssistantError
from assistant.core.heap import freeze_warmed_up
from assistant.core.users import Users
from assistant.pipeline import Pipeline
from assistant.scoped import for_user
from assistant.surfaces.api import alerts, ask, metrics
from assistant.surfaces.api.errors import BodyLimit, CatchAll, install_handlers
from assistant.surfaces.api.mcp_server import mount_mcp
from assistant.surfaces.api.schemas import Health
from assistant.surfaces.api.state import ApiState, api_state
from assistant.surfaces.api.workers import Workers
from assistant.surfaces.conversations import Conversations
from assistant.surfaces.limits import RateLimit

__all__ = ["V1_ROUTERS", "create_app", "warm_up"]

log = logging.getLogger("assistant.api")

V1_ROUTERS: tuple[APIRouter, ...] = (ask.router, metrics.router, alerts.router)

_DESCRIPTION = """Ask questions about your data in plain English or Chinese; each answer carries its figures,
rows, chart and exactly how it was computed. Send `Authorization: Bearer <token>` when the server has
users (see /healthz). 用中文或英文提问，答案附带数据、图表和计算方法。"""


def create_app(pipeline: Pipeline, users: Users | None, *, max_conversations: int = 1000,
               concurrency: int | None = None, warm: bool = False, workers: Workers | None = None,
               alerts_db: str | None = None) -> FastAPI:
    """The API over one shared pipeline. `users` None = the anonymous demo (no tokens needed).

    `concurrency`: questions answered at once (default: the pipeline's `pool_size`, as many as
    can hold a database connection; with `workers`, two per process, so each has the next
    question waiting); `warm`: build catalogues and load the planner at start-up, so the first
    callers do not wait for it; `workers`: answer in these processes (started and closed with the app);
    `alerts_db`: the alert state database (default: the settings', as the `alerts` commands use)."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if warm:
            await anyio.to_thread.run_sync(warm_up, pipeline, users)
        if workers is not None:
            await anyio.to_thread.run_sync(workers.start)
        try:
            async with mcp.running():  # /mcp's task group lives as long as the app
                yield
        finally:
            if workers is not None:
                workers.close()

    app = FastAPIOffline(title="factory-assistant", version=__version__, description=_DESCRIPTION,
                         lifespan=lifespan)
    app.state.api = ApiState(pipeline=pipeline, users=users, conversations=Conversations(max_conversations),
                             workers=workers, limiter=CapacityLimiter(
                                 concurrency or (2 * workers.processes if workers else pipeline.settings.pool_size)),
                             alerts_db=alerts_db, rate=_rate(pipeline, users))
    install_handlers(app)
    app.include_router(_health)
    for router in V1_ROUTERS:
        app.include_router(router)
    mcp = mount_mcp(app, app.state.api)
    # Added last = outermost: CatchAll also sees what BodyLimit raises while the body streams in.
    # A JSON-escaped character is at most 12 bytes ("\\ud83d\\ude00"): room for the longest question.
    app.add_middleware(BodyLimit, limit=max(65_536, 12 * pipeline.settings.max_question_chars + 4096))
    app.add_middleware(CatchAll)
    return app


_health = APIRouter(tags=["service"])


@_health.get("/healthz", response_model=Health, summary="Is the service up; are tokens required")
def healthz(request: Request) -> Health:
    state = api_state(request)
    if state.auth_required:
        return Health(status="ok", auth_required=True, mode="users", version=__version__,
                      message="Up. Every /v1 request needs 'Authorization: Bearer <token>'.",
                      message_zh="运行中。所有 /v1 请求都需要“Authorization: Bearer <令牌>”。")
    return Health(status="ok", auth_required=False, mode="anonymous_demo", version=__version__,
                  message="Up, as an anonymous demo: no users file is configured, so no token is needed and "
                          "every caller sees all data.",
                  message_zh="运行中（匿名演示）：未配置用户文件，无需令牌，所有人可见全部数据。")


def _rate(pipeline: Pipeline, users: Users | None) -> RateLimit | None:
    """Per token: with users every caller has their own bucket; the anonymous demo (one shared
    identity, loopback by default) is not limited."""
    per_minute = pipeline.settings.api_rate_per_min
    if users is None or per_minute <= 0:
        return None
    return RateLimit(per_minute, burst=max(1, per_minute // 10))


def warm_up(pipeline: Pipeline, users: Users | None) -> None:
    """Load the planner, build the member catalogue of the pipeline and of every user's scope
    (each scope has its own), and answer a question in each language (the chart code and the
    Chinese word splitter load on first use): the first callers then wait for none of it."""
    try:
        _ = pipeline.planners, pipeline.values
        layer = pipeline.layer
        first = layer.spec.metrics[0] if layer.spec.metrics else None
        by = next(iter(layer.metric_dimensions(first.name)), None) if first is not None else None
        if first is not None and by is not None:
            # A figure by a breakdown draws a chart (a lone figure does not): charting's first
            # use costs ~1.5 s. One question per language: Chinese loads its word splitter.
            label = layer.dimension(by).label
            pipeline.ask(f"{first.label.en} by {label.en}")
            pipeline.ask(f"按{label.zh}的{first.label.zh}")
    except FactoryAssistantError as exc:
        log.warning("warm-up: %s", exc)
    for user in users or ():
        try:
            _ = for_user(pipeline, user).values
        except FactoryAssistantError as exc:  # said again, to that user, when they ask
            log.warning("warm-up for user %s: %s", user.name, exc)
    freeze_warmed_up()  # no full garbage collection walks what the warm-up built (assistant.core.heap)
