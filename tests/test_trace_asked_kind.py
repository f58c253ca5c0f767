"""Issue 19, session 17: which kind of record a trace question asks for, and what it asks of them
(each tested in other words than the blind-set questions that showed the class)."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.mark.parametrize(("question", "first_column", "rows"), [
    # the kind asked with 'any' / 'all', not the last kind named
    ("For CC-00070, was any Hengtai material lot used in that batch? which?", "lot_id", 1),
    ("CC-00070: list all the material lots consumed by the work order behind that batch", "lot_id", 6),
    # '批次' after '成品批次' / '成品' is the finished batches again, not the material lots it also names
    ("LOT-20251107-0014 产出的成品批次里，哪几批现在冻结着", "batch_id", 3),
    ("LOT-20251107-0014这批料做出来的成品里，哪些批次现在冻结着？", "batch_id", 3),
])
def test_the_kind_of_record_asked_for(pipeline: Any, question: str, first_column: str, rows: int) -> None:
    answer = pipeline.ask(question)
    assert answer.status == "ok" and answer.semantic_query is None, answer.message
    assert answer.columns[0] == first_column and len(answer.rows) == rows, (answer.columns, answer.rows)


def test_a_described_start_with_an_amount_per_customer_is_a_tally(pipeline: Any) -> None:
    answer = pipeline.ask("恒泰11月让步接收的那批铝料（有问题的那批），最后发到了哪些客户，各多少件")
    assert answer.status == "ok" and answer.columns[-1] == "quantity", answer.message
    assert sorted(r[0] for r in answer.rows) == ["C001", "C012"]


def test_a_date_in_brackets_dates_what_the_brackets_describe(pipeline: Any) -> None:
    """'(11月让步接收的)' dates the lot, not the shipments named after the bracket."""
    answer = pipeline.ask("那批恒泰的铝料（11月让步接收的），最后都发给了哪些客户？")
    assert answer.status == "ok", answer.message
    assert sorted(r[0] for r in answer.rows) == ["C001", "C012"], answer.rows
