"""Load and validate evaluation question files (YAML).

Format::

    as_of: 2025-12-31            # optional; the "today" that relative dates resolve against
    description: ...             # optional
    gold_dialect: duckdb         # optional; the SQL dialect gold_sql is written in (sqlglot's name)
    items:
      - id: oee-plant-q4         # unique in the file
        question: What was OEE by plant in Q4 2025?
        lang: en                 # en | zh
        tags: [oee, time]
        context: [earlier turn, ...]   # optional, asked first in the same session
        as_of: 2025-11-30        # optional, overrides the file's
        gold_sql: SELECT ...     # SQL over the physical tables, in the file's gold_dialect
        reviewed: false          # optional (default true); a draft counts in no accuracy figure
      - id: weather
        question: What's the weather in Suzhou?
        lang: en
        tags: [out_of_scope]
        expect: refuse           # instead of gold_sql
      - id: line-3-everywhere
        question: OEE of line 3?   # several plants have a line 3 and nothing picks one
        lang: en
        expect: clarify          # correct when the assistant asks back instead of answering

Gold SQL must use literal dates (never CURRENT_DATE): it is executed as written, on a
database of another dialect after sqlglot has transpiled it (runner.py). Items drafted by
`eval init` carry `reviewed: false` until a person has checked them: a question whose gold SQL
came from the compiler cannot grade the compiler, so such items are run but not counted.
Every mistake is reported with the file, the item id and the field.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from assistant.core.errors import ConfigError

DEFAULT_GOLD_DIALECT = "duckdb"
# Names people write for a dialect that sqlglot spells otherwise (SQLAlchemy's backend names).
_DIALECT_ALIASES = {"postgresql": "postgres", "mssql": "tsql", "sqlserver": "tsql", "mariadb": "mysql"}


def gold_dialect_name(value: str) -> str:
    """sqlglot's name for a dialect ('PostgreSQL' -> 'postgres'); ValueError for an unknown one."""
    from sqlglot.dialects.dialect import Dialect

    name = value.strip().lower()
    name = _DIALECT_ALIASES.get(name, name)
    try:
        Dialect.get_or_raise(name)
    except ValueError:
        raise ValueError(f"'{value}' is not a SQL dialect I know; use a sqlglot dialect name such as "
                         "duckdb, postgres, mysql, sqlite, snowflake, bigquery or tsql") from None
    return name


class QuestionFileError(ConfigError):
    """A question file is unreadable or invalid; the message lists every problem found."""


class EvalItem(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    question: str = Field(min_length=1)
    lang: Literal["en", "zh"]
    context: list[str] = Field(default_factory=list)
    as_of: dt.date | None = None
    tags: list[str] = Field(default_factory=list)
    gold_sql: str | None = None
    expect: Literal["refuse", "clarify"] | None = None
    reviewed: bool = True

    @field_validator("id", "question")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()

    @field_validator("context", "tags")
    @classmethod
    def _no_blank_entries(cls, value: list[str]) -> list[str]:
        if any(not v.strip() for v in value):
            raise ValueError("entries must not be blank")
        return [v.strip() for v in value]

    @model_validator(mode="after")
    def _exactly_one_expectation(self) -> EvalItem:
        # An item either has a gold answer or an expected refusal or question back; both or neither is a typo.
        if (self.gold_sql is None) == (self.expect is None):
            raise ValueError("give exactly one of 'gold_sql' or 'expect: refuse' / 'expect: clarify'")
        if self.gold_sql is not None and not self.gold_sql.strip():
            raise ValueError("'gold_sql' must not be blank")
        return self

    @property
    def expects_refusal(self) -> bool:
        return self.expect == "refuse"

    @property
    def expects_clarify(self) -> bool:
        return self.expect == "clarify"


class QuestionSet(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    as_of: dt.date | None = None
    description: str | None = None
    gold_dialect: str = DEFAULT_GOLD_DIALECT
    items: list[EvalItem] = Field(min_length=1)
    # Where the set was read from (not part of the YAML; set by parse_questions).
    _path: Path | None = PrivateAttr(default=None)

    @field_validator("gold_dialect")
    @classmethod
    def _known_dialect(cls, value: str) -> str:
        return gold_dialect_name(value)

    @property
    def path(self) -> Path | None:
        return self._path

    @property
    def name(self) -> str:
        """The key of this set in eval/baseline.json: the file name."""
        return self.path.name if self.path is not None else "<memory>"

    def item(self, item_id: str) -> EvalItem:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def effective_as_of(self, item: EvalItem, override: dt.date | None = None) -> dt.date | None:
        """Item's own as_of wins (it was written for that date), then the run's, then the file's."""
        return item.as_of or override or self.as_of


def _describe_loc(loc: tuple[Any, ...], raw_items: list[Any]) -> str:
    """('items', 3, 'lang') -> "item 'q004' (items[3]), field 'lang'"."""
    if len(loc) >= 2 and loc[0] == "items" and isinstance(loc[1], int):
        index = loc[1]
        raw = raw_items[index] if index < len(raw_items) else None
        ident = raw.get("id") if isinstance(raw, dict) else None
        where = f"item '{ident}' (items[{index}])" if ident is not None else f"items[{index}]"
        rest = [str(p) for p in loc[2:] if not isinstance(p, int)]
        return f"{where}, field '{'.'.join(rest)}'" if rest else where
    return f"field '{'.'.join(str(p) for p in loc)}'" if loc else "file"


def parse_questions(data: Any, *, source: str = "<memory>", path: Path | None = None) -> QuestionSet:
    """Validate already-parsed YAML data; raise QuestionFileError listing every problem."""
    if not isinstance(data, dict):
        raise QuestionFileError(f"{source}: must be a mapping with an 'items' list.")
    items = data.get("items")
    raw_items: list[Any] = items if isinstance(items, list) else []
    try:
        qset = QuestionSet.model_validate(data)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            msg = err["msg"].removeprefix("Value error, ")
            got = err.get("input")
            shown = f" (got {got!r})" if err["type"] not in {"missing", "value_error"} and not isinstance(
                got, (dict, list)) else ""
            lines.append(f"{source}: {_describe_loc(tuple(err['loc']), raw_items)}: {msg}{shown}")
        raise QuestionFileError("\n".join(lines)) from None
    seen: dict[str, int] = {}
    dupes = []
    for index, item in enumerate(qset.items):
        if item.id in seen:
            dupes.append(f"{source}: item '{item.id}' (items[{index}]), field 'id': "
                         f"duplicate id, first used at items[{seen[item.id]}]")
        seen.setdefault(item.id, index)
    if dupes:
        raise QuestionFileError("\n".join(dupes))
    qset._path = path
    return qset


def load_questions(path: str | os.PathLike[str]) -> QuestionSet:
    """Read and validate a question file."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise QuestionFileError(f"Cannot read question file '{file}': {exc.strerror or exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{file.name}:{mark.line + 1}:{mark.column + 1}" if mark else file.name
        raise QuestionFileError(f"{where}: not valid YAML ({getattr(exc, 'problem', None) or exc})") from None
    return parse_questions(data, source=file.name, path=file)
