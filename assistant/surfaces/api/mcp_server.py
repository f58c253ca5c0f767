"""The MCP server: the governed layer as tools for AI assistants (Claude Desktop, IDE agents, ...).

    ask(question, conversation_id?, as_of?, lang?)   the JSON of POST /v1/ask
    list_metrics()                                   the JSON of GET /v1/metrics
    list_alerts(lang?)                               the JSON of GET /v1/alerts

Built with the official SDK (`mcp`, MCPServer) and served two ways over the same tools:

* in the API at `/mcp` (streamable HTTP; stateless with JSON replies, so any number of callers and
  API restarts need no MCP sessions): `McpGate` checks `Authorization: Bearer <token>` with the same
  `resolve_caller` as /v1 before the SDK sees the request, and puts the user on the ASGI scope,
  where each tool call reads it from its own request. A missing or unknown token is the API's 401.
* over stdin/stdout as one fixed user (`factory-assistant serve mcp --user NAME`, mcp_stdio.py).

The tools answer through the API's own functions (answer_request, metrics_for, alerts_for): the same
reading, the same access scope, the same conversations and the same limit on work done at once.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Literal

import anyio
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.transport_security import TransportSecuritySettings
from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from assistant import __version__
from assistant.core.errors import ServiceBusy
from assistant.surfaces.api.alerts import alerts_for
from assistant.surfaces.api.ask import answer_request
from assistant.surfaces.api.auth import Caller, resolve_caller
from assistant.surfaces.api.errors import ApiError, error_response, problems
from assistant.surfaces.api.metrics import metrics_for
from assistant.surfaces.api.schemas import AskRequest
from assistant.surfaces.api.state import ApiState

__all__ = ["MCP_PATH", "McpGate", "build_mcp", "mount_mcp"]

MCP_PATH = "/mcp"
CALLER_KEY = "factory_assistant.caller"  # where McpGate leaves the signed-in user on the ASGI scope

_INSTRUCTIONS = """Answers questions about the data behind a governed semantic layer (the metrics that
list_metrics names) in English or Chinese, through a governed semantic layer: every figure comes with how it
was computed, and the caller only sees what their access allows. Call list_metrics to see what can be
asked, then ask in plain words; pass the returned conversation_id to ask a follow-up."""


def build_mcp(state: ApiState, fixed: Caller | None = None) -> MCPServer:
    """The tools over one API state. `fixed`: the caller for every call (stdio); None: each HTTP
    request's caller, as McpGate found it."""
    server: MCPServer = MCPServer("factory-assistant", version=__version__, instructions=_INSTRUCTIONS)

    def who(ctx: Context) -> Caller:
        if fixed is not None:
            return fixed
        found = getattr(ctx.request_context.request, "scope", {}).get(CALLER_KEY)
        if not isinstance(found, Caller):  # only if the SDK's app were served without the gate
            raise ToolError("No signed-in caller: this MCP endpoint must be reached through the API's /mcp.\n"
                            "没有已登录的调用者：请通过 API 的 /mcp 访问。")
        return found

    @server.tool(description="Ask a question about the data in English or Chinese, e.g. '<a metric> by "
                             "<a breakdown> last month' or '上个月各<维度>的<指标>' (list_metrics names them)."
                             " Returns the answer (message, rows, chart, SQL, provenance) as "
                             "POST /v1/ask does, with conversation_id: pass it back to ask a follow-up. as_of "
                             "(YYYY-MM-DD) sets the date 'today' means; lang ('en' or 'zh') the answer's language.")
    async def ask(question: str, ctx: Context, conversation_id: str | None = None, as_of: str | None = None,
                  lang: Literal["en", "zh"] | None = None) -> dict[str, Any]:
        try:
            body = AskRequest(question=question, conversation_id=conversation_id, as_of=as_of, lang=lang)
        except ValidationError as exc:  # the API's own rules and words for each field
            raise _tool_error(problems(exc.errors(), list(AskRequest.model_fields))) from None
        content = await _guarded(answer_request(state, who(ctx), body))
        answer: dict[str, Any] = json.loads(content)
        return answer

    @server.tool(description="The metrics you may ask about: name, English and Chinese labels, description and "
                             "unit, as GET /v1/metrics returns them.")
    async def list_metrics(ctx: Context) -> dict[str, Any]:
        found = await _guarded(anyio.to_thread.run_sync(metrics_for, state, who(ctx).user, limiter=state.limiter))
        return found.model_dump(mode="json")

    @server.tool(description="Your alerts (the ones you own or receive) in words, whether each is on, muted or "
                             "snoozed, and their open incidents, as GET /v1/alerts returns them. lang: 'en' or 'zh'.")
    async def list_alerts(ctx: Context, lang: Literal["en", "zh"] = "en") -> dict[str, Any]:
        found = await _guarded(anyio.to_thread.run_sync(alerts_for, state, who(ctx).user, lang,
                                                        limiter=state.limiter))
        return found.model_dump(mode="json")

    return server


async def _guarded(work: Any) -> Any:
    """Await the API's function; its errors become the tool's error, in both languages."""
    try:
        return await work
    except ApiError as exc:
        raise _tool_error(exc) from None
    except ServiceBusy:
        raise ToolError("The service is busy right now; try again in a moment.\n服务正忙，请稍后再试。") from None


def _tool_error(error: ApiError) -> ToolError:
    return ToolError(f"{error.en}\n{error.zh}")


class McpGate:
    """/mcp: the bearer-token check in front of the SDK's streamable HTTP app. The token is looked up
    and dropped, as for /v1 (auth.py): never stored on the scope, logged or echoed."""

    def __init__(self, server: MCPServer, state: ApiState) -> None:
        self.server = server
        self.state = state
        self.app = self._http_app()

    def _http_app(self) -> ASGIApp:
        return self.server.streamable_http_app(
            streamable_http_path=MCP_PATH, stateless_http=True, json_response=True,
            # The SDK's Host/Origin allow-list guards token-less servers on loopback from DNS rebinding; here
            # the bearer token guards /mcp exactly as it guards /v1, and the API answers on whatever host
            # `serve api --host` names, which a fixed allow-list would refuse.
            transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False))

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Serve while the API runs (its lifespan). The SDK's session manager runs once per instance:
        each start gets a fresh one, so the same app can be started again (tests, reloads)."""
        self.app = self._http_app()
        async with self.server.session_manager.run():
            yield

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            try:
                scope[CALLER_KEY] = resolve_caller(self.state.users, _bearer_token(scope))
            except ApiError as exc:
                await error_response(exc)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _bearer_token(scope: Scope) -> str | None:
    """`Authorization: Bearer <token>` as FastAPI's HTTPBearer reads it (scheme in any case)."""
    for name, value in scope.get("headers") or ():
        if name.lower() == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() != "bearer":
                return None
            return token.strip() or None
    return None


def mount_mcp(app: Starlette, state: ApiState) -> McpGate:
    """Add /mcp to the API; its lifespan must run `gate.running()`. Not an OpenAPI operation."""
    gate = McpGate(build_mcp(state), state)
    app.router.routes.append(Route(MCP_PATH, endpoint=gate, include_in_schema=False))
    return gate
