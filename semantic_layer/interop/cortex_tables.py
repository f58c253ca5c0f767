"""Cortex logical tables -> layer tables: base tables, keys, columns, dimensions, time dimensions.

A layer table is named by its physical table (the layer has no separate physical name), so a
logical name that differs ('product' over `product_dim`) is kept as a synonym of the table. A
second logical table over the same base table is a role of it (role-playing) when relationships
use it, and otherwise a repetition of the first, merged into it and reported. A base table given
as a SQL query (`base_table.definition`, semantic views) becomes a role table when the query is
`SELECT ... FROM t [WHERE ...]`, else a derived table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlglot import exp

from semantic_layer.interop.cortex_common import (
    Findings,
    Unsupported,
    bare_column,
    humanize,
    layer_sql,
    layer_type,
    parse,
    row_level,
    slug,
)
from semantic_layer.models import Label, Synonyms, Table, TimeRole

_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*$")
# Keys of a logical table this import reads (the rest are reported by name).
TABLE_KEYS = {"name", "synonyms", "description", "base_table", "primary_key", "dimensions", "time_dimensions",
              "measures", "facts", "metrics", "filters"}
_DATE_TYPES = {"DATE", "TIMESTAMP", "UNKNOWN"}


@dataclass
class Logical:
    """One Cortex logical table as the import understands it."""

    name: str  # the Cortex (logical) name
    table: str  # the layer table it became
    item: str  # "tables.<name>", the finding's item
    raw: dict[str, Any]
    exprs: dict[str, exp.Expr] = field(default_factory=dict)  # logical column -> its expression, as written
    physical: bool = True  # False: a role or derived table, which verified SQL cannot read
    merged: bool = False  # a repetition merged into another logical table


@dataclass
class TableDraft:
    """A layer table being assembled (Table itself is frozen)."""

    name: str
    description: str = ""
    synonyms: list[str] = field(default_factory=list)
    primary_key: list[str] = field(default_factory=list)
    unique_keys: list[list[str]] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)
    time_column: str | None = None
    time_roles: list[TimeRole] = field(default_factory=list)
    source: str | None = None
    where: str | None = None
    sql: str | None = None

    def column(self, name: str, column_type: str = "UNKNOWN") -> None:
        if self.columns.get(name, "UNKNOWN") == "UNKNOWN":
            self.columns[name] = column_type

    def has_key(self, cols: list[str]) -> bool:
        return cols == self.primary_key or cols in self.unique_keys

    def add_key(self, cols: list[str]) -> None:
        if not self.has_key(cols):
            self.unique_keys.append(cols)

    def build(self) -> Table:
        return Table(name=self.name, description=self.description, synonyms=Synonyms(en=self.synonyms),
                     primary_key=self.primary_key, unique_keys=self.unique_keys, columns=self.columns,
                     time_column=self.time_column, time_roles=self.time_roles, source=self.source,
                     where=self.where, sql=self.sql)


def physical_name(name: object) -> str:
    text = str(name or "").strip().strip('"')
    return text.lower() if _PLAIN.match(text) else text


def items(raw: dict[str, Any], key: str, f: Findings, where: str) -> list[dict[str, Any]]:
    """A list section of a Cortex object; anything that is not a mapping with a name is a defect."""
    value = raw.get(key) or []
    if not isinstance(value, list):
        f.add("defect", f"{where}.{key}", "is not a list; left out.")
        return []
    out = []
    for i, entry in enumerate(value):
        if isinstance(entry, dict) and entry.get("name"):
            out.append(entry)
        else:
            f.add("defect", f"{where}.{key}[{i}]", "has no name; left out.")
    return out


def unknown_keys(raw: dict[str, Any], known: set[str], item: str, f: Findings) -> None:
    for key in raw:
        if key not in known:
            f.add("unsupported", f"{item}.{key}", "is not a key this import reads; left out.")


class Tables:
    """Reads every logical table; `drafts` and `logical` are what the other readers build on."""

    def __init__(self, f: Findings) -> None:
        self.f = f
        self.logical: dict[str, Logical] = {}
        self.drafts: dict[str, TableDraft] = {}
        self._stored: set[str] = set()

    # ------------------------------------------------------------------ base tables
    def read(self, tables: list[dict[str, Any]], related: set[str]) -> None:
        owner: dict[str, Logical] = {}  # physical table -> the first logical table over it
        # Role and derived tables are named after their logical table, never after a stored one.
        self._stored = {physical_name(t["base_table"].get("table")) for t in tables
                        if isinstance(t.get("base_table"), dict)} - {""}
        for raw in tables:
            name = str(raw["name"])
            item = f"tables.{name}"
            unknown_keys(raw, TABLE_KEYS, item, self.f)
            base = raw.get("base_table")
            if isinstance(base, dict) and base.get("definition"):
                self._definition(name, item, raw, str(base["definition"]))
                continue
            physical = physical_name(base.get("table") if isinstance(base, dict) else None)
            if not physical:
                self.f.add("defect", f"{item}.base_table", "names no table; the logical table is left out.")
                continue
            first = owner.get(physical)
            if first is None:
                owner[physical] = self._physical(name, item, raw, physical)
            elif name in related:
                self._role(name, item, raw, physical, first)
            else:
                self.logical[name] = Logical(name, first.table, item, raw, merged=True)
                self.f.add("defect", item, f"repeats base table {physical} of logical table '{first.name}' and no "
                                           f"relationship uses it: merged into '{first.name}' (its dimensions over "
                                           "the same columns are kept once).")

    def _physical(self, name: str, item: str, raw: dict[str, Any], physical: str) -> Logical:
        draft = self.drafts.setdefault(physical, TableDraft(physical))
        draft.description = str(raw.get("description") or "")
        draft.synonyms += [str(s) for s in raw.get("synonyms") or []]
        if slug(name) != physical:
            draft.synonyms.insert(0, humanize(name))
            self.f.add("guess", item, f"became table '{physical}' (layer tables are named by their physical "
                                      f"table); the logical name is kept as its synonym '{humanize(name)}'.")
        lt = Logical(name, physical, item, raw)
        self.logical[name] = lt
        return lt

    def _free(self, name: str) -> str:
        table = slug(name)
        while table in self.drafts or table in self._stored:
            table += "_role"
        return table

    def _role(self, name: str, item: str, raw: dict[str, Any], physical: str, first: Logical) -> None:
        table = self._free(name)
        self.drafts[table] = TableDraft(table, str(raw.get("description") or ""),
                                        [str(s) for s in raw.get("synonyms") or []], source=physical)
        self.logical[name] = Logical(name, table, item, raw, physical=False)
        self.f.add("guess", item, f"is a second logical table over {physical} (after '{first.name}') with "
                                  f"relationships of its own: imported as role table '{table}' (source: {physical}).")

    def _definition(self, name: str, item: str, raw: dict[str, Any], sql: str) -> None:
        """A logical table defined by a query: a role of one table when it only selects and filters."""
        table = self._free(name)
        try:
            tree = parse(sql)
        except Unsupported as exc:
            self.f.add("unsupported", f"{item}.base_table.definition", f"{exc}; the logical table is left out.")
            return
        draft = TableDraft(table, str(raw.get("description") or ""), [str(s) for s in raw.get("synonyms") or []])
        sources = list(tree.find_all(exp.Table))
        simple = (isinstance(tree, exp.Select) and len(sources) == 1 and not tree.args.get("joins")
                  and not tree.args.get("group") and not tree.args.get("with")
                  and all(isinstance(p, exp.Column | exp.Star) for p in tree.expressions))
        if simple:
            source = physical_name(sources[0].name)
            self.drafts.setdefault(source, TableDraft(source))
            draft.source = source
            where = tree.args.get("where")
            draft.where = layer_sql(where.this) if where is not None else None
            for col in where.find_all(exp.Column) if where is not None else []:
                self.drafts[source].column(col.name)  # the source must have what the role filters on
            for p in tree.expressions:
                if isinstance(p, exp.Column):
                    draft.column(p.name)
                    self.drafts[source].column(p.name)
            self.f.add("guess", f"{item}.base_table.definition",
                       f"a query over one table: imported as role table '{table}' (source: {source}"
                       + (f", where: {draft.where}" if draft.where else "") + ").")
        else:
            named = [p.alias_or_name for p in getattr(tree, "expressions", [])]
            if not isinstance(tree, exp.Query) or not all(named) or "*" in named:
                self.f.add("unsupported", f"{item}.base_table.definition",
                           "is not a query whose columns all have names; the logical table is left out.")
                return
            draft.sql = layer_sql(tree)
            draft.columns = dict.fromkeys(named, "UNKNOWN")
            self.f.add("guess", f"{item}.base_table.definition", f"imported as derived table '{table}' (`sql:`).")
        self.drafts[table] = draft
        self.logical[name] = Logical(name, table, item, raw, physical=False)

    # ------------------------------------------------------------------ columns
    def column(self, lt: Logical, col: str, column_type: str = "UNKNOWN") -> None:
        """A column the table must have; a role table's columns are its source's too."""
        draft = self.drafts[lt.table]
        draft.column(col, column_type)
        if draft.source and draft.source in self.drafts:
            self.drafts[draft.source].column(col, column_type)

    def collect_exprs(self) -> None:
        """Every logical column's expression, so other expressions can name it."""
        for lt in self.logical.values():
            for section in ("dimensions", "time_dimensions", "facts", "measures"):
                value = lt.raw.get(section)
                entries: list[Any] = value if isinstance(value, list) else []
                for raw in [e for e in entries if isinstance(e, dict) and e.get("name")]:  # reported when read
                    try:
                        lt.exprs.setdefault(str(raw["name"]).lower(), parse(raw.get("expr")))
                    except Unsupported:
                        continue  # reported where the column itself is read

    def resolve(self, lt: Logical, tree: exp.Expr, what: str, *, own: str | None = None) -> exp.Expr:
        """The expression over physical columns of `lt`'s table: a logical column named in it is
        replaced by its own expression (one level), the table qualifier dropped. Another table's
        column is Unsupported: layer expressions are over one table. Inside the expression of the
        logical column `own`, its own name is the physical column ('amount: amount * 100')."""
        def swap(node: exp.Expr) -> exp.Expr:
            if not isinstance(node, exp.Column) or isinstance(node.this, exp.Star):
                return node
            owner = node.table.removeprefix("__")
            if owner and owner != lt.name.lower() and owner != lt.table:
                raise Unsupported(f"{what} uses {node.sql()}, a column of another table")
            target = lt.exprs.get(node.name) if node.name != own else None
            if target is not None and bare_column(target) != node.name:
                inner = target.copy()
                for col in inner.find_all(exp.Column):
                    col.set("table", None)
                return exp.paren(inner, copy=False) if not isinstance(inner, exp.Column) else inner
            return exp.column(bare_column(target) or node.name) if target is not None else exp.column(node.name)

        out = tree.copy().transform(swap)
        for col in out.find_all(exp.Column):
            if col.name:
                self.column(lt, col.name)
        return out

    def physical_column(self, lt: Logical, name: object, what: str) -> str:
        """A key or join column: a logical column that is a plain column, or a base column name."""
        tree = self.resolve(lt, parse(str(name)), what)
        col = bare_column(tree)
        if col is None:
            raise Unsupported(f"{what} '{name}' is an expression, not a column")
        return col

    # ------------------------------------------------------------------ keys and dates
    def keys(self, lt: Logical) -> None:
        pk = lt.raw.get("primary_key")
        cols = pk.get("columns") if isinstance(pk, dict) else pk
        if not cols:
            return
        try:
            key = [self.physical_column(lt, c, "primary key column") for c in cols]
        except Unsupported as exc:
            self.f.add("unsupported", f"{lt.item}.primary_key", f"{exc}; no key imported.")
            return
        draft = self.drafts[lt.table]
        if draft.primary_key and draft.primary_key != key:
            self.f.add("defect", f"{lt.item}.primary_key", f"{key} differs from {draft.primary_key}, declared by "
                                                           "another logical table over the same table; kept as a "
                                                           "unique key.")
            draft.add_key(key)
        else:
            draft.primary_key = key

    def time_dimensions(self, lt: Logical) -> list[tuple[dict[str, Any], exp.Expr]]:
        """Dates become the table's time column (the first) and time roles; returns the time
        dimensions that are not dates, to be read as ordinary dimensions."""
        others: list[tuple[dict[str, Any], exp.Expr]] = []
        chosen: list[str] = []
        for raw in items(lt.raw, "time_dimensions", self.f, lt.item):
            item = f"{lt.item}.time_dimensions.{raw['name']}"
            try:
                tree = self.resolve(lt, parse(raw.get("expr")), "time dimension")
                row_level(tree, "time dimension")
            except Unsupported as exc:
                self.f.add("unsupported", item, f"{exc}; left out.")
                continue
            col = bare_column(tree)
            if layer_type(raw.get("data_type")) not in _DATE_TYPES:
                others.append((raw, tree))
                self.f.add("guess", item, f"has data_type {raw.get('data_type')}, not a date: imported as a dimension.")
            elif col is None:
                self.f.add("unsupported", item, f"is computed (\"{layer_sql(tree)}\"); a period can only apply to a "
                                                "stored date column. Left out.")
            elif self._date(lt, raw, col):
                chosen.append(col)
        if len(chosen) > 1:
            self.f.add("guess", f"{lt.item}.time_dimensions",
                       f"several dates: '{chosen[0]}' (the first) is the default date of a row; "
                       f"{', '.join(chosen[1:])} apply when a question uses their names or synonyms.")
        return others

    def _date(self, lt: Logical, raw: dict[str, Any], col: str) -> bool:
        """The table's default date when it has none yet, else a time role; False if already one."""
        draft = self.drafts[lt.table]
        self.column(lt, col, layer_type(raw.get("data_type")))
        if raw.get("unique") is True:
            draft.add_key([col])
        if col == draft.time_column or col in [r.column for r in draft.time_roles]:
            return False  # a repeated logical table's dates are its first's
        words = [str(s) for s in raw.get("synonyms") or []]
        first = draft.time_column is None
        if first:
            draft.time_column = col
        if words or not first:  # the default date's words name it too ('ordered' when 'shipped' is another)
            label = humanize(str(raw["name"]))
            draft.time_roles.append(TimeRole(column=col, label=Label(en=label, zh=label), synonyms=Synonyms(en=words)))
        return True
