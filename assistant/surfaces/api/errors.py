"""Every error the API returns is one JSON shape, in both languages, and never a traceback.

    {"error": "unauthorized", "message": "...", "message_zh": "...", "details": [...]}

Bodies are built from our own words only: request values (a question, a header, a token) are
never echoed, so a token sent in the wrong place cannot come back in a response or a log line.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.core.errors import ServiceBusy

__all__ = ["ApiError", "BodyLimit", "CatchAll", "error_response", "install_handlers", "problems"]

log = logging.getLogger("assistant.api")

RETRY_AFTER_S = 2  # a queued query waits seconds, not minutes: ask again soon


class ApiError(Exception):
    """An error with its HTTP status and its message in both languages."""

    def __init__(self, status: int, code: str, en: str, zh: str, *, details: Sequence[dict[str, str]] = (),
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(en)
        self.status, self.code, self.en, self.zh = status, code, en, zh
        self.details = list(details)
        self.headers = dict(headers or {})


def error_response(error: ApiError) -> JSONResponse:
    body: dict[str, Any] = {"error": error.code, "message": error.en, "message_zh": error.zh}
    if error.details:
        body["details"] = error.details
    return JSONResponse(body, status_code=error.status, headers=error.headers)


# ---------------------------------------------------------------------- request validation
_FIELD_HELP = {
    "question": ("the question, in English or Chinese", "问题（中文或英文）"),
    "conversation_id": ("1-64 letters, digits, '.', '_', ':' or '-'", "1-64 个字母、数字或 . _ : -"),
    "as_of": ("a date as YYYY-MM-DD, e.g. 2025-12-31", "YYYY-MM-DD 格式的日期，例如 2025-12-31"),
    "lang": ("'en' or 'zh'", "'en' 或 'zh'"),
    "sentence": ("a sentence such as 'alert me when <a metric> falls below <a value>' (GET /v1/metrics lists them)",
                 "一句话，例如“<指标>低于<数值>时提醒我”（指标见 GET /v1/metrics）"),
    "rule_id": ("an alert id from GET /v1/alerts (lower-case letters, digits, '-' and '_')",
                "GET /v1/alerts 列出的预警 id（小写字母、数字、- 和 _）"),
}


# pydantic error type -> what was wrong, in words (templates read the error's `ctx`). Our own
# validators raise PydanticCustomError with the types below, so every message has both languages.
_REASONS: dict[str, tuple[str, str]] = {
    "string_too_short": ("is shorter than {min_length} character(s)", "少于 {min_length} 个字符"),
    "string_too_long": ("is longer than {max_length} characters", "超过 {max_length} 个字符"),
    "string_pattern_mismatch": ("is not in the expected form", "格式不对"),
    "string_type": ("must be a string", "应为字符串"),
    "literal_error": ("is not one of the allowed values", "不是允许的值"),
    "empty_question": ("is empty", "为空"),
    "empty_text": ("is empty", "为空"),
    "not_a_date": ("is not a real date", "不是有效日期"),
    "date_out_of_range": ("must lie between {earliest} and {latest}", "应在 {earliest} 到 {latest} 之间"),
}


def problems(errors: Sequence[Mapping[str, Any]], known: Sequence[str] = ()) -> ApiError:
    """pydantic errors as one 422 (the MCP tools validate their arguments with the API's models)."""
    details = [_problem(e, known) for e in errors][:10]
    return ApiError(422, "invalid_request", " ".join(d["problem"] for d in details),
                    "".join(d["problem_zh"] for d in details), details=details)


def _problem(error: Mapping[str, Any], known_fields: Sequence[str] = ()) -> dict[str, str]:
    """One pydantic error in words: which field, what was wrong, what to send instead. Built
    from the field's name and the rule only: pydantic's `input` (what was sent) is never used."""
    loc = [str(part) for part in error.get("loc", ()) if part != "body"]
    name = ".".join(loc) or "body"
    kind = str(error.get("type", ""))
    want_en, want_zh = _FIELD_HELP.get(loc[-1] if loc else "", ("", ""))
    if kind == "extra_forbidden":
        known = ", ".join(known_fields or _FIELD_HELP)
        return {"field": name, "problem": f"Unknown field '{name}'. Known fields: {known}.",
                "problem_zh": f"未知字段“{name}”。可用字段：{known}。"}
    if kind == "missing":
        return {"field": name, "problem": f"'{name}' is required: {want_en or 'see /docs'}.",
                "problem_zh": f"缺少“{name}”：{want_zh or '见 /docs'}。"}
    if name == "body" or kind in ("json_invalid", "model_attributes_type", "dict_type"):
        first = known_fields[0] if known_fields else "question"
        return {"field": "body", "problem": f"The body must be a JSON object, e.g. {{\"{first}\": \"...\"}}.",
                "problem_zh": f"请求体必须是 JSON 对象，例如 {{\"{first}\": \"...\"}}。"}
    ctx = {k: str(v) for k, v in (error.get("ctx") or {}).items()}
    en, zh = _REASONS.get(kind, ("is not valid", "无效"))
    try:
        en, zh = en.format(**ctx), zh.format(**ctx)
    except (KeyError, IndexError):
        en, zh = "is not valid", "无效"
    hint_en = f" Send {want_en}." if want_en else ""
    hint_zh = f"应为{want_zh}。" if want_zh else ""
    return {"field": name, "problem": f"'{name}' {en}.{hint_en}", "problem_zh": f"“{name}”{zh}。{hint_zh}"}


async def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return error_response(problems(exc.errors(), _body_fields(request)))


def _body_fields(request: Request) -> list[str]:
    """The fields of the route's body model, to name when an unknown one is sent."""
    body = getattr(request.scope.get("route"), "body_field", None)
    model = getattr(getattr(body, "field_info", None), "annotation", None)
    fields = getattr(model, "model_fields", None)
    return list(fields) if isinstance(fields, dict) else []


async def _api_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc)


async def _busy(_request: Request, _exc: Exception) -> JSONResponse:
    return error_response(ApiError(503, "busy", "The service is busy right now; try again in a moment.",
                                   "服务正忙，请稍后再试。", headers={"Retry-After": str(RETRY_AFTER_S)}))


async def _http(_request: Request, exc: Exception) -> JSONResponse:
    """400 (undecodable body), 404 and 405 from FastAPI, in the same shape as our own errors."""
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400:  # a body that is not text at all (FastAPI could not decode it)
        error = ApiError(400, "bad_request", "The body could not be read: send JSON in UTF-8, e.g. "
                                             "{\"question\": \"...\"}.",
                         "无法读取请求体：请发送 UTF-8 编码的 JSON，例如 {\"question\": \"...\"}。")
    elif exc.status_code == 404:
        error = ApiError(404, "not_found", "No such endpoint. See /docs for the API.", "没有这个接口，请查看 /docs。")
    elif exc.status_code == 405:
        error = ApiError(405, "method_not_allowed", "This endpoint does not take that method. See /docs.",
                         "这个接口不支持该请求方法，请查看 /docs。", headers=dict(exc.headers or {}))
    else:
        error = ApiError(exc.status_code, "http_error", str(exc.detail), str(exc.detail))
    return error_response(error)


def install_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(ServiceBusy, _busy)
    app.add_exception_handler(StarletteHTTPException, _http)


# ---------------------------------------------------------------------- ASGI wrappers
_INTERNAL = ApiError(500, "internal_error", "Something went wrong on the server; it has been logged. Try again, "
                                            "or ask your administrator if it keeps happening.",
                     "服务器出错，已记录。请重试；如果一直出现，请联系管理员。")


class CatchAll:
    """Any exception a handler did not turn into a response: logged here, a generic 500 out.

    Starlette's own last resort logs too but re-raises, and in debug mode sends the traceback;
    this sits inside it so neither happens."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except BodyTooLarge as exc:
            if not started:
                await error_response(exc.error)(scope, receive, send)
        except Exception:
            # The path, never the headers: an Authorization header must not reach a log.
            log.exception("unhandled error answering %s %s", scope.get("method"), scope.get("path"))
            if not started:
                await error_response(_INTERNAL)(scope, receive, send)


class BodyTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__("request body too large")
        self.error = ApiError(413, "body_too_large", f"The request body is larger than {limit:,} bytes. "
                                                     "Send one question at a time.",
                              f"请求体超过 {limit:,} 字节，请一次只问一个问题。")


class BodyLimit:
    """Refuses bodies over `limit` bytes before they are read whole: by Content-Length when
    sent, else by counting the chunks as they arrive (uvicorn sets no limit of its own)."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or ()).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await error_response(BodyTooLarge(self.limit).error)(scope, receive, send)
            return
        seen = 0

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise BodyTooLarge(self.limit)
            return message

        await self.app(scope, counting_receive, send)
