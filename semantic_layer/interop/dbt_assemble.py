"""Put the metrics together: resolve each dbt metric, add the metrics a question needs that the
project only implies (each reported as a guess), name the measures, give every metric a unit.

Implied metrics:
- a measure no metric uses unfiltered (and not `create_metric: false`) gets a metric of its
  own name: MetricFlow lets a query filter it by any dimension, which ours can only do through
  a metric;
- a membership marker (`has_premium: expr "1"` in a sub-type of policy_amount) gets, for each
  sum of the table it marks, the metric "that sum over member rows" (`Premium Amount`): in dbt
  a query filters on the marker; ours cannot filter on a dimension it cannot join to.
"""

from __future__ import annotations

from typing import Any

from sqlglot import exp

from semantic_layer.interop.dbt_context import Ctx
from semantic_layer.interop.dbt_filters import Unsupported
from semantic_layer.interop.dbt_measures import Measures
from semantic_layer.interop.dbt_metrics import Resolver, base_unit, metric_meta
from semantic_layer.interop.dbt_names import GENERIC_UNIT, MONEY_UNIT, snake, title

Kept = list[tuple[str, dict[str, Any], exp.Expr]]


def build_metrics(ctx: Ctx) -> None:
    measures = Measures(ctx)
    res = Resolver(ctx, measures)
    kept: Kept = []
    for name, raw in res.raw.items():
        item = f"semantic_models.{_model_of(res, name)}.measures.{name}" if raw.get("_created") else f"metrics.{name}"
        res.current = name
        try:
            tree = res.resolve(name, [])
        except Unsupported as exc:
            ctx.add("unsupported", item, f"{exc}; the metric is left out.")
            continue
        _note_params(ctx, raw, item)
        kept.append((name, raw, tree))
        if isinstance(tree, exp.Column):
            res.variants[tree.name].users.append(name)
    taken = {n for n, _, _ in kept}
    kept += _exposed(ctx, res, kept, taken)
    kept += _membership_metrics(ctx, res, kept, taken)
    shown = [(n, raw, t) for n, raw, t in kept if not metric_meta(raw).get("input_only")]
    names = measures.names({c.name for _, _, t in shown for c in t.find_all(exp.Column)})
    by_token = {v.token: v for v in measures.variants.values()}
    ctx.measures = [measures.spec(by_token[tok], name) for tok, name in names.items()]
    used = {by_token[tok].base.name for tok in names} | set(names.values())
    for base in measures.bases.values():  # a measure no metric uses is still carried, as a measure
        if not base.problem and base.name not in used:
            ctx.measures.append(measures.spec(measures.variant(base, []), base.name))
    guessed: dict[str, list[str]] = {"money": [], "number": []}
    for name, raw, tree in shown:
        ctx.metrics.append(_metric(ctx, res, name, raw, tree, names, guessed))
    if guessed["money"]:
        ctx.add("guess", "units.money", f"dbt metrics have no units; {', '.join(guessed['money'])} are amounts of "
                                        "money by their names, in an unknown currency: declare a unit with its prefix "
                                        "(kind: money, prefix: {en: $}) and use it.")
    if guessed["number"]:
        ctx.add("guess", "units.number", f"dbt metrics have no units; {', '.join(guessed['number'])} use the generic "
                                         "unit 'number': declare real units (minutes, kg...) and use them.")


def _model_of(res: Resolver, measure: str) -> str:
    base = res.measures.bases.get(measure)
    return base.model.name if base else "?"


def _note_params(ctx: Ctx, raw: dict[str, Any], item: str) -> None:
    if raw.get("time_granularity"):
        ctx.add("unsupported", item, f"time_granularity {raw['time_granularity']} (a default grain) has no "
                                     "equivalent; breakdowns use the grain a question asks for.")
    spec = (raw.get("type_params") or {}).get("measure")
    if isinstance(spec, dict) and spec.get("join_to_timespine"):
        ctx.add("unsupported", item, "join_to_timespine: periods with no rows are left out of a breakdown "
                                     "rather than shown empty.")


def _exposed(ctx: Ctx, res: Resolver, kept: Kept, taken: set[str]) -> Kept:
    plain = {t.name for _, _, t in kept if isinstance(t, exp.Column)}
    out: Kept = []
    for base in res.measures.bases.values():
        if base.problem or base.create_metric is False or base.model.exported_by_us:
            continue
        variant = res.measures.variant(base, [])
        if variant.token in plain:
            continue
        name = base.name if base.name not in taken else f"{base.name}_total"
        taken.add(name)
        res.variants[variant.token] = variant
        variant.users.append(name)
        raw = {"name": name, "label": base.label, "description": base.description}
        out.append((name, raw, exp.column(variant.token)))
        ctx.add("guess", f"semantic_models.{base.model.name}.measures.{base.name}",
                f"no metric uses this measure unfiltered; imported as metric '{name}' so that it can be asked "
                "(delete it if the measure is only an input).")
    return out


def _membership_metrics(ctx: Ctx, res: Resolver, kept: Kept, taken: set[str]) -> Kept:
    whole = {t.name for _, _, t in kept if isinstance(t, exp.Column)}
    out: Kept = []
    for member in ctx.models.values():
        markers = [d for d in member.dims.values() if d.kind == "marker"]
        if not markers or member.exported_by_us:
            continue
        for rel in ctx.relationships:
            owner = ctx.model_of_table(rel["to"].split(".")[0])
            entity = next((e for e in member.entities if f"{member.table}.{e.column}" == rel["from"]), None)
            if rel["from"].split(".")[0] != member.table or owner is None or entity is None:
                continue
            for base in res.measures.bases.values():
                if base.model is not owner or base.problem or base.agg != "sum" or base_unit(base) == "count":
                    continue  # amounts over member rows; counts of them are the member table's own count
                for marker in markers:
                    test = f"{{{{ Dimension('{entity.name}__{marker.name}') }}}} = {marker.marker_value}"
                    try:
                        variant = res.measures.variant(base, [test])
                    except Unsupported:
                        continue
                    if variant.token in whole:
                        continue
                    whole.add(variant.token)
                    label = f"{title(member.name)} {title(base.name).split()[-1]}"
                    name = snake(label) if snake(label) not in taken else f"{base.name}_{member.name}"
                    taken.add(name)
                    res.variants[variant.token] = variant
                    variant.users.append(name)
                    out.append((name, {"name": name, "label": label}, exp.column(variant.token)))
                    ctx.add("guess", f"semantic_models.{member.name}.dimensions.{marker.name}",
                            f"marks the rows of '{owner.name}' with a matching '{member.name}' row; no metric filters "
                            f"on it for measure '{base.name}', so metric '{name}' ({label}) is added: {base.name} "
                            "over those rows.")
    return out


def _metric(ctx: Ctx, res: Resolver, name: str, raw: dict[str, Any], tree: exp.Expr, names: dict[str, str],
            guessed: dict[str, list[str]]) -> dict[str, Any]:
    meta = metric_meta(raw)
    label = str(raw.get("label") or "") or name
    expr = tree.transform(lambda n: exp.column(names[n.name]) if isinstance(n, exp.Column) else n)
    parts = [f"{names[t]} = {res.measures.describe(res.variants[t])}"
             for t in dict.fromkeys(c.name for c in tree.find_all(exp.Column))]
    item: dict[str, Any] = {
        "name": name, "label": {"en": title(label)},
        "description": str(raw.get("description") or "").strip() or f"{title(label)}.",
        "formula": "; ".join(parts) if isinstance(tree, exp.Column) else f"{expr.sql()}; " + "; ".join(parts),
        "expr": expr.sql(dialect="duckdb"),
    }
    if item["label"]["en"].lower().startswith("total "):  # "claim amount" asks for "Total Claim Amount"
        item["synonyms"] = {"en": [item["label"]["en"][6:]]}
    item.update({k: v for k, v in meta.items() if k not in ("unit", "input_only")})  # what dbt has no field for
    unit = meta.get("unit")
    if isinstance(unit, dict):
        ctx.units[str(unit["name"])] = unit
        item["unit"] = unit["name"]
    elif isinstance(unit, str):
        item["unit"] = unit
    else:
        item["unit"] = res.unit(tree)
        declared = {"money": MONEY_UNIT, "number": GENERIC_UNIT}.get(item["unit"])
        if declared is not None:  # count and ratio are built in
            ctx.units.setdefault(declared.name, declared.model_dump(mode="json", exclude_defaults=True))
            guessed[declared.name].append(name)
    return item
