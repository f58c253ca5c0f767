"""The HTTP API surface (FastAPI): see `app.py` for the endpoints, `server.py` to run it."""

from __future__ import annotations

from assistant.surfaces.api.app import V1_ROUTERS, create_app

__all__ = ["V1_ROUTERS", "create_app"]
