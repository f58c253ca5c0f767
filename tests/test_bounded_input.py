"""Input the pipeline will not read: every surface refuses it clearly, before any planning."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from assistant.core.text import valid_unicode

ROOT = Path(__file__).resolve().parents[1]


def test_a_pasted_document_is_refused_with_the_limit(pipeline) -> None:
    limit = pipeline.settings.max_question_chars
    answer = pipeline.ask("OEE by plant last month " * 5000)  # ~120 KB
    assert answer.status == "refused" and f"{limit:,}" in answer.message and "too long" in answer.message
    assert "plan" not in answer.timings_ms  # refused before the planner ran
    zh = pipeline.ask("上个月各工厂的报废率" * 2000)
    assert zh.status == "refused" and "问题太长" in zh.message


def test_a_question_at_the_limit_is_still_read(pipeline) -> None:
    limit = pipeline.settings.max_question_chars
    question = "OEE by plant last month" + " " * (limit - len("OEE by plant last month"))
    assert len(question) == limit
    assert pipeline.ask(question).status == "ok"


def test_bytes_that_are_not_utf8_become_replacement_characters() -> None:
    raw = b"OEE \xff by plant".decode("utf-8", "surrogateescape")
    assert valid_unicode(raw) == "OEE \ufffd by plant"
    assert valid_unicode("宁波 OEE") == "宁波 OEE"


def test_cli_json_stays_valid_for_invalid_utf8_and_long_questions(demo_db: Path) -> None:
    env = {**os.environ, "FA_INDEX_DIR": str(ROOT / ".cache" / "test-data" / "index")}
    exe = [sys.executable, "-m", "assistant.surfaces.cli.main", "ask"]
    bad = subprocess.run([*exe, os.fsdecode(b"OEE \xff by plant last month"), "--db", str(demo_db), "--json"],
                         cwd=ROOT, capture_output=True, timeout=300, env=env)
    assert bad.returncode == 0, bad.stderr
    assert json.loads(bad.stdout.decode("utf-8"))["question"] == "OEE \ufffd by plant last month"
    long = subprocess.run([*exe, "scrap rate " * 1000, "--db", str(demo_db), "--json"],
                          cwd=ROOT, capture_output=True, timeout=300, env=env, text=True)
    assert json.loads(long.stdout)["status"] == "refused"
