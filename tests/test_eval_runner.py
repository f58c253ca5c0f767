"""The evaluation harness end to end: question file -> runner -> results.json, report, gate, promote.

The system under test is `ScriptedFakeAsker`, a test double that answers each known
question by running canned SQL on the tiny database and records every call, so the
test can prove that context turns are asked first, in the same session.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from assistant.core.errors import DatabaseUnavailable, ExecutionError
from assistant.explain.answer import Answer, Provenance
from assistant.surfaces.evaluation import (
    QuestionFileError,
    check_gate,
    load_questions,
    promote_command,
    run_eval,
    run_eval_command,
    update_baseline,
)
from assistant.surfaces.evaluation.command import _threshold
from assistant.surfaces.evaluation.db import GoldConnection
from assistant.surfaces.evaluation.promote import PromoteError
from assistant.surfaces.evaluation.questions import parse_questions
from assistant.surfaces.evaluation.report import write_report, write_results_json

FIXTURES = Path(__file__).parent / "fixtures" / "eval"
QUESTIONS = FIXTURES / "questions.yaml"
AS_OF = dt.date(2025, 12, 31)

_JOIN = "FROM production_records r JOIN production_lines l ON l.line_id = r.line_id JOIN plants p USING (plant_id)"
_DEC = "r.production_date BETWEEN DATE '2025-12-01' AND DATE '2025-12-31'"


@dataclass
class Scripted:
    sql: str | None = None  # None: refuse
    needs_context: str | None = None  # earlier question this follow-up depends on


# What the fake "assistant" answers. Deliberately different in form from the gold SQL
# (names instead of ids, other column order, extra columns, floats, reversed top-N).
SCRIPT: dict[str, Scripted] = {
    "Total output by plant in December 2025": Scripted(
        f"SELECT SUM(r.total_count)::DOUBLE AS output, p.plant_name {_JOIN} WHERE {_DEC} GROUP BY p.plant_name"),
    "2025年12月各工厂的良品率是多少？": Scripted(
        f"SELECT p.plant_id, SUM(r.good_count)::DOUBLE / SUM(r.total_count) * (1 + 1e-9) AS 良品率, "
        f"COUNT(*) AS records {_JOIN} WHERE {_DEC} GROUP BY p.plant_id"),
    "Top 2 lines by output in December 2025": Scripted(
        "SELECT * FROM (SELECT l.line_name, SUM(r.total_count) AS n " + _JOIN + f" WHERE {_DEC} "
        "GROUP BY l.line_name ORDER BY n DESC LIMIT 2) ORDER BY n ASC"),
    "And only for Ningbo?": Scripted(
        f"SELECT SUM(r.total_count) AS total_output {_JOIN} WHERE p.plant_name = 'Ningbo' AND {_DEC}",
        needs_context="Total output by plant in December 2025"),
    "What's the weather in Suzhou tomorrow?": Scripted(None),
    # Wrong on purpose: good_count instead of total_count.
    "Daily output at Suzhou for the last 3 days": Scripted(
        f"SELECT r.production_date, SUM(r.good_count) AS total_output {_JOIN} WHERE p.plant_id = 'SZ' "
        "AND r.production_date BETWEEN DATE '2025-12-29' AND DATE '2025-12-31' GROUP BY 1 ORDER BY 1"),
}
TOKENS = {"prompt_tokens": 100, "completion_tokens": 10}


class ScriptedFakeAsker:
    """TEST DOUBLE for the assistant: canned SQL per question, every call recorded."""

    def __init__(self, db: Path, script: dict[str, Scripted] = SCRIPT, name: str = "rules") -> None:
        self.db = db
        self.script = script
        self.name = name
        self.calls: list[tuple[int, str, dt.date | None]] = []  # (session number, question, as_of)
        self._sessions = 0
        self._con: duckdb.DuckDBPyConnection | None = None  # opened lazily, read-only like a real asker

    def new_session(self) -> object:
        self._sessions += 1
        return {"n": self._sessions, "history": []}

    def ask(self, question: str, *, session: Any, as_of: dt.date | None) -> Answer:
        self.calls.append((session["n"], question, as_of))
        entry = self.script[question]
        prov = Provenance(token_usage=dict(TOKENS))
        try:
            if entry.sql is None:
                return Answer(question, "refused", "I can only answer questions about the factory data.",
                              provenance=prov, planner=self.name)
            if entry.needs_context and entry.needs_context not in session["history"]:
                return Answer(question, "clarify", "Only for Ningbo: which metric?", provenance=prov,
                              planner=self.name)
            if self._con is None:
                self._con = duckdb.connect(str(self.db), read_only=True)
            cur = self._con.execute(entry.sql)
            cols = [d[0] for d in cur.description]
            rows = [list(r) for r in cur.fetchall()]
            return Answer(question, "ok", "Here you are.", sql=entry.sql, columns=cols, rows=rows,
                          provenance=prov, planner=self.name)
        finally:
            session["history"].append(question)


@pytest.fixture()
def tiny_db(tmp_path: Path) -> Path:
    """Three plants, four lines, three December days and one November day of records."""
    path = tmp_path / "tiny.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE plants (plant_id VARCHAR PRIMARY KEY, plant_name VARCHAR, plant_name_zh VARCHAR)")
    con.execute("INSERT INTO plants VALUES ('SZ','Suzhou','苏州'), ('NB','Ningbo','宁波'), ('CQ','Chongqing','重庆')")
    con.execute("CREATE TABLE production_lines (line_id VARCHAR PRIMARY KEY, plant_id VARCHAR, line_name VARCHAR, "
                "line_name_zh VARCHAR)")
    lines = [("SZ-L1", "SZ", "Suzhou Line 1", "苏州1号线"), ("SZ-L2", "SZ", "Suzhou Line 2", "苏州2号线"),
             ("NB-L1", "NB", "Ningbo Line 1", "宁波1号线"), ("CQ-L1", "CQ", "Chongqing Line 1", "重庆1号线")]
    con.executemany("INSERT INTO production_lines VALUES (?, ?, ?, ?)", lines)
    con.execute("CREATE TABLE production_records (record_id BIGINT, line_id VARCHAR, production_date DATE, "
                "total_count INTEGER, good_count INTEGER)")
    rows, rid = [], 0
    for n, (line_id, *_rest) in enumerate(lines):
        for day in (dt.date(2025, 11, 30), dt.date(2025, 12, 29), dt.date(2025, 12, 30), dt.date(2025, 12, 31)):
            rid += 1
            total = 100 * (n + 1) + 7 * day.day  # distinct totals: no ties in the top-N
            rows.append((rid, line_id, day, total, total - (n + day.day % 3 + 1)))
    con.executemany("INSERT INTO production_records VALUES (?, ?, ?, ?, ?)", rows)
    con.close()
    return path


def test_end_to_end_results_report_and_exit_codes(tiny_db: Path, tmp_path: Path) -> None:
    asker = ScriptedFakeAsker(tiny_db)
    out = tmp_path / "out"
    code = run_eval_command(QUESTIONS, tiny_db, None, "rules", out / "results.json", out / "report.md", 0.8,
                            lambda planner: asker)
    assert code == 0  # 5/6 >= 0.8

    # Context turn first, then the follow-up, in one and the same session.
    follow = [c for c in asker.calls if c[1] in ("Total output by plant in December 2025", "And only for Ningbo?")]
    assert [c[1] for c in follow[-2:]] == ["Total output by plant in December 2025", "And only for Ningbo?"]
    assert follow[-1][0] == follow[-2][0]
    sessions = [c[0] for c in asker.calls]
    assert len(set(sessions)) == 6  # one fresh session per item
    as_ofs = {q: a for _, q, a in asker.calls}
    assert as_ofs["Top 2 lines by output in December 2025"] == dt.date(2025, 12, 30)  # item override
    assert as_ofs["What's the weather in Suzhou tomorrow?"] == AS_OF  # the file's

    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert set(data) == {"summary", "items"}
    s = data["summary"]
    assert (s["total"], s["correct"], s["accuracy"]) == (6, 5, 0.8333)
    assert s["by_lang"] == {"en": {"accuracy": 0.8, "correct": 4, "n": 5}, "zh": {"accuracy": 1.0, "correct": 1, "n": 1}}
    assert s["by_tag"]["output"] == {"accuracy": 0.75, "correct": 3, "n": 4}
    assert s["by_tag"]["time"]["accuracy"] == 0.0
    assert s["by_planner"] == {"rules": {"accuracy": 0.8333, "correct": 5, "n": 6}}
    assert s["refusals"] == {"expected": 1, "correct": 1, "false_refusals": 0}
    assert s["clarify"] == {"expected": 0, "correct": 0, "needless": 0}
    assert s["wrong_with_data"] == 1  # daily-output-sz: answered, with the wrong column
    assert s["tokens_total"] == {"prompt_tokens": 700, "completion_tokens": 70}  # 6 questions + 1 context turn
    assert s["latency_ms"]["p50"] is not None and s["latency_ms"]["p95"] >= s["latency_ms"]["p50"]
    assert s["questions_name"] == "questions.yaml" and s["as_of"] == "2025-12-31" and s["planner"] == "rules"
    assert s["gold_errors"] == 0 and s["gold_empty"] == [] and "timestamp" in s

    items = {i["id"]: i for i in data["items"]}
    keys = {"id", "question", "lang", "tags", "status", "correct", "reason", "sql", "gold_sql", "columns", "rows",
            "gold_rows_count", "error", "latency_ms", "planner", "tokens"}
    assert all(keys <= set(i) for i in items.values())
    assert [i for i, v in items.items() if not v["correct"]] == ["daily-output-sz"]
    wrong = items["daily-output-sz"]
    assert "column 'total_output' not found" in wrong["reason"]
    assert wrong["rows"][0][0] == "2025-12-29" and isinstance(wrong["rows"][0][1], int)  # JSON values
    assert wrong["gold_rows_count"] == 3 and wrong["tokens"] == TOKENS
    assert items["weather"]["status"] == "refused" and items["weather"]["reason"] == "refused as expected"
    assert items["top-lines"]["correct"] and "top-2" in items["top-lines"]["reason"]
    assert items["quality-by-plant-zh"]["columns"] == ["plant_id", "良品率", "records"]

    report = (out / "report.md").read_text(encoding="utf-8")
    assert "**Accuracy 83.3%** (5/6 correct)" in report
    assert "## By tag" in report and "| time | 0.0% | 0 | 1 |" in report
    assert "## By language" in report and "| zh | 100.0% | 1 | 1 |" in report
    assert "## Failures (1)" in report and "### daily-output-sz: Daily output at Suzhou" in report
    failure = report.split("### daily-output-sz")[1]
    assert "```sql\nSELECT r.production_date, SUM(r.good_count)" in failure
    assert "```sql\nSELECT r.production_date AS day, SUM(r.total_count)" in failure
    assert "![Accuracy by tag](report-by-tag.png)" in report
    assert (out / "report-by-tag.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    # The same run against a higher bar fails; 90 means 90%.
    assert run_eval_command(QUESTIONS, tiny_db, None, "rules", None, None, 0.9,
                            lambda planner: ScriptedFakeAsker(tiny_db)) == 1
    assert _threshold(90) == 0.9 and _threshold(0.85) == 0.85 and _threshold(None) is None


def test_context_turns_are_what_makes_the_followup_correct(tiny_db: Path) -> None:
    """Without its context the scripted follow-up asks to clarify, which is graded wrong."""
    qset = load_questions(QUESTIONS)
    data = {"as_of": AS_OF, "items": [qset.item("followup-ningbo").model_dump(exclude={"context"})]}
    run = run_eval(parse_questions(data), ScriptedFakeAsker(tiny_db), tiny_db)
    assert run.items[0].status == "clarify" and not run.items[0].correct
    assert run.items[0].reason.startswith("asked for clarification")


def test_refuse_item_answered_is_wrong_and_crash_is_recorded(tiny_db: Path) -> None:
    script = dict(SCRIPT)
    script["What's the weather in Suzhou tomorrow?"] = Scripted("SELECT 1 AS x")

    class Crashing(ScriptedFakeAsker):
        def ask(self, question: str, *, session: Any, as_of: dt.date | None) -> Answer:
            if question.startswith("Daily output"):
                raise RuntimeError("planner exploded")
            return super().ask(question, session=session, as_of=as_of)

    run = run_eval(load_questions(QUESTIONS), Crashing(tiny_db, script), tiny_db)
    by_id = {i.id: i for i in run.items}
    assert not by_id["weather"].correct and "expected a refusal" in by_id["weather"].reason
    assert by_id["daily-output-sz"].status == "error" and "planner exploded" in (by_id["daily-output-sz"].error or "")
    assert run.summary["refusals"]["correct"] == 0 and run.summary["status_counts"]["error"] == 1


def test_gate_catches_a_planted_wrong_gold_answer(tiny_db: Path, tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    original = run_eval(load_questions(QUESTIONS), ScriptedFakeAsker(tiny_db), tiny_db)
    assert update_baseline(original.summary, baseline, "questions.yaml", "rules") == 0.8333
    assert check_gate(original.summary, baseline, "questions.yaml", "rules").passed

    # Same file name in another folder, one gold answer planted wrong (good instead of total).
    planted_dir = tmp_path / "planted"
    planted_dir.mkdir()
    planted = planted_dir / "questions.yaml"
    text = QUESTIONS.read_text(encoding="utf-8")
    marker = "SELECT l.plant_id, SUM(r.total_count) AS total_output"
    assert marker in text
    planted.write_text(text.replace(marker, "SELECT l.plant_id, SUM(r.good_count) AS total_output"), encoding="utf-8")
    results = tmp_path / "planted-results.json"
    assert run_eval_command(planted, tiny_db, None, "rules", results, None, None, lambda p: ScriptedFakeAsker(tiny_db),
                            baseline=baseline) == 1  # the command exits 1 on a failed gate
    worse = json.loads(results.read_text(encoding="utf-8"))
    assert worse["summary"]["correct"] == 4
    gate = check_gate(worse["summary"], baseline, "questions.yaml", "rules")
    assert not gate.passed and gate.baseline == 0.8333 and "regression" in gate.message
    assert run_eval_command(QUESTIONS, tiny_db, None, "rules", None, None, None, lambda p: ScriptedFakeAsker(tiny_db),
                            baseline=baseline) == 0

    # The baseline only ever rises.
    assert update_baseline(worse["summary"], baseline, "questions.yaml", "rules") == 0.8333
    assert json.loads(baseline.read_text())["questions.yaml"]["rules"] == 0.8333
    assert update_baseline(0.9, baseline, "questions.yaml", "rules") == 0.9
    assert update_baseline(0.5, baseline, "questions.yaml", "rules") == 0.9
    assert json.loads(baseline.read_text()) == {"questions.yaml": {"rules": 0.9}}
    assert check_gate(0.5, baseline, "questions.yaml", "llm").passed  # no baseline for that planner yet


def test_promote_appends_and_keeps_the_file(tiny_db: Path, tmp_path: Path) -> None:
    verified = tmp_path / "verified_queries.yaml"
    shutil.copy(FIXTURES / "verified_queries.yaml", verified)
    promote_command("top-lines", QUESTIONS, verified)
    text = verified.read_text(encoding="utf-8")
    assert text.startswith("# Verified questions") and "# This comment must survive a promote." in text
    assert "# flow maps are fine inside entries" in text and text.rstrip().endswith("# (end of verified queries)")
    data = yaml.safe_load(text)
    entries = data["verified_queries"]
    assert len(entries) == 3 and entries[0]["question"] == "What was OEE by plant last month?"
    assert entries[-1] == {"question": "Top 2 lines by output in December 2025", "lang": "en",
                           "sql": load_questions(QUESTIONS).item("top-lines").gold_sql.strip(),
                           "source": "eval:top-lines",
                           "as_of": str(load_questions(QUESTIONS).effective_as_of(load_questions(QUESTIONS).item("top-lines")))}
    try:  # the retrieval side's own model, when the semantic layer package provides it
        from semantic_layer.models import VerifiedQuery
    except ImportError:
        VerifiedQuery = None
    if VerifiedQuery is not None:
        assert [VerifiedQuery.model_validate(e) for e in entries]

    # From results.json as well; Chinese stays readable in the file.
    run = run_eval(load_questions(QUESTIONS), ScriptedFakeAsker(tiny_db), tiny_db)
    results = write_results_json(run, tmp_path / "results.json")
    promote_command("quality-by-plant-zh", results, verified)
    assert "良品率" in verified.read_text(encoding="utf-8")
    assert len(yaml.safe_load(verified.read_text(encoding="utf-8"))["verified_queries"]) == 4

    with pytest.raises(PromoteError, match="already promoted"):
        promote_command("top-lines", QUESTIONS, verified)
    with pytest.raises(PromoteError, match="refusal"):
        promote_command("weather", QUESTIONS, verified)
    with pytest.raises(PromoteError, match="follow-up"):
        promote_command("followup-ningbo", QUESTIONS, verified)
    with pytest.raises(PromoteError, match="Did you mean 'top-lines'"):
        promote_command("top-line", QUESTIONS, verified)


def test_promote_into_a_block_followed_by_another_section(tmp_path: Path) -> None:
    verified = tmp_path / "layer.yaml"
    verified.write_text("verified_queries: []  # none yet\n\n# metrics follow\nmetrics:\n  - name: oee\n",
                        encoding="utf-8")
    promote_command("output-by-plant", QUESTIONS, verified)
    data = yaml.safe_load(verified.read_text(encoding="utf-8"))
    assert data["metrics"] == [{"name": "oee"}]
    assert [e["source"] for e in data["verified_queries"]] == ["eval:output-by-plant"]
    assert "# metrics follow\nmetrics:" in verified.read_text(encoding="utf-8")

    fresh = tmp_path / "new" / "verified.yaml"
    promote_command("output-by-plant", QUESTIONS, fresh)
    assert yaml.safe_load(fresh.read_text(encoding="utf-8"))["verified_queries"][0]["lang"] == "en"


@pytest.mark.parametrize(("item", "expected"), [
    ({"id": "q1", "question": "x", "lang": "en"}, "item 'q1' (items[0]): give exactly one of 'gold_sql' or 'expect: refuse'"),
    ({"id": "q1", "question": "x", "lang": "en", "gold_sql": "SELECT 1", "expect": "refuse"}, "exactly one of"),
    ({"id": "q1", "question": "x", "lang": "fr", "gold_sql": "SELECT 1"}, "item 'q1' (items[0]), field 'lang'"),
    ({"id": "q1", "question": "x", "lang": "en", "gold_sql": "SELECT 1", "tag": ["a"]}, "field 'tag'"),
    ({"id": "q1", "question": "x", "lang": "en", "expect": "refused"}, "field 'expect'"),
    ({"question": "x", "lang": "en", "gold_sql": "SELECT 1"}, "items[0], field 'id': Field required"),
])
def test_question_file_errors_name_file_item_and_field(item: dict[str, Any], expected: str) -> None:
    with pytest.raises(QuestionFileError) as err:
        parse_questions({"items": [item]}, source="bad.yaml")
    assert str(err.value).startswith("bad.yaml: ")
    assert expected in str(err.value)


def test_question_file_duplicate_ids_and_yaml_errors(tmp_path: Path) -> None:
    item = {"id": "q1", "question": "x", "lang": "en", "gold_sql": "SELECT 1"}
    with pytest.raises(QuestionFileError, match=r"item 'q1' \(items\[1\]\), field 'id': duplicate id"):
        parse_questions({"items": [item, item]}, source="dup.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("items:\n  - id: q1\n   question: [\n", encoding="utf-8")
    with pytest.raises(QuestionFileError, match=r"broken\.yaml:\d+:\d+: not valid YAML"):
        load_questions(broken)


def test_broken_gold_sql_is_reported_not_raised(tiny_db: Path, tmp_path: Path) -> None:
    data = {"as_of": AS_OF, "items": [{"id": "bad-gold", "question": "Total output by plant in December 2025",
                                       "lang": "en", "gold_sql": "SELECT nope FROM production_records"},
                                      {"id": "empty-gold", "question": "Total output by plant in December 2025",
                                       "lang": "en", "gold_sql": "SELECT plant_id FROM plants WHERE false"}]}
    run = run_eval(parse_questions(data), ScriptedFakeAsker(tiny_db), tiny_db)
    assert not run.items[0].correct and run.items[0].reason.startswith("gold SQL failed")
    assert not run.items[1].correct and run.items[1].reason.startswith("gold result is empty")
    assert run.summary["gold_errors"] == 1 and run.summary["gold_empty"] == ["empty-gold"]
    md, _ = write_report(run, tmp_path / "r.md")
    text = md.read_text(encoding="utf-8")
    assert "gold SQL query failed" in text and "gold result empty (any empty answer passes): empty-gold" in text


def test_gold_connection_never_writes(tiny_db: Path) -> None:
    with GoldConnection(tiny_db) as con:
        for write in ("DELETE FROM plants", "SELECT 1; DELETE FROM plants", "CREATE TABLE x AS SELECT 1 AS a"):
            with pytest.raises(ExecutionError):
                con.query(write)
        assert con.query("SELECT count(*) AS n FROM plants") == (["n"], [(3,)])
    # The product's read-only connection: a file this process holds read-write is refused,
    # with a sentence, rather than read through a connection that could write.
    writer = duckdb.connect(str(tiny_db))
    try:
        with pytest.raises(DatabaseUnavailable, match="already open with other settings"):
            GoldConnection(tiny_db)
    finally:
        writer.close()


def test_missing_evaluation_database_names_a_command_that_exists(tmp_path: Path) -> None:
    with pytest.raises(DatabaseUnavailable) as err:
        GoldConnection(tmp_path / "nope.duckdb")
    assert "nope.duckdb' does not exist" in str(err.value)
    assert "factory-assistant demo-data --out" in str(err.value)


def test_run_eval_command_reports_a_bad_question_file(tiny_db: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("items:\n  - id: q1\n    question: x\n    lang: en\n", encoding="utf-8")
    assert run_eval_command(bad, tiny_db, None, "rules", None, None, None, lambda p: ScriptedFakeAsker(tiny_db)) == 2


def test_expect_clarify_is_correct_only_when_the_assistant_asks_back() -> None:
    from assistant.surfaces.evaluation.runner import grade

    item = parse_questions({"items": [{"id": "line-3", "question": "OEE of line 3?", "lang": "en",
                                       "expect": "clarify"}]}).items[0]
    assert item.expects_clarify and not item.expects_refusal
    asked = Answer("OEE of line 3?", "clarify", "Which line 3: Ningbo, Suzhou or Dongguan?")
    assert grade(item, asked, None, None) == (True, "asked back as expected")
    guessed = Answer("OEE of line 3?", "ok", "OEE was 71%.", columns=["oee"], rows=[[0.71]])
    correct, reason = grade(item, guessed, None, None)
    assert not correct and "expected a question back, got status 'ok' with 1 row(s)" in reason
    refused = Answer("OEE of line 3?", "refused", "No such line.")
    assert grade(item, refused, None, None)[0] is False


def test_an_item_with_gold_sql_and_expect_clarify_is_a_typo() -> None:
    with pytest.raises(QuestionFileError, match="expect: clarify"):
        parse_questions({"items": [{"id": "x", "question": "q", "lang": "en", "expect": "clarify",
                                    "gold_sql": "SELECT 1"}]})
