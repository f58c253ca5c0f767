"""The command line: ask --json shape, exit codes, readable errors, layer validate, demo-data."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[1]
EXE = [sys.executable, "-m", "assistant.surfaces.cli.main"]


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "FA_INDEX_DIR": str(ROOT / ".cache" / "test-data" / "index"), **(env or {})}
    return subprocess.run([*EXE, *args], capture_output=True, text=True, cwd=ROOT, env=full_env, timeout=300)


def test_ask_json_has_the_documented_fields(demo_db: Path) -> None:
    out = run("ask", "What was OEE by plant last month?", "--db", str(demo_db), "--as-of", "2025-12-31", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    for key in ("status", "message", "interpretation", "semantic_query", "sql", "columns", "rows", "truncated",
                "chart", "planner", "timings_ms"):
        assert key in data
    assert data["status"] == "ok" and data["planner"] == "rules"
    assert data["semantic_query"]["metrics"] == ["oee"]
    assert data["semantic_query"]["time_range"]["start"] == "2025-11-01"
    assert len(data["rows"]) == 3 and all(0 < row[1] < 1 for row in data["rows"])
    assert data["chart"] is not None
    assert "Traceback" not in out.stderr


def test_ask_text_output_in_chinese(demo_db: Path) -> None:
    out = run("ask", "上个月各工厂的报废率", "--db", str(demo_db), "--as-of", "2025-12-31")
    assert out.returncode == 0, out.stderr
    assert "报废率" in out.stdout and "宁波" in out.stdout and "%" in out.stdout


def test_ask_text_table_reads_like_the_app(demo_db: Path) -> None:
    """Codes as the layer's labels, periods in words: the terminal shows what the app shows."""
    out = run("ask", "defects by defect type last month", "--db", str(demo_db), "--as-of", "2025-12-31")
    assert out.returncode == 0, out.stderr
    assert "Assembly error" in out.stdout and "assembly_error" not in out.stdout
    monthly = run("ask", "energy per unit by month this year", "--db", str(demo_db), "--as-of", "2025-12-31")
    assert "Dec 2025" in monthly.stdout and "2025-12-01" not in monthly.stdout


def test_refusal_is_a_clean_answer(demo_db: Path) -> None:
    out = run("ask", "delete all defects", "--db", str(demo_db), "--json")
    data = json.loads(out.stdout)
    assert data["status"] == "refused" and "read" in data["message"]


def test_missing_database_is_a_readable_error(tmp_path: Path) -> None:
    out = run("ask", "OEE by plant", "--db", str(tmp_path / "nope.duckdb"))
    assert out.returncode == 1
    assert "Traceback" not in out.stderr and "demo-data" in out.stderr


def test_bad_as_of_date(demo_db: Path) -> None:
    out = run("ask", "OEE", "--db", str(demo_db), "--as-of", "31/12/2025")
    assert out.returncode == 2 and "YYYY-MM-DD" in out.stderr


def test_chat_keeps_context(demo_db: Path) -> None:
    proc = subprocess.run([*EXE, "chat", "--db", str(demo_db), "--as-of", "2025-12-31"], cwd=ROOT, text=True,
                          capture_output=True, timeout=300, input="scrap rate by plant last month\nand for December?\nquit\n",
                          env={**os.environ, "FA_INDEX_DIR": str(ROOT / ".cache" / "test-data" / "index")})
    assert proc.returncode == 0, proc.stderr
    assert "by plant, November 2025:" in proc.stdout and "by plant, December 2025:" in proc.stdout


def test_layer_validate_command(demo_db: Path) -> None:
    out = run("layer", "validate", "--db", str(demo_db))
    assert out.returncode == 0, out.stdout + out.stderr
    assert "layer is valid" in out.stdout


def test_demo_data_command_is_deterministic(tmp_path: Path) -> None:
    paths = [tmp_path / "a.duckdb", tmp_path / "b.duckdb"]
    for p in paths:
        out = run("demo-data", "--out", str(p), "--end-date", "2025-06-30", "--days", "30")
        assert out.returncode == 0, out.stderr
    sums = []
    for p in paths:
        con = duckdb.connect(str(p), read_only=True)
        sums.append(con.execute("SELECT COUNT(*), SUM(total_count), SUM(good_count) FROM production_records").fetchone())
        con.close()
    assert sums[0] == sums[1] and sums[0][0] > 0


def test_llm_planner_without_a_model_says_so(demo_db: Path) -> None:
    env = {k: "" for k in ("FA_LLM_PROVIDER", "FA_LLM_MODEL", "FA_LLM_BASE_URL")}
    out = run("ask", "OEE by plant", "--db", str(demo_db), "--planner", "llm", "--json", env=env)
    data = json.loads(out.stdout)
    assert data["status"] == "error" and "FA_LLM_MODEL" in data["message"]


def test_ask_json_carries_the_previous_period_comparison(demo_db: Path) -> None:
    """The comparison is built in the pipeline, so the CLI's JSON has it exactly as the app shows it."""
    out = run("ask", "OEE last month", "--db", str(demo_db), "--as-of", "2025-12-31", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    comparison = data["extras"]["comparison"]
    assert comparison["range"] == ["2025-10-01", "2025-10-31"] and comparison["label"] == "vs October 2025"
    assert 0 < comparison["previous"]["oee"] < 1


def _family(pid: int) -> list[int]:
    """`pid` and every process below it (from /proc), so the test holds however the launcher starts the server."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    family, grew = {pid}, True
    while grew:
        grew = False
        for child, parent in parents.items():
            if parent in family and child not in family:
                family.add(child)
                grew = True
    return sorted(family)


def _healthy(url: str) -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
            return resp.status == 200
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="reads processes from /proc (Linux)")
def test_app_launcher_watches_no_files_and_stops_with_its_server(demo_db: Path, tmp_path: Path) -> None:
    import socket
    import time

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "FA_INDEX_DIR": str(ROOT / ".cache" / "test-data" / "index"), "FA_AS_OF": "2025-12-31"}
    log = tmp_path / "app.log"
    # Started outside the repository, so .streamlit/config.toml is not read: the launcher's own flags must hold.
    with log.open("wb") as out:
        proc = subprocess.Popen([*EXE, "app", "--db", str(demo_db), "--port", str(port)], cwd=tmp_path, env=env,
                                stdout=out, stderr=subprocess.STDOUT)
    family = [proc.pid]
    try:
        deadline = time.monotonic() + 90
        while not _healthy(url):
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text(errors="replace")
            time.sleep(0.3)
        family = _family(proc.pid)  # before the stop: an orphaned server is no longer below the launcher
        # Streamlit starts its file watcher with the first browser session (the offline browser test
        # looks for it there); here: the server was told not to watch.
        servers = [args for args in map(_cmdline, family) if "streamlit" in args]
        assert servers and all(_flag(args, "--server.fileWatcherType") == "none" for args in servers), servers
        proc.terminate()  # what a supervisor or `kill` does: no Ctrl-C reaching the whole process group
        proc.wait(timeout=30)
        deadline = time.monotonic() + 10
        while _healthy(url):
            assert time.monotonic() < deadline, "the server still answers after the launcher was stopped"
            time.sleep(0.3)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for pid in family[1:]:  # a server left behind by a failed test must not outlive it
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def _cmdline(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
    except OSError:
        return []


def _flag(args: list[str], name: str) -> str | None:
    return args[args.index(name) + 1] if name in args[:-1] else None


# ---------------------------------------------------------------------- clarify answers with options
AMBIGUOUS_LOT = "Which customers received batches made from Hengtai Metals' conditional aluminium lot?"


def _hengtai_lots(db: Path) -> list[str]:
    """Hengtai's conditionally accepted aluminium lots, newest first: what the question may mean."""
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("""SELECT l.lot_id FROM material_lots l JOIN materials m ON m.material_id = l.material_id
                              WHERE l.supplier_id = (SELECT supplier_id FROM suppliers WHERE supplier_name = 'Hengtai Metals')
                                AND l.inspection_result = 'conditional' AND m.material_type = 'aluminium'
                              ORDER BY l.received_date DESC, l.lot_id DESC""").fetchall()
    assert len(rows) > 1
    return [r[0] for r in rows]


def test_ask_json_clarify_carries_the_options(demo_db: Path) -> None:
    out = run("ask", AMBIGUOUS_LOT, "--db", str(demo_db), "--as-of", "2025-12-31", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["status"] == "clarify" and data["rows"] == [] and data["sql"] is None
    options = data["options"]
    assert all(set(o) == {"label", "question", "value"} for o in options)
    assert [o["value"] for o in options[:-1]] == _hengtai_lots(demo_db) and options[-1]["value"] == "*"
    assert all(o["value"] in o["question"] for o in options[:-1]) and data["extras"]["choices"] == options
    metric = json.loads(run("ask", "3号线上个月的OEE", "--db", str(demo_db), "--as-of", "2025-12-31", "--json").stdout)
    assert metric["status"] == "clarify" and sorted(o["value"] for o in metric["options"]) == ["CQ-L3", "NB-L3", "SZ-L3"]
    assert all(o["question"].endswith("3号线上个月的OEE") and o["question"] != "3号线上个月的OEE" for o in metric["options"])


def test_ask_text_lists_the_options_numbered(demo_db: Path) -> None:
    out = run("ask", AMBIGUOUS_LOT, "--db", str(demo_db), "--as-of", "2025-12-31")
    assert out.returncode == 0, out.stderr
    for i, lot in enumerate(_hengtai_lots(demo_db), 1):
        assert f"  {i}. {lot} · " in out.stdout, out.stdout


def test_chat_picks_an_option_by_its_number(demo_db: Path) -> None:
    second = _hengtai_lots(demo_db)[1]
    proc = subprocess.run([*EXE, "chat", "--db", str(demo_db), "--as-of", "2025-12-31"], cwd=ROOT, text=True,
                          capture_output=True, timeout=300, input=f"{AMBIGUOUS_LOT}\n2\nquit\n",
                          env={**os.environ, "FA_INDEX_DIR": str(ROOT / ".cache" / "test-data" / "index"),
                               "COLUMNS": "200"})
    assert proc.returncode == 0, proc.stderr
    assert "Type a number to choose." in proc.stdout
    assert f"material lot {second} → " in proc.stdout, proc.stdout  # the second option, traced
