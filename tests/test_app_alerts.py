"""The Alerts page and alert creation in the chat box, through Streamlit's AppTest, in English and
Chinese: the inbox, open and past incidents with their evidence (chart, table, the query behind a
toggle), the rules in words with mute / snooze / delete for rules made here, a rule made from a
sentence after confirmation, and a signed-in plant manager's view limited to their alerts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import insert, select
from streamlit.testing.v1 import AppTest

from assistant.alerts.config import DEMO_ALERTS
from assistant.alerts.rules import AlertRule, load_alerts_file
from assistant.alerts.service import check_rules
from assistant.alerts.store import inbox, incidents, open_store, rules_table
from assistant.core.users import hash_password
from assistant.surfaces.app.i18n import t
from tests.conftest import EVAL_END
from tests.test_app import APP, TIMEOUT, texts

ALERTS_PAGE = "assistant/surfaces/app/pages/alerts.py"
ASK_PAGE = "assistant/surfaces/app/pages/ask.py"
PASSWORD = "correct horse battery staple"


@pytest.fixture
def alerts_db(tmp_path: Path) -> Path:
    return tmp_path / "alerts.sqlite"


@pytest.fixture
def story_db(alerts_db: Path, pipeline, layer) -> Path:
    """The demo rules checked on 24 Nov (the crack spike opens) and 31 Dec 2025 (it resolves; the
    other stories open), and one notification in the demo user's inbox."""
    store = open_store(f"sqlite:///{alerts_db}")
    rules = load_alerts_file(DEMO_ALERTS, layer).rules
    for day in (dt.date(2025, 11, 23), EVAL_END):
        check_rules([r for r in rules if r.grain is not None], pipeline=pipeline, store=store, as_of=day)
    with store.begin() as conn:
        conn.execute(insert(inbox).values(user="demo", outbox_id=1, title="Alert: energy creep",
                                          text="Energy per unit for Chongqing is up 13%.",
                                          created_at=dt.datetime(2025, 12, 31, 8, 0, tzinfo=dt.UTC)))
    return alerts_db


def _start(demo_db: Path, alerts_db: Path, monkeypatch: pytest.MonkeyPatch, *, zh: bool = False,
           users: Path | None = None, page: str | None = ALERTS_PAGE) -> AppTest:
    monkeypatch.setenv("FA_DB", str(demo_db))
    monkeypatch.setenv("FA_AS_OF", "2025-12-31")
    monkeypatch.setenv("FA_ALERTS_DB", str(alerts_db))
    monkeypatch.delenv("FA_ALERTS", raising=False)
    if users is None:
        monkeypatch.delenv("FA_USERS", raising=False)
    else:
        monkeypatch.setenv("FA_USERS", str(users))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["ui_zh"] = zh
    at.run()
    if page is not None and users is None:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _click(at: AppTest, key: str) -> AppTest:
    next(b for b in at.button if b.key == key).click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _stored(alerts_db: Path) -> dict[str, AlertRule]:
    with open_store(f"sqlite:///{alerts_db}").connect() as conn:
        return {r.id: AlertRule.model_validate(r.body) for r in conn.execute(select(rules_table))}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_inbox_incidents_and_evidence(demo_db, story_db, monkeypatch, lang):
    at = _start(demo_db, story_db, monkeypatch, zh=lang == "zh")
    assert [s.value for s in at.subheader] == [t("alerts_title", lang)]
    assert [tab.label for tab in at.tabs] == [t(k, lang) for k in ("alerts_tab_inbox", "alerts_tab_incidents",
                                                                  "alerts_tab_rules", "alerts_tab_new")]
    page = texts(at)
    assert "Energy per unit for Chongqing is up 13%." in page  # the inbox, as delivered
    assert t("alerts_open", lang, n=3) in page and t("alerts_past", lang, n=1) in page
    labels = [e.label for e in at.expander]
    supplier, crack = ("Weida Electronics", "Ningbo Line 3") if lang == "en" else ("伟达电子", "宁波3号线")
    assert any(supplier in label for label in labels) and any(crack in label for label in labels)
    assert at.get("vega_lite_chart") and at.dataframe  # the evidence kept when it opened
    with open_store(f"sqlite:///{story_db}").connect() as conn:
        first = conn.execute(select(incidents).where(incidents.c.status == "open")
                             .order_by(incidents.c.opened_at.desc(), incidents.c.id.desc())).first()
    assert not any(first.evidence["sql"] in c.value for c in at.code)  # behind the toggle until asked
    at.toggle(key=f"incident-{first.id}-sql").set_value(True).run()
    assert any(first.evidence["sql"] in c.value for c in at.code)
    assert "late_supplier" not in texts(at) and "on_time_delivery_rate" not in texts(at)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_file_rules_are_listed_in_words_without_buttons(demo_db, alerts_db, monkeypatch, lang):
    at = _start(demo_db, alerts_db, monkeypatch, zh=lang == "zh")
    words = {"en": "Alert when Energy per unit of any plant rises more than 10% from one quarter to the next.",
             "zh": "当任一工厂的单位能耗按季度上升超过10%时提醒。"}[lang]
    assert words in texts(at)
    assert t("alerts_from_file", lang) in texts(at)
    assert not [b for b in at.button if b.key and b.key.startswith("rule-")]


def test_make_a_rule_from_a_sentence_then_mute_snooze_and_delete_it(demo_db, alerts_db, monkeypatch):
    at = _start(demo_db, alerts_db, monkeypatch)
    at.text_input(key="alert_sentence").input("Alert me when Ningbo OEE falls below 75%").run()
    _click(at, "alert-preview")
    assert "Alert when OEE (Plant is Ningbo) is below 75.0% in a day." in [i.value for i in at.info]
    assert _stored(alerts_db) == {}  # nothing is saved before the confirmation
    _click(at, "alert-page-create")
    assert list(_stored(alerts_db)) == ["oee-1"] and any("Alert created" in s.value for s in at.success)
    assert at.text_input(key="alert_sentence").value == ""
    _click(at, "rule-oee-1-mute")
    assert _stored(alerts_db)["oee-1"].muted and t("alerts_state_muted", "en") in texts(at)
    _click(at, "rule-oee-1-mute")  # now "Unmute"
    assert not _stored(alerts_db)["oee-1"].muted
    _click(at, "rule-oee-1-week")
    until = dt.datetime.fromisoformat(_stored(alerts_db)["oee-1"].snoozed_until)
    assert dt.timedelta(days=6) < until - dt.datetime.now(dt.UTC) <= dt.timedelta(weeks=1)
    assert "Snoozed until" in texts(at)
    _click(at, "rule-oee-1-delete")
    assert _stored(alerts_db) == {} and not [b for b in at.button if b.key == "rule-oee-1-delete"]


def test_a_bad_sentence_says_what_was_missing_in_the_ui_language(demo_db, alerts_db, monkeypatch):
    at = _start(demo_db, alerts_db, monkeypatch, zh=True)
    at.text_input(key="alert_sentence").input("宁波OEE高于150%时提醒我").run()
    _click(at, "alert-preview")
    warning = " ".join(w.value for w in at.warning)
    assert "设备综合效率不可能是150%" in warning and "例如" in warning
    assert not [b for b in at.button if b.key == "alert-page-create"] and _stored(alerts_db) == {}
    at.text_input(key="alert_sentence").input("").run()
    _click(at, "alert-preview")  # an empty box: asked for a sentence, with an example
    assert any("请先输入一句话" in w.value for w in at.warning)


@pytest.mark.parametrize("lang, sentence, words", [
    ("en", "Alert me when Ningbo OEE falls below 75%", "Alert when OEE (Plant is Ningbo) is below 75.0% in a day."),
    ("zh", "宁波OEE低于75%时提醒我", "当设备综合效率（工厂为宁波）按天低于75.0%时提醒。"),
])
def test_the_chat_box_offers_the_rule_instead_of_answering(demo_db, alerts_db, monkeypatch, lang, sentence, words):
    at = _start(demo_db, alerts_db, monkeypatch, zh=lang == "zh", page=None)
    at.chat_input(key="chat_input").set_value(sentence).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["fa_history"] == []  # not asked as a question
    assert t("alerts_chat_offer", lang) in texts(at) and words in [i.value for i in at.info]
    _click(at, "alert-chat-create")
    assert [r.lang for r in _stored(alerts_db).values()] == [lang]
    assert any(t("alerts_created", lang, words=words, id="oee-1") == s.value for s in at.success)
    at.chat_input(key="chat_input").set_value("What was OEE by plant last month?").run()
    assert at.session_state["fa_history"][-1]["answer"].status == "ok"  # questions are still answered


def test_a_signed_in_plant_manager_sees_only_their_alerts(demo_db, story_db, monkeypatch, tmp_path):
    users = tmp_path / "users.toml"
    users.write_text(f'[users.li_wei]\nrole = "plant_manager"\npassword = "{hash_password(PASSWORD)}"\n'
                     '[users.li_wei.attributes]\nplant_id = "NB"\n', encoding="utf-8")
    mine = AlertRule.model_validate({"id": "oee-1", "name": "Ningbo OEE", "metric": "oee", "owner": "li_wei",
                                     "recipients": ["user:li_wei"], "source": "chat",
                                     "condition": {"kind": "threshold", "op": "<", "value": 0.75}})
    with open_store(f"sqlite:///{story_db}").begin() as conn:
        conn.execute(insert(rules_table).values(id="oee-1", body=mine.model_dump(mode="json"), source="chat",
                                                updated_at=dt.datetime.now(dt.UTC)))
    at = _start(demo_db, story_db, monkeypatch, users=users)
    at.text_input(key="signin_name").input("li_wei")
    at.text_input(key="signin_password").input(PASSWORD)
    next(b for b in at.button if b.label == t("signin_button", "en")).click().run()
    at.switch_page(ALERTS_PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    page = texts(at)
    assert "Alert when OEE is below 75.0% in a day." in page
    assert "Energy per unit" not in page and "Weida" not in page  # the demo's rules tell user:demo only
    assert "Energy per unit for Chongqing is up 13%." not in page  # the demo user's inbox is not theirs
    assert t("alerts_open", "en", n=0) in page and [b.key for b in at.button if (b.key or "").startswith("rule-")] == [
        "rule-oee-1-mute", "rule-oee-1-day", "rule-oee-1-week", "rule-oee-1-delete"]


@pytest.mark.parametrize("limit, ok", [("80%", True), ("150%", False)])
def test_edit_a_rule_made_here(demo_db, alerts_db, monkeypatch, limit, ok):
    at = _start(demo_db, alerts_db, monkeypatch)
    at.text_input(key="alert_sentence").input("Alert me when Ningbo OEE falls below 75%").run()
    _click(at, "alert-preview")
    _click(at, "alert-page-create")
    at.text_input(key="edit-oee-1-name").input("Ningbo OEE watch")
    at.text_input(key="edit-oee-1-limit").input(limit)
    at.number_input(key="edit-oee-1-every").set_value(30)
    next(b for b in at.button if b.label == t("alerts_edit_save", "en")).click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    rule = _stored(alerts_db)["oee-1"]
    if ok:  # validated like a new rule, then stored
        assert (rule.name, rule.condition.value, rule.every_minutes) == ("Ningbo OEE watch", 0.8, 30)
    else:  # an impossible limit is refused with the reason, and nothing changes
        assert rule.condition.value == 0.75 and rule.name != "Ningbo OEE watch"
        assert any("not a possible value" in w.value for w in at.warning)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_an_alert_link_opens_its_incident_on_top(demo_db, story_db, monkeypatch, lang):
    """The link in an alert message (`<app_url>/alerts?incident=N`) shows that incident first, opened."""
    with open_store(f"sqlite:///{story_db}").connect() as conn:
        first = conn.execute(select(incidents).where(incidents.c.status == "open")
                             .order_by(incidents.c.id)).first()
    monkeypatch.setenv("FA_DB", str(demo_db))
    monkeypatch.setenv("FA_AS_OF", "2025-12-31")
    monkeypatch.setenv("FA_ALERTS_DB", str(story_db))
    monkeypatch.delenv("FA_ALERTS", raising=False)
    monkeypatch.delenv("FA_USERS", raising=False)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["ui_zh"] = lang == "zh"
    at.query_params["incident"] = str(first.id)
    at.run()
    at.switch_page(ALERTS_PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    assert t("alerts_linked", lang) in texts(at)
    message = first.message_zh if lang == "zh" else first.message_en
    opened = at.expander[0]
    assert opened.proto.expanded and message[:40] in opened.label
    at.query_params["incident"] = "999999"  # not one of the user's: said, nothing shown for it
    at.run()
    assert t("alerts_linked_missing", lang) in [i.value for i in at.info]
    assert t("alerts_linked", lang) not in texts(at)
