"""Aggregate awareness (issue 17 point 3): when a summary table may stand in for its fact, that
the answers are the same with and without it, and that bad declarations and stale summaries are
reported."""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from assistant.core.settings import Settings
from assistant.core.users import User
from assistant.pipeline import Pipeline
from assistant.plan.query import Filter, SemanticQuery, TimeRange
from assistant.sql.access import resolve_access
from assistant.sql.compiler import Compiler
from assistant.sql.executor import Executor
from assistant.sql.rollup import rollup_measure, summaries_read, unusable
from assistant.surfaces.cli.layer_check import check_layer_against_db
from semantic_layer.aggregates import Aggregate
from semantic_layer.errors import LayerError
from semantic_layer.layer import Layer
from semantic_layer.models import Measure, RowFilter

ROOT = Path(__file__).resolve().parents[1]
EVAL_END = dt.date(2025, 12, 31)
LINE, MACHINE, DEFECTS = "production_line_shift_daily", "production_machine_daily", "defects_line_daily"


@dataclass
class Part:
    table: str
    time_column: str | None
    measures: list[Measure] = field(default_factory=list)


def _part(layer: Layer, *measures: str, time_column: str | None = "production_date") -> Part:
    found = [layer.measures[m] for m in measures]
    return Part(found[0].table, time_column, found)


def _summary(**changes: Any) -> Aggregate:
    base: dict[str, Any] = {
        "name": "production_monthly",
        "source": "production_records",
        "group_by": ["line_id"],
        "time_column": "production_date",
        "grain": "month",
        "measures": [{"name": "total_count", "agg": "sum"}, {"name": "records", "agg": "count"}],
    }
    return Aggregate.model_validate({**base, **changes})


# ---------------------------------------------------------------------- the decision, both outcomes
def test_a_summary_serves_what_it_keeps(layer: Layer) -> None:
    line = layer.aggregates[LINE]
    part = _part(layer, "total_count", "run_time_min", "planned_time_min")
    month = SemanticQuery(metrics=["oee"], time_grain="month")
    assert unusable(layer, line, part, month, ["plant", "line", "shift"]) is None
    why = unusable(layer, line, part, month, ["machine"])
    assert why is not None and "machine_id" in why
    assert unusable(layer, layer.aggregates[MACHINE], part, month, ["machine", "machine_type", "plant"]) is None
    product = unusable(layer, layer.aggregates[MACHINE], part, month, ["product"])
    assert product is not None and "work_order_id" in product


def test_grain_and_period_must_be_whole_periods_of_the_summary(layer: Layer) -> None:
    monthly = _summary()
    part = _part(layer, "total_count")
    assert unusable(layer, monthly, part, SemanticQuery(metrics=["total_output"], time_grain="quarter"), []) is None
    week = unusable(layer, monthly, part, SemanticQuery(metrics=["total_output"], time_grain="week"), [])
    assert week is not None and "week" in week
    whole = TimeRange(start=dt.date(2025, 10, 1), end=dt.date(2025, 11, 30))
    assert unusable(layer, monthly, part, SemanticQuery(metrics=["total_output"], time_range=whole), []) is None
    part_month = TimeRange(start=dt.date(2025, 10, 1), end=dt.date(2025, 11, 15))
    assert unusable(layer, monthly, part, SemanticQuery(metrics=["total_output"], time_range=part_month), [])
    # A daily summary serves any span of days and every grain, weeks included.
    assert (
        unusable(
            layer,
            layer.aggregates[LINE],
            part,
            SemanticQuery(metrics=["total_output"], time_grain="week", time_range=part_month),
            [],
        )
        is None
    )


def test_another_date_or_fact_is_never_read_from_it(layer: Layer) -> None:
    line = layer.aggregates[LINE]
    query = SemanticQuery(metrics=["total_output"])
    assert unusable(layer, line, _part(layer, "total_count", time_column="other_date"), query, [])
    assert unusable(layer, line, _part(layer, "downtime_min", time_column="start_time"), query, [])


def test_only_measures_that_add_up_are_read(layer: Layer) -> None:
    query = SemanticQuery(metrics=["total_output"])
    kept = _summary(
        measures=[{"name": "total_count", "agg": "sum"}, {"name": "n", "agg": "count", "expr": "total_count"}]
    )
    avg = Measure(name="avg_count", table="production_records", agg="avg", expr="total_count")
    assert unusable(layer, kept, Part("production_records", "production_date", [avg]), query, []) is None
    # Average of averages: without the count the summary cannot give the fact's average.
    only_sum = _summary(measures=[{"name": "total_count", "agg": "sum"}])
    assert unusable(layer, only_sum, Part("production_records", "production_date", [avg]), query, [])
    rebuilt = rollup_measure(kept, avg, None).sql()
    assert "AVG" not in rebuilt.upper() and "SUM(production_records.total_count)" in rebuilt
    lines = Measure(name="lines", table="production_records", agg="count_distinct", expr="line_id")
    machines = Measure(name="machines", table="production_records", agg="count_distinct", expr="machine_id")
    assert unusable(layer, kept, Part("production_records", "production_date", [lines]), query, []) is None
    assert unusable(layer, kept, Part("production_records", "production_date", [machines]), query, [])
    kept_filter = Measure(
        name="l1", table="production_records", agg="sum", expr="total_count", filter="line_id = 'NB-L1'"
    )
    lost_filter = Measure(name="a", table="production_records", agg="sum", expr="total_count", filter="shift_id = 'A'")
    assert unusable(layer, kept, Part("production_records", "production_date", [kept_filter]), query, []) is None
    assert unusable(layer, kept, Part("production_records", "production_date", [lost_filter]), query, [])


def test_the_compiler_reads_a_summary_only_when_allowed(layer: Layer) -> None:
    query = SemanticQuery(metrics=["oee"], dimensions=["plant"], time_grain="month")
    assert summaries_read(Compiler(layer).compile(query).tree, layer) == []
    assert summaries_read(Compiler(layer, summaries={LINE, MACHINE}).compile(query).tree, layer) == [LINE]
    by_machine = query.model_copy(update={"dimensions": ["machine"]})
    assert summaries_read(Compiler(layer, summaries={LINE, MACHINE}).compile(by_machine).tree, layer) == [MACHINE]
    assert summaries_read(Compiler(layer, summaries={LINE}).compile(by_machine).tree, layer) == []
    scoped = Compiler(layer, summaries={LINE}, scope=[Filter(field="machine", op="=", values=["SZ-L2-M03"])])
    assert summaries_read(scoped.compile(query).tree, layer) == []  # the scope's column is not kept


# ---------------------------------------------------------------------- declarations
def _with(layer: Layer, *aggregates: dict[str, Any]) -> Layer:
    return Layer(layer.spec.model_copy(update={"aggregates": [Aggregate.model_validate(a) for a in aggregates]}))


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"group_by": ["line_idd"]}, "group_by column 'line_idd' is not a stored column"),
        ({"source": "completed_work_orders", "time_column": "actual_end"}, "is a derived table"),
        ({"name": "production_lines"}, "has the name of a table"),
        ({"time_column": "record_id"}, "is not a date of 'production_records'"),
        ({"time_column": None}, "keeps no date"),
        ({"measures": [{"name": "line_id", "agg": "sum", "expr": "total_count"}]}, "already a column of the summary"),
        ({"measures": [{"name": "x", "agg": "sum", "expr": "SUM(total_count)"}]}, "aggregate function"),
        (
            {"measures": [{"name": "x", "agg": "sum", "expr": "good_count * 2"}]},
            "can give none of the layer's measures",
        ),
    ],
)
def test_bad_declarations_are_refused_at_load(layer: Layer, change: dict[str, Any], words: str) -> None:
    with pytest.raises(LayerError) as caught:
        _with(layer, _summary(**change).model_dump())
    assert words in str(caught.value)


def test_an_index_names_columns_of_its_table(layer: Layer) -> None:
    tables = [
        t.model_copy(update={"indexes": [["production_datee"]]}) if t.name == "production_records" else t
        for t in layer.spec.tables
    ]
    with pytest.raises(LayerError, match="production_datee"):
        Layer(layer.spec.model_copy(update={"tables": tables}))


def test_a_row_scoped_role_reads_summaries_limited_like_their_facts(layer: Layer) -> None:
    access = resolve_access(layer, User(name="li_wei", role="plant_manager", attributes={"plant_id": "NB"}))
    assert access is not None and access.rows is not None
    assert access.rows.conditions[LINE].sql() == access.rows.conditions["production_records"].sql()
    assert DEFECTS in access.rows.conditions and LINE not in access.rows.refused
    role = layer.spec.access.role("plant_manager")
    assert role is not None
    refused = role.model_copy(update={"row_filters": [*role.row_filters, RowFilter(dimension="machine", value="x")]})
    spec = layer.spec.model_copy(update={"access": layer.spec.access.model_copy(update={"roles": [refused]})})
    narrow = resolve_access(Layer(spec), User(name="w", role="plant_manager", attributes={"plant_id": "NB"}))
    assert narrow is not None and narrow.rows is not None and LINE in narrow.rows.refused  # machine_id not kept
    hiding = refused.model_copy(
        update={"row_filters": role.row_filters, "hidden_columns": ["production_records.good_count"]}
    )
    spec = layer.spec.model_copy(update={"access": layer.spec.access.model_copy(update={"roles": [hiding]})})
    hidden = resolve_access(Layer(spec), User(name="w", role="plant_manager", attributes={"plant_id": "NB"}))
    assert hidden is not None and (LINE, "good_count") in hidden.hidden_columns
    assert (LINE, "scrap_units") in hidden.hidden_columns and (LINE, "total_count") not in hidden.hidden_columns


# ---------------------------------------------------------------------- the same answers, with and without
def _questions() -> list[tuple[str, str, list[str]]]:
    bench = yaml.safe_load((ROOT / "benchmarks" / "questions.yaml").read_text(encoding="utf-8"))
    dev = yaml.safe_load((ROOT / "eval" / "dev.yaml").read_text(encoding="utf-8"))
    out = [(q["id"], q["question"], list(q.get("context", []))) for q in bench["questions"]]
    return out + [(i["id"], i["question"], []) for i in dev["items"]]


def _same(a: list[list[Any]], b: list[list[Any]]) -> bool:
    if len(a) != len(b):
        return False
    for ra, rb in zip(a, b, strict=True):
        for x, y in zip(ra, rb, strict=True):
            if isinstance(x, float) and isinstance(y, float | int):
                if abs(x - y) > 1e-9 * max(1.0, abs(x), abs(y)):  # sums added in another order
                    return False
            elif x != y:
                return False
    return True


def test_every_question_answers_the_same_from_summaries(layer: Layer, demo_db: Path, pipeline: Pipeline) -> None:
    off = Pipeline(
        layer, Executor(str(demo_db)), settings=Settings(as_of=EVAL_END, summaries=False), index_dir=pipeline._index_dir
    )
    read, different = 0, []
    try:
        for qid, question, context in _questions():
            answers = []
            for pipe in (pipeline, off):
                session = pipe.new_session()
                for earlier in context:
                    pipe.ask(earlier, session=session, as_of=EVAL_END)
                answers.append(pipe.ask(question, session=session, as_of=EVAL_END))
            fast, slow = answers
            assert not any(name in (slow.sql or "") for name in layer.aggregates)
            read += any(name in (fast.sql or "") for name in layer.aggregates)
            if fast.status != slow.status or not _same(fast.rows, slow.rows):
                different.append(f"{qid}: {fast.status} {fast.rows[:3]} vs {slow.status} {slow.rows[:3]}")
    finally:
        off.close()
    assert different == []
    assert read >= 60, f"only {read} answers read a summary"


def test_provenance_names_the_summary(pipeline: Pipeline) -> None:
    answer = pipeline.ask("What was OEE by plant last month?", as_of=EVAL_END)
    assert answer.provenance.summaries == [LINE]
    assert answer.to_json()["provenance"]["summaries"] == [LINE]


def test_a_database_without_summaries_is_read_from_its_facts(layer: Layer, demo_db: Path, tmp_path: Path) -> None:
    bare = tmp_path / "bare.duckdb"
    shutil.copy(demo_db, bare)
    with duckdb.connect(str(bare)) as con:
        for name in layer.aggregates:
            con.execute(f"DROP TABLE {name}")
    with Pipeline(layer, Executor(str(bare)), settings=Settings(as_of=EVAL_END)) as pipe:
        answer = pipe.ask("What was OEE by plant last month?", as_of=EVAL_END)
    assert answer.ok and answer.provenance.summaries == [] and "production_records" in (answer.sql or "")


def test_validate_reports_a_stale_summary(demo_db: Path, tmp_path: Path) -> None:
    stale = tmp_path / "stale.duckdb"
    shutil.copy(demo_db, stale)
    problems, _ = check_layer_against_db(None, str(stale))
    assert problems == []
    with duckdb.connect(str(stale)) as con:
        con.execute(f"DELETE FROM {DEFECTS} WHERE detected_at = (SELECT MAX(detected_at) FROM {DEFECTS})")
    problems, _ = check_layer_against_db(None, str(stale))
    assert len(problems) == 2 and all(DEFECTS in p and "out of date" in p for p in problems)  # sum and rows
