"""The daily briefing (assistant/alerts/briefing.py) on a fixed as-of date: yesterday's key figures
(from the layer's verified questions, or the alerts file's list) against the day before and the
same weekday a week earlier, the open alerts, the biggest movers; in English and Chinese; under
the recipient's access scope; written to the outbox once per recipient and day."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select

from assistant.alerts.briefing import briefing_recipients, build_briefing, key_metrics, send_briefings
from assistant.alerts.briefing_config import BriefingRecipient
from assistant.alerts.config import DEMO_ALERTS
from assistant.alerts.rules import load_alerts_file, parse_alerts
from assistant.alerts.service import check_rules
from assistant.alerts.store import open_store, outbox
from assistant.core.errors import ConfigError
from assistant.core.users import User, Users
from assistant.plan.query import SemanticQuery, TimeRange
from tests.conftest import EVAL_END

DAY = EVAL_END - dt.timedelta(days=1)  # the briefing of 31 Dec reports on Tue 30 Dec 2025


@pytest.fixture
def store(tmp_path: Path):
    return open_store(f"sqlite:///{tmp_path / 'alerts.sqlite'}")


@pytest.fixture(scope="module")
def checked(pipeline, layer, tmp_path_factory):
    """The demo rules checked on 31 Dec 2025: the planted stories' incidents are open."""
    store = open_store(f"sqlite:///{tmp_path_factory.mktemp('briefing') / 'alerts.sqlite'}")
    alerts = load_alerts_file(DEMO_ALERTS, layer)
    check_rules(alerts.rules, pipeline=pipeline, store=store, as_of=EVAL_END)
    return store, alerts


def _one_day(pipeline, metric: str, day: dt.date) -> float:
    """The figure for one day, asked independently of the briefing's own query."""
    answer = pipeline.run_query(SemanticQuery(metrics=[metric], time_range=TimeRange(start=day, end=day)))
    return float(answer.rows[0][0])


def test_key_metrics_come_from_the_layers_verified_questions(layer):
    asked = [m for vq in layer.spec.verified_queries for m in (vq.semantic_query or {}).get("metrics", [])]
    assert key_metrics(layer) == list(dict.fromkeys(asked))
    configured = parse_alerts({"briefing": {"metrics": ["scrap_rate", "total_output"]}}, layer).briefing
    assert key_metrics(layer, configured) == ["scrap_rate", "total_output"]
    with pytest.raises(ConfigError, match="Did you mean 'scrap_rate'"):
        key_metrics(layer, parse_alerts({"briefing": {"metrics": ["scrap_rat"]}}, layer).briefing)


def test_figures_match_the_data_for_yesterday_the_day_before_and_a_week_earlier(pipeline, checked):
    store, alerts = checked
    briefing = build_briefing(pipeline, store, alerts, BriefingRecipient(to="user:demo"), as_of=EVAL_END)
    assert briefing.day == DAY
    oee = next(f for f in briefing.figures if f.metric == "oee")
    assert oee.value == pytest.approx(_one_day(pipeline, "oee", DAY))
    assert oee.day_before == pytest.approx(_one_day(pipeline, "oee", DAY - dt.timedelta(days=1)))
    assert oee.week_before == pytest.approx(_one_day(pipeline, "oee", DAY - dt.timedelta(days=7)))
    assert oee.value == pytest.approx(0.8007, abs=1e-4)


def test_the_english_briefing(pipeline, checked):
    store, alerts = checked
    text = build_briefing(pipeline, store, alerts, BriefingRecipient(to="user:demo"), as_of=EVAL_END).text
    assert text.startswith("Daily briefing: Tue 30 Dec 2025, Demo auto-parts factory")
    assert "Key figures for 30 Dec 2025 (against the day before; against Tue 23 Dec 2025):" in text
    assert "- OEE: 80.1% (-1.7 pp; -1.7 pp; target 85.0%, missed)" in text  # the layer's target
    assert "- Scrap rate: 1.5% (unchanged; unchanged; target 1.5%, met)" in text  # lower is better
    assert "Open alerts (4):" in text and "Weida Electronics" in text and "Chongqing" in text
    assert "Biggest movers (against the day before):" in text
    assert "宁波" not in text and "None" not in text.replace("- None.", "")


def test_the_chinese_briefing(pipeline, checked):
    store, alerts = checked
    text = build_briefing(pipeline, store, alerts, BriefingRecipient(to="user:demo", lang="zh"), as_of=EVAL_END).text
    assert text.startswith("每日简报：2025年12月30日（星期二），")
    assert "关键指标，2025年12月30日（括号内：较前一天；较上周同日2025年12月23日）：" in text
    assert "- 设备综合效率：80.1%（-1.7个百分点；-1.7个百分点；目标85.0%，未达成）" in text
    assert "未解除的预警（4条）：" in text and "伟达电子" in text and "变化最大（较前一天）：" in text
    assert "Weida" not in text and "Key figures" not in text


def test_biggest_movers_are_the_largest_changes_one_per_metric_first(pipeline, checked):
    store, alerts = checked
    movers = build_briefing(pipeline, store, alerts, BriefingRecipient(to="user:demo"), as_of=EVAL_END).movers
    assert len(movers) == 3 and len({m.metric for m in movers}) == 3
    assert [m.size for m in movers] == sorted((m.size for m in movers), reverse=True)
    assert all(m.value != m.before for m in movers)


def test_a_plant_manager_gets_their_plant_and_their_alerts_only(pipeline, checked):
    store, alerts = checked
    users = Users({"li_wei": User("li_wei", "plant_manager", {"plant_id": "NB"})})
    briefing = build_briefing(pipeline, store, alerts, BriefingRecipient(to="user:li_wei"), as_of=EVAL_END,
                              users=users)
    assert "(Limited to your access: Ningbo.)" in briefing.text
    ningbo = pipeline.run_query(SemanticQuery(metrics=["oee"], filters=[{"field": "plant", "values": ["NB"]}],
                                              time_range=TimeRange(start=DAY, end=DAY))).rows[0][0]
    assert next(f for f in briefing.figures if f.metric == "oee").value == pytest.approx(ningbo)
    # supplier figures cannot be limited to one plant: left out, not shown whole
    assert "on_time_delivery_rate" not in [f.metric for f in briefing.figures]
    assert briefing.incidents == []  # the demo rules tell user:demo, not li_wei
    with pytest.raises(ConfigError, match="'ghost' is not in the users file"):
        build_briefing(pipeline, store, alerts, BriefingRecipient(to="user:ghost"), as_of=EVAL_END, users=users)


def test_sent_once_per_recipient_and_day(pipeline, layer, store):
    alerts = parse_alerts({"briefing": {"time": "06:45", "recipients": ["user:demo", {"to": "user:chen",
                                                                                       "lang": "zh"}]}}, layer)
    first = send_briefings(pipeline, store, alerts, as_of=EVAL_END)
    again = send_briefings(pipeline, store, alerts, as_of=EVAL_END)
    assert first == {"user:demo": "sent", "user:chen": "sent"}
    assert again == {"user:demo": "already sent", "user:chen": "already sent"}
    with store.connect() as conn:
        rows = list(conn.execute(select(outbox).order_by(outbox.c.id)))
    assert [(r.event, r.recipient, r.lang, r.dedupe_key) for r in rows] == [
        ("briefing", "user:demo", "en", "briefing:user:demo:2025-12-31"),
        ("briefing", "user:chen", "zh", "briefing:user:chen:2025-12-31")]
    assert rows[1].payload["title"].startswith("每日简报") and "关键指标" in rows[1].payload["text"]
    next_day = send_briefings(pipeline, store, alerts, as_of=EVAL_END + dt.timedelta(days=1))
    assert next_day == {"user:demo": "sent", "user:chen": "sent"}
    with store.connect() as conn:
        assert conn.execute(select(func.count()).select_from(outbox)).scalar_one() == 4


def test_recipients_default_to_the_people_the_rules_tell(layer):
    alerts = load_alerts_file(DEMO_ALERTS, layer)
    assert [(r.to, r.lang) for r in briefing_recipients(alerts)] == [("user:demo", "en")]


@pytest.mark.parametrize("section, message", [
    ({"time": "25:00"}, "'25:00' is not a time of day"),
    ({"recipients": ["bob"]}, "recipient 'bob' must be"),
    ({"when": "07:30"}, "briefing.when: Extra inputs are not permitted"),
])
def test_a_bad_briefing_section_is_refused_clearly(layer, section, message):
    with pytest.raises(ConfigError, match=message):
        parse_alerts({"briefing": section}, layer)
