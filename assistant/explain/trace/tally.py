"""The figure a trace question asks of the records it reached ('按质检状态各有几批', 'shipped qty per
customer'): read from the walk's own levels (exact status counts and quantity sums), never from new SQL."""

from __future__ import annotations

from typing import Any

from assistant.explain.answer import Answer
from assistant.plan.types import TraceTally
from assistant.sql.trace.result import TraceLevel, TraceResult
from semantic_layer.genealogy import GenealogyGraph

Table = tuple[list[str], list[list[Any]], dict[str, str]]  # columns, rows, column labels


def apply_tally(answer: Answer, result: TraceResult, graph: GenealogyGraph,
                code_labels: dict[str, dict[str, str]]) -> None:
    """Put the asked figure in place of the target table, and say it; when the walk cannot give it
    exactly (its rows were cut), say so and keep the walk."""
    tally = result.request.tally
    if tally is None:
        return
    zh = result.lang == "zh"
    level = result.level(tally.node)
    table = _table(tally, level, result, graph, zh) if level is not None else None
    if table is None:
        answer.message += ("（这里只列出追溯到的记录：所问的数字无法从中准确汇总。）" if zh
                           else " (The records reached are listed: the figure asked could not be totalled exactly.)")
        return
    answer.columns, answer.rows, labels = table
    answer.column_labels = {**answer.column_labels, **labels}
    said = _sentence(answer.rows, tally, code_labels, graph, zh)
    answer.message += said.lstrip() if zh else said  # Chinese runs on after '。' with no space


def _table(tally: TraceTally, level: TraceLevel, result: TraceResult, graph: GenealogyGraph, zh: bool) -> Table | None:
    node = graph.node(tally.node)
    label = node.label.zh if zh else node.label.en
    if tally.measure == "count" and tally.by == "status" and node.status_column:
        heading = node.columns.get(node.status_column)
        status = (heading.zh if zh else heading.en) if heading else node.status_column
        rows = [[code, n] for code, n in sorted(level.statuses.items(), key=lambda kv: (-kv[1], kv[0]))]
        plural = node.plural or f"{label}s"
        return [node.status_column, "count"], rows, {node.status_column: status or "",
                                                     "count": f"{label}数" if zh else f"Number of {plural}"}
    if tally.measure == "count" and tally.by is None:
        plural = node.plural or f"{label}s"
        return ["count"], [[level.count]], {"count": f"{label}数" if zh else f"Number of {plural}"}
    if tally.measure != "quantity" or not node.quantity_column:
        return None
    qty = node.columns.get(node.quantity_column)
    qty_label = (qty.zh if zh else qty.en) if qty else node.quantity_column
    if tally.by is None:
        return ([node.quantity_column], [[level.quantity or 0]], {node.quantity_column: qty_label or ""}) \
            if level.quantity is not None else None
    per = graph.node(tally.by)
    if level.truncated or per.key not in level.columns or node.quantity_column not in level.columns:
        return None
    at, amount = level.columns.index(per.key), level.columns.index(node.quantity_column)
    sums: dict[str, float] = {}
    for row in level.rows:
        sums[str(row[at])] = sums.get(str(row[at]), 0) + float(row[amount] or 0)
    display = (per.display_zh if zh else None) or per.display
    names = _names(result.level(tally.by), per.key, display) or _names(result.level(tally.by), per.key, per.display)
    rows = [[key, names.get(key, key), total] for key, total in sorted(sums.items(), key=lambda kv: -kv[1])]
    per_heading = (per.label.zh if zh else per.label.en) or per.name
    name_column = f"{per.key}_name"
    return ([per.key, name_column, node.quantity_column], rows,
            {per.key: per_heading, name_column: per_heading, node.quantity_column: qty_label or ""})


def _names(level: TraceLevel | None, key: str, display: str | None) -> dict[str, str]:
    if level is None or display is None or key not in level.columns or display not in level.columns:
        return {}
    k, d = level.columns.index(key), level.columns.index(display)
    return {str(r[k]): str(r[d]) for r in level.rows}


def _sentence(rows: list[list[Any]], tally: TraceTally, code_labels: dict[str, dict[str, str]],
              graph: GenealogyGraph, zh: bool) -> str:
    node = graph.node(tally.node)
    if tally.by == "status":
        said = code_labels.get(node.status_column or "", {})
        parts = [f"{said.get(str(code), code)} {n}" for code, n in rows]
        return (" 按状态：" if zh else " By status: ") + ("、" if zh else ", ").join(parts) + ("。" if zh else ".")
    if tally.by is None and tally.measure == "count":
        return (f" 符合条件的{node.label.zh or node.name}共 {rows[0][0]:,} 个。" if zh
                else f" {rows[0][0]:,} {node.plural or node.label.en + 's'} in all.")
    if tally.by is None:
        return f" 数量合计：{rows[0][0]:,.0f}。" if zh else f" Quantity in all: {rows[0][0]:,.0f}."
    parts = [f"{name} {total:,.0f}" for _key, name, total in rows]
    return (" 各自：" if zh else " Each: ") + ("、" if zh else ", ").join(parts) + ("。" if zh else ".")
