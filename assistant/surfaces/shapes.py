"""Wire shapes every surface shares: what `ask --json` prints is what `POST /v1/ask` returns.

One function, so a field added for one surface reaches the other and the two cannot drift.
"""

from __future__ import annotations

from typing import Any

from assistant.explain.answer import Answer

__all__ = ["answer_json", "options"]


def options(answer: Answer) -> list[dict[str, Any]]:
    """What a clarify answer offers: its labelled choices, else its suggestions (each asks itself)."""
    if answer.status != "clarify":
        return []
    choices: list[dict[str, Any]] = answer.extras.get("choices") or []
    return choices or [{"label": s, "question": s, "value": s} for s in answer.suggestions]


def answer_json(answer: Answer) -> dict[str, Any]:
    """`Answer.to_json()`, plus `options` ({"label", "question", "value"} each) on a clarify answer."""
    payload = answer.to_json()
    if answer.status == "clarify":
        payload["options"] = options(answer)
    return payload
