"""`POST /v1/ask`: a question in, the `ask --json` answer out, in the caller's access scope."""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import threading
import time
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, Request, Response

from assistant.core.errors import FactoryAssistantError, ServiceBusy, user_message
from assistant.core.text import question_lang
from assistant.core.users import User
from assistant.explain.answer import Answer
from assistant.pipeline import Pipeline
from assistant.plan.types import Session
from assistant.scoped import for_user
from assistant.surfaces.api.auth import Caller, caller
from assistant.surfaces.api.cache import AnswerCache
from assistant.surfaces.api.errors import ApiError
from assistant.surfaces.api.schemas import AskRequest, AskResponse, ErrorBody
from assistant.surfaces.api.state import ApiState, api_state
from assistant.surfaces.shapes import answer_json

__all__ = ["ERRORS", "answer_bytes", "answer_request", "router"]

log = logging.getLogger("assistant.api")

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "The body could not be read as JSON in UTF-8."},
    401: {"model": ErrorBody, "description": "No token, or one that is not recognised (when users are configured)."},
    413: {"model": ErrorBody, "description": "The request body is too large."},
    429: {"model": ErrorBody, "description": "Too many questions from this token (setting api_rate_per_min). "
                                             "Retry after the Retry-After header's seconds."},
    422: {"model": ErrorBody, "description": "The request is not valid: which field, what was wrong, what to send."},
    503: {"model": ErrorBody, "description": "Busy: every database connection stayed in use. Retry after "
                                             "the Retry-After header's seconds."},
}

router = APIRouter(prefix="/v1", tags=["questions"])


@router.post("/ask", response_model=None, responses={200: {"model": AskResponse}, **ERRORS},
             summary="Ask a question in English or Chinese")
async def ask(body: AskRequest, request: Request, who: Annotated[Caller, Depends(caller)]) -> Response:
    """The answer as `factory-assistant ask --json` prints it, plus `conversation_id`. An answer
    the data could not give (a refusal, a question to clarify, access outside your scope) is a
    normal answer with its `status` and `message`."""
    return Response(await answer_request(api_state(request), who, body), media_type="application/json")


async def answer_request(state: ApiState, who: Caller, body: AskRequest) -> bytes:
    """The JSON of POST /v1/ask for this caller: the route and the MCP `ask` tool both answer
    through here, so a question reads the same, in the same scope, wherever it comes from."""
    question = _checked(state, body)  # before the queue: a refusal need not wait its turn
    if state.rate is not None and (wait := state.rate.wait_s(who.owner)) > 0:
        seconds = max(1, math.ceil(wait))
        raise ApiError(429, "rate_limited", f"Too many questions from this token: ask again in {seconds} s.",
                       f"此令牌提问过于频繁：请 {seconds} 秒后再问。", headers={"Retry-After": str(seconds)})
    # The pipeline blocks (planning, the database): in a worker thread, so the event loop keeps
    # answering /healthz and queueing the others; serialising the JSON there too keeps it off the loop.
    return await anyio.to_thread.run_sync(_answer, state, who, body, question, limiter=state.limiter)


def _checked(state: ApiState, body: AskRequest) -> str:
    question = _clean(body.question)
    limit = state.pipeline.settings.max_question_chars
    if len(question) > limit:
        raise ApiError(422, "question_too_long",
                       f"The question is {len(question):,} characters long; at most {limit:,} are read. "
                       "Ask in a sentence or two.",
                       f"问题太长（{len(question):,} 个字符），最多可读 {limit:,} 个字符。请用一两句话提问。",
                       details=[{"field": "question", "problem": f"longer than {limit:,} characters",
                                 "problem_zh": f"超过 {limit:,} 个字符"}])
    return question


def _clean(question: str) -> str:
    """JSON may carry lone surrogates ("\\ud800"), which no encoder downstream accepts: U+FFFD instead."""
    return question.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def _answer(state: ApiState, who: Caller, body: AskRequest, question: str) -> bytes:
    started = time.perf_counter()
    cid, conversation = state.conversations.open(who.owner, body.conversation_id)
    with conversation.lock:
        if state.workers is None:
            answer, status = answer_bytes(state.pipeline, who.user, conversation.session, question,
                                          body.as_of_date(), body.lang)
        else:  # the conversation goes to a worker process and comes back one turn longer
            answer, status, conversation.session = state.workers.ask(who.user, conversation.session, question,
                                                                     body.as_of_date(), body.lang)
        state.conversations.trim(conversation)
    log.info("ask: user=%s status=%s %.0f ms", who.owner or "anonymous", status,
             (time.perf_counter() - started) * 1000)
    # The id leads the object: `answer` is the JSON of one object, and the id matches a plain pattern.
    return b'{"conversation_id":' + json.dumps(cid).encode("ascii") + b"," + answer[1:]


def answer_bytes(pipeline: Pipeline, user: User | None, session: Session, question: str, as_of: dt.date | None,
                 lang: str | None) -> tuple[bytes, str]:
    """The answer's JSON (the `ask --json` shape) and its status; in this process or a worker's."""
    # The same questions in the same order, in the same scope and on the same date, read the same:
    # the conversation so far is part of the key, so follow-ups are kept as safely as first questions.
    cache = _cache(pipeline)
    key = (user.scope_key() if user is not None else None, tuple(t.question for t in session.turns), question,
           as_of or pipeline.settings.today(), lang, pipeline.default_planner)
    if (hit := cache.get(key)) is not None:
        content, status, turn = hit
        session.turns.append(turn)
        session.lang = question_lang(turn.question)  # as Pipeline.ask leaves it
        return content, status
    answer = _ask(pipeline, user, session, question, as_of, lang)
    content = json.dumps(answer_json(answer), ensure_ascii=False, allow_nan=False,
                         separators=(",", ":")).encode("utf-8")
    if len(session.turns) == len(key[1]) + 1:  # the answer added its turn: keep both
        cache.put(key, content, answer.status, session.turns[-1])
    return content, answer.status


_caches: dict[int, AnswerCache] = {}
_caches_lock = threading.Lock()


def _cache(pipeline: Pipeline) -> AnswerCache:
    with _caches_lock:
        cache = _caches.get(id(pipeline))
        if cache is None:
            cache = _caches[id(pipeline)] = AnswerCache(pipeline.settings.answer_cache_s)
        return cache


def _ask(pipeline: Pipeline, user: User | None, session: Session, question: str, as_of: dt.date | None,
         lang: str | None) -> Answer:
    question_language = question_lang(question)
    try:
        view = for_user(pipeline, user)  # every question in the caller's access scope, never around it
        before = len(session.turns)
        answer = view.ask(question, session=session, as_of=as_of)
        if lang is not None and answer.lang != lang:
            answer = _in_language(view, session, before, answer, lang)
    except ServiceBusy:
        raise  # -> 503 with Retry-After: nothing ran, asking again is safe
    except FactoryAssistantError as exc:  # access outside the scope, a database that cannot be opened...
        return Answer(question, "error", user_message(exc, question_language), lang=question_language)
    return answer


def _in_language(view: Pipeline, session: Session, before: int, answer: Answer, lang: str) -> Answer:
    """The same plan said again in `lang` (as the app does on a language switch). Clarifying
    questions and refusals keep their words: the planner wrote them for the words typed."""
    if len(session.turns) <= before:
        return answer
    plan = session.turns[-1].plan
    if plan.kind in ("clarify", "refuse"):
        return answer
    again = view.execute_plan(answer.question, plan, lang=lang, timings={})
    again.timings_ms = answer.timings_ms
    return again
