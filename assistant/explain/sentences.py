"""How a metric query reads in words, in English and Simplified Chinese: its filters and the
interpretation line shown above every answer."""

from __future__ import annotations

from assistant.core.units import format_value
from assistant.explain.periods import as_date, day_words, period_label, range_words
from assistant.plan.query import Filter, SemanticQuery, records_table
from assistant.sql.records import record_names
from semantic_layer.layer import Layer
from semantic_layer.models import UnitSpec

_GRAIN_WORDS = {
    "day": ("daily", "每天"), "week": ("weekly", "每周"), "month": ("monthly", "每月"),
    "quarter": ("quarterly", "每季度"), "year": ("yearly", "每年"),
}
_PERIOD_NAMES_ZH = {"day": "日期", "week": "周", "month": "月份", "quarter": "季度", "year": "年份"}
_OPS = {
    "en": {"=": "is", "!=": "is not", "in": "is", "not in": "is not", ">": "above", ">=": "at least",
           "<": "below", "<=": "at most", "between": "between"},
    "zh": {"=": "为", "!=": "不是", "in": "为", "not in": "不是", ">": "高于", ">=": "不低于",
           "<": "低于", "<=": "不高于", "between": "介于"},
}


def mid_sentence(label: str) -> str:
    """A label inside an English sentence: "Scrap rate" -> "scrap rate"; "OEE", "CNC" kept."""
    if len(label) > 1 and label[0].isupper() and label[1].islower():
        return label[0].lower() + label[1:]
    return label


def sentence_start(text: str) -> str:
    return text[:1].upper() + text[1:]


def _named_set(f: Filter, layer: Layer, lang: str, values: list[str]) -> list[str]:
    """The values as said, under the name of the layer's set they make up: 'Open (In progress or
    Planned)', so the reader sees both the word they used and what it was read as."""
    for vs in layer.dimension(f.field).value_sets:
        name = (vs.zh if lang == "zh" else vs.en) or vs.en or vs.zh
        if f.op == "in" and name and set(vs.values) == {str(v) for v in f.values}:
            same = [v for v in values if v.lower() == name.lower()]
            if same:  # 'Open (Investigating or Open)' explains a word by itself: 'Open or Investigating'
                rest = [v for v in values if v not in same]
                return ["或".join([*same, *rest]) if lang == "zh" else " or ".join([*same, *rest])]
            joined = "或".join(values) if lang == "zh" else " or ".join(values)
            return [f"{name}（{joined}）" if lang == "zh" else f"{name} ({joined})"]
    return values


def _ratio_pair(field: str, layer: Layer) -> tuple[str, str] | None:
    """The two metrics of a ratio's column ('on_hand_stock_per_safety_stock_level'), if it is one."""
    if field in layer.metrics:
        return None
    for at in (i for i in range(len(field)) if field.startswith("_per_", i)):
        a, b = field[:at], field[at + 5:]
        if a in layer.metrics and b in layer.metrics:
            return a, b
    return None


def filter_words(f: Filter, layer: Layer, lang: str, labels: dict[str, str] | None = None,
                 units: dict[str, str] | None = None) -> str:
    """One filter in words: "plant is Ningbo", "OEE below 75.0%", "月份 为 2025-10-01"; a figure in the
    unit the answer shows it in (`units`: 'downtime above 6 h' when the downtime is shown in hours)."""
    labels = labels or {}
    values = [labels.get(str(v), str(v)) for v in f.values]
    if f.field in _GRAIN_WORDS:  # picked periods: "quarter is Q3 2025 or Q4 2025"
        name = _PERIOD_NAMES_ZH[f.field] if lang == "zh" else f.field
        shown = [period_label(v, f.field, lang) if as_date(v) else str(v) for v in f.values]
    elif (pair := _ratio_pair(f.field, layer)) is not None:  # 'on hand below 1.5 times the safety stock'
        name = " / ".join(layer.metric(m).label.get(lang) for m in pair)
        shown = [f"{v:g}" if isinstance(v, (int, float)) else str(v) for v in f.values]
    elif f.field in layer.metrics:
        metric = layer.metric(f.field)
        shown = [format_value(v, layer.unit((units or {}).get(f.field, metric.unit)), lang) for v in f.values]
        name = metric.label.get(lang)
    else:
        shown = _named_set(f, layer, lang, values)
        name = layer.dimension(f.field).label.get(lang)
    name = name if lang == "zh" else mid_sentence(name)
    op = _OPS[lang][f.op]
    if lang == "zh":  # Chinese runs words together: "工厂为宁波", "报废率介于1.0%和2.0%之间"
        if f.op == "between":
            return f"{name}{op}{shown[0]}和{shown[1]}之间"
        return f"{name}{op}{'或'.join(shown)}"
    if f.op == "between":
        return f"{name} {op} {shown[0]} and {shown[1]}"
    return f"{name} {op} {' or '.join(shown)}"


def interpretation(query: SemanticQuery, layer: Layer, lang: str, *, value_labels: dict[str, str] | None = None,
                   not_understood: list[str] | None = None) -> str:
    """One line such as "OEE by plant, November 2025", with the words that were not used."""
    line = scope_line(query, layer, lang, value_labels)
    if not_understood:
        skipped = "、".join(not_understood) if lang == "zh" else ", ".join(f"'{w}'" for w in not_understood)
        line += f"（已忽略：{skipped}）" if lang == "zh" else f" (ignored: {skipped})"
    return line


def scope_line(query: SemanticQuery, layer: Layer, lang: str, value_labels: dict[str, str] | None = None) -> str:
    """What was measured, over which members and which period, in words: the head of every
    answer's sentence ("Scrap rate by production line, where plant is Ningbo, November 2025")."""
    parts = [_what(query, layer, lang)]
    filters = [filter_words(f, layer, lang, value_labels, query.units) for f in query.filters]
    if filters:
        parts.append(("，".join(filters)) if lang == "zh" else "where " + "; ".join(filters))
    if query.time_range is None and query.metrics and not query.time_grain and all(
            layer.is_level(m) or not layer.metric_time_columns(m) for m in query.metrics):
        parts.append("当前" if lang == "zh" else "as it stands")  # a level on its latest day (the stock now)
    elif (query.metrics or query.time_range is not None) and not (query.as_of and query.time_range is None):
        parts.append(_period(query, lang))  # a list of members has no period unless one was asked
    if query.as_of is not None:  # 'overdue' is overdue on some day: the one asked on
        parts.append(f"截至{day_words(query.as_of, lang)}" if lang == "zh" else f"as of {day_words(query.as_of, lang)}")
    if query.limit:
        parts.append(_limit(query, layer, lang))
    return sentence_start(("，" if lang == "zh" else ", ").join(parts))


def _what(query: SemanticQuery, layer: Layer, lang: str) -> str:
    """The metrics, their grain and breakdown: "Monthly OEE by plant", "按工厂的每月设备综合效率";
    a list of members, a share of the total or one metric per another said as such."""
    dims = [layer.dimension(d).label.get(lang) for d in query.dimensions]
    if query.records and not query.distinct:  # records one by one ("List of customer complaints")
        listed = [record_names(layer, query.records)[1 if lang == "zh" else 0]]
        return f"{listed[0]}清单" if lang == "zh" else "List of " + mid_sentence(listed[0])
    if not query.metrics:  # a list of members, named by what one row is where the layer says ("Suppliers")
        listed = [_plural(d, layer, lang) for d in query.dimensions]
        if query.records:  # the members those records name: "Customers named in customer complaints"
            source = record_names(layer, query.records)[1 if lang == "zh" else 0]
            return f"{source}中的{'、'.join(listed)}列表" if lang == "zh" else \
                ", ".join(listed) + " named in " + mid_sentence(source)
        return f"{'、'.join(listed)}列表" if lang == "zh" else "List of " + ", ".join(mid_sentence(x) for x in listed)
    text = _measured(query, layer, lang)
    if lang == "zh":
        if query.time_grain:
            text = f"{_GRAIN_WORDS[query.time_grain][1]}{text}"
        if query.average_over:  # "平均每天产量"
            text = f"平均{_GRAIN_WORDS[query.average_over][1]}{text}"
        return f"按{'、'.join(dims)}的{text}" if dims else text
    if query.time_grain:
        text = f"{_GRAIN_WORDS[query.time_grain][0]} {mid_sentence(text)}"
    if query.average_over:  # "Average daily total output"
        text = f"Average {_GRAIN_WORDS[query.average_over][0]} {mid_sentence(text)}"
    return text + " by " + " and ".join(mid_sentence(d) for d in dims) if dims else text


def _plural(name: str, layer: Layer, lang: str) -> str:
    dim = layer.dimension(name)
    table = layer.tables[dim.table]
    if table.label is not None and dim.key_column in table.primary_key:
        return table.label.get(lang)
    return dim.label.get(lang)


def _measured(query: SemanticQuery, layer: Layer, lang: str) -> str:
    """'Energy use per good output', '报废数占比', 'OEE and scrap rate'."""
    names = {m: _in_unit(layer.metric(m).label.get(lang), layer.unit(query.units.get(m)), lang)
             for m in query.metrics}
    if query.per:
        num = next(m for m in query.metrics if m != query.per)
        rest = [names[m] for m in query.metrics if m not in (num, query.per)]
        share = layer.part_count(num, query.per)  # 'late POs as a share of POs'
        head = (f"{names[num]}占{names[query.per]}的比例" if share else f"{names[num]}与{names[query.per]}之比") \
            if lang == "zh" else f"{names[num]} {'as a share of' if share else 'per'} {mid_sentence(names[query.per])}"
        return "、".join([head, *rest]) if lang == "zh" else " and ".join([head, *rest])
    labels = list(names.values())
    if query.share:
        over = [layer.dimension(d).label.get(lang) for d in query.share]
        return f"{labels[0]}占比（按{'、'.join(over)}）" if lang == "zh" else \
            f"Share of {mid_sentence(labels[0])} (across {', '.join(mid_sentence(o) for o in over)})"
    if lang == "zh":
        return "、".join(labels)
    labels = labels[:1] + [mid_sentence(x) for x in labels[1:]]
    return " and ".join(labels) if len(labels) <= 2 else ", ".join(labels)


def _in_unit(label: str, unit: UnitSpec | None, lang: str) -> str:
    """'Downtime minutes in hours', '停机时长（小时）': a figure shown in another unit than its own."""
    if unit is None:
        return label
    return f"{label}（{unit.label.zh}）" if lang == "zh" else f"{label} in {unit.label.en}"


def _period(query: SemanticQuery, lang: str) -> str:
    if query.periods:  # 'H1 2024 vs H2 2024', '上半年与下半年': the periods compared, each in its words
        said = [p.label or range_words(p.start, p.end, lang) for p in query.periods]
        return "与".join(said) if lang == "zh" else " vs ".join(said)
    tr = query.time_range
    return range_words(tr.start if tr else None, tr.end if tr else None, lang)


def _limit(query: SemanticQuery, layer: Layer, lang: str) -> str:
    """"top 5 production lines", "最高的前5条产线": counted in what one row is."""
    first = query.order[0] if query.order else None
    high = not first or first.desc
    counted = counted_as(query, layer, lang)
    if query.records and first is not None and first.field in layer.metrics:  # records by their own amount
        by = layer.metric(first.field).label
        if lang == "zh":
            return f"按{by.zh or by.en}{'从高到低' if high else '从低到高'}的前{query.limit}{(counted or ('条',))[0]}"
        n = "one" if query.limit == 1 else str(query.limit)
        return f"the {n} with the {'highest' if high else 'lowest'} {mid_sentence(by.en)}"
    if lang == "zh":
        word, label = counted or ("项", "")
        return f"{'最高' if high else '最低'}的前{query.limit}{word}{label}"
    label = f" {mid_sentence(counted[1])}" if counted else ""
    return f"{'top' if high else 'bottom'} {query.limit}{label}"


def counted_as(query: SemanticQuery, layer: Layer, lang: str) -> tuple[str, str] | None:
    """(measure word, plural label) of what one row is, from the layer: ("条", "产线"),
    ("", "Production lines"); None when the rows are not members of one dimension."""
    if query.records and not query.distinct:
        word = layer.tables[records_table(layer, query.records)[0]].measure_word
        return (word or "条") if lang == "zh" else "", record_names(layer, query.records)[1 if lang == "zh" else 0]
    if len(query.dimensions) != 1:
        return None
    dim = layer.dimension(query.dimensions[0])
    table = layer.tables[dim.table]
    # The table's word counts its rows: only a dimension naming those rows (its key) shares it.
    word = table.measure_word if dim.key_column in table.primary_key else None
    return (word or "个") if lang == "zh" else "", _plural(dim.name, layer, lang)
