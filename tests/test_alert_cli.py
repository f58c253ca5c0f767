"""`factory-assistant alerts ...` through typer's CliRunner on a temporary state database: check
(the demo's stories open, once), list, add (confirmed), mute, unmute, snooze, delete, incidents,
briefing, run (the scheduler's jobs, stopped by Ctrl-C); bad input gets a sentence, not a traceback."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import ClassVar

import pytest
from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy import select
from typer.testing import CliRunner

from assistant.alerts.rules import AlertRule
from assistant.alerts.store import open_store, rules_table
from assistant.surfaces.cli.main import app

ROOT = Path(__file__).resolve().parents[1]
STORIES = ["SZ-L2-M03", "Chongqing", "Weida Electronics"]


@pytest.fixture
def cli(demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("FA_DB", str(demo_db))
    monkeypatch.setenv("FA_AS_OF", "2025-12-31")
    monkeypatch.setenv("FA_ALERTS_DB", str(tmp_path / "alerts.sqlite"))
    monkeypatch.setenv("FA_INDEX_DIR", str(ROOT / ".cache" / "test-data" / "index"))
    for name in ("FA_USERS", "FA_ALERTS", "FA_LAYER", "FA_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None):
        result = runner.invoke(app, ["alerts", *args], input=input)
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        assert "Traceback" not in result.output
        return result

    invoke.db = tmp_path / "alerts.sqlite"  # type: ignore[attr-defined]
    return invoke


def _stored(path: Path) -> dict[str, AlertRule]:
    with open_store(f"sqlite:///{path}").connect() as conn:
        return {r.id: AlertRule.model_validate(r.body) for r in conn.execute(select(rules_table))}


def test_check_opens_the_story_incidents_once(cli):
    first = cli("check", "--as-of", "2025-12-31")
    assert first.exit_code == 0, first.output
    for member in STORIES:
        assert member in first.output
    assert first.output.count("opened #") == 4 and "crack-spike" in first.output
    second = cli("check", "--as-of", "2025-12-31", "--json")
    data = json.loads(second.output)
    assert second.exit_code == 0 and data["as_of"] == "2025-12-31"
    assert [r["opened"] for r in data["rules"]] == [[]] * 5  # nothing new: the incidents are open already
    assert sum(r["still_open"] for r in data["rules"]) == 4
    listed = cli("incidents", "--open", "--lang", "zh")
    assert "伟达电子" in listed.output and listed.output.count("起未解除") == 4


def test_check_on_the_crack_spike_week_and_a_snapshot_that_cannot_be_replayed(cli):
    result = cli("check", "--as-of", "2025-11-23")
    assert result.exit_code == 1  # one rule could not be checked: cron sees it
    assert "Ningbo Line 3" in result.output and "opened #" in result.output
    assert "stock-below-safety" in result.output and "could not be checked" in result.output
    assert "cannot be checked as of 2025-11-23" in result.output


def test_add_list_mute_snooze_unmute_delete(cli):
    added = cli("add", "Alert me when Ningbo OEE falls below 75%", "--yes")
    assert added.exit_code == 0, added.output
    assert "Alert when OEE (Plant is Ningbo) is below 75.0% in a day." in added.output
    assert "当设备综合效率（工厂为宁波）按天低于75.0%时提醒。" in added.output
    assert list(_stored(cli.db)) == ["oee-1"]
    assert "oee-1 (chat, on)" in cli("list").output
    assert cli("mute", "oee-1").exit_code == 0 and _stored(cli.db)["oee-1"].muted
    assert "oee-1 (Ningbo OEE falls below 75%): muted" in cli("check").output
    snoozed = cli("snooze", "oee-1", "--until", "1w")
    assert snoozed.exit_code == 0 and "snoozed until" in snoozed.output
    rule = _stored(cli.db)["oee-1"]
    until = dt.datetime.fromisoformat(rule.snoozed_until)
    assert dt.timedelta(days=6) < until - dt.datetime.now(dt.UTC) <= dt.timedelta(weeks=1)
    assert cli("unmute", "oee-1").exit_code == 0
    rule = _stored(cli.db)["oee-1"]
    assert not rule.muted and rule.snoozed_until is None
    assert cli("snooze", "oee-1", "--until", "2030-01-05").exit_code == 0
    assert _stored(cli.db)["oee-1"].snoozed_until == "2030-01-05T00:00:00+00:00"
    assert "snoozed until 5 Jan 2030 00:00 UTC" in cli("list").output
    deleted = cli("delete", "oee-1", "--yes")
    assert deleted.exit_code == 0 and "its incidents stay in the history" in deleted.output
    assert _stored(cli.db) == {}


def test_add_in_chinese_answers_in_chinese_and_asks_first(cli):
    declined = cli("add", "宁波OEE低于75%时提醒我", input="n\n")
    assert declined.exit_code == 1 and "未创建预警" in declined.output and _stored(cli.db) == {}
    accepted = cli("add", "宁波OEE低于75%时提醒我", input="y\n")
    assert accepted.exit_code == 0 and "已创建“oee-1”" in accepted.output
    assert _stored(cli.db)["oee-1"].lang == "zh"
    assert "当设备综合效率（工厂为宁波）按天低于75.0%时提醒。" in cli("list", "--lang", "zh").output


@pytest.mark.parametrize("sentence, message", [
    ("alert me when OEE is above 150%", "150% is not a possible value of OEE"),
    ("alert me when the banana index drops below 3", "could not tell which figure to watch"),
    ("alert me when OEE is below 75% hourly", "no figures finer than a day"),
])
def test_add_refuses_bad_rules_with_a_sentence(cli, sentence, message):
    result = cli("add", sentence, "--yes")
    assert result.exit_code == 1 and message in result.output and "For example" in result.output
    assert _stored(cli.db) == {}


def test_file_rules_and_unknown_ids_and_bad_arguments(cli):
    file_rule = cli("mute", "crack-spike")
    assert file_rule.exit_code == 1 and "is set in" in file_rule.output and "alerts.yaml" in file_rule.output
    unknown = cli("delete", "crack-spik", "--yes")
    assert unknown.exit_code == 1 and "There is no alert 'crack-spik'. Did you mean 'crack-spike'?" in unknown.output
    zh = cli("mute", "nothing-here", "--lang", "zh")
    assert zh.exit_code == 1 and "没有名为“nothing-here”的预警" in zh.output
    assert "not a date" in cli("check", "--as-of", "2025-13-01").output
    bad_until = cli("snooze", "crack-spike", "--until", "tomorrow")
    assert bad_until.exit_code == 2 and "'tomorrow' is not a time to snooze until" in bad_until.output
    assert cli("list", "--lang", "fr").exit_code == 2


def test_list_says_every_rule_in_words(cli):
    listed = cli("list")
    assert "crack-spike (file, on)" in listed.output
    assert "Alert when Energy per unit of any plant rises more than 10% from one quarter to the next." in listed.output
    assert "当任一工厂的单位能耗按季度上升超过10%时提醒。" in cli("list", "--lang", "zh").output


def test_briefing_prints_and_sends_once(cli):
    cli("check")
    english = cli("briefing")
    assert english.exit_code == 0 and "Daily briefing: Tue 30 Dec 2025" in english.output
    assert "Open alerts (4):" in english.output
    chinese = cli("briefing", "--lang", "zh")
    assert "每日简报：2025年12月30日（星期二）" in chinese.output and "未解除的预警（4条）" in chinese.output
    assert "Briefing for user:demo: sent" in cli("briefing", "--send").output
    assert "Briefing for user:demo: already sent" in cli("briefing", "--send").output
    assert cli("briefing", "--user", "li_wei").exit_code == 2  # --user needs a users file


class _StopsAtOnce(BlockingScheduler):
    """Records the jobs it was given, then stops as Ctrl-C would."""

    jobs: ClassVar[list] = []

    def start(self, *args, **kwargs):
        _StopsAtOnce.jobs = self.get_jobs()
        raise KeyboardInterrupt


def test_run_schedules_each_rule_delivery_and_the_briefing_and_stops_on_ctrl_c(cli, monkeypatch, tmp_path):
    alerts_file = tmp_path / "alerts.yaml"
    alerts_file.write_text("rules:\n  - {id: output, metric: total_output, every_minutes: 15, "
                           "condition: {kind: threshold, op: '<', value: 1}, recipients: ['user:demo']}\n"
                           "briefing: {time: '06:45'}\n", encoding="utf-8")
    monkeypatch.setenv("FA_ALERTS", str(alerts_file))
    monkeypatch.setattr("assistant.alerts.schedule.blocking_scheduler", _StopsAtOnce)
    result = cli("run")
    assert result.exit_code == 0, result.output
    assert "Watching 1 alert(s)" in result.output and "06:45" in result.output and "Stopped." in result.output
    jobs = {j.id: j for j in _StopsAtOnce.jobs}
    assert set(jobs) == {"rule:output", "sync", "deliver", "briefing"}
    assert jobs["rule:output"].trigger.interval == dt.timedelta(minutes=15)
    assert jobs["deliver"].trigger.interval == dt.timedelta(minutes=1)
    assert str(jobs["briefing"].trigger.fields[5]) == "6" and str(jobs["briefing"].trigger.fields[6]) == "45"


def test_the_schedule_follows_rules_made_and_deleted_while_it_runs(cli, demo_db):
    from assistant.alerts.manage import delete_rule, save_rule
    from assistant.alerts.schedule import AlertRunner, add_jobs, sync_rule_jobs
    from assistant.core.settings import Settings
    from assistant.pipeline import Pipeline

    with Pipeline.from_settings(Settings.load()) as pipeline:
        runner = AlertRunner(pipeline)
        scheduler = BlockingScheduler()
        add_jobs(scheduler, runner, lambda name, result: None)
        before = {j.id for j in scheduler.get_jobs()}
        rule = AlertRule.model_validate({"id": "new-one", "metric": "oee", "every_minutes": 5, "source": "app",
                                         "condition": {"kind": "threshold", "op": "<", "value": 0.5}})
        save_rule(runner.store, rule)
        sync_rule_jobs(scheduler, runner, lambda name, result: None)
        assert {j.id for j in scheduler.get_jobs()} - before == {"rule:new-one"}
        delete_rule(runner.store, runner.alerts(), "new-one")
        sync_rule_jobs(scheduler, runner, lambda name, result: None)
        assert {j.id for j in scheduler.get_jobs()} == before


def test_a_state_database_that_cannot_be_opened_is_one_sentence(cli, monkeypatch, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("FA_ALERTS_DB", str(blocker / "alerts.sqlite"))
    result = cli("list")
    assert result.exit_code == 1
    assert "The alert state database" in result.output and "could not be opened" in result.output
    assert "Check FA_ALERTS_DB" in result.output
