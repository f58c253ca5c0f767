"""The evaluation harness on PostgreSQL (issue 18): the development and held-out sets, written in
DuckDB SQL, are transpiled and graded on a PostgreSQL copy of the evaluation database, and every
item gets the verdict it gets on DuckDB. Needs FA_TEST_PG_URL (.ci/run starts a server)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from assistant.core.errors import ExecutionError
from assistant.core.settings import Settings
from assistant.pipeline import Pipeline
from assistant.sql.executor import Executor
from assistant.surfaces.cli.main import app
from assistant.surfaces.evaluation.db import GoldConnection
from assistant.surfaces.evaluation.questions import load_questions
from tests.conftest import CACHE, EVAL_END
from tests.eval_runs import EVAL_DIR, rules_run


@pytest.fixture(scope="module")
def pg_pipeline(pg_url: str, layer):
    pipe = Pipeline(layer, Executor(pg_url), settings=Settings(as_of=EVAL_END), index_dir=CACHE / "index")
    yield pipe
    pipe.close()


def _verdict(correct: bool) -> str:
    return "right" if correct else "wrong"


@pytest.mark.parametrize("name", ["dev.yaml", "holdout.yaml"])
def test_same_verdicts_on_postgresql_as_on_duckdb(name: str, pipeline, demo_db: Path, pg_pipeline, pg_url: str) -> None:
    _, duck = rules_run(pipeline, demo_db, name)
    _, pg = rules_run(pg_pipeline, pg_url, name)
    s = pg.summary
    assert (s["database_dialect"], s["gold_dialect"]) == ("postgres", "duckdb")  # gold was transpiled
    assert s["gold_untranspilable"] == 0 and s["gold_errors"] == 0, s["not_scored"]
    on_duckdb = {i.id: i for i in duck.items}
    differ = [
        f"{i.id}: DuckDB {_verdict(on_duckdb[i.id].correct)} ({on_duckdb[i.id].reason}); "
        f"PostgreSQL {_verdict(i.correct)} ({i.reason})"
        for i in pg.items
        if i.correct != on_duckdb[i.id].correct
    ]
    assert not differ, f"{len(differ)} item(s) of {name} differ between DuckDB and PostgreSQL:\n" + "\n".join(differ)
    assert (s["correct"], s["total"]) == (duck.summary["correct"], duck.summary["total"])


def test_eval_command_takes_a_postgresql_url(pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The URL reaches the gold connection intact (no '//' collapsed into a path); a gold query
    sqlglot cannot write for PostgreSQL is reported as such and counts in no figure."""
    monkeypatch.setenv("FA_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("FA_INDEX_DIR", str(CACHE / "index"))
    holdout = load_questions(EVAL_DIR / "holdout.yaml")
    picked = [
        i.model_dump(exclude_none=True, exclude_defaults=True) | {"lang": i.lang} for i in holdout.items if i.gold_sql
    ][:4]
    pivot = {
        "id": "pivot-only-duckdb",
        "question": picked[0]["question"],
        "lang": "en",
        "gold_sql": "SELECT * FROM plants PIVOT (count(*) FOR plant_id IN ('SZ', 'NB'))",
    }
    questions = tmp_path / "few.yaml"
    questions.write_text(
        yaml.safe_dump({"as_of": EVAL_END, "items": [*picked, pivot]}, allow_unicode=True), encoding="utf-8"
    )
    out = tmp_path / "results.json"
    result = CliRunner().invoke(
        app,
        ["eval", "--questions", str(questions), "--db", pg_url, "--as-of", EVAL_END.isoformat(), "--output", str(out)],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    s = data["summary"]
    assert s["database"].startswith("postgresql+psycopg://") and s["database_dialect"] == "postgres"
    assert (s["correct"], s["total"], s["gold_untranspilable"]) == (4, 4, 1)
    pivot_result = next(i for i in data["items"] if i["id"] == "pivot-only-duckdb")
    assert pivot_result["verdict"] == "gold_untranspilable" and not pivot_result["scored"]
    assert "from duckdb to postgres" in pivot_result["reason"]
    assert "1 whose gold SQL could not be transpiled from duckdb to postgres" in " ".join(result.output.split())

    # FA_DB names the database as well as --db does.
    monkeypatch.setenv("FA_DB", pg_url)
    again = CliRunner().invoke(
        app, ["eval", "--questions", str(questions), "--as-of", EVAL_END.isoformat(), "--output", str(out)]
    )
    assert again.exit_code == 0, again.output
    assert json.loads(out.read_text(encoding="utf-8"))["summary"]["database_dialect"] == "postgres"


def test_an_unreachable_url_is_named_whole_without_its_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The report of issue 18: the URL was read as a file path ('//' collapsed) and the hint named a
    command that does not exist. Needs no server: nothing listens on port 1."""
    monkeypatch.setenv("FA_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("FA_INDEX_DIR", str(CACHE / "index"))
    result = CliRunner().invoke(
        app,
        [
            "eval",
            "--questions",
            str(EVAL_DIR / "holdout.yaml"),
            "--db",
            "postgresql+psycopg://reader:s3cret@127.0.0.1:1/mes",
        ],
    )
    text = " ".join(result.output.split())
    assert result.exit_code == 2, text
    assert "Cannot open the evaluation database postgresql+psycopg://reader:***@127.0.0.1:1/mes" in text
    assert "s3cret" not in text and "does not exist" not in text


def test_gold_connection_on_postgresql_only_reads(pg_url: str) -> None:
    with GoldConnection(pg_url) as con:
        assert con.dialect == "postgres"
        for write in ("DELETE FROM plants", "SELECT 1; DELETE FROM plants", "CREATE TABLE x AS SELECT 1 AS a"):
            with pytest.raises(ExecutionError):
                con.query(write)
        assert con.query("SELECT count(*) AS n FROM plants") == (["n"], [(3,)])
        assert con.columns("no_such_table") is None and "plant_id" in (con.columns("plants") or [])
