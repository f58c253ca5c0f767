"""Say which start records a trace took when its question named none by id.

"Hengtai's conditional lot" with six such lots: ask which one, the lots as options (id, date,
the names and status the layer knows them by). "The latest lot": trace the newest and say so.
"All the lots", or nothing said: trace every one and list them. Never a silent pick; the same
in both languages. The records come from assistant/sql/trace/matches.py.
"""

from __future__ import annotations

from assistant.explain.answer import Answer, Provenance
from assistant.plan.choices import ALL, append, choice, insert_after
from assistant.plan.types import TraceRequest
from assistant.sql.trace.matches import StartMatches
from assistant.understand.catalogue import ValueCatalogue
from semantic_layer.genealogy import GenealogyNode
from semantic_layer.layer import Layer

LISTED = 8  # ids named in a sentence before "and N more"


def describe(matches: StartMatches, layer: Layer, values: ValueCatalogue, lang: str) -> list[str]:
    """One label per record: 'LOT-20251107-0014 · 2025-11-07 · Hengtai Metals · ADC12 · Conditional'.

    The date is the node's time column; names are the members of the dimensions the record's
    columns are keys of (its supplier, its material), its status last."""
    node = layer.genealogy.node(matches.node)
    out: list[str] = []
    for record in matches.records():
        parts = [str(record[node.key])]
        names: list[str] = []
        status: list[str] = []
        for column, value in record.items():
            if value is None or column == node.key:
                continue
            if column == node.time_column:
                parts.append(str(value)[:10])
            elif column in (node.display, node.display_zh):
                names.insert(0, str(value))
            else:
                label = _member_label(layer, node, column, str(value), values, lang)
                if label:
                    (status if column == node.status_column else names).append(label)
        out.append(" · ".join(dict.fromkeys([*parts, *names, *status])))
    return out


def _member_label(layer: Layer, node: GenealogyNode, column: str, value: str, values: ValueCatalogue,
                  lang: str) -> str | None:
    """The label of the member `value` names, when `column` is a dimension's key for the node's table."""
    for dim in layer.spec.dimensions:
        if dim.key_column != column:
            continue
        path = layer.join_path(node.table, dim.table)
        own = dim.table == node.table
        if own or (path and path[0].left_column == column):
            member = values.find(dim.name, value)
            if member is not None:
                return member.label(lang)
    return None


def _short(matches: StartMatches, layer: Layer) -> list[str]:
    """'LOT-20251107-0014 (2025-11-07)': id and date, for a sentence listing several."""
    node = layer.genealogy.node(matches.node)
    out = []
    for record in matches.records():
        date = record.get(node.time_column or "")
        out.append(f"{record[node.key]} ({str(date)[:10]})" if date is not None else str(record[node.key]))
    return out


def which_one(question: str, request: TraceRequest, matches: StartMatches, labels: list[str], layer: Layer, *,
              lang: str, planner: str, prov: Provenance) -> Answer:
    """One record was meant and several match: ask which, each as an option (plus all of them)."""
    node = layer.genealogy.node(matches.node)
    shown = len(matches.rows)
    if lang == "zh":
        message = f"有 {matches.total} 个{node.label.zh}符合条件，我不替您挑选。请问是哪一个（按时间从新到旧）？"
        if matches.total > shown:
            message += f"这里列出最近的 {shown} 个，加上日期可以缩小范围。"
    else:
        message = (f"{matches.total} {node.plural_label('en')} match what was asked, so I won't pick one "
                   "for you. Which one do you mean (newest first)?")
        if matches.total > shown:
            message += f" These are the {shown} most recent; a date narrows it down."
    choices = [choice(label, _with_id(question, request, ident), ident) for ident, label in zip(matches.ids, labels,
                                                                                                 strict=True)]
    every = (f"全部 {matches.total} 个{node.label.zh}" if lang == "zh"
             else f"All {matches.total} {node.plural_label('en')}")
    choices.append(choice(every, append(question, "（全部）" if lang == "zh" else "(all of them)"), ALL))
    answer = Answer(question, "clarify", message, suggestions=[c["question"] for c in choices], planner=planner,
                    lang=lang, provenance=prov)
    answer.extras["choices"] = choices
    answer.extras["options"] = [c["value"] for c in choices]
    return answer


def _with_id(question: str, request: TraceRequest, ident: str) -> str:
    if request.mention is None:
        return append(question, ident)
    form, index = request.mention
    return insert_after(question, form, index, ident)


def note_matches(answer: Answer, pick: str | None, matches: StartMatches, labels: list[str], layer: Layer) -> None:
    """Say which records the trace took: the latest (of how many), or every one, listed."""
    node = layer.genealogy.node(matches.node)
    zh = answer.lang == "zh"
    note = ""
    if pick == "latest":
        if matches.total > 1:
            note = (f"按最近一批追溯：{matches.total} 个符合条件的{node.label.zh}中最近的是 {labels[0]}。" if zh
                    else f"Traced the most recent of {matches.total} matching {node.plural_label('en')}: {labels[0]}.")
        else:
            note = (f"只有一个符合条件的{node.label.zh}：{labels[0]}。" if zh
                    else f"The only matching {node.label.en}: {labels[0]}.")
    elif pick != "one" and matches.total > 1:
        listed = _short(matches, layer)[:LISTED]
        more = matches.total - len(listed)
        if zh:
            note = (f"已追溯全部 {matches.total} 个符合条件的{node.label.zh}：{'、'.join(listed)}"
                    + (f" 等（另有 {more} 个）。" if more > 0 else "。"))
        else:
            note = (f"All {matches.total} matching {node.plural_label('en')} were traced: {', '.join(listed)}"
                    + (f" and {more} more." if more > 0 else "."))
    if note:
        answer.message = f"{answer.message}{'' if zh else ' '}{note}" if answer.message else note
    answer.extras["matched"] = {"node": matches.node, "pick": pick or "all", "total": matches.total,
                                "ids": matches.ids, "labels": labels}
