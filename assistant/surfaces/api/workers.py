"""Answering in worker processes, for machines with more cores than one Python thread can use.

A question costs ~100 ms of pure-Python CPU (planning, compiling, the guard, the chart), so one
process answers at most ~10 a second whatever its thread count: the GIL lets one thread run
Python at a time. `Workers` runs `answer_bytes` in N processes, each with its own pipeline on the
same settings. The conversation stays in the API process and travels with each question (a
Session is a few plans), so a follow-up keeps its context whichever worker answers it, which
uvicorn's own `--workers` cannot do.
"""

from __future__ import annotations

import datetime as dt
import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor, wait

from assistant.core.settings import Settings
from assistant.core.users import User, Users
from assistant.pipeline import Pipeline
from assistant.plan.types import Session

__all__ = ["Workers"]

log = logging.getLogger("assistant.api")

_pipeline: Pipeline | None = None  # one per worker process, built by _start


class Workers:
    """`processes` worker processes answering questions on `settings`' database and layer."""

    def __init__(self, settings: Settings, processes: int, users: Users | None = None) -> None:
        if processes < 1:
            raise ValueError("processes must be at least 1")
        self.processes = processes
        # spawn, not fork: the API process runs threads (uvicorn, the thread pool), and a forked
        # child would inherit their locks in whatever state they were.
        self._pool = ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn"),
                                         initializer=_start, initargs=(settings, list(users or ())))

    def start(self) -> None:
        """Start every process now (each builds and warms its pipeline), not on the first questions.
        A process is started whenever none is idle, so N tasks submitted at once start N."""
        wait([self._pool.submit(_ready) for _ in range(self.processes)])

    def ask(self, user: User | None, session: Session, question: str, as_of: dt.date | None,
            lang: str | None) -> tuple[bytes, str, Session]:
        """(the answer's JSON, its status, the conversation after it); raises what the worker raised."""
        return self._pool.submit(_ask, user, session, question, as_of, lang).result()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def _start(settings: Settings, users: list[User]) -> None:
    global _pipeline
    from assistant.surfaces.api.app import warm_up

    _pipeline = Pipeline.from_settings(settings)
    warm_up(_pipeline, Users({u.name: u for u in users}) if users else None)


def _ready() -> bool:
    return _pipeline is not None


def _ask(user: User | None, session: Session, question: str, as_of: dt.date | None,
         lang: str | None) -> tuple[bytes, str, Session]:
    from assistant.surfaces.api.ask import answer_bytes

    assert _pipeline is not None, "the worker's initializer did not run"
    body, status = answer_bytes(_pipeline, user, session, question, as_of, lang)
    return body, status, session
