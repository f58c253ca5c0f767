"""How soon is the app usable after a manager opens it? Navigation -> chat input enabled, in a browser.

    python benchmarks/app_startup.py [--db PATH] [--rounds N] [--port P]

Starts the app as users do (`factory-assistant app`), opens it once to warm the server (that first
visit builds the pipeline: its time is reported as `cold_s`), then, with every non-loopback request
blocked, times `--rounds` visits of each kind at phone and desktop sizes:
  first visit   a fresh browser context (no cache, no cookies): the ~2.8 MB of Streamlit's scripts
                and fonts are fetched and compiled anew
  repeat visit  the app opened again in a tab that showed it before (the browser's cache and
                compiled-code cache hold the assets), as when a manager comes back to a bookmark
and for each
  input_s        navigation start -> the chat input is on the page and enabled
  first_screen_s navigation start -> the first screen says what data is loaded (and the run ended)
The target (issue 11) is input_s under 3 s. Needs Debian chromium (/usr/bin/chromium) and playwright.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from benchmarks.app_bench import AS_OF, _database  # the evaluation database, built once

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
READY = "() => { const el = document.querySelector('[data-testid=stChatInputTextArea]'); return el && !el.disabled; }"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the app exited early with code {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the app was not healthy within {timeout_s} s")


def _context(browser: Any, width: int, height: int, outside: list[str]) -> Any:
    context = browser.new_context(viewport={"width": width, "height": height}, locale="en-US")

    def route(r: Any) -> None:
        host = urlparse(r.request.url).hostname
        if r.request.url.startswith(("data:", "blob:")) or host in LOOPBACK:
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    return context


def _visit(page: Any, url: str) -> dict[str, float]:
    """One navigation to the app; times from just before it."""
    t0 = time.perf_counter()
    page.goto(url, wait_until="commit")
    page.wait_for_function(READY, timeout=300_000, polling=20)
    ready = time.perf_counter() - t0
    page.get_by_test_id("stMarkdown").first.wait_for(timeout=300_000)
    page.get_by_test_id("stStatusWidget").wait_for(state="hidden", timeout=300_000)
    return {"input_s": ready, "first_screen_s": time.perf_counter() - t0}


def _open(browser: Any, url: str, width: int, height: int, *, repeat: bool = False) -> dict[str, float]:
    """A first visit in a fresh context, or (`repeat`) a visit after one that filled the cache."""
    outside: list[str] = []
    context = _context(browser, width, height, outside)
    try:
        page = context.new_page()
        if repeat:
            _visit(page, url)
            page.goto("about:blank")
        timing = _visit(page, url)
    finally:
        context.close()
    if outside:
        raise SystemExit(f"requests left the machine: {outside}")
    return timing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="DuckDB file (default: $FA_DB, else the evaluation database)")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    db = _database(args.db)
    port = args.port or _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "FA_AS_OF": AS_OF}
    proc = subprocess.Popen([sys.executable, "-m", "assistant.surfaces.cli.main", "app", "--db", str(db), "--port",
                             str(port)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_healthy(url, proc)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            cold = _open(browser, url, 1280, 800)
            report: dict[str, Any] = {"cold_s": round(cold["first_screen_s"], 2), "rounds": args.rounds,
                                      "load_average_before": os.getloadavg()[0] if hasattr(os, "getloadavg") else None}
            for name, width, height in (("phone", 390, 844), ("desktop", 1280, 800)):
                for visit, repeat in (("first", False), ("repeat", True)):
                    runs = [_open(browser, url, width, height, repeat=repeat) for _ in range(args.rounds)]
                    for key in ("input_s", "first_screen_s"):
                        values = sorted(r[key] for r in runs)
                        report[f"{name}_{visit}_{key}_median"] = round(statistics.median(values), 3)
                        report[f"{name}_{visit}_{key}_max"] = round(values[-1], 3)
            report["load_average_after"] = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
