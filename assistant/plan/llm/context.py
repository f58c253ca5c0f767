"""The grounded context an LLM sees: only what retrieval found relevant, never the whole schema.

Why: a full schema costs tokens on every call and invites the model to pick plausible but
wrong tables; a retrieved slice (metrics with their definitions, the dimensions and
values the question mentions, the joins between their tables, similar verified
questions) keeps it on the layer's own names. Everything shown comes from the semantic
layer and the value catalogue; nothing here knows a table or metric by name.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from assistant.core.errors import FactoryAssistantError
from assistant.plan.types import PlanContext, Turn
from assistant.understand.catalogue import Member, naming_words
from assistant.understand.timeparse import find_time_ranges
from semantic_layer.layer import JoinStep, Layer

# How many hits of each kind to ask retrieval for. Small on purpose: the prompt should
# hold the few candidates a question is about, not a catalogue.
K_BY_KIND: dict[str, int] = {"metric": 5, "dimension": 5, "value": 8, "verified": 3}
SAMPLE_VALUES = 8  # members shown per dimension besides the ones the question matched
CONVERSATION_TURNS = 4
CATALOGUE_LIMIT = 40  # metric names listed when retrieval finds nothing at all


@dataclass
class GroundedContext:
    text: str  # the block that goes into the prompt
    retrieved_ids: list[str] = field(default_factory=list)
    metrics: list[str] = field(default_factory=list)
    dimensions: list[str] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)


def build_context(question: str, ctx: PlanContext, *, dialect: str | None = None) -> GroundedContext:
    layer = ctx.layer
    hits = _retrieve(question, ctx)
    retrieved_ids = list(dict.fromkeys(h.doc.id for h in hits))
    metrics: list[str] = []
    dimensions: list[str] = []
    matched: dict[str, list[str]] = {}  # dimension -> member keys the question matched
    verified: list[int] = []
    for hit in hits:
        kind, payload = hit.doc.kind, hit.doc.payload
        ref = str(payload.get("ref", ""))
        if kind == "metric" and ref in layer.metrics:
            metrics.append(ref)
        elif kind == "dimension" and ref in layer.dimensions:
            dimensions.append(ref)
        elif kind == "value" and ref in layer.dimensions:
            dimensions.append(ref)
            matched.setdefault(ref, []).append(str(payload.get("key", "")))
        elif kind == "verified" and ref.isdigit() and int(ref) < len(layer.spec.verified_queries):
            verified.append(int(ref))
    # A follow-up ("and by line?") keeps talking about the previous query's fields.
    last = ctx.session.last_query
    if last is not None:
        metrics += [m for m in last.metrics if m in layer.metrics]
        dimensions += [d for d in [*last.dimensions, *(f.field for f in last.filters)] if d in layer.dimensions]
    metrics = list(dict.fromkeys(metrics))
    dimensions = list(dict.fromkeys(dimensions))
    tables, joins = _tables_and_joins(layer, metrics, dimensions)

    sections = [
        _header(ctx, dialect),
        _time_hints(question, ctx.as_of, ctx.layer),
        _metrics_block(layer, metrics),
        _dimensions_block(layer, ctx.values, dimensions, matched),
        _sql_block(layer, metrics, tables, joins),
        _verified_block(layer, verified),
        _conversation_block(ctx.session.turns[-CONVERSATION_TURNS:]),
    ]
    if not metrics and not dimensions:
        sections.append(_catalogue_block(layer))
    text = "\n\n".join(s for s in sections if s)
    return GroundedContext(text, retrieved_ids, metrics, dimensions, tables)


# ---------------------------------------------------------------------- retrieval
def _retrieve(question: str, ctx: PlanContext) -> list[Any]:
    if ctx.retrieve is None or not question.strip():
        return []
    hits: list[Any] = []
    for kind, k in K_BY_KIND.items():
        # One call per kind so a question full of value words still gets its metric.
        try:
            hits += list(ctx.retrieve(question, k=k, kinds=[kind]))
        except FactoryAssistantError:
            continue
    return hits


# ---------------------------------------------------------------------- sections
def _header(ctx: PlanContext, dialect: str | None) -> str:
    lines = [f"As-of date (today) / 截止日期: {ctx.as_of.isoformat()} ({ctx.as_of:%A})",
             f"Question language / 问题语言: {'Simplified Chinese' if ctx.lang == 'zh' else 'English'}",
             f"Semantic layer: {ctx.layer.spec.name} — {ctx.layer.spec.label.en} / {ctx.layer.spec.label.zh}"]
    if dialect:
        lines.append(f"SQL dialect: {dialect}")
    return "\n".join(lines)


def _time_hints(question: str, as_of: dt.date, layer: Layer) -> str:
    try:
        found = find_time_ranges(question, as_of, naming_words=naming_words(layer))
    except Exception:  # a parser bug must not cost the user their answer; the model can still read dates
        return ""
    if not found:
        return ""
    lines = ["Time expressions in the question, resolved by the assistant / 问题中的时间表达:"]
    lines += [f'- "{m.text}" = {m.range.start.isoformat()} .. {m.range.end.isoformat()}' for m in found]
    return "\n".join(lines)


def _metrics_block(layer: Layer, metrics: list[str]) -> str:
    if not metrics:
        return ""
    lines = ["Metrics (use these names exactly) / 指标:"]
    for name in metrics:
        m = layer.metric(name)
        better = "higher is better" if m.higher_is_better else "lower is better"
        lines.append(f"- {name}: {m.label.en} / {m.label.zh} — unit {m.unit}, {better}")
        if m.description:
            lines.append(f"  definition: {m.description}")
        lines.append(f"  formula: {m.formula}")
        lines.append(f"  allowed dimensions: {', '.join(layer.metric_dimensions(name))}")
    return "\n".join(lines)


def _dimensions_block(layer: Layer, values: Any, dimensions: list[str], matched: dict[str, list[str]]) -> str:
    if not dimensions:
        return ""
    lines = ["Dimensions (filter on value keys) / 维度（过滤时使用取值键）:"]
    for name in dimensions:
        d = layer.dimension(name)
        lines.append(f"- {name}: {d.label.en} / {d.label.zh}" + (f" — {d.description}" if d.description else ""))
        members = list(values.of(name)) if values is not None else []
        if not members:
            continue
        by_key = {m.key: m for m in members}
        keys = [k for k in matched.get(name, []) if k in by_key]
        shown = list(dict.fromkeys([*keys, *(m.key for m in members[:SAMPLE_VALUES])]))
        if keys:
            lines.append("  matched in the question: " + "; ".join(_value_text(k, by_key[k]) for k in keys))
        more = len(members) - len(shown)
        lines.append("  values (key (labels)): " + "; ".join(_value_text(k, by_key[k]) for k in shown)
                     + (f"; … {more} more" if more > 0 else ""))
    return "\n".join(lines)


def _value_text(key: str, member: Member) -> str:
    """A value key with its labels where they differ from it: 'NB-L3 (Ningbo Line 3 / 宁波3号线)'."""
    labels = " / ".join(dict.fromkeys(x for x in (member.label_en, member.label_zh) if x and x != key))
    return f"{key} ({labels})" if labels else key


def _tables_and_joins(layer: Layer, metrics: list[str], dimensions: list[str]) -> tuple[list[str], list[JoinStep]]:
    """Tables behind the metrics and dimensions, plus the many-to-one paths that link them."""
    facts = list(dict.fromkeys(ms.table for m in metrics for ms in layer.metric_measures(m)))
    dim_tables = list(dict.fromkeys(layer.dimension(d).table for d in dimensions))
    tables = list(dict.fromkeys([*facts, *dim_tables]))
    joins: list[JoinStep] = []
    sources = facts or dim_tables
    for src in sources:
        for target in dim_tables:
            path = layer.join_path(src, target)
            for step in path or []:
                if step not in joins:
                    joins.append(step)
                for t in (step.left_table, step.table):
                    if t not in tables:
                        tables.append(t)
    return tables, joins


def _sql_block(layer: Layer, metrics: list[str], tables: list[str], joins: list[JoinStep]) -> str:
    physical = layer.physical_schema()
    usable = [t for t in tables if t in physical]
    if not usable:
        return ""
    lines = ["Tables for SQL (only for kind=sql; nothing else exists) / 可用于SQL的表:"]
    for t in usable:
        table = layer.tables[t]
        cols = ", ".join(f"{c} {typ}" for c, typ in physical[t].items())
        extra = f"; time column {table.time_column}" if table.time_column else ""
        lines.append(f"- {t}({cols}){extra}")
    step_lines = [f"- {s.left_table}.{s.left_column} = {s.table}.{s.right_column}"
                  for s in joins if s.left_table in physical and s.table in physical]
    if step_lines:
        lines += ["Joins (many-to-one) / 关联:", *step_lines]
    measures = list(dict.fromkeys(ms for m in metrics for ms in layer.metric_measures(m)))
    if measures:
        lines.append("Measures behind the metrics / 指标的度量:")
        for ms in measures:
            arg = "*" if ms.expr is None else ms.expr
            agg = f"COUNT(DISTINCT {arg})" if ms.agg == "count_distinct" else f"{ms.agg.upper()}({arg})"
            conds = [ms.filter] if ms.filter else []
            conds += [("NOT " if e.absent else "") + f"EXISTS (a matching row in {e.table}"
                      + (f" WHERE {e.filter}" if e.filter else "") + ")" for e in ms.exists]
            where = f" WHERE {' AND '.join(conds)}" if conds else ""
            lines.append(f"- {ms.name} = {agg} FROM {ms.table}{where}")
        lines += [f"- metric {m} = {layer.metric(m).expr}" for m in metrics]
    return "\n".join(lines)


def _verified_block(layer: Layer, indexes: Iterable[int]) -> str:
    lines: list[str] = []
    for i in dict.fromkeys(indexes):
        vq = layer.spec.verified_queries[i]
        if vq.semantic_query:
            answer = "query " + json.dumps(vq.semantic_query, ensure_ascii=False, default=str)
        elif vq.sql:
            answer = "sql " + " ".join(vq.sql.split())
        else:
            continue
        lines.append(f"- Q: {vq.question}\n  A: {answer}")
    return "\n".join(["Verified examples / 已验证的示例:", *lines]) if lines else ""


def _conversation_block(turns: list[Turn]) -> str:
    if not turns:
        return ""
    lines = ["Conversation so far (oldest first) / 对话记录:"]
    for turn in turns:
        plan = turn.plan
        if plan.query is not None:
            did = "query " + json.dumps(plan.query.model_dump(mode="json", exclude_defaults=True), ensure_ascii=False)
        elif plan.sql:
            did = "sql " + " ".join(plan.sql.split())
        else:
            did = f"{plan.kind}: {plan.message}".strip()
        lines.append(f"- Q: {turn.question}\n  A ({turn.status}): {did}")
    return "\n".join(lines)


def _catalogue_block(layer: Layer) -> str:
    """Retrieval found nothing: names and labels only (no formulas or tables), so the model can ask."""
    names = [f"{m.name} ({m.label.en} / {m.label.zh})" for m in layer.spec.metrics[:CATALOGUE_LIMIT]]
    more = len(layer.spec.metrics) - len(names)
    if more > 0:
        names.append(f"… {more} more")
    return "Nothing specific was found for this question. Metrics the layer defines / 可用指标: " + "; ".join(names)
