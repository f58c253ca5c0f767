"""The waterfall of a "why" answer, pinned as golden Vega-Lite specs (tests/golden/charts/why/),
in both languages, for a ratio split across members and a product split across its factors.

Built from crafted explanations (no database): the numbers below are the shape of the demo's
stories, written out. Regenerate after an intended change and review the diff:

    FA_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_why_chart.py
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import os
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any

import pytest

from assistant.explain.answer import Answer
from assistant.explain.charts import chart_png
from assistant.explain.why.chart import waterfall
from assistant.explain.why.decompose import Part
from assistant.explain.why.engine import Driver, Explanation, FactorPart
from assistant.explain.why.noise import Noise
from assistant.explain.why.words import Writer
from assistant.plan.query import Filter, SemanticQuery, TimeRange

GOLDEN = Path(__file__).resolve().parent / "golden" / "charts" / "why"
UPDATE = os.environ.get("FA_UPDATE_GOLDEN") == "1"
OCT = TimeRange(start=dt.date(2025, 10, 1), end=dt.date(2025, 10, 31))
NOV = TimeRange(start=dt.date(2025, 11, 1), end=dt.date(2025, 11, 30))
Q3 = TimeRange(start=dt.date(2025, 7, 1), end=dt.date(2025, 9, 30))
Q4 = TimeRange(start=dt.date(2025, 10, 1), end=dt.date(2025, 12, 31))
NAMES = {("line", "NB-L1"): ("Ningbo Line 1", "宁波1号线"), ("line", "NB-L2"): ("Ningbo Line 2", "宁波2号线"),
         ("line", "NB-L3"): ("Ningbo Line 3", "宁波3号线"), ("line", "NB-L4"): ("Ningbo Line 4", "宁波4号线"),
         ("plant", "NB"): ("Ningbo", "宁波"), ("shift", "C"): ("Night", "夜班")}


def names(lang: str) -> Callable[[str, Hashable], str]:
    return lambda dim, key: NAMES[(dim, str(key))][lang == "zh"]


def scrap_by_line(lang: str) -> Explanation:
    parts = [Part("NB-L3", 0.0223, 0.0330, 0.00119, 0.00124, -0.00005, 0.116),
             Part("NB-L4", 0.0111, 0.0107, 0.00001, -0.00014, 0.00015, 0.370),
             Part("NB-L2", 0.0166, 0.0163, -0.00007, -0.00007, 0.0, 0.240),
             Part("NB-L1", 0.0136, 0.0133, -0.00013, -0.00007, -0.00006, 0.274)]
    query = SemanticQuery(metrics=["scrap_rate"], filters=[Filter(field="plant", values=["NB"])], time_range=NOV,
                          locale=lang)
    return Explanation("scrap_rate", query, NOV, OCT, True, "up", "ratio", 0.014374, 0.015374,
                       Noise("unusual", 0.0002, 7), driver=Driver("line", parts, 0.001))


def oee_by_factor(lang: str) -> Explanation:
    factors = [FactorPart("availability", 0.9205, 0.9202, -0.00027), FactorPart("performance", 0.8992, 0.8954, -0.00344),
               FactorPart("quality_rate", 0.9860, 0.9853, -0.00057)]
    query = SemanticQuery(metrics=["oee"], time_range=Q4, locale=lang)
    night = Driver("shift", [Part("C", 0.8857, 0.8747, -0.0039, -0.0025, -0.0014, 0.3)], -0.00344)
    return Explanation("oee", query, Q4, Q3, True, None, "product", 0.8161, 0.8118, Noise("unusual", 0.001, 6),
                       factors=factors, focus=1, driver=night)


SHAPES: dict[str, Callable[[str], Explanation]] = {"scrap_rate_by_line": scrap_by_line, "oee_factors": oee_by_factor}


def spec_of(layer, shape: str, lang: str) -> dict[str, Any] | None:
    ex = SHAPES[shape](lang)
    return waterfall(Answer("q", "ok", "", lang=lang), Writer(layer, ex, lang, names(lang)))


def dump(spec: dict[str, Any] | None) -> str:
    return json.dumps(spec, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_waterfall_matches_golden(layer, shape: str, lang: str) -> None:
    got = dump(spec_of(layer, shape, lang))
    path = GOLDEN / f"{shape}_{lang}.json"
    if UPDATE:
        GOLDEN.mkdir(parents=True, exist_ok=True)
        path.write_text(got, encoding="utf-8")
        return
    assert path.exists(), f"no golden file {path.name}: run with FA_UPDATE_GOLDEN=1 and review it"
    want = path.read_text(encoding="utf-8")
    if got != want:
        diff = difflib.unified_diff(want.splitlines(), got.splitlines(), "golden", "now", lineterm="", n=2)
        pytest.fail(f"{shape}_{lang}: waterfall differs from {path.name}\n" + "\n".join(list(diff)[:60]))


def test_waterfall_steps_add_up_and_read_as_points(layer) -> None:
    spec = spec_of(layer, "scrap_rate_by_line", "en")
    assert spec is not None
    records = spec["datasets"][next(iter(spec["datasets"]))] if "datasets" in spec else spec["data"]["values"]
    assert [r["label"] for r in records] == ["October 2025", "Ningbo Line 3", "Ningbo Line 4", "Ningbo Line 2",
                                             "Ningbo Line 1", "November 2025"]
    assert records[1]["text"] == "+0.12 pp" and records[1]["kind"] == "bad"  # more scrap is worse
    assert records[-1]["kind"] == "total" and records[-1]["text"] == "1.54%"
    # The axis follows the figures (a 0.1-point change on 1.4% would vanish on an axis from zero).
    assert spec["layer"][0]["encoding"]["x"]["scale"]["domain"][0] > 0


def test_waterfall_renders_for_chat(layer) -> None:
    spec = spec_of(layer, "oee_factors", "zh")
    assert spec is not None
    png = chart_png(spec, "zh")
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000
