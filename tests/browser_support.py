"""What browser tests share: a Streamlit server on a free port, Debian chromium, and text geometry.

The server and browser helpers are the ones tests/test_browser.py uses (same flags, same wait);
`svg_texts` and `overlapping` read what Vega actually drew, so a test fails on text a person
could not read rather than on a spec that merely looks wrong.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
VIEWPORTS = [("phone", 390, 844), ("desktop", 1280, 800)]
AS_OF = "2025-12-31"

# In CI the test command installs chromium: a missing browser there is a failure, not a skip.
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists() and not os.environ.get("CI"),
    reason="Debian chromium is not installed (apt-get install -y chromium fonts-noto-cjk); browser tests are skipped")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout_s: float = 90.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited early with code {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"streamlit did not become healthy within {timeout_s} s")


@contextmanager
def streamlit_app(db: Path, log_path: Path) -> Iterator[str]:
    """`streamlit run app.py` against `db`; yields its URL; fails if the log shows a traceback."""
    port = free_port()
    env = {**os.environ, "FA_DB": str(db), "FA_AS_OF": AS_OF, "PYTHONUNBUFFERED": "1"}
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
             "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(url, proc)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    text = log_path.read_text(errors="replace")
    assert "Traceback" not in text, text[-3000:]


@contextmanager
def chromium() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is not installed")
    with sync_api.sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield instance
        finally:
            instance.close()


# Every visible Vega SVG on the page: its box and the box of each non-empty text it drew, with the
# class of the mark group it belongs to (a layer's name, e.g. "trace_legend_marks").
_SVG_TEXTS_JS = """() => [...document.querySelectorAll('[data-testid=stVegaLiteChart], .vega-embed')]
  // checkVisibility, not a layout box: a closed expander keeps its chart laid out but hidden.
  .filter(chart => chart.checkVisibility({visibilityProperty: true}))
  .map(chart => chart.querySelector('svg.marks'))
  .filter(svg => svg !== null)
  .map(svg => {
    const box = r => ({x1: r.left, y1: r.top, x2: r.right, y2: r.bottom});
    return {svg: box(svg.getBoundingClientRect()),
            texts: [...svg.querySelectorAll('text')]
              .filter(t => t.textContent.trim() && t.checkVisibility({visibilityProperty: true}))
              .map(t => ({text: t.textContent, group: t.closest('g.mark-text')?.getAttribute('class') || '',
                          ...box(t.getBoundingClientRect())}))};
  })"""


def svg_texts(page: Any) -> list[dict[str, Any]]:
    """[{svg: box, texts: [{text, group, x1, y1, x2, y2}]}] for every visible Vega SVG chart."""
    return list(page.evaluate(_SVG_TEXTS_JS))


def overlapping(texts: list[dict[str, Any]], tolerance: float = 0.5) -> list[tuple[str, str]]:
    """Pairs of texts whose boxes share more than `tolerance` pixels in both directions."""
    out: list[tuple[str, str]] = []
    for i, a in enumerate(texts):
        for b in texts[i + 1:]:
            wide = min(a["x2"], b["x2"]) - max(a["x1"], b["x1"])
            high = min(a["y2"], b["y2"]) - max(a["y1"], b["y1"])
            if wide > tolerance and high > tolerance:
                out.append((a["text"], b["text"]))
    return out


def outside(texts: list[dict[str, Any]], box: dict[str, float], tolerance: float = 1.0) -> list[str]:
    """Texts that are not wholly inside `box` (cut off by the chart's edge or the screen's)."""
    return [t["text"] for t in texts if t["x1"] < box["x1"] - tolerance or t["x2"] > box["x2"] + tolerance
            or t["y1"] < box["y1"] - tolerance or t["y2"] > box["y2"] + tolerance]
