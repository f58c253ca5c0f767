"""What a database error means for a plant manager: the executor's errors, in words.

No traceback, no SQL echo, and no text value of the SQL in a message: a database echoes values
in its errors, and that would let whoever wrote the SQL speak to the user.

Errors come in as the driver's own exception (SQLAlchemy's wrapper already unwrapped by the
caller), so that a DuckDB file's path never has to import SQLAlchemy.
"""

from __future__ import annotations

from pathlib import Path

from assistant.core.errors import DatabaseUnavailable, ExecutionError, QueryTimeout

__all__ = ["DEMO_HINT", "NARROW", "short", "timeout_error", "translate", "unavailable"]

DEMO_HINT = "Create the demo database with `factory-assistant demo-data`, or check the database path."
NARROW = "Ask about a shorter period or fewer details, or add filters."
# MariaDB max_statement_time exceeded; MySQL max_execution_time exceeded (the error's first argument).
_MYSQL_TIMEOUTS = {1969, 3024}


def timeout_error(timeout_s: float) -> QueryTimeout:
    return QueryTimeout(f"The query took longer than {timeout_s:g} seconds and was stopped.", suggestion=NARROW)


def translate(orig: BaseException, *, timed_out: bool, timeout_s: float, action: str = "run",
              redact: tuple[str, ...] = (), room: str = "", db_path: Path | None = None,
              lost: bool = False) -> ExecutionError:
    """`orig` is the driver's error; `lost`: the connection died with it (SQLAlchemy's
    `connection_invalidated`). `room` names the bounds that ran out ("(2GB of memory, 2GB of
    disk)"), when known."""
    if timed_out or _is_timeout(orig):
        return timeout_error(timeout_s)
    if _is_out_of_space(orig):
        return ExecutionError(f"The query needed more working space than this service allows{room} "
                              "and was stopped before it could fill the disk.", suggestion=NARROW)
    if lost:
        return unavailable(orig, db_path)
    return ExecutionError(
        f"The database could not {action} the query: {_redacted(short(orig), redact)}",
        suggestion="Rephrase the question or check the SQL.",
    )


def unavailable(orig: BaseException, db_path: Path | None = None) -> DatabaseUnavailable:
    """A database that could not be opened or was lost, in words; `orig` is the driver's error."""
    text = short(orig)
    if "different configuration" in text:
        return DatabaseUnavailable(
            "The database file is already open with other settings in this program (probably for writing).",
            suggestion="Close that connection first, then ask again.",
        )
    if "temp_directory" in text:
        return DatabaseUnavailable(
            "The database file is already open in this program with another spill folder.",
            suggestion="Use one temp_dir (FA_TEMP_DIR) for every connection to this file.",
        )
    if "lock" in text.lower():
        return DatabaseUnavailable(
            "The database file is being written by another program.",
            suggestion="Wait until it has finished (for example `factory-assistant demo-data`) and try again.",
        )
    if db_path is not None and "does not exist" in text:
        return DatabaseUnavailable(f"The database file {db_path} does not exist.", suggestion=DEMO_HINT)
    return DatabaseUnavailable(
        f"Could not open the database: {text}",
        suggestion="Check that the database is running and that the connection settings are right.",
    )


def short(err: BaseException, limit: int = 300) -> str:
    """The first meaningful lines of a driver message, without the SQL echo or caret lines."""
    kept: list[str] = []
    for line in str(err).splitlines():
        stripped = line.strip()
        if not stripped:
            if kept:
                break
            continue
        if stripped.startswith(("LINE ", "^", "[SQL:", "(Background on this error", "HINT:")):
            break
        kept.append(stripped)
    text = " ".join(kept) or type(err).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _redacted(message: str, values: tuple[str, ...]) -> str:
    # A database echoes values in its errors ("Could not convert string '...' to INT32").
    for value in values:
        message = message.replace(value, "...")
    return message


def _is_out_of_space(orig: BaseException) -> bool:
    # DuckDB: memory_limit or max_temp_directory_size; PostgreSQL: out_of_memory, temp_file_limit.
    if type(orig).__name__ == "OutOfMemoryException" or "Out of Memory Error" in str(orig):
        return True
    return getattr(orig, "sqlstate", None) in {"53200", "53400"}


def _is_timeout(orig: BaseException) -> bool:
    if type(orig).__name__ in {"InterruptException", "QueryCanceled"}:
        return True
    if getattr(orig, "sqlstate", None) == "57014":  # PostgreSQL query_canceled
        return True
    code = orig.args[0] if orig.args else None
    return isinstance(code, int) and code in _MYSQL_TIMEOUTS
