"""The language and calendar rules every stage shares (assistant.core.text / calendar / units):
one definition each, tested here."""

from __future__ import annotations

import datetime as dt

import pytest

from assistant.core.calendar import (
    TimeRange,
    add_months,
    grain_end,
    grain_start,
    iso_week_range,
    month_end,
    previous_period,
    whole_months,
)
from assistant.core.text import (
    cjk_ratio,
    cn_number,
    fold,
    has_cjk,
    is_common_word,
    key,
    parse_count,
    question_lang,
    width_fold,
)
from assistant.core.units import format_value
from semantic_layer.models import BUILTIN_UNITS, Label, UnitSpec, UnitText

D = dt.date


# ---------------------------------------------------------------------- text
@pytest.mark.parametrize("text", ["ＯＥＥ　上个月", "Scrap Rate ﬁnal", "İstanbul plant", "宁波３号线"])
def test_fold_keeps_one_character_per_character(text: str) -> None:
    assert len(fold(text)) == len(text) and len(width_fold(text)) == len(text)


def test_fold_lowers_and_width_folds_but_width_fold_keeps_case() -> None:
    assert fold("ＯＥＥ　Q4") == "oee q4"
    assert width_fold("ＯＥＥ　Q4") == "OEE Q4"


def test_key_collapses_separators_for_lookups() -> None:
    assert key("  Machine_Type\t CNC ") == key("machine type cnc") == "machine type cnc"


@pytest.mark.parametrize("text,zh", [("上个月的OEE", True), ("OEE last month", False), ("㐀", True), ("カタカナ", False)])
def test_chinese_detection(text: str, zh: bool) -> None:
    assert has_cjk(text) is zh and question_lang(text) == ("zh" if zh else "en")


def test_cjk_ratio() -> None:
    assert cjk_ratio("上个月柏林店的退货率") == 1.0 and cjk_ratio("return rate") == 0.0
    assert 0 < cjk_ratio("柏林店 return rate") < 0.5


@pytest.mark.parametrize("text,value", [("十二", 12), ("二十三", 23), ("两", 2), ("十", 10), ("12", 12), ("一二", None),
                                        ("百", None), ("十十", None)])
def test_chinese_numbers(text: str, value: int | None) -> None:
    assert cn_number(text) == value


@pytest.mark.parametrize("text,value", [("5", 5), ("five", 5), ("Twelve", 12), ("五", 5), ("十二", 12), ("一二", 12),
                                        ("many", None)])
def test_counts_as_people_write_them(text: str, value: int | None) -> None:
    assert parse_count(text) == value


@pytest.mark.parametrize("word,common", [("china", True), ("group", True), ("kindly", True), ("hengtai", False),
                                         ("中国", True), ("分别", True), ("恒泰", False)])
def test_everyday_words_come_from_general_frequencies(word: str, common: bool) -> None:
    assert is_common_word(word) is common


# ---------------------------------------------------------------------- calendar
def test_add_months_clamps_the_day() -> None:
    assert add_months(D(2025, 3, 31), -1) == D(2025, 2, 28)
    assert add_months(D(2024, 12, 15), 2) == D(2025, 2, 15)


def test_month_end_and_whole_months() -> None:
    assert month_end(D(2024, 2, 3)) == D(2024, 2, 29)
    assert whole_months(D(2025, 10, 1), D(2025, 12, 31)) == 3
    assert whole_months(D(2025, 10, 2), D(2025, 12, 31)) is None


@pytest.mark.parametrize("start,end,before", [
    (D(2025, 11, 1), D(2025, 11, 30), (D(2025, 10, 1), D(2025, 10, 31))),  # a month: the month before
    (D(2025, 10, 1), D(2025, 12, 31), (D(2025, 7, 1), D(2025, 9, 30))),  # a quarter: the quarter before
    (D(2025, 3, 1), D(2025, 3, 31), (D(2025, 2, 1), D(2025, 2, 28))),  # months of different lengths
    (D(2025, 12, 22), D(2025, 12, 28), (D(2025, 12, 15), D(2025, 12, 21))),  # a week: as many days before
    (D(2025, 12, 2), D(2025, 12, 31), (D(2025, 11, 2), D(2025, 12, 1))),  # last 30 days
])
def test_the_period_before(start: dt.date, end: dt.date, before: tuple[dt.date, dt.date]) -> None:
    assert previous_period(start, end) == before


@pytest.mark.parametrize("grain,start,end", [("day", D(2025, 12, 31), D(2025, 12, 31)),
                                             ("week", D(2025, 12, 29), D(2026, 1, 4)),
                                             ("month", D(2025, 12, 1), D(2025, 12, 31)),
                                             ("quarter", D(2025, 10, 1), D(2025, 12, 31)),
                                             ("year", D(2025, 1, 1), D(2025, 12, 31))])
def test_grain_periods(grain: str, start: dt.date, end: dt.date) -> None:
    day = D(2025, 12, 31)
    assert grain_start(day, grain) == start and grain_end(start, grain) == end
    with pytest.raises(ValueError):
        grain_start(day, "fortnight")


def test_iso_weeks() -> None:
    assert iso_week_range(2025, 1) == (D(2024, 12, 30), D(2025, 1, 5))
    assert iso_week_range(2025, 53) is None


def test_one_time_range_type_validates_its_ends() -> None:
    assert TimeRange(start=D(2025, 1, 1), end=D(2025, 1, 31)).days == 31
    with pytest.raises(ValueError, match="ends"):
        TimeRange(start=D(2025, 2, 1), end=D(2025, 1, 31))


# ---------------------------------------------------------------------- units
EUR = UnitSpec(name="eur", label=Label(en="euros", zh="欧元"), suffix=UnitText(en=" EUR", zh=" 欧元"), decimals=2)
RATIO, COUNT = BUILTIN_UNITS


@pytest.mark.parametrize("value,unit,lang,text", [
    (0.8391, RATIO, "en", "83.9%"), (1234, COUNT, "en", "1,234"), (1234.5, EUR, "en", "1,234.50 EUR"),
    (3.5, EUR, "zh", "3.50 欧元"), (0.3012, None, "en", "0.30"), (None, RATIO, "en", "—"),
    (D(2025, 12, 1), None, "en", "2025-12-01"), ("Ningbo", None, "en", "Ningbo"),
    (0, COUNT, "en", "0"), (0.0, COUNT, "zh", "0"),
])
def test_values_read_by_their_declared_unit(value: object, unit: UnitSpec | None, lang: str, text: str) -> None:
    assert format_value(value, unit, lang) == text


def test_shorten() -> None:
    from assistant.core.text import shorten

    assert shorten("a  b\n c", 10) == "a b c" and shorten("abcdefghij", 5) == "abcd…"
    assert shorten("a  b", 10, collapse=False) == "a  b"


def test_one_short_name_rule() -> None:
    """'Hengtai' for 'Hengtai Metals', '恒泰' for '恒泰金属'; never an everyday word, never two members."""
    from assistant.understand.catalogue import Member, short_names

    def member(key: str, en: str, zh: str) -> Member:
        return Member("supplier", key, en, zh, (en, zh))

    found = short_names([member("S1", "Hengtai Metals", "恒泰金属"), member("S2", "China Steel Group", "中国钢铁集团"),
                         member("S3", "Donghai Alloy", "东海合金"), member("S4", "Donghai Steel", "东海特钢")])
    assert found["hengtai"].key == "S1" and found["恒泰"].key == "S1"
    assert "china" not in found and "中国" not in found  # everyday words
    assert "donghai" not in found and "东海" not in found  # two members share it
