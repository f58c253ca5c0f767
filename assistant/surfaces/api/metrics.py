"""`GET /v1/metrics`: the layer's metrics the caller may ask about, in both languages."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from assistant.core.errors import AccessDenied, FactoryAssistantError, user_message
from assistant.core.users import User
from assistant.pipeline import Pipeline
from assistant.plan.query import SemanticQuery
from assistant.scoped import ScopedPipeline, for_user
from assistant.surfaces.api.ask import ERRORS
from assistant.surfaces.api.auth import Caller, caller
from assistant.surfaces.api.errors import ApiError
from assistant.surfaces.api.schemas import ErrorBody, Label, MetricInfo, MetricsResponse
from assistant.surfaces.api.state import ApiState, api_state

__all__ = ["metrics_for", "router"]

router = APIRouter(prefix="/v1", tags=["layer"])

_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: ERRORS[401],
    403: {"model": ErrorBody, "description": "Your account's access cannot be resolved (see the message)."},
}


@router.get("/metrics", response_model=MetricsResponse, responses=_RESPONSES,
            summary="The metrics you may ask about")
def metrics(request: Request, who: Annotated[Caller, Depends(caller)]) -> MetricsResponse:
    """Name, labels, description and unit of every metric your access lets you ask about.
    A plain `def`: FastAPI runs it in a worker thread, since the first call per scope compiles."""
    return metrics_for(api_state(request), who.user)


def metrics_for(state: ApiState, user: User | None) -> MetricsResponse:
    """The metrics `user` may ask about (blocking): GET /v1/metrics and the MCP `list_metrics` tool."""
    try:
        view = for_user(state.pipeline, user)
        names = _visible(state, view)
    except FactoryAssistantError as exc:  # e.g. a role's row filter needs an attribute the user lacks
        raise ApiError(403, "access", user_message(exc, "en"), user_message(exc, "zh")) from None
    layer = state.pipeline.layer
    return MetricsResponse(metrics=[
        MetricInfo(name=m.name, label=Label(en=m.label.en, zh=m.label.zh), description=m.description,
                   description_zh=m.description_zh, unit=m.unit)
        for m in layer.spec.metrics if m.name in names])


def _visible(state: ApiState, view: Pipeline) -> set[str]:
    """Metrics the view's compiler would answer. Besides the role's hidden metrics, a row-scoped
    user cannot ask for figures over tables their scope cannot limit: asking the scoped compiler
    itself keeps this list and its refusals from ever disagreeing."""
    all_names = [m.name for m in view.layer.spec.metrics]
    if not isinstance(view, ScopedPipeline):
        return set(all_names)
    key = view.access.user.scope_key()
    with state.lock:
        cached = state.visible_metrics.get(key)
    if cached is not None:
        return set(cached)
    shown = []
    for name in all_names:
        if name in view.access.hidden_metrics:
            continue
        try:
            view.compiler.compile(SemanticQuery(metrics=[name]))
        except AccessDenied:
            continue
        except FactoryAssistantError:
            pass  # not askable on its own for another reason: still a metric the user may see
        shown.append(name)
    with state.lock:
        state.visible_metrics[key] = shown
    return set(shown)
