"""Issue 19, classes read from blind sets blind..blind8 and blind10 (general readings, each tested):
a counting phrase beside a metric of pieces says how it is counted; a word right after a member
('critical级别的') describes it and owns nothing; stock on hand and safety stock of the latest
snapshot; model codes ('ADC12') name the one member whose name holds them, and the rest of a name
already said is no unknown name; a real word is no typo of another ('consumed' / 'completed'); a
negated state ('haven't been closed', '还没开工'); lists of two kinds through records naming both."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.understand.catalogue import model_codes


@pytest.mark.parametrize(("question", "metric"), [
    ("how many parts did we have to throw away at Suzhou this quarter?", "scrap_count"),
    ("critical defects this year - how many pieces at each plant?", "defect_quantity"),
])
def test_a_counting_phrase_beside_a_metric_of_pieces_is_how_it_is_counted(pipeline: Any, question: str,
                                                                          metric: str) -> None:
    sq = pipeline.ask(question).semantic_query
    assert sq["metrics"] == [metric], sq


def test_a_counting_phrase_before_a_count_of_records_is_not_their_number(pipeline: Any) -> None:
    # 'units on the sales orders' are pieces, not orders: never the order count alone
    answer = pipeline.ask("how many units were on the sales orders due in May, not counting cancelled ones?")
    assert answer.status != "ok" or answer.semantic_query["metrics"] != ["sales_orders_count"], answer.semantic_query


@pytest.mark.parametrize(("question", "metrics"), [
    ("how many parts did we make and how many defects last month", ["total_output", "defect_quantity"]),
    ("how many defects and how many pieces did we make yesterday", ["defect_quantity", "total_output"]),
])
def test_two_figures_joined_by_and_stay_two(pipeline: Any, question: str, metrics: list[str]) -> None:
    sq = pipeline.ask(question).semantic_query
    assert sq["metrics"] == metrics, sq


@pytest.mark.parametrize(("question", "field", "value"), [
    ("上个月critical级别的缺陷有多少件？分工厂", "severity", "critical"),
    ("上周重庆critical级别的缺陷一共多少件", "severity", "critical"),
])
def test_a_word_right_after_a_member_describes_it(pipeline: Any, question: str, field: str, value: str) -> None:
    answer = pipeline.ask(question)
    assert answer.status == "ok", answer.message
    assert {"field": field, "op": "in", "values": [value]} in answer.semantic_query["filters"]


def test_an_owner_of_a_metric_is_still_refused(pipeline: Any) -> None:
    assert pipeline.ask("竞争对手的OEE是多少").status == "refused"


def test_stock_on_hand_and_safety_stock_of_one_material(pipeline: Any) -> None:
    answer = pipeline.ask("重庆厂最新一次盘点，32位微控制器的库存还有多少？安全库存是多少？")
    sq = answer.semantic_query
    assert sq["metrics"] == ["on_hand_stock", "safety_stock_level"], sq
    assert {"field": "material", "op": "in", "values": ["MAT-EC01"]} in sq["filters"]
    assert "当前" in answer.message and "全部日期" not in answer.message  # a level, not a period
    english = pipeline.ask("on-hand stock of the MCU at Chongqing")
    assert english.semantic_query["metrics"] == ["on_hand_stock"] and "as it stands" in english.message


@pytest.mark.parametrize("question", [
    "anything below safety stock in the latest inventory snapshot?",
    "最新一次库存盘点里，重庆有哪些物料已经低于安全库存了？",
])
def test_the_stock_noun_inside_below_safety_stock_is_no_second_figure(pipeline: Any, question: str) -> None:
    sq = pipeline.ask(question).semantic_query
    assert "on_hand_stock" not in (sq.get("metrics") or []), sq
    assert "stock_items_below_safety" in [*(sq.get("metrics") or []), sq.get("records")], sq


def test_stock_by_week_is_each_weeks_last_snapshot(pipeline: Any, demo_db: Any) -> None:
    # a level (semi_additive: last) is read on each period's last snapshot, never summed over the days
    answer = pipeline.ask("CQ microcontroller on-hand stock each week in Dec")
    assert answer.semantic_query["time_grain"] == "week", answer.message
    monthly = pipeline.ask("CQ microcontroller on-hand stock each month in Q4")
    weekly = pipeline.ask("CQ microcontroller on-hand stock each week in Q4")
    last_week = {r[0]: r[1] for r in weekly.rows}
    december = max(d for d in last_week if d.month == 12)
    assert monthly.rows[-1][1] == pytest.approx(last_week[december])  # December's level: its last week's


def test_model_codes_in_names() -> None:
    assert model_codes("Die-casting aluminium alloy ADC12") == {"adc12"}
    assert model_codes("32-bit automotive microcontroller") == {"32-bit"}
    assert model_codes("Suzhou Line 1") == set()  # a bare number is no code
    assert model_codes("Haas EC-400 #3") == {"ec-400"}  # kept only when one member has it (short_names)


@pytest.mark.parametrize(("question", "material"), [
    ("ADC12 die-casting aluminium on hand at each plant, latest snapshot", "MAT-AL02"),
    ("宁波仓库里A356铝合金锭现在还有多少库存", "MAT-AL01"),
])
def test_a_model_code_names_its_member(pipeline: Any, question: str, material: str) -> None:
    answer = pipeline.ask(question)
    assert answer.status == "ok", answer.message
    assert {"field": "material", "op": "in", "values": [material]} in answer.semantic_query["filters"]


def test_a_real_word_is_no_typo_of_another(pipeline: Any) -> None:
    answer = pipeline.ask("which work orders consumed LOT-20251107-0014")
    assert answer.status == "ok" and answer.semantic_query is None, answer.message  # the trace, not a count
    assert pipeline.ask("scrap rat by line last month").semantic_query["metrics"] == ["scrap_rate"]


@pytest.mark.parametrize(("question", "field", "op", "values"), [
    ("How many customer complaints haven't been closed yet?", "complaint_status", "not in", ["closed"]),
    ("还没开工的工单，每条线分别有几个", "work_order_status", "in", ["planned"]),
    ("list the urgent work orders that haven't started yet", "work_order_status", "in", ["planned"]),
])
def test_a_negated_state_is_read(pipeline: Any, question: str, field: str, op: str, values: list[str]) -> None:
    answer = pipeline.ask(question)
    assert answer.status == "ok", answer.message
    assert {"field": field, "op": op, "values": values} in answer.semantic_query["filters"]


def test_a_change_to_a_figure_is_refused(pipeline: Any) -> None:
    assert pipeline.ask("pls set the safety stock for the MCU at Chongqing to 80000").status == "refused"


@pytest.mark.parametrize("question", ["宁波有哪些产线，分别做什么产品族", "list all production lines and their product family"])
def test_two_kinds_listed_through_records_that_name_both(pipeline: Any, question: str) -> None:
    answer = pipeline.ask(question)
    assert answer.status == "ok", answer.message
    assert answer.semantic_query["dimensions"] == ["line", "product_family"]
    families = {row[1] for row in answer.rows}
    assert len(answer.rows) == len({row[0] for row in answer.rows}) and len(families) == 4  # one family a line


@pytest.mark.parametrize(("question", "dimension"), [
    ("Who are our aluminium suppliers?", "supplier"),
    ("what steel materials do we buy? just the list", "material"),
])
def test_who_are_and_what_do_we_buy_list_members(pipeline: Any, question: str, dimension: str) -> None:
    answer = pipeline.ask(question)
    assert answer.status == "ok", answer.message
    assert answer.semantic_query["dimensions"] == [dimension] and not answer.semantic_query.get("metrics")


@pytest.mark.parametrize("question", [
    "how long does it take us on average to get a broken-down machine running again, per plant?",
    "过去90天，设备出故障以后平均多长时间能修好？",
])
def test_how_long_picks_the_metric_that_is_a_length_of_time(pipeline: Any, question: str) -> None:
    sq = pipeline.ask(question).semantic_query
    assert sq["metrics"] == ["mttr_min"], sq


def test_a_ranking_of_nothing_asks_by_what(pipeline: Any) -> None:
    # (rows whose layer names no kind for 'who'; a complaint's 'who' is its customer: test_planner_session21)
    answer = pipeline.ask("who had the most breakdowns this year")
    assert answer.status == "clarify" and "machine" in answer.message, answer.message  # never the bare total
    ranked = pipeline.ask("top 3 complaining customers this yr").semantic_query
    assert ranked["dimensions"] == ["customer"] and ranked["limit"] == 3, ranked


@pytest.mark.parametrize(("question", "metric"), [
    ("韩星钢铁去年按时交货的比例", "on_time_delivery_rate"),
    ("今年我们给各个客户按期交货的比例分别是多少？", "customer_otd_rate"),
    ("supplier on-time % last 90 days, by supplier", "on_time_delivery_rate"),
])
def test_on_time_in_words_is_the_on_time_rate_of_the_members_named(pipeline: Any, question: str, metric: str) -> None:
    assert pipeline.ask(question).semantic_query["metrics"] == [metric]


@pytest.mark.parametrize(("question", "metric", "dims", "filters"), [
    ("Batch count by QC status for batches produced this year", "finished_batches_count", ["qc_status"], []),
    ("本月生产的成品批次里有几批被报废了", "finished_batches_count", [], [("qc_status", ["scrapped"])]),
    # the layer names these records itself now (the rejected-lot count): the same rows either way
    ("今年每家供应商被拒收的批次有几批", "rejected_lot_count", ["supplier"], []),
    ("恒泰金属今年来的批次，各检验结果分别有多少批", "material_lot_count", ["inspection_result"], [("supplier", ["SUP-04"])]),
])
def test_counts_of_records_where_their_members_are(pipeline: Any, question: str, metric: str, dims: list[str],
                                                   filters: list[tuple[str, list[str]]]) -> None:
    sq = pipeline.ask(question).semantic_query
    assert sq["metrics"] == [metric] and sq.get("dimensions", []) == dims, sq
    assert [(f["field"], f["values"]) for f in sq.get("filters", [])] == filters


def test_asked_how_many_a_count_is_never_traded_for_a_rate(pipeline: Any) -> None:
    answer = pipeline.ask("今年来料检验让步接收（conditional）的批次有几个？")
    assert answer.status != "ok" or answer.semantic_query["metrics"] == ["material_lot_count"], answer.message


def test_a_threshold_with_no_figure_asks_which_instead_of_failing(pipeline: Any) -> None:
    answer = pipeline.ask("any customers above 10 this year?")
    assert answer.status == "clarify", answer.message
    # the figure said after the threshold picks the members of the kind named (session 21)
    sq = pipeline.ask("any customers who've filed more than 10 complaints with us overall?").semantic_query
    assert sq["dimensions"] == ["customer"] and sq["filters"][0]["op"] == ">", sq
