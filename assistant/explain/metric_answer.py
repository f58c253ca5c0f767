"""Turn executed metric queries and checked SQL into the one Answer object every surface renders.

Pure: the pipeline hands over what ran (the query, its compiled columns, the rows, the SQL
that passed the guard) and what it looked up (member labels, data freshness); nothing here
plans, compiles or touches a database.
"""

from __future__ import annotations

from typing import Any

from assistant.explain.answer import Answer, Provenance
from assistant.explain.headline import key_sentence
from assistant.explain.periods import range_words
from assistant.explain.sentences import filter_words, interpretation
from assistant.plan.query import PERIOD, SemanticQuery
from assistant.sql.compiler import CompiledQuery
from assistant.sql.executor import QueryResult
from assistant.sql.rollup import summaries_read
from semantic_layer.layer import Layer


def metric_definitions(layer: Layer, metrics: list[str]) -> list[dict[str, Any]]:
    """Each metric's name, labels, formula, unit and descriptions, for the provenance view."""
    out = []
    for name in metrics:
        m = layer.metric(name)
        out.append({"name": name, "label": m.label.en, "label_zh": m.label.zh, "formula": m.formula,
                    "unit": m.unit, "description": m.description, "description_zh": m.description_zh or m.description})
    return out


def code_labels(layer: Layer, dimensions: list[str], lang: str) -> dict[str, dict[str, str]]:
    """The layer's value labels for dimensions whose shown column holds codes ('accepted')."""
    out: dict[str, dict[str, str]] = {}
    for name in dimensions:
        dim = layer.dimensions.get(name)
        if dim is None or not dim.values or dim.display_column(lang) != dim.key_column:
            continue  # no labels, or the rows already hold names (e.g. a Chinese name column)
        labels = {code: text for code, v in dim.values.items() if (text := v.zh if lang == "zh" else v.en)}
        if labels:
            out[name] = labels
    return out


def metric_answer(question: str, query: SemanticQuery, compiled: CompiledQuery, result: QueryResult, layer: Layer, *,
                  sql: str, labels: dict[str, str], freshness: dict[str, str], prov: Provenance,
                  notes: list[str], planner: str) -> Answer:
    """The answer to a metric query: interpretation line, key sentence, table, provenance.

    `labels` maps filtered member keys to their names in the answer's language."""
    lang = query.locale
    prov.metrics = metric_definitions(layer, query.metrics)
    prov.filters = [filter_words(f, layer, lang, labels, query.units) for f in query.filters]
    prov.time_range = f"{query.time_range.start} – {query.time_range.end}" if query.time_range else None
    prov.freshness = freshness
    prov.summaries = summaries_read(compiled.tree, layer)
    text = interpretation(query, layer, lang, value_labels=labels, not_understood=prov.not_understood)
    if notes:
        text += ("；" if lang == "zh" else "; ") + ("；".join(notes) if lang == "zh" else "; ".join(notes))
    answer = Answer(question, "ok", "", interpretation=text, semantic_query=query.model_dump(mode="json"),
                    sql=sql, columns=result.columns, rows=[list(r) for r in result.rows],
                    truncated=result.truncated, provenance=prov, planner=planner, lang=lang)
    if result.truncated:
        answer.extras["truncation_note"] = result.truncation_note(lang)
    answer.column_labels = {c.name: (c.label_zh if lang == "zh" else c.label_en) for c in compiled.columns}
    answer.column_units = {c.name: c.unit for c in compiled.columns if c.unit}
    answer.units = {name: unit for name in answer.column_units.values() if (unit := layer.unit(name)) is not None}
    answer.extras["column_kinds"] = {c.name: c.kind for c in compiled.columns}
    answer.value_labels = code_labels(layer, [c.name for c in compiled.columns if c.kind == "dimension"], lang)
    if query.periods:  # 'H1 vs H2': each period's row named by its words, not its first day
        answer.value_labels[PERIOD] = {p.start.isoformat(): p.label or range_words(p.start, p.end, lang)
                                       for p in query.periods}
    answer.message = key_sentence(answer, query, layer, lang, labels)
    return answer


def sql_answer(question: str, result: QueryResult, *, sql: str, description: str, prov: Provenance,
               planner: str, lang: str) -> Answer:
    """The answer to checked SQL (a verified query, an LLM's SQL): what it computes (its author's
    description: the only words there are for its scope and period), then how many rows."""
    n = len(result.rows)
    what = description.strip().rstrip("。.") if description else ""
    if lang == "zh":
        message = f"{what}：共 {n} 行结果。" if what else f"共 {n} 行结果。"
    else:
        message = f"{what}: {n} row{'s' if n != 1 else ''}." if what else f"{n} row{'s' if n != 1 else ''}."
    shown = description or ("SQL 查询" if lang == "zh" else "SQL query")
    answer = Answer(question, "ok", message, interpretation=shown, sql=sql,
                    columns=result.columns, rows=[list(r) for r in result.rows],
                    truncated=result.truncated, provenance=prov, planner=planner, lang=lang)
    if result.truncated:
        answer.extras["truncation_note"] = result.truncation_note(lang)
    return answer
