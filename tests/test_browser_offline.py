"""The app with the network blocked: nothing but loopback may be asked for, at phone and desktop sizes.

The server is started the way users start it (`factory-assistant app`, from a folder outside the
repository, so only the launcher's own flags apply). Every request the page makes goes through a
route that lets loopback through and aborts and records anything else; the test fails on any
such request, on a file watcher in the server, on a cut-off chat placeholder or a first screen
that does not say what is loaded. Screenshots of the first screen and of Settings are saved
under test-artifacts/ for people to look at.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from assistant.surfaces.app.i18n import t
from tests.browser_support import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, VIEWPORTS
from tests.browser_support import free_port as _free_port
from tests.browser_support import wait_healthy as _wait_healthy
from tests.test_cli import _family

ROOT = Path(__file__).resolve().parents[1]
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
QUESTION = "What was OEE by plant last month?"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("CI"), reason="Debian chromium is not installed "
                       "(apt-get install -y chromium fonts-noto-cjk); browser tests are skipped"),
]


@pytest.fixture(scope="module")
def server(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """(url, launcher pid): the app started by `factory-assistant app` outside the repository."""
    port = _free_port()
    folder = tmp_path_factory.mktemp("offline")
    env = {**os.environ, "FA_AS_OF": "2025-12-31", "PYTHONUNBUFFERED": "1",
           "FA_INDEX_DIR": str(ROOT / ".cache" / "test-data" / "index")}
    log_path = folder / "server.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "assistant.surfaces.cli.main", "app", "--db", str(demo_db),
                                 "--port", str(port)], cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT)
    family = [proc.pid]
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_healthy(url, proc)
        family = _family(proc.pid)
        yield url, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        for pid in family[1:]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    text = log_path.read_text(errors="replace")
    assert "Traceback" not in text and "Inotify" not in text, text[-3000:]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is not installed")
    with sync_api.sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield instance
        finally:
            instance.close()


def _offline_context(browser: Any, width: int, height: int, outside: list[str], locale: str = "en-US") -> Any:
    context = browser.new_context(viewport={"width": width, "height": height}, locale=locale)

    def route(request_route: Any) -> None:
        url = request_route.request.url
        if url.startswith(("data:", "blob:")) or urlparse(url).hostname in LOOPBACK:
            request_route.continue_()
        else:
            outside.append(url)
            request_route.abort("internetdisconnected")

    context.route("**/*", route)
    return context


# The placeholder's width in the textarea's own font, against the room inside its padding.
PLACEHOLDER_FIT = """el => {
    const style = getComputedStyle(el);
    const ctx = document.createElement('canvas').getContext('2d');
    ctx.font = style.font;
    const room = el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    return [ctx.measureText(el.placeholder).width, room, el.placeholder];
}"""


@pytest.mark.parametrize(("name", "width", "height"), VIEWPORTS, ids=[v[0] for v in VIEWPORTS])
def test_nothing_leaves_the_machine(server: tuple[str, int], browser: Any, name: str, width: int,
                                    height: int) -> None:
    url, launcher = server
    ARTIFACTS.mkdir(exist_ok=True)
    outside: list[str] = []
    sockets: list[str] = []
    context = _offline_context(browser, width, height, outside)
    page = context.new_page()
    page.on("websocket", lambda ws: sockets.append(ws.url))  # websockets bypass routes: checked by address
    try:
        page.goto(url, wait_until="domcontentloaded")
        box = page.get_by_test_id("stChatInputTextArea")
        box.wait_for(timeout=120_000)
        page.get_by_text(t("intro_can", "en")[:40]).wait_for(timeout=60_000)
        page.get_by_test_id("stStatusWidget").wait_for(state="hidden", timeout=60_000)
        page.wait_for_timeout(500)  # icons and fonts settle
        page.screenshot(path=str(ARTIFACTS / f"first-screen-{name}.png"))
        measured, room, placeholder = box.evaluate(PLACEHOLDER_FIT)
        assert measured <= room, f"placeholder {placeholder!r} is cut at {width} px: {measured:.0f} > {room:.0f}"
        assert page.get_by_text("31 Dec 2025").count() > 0  # the first screen says what period is loaded
        overflow = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert overflow[0] <= overflow[1] + 1, f"horizontal overflow at {width} px: {overflow}"

        box.fill(QUESTION)
        box.press("Enter")
        page.get_by_test_id("stVegaLiteChart").first.locator("canvas, svg").first.wait_for(timeout=60_000)
        page.get_by_test_id("stStatusWidget").wait_for(state="hidden", timeout=60_000)

        page.goto(f"{url}/settings", wait_until="domcontentloaded")
        page.get_by_text(t("set_in_effect", "en")).wait_for(timeout=60_000)
        page.get_by_test_id("stStatusWidget").wait_for(state="hidden", timeout=60_000)
        page.wait_for_timeout(500)
        page.screenshot(path=str(ARTIFACTS / f"settings-{name}.png"))
        assert page.get_by_test_id("stException").count() == 0
        overflow = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert overflow[0] <= overflow[1] + 1, f"horizontal overflow of Settings at {width} px: {overflow}"
        # Streamlit scrolls inside its own container: a tall viewport of the same width shows the whole page.
        page.set_viewport_size({"width": width, "height": 1800})
        page.wait_for_timeout(500)
        page.screenshot(path=str(ARTIFACTS / f"settings-{name}-full.png"))
    finally:
        context.close()
    assert not outside, f"requests left the machine: {outside}"
    assert sockets and all(urlparse(s).hostname in LOOPBACK for s in sockets), sockets
    if Path("/proc/self/fd").exists():  # sessions have run: a file watcher would hold an inotify descriptor now
        watched = [f"{pid}: {fd.name}" for pid in _family(launcher) for fd in Path(f"/proc/{pid}/fd").glob("*")
                   if "inotify" in _readlink(fd)]
        assert not watched, f"the server watches files: {watched}"


def test_first_screen_in_chinese_on_a_phone(server: tuple[str, int], browser: Any) -> None:
    url, _ = server
    outside: list[str] = []
    context = _offline_context(browser, 390, 844, outside, locale="zh-CN")  # the browser's language picks Chinese
    page = context.new_page()
    try:
        page.goto(url, wait_until="domcontentloaded")
        box = page.get_by_test_id("stChatInputTextArea")
        box.wait_for(timeout=120_000)
        page.get_by_text(t("mode_rules", "zh")[:8]).wait_for(timeout=60_000)
        page.get_by_test_id("stStatusWidget").wait_for(state="hidden", timeout=60_000)
        page.wait_for_timeout(500)
        page.screenshot(path=str(ARTIFACTS / "first-screen-phone-zh.png"))
        measured, room, placeholder = box.evaluate(PLACEHOLDER_FIT)
        assert measured <= room, f"placeholder {placeholder!r} is cut: {measured:.0f} > {room:.0f}"
        assert page.get_by_text("2025年12月31日").count() > 0
    finally:
        context.close()
    assert not outside, f"requests left the machine: {outside}"


def _readlink(fd: Path) -> str:
    with contextlib.suppress(OSError):
        return os.readlink(fd)
    return ""


def test_a_page_icon_from_the_internet_would_be_caught(server: tuple[str, int], browser: Any) -> None:
    """The route sees what Streamlit's own page asks for: a request to a public host is recorded."""
    url, _ = server
    outside: list[str] = []
    context = _offline_context(browser, 390, 844, outside)
    page = context.new_page()
    try:
        page.goto(url, wait_until="domcontentloaded")
        page.get_by_test_id("stChatInputTextArea").wait_for(timeout=120_000)
        page.evaluate("() => fetch('https://fonts.gstatic.com/s/i/probe.svg').catch(() => null)")
        page.wait_for_timeout(300)
    finally:
        context.close()
    assert outside == ["https://fonts.gstatic.com/s/i/probe.svg"]
