"""No internal jargon reaches a manager: every app string and every answer's visible words.

The banned list is the vocabulary of the people who built the tool (layer, planner, LLM,
table.column names, raw codes, ISO dates, Python's None); the manager reads metrics, members,
periods and dates in words. SQL appears only behind "Show formula and SQL".
"""

from __future__ import annotations

import re

import pytest

from assistant.surfaces.app.i18n import STRINGS

BANNED_WORDS = ("semantic layer", "语义层", "planner", "规划器", "SemanticQuery", "None", "null", "Level -",
                "LLM", "verified quer", "retrieval", "catalogue", "schema", "CTE", "dimension ", "维度表",
                "rules planner", "traceback", "Traceback")
# table.column or snake_case identifiers ("production_records.production_date", "assembly_error")
IDENTIFIER = re.compile(r"\b[a-z]+_[a-z0-9_]+\b")
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
# Strings for the people who install and run the tool: they name commands and settings on purpose.
OPERATOR_KEYS = {"db_howto", "db_missing", "db_error", "config_error", "show_details", "sql", "all_settings",
                 "col_setting", "planner", "llm",
                 # Settings -> Connect a database: shown to administrators only (connect_panel.may_connect).
                 "connect_help", "connect_next", "connect_no_tables", "connect_failed", "connect_overridden"}


def jargon(text: str) -> list[str]:
    # {placeholders} are filled with plain words; FA_* names tell an administrator what to set.
    text = re.sub(r"\{[a-z_]+\}|\bFA_[A-Z_]+\b", "", text)
    found = [w for w in BANNED_WORDS if w in text]
    found += IDENTIFIER.findall(text)
    return found


@pytest.mark.parametrize("key", sorted(k for k in STRINGS if k not in OPERATOR_KEYS))
def test_app_strings_are_plain(key: str) -> None:
    for lang, text in STRINGS[key].items():
        assert not jargon(text), f"{key} [{lang}]: {text!r} has {jargon(text)}"


def test_the_check_catches_jargon() -> None:
    assert jargon("'x' is not something the semantic layer defines")
    assert jargon("Data up to production_records.production_date 2025-12-31")
    assert jargon("Highest Defect quantity: assembly_error (9,900)")
    assert not jargon("Defect quantity by defect type, November 2025: Assembly error highest at 9,581.")


QUESTIONS = [
    "What was OEE by plant last month?", "defects by defect type last month", "scrap rate last month",
    "energy per unit by month this year", "compare scrap rate this quarter vs last quarter by plant",
    "top 5 machines by downtime last month", "list the suppliers", "downtime by reason this year",
    "inspection results by result last month", "what is the weather in Ningbo", "delete all defects",
    "OEE by banana", "revenue of our competitors",
    "各工厂上个月的报废率是多少？", "上个月各缺陷类型的缺陷数", "今年每月的单位能耗", "上个月报废率最高的5条产线",
    "列出所有供应商", "今天天气怎么样", "竞争对手的OEE是多少", "删除所有缺陷记录",
]


@pytest.mark.parametrize("question", QUESTIONS)
def test_answers_read_plainly(pipeline, question: str) -> None:
    answer = pipeline.ask(question)
    visible = [answer.message, *answer.suggestions]
    for text in visible:
        assert not jargon(text), f"{question!r} -> {text!r} has {jargon(text)}"
        if answer.status == "ok" and "trace" not in answer.extras:
            assert not ISO_DATE.search(text), f"{question!r} -> {text!r}: dates must be in words"
    shown = [str(v) for row in answer.shown_rows() for v in row if isinstance(v, str)]
    assert not [v for v in shown if IDENTIFIER.fullmatch(v)], f"{question!r}: raw codes in the table: {shown[:8]}"
