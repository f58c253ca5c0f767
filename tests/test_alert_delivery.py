"""Alert delivery from the outbox: a webhook that fails twice then succeeds gets the row once,
with growing waits; each platform's payload and signature as its (fake, loopback) platform
checks them; a bad secret leaves the row pending with the platform's error and no secret;
the inbox writes once; two workers never send a row twice; a crash between "evaluated" and
"delivered" loses and duplicates nothing; the state tables work on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import os
import random
import re
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, insert, select

from assistant.alerts.delivery import backoff, deliver_pending, failed_deliveries, generic, inbox
from assistant.alerts.rules import Channel, parse_alerts
from assistant.alerts.service import check_rules
from assistant.alerts.store import inbox as inbox_table
from assistant.alerts.store import open_store, outbox
from tests import alert_platforms as fake
from tests.conftest import EVAL_END

T0 = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
SECRET = "SECc0ffee-the-signing-secret"
LINK = "http://127.0.0.1:8501/?answer=42"


@pytest.fixture
def store(tmp_path: Path):
    return open_store(f"sqlite:///{tmp_path / 'alerts.sqlite'}")


@pytest.fixture
def platforms():
    with fake.serve() as served:
        yield served


def _add(store, recipient: str, *, key: str = "incident:1:opened", lang: str = "en", at: dt.datetime = T0,
         title: str = "Alert: OEE below 75%", text: str = "OEE for Ningbo was 71.0% on 30 Dec 2025.") -> int:
    with store.begin() as conn:
        result = conn.execute(insert(outbox).values(
            dedupe_key=f"{key}:{recipient}", incident_id=1, event="opened", recipient=recipient, lang=lang,
            created_at=at, attempts=0, next_attempt_at=at,
            payload={"title": title, "text": text, "rule": "r", "link": LINK, "other_lang": "…"}))
        return int(result.inserted_primary_key[0])


def _row(store, row_id: int) -> Any:
    with store.connect() as conn:
        return conn.execute(select(outbox).where(outbox.c.id == row_id)).one()


def _utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


# ---------------------------------------------------------------------- retries and backoff
def test_a_webhook_that_fails_twice_gets_the_row_once_after_three_tries(store, platforms, monkeypatch):
    monkeypatch.setenv("FA_TEST_HOOK_SECRET", SECRET)
    platforms.routes["/hook"] = fake.flaky(2, fake.generic(SECRET))
    channels = {"ops": Channel(type="generic", url=platforms.url("/hook"), secret_env="FA_TEST_HOOK_SECRET")}
    row_id = _add(store, "webhook:ops")
    now, waits = T0, []
    for attempt in (1, 2):
        report = deliver_pending(store, channels, now=now)
        row = _row(store, row_id)
        assert report.failed.keys() == {row_id} and row.attempts == attempt and row.delivered_at is None
        assert "HTTP 500" in row.last_error and SECRET not in row.last_error
        waits.append(_utc(row.next_attempt_at) - now)
        assert deliver_pending(store, channels, now=now + waits[-1] / 2).delivered == []  # not due yet
        now = _utc(row.next_attempt_at)
    assert waits[1] > waits[0] > dt.timedelta(0)
    assert deliver_pending(store, channels, now=now).delivered == [row_id]
    assert deliver_pending(store, channels, now=now + dt.timedelta(days=1)).delivered == []
    row = _row(store, row_id)
    assert row.attempts == 3 and _utc(row.delivered_at) == now and failed_deliveries(store) == []
    hits = platforms.on("/hook")
    assert len(hits) == 3 and {h.headers["idempotency-key"] for h in hits} == {row.dedupe_key}


def test_backoff_grows_with_jitter_and_is_capped_at_an_hour():
    rng = random.Random(7)
    for attempts in range(1, 40):
        ceiling = min(3600.0, 30.0 * 2 ** (attempts - 1))
        wait = backoff(attempts, rng).total_seconds()
        assert ceiling / 2 <= wait <= ceiling <= 3600
    assert len({backoff(3, rng) for _ in range(20)}) > 1  # jittered, so failing rows spread out


def test_a_row_that_keeps_failing_stays_pending_and_is_listed(store, platforms):
    platforms.routes["/down"] = lambda hit: (503, "Service Unavailable")
    channels = {"down": Channel(type="generic", url=platforms.url("/down"))}
    row_id = _add(store, "webhook:down")
    now = T0
    for _ in range(20):
        deliver_pending(store, channels, now=now)
        row = _row(store, row_id)
        assert _utc(row.next_attempt_at) - now <= dt.timedelta(hours=1)
        now = _utc(row.next_attempt_at)
    row = _row(store, row_id)
    assert row.attempts == 20 and row.delivered_at is None and "HTTP 503" in row.last_error
    assert [r["id"] for r in failed_deliveries(store)] == [row_id]
    assert failed_deliveries(store, min_attempts=21) == []


# ---------------------------------------------------------------------- each platform
def _feishu(body: dict, hit: fake.Hit) -> tuple[str, str, str, str]:
    assert body["msg_type"] == "interactive" and body["timestamp"] and body["sign"]
    card = body["card"]
    (button,) = card["elements"][1]["actions"]
    assert button["text"]["content"] == "在应用中查看"  # the rule's language
    return (card["header"]["title"]["content"], card["elements"][0]["text"]["content"], button["url"],
            card["elements"][-1]["elements"][0]["content"])


def _dingtalk(body: dict, hit: fake.Hit) -> tuple[str, str, str, str]:
    raw_sign = dict(p.split("=", 1) for p in hit.raw_query.split("&"))["sign"]
    assert re.fullmatch(r"[A-Za-z0-9%]+", raw_sign), "the base64 signature is URL-encoded"
    assert body["msgtype"] == "markdown"
    text = body["markdown"]["text"]
    return body["markdown"]["title"], text, text, text


def _wecom(body: dict, hit: fake.Hit) -> tuple[str, str, str, str]:
    assert body["msgtype"] == "markdown"
    content = body["markdown"]["content"]
    return content, content, content, content


def _teams(body: dict, hit: fake.Hit) -> tuple[str, str, str, str]:
    (attachment,) = body["attachments"]
    card = attachment["content"]
    assert body["type"] == "message" and attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.4"
    title, text, ref = (block["text"] for block in card["body"])
    return title, text, card["actions"][0]["url"], ref


def _generic(body: dict, hit: fake.Hit) -> tuple[str, str, str, str]:
    assert hit.headers["idempotency-key"] == body["dedupe_key"] and body["event"] == "opened"
    return body["title"], body["text"], body["link"], body["dedupe_key"]


def _slack_blocks(body: dict, hit: fake.Hit) -> tuple[str, str, str, str]:
    header, section, actions, context = body["blocks"]
    assert body["text"].startswith(header["text"]["text"])  # the fallback notifications show
    return header["text"]["text"], section["text"]["text"], actions["elements"][0]["url"], \
        context["elements"][0]["text"]


# type, path and query, how the platform is faked (good secret), how the body is read, the rule's language
PLATFORMS = {
    "feishu": ("/open-apis/bot/v2/hook/0f5b2c1e-9a7d-4e3b-8c21-5d6f7a8b9c0d", lambda: fake.feishu(SECRET), _feishu,
               "zh"),
    "dingtalk": ("/robot/send?access_token=dt-access-token-123", lambda: fake.dingtalk(SECRET, "dt-access-token-123"),
                 _dingtalk, "zh"),
    "wecom": ("/cgi-bin/webhook/send?key=693a91f6-7a0c-4bc4-97a0-0ec2sifa5aaa",
              lambda: fake.wecom("693a91f6-7a0c-4bc4-97a0-0ec2sifa5aaa"), _wecom, "zh"),
    "teams": ("/workflows/abc/triggers/manual/paths/invoke?api-version=1&sig=teams-sig-987654",
              lambda: fake.teams("teams-sig-987654"), _teams, "en"),
    "generic": ("/factory-hook", lambda: fake.generic(SECRET), _generic, "en"),
    "slack": ("/services/T0001/B0001/XXXXXXXXXXXXXXXXXXXXXXXX", lambda: fake.slack_webhook, _slack_blocks, "en"),
}
ZH = {"title": "预警：宁波OEE低于75%", "text": "2025年12月30日宁波的OEE为71.0%，低于预警值75.0%。"}


@pytest.mark.parametrize("kind", sorted(PLATFORMS))
def test_each_platform_gets_its_payload_signed_as_documented(kind, store, platforms, monkeypatch):
    path, platform, read, lang = PLATFORMS[kind]
    monkeypatch.setenv("FA_TEST_SECRET", SECRET)
    platforms.routes[path.split("?")[0]] = platform()
    signed = kind in ("feishu", "dingtalk", "generic")
    channels = {"ch": Channel(type=kind, url=platforms.url(path), secret_env="FA_TEST_SECRET" if signed else None)}
    words = ZH if lang == "zh" else {}
    row_id = _add(store, "webhook:ch", lang=lang, **words)
    report = deliver_pending(store, channels, now=T0)
    row = _row(store, row_id)
    assert report.delivered == [row_id], row.last_error
    (hit,) = platforms.on(path.split("?")[0])
    title, text, link, ref = read(hit.json(), hit)
    assert row.payload["title"] in title and row.payload["text"] in text and LINK in link
    assert row.dedupe_key in ref


BAD = {  # what each platform answers to a wrong secret, key or token
    "feishu": ("19021", "FA_TEST_SECRET"),
    "dingtalk": ("310000", "FA_TEST_SECRET"),
    "generic": ("HTTP 401", "FA_TEST_SECRET"),
    "wecom": ("93000", None),
    "teams": ("HTTP 401", None),
}


@pytest.mark.parametrize("kind", sorted(BAD))
def test_a_bad_secret_gets_the_platforms_error_and_the_row_stays_pending(kind, store, platforms, monkeypatch):
    path, platform, _read, _lang = PLATFORMS[kind]
    code, secret_env = BAD[kind]
    monkeypatch.setenv("FA_TEST_SECRET", "SECwrong-secret-0000")
    platforms.routes[path.split("?")[0]] = platform()
    url = platforms.url(path.replace("693a91f6", "deadbeef").replace("teams-sig", "forged-sig"))
    row_id = _add(store, "webhook:ch")
    report = deliver_pending(store, {"ch": Channel(type=kind, url=url, secret_env=secret_env)}, now=T0)
    row = _row(store, row_id)
    assert report.delivered == [] and row.delivered_at is None and row.attempts == 1
    assert code in row.last_error and " / " in row.last_error  # English / Chinese
    for secret in ("SECwrong-secret-0000", "deadbeef-7a0c-4bc4-97a0-0ec2sifa5aaa", "forged-sig-987654"):
        assert secret not in row.last_error
    assert _utc(row.next_attempt_at) > T0


def test_the_slack_bot_posts_through_chat_postmessage(store, platforms, monkeypatch):
    from assistant.alerts.delivery.slack import SlackBotSender

    platforms.routes["/api/chat.postMessage"] = fake.slack_api("xoxb-good-token")
    sender = {"slack": SlackBotSender(base_url=platforms.url("/api/"))}
    monkeypatch.setenv("FA_SLACK_BOT_TOKEN", "xoxb-good-token")
    good = _add(store, "slack:C0123ABC")
    assert deliver_pending(store, {}, now=T0, senders=sender).delivered == [good]
    (hit,) = platforms.on("/api/chat.postMessage")
    body = hit.json()
    assert body["channel"] == "C0123ABC" and body["metadata"]["event_payload"]["dedupe_key"] == _row(store, good).dedupe_key
    assert _slack_blocks(body, hit) == ("Alert: OEE below 75%", "OEE for Ningbo was 71.0% on 30 Dec 2025.", LINK,
                                        f"Ref: {_row(store, good).dedupe_key}")
    monkeypatch.setenv("FA_SLACK_BOT_TOKEN", "xoxb-revoked-token")
    bad = _add(store, "slack:C0123ABC", key="incident:2:opened")
    deliver_pending(store, {}, now=T0, senders=sender)
    row = _row(store, bad)
    assert row.delivered_at is None and "invalid_auth" in row.last_error and "xoxb-revoked" not in row.last_error


def test_errors_never_carry_urls_tokens_or_secrets(store, platforms, monkeypatch):
    monkeypatch.setenv("FA_TEST_SECRET", SECRET)
    platforms.routes["/echo"] = fake.echo_failure
    channels = {"echo": Channel(type="generic", url=platforms.url("/echo?token=url-token-123456"),
                                secret_env="FA_TEST_SECRET"),
                "gone": Channel(type="wecom", url="http://127.0.0.1:9/cgi-bin/webhook/send?key=closed-port-key-1"),
                "nosecret": Channel(type="feishu", url=platforms.url("/x"), secret_env="FA_TEST_UNSET_SECRET")}
    ids = [_add(store, f"webhook:{name}") for name in ("echo", "gone", "nosecret", "missing")]
    deliver_pending(store, channels, now=T0)
    errors = [_row(store, i).last_error for i in ids]
    assert "HTTP 500" in errors[0] and "could not connect" in errors[1]
    assert "FA_TEST_UNSET_SECRET is not set" in errors[2] and "no channel 'missing'" in errors[3]
    for error in errors:
        assert "url-token-123456" not in error and "closed-port-key-1" not in error and SECRET not in error


# ---------------------------------------------------------------------- inbox, workers, crashes
def test_inbox_delivery_twice_writes_once(store, tmp_path):
    row_id = _add(store, "user:li_wei")

    def crash_after_writing(note, ctx):
        inbox.send(note, ctx)  # written to the inbox, then the process dies before "delivered"
        raise SystemExit("power cut")

    with pytest.raises(SystemExit):
        deliver_pending(store, {}, now=T0, senders={"user": crash_after_writing})
    store.dispose()
    store = open_store(f"sqlite:///{tmp_path / 'alerts.sqlite'}")
    assert deliver_pending(store, {}, now=T0 + dt.timedelta(minutes=6)).delivered == [row_id]
    with store.connect() as conn:
        rows = conn.execute(select(inbox_table)).all()
    assert [(r.user, r.outbox_id, r.link) for r in rows] == [("li_wei", row_id, LINK)]


def test_two_workers_at_once_never_send_a_row_twice(tmp_path, platforms, monkeypatch):
    monkeypatch.setenv("FA_TEST_SECRET", SECRET)
    platforms.routes["/hook"] = fake.generic(SECRET)
    url = f"sqlite:///{tmp_path / 'alerts.sqlite'}"
    first, second = open_store(url), open_store(url)  # two processes' engines on one state database
    channels = {"ops": Channel(type="generic", url=platforms.url("/hook"), secret_env="FA_TEST_SECRET")}
    ids = [_add(first, "webhook:ops", key=f"incident:{n}:opened") for n in range(40)]
    ids += [_add(first, "user:li_wei", key=f"incident:{n}:opened") for n in range(10)]
    start, reports = threading.Barrier(2), []

    def work(engine) -> None:
        start.wait()
        reports.append(deliver_pending(engine, channels))

    threads = [threading.Thread(target=work, args=(engine,)) for engine in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    sent = Counter(h.headers["idempotency-key"] for h in platforms.on("/hook"))
    assert len(sent) == 40 and set(sent.values()) == {1}
    assert sorted(reports[0].delivered + reports[1].delivered) == ids
    with first.connect() as conn:
        assert conn.execute(select(func.count()).select_from(inbox_table)).scalar_one() == 10


def _rules(layer, platforms):
    return parse_alerts({
        "rules": [{"id": "output-any", "name": "Output recorded", "metric": "total_output", "by": "plant",
                   "grain": "day", "condition": {"kind": "threshold", "op": ">", "value": 0},
                   "recipients": ["user:li_wei", "webhook:ops"]}],
        "channels": {"ops": {"type": "generic", "url": platforms.url("/ops"), "secret_env": "FA_TEST_SECRET"}},
    }, layer)


def test_a_crash_between_evaluated_and_delivered_loses_and_duplicates_nothing(pipeline, layer, tmp_path, platforms,
                                                                               monkeypatch):
    monkeypatch.setenv("FA_TEST_SECRET", SECRET)
    platforms.routes["/ops"] = fake.generic(SECRET)
    alerts, url = _rules(layer, platforms), f"sqlite:///{tmp_path / 'alerts.sqlite'}"
    store = open_store(url)
    check_rules(alerts.rules, pipeline=pipeline, store=store, as_of=EVAL_END, now=T0)
    calls: list[str] = []

    def dies_on_the_second_webhook(note, ctx):
        calls.append(note.dedupe_key)
        if len(calls) == 2:
            raise KeyboardInterrupt  # the process is stopped mid-batch
        generic.send(note, ctx)

    with pytest.raises(KeyboardInterrupt):
        deliver_pending(store, alerts.channels, now=T0, senders={"generic": dies_on_the_second_webhook})
    store.dispose()
    store = open_store(url)  # the restart
    check_rules(alerts.rules, pipeline=pipeline, store=store, as_of=EVAL_END, now=T0 + dt.timedelta(minutes=1))
    deliver_pending(store, alerts.channels, now=T0 + dt.timedelta(minutes=10))
    assert deliver_pending(store, alerts.channels, now=T0 + dt.timedelta(hours=2)).delivered == []
    with store.connect() as conn:
        rows = conn.execute(select(outbox)).all()
        inboxed = Counter(r.outbox_id for r in conn.execute(select(inbox_table)))
    assert len(rows) == 6 and all(r.delivered_at is not None for r in rows)  # 3 plants x 2 recipients
    webhook_keys = {r.dedupe_key for r in rows if r.recipient == "webhook:ops"}
    assert Counter(h.headers["idempotency-key"] for h in platforms.on("/ops")) == Counter(webhook_keys)
    assert sorted(inboxed) == sorted(r.id for r in rows if r.recipient == "user:li_wei")
    assert set(inboxed.values()) == {1}


def test_two_checks_in_a_row_send_one_notification(pipeline, layer, store, platforms, monkeypatch):
    monkeypatch.setenv("FA_TEST_SECRET", SECRET)
    platforms.routes["/ops"] = fake.generic(SECRET)
    alerts = _rules(layer, platforms)
    for minutes in (0, 5):
        check_rules(alerts.rules, pipeline=pipeline, store=store, as_of=EVAL_END, now=T0 + dt.timedelta(minutes=minutes))
        deliver_pending(store, alerts.channels, now=T0 + dt.timedelta(minutes=minutes))
    assert len(platforms.on("/ops")) == 3
    with store.connect() as conn:
        assert conn.execute(select(func.count()).select_from(inbox_table)).scalar_one() == 3


# ---------------------------------------------------------------------- PostgreSQL
@pytest.mark.postgres
def test_the_state_tables_work_on_postgresql(platforms, monkeypatch):
    base_url = os.environ.get("FA_TEST_PG_URL")
    if not base_url:
        pytest.skip("FA_TEST_PG_URL is not set: no PostgreSQL server to test against")
    import psycopg
    from sqlalchemy.engine import make_url

    base = make_url(base_url)
    with psycopg.connect(base.set(drivername="postgresql").render_as_string(hide_password=False),
                         autocommit=True) as con:
        con.execute("DROP DATABASE IF EXISTS fa_alerts_test")
        con.execute("CREATE DATABASE fa_alerts_test")
    url = base.set(database="fa_alerts_test").render_as_string(hide_password=False)
    first, second = open_store(url), open_store(url)
    monkeypatch.setenv("FA_TEST_SECRET", SECRET)
    platforms.routes["/hook"] = fake.generic(SECRET)
    platforms.routes["/down"] = lambda hit: (500, "down")
    channels = {"ops": Channel(type="generic", url=platforms.url("/hook"), secret_env="FA_TEST_SECRET"),
                "down": Channel(type="generic", url=platforms.url("/down"))}
    ids = [_add(first, "webhook:ops", key=f"incident:{n}:opened") for n in range(20)]
    ids += [_add(first, "user:li_wei", key=f"incident:{n}:opened") for n in range(5)]
    failing = _add(first, "webhook:down")
    start, reports = threading.Barrier(2), []

    def work(engine) -> None:
        start.wait()
        reports.append(deliver_pending(engine, channels, now=T0))

    threads = [threading.Thread(target=work, args=(engine,)) for engine in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Counter(h.headers["idempotency-key"] for h in platforms.on("/hook")).most_common(1)[0][1] == 1
    assert sorted(reports[0].delivered + reports[1].delivered) == ids
    (listed,) = failed_deliveries(first)
    assert listed["id"] == failing and "HTTP 500" in listed["last_error"]
    assert dt.timedelta(seconds=15) <= listed["next_attempt_at"] - T0 <= dt.timedelta(seconds=30)
    with first.connect() as conn:
        assert conn.execute(select(func.count()).select_from(inbox_table)).scalar_one() == 5
    first.dispose()
    second.dispose()
