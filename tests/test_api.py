"""The HTTP API (assistant/surfaces/api): answers in both languages in the `ask --json` shape,
conversations, tokens, access scopes, clear errors, and the `serve api` / `users` commands.

Runs against the evaluation database (tests/conftest.py) through FastAPI's TestClient; one test
starts the real server with uvicorn on a free port.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from assistant.core.errors import ServiceBusy
from assistant.core.settings import Settings
from assistant.core.users import hash_token, load_users, new_token, verify_password
from assistant.pipeline import Pipeline
from assistant.surfaces.api import create_app
from assistant.surfaces.api.workers import Workers
from assistant.surfaces.cli.main import app as cli_app
from assistant.surfaces.conversations import Conversations
from assistant.surfaces.shapes import answer_json
from tests.conftest import EVAL_END

ROOT = Path(__file__).resolve().parents[1]
OEE_BY_PLANT = "What was OEE by plant last month?"
PURCHASING = {"purchased_quantity", "on_time_delivery_rate", "purchase_orders_count"}  # access.yaml: QE hides


@pytest.fixture(scope="module")
def tokens() -> dict[str, str]:
    return {name: new_token() for name in ("admin", "manager", "quality", "no_plant")}


@pytest.fixture(scope="module")
def users_file(tmp_path_factory: pytest.TempPathFactory, tokens: dict[str, str]) -> Path:
    path = tmp_path_factory.mktemp("users") / "users.toml"
    path.write_text(f"""
[users.root]
role = "admin"
api_tokens = ["{hash_token(tokens['admin'])}"]

[users.li_wei]
display_name = "Li Wei"
role = "plant_manager"
api_tokens = ["{hash_token(tokens['manager'])}"]
[users.li_wei.attributes]
plant_id = "NB"

[users.zhou]
role = "quality_engineer"
api_tokens = ["{hash_token(tokens['quality'])}"]

[users.lost]
role = "plant_manager"
api_tokens = ["{hash_token(tokens['no_plant'])}"]
""", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def demo(pipeline: Pipeline) -> Iterator[TestClient]:
    """The anonymous demo: no users file."""
    with TestClient(create_app(pipeline, None), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture(scope="module")
def secured(pipeline: Pipeline, users_file: Path) -> Iterator[TestClient]:
    with TestClient(create_app(pipeline, load_users(users_file)), raise_server_exceptions=False) as client:
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def ask(client: TestClient, question: str, token: str | None = None, **fields: Any) -> httpx.Response:
    return client.post("/v1/ask", json={"question": question, **fields}, headers=bearer(token) if token else {})


# ---------------------------------------------------------------------- answers
def test_ask_in_english_returns_the_ask_json_shape(demo: TestClient, pipeline: Pipeline) -> None:
    response = ask(demo, OEE_BY_PLANT)
    assert response.status_code == 200
    data = response.json()
    assert set(data) == {"conversation_id", *answer_json(pipeline.ask(OEE_BY_PLANT))}
    assert data["status"] == "ok" and data["lang"] == "en" and data["semantic_query"]["metrics"] == ["oee"]
    assert data["semantic_query"]["time_range"]["start"] == "2025-11-01"
    assert sorted(r[0] for r in data["rows"]) == ["Chongqing", "Ningbo", "Suzhou"] and data["chart"] is not None


def test_ask_in_chinese(demo: TestClient) -> None:
    data = ask(demo, "上个月各工厂的OEE").json()
    assert data["status"] == "ok" and data["lang"] == "zh"
    assert "苏州" in data["message"] and "2025年11月" in data["message"] and len(data["rows"]) == 3


def test_lang_says_the_same_answer_in_the_other_language(demo: TestClient) -> None:
    english = ask(demo, OEE_BY_PLANT).json()
    chinese = ask(demo, OEE_BY_PLANT, lang="zh").json()
    assert chinese["lang"] == "zh" and "苏州" in chinese["message"]
    assert sorted(r[1] for r in chinese["rows"]) == sorted(r[1] for r in english["rows"])  # the same figures


def test_as_of_moves_today(demo: TestClient) -> None:
    data = ask(demo, OEE_BY_PLANT, as_of="2025-06-15").json()
    assert data["semantic_query"]["time_range"]["start"] == "2025-05-01"


def test_clarify_answers_carry_options_like_the_cli(demo: TestClient) -> None:
    data = ask(demo, "3号线上个月的OEE").json()
    assert data["status"] == "clarify"
    assert sorted(o["value"] for o in data["options"]) == ["CQ-L3", "NB-L3", "SZ-L3"]
    picked = ask(demo, data["options"][0]["question"], conversation_id=data["conversation_id"]).json()
    assert picked["status"] == "ok"


# ---------------------------------------------------------------------- conversations
def test_follow_up_in_the_same_conversation_keeps_context(demo: TestClient) -> None:
    first = ask(demo, OEE_BY_PLANT).json()
    follow = ask(demo, "and for last year?", conversation_id=first["conversation_id"]).json()
    assert follow["conversation_id"] == first["conversation_id"]
    assert follow["status"] == "ok" and follow["semantic_query"]["metrics"] == ["oee"]
    assert follow["semantic_query"]["time_range"]["start"] == "2024-01-01"
    assert follow["semantic_query"]["dimensions"] == ["plant"]
    alone = ask(demo, "and for last year?").json()  # a new conversation has nothing to follow
    assert alone["conversation_id"] != first["conversation_id"] and alone["semantic_query"] is None


def test_conversations_belong_to_their_user(secured: TestClient, tokens: dict[str, str]) -> None:
    first = ask(secured, OEE_BY_PLANT, tokens["admin"], conversation_id="shared-id").json()
    assert first["status"] == "ok"
    other = ask(secured, "and for last year?", tokens["quality"], conversation_id="shared-id").json()
    assert other["semantic_query"] is None  # the same id, another user: not the admin's conversation


def test_conversations_are_bounded_least_recently_used_first() -> None:
    store = Conversations(max_conversations=2, max_turns=3)
    _, a = store.open("u", "a")
    store.open("u", "b")
    assert store.open("u", "a")[1] is a  # touching 'a' makes 'b' the oldest
    store.open("u", "c")
    assert len(store) == 2 and store.open("u", "a")[1] is a
    assert store.open("u", "b")[1].session.turns == []  # 'b' was forgotten: a fresh conversation
    a.session.turns.extend([object()] * 5)  # type: ignore[list-item]
    store.trim(a)
    assert len(a.session.turns) == 3


@pytest.mark.slow
def test_worker_processes_keep_conversations_and_scopes(pipeline: Pipeline, demo_db: Path, users_file: Path,
                                                         tokens: dict[str, str]) -> None:
    """With --processes the conversation travels with each question: follow-ups keep their
    context whichever process answers, and each process applies the caller's scope."""
    users = load_users(users_file)
    settings = Settings(db=str(demo_db), as_of=EVAL_END, index_dir=str(ROOT / ".cache" / "test-data" / "index"))
    workers = Workers(settings, 2, users)
    with TestClient(create_app(pipeline, users, workers=workers), raise_server_exceptions=False) as client:
        assert len(workers._pool._processes) == 2  # type: ignore[attr-defined]  # both started with the app
        first = ask(client, OEE_BY_PLANT, tokens["admin"]).json()
        years = [ask(client, "and for last year?", tokens["admin"], conversation_id=first["conversation_id"]).json()
                 for _ in range(3)]
        assert all(y["semantic_query"]["time_range"]["start"] == "2024-01-01" for y in years)
        assert all(y["semantic_query"]["metrics"] == ["oee"] for y in years)
        manager = ask(client, OEE_BY_PLANT, tokens["manager"]).json()
        assert [r[0] for r in manager["rows"]] == ["Ningbo"]
    assert not workers._pool._processes  # type: ignore[attr-defined]  # stopped with the app


# ---------------------------------------------------------------------- tokens
def test_healthz_says_whether_tokens_are_required(demo: TestClient, secured: TestClient) -> None:
    open_health = demo.get("/healthz").json()
    assert open_health["auth_required"] is False and open_health["mode"] == "anonymous_demo"
    health = secured.get("/healthz").json()
    assert health["auth_required"] is True and health["mode"] == "users"
    assert "sha256" not in json.dumps(health) and "li_wei" not in json.dumps(health)


def test_every_v1_endpoint_needs_a_valid_token(secured: TestClient, tokens: dict[str, str],
                                               caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = new_token()
    seen: list[httpx.Response] = []
    cases = [({}, "Authorization: Bearer"), (bearer(wrong), "not recognised"),
             ({"Authorization": f"Basic {wrong}"}, "Authorization: Bearer"), ({"Authorization": wrong}, "Bearer")]
    for headers, words in cases:
        for response in (secured.post("/v1/ask", json={"question": OEE_BY_PLANT}, headers=headers),
                         secured.get("/v1/metrics", headers=headers)):
            seen.append(response)
            assert response.status_code == 401, response.text
            assert response.headers["www-authenticate"] == "Bearer"
            body = response.json()
            assert body["error"] == "unauthorized" and words in body["message"] and body["message_zh"]
    ok = ask(secured, OEE_BY_PLANT, tokens["admin"])
    seen += [ok, secured.get("/v1/metrics", headers=bearer(tokens["admin"]))]
    assert ok.status_code == 200 and ok.json()["status"] == "ok"
    for response in seen:  # no response and no log line carries a token, right or wrong
        text = response.text + json.dumps(dict(response.headers))
        assert wrong not in text and tokens["admin"] not in text
    assert caplog.records and wrong not in caplog.text and tokens["admin"] not in caplog.text


def test_demo_mode_needs_no_token(demo: TestClient) -> None:
    assert demo.get("/v1/metrics").status_code == 200
    assert ask(demo, OEE_BY_PLANT, new_token()).status_code == 200  # a stray token changes nothing


# ---------------------------------------------------------------------- access scopes
def test_plant_manager_gets_only_ningbo_and_admin_every_plant(secured: TestClient, tokens: dict[str, str]) -> None:
    manager = ask(secured, "OEE by plant last month", tokens["manager"]).json()
    assert manager["status"] == "ok" and [r[0] for r in manager["rows"]] == ["Ningbo"]
    assert "Ningbo" in manager["extras"]["access_scope"]
    admin = ask(secured, "OEE by plant last month", tokens["admin"]).json()
    assert sorted(r[0] for r in admin["rows"]) == ["Chongqing", "Ningbo", "Suzhou"]
    assert "access_scope" not in admin["extras"]


def test_access_denied_comes_back_as_an_error_answer(secured: TestClient, tokens: dict[str, str]) -> None:
    hidden = ask(secured, "on-time delivery rate by supplier last year", tokens["quality"])
    assert hidden.status_code == 200
    assert hidden.json()["status"] == "error" and "not part of your access" in hidden.json()["message"]
    lost = ask(secured, OEE_BY_PLANT, tokens["no_plant"])  # a plant manager without a plant: nothing, loudly
    assert lost.status_code == 200 and lost.json()["status"] == "error" and "plant_id" in lost.json()["message"]
    assert secured.get("/v1/metrics", headers=bearer(tokens["no_plant"])).status_code == 403


def test_metrics_hide_what_the_role_hides(secured: TestClient, tokens: dict[str, str], pipeline: Pipeline) -> None:
    def names(token: str) -> set[str]:
        response = secured.get("/v1/metrics", headers=bearer(token))
        assert response.status_code == 200
        return {m["name"] for m in response.json()["metrics"]}

    everything = {m.name for m in pipeline.layer.spec.metrics}
    assert names(tokens["admin"]) == everything
    assert names(tokens["quality"]) == everything - PURCHASING
    manager = names(tokens["manager"])  # purchase orders are not recorded per plant: refused, so not listed
    assert manager and not manager & PURCHASING and "oee" in manager
    first = secured.get("/v1/metrics", headers=bearer(tokens["admin"])).json()["metrics"][0]
    assert set(first) == {"name", "label", "description", "description_zh", "unit"} and set(first["label"]) == {
        "en", "zh"}


# ---------------------------------------------------------------------- bad input, failures
@pytest.mark.parametrize(("body", "field", "words"), [
    ({"question": "x" * 2001}, "question", "2,000"),
    ({"question": OEE_BY_PLANT, "as_of": "2025-13-01"}, "as_of", "not a real date"),
    ({"question": OEE_BY_PLANT, "as_of": "31/12/2025"}, "as_of", "YYYY-MM-DD"),
    ({"question": OEE_BY_PLANT, "as_of": "0001-01-01"}, "as_of", "between 1900-01-01"),
    ({"question": OEE_BY_PLANT, "asof": "2025-12-31"}, "asof", "Unknown field 'asof'"),
    ({"question": "   "}, "question", "empty"),
    ({"question": OEE_BY_PLANT, "lang": "fr"}, "lang", "'en' or 'zh'"),
    ({"question": OEE_BY_PLANT, "conversation_id": "a b"}, "conversation_id", "letters, digits"),
    ({}, "question", "required"),
    (["not", "an", "object"], "body", "JSON object"),
])
def test_bad_requests_get_a_clear_422(demo: TestClient, body: Any, field: str, words: str) -> None:
    response = demo.post("/v1/ask", json=body)
    assert response.status_code == 422
    data = response.json()
    assert words in data["message"] and data["message_zh"] and data["details"][0]["field"] == field
    assert "Traceback" not in response.text and "input" not in data["details"][0]


def test_a_body_that_is_not_json_or_too_large(demo: TestClient) -> None:
    broken = demo.post("/v1/ask", content=b"{question: ", headers={"Content-Type": "application/json"})
    assert broken.status_code == 422 and "JSON object" in broken.json()["message"]
    huge = demo.post("/v1/ask", content=b"x" * 2_000_000, headers={"Content-Type": "application/json"})
    assert huge.status_code == 413 and huge.json()["error"] == "body_too_large"


def test_service_busy_is_503_with_retry_after(demo: TestClient, pipeline: Pipeline,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    def busy(*_args: Any, **_kwargs: Any) -> None:
        raise ServiceBusy("The service is busy right now; try again in a moment.")

    monkeypatch.setattr(pipeline, "ask", busy)
    response = ask(demo, "downtime minutes by plant in March 2025")  # not asked before: not in the answer cache
    assert response.status_code == 503 and int(response.headers["retry-after"]) > 0
    assert response.json()["error"] == "busy" and response.json()["message_zh"]


def test_an_unexpected_error_is_logged_and_answered_generically(demo: TestClient, pipeline: Pipeline,
                                                                 monkeypatch: pytest.MonkeyPatch,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("internal detail /srv/secret.db")

    monkeypatch.setattr(pipeline, "ask", broken)
    response = ask(demo, "breakdowns by plant in March 2025")  # not asked before: not in the answer cache
    assert response.status_code == 500 and response.json()["error"] == "internal_error"
    assert "secret" not in response.text and "Traceback" not in response.text and "RuntimeError" not in response.text
    assert any(r.exc_info and "internal detail" in str(r.exc_info[1]) for r in caplog.records)


def test_unknown_paths_and_methods_use_the_error_shape(demo: TestClient) -> None:
    assert demo.get("/v1/nothing").json()["error"] == "not_found"
    assert demo.get("/v1/ask").status_code == 405


def test_openapi_and_docs_work_offline(demo: TestClient) -> None:
    spec = demo.get("/openapi.json").json()
    assert {"/v1/ask", "/v1/metrics", "/healthz"} <= set(spec["paths"])
    assert any(s.get("scheme") == "bearer" for s in spec["components"]["securitySchemes"].values())
    docs = demo.get("/docs")
    assert docs.status_code == 200 and "swagger-ui-bundle.js" in docs.text
    assert "https://" not in docs.text.replace("https://swagger.io", "")  # no CDN: the page loads from here


# ---------------------------------------------------------------------- commands
def test_users_new_token_prints_a_token_and_its_hash() -> None:
    out = CliRunner().invoke(cli_app, ["users", "new-token", "--user", "li_wei"])
    assert out.exit_code == 0, out.output
    token = next(w for w in out.output.split() if w.startswith("fa_"))
    assert f'api_tokens = ["{hash_token(token)}"]' in out.output and "[users.li_wei]" in out.output


def test_users_hash_password_reads_a_hidden_password() -> None:
    out = CliRunner().invoke(cli_app, ["users", "hash-password"], input="correct horse\ncorrect horse\n")
    assert out.exit_code == 0, out.output
    stored = out.output.split('password = "')[1].split('"')[0]
    assert verify_password("correct horse", stored) and "correct horse" not in out.output.replace("Password", "")
    short = CliRunner().invoke(cli_app, ["users", "hash-password"], input="abc\nabc\n")
    assert short.exit_code == 2 and "8 characters" in short.output


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_serve_api_runs_uvicorn_and_keeps_tokens_out_of_its_log(demo_db: Path, users_file: Path,
                                                                tokens: dict[str, str]) -> None:
    port = _free_port()
    env = {**os.environ, "FA_INDEX_DIR": str(ROOT / ".cache" / "test-data" / "index")}
    proc = subprocess.Popen([sys.executable, "-m", "assistant.surfaces.cli.main", "serve", "api", "--port", str(port),
                             "--db", str(demo_db), "--as-of", "2025-12-31", "--users", str(users_file)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).json()["auth_required"]:
                    break
            except httpx.TransportError:
                time.sleep(0.3)
        answer = httpx.post(f"{base}/v1/ask", json={"question": OEE_BY_PLANT}, headers=bearer(tokens["manager"]),
                            timeout=60)
        assert answer.status_code == 200 and [r[0] for r in answer.json()["rows"]] == ["Ningbo"]
        assert httpx.get(f"{base}/v1/metrics", headers=bearer("fa_wrong"), timeout=10).status_code == 401
    finally:
        proc.send_signal(signal.SIGINT)
        log, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, log
    assert '"POST /v1/ask HTTP/1.1" 200' in log and "Traceback" not in log
    assert tokens["manager"] not in log and "fa_wrong" not in log


# ---------------------------------------------------------------------- the first-answer cache
def test_a_repeated_first_question_is_answered_from_the_cache_within_its_scope(
        pipeline: Pipeline, users_file: Path, tokens: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    original = Pipeline.ask  # scoped views inherit it: every computed answer passes here once
    monkeypatch.setattr(Pipeline, "ask", lambda self, q, *a, **k: (calls.append(q), original(self, q, *a, **k))[1])
    question = "total output by plant in October 2025"
    with TestClient(create_app(pipeline, load_users(users_file)), raise_server_exceptions=False) as client:
        first = ask(client, question, tokens["admin"]).json()
        again = ask(client, question, tokens["admin"]).json()
        assert calls == [question] and again["rows"] == first["rows"]  # one computation, two answers
        assert again["conversation_id"] != first["conversation_id"]
        follow = ask(client, "and for November?", tokens["admin"], conversation_id=again["conversation_id"]).json()
        assert follow["status"] == "ok" and follow["semantic_query"]["time_range"]["start"] == "2025-11-01"
        # the same follow-up after the same question, in another conversation: kept too
        other = ask(client, "and for November?", tokens["admin"], conversation_id=first["conversation_id"]).json()
        assert other["rows"] == follow["rows"]
        # the same words after a different question mean something else: computed afresh
        fresh = ask(client, "scrap rate by plant in October 2025", tokens["admin"]).json()
        ask(client, "and for November?", tokens["admin"], conversation_id=fresh["conversation_id"])
        mine = ask(client, question, tokens["manager"]).json()  # another scope: computed for it, not shared
        assert [r[0] for r in mine["rows"]] == ["Ningbo"] and len(first["rows"]) == 3
        assert calls == [question, "and for November?", "scrap rate by plant in October 2025", "and for November?",
                         question]
