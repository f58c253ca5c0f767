"""The first rows where a wrong answer and the gold result part ways, for the report.

"row count 12 vs 11" or "column 'oee' not found" says *that* an answer is wrong; the rows say
*why* in seconds: the plant that is missing, the month that is off by one, the value that is a
sum where an average was asked. The answer's columns are lined up under the gold columns by the
values they share (the comparator ignores names, so must this), rows are matched as multisets
with the comparator's tolerance, and the unmatched ones are shown, a gold row next to the
answer row with the same labels when there is one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from assistant.explain.answer import json_value
from assistant.surfaces.evaluation.compare import overlap
from assistant.surfaces.evaluation.equivalence import ValueEquivalence
from assistant.surfaces.evaluation.values import Norm, normalise_value, values_equal

MAX_SHOWN = 5  # differing rows kept per item: enough to see the pattern, short enough to read
_ABSENT: Norm = ("absent", None)  # a gold column no answer column lines up with


@dataclass
class RowDiff:
    columns: list[str]  # the gold columns
    answer_columns: list[str | None]  # the answer column lined up under each (None: none fits)
    rows: list[dict[str, list[Any] | None]] = field(default_factory=list)  # {"gold": [...]|None, "answer": ...}
    gold_only: int = 0  # gold rows the answer does not have
    answer_only: int = 0  # answer rows the gold result does not have

    def to_json(self) -> dict[str, Any]:
        return json_value(asdict(self))


def _norm_rows(rows: Sequence[Sequence[Any]], eq: ValueEquivalence | None) -> list[tuple[Norm, ...]]:
    out = []
    for row in rows:
        values = tuple(normalise_value(v) for v in row)
        out.append(tuple(eq.canonical(v) for v in values) if eq is not None else values)
    return out


def _line_up(
    gold_cols: Sequence[str], answer_cols: Sequence[str], gold: list[tuple[Norm, ...]], answer: list[tuple[Norm, ...]]
) -> list[int | None]:
    """For each gold column, the answer column sharing most of its values, then the one of the
    same name, then the next one holding the same kind of value (a wrong number is still the
    number to show)."""
    by_col = [[r[k] for r in answer] for k in range(len(answer_cols))]
    scores = {
        (j, k): overlap([r[j] for r in gold], by_col[k]) for j in range(len(gold_cols)) for k in range(len(answer_cols))
    }
    chosen: dict[int, int] = {}
    for (j, k), score in sorted(scores.items(), key=lambda kv: -kv[1]):
        if score > 0 and j not in chosen and k not in chosen.values():
            chosen[j] = k
    names = {c.lower(): k for k, c in enumerate(answer_cols)}
    for j, name in enumerate(gold_cols):
        same = names.get(name.lower())
        if j not in chosen and same is not None and same not in chosen.values():
            chosen[j] = same
    for j in range(len(gold_cols)):
        kind = _kind([r[j] for r in gold])
        spare = next(
            (k for k in range(len(answer_cols)) if k not in chosen.values() and _kind(by_col[k]) == kind), None
        )
        if j not in chosen and spare is not None:
            chosen[j] = spare
    return [chosen.get(j) for j in range(len(gold_cols))]


def _kind(column: list[Norm]) -> str | None:
    """The kind of a column's values (num, date, str, dim...): its first non-null one."""
    return next((v[0] for v in column if v[0] != "null"), None)


def _labels(row: tuple[Norm, ...]) -> tuple[Any, ...]:
    # Numbers are compared with tolerance, so only the other values can key a row.
    return tuple(("num",) if v[0] == "num" else v for v in row)


def _unmatched(gold: list[tuple[Norm, ...]], answer: list[tuple[Norm, ...]]) -> tuple[list[int], list[int]]:
    """Indices of gold rows and answer rows left over after matching equal rows one to one."""
    free: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for i, row in enumerate(answer):
        free[_labels(row)].append(i)
    gold_left = []
    for i, row in enumerate(gold):
        bucket = free.get(_labels(row), [])
        hit = next((k for k in bucket if all(values_equal(a, b) for a, b in zip(row, answer[k], strict=True))), None)
        if hit is None:
            gold_left.append(i)
        else:
            bucket.remove(hit)
    return gold_left, sorted(i for bucket in free.values() for i in bucket)


def _pairs(
    gold: list[tuple[Norm, ...]],
    answer: list[tuple[Norm, ...]],
    gold_left: list[int],
    answer_left: list[int],
    present: list[int],
) -> list[tuple[int | None, int | None]]:
    """Gold rows next to the answer row with the same labels (a value differs); the rest alone.
    Only the columns the answer has (`present`) can label a row."""

    def labels(row: tuple[Norm, ...]) -> tuple[Any, ...]:
        return _labels(tuple(row[j] for j in present))

    by_labels: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for k in answer_left:
        by_labels[labels(answer[k])].append(k)
    out: list[tuple[int | None, int | None]] = []
    used: set[int] = set()
    for i in gold_left:
        candidates = by_labels.get(labels(gold[i]), [])
        partner = candidates.pop(0) if candidates else None
        if partner is not None:
            used.add(partner)
        out.append((i, partner))
    rest = [k for k in answer_left if k not in used]
    if len(rest) == 1 and sum(1 for _, k in out if k is None) == 1:  # one row left on each side: side by side
        out = [(i, rest[0] if k is None else k) for i, k in out]
        rest = []
    return out + [(None, k) for k in rest]


def _shown(row: Sequence[Any], columns: Sequence[int | None]) -> list[Any]:
    """The row's values under the gold columns, as JSON values (None where no column lines up)."""
    return [json_value(row[k]) if k is not None else None for k in columns]


def row_diff(
    gold_cols: Sequence[str],
    gold_rows: Sequence[Sequence[Any]],
    answer_cols: Sequence[str],
    answer_rows: Sequence[Sequence[Any]],
    equivalences: ValueEquivalence | None = None,
) -> RowDiff | None:
    """The first differing rows (gold vs answer), or None when there is nothing to line up."""
    if (
        not gold_cols
        or any(len(r) != len(gold_cols) for r in gold_rows)
        or any(len(r) != len(answer_cols) for r in answer_rows)
    ):
        return None
    gold, answer_all = _norm_rows(gold_rows, equivalences), _norm_rows(answer_rows, equivalences)
    mapping = _line_up(gold_cols, answer_cols, gold, answer_all)
    answer = [tuple(r[k] if k is not None else _ABSENT for k in mapping) for r in answer_all]
    gold_left, answer_left = _unmatched(gold, answer)
    if not gold_left and not answer_left:
        return None  # the rows agree: the reason lies elsewhere (pairing across columns)
    present = [j for j, k in enumerate(mapping) if k is not None]
    own = list(range(len(gold_cols)))
    shown = []
    for i, k in _pairs(gold, answer, gold_left, answer_left, present)[:MAX_SHOWN]:
        shown.append(
            {
                "gold": _shown(gold_rows[i], own) if i is not None else None,
                "answer": _shown(answer_rows[k], mapping) if k is not None else None,
            }
        )
    return RowDiff(
        columns=list(gold_cols),
        answer_columns=[answer_cols[k] if k is not None else None for k in mapping],
        rows=shown,
        gold_only=len(gold_left),
        answer_only=len(answer_left),
    )


__all__ = ["MAX_SHOWN", "RowDiff", "row_diff"]
