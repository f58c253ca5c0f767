"""Sign-in in the Streamlit app (AppTest): required when a users file is configured, an anonymous
demo (said plainly) when not; a signed-in plant manager's answers are limited to their plant."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from assistant.core.users import hash_password
from assistant.surfaces.app.i18n import t
from tests.test_app import APP, TIMEOUT, ask, last_answer, texts

PASSWORD = "correct horse battery staple"


@pytest.fixture
def users_file(tmp_path: Path) -> Path:
    path = tmp_path / "users.toml"
    path.write_text(
        "[users.li_wei]\n"
        'display_name = "Li Wei"\nrole = "plant_manager"\n'
        f'password = "{hash_password(PASSWORD)}"\n'
        "[users.li_wei.attributes]\nplant_id = \"NB\"\n"
        "[users.boss]\nrole = \"admin\"\n"
        f'password = "{hash_password("another one")}"\n',
        encoding="utf-8")
    return path


def _start(demo_db: Path, monkeypatch: pytest.MonkeyPatch, users: Path | None, zh: bool = False) -> AppTest:
    monkeypatch.setenv("FA_DB", str(demo_db))
    monkeypatch.setenv("FA_AS_OF", "2025-12-31")
    if users is not None:
        monkeypatch.setenv("FA_USERS", str(users))
    else:
        monkeypatch.delenv("FA_USERS", raising=False)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    if zh:
        at.session_state["ui_zh"] = True
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _sign_in(at: AppTest, name: str, password: str) -> AppTest:
    at.text_input(key="signin_name").input(name)
    at.text_input(key="signin_password").input(password)
    next(b for b in at.button if b.label in (t("signin_button", "en"), t("signin_button", "zh"))).click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_without_users_the_app_is_an_open_demo_and_says_so(demo_db, monkeypatch):
    at = _start(demo_db, monkeypatch, None)
    assert t("demo_mode", "en") in texts(at)
    assert at.chat_input(key="chat_input") is not None
    assert not [ti for ti in at.text_input if ti.key == "signin_password"]


@pytest.mark.parametrize("zh", [False, True])
def test_with_users_nothing_shows_before_sign_in_and_a_wrong_password_is_refused(demo_db, monkeypatch, users_file, zh):
    lang = "zh" if zh else "en"
    at = _start(demo_db, monkeypatch, users_file, zh=zh)
    assert not at.get("chat_input"), "the question box must not show before sign-in"
    assert t("signin_title", lang) in [h.value for h in at.title]
    _sign_in(at, "li_wei", "wrong password")
    assert t("signin_wrong", lang) in [e.value for e in at.error]
    assert not at.get("chat_input")
    assert PASSWORD not in texts(at) and "wrong password" not in texts(at)


def test_a_signed_in_plant_manager_sees_only_their_plant(demo_db, monkeypatch, users_file):
    at = _start(demo_db, monkeypatch, users_file)
    _sign_in(at, "li_wei", PASSWORD)
    assert at.get("chat_input"), "signed in: the question box shows"
    assert "Signed in as Li Wei" in texts(at)
    ask(at, "OEE by plant last month")
    answer = last_answer(at)
    assert answer.status == "ok" and [r[0] for r in answer.rows] == ["Ningbo"]
    assert "Limited to your access: Ningbo" in answer.message


def test_signing_out_forgets_the_conversation(demo_db, monkeypatch, users_file):
    at = _start(demo_db, monkeypatch, users_file)
    _sign_in(at, "boss", "another one")
    ask(at, "OEE by plant last month")
    assert len(last_answer(at).rows) == 3  # the admin sees every plant
    next(b for b in at.button if b.key == "signout").click()
    at.run()
    assert not at.get("chat_input") and not at.session_state["fa_history"] if "fa_history" in at.session_state \
        else not at.get("chat_input")
