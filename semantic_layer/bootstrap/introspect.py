"""Open a database read-only and read what a layer needs: tables, columns and their kinds,
comments, declared keys, row counts, and the distinct values of low-cardinality text columns.

DuckDB's SQLAlchemy inspector queries pg_catalog in ways DuckDB cannot answer, so DuckDB's own
catalog functions are read instead; every other dialect goes through SQLAlchemy's inspector.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from semantic_layer.errors import FactoryAssistantError

Kind = Literal["text", "integer", "number", "date", "timestamp", "boolean", "other"]
_SQLITE_MAGIC = b"SQLite format 3\x00"
_PG_DRIVERS = {"", "psycopg", "psycopg2", "psycopg2cffi"}  # drivers that pass libpq `options`
_MYSQL_BACKENDS = ("mysql", "mariadb")
_MYSQL_TIMEOUT_DRIVERS = {"", "pymysql", "mysqldb"}  # drivers that take `connect_timeout` (seconds)
_MYSQL_READ_ONLY = "SET SESSION TRANSACTION READ ONLY"


class BootstrapError(FactoryAssistantError):
    """The database cannot be opened or read. `code` is the command's exit code."""

    def __init__(self, message: str, *, suggestion: str | None = None, code: int = 3) -> None:
        super().__init__(message, suggestion=suggestion)
        self.code = code


@dataclass(frozen=True)
class ColumnInfo:
    name: str
    sql_type: str  # normalised for the layer (VARCHAR, BIGINT, DOUBLE, DATE, TIMESTAMP...)
    kind: Kind
    comment: str | None = None


@dataclass(frozen=True)
class ForeignKey:
    column: str
    ref_table: str
    ref_column: str
    declared: bool = True  # False: guessed from names and values


@dataclass
class TableInfo:
    name: str
    columns: list[ColumnInfo]
    comment: str | None = None
    primary_key: list[str] = field(default_factory=list)
    foreign_keys: list[ForeignKey] = field(default_factory=list)
    row_count: int = 0
    samples: dict[str, list[str]] = field(default_factory=dict)  # low-cardinality text column -> values

    def column(self, name: str) -> ColumnInfo | None:
        return next((c for c in self.columns if c.name == name), None)


# ------------------------------------------------------------------------------ opening
def resolve_url(text: str) -> URL:
    """A SQLAlchemy URL; a bare path is a DuckDB file, or SQLite when the file says so."""
    if "://" not in text:
        path = Path(text).expanduser().absolute()
        if path.is_file():
            with path.open("rb") as fh:
                if fh.read(16) == _SQLITE_MAGIC:
                    return URL.create("sqlite", database=str(path))
        return URL.create("duckdb", database=str(path))
    try:
        return make_url(text)
    except ArgumentError:
        raise BootstrapError(f"'{text}' is not a database address. / 「{text}」不是数据库地址。",
                             suggestion="Use a file path, sqlite:///file.db or postgresql+psycopg://user@host/db. / "
                                        "请使用文件路径、sqlite:///file.db 或 postgresql+psycopg://user@host/db。",
                             code=2) from None


def mask_url(url: URL) -> str:
    """The URL as it may be printed: the password is never shown."""
    if url.get_backend_name() in ("duckdb", "sqlite") and url.password is None and url.database:
        return url.database if url.get_backend_name() == "duckdb" else f"sqlite:///{url.database}"
    return url.render_as_string(hide_password=True)


def _scrub(message: str, url: URL) -> str:
    # Driver messages sometimes echo the connection string: never let the password through.
    return message.replace(url.password, "***") if url.password else message


def _engine(url: URL) -> Engine:
    backend = url.get_backend_name()
    if backend in ("duckdb", "sqlite"):
        if not url.database or url.database == ":memory:":
            raise BootstrapError("An in-memory database has no tables to read. / 内存数据库没有可读取的表。", code=2)
        path = Path(url.database).expanduser()
        if not path.is_file():
            raise BootstrapError(f"There is no database file at {path}. / 找不到数据库文件 {path}。",
                                 suggestion="Check the path. / 请检查路径。", code=3)
        if backend == "duckdb":
            return sa.create_engine(url, connect_args={"read_only": True})
        uri = f"{path.absolute().as_uri()}?mode=ro"  # SQLite's own read-only mode: no write can succeed
        return sa.create_engine("sqlite://", creator=lambda: sqlite3.connect(uri, uri=True))
    if backend == "postgresql" and url.get_driver_name() in _PG_DRIVERS:
        # Every transaction of the session is read-only, whatever the account may do.
        return sa.create_engine(url, connect_args={"options": "-c default_transaction_read_only=on",
                                                   "connect_timeout": 10})
    if backend in _MYSQL_BACKENDS:
        args = {"connect_timeout": 10} if url.get_driver_name() in _MYSQL_TIMEOUT_DRIVERS else {}
        engine = sa.create_engine(url, connect_args=args)
        # Every transaction of the session is read-only: a write fails with error 1792.
        sa.event.listen(engine, "connect", _mysql_read_only)
        return engine
    return sa.create_engine(url)  # other dialects: only SELECTs are ever sent


def _mysql_read_only(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    try:
        cursor.execute(_MYSQL_READ_ONLY)
    finally:
        cursor.close()


def open_read_only(url: URL) -> Engine:
    """An engine that has answered one query, opened read-only; BootstrapError otherwise."""
    try:
        engine = _engine(url)
    except (ImportError, NoSuchModuleError, ArgumentError) as exc:
        raise BootstrapError(
            f"No driver for '{mask_url(url)}' is installed ({_scrub(str(exc), url)}). / "
            f"未安装「{mask_url(url)}」的数据库驱动。",
            suggestion="Install the SQLAlchemy dialect for this database (e.g. pip install pymysql). / "
                       "请安装该数据库的 SQLAlchemy 方言。", code=2) from None
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except (SQLAlchemyError, OSError) as exc:
        engine.dispose()
        reason = _scrub(str(getattr(exc, "orig", exc) or exc).strip().splitlines()[0], url)
        raise BootstrapError(f"Cannot open '{mask_url(url)}': {reason} / 无法打开「{mask_url(url)}」：{reason}",
                             suggestion="Check the address, that the server runs and the credentials. / "
                                        "请检查地址、服务器是否运行以及账号密码。", code=3) from None
    return engine


# ------------------------------------------------------------------------------ reading
def _kind(sql_type: str) -> Kind:
    t = sql_type.upper()
    if re.search(r"TIMESTAMP|DATETIME", t):
        return "timestamp"
    if t.startswith("DATE"):
        return "date"
    if "BOOL" in t:
        return "boolean"
    if re.search(r"INT|SERIAL", t):
        return "integer"
    if re.search(r"DEC|NUMERIC|REAL|FLOAT|DOUBLE|MONEY", t):
        return "number"
    if re.search(r"CHAR|TEXT|STRING|CLOB|UUID|ENUM", t):
        return "text"
    return "other"


def _normalised(sql_type: str, kind: Kind) -> str:
    t = sql_type.upper()
    if kind == "integer":
        return t if t in ("INTEGER", "BIGINT", "SMALLINT", "TINYINT", "HUGEINT") else "BIGINT"
    if kind == "number":
        m = re.match(r"(?:DECIMAL|NUMERIC)\s*\((\d+)\s*,\s*(\d+)\)", t)
        return f"DECIMAL({m.group(1)},{m.group(2)})" if m else "DOUBLE"
    return {"text": "VARCHAR", "date": "DATE", "timestamp": "TIMESTAMP", "boolean": "BOOLEAN"}.get(kind, t or "VARCHAR")


def _column(name: str, sql_type: str, comment: str | None) -> ColumnInfo:
    kind = _kind(sql_type)
    return ColumnInfo(name=name, sql_type=_normalised(sql_type, kind), kind=kind, comment=comment or None)


def _duckdb_catalog(conn: sa.Connection) -> list[TableInfo]:
    where = "WHERE database_name = current_database() AND schema_name = current_schema()"
    tables = {name: TableInfo(name=name, columns=[], comment=comment) for name, comment in conn.exec_driver_sql(
        f"SELECT table_name, comment FROM duckdb_tables() {where} AND NOT internal ORDER BY table_name")}
    for table, col, dtype, comment in conn.exec_driver_sql(
            f"SELECT table_name, column_name, data_type, comment FROM duckdb_columns() {where} "
            "ORDER BY table_name, column_index"):
        if table in tables:
            tables[table].columns.append(_column(col, dtype, comment))
    for table, ctype, cols, ref_table, ref_cols in conn.exec_driver_sql(
            "SELECT table_name, constraint_type, constraint_column_names, referenced_table, referenced_column_names "
            f"FROM duckdb_constraints() {where} AND constraint_type IN ('PRIMARY KEY', 'FOREIGN KEY')"):
        info = tables.get(table)
        if info is None:
            continue
        if ctype == "PRIMARY KEY":
            info.primary_key = list(cols)
        elif len(cols) == 1 and ref_cols and len(ref_cols) == 1:  # composite keys are left to people
            info.foreign_keys.append(ForeignKey(cols[0], ref_table, ref_cols[0]))
    return list(tables.values())


def _maybe(call: Any, default: Any) -> Any:
    # Dialects implement reflection unevenly (no comments in SQLite...): a missing piece is empty.
    try:
        return call()
    except (NotImplementedError, SQLAlchemyError):
        return default


def _inspected(engine: Engine) -> list[TableInfo]:
    insp = sa.inspect(engine)
    out: list[TableInfo] = []
    for name in sorted(insp.get_table_names()):
        cols = [_column(c["name"], _type_text(c["type"], engine), c.get("comment")) for c in insp.get_columns(name)]
        comment = _maybe(lambda n=name: insp.get_table_comment(n).get("text"), None)
        pk = _maybe(lambda n=name: insp.get_pk_constraint(n).get("constrained_columns") or [], [])
        fks = [ForeignKey(fk["constrained_columns"][0], fk["referred_table"], fk["referred_columns"][0])
               for fk in _maybe(lambda n=name: insp.get_foreign_keys(n), [])
               if len(fk["constrained_columns"]) == 1 and len(fk.get("referred_columns") or []) == 1]
        out.append(TableInfo(name=name, columns=cols, comment=comment, primary_key=list(pk), foreign_keys=fks))
    return out


def _type_text(sql_type: Any, engine: Engine) -> str:
    try:
        return str(sql_type.compile(dialect=engine.dialect))
    except Exception:  # a type the dialect cannot render: its class name still classifies it
        return type(sql_type).__name__


def quote(engine: Engine, name: str) -> str:
    return str(engine.dialect.identifier_preparer.quote(name))


def list_tables(engine: Engine) -> list[tuple[str, int]]:
    """(table, row count) of every table in the default schema."""
    with engine.connect() as conn:
        if engine.dialect.name == "duckdb":
            names = [t.name for t in _duckdb_catalog(conn)]
        else:
            names = sorted(sa.inspect(conn).get_table_names())
        return [(n, int(conn.execute(sa.text(f"SELECT COUNT(*) FROM {quote(engine, n)}")).scalar() or 0))
                for n in names]


def introspect(engine: Engine, *, sample_limit: int = 30) -> list[TableInfo]:
    """Every table with its columns, keys, comments, row count and low-cardinality samples."""
    with engine.connect() as conn:
        tables = _duckdb_catalog(conn) if engine.dialect.name == "duckdb" else _inspected(engine)
        for t in tables:
            q = quote(engine, t.name)
            t.row_count = int(conn.execute(sa.text(f"SELECT COUNT(*) FROM {q}")).scalar() or 0)
            for col in t.columns:
                if col.kind != "text" or col.name in t.primary_key or col.name.lower().endswith("_id"):
                    continue
                c = quote(engine, col.name)
                rows = conn.execute(sa.text(
                    f"SELECT {c} FROM {q} WHERE {c} IS NOT NULL GROUP BY {c} ORDER BY COUNT(*) DESC, {c} "
                    f"LIMIT {sample_limit + 1}")).fetchall()
                if 0 < len(rows) <= sample_limit:  # more distinct values than that: a name, not a category
                    t.samples[col.name] = [str(r[0]) for r in rows]
    return tables
