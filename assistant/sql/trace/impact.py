"""What a forward trace puts at risk, as figures: the affected nodes, shipped or still in the
plant (see `delivery.delivery_flag` for the shipped flag), and the nodes to notify.

Read from the trace statement's measure rows; the sentence about them is the explain stage's.
"""

from __future__ import annotations

from typing import Any

from assistant.sql.trace.delivery import EARLIER, OTHER, SHIPPED, filters_delivery
from assistant.sql.trace.result import TraceLevel
from assistant.sql.trace.statements import WalkSpec
from semantic_layer.genealogy import GenealogyGraph

_SPLIT = {SHIPPED: "matching", EARLIER: "earlier", OTHER: "other"}


def _slot() -> dict[str, Any]:
    return {"count": 0, "quantity": 0.0}


def _add(slot: dict[str, Any], n: int, qty: Any) -> None:
    slot["count"] += n
    slot["quantity"] += float(qty or 0)


def impact_figures(graph: GenealogyGraph, spec: WalkSpec, levels: list[TraceLevel],
                   measures: list[tuple[Any, ...]]) -> dict[str, Any]:
    """Quantity affected, shipped vs still in the plant (whatever the question's delivery
    filter), the split by that filter when there is one, and the nodes to notify."""
    impact_spec = graph.spec.impact
    by_node = {lv.node: lv for lv in levels}
    affected = by_node.get(impact_spec.affected or "")
    if "forward" not in spec.directions or affected is None or affected.index < 0:
        return {}
    filtered = filters_delivery(spec, impact_spec.delivered_via)
    out: dict[str, Any] = {"node": affected.node, "label": affected.label, "count": affected.count,
                           "quantity": affected.quantity, "by_status": {}, "shipped": _slot(),
                           "not_shipped": {**_slot(), "by_status": {}},
                           # shipped, split by the question's filter on the delivery node (None: no such filter)
                           "delivery_filter": ({"node": impact_spec.delivered_via, "matching": _slot(),
                                                "earlier": _slot(), "other": _slot()} if filtered else None)}
    for node, status, flag, n, qty in measures:
        if node != affected.node:
            continue
        key = str(status) if status is not None else "—"
        _add(out["by_status"].setdefault(key, _slot()), n, qty)
        if flag in _SPLIT:
            _add(out["shipped"], n, qty)
            if filtered:
                _add(out["delivery_filter"][_SPLIT[flag]], n, qty)
        else:
            _add(out["not_shipped"], n, qty)
            _add(out["not_shipped"]["by_status"].setdefault(key, _slot()), n, qty)
    delivered = by_node.get(impact_spec.delivered_via or "")
    out["delivered_quantity"] = delivered.quantity if delivered else 0.0
    notify = by_node.get(impact_spec.notify or "")
    if notify is not None and notify.index > 0:
        out["notify"] = [{"id": str(r[0]), "name": str(r[1]) if len(r) > 1 else str(r[0])} for r in notify.rows]
        out["notify_label"] = notify.label
    else:
        out["notify"] = []
    return out
