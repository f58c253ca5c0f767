"""The genealogy picture as a person sees it: Debian chromium at phone and desktop sizes.

Every check reads the SVG Vega drew (the spec asks for the SVG renderer): no two texts may
share pixels, none may be cut off by the chart's edge or the screen's, the legend names each
type drawn once. On the traceability page the phone gets the top-to-bottom picture and the
desktop the one-column-per-level picture; the levels below are named in words and collapsible.
The same spec is also drawn alone in a plain page at more widths and in Chinese. Screenshots
go to test-artifacts/ (gitignored) for people to look at.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from assistant.explain.trace.chart import phone_chart
from assistant.pipeline import Pipeline
from assistant.plan.types import TraceRequest
from tests.browser_support import (
    ARTIFACTS,
    VIEWPORTS,
    chromium,
    needs_chromium,
    outside,
    overlapping,
    streamlit_app,
    svg_texts,
)

pytestmark = [pytest.mark.browser, needs_chromium]


@pytest.fixture(scope="module")
def server(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with streamlit_app(demo_db, tmp_path_factory.mktemp("streamlit") / "server.log") as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as instance:
        yield instance


@pytest.fixture(scope="module")
def lot(demo_db: Path) -> str:
    """Hengtai's latest conditional aluminium lot: it reaches every type, a complaint included."""
    with duckdb.connect(str(demo_db), read_only=True) as con:
        row = con.execute("""
            SELECT l.lot_id FROM material_lots l
            JOIN suppliers s ON s.supplier_id = l.supplier_id
            JOIN materials m ON m.material_id = l.material_id
            WHERE s.supplier_name = 'Hengtai Metals' AND l.inspection_result = 'conditional'
              AND m.material_type = 'aluminium' ORDER BY l.received_date DESC LIMIT 1""").fetchone()
    assert row is not None
    return str(row[0])


def _readable(chart: dict[str, Any], screen_width: int) -> list[dict[str, Any]]:
    """The chart's texts, after checking that a person can read every one of them."""
    texts = chart["texts"]
    assert len(texts) > 10, texts
    assert overlapping(texts) == [], "texts drawn over each other"
    assert outside(texts, chart["svg"]) == [], "texts cut off by the chart's edge"
    assert outside(texts, {"x1": 0, "y1": -1e9, "x2": screen_width, "y2": 1e9}) == [], "texts off the screen"
    legend = [t["text"] for t in texts if "trace_legend" in t["group"]]
    headers = [t for t in texts if "trace_headers" in t["group"]]
    assert legend and len(legend) == len(set(legend)) == len(headers), (legend, headers)  # one entry per type drawn
    return texts


def _trace(page: Any, server: str, kind: str, ident: str) -> None:
    page.goto(f"{server}/trace", wait_until="domcontentloaded")
    page.get_by_test_id("stTextInput").wait_for(timeout=60_000)
    page.get_by_test_id("stSelectbox").first.click()
    page.get_by_role("option", name=kind, exact=True).click()
    box = page.get_by_test_id("stTextInput").locator("input")
    box.fill(ident)
    box.press("Enter")
    page.get_by_role("button", name="Trace").click()
    page.locator("svg.marks text").filter(visible=True).first.wait_for(timeout=60_000)
    page.get_by_test_id("stStatusWidget").wait_for(state="hidden", timeout=30_000)
    page.wait_for_timeout(500)  # the chart settles to its container's width


@pytest.mark.parametrize(("name", "width", "height"), VIEWPORTS, ids=[v[0] for v in VIEWPORTS])
def test_trace_page_picture_is_readable(server: str, browser: Any, lot: str, name: str, width: int,
                                        height: int) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": width, "height": height}, locale="en-US")
    page = context.new_page()
    try:
        _trace(page, server, "Material lot", lot)
        charts = svg_texts(page)
        assert len(charts) == 1, "exactly one picture is shown: the layout for this screen"
        texts = _readable(charts[0], width)
        phone = width < 640
        assert page.locator("[class*='st-key-trace-narrow-']").first.is_visible() is phone
        assert page.locator("[class*='st-key-trace-wide-']").first.is_visible() is not phone
        levels = [t["text"] for t in texts if "trace_levels" in t["group"]]
        assert "Start" in levels and "1 step upstream" in levels and "4 steps downstream" in levels
        headers = [t for t in texts if "trace_headers" in t["group"]]
        lefts = {round(t["x1"]) for t in headers}
        # Phone: one band per level, every header at the left edge; desktop: a column per level.
        assert len(lefts) == 1 if phone else len(lefts) == len(set(levels)) == 6, lefts
        page.get_by_test_id("stVegaLiteChart").filter(visible=True).screenshot(path=str(ARTIFACTS / f"trace-{name}.png"))
        # The levels below: named in words, collapsed but for the nearest, opened by a tap.
        expanders = page.get_by_test_id("stExpander")
        titles = [expanders.nth(i).locator("summary").inner_text() for i in range(expanders.count())]
        assert any(title.endswith("2 steps downstream") for title in titles), titles
        assert not any("Level" in title or "-1" in title for title in titles), titles
        batches = expanders.filter(has=page.locator("summary", has_text="Finished batches ·"))
        assert batches.get_by_test_id("stDataFrame").is_visible() is False
        batches.locator("summary").click()
        batches.get_by_test_id("stDataFrame").wait_for(timeout=10_000)
        page.set_viewport_size({"width": width, "height": 2400})
        page.wait_for_timeout(800)
        page.screenshot(path=str(ARTIFACTS / f"trace-page-{name}.png"))
        assert page.get_by_test_id("stException").count() == 0
    finally:
        context.close()


@pytest.fixture(scope="module")
def batch(demo_db: Path, lot: str) -> str:
    with duckdb.connect(str(demo_db), read_only=True) as con:
        row = con.execute("""SELECT MIN(b.batch_id) FROM lot_consumption lc
                             JOIN finished_batches b ON b.work_order_id = lc.work_order_id
                             WHERE lc.lot_id = ?""", [lot]).fetchone()
    assert row is not None and row[0]
    return str(row[0])


@pytest.mark.parametrize(("name", "width", "height"), VIEWPORTS, ids=[v[0] for v in VIEWPORTS])
def test_ask_page_trace_pictures_are_readable(server: str, browser: Any, lot: str, batch: str, name: str,
                                              width: int, height: int) -> None:
    """A forward trace in English, then a backward one in Chinese that reaches only five types."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale="en-US")
    page = context.new_page()
    try:
        page.goto(server, wait_until="domcontentloaded")
        box = page.get_by_test_id("stChatInputTextArea")
        box.wait_for(timeout=60_000)
        for i, question in enumerate([f"Which customers received batches made from lot {lot}?",
                                      f"批次 {batch} 的上游物料"]):
            box.fill(question)
            box.press("Enter")
            page.get_by_test_id("stDownloadButton").nth(i).wait_for(timeout=60_000)  # the answer is drawn
            page.get_by_test_id("stStatusWidget").wait_for(state="hidden", timeout=30_000)
        page.wait_for_timeout(1500)  # Vega draws after the element appears
        charts = svg_texts(page)
        assert len(charts) == 2
        for chart in charts:
            _readable(chart, width)
        zh_legend = [t["text"] for t in charts[1]["texts"] if "trace_legend" in t["group"]]
        assert len(zh_legend) == 5 and "客户" not in zh_legend, zh_legend
        narrow = page.locator("[class*='st-key-trace-narrow-']")
        assert narrow.count() == 2 and all(narrow.nth(i).is_visible() is (width < 640) for i in range(2))
        page.set_viewport_size({"width": width, "height": 3000})
        page.wait_for_timeout(800)
        page.screenshot(path=str(ARTIFACTS / f"trace-ask-{name}.png"))
    finally:
        context.close()


# ---------------------------------------------------------------------- the spec alone, more sizes
@pytest.fixture(scope="module")
def specs(pipeline: Pipeline, lot: str) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for lang in ("en", "zh"):
        request = TraceRequest(start_node="lot", start_ids=[lot], direction="both")
        answer = pipeline.trace(request, question=lot, lang=lang)
        assert answer.chart is not None
        out[f"wide-{lang}"] = answer.chart
        out[f"narrow-{lang}"] = phone_chart(answer.chart) or {}
    big = pipeline.trace(TraceRequest(start_node="customer", start_ids=["C001"], direction="both"), lang="en")
    assert big.chart is not None  # grouped boxes ("all 1400") and a column of complaints
    out["wide-big"], out["narrow-big"] = big.chart, phone_chart(big.chart) or {}
    return out


@pytest.mark.parametrize(("layout", "widths"), [("wide", [520, 620, 700]), ("narrow", [290, 340, 420])])
@pytest.mark.parametrize("case", ["en", "zh", "big"])
def test_spec_alone_is_readable_at_every_width(browser: Any, specs: dict[str, dict[str, Any]], layout: str,
                                               widths: list[int], case: str) -> None:
    import vl_convert

    page = browser.new_page(viewport={"width": 800, "height": 1200})
    try:
        # One page with vega-embed inlined (nothing is fetched), then each width drawn into it.
        page.set_content(vl_convert.vegalite_to_html(specs[f"{layout}-{case}"], bundle=True, renderer="svg"))
        for width in widths:
            spec = copy.deepcopy(specs[f"{layout}-{case}"])
            spec["width"] = width
            page.evaluate("spec => vegaEmbed('#vega-chart', spec, {renderer: 'svg'}).then(() => null)", spec)
            page.locator("svg.marks text").first.wait_for(timeout=30_000)
            charts = svg_texts(page)
            assert abs(charts[0]["svg"]["x2"] - charts[0]["svg"]["x1"] - width) < 20, "drawn at the width asked"
            assert len(charts) == 1
            _readable(charts[0], 800)
            if case == "zh":
                assert any("层" in t["text"] for t in charts[0]["texts"])  # levels in words, in Chinese
        page.screenshot(path=str(ARTIFACTS / f"trace-spec-{layout}-{case}.png"), full_page=True)
    finally:
        page.close()


def test_overlap_check_can_fail() -> None:
    """The geometry the tests rely on: two boxes sharing pixels are reported, touching ones are not."""
    a = {"text": "a", "x1": 0, "y1": 0, "x2": 50, "y2": 14}
    assert overlapping([a, {**a, "text": "b", "x1": 40, "x2": 90}]) == [("a", "b")]
    assert overlapping([a, {**a, "text": "c", "y1": 14, "y2": 28}]) == []
    assert outside([a], {"x1": 0, "y1": 0, "x2": 30, "y2": 30}) == ["a"]

