"""The layer's `access` section: roles, what each may see, and the checks of that section.

    access:
      roles:
        - name: plant_manager
          label: {en: Plant manager, zh: 工厂经理}
          row_filters:
            - {dimension: plant, value: "{user.plant_id}"}   # rows of the user's plant only
          shared_tables: [products, shifts]                 # reference data read whole
          hidden_columns: [customers.contact_email]
          hidden_metrics: [purchase_price]

A role with no row filters sees every row. Under row filters a table is readable only when it
reaches the filter's dimension through the layer's joins, or is listed in `shared_tables`;
anything else is refused for that role rather than answered for everyone. The section is data
about the layer, so it lives here; applying it to SQL is the assistant's job.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from semantic_layer.errors import LayerError, did_you_mean
from semantic_layer.models import ADMIN_ROLE, AccessSpec, Role, RowFilter

if TYPE_CHECKING:
    from semantic_layer.layer import Layer

__all__ = ["ADMIN_ROLE", "AccessSpec", "Role", "RowFilter", "check_access", "user_attribute"]

_USER_VALUE = re.compile(r"^\{user\.([A-Za-z_][A-Za-z0-9_]*)\}$")


def user_attribute(value: str) -> str | None:
    """'plant_id' for '{user.plant_id}'; None for a literal value."""
    match = _USER_VALUE.match(value.strip())
    return match.group(1) if match else None


def check_access(layer: Layer) -> None:
    """Every name a role mentions exists in the layer."""
    for i, role in enumerate(layer.spec.access.roles):
        _check_role(layer, role, f"access.roles[{i}] ({role.name})")


def _check_role(layer: Layer, role: Role, where: str) -> None:
    tables = layer.physical_schema()
    for f in role.row_filters:
        if f.dimension not in layer.dimensions:
            raise LayerError(f"row filter on unknown dimension '{f.dimension}'.", location=where,
                             suggestion=did_you_mean(f.dimension, layer.dimensions))
        if "{" in f.value and user_attribute(f.value) is None:
            raise LayerError(f"row filter value '{f.value}' is neither a literal nor {{user.<attribute>}}.",
                             location=where)
    for t in role.shared_tables:
        if t not in tables:
            raise LayerError(f"shared table '{t}' is not a physical table.", location=where,
                             suggestion=did_you_mean(t, tables))
    for c in role.hidden_columns:
        table, _, column = c.partition(".")
        if column.lower() not in {k.lower() for k in tables.get(table, {})}:
            raise LayerError(f"hidden column '{c}' is not a column of a physical table (table.column).",
                             location=where)
    for m in role.hidden_metrics:
        if m not in layer.metrics:
            raise LayerError(f"hidden metric '{m}' does not exist.", location=where,
                             suggestion=did_you_mean(m, layer.metrics))
