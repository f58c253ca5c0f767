"""Issue 16, point 2: the app's Settings page connects a database as `factory-assistant connect`
does: read-only check, tables with row counts, then recorded in the config file. Only an
administrator may (or anyone when no users are configured)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from assistant.core.users import hash_password
from assistant.surfaces.app.i18n import t
from semantic_layer.bootstrap import check_database
from tests.test_app import APP, TIMEOUT

SETTINGS_PAGE = "assistant/surfaces/app/pages/settings.py"


@pytest.fixture
def other_db(tmp_path: Path) -> Path:
    path = tmp_path / "mes.sqlite"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE work_cells (cell_id TEXT PRIMARY KEY, name TEXT)")
    con.executemany("INSERT INTO work_cells VALUES (?, ?)", [("C1", "Press"), ("C2", "Paint"), ("C3", "Pack")])
    con.commit()
    con.close()
    return path


def _start(monkeypatch: pytest.MonkeyPatch, demo_db: Path, config: Path, lang: str = "en",
           users: Path | None = None, env_db: bool = True) -> AppTest:
    if env_db:
        monkeypatch.setenv("FA_DB", str(demo_db))
    else:
        monkeypatch.delenv("FA_DB", raising=False)
        config.write_text(f'db = "{demo_db}"\n', encoding="utf-8")
    monkeypatch.setenv("FA_AS_OF", "2025-12-31")
    monkeypatch.setenv("FA_CONFIG", str(config))
    if users is None:
        monkeypatch.delenv("FA_USERS", raising=False)
    else:
        monkeypatch.setenv("FA_USERS", str(users))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["ui_zh"] = lang == "zh"
    at.run()
    return at


def _settings(at: AppTest) -> AppTest:
    at.switch_page(SETTINGS_PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _texts(at: AppTest) -> str:
    parts = [e.value for kind in ("markdown", "success", "error", "warning", "info", "caption")
             for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_check_lists_tables_then_use_records_the_database(monkeypatch: pytest.MonkeyPatch, demo_db: Path,
                                                        other_db: Path, tmp_path: Path, lang: str) -> None:
    config = tmp_path / "config.toml"
    at = _settings(_start(monkeypatch, demo_db, config, lang, env_db=False))
    at.text_input(key="connect_url").input(str(other_db)).run()
    at.button(key="connect_check_button").click().run()
    text = _texts(at)
    assert "`work_cells`: 3" in text
    assert t("connect_opened", lang, db=check_database(str(other_db)).shown, n=1) in text
    assert "sqlite" not in config.read_text(encoding="utf-8")  # nothing recorded by a check
    at.button(key="connect_use_button").click().run()
    assert not at.exception
    assert f'db = "sqlite:///{other_db}"' in config.read_text(encoding="utf-8")
    assert t("connect_next", lang) in _texts(at)


def test_a_bad_address_is_a_clear_message_and_records_nothing(monkeypatch: pytest.MonkeyPatch, demo_db: Path,
                                                              tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    at = _settings(_start(monkeypatch, demo_db, config))
    at.text_input(key="connect_url").input(str(tmp_path / "missing.duckdb")).run()
    at.button(key="connect_check_button").click().run()
    assert not at.exception
    assert any("Could not open it" in e.value for e in at.error), [e.value for e in at.error]
    assert not at.get("button") or all(b.key != "connect_use_button" for b in at.button)
    assert not config.exists()


def test_an_environment_variable_still_wins_and_the_page_says_so(monkeypatch: pytest.MonkeyPatch, demo_db: Path,
                                                                  other_db: Path, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    at = _settings(_start(monkeypatch, demo_db, config))
    at.text_input(key="connect_url").input(str(other_db)).run()
    at.button(key="connect_check_button").click().run()
    at.button(key="connect_use_button").click().run()
    assert any("FA_DB is set" in w.value for w in at.warning), [w.value for w in at.warning]


def test_only_an_administrator_sees_the_panel(monkeypatch: pytest.MonkeyPatch, demo_db: Path, tmp_path: Path) -> None:
    users = tmp_path / "users.toml"
    one, two = hash_password("pw one"), hash_password("pw two")
    users.write_text(f'[users.li_wei]\nrole = "plant_manager"\npassword = "{one}"\n[users.li_wei.attributes]\n'
                     f'plant_id = "NB"\n[users.boss]\nrole = "admin"\npassword = "{two}"\n', encoding="utf-8")
    for name, password, sees in (("li_wei", "pw one", False), ("boss", "pw two", True)):
        at = _start(monkeypatch, demo_db, tmp_path / "config.toml", users=users)
        at.text_input(key="signin_name").input(name)
        at.text_input(key="signin_password").input(password)
        next(b for b in at.button if b.label == t("signin_button", "en")).click().run()
        _settings(at)
        assert any(ti.key == "connect_url" for ti in at.text_input) is sees, name
