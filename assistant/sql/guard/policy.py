"""What SQL may contain: allow-lists of sqlglot expression classes, never deny-lists.

A deny-list loses the day a database ships a new function (DuckDB's `json_serialize_plan`
folded a subquery over an unexposed table into its output; `sleep_ms` stalled the service;
`error('...')` put the SQL author's words into user messages). So everything that is not
listed here is refused, and the lists hold only what analytics over the layer needs:

* aggregates, arithmetic, conditionals, dates, text, casts and window functions, named by
  their sqlglot class (`exp.Sum`, `exp.DateTrunc`, ...): sqlglot maps each dialect's spelling
  onto one class, so `date_trunc`, `datetrunc` and `DATE_TRUNC` are one entry;
* `exp.Anonymous` (a function sqlglot has no class for) only for the names in
  `ANONYMOUS_FUNCTIONS[dialect]`: plain calculations that exist in that database;
* the structural nodes of a read-only SELECT (`STRUCTURE`) and the value operators
  (`OPERATORS`);
* casts only to scalar types (`CAST_TYPES`): no `::regclass` catalogue lookups, no structs.

Nothing listed takes SQL text, reads settings, files, the network or the catalogue, sleeps,
raises errors with caller text, or reads a whole row (to_json(t), row(t.*), struct_extract).
Table functions are limited separately to in-memory series (`TABLE_FUNCTIONS`).
"""

from __future__ import annotations

from sqlglot import exp

__all__ = [
    "ANONYMOUS_FUNCTIONS", "CAST_TYPES", "FUNCTIONS", "OPERATORS", "STRUCTURE", "TABLE_FUNCTIONS",
    "function_name", "is_allowed_function",
]

_AGGREGATES: frozenset[type[exp.Expr]] = frozenset({
    exp.Sum, exp.Avg, exp.Count, exp.CountIf, exp.Min, exp.Max, exp.Median, exp.Mode,
    exp.Quantile, exp.PercentileCont, exp.PercentileDisc, exp.ApproxDistinct, exp.ApproxQuantile,
    exp.Stddev, exp.StddevPop, exp.StddevSamp, exp.Variance, exp.VariancePop, exp.Corr,
    exp.CovarPop, exp.CovarSamp, exp.RegrSlope, exp.RegrIntercept, exp.RegrR2, exp.RegrCount,
    exp.ArgMax, exp.ArgMin, exp.AnyValue, exp.First, exp.Last, exp.LogicalAnd, exp.LogicalOr,
    exp.GroupConcat, exp.ArrayAgg, exp.Skewness, exp.Kurtosis, exp.Grouping,
})
_WINDOW: frozenset[type[exp.Expr]] = frozenset({
    exp.RowNumber, exp.Rank, exp.DenseRank, exp.PercentRank, exp.CumeDist, exp.Ntile, exp.Lag,
    exp.Lead, exp.FirstValue, exp.LastValue, exp.NthValue,
})
_ARITHMETIC: frozenset[type[exp.Expr]] = frozenset({
    exp.Abs, exp.Round, exp.Ceil, exp.Floor, exp.Trunc, exp.Sqrt, exp.Cbrt, exp.Pow, exp.Exp,
    exp.Ln, exp.Log, exp.Sign, exp.Greatest, exp.Least, exp.SafeDivide, exp.IsNan,
    exp.IsInf, exp.WidthBucket,
})
_CONDITIONALS: frozenset[type[exp.Expr]] = frozenset({
    exp.And, exp.Or, exp.Xor, exp.Case, exp.If, exp.Coalesce, exp.Nullif, exp.Exists,
})
_CASTS: frozenset[type[exp.Expr]] = frozenset({exp.Cast, exp.TryCast})
_DATES: frozenset[type[exp.Expr]] = frozenset({
    # The clock is allowed ('last month' needs today); session settings such as the time zone
    # (CurrentTimezone) are not.
    exp.CurrentDate, exp.CurrentTimestamp, exp.CurrentTime, exp.CurrentDatetime, exp.Localtime,
    exp.Localtimestamp,
    exp.DateTrunc, exp.TimestampTrunc, exp.DatetimeTrunc, exp.TimeTrunc, exp.DateBin,
    exp.DateAdd, exp.DateSub, exp.DateDiff, exp.DatetimeAdd, exp.DatetimeSub, exp.DatetimeDiff,
    exp.TimestampAdd, exp.TimestampSub, exp.TimestampDiff, exp.TimeAdd, exp.TimeSub,
    exp.TsOrDsAdd, exp.TsOrDsDiff, exp.TsOrDsToDate, exp.TsOrDsToTimestamp, exp.AddMonths,
    exp.MonthsBetween, exp.LastDay, exp.Extract, exp.Date, exp.Timestamp, exp.DateFromParts,
    exp.TimestampFromParts, exp.Year, exp.Quarter, exp.Month, exp.Week, exp.WeekOfYear, exp.Day,
    exp.DayOfWeek, exp.DayOfWeekIso, exp.DayOfMonth, exp.DayOfYear, exp.Hour, exp.Minute,
    exp.Second, exp.Dayname, exp.Monthname, exp.YearOfWeek, exp.YearOfWeekIso, exp.StrToDate,
    exp.StrToTime, exp.TimeToStr, exp.ToChar, exp.DateStrToDate, exp.TimeStrToTime,
    exp.TimeStrToDate, exp.UnixToTime, exp.TimeToUnix, exp.MakeInterval, exp.JustifyDays,
    exp.JustifyHours, exp.JustifyInterval, exp.ToDays,
})
_TEXT: frozenset[type[exp.Expr]] = frozenset({
    exp.Lower, exp.Upper, exp.Initcap, exp.Length, exp.Substring, exp.Left, exp.Right,
    exp.Concat, exp.ConcatWs, exp.Trim, exp.Pad, exp.Replace, exp.Translate, exp.Reverse,
    exp.StrPosition, exp.StartsWith, exp.EndsWith, exp.Contains, exp.SplitPart, exp.Split,
    exp.RegexpLike, exp.RegexpILike, exp.RegexpExtract, exp.RegexpReplace, exp.ToNumber,
    exp.Collate,
})
# Lists built from values the query already reads (IN lists, string_agg, unnest of a literal).
_LISTS: frozenset[type[exp.Expr]] = frozenset({
    exp.Array, exp.ArraySize, exp.ArrayContains, exp.ArrayToString, exp.Unnest, exp.Explode,
    exp.GenerateSeries, exp.ExplodingGenerateSeries,
})
FUNCTIONS: frozenset[type[exp.Expr]] = (
    _AGGREGATES | _WINDOW | _ARITHMETIC | _CONDITIONALS | _CASTS | _DATES | _TEXT | _LISTS
)

# Functions sqlglot parses as exp.Anonymous, per dialect: calculations only.
ANONYMOUS_FUNCTIONS: dict[str, frozenset[str]] = {
    "duckdb": frozenset({
        "date_part", "datepart", "isoyear", "yearweek", "millisecond", "age", "now",
        "get_current_timestamp", "to_months", "to_years", "favg", "fsum", "product",
        "round_even", "fdiv", "divide", "strlen", "prefix", "suffix", "strip_accents",
        "isfinite",
    }),
    "postgres": frozenset({
        "age", "make_date", "every", "cardinality", "octet_length", "num_nonnulls", "isfinite",
        "date_part", "statement_timestamp", "transaction_timestamp", "clock_timestamp",
    }),
}

# Table-producing expressions allowed in FROM: they compute values in memory and read nothing.
TABLE_FUNCTIONS: tuple[type[exp.Expr], ...] = (exp.GenerateSeries, exp.Unnest)

# The clauses of a read-only SELECT. Star and Column are allowed here and checked against the
# layer's schema once resolved (resolve.py); TableColumn, PositionalColumn, Columns, Dot,
# Pivot, Placeholder/Parameter, Lambda, Struct and PropertyEQ are deliberately absent.
STRUCTURE: frozenset[type[exp.Expr]] = frozenset({
    exp.Select, exp.Union, exp.Except, exp.Intersect, exp.Subquery, exp.With, exp.CTE,
    exp.From, exp.Join, exp.Lateral, exp.Where, exp.Group, exp.Having, exp.Qualify, exp.Order,
    exp.Ordered, exp.Limit, exp.Offset, exp.Fetch, exp.LimitOptions, exp.Distinct, exp.Table,
    exp.TableAlias, exp.Alias, exp.Values, exp.Tuple, exp.Window, exp.WindowSpec, exp.Filter,
    exp.WithinGroup, exp.IgnoreNulls, exp.RespectNulls, exp.Column, exp.Identifier, exp.Star,
    exp.Literal, exp.Boolean, exp.Null, exp.Var, exp.DataType, exp.DataTypeParam, exp.Interval,
    exp.IntervalSpan, exp.Paren, exp.Bracket, exp.Slice, exp.Cube, exp.Rollup, exp.GroupingSets,
})
OPERATORS: frozenset[type[exp.Expr]] = frozenset({
    exp.Add, exp.Sub, exp.Mul, exp.Div, exp.IntDiv, exp.Mod, exp.Neg, exp.Not, exp.EQ, exp.NEQ, exp.GT,
    exp.GTE, exp.LT, exp.LTE, exp.NullSafeEQ, exp.NullSafeNEQ, exp.Is, exp.In, exp.Between,
    exp.Like, exp.ILike, exp.SimilarTo, exp.Glob, exp.Escape, exp.DPipe, exp.Any, exp.All,
    exp.BitwiseAnd, exp.BitwiseOr, exp.BitwiseXor, exp.BitwiseNot, exp.AtTimeZone,
})
# Scalar types only: nested types could carry a row, user-defined ones (regclass...) look up
# the catalogue.
CAST_TYPES: frozenset[exp.DType] = frozenset(
    exp.DataType.TEXT_TYPES | exp.DataType.NUMERIC_TYPES | exp.DataType.TEMPORAL_TYPES
    | {exp.DType.BOOLEAN, exp.DType.INTERVAL}
) - {exp.DType.NAME, exp.DType.BIT}


def function_name(func: exp.Func) -> str:
    """The name to show in a refusal: as written for unknown functions, sqlglot's otherwise."""
    if isinstance(func, exp.Anonymous):
        return func.name.lower()
    return func.sql_name().lower()


def is_allowed_function(func: exp.Func, dialect: str) -> bool:
    if isinstance(func, exp.Anonymous):
        return func.name.lower() in ANONYMOUS_FUNCTIONS.get(dialect, frozenset())
    return type(func) in FUNCTIONS  # the exact class: a subclass is a different function
