"""Gold SQL in another dialect (issue 18): a question file declares `gold_dialect`; gold written for
PostgreSQL is transpiled by sqlglot and graded on DuckDB, a gold query sqlglot cannot transpile
gets its own verdict and counts in no figure, and unreviewed drafts count in no figure either."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml
from rich.console import Console

from assistant.explain.answer import Answer
from assistant.surfaces.evaluation import QuestionFileError, run_eval, run_eval_command
from assistant.surfaces.evaluation.gold import GoldUntranspilable, transpile_gold
from assistant.surfaces.evaluation.questions import parse_questions
from assistant.surfaces.evaluation.report import render_markdown

MONTHLY = "Total output per month in 2025"
# DuckDB has no to_char and no '::numeric' in this spelling of a month: this only runs transpiled.
PG_MONTHLY = (
    "SELECT to_char(production_date, 'YYYY-MM') AS month, SUM(total_count)::numeric AS output "
    "FROM production_records WHERE production_date >= DATE '2025-01-01' GROUP BY 1"
)
DUCK_MONTHLY = (
    "SELECT strftime(production_date, '%Y-%m') AS m, SUM(total_count) AS n FROM production_records "
    "WHERE production_date >= DATE '2025-01-01' GROUP BY 1 ORDER BY 1"
)
PLANTS = "How many plants are there?"


class SqlAsker:
    """TEST DOUBLE for the assistant: answers each question with fixed DuckDB SQL on the demo database."""

    name = "rules"

    def __init__(self, db: Path, answers: dict[str, str]) -> None:
        self.db, self.answers = db, answers

    def new_session(self) -> object:
        return {}

    def ask(self, question: str, *, session: Any, as_of: dt.date | None) -> Answer:
        with duckdb.connect(str(self.db), read_only=True) as con:
            cur = con.execute(self.answers[question])
            cols = [d[0] for d in cur.description]
            rows = [list(r) for r in cur.fetchall()]
        return Answer(question, "ok", "Here you are.", sql=self.answers[question], columns=cols, rows=rows)


def _questions(items: list[dict[str, Any]], **head: Any) -> Any:
    return parse_questions({"as_of": "2025-12-31", **head, "items": items})


def test_postgresql_gold_is_transpiled_and_graded_on_duckdb(demo_db: Path) -> None:
    item = {"id": "monthly", "question": MONTHLY, "lang": "en", "gold_sql": PG_MONTHLY}
    asker = SqlAsker(demo_db, {MONTHLY: DUCK_MONTHLY})

    run = run_eval(_questions([item], gold_dialect="postgres"), asker, demo_db, equivalence_groups=[])
    [result] = run.items
    assert result.correct and result.scored, result.reason
    assert result.gold_rows_count == 12
    assert result.gold_sql == PG_MONTHLY and "STRFTIME" in (result.gold_sql_run or "")
    assert (run.summary["gold_dialect"], run.summary["database_dialect"]) == ("postgres", "duckdb")

    # The same text declared as DuckDB SQL runs as written, and DuckDB cannot run it.
    as_duckdb = run_eval(_questions([item]), asker, demo_db, equivalence_groups=[])
    assert not as_duckdb.items[0].correct and as_duckdb.items[0].reason.startswith("gold SQL failed")


def test_untranspilable_gold_is_its_own_verdict_not_a_wrong_answer(demo_db: Path) -> None:
    items = [
        {
            "id": "sampled",
            "question": PLANTS,
            "lang": "en",
            "gold_sql": "SELECT plant_id FROM plants SAMPLE (10 ROWS)",
        },  # Snowflake: no DuckDB equivalent
        {"id": "plants", "question": PLANTS, "lang": "en", "gold_sql": "SELECT COUNT(*) AS n FROM plants"},
    ]
    asker = SqlAsker(demo_db, {PLANTS: "SELECT COUNT(*) AS plants FROM plants"})
    run = run_eval(_questions(items, gold_dialect="snowflake"), asker, demo_db, equivalence_groups=[])
    by_id = {i.id: i for i in run.items}
    sampled = by_id["sampled"]
    assert sampled.verdict == "gold_untranspilable" and not sampled.scored and sampled.status == "not_run"
    assert "from snowflake to duckdb" in sampled.reason
    s = run.summary
    assert (s["correct"], s["total"], s["accuracy"]) == (1, 1, 1.0)  # not 1/2: the item says nothing of the assistant
    assert s["gold_untranspilable"] == 1 and s["not_scored"]["gold_untranspilable"] == ["sampled"]
    report = render_markdown(run)
    assert "Not counted: 1 whose gold SQL could not be transpiled from snowflake to duckdb" in report
    assert "| sampled | gold untranspilable |" in report


def test_transpile_gold_raises_instead_of_guessing() -> None:
    assert transpile_gold("SELECT 1 AS x", "duckdb", "duckdb") == "SELECT 1 AS x"  # same dialect: as written
    assert transpile_gold("SELECT a::numeric FROM t", "postgres", "duckdb") == "SELECT CAST(a AS DECIMAL) FROM t"
    with pytest.raises(GoldUntranspilable, match="from duckdb to postgres"):
        transpile_gold("SELECT * FROM t PIVOT (count(*) FOR k IN ('a'))", "duckdb", "postgres")
    with pytest.raises(GoldUntranspilable, match="from postgres to duckdb"):
        transpile_gold("SELECT 1 +", "postgres", "duckdb")


def test_gold_dialect_is_checked_and_normalised() -> None:
    item = {"id": "q", "question": "x", "lang": "en", "gold_sql": "SELECT 1"}
    assert _questions([item]).gold_dialect == "duckdb"
    assert _questions([item], gold_dialect="PostgreSQL").gold_dialect == "postgres"
    with pytest.raises(QuestionFileError, match=r"field 'gold_dialect': 'postgress' is not a SQL dialect I know"):
        _questions([item], gold_dialect="postgress")


def test_unreviewed_items_count_in_no_figure(demo_db: Path, tmp_path: Path) -> None:
    items = [
        {"id": "checked", "question": PLANTS, "lang": "en", "gold_sql": "SELECT COUNT(*) AS n FROM plants"},
        {
            "id": "draft",
            "question": PLANTS,
            "lang": "zh",
            "reviewed": False,
            "gold_sql": "SELECT COUNT(*) + 1 AS n FROM plants",
        },
    ]  # a wrong draft
    run = run_eval(
        _questions(items),
        SqlAsker(demo_db, {PLANTS: "SELECT COUNT(*) AS n FROM plants"}),
        demo_db,
        equivalence_groups=[],
    )
    s = run.summary
    assert (s["correct"], s["total"], s["accuracy"], s["unreviewed"], s["unreviewed_agree"]) == (1, 1, 1.0, 1, 0)
    assert set(s["by_lang"]) == {"en"} and s["wrong_with_data"] == 0
    draft = run.items[1]
    assert not draft.reviewed and not draft.scored and draft.verdict == "wrong"
    report = render_markdown(run)
    assert "Not counted: 1 unreviewed (drafts, 0 answered as drafted" in report
    assert "## Failures (0)" in report and "| draft | unreviewed | wrong |" in report

    only_drafts = run_eval(
        _questions(items[1:]), SqlAsker(demo_db, {PLANTS: "SELECT 3"}), demo_db, equivalence_groups=[]
    )
    assert only_drafts.summary["accuracy"] is None and only_drafts.summary["total"] == 0

    # A file of drafts alone has no accuracy to hold to a bar: the command says so and fails the bar.
    drafts = tmp_path / "drafts.yaml"
    drafts.write_text(yaml.safe_dump({"as_of": "2025-12-31", "items": items[1:]}), encoding="utf-8")
    asker = SqlAsker(demo_db, {PLANTS: "SELECT 3"})
    out = Console(record=True, width=200)
    assert (
        run_eval_command(
            drafts, demo_db, None, "rules", None, None, 0.5, lambda _: asker, equivalence_groups=[], console=out
        )
        == 1
    )
    assert "No item counts, so accuracy cannot be checked" in out.export_text()
    assert (
        run_eval_command(
            drafts, demo_db, None, "rules", None, None, None, lambda _: asker, equivalence_groups=[], console=out
        )
        == 0
    )
