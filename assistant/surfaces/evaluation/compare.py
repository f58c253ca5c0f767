"""Compare a predicted result with the gold result, by value.

Execution accuracy is only meaningful when harmless differences do not count as errors
and real ones always do. Harmless: column order and names, extra prediction columns,
row order, float noise, int-vs-float-vs-Decimal, date-vs-midnight-timestamp-vs-ISO
string, and naming a plant 'SZ', 'Suzhou' or '苏州'. Real: a wrong or missing value, a
missing column, a different number of rows, or a different multiplicity of a row
(results are multisets: [a, a, b] != [a, b, b]).

Algorithm: normalise every value to a typed token; for each gold column find the
prediction columns whose value multiset equals it (candidates); search assignments of
gold columns to distinct candidate columns (bounded) until one makes the full row
multisets equal. Float tolerance is handled inside the multiset comparison by bucketing
rows on their non-numeric parts and then matching numbers with tolerance.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlglot
from sqlglot import expressions as exp

from assistant.explain.answer import json_value
from assistant.surfaces.evaluation.equivalence import ValueEquivalence
from assistant.surfaces.evaluation.values import (
    Norm,
    normalise_value,
    sort_key,
    values_equal,
)

MAX_ASSIGNMENTS = 2000  # partial-assignment row checks before giving up on the column search
MAX_SEARCH_ROWS = 2_000_000  # ...and at most this many rows checked in total (big results)
MAX_MATCHING_BUCKET = 400  # rows in one bucket for the O(n^2) tolerant matching fallback

Row = tuple[Norm, ...]


@dataclass
class Comparison:
    correct: bool
    reason: str
    # gold column -> prediction column that matched it (only when correct)
    column_map: dict[str, str] | None = field(default=None)



# --------------------------------------------------------------------------- multisets


def _bucket_key(row: Row) -> tuple[Any, ...]:
    # Numbers are matched with tolerance, so they cannot be part of a hash key.
    return tuple(("num",) if v[0] == "num" else v for v in row)


def _max_matching_is_perfect(a: list[Row], b: list[Row]) -> bool:
    """Kuhn's augmenting-path matching: can every row of a be paired with a distinct equal row of b?"""
    adj = [[j for j, rb in enumerate(b) if all(values_equal(x, y) for x, y in zip(ra, rb, strict=True))] for ra in a]
    match_b: list[int] = [-1] * len(b)

    def augment(i: int, seen: list[bool]) -> bool:
        for j in adj[i]:
            if not seen[j]:
                seen[j] = True
                if match_b[j] < 0 or augment(match_b[j], seen):
                    match_b[j] = i
                    return True
        return False

    return all(augment(i, [False] * len(b)) for i in range(len(a)))


def _bucket_equal(a: list[Row], b: list[Row]) -> bool:
    nums = [i for i, v in enumerate(a[0]) if v[0] == "num"]
    if not nums:
        return True  # identical hash keys and equal counts
    key = lambda r: tuple(r[i][1] for i in nums)  # noqa: E731 - tiny local sort key
    sa, sb = sorted(a, key=key), sorted(b, key=key)
    # Same length (the caller compared the bucket sizes) and same width (equal bucket keys).
    if all(values_equal(x, y) for ra, rb in zip(sa, sb, strict=True) for x, y in zip(ra, rb, strict=True)):
        return True
    # Sorting can pair rows wrongly when values within tolerance sort differently in
    # another column; a real matching settles it for buckets of sane size.
    return len(a) <= MAX_MATCHING_BUCKET and _max_matching_is_perfect(sa, sb)


def rows_multiset_equal(a: list[Row], b: list[Row]) -> bool:
    """Equal as multisets under value tolerance (duplicates count)."""
    if len(a) != len(b):
        return False
    buckets_a: dict[tuple[Any, ...], list[Row]] = defaultdict(list)
    buckets_b: dict[tuple[Any, ...], list[Row]] = defaultdict(list)
    for row in a:
        buckets_a[_bucket_key(row)].append(row)
    for row in b:
        buckets_b[_bucket_key(row)].append(row)
    if buckets_a.keys() != buckets_b.keys():
        return False
    return all(len(ra) == len(buckets_b[k]) and _bucket_equal(ra, buckets_b[k]) for k, ra in buckets_a.items())


def overlap(a: list[Norm], b: list[Norm]) -> int:
    """How many values of a find a distinct equal value in b (sorted merge)."""
    sa, sb = sorted(a, key=sort_key), sorted(b, key=sort_key)
    i = j = hits = 0
    while i < len(sa) and j < len(sb):
        if values_equal(sa[i], sb[j]):
            hits, i, j = hits + 1, i + 1, j + 1
        elif sort_key(sa[i]) < sort_key(sb[j]):
            i += 1
        else:
            j += 1
    return hits


def _preview(values: Sequence[Any], limit: int = 3) -> str:
    # Eight significant digits: enough to see a real difference, short enough to read.
    shown = [json_value(v) for v in values[:limit]]
    text = [f"{v:.8g}" if isinstance(v, float) else repr(v) for v in shown]
    return "[" + ", ".join(text) + (", …" if len(values) > limit else "") + "]"


# --------------------------------------------------------------------------- comparison


def detect_order_limit(sql: str, dialect: str = "duckdb") -> int | None:
    """The LIMIT of the outermost query when it also has ORDER BY (a top-N), else None."""
    try:
        tree = sqlglot.parse_one(sql, read=dialect)
    except (sqlglot.errors.ParseError, sqlglot.errors.TokenError):
        return None
    if not isinstance(tree, exp.Query) or tree.args.get("order") is None:
        return None
    limit = tree.args.get("limit")
    if limit is None:
        return None
    count = limit.args.get("expression") or limit.args.get("count")  # LIMIT n / FETCH FIRST n
    if isinstance(count, exp.Literal) and not count.is_string:
        try:
            return int(count.this)
        except ValueError:
            return None
    return None


def _normalise_rows(rows: Sequence[Sequence[Any]], width: int, eq: ValueEquivalence | None) -> list[Row]:
    out: list[Row] = []
    for row in rows:
        if len(row) != width:
            raise ValueError(f"row has {len(row)} values but there are {width} columns")
        values = tuple(normalise_value(v) for v in row)
        out.append(tuple(eq.canonical(v) for v in values) if eq is not None else values)
    return out


def _missing_column_reason(
    name: str, gold_vals: list[Norm], gold_raw: list[Any], pred_cols: Sequence[str],
    pred_norm_cols: list[list[Norm]], pred_raw_cols: list[list[Any]],
) -> str:
    base = f"column '{name}' not found in prediction (gold values {_preview(gold_raw)})"
    if not pred_cols:
        return base
    scores = [overlap(gold_vals, col) for col in pred_norm_cols]
    best = max(range(len(scores)), key=lambda k: scores[k])
    if scores[best] == 0:
        return f"{base}; no prediction column shares any value"
    return (f"{base}; closest values are in '{pred_cols[best]}' "
            f"({scores[best]}/{len(gold_vals)} match: {_preview(pred_raw_cols[best])})")


def _row_count_mismatch(gold_rows: Sequence[Sequence[Any]], pred_rows: Sequence[Sequence[Any]],
                        topn: str) -> Comparison | None:
    """The verdict when the row counts alone decide it (an empty side, or different counts)."""
    if not gold_rows and not pred_rows:
        return Comparison(True, "both results are empty", {})
    if not gold_rows:
        return Comparison(False, f"gold result is empty but the prediction has {len(pred_rows)} row(s)")
    if not pred_rows:
        return Comparison(False, f"prediction is empty but the gold result has {len(gold_rows)} row(s)")
    if len(gold_rows) != len(pred_rows):
        return Comparison(False, f"row count {len(gold_rows)} vs {len(pred_rows)} (gold vs prediction){topn}")
    return None


def _same_values(column: list[Norm], pred_by_col: list[list[Norm]]) -> list[int]:
    """The prediction columns holding the same multiset of values as `column`."""
    rows: list[Row] = [(v,) for v in column]
    return [k for k, pcol in enumerate(pred_by_col) if rows_multiset_equal(rows, [(v,) for v in pcol])]


class _ColumnSearch:
    """Backtracking search for distinct prediction columns, one per gold column, that make the rows equal."""

    def __init__(self, gold: list[Row], pred: list[Row], pred_by_col: list[list[Norm]],
                 candidates: list[list[int]]) -> None:
        self.gold, self.pred, self.candidates = gold, pred, candidates
        # Most constrained gold column first keeps the search tiny in practice. Every partial
        # assignment must already match as a multiset on the columns assigned so far (a
        # necessary condition), which prunes interchangeable-looking columns early.
        self.order = sorted(range(len(candidates)), key=lambda j: len(candidates[j]))
        self.assignment: dict[int, int] = {}  # gold column -> prediction column
        self.checks = 0
        self.budget = max(20, min(MAX_ASSIGNMENTS, MAX_SEARCH_ROWS // len(gold)))
        # Identical prediction columns are interchangeable: trying one of them is enough.
        self.signature = [tuple(col) for col in pred_by_col]

    @property
    def gave_up(self) -> bool:
        return self.checks >= self.budget

    def search(self, i: int = 0) -> bool:
        """Assign the gold columns from position `i` of the order on; True when all are assigned."""
        if i == len(self.order):
            return True
        j = self.order[i]
        used = set(self.assignment.values())
        tried: set[tuple[Norm, ...]] = set()
        for k in self.candidates[j]:
            if k in used or self.signature[k] in tried or self.checks >= self.budget:
                continue
            tried.add(self.signature[k])
            self.assignment[j] = k
            if self._rows_match(i) and self.search(i + 1):
                return True
            del self.assignment[j]
        return False

    def _rows_match(self, i: int) -> bool:
        """Do gold and prediction rows match as multisets on the columns assigned so far?"""
        if i == 0:  # one column alone was already checked when it became a candidate
            return True
        self.checks += 1
        cols = self.order[: i + 1]
        return rows_multiset_equal([tuple(r[c] for c in cols) for r in self.gold],
                                   [tuple(r[self.assignment[c]] for c in cols) for r in self.pred])


def _match(gold_cols: Sequence[str], pred_cols: Sequence[str], assignment: dict[int, int], topn: str) -> Comparison:
    mapping = {gold_cols[j]: pred_cols[k] for j, k in assignment.items()}
    extra = [c for k, c in enumerate(pred_cols) if k not in assignment.values()]
    reason = "match" + (f"; extra prediction columns ignored: {', '.join(extra)}" if extra else "") + topn
    return Comparison(True, reason, mapping)


def compare_results(
    gold_cols: Sequence[str],
    gold_rows: Sequence[Sequence[Any]],
    pred_cols: Sequence[str],
    pred_rows: Sequence[Sequence[Any]],
    *,
    equivalences: ValueEquivalence | None = None,
    ordered_limit: int | None = None,
) -> Comparison:
    """Is the prediction the gold result, up to harmless differences? See the module doc."""
    topn = f" (top-{ordered_limit} compared as a multiset, order ignored)" if ordered_limit is not None else ""
    by_count = _row_count_mismatch(gold_rows, pred_rows, topn)
    if by_count is not None:
        return by_count

    try:
        gold = _normalise_rows(gold_rows, len(gold_cols), equivalences)
        pred = _normalise_rows(pred_rows, len(pred_cols), equivalences)
    except ValueError as exc:
        return Comparison(False, f"malformed result: {exc}")
    gold_by_col = [[r[j] for r in gold] for j in range(len(gold_cols))]
    pred_by_col = [[r[k] for r in pred] for k in range(len(pred_cols))]

    candidates: list[list[int]] = []
    for j, gcol in enumerate(gold_by_col):
        cands = _same_values(gcol, pred_by_col)
        if not cands:
            pred_raw = [[r[k] for r in pred_rows] for k in range(len(pred_cols))]
            return Comparison(False, _missing_column_reason(
                gold_cols[j], gcol, [r[j] for r in gold_rows], pred_cols, pred_by_col, pred_raw))
        candidates.append(cands)

    search = _ColumnSearch(gold, pred, pred_by_col, candidates)
    if search.search():
        return _match(gold_cols, pred_cols, search.assignment, topn)
    if len(pred_cols) < len(gold_cols):
        return Comparison(False, f"prediction has {len(pred_cols)} column(s) but gold needs {len(gold_cols)}")
    if search.gave_up:
        return Comparison(False, f"no column assignment made the rows equal (gave up after {search.checks} checks)")
    return Comparison(False, "every gold column has matching values, but they are paired differently across rows"
                      f"{topn}")


__all__ = ["Comparison", "ValueEquivalence", "compare_results", "detect_order_limit",
           "normalise_value", "rows_multiset_equal", "values_equal"]
