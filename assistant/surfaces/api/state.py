"""What the API's routes share: the one pipeline, the users, the conversations, the limits.

Kept on `app.state.api`, so routers (ask, metrics, alerts) and the MCP server reach it without
module globals, and two apps in one process stay apart.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from anyio import CapacityLimiter
from fastapi import Request
from sqlalchemy import Engine

from assistant.alerts.manage import open_state_db
from assistant.core.users import Users
from assistant.pipeline import Pipeline
from assistant.surfaces.api.workers import Workers
from assistant.surfaces.conversations import Conversations
from assistant.surfaces.limits import RateLimit

__all__ = ["ApiState", "api_state"]


@dataclass
class ApiState:
    pipeline: Pipeline
    users: Users | None
    conversations: Conversations
    # Questions answered at once. The pipeline is CPU-bound Python (planning, compiling, the
    # answer's words and chart) that holds the GIL; more threads than this only interleave it and
    # make every request slower, while the rest wait their turn in order on the event loop.
    limiter: CapacityLimiter
    workers: Workers | None = None  # worker processes answering questions; None: this process does
    visible_metrics: dict[object, list[str]] = field(default_factory=dict)  # per access scope
    lock: threading.Lock = field(default_factory=threading.Lock)
    # The alert state database (a SQLAlchemy URL; default: the settings', as `alerts` commands use).
    # Opened on the first alerts request, so serving questions never needs it.
    alerts_db: str | None = None
    rate: RateLimit | None = None  # questions per token per minute; None: no limit (the anonymous demo)
    _alert_store: Engine | None = field(default=None, repr=False)

    def alert_store(self) -> Engine:
        """The alert state database, opened (and its tables made) once: a ConfigError if it cannot be."""
        with self.lock:
            if self._alert_store is None:
                self._alert_store = open_state_db(self.alerts_db or self.pipeline.settings.alerts_db_url())
            return self._alert_store

    @property
    def auth_required(self) -> bool:
        return self.users is not None


def api_state(request: Request) -> ApiState:
    state: ApiState = request.app.state.api
    return state
