"""Access scopes hold on every path: the same question as a Ningbo plant manager and as an admin
through the rule planner, a verified SQL query, a scripted fake LLM that leaves the filter out,
a trace, the member catalogue, suggestions and the structured-query entry that alerts use.

The roles are the demo layer's (semantic_layer/demo/layer/access.yaml): plant_manager (rows of
`{user.plant_id}` only) and quality_engineer (every plant, no purchasing figures).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.core.errors import AccessDenied, ConfigError
from assistant.core.settings import Settings
from assistant.core.users import User
from assistant.pipeline import Pipeline
from assistant.plan.llm import LLMPlanner
from assistant.plan.query import SemanticQuery
from assistant.plan.types import Plan, TraceRequest
from assistant.scoped import ScopedPipeline, for_user
from assistant.sql.executor import Executor
from semantic_layer.loader import DEMO_LAYER_DIR, load_layer
from tests.conftest import EVAL_END
from tests.test_llm_planner import StubRetrieval, answer, scripted

NINGBO = User("li_wei", "plant_manager", {"plant_id": "NB"}, display_name="Li Wei")
QUALITY = User("zhou", "quality_engineer", {})
ADMIN = User("root", "admin", {})
PLANT_OF_LINE = "SELECT line_id, plant_id FROM production_lines"


@pytest.fixture(scope="module")
def base(demo_db, layer):
    p = Pipeline(layer, Executor(str(demo_db)), settings=Settings(as_of=EVAL_END))
    yield p
    p.close()


@pytest.fixture(scope="module")
def ningbo(base) -> Pipeline:
    return for_user(base, NINGBO)


def _plants_of_lines(base: Pipeline, lines: list[str]) -> set[str]:
    plant_of = dict(base.run_sql(PLANT_OF_LINE).rows)
    return {plant_of[line] for line in lines}


# ---------------------------------------------------------------------- views
def test_admin_and_no_user_see_the_pipeline_itself(base):
    assert for_user(base, None) is base
    assert for_user(base, ADMIN) is base
    assert isinstance(for_user(base, NINGBO), ScopedPipeline)
    assert for_user(base, NINGBO) is for_user(base, NINGBO)  # one view (and catalogue) per scope


def test_unknown_role_and_missing_attribute_are_clear_errors(base):
    with pytest.raises(ConfigError, match=r"role 'night_guard'.*Roles: admin, plant_manager"):
        for_user(base, User("x", "night_guard", {}))
    with pytest.raises(AccessDenied, match="no 'plant_id'"):
        for_user(base, User("x", "plant_manager", {}))


# ---------------------------------------------------------------------- rule planner, en and zh
@pytest.mark.parametrize("question, note", [
    ("OEE by plant last month", "(Limited to your access: Ningbo.)"),
    ("各工厂上个月的报废率", "（仅限你的访问范围：宁波）"),
])
def test_same_question_as_plant_manager_and_admin(base, ningbo, question, note):
    everyone = base.ask(question, as_of=EVAL_END)
    mine = ningbo.ask(question, as_of=EVAL_END)
    assert everyone.ok and mine.ok
    assert len(everyone.rows) == 3 and len(mine.rows) == 1
    assert mine.rows[0] in everyone.rows  # the same figure for Ningbo, not a recomputed one
    assert note in mine.message and "Limited" not in everyone.message and "仅限" not in everyone.message


@pytest.mark.parametrize("question, outside", [
    ("Suzhou OEE last month", "Suzhou is outside your access"),
    ("compare Ningbo and Suzhou scrap rate last month", "Suzhou is outside your access"),
    ("Suzhou Line 3 oee last month", "Suzhou Line 3 is outside your access"),
    ("苏州上个月的OEE", "苏州不在你的访问范围内"),
])
def test_a_member_outside_the_scope_is_refused_not_ignored(base, ningbo, question, outside):
    """Without the check, the scoped catalogue did not know "Suzhou", ignored the word and
    answered with Ningbo's figure: another plant's name over the user's own number."""
    assert base.ask(question, as_of=EVAL_END).ok
    mine = ningbo.ask(question, as_of=EVAL_END)
    assert mine.status == "refused" and outside in mine.message and not mine.rows
    assert ("宁波" if "苏州" in question else "Ningbo") in mine.message


def test_a_name_only_the_scope_can_mean_is_read_as_the_users_member(ningbo):
    """"line 3" is three lines company-wide (asked back to an admin) but one line in Ningbo."""
    mine = ningbo.ask("line 3 oee last month", as_of=EVAL_END)
    assert mine.ok and "Ningbo Line 3" in mine.message


def test_breakdown_by_line_keeps_only_the_users_lines(base, ningbo):
    rows = ningbo.run_query(SemanticQuery(metrics=["total_output"], dimensions=["line"])).rows
    everyone = base.run_query(SemanticQuery(metrics=["total_output"], dimensions=["line"])).rows
    assert len(everyone) > len(rows) > 0
    assert all("Ningbo" in r[0] for r in rows)


def test_structured_query_entry_used_by_alerts_is_scoped(base, ningbo):
    # Alerts and briefings evaluate through Pipeline.run_query on the owner's view.
    query = SemanticQuery(metrics=["good_output"])
    mine, everyone = ningbo.run_query(query).rows[0][0], base.run_query(query).rows[0][0]
    ningbo_only = base.run_query(SemanticQuery(metrics=["good_output"], filters=[
        {"field": "plant", "op": "=", "values": ["NB"]}])).rows[0][0]
    assert mine == ningbo_only < everyone


# ---------------------------------------------------------------------- verified SQL
def test_verified_sql_query_is_scoped(demo_db, tmp_path: Path):
    folder = tmp_path / "layer"
    shutil.copytree(DEMO_LAYER_DIR, folder)
    question = "Good output of every line ever recorded"
    (folder / "more_verified.yaml").write_text(
        "verified_queries:\n"
        f"  - question: {question}\n"
        "    sql: SELECT line_id, SUM(good_count) AS good FROM production_records GROUP BY line_id\n",
        encoding="utf-8")
    p = Pipeline(load_layer(folder), Executor(str(demo_db)), settings=Settings(as_of=EVAL_END))
    try:
        everyone, mine = p.ask(question), for_user(p, NINGBO).ask(question)
        assert everyone.ok and mine.ok and mine.planner == everyone.planner == "rules"
        assert _plants_of_lines(p, [r[0] for r in everyone.rows]) == {"NB", "SZ", "CQ"}
        assert _plants_of_lines(p, [r[0] for r in mine.rows]) == {"NB"}
    finally:
        p.close()


# ---------------------------------------------------------------------- a model that drops the filter
def test_scripted_fake_llm_sql_without_the_filter_is_still_scoped(demo_db, layer):
    sql = "SELECT line_id, SUM(total_count) AS output FROM production_records GROUP BY line_id"
    model = scripted(answer(kind="sql", sql=sql, message="Output by line"),
                     answer(kind="sql", sql=sql, message="Output by line"))
    p = Pipeline(layer, Executor(str(demo_db)), settings=Settings(as_of=EVAL_END),
                 planners={"llm": LLMPlanner(model, repair_rounds=0)})
    try:
        view = for_user(p, NINGBO)
        view._retrieve = StubRetrieval([], [])  # type: ignore[method-assign]
        p._retrieve = StubRetrieval([], [])  # type: ignore[method-assign]
        mine = view.ask("output by line", planner="llm")
        everyone = p.ask("output by line", planner="llm")
        assert mine.ok and everyone.ok
        assert _plants_of_lines(p, [r[0] for r in mine.rows]) == {"NB"}
        assert len(everyone.rows) > len(mine.rows)
        assert '"plant_id" IN (\'NB\')' in (mine.sql or "")  # what ran is shown, filter included
    finally:
        p.close()


@pytest.mark.parametrize("sql", [
    "SELECT DISTINCT plant_id FROM production_lines",
    "SELECT plant_id FROM plants UNION SELECT plant_id FROM inventory_snapshots",
    "WITH x AS (SELECT * FROM production_lines) SELECT DISTINCT plant_id FROM x",
    "SELECT DISTINCT l.plant_id FROM production_records r JOIN production_lines l ON r.line_id = l.line_id",
    "SELECT DISTINCT plant_id FROM (SELECT * FROM production_lines) s",
    "SELECT DISTINCT (SELECT plant_id FROM production_lines l WHERE l.line_id = m.line_id) FROM machines m",
    "SELECT DISTINCT plant_id FROM production_lines WHERE plant_id <> 'NB' OR 1 = 1",
    "SELECT DISTINCT p.plant_id FROM plants p, production_lines l",
])
def test_hand_written_sql_cannot_reach_other_plants(ningbo, sql):
    rows = ningbo.run_sql(sql).rows
    assert {r[0] for r in rows} <= {"NB"}


def test_filter_also_holds_on_postgresql(pg_url, layer):
    p = Pipeline(layer, Executor(pg_url), settings=Settings(as_of=EVAL_END))
    try:
        view = for_user(p, NINGBO)
        lines = [r[0] for r in view.run_sql("SELECT DISTINCT line_id FROM production_records").rows]
        assert lines and _plants_of_lines(p, lines) == {"NB"}
        assert len(view.ask("OEE by plant last month", as_of=EVAL_END).rows) == 1
    finally:
        p.close()


# ---------------------------------------------------------------------- refused, not answered for all
@pytest.mark.parametrize("question", ["supplier on-time delivery last month", "lot rejection rate last month",
                                      "how many customers"])
def test_metrics_that_cannot_be_scoped_are_refused(base, ningbo, question):
    assert base.ask(question, as_of=EVAL_END).ok
    mine = ningbo.ask(question, as_of=EVAL_END)
    assert mine.status == "error" and mine.rows == []
    assert "not answered for you" in mine.message or "cannot be limited" in mine.message


def test_hidden_metric_and_column_for_a_company_wide_role(base):
    quality = for_user(base, QUALITY)
    refused = quality.ask("supplier on-time delivery last month", as_of=EVAL_END)
    assert refused.status == "error" and "not part of your access" in refused.message
    assert quality.ask("OEE by plant last month", as_of=EVAL_END).rows == base.ask(
        "OEE by plant last month", as_of=EVAL_END).rows  # no row filter: every plant, no note
    answer_ = quality.execute_plan("x", Plan(kind="sql", planner="llm", sql="SELECT unit_price FROM purchase_orders"),
                                   lang="en", timings={})
    assert answer_.status == "error" and answer_.rows == []
    for sneaky in ("SELECT * FROM purchase_orders LIMIT 1", "SELECT p.* FROM purchase_orders p LIMIT 1"):
        checked = quality.check(sneaky)
        assert "unit_price" not in checked.sql.lower()
    assert base.run_sql("SELECT unit_price FROM purchase_orders LIMIT 1").rows  # the admin still reads it


# ---------------------------------------------------------------------- traces, catalogue, suggestions
def test_traces_and_pickers_stay_inside_the_scope(base, ningbo):
    everyone = base.recent_ids("batch", limit=30)
    mine = ningbo.recent_ids("batch", limit=30)
    assert any("-SZ-" in b for b in everyone) and mine and all("-NB-" in b for b in mine)
    other = next(b for b in everyone if "-SZ-" in b)
    outside = ningbo.trace(TraceRequest(start_node="batch", start_ids=[other], direction="backward"))
    assert outside.status != "ok" and other not in str(outside.rows)
    inside = ningbo.trace(TraceRequest(start_node="batch", start_ids=[mine[0]], direction="backward"))
    full = base.trace(TraceRequest(start_node="batch", start_ids=[mine[0]], direction="backward"))
    assert inside.ok and full.ok and inside.rows == full.rows  # a Ningbo batch's own history is whole


def test_member_catalogue_and_suggestions_know_only_the_users_members(base, ningbo):
    assert {m.key for m in base.values.of("plant")} == {"NB", "SZ", "CQ"}
    assert {m.key for m in ningbo.values.of("plant")} == {"NB"}
    assert all(m.key.startswith("NB") for m in ningbo.values.of("line"))
    answer_ = ningbo.ask("OEE for Suzhou last month", as_of=EVAL_END)
    assert "84.0%" not in answer_.message and not any(0.84 < (r[-1] or 0) < 0.841 for r in answer_.rows)


def test_a_table_with_no_path_to_the_scope_is_refused_outright(demo_db, tmp_path: Path):
    folder = tmp_path / "layer"
    shutil.copytree(DEMO_LAYER_DIR, folder)
    text = (folder / "access.yaml").read_text(encoding="utf-8")
    (folder / "access.yaml").write_text(text.replace("material_lots, purchase_orders,", "material_lots,"),
                                        encoding="utf-8")
    p = Pipeline(load_layer(folder), Executor(str(demo_db)), settings=Settings(as_of=EVAL_END))
    try:
        view = for_user(p, NINGBO)
        with pytest.raises(AccessDenied, match=r"Purchase orders \(purchase_orders\) are not recorded per plant"):
            view.run_sql("SELECT COUNT(*) FROM purchase_orders")
        with pytest.raises(AccessDenied):  # inside a CTE, a subquery or a join just the same
            view.run_sql("WITH o AS (SELECT po_id FROM purchase_orders) SELECT COUNT(*) FROM o")
        assert p.run_sql("SELECT COUNT(*) FROM purchase_orders").rows[0][0] > 0
    finally:
        p.close()


def test_suggestions_never_offer_a_metric_the_user_would_be_refused(base):
    quality = for_user(base, QUALITY)
    everyone = base.ask("delivery", as_of=EVAL_END)
    mine = quality.ask("delivery", as_of=EVAL_END)
    offered = " ".join(everyone.suggestions + [c["question"] for c in everyone.extras.get("choices", [])]).lower()
    mine_offered = " ".join(mine.suggestions + [c["question"] for c in mine.extras.get("choices", [])]).lower()
    assert "supplier on-time delivery" in offered and "supplier on-time delivery" in everyone.message.lower()
    assert "supplier on-time delivery" not in mine_offered and "supplier on-time delivery" not in mine.message.lower()
    assert "customer on-time delivery" in mine_offered  # what they may ask is still offered
    zh = quality.ask("交付", as_of=EVAL_END)
    assert "供应商准时交付率" not in zh.message + "".join(zh.suggestions) and "客户准时交付率" in zh.message


# ---------------------------------------------------------------------- the command line
def test_cli_asks_as_a_named_user_and_requires_one_when_users_exist(demo_db, tmp_path: Path):
    import json

    from tests.test_cli import run

    users = tmp_path / "users.toml"
    users.write_text('[users.li_wei]\nrole = "plant_manager"\n[users.li_wei.attributes]\nplant_id = "NB"\n',
                     encoding="utf-8")
    env = {"FA_USERS": str(users)}
    args = ("ask", "OEE by plant last month", "--db", str(demo_db), "--as-of", "2025-12-31", "--json")
    nobody = run(*args, env=env)
    assert nobody.returncode == 1 and "--user" in json.loads(nobody.stdout)["message"]
    stranger = run(*args, "--user", "ghost", env=env)
    assert stranger.returncode == 1 and "'ghost' is not a user" in json.loads(stranger.stdout)["message"]
    li = json.loads(run(*args, "--user", "li_wei", env=env).stdout)
    assert li["status"] == "ok" and [r[0] for r in li["rows"]] == ["Ningbo"]
    assert "Limited to your access: Ningbo" in li["message"]
