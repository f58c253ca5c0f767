"""/v1/alerts of the HTTP API: the caller's rules in words and their open incidents, a rule from an
English or Chinese sentence in the caller's access scope, refusals (outside the scope, unreadable,
no token), and mute / unmute / delete only of one's own rules.

FastAPI's TestClient over the evaluation database (tests/conftest.py), with a fresh alert state
database per module; the demo's alerts file supplies the read-only file rules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert

from assistant.alerts.manage import open_state_db, save_rule
from assistant.alerts.rules import AlertRule
from assistant.alerts.store import incidents
from assistant.core.users import load_users
from assistant.pipeline import Pipeline
from assistant.surfaces.api import create_app
from tests.api_users import bearer, new_tokens, write_users

DEMO_FILE_RULES = {"crack-spike", "machine-breakdowns", "energy-creep", "late-supplier", "stock-below-safety"}


@pytest.fixture(scope="module")
def tokens() -> dict[str, str]:
    return new_tokens()


@pytest.fixture(scope="module")
def alerts_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('alerts') / 'alerts.sqlite'}"


@pytest.fixture(scope="module")
def client(pipeline: Pipeline, tokens: dict[str, str], alerts_db: str,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    users = load_users(write_users(tmp_path_factory.mktemp("users") / "users.toml", tokens))
    with TestClient(create_app(pipeline, users, alerts_db=alerts_db), raise_server_exceptions=False) as c:
        yield c


def create(client: TestClient, token: str, sentence: str, **fields: Any) -> httpx.Response:
    return client.post("/v1/alerts", json={"sentence": sentence, **fields}, headers=bearer(token))


def listed(client: TestClient, token: str, lang: str = "en") -> dict[str, Any]:
    response = client.get("/v1/alerts", params={"lang": lang}, headers=bearer(token))
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def ids(data: dict[str, Any]) -> set[str]:
    return {r["id"] for r in data["rules"]}


# ---------------------------------------------------------------------- making a rule
def test_a_rule_from_an_english_sentence_is_the_callers(client: TestClient, tokens: dict[str, str]) -> None:
    response = create(client, tokens["li_wei"], "alert me when Ningbo OEE falls below 75%")
    assert response.status_code == 201, response.text
    made = response.json()
    rule = made["rule"]
    assert rule["metric"] == "oee" and rule["owner"] == "li_wei" and rule["recipients"] == ["user:li_wei"]
    assert rule["lang"] == "en" and rule["state"] == "on" and rule["editable"] and rule["source"] == "chat"
    assert "Ningbo" in rule["text"] and "75" in rule["text"]
    assert made["message"].startswith(f"Created '{rule['id']}'") and "宁波" in made["message_zh"]
    assert rule["id"] in ids(listed(client, tokens["li_wei"]))


def test_a_rule_from_a_chinese_sentence_speaks_chinese(client: TestClient, tokens: dict[str, str]) -> None:
    response = create(client, tokens["li_wei"], "宁波OEE低于80%时提醒我")
    assert response.status_code == 201, response.text
    rule = response.json()["rule"]
    assert rule["lang"] == "zh" and "宁波" in rule["text"] and "80" in rule["text"]
    shown = {r["id"]: r for r in listed(client, tokens["li_wei"], "zh")["rules"]}
    assert "宁波" in shown[rule["id"]]["text"]
    english = {r["id"]: r for r in listed(client, tokens["li_wei"], "en")["rules"]}
    assert "Ningbo" in english[rule["id"]]["text"]


def test_lang_sets_the_language_the_alert_speaks(client: TestClient, tokens: dict[str, str]) -> None:
    rule = create(client, tokens["li_wei"], "宁波OEE低于70%时提醒我", lang="en").json()["rule"]
    assert rule["lang"] == "en" and "Ningbo" in rule["text"]


# ---------------------------------------------------------------------- refusals
@pytest.mark.parametrize(("sentence", "en", "zh"), [
    ("alert me when Suzhou OEE falls below 75%", "Suzhou", "苏州"),
    ("苏州OEE低于75%时提醒我", "Suzhou", "苏州"),
])
def test_a_rule_outside_the_plant_scope_is_refused(client: TestClient, tokens: dict[str, str], sentence: str,
                                                   en: str, zh: str) -> None:
    """Without the check, the Ningbo manager's catalogue drops 'Suzhou' and the rule watches Ningbo."""
    before = ids(listed(client, tokens["li_wei"]))
    response = create(client, tokens["li_wei"], sentence)
    assert response.status_code == 403, response.text
    body = response.json()
    assert body["error"] == "outside_scope" and en in body["message"] and zh in body["message_zh"]
    assert "Ningbo" in body["message"] and "宁波" in body["message_zh"]  # what the scope is
    assert ids(listed(client, tokens["li_wei"])) == before  # nothing was stored


def test_a_metric_the_role_hides_is_refused(client: TestClient, tokens: dict[str, str]) -> None:
    response = create(client, tokens["zhou"], "alert me when supplier on-time delivery rate falls below 70%")
    assert response.status_code == 403, response.text
    body = response.json()
    assert body["error"] == "outside_scope" and "on-time delivery" in body["message"]
    assert "准时交付率" in body["message_zh"]
    assert create(client, tokens["root"], "alert me when supplier on-time delivery rate falls below 70%"
                  ).status_code == 201  # the same sentence is fine for someone who may see it


@pytest.mark.parametrize(("sentence", "words"), [
    ("alert me when the moon is blue", "which figure to watch"),
    ("alert me when OEE", "not when to alert"),
])
def test_an_unreadable_sentence_is_422_with_what_to_try(client: TestClient, tokens: dict[str, str], sentence: str,
                                                        words: str) -> None:
    response = create(client, tokens["li_wei"], sentence)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] == "unreadable_sentence" and words in body["message"]
    assert "For example" in body["message"] and "例如" in body["message_zh"]
    assert body["details"][0]["field"] == "sentence"


@pytest.mark.parametrize(("body", "field"), [({"sentence": "   "}, "sentence"), ({}, "sentence"),
                                             ({"sentence": "x", "lang": "fr"}, "lang"),
                                             ({"sentence": "x", "owner": "root"}, "owner")])
def test_bad_bodies_get_the_apis_422(client: TestClient, tokens: dict[str, str], body: dict[str, Any],
                                     field: str) -> None:
    response = client.post("/v1/alerts", json=body, headers=bearer(tokens["li_wei"]))
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_request" and response.json()["details"][0]["field"] == field


def test_every_alerts_endpoint_needs_a_valid_token(client: TestClient) -> None:
    for method, path in [("GET", "/v1/alerts"), ("POST", "/v1/alerts"), ("DELETE", "/v1/alerts/oee-1"),
                         ("POST", "/v1/alerts/oee-1/mute"), ("POST", "/v1/alerts/oee-1/unmute")]:
        for headers in ({}, bearer("fa_not_a_token")):
            response = client.request(method, path, headers=headers,
                                      json={"sentence": "alert me when OEE falls below 75%"} if method == "POST"
                                      else None)
            assert response.status_code == 401, (method, path)
            assert response.json()["error"] == "unauthorized" and response.json()["message_zh"]
            assert response.headers["www-authenticate"] == "Bearer"


# ---------------------------------------------------------------------- whose rules
def test_another_users_rule_is_neither_shown_nor_changed(client: TestClient, tokens: dict[str, str]) -> None:
    mine = create(client, tokens["li_wei"], "alert me when Ningbo scrap rate rises above 5%").json()["rule"]["id"]
    assert mine not in ids(listed(client, tokens["chen"]))  # the same plant, but not his rule
    for method, path in [("DELETE", f"/v1/alerts/{mine}"), ("POST", f"/v1/alerts/{mine}/mute")]:
        response = client.request(method, path, headers=bearer(tokens["chen"]))
        assert response.status_code == 404 and response.json()["error"] == "no_such_alert"
    assert mine in ids(listed(client, tokens["li_wei"]))  # still there


def test_a_recipient_who_is_not_the_owner_cannot_change_it(client: TestClient, tokens: dict[str, str],
                                                           alerts_db: str) -> None:
    shared = AlertRule.model_validate({
        "id": "shared-oee", "metric": "oee", "condition": {"kind": "threshold", "op": "<", "value": 0.7},
        "recipients": ["user:li_wei", "user:chen"], "owner": "li_wei", "source": "app"})
    save_rule(open_state_db(alerts_db), shared)
    seen = {r["id"]: r for r in listed(client, tokens["chen"])["rules"]}
    assert "shared-oee" in seen and not seen["shared-oee"]["editable"]
    response = client.delete("/v1/alerts/shared-oee", headers=bearer(tokens["chen"]))
    assert response.status_code == 403 and response.json()["error"] == "not_owner"
    assert "li_wei" in response.json()["message"]


def test_the_owner_mutes_unmutes_and_deletes(client: TestClient, tokens: dict[str, str]) -> None:
    rule_id = create(client, tokens["li_wei"], "alert me when Ningbo OEE falls below 60%").json()["rule"]["id"]
    muted = client.post(f"/v1/alerts/{rule_id}/mute", headers=bearer(tokens["li_wei"]))
    assert muted.status_code == 200 and muted.json()["rule"]["state"] == "muted"
    assert {r["id"]: r["state"] for r in listed(client, tokens["li_wei"])["rules"]}[rule_id] == "muted"
    again = client.post(f"/v1/alerts/{rule_id}/unmute", params={"lang": "zh"}, headers=bearer(tokens["li_wei"]))
    assert again.status_code == 200 and again.json()["rule"]["state"] == "on" and "宁波" in again.json()["rule"]["text"]
    gone = client.delete(f"/v1/alerts/{rule_id}", headers=bearer(tokens["li_wei"]))
    assert gone.status_code == 200 and "deleted" in gone.json()["message"] and "已删除" in gone.json()["message_zh"]
    assert rule_id not in ids(listed(client, tokens["li_wei"]))
    assert client.delete(f"/v1/alerts/{rule_id}", headers=bearer(tokens["li_wei"])).status_code == 404


def test_an_admin_sees_every_rule_and_changes_stored_ones_not_file_ones(client: TestClient,
                                                                        tokens: dict[str, str]) -> None:
    rule_id = create(client, tokens["li_wei"], "alert me when Ningbo OEE falls below 65%").json()["rule"]["id"]
    every = listed(client, tokens["root"])
    assert DEMO_FILE_RULES | {rule_id} <= ids(every)
    assert not DEMO_FILE_RULES & ids(listed(client, tokens["li_wei"]))  # the file's rules go to the demo user
    muted = client.post(f"/v1/alerts/{rule_id}/mute", headers=bearer(tokens["root"]))
    assert muted.status_code == 200 and muted.json()["rule"]["state"] == "muted"
    in_file = client.post("/v1/alerts/crack-spike/mute", headers=bearer(tokens["root"]))
    assert in_file.status_code == 409 and in_file.json()["error"] == "in_alerts_file"
    assert "alerts.yaml" in in_file.json()["message"]
    assert "semantic_layer" not in in_file.json()["message"] + in_file.json()["message_zh"]  # no server folders


def test_open_incidents_of_the_callers_rules_only(client: TestClient, tokens: dict[str, str], alerts_db: str) -> None:
    rule_id = create(client, tokens["li_wei"], "alert me when Ningbo OEE falls below 85%").json()["rule"]["id"]
    now = dt.datetime.now(dt.UTC)
    with open_state_db(alerts_db).begin() as conn:
        conn.execute(insert(incidents).values(
            rule_id=rule_id, member="", member_label="", status="open", open_slot=f"{rule_id}|", period="2025-12-30",
            opened_at=now, value=0.81, reference=0.85, message_en="OEE was 81.0% on 30 Dec 2025, below 85.0%.",
            message_zh="2025年12月30日设备综合效率为81.0%，低于85.0%。"))
        conn.execute(insert(incidents).values(
            rule_id=rule_id, member="", member_label="", status="resolved", open_slot=None, period="2025-12-01",
            opened_at=now - dt.timedelta(days=20), value=0.8, reference=0.85, message_en="old", message_zh="旧"))
    mine = [i for i in listed(client, tokens["li_wei"], "zh")["incidents"] if i["rule_id"] == rule_id]
    assert len(mine) == 1 and mine[0]["message"].startswith("2025年12月30日") and mine[0]["reference"] == 0.85
    assert rule_id not in {i["rule_id"] for i in listed(client, tokens["chen"])["incidents"]}


def test_the_anonymous_demo_lists_the_file_rules_read_only(pipeline: Pipeline, alerts_db: str) -> None:
    with TestClient(create_app(pipeline, None, alerts_db=alerts_db), raise_server_exceptions=False) as demo:
        response = demo.get("/v1/alerts", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert response.status_code == 200 and response.json()["lang"] == "zh"
    rules = {r["id"]: r for r in response.json()["rules"]}
    assert set(rules) >= DEMO_FILE_RULES and not any(rules[i]["editable"] for i in DEMO_FILE_RULES)


def test_the_alert_endpoints_are_documented(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert set(paths["/v1/alerts"]) == {"get", "post"} and set(paths["/v1/alerts/{rule_id}"]) == {"delete"}
    assert "/v1/alerts/{rule_id}/mute" in paths and "/v1/alerts/{rule_id}/unmute" in paths
    assert "403" in paths["/v1/alerts"]["post"]["responses"] and "422" in paths["/v1/alerts"]["post"]["responses"]
