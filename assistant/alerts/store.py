"""The alert state database (SQLAlchemy: a SQLite file by default, PostgreSQL tested).

    alert_rules   rules made in the app or in chat (file rules stay in their YAML file)
    incidents     one row per breach episode: opened when a member breaches, resolved when it
                  recovers; `open_slot` ("rule|member" while open, NULL after) is UNIQUE, so
                  two checks racing cannot open the same incident twice
    outbox        one row per notification and recipient, written in the same transaction as
                  the incident change it announces; `dedupe_key` is UNIQUE, and a row is
                  marked delivered only after its channel accepted it (at-least-once delivery
                  with a key receivers can use to drop a repeat)
    inbox         the app's notifications, per user

A crash between "evaluated" and "delivered" therefore loses nothing (the outbox row is already
committed) and sends nothing twice (the incident is already open, so no new row is written).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Engine,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
)

__all__ = ["METADATA", "inbox", "incidents", "open_store", "outbox", "rules_table", "utcnow"]

METADATA = MetaData()

rules_table = Table(
    "alert_rules", METADATA,
    Column("id", String(64), primary_key=True),
    Column("body", JSON, nullable=False),  # the AlertRule as JSON
    Column("source", String(16), nullable=False, default="app"),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

incidents = Table(
    "incidents", METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("rule_id", String(64), nullable=False, index=True),
    Column("member", String(200), nullable=False, default=""),
    Column("member_label", String(200), nullable=False, default=""),
    Column("status", String(16), nullable=False),  # open | resolved
    Column("open_slot", String(270), unique=True, nullable=True),
    Column("period", String(10), nullable=False),  # first day of the period that breached
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("resolved_at", DateTime(timezone=True), nullable=True),
    Column("value", Float, nullable=True),
    Column("reference", Float, nullable=True),
    Column("last_value", Float, nullable=True),
    Column("message_en", Text, nullable=False, default=""),
    Column("message_zh", Text, nullable=False, default=""),
    Column("evidence", JSON, nullable=True),  # sql, columns, rows, chart, why, link
)

outbox = Table(
    "outbox", METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("dedupe_key", String(300), unique=True, nullable=False),
    Column("incident_id", Integer, nullable=True, index=True),
    Column("event", String(16), nullable=False),  # opened | resolved | briefing | test
    Column("recipient", String(200), nullable=False),  # user:<name> | webhook:<channel> | slack:<id>
    Column("lang", String(2), nullable=False, default="en"),
    Column("payload", JSON, nullable=False),  # title, text, fields, link, chart_png (base64)
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    Column("delivered_at", DateTime(timezone=True), nullable=True),
    Column("last_error", Text, nullable=True),
    Index("outbox_pending", "delivered_at", "next_attempt_at"),  # the delivery worker's one query
    # A worker's lease on the row while it sends it (delivery/worker.py): empty or lapsed = free.
    Column("claimed_until", DateTime(timezone=True), nullable=True),
)

inbox = Table(
    "inbox", METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user", String(200), nullable=False, index=True),
    Column("outbox_id", Integer, unique=True, nullable=False),  # delivering twice writes once
    Column("title", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("link", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("read_at", DateTime(timezone=True), nullable=True),
)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def open_store(url: str) -> Engine:
    """An engine on the state database, its tables created when missing."""
    if url.startswith("sqlite:///"):
        from pathlib import Path

        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, json_serializer=lambda v: json.dumps(v, ensure_ascii=False, default=str))
    if engine.dialect.name == "sqlite":
        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(conn: Any, _record: Any) -> None:
            # WAL lets the app read while a check writes; a busy timeout instead of "database is locked".
            cur = conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=10000")
            cur.close()
    METADATA.create_all(engine)
    return engine


def as_utc(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite hands back naive datetimes for timezone-aware columns: they were stored as UTC."""
    if value is None:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
