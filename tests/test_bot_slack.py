"""The Slack bot end to end: signed requests over HTTP on loopback to the bot's /slack/events, and
a local server playing Slack's Web API (chat.postMessage, chat.update, the three steps of
files_upload_v2, auth.test), which records every call the bot makes.

Nothing here sleeps or times anything: waits are for a recorded call to appear (with a generous
cap so a broken bot fails instead of hanging), and slow answers are made slow with an Event the
test holds, not with a clock.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

import httpx
import pytest
from slack_bolt import App

from assistant.core.users import load_users
from assistant.pipeline import Pipeline
from assistant.surfaces.bots.engine import ALERT_CONFIRM_PREFIX, ChatEngine, Incoming
from assistant.surfaces.bots.reply import ChatReply
from assistant.surfaces.bots.slack.__main__ import main as slack_main
from assistant.surfaces.bots.slack.app import build_app
from assistant.surfaces.bots.slack.handlers import SlackBot
from assistant.surfaces.bots.slack.http_mode import EVENTS_PATH, make_server
from assistant.surfaces.bots.slack.layout import ACTION_ASK, ACTION_HOW, plain_text

SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test-token"
OEE_BY_PLANT = "What was OEE by plant last month?"
WAIT_S = 120  # a cap on waiting for a call the bot should make, never a timing assertion


# -- Slack's Web API, played on loopback -----------------------------------------------------------

@dataclass
class Call:
    method: str  # chat.postMessage, files.completeUploadExternal, upload (the upload URL), respond (response_url)
    args: dict[str, Any]
    raw: bytes = b""


class FakeSlack:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.failing: set[str] = set()  # methods answered ok: false
        self._cond = threading.Condition()
        self._ts = 1_700_000_000
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                path = self.path.split("?")[0]
                method = path.removeprefix("/api/") if path.startswith("/api/") else path.strip("/").split("/")[0]
                kind = self.headers.get("Content-Type", "")
                if method == "upload":  # the file's bytes, whatever the client calls them
                    args = {"content_type": kind}
                elif "json" in kind:
                    args = json.loads(raw or b"{}")
                elif "x-www-form-urlencoded" in kind:
                    args = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
                else:
                    args = {}
                status, body = fake.answer(method, args, raw)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(json.dumps(body).encode())

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def answer(self, method: str, args: dict[str, Any], raw: bytes) -> tuple[int, dict[str, Any]]:
        with self._cond:
            self._ts += 1
            ts = f"{self._ts}.000100"
            if method not in ("auth.test",):
                self.calls.append(Call(method, args, raw))
                self._cond.notify_all()
        if method in self.failing:
            return 200, {"ok": False, "error": "internal_error"}
        if method == "auth.test":
            return 200, {"ok": True, "user_id": "UBOT", "bot_id": "BBOT", "team_id": "T1", "user": "factory"}
        if method == "chat.postMessage":
            return 200, {"ok": True, "channel": args.get("channel"), "ts": ts, "message": {"ts": ts}}
        if method == "chat.update":
            return 200, {"ok": True, "channel": args.get("channel"), "ts": args.get("ts")}
        if method == "files.getUploadURLExternal":
            return 200, {"ok": True, "upload_url": f"{self.url}/upload/F{ts}", "file_id": f"F{ts}"}
        if method == "files.completeUploadExternal":
            return 200, {"ok": True, "files": [{"id": "F1", "title": "chart"}]}
        return 200, {"ok": True}  # the upload URL and response_url answer 200

    def wait_for(self, test: Callable[[list[Call]], bool], what: str) -> list[Call]:
        with self._cond:
            if not self._cond.wait_for(lambda: test(self.calls), timeout=WAIT_S):
                raise AssertionError(f"Slack never saw {what}; calls: {[c.method for c in self.calls]}")
            return list(self.calls)

    def in_channel(self, channel: str) -> list[Call]:
        with self._cond:
            return [c for c in self.calls if c.args.get("channel") == channel or c.args.get("channel_id") == channel]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# -- the bot, with an engine the test can hold -------------------------------------------------------

class GatedEngine(ChatEngine):
    """The real engine, but `reply` waits at `gate` (open unless a test closes it) and says when it
    started; `first_delivery` answers are recorded, to know a retry was seen and dropped."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.gate = threading.Event()
        self.gate.set()
        self.entered = threading.Event()
        self.delivery_log: list[tuple[str, bool]] = []
        self._record = threading.Condition()

    def reply(self, msg: Incoming) -> ChatReply:
        self.entered.set()
        assert self.gate.wait(WAIT_S), "the test never opened the gate"
        return super().reply(msg)

    def first_delivery(self, platform: str, event_id: str) -> bool:
        first = super().first_delivery(platform, event_id)
        with self._record:
            self.delivery_log.append((event_id, first))
            self._record.notify_all()
        return first

    def wait_delivery(self, event_id: str, times: int) -> list[bool]:
        with self._record:
            seen = lambda: [f for e, f in self.delivery_log if e == event_id]  # noqa: E731
            assert self._record.wait_for(lambda: len(seen()) >= times, timeout=WAIT_S)
            return seen()


@dataclass
class Bot:
    slack: FakeSlack
    engine: GatedEngine
    bot: SlackBot
    url: str
    app: App


@pytest.fixture(scope="module")
def users_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("slack-users") / "users.toml"
    path.write_text("""
[users.root]
role = "admin"
slack = ["UADMIN"]
""", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def bot(pipeline: Pipeline, users_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bot]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pipeline.settings, "app_url", "https://factory.example.com")
        mp.setattr(pipeline.settings, "alerts_db", str(tmp_path_factory.mktemp("slack-alerts") / "alerts.sqlite"))
        slack = FakeSlack()
        engine = GatedEngine(pipeline, load_users(users_path), rate_per_min=0)
        app, slack_bot = build_app(engine, token=BOT_TOKEN, signing_secret=SECRET, base_url=slack.url + "/api/",
                                   working_after_s=3600)  # "working on it" only where a test asks for it
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        server = make_server(app, host="127.0.0.1", port=sock.getsockname()[1], log_level="warning")
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        deadline = time.monotonic() + WAIT_S
        while not server.started and time.monotonic() < deadline and thread.is_alive():
            time.sleep(0.01)  # waiting for the server to listen, not timing anything
        assert server.started
        try:
            yield Bot(slack, engine, slack_bot, f"http://127.0.0.1:{sock.getsockname()[1]}{EVENTS_PATH}", app)
        finally:
            engine.gate.set()
            server.should_exit = True
            thread.join(30)
            slack_bot.close()
            slack.close()


@pytest.fixture(autouse=True)
def _open_gate(bot: Bot) -> Iterator[None]:
    bot.engine.gate.set()
    bot.engine.entered.clear()
    bot.bot.working_after_s = 3600
    bot.slack.failing.clear()
    yield
    bot.engine.gate.set()


# -- signed requests ------------------------------------------------------------------------------

def sign(body: str, secret: str = SECRET) -> dict[str, str]:
    """Slack's v0 signature: HMAC-SHA256 of "v0:<timestamp>:<body>" with the signing secret."""
    stamp = str(int(time.time()))
    digest = hmac.new(secret.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}


_counter = iter(range(1, 1_000_000))


def event_body(event: dict[str, Any], event_id: str | None = None) -> dict[str, Any]:
    return {"token": "x", "team_id": "T1", "api_app_id": "A1", "type": "event_callback",
            "event_id": event_id or f"Ev{next(_counter):06d}", "event_time": 1700000000,
            "authorizations": [{"team_id": "T1", "user_id": "UBOT", "is_bot": True}], "event": event}


def new_ts() -> str:
    return f"1700001{next(_counter):06d}.000200"


def mention(channel: str, text: str, *, user: str = "UADMIN", ts: str | None = None,
            thread_ts: str | None = None) -> dict[str, Any]:
    event = {"type": "app_mention", "user": user, "text": f"<@UBOT> {text}", "channel": channel,
             "ts": ts or new_ts(), "event_ts": ts or "1"}
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def post_event(bot: Bot, body: dict[str, Any], *, secret: str = SECRET, retry: int | None = None) -> httpx.Response:
    raw = json.dumps(body)
    headers = {"Content-Type": "application/json", **sign(raw, secret)}
    if retry is not None:
        headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
    return httpx.post(bot.url, content=raw, headers=headers, timeout=WAIT_S)


def post_form(bot: Bot, form: dict[str, str]) -> httpx.Response:
    raw = urlencode(form)
    headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(raw)}
    return httpx.post(bot.url, content=raw, headers=headers, timeout=WAIT_S)


def press(bot: Bot, channel: str, message: dict[str, Any], button: dict[str, Any], user: str = "UADMIN") -> None:
    payload = {"type": "block_actions", "team": {"id": "T1"}, "user": {"id": user}, "api_app_id": "A1",
               "channel": {"id": channel}, "message": message, "trigger_id": "1.2.3",
               "container": {"type": "message", "channel_id": channel, "message_ts": message["ts"]},
               "actions": [{"type": "button", "action_id": button["action_id"], "block_id": "b1",
                            "value": button.get("value", ""), "action_ts": "1"}]}
    assert post_form(bot, {"payload": json.dumps(payload)}).status_code == 200


# -- reading what the bot posted ----------------------------------------------------------------------

def answers(bot: Bot, channel: str, thread_ts: str) -> list[Call]:
    """Messages posted or updated in a thread (working-on-it placeholders included)."""
    return [c for c in bot.slack.in_channel(channel)
            if (c.method == "chat.postMessage" and c.args.get("thread_ts") == thread_ts)
            or c.method == "chat.update"]


def wait_answer(bot: Bot, channel: str, thread_ts: str, n: int = 1) -> list[Call]:
    bot.slack.wait_for(lambda calls: len(answers(bot, channel, thread_ts)) >= n, f"answer {n} in {channel}")
    return answers(bot, channel, thread_ts)


def text_of(call: Call) -> str:
    """Everything a person reads in a message: the blocks' texts and button labels."""
    parts = [str(call.args.get("text", ""))]
    for block in call.args.get("blocks") or []:
        parts.append(json.dumps(block, ensure_ascii=False))
    return "\n".join(parts)


def buttons(call: Call) -> list[dict[str, Any]]:
    found = []
    for block in call.args.get("blocks") or []:
        if block["type"] == "actions":
            found += block["elements"]
        if "accessory" in block:
            found.append(block["accessory"])
    return found


# -- the tests ------------------------------------------------------------------------------------

def test_a_mention_gets_a_threaded_answer_with_its_chart(bot: Bot) -> None:
    event = mention("C100", OEE_BY_PLANT)
    response = post_event(bot, event_body(event))
    assert response.status_code == 200
    calls = bot.slack.wait_for(lambda cs: any(c.method == "files.completeUploadExternal"
                                              and c.args.get("channel_id") == "C100" for c in cs), "the chart")
    (reply,) = answers(bot, "C100", event["ts"])
    assert reply.method == "chat.postMessage" and reply.args["thread_ts"] == event["ts"]
    words = text_of(reply)
    assert "```" in words and "Ningbo" in words and "Suzhou" in words  # the table in a code block
    assert any(b["action_id"] == ACTION_HOW for b in buttons(reply))
    assert any(b.get("url", "").startswith("https://factory.example.com/?q=") for b in buttons(reply))
    upload = [c for c in calls if c.method == "upload"]
    assert upload and upload[-1].raw.startswith(b"\x89PNG")
    done = [c for c in calls if c.method == "files.completeUploadExternal" and c.args.get("channel_id") == "C100"]
    assert done[0].args["thread_ts"] == event["ts"]
    ask_url = [c for c in calls if c.method == "files.getUploadURLExternal"]
    assert ask_url and int(ask_url[-1].args["length"]) == len(upload[-1].raw)


def test_a_follow_up_in_the_thread_keeps_the_context(bot: Bot) -> None:
    first = mention("C200", OEE_BY_PLANT)
    post_event(bot, event_body(first))
    wait_answer(bot, "C200", first["ts"])
    follow = mention("C200", "and for Suzhou?", thread_ts=first["ts"])
    post_event(bot, event_body(follow))
    replies = wait_answer(bot, "C200", first["ts"], n=2)
    table = [b for b in replies[1].args["blocks"] if "```" in json.dumps(b)]
    words = text_of(replies[1])
    assert "OEE" in words and "Suzhou" in words and "Ningbo" not in words, words
    assert replies[1].args["thread_ts"] == first["ts"]  # in the thread, not at the channel's top level
    assert not table or "Suzhou" in json.dumps(table)


def test_a_bad_signature_is_rejected_and_nothing_is_posted(bot: Bot) -> None:
    forged = mention("C300", "What was scrap rate by plant last month?")
    response = post_event(bot, event_body(forged), secret="not-the-secret")
    assert response.status_code == 401
    unsigned = httpx.post(bot.url, content=json.dumps(event_body(mention("C300", OEE_BY_PLANT))),
                          headers={"Content-Type": "application/json"}, timeout=WAIT_S)
    assert unsigned.status_code == 401
    # A signed event after them is answered; by then the forged ones would have been too.
    good = mention("C301", OEE_BY_PLANT)
    post_event(bot, event_body(good))
    wait_answer(bot, "C301", good["ts"])
    assert bot.slack.in_channel("C300") == []


def test_a_retried_event_is_answered_once(bot: Bot) -> None:
    event = mention("C400", OEE_BY_PLANT)
    body = event_body(event)
    bot.engine.gate.clear()  # the first delivery is still being answered when the retry comes
    assert post_event(bot, body).status_code == 200
    assert post_event(bot, body, retry=1).status_code == 200
    assert bot.engine.wait_delivery(body["event_id"], 2) == [True, False]
    bot.engine.gate.set()
    wait_answer(bot, "C400", event["ts"])
    # Another event in the channel after it, answered: the retry had its chance to post by then.
    later = mention("C400", OEE_BY_PLANT)
    post_event(bot, event_body(later))
    wait_answer(bot, "C400", later["ts"])
    assert len(answers(bot, "C400", event["ts"])) == 1


def test_the_ack_comes_before_the_answer_is_worked_out(bot: Bot) -> None:
    bot.engine.gate.clear()  # the engine cannot answer until the test has its HTTP 200
    event = mention("C500", OEE_BY_PLANT)
    response = post_event(bot, event_body(event))
    assert response.status_code == 200
    assert bot.engine.entered.wait(WAIT_S)  # the answer is being worked on, after the 200 came back
    assert answers(bot, "C500", event["ts"]) == []
    bot.engine.gate.set()
    (reply,) = wait_answer(bot, "C500", event["ts"])
    assert "Ningbo" in text_of(reply)


def test_a_slow_answer_says_working_on_it_then_replaces_it(bot: Bot) -> None:
    bot.bot.working_after_s = 0  # any answer not ready at once is slow
    bot.engine.gate.clear()
    event = mention("C600", "上个月各工厂的OEE")
    post_event(bot, event_body(event))
    (working,) = wait_answer(bot, "C600", event["ts"])
    assert working.method == "chat.postMessage" and "正在计算" in working.args["text"]
    bot.engine.gate.set()
    updates = bot.slack.wait_for(lambda cs: any(c.method == "chat.update" and c.args.get("channel") == "C600"
                                                for c in cs), "the update")
    (update,) = [c for c in updates if c.method == "chat.update" and c.args.get("channel") == "C600"]
    posted_ts = [c for c in bot.slack.in_channel("C600") if c.method == "chat.postMessage"]
    assert len(posted_ts) == 1  # the answer replaced the placeholder; it was not posted again
    assert update.args["ts"].startswith("17") and "宁波" in text_of(update) and "正在计算" not in text_of(update)


def test_a_chinese_question_gets_a_chinese_answer(bot: Bot) -> None:
    event = mention("C700", "上个月各工厂的报废率")
    post_event(bot, event_body(event))
    (reply,) = wait_answer(bot, "C700", event["ts"])
    words = text_of(reply)
    assert "宁波" in words and "这是怎么算的？" in words and "Ningbo" not in words


def test_clarify_options_are_buttons_and_a_press_asks_the_option(bot: Bot) -> None:
    event = mention("C800", "line 3 oee")
    post_event(bot, event_body(event))
    (clarify,) = wait_answer(bot, "C800", event["ts"])
    options = [b for b in buttons(clarify) if b["action_id"].startswith(ACTION_ASK)]
    assert len(options) >= 2 and all("Line 3" in b["text"]["text"] for b in options)
    assert not any(b["action_id"] == ACTION_HOW for b in buttons(clarify))  # nothing computed yet
    message = {"type": "message", "ts": "1700009999.000100", "thread_ts": event["ts"], "text": clarify.args["text"]}
    press(bot, "C800", message, options[0])
    replies = wait_answer(bot, "C800", event["ts"], n=2)
    picked = replies[1]
    how = [b for b in buttons(picked) if b["action_id"] == ACTION_HOW]
    assert how, text_of(picked)  # an answer with figures, so it has provenance
    # "How was this computed?" posts the provenance and the SQL in the same thread.
    press(bot, "C800", {"type": "message", "ts": "1700009999.000200", "thread_ts": event["ts"]}, how[0])
    replies = wait_answer(bot, "C800", event["ts"], n=3)
    assert "SELECT" in text_of(replies[2]) and "Period" in text_of(replies[2])


def test_the_alert_confirm_button_saves_the_rule(bot: Bot) -> None:
    event = mention("C850", "alert me when Ningbo OEE falls below 75%")
    post_event(bot, event_body(event))
    (offer,) = wait_answer(bot, "C850", event["ts"])
    (confirm,) = buttons(offer)
    assert confirm["value"].startswith(ALERT_CONFIRM_PREFIX) and confirm["style"] == "primary"
    press(bot, "C850", {"type": "message", "ts": "1700009998.000100", "thread_ts": event["ts"]}, confirm)
    replies = wait_answer(bot, "C850", event["ts"], n=2)
    assert "Alert created" in text_of(replies[1])


def test_the_slash_command_posts_the_question_and_answers_under_it(bot: Bot) -> None:
    response = post_form(bot, {"command": "/factory", "text": OEE_BY_PLANT, "user_id": "UADMIN",
                               "channel_id": "C900", "team_id": "T1", "trigger_id": "1.2.3",
                               "response_url": bot.slack.url + "/respond/1"})
    assert response.status_code == 200
    calls = bot.slack.wait_for(lambda cs: sum(c.args.get("channel") == "C900" and c.method == "chat.postMessage"
                                              for c in cs) >= 2, "question and answer")
    question, reply = [c for c in calls if c.args.get("channel") == "C900" and c.method == "chat.postMessage"][:2]
    assert "thread_ts" not in question.args and "<@UADMIN>" in question.args["text"]
    assert OEE_BY_PLANT in question.args["text"]
    assert reply.args["thread_ts"].startswith("17") and "Ningbo" in text_of(reply)


def test_a_direct_message_is_answered_and_edits_are_not(bot: Bot) -> None:
    edit = {"type": "message", "subtype": "message_changed", "channel": "D1", "channel_type": "im",
            "ts": new_ts(), "message": {"text": OEE_BY_PLANT, "user": "UADMIN"}}
    other_bot = {"type": "message", "channel": "D1", "channel_type": "im", "bot_id": "BOTHER", "user": "UOTHER",
                 "text": OEE_BY_PLANT, "ts": new_ts()}
    for event in (edit, other_bot):
        assert post_event(bot, event_body(event)).status_code == 200
    dm = {"type": "message", "channel": "D1", "channel_type": "im", "user": "UADMIN", "text": OEE_BY_PLANT,
          "ts": new_ts()}
    post_event(bot, event_body(dm))
    (reply,) = wait_answer(bot, "D1", dm["ts"])
    assert "Ningbo" in text_of(reply)
    posted = [c for c in bot.slack.in_channel("D1") if c.method == "chat.postMessage"]
    assert len(posted) == 1  # the edit and the other bot's message were not answered


def test_an_unknown_slack_user_is_told_and_gets_no_data(bot: Bot) -> None:
    event = mention("C1000", OEE_BY_PLANT, user="USTRANGER")
    post_event(bot, event_body(event))
    (reply,) = wait_answer(bot, "C1000", event["ts"])
    words = text_of(reply)
    assert "I don't know you" in words and "USTRANGER" in words
    assert "```" not in words and "Ningbo" not in words and not buttons(reply)
    later = mention("C1000", OEE_BY_PLANT)  # a known user after: by then any chart would be uploaded
    post_event(bot, event_body(later))
    bot.slack.wait_for(lambda cs: any(c.method == "files.completeUploadExternal" and c.args.get("channel_id") == "C1000"
                                      for c in cs), "the known user's chart")
    uploads = [c for c in bot.slack.in_channel("C1000") if c.method == "files.completeUploadExternal"]
    assert [u.args["thread_ts"] for u in uploads] == [later["ts"]]


def test_a_failed_chart_upload_is_said_in_the_thread(bot: Bot) -> None:
    bot.slack.failing.add("files.getUploadURLExternal")
    event = mention("C1100", OEE_BY_PLANT)
    post_event(bot, event_body(event))
    replies = wait_answer(bot, "C1100", event["ts"], n=2)
    assert "Ningbo" in text_of(replies[0])
    assert "couldn't attach the chart" in text_of(replies[1]) and "https://factory.example.com/?q=" in text_of(replies[1])


def test_a_long_answer_shows_how_many_more_rows_with_a_link(bot: Bot) -> None:
    event = mention("C1200", "Daily output in December 2025")
    post_event(bot, event_body(event))
    (reply,) = wait_answer(bot, "C1200", event["ts"])
    more = [b for b in reply.args["blocks"] if "more rows in the app" in json.dumps(b)]
    assert more and more[0]["accessory"]["url"].startswith("https://factory.example.com/?q=Daily+output")


def test_the_bots_own_mention_and_slack_markup_come_off() -> None:
    assert plain_text("<@UBOT> OEE in <#C1|plant-ops> &amp; scrap &lt;5%", "UBOT") == "OEE in #plant-ops & scrap <5%"
    assert plain_text("<@UBOT|factory> see <https://x.example|the app>", None) == "see the app"


def test_running_without_tokens_says_what_to_set(monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    monkeypatch.setenv("FA_CONFIG", str(tmp_path / "none.toml"))
    for name in ("FA_SLACK_BOT_TOKEN", "FA_SLACK_APP_TOKEN", "FA_SLACK_SIGNING_SECRET"):
        monkeypatch.delenv(name, raising=False)
    assert slack_main([]) == 2
    err = capsys.readouterr().err
    assert "FA_SLACK_BOT_TOKEN is not set" in err and "FA_SLACK_APP_TOKEN" in err and "未设置" in err
    assert "Traceback" not in err
    monkeypatch.setenv("FA_SLACK_BOT_TOKEN", "xapp-wrong-kind")
    assert slack_main(["--http"]) == 2
    err = capsys.readouterr().err
    assert "should start with xoxb-" in err and "FA_SLACK_SIGNING_SECRET" in err and "FA_SLACK_APP_TOKEN" not in err


def test_the_manifests_ask_slack_for_what_the_bot_handles() -> None:
    import yaml

    root = Path(__file__).resolve().parents[1] / "deploy" / "slack"
    socket_mode = yaml.safe_load((root / "manifest.yaml").read_text(encoding="utf-8"))
    http_mode = yaml.safe_load((root / "manifest-http.yaml").read_text(encoding="utf-8"))
    for manifest in (socket_mode, http_mode):
        settings, scopes = manifest["settings"], set(manifest["oauth_config"]["scopes"]["bot"])
        assert set(settings["event_subscriptions"]["bot_events"]) == {"app_mention", "message.im"}
        assert settings["interactivity"]["is_enabled"] is True
        assert [c["command"] for c in manifest["features"]["slash_commands"]] == ["/factory"]
        assert {"app_mentions:read", "chat:write", "commands", "files:write", "im:history"} <= scopes
    assert socket_mode["settings"]["socket_mode_enabled"] is True
    assert http_mode["settings"]["socket_mode_enabled"] is False
    urls = {http_mode["settings"]["event_subscriptions"]["request_url"],
            http_mode["settings"]["interactivity"]["request_url"], http_mode["features"]["slash_commands"][0]["url"]}
    assert urls == {"https://HOST" + EVENTS_PATH}


def test_a_command_is_handled_while_slow_answers_hold_every_worker(bot: Bot) -> None:
    bot.engine.gate.clear()  # every answer waits: more questions than the bot has workers
    events = [mention("C1300", OEE_BY_PLANT) for _ in range(bot.bot.answers._max_workers + 2)]
    for event in events:
        assert post_event(bot, event_body(event)).status_code == 200
    response = post_form(bot, {"command": "/factory", "text": OEE_BY_PLANT, "user_id": "UADMIN",
                               "channel_id": "C1301", "team_id": "T1", "trigger_id": "1.2.3",
                               "response_url": bot.slack.url + "/respond/2"})
    assert response.status_code == 200 and response.text == ""
    # Its question is posted while every answer is still held: the listeners were free.
    bot.slack.wait_for(lambda cs: any(c.args.get("channel") == "C1301" and "thread_ts" not in c.args
                                      for c in cs), "the command's question")
    assert not any(c.method == "chat.postMessage" for c in bot.slack.in_channel("C1300"))
    bot.engine.gate.set()
    for event in events:
        wait_answer(bot, "C1300", event["ts"])


def test_socket_mode_deliveries_are_acked_answered_and_a_retry_dropped(bot: Bot) -> None:
    from slack_bolt.adapter.socket_mode import SocketModeHandler
    from slack_sdk.socket_mode.request import SocketModeRequest

    handler = SocketModeHandler(bot.app, "xapp-1-test")  # as __main__ builds it; never connected here
    acked: list[str] = []

    class Connection:  # the socket the envelope came on: records the envelope acks
        logger = logging.getLogger("test.socket")

        def send_socket_mode_response(self, response: Any) -> None:
            acked.append(response.envelope_id)

    event = mention("C1400", OEE_BY_PLANT)
    body = event_body(event)
    try:
        handler.handle(Connection(), SocketModeRequest("events_api", "env-1", body))
        handler.handle(Connection(), SocketModeRequest("events_api", "env-2", body, retry_attempt=1,
                                                       retry_reason="timeout"))
        assert acked == ["env-1", "env-2"]  # no signature in Socket Mode, and each envelope acked
        assert bot.engine.wait_delivery(body["event_id"], 2) == [True, False]
        (reply,) = wait_answer(bot, "C1400", event["ts"])
        assert "Ningbo" in text_of(reply)
    finally:
        handler.client.close()
