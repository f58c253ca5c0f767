"""Entities -> relationships.

MetricFlow joins two semantic models on an entity of the same name that is primary (or unique)
in the target. Here each entity name has one owner: the semantic model named after it (or with
its measures, or the first), and

- a foreign entity joins the owner many-to-one;
- a primary or unique entity of another model (a sub-type: loss_payment of claim_amount) joins
  the owner one-to-one, from the sub-type to the owner. The other way round is not declared:
  an owner row may have no sub-type row, which `layer validate` would report as an orphan.
- a foreign entity no model holds as primary or unique joins nothing, and is reported (with the
  name it was probably meant to have).
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from semantic_layer.interop.dbt_context import Ctx, Entity, Model

_STEM = re.compile(r"_(id|identifier|key|code|number|no)$")


def relate(ctx: Ctx) -> None:
    holders: dict[str, list[Model]] = {}
    for model in ctx.models.values():
        for e in model.entities:
            if e.kind in ("primary", "unique"):
                holders.setdefault(e.name, []).append(model)
    owners = {name: _owner(ctx, name, models) for name, models in holders.items()}
    for model in ctx.models.values():
        for e in model.entities:
            _relate_entity(ctx, model, e, owners.get(e.name), holders)
    for model in ctx.models.values():  # what our own export recorded that dbt cannot say
        for r in model.meta.get("many_to_many") or []:
            ctx.relationships.append({"from": r["from"], "to": r["to"], "cardinality": "many_to_many"})
        for rel in ctx.relationships:
            if rel["from"] in (model.meta.get("many_to_one") or []):
                rel.pop("cardinality", None)


def _relate_entity(ctx: Ctx, model: Model, e: Entity, owner: Model | None, holders: dict[str, list[Model]]) -> None:
    where = f"semantic_models.{model.name}.entities.{e.name}"
    if owner is None:
        _unmatched(ctx, model, e.name, e.column, holders, where)
        return
    if owner is model:
        if e.kind == "foreign":
            ctx.add("unsupported", where, "a foreign entity naming this model's own primary entity (a self-join) "
                                          "cannot be expressed; no relationship.")
        return
    target = owner.entity(e.name)
    assert target is not None  # an owner holds the entity by definition
    rel: dict[str, Any] = {"from": f"{model.table}.{e.column}", "to": f"{owner.table}.{target.column}"}
    if e.column in model.key_columns():  # key to key: each row has at most one on either side
        rel["cardinality"] = "one_to_one"
    if not any(r["from"] == rel["from"] and r["to"] == rel["to"] for r in ctx.relationships):
        ctx.relationships.append(rel)


def _owner(ctx: Ctx, name: str, models: list[Model]) -> Model:
    primaries = [m for m in models if (e := m.entity(name)) is not None and e.kind == "primary"] or models
    if len(primaries) == 1:
        owner = primaries[0]
    else:
        stem = _STEM.sub("", name)
        named = [m for m in primaries if m.name in (name, stem) or m.table in (name, stem)]
        measured = [m for m in primaries if m.raw.get("measures")]
        owner = (named or measured or primaries)[0]
    if len(models) > 1 and not all(m.exported_by_us for m in models):
        others = [m.name for m in models if m is not owner]
        holders = ", ".join(m.name for m in models)
        ctx.add("guess", f"entities.{name}",
                f"the primary or unique entity of {len(models)} semantic models ({holders}): foreign entities join "
                f"'{owner.name}', and the others ({', '.join(others)}) join it one-to-one; a join from '{owner.name}' "
                "to them is not declared (one of its rows may have none).")
    return owner


def _unmatched(ctx: Ctx, model: Model, name: str, column: str, holders: dict[str, list[Model]], where: str) -> None:
    same_column = [(n, m.name) for n, ms in holders.items() for m in ms
                   if m is not model and (e := m.entity(n)) is not None and e.column == column]
    # A near spelling only ('assessment_sdentifier'): a looser match names another thing.
    close = difflib.get_close_matches(name, list(holders), n=1, cutoff=0.85)
    hint = f"Did you mean '{close[0]}'?" if close else None
    if same_column:
        n, m = same_column[0]
        ctx.add("defect", where, f"no semantic model has '{name}' as its primary or unique entity, so it joins "
                                 f"nothing; '{m}' has entity '{n}' on the same column '{column}': give both "
                                 "one name to join them.")
    elif hint:
        ctx.add("defect", where, f"no semantic model has '{name}' as its primary or unique entity, so it joins "
                                 f"nothing. {hint}")
    else:
        ctx.add("unsupported", where, f"no semantic model has '{name}' as its primary or unique entity: there "
                                      "is nothing to join it to, so it carries no relationship.")
