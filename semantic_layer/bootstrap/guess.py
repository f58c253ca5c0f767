"""Guess a layer from introspected tables. Every inference that people should check carries a
note starting with GUESS, which the writer turns into a `# guess: review` comment.

Keys: a declared primary key, else `id`, `<singular>_id` or a first `..._id` column that is
unique and never NULL. Joins: declared foreign keys, else a `<x>_id` column naming another
table's single-column key whose every value is found there. Dimensions: the entity tables that
joins point at (keyed by their key, shown by their `..._name`) and text columns with few
distinct values. Measures: sums of numeric non-key columns. Time: date and timestamp columns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from semantic_layer.bootstrap.introspect import ForeignKey, TableInfo, quote

GUESS = "guess: review"
TODO_ZH = "todo: Chinese label"
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")  # names the compiler can use unquoted
_CJK = re.compile(r"[\u3400-\u9fff]")
_NOT_ADDITIVE = re.compile(r"price|cost|rate|ratio|pct|percent|temp|cycle|age|lat|lon|score|_s$|_min$", re.I)
_INDEX_VALUES_MAX = 500  # entity tables with more rows than this are not put in the retrieval index


@dataclass
class Item:
    """One YAML list item: its mapping, a comment above it and comments after some keys."""

    data: dict[str, Any]
    above: list[str] = field(default_factory=list)
    after: dict[str, str] = field(default_factory=dict)


@dataclass
class Draft:
    name: str
    tables: list[Item] = field(default_factory=list)
    relationships: list[Item] = field(default_factory=list)
    dimensions: list[Item] = field(default_factory=list)
    measures: list[Item] = field(default_factory=list)
    metrics: list[Item] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # what was left out, and why


def singular(word: str) -> str:
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("sses", "ches", "shes", "xes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def words(name: str) -> str:
    """snake_case -> 'Snake case' (an English label people can then improve)."""
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).replace("_", " ").strip()
    return (text[:1].upper() + text[1:].lower()) if text else name


def label(en: str, comment: str | None) -> tuple[dict[str, str], str | None]:
    """{en, zh} and the note for the line: a Chinese comment is the Chinese label; without one the
    model still requires zh today, so it repeats the English and asks for a translation."""
    if comment and _CJK.search(comment):
        return {"en": en, "zh": comment.strip().splitlines()[0][:40]}, None
    return {"en": en, "zh": en}, TODO_ZH


def _scalar(engine: Engine, sql: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text(sql)).scalar() or 0)


def _guess_primary_key(engine: Engine, t: TableInfo) -> str | None:
    names = [c.name for c in t.columns]
    candidates = ["id", f"{singular(t.name)}_id", *([names[0]] if names and names[0].endswith("_id") else [])]
    q = quote(engine, t.name)
    for cand in dict.fromkeys(c for c in candidates if c in names):
        c = quote(engine, cand)
        total, distinct, filled = (_scalar(engine, f"SELECT COUNT(*) FROM {q}"),
                                   _scalar(engine, f"SELECT COUNT(DISTINCT {c}) FROM {q}"),
                                   _scalar(engine, f"SELECT COUNT({c}) FROM {q}"))
        if total == distinct == filled:
            return cand
    return None


def _guess_join(engine: Engine, t: TableInfo, column: str, tables: dict[str, TableInfo]) -> ForeignKey | None:
    """`<x>_id` -> the table whose one-column key it names, when every value is found there."""
    stem = column[:-3]
    for u in tables.values():
        if u.name == t.name or len(u.primary_key) != 1:
            continue
        key = u.primary_key[0]
        if key != column and not (key == "id" and stem in (u.name, singular(u.name))):
            continue
        c, k = quote(engine, column), quote(engine, key)
        orphans = _scalar(engine, f"SELECT COUNT(*) FROM (SELECT DISTINCT {c} AS v FROM {quote(engine, t.name)} "
                                  f"WHERE {c} IS NOT NULL) f WHERE NOT EXISTS "
                                  f"(SELECT 1 FROM {quote(engine, u.name)} u WHERE u.{k} = f.v)")
        if orphans == 0:
            return ForeignKey(column, u.name, key, declared=False)
    return None


def _keys(engine: Engine, tables: dict[str, TableInfo]) -> dict[str, str]:
    """Fill in guessed keys and joins; returns table -> note for guessed primary keys."""
    notes: dict[str, str] = {}
    for t in tables.values():
        if not t.primary_key:
            pk = _guess_primary_key(engine, t)
            if pk:
                t.primary_key = [pk]
                notes[t.name] = f"{GUESS} (no declared key; {pk} is unique and never empty)"
    for t in tables.values():
        linked = {fk.column for fk in t.foreign_keys}
        for col in t.columns:
            if col.name.endswith("_id") and col.name not in linked and t.primary_key != [col.name]:
                fk = _guess_join(engine, t, col.name, tables)
                if fk:
                    t.foreign_keys.append(fk)
    return notes


def guess_layer(engine: Engine, tables: list[TableInfo], *, name: str) -> Draft:
    """The draft layer of these tables (keys and joins are checked against the data)."""
    from semantic_layer.bootstrap.fields import add_fields

    draft = Draft(name=name)
    usable: dict[str, TableInfo] = {}
    for t in tables:
        if not _NAME.match(t.name):
            draft.skipped.append(f"table {t.name}: its name needs quoting")
            continue
        bad = [c.name for c in t.columns if not _NAME.match(c.name)]
        draft.skipped.extend(f"column {t.name}.{c}: its name needs quoting" for c in bad)
        t.columns = [c for c in t.columns if c.name not in bad]
        usable[t.name] = t
    pk_notes = _keys(engine, usable)
    # A join must point at a declared key (the loader refuses others): a foreign key aimed at a
    # column other than the primary key makes that column a unique key of its table.
    unique: dict[str, list[str]] = {}
    for t in usable.values():
        for fk in t.foreign_keys:
            target = usable.get(fk.ref_table)
            if target and target.primary_key != [fk.ref_column] and fk.ref_column not in unique.get(target.name, []):
                unique.setdefault(target.name, []).append(fk.ref_column)
    for t in usable.values():
        draft.tables.append(_table_item(t, pk_notes.get(t.name), unique.get(t.name, [])))
        for fk in t.foreign_keys:
            if fk.ref_table in usable and usable[fk.ref_table].column(fk.ref_column):
                note = "declared foreign key" if fk.declared else f"{GUESS} (from the name; every value matches)"
                link = {"from": f"{t.name}.{fk.column}", "to": f"{fk.ref_table}.{fk.ref_column}"}
                draft.relationships.append(Item(link, after={"": note}))
    add_fields(draft, usable)
    return draft


def _table_item(t: TableInfo, pk_note: str | None, unique: list[str]) -> Item:
    item = Item({"name": t.name}, above=[f"{t.row_count:,} rows"])
    lab, note = label(words(t.name), t.comment)
    item.data["label"] = lab
    if note:
        item.after["label"] = note
    if t.comment and not _CJK.search(t.comment):
        item.data["description"] = t.comment.strip()
    elif t.comment:
        item.data["synonyms"] = {"zh": [lab["zh"]]}
    if t.primary_key:
        item.data["primary_key"] = list(t.primary_key)
        if pk_note:
            item.after["primary_key"] = pk_note
    if unique:
        item.data["unique_keys"] = [[c] for c in unique]
        item.after["unique_keys"] = f"{GUESS} (foreign keys point at them; layer validate checks they are unique)"
    dates = [c for c in t.columns if c.kind in ("date", "timestamp")]
    if dates:
        item.data["time_column"] = dates[0].name
        item.after["time_column"] = f"{GUESS} (the first date column; periods in questions filter it)"
    if len(dates) > 1:
        roles = []
        for c in dates[1:]:
            lab_c, _ = label(words(c.name).lower(), c.comment)
            roles.append({"column": c.name, "label": lab_c})
        item.data["time_roles"] = roles
        item.after["time_roles"] = f"{GUESS} (other dates; add the words that pick each, and Chinese labels)"
    item.data["columns"] = {c.name: c.sql_type for c in t.columns}
    return item
