"""The MCP server (assistant/surfaces/api/mcp_server.py): the official SDK's client against the API's
/mcp endpoint (streamable HTTP over the ASGI app, in process) and against `factory-assistant serve
mcp` started as a subprocess over stdio. The tools answer as the HTTP API does, in the caller's
scope; a missing or unknown token is refused before the SDK sees the request.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import anyio
import httpx2
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError
from mcp_types import CallToolResult, TextContent

from assistant.core.users import Users, load_users
from assistant.pipeline import Pipeline
from assistant.surfaces.api import create_app
from tests.api_users import bearer, new_tokens, write_users

ROOT = Path(__file__).resolve().parents[1]
OEE_BY_PLANT = "What was OEE by plant last month?"
T = TypeVar("T")


@pytest.fixture(scope="module")
def tokens() -> dict[str, str]:
    return new_tokens()


@pytest.fixture(scope="module")
def users_file(tmp_path_factory: pytest.TempPathFactory, tokens: dict[str, str]) -> Path:
    return write_users(tmp_path_factory.mktemp("users") / "users.toml", tokens)


@pytest.fixture(scope="module")
def users(users_file: Path) -> Users | None:
    return load_users(users_file)


@pytest.fixture(scope="module")
def alerts_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('alerts') / 'alerts.sqlite'}"


def over_http(app: FastAPI, token: str | None, use: Callable[[Client], Awaitable[T]]) -> T:
    """`use` a connected SDK client of the app's /mcp: its lifespan runs (the SDK's session manager),
    and requests go through the whole ASGI app (middleware, the token gate) without a socket."""

    async def main() -> T:
        async with app.router.lifespan_context(app):
            http = httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://testserver",
                                      headers=bearer(token) if token else None)
            async with http, Client(streamable_http_client("http://testserver/mcp", http_client=http)) as client:
                return await use(client)

    return anyio.run(main)


def payload(result: CallToolResult) -> dict[str, Any]:
    """A tool's JSON: its structured content, which its text content says again."""
    assert not result.is_error, result.content
    text = result.content[0]
    assert isinstance(text, TextContent) and result.structured_content is not None
    assert json.loads(text.text) == result.structured_content
    return result.structured_content


def error_text(result: CallToolResult) -> str:
    assert result.is_error
    text = result.content[0]
    assert isinstance(text, TextContent)
    return text.text


# ---------------------------------------------------------------------- over HTTP, mounted at /mcp
def test_the_tools_are_listed_with_their_arguments(pipeline: Pipeline, users: Users, tokens: dict[str, str],
                                                   alerts_db: str) -> None:
    async def use(client: Client) -> Any:
        return (await client.list_tools()).tools

    tools = {t.name: t for t in over_http(create_app(pipeline, users, alerts_db=alerts_db), tokens["li_wei"], use)}
    assert set(tools) == {"ask", "list_metrics", "list_alerts"}
    schema = tools["ask"].input_schema
    assert schema["required"] == ["question"] and {"conversation_id", "as_of", "lang"} <= set(schema["properties"])


def test_ask_answers_as_post_v1_ask_in_the_callers_scope(pipeline: Pipeline, users: Users, tokens: dict[str, str],
                                                         alerts_db: str) -> None:
    app = create_app(pipeline, users, alerts_db=alerts_db)

    async def use(client: Client) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        english = payload(await client.call_tool("ask", {"question": OEE_BY_PLANT}))
        follow = payload(await client.call_tool("ask", {"question": "and for last year?",
                                                        "conversation_id": english["conversation_id"]}))
        chinese = payload(await client.call_tool("ask", {"question": "上个月各工厂的OEE"}))
        return english, follow, chinese

    english, follow, chinese = over_http(app, tokens["li_wei"], use)
    assert english["status"] == "ok" and english["semantic_query"]["metrics"] == ["oee"]
    assert [r[0] for r in english["rows"]] == ["Ningbo"]  # a Ningbo plant manager's scope, as on /v1/ask
    with TestClient(create_app(pipeline, users, alerts_db=alerts_db)) as http:
        same = http.post("/v1/ask", json={"question": OEE_BY_PLANT}, headers=bearer(tokens["li_wei"])).json()
    assert set(english) == set(same) and english["rows"] == same["rows"] and english["message"] == same["message"]
    assert follow["conversation_id"] == english["conversation_id"]  # the follow-up kept its conversation
    assert follow["semantic_query"]["metrics"] == ["oee"] and follow["semantic_query"]["time_range"]["start"] == "2024-01-01"
    assert chinese["lang"] == "zh" and "宁波" in chinese["message"] and [r[0] for r in chinese["rows"]] == ["宁波"]


def test_ask_checks_its_arguments_with_the_apis_words(pipeline: Pipeline, users: Users, tokens: dict[str, str],
                                                      alerts_db: str) -> None:
    async def use(client: Client) -> str:
        return error_text(await client.call_tool("ask", {"question": "OEE", "as_of": "2025-13-45"}))

    text = over_http(create_app(pipeline, users, alerts_db=alerts_db), tokens["li_wei"], use)
    assert "'as_of' is not a real date" in text and "不是有效日期" in text


def test_list_metrics_and_list_alerts_are_the_callers(pipeline: Pipeline, users: Users, tokens: dict[str, str],
                                                      alerts_db: str) -> None:
    app = create_app(pipeline, users, alerts_db=alerts_db)

    async def use(client: Client) -> tuple[dict[str, Any], dict[str, Any]]:
        return (payload(await client.call_tool("list_metrics", {})),
                payload(await client.call_tool("list_alerts", {"lang": "zh"})))

    metrics, alerts = over_http(app, tokens["zhou"], use)
    with TestClient(create_app(pipeline, users, alerts_db=alerts_db)) as http:
        assert metrics == http.get("/v1/metrics", headers=bearer(tokens["zhou"])).json()
        assert alerts == http.get("/v1/alerts?lang=zh", headers=bearer(tokens["zhou"])).json()
    names = {m["name"] for m in metrics["metrics"]}
    assert "oee" in names and "on_time_delivery_rate" not in names  # the quality engineer's role hides it
    assert alerts["lang"] == "zh"


@pytest.mark.parametrize("token", [None, "fa_not_a_token"])
def test_a_missing_or_unknown_token_is_refused(pipeline: Pipeline, users: Users, alerts_db: str,
                                               token: str | None) -> None:
    app = create_app(pipeline, users, alerts_db=alerts_db)

    async def use(client: Client) -> Any:
        return await client.list_tools()

    with pytest.raises(ExceptionGroup) as refused:
        over_http(app, token, use)
    assert refused.group_contains(MCPError, depth=None)
    with TestClient(app) as http:  # what the SDK client was told: the API's own 401
        response = http.post("/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
                             headers=bearer(token) if token else {})
    assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"
    assert response.json()["error"] == "unauthorized" and response.json()["message_zh"]


def test_the_anonymous_demo_needs_no_token(pipeline: Pipeline, alerts_db: str) -> None:
    async def use(client: Client) -> dict[str, Any]:
        return payload(await client.call_tool("ask", {"question": OEE_BY_PLANT}))

    answer = over_http(create_app(pipeline, None, alerts_db=alerts_db), None, use)
    assert sorted(r[0] for r in answer["rows"]) == ["Chongqing", "Ningbo", "Suzhou"]


def test_mcp_is_not_in_the_openapi_document(pipeline: Pipeline) -> None:
    with TestClient(create_app(pipeline, None)) as http:
        assert not any(p.startswith("/mcp") for p in http.get("/openapi.json").json()["paths"])


# ---------------------------------------------------------------------- over stdio: `factory-assistant serve mcp`
def _serve_mcp(demo_db: Path, users_file: Path, *extra: str) -> list[str]:
    return ["-m", "assistant.surfaces.cli.main", "serve", "mcp", "--db", str(demo_db), "--as-of", "2025-12-31",
            "--users", str(users_file), *extra]


def _env() -> dict[str, str]:
    return {**os.environ, "FA_INDEX_DIR": str(ROOT / ".cache" / "test-data" / "index")}


@pytest.mark.slow
def test_serve_mcp_answers_over_stdio_as_its_user(demo_db: Path, users_file: Path) -> None:
    server = StdioServerParameters(command=sys.executable, args=_serve_mcp(demo_db, users_file, "--user", "li_wei"),
                                   env=_env(), cwd=str(ROOT))

    async def main() -> dict[str, Any]:
        async with Client(server) as client:
            return payload(await client.call_tool("ask", {"question": "上个月各工厂的OEE"}))

    answer = anyio.run(main)
    assert answer["status"] == "ok" and answer["lang"] == "zh" and [r[0] for r in answer["rows"]] == ["宁波"]


def test_serve_mcp_needs_user_when_users_are_configured(demo_db: Path, users_file: Path) -> None:
    done = subprocess.run([sys.executable, *_serve_mcp(demo_db, users_file)], env=_env(), cwd=ROOT,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and done.stdout == ""
    assert "--user NAME" in done.stderr and "请用 --user NAME" in done.stderr
