"""Running the API: one process, one shared pipeline, uvicorn on the event loop.

One server process, never uvicorn's `--workers`: conversations live in the server's memory, and
a follow-up sent to another uvicorn worker would lose its context. Questions run in a bounded
thread pool (ApiState.limiter), or with `processes` > 1 in worker processes that receive the
conversation with each question (workers.py), to use more than one core.
"""

from __future__ import annotations

import logging
from typing import Any

from assistant.core.settings import Settings
from assistant.core.users import load_users
from assistant.pipeline import Pipeline

__all__ = ["build", "serve"]

log = logging.getLogger("assistant.api")


def build(settings: Settings, *, concurrency: int | None = None, warm: bool = True,
          processes: int = 1) -> tuple[Any, Pipeline]:
    """The app over the settings' database, layer and users file, and its pipeline (to close).
    `processes` > 1 answers questions in that many worker processes."""
    from assistant.surfaces.api.app import create_app
    from assistant.surfaces.api.workers import Workers

    users = load_users(settings.users_file)  # read before the database is opened: a bad file fails fast
    pipeline = Pipeline.from_settings(settings)
    workers = Workers(settings, processes, users) if processes > 1 else None
    return create_app(pipeline, users, concurrency=concurrency, warm=warm, workers=workers), pipeline


def serve(app: Any, *, host: str, port: int, log_level: str = "info") -> None:
    """Serve until interrupted. The access log prints the client, the request line and the
    status, never headers, so tokens stay out of it; no `Server` header advertises versions."""
    import uvicorn

    config = uvicorn.Config(app, host=host, port=port, log_level=log_level, access_log=True,
                            server_header=False, proxy_headers=False, lifespan="on")
    uvicorn.Server(config).run()
