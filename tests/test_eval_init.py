"""Your own questions, quickly (issue 18): `eval init --db URL --out FILE` drafts a question file from the
layer. The file loads with the harness's loader, every item is an unreviewed draft, its gold SQL
runs, and its questions are answered through the harness, on the demo database and on an
unrelated layer (the bike shop) alike."""

from __future__ import annotations

import importlib.util
import shutil
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.core.settings import Settings
from assistant.pipeline import Pipeline
from assistant.sql.executor import Executor
from assistant.surfaces.cli.eval_commands import PipelineAsker
from assistant.surfaces.cli.main import app
from assistant.surfaces.evaluation.questions import load_questions
from assistant.surfaces.evaluation.runner import run_eval
from semantic_layer.loader import load_layer
from tests.conftest import CACHE, EVAL_END

BIKESHOP = Path(__file__).resolve().parent / "fixtures" / "bikeshop"


@pytest.fixture()
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FA_CONFIG", str(tmp_path / "config.toml"))  # no user config file
    monkeypatch.setenv("FA_INDEX_DIR", str(CACHE / "index"))
    for name in ("FA_DB", "FA_LAYER", "FA_USERS"):
        monkeypatch.delenv(name, raising=False)


def _init(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["eval", "init", *args])
    return result.exit_code, " ".join(result.output.split())


def test_eval_init_drafts_a_file_that_loads_and_runs(
    demo_db: Path, pipeline, layer, tmp_path: Path, cli_env: None
) -> None:
    db = shutil.copy(demo_db, tmp_path / "factory.duckdb")  # the command opens its own copy
    out = tmp_path / "mine.yaml"
    code, text = _init("--db", str(db), "--out", str(out), "--as-of", EVAL_END.isoformat())
    assert code == 0, text
    qset = load_questions(out)  # the harness's own loader: the draft validates
    items = qset.items
    assert f"Wrote {len(items)} draft questions" in text and "not drafted" not in text
    assert qset.gold_dialect == "duckdb" and qset.as_of == EVAL_END
    assert all(not i.reviewed for i in items)  # drafts, every one of them

    # One question per metric in each language; each dimension broken down in both, and filtered.
    per_metric = Counter((i.tags[0], i.lang) for i in items if "single_number" in i.tags)
    assert set(per_metric) == {(m.name, lang) for m in layer.spec.metrics for lang in ("en", "zh")}
    assert set(per_metric.values()) == {1}
    dims = [d.name for d in layer.spec.dimensions]
    assert {(t[3:], i.lang) for i in items for t in i.tags if t.startswith("by_")} == {
        (d, lang) for d in dims for lang in ("en", "zh")
    }
    named = {d for d in dims if pipeline.values.of(d)}  # a member to name: the catalogue has the dimension's values
    catalogued = [d for d in layer.spec.dimensions if d.index_values]  # 'supplier_category' keeps its values out
    assert {t[7:] for i in items for t in i.tags if t.startswith("filter_")} == named and len(named) >= len(catalogued) - 3
    assert sum(i.expect == "refuse" for i in items) == 2

    run = run_eval(qset, PipelineAsker(pipeline, "rules"), demo_db, equivalence_groups=layer.value_equivalence_groups())
    s = run.summary
    assert s["gold_errors"] == 0 and s["gold_empty"] == [], [i.reason for i in run.items if i.error]
    assert "error" not in s["status_counts"]
    assert (s["total"], s["accuracy"], s["unreviewed"]) == (0, None, len(items))  # no figure from drafts
    # Drafts the assistant answers as the compiler drafted them; the few others are for the reviewer.
    assert s["unreviewed_agree"] >= 0.9 * len(items), [f"{i.id}: {i.reason}" for i in run.items if not i.correct]

    again, said = _init("--db", str(db), "--out", str(out))
    assert again == 2 and "already exists; nothing was written" in said


def test_eval_init_on_an_unrelated_layer(tmp_path: Path, cli_env: None) -> None:
    spec = importlib.util.spec_from_file_location("bikeshop_build_db", BIKESHOP / "build_db.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    db = module.build(tmp_path / "bikeshop.duckdb")
    out = tmp_path / "bikes.yaml"
    code, text = _init("--db", str(db), "--layer", str(BIKESHOP / "layer"), "--out", str(out), "--as-of", "2025-06-15")
    assert code == 0, text
    qset = load_questions(out)
    bikes = load_layer(BIKESHOP / "layer")
    assert {i.tags[0] for i in qset.items if "single_number" in i.tags} == {m.name for m in bikes.spec.metrics}
    with Pipeline(
        bikes,
        Executor(str(tmp_path / "bikeshop.duckdb")),
        settings=Settings(as_of=qset.as_of),
        index_dir=CACHE / "index",
    ) as pipe:
        run = run_eval(qset, PipelineAsker(pipe, "rules"), db, equivalence_groups=bikes.value_equivalence_groups())
    assert run.summary["gold_errors"] == 0 and "error" not in run.summary["status_counts"]
    assert run.summary["unreviewed_agree"] >= 0.8 * len(qset.items), [
        f"{i.id}: {i.reason}" for i in run.items if not i.correct
    ]


def test_eval_init_reports_bad_input(tmp_path: Path, cli_env: None) -> None:
    code, text = _init("--db", str(tmp_path / "missing.duckdb"), "--out", str(tmp_path / "q.yaml"))
    assert code == 2 and "Cannot draft questions" in text and not (tmp_path / "q.yaml").exists()
    code, text = _init("--db", str(tmp_path / "missing.duckdb"), "--out", str(tmp_path / "q.yaml"), "--as-of", "May")
    assert code == 2 and "'May' is not a date" in text
