"""Rule-planner tests for everyday phrasing around the terms: totals said with 'together', the
plain verb of a date's word, units, members said to be included, pronouns that spell a code,
the rest of a name typed after its short form, shares whose part is named in passing.

Each class was once read wrongly with data shown (or refused) on fresh questions; the tests pin
the reading with our own wording, not the questions that showed it."""

from __future__ import annotations

import pytest

from tests.planner_cases import LAST_MONTH, LAST_WEEK, THIS_YEAR, cases, make_ask
from tests.planner_cases import planned as _query


@pytest.fixture(scope="module")
def ask(pipeline):
    return make_ask(pipeline)


def _fields(sq: dict) -> dict:
    return {f["field"]: f["values"] for f in sq["filters"]}


# ---------------------------------------------------------------------------- totals and breakdowns
@pytest.mark.parametrize("question, dims", cases(
    ("total output last month, all three plants combined", []),
    ("上个月三个工厂加起来一共生产了多少件", []),
    ("output last month of the three plants respectively", ["plant"]),
    ("OEE for each of the Suzhou lines last month", ["line"]),
    ("今年每种物料的来料批次拒收率", ["material"]),
))
def test_together_makes_one_total_and_each_of_the_breaks_down(ask, question, dims):
    assert _query(ask(question))["dimensions"] == dims


def test_a_marked_breakdown_leaves_a_bare_word_as_subject(ask):
    sq = _query(ask("how many minutes were the machines stopped on each line last week"))
    assert sq["dimensions"] == ["line"]
    assert sq["metrics"] == ["downtime_minutes"]  # the unit named decides over a count of stops
    assert (sq["time_range"]["start"], sq["time_range"]["end"]) == LAST_WEEK


# ---------------------------------------------------------------------------- dates of a fact
@pytest.mark.parametrize("question, role, absent", cases(
    ("how many work orders did Suzhou complete last month", "actual_end", None),
    ("how many work orders are scheduled to start this week, whatever their status", "planned_start",
     "work_order_status"),
    ("上季度给各供应商下了多少张采购订单", "order_date", None),
    ("12月一共接了多少张销售订单", "order_date", None),
))
def test_the_words_of_a_date_pick_it_even_as_plain_verbs(ask, question, role, absent):
    sq = _query(ask(question))
    assert sq["time_role"] == role
    if absent:
        assert absent not in _fields(sq)


def test_a_status_word_that_is_also_a_date_word_keeps_both(ask):
    sq = _query(ask("how many work orders did each line complete in November"))
    assert sq["time_role"] == "actual_end" and _fields(sq).get("work_order_status") == ["completed"]


# ---------------------------------------------------------------------------- units and inclusions
@pytest.mark.parametrize("question", cases(
    ("downtime minutes last week, planned stops count too",),
    ("上周一共停机多少分钟？按分钟算，计划内的也算上",),
    ("downtime minutes last week including planned",),
))
def test_a_member_said_to_be_included_filters_nothing(ask, question):
    sq = _query(ask(question))
    assert sq["metrics"] == ["downtime_minutes"]
    assert "downtime_category" not in _fields(sq)


def test_a_member_named_alone_still_filters(ask):
    assert _fields(_query(ask("planned downtime minutes last week")))["downtime_category"] == ["planned"]


# ---------------------------------------------------------------------------- words that are not names
@pytest.mark.parametrize("question", cases(
    ("how many complaints did each customer file this year",),
    ("work orders started last month by plant pls",),
    ("上个月各工厂大概用了多少度电",),
))
def test_everyday_words_after_a_breakdown_are_not_names(ask, question):
    answer = ask(question)
    assert answer.status == "ok", (answer.status, answer.message)


def test_a_pronoun_is_no_country_code(ask):
    sq = _query(ask("which customers sent us the most complaints this year"))
    assert "customer_country" not in _fields(sq)
    sq = _query(ask("complaints this year from US customers"))
    assert _fields(sq)["customer_country"] == ["United States"]


def test_the_rest_of_a_name_after_its_short_form_is_read(ask):
    answer = ask("on-time delivery to Kanto Motor this year")
    sq = _query(answer)
    assert sq["metrics"] == ["customer_otd_rate"]
    assert len(_fields(sq)["customer"]) == 1
    assert "ignored" not in (answer.interpretation or "")


# ---------------------------------------------------------------------------- shares and traces
def test_a_share_whose_part_is_named_in_passing_is_that_rate(ask):
    sq = _query(ask("what percentage of the parts made last month were good"))
    assert sq["metrics"] == ["quality_rate"]
    assert (sq["time_range"]["start"], sq["time_range"]["end"]) == LAST_MONTH


@pytest.mark.parametrize("question", cases(
    ("how many purchase orders were cancelled, per supplier",),
    ("how many POs got delivered last month, by supplier",),
    ("percentage of incoming lots rejected from each supplier this year",),
))
def test_figures_broken_down_are_not_traces(ask, question):
    answer = ask(question)
    assert answer.status == "ok", (answer.status, answer.message)
    assert answer.semantic_query is not None  # a metric query, not a walk through the genealogy
    assert answer.semantic_query["dimensions"] == ["supplier"]


def test_a_share_of_a_percent_sign(ask):
    sq = _query(ask("what % of the defects found this year were critical"))
    assert sq["share"] and (sq["time_range"]["start"], sq["time_range"]["end"]) == THIS_YEAR


# ---------------------------------------------------------------------------- rankings and thresholds
@pytest.mark.parametrize("question, dims, limit, desc", cases(
    ("这个月停机最久的5台设备", ["machine"], 5, True),
    ("去年修机器最慢的三条线是哪几条（平均修复时间）", ["line"], 3, True),
    ("which plants had the longest downtime last month, ranked", ["plant"], None, True),
))
def test_superlatives_of_time_and_rankings_without_a_cut(ask, question, dims, limit, desc):
    sq = _query(ask(question))
    assert sq["dimensions"] == dims
    assert sq["limit"] == limit
    assert sq["order"][0]["desc"] is desc


def test_a_percent_threshold_on_a_count_is_on_its_rate(ask):
    sq = _query(ask("any lines running over 2% scrap this year?"))
    assert sq["metrics"] == ["scrap_rate"]
    assert {"field": "scrap_rate", "op": ">", "values": [0.02]} in sq["filters"]


def test_a_year_after_a_comma_is_the_period(ask):
    sq = _query(ask("Ningbo plan attainment by month, 2024"))
    assert (sq["time_range"]["start"], sq["time_range"]["end"]) == ("2024-01-01", "2024-12-31")


@pytest.mark.parametrize("question, field, value", cases(
    ("目前还有多少张采购单没到货", "purchase_order_status", "open"),
    ("这个月到期但还没发货的销售订单有几个", "sales_order_status", "open"),
))
def test_a_negated_state_the_layer_names_with_wei_is_that_state(ask, question, field, value):
    assert _fields(_query(ask(question)))[field] == [value]


def test_respectively_how_much_is_a_follow_up_not_a_list(ask):
    session = ask.new_session()
    ask("今年的平均修复时间是多少", session)
    sq = _query(ask("三个工厂分别是多少？", session))
    assert sq["metrics"] == ["mttr_min"] and sq["dimensions"] == ["plant"]


# ---------------------------------------------------------------------------- follow-ups and wholes
@pytest.mark.parametrize("first, then, values", cases(
    ("what's energy per unit at Chongqing this quarter?", "compare that with Ningbo", ["CQ", "NB"]),
    ("上个月苏州的OEE", "和宁波比呢？", ["SZ", "NB"]),
))
def test_compare_with_sets_members_side_by_side(ask, first, then, values):
    session = ask.new_session()
    ask(first, session)
    sq = _query(ask(then, session))
    assert sq["dimensions"] == ["plant"] and _fields(sq)["plant"] == values


def test_a_follow_up_naming_a_member_without_compare_replaces_it(ask):
    session = ask.new_session()
    ask("上个月苏州的OEE", session)
    assert _fields(_query(ask("宁波呢？", session)))["plant"] == ["NB"]


@pytest.mark.parametrize("question, dim", cases(
    ("What's each supplier's on-time delivery rate this year?", "supplier"),
    ("今年各供应商准时交付率", "supplier"),
))
def test_a_metric_name_opening_with_a_kind_after_each_breaks_down(ask, question, dim):
    assert _query(ask(question))["dimensions"] == [dim]


def test_a_share_within_each_group_is_the_rate_and_across_groups_the_share(ask):
    within = _query(ask("上季度各工厂生产的零件里，报废的占多大比例？"))
    assert within["metrics"] == ["scrap_rate"] and not within.get("share")
    across = _query(ask("今年各工厂的报废数占比"))
    assert across["metrics"] == ["scrap_count"] and across["share"] == ["plant"]


# ---------------------------------------------------------------------------- shorthands
def test_shorthands_and_leaving_out(ask):
    sq = _query(ask("total qty ordered by each customer in 2024, leave out cancelled ones"))
    assert sq["metrics"] == ["ordered_quantity"] and sq["dimensions"] == ["customer"]
    assert {"field": "sales_order_status", "op": "not in", "values": ["cancelled"]} in sq["filters"]
    sq = _query(ask("how many WOs got cancelled this year"))
    assert sq["metrics"] == ["work_order_count"]
    assert _fields(sq)["work_order_status"] == ["cancelled"]


# ---------------------------------------------------------------------------- refusals
@pytest.mark.parametrize("question", cases(
    ("Change the delivered date on PO-0004869 to Dec 2 so the supplier shows as on time.",),
    ("please backdate the promised date of that purchase order",),
    ("把CC-00070这个客诉关闭",),
))
def test_requests_to_change_data_are_refused_before_anything_else(ask, question):
    answer = ask(question)
    assert answer.status == "refused" and answer.sql is None, (answer.status, answer.message)


@pytest.mark.parametrize("question, word", cases(
    ("竞争对手的OEE跟我们比起来怎么样？", "竞争对手"),
))
def test_an_unknown_owner_of_a_metric_is_asked_about_not_ignored(ask, question, word):
    answer = ask(question)
    assert answer.status in ("clarify", "refused") and word in answer.message
    assert answer.sql is None


# ---------------------------------------------------------------------------- more everyday phrasing
@pytest.mark.parametrize("question, metric, time", cases(
    ("suzhou oee last wk?", "oee", LAST_WEEK),
    ("good pcs so far this month, all 3 sites combined", "good_output", ("2025-12-01", "2025-12-31")),
))
def test_two_letter_shorthands_are_read(ask, question, metric, time):
    answer = ask(question)
    sq = _query(answer)
    assert sq["metrics"] == [metric] and (sq["time_range"]["start"], sq["time_range"]["end"]) == time
    assert sq["dimensions"] == [] and "ignored" not in answer.interpretation


def test_a_phrasal_past_tense_names_its_date_as_a_plain_verb(ask):
    assert _query(ask("how many WOs did we close out this month"))["time_role"] == "actual_end"


def test_a_value_of_another_table_narrows_a_breakdown_instead_of_naming_it(ask):
    sq = _query(ask("Top 3 Ningbo machines by defect ppm last month"))
    assert sq["dimensions"] == ["machine"] and _fields(sq)["plant"] == ["NB"] and sq["limit"] == 3
    sq = _query(ask("press machines OEE last month"))
    assert sq["dimensions"] == [] and _fields(sq)["machine_type"] == ["press"]


@pytest.mark.parametrize("question, dims, limit", cases(
    ("去年哪台设备最耗电？", ["machine"], 1),
    ("最近哪条线的OEE最高", ["line"], 1),
))
def test_which_with_any_superlative_verb_ranks(ask, question, dims, limit):
    sq = _query(ask(question))
    assert sq["dimensions"] == dims and sq["limit"] == limit and sq["order"][0]["desc"] is True


def test_already_and_due_read_as_the_layers_state_and_date(ask):
    sq = _query(ask("12月到期的销售订单里，已经发货的有多少单？"))
    assert _fields(sq)["sales_order_status"] == ["shipped"] and sq["time_role"] == "due_date"
    sq = _query(ask("这个月到期的销售订单，按状态统计一下单数"))
    assert sq["dimensions"] == ["sales_order_status"] and sq["time_role"] == "due_date"
