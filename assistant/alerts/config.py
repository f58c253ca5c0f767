"""Where a deployment's alert rules come from: the alerts file (setting `alerts_file`; the demo's
example rules when the demo layer is used) merged with the rules made in the app or in chat."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, select

from assistant.alerts.rules import AlertRule, AlertsFile, check_rule, load_alerts_file
from assistant.alerts.store import rules_table
from assistant.core.settings import Settings
from semantic_layer.layer import Layer
from semantic_layer.loader import DEMO_LAYER_DIR

__all__ = ["DEMO_ALERTS", "alerts_path", "load_rules"]

DEMO_ALERTS = DEMO_LAYER_DIR.parent / "alerts.yaml"


def alerts_path(settings: Settings) -> Path | None:
    if settings.alerts_file:
        return Path(settings.alerts_file)
    return DEMO_ALERTS if settings.layer is None else None


def load_rules(settings: Settings, layer: Layer, store: Engine | None = None) -> AlertsFile:
    """The file's rules and channels, then the state database's rules (an id in both: the file's)."""
    path = alerts_path(settings)
    loaded = load_alerts_file(path, layer) if path is not None else AlertsFile()
    if store is None:
        return loaded
    known = {r.id for r in loaded.rules}
    with store.connect() as conn:
        for row in conn.execute(select(rules_table).order_by(rules_table.c.id)):
            rule = AlertRule.model_validate(row.body)
            if rule.id not in known:
                loaded.rules.append(check_rule(rule, layer, loaded.channels))
    return loaded
