"""Alert rules, their evaluation and incidents on the demo factory: threshold, change and anomaly
rules; the planted stories fire, each exactly once, at the right date and not on a quiet period;
two checks in a row notify once; bad rules are refused with a clear message; a rule is judged
under its owner's access scope; the bike-shop layer gets an alert with no code change."""

from __future__ import annotations

import datetime as dt
import importlib.util
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from assistant.alerts.config import DEMO_ALERTS
from assistant.alerts.evaluate import evaluate_rule, latest_period
from assistant.alerts.messages import rule_text
from assistant.alerts.rules import AlertRule, load_alerts_file, parse_alerts
from assistant.alerts.service import check_rules
from assistant.alerts.store import incidents, open_store, outbox
from assistant.core.errors import ConfigError, QueryError
from assistant.core.settings import Settings
from assistant.core.users import User, Users
from assistant.pipeline import Pipeline
from assistant.sql.executor import Executor
from semantic_layer.loader import load_layer
from tests.conftest import EVAL_END

ROOT = Path(__file__).resolve().parents[1]
STORY = {"crack-spike": "Ningbo Line 3", "machine-breakdowns": "SZ-L2-M03", "energy-creep": "Chongqing",
         "late-supplier": "Weida Electronics"}


def _rule(**fields) -> AlertRule:
    return AlertRule.model_validate({"id": "r", "recipients": ["user:demo"], **fields})


@pytest.fixture
def store(tmp_path: Path):
    return open_store(f"sqlite:///{tmp_path / 'alerts.sqlite'}")


def _incidents(store) -> list:
    with store.connect() as conn:
        return list(conn.execute(select(incidents).order_by(incidents.c.id)))


def _outbox_count(store) -> int:
    with store.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(outbox)).scalar_one())


# ---------------------------------------------------------------------- bad rules
@pytest.mark.parametrize("fields, message", [
    ({"metric": "oea", "condition": {"kind": "threshold", "op": "<", "value": 0.7}}, "Did you mean 'oee'"),
    ({"metric": "oee", "condition": {"kind": "threshold", "op": ">", "value": "150%"}}, "150% is not a possible value"),
    ({"metric": "oee", "grain": "hour", "condition": {"kind": "threshold", "op": "<", "value": "75%"}},
     "no 'hour' periods"),
    ({"metric": "oee", "grain": "day", "condition": {"kind": "anomaly", "baseline": 4000}}, "Input should be less"),
    ({"metric": "oee", "grain": "year", "condition": {"kind": "anomaly", "baseline": 40}}, "more than the data can hold"),
    ({"metric": "oee", "by": "supplier", "condition": {"kind": "threshold", "op": "<", "value": "75%"}},
     "cannot be checked per 'supplier'"),
    ({"metric": "oee", "condition": {"kind": "change", "direction": "up"}}, "exactly one of pct"),
    ({"metric": "oee", "grain": None, "condition": {"kind": "change", "pct": "10%"}}, "only a threshold works"),
])
def test_bad_rules_are_refused_with_a_clear_message(layer, fields, message):
    with pytest.raises((QueryError, ConfigError)) as err:
        parse_alerts({"rules": [{"id": "bad", **fields}]}, layer)
    assert message in str(err.value)


def test_recipients_and_channels_are_checked(layer):
    with pytest.raises(ConfigError, match="recipient 'bob' must be"):
        parse_alerts({"rules": [{"id": "x", "metric": "oee", "recipients": ["bob"],
                                 "condition": {"kind": "threshold", "op": "<", "value": "75%"}}]}, layer)
    with pytest.raises(ConfigError, match="no channel 'ops'"):
        parse_alerts({"rules": [{"id": "x", "metric": "oee", "recipients": ["webhook:ops"],
                                 "condition": {"kind": "threshold", "op": "<", "value": "75%"}}]}, layer)


def test_the_demo_rules_file_loads_and_reads_in_words(layer):
    rules = load_alerts_file(DEMO_ALERTS, layer).rules
    assert {r.id for r in rules} >= set(STORY)
    energy = next(r for r in rules if r.id == "energy-creep")
    assert rule_text(energy, layer, "en") == ("Alert when Energy per unit of any plant rises more than 10% "
                                              "from one quarter to the next.")
    assert rule_text(energy, layer, "zh") == "当任一工厂的单位能耗按季度上升超过10%时提醒。"


# ---------------------------------------------------------------------- periods and conditions
@pytest.mark.parametrize("as_of, grain, period", [
    ("2025-12-31", "day", ("2025-12-31", "2025-12-31")),
    ("2025-12-31", "week", ("2025-12-22", "2025-12-28")),  # Wednesday: the last whole ISO week
    ("2025-12-28", "week", ("2025-12-22", "2025-12-28")),  # Sunday: its own week is complete
    ("2025-12-30", "month", ("2025-11-01", "2025-11-30")),
    ("2025-12-31", "quarter", ("2025-10-01", "2025-12-31")),
])
def test_latest_complete_period(as_of, grain, period):
    start, end = latest_period(dt.date.fromisoformat(as_of), grain)
    assert (start.isoformat(), end.isoformat()) == period


def test_threshold_change_and_anomaly_on_demo_data(pipeline):
    always = _rule(metric="total_output", by="plant", grain="day",
                   condition={"kind": "threshold", "op": ">", "value": 0})
    assert {b.label for b in evaluate_rule(always, pipeline, EVAL_END).breaches} == {"Ningbo", "Suzhou", "Chongqing"}
    never = _rule(metric="oee", by="plant", grain="month", condition={"kind": "threshold", "op": "<", "value": "5%"})
    assert evaluate_rule(never, pipeline, EVAL_END).breaches == []
    change = _rule(metric="energy_per_unit", by="plant", grain="quarter",
                   condition={"kind": "change", "direction": "up", "pct": "10%"})
    (breach,) = evaluate_rule(change, pipeline, EVAL_END).breaches
    assert breach.label == "Chongqing" and breach.detail["change"] >= 0.10 and breach.reference > 0
    anomaly = _rule(metric="defect_quantity", by="line", grain="week", filters=[{"field": "defect_type",
                    "values": ["crack"]}], condition={"kind": "anomaly", "direction": "up", "k": 5, "baseline": 12,
                                                      "min_delta": 100})
    spike = evaluate_rule(anomaly, pipeline, dt.date(2025, 11, 23))
    assert [b.label for b in spike.breaches] == ["Ningbo Line 3"] and spike.breaches[0].value > 500
    assert evaluate_rule(anomaly, pipeline, EVAL_END).breaches == []


def test_anomaly_with_a_minimum_volume_skips_thin_periods(pipeline):
    rule = _rule(metric="scrap_rate", by="line", grain="day", condition={
        "kind": "anomaly", "baseline": 14, "volume_metric": "total_output", "min_volume": 10**9})
    evaluation = evaluate_rule(rule, pipeline, EVAL_END)
    assert evaluation.breaches == [] and evaluation.skipped
    assert all("below the minimum" in why for why in evaluation.skipped.values())


# ---------------------------------------------------------------------- the planted stories
def _replay(rules, pipeline, store, days) -> list:
    for day in days:
        for report in check_rules(rules, pipeline=pipeline, store=store, as_of=day):
            assert report.status == "checked", (day, report)
    return _incidents(store)


def _story_days() -> list[dt.date]:
    # Every Sunday and month end of the last quarter (each weekly, monthly and quarterly period
    # closes on one of them), plus the days in between for the crack spike's weeks.
    start, end = dt.date(2025, 10, 1), EVAL_END
    days = [start + dt.timedelta(n) for n in range((end - start).days + 1)]
    return [d for d in days if d.weekday() == 6 or (d + dt.timedelta(1)).day == 1 or d == end]


def test_each_planted_story_fires_exactly_once_at_its_date(pipeline, layer, store):
    rules = [r for r in load_alerts_file(DEMO_ALERTS, layer).rules if r.id in STORY]
    found = _replay(rules, pipeline, store, _story_days())
    assert sorted((r.rule_id, r.member_label) for r in found) == sorted(STORY.items())
    by_rule = {r.rule_id: r for r in found}
    assert by_rule["crack-spike"].period == "2025-11-10" and by_rule["crack-spike"].status == "resolved"
    assert by_rule["machine-breakdowns"].period == "2025-12-01"
    assert by_rule["energy-creep"].period == by_rule["late-supplier"].period == "2025-10-01"
    assert "Ningbo Line 3" in by_rule["crack-spike"].message_en and "宁波" in by_rule["crack-spike"].message_zh
    assert by_rule["late-supplier"].evidence["sql"].startswith("SELECT")
    # the "why" explanation of each breach goes with it (issue 14's engine, in the rule's language)
    assert "from 98.5% to 62.7%" in by_rule["late-supplier"].evidence["why"]
    assert by_rule["energy-creep"].evidence["why"] in by_rule["energy-creep"].message_en
    assert "rose 13" in by_rule["machine-breakdowns"].evidence["why"]
    # one notification per opening and one per resolution, nothing more
    assert _outbox_count(store) == len(found) + 1


def test_a_quiet_period_stays_quiet(pipeline, layer, store):
    rules = [r for r in load_alerts_file(DEMO_ALERTS, layer).rules if r.id in STORY]
    days = [dt.date(2024, 4, 1) + dt.timedelta(n) for n in range(0, 92, 7)] + [dt.date(2024, 6, 30)]
    assert _replay(rules, pipeline, store, days) == []


def test_a_snapshot_rule_is_not_replayed_into_the_past(pipeline, layer, store):
    rules = [r for r in load_alerts_file(DEMO_ALERTS, layer).rules if r.id == "stock-below-safety"]
    (past,) = check_rules(rules, pipeline=pipeline, store=store, as_of=dt.date(2024, 6, 30))
    assert past.status == "error" and "latest snapshot" in past.message
    (now,) = check_rules(rules, pipeline=pipeline, store=store, as_of=EVAL_END)
    assert now.status == "checked" and len(now.opened) >= 1


def test_two_checks_in_a_row_notify_once(pipeline, store):
    rule = _rule(metric="total_output", by="plant", grain="day", condition={"kind": "threshold", "op": ">", "value": 0})
    first = check_rules([rule], pipeline=pipeline, store=store, as_of=EVAL_END)[0]
    second = check_rules([rule], pipeline=pipeline, store=store, as_of=EVAL_END)[0]
    assert len(first.opened) == 3 and second.opened == [] and second.still_open == 3
    assert _outbox_count(store) == 3 and len(_incidents(store)) == 3


def test_muted_and_snoozed_rules(pipeline, store):
    base = {"metric": "total_output", "by": "plant", "grain": "day",
            "condition": {"kind": "threshold", "op": ">", "value": 0}}
    (muted,) = check_rules([_rule(muted=True, **base)], pipeline=pipeline, store=store, as_of=EVAL_END)
    assert muted.status == "muted" and _incidents(store) == []
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).isoformat()
    (snoozed,) = check_rules([_rule(snoozed_until=later, **base)], pipeline=pipeline, store=store, as_of=EVAL_END)
    assert len(snoozed.opened) == 3 and _outbox_count(store) == 0  # kept, but nobody told yet


# ---------------------------------------------------------------------- scope and other layers
def test_a_rule_is_judged_under_its_owners_scope(pipeline, store):
    users = Users({"li": User("li", "plant_manager", {"plant_id": "NB"})})
    rule = _rule(metric="total_output", by="plant", grain="day", owner="li",
                 condition={"kind": "threshold", "op": ">", "value": 0})
    (report,) = check_rules([rule], pipeline=pipeline, store=store, as_of=EVAL_END, users=users)
    assert [r.member_label for r in _incidents(store)] == ["Ningbo"] and len(report.opened) == 1
    unknown = _rule(metric="oee", owner="ghost", condition={"kind": "threshold", "op": "<", "value": "99%"})
    (bad,) = check_rules([unknown], pipeline=pipeline, store=store, as_of=EVAL_END, users=users)
    assert bad.status == "error" and "'ghost' is not in the users file" in bad.message


def test_the_bike_shop_layer_gets_an_alert_with_no_code_change(tmp_path, store):
    fixture = ROOT / "tests" / "fixtures" / "bikeshop"
    spec = importlib.util.spec_from_file_location("bikeshop_build_db_alerts", fixture / "build_db.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    db = module.build(tmp_path / "bikeshop.duckdb")
    layer = load_layer(fixture / "layer")
    pipe = Pipeline(layer, Executor(str(db)), settings=Settings(as_of=dt.date(2025, 6, 15)))
    try:
        parsed = parse_alerts({"rules": [{"id": "store-revenue", "metric": "revenue", "by": "store", "grain": "month",
                                          "condition": {"kind": "threshold", "op": ">", "value": 0},
                                          "recipients": ["user:demo"]}]}, layer)
        (report,) = check_rules(parsed.rules, pipeline=pipe, store=store, as_of=dt.date(2025, 6, 15))
        assert report.status == "checked" and len(report.opened) == 3
        assert all("May 2025" in r.message_en for r in _incidents(store))
    finally:
        pipe.close()
    shutil.rmtree(tmp_path / "unused", ignore_errors=True)


# ---------------------------------------------------------------------- evidence
def test_an_incident_carries_its_chart_as_an_image_and_a_link_to_the_app(demo_db, layer, store):
    import base64

    from assistant.alerts.delivery.base import Notification
    from assistant.alerts.delivery.generic import body
    from assistant.alerts.delivery.teams import message

    settings = Settings(as_of=EVAL_END, app_url="https://factory.example.com/")
    pipe = Pipeline(layer, Executor(str(demo_db)), settings=settings)
    try:
        rule = _rule(metric="oee", by="plant", grain="month", condition={"kind": "threshold", "op": "<", "value": "99%"})
        (report,) = check_rules([rule], pipeline=pipe, store=store, as_of=EVAL_END)
    finally:
        pipe.close()
    (first, *_), = [_incidents(store)]
    evidence = first.evidence
    assert evidence["link"] == f"https://factory.example.com/alerts?incident={first.id}"
    assert base64.b64decode(evidence["chart_png"]).startswith(b"\x89PNG")
    assert evidence["sql"] and evidence["rows"] and evidence["labels"]["zh"]
    with store.connect() as conn:
        row = conn.execute(select(outbox).where(outbox.c.incident_id == first.id)).one()
    note = Notification.from_row(row)
    assert note.link == evidence["link"] and note.chart_png == evidence["chart_png"]
    assert body(note)["chart_png"] == evidence["chart_png"]
    card = message(note)["attachments"][0]["content"]
    assert any(b.get("type") == "Image" and b["url"].startswith("data:image/png;base64,") for b in card["body"])
    assert len(report.opened) == 3
