"""Feishu/Lark, DingTalk, WeCom and Teams webhook bots end to end: signed requests into the app
(TestClient), the real pipeline answering, and replies recorded by a loopback fake of each
platform's API (tests/alert_platforms.py). Signatures and encryption are computed here from each
platform's documented algorithm, never with the code under test."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import json
import logging
import os
import struct
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import pytest
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from fastapi.testclient import TestClient

from assistant.alerts.delivery.base import quiet_http_logs
from assistant.core.users import load_users
from assistant.pipeline import Pipeline
from assistant.surfaces.bots.engine import ChatEngine
from assistant.surfaces.bots.webhooks import create_app
from tests import alert_platforms as fake

OEE = "What was OEE by plant last month?"
OEE_ZH = "上个月各工厂的OEE"
CLARIFY = "line 3 oee"
APP_URL = "https://factory.example.com"

FEISHU_TOKEN = "feishu-verification-token-1"
FEISHU_KEY = "feishu-encrypt-key-1"
FEISHU_SECRET = "feishu-app-secret-1"
DING_SECRET = "ding-app-secret-1"
WECOM_CORP = "ww0123456789abcdef"
WECOM_TOKEN = "wecom-callback-token"
WECOM_AES = base64.b64encode(bytes(range(32))).decode().rstrip("=")  # 43 characters
WECOM_SECRET = "wecom-app-secret-1"
TEAMS_SECRET = base64.b64encode(b"teams-outgoing-webhook-key-0123").decode()

USERS = """
[users.root]
role = "admin"
feishu = ["ou_root"]
dingtalk = ["staff_root"]
wecom = ["root"]
teams = ["aad-root"]

[users.li_wei]
role = "plant_manager"
feishu = ["ou_liwei"]
[users.li_wei.attributes]
plant_id = "NB"
"""


@pytest.fixture()
def platforms() -> Iterator[fake.Platforms]:
    with fake.serve() as served:
        served.routes.update({
            "/open-apis/auth/v3/tenant_access_token/internal": _feishu_token,
            "/open-apis/im/v1/images": _feishu_image,
            "/cgi-bin/gettoken": _wecom_token,
            "/cgi-bin/media/upload": _wecom_call({"media_id": "media-chart-1", "type": "image"}),
            "/cgi-bin/message/send": _wecom_call({"msgid": "m1"}),
            "/robot/sendBySession": lambda hit: (200, {"errcode": 0, "errmsg": "ok"}),
        })
        yield served


@dataclasses.dataclass
class Bot:
    client: TestClient
    app: Any
    platforms: fake.Platforms
    asked: list[str]

    def drain(self) -> None:
        self.app.state.bots.worker.drain()


def _make_bot(pipeline: Pipeline, platforms: fake.Platforms, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
              **settings: Any) -> Bot:
    monkeypatch.setattr(pipeline.settings, "app_url", APP_URL)  # the engine's links come from the pipeline's
    path = tmp_path / "users.toml"
    path.write_text(USERS, encoding="utf-8")
    users = load_users(path)
    base = {"feishu_app_id": "cli_test", "feishu_app_secret": FEISHU_SECRET,
            "feishu_verification_token": FEISHU_TOKEN, "feishu_api_base": platforms.url(""),
            "dingtalk_app_secret": DING_SECRET, "wecom_corp_id": WECOM_CORP, "wecom_agent_id": "1000002",
            "wecom_secret": WECOM_SECRET, "wecom_token": WECOM_TOKEN, "wecom_aes_key": WECOM_AES,
            "wecom_api_base": platforms.url(""), "teams_hmac_secret": TEAMS_SECRET}
    config = dataclasses.replace(pipeline.settings, **{**base, **settings})
    engine = ChatEngine(pipeline, users, rate_per_min=600)
    asked: list[str] = []
    answer = engine.reply

    def counting(msg: Any) -> Any:
        asked.append(msg.text)
        return answer(msg)

    engine.reply = counting  # type: ignore[method-assign]
    app = create_app(pipeline, users, settings=config, engine=engine, teams_reply_within_s=60.0)
    return Bot(TestClient(app), app, platforms, asked)


@pytest.fixture()
def bot(pipeline: Pipeline, platforms: fake.Platforms, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> Iterator[Bot]:
    made = _make_bot(pipeline, platforms, tmp_path, monkeypatch)
    with made.client:
        yield made


# --- the platforms' side --------------------------------------------------------------------------------------


def _feishu_token(hit: fake.Hit) -> fake.Reply:
    body = hit.json()
    if body != {"app_id": "cli_test", "app_secret": FEISHU_SECRET}:
        return 200, {"code": 10014, "msg": "app secret invalid"}
    return 200, {"code": 0, "msg": "ok", "tenant_access_token": "t-tenant-1", "expire": 7200}


def _feishu_authorised(hit: fake.Hit) -> bool:
    return hit.headers.get("authorization") == "Bearer t-tenant-1"


def _feishu_image(hit: fake.Hit) -> fake.Reply:
    if not _feishu_authorised(hit):
        return 200, {"code": 99991663, "msg": "Invalid access token"}
    return 200, {"code": 0, "msg": "success", "data": {"image_key": "img_v2_chart_1"}}


def _feishu_reply(n: int) -> Any:
    def handle(hit: fake.Hit) -> fake.Reply:
        if not _feishu_authorised(hit):
            return 200, {"code": 99991663, "msg": "Invalid access token"}
        return 200, {"code": 0, "msg": "success", "data": {"message_id": f"om_card_{n}"}}
    return handle


def _wecom_token(hit: fake.Hit) -> fake.Reply:
    if hit.query != {"corpid": WECOM_CORP, "corpsecret": WECOM_SECRET}:
        return 200, {"errcode": 40001, "errmsg": "invalid credential"}
    return 200, {"errcode": 0, "errmsg": "ok", "access_token": "wecom-access-1", "expires_in": 7200}


def _wecom_call(answer: dict[str, Any]) -> Any:
    def handle(hit: fake.Hit) -> fake.Reply:
        if hit.query.get("access_token") != "wecom-access-1":
            return 200, {"errcode": 40014, "errmsg": "invalid access_token"}
        return 200, {"errcode": 0, "errmsg": "ok", **answer}
    return handle


# --- Feishu ---------------------------------------------------------------------------------------------------


def feishu_message(text: str, message_id: str, *, sender: str = "ou_root", chat: str = "oc_group",
                   chat_type: str = "group", root_id: str = "", event_id: str = "", token: str = FEISHU_TOKEN,
                   mention: bool = True) -> dict[str, Any]:
    content = f"@_user_1 {text}" if mention else text
    return {"schema": "2.0",
            "header": {"event_id": event_id or f"ev-{message_id}", "event_type": "im.message.receive_v1",
                       "create_time": "1764500000000", "token": token, "app_id": "cli_test", "tenant_key": "t1"},
            "event": {"sender": {"sender_id": {"open_id": sender, "user_id": "u1"}, "sender_type": "user"},
                      "message": {"message_id": message_id, "root_id": root_id, "parent_id": root_id,
                                  "chat_id": chat, "chat_type": chat_type, "message_type": "text",
                                  "content": json.dumps({"text": content}),
                                  "mentions": [{"key": "@_user_1", "name": "Factory bot"}] if mention else []}}}


def feishu_cards(platforms: fake.Platforms, message_id: str) -> list[dict[str, Any]]:
    hits = platforms.on(f"/open-apis/im/v1/messages/{message_id}/reply")
    for hit in hits:
        assert hit.json()["msg_type"] == "interactive"
    return [json.loads(hit.json()["content"]) for hit in hits]


def card_text(card: dict[str, Any]) -> str:
    return json.dumps(card, ensure_ascii=False)


def expect_feishu_replies(platforms: fake.Platforms, *message_ids: str) -> None:
    for n, message_id in enumerate(message_ids):
        platforms.routes[f"/open-apis/im/v1/messages/{message_id}/reply"] = _feishu_reply(n)


def test_feishu_url_verification_echoes_the_challenge_only_with_the_right_token(bot: Bot) -> None:
    ok = bot.client.post("/bots/feishu", json={"type": "url_verification", "challenge": "c-123", "token": FEISHU_TOKEN})
    assert ok.status_code == 200 and ok.json() == {"challenge": "c-123"}
    bad = bot.client.post("/bots/feishu", json={"type": "url_verification", "challenge": "c-123", "token": "guess"})
    assert bad.status_code == 401 and "c-123" not in bad.text


def test_feishu_answers_in_the_thread_with_a_card_table_chart_and_link(bot: Bot) -> None:
    expect_feishu_replies(bot.platforms, "om_1")
    response = bot.client.post("/bots/feishu", json=feishu_message(OEE, "om_1"))
    assert response.status_code == 200
    bot.drain()
    [card] = feishu_cards(bot.platforms, "om_1")
    assert bot.asked == [OEE]  # the @mention was taken off
    elements = card["body"]["elements"]
    assert card["schema"] == "2.0" and "OEE" in elements[0]["content"]
    table = next(e["content"] for e in elements if e["tag"] == "markdown" and e["content"].startswith("| "))
    assert "| Plant | OEE |" in table and "Ningbo" in table and "%" in table
    assert {"tag": "img", "img_key": "img_v2_chart_1"}.items() <= next(e for e in elements if e["tag"] == "img").items()
    link = next(e for e in elements if e["tag"] == "button" and e["behaviors"][0]["type"] == "open_url")
    assert link["behaviors"][0]["default_url"].startswith(APP_URL + "/?q=")
    panel = next(e for e in elements if e["tag"] == "collapsible_panel")
    assert "Period" in card_text(panel)
    [upload] = bot.platforms.on("/open-apis/im/v1/images")
    assert upload.headers["content-type"].startswith("multipart/form-data") and b"\x89PNG" in upload.body
    assert b'name="image_type"' in upload.body and b"message" in upload.body
    # A second message reuses the cached tenant token.
    expect_feishu_replies(bot.platforms, "om_1", "om_2")
    bot.client.post("/bots/feishu", json=feishu_message("What was OEE by line last month?", "om_2", chat_type="p2p"))
    bot.drain()
    assert len(feishu_cards(bot.platforms, "om_2")) == 1
    assert len(bot.platforms.on("/open-apis/auth/v3/tenant_access_token/internal")) == 1


def test_feishu_rejects_a_wrong_token_and_answers_nothing(bot: Bot) -> None:
    expect_feishu_replies(bot.platforms, "om_bad")
    response = bot.client.post("/bots/feishu", json=feishu_message(OEE, "om_bad", token="forged"))
    assert response.status_code == 401
    bot.drain()
    assert bot.asked == [] and bot.platforms.hits == []


def test_feishu_retried_delivery_answers_once_and_a_follow_up_keeps_the_thread(bot: Bot) -> None:
    expect_feishu_replies(bot.platforms, "om_10", "om_11")
    event = feishu_message(OEE, "om_10")
    assert bot.client.post("/bots/feishu", json=event).status_code == 200
    assert bot.client.post("/bots/feishu", json=event).status_code == 200  # the platform's retry
    bot.drain()
    assert len(feishu_cards(bot.platforms, "om_10")) == 1 and bot.asked == [OEE]
    bot.client.post("/bots/feishu", json=feishu_message("and for Suzhou?", "om_11", root_id="om_10"))
    bot.drain()
    [card] = feishu_cards(bot.platforms, "om_11")
    table = next(e["content"] for e in card["body"]["elements"] if e["content"].startswith("| ")) \
        if any(e.get("content", "").startswith("| ") for e in card["body"]["elements"]) else ""
    assert "Suzhou" in card_text(card) and "Ningbo" not in table


def test_feishu_answers_chinese_in_chinese_and_scoped_users_see_their_plant(bot: Bot) -> None:
    expect_feishu_replies(bot.platforms, "om_20")
    bot.client.post("/bots/feishu", json=feishu_message(OEE_ZH, "om_20", sender="ou_liwei"))
    bot.drain()
    [card] = feishu_cards(bot.platforms, "om_20")
    text = card_text(card)
    assert "宁波" in text and "苏州" not in text and card["header"]["title"]["content"] == OEE_ZH
    assert "计算说明" in text


def test_feishu_encrypted_events_are_decrypted_and_signatures_checked(pipeline: Pipeline, platforms: fake.Platforms,
                                                                     tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    bot = _make_bot(pipeline, platforms, tmp_path, monkeypatch, feishu_encrypt_key=FEISHU_KEY)
    expect_feishu_replies(platforms, "om_30")
    with bot.client:
        # The URL check comes encrypted and unsigned.
        check = lark_encrypt({"type": "url_verification", "challenge": "c-9", "token": FEISHU_TOKEN})
        assert bot.client.post("/bots/feishu", content=check).json() == {"challenge": "c-9"}
        body = lark_encrypt(feishu_message(OEE, "om_30"))
        assert bot.client.post("/bots/feishu", content=body, headers=lark_headers(body, "wrong")).status_code == 401
        assert bot.client.post("/bots/feishu", content=body).status_code == 401  # an event must be signed
        plain = json.dumps(feishu_message(OEE, "om_30")).encode()
        assert bot.client.post("/bots/feishu", content=plain, headers=lark_headers(plain)).status_code == 401
        bot.drain()
        assert bot.asked == []
        assert bot.client.post("/bots/feishu", content=body, headers=lark_headers(body)).status_code == 200
        bot.drain()
        assert bot.asked == [OEE] and len(feishu_cards(platforms, "om_30")) == 1


def test_feishu_option_buttons_ask_their_question_in_the_same_thread(bot: Bot) -> None:
    expect_feishu_replies(bot.platforms, "om_40", "om_card_0")
    bot.client.post("/bots/feishu", json=feishu_message(CLARIFY, "om_40"))
    bot.drain()
    [card] = feishu_cards(bot.platforms, "om_40")
    buttons = [e for e in card["body"]["elements"]
               if e["tag"] == "button" and e["behaviors"][0]["type"] == "callback"]
    assert len(buttons) >= 2 and all("Line 3" in b["text"]["content"] for b in buttons)
    value = buttons[0]["behaviors"][0]["value"]
    press = {"schema": "2.0",
             "header": {"event_id": "ev-press-1", "event_type": "card.action.trigger", "token": FEISHU_TOKEN},
             "event": {"operator": {"open_id": "ou_root"}, "action": {"tag": "button", "value": value},
                       "context": {"open_message_id": "om_card_0", "open_chat_id": "oc_group"}}}
    toast = bot.client.post("/bots/feishu", json=press)
    assert toast.status_code == 200 and toast.json()["toast"]["content"].endswith(buttons[0]["text"]["content"])
    bot.drain()
    [answer] = feishu_cards(bot.platforms, "om_card_0")  # the answer replies to the card, in its thread
    assert bot.asked == [CLARIFY, value["q"]] and answer["header"]["template"] == "blue"


def lark_encrypt(payload: dict[str, Any]) -> bytes:
    # Documented: key = SHA-256(encrypt key), random 16-byte IV first, AES-256-CBC, PKCS#7, base64.
    key = hashlib.sha256(FEISHU_KEY.encode()).digest()
    iv = os.urandom(16)
    padder = padding.PKCS7(128).padder()
    data = padder.update(json.dumps(payload).encode()) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return json.dumps({"encrypt": base64.b64encode(iv + encryptor.update(data) + encryptor.finalize()).decode()}).encode()


def lark_headers(body: bytes, key: str = FEISHU_KEY) -> dict[str, str]:
    stamp, nonce = str(int(time.time())), "nonce-1"
    sig = hashlib.sha256((stamp + nonce + key).encode() + body).hexdigest()
    return {"X-Lark-Request-Timestamp": stamp, "X-Lark-Request-Nonce": nonce, "X-Lark-Signature": sig,
            "Content-Type": "application/json"}


# --- DingTalk -------------------------------------------------------------------------------------------------


def ding_message(platforms: fake.Platforms, text: str, msg_id: str, *, sender: str = "staff_root",
                 conversation: str = "cid-group-1") -> dict[str, Any]:
    return {"msgtype": "text", "text": {"content": f" {text}"}, "msgId": msg_id, "createAt": "1764500000000",
            "conversationType": "2", "conversationId": conversation, "conversationTitle": "Plant managers",
            "senderId": "$:LWCP_v1:$abc", "senderNick": "Root", "senderStaffId": sender,
            "chatbotUserId": "$:LWCP_v1:$bot", "isInAtList": True,
            "sessionWebhook": platforms.url("/robot/sendBySession?session=s-1"),
            "sessionWebhookExpiredTime": 1764505400000}


def ding_headers(secret: str = DING_SECRET, *, age_s: float = 0) -> dict[str, str]:
    # Documented: sign = base64(HmacSHA256(key=AppSecret, message=timestamp + "\n" + AppSecret)), ms timestamp.
    stamp = str(int((time.time() - age_s) * 1000))
    sign = base64.b64encode(hmac.new(secret.encode(), f"{stamp}\n{secret}".encode(), hashlib.sha256).digest())
    return {"timestamp": stamp, "sign": sign.decode()}


def ding_sent(platforms: fake.Platforms) -> list[dict[str, Any]]:
    return [hit.json() for hit in platforms.on("/robot/sendBySession")]


def ding_text(message: dict[str, Any]) -> str:
    return (message.get("actionCard") or message.get("markdown") or {})["text"]


def test_dingtalk_answers_by_the_session_webhook_and_rejects_bad_or_stale_signatures(bot: Bot) -> None:
    body = ding_message(bot.platforms, OEE, "msg-1")
    assert bot.client.post("/bots/dingtalk", json=body, headers=ding_headers("wrong")).status_code == 401
    assert bot.client.post("/bots/dingtalk", json=body, headers=ding_headers(age_s=7200)).status_code == 401
    assert bot.client.post("/bots/dingtalk", json=body).status_code == 401
    bot.drain()
    assert bot.asked == [] and bot.platforms.hits == []
    assert bot.client.post("/bots/dingtalk", json=body, headers=ding_headers()).status_code == 200
    assert bot.client.post("/bots/dingtalk", json=body, headers=ding_headers()).status_code == 200  # a retry
    bot.drain()
    [sent] = ding_sent(bot.platforms)
    assert bot.asked == [OEE] and sent["msgtype"] == "actionCard"
    text = ding_text(sent)
    assert text.startswith("OEE") or "OEE" in text.splitlines()[0]
    assert "- **Ningbo**: " in text and "> Period: " in text
    assert sent["actionCard"]["singleURL"].startswith(APP_URL) and bot.platforms.on("/robot/sendBySession")[0].query
    # A follow-up from the same member in the same group keeps the context.
    bot.client.post("/bots/dingtalk", json=ding_message(bot.platforms, "and for Suzhou?", "msg-2"),
                    headers=ding_headers())
    bot.drain()
    follow = ding_text(ding_sent(bot.platforms)[1])
    assert "**Suzhou**" in follow and "**Ningbo**" not in follow


def test_dingtalk_options_are_tap_to_ask_links_and_chinese_is_answered_in_chinese(bot: Bot) -> None:
    bot.client.post("/bots/dingtalk", json=ding_message(bot.platforms, CLARIFY, "msg-10"), headers=ding_headers())
    bot.client.post("/bots/dingtalk", json=ding_message(bot.platforms, OEE_ZH, "msg-11", conversation="cid-2"),
                    headers=ding_headers())
    bot.drain()
    texts = [ding_text(m) for m in ding_sent(bot.platforms)]
    clarify = next(t for t in texts if "dtmd://" in t)
    links = [line for line in clarify.splitlines() if "dtmd://dingtalkclient/sendMessage?content=" in line]
    assert len(links) >= 2 and "line 3" in unquote(links[0]).lower()
    zh = next(t for t in texts if "宁波" in t)
    assert "时间范围" in zh


# --- WeCom ----------------------------------------------------------------------------------------------------


def wecom_encrypt(message: bytes, corp: str = WECOM_CORP) -> str:
    # Documented: AESKey = base64(EncodingAESKey + "="), IV = its first 16 bytes, 16 random bytes + length
    # (network order) + message + corp id, PKCS#7 padded to a multiple of 32.
    key = base64.b64decode(WECOM_AES + "=")
    plain = os.urandom(16) + struct.pack(">I", len(message)) + message + corp.encode()
    pad = 32 - len(plain) % 32
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(encryptor.update(plain + bytes([pad]) * pad) + encryptor.finalize()).decode()


def wecom_query(encrypted: str, *, token: str = WECOM_TOKEN, echo: bool = False) -> str:
    stamp, nonce = str(int(time.time())), "nonce-7"
    sig = hashlib.sha1("".join(sorted([token, stamp, nonce, encrypted])).encode()).hexdigest()
    query = f"msg_signature={sig}&timestamp={stamp}&nonce={nonce}"
    return query + (f"&echostr={quote(encrypted)}" if echo else "")


def wecom_post(bot: Bot, text: str, msg_id: str, *, user: str = "root", corp: str = WECOM_CORP,
               token: str = WECOM_TOKEN) -> int:
    inner = (f"<xml><ToUserName><![CDATA[{WECOM_CORP}]]></ToUserName><FromUserName><![CDATA[{user}]]>"
             f"</FromUserName><CreateTime>1764500000</CreateTime><MsgType><![CDATA[text]]></MsgType>"
             f"<Content><![CDATA[{text}]]></Content><MsgId>{msg_id}</MsgId><AgentID>1000002</AgentID></xml>")
    encrypted = wecom_encrypt(inner.encode(), corp)
    body = (f"<xml><ToUserName><![CDATA[{WECOM_CORP}]]></ToUserName><AgentID><![CDATA[1000002]]></AgentID>"
            f"<Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>")
    response = bot.client.post(f"/bots/wecom?{wecom_query(encrypted, token=token)}", content=body.encode())
    assert response.status_code != 200 or response.text == ""
    return response.status_code


def wecom_markdowns(platforms: fake.Platforms) -> list[str]:
    return [hit.json()["markdown"]["content"] for hit in platforms.on("/cgi-bin/message/send")
            if hit.json()["msgtype"] == "markdown"]


def test_wecom_url_verification_returns_the_decrypted_echostr(bot: Bot) -> None:
    echo = wecom_encrypt(b"echo-4711")
    ok = bot.client.get(f"/bots/wecom?{wecom_query(echo, echo=True)}")
    assert ok.status_code == 200 and ok.text == "echo-4711"
    bad = bot.client.get(f"/bots/wecom?{wecom_query(echo, token='guess', echo=True)}")
    assert bad.status_code == 401 and "echo-4711" not in bad.text
    other_corp = wecom_encrypt(b"echo-4711", corp="ww-someone-else")
    assert bot.client.get(f"/bots/wecom?{wecom_query(other_corp, echo=True)}").status_code == 401


def test_wecom_answers_by_the_api_with_markdown_and_the_chart_once_per_message(bot: Bot) -> None:
    assert wecom_post(bot, OEE, "7001", token="forged") == 401
    assert wecom_post(bot, OEE, "7001", corp="ww-someone-else") == 401
    bot.drain()
    assert bot.asked == [] and bot.platforms.hits == []
    assert wecom_post(bot, OEE, "7001") == 200
    assert wecom_post(bot, OEE, "7001") == 200  # WeCom's retry
    bot.drain()
    assert bot.asked == [OEE]
    [text] = wecom_markdowns(bot.platforms)
    assert "OEE" in text.splitlines()[0] and "- **Ningbo**: " in text and f"]({APP_URL}/?q=" in text
    sends = [h.json() for h in bot.platforms.on("/cgi-bin/message/send")]
    assert all(s["touser"] == "root" and s["agentid"] == 1000002 for s in sends)
    [upload] = bot.platforms.on("/cgi-bin/media/upload")
    assert upload.query["type"] == "image" and b"\x89PNG" in upload.body and b'name="media"' in upload.body
    assert sends[-1] == {"touser": "root", "msgtype": "image", "agentid": 1000002,
                         "image": {"media_id": "media-chart-1"}}
    assert len(bot.platforms.on("/cgi-bin/gettoken")) == 1


def test_wecom_numbered_options_follow_ups_and_chinese(bot: Bot) -> None:
    wecom_post(bot, CLARIFY, "7101")
    bot.drain()
    [offer] = wecom_markdowns(bot.platforms)
    assert "1. " in offer and "Reply with a number" in offer
    wecom_post(bot, "1", "7102")  # picks the first option
    bot.drain()
    assert bot.asked[1] != "1" and "line 3" in bot.asked[1].lower()
    wecom_post(bot, OEE_ZH, "7103")
    wecom_post(bot, "苏州呢？", "7104")
    bot.drain()
    texts = wecom_markdowns(bot.platforms)
    assert "宁波" in texts[2] and "苏州" in texts[3] and "宁波" not in texts[3].split("\n\n")[1]


# --- Teams ----------------------------------------------------------------------------------------------------


def teams_activity(text: str, activity_id: str, *, sender: str = "aad-root",
                   conversation: str = "19:abc@thread.skype;messageid=1764500000000") -> bytes:
    return json.dumps({
        "type": "message", "id": activity_id, "timestamp": "2025-12-31T08:00:00.000Z",
        "serviceUrl": "https://smba.trafficmanager.net/amer/", "channelId": "msteams",
        "from": {"id": "29:1abc", "name": "Root", "aadObjectId": sender},
        "conversation": {"isGroup": True, "id": conversation, "conversationType": "channel"},
        "text": f"<at>FactoryBot</at> {text}\n", "textFormat": "plain",
        "entities": [{"type": "mention", "text": "<at>FactoryBot</at>", "mentioned": {"id": "28:bot"}}],
    }).encode()


def teams_post(bot: Bot, body: bytes, secret: str = TEAMS_SECRET) -> Any:
    # Documented: Authorization: HMAC base64(HMAC-SHA256(key=base64decode(token), message=body)).
    digest = hmac.new(base64.b64decode(secret), body, hashlib.sha256).digest()
    return bot.client.post("/bots/teams", content=body,
                           headers={"Authorization": "HMAC " + base64.b64encode(digest).decode()})


def adaptive_card(response: Any) -> dict[str, Any]:
    assert response.status_code == 200
    [attachment] = response.json()["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    return attachment["content"]


def test_teams_answers_with_an_adaptive_card_only_for_a_valid_hmac(bot: Bot) -> None:
    other = base64.b64encode(b"not-the-webhook-key-0123456789ab").decode()
    assert teams_post(bot, teams_activity(OEE, "a-1"), secret=other).status_code == 401
    assert bot.client.post("/bots/teams", content=teams_activity(OEE, "a-1")).status_code == 401
    assert bot.asked == []
    card = adaptive_card(teams_post(bot, teams_activity(OEE, "a-1")))
    assert bot.asked == [OEE]
    body = card["body"]
    assert body[0]["type"] == "TextBlock" and "OEE" in body[0]["text"]
    columns = next(b for b in body if b["type"] == "ColumnSet")["columns"]
    assert [i["text"] for i in columns[0]["items"]][:1] == ["Plant"] and "Ningbo" in json.dumps(columns)
    image = next(b for b in body if b["type"] == "Image")
    assert base64.b64decode(image["url"].removeprefix("data:image/png;base64,")).startswith(b"\x89PNG")
    assert card["actions"] == [{"type": "Action.OpenUrl", "title": "Open in the app",
                                "url": card["actions"][0]["url"]}] and card["actions"][0]["url"].startswith(APP_URL)
    # The same activity delivered again is not asked again; a follow-up in the thread keeps its context.
    teams_post(bot, teams_activity(OEE, "a-1"))
    follow = adaptive_card(teams_post(bot, teams_activity("and for Suzhou?", "a-2")))
    assert bot.asked == [OEE, "and for Suzhou?"] and "Suzhou" in json.dumps(follow) \
        and "Ningbo" not in json.dumps(next(b for b in follow["body"] if b["type"] == "ColumnSet"))


def test_teams_numbered_options_chinese_and_unknown_users(bot: Bot) -> None:
    offer = adaptive_card(teams_post(bot, teams_activity(CLARIFY, "a-10")))
    assert any(b["text"].startswith("1. ") for b in offer["body"] if b["type"] == "TextBlock")
    adaptive_card(teams_post(bot, teams_activity("2", "a-11")))
    assert "line 3" in bot.asked[1].lower() and bot.asked[1] != "2"
    zh = adaptive_card(teams_post(bot, teams_activity(OEE_ZH, "a-12", conversation="19:zh;messageid=2")))
    assert "宁波" in json.dumps(zh, ensure_ascii=False) and zh["actions"][0]["title"] == "在应用中查看"
    stranger = adaptive_card(teams_post(bot, teams_activity(OEE, "a-13", sender="aad-stranger")))
    assert "aad-stranger" in stranger["body"][0]["text"] and len(stranger["body"]) == 1  # told how, no data


def test_teams_says_still_computing_within_its_limit_and_gives_the_answer_when_asked_again(
        pipeline: Pipeline, platforms: fake.Platforms, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bot = _make_bot(pipeline, platforms, tmp_path, monkeypatch)
    gate = threading.Event()
    engine = bot.app.state.bots.engine
    answer = engine.reply

    def slow(msg: Any) -> Any:
        gate.wait()
        return answer(msg)

    engine.reply = slow
    bot.app.state.adapters["teams"].reply_within_s = 0.01
    with bot.client:
        first = teams_post(bot, teams_activity(OEE, "a-20")).json()
        assert "Still computing" in first["text"] and "attachments" not in first
        gate.set()
        bot.drain()
        again = adaptive_card(teams_post(bot, teams_activity(OEE, "a-21")))
    assert "Ningbo" in json.dumps(again) and bot.asked == [OEE]  # computed once


# --- the server -----------------------------------------------------------------------------------------------


def test_a_platform_without_settings_answers_503_and_the_others_still_work(pipeline: Pipeline,
                                                                          platforms: fake.Platforms,
                                                                          tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    bot = _make_bot(pipeline, platforms, tmp_path, monkeypatch, feishu_app_secret=None, wecom_aes_key=None)
    with bot.client:
        feishu = bot.client.post("/bots/feishu", json={"type": "url_verification", "challenge": "x",
                                                       "token": FEISHU_TOKEN})
        assert feishu.status_code == 503 and "FA_FEISHU_APP_SECRET" in feishu.json()["error"]
        assert bot.client.get("/bots/wecom").status_code == 503
        assert bot.client.get("/healthz").json()["platforms"] == {"feishu": False, "dingtalk": True,
                                                                  "wecom": False, "teams": True}
        assert adaptive_card(teams_post(bot, teams_activity(OEE, "a-30")))


def test_a_platform_error_is_logged_without_secrets(pipeline: Pipeline, platforms: fake.Platforms, tmp_path: Path,
                                                    caplog: pytest.LogCaptureFixture,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    platforms.routes["/cgi-bin/gettoken"] = fake.echo_failure  # echoes the URL, secret and all
    bot = _make_bot(pipeline, platforms, tmp_path, monkeypatch)
    monkeypatch.setattr(logging.getLogger("httpx"), "level", logging.NOTSET)
    quiet_http_logs()  # as the server does: httpx would log each URL, WeCom's secret in it
    with bot.client, caplog.at_level(logging.DEBUG, logger="assistant"):
        assert wecom_post(bot, OEE, "7201") == 200
        bot.drain()
    assert bot.asked == [OEE] and platforms.on("/cgi-bin/gettoken")
    assert not logging.getLogger("httpx").isEnabledFor(logging.INFO)
    logged = "\n".join(r.getMessage() + str(r.exc_info or "") for r in caplog.records)
    assert "WeCom: HTTP 500" in logged and WECOM_SECRET not in logged and WECOM_AES not in logged
