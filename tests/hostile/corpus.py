"""The hostile corpus (tests/hostile/*.yaml) and the database it runs against.

`HOSTILE_SETUP` turns a copy of the demo database into one that holds things the layer does not
expose, each carrying a marker value, so that a leak shows up as a marker in a result or in an
error message. The statements are the same for DuckDB and PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
DIALECTS = ("duckdb", "postgres")

HOSTILE_SETUP = (
    # A column the layer does not declare (the demo's issue_zh is declared: complaint issues in Chinese).
    "ALTER TABLE customer_complaints ADD COLUMN internal_note VARCHAR",
    "UPDATE customer_complaints SET internal_note = 'HIDDEN-ZH-' || complaint_id",
    "UPDATE material_lots SET plant_id = 'HIDDEN-LOT-PLANT'",
    "UPDATE purchase_orders SET plant_id = 'HIDDEN-PO-PLANT'",
    "ALTER TABLE plants ADD COLUMN secret_code VARCHAR DEFAULT 'HIDDEN-PLANT-SECRET'",
    "ALTER TABLE plants ADD COLUMN secret_number BIGINT DEFAULT 987654321",
    "CREATE TABLE payroll (employee VARCHAR, salary BIGINT, note VARCHAR)",
    "INSERT INTO payroll VALUES ('HIDDEN-PAYROLL-ALICE', 987654321, 'HIDDEN-NOTE'), "
    "('HIDDEN-PAYROLL-BOB', 987654321, 'HIDDEN-NOTE')",
)
# Values only hidden places hold; a result or message containing one has leaked.
MARKERS = ("HIDDEN-", "987654321")
# Names of hidden columns and tables: a result column with one of these names has leaked.
HIDDEN_NAMES = frozenset({"internal_note", "secret_code", "secret_number", "employee", "salary", "note", "payroll"})


@dataclass(frozen=True)
class Entry:
    family: str
    sql: str
    reason: str
    expect: str  # "refuse": the guard must refuse; "safe": it may accept if nothing leaks
    only: str | None  # the database this statement is written for; elsewhere it must only not leak

    def expectation(self, dialect: str) -> str:
        return self.expect if self.only in (None, dialect) else "safe"


def load_corpus() -> list[Entry]:
    entries: list[Entry] = []
    for path in sorted(HERE.glob("*.yaml")):
        for family, items in yaml.safe_load(path.read_text(encoding="utf-8")).items():
            for item in items:
                entries.append(Entry(family=family, sql=str(item["sql"]).strip(), reason=str(item.get("reason", "")),
                                     expect=str(item.get("expect", "refuse")), only=item.get("only")))
    return entries


def leaks(text: str, columns: list[str], extra_markers: tuple[str, ...] = ()) -> list[str]:
    """What in a result (its text and column names) or a message comes from a hidden place."""
    found = [m for m in (*MARKERS, *extra_markers) if m and m in text]
    found += [c for c in columns if c.lower() in HIDDEN_NAMES]
    return found
