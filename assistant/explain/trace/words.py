"""Sentences about a trace, in English and Simplified Chinese (no schema names: all from the layer)."""

from __future__ import annotations

from assistant.sql.trace.result import TraceLevel, TraceResult
from semantic_layer.genealogy import GenealogyGraph
from semantic_layer.layer import Layer
from semantic_layer.models import GenealogyNode

MAX_NAMED = 3  # name context members (lines) up to this many, else give a count
MAX_LISTED = 8  # members named in the answer to 'which products ...?'


def level_name(index: int, lang: str) -> str:
    """A level in words, never as a signed number: 'start', '2 steps upstream' / '起点', '上游第 2 层'."""
    if index == 0:
        return "起点" if lang == "zh" else "start"
    n, up = abs(index), index < 0
    if lang == "zh":
        return f"{'上游' if up else '下游'}第 {n} 层"
    return f"{n} step{'' if n == 1 else 's'} {'upstream' if up else 'downstream'}"


def _count(level: TraceLevel, node: GenealogyNode, lang: str) -> str:
    if lang == "zh":
        return f"{level.count} 个{node.label.zh}"
    return f"{level.count} {node.label.en if level.count == 1 else node.plural_label('en')}"


def _context(level: TraceLevel, graph: GenealogyGraph, lang: str, seen: set[tuple[str, ...]] | None = None) -> str:
    """'(Ningbo Line 3; 9 machines)'; a context already said on another level ('seen') is not repeated."""
    parts: list[str] = []
    for ctx, items in level.context.items():
        node = graph.node(ctx)
        said = (ctx, *sorted(i["id"] for i in items))
        if seen is not None and said in seen:
            continue
        if seen is not None:
            seen.add(said)
        if len(items) <= MAX_NAMED:
            parts.append(("、" if lang == "zh" else ", ").join(i["name"] for i in items))
        else:
            n = len(items)
            parts.append(f"{n} 个{node.label.zh}" if lang == "zh" else f"{n} {node.plural_label('en')}")
    if not parts:
        return ""
    return f"（{'；'.join(parts)}）" if lang == "zh" else f" ({'; '.join(parts)})"


def _element(level: TraceLevel, graph: GenealogyGraph, lang: str, *, start: bool,
             seen: set[tuple[str, ...]] | None = None) -> str:
    node = graph.node(level.node)
    if start and level.count == 1 and level.ids:
        text = f"{node.label.zh} {level.ids[0]}" if lang == "zh" else f"{node.label.en} {level.ids[0]}"
    else:
        text = _count(level, node, lang)
    return text + _context(level, graph, lang, seen)


def chains(result: TraceResult, graph: GenealogyGraph) -> tuple[list[str], list[str]]:
    """(upstream chain, downstream chain) of node types shown in the summary sentence."""
    start = result.spec.start
    reached = {lv.node: lv for lv in result.levels}
    out: list[list[str]] = []
    for direction, sign in (("backward", -1), ("forward", 1)):
        if direction not in result.spec.directions:
            out.append([])
            continue
        walk_to = result.host or result.target  # a line is reached through its work orders
        if walk_to and (graph.relation(start, walk_to) == direction):
            end = walk_to
        else:
            candidates = [lv for lv in result.levels if lv.index * sign > 0 and lv.count]
            end = max(candidates, key=lambda lv: (lv.index * sign, -graph.order[lv.node])).node if candidates else start
        path = graph.path(start, end, direction)
        out.append([t for t in path[1:] if t in reached or t == walk_to])
    return out[0], out[1]


def summary(result: TraceResult, graph: GenealogyGraph) -> str:
    """'lot LOT-1 → 5 work orders (Ningbo Line 3) → 16 finished batches → … ; also 1 complaint.'"""
    lang = result.lang
    levels = {lv.node: lv for lv in result.levels}
    up, down = chains(result, graph)
    seen: set[tuple[str, ...]] = set()

    def element(name: str) -> str:
        level = levels.get(name) or TraceLevel(name, graph.node(name).plural_label(lang), 0, 0)
        return _element(level, graph, lang, start=name == result.spec.start, seen=seen)

    start = element(result.spec.start)
    if up and not down:  # backward only: read from the start towards the sources
        text = " ← ".join([start, *(element(t) for t in up)])
    else:
        text = " → ".join([*(element(t) for t in reversed(up)), start, *(element(t) for t in down)])
    others = [lv for lv in result.levels if lv.node not in {result.spec.start, *up, *down} and lv.count]
    if others:
        listed = ("、" if lang == "zh" else ", ").join(_element(lv, graph, lang, start=False, seen=seen)
                                                        for lv in others)
        text += f"；另有 {listed}" if lang == "zh" else f"; also {listed}"
    if result.via:
        via = graph.node(result.via)
        text += f"（经由{via.label.zh}）" if lang == "zh" else f" (through their {via.plural_label('en')})"
    return attribute_sentence(result, graph) + text + ("。" if lang == "zh" else ".")


def attribute_sentence(result: TraceResult, graph: GenealogyGraph) -> str:
    """The answer to 'which line made it?' before the chain: 'Line: Ningbo Line 3. ' / '产线：宁波3号线。'."""
    if not result.host or not result.target:
        return ""
    lang, node = result.lang, graph.node(result.target)
    named = len(result.columns) > 2  # key, name, count (a node without a name column has no name)
    names = [str(r[1] if named and r[1] is not None else r[0]) for r in result.rows]
    more = len(names) - MAX_LISTED
    shown = ("、" if lang == "zh" else ", ").join(names[:MAX_LISTED])
    if more > 0:
        shown += f" 等（另有 {more} 个）" if lang == "zh" else f" and {more} more"
    if lang == "zh":
        if not names:
            return f"没有找到相关的{node.label.zh}。"
        counted = "" if len(names) == 1 else f"（{len(names)} 个）"
        return f"{node.label.zh}{counted}：{shown}。"
    if not names:
        return f"No {node.label.en} found. "
    what = node.label.en if len(names) == 1 else f"{len(names)} {node.plural_label('en')}"
    return f"{what[:1].upper()}{what[1:]}: {shown}. "


def filter_words(result: TraceResult, layer: Layer, graph: GenealogyGraph, labels: dict[tuple[str, str],
                                                                                        str]) -> list[str]:
    """Each filter in words: 'material lot: supplier Hengtai Metals' / '物料批次：供应商为恒泰金属'."""
    lang = result.lang
    out: list[str] = []
    for node_name, dims in result.spec.filters.items():
        node = graph.node(node_name)
        for dim_name, values in dims.items():
            dim = layer.dimension(dim_name)
            shown = [labels.get((dim_name, str(v)), str(v)) for v in values]
            if lang == "zh":
                out.append(f"{node.label.zh}：{dim.label.zh}为{' 或 '.join(shown)}")
            else:
                out.append(f"{node.label.en}: {dim.label.en.lower()} {' or '.join(shown)}")
    if result.spec.time:
        node_name, window = result.spec.time
        first, last = window.start, window.end
        node = graph.node(node_name)
        column = node.columns.get(node.time_column or "")
        what = column.get(lang) if column else node.time_column
        if first.year <= 1900:  # "before December 1": open start
            out.append(f"{node.label.zh}{what}不晚于 {last}" if lang == "zh"
                       else f"{node.label.en} {str(what).lower()} up to {last}")
        else:
            out.append(f"{node.label.zh}{what} {first} 至 {last}" if lang == "zh"
                       else f"{node.label.en} {str(what).lower()} {first} to {last}")
    return out


def interpretation(result: TraceResult, graph: GenealogyGraph, filters: list[str]) -> str:
    lang = result.lang
    start = graph.node(result.spec.start)
    ids = ", ".join(result.spec.ids[:5]) + (" …" if len(result.spec.ids) > 5 else "")
    dirs = result.spec.directions
    if lang == "zh":
        way = "双向追溯" if len(dirs) == 2 else ("正向追溯（向下游）" if dirs[0] == "forward" else "反向追溯（向上游）")
        latest = "最近一个符合条件的" if result.spec.latest else ""
        text = f"{way}：从{latest}{start.label.zh}{(' ' + ids + ' ') if ids else ''}"
        if result.target:
            text += f"到{graph.node(result.target).label.zh}"
        if filters:
            text += "，" + "，".join(filters)
        return text
    way = "Two-way trace" if len(dirs) == 2 else ("Forward trace (downstream)" if dirs[0] == "forward"
                                                  else "Backward trace (upstream)")
    if result.spec.latest:
        what = f"the most recent matching {start.label.en}"
    elif ids:
        what = f"{start.label.en} {ids}"
    else:
        what = start.plural_label("en")
    text = f"{way} from {what}"
    if result.target:
        text += f" to {graph.node(result.target).plural_label('en')}"
    if filters:
        text += "; " + "; ".join(filters)
    return text
