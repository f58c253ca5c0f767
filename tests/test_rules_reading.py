"""Rule-planner tests for reading natural questions: negations, money, lists with attributes,
divisions, rankings with Chinese measure words, and metrics named as context of another.

Each case here was once read wrongly with data shown; the test pins the reading, not the wording."""

from __future__ import annotations

import pytest

from tests.planner_cases import LAST_QUARTER, LAST_WEEK, THIS_YEAR, cases, check, expect, make_ask
from tests.planner_cases import planned as _query


@pytest.fixture(scope="module")
def ask(pipeline):
    return make_ask(pipeline)


# ---------------------------------------------------------------------------- negation
@pytest.mark.parametrize("question, field, value", (
    ("how many complaints are not closed", "complaint_status", "closed"),
    ("现在还有多少客诉没关闭？", "complaint_status", "closed"),
    ("sales orders this year, not counting cancelled ones", "sales_order_status", "cancelled"),
))
def test_a_negated_member_is_left_out(ask, question, field, value):
    sq = _query(ask(question))
    # Left out by name, or by the layer's set of the other values ('not closed' = open or investigating).
    on_field = [f for f in sq["filters"] if f["field"] == field]
    assert on_field and all((value in f["values"]) == (f["op"] == "not in") for f in on_field), sq["filters"]
    assert "ignored" not in ask(question).interpretation


@pytest.mark.parametrize("question, word", (
    ("which lines did not improve OEE last month", "not"),
    ("which lines never reached 85% OEE this year", "never"),
))
def test_a_negation_the_reading_cannot_place_asks(ask, question, word):
    answer = ask(question)
    assert answer.status == "clarify", (answer.status, answer.semantic_query)
    assert f"'{word}'" in answer.message


@pytest.mark.parametrize("question", (
    "which lines didn't reach 85% OEE last month",
    "上个月哪些产线OEE没达到85%",
    "lines that fell short of 85% OEE last month",
))
def test_falling_short_of_a_figure_is_below_it(ask, question):
    sq = _query(ask(question))
    assert {"field": "oee", "op": "<", "values": [0.85]} in sq["filters"], sq


@pytest.mark.parametrize("question, value_count", (
    ("how many open work orders are there", 2),
    ("未完成的工单按优先级各有多少个", 2),
    ("how many work orders are still unfinished", 2),
    ("open complaints by customer", 2),
    ("how many sales orders haven't shipped yet?", 1),
))
def test_everyday_status_words_name_the_layer_value_sets(ask, question, value_count):
    """'open work orders' = planned or running (the layer's value set), one figure, not one per status."""
    answer = ask(question)
    sq = _query(answer)
    status = [f for f in sq["filters"] if f["field"].endswith("status")]
    assert len(status) == 1 and status[0]["op"] == "in" and len(status[0]["values"]) == value_count, sq
    assert not any(d.endswith("status") for d in sq.get("dimensions", [])), sq


# ---------------------------------------------------------------------------- money
@pytest.mark.parametrize("question, word", (
    ("what gross profit did we make on brake parts this year?", "profit"),
    ("每台设备今年的维修费用一共花了多少钱？", "费用"),
    ("how much did downtime cost us last month", "cost"),
))
def test_money_is_refused_when_no_metric_is_in_money(ask, question, word):
    answer = ask(question)
    assert answer.status == "refused", (answer.status, answer.semantic_query)
    assert word in answer.message


# ---------------------------------------------------------------------------- lists
@pytest.mark.parametrize("question, dims", (
    ("list all suppliers and their country", ["supplier", "supplier_country"]),
    ("列出所有供应商及其国家", ["supplier", "supplier_country"]),
    ("list all customers and their region", ["customer", "customer_region"]),
))
def test_a_list_takes_the_attributes_named_after_it(ask, question, dims):
    answer = ask(question)
    sq = _query(answer)
    assert sq["metrics"] == [] and sq["dimensions"] == dims
    assert "ignored" not in answer.interpretation and "忽略" not in answer.interpretation


def test_a_list_reads_as_a_list(ask):
    assert ask("list all suppliers").interpretation == "List of suppliers"
    assert ask("列出所有供应商").interpretation == "供应商列表"


# ---------------------------------------------------------------------------- divisions
def test_divided_by_relates_two_metrics(ask):
    answer = ask("scrap divided by good parts for each shift last week")
    sq = _query(answer)
    assert (sq["metrics"][:2], sq["per"], sq["dimensions"]) == (["scrap_count", "good_output"], "good_output", ["shift"])
    assert answer.interpretation.startswith("Scrap count per good output by shift")


@pytest.mark.parametrize("question", ("各工厂每条线的产量", "每台设备的停机时长"))
def test_mei_before_a_breakdown_is_not_a_division(ask, question):
    assert _query(ask(question))["per"] is None


def test_ping_jun_mei_is_a_division(ask):
    sq = _query(ask("平均每张工单的计划数量"))
    assert (sq["per"], sq["metrics"][:2]) == ("work_order_count", ["planned_quantity", "work_order_count"])


# ---------------------------------------------------------------------------- context, not a second metric
def test_the_rows_a_metric_is_measured_over_are_its_subject(ask):
    check(ask("how did plan attainment look for urgent work orders last quarter?"),
          expect(["plan_attainment"], filters={"work_order_priority": ["urgent"]}, time=LAST_QUARTER))


def test_their_count_stays_when_asked_for_with_and(ask):
    assert _query(ask("how many work orders and what plan attainment last month"))["metrics"] == [
        "work_order_count", "plan_attainment"]


def test_a_comma_across_clauses_does_not_join_two_metrics(ask):
    # the work orders are what is counted in; the figure after the comma is their planned quantity, per line
    answer = ask("本季度计划开工的工单（不含已取消的），每条线一共计划生产多少件？")
    sq = answer.semantic_query
    assert answer.status == "ok" and sq["metrics"] == ["planned_quantity"] and sq["dimensions"] == ["line"], sq


# ---------------------------------------------------------------------------- rankings and breakdowns
@pytest.mark.parametrize("question, expected", cases(
    ("今年报废数最少的3条线是哪些？",
     expect(["scrap_count"], ["line"], time=THIS_YEAR, order=[("scrap_count", False)], limit=3)),
    ("今年哪3条线报废数最少？",
     expect(["scrap_count"], ["line"], time=THIS_YEAR, order=[("scrap_count", False)], limit=3)),
    ("不同工厂上周的产量", expect(["total_output"], ["plant"], time=LAST_WEEK)),
    ("total output of the different plants last week", expect(["total_output"], ["plant"], time=LAST_WEEK)),
))
def test_measure_words_and_different_leave_the_breakdown(ask, question, expected):
    check(ask(question), expected)


def test_a_value_inside_its_dimensions_name_is_no_filter(ask):
    sq = _query(ask("本月各严重等级的百万缺陷率"))
    assert (sq["dimensions"], sq["filters"]) == (["severity"], [])


# ---------------------------------------------------------------------------- shares
def test_a_share_of_a_count_with_nothing_to_share_over_is_its_rate(ask):
    answer = ask("what share of the parts we made last week came out bad?")
    sq = _query(answer)
    assert (sq["metrics"], sq["share"]) == (["scrap_rate"], [])
    assert "read as Scrap rate" in answer.interpretation


@pytest.mark.parametrize("question, option", (
    ("what proportion of incoming lots got bounced at inspection, per supplier, this year?", "Lot rejection rate"),
))
def test_a_share_nothing_answers_asks_for_the_rate(ask, question, option):
    answer = ask(question)
    assert answer.status == "clarify", (answer.status, answer.semantic_query)
    assert option in answer.message


def test_a_share_of_lots_in_a_state_the_layer_names_is_its_rate(ask):
    # 'turned away' is a word of the layer's rejected state: the share of lots in it is the rejection rate
    sq = _query(ask("what proportion of incoming lots got turned away at inspection, per supplier, this year?"))
    assert (sq["metrics"], sq["dimensions"], sq.get("share", [])) == (["lot_rejection_rate"], ["supplier"], [])


def test_the_rate_said_in_words_is_answered_on_the_date_named(ask):
    # '按时交货的比例' names the suppliers' on-time rate; '10月份下单' dates the orders by when they were placed
    sq = _query(ask("10月份下单的那些采购单，供应商按时交货的比例是多少？"))
    assert (sq["metrics"], sq["time_role"]) == (["on_time_delivery_rate"], "order_date")


def test_a_share_of_members_stays_a_share(ask):
    sq = _query(ask("what share of scrap came from the night shift last month"))
    assert (sq["metrics"], sq["share"]) == (["scrap_count"], ["shift"])


def test_a_figure_asked_for_each_member_is_not_a_list(ask):
    # '分别是' reads as a list word, but '比例' asks for a figure: never answer with the bare customer names
    answer = ask("今年我们给各个客户按期交货的比例分别是多少？")
    assert answer.status != "ok" or answer.semantic_query["metrics"], answer.semantic_query


# ---------------------------------------------------------------------------- breakdowns named short
@pytest.mark.parametrize("question, dim", (
    ("work orders on Ningbo Line 3 - how many in each status?", "work_order_status"),
    ("各工厂的工单按状态分别有多少张？", "work_order_status"),
    ("how many complaints by status this year", "complaint_status"),
    ("downtime minutes by reason last month", "downtime_reason"),
))
def test_a_column_of_the_counted_rows_named_short_is_a_breakdown(ask, question, dim):
    assert dim in _query(ask(question))["dimensions"]


def test_which_before_a_typed_value_asks_for_its_members(ask):
    sq = _query(ask("Which Suzhou CNC machine has had the most breakdowns in the last 28 days?"))
    assert (sq["dimensions"], sq["limit"]) == (["machine"], 1)
    assert {f["field"] for f in sq["filters"]} >= {"plant", "machine_type"}


def test_the_figure_before_per_is_read_from_its_words(ask):
    answer = ask("average quantity per shipment for each customer last quarter")
    sq = _query(answer)
    assert (sq["metrics"], sq["per"], sq["dimensions"]) == (
        ["shipped_quantity", "shipments_count"], "shipments_count", ["customer"])
    assert "ignored" not in answer.interpretation


def test_a_possessive_is_the_thing_itself(ask):
    answer = ask("each plant's share of output last month")
    assert _query(answer)["dimensions"] == ["plant"]
    assert "read" not in answer.interpretation
