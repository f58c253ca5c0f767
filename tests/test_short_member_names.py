"""Issue 19: numbered names are said short on the shop floor ("the Engel #4" for 'Engel victory
200 #4'); a short name several members share is asked about, unless another member the question
names narrows it to one ("the Suzhou Haas #3"). Never answered over all machines in silence."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.understand.catalogue import numbered_short_forms


@pytest.mark.parametrize(("name", "forms"), [
    ("Engel victory 200 #4", ["Engel #4"]),
    ("Haas EC-400 #3", ["Haas #3"]),
    ("Line 3", []),                      # two words: already short
    ("Kistler test bench 7", []),        # no number marker
    ("The big press #2", []),            # an everyday first word names nothing
])
def test_numbered_short_forms(name: str, forms: list[str]) -> None:
    assert numbered_short_forms(name) == forms


@pytest.mark.parametrize(("question", "machine"), [
    ("Engel #4 OEE last month", "NB-L4-M04"),
    ("weekly OEE for the suzhou Haas #3 since nov 3", "SZ-L2-M03"),
    ("OEE of the Haas #3 at SZ last month", "SZ-L2-M03"),
    ("苏州那台Haas #3上个月的设备综合效率", "SZ-L2-M03"),
])
def test_short_names_resolve_to_one_machine(pipeline: Any, question: str, machine: str) -> None:
    answer = pipeline.ask(question)
    assert answer.status == "ok", answer.message
    filters = {f["field"]: f["values"] for f in answer.semantic_query["filters"]}
    assert filters.get("machine") == [machine], filters


@pytest.mark.parametrize("question", ["Haas #3 OEE last month", "Haas #3上个月的设备综合效率"])
def test_a_shared_short_name_is_asked_about(pipeline: Any, question: str) -> None:
    answer = pipeline.ask(question)
    assert answer.status == "clarify", answer.message
    keys = {c["value"] for c in answer.extras.get("choices", [])}
    assert {"SZ-L2-M03", "CQ-L2-M03"} <= keys
