"""The regression gate: accuracy must not fall below the stored baseline.

eval/baseline.json holds {"<questions file name>": {"<planner>": accuracy}}. The level
only ever rises (`update_baseline`), so a change that loses a question fails CI until it
is fixed or the baseline file is lowered by hand in a reviewed commit.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.core.errors import ConfigError
from semantic_layer.safe_write import locked_update_text

DEFAULT_BASELINE = Path("eval") / "baseline.json"
# Accuracies are correct/total rounded to 4 places; allow for that rounding, nothing more.
_EPSILON = 1e-4


@dataclass
class GateResult:
    passed: bool
    baseline: float | None
    accuracy: float
    message: str


def load_baseline(path: str | os.PathLike[str]) -> dict[str, dict[str, float]]:
    """The baseline file, {} when it does not exist yet."""
    file = Path(path)
    if not file.exists():
        return {}
    try:
        data = json.loads(file.read_text(encoding="utf-8") or "{}")
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{file}: not valid JSON ({exc.msg}, line {exc.lineno}).") from None
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise ConfigError(f"{file}: must map question file names to {{planner: accuracy}}.")
    return data


def _accuracy(summary: dict[str, Any] | float) -> float:
    return float(summary if isinstance(summary, (int, float)) else summary["accuracy"])


def check_gate(summary: dict[str, Any] | float, baseline_path: str | os.PathLike[str],
               questions_name: str, planner: str) -> GateResult:
    """Pass when accuracy >= the baseline for (questions file, planner), or no baseline exists."""
    accuracy = _accuracy(summary)
    level = load_baseline(baseline_path).get(questions_name, {}).get(planner)
    if level is None:
        return GateResult(True, None, accuracy,
                          f"no baseline for {questions_name} / {planner}; accuracy {accuracy:.1%} "
                          "(run with the baseline update to set one)")
    level = float(level)
    if accuracy + _EPSILON < level:
        return GateResult(False, level, accuracy,
                          f"regression on {questions_name} / {planner}: accuracy {accuracy:.1%} "
                          f"is below the baseline {level:.1%}")
    gained = " (above baseline: consider raising it)" if accuracy > level + _EPSILON else ""
    return GateResult(True, level, accuracy,
                      f"{questions_name} / {planner}: accuracy {accuracy:.1%} >= baseline {level:.1%}{gained}")


def update_baseline(summary: dict[str, Any] | float, baseline_path: str | os.PathLike[str],
                    questions_name: str, planner: str) -> float:
    """Raise the stored level to this accuracy if higher; never lower it. Returns the stored level."""
    accuracy = round(_accuracy(summary), 4)
    file = Path(baseline_path)
    file.parent.mkdir(parents=True, exist_ok=True)
    stored: list[float] = []

    def raise_level(text: str | None) -> str | None:
        # Read again under the lock: two gates finishing together must not drop each other's level.
        data = json.loads(text) if text and text.strip() else {}
        current = data.get(questions_name, {}).get(planner)
        if current is not None and float(current) >= accuracy:
            stored.append(float(current))
            return None
        data.setdefault(questions_name, {})[planner] = accuracy
        stored.append(accuracy)
        return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"

    locked_update_text(file, raise_level)
    return stored[0]
