"""The chat bots' shared engine: identities, threads, retries, rate limits, alerts, the reply's layout.

Runs the real pipeline on the evaluation database; platform adapters are tested in their own files.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.core.users import load_users
from assistant.pipeline import Pipeline
from assistant.surfaces.bots.engine import ALERT_CONFIRM_PREFIX, ChatEngine, Incoming
from assistant.surfaces.bots.reply import MAX_TABLE_ROWS
from assistant.surfaces.limits import Deliveries, RateLimit

OEE_BY_PLANT = "What was OEE by plant last month?"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def users_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bot-users") / "users.toml"
    path.write_text("""
[users.root]
role = "admin"
slack = ["UADMIN"]

[users.li_wei]
role = "plant_manager"
slack = ["ULIWEI"]
feishu = ["ou_liwei"]
[users.li_wei.attributes]
plant_id = "NB"
""", encoding="utf-8")
    return path


@pytest.fixture()
def engine(pipeline: Pipeline, users_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ChatEngine]:
    monkeypatch.setattr(pipeline.settings, "alerts_db", str(tmp_path / "alerts.sqlite"))
    yield ChatEngine(pipeline, load_users(users_path), rate_per_min=600)


def ask(engine: ChatEngine, text: str, *, sender: str = "UADMIN", thread: str = "C1:100", platform: str = "slack"):
    return engine.reply(Incoming(platform, sender, thread, text))


def test_an_unknown_chat_user_is_told_how_to_be_added_and_gets_no_data(engine: ChatEngine) -> None:
    reply = ask(engine, OEE_BY_PLANT, sender="USTRANGER")
    assert reply.status == "denied" and "USTRANGER" in reply.text and not reply.rows and reply.chart is None
    zh = ask(engine, "上个月各工厂的OEE", sender="USTRANGER")
    assert zh.status == "denied" and "管理员" in zh.text
    # The identity kind is the platform: a Slack id does not open Feishu.
    assert ask(engine, OEE_BY_PLANT, sender="ULIWEI", platform="feishu").status == "denied"


def test_a_thread_keeps_its_context_and_another_thread_does_not_see_it(engine: ChatEngine) -> None:
    first = ask(engine, OEE_BY_PLANT, thread="C1:200")
    assert first.status == "ok" and len(first.rows) == 3 and first.chart is not None
    follow = ask(engine, "and for Suzhou?", thread="C1:200")
    assert follow.status == "ok" and [r[0] for r in follow.rows] == ["Suzhou"]
    other = ask(engine, "and for Suzhou?", thread="C1:201")  # nothing before it in this thread
    assert other.status != "ok" or "OEE" not in " ".join(other.headers)


def test_a_scoped_user_sees_their_plant_and_is_told_so(engine: ChatEngine) -> None:
    reply = ask(engine, OEE_BY_PLANT, sender="ULIWEI", thread="C1:300")
    assert reply.status == "ok" and [r[0] for r in reply.rows] == ["Ningbo"]
    assert "Ningbo" in reply.scope_note
    zh = ask(engine, "上个月各工厂的OEE", sender="ULIWEI", thread="C1:301")
    assert zh.status == "ok" and "宁波" in zh.scope_note


def test_the_reply_carries_table_chart_provenance_and_link(engine: ChatEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine.pipeline.settings, "app_url", "https://factory.example.com/")
    reply = ask(engine, "Daily output in December 2025", thread="C1:400")
    assert reply.status == "ok" and reply.more_rows > 10 and len(reply.rows) == MAX_TABLE_ROWS  # working days
    lines = reply.table_text().splitlines()
    assert len(lines) == MAX_TABLE_ROWS + 1 and "Dec" in lines[1]
    png = reply.chart_png
    assert png is not None and png.startswith(b"\x89PNG")
    prov = dict(reply.provenance)
    assert "December 2025" in prov["Period"] and "31 Dec 2025" in prov["Data up to"]
    assert "SELECT" in reply.provenance_text() and "SELECT" not in reply.provenance_text(with_sql=False)
    assert reply.link == "https://factory.example.com/?q=Daily+output+in+December+2025&lang=en"


def test_a_chinese_table_lines_up_by_display_width(engine: ChatEngine) -> None:
    reply = ask(engine, "上个月各工厂的报废率", thread="C1:450")
    lines = reply.table_text().splitlines()
    assert reply.lang == "zh" and len(lines) == 4
    widths = {sum(2 if ord(ch) > 0x2E80 else 1 for ch in line) for line in lines}
    assert len(widths) == 1  # every line ends at the same column


def test_a_clarify_answer_offers_buttons_that_ask_the_reading(engine: ChatEngine) -> None:
    reply = ask(engine, "line 3 oee", thread="C1:500")
    assert reply.status == "clarify" and len(reply.options) >= 2
    assert all("Line 3" in o.label and "oee" in o.question.lower() for o in reply.options)
    picked = ask(engine, reply.options[0].question, thread="C1:500")
    assert picked.status == "ok"


def test_empty_too_long_and_rate_limited_messages_get_clear_words(engine: ChatEngine, pipeline: Pipeline) -> None:
    help_reply = ask(engine, "   ")
    assert help_reply.status == "help" and help_reply.options
    long = ask(engine, "oee " * pipeline.settings.max_question_chars)
    assert long.status == "refused" and "characters" in long.text
    strict = ChatEngine(pipeline, None, rate_per_min=1)
    assert strict.reply(Incoming("slack", "U9", "C9", OEE_BY_PLANT)).status == "ok"
    slowed = strict.reply(Incoming("slack", "U9", "C9", OEE_BY_PLANT))
    assert slowed.status == "busy" and "wait" in slowed.text
    assert strict.reply(Incoming("slack", "U8", "C9", OEE_BY_PLANT)).status == "ok"  # per user


def test_an_alert_request_is_offered_then_saved_for_that_user(engine: ChatEngine) -> None:
    offer = ask(engine, "alert me when Ningbo OEE falls below 75%", sender="ULIWEI", thread="C1:600")
    assert offer.status == "alert" and "75" in offer.text and len(offer.options) == 1
    assert offer.options[0].question.startswith(ALERT_CONFIRM_PREFIX)
    saved = ask(engine, offer.options[0].question, sender="ULIWEI", thread="C1:600")
    assert saved.status == "alert_saved"
    from assistant.alerts.config import load_rules

    rules = load_rules(engine.pipeline.settings, engine.pipeline.layer, engine.store).rules
    mine = [r for r in rules if r.owner == "li_wei"]
    assert len(mine) == 1 and mine[0].recipients == ["user:li_wei"]
    # Outside the user's scope: the rule is refused, not saved.
    outside = ask(engine, "alert me when Suzhou OEE falls below 75%", sender="ULIWEI", thread="C1:601")
    assert outside.status == "clarify" and "Suzhou, which is outside your access" in outside.text


def test_deliveries_answer_each_event_once_and_forget_after_the_ttl() -> None:
    clock = FakeClock()
    seen = Deliveries(ttl_s=60, max_ids=3, clock=clock)
    assert seen.first_time("e1") and not seen.first_time("e1")
    assert seen.first_time("") and seen.first_time("")  # no id: nothing to compare
    clock.now += 61
    assert seen.first_time("e1")
    for i in range(5):
        seen.first_time(f"x{i}")
    assert len(seen._seen) <= 3


def test_rate_limit_refills_evenly() -> None:
    clock = FakeClock()
    limit = RateLimit(per_minute=6, burst=2, clock=clock)
    assert limit.wait_s("u") == 0 and limit.wait_s("u") == 0
    wait = limit.wait_s("u")
    assert 9 < wait <= 10  # one question per 10 s once the burst is spent
    clock.now += 10
    assert limit.wait_s("u") == 0
    assert RateLimit(per_minute=0).wait_s("u") == 0  # 0: no limit
