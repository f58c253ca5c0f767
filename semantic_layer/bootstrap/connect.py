"""Check a database for `connect` (CLI) and the app's Settings page: open it read-only, list its
tables with row counts, and say what to store in the config. Never writes to the database."""

from __future__ import annotations

from dataclasses import dataclass

from semantic_layer.bootstrap.introspect import list_tables, mask_url, open_read_only, resolve_url


@dataclass(frozen=True)
class DatabaseCheck:
    shown: str  # the address without its password
    stored: str  # what the `db` setting records
    has_password: bool  # the config file holding it must be readable by its owner only
    tables: list[tuple[str, int]]  # (table, rows), empty when it has none we can read


def stored_url(url_text: str) -> str:
    """What goes into the config: a bare path made absolute (and SQLite files as sqlite:/// URLs),
    so the setting works from any folder; a URL as given."""
    url = resolve_url(url_text)
    if "://" in url_text:
        return url_text
    return url.database if url.get_backend_name() == "duckdb" and url.database else f"sqlite:///{url.database}"


def check_database(url_text: str) -> DatabaseCheck:
    """Raises BootstrapError (with its exit code and a suggestion) when it cannot be opened."""
    parsed = resolve_url(url_text)
    engine = open_read_only(parsed)
    try:
        tables = list_tables(engine)
    finally:
        engine.dispose()
    return DatabaseCheck(shown=mask_url(parsed), stored=stored_url(url_text),
                         has_password=parsed.password is not None, tables=tables)
