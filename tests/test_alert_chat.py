"""Alert rules made from a sentence (assistant/alerts/chat.py), in English and Chinese: the request
words are recognised (and ordinary questions are not), the planner reads the rest into a rule
shown back in words; rules it cannot make (unknown metric, OEE above 100%, a window the data
cannot have, no condition) are refused with what was missing and an example, never a traceback."""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path

import pytest

from assistant.alerts.chat import AlertRequestError, is_alert_request, rule_from_sentence
from assistant.alerts.evaluate import evaluate_rule
from assistant.alerts.rules import Anomaly, Change, Threshold
from assistant.core.settings import Settings
from assistant.core.users import User
from assistant.pipeline import Pipeline
from assistant.sql.executor import Executor
from semantic_layer.loader import load_layer
from tests.conftest import EVAL_END

ROOT = Path(__file__).resolve().parents[1]


# ---------------------------------------------------------------------- what counts as a request
@pytest.mark.parametrize("sentence", [
    "Alert me when Ningbo OEE falls below 75%", "宁波OEE低于75%时提醒我", "tell me if scrap on any line jumps",
    "notify me when energy per unit at Chongqing rises more than 10% week over week",
    "Let me know when scrap rate is above 3%", "If scrap rate goes up more than 2 points, alert me",
    "当任一产线报废率周环比上升超过30%时通知我", "提醒我：宁波OEE低于75%", "宁波OEE跌破75%就告诉我",
    "Please set up an alert for scrap rate above 3%",
])
def test_alert_requests_are_recognised(sentence):
    assert is_alert_request(sentence)


@pytest.mark.parametrize("question", [
    "What was OEE by plant last month?", "tell me OEE by plant", "告诉我上个月的OEE", "上个月有哪些预警",
    "各工厂上个月的报废率是多少？", "which lines had scrap jumps last week?", "alert me",
])
def test_questions_are_not_alert_requests(question):
    assert not is_alert_request(question)


# ---------------------------------------------------------------------- rules from sentences
def test_threshold_in_english_and_chinese_read_the_same(pipeline):
    en = rule_from_sentence("Alert me when Ningbo OEE falls below 75%", pipeline)
    zh = rule_from_sentence("宁波OEE低于75%时提醒我", pipeline)
    for draft, lang in ((en, "en"), (zh, "zh")):
        rule = draft.rule
        assert rule.metric == "oee" and rule.by is None and rule.grain == "day" and rule.lang == lang
        assert [(f.field, f.values) for f in rule.filters] == [("plant", ["NB"])]
        assert rule.condition == Threshold(op="<", value=0.75)
        assert rule.recipients == ["user:demo"] and rule.owner is None and rule.source == "chat"
    assert en.text("en") == zh.text("en") == "Alert when OEE (Plant is Ningbo) is below 75.0% in a day."
    assert en.text("zh") == zh.text("zh") == "当设备综合效率（工厂为宁波）按天低于75.0%时提醒。"
    assert en.rule.name == "Ningbo OEE falls below 75%" and zh.rule.name == "宁波OEE低于75%"


def test_a_jump_on_any_member_is_an_anomaly_per_member(pipeline):
    draft = rule_from_sentence("tell me if scrap on any line jumps", pipeline)
    rule = draft.rule
    assert rule.by == "line" and rule.grain == "week" and rule.filters == []
    assert isinstance(rule.condition, Anomaly) and rule.condition.direction == "up"
    assert "of any production line" in draft.text("en") and "任一产线" in draft.text("zh")
    zh = rule_from_sentence("任一产线报废率突增时提醒我", pipeline).rule
    assert zh.metric == "scrap_rate" and zh.by == "line" and isinstance(zh.condition, Anomaly)
    assert zh.condition.direction == "up"


def test_a_change_with_a_size_and_a_grain(pipeline):
    draft = rule_from_sentence("notify me when energy per unit at Chongqing rises more than 10% week over week",
                               pipeline)
    rule = draft.rule
    assert rule.metric == "energy_per_unit" and rule.grain == "week"
    assert [(f.field, f.values) for f in rule.filters] == [("plant", ["CQ"])]
    assert rule.condition == Change(direction="up", pct=0.10)
    assert draft.text("en") == ("Alert when Energy per unit (Plant is Chongqing) rises more than 10% from one week "
                                "to the next.")
    zh = rule_from_sentence("当任一产线报废率周环比上升超过30%时通知我", pipeline)
    assert zh.rule.by == "line" and zh.rule.grain == "week" and zh.rule.condition == Change(direction="up", pct=0.3)
    assert zh.text("zh") == "当任一产线的报废率按周上升超过30%时提醒。"


def test_points_of_a_rate_and_a_check_interval(pipeline):
    rule = rule_from_sentence("If scrap rate goes down more than 2 points month over month, alert me; check every "
                              "30 minutes", pipeline).rule
    assert rule.grain == "month" and rule.condition == Change(direction="down", points=0.02)
    assert rule.every_minutes == 30


def test_owner_and_recipient_are_the_asking_user(pipeline):
    li = User("li_wei", "plant_manager", {"plant_id": "NB"})
    rule = rule_from_sentence("Alert me when OEE of any line is below 70%", pipeline, user=li).rule
    assert rule.owner == "li_wei" and rule.recipients == ["user:li_wei"] and rule.by == "line"


def test_ids_are_readable_and_never_taken(pipeline):
    rule = rule_from_sentence("alert me when OEE is below 70%", pipeline, taken={"oee-1", "oee-2"}).rule
    assert rule.id == "oee-3"


def test_the_rule_it_makes_evaluates_on_the_demo_data(pipeline):
    rule = rule_from_sentence("Alert me when energy per unit of any plant rises more than 10% quarter over quarter",
                              pipeline).rule
    evaluation = evaluate_rule(rule, pipeline, EVAL_END)
    assert [b.label for b in evaluation.breaches] == ["Chongqing"]


# ---------------------------------------------------------------------- refused, clearly
def _refused(pipeline, sentence: str) -> AlertRequestError:
    with pytest.raises(AlertRequestError) as caught:
        rule_from_sentence(sentence, pipeline)
    return caught.value


def test_an_unknown_metric_is_refused_with_an_example(pipeline):
    err = _refused(pipeline, "alert me when the banana index drops below 3")
    assert "could not tell which figure to watch" in err.text("en") and "banana" in err.text("en")
    assert "For example: “Alert me when OEE falls below 75%”" in err.text("en")
    assert "没能从" in err.text("zh") and "例如：“设备综合效率低于75%时提醒我”" in err.text("zh")


@pytest.mark.parametrize("sentence", ["alert me when OEE is above 150%", "宁波OEE高于150%时提醒我"])
def test_a_rate_above_100_percent_is_refused(pipeline, sentence):
    err = _refused(pipeline, sentence)
    assert err.text("en").startswith("150% is not a possible value of OEE: it runs from 0% to 100%.")
    assert err.text("zh").startswith("设备综合效率不可能是150%：它的取值在0%到100%之间。")


@pytest.mark.parametrize("sentence, said", [("alert me when OEE is below 75% hourly", "hourly"),
                                            ("每小时OEE低于75%时提醒我", "每小时")])
def test_a_window_finer_than_the_data_is_refused(pipeline, sentence, said):
    err = _refused(pipeline, sentence)
    assert "no figures finer than a day" in err.text("en") and f"“{said}”" in err.text("en")
    assert "数据最细只到天" in err.text("zh")


def test_a_window_longer_than_the_data_is_refused(pipeline):
    err = _refused(pipeline, "tell me if crack defects on any line spike compared with the last 500 weeks")
    assert "The data covers 2 Jan 2024 to 31 Dec 2025, about 104 weeks" in err.text("en")
    assert "Use 103 or fewer" in err.text("en") and "不足以算出过去500个周的通常范围" in err.text("zh")


def test_no_condition_is_refused_and_says_what_was_missing(pipeline):
    err = _refused(pipeline, "提醒我宁波的OEE")
    assert "看懂了指标（设备综合效率），但没看出何时提醒" in err.text("zh")
    assert "I understood the figure (OEE) but not when to alert" in err.text("en")


def test_an_ambiguous_member_asks_which_one(pipeline):
    err = _refused(pipeline, "alert me when scrap rate of line 3 is above 3%")
    assert {"Ningbo Line 3", "Suzhou Line 3", "Chongqing Line 3"} <= set(err.options)


def test_a_plant_manager_cannot_watch_a_figure_outside_their_scope(pipeline):
    li = User("li_wei", "plant_manager", {"plant_id": "NB"})
    with pytest.raises(AlertRequestError) as caught:
        rule_from_sentence("alert me when supplier on-time delivery rate is below 70%", pipeline, user=li)
    assert "could not tell which figure to watch" in caught.value.text("en")


# ---------------------------------------------------------------------- any layer
def test_the_bike_shop_layer_gets_a_rule_from_a_sentence(tmp_path):
    fixture = ROOT / "tests" / "fixtures" / "bikeshop"
    spec = importlib.util.spec_from_file_location("bikeshop_build_db_alert_chat", fixture / "build_db.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    db = module.build(tmp_path / "bikeshop.duckdb")
    layer = load_layer(fixture / "layer")
    with Pipeline(layer, Executor(str(db)), settings=Settings(as_of=dt.date(2025, 6, 15))) as pipe:
        draft = rule_from_sentence("alert me when revenue of any store drops more than 20% month over month", pipe)
    assert draft.rule.metric == "revenue" and draft.rule.by == "store" and draft.rule.grain == "month"
    assert draft.rule.condition == Change(direction="down", pct=0.2)
