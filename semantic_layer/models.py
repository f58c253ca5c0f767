"""Typed specs of a semantic layer. The YAML files under a layer folder validate into these.

The format is deliberately small and additive: new sections (genealogy, alerts, access
scopes) are new optional keys, so older layers keep loading.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ConfigDict, Field, field_validator, model_validator

from semantic_layer.aggregates import Aggregate
from semantic_layer.model_base import Label, Synonyms, UnitText, ValueSet, _Strict

Grain = Literal["day", "week", "month", "quarter", "year"]
GRAINS: tuple[str, ...] = ("day", "week", "month", "quarter", "year")


class UnitConversion(_Strict):
    """Another unit the same values can be shown in: value_in_`to` = value * multiply_by / divide_by
    (minutes -> hours: divide_by 60). A question that names `to` gets the figure in it."""

    to: str
    multiply_by: float = Field(default=1.0, gt=0)
    divide_by: float = Field(default=1.0, gt=0)

    @property
    def factor(self) -> float:
        return self.multiply_by / self.divide_by


class UnitSpec(_Strict):
    """How values of a unit read: ratios (stored 0..1) as percentages, numbers with a suffix.

    Layers declare their own units (minutes, kWh, EUR, kg...); `ratio` and `count` are built in.
    `money` marks amounts of money: a question about costs or profit is answerable only when some
    metric is in one, so the planner refuses it rather than answering with a quantity. `duration`
    marks lengths of time: "how long does a repair take" asks for a metric in one."""

    name: str
    label: Label
    kind: Literal["ratio", "number", "money", "duration"] = "number"  # duration: "how long" asks for it
    prefix: UnitText = Field(default_factory=UnitText)  # before the number: "$", "€", "¥"
    suffix: UnitText = Field(default_factory=UnitText)
    decimals: int | None = Field(default=None, ge=0, le=6)  # fixed decimals; None: by magnitude
    synonyms: Synonyms = Field(default_factory=Synonyms)  # other words for it in questions ("hrs", "钟头")
    conversions: list[UnitConversion] = Field(default_factory=list)


BUILTIN_UNITS: tuple[UnitSpec, ...] = (
    UnitSpec(name="ratio", label=Label(en="ratio, shown as %", zh="比率（以百分比显示）"), kind="ratio"),
    UnitSpec(name="count", label=Label(en="count", zh="数量")),
)


class TimeRole(_Strict):
    """Another date of a table's rows ('placed' vs 'due' for orders): a period in a question
    applies to this column when the question uses one of its words."""

    column: str
    label: Label
    synonyms: Synonyms = Field(default_factory=Synonyms)


class Table(_Strict):
    """A physical table, or a derived one (`sql`) that the compiler emits as a CTE.

    A table with a key and a `label` (what one row is, in plural: "Sales orders") can be
    counted, listed and filtered by its own columns in questions with no metric declared."""

    name: str
    label: Label | None = None
    synonyms: Synonyms = Field(default_factory=Synonyms)
    description: str = ""
    primary_key: list[str] = Field(default_factory=list)
    # Other column sets unique per row (a natural key such as a product code): relationships may
    # point at them as at the primary key, and `layer validate` checks both on the data.
    unique_keys: list[list[str]] = Field(default_factory=list)
    columns: dict[str, str] = Field(default_factory=dict)  # column -> SQL type (a `source` table's by default)
    time_column: str | None = None  # the default date of a row
    time_roles: list[TimeRole] = Field(default_factory=list)  # other dates of a row, each chosen by its words
    sql: str | None = None  # derived table: a SELECT over physical tables
    # A role of another table (role-playing): the rows of `source` where `where` holds, under this
    # name, so one party table can be joined as "agent" and as "policyholder" (see expand.py).
    source: str | None = None
    where: str | None = None
    # Columns computed from the others (expression dimensions add theirs here): name -> SQL.
    computed: dict[str, str] = Field(default_factory=dict)
    # The Chinese measure word for counting rows ("5条产线", "3台设备"); answers use 个 without one.
    measure_word: str | None = None
    # Dimensions shown beside each record when its rows are listed one by one ("the open complaints":
    # who raised each, about what), after the ones the question asks for. Reachable from the table.
    record_columns: list[str] = Field(default_factory=list)
    # The kind 'who' asks for about these rows ("who complained the most": the customer of a complaint).
    who: str | None = None
    indexes: list[list[str]] = Field(default_factory=list)  # column sets to index where the data is loaded (FORMAT.md)

    @property
    def derived(self) -> bool:
        return self.sql is not None or self.source is not None

    def time_columns(self) -> list[str]:
        """Every date a period can apply to, the default first."""
        cols = [*([self.time_column] if self.time_column else []), *(r.column for r in self.time_roles)]
        return list(dict.fromkeys(cols))


class Relationship(_Strict):
    """A many-to-one link: every `from_` value resolves to exactly one `to` row.

    The `to` column must be the target's primary key or one of its unique keys (checked at load,
    and on the data by `layer validate`): joining to a non-unique key repeats fact rows and
    double counts. A link that is not many-to-one says `cardinality: many_to_many`; it is
    recorded but never used to join, because the compiler cannot aggregate through it."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    from_: str = Field(alias="from")  # "table.column"
    to: str  # "table.column"
    cardinality: Literal["many_to_one", "one_to_one", "many_to_many"] = "many_to_one"

    @field_validator("from_", "to")
    @classmethod
    def _dotted(cls, value: str) -> str:
        if value.count(".") != 1:
            raise ValueError(f"'{value}' must be written as table.column")
        return value

    @property
    def from_table(self) -> str:
        return self.from_.split(".")[0]

    @property
    def from_column(self) -> str:
        return self.from_.split(".")[1]

    @property
    def to_table(self) -> str:
        return self.to.split(".")[0]

    @property
    def to_column(self) -> str:
        return self.to.split(".")[1]


class ValueLabel(_Strict):
    """Labels and synonyms for one value of a code-like column (e.g. machine type 'cnc')."""

    en: str | None = None
    zh: str | None = None
    synonyms: list[str] = Field(default_factory=list)


class Dimension(_Strict):
    """A field to group and filter by: a column, or an expression over its table's columns.

    An expression dimension (`expr`, e.g. "CASE WHEN amount >= 1000 THEN 'large' ELSE 'small' END")
    becomes a computed column of its table named after the dimension; it must be a scalar over
    that table's own columns (checked at load), and every statement using it passes the guard."""

    name: str
    label: Label
    table: str
    column: str  # the value shown to English readers (an expression dimension: its own name)
    expr: str | None = None
    column_zh: str | None = None  # the value shown to Chinese readers
    key: str | None = None  # what filters compare against; defaults to column
    aliases: list[str] = Field(default_factory=list)  # other columns naming the same thing
    synonyms: Synonyms = Field(default_factory=Synonyms)
    description: str = ""
    values: dict[str, ValueLabel] = Field(default_factory=dict)  # key value -> labels
    value_sets: list[ValueSet] = Field(default_factory=list)  # values named together ('open')
    index_values: bool = True  # put distinct values into the retrieval index
    # The metric that counts this dimension's members when a question counts them and names no
    # metric: "how many cracks" = the defect quantity, not the number of defect records.
    counted_by: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _expression_names_its_column(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("expr") is not None and data.get("column") is None:
            return {**data, "column": data.get("name")}
        return data

    @property
    def key_column(self) -> str:
        return self.key or self.column

    def display_column(self, lang: str) -> str:
        return self.column_zh if lang == "zh" and self.column_zh else self.column

    def equivalent_columns(self) -> list[str]:
        """Columns whose values name the same member: key first (the canonical token)."""
        cols = [self.key_column, self.column, *([self.column_zh] if self.column_zh else []), *self.aliases]
        return list(dict.fromkeys(cols))


class Membership(_Strict):
    """Rows of a measure's table that have (or, with `absent`, have no) matching row in `table`:
    a claim amount that is a loss payment. Compiled as EXISTS; matched on `on` (measure column ->
    column of `table`), by default on the relationship declared between the two tables."""

    table: str
    on: dict[str, str] = Field(default_factory=dict)
    filter: str | None = None  # a condition over `table`'s own columns
    absent: bool = False


MeasureAgg = Literal["sum", "count", "count_distinct", "avg", "max", "min"]
ADDITIVE_AGGS: tuple[str, ...] = ("sum", "count")  # re-aggregable: parts add up to the whole


class Measure(_Strict):
    """An aggregate over one table: agg(expr) over rows where `filter` holds.

    `filter` may use columns of tables reached by many-to-one relationships
    ("policy.status_code = 'A'"); `exists` keeps rows by membership in a related table."""

    name: str
    table: str
    agg: MeasureAgg
    expr: str | None = None  # SQL over the table's columns; None means COUNT(*)
    filter: str | None = None  # SQL condition over the table's (and many-to-one joined tables') columns
    exists: list[Membership] = Field(default_factory=list)

    time_column: str | None = None  # overrides the table's time column
    description: str = ""
    # A level, not a flow (stock on hand): over time it is its value on the period's last recorded day
    # (each period's last day with a grain; the latest day of the range, or of all, without one).
    semi_additive: Literal["last"] | None = None

    def __hash__(self) -> int:  # `exists` holds lists and dicts; a measure's name is unique in its layer
        return hash((self.name, self.table, self.agg, self.expr, self.filter))

    @field_validator("agg", mode="before")
    @classmethod
    def _agg_aliases(cls, value: Any) -> Any:
        aliases = {"average": "avg", "mean": "avg", "distinct_count": "count_distinct"}
        return aliases.get(value, value) if isinstance(value, str) else value


class Metric(_Strict):
    name: str
    label: Label
    synonyms: Synonyms = Field(default_factory=Synonyms)
    description: str
    description_zh: str | None = None
    formula: str  # the definition in words/SQL for people (shown in provenance)
    expr: str  # SQL expression over measure names
    unit: str  # a unit the layer declares (`units`), or a built-in one: ratio, count
    higher_is_better: bool = True
    dimensions: list[str] | None = None  # None: every dimension reachable from all its measures
    target: float | None = None  # the plant's goal, in the metric's unit (a ratio as 0.85): briefings compare


class VerifiedQuery(_Strict):
    question: str
    lang: Literal["en", "zh"] = "en"
    sql: str | None = None
    semantic_query: dict[str, Any] | None = None
    source: str = "layer"
    as_of: str | None = None  # the day the SQL's relative dates were resolved against, if any


class GenealogyNode(_Strict):
    """One kind of thing in the material flow (a lot, a batch, a customer...)."""

    name: str  # node type, e.g. "lot"
    label: Label
    plural: str | None = None  # English plural of label.en when adding 's' is wrong
    table: str
    key: str
    display: str | None = None  # the name readers see (defaults to the key)
    display_zh: str | None = None
    synonyms: Synonyms = Field(default_factory=Synonyms)
    id_pattern: str | None = None  # regex recognising ids of this node in questions
    # Columns shown in the trace tables, with their labels (order kept).
    columns: dict[str, Label] = Field(default_factory=dict)
    time_column: str | None = None  # what "shipped after December 1" compares against
    time_words: Synonyms = Field(default_factory=Synonyms)  # verbs that put a date on this node
    quantity_column: str | None = None  # summed for the impact figures
    status_column: str | None = None  # impact figures are broken down by it
    context: bool = False  # shown next to the nodes it links to (line, machine), never walked through

    def display_column(self, lang: str) -> str:
        if lang == "zh" and self.display_zh:
            return self.display_zh
        return self.display or self.key

    def plural_label(self, lang: str) -> str:
        if lang == "zh":
            return self.label.zh
        if self.plural:
            return self.plural
        word = self.label.en
        if word.endswith(("s", "x", "z", "ch", "sh")):
            return word + "es"
        if word.endswith("y") and word[-2:-1] not in ("a", "e", "i", "o", "u"):
            return word[:-1] + "ies"
        return word + "s"


class GenealogyEdge(_Strict):
    """Material flows from `upstream` to `downstream`, linked through `via` ('table.col' pairs)."""

    upstream: str
    downstream: str
    table: str  # the table holding both keys (a link table or the downstream table itself)
    upstream_column: str
    downstream_column: str


class GenealogyImpact(_Strict):
    """Which nodes the impact figures of a forward trace are about."""

    affected: str | None = None  # node whose quantity is "affected" (e.g. finished batches)
    delivered_via: str | None = None  # an affected node with a reached node of this type left the plant
    notify: str | None = None  # node to notify (e.g. customers)
    # How the impact sentence calls affected nodes that were not delivered ("still in the plant").
    kept: Label = Label(en="not delivered yet", zh="尚未发出")


class Genealogy(_Strict):
    nodes: list[GenealogyNode] = Field(default_factory=list)
    edges: list[GenealogyEdge] = Field(default_factory=list)
    impact: GenealogyImpact = Field(default_factory=GenealogyImpact)
    max_depth: int = Field(default=12, ge=1, le=100)  # walk cap: cycles in the data end here

    def node(self, name: str) -> GenealogyNode | None:
        return next((n for n in self.nodes if n.name == name), None)


ADMIN_ROLE = "admin"  # always exists: every row, column and metric


class RowFilter(_Strict):
    """Rows whose `dimension` key equals `value`: a literal, or `{user.<attribute>}`."""

    dimension: str
    value: str


class Role(_Strict):
    name: str
    label: Label
    row_filters: list[RowFilter] = Field(default_factory=list)
    shared_tables: list[str] = Field(default_factory=list)
    hidden_columns: list[str] = Field(default_factory=list)  # table.column
    hidden_metrics: list[str] = Field(default_factory=list)


class AccessSpec(_Strict):
    roles: list[Role] = Field(default_factory=list)

    def role(self, name: str) -> Role | None:
        if name == ADMIN_ROLE and not any(r.name == ADMIN_ROLE for r in self.roles):
            return Role(name=ADMIN_ROLE, label=Label(en="Administrator", zh="管理员"))
        return next((r for r in self.roles if r.name == name), None)

    def role_names(self) -> list[str]:
        return list(dict.fromkeys([ADMIN_ROLE, *(r.name for r in self.roles)]))


class LayerSpec(_Strict):
    """The merged content of a layer folder."""

    name: str
    label: Label
    description: str = ""
    default_lang: Literal["en", "zh"] = "en"
    tables: list[Table] = Field(default_factory=list)
    relationships: list[Relationship] = Field(default_factory=list)
    dimensions: list[Dimension] = Field(default_factory=list)
    measures: list[Measure] = Field(default_factory=list)
    metrics: list[Metric] = Field(default_factory=list)
    units: list[UnitSpec] = Field(default_factory=list)
    verified_queries: list[VerifiedQuery] = Field(default_factory=list)
    genealogy: Genealogy = Field(default_factory=Genealogy)
    access: AccessSpec = Field(default_factory=AccessSpec)  # roles: see semantic_layer/access.py
    aggregates: list[Aggregate] = Field(default_factory=list)  # summary tables: semantic_layer/aggregates.py
