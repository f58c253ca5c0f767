"""Read the rows of the trace statement into levels, and lay levels out as answer tables."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from assistant.sql.trace.result import TraceLevel
from assistant.sql.trace.statements import WalkSpec
from semantic_layer.genealogy import GenealogyGraph

Link = tuple[str, str, str, str]  # (up_type, up_id, down_type, down_id)


def _nested_list() -> defaultdict[str, list[dict[str, Any]]]:
    return defaultdict(list)


@dataclass
class _TraceRows:
    """The trace statement's rows, sorted by their `kind` column."""

    counts: dict[str, int] = field(default_factory=dict)  # node type -> nodes reached
    ids: defaultdict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    links: list[Link] = field(default_factory=list)
    measures: list[tuple[Any, ...]] = field(default_factory=list)  # (node type, status, flag, n, qty)
    # node type -> context node type -> [{id, name, count}]
    context: defaultdict[str, defaultdict[str, list[dict[str, Any]]]] = field(
        default_factory=lambda: defaultdict(_nested_list))


def _sort_rows(rows: list[tuple[Any, ...]]) -> _TraceRows:
    """Sort each row of the trace statement by its kind (see statements.TRACE_COLUMNS)."""
    out = _TraceRows()
    for _rank, kind, node_type, node_id, up_type, up_id, status, flag, n, qty in rows:
        if kind == "level":
            out.counts[node_type] = int(n)
        elif kind == "measure":
            out.measures.append((node_type, status, flag, int(n), qty))
        elif kind == "context":
            out.context[node_type][up_type].append({"id": str(up_id), "name": str(up_id), "count": int(n)})
        elif kind == "node":
            out.ids[node_type].append(str(node_id))
        elif kind == "link":
            out.links.append((str(up_type), str(up_id), str(node_type), str(node_id)))
    return out


def _add_measures(level: TraceLevel, measures: list[tuple[Any, ...]]) -> None:
    """Sum the level's node counts by status, and its quantity."""
    for m_node, status, _flag, m_n, qty in measures:
        if m_node == level.node:
            if status is not None:
                level.statuses[str(status)] = level.statuses.get(str(status), 0) + m_n
            if qty is not None:
                level.quantity = (level.quantity or 0.0) + float(qty)


def parse_rows(graph: GenealogyGraph, spec: WalkSpec, rows: list[tuple[Any, ...]],
               lang: str) -> tuple[list[TraceLevel], list[Link], list[tuple[Any, ...]]]:
    """(levels upstream -> downstream, links, measure rows) from the rows of the trace statement."""
    index = graph.levels(spec.start, list(spec.directions))
    found = _sort_rows(rows)
    levels: list[TraceLevel] = []
    for name, n in found.counts.items():
        node = graph.node(name)
        level = TraceLevel(node=name, label=node.plural_label(lang), index=index.get(name, 99), count=n,
                           ids=found.ids.get(name, []), truncated=len(found.ids.get(name, [])) < n,
                           context={k: v for k, v in found.context.get(name, {}).items()})
        _add_measures(level, found.measures)
        levels.append(level)
    levels.sort(key=lambda lv: (lv.index, graph.order[lv.node]))
    return levels, found.links, found.measures


def column_labels(node: Any, columns: list[str], lang: str) -> dict[str, str]:
    """Headings for `columns` of a node's table: its column labels, its id and its name."""
    labels = {c: lab.get(lang) for c, lab in node.columns.items()}
    labels[node.key] = f"{node.label.zh}编号" if lang == "zh" else f"{node.label.en.capitalize()} id"
    display = node.display_column(lang)
    if display != node.key:
        labels[display] = f"{node.label.zh}名称" if lang == "zh" else f"{node.label.en.capitalize()} name"
    return {c: labels.get(c, c) for c in columns}


def chain_table(graph: GenealogyGraph, levels: list[TraceLevel],
                lang: str) -> tuple[list[str], list[list[Any]], dict[str, str]]:
    """No target asked: one row per reached node, level by level (ids and names only)."""
    columns = ["level", "node_type", "id", "name"]
    labels = ({"level": "层级", "node_type": "类型", "id": "编号", "name": "名称"} if lang == "zh"
              else {"level": "Level", "node_type": "Type", "id": "Id", "name": "Name"})
    rows: list[list[Any]] = []
    for level in levels:
        node = graph.node(level.node)
        has_name = node.display_column(lang) != node.key  # else the second column is not a name
        named = {str(r[0]): (str(r[1]) if has_name and r[1] is not None else str(r[0])) for r in level.rows}
        for node_id in (level.ids if not level.rows else [str(r[0]) for r in level.rows]):
            rows.append([level.index, level.label, node_id, named.get(node_id, node_id)])
    return columns, rows, labels
