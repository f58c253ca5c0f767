"""`/v1/alerts`: the caller's alerts and open incidents, a new alert from a sentence, mute / unmute / delete.

    GET    /v1/alerts                   the rules you own or receive (admins: all), in words, and their open incidents
    POST   /v1/alerts                   {"sentence": "alert me when Ningbo OEE falls below 75%"} -> a rule you own
    POST   /v1/alerts/{id}/mute|unmute  rules you own (admins: any made in the app, chat or here)
    DELETE /v1/alerts/{id}

The same functions as `factory-assistant alerts` and the app's Alerts page (assistant/alerts/manage.py,
rule_from_sentence through scope_check.rule_within_scope), over the same alerts file and state database
settings. A sentence is read in the caller's access scope, and one that asks past it is refused (403)
rather than turned into a rule about something else.
"""

from __future__ import annotations

import datetime as dt
import pathlib
from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar

import anyio
from fastapi import APIRouter, Depends, Path, Query, Request
from sqlalchemy import Engine

from assistant.alerts.config import alerts_path, load_rules
from assistant.alerts.manage import delete_rule, incidents_for, rule_words, save_rule, set_muted, visible_rules
from assistant.alerts.rules import AlertRule, AlertsFile
from assistant.alerts.scope_check import AlertOutsideScope, rule_within_scope
from assistant.alerts.service import snoozed
from assistant.core.errors import ClarificationNeeded, ConfigError, FactoryAssistantError, ServiceBusy, user_message
from assistant.core.users import User
from assistant.pipeline import Pipeline
from assistant.scoped import for_user
from assistant.surfaces.api.alert_schemas import (
    RULE_ID,
    AlertChange,
    AlertCreate,
    AlertInfo,
    AlertsResponse,
    IncidentInfo,
)
from assistant.surfaces.api.ask import ERRORS
from assistant.surfaces.api.auth import Caller, caller
from assistant.surfaces.api.errors import ApiError
from assistant.surfaces.api.schemas import ErrorBody
from assistant.surfaces.api.state import ApiState, api_state
from semantic_layer.models import ADMIN_ROLE

__all__ = ["alerts_for", "router"]

router = APIRouter(prefix="/v1", tags=["alerts"])

Lang = Literal["en", "zh"]
LangQuery = Annotated[Lang | None, Query(description="The language of the words returned (default: the "
                                                     "Accept-Language header's, else English).")]
RuleId = Annotated[str, Path(pattern=RULE_ID, max_length=64, description="The alert's id (see GET /v1/alerts).")]

_FORBIDDEN = {"model": ErrorBody, "description": "Outside your access: a rule about data you may not see, "
                                                 "someone else's rule, or an account whose access cannot be resolved."}
_LIST: dict[int | str, dict[str, Any]] = {401: ERRORS[401], 403: _FORBIDDEN, 422: ERRORS[422]}
_CREATE: dict[int | str, dict[str, Any]] = {
    **ERRORS, 403: _FORBIDDEN, 409: {"model": ErrorBody, "description": "The rule could not be stored."}}
_CHANGE: dict[int | str, dict[str, Any]] = {
    **_LIST, 404: {"model": ErrorBody, "description": "No alert with this id that you own or receive."},
    409: {"model": ErrorBody, "description": "The rule is set in the alerts file: change it there."}}

T = TypeVar("T")


async def _run(state: ApiState, fn: Callable[..., T], *args: Any) -> T:
    # Reading a sentence plans a question and naming members reads the catalogue: off the event
    # loop, and queued with the questions (the same limit on work done at once).
    return await anyio.to_thread.run_sync(fn, *args, limiter=state.limiter)


def _lang(lang: str | None, request: Request) -> Lang:
    if lang in ("en", "zh"):
        return "zh" if lang == "zh" else "en"
    return "zh" if request.headers.get("accept-language", "").lower().startswith("zh") else "en"


@router.get("/alerts", response_model=AlertsResponse, responses=_LIST, summary="Your alerts and their open incidents")
async def list_alerts(request: Request, who: Annotated[Caller, Depends(caller)],
                      lang: LangQuery = None) -> AlertsResponse:
    """The alerts you own or receive (an administrator: all of them), each in words, on / muted /
    snoozed, and whether you may change it here; with the open incidents of those alerts."""
    state = api_state(request)
    return await _run(state, alerts_for, state, who.user, _lang(lang, request))


@router.post("/alerts", status_code=201, response_model=AlertChange, responses=_CREATE,
             summary="Make an alert from a sentence")
async def create_alert(body: AlertCreate, request: Request, who: Annotated[Caller, Depends(caller)]) -> AlertChange:
    """"Alert me when Ningbo OEE falls below 75%" / "宁波OEE低于75%时提醒我": read in your access
    scope, stored as yours, sent to you. A sentence that cannot be read is a 422 saying what was
    missing with an example; one that asks about data outside your access is a 403."""
    state = api_state(request)
    return await _run(state, create_for, state, who.user, body)


@router.post("/alerts/{rule_id}/mute", response_model=AlertChange, responses=_CHANGE, summary="Stop checking an alert")
async def mute_alert(rule_id: RuleId, request: Request, who: Annotated[Caller, Depends(caller)],
                     lang: LangQuery = None) -> AlertChange:
    state = api_state(request)
    return await _run(state, change_for, state, who.user, rule_id, "mute", _lang(lang, request))


@router.post("/alerts/{rule_id}/unmute", response_model=AlertChange, responses=_CHANGE,
             summary="Check a muted or snoozed alert again")
async def unmute_alert(rule_id: RuleId, request: Request, who: Annotated[Caller, Depends(caller)],
                       lang: LangQuery = None) -> AlertChange:
    state = api_state(request)
    return await _run(state, change_for, state, who.user, rule_id, "unmute", _lang(lang, request))


@router.delete("/alerts/{rule_id}", response_model=AlertChange, responses=_CHANGE, summary="Delete an alert")
async def delete_alert(rule_id: RuleId, request: Request, who: Annotated[Caller, Depends(caller)],
                       lang: LangQuery = None) -> AlertChange:
    """Its incidents stay in the history."""
    state = api_state(request)
    return await _run(state, change_for, state, who.user, rule_id, "delete", _lang(lang, request))


# ---------------------------------------------------------------------- the work (blocking; MCP uses it too)
def alerts_for(state: ApiState, user: User | None, lang: Lang) -> AlertsResponse:
    store, alerts = _loaded(state)
    view = _view(state, user)
    rules = _visible(alerts.rules, user)
    now = dt.datetime.now(dt.UTC)
    rows = incidents_for(store, rules, open_only=True) if rules else []
    return AlertsResponse(lang=lang, rules=[_info(r, view, user, lang, now) for r in rules], incidents=[
        IncidentInfo(id=r["id"], rule_id=r["rule_id"], member=r["member"] or "", member_label=r["member_label"] or "",
                     period=r["period"], opened_at=r["opened_at"].isoformat() if r["opened_at"] else None,
                     value=r["value"], reference=r["reference"],
                     message=(r["message_zh"] if lang == "zh" else r["message_en"]) or "")
        for r in rows])


def create_for(state: ApiState, user: User | None, body: AlertCreate) -> AlertChange:
    limit = state.pipeline.settings.max_question_chars
    if len(body.sentence) > limit:
        raise ApiError(422, "sentence_too_long", f"The sentence is longer than {limit:,} characters. Say what to "
                                                 "watch in one sentence.",
                       f"这句话超过 {limit:,} 个字符，请用一句话说明要盯什么。",
                       details=[_detail(f"longer than {limit:,} characters", f"超过 {limit:,} 个字符")])
    store, alerts = _loaded(state)
    view = _view(state, user)
    taken = {r.id for r in alerts.rules}
    try:
        draft = rule_within_scope(body.sentence, state.pipeline, user=user, taken=taken, channels=alerts.channels,
                                  as_of=state.pipeline.settings.today())
    except AlertOutsideScope as exc:
        raise ApiError(403, "outside_scope", exc.text("en"), exc.text("zh")) from None
    except ClarificationNeeded as exc:  # what was missing, with an example built from this layer
        raise ApiError(422, "unreadable_sentence", exc.text("en"), exc.text("zh"),
                       details=[_detail(exc.text("en"), exc.text("zh"))]) from None
    except ServiceBusy:
        raise  # -> 503 with Retry-After
    except FactoryAssistantError as exc:
        raise _access(exc) from None
    rule = draft.rule if body.lang is None else draft.rule.model_copy(update={"lang": body.lang})
    try:
        saved = save_rule(store, rule, taken)
    except ClarificationNeeded as exc:
        raise ApiError(409, "not_saved", exc.text("en"), exc.text("zh")) from None
    info = _info(saved, view, user, saved.lang, dt.datetime.now(dt.UTC))
    en, zh = rule_words(saved, view, "en"), rule_words(saved, view, "zh")
    return AlertChange(message=f"Created '{saved.id}': {en}", message_zh=f"已创建“{saved.id}”：{zh}", rule=info)


_DONE = {"mute": ("'{id}' is muted: it is not checked until unmuted.", "“{id}”已静音：取消静音前不再检查。"),
         "unmute": ("'{id}' is on again.", "“{id}”已重新启用。"),
         "delete": ("'{id}' is deleted; its incidents stay in the history.", "“{id}”已删除，其预警记录仍保留。")}


def change_for(state: ApiState, user: User | None, rule_id: str, action: str, lang: Lang) -> AlertChange:
    store, alerts = _loaded(state)
    view = _view(state, user)
    rule = next((r for r in _visible(alerts.rules, user) if r.id == rule_id), None)
    if rule is None:  # someone else's rule is not named as existing
        raise ApiError(404, "no_such_alert", f"You have no alert '{rule_id}'. GET /v1/alerts lists yours.",
                       f"你没有名为“{rule_id}”的预警。GET /v1/alerts 可列出你的预警。")
    if rule.source != "file" and not _may_change(rule, user):
        owner = rule.owner or "its owner"
        raise ApiError(403, "not_owner", f"You receive '{rule_id}' but did not make it: only {owner} or an "
                                         "administrator can change it.",
                       f"你会收到“{rule_id}”，但它不是你创建的：只有{rule.owner or '创建者'}或管理员可以修改。")
    # An administrator acts as the `alerts` commands do (any rule made in the app or chat); anyone
    # else as the Alerts page does, limited to their own rules.
    acting = None if user is None or user.role == ADMIN_ROLE else user
    # Named by the file's name only: the server's folders are no business of an API caller.
    path = alerts_path(state.pipeline.settings)
    where = pathlib.Path(path.name) if path is not None else None
    try:
        if action == "delete":
            changed = delete_rule(store, alerts, rule_id, user=acting, alerts_file=where)
        else:
            changed = set_muted(store, alerts, rule_id, action == "mute", user=acting, alerts_file=where)
    except ClarificationNeeded as exc:  # a rule from the alerts file: the file is its one record
        raise ApiError(409, "in_alerts_file", exc.text("en"), exc.text("zh")) from None
    en, zh = _DONE[action]
    return AlertChange(message=en.format(id=rule_id), message_zh=zh.format(id=rule_id),
                       rule=_info(changed, view, user, lang, dt.datetime.now(dt.UTC)))


# ---------------------------------------------------------------------- helpers
def _loaded(state: ApiState) -> tuple[Engine, AlertsFile]:
    """The state database and every rule (file and stored), or a 503 saying which could not be read."""
    try:
        store = state.alert_store()
        return store, load_rules(state.pipeline.settings, state.pipeline.layer, store)
    except ConfigError as exc:
        raise ApiError(503, "alerts_unavailable", user_message(exc, "en"), user_message(exc, "zh")) from None


def _view(state: ApiState, user: User | None) -> Pipeline:
    try:
        return for_user(state.pipeline, user)
    except FactoryAssistantError as exc:  # e.g. a role's row filter needs an attribute the user lacks
        raise _access(exc) from None


def _access(exc: FactoryAssistantError) -> ApiError:
    return ApiError(403, "access", user_message(exc, "en"), user_message(exc, "zh"))


def _visible(rules: list[AlertRule], user: User | None) -> list[AlertRule]:
    """An administrator sees every rule (as `alerts list` does); anyone else the ones they own or receive."""
    return list(rules) if user is not None and user.role == ADMIN_ROLE else visible_rules(rules, user)


def _may_change(rule: AlertRule, user: User | None) -> bool:
    return user is None or user.role == ADMIN_ROLE or rule.owner == user.name


def _info(rule: AlertRule, view: Pipeline, user: User | None, lang: Lang, now: dt.datetime) -> AlertInfo:
    state: Literal["on", "muted", "snoozed"] = "muted" if rule.muted else "snoozed" if snoozed(rule, now) else "on"
    return AlertInfo(id=rule.id, name=rule.name, text=rule_words(rule, view, lang), metric=rule.metric, state=state,
                     snoozed_until=rule.snoozed_until, source=rule.source, owner=rule.owner,
                     recipients=list(rule.recipients), lang=rule.lang, every_minutes=rule.every_minutes,
                     editable=rule.source != "file" and _may_change(rule, user))


def _detail(en: str, zh: str) -> dict[str, str]:
    return {"field": "sentence", "problem": en, "problem_zh": zh}
