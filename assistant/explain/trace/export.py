"""CSV export of a trace answer, independent of any UI.

One row per reached node, level by level, with the ids it is linked to upstream, so a
quality engineer can filter the file in a spreadsheet. Encode the text as 'utf-8-sig'
when writing a file that Excel will open (Chinese names then display correctly).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from typing import Any

from assistant.explain.answer import Answer, json_value
from assistant.explain.trace.words import level_name

_HEADERS = {
    "en": ["level", "type", "id", "name", "linked upstream", "details"],
    "zh": ["层级", "类型", "编号", "名称", "上游关联", "详细信息"],
}


def _text(value: Any) -> str:
    value = json_value(value)
    return "" if value is None else str(value)


def trace_to_csv(answer: Answer) -> str:
    """The whole trace as CSV text; a non-trace answer exports its own table instead."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    trace = answer.extras.get("trace")
    if not trace:
        writer.writerow([answer.column_labels.get(c, c) for c in answer.columns])
        writer.writerows([[_text(v) for v in row] for row in answer.rows])
        return out.getvalue()
    lang = "zh" if answer.lang == "zh" else "en"
    upstream: dict[tuple[str, str], list[str]] = defaultdict(list)
    for edge in trace.get("edges", []):
        upstream[(edge["to_type"], edge["to"])].append(edge["from"])
    writer.writerow(_HEADERS[lang])
    sep = "；" if lang == "zh" else "; "
    for level in trace.get("levels", []):
        cols: list[str] = level.get("columns", [])
        labels: dict[str, str] = level.get("column_labels", {})
        codes: dict[str, dict[str, str]] = level.get("value_labels", {})
        where = level_name(int(level["index"]), lang)
        for row in level.get("rows", []):
            values = dict(zip(cols, row, strict=False))  # rows may carry fewer columns than the level names
            node_id = _text(row[0]) if row else ""
            name = _text(row[1]) if len(row) > 1 and cols[1] != cols[0] else ""
            details = sep.join(f"{labels.get(c, c)}={codes.get(c, {}).get(_text(values[c]), _text(values[c]))}"
                               for c in cols[2:] if values.get(c) is not None)
            writer.writerow([where, level["label"], node_id, name,
                             " ".join(sorted(upstream.get((level["node"], node_id), []))), details])
        for node_id in level.get("missing", []):
            writer.writerow([where, level["label"], node_id, "", "",
                             "无记录" if lang == "zh" else "no record of its own"])
        if level.get("truncated"):
            shown = len(level.get("rows", [])) + len(level.get("missing", []))
            writer.writerow([where, level["label"], "", "", "",
                             f"另有 {level['count'] - shown} 个未列出" if lang == "zh"
                             else f"{level['count'] - shown} more not listed"])
    return out.getvalue()
