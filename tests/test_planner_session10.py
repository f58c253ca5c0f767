"""Issue 19, classes read from blind sets blind..blind8 and blind10 (general readings, each tested):
'how many times' counts occurrences, a unit picks the amount ('多少个小时'), 'which kind of' a
counted thing breaks it down by its type, records show the layer's record columns, 'anything
below safety stock?' lists the rows a count counts, a Chinese name shaped like members' names is
asked about instead of ignored, a follow-up's ambiguous member is read within the members named
before, a count of the records named is no trace, contractions typed without an apostrophe."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.mark.parametrize(("question", "metric"), [
    ("今年各工厂因为缺料停机了几次", "downtime_events_count"),
    ("how many times did the machines stop for changeovers last month", "downtime_events_count"),
    ("上个月报废了多少次", "scrap_count"),  # production records are daily rows, not occurrences (measure word)
])
def test_how_many_times_counts_occurrences(pipeline: Any, question: str, metric: str) -> None:
    sq = pipeline.ask(question).semantic_query
    assert sq["metrics"] == [metric], sq


def test_an_amount_in_another_unit_picks_the_metric_that_converts(pipeline: Any) -> None:
    sq = pipeline.ask("今年做预防性维护一共停了多少个小时").semantic_query
    assert sq["metrics"] == ["downtime_minutes"] and sq["units"] == {"downtime_minutes": "hours"}, sq


@pytest.mark.parametrize(("question", "limit"), [("今年哪种缺陷出得最多（按数量算）？", 1), ("各类缺陷的数量", None)])
def test_which_kind_of_a_counted_thing_is_a_breakdown_by_its_type(pipeline: Any, question: str,
                                                                  limit: int | None) -> None:
    sq = pipeline.ask(question).semantic_query
    assert sq["dimensions"] == ["defect_type"] and sq.get("limit") == limit, sq


def test_records_show_the_columns_the_layer_declares(pipeline: Any) -> None:
    answer = pipeline.ask("show me the open complaints from this month")
    assert answer.status == "ok", answer.message
    assert [c for c in answer.columns][:5] == ["complaint_id", "reported_on", "customer", "complaint_issue",
                                               "complaint_status"]


def test_a_listed_attribute_is_shown_though_it_is_filtered(pipeline: Any) -> None:
    answer = pipeline.ask("which of our suppliers are based outside China, and in which country?")
    assert answer.semantic_query["dimensions"] == ["supplier", "supplier_country"]
    assert {r[1] for r in answer.rows} == {"South Korea", "Germany", "Japan"}


@pytest.mark.parametrize("question", ["这个季度给黄河汽车发了多少货", "how much did we ship to Tesla this quarter"])
def test_an_unknown_company_is_asked_about_not_ignored(pipeline: Any, question: str) -> None:
    answer = pipeline.ask(question)
    assert answer.status in ("clarify", "refused") and not answer.rows, answer.message


def test_a_longer_beginning_of_a_chinese_name_names_the_member(pipeline: Any) -> None:
    sq = pipeline.ask("这个季度给长江汽车发了多少货").semantic_query
    assert {"field": "customer", "op": "in", "values": ["C001"]} in sq["filters"], sq


@pytest.mark.parametrize(("turns", "line"), [
    (["宁波上个月的OEE多少", "3号线呢"], "NB-L3"),
    (["Chongqing scrap rate this month?", "what about line 2 over there"], "CQ-L2"),
])
def test_a_follow_up_reads_a_shared_name_within_the_members_named_before(pipeline: Any, turns: list[str],
                                                                        line: str) -> None:
    session = pipeline.new_session()
    for turn in turns:
        answer = pipeline.ask(turn, session=session)
    assert answer.status == "ok", answer.message
    assert {"field": "line", "op": "in", "values": [line]} in answer.semantic_query["filters"]


def test_without_a_previous_question_a_shared_name_is_asked_about(pipeline: Any) -> None:
    assert pipeline.ask("OEE of line 3").status == "clarify"


@pytest.mark.parametrize(("question", "metric"), [
    ("how many lots did we receive from Weida last month", "material_lot_count"),
    ("what share of Suzhou's breakdown minutes in the last 4 weeks came from SZ-L2-M03?", "downtime_minutes"),
])
def test_a_figure_about_records_is_no_trace(pipeline: Any, question: str, metric: str) -> None:
    answer = pipeline.ask(question)
    assert answer.semantic_query is not None and answer.semantic_query["metrics"] == [metric], answer.message


def test_a_share_of_a_metric_named_by_its_unit_keeps_the_scope_before_it(pipeline: Any) -> None:
    sq = pipeline.ask("what share of Suzhou's breakdown minutes in the last 4 weeks came from SZ-L2-M03?").semantic_query
    assert sq["share"] == ["machine"], sq


def test_a_contraction_without_its_apostrophe_is_a_not(pipeline: Any) -> None:
    sq = pipeline.ask("list the complaints that arent closed yet").semantic_query
    assert sq["filters"] == [{"field": "complaint_status", "op": "in", "values": ["investigating", "open"]}], sq


def test_which_times_lists_the_records(pipeline: Any) -> None:
    sq = pipeline.ask("中天新能源今年投诉了哪几次，列编号").semantic_query
    assert sq.get("records") == "customer_complaints", sq


@pytest.mark.parametrize(("question", "starts"), [
    ("今年上半年和下半年的计划达成率各是多少", ["2025-01-01", "2025-07-01"]),
    ("breakdowns on SZ-L2-M03: last 4 weeks vs the 4 weeks before that", ["2025-11-06", "2025-12-04"]),
    ("SZ-L2-M03 最近4周的故障次数跟再往前4周比一下", ["2025-11-06", "2025-12-04"]),
])
def test_periods_that_are_no_grain_are_compared_one_row_each(pipeline: Any, question: str,
                                                            starts: list[str]) -> None:
    answer = pipeline.ask(question)
    assert answer.status == "ok", answer.message
    assert [p["start"] for p in answer.semantic_query["periods"]] == starts
    assert [str(r[0]) for r in answer.rows] == starts


def test_compared_periods_are_named_by_their_words(pipeline: Any) -> None:
    answer = pipeline.ask("H1 vs H2 output by plant")
    assert {r[0] for r in answer.shown_rows()} == {"H1", "H2"}
    assert "vs H1" in answer.message


@pytest.mark.parametrize(("turns", "grain", "n"), [
    (["total output by plant this year", "compare that with last year"], "year", 6),
    (["重庆的单件能耗，本季度", "跟上季度比呢"], "quarter", 2),
    (["OEE last month", "and this month too"], "month", 2),
])
def test_a_follow_up_puts_its_period_beside_the_previous_one(pipeline: Any, turns: list[str], grain: str,
                                                            n: int) -> None:
    session = pipeline.new_session()
    for turn in turns:
        answer = pipeline.ask(turn, session=session)
    assert answer.status == "ok", answer.message
    assert answer.semantic_query["time_grain"] == grain and len(answer.rows) == n


def test_a_follow_up_naming_only_another_period_replaces_it(pipeline: Any) -> None:
    session = pipeline.new_session()
    pipeline.ask("scrap rate by line last month", session=session)
    answer = pipeline.ask("what about this month", session=session)
    assert answer.semantic_query["time_range"]["start"] == "2025-12-01" and not answer.semantic_query.get("periods")


def test_which_of_the_named_members_is_worse_shows_both_ranked(pipeline: Any) -> None:
    answer = pipeline.ask("day shift vs night shift scrap rate this year - which is worse?")
    assert len(answer.rows) == 2 and answer.semantic_query.get("limit") is None
    assert answer.rows[0][0] == "Night"


def test_a_quarter_after_a_name_is_read(pipeline: Any) -> None:
    answer = pipeline.ask("伟达电子三季度和四季度准时交付率对比")
    assert answer.semantic_query["time_grain"] == "quarter" and len(answer.rows) == 2


def test_the_rows_name_before_a_unit_is_their_amount(pipeline: Any) -> None:
    sq = pipeline.ask("total stoppage minutes per plant last month").semantic_query
    assert sq["metrics"] == ["downtime_minutes"] and sq["dimensions"] == ["plant"], sq


def test_a_metric_word_before_counted_rows_that_names_their_status_is_that_status(pipeline: Any) -> None:
    sq = pipeline.ask("今年报废掉的成品批次有几个？按工厂分一下").semantic_query
    assert sq["metrics"] == ["finished_batches_count"], sq
    assert sq["filters"] == [{"field": "qc_status", "op": "in", "values": ["scrapped"]}]
    # the same word over parts is still the scrap (a rate per plant), not batches
    assert pipeline.ask("各工厂生产的零件里，报废的占多大比例").semantic_query["metrics"] == ["scrap_rate"]


@pytest.mark.parametrize(("question", "share"), [
    ("宁波本月的报废件里，各条线分别占了多少", ["line"]),  # each line's share of Ningbo's scrap
    ("宁波这个月critical缺陷占全部缺陷的比例", ["severity"]),  # Ningbo's this month is the whole's scope
    ("今年各工厂的非计划停机分别占各自总停机时间的多少", ["downtime_category"]),  # each plant's own whole
    ("each plant's share of output last month", ["plant"]),
])
def test_a_share_is_taken_over_what_the_words_make_the_part(pipeline: Any, question: str, share: list[str]) -> None:
    sq = pipeline.ask(question).semantic_query
    assert sq["share"] == share, sq


def test_a_figure_per_a_counted_member_divides_by_their_count(pipeline: Any) -> None:
    per = pipeline.ask("breakdown downtime minutes per breakdown for each plant last month")
    mttr = pipeline.ask("MTTR by plant last month")
    assert per.semantic_query["per"] == "downtime_events_count"
    assert sorted((r[0], round(r[-1], 6)) for r in per.rows) == sorted((r[0], round(r[1], 6)) for r in mttr.rows)


@pytest.mark.parametrize(("turns", "metric"), [
    (["scrap by week for the last 4 weeks at NB", "show it as a rate instead of pcs"], "scrap_rate"),
    (["上个月各厂报废数", "换成比率看"], "scrap_rate"),
])
def test_a_follow_up_asking_for_it_as_a_rate_keeps_the_rest(pipeline: Any, turns: list[str], metric: str) -> None:
    session = pipeline.new_session()
    first = pipeline.ask(turns[0], session=session).semantic_query
    sq = pipeline.ask(turns[1], session=session).semantic_query
    assert sq["metrics"] == [metric]
    assert (sq["filters"], sq["dimensions"], sq["time_grain"]) == (first["filters"], first["dimensions"],
                                                                    first["time_grain"])


def test_machines_running_below_a_threshold_are_no_status(pipeline: Any) -> None:
    sq = pipeline.ask("which lines are running under 80% OEE this quarter?").semantic_query
    assert all(f["field"] != "work_order_status" for f in sq["filters"]), sq


def test_a_tie_everywhere_names_no_highest(pipeline: Any) -> None:
    answer = pipeline.ask("which lines have WOs in progress, and how many each")
    assert "highest" not in answer.message and "all 10 at 1" in answer.message, answer.message


@pytest.mark.parametrize(("question", "metric"), [
    ("total qty of finished batches produced yesterday?", "batch_quantity"),
    ("how many finished batches were produced yesterday", "finished_batches_count"),
])
def test_the_amount_of_rows_is_their_quantity_and_a_participle_names_no_figure(pipeline: Any, question: str,
                                                                              metric: str) -> None:
    assert pipeline.ask(question).semantic_query["metrics"] == [metric]


def test_a_value_said_with_the_metrics_word_is_the_part_of_a_share(pipeline: Any) -> None:
    sq = pipeline.ask("今年各厂非计划停机占总停机的比重").semantic_query
    assert sq["share"] == ["downtime_category"] and sq["dimensions"] == ["plant"], sq


@pytest.mark.parametrize(("question", "dims", "n"), [
    # the plant is a filter; the names asked are a column of their own (machine ids are what the machines show)
    ("list all the CNC machines at the Chongqing plant w/ their names", ["machine", "machine_name"], 11),
    ("what kinds of machines are on Suzhou Line 4?", ["machine_type"], 3),  # kinds of a thing: its type
    ("which suppliers do we get aluminium from?", ["supplier"], 3),  # linked through their records
])
def test_lists_of_members(pipeline: Any, question: str, dims: list[str], n: int) -> None:
    answer = pipeline.ask(question)
    assert answer.status == "ok", answer.message
    assert answer.semantic_query["dimensions"] == dims and len(answer.rows) == n


def test_two_kinds_of_members_are_never_paired_through_records(pipeline: Any) -> None:
    answer = pipeline.ask("列出重庆2号线的所有机器和型号名称")
    assert answer.status == "clarify" and not answer.rows


@pytest.mark.parametrize(("turns", "metric"), [
    (["how much energy did Chongqing use last month?", "ok and per unit produced?"], "energy_per_unit"),
    (["how much energy did each Ningbo line use last month?", "and per part produced?"], "energy_per_unit"),
])
def test_a_follow_up_per_a_figure_is_the_declared_ratio(pipeline: Any, turns: list[str], metric: str) -> None:
    session = pipeline.new_session()
    first = pipeline.ask(turns[0], session=session).semantic_query
    sq = pipeline.ask(turns[1], session=session).semantic_query
    assert sq["metrics"] == [metric] and sq["filters"] == first["filters"] and sq["dimensions"] == first["dimensions"]


@pytest.mark.parametrize("turns", [["output for Ningbo Line 2 yesterday", "what about the whole plant"],
                                   ["宁波2号线昨天的产量", "整个工厂呢"]])
def test_the_whole_of_a_kind_widens_to_the_member_named_in_the_previous_one(pipeline: Any, turns: list[str]) -> None:
    session = pipeline.new_session()
    pipeline.ask(turns[0], session=session)
    sq = pipeline.ask(turns[1], session=session).semantic_query
    assert sq["filters"] == [{"field": "plant", "op": "in", "values": ["NB"]}] and sq["dimensions"] == []


def test_the_whole_year_is_this_year() -> None:
    import datetime as dt

    from assistant.understand.timeparse import find_time_ranges
    found = find_time_ranges("just Huaxia, for the whole year", dt.date(2025, 12, 31))
    assert [(str(t.start), str(t.end)) for t in found] == [("2025-01-01", "2025-12-31")]
    assert find_time_ranges("last full month", dt.date(2025, 12, 31)) == []  # not 'this month'


def test_compared_periods_are_said_by_their_words_in_the_answer_and_the_chart(pipeline: Any) -> None:
    answer = pipeline.ask("今年上半年和下半年的计划达成率各是多少")
    assert "下半年为" in answer.message and "上半年为" in answer.message  # each half's figure, not only the last
    assert "1月1日" not in str(answer.chart) and "上半年" in str(answer.chart)  # legend: the periods' words
    earlier = pipeline.ask("breakdowns on SZ-L2-M03: last 4 weeks vs the 4 weeks before that").message
    assert "2025-11-06" not in earlier and "6 Nov – 3 Dec 2025" in earlier


def test_the_parts_of_a_composite_record_key_are_named_by_their_members(pipeline: Any) -> None:
    answer = pipeline.ask("有没有低于安全库存的物料")
    assert answer.column_labels["plant_id"] == "工厂编号" and answer.column_labels["material_id"] == "物料编号"
