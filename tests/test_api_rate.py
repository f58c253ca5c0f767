"""Per-token rate limit of the HTTP API (setting api_rate_per_min): a token asking faster than its
share gets 429 with Retry-After in both languages; other tokens are not slowed; the anonymous demo
(no users file) is not limited."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.core.users import hash_token, load_users, new_token
from assistant.pipeline import Pipeline
from assistant.surfaces.api import create_app

OEE_BY_PLANT = "What was OEE by plant last month?"


@pytest.fixture()
def tokens_and_users(tmp_path: Path) -> tuple[dict[str, str], Path]:
    tokens = {"a": new_token(), "b": new_token()}
    path = tmp_path / "users.toml"
    path.write_text(f'[users.a]\nrole = "admin"\napi_tokens = ["{hash_token(tokens["a"])}"]\n'
                    f'[users.b]\nrole = "admin"\napi_tokens = ["{hash_token(tokens["b"])}"]\n', encoding="utf-8")
    return tokens, path


def ask(client: TestClient, token: str | None = None, question: str = OEE_BY_PLANT):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post("/v1/ask", json={"question": question}, headers=headers)


def test_a_token_over_its_rate_gets_429_with_retry_after(pipeline: Pipeline, tokens_and_users,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    tokens, users = tokens_and_users
    monkeypatch.setattr(pipeline.settings, "api_rate_per_min", 6)  # a burst of 1, then one per 10 s
    with TestClient(create_app(pipeline, load_users(users)), raise_server_exceptions=False) as client:
        assert ask(client, tokens["a"]).status_code == 200
        slowed = ask(client, tokens["a"])
        assert slowed.status_code == 429 and 1 <= int(slowed.headers["Retry-After"]) <= 10
        body = slowed.json()
        assert body["error"] == "rate_limited" and "ask again in" in body["message"]
        assert "秒后再问" in body["message_zh"]
        assert ask(client, tokens["b"]).status_code == 200  # per token, not for everyone
        chinese = ask(client, tokens["b"], "上个月各工厂的OEE")
        assert chinese.status_code == 429


def test_the_anonymous_demo_and_a_zero_setting_are_not_limited(pipeline: Pipeline, tokens_and_users,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    tokens, users = tokens_and_users
    monkeypatch.setattr(pipeline.settings, "api_rate_per_min", 6)
    with TestClient(create_app(pipeline, None), raise_server_exceptions=False) as demo:
        assert [ask(demo).status_code for _ in range(3)] == [200, 200, 200]
    monkeypatch.setattr(pipeline.settings, "api_rate_per_min", 0)
    with TestClient(create_app(pipeline, load_users(users)), raise_server_exceptions=False) as client:
        assert [ask(client, tokens["a"]).status_code for _ in range(3)] == [200, 200, 200]
