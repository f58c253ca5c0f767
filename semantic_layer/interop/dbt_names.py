"""Names, labels, units and SQL spelling shared by the dbt import and export.

dbt names are snake_case; labels are made from them in Title Case, in English only (a layer may
give one language: the other shows the same words). Column names are lower-cased: MetricFlow
projects mix `Claim_Amount_Identifier` and `claim_amount_identifier` for one column, and the
databases this layer reads fold unquoted names anyway.
"""

from __future__ import annotations

import re
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError
from sqlglot.tokens import TokenType

from semantic_layer.models import Label, UnitSpec

META_KEY = "factory_assistant"  # our own block under dbt `config: meta:` (and vars) for what dbt cannot say
DBT_NAME = re.compile(r"^(?!.*__)[a-z][a-z0-9_]*[a-z0-9]$")  # MetricFlow's pattern for element names
_SMALL = {"a", "an", "and", "at", "by", "for", "in", "of", "on", "or", "per", "the", "to"}
_DATE_WORDS = {"date", "at", "time", "timestamp", "day", "on", "ts", "dt"}
_MONEY = re.compile(r"amount|premium|price|cost|revenue|fare|fee|payment|paid|reserve|sales|spend|income|"
                    r"expense|profit|margin|balance|charge|salary|wage|tax|usd|eur|gbp|cny|rmb", re.IGNORECASE)

GENERIC_UNIT = UnitSpec(name="number", label=Label.model_validate({"en": "number"}))
MONEY_UNIT = UnitSpec(name="money", label=Label.model_validate({"en": "amount of money"}), kind="money")


def words(name: str) -> list[str]:
    return [w for w in re.split(r"[_\s]+", name.strip()) if w]


def title(name: str) -> str:
    """'number_of_policies' -> 'Number of Policies' (a label that is already words is kept)."""
    if " " in name.strip() and not name.islower():
        return name.strip()
    out = []
    for i, w in enumerate(words(name)):
        out.append(w if not w.islower() else (w if i and w in _SMALL else w[:1].upper() + w[1:]))
    return " ".join(out)


def plural(label: str) -> str:
    """English plural of a label's last word: what a table's rows are ('Claims', 'Policies')."""
    head, _, last = label.rpartition(" ")
    low = last.lower()
    if low.endswith(("ss", "x", "ch", "sh")):
        last += "es"
    elif low.endswith("y") and low[-2:-1] not in tuple("aeiou"):
        last = last[:-1] + "ies"
    elif not low.endswith("s"):
        last += "s"
    return f"{head} {last}".strip()


def date_words(name: str, table: str) -> str:
    """What a time column's name says beyond 'date' and its table: 'ended_at' -> 'ended',
    'claim_close_date' (of claim) -> 'close'. Empty when nothing is left."""
    own = set(words(table.lower()))
    kept = [w for w in words(name.lower()) if w not in _DATE_WORDS and w not in own]
    return " ".join(kept)


def snake(text: str) -> str:
    """A valid dbt element name from any text."""
    name = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    name = re.sub(r"_+", "_", name)
    if not name or not name[0].isalpha():
        name = f"x_{name}".rstrip("_")
    return name


def money_like(*texts: str | None) -> bool:
    return any(t and _MONEY.search(t) for t in texts)


def lower_columns(sql: str) -> str:
    """The SQL with every unquoted name lower-cased and the rest of the text as written (string
    literals, quoted names, spacing): a re-rendered expression would read differently."""
    try:
        tokens = sqlglot.Dialect.get_or_raise("duckdb").tokenize(sql)
    except Exception:  # sqlglot's tokenizer raises its own errors and ValueError alike
        return sql
    out = list(sql)
    for tok in tokens:
        if tok.token_type == TokenType.VAR:
            out[tok.start:tok.end + 1] = list(sql[tok.start:tok.end + 1].lower())
    return "".join(out)


def bare_column(sql: Any) -> str | None:
    """The column an `expr` names when it is just a column (None for an expression or a constant)."""
    text = str(sql).strip()
    return text.lower() if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", text) else None


def dated_column(sql: Any) -> str | None:
    """The column a time dimension's `expr` only casts or truncates to a day (`cast(ordered_at as date)`,
    `date_trunc('day', ts)`, `date(ts)`): a period applies to that column as it would to the cast."""
    try:
        tree = sqlglot.parse_one(str(sql), read="duckdb")
    except ParseError:
        return None
    day = isinstance(tree, exp.TimestampTrunc) and str(tree.args.get("unit", "")).lower().strip("'\"") == "day"
    if isinstance(tree, (exp.Cast, exp.Date)) or day:
        inner = tree.this
        return inner.name.lower() if isinstance(inner, exp.Column) else None
    return None


def expr_columns(sql: str) -> list[str]:
    """Lower-cased columns an expression reads."""
    try:
        tree = sqlglot.parse_one(sql, read="duckdb")
    except ParseError:
        return []
    return list(dict.fromkeys(c.name.lower() for c in tree.find_all(exp.Column))) if tree is not None else []


def constant(sql: Any) -> bool:
    """A literal: `expr: "1"`, `expr: 1`, `expr: true`."""
    text = str(sql).strip()
    try:
        tree = sqlglot.parse_one(text, read="duckdb")
    except ParseError:
        return False
    return isinstance(tree, (exp.Literal, exp.Boolean)) or (isinstance(tree, exp.Neg) and
                                                         isinstance(tree.this, exp.Literal))
