"""Runs you can compare (issue 18): `eval diff OLD.json NEW.json` on two crafted result files, and the
report's first differing rows (gold vs answer) for a wrong item."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from assistant.core.errors import ConfigError
from assistant.surfaces.cli.main import app
from assistant.surfaces.evaluation.rowdiff import row_diff
from assistant.surfaces.evaluation.rundiff import diff_runs, load_results


def _item(item_id: str, lang: str, correct: bool, *, scored: bool = True, reason: str = "match") -> dict[str, Any]:
    return {
        "id": item_id,
        "question": f"question {item_id}",
        "lang": lang,
        "tags": [],
        "correct": correct,
        "scored": scored,
        "reason": reason,
    }


def _results(items: list[dict[str, Any]], by_tag: dict[str, Any], p50: float, p95: float) -> dict[str, Any]:
    counted = [i for i in items if i["scored"]]
    correct = sum(i["correct"] for i in counted)
    by_lang: dict[str, Any] = {}
    for lang in sorted({i["lang"] for i in counted}):
        group = [i for i in counted if i["lang"] == lang]
        hits = sum(i["correct"] for i in group)
        by_lang[lang] = {"accuracy": round(hits / len(group), 4), "correct": hits, "n": len(group)}
    summary = {
        "questions_name": "dev.yaml",
        "planner": "rules",
        "timestamp": "2026-01-01T00:00:00+00:00",
        "total": len(counted),
        "correct": correct,
        "accuracy": round(correct / len(counted), 4),
        "by_lang": by_lang,
        "by_tag": by_tag,
        "latency_ms": {"p50": p50, "p95": p95},
    }
    return {"summary": summary, "items": items}


OLD = _results(
    [
        _item("a", "en", True),
        _item("b", "en", False, reason="row count 3 vs 2"),
        _item("c", "zh", True),
        _item("d", "zh", True),
        _item("gone", "en", True),
        _item("draft", "zh", False, scored=False),
    ],
    {
        "oee": {"accuracy": 1.0, "correct": 2, "n": 2},
        "scrap": {"accuracy": 0.5, "correct": 1, "n": 2},
        "old_tag": {"accuracy": 1.0, "correct": 1, "n": 1},
    },
    p50=80.0,
    p95=200.0,
)
NEW = _results(
    [
        _item("a", "en", False, reason="column 'oee' not found in prediction"),
        _item("b", "en", True),
        _item("c", "zh", True),
        _item("d", "zh", False, reason="prediction is empty"),
        _item("added", "en", True),
        _item("draft", "zh", True),
    ],  # reviewed since: counted now
    {
        "oee": {"accuracy": 0.5, "correct": 1, "n": 2},
        "scrap": {"accuracy": 0.5, "correct": 1, "n": 2},
        "new_tag": {"accuracy": 1.0, "correct": 1, "n": 1},
    },
    p50=100.0,
    p95=150.0,
)


@pytest.fixture()
def files(tmp_path: Path) -> tuple[Path, Path]:
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text(json.dumps(OLD), encoding="utf-8")
    new.write_text(json.dumps(NEW), encoding="utf-8")
    return old, new


def test_diff_lists_flips_groups_and_latency(files: tuple[Path, Path]) -> None:
    diff = diff_runs(load_results(files[0]), load_results(files[1]))
    assert [f.id for f in diff.right_to_wrong] == ["a", "d"]
    assert [f.id for f in diff.wrong_to_right] == ["b"]
    assert diff.right_to_wrong[0].reason == "column 'oee' not found in prediction"
    assert (diff.only_old, diff.only_new, diff.newly_counted) == (["gone"], ["added"], ["draft"])
    langs = {g.group: (g.before, g.after, g.change) for g in diff.by_lang}
    assert langs == {"en": (0.6667, 0.6667, 0.0), "zh": (1.0, 0.6667, -0.3333)}
    tags = {g.group: (g.before, g.after) for g in diff.by_tag}
    assert tags == {"oee": (1.0, 0.5), "scrap": (0.5, 0.5), "old_tag": (1.0, None), "new_tag": (None, 1.0)}
    assert diff.by_tag[0].group == "oee"  # the largest drop first
    assert diff.latency == {"p50": (80.0, 100.0), "p95": (200.0, 150.0)}


def test_eval_diff_command(files: tuple[Path, Path]) -> None:
    result = CliRunner().invoke(app, ["eval", "diff", str(files[0]), str(files[1])])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    for expected in (
        "Accuracy 80.0% (4/5) -> 66.7% (4/6) -13.3 pts",
        "Right -> wrong (2)",
        "✗ a [en]: question a",
        "column 'oee' not found in prediction",
        "Wrong -> right (1)",
        "✓ b [en]: question b",
        "Only in OLD (1): gone",
        "Only in NEW (1): added",
        "Counted now, not before (reviewed since?) (1): draft",
        "zh 100.0% 66.7% -33.3 pts 2 3",
        "oee 100.0% 50.0% -50.0 pts 2 2",
        "1 tag(s) unchanged",
        "p50 80 -> 100 ms (+20.0 ms, +25%); p95 200 -> 150 ms (-50.0 ms, -25%)",
    ):
        assert expected in text, expected
    assert "scrap" not in text  # unchanged tags only with --all-tags
    every = CliRunner().invoke(app, ["eval", "diff", str(files[0]), str(files[1]), "--all-tags"])
    assert "scrap" in every.output
    strict = CliRunner().invoke(app, ["eval", "diff", str(files[0]), str(files[1]), "--fail-on-regression"])
    assert strict.exit_code == 1
    fixed = CliRunner().invoke(app, ["eval", "diff", str(files[1]), str(files[1]), "--fail-on-regression"])
    assert fixed.exit_code == 0 and "Right -> wrong (0)" in fixed.output


def test_eval_diff_says_what_is_wrong_with_its_input(files: tuple[Path, Path], tmp_path: Path) -> None:
    missing = CliRunner().invoke(app, ["eval", "diff", str(tmp_path / "nope.json"), str(files[1])])
    assert missing.exit_code == 2 and "Cannot read" in missing.output and "nope.json" in missing.output
    yaml_file = tmp_path / "dev.yaml"
    yaml_file.write_text("items: []\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not a results file written by `factory-assistant eval --output`"):
        load_results(yaml_file)
    no_items = tmp_path / "summary.json"
    no_items.write_text(json.dumps({"summary": {}}), encoding="utf-8")
    with pytest.raises(ConfigError, match="needs a 'summary' and 'items'"):
        load_results(no_items)


# --------------------------------------------------------------------------- first differing rows


def test_row_diff_pairs_the_row_whose_value_differs() -> None:
    gold = [("SZ", 0.61), ("NB", 0.72), ("CQ", 0.55)]
    answer = [(0.72, "NB", 9), (0.59, "SZ", 7), (0.55, "CQ", 3)]  # other column order, an extra column
    diff = row_diff(["plant_id", "oee"], gold, ["oee_value", "plant", "records"], answer)
    assert diff is not None
    assert diff.answer_columns == ["plant", "oee_value"]
    assert diff.rows == [{"gold": ["SZ", 0.61], "answer": ["SZ", 0.59]}]
    assert (diff.gold_only, diff.answer_only) == (1, 1)


def test_row_diff_shows_missing_and_extra_rows() -> None:
    gold = [("2025-11-01", 10), ("2025-12-01", 20)]
    answer = [("2025-12-01", 20), ("2026-01-01", 5), ("2026-02-01", 6)]
    diff = row_diff(["month", "n"], gold, ["month", "n"], answer)
    assert diff is not None and (diff.gold_only, diff.answer_only) == (1, 2)
    assert diff.rows == [
        {"gold": ["2025-11-01", 10], "answer": None},
        {"gold": None, "answer": ["2026-01-01", 5]},
        {"gold": None, "answer": ["2026-02-01", 6]},
    ]
    assert row_diff(["n"], [(1,)], ["n"], [(1.0000000001,)]) is None  # equal within tolerance: nothing to show


def test_row_diff_shows_the_wrong_number_under_the_gold_one() -> None:
    """No shared value and another name (a count answered with a sum): the column of the same kind lines up."""
    diff = row_diff(["events"], [(27736,)], ["plan", "minutes"], [("all", 1810970.5)])
    assert diff is not None and diff.answer_columns == ["minutes"]
    assert diff.rows == [{"gold": [27736], "answer": [1810970.5]}]


def test_report_shows_the_first_differing_rows(tmp_path: Path) -> None:
    from assistant.surfaces.evaluation.report import render_markdown
    from assistant.surfaces.evaluation.runner import EvalRun, ItemResult

    diff = row_diff(["plant_id", "oee"], [("SZ", 0.61), ("NB", 0.72)], ["plant", "oee"], [("SZ", 0.59), ("NB", 0.72)])
    assert diff is not None
    item = ItemResult(
        id="oee-by-plant",
        question="OEE by plant",
        lang="en",
        tags=["oee"],
        status="ok",
        correct=False,
        reason="column 'oee' not found in prediction",
        sql="SELECT 1",
        gold_sql="SELECT 2",
        columns=["plant", "oee"],
        rows=[["SZ", 0.59], ["NB", 0.72]],
        gold_rows_count=2,
        error=None,
        latency_ms=5.0,
        planner="rules",
        tokens=None,
        verdict="wrong",
        row_diff=diff.to_json(),
    )
    summary = {"accuracy": 0.0, "correct": 0, "total": 1, "questions_name": "q.yaml", "planner": "rules"}
    text = render_markdown(EvalRun(summary=summary, items=[item]))
    assert (
        "First differing rows (1 gold row(s) missing from the answer, 1 answer row(s) not in the gold result)" in text
    )
    assert "| | plant_id ← plant | oee |" in text
    assert "| gold | SZ | 0.61 |\n| answer | SZ | 0.59 |" in text
