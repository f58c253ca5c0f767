"""The app in a real browser: Debian chromium via Playwright, at phone and desktop sizes.

Starts `streamlit run app.py` on a free port against the evaluation database (tests/browser_support),
asks questions in English and Chinese, waits for the charts, reads what a person sees (sentences,
axis labels, provenance, clarify buttons), checks that nothing overflows a 390 px screen and
saves screenshots under test-artifacts/ (gitignored) for people to look at.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser_support import ARTIFACTS, VIEWPORTS, chromium, needs_chromium, streamlit_app

QUESTIONS = ["What was OEE by plant last month?", "各工厂上个月的报废率是多少？", "energy per unit by month this year"]
# Vega's SVG: one group per axis, its tick labels as text elements.
AXIS_LABELS = """(chart) => [...chart.querySelectorAll('g.role-axis')].map(
    axis => [...axis.querySelectorAll('g.role-axis-label text')].map(t => t.textContent))"""

pytestmark = [pytest.mark.browser, needs_chromium]


@pytest.fixture(scope="module")
def server(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with streamlit_app(demo_db, tmp_path_factory.mktemp("streamlit") / "server.log") as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with chromium() as instance:
        yield instance


def _ask(page: object, question: str, charts_before: int) -> None:
    box = page.get_by_test_id("stChatInputTextArea")  # type: ignore[attr-defined]
    box.fill(question)
    box.press("Enter")
    charts = page.get_by_test_id("stVegaLiteChart")  # type: ignore[attr-defined]
    deadline = time.monotonic() + 60
    while charts.count() <= charts_before:
        assert time.monotonic() < deadline, f"no chart appeared for {question!r}"
        page.wait_for_timeout(200)  # type: ignore[attr-defined]
    # Vega draws into the container after the element appears; wait for the drawing itself,
    # then for the script run to end (the "running" status widget disappears).
    charts.nth(charts_before).locator("canvas, svg").first.wait_for(state="visible", timeout=30_000)
    page.get_by_test_id("stDownloadButton").nth(charts_before).wait_for(timeout=30_000)  # type: ignore[attr-defined]
    page.get_by_test_id("stStatusWidget").wait_for(state="hidden", timeout=30_000)  # type: ignore[attr-defined]


@pytest.mark.parametrize(("name", "width", "height"), VIEWPORTS, ids=[v[0] for v in VIEWPORTS])
def test_chat_with_charts(server: str, browser: object, name: str, width: int, height: int) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": width, "height": height}, locale="en-US")  # type: ignore[attr-defined]
    page = context.new_page()
    try:
        page.goto(server, wait_until="domcontentloaded")
        page.get_by_test_id("stChatInputTextArea").wait_for(timeout=60_000)
        for i, question in enumerate(QUESTIONS):
            _ask(page, question, i)
        charts = page.get_by_test_id("stVegaLiteChart")
        for i in range(len(QUESTIONS)):
            axes = charts.nth(i).locator("svg").first.evaluate(AXIS_LABELS)
            assert sum(1 for axis in axes if axis) >= 2, f"chart {i}: axis labels not drawn as text: {axes}"
            for labels in axes:  # ticks precise enough to be distinct: never 1.4%, 1.4%, 1.4%
                assert len(set(labels)) == len(labels), f"chart {i}: repeated axis labels {labels}"
        months = [label for axis in charts.nth(2).locator("svg").first.evaluate(AXIS_LABELS) for label in axis
                  if "2025" in label]
        assert months and all(re.fullmatch(r"[A-Z][a-z]{2} 2025", m) for m in months), months  # 'Dec 2025'
        # Every visible answer names its period in words, in both languages.
        body = page.locator("body").inner_text()
        assert "OEE by plant, November 2025:" in body and "2025年11月" in body
        # Open the last provenance panel: a manager reads meanings and dates first; the SQL
        # (the widest thing on the page) only behind the toggle.
        page.get_by_test_id("stExpander").last.locator("summary").click()
        panel = page.get_by_test_id("stExpander").last
        panel.get_by_text("What the figures mean").wait_for(timeout=10_000)
        assert panel.get_by_test_id("stCode").count() == 0
        panel.get_by_text("Show formula and SQL").click()
        page.get_by_test_id("stCode").last.wait_for(timeout=10_000)
        page.wait_for_timeout(500)  # let the last chart finish its resize to the container
        overflow = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        page.screenshot(path=str(ARTIFACTS / f"app-{name}.png"))
        page.get_by_test_id("stVegaLiteChart").last.screenshot(path=str(ARTIFACTS / f"chart-{name}-zh.png"))
        # Streamlit scrolls inside its own container, so a "full page" shot shows one screen;
        # a tall viewport of the same width shows the whole conversation instead.
        page.set_viewport_size({"width": width, "height": 2400})
        page.wait_for_timeout(800)
        page.screenshot(path=str(ARTIFACTS / f"app-{name}-full.png"))
        assert page.get_by_test_id("stException").count() == 0
        assert page.get_by_text("Traceback").count() == 0
        assert page.get_by_text("报废率").count() > 0  # the Chinese answer is on the page
        if width <= 400:
            assert overflow[0] <= overflow[1] + 1, f"horizontal overflow at {width} px: {overflow}"
    finally:
        context.close()


@pytest.mark.parametrize(("name", "width", "height"), VIEWPORTS, ids=[v[0] for v in VIEWPORTS])
def test_ambiguous_name_is_asked_with_buttons(server: str, browser: object, name: str, width: int,
                                               height: int) -> None:
    """'line 3' exists in three plants: the chat asks which, one button per plant; a tap answers."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale="en-US")  # type: ignore[attr-defined]
    page = context.new_page()
    try:
        page.goto(server, wait_until="domcontentloaded")
        box = page.get_by_test_id("stChatInputTextArea")
        box.wait_for(timeout=60_000)
        box.fill("OEE of line 3 last month")
        box.press("Enter")
        options = [page.get_by_role("button", name=f"{plant} Line 3", exact=True)
                   for plant in ("Chongqing", "Ningbo", "Suzhou")]
        for option in options:
            option.wait_for(timeout=60_000)
        page.get_by_test_id("stStatusWidget").wait_for(state="hidden", timeout=30_000)
        page.screenshot(path=str(ARTIFACTS / f"clarify-{name}.png"))
        options[1].click()
        page.get_by_text("OEE, where production line is Ningbo Line 3, November 2025:").wait_for(timeout=60_000)
        assert page.get_by_test_id("stException").count() == 0
    finally:
        context.close()
