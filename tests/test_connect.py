"""`factory-assistant connect`: read-only, lists tables, records `db` in the config file, never prints a
password, and turns bad addresses into a bilingual message and an exit code."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import duckdb
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from assistant.surfaces.cli.main import app
from semantic_layer.bootstrap import BootstrapError, open_read_only, resolve_url


@pytest.fixture()
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "config.toml"
    monkeypatch.setenv("FA_CONFIG", str(path))
    monkeypatch.delenv("FA_DB", raising=False)
    return path


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, " ".join(result.output.split())  # rich wraps lines: compare words


def _duckdb_file(path: Path) -> Path:
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE plants (plant_id VARCHAR PRIMARY KEY, city VARCHAR)")
        con.execute("INSERT INTO plants VALUES ('P1', 'Suzhou'), ('P2', 'Ningbo')")
    return path


def _sqlite_file(path: Path, *, tables: bool = True) -> Path:
    con = sqlite3.connect(path)
    if tables:
        con.execute("CREATE TABLE lines (line_id TEXT PRIMARY KEY)")
        con.execute("INSERT INTO lines VALUES ('L1')")
    con.commit()
    con.close()
    return path


def _stamp(path: Path) -> tuple[int, int, bytes]:
    return path.stat().st_mtime_ns, path.stat().st_size, path.read_bytes()


def test_connect_duckdb_lists_tables_and_records_the_setting(tmp_path: Path, config: Path) -> None:
    from assistant.core.settings import Settings

    db = _duckdb_file(tmp_path / "f.duckdb")
    before = _stamp(db)
    code, output = _run("connect", str(db))
    assert code == 0, output
    assert "plants" in output and "read-only" in output
    assert Settings.load().db == str(db)
    assert _stamp(db) == before  # opened read-only: not a byte changed


def test_connect_sqlite_keeps_the_file_unchanged(tmp_path: Path, config: Path) -> None:
    from assistant.core.settings import Settings

    db = _sqlite_file(tmp_path / "f.sqlite")
    before = _stamp(db)
    code, output = _run("connect", str(db))
    assert code == 0, output
    assert "lines" in output
    assert Settings.load().db == f"sqlite:///{db}"
    assert _stamp(db) == before


@pytest.mark.parametrize("kind", ["duckdb", "sqlite"])
def test_the_connection_refuses_writes(tmp_path: Path, kind: str) -> None:
    db = _duckdb_file(tmp_path / "f.duckdb") if kind == "duckdb" else _sqlite_file(tmp_path / "f.sqlite")
    engine = open_read_only(resolve_url(str(db)))
    try:
        with pytest.raises(sa.exc.DBAPIError, match=r"(?i)read.only|readonly"), engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE x (a INTEGER)"))
    finally:
        engine.dispose()


def test_connect_keeps_other_settings_and_replaces_the_old_db(tmp_path: Path, config: Path) -> None:
    config.write_text('# mine\nllm_model = "qwen"\ndb = "old.duckdb"\n', encoding="utf-8")
    db = _duckdb_file(tmp_path / "f.duckdb")
    assert _run("connect", str(db))[0] == 0
    text = config.read_text(encoding="utf-8")
    assert text == f'# mine\nllm_model = "qwen"\ndb = "{db}"\n'


def test_no_save_leaves_the_config_alone(tmp_path: Path, config: Path) -> None:
    assert _run("connect", str(_duckdb_file(tmp_path / "f.duckdb")), "--no-save")[0] == 0
    assert not config.exists()


@pytest.mark.parametrize(("target", "code", "words"), [
    ("nosuchdialect://u@h/db", 2, "No driver"),
    ("::not a url::", 3, "There is no database file"),
    ("postgresql+psycopg://fa:s3cret-pw@127.0.0.1:1/x", 3, "Cannot open"),
])
def test_bad_addresses_are_a_clear_message(config: Path, target: str, code: int, words: str) -> None:
    exit_code, output = _run("connect", target)
    assert exit_code == code, output
    assert words in output and "Traceback" not in output
    assert any("\u4e00" <= ch <= "\u9fff" for ch in output)  # the Chinese half of the message
    assert "s3cret-pw" not in output
    assert not config.exists()


def test_a_database_without_tables_is_refused(tmp_path: Path, config: Path) -> None:
    exit_code, output = _run("connect", f"sqlite:///{_sqlite_file(tmp_path / 'empty.sqlite', tables=False)}")
    assert exit_code == 4 and "no tables" in output and not config.exists()


def test_open_read_only_on_a_missing_file_raises_the_bootstrap_error(tmp_path: Path) -> None:
    with pytest.raises(BootstrapError) as info:
        open_read_only(resolve_url(str(tmp_path / "missing.duckdb")))
    assert info.value.code == 3
    assert not (tmp_path / "missing.duckdb").exists()  # DuckDB would create it if opened for writing


def test_layer_init_refuses_to_overwrite_and_writes_a_loadable_layer(tmp_path: Path) -> None:
    from semantic_layer.loader import load_layer

    db = _duckdb_file(tmp_path / "f.duckdb")
    out = tmp_path / "layer"
    code, output = _run("layer", "init", "--from-db", str(db), "--out", str(out))
    assert code == 0, output
    assert load_layer(out).tables["plants"].primary_key == ["plant_id"]
    code, output = _run("layer", "init", "--from-db", str(db), "--out", str(out))
    assert code == 2 and "--force" in output


@pytest.mark.postgres
def test_connect_postgres_is_read_only(pg_url: str, config: Path) -> None:
    code, output = _run("connect", pg_url, "--no-save")
    assert code == 0 and "production_records" in output, output
    engine = open_read_only(resolve_url(pg_url))
    try:
        with pytest.raises(sa.exc.DBAPIError, match="read-only transaction"), engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE should_not_exist (a INTEGER)"))
    finally:
        engine.dispose()


def test_save_setting_goes_before_tables_and_hides_a_password(config: Path) -> None:
    from assistant.core.settings import Settings, save_setting

    config.write_text('planner = "rules"\n\n[alerts]\nx = 1\n', encoding="utf-8")
    config.chmod(0o644)
    url = "postgresql+psycopg://reader:pw@db/mes"
    save_setting("db", url, private=True)
    assert config.read_text(encoding="utf-8") == f'planner = "rules"\n\ndb = "{url}"\n[alerts]\nx = 1\n'
    assert config.stat().st_mode & 0o777 == 0o600  # the password is readable by its owner only
    assert Settings.load().db == url
