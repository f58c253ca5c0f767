"""A parsed Cortex semantic model -> LayerSpec and findings: the readers in order, then a load.

The spec is loaded (semantic_layer.layer.Layer, every load-time check) before it is handed
back: an item the checks refuse is left out and reported, so the written layer always loads and
nothing it says is something the compiler cannot honour.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlglot import exp

from semantic_layer.errors import LayerError
from semantic_layer.interop import Imported
from semantic_layer.interop.cortex_aggs import Aggregates
from semantic_layer.interop.cortex_common import Findings, Unsupported, parse, slug
from semantic_layer.interop.cortex_fields import Fields
from semantic_layer.interop.cortex_sql import LogicalSchema, to_physical
from semantic_layer.interop.cortex_tables import Tables, items, unknown_keys
from semantic_layer.layer import Layer
from semantic_layer.models import Label, LayerSpec, UnitSpec, VerifiedQuery

MODEL_KEYS = {"name", "description", "synonyms", "tables", "relationships", "metrics", "verified_queries"}
VERIFIED_KEYS = {"name", "question", "sql", "verified_at", "verified_by", "use_as_onboarding_question",
                 "semantic_model_name"}
_PROSE = ("custom_instructions", "module_custom_instructions")
# Cortex says no unit; these stand in (reported by cortex_aggs): money without a currency, plain numbers.
_UNITS = (UnitSpec(name="money", label=Label(en="money", zh="金额"), kind="money"),
          UnitSpec(name="number", label=Label(en="number", zh="数值")))
_LOCATION = re.compile(r"^(dimensions|measures|metrics|relationships): (\S+?)(?:\.unit)?$")


def build(model: dict[str, Any]) -> Imported:
    f = Findings()
    for key in _PROSE:
        if model.get(key):
            f.add("unsupported", key, "instructions in prose are for Cortex's language model; the assistant's "
                                      "planner reads only the layer. Left out.")
    unknown_keys({k: v for k, v in model.items() if k not in _PROSE}, MODEL_KEYS, "model", f)
    if model.get("synonyms"):
        f.add("unsupported", "synonyms", "a layer has no synonyms of its own (its tables and fields do); left out.")
    relationships = items(model, "relationships", f, "model")
    related = {str(r.get(side)) for r in relationships for side in ("left_table", "right_table")}
    tables = Tables(f)
    tables.read(items(model, "tables", f, "model"), related)
    tables.collect_exprs()
    fields = Fields(tables, f)
    for lt in tables.logical.values():
        tables.keys(lt)
        fields.dimensions(lt, tables.time_dimensions(lt))
    fields.read_relationships(relationships)
    aggs = Aggregates(tables, f)
    aggs.read(items(model, "metrics", f, "model"))
    metrics = aggs.finish()
    dims = fields.filters(fields.finish_dimensions({m.name for m in metrics}))
    verified = _verified(model, tables, f)
    name = str(model.get("name") or "cortex_model")
    spec = LayerSpec(
        name=slug(name), label=Label(en=name, zh=name), description=str(model.get("description") or ""),
        tables=[d.build() for d in tables.drafts.values()], relationships=fields.relationships, dimensions=dims,
        measures=list(aggs.measures.values()), metrics=metrics,
        units=[u for u in _UNITS if any(m.unit == u.name for m in metrics)],
        verified_queries=verified)
    return Imported(_loadable(spec, f), list(f))


def _logical_schema(tables: Tables) -> LogicalSchema:
    """What verified SQL may name: each stored logical table's columns (and metrics, so that SQL
    naming one is told it is a metric) with their expressions over physical columns."""
    schema: LogicalSchema = {}
    for lt in tables.logical.values():
        if not lt.physical:
            continue
        cols: dict[str, exp.Expr] = {}
        for col, tree in lt.exprs.items():
            try:
                cols[col] = tables.resolve(lt, tree, "column", own=col)
            except Unsupported:
                continue
        for raw in lt.raw.get("metrics") or []:
            try:
                cols.setdefault(str(raw["name"]).lower(), parse(raw.get("expr")))
            except (Unsupported, KeyError, TypeError):
                continue
        schema[lt.name.lower()] = (lt.table, cols)
    return schema


def _verified(model: dict[str, Any], tables: Tables, f: Findings) -> list[VerifiedQuery]:
    schema = _logical_schema(tables)
    out: list[VerifiedQuery] = []
    for i, raw in enumerate(model.get("verified_queries") or []):
        if not isinstance(raw, dict):
            continue
        item = f"verified_queries.{raw.get('name') or i}"
        unknown_keys(raw, VERIFIED_KEYS, item, f)
        question = str(raw.get("question") or "").strip()
        try:
            if not question:
                raise Unsupported("has no question")
            sql, replaced = to_physical(str(raw.get("sql") or ""), schema)
        except Unsupported as exc:
            f.add("unsupported", item, f"its SQL {exc}; left out rather than kept as SQL that would not run.")
            continue
        # Relative dates in the question ('last month') were resolved on the day it was verified.
        stamp = raw.get("verified_at")
        as_of = dt.datetime.fromtimestamp(stamp, dt.UTC).date().isoformat() \
            if isinstance(stamp, int | float) and not isinstance(stamp, bool) else None
        by = f" (verified by {raw['verified_by']})" if raw.get("verified_by") else ""
        out.append(VerifiedQuery(question=question, lang="en", sql=sql, as_of=as_of,
                                 source=f"cortex verified query '{raw.get('name') or question}'{by}"))
        if replaced:  # as written it would not run on the database
            f.add("defect", item, f"its SQL names logical tables and columns (as Cortex reads it), not the "
                                  f"database's ({', '.join(replaced)}), so it would not run as written: "
                                  f"rewritten as {sql}")
    return out


def _loadable(spec: LayerSpec, f: Findings) -> LayerSpec:
    """Load the spec; each item a load-time check refuses is left out and reported, then again."""
    for _ in range(200):
        try:
            Layer(spec)
            return spec
        except LayerError as exc:
            spec = _without(spec, exc, f)
    raise LayerError("the imported layer still does not load after leaving out 200 items.")


def _without(spec: LayerSpec, exc: LayerError, f: Findings) -> LayerSpec:
    match = _LOCATION.match(exc.location or "")
    if match is None:
        raise LayerError(f"the imported layer does not load: {exc}") from None
    section, name = match.groups()
    f.add("unsupported", f"{section}.{name}", f"does not load ({exc.message}); left out.")
    if section == "relationships":
        return spec.model_copy(update={"relationships": [r for r in spec.relationships if r.from_ != name]})
    if section == "dimensions":
        return spec.model_copy(update={"dimensions": [d for d in spec.dimensions if d.name != name]})
    metrics = [m for m in spec.metrics if m.name != name]
    if section == "measures":
        users = [m for m in metrics if name in {c.name for c in parse(m.expr).find_all(exp.Column)}]
        for m in users:
            f.add("unsupported", f"metrics.{m.name}", f"uses measure '{name}', left out; so left out too.")
        metrics = [m for m in metrics if m not in users]
        return spec.model_copy(update={"measures": [m for m in spec.measures if m.name != name],
                                       "metrics": metrics})
    return spec.model_copy(update={"metrics": metrics})

