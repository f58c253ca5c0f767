"""A rule from a sentence, held to what its owner may see: "alert me when Suzhou OEE falls below 75%"
from a Ningbo plant manager is refused, not quietly turned into a rule about Ningbo.

`rule_from_sentence` reads the sentence through the user's view, and a view cannot read what it
cannot see: "Suzhou" is no member in a Ningbo manager's catalogue and a hidden metric is no metric,
so the scoped reading drops those words (the rule then watches something else than was asked) or
fails with a reason that does not say why. Reading the same sentence over the whole layer tells
which: a metric the user may not ask about, or a member outside their scope, that the whole reading
found, means the scope forbids the rule. Both readings are `rule_from_sentence`; nothing here reads
sentences itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from assistant.alerts.chat import RuleDraft, rule_from_sentence
from assistant.alerts.rules import AlertRule, Channel
from assistant.core.errors import ClarificationNeeded, FactoryAssistantError
from assistant.core.users import User
from assistant.pipeline import Pipeline
from assistant.scoped import ScopedPipeline, askable_metrics, for_user, scope_note

__all__ = ["AlertOutsideScope", "rule_within_scope"]


class AlertOutsideScope(ClarificationNeeded):
    """The sentence asks to watch data the user may not see; says which, in both languages."""


def rule_within_scope(sentence: str, pipeline: Pipeline, *, user: User | None, taken: Collection[str] = (),
                      channels: dict[str, Channel] | None = None, as_of: dt.date | None = None) -> RuleDraft:
    """`rule_from_sentence` for `user`, or AlertOutsideScope when it asks past their access.
    Other reasons a sentence cannot become a rule raise as `rule_from_sentence` raises them."""
    view = for_user(pipeline, user)
    if not isinstance(view, ScopedPipeline):  # an admin or the demo: nothing to fall outside of
        return rule_from_sentence(sentence, pipeline, user=user, taken=taken, channels=channels, as_of=as_of)
    scoped: RuleDraft | None = None
    failure: FactoryAssistantError | None = None
    try:
        scoped = rule_from_sentence(sentence, pipeline, user=user, taken=taken, channels=channels, as_of=as_of)
    except FactoryAssistantError as exc:
        failure = exc
    try:  # the whole layer's reading: only compared, never saved or shown as a rule
        whole = rule_from_sentence(sentence, view.base, user=None, taken=taken, channels=channels, as_of=as_of)
    except FactoryAssistantError:
        whole = None
    outside = _outside(whole.rule, view) if whole is not None else []
    if outside:
        raise _refusal(outside, view)
    if failure is not None:
        raise failure
    assert scoped is not None
    return scoped


def _outside(rule: AlertRule, view: ScopedPipeline) -> list[tuple[str, str]]:
    """What in the whole layer's reading the view may not see, as (en, zh) words."""
    layer = view.layer
    found: list[tuple[str, str]] = []
    if rule.metric not in askable_metrics(view):
        label = layer.metric(rule.metric).label
        found.append((label.en, label.zh))
    for f in rule.filters:
        if f.field not in layer.dimensions:
            continue
        hidden = [str(v) for v in f.values if view.values.find(f.field, str(v)) is None]
        if hidden:
            named = [view.base.values.find(f.field, key) for key in hidden]  # named as the user said them
            en = ", ".join(m.label("en") if m is not None else k for m, k in zip(named, hidden, strict=True))
            zh = "、".join(m.label("zh") if m is not None else k for m, k in zip(named, hidden, strict=True))
            label = layer.dimension(f.field).label
            found.append((f"{label.en} {en}", f"{label.zh}{zh}"))
    return found


def _refusal(outside: list[tuple[str, str]], view: ScopedPipeline) -> AlertOutsideScope:
    en = ", ".join(e for e, _ in outside)
    zh = "、".join(z for _, z in outside)
    # "(Limited to your access: Ningbo.)" when rows are limited; a role that only hides metrics has no members to name.
    note_en, note_zh = (f" {scope_note(view, 'en')}", scope_note(view, "zh")) if view.access.values else ("", "")
    return AlertOutsideScope(
        f"This alert would watch {en}, which is outside your access{note_en}: an alert can only watch data you "
        "may see. Ask your administrator if you need wider access.",
        f"这条预警要盯的{zh}不在你的访问范围内{note_zh}：预警只能盯你有权查看的数据。如需更大范围，请联系管理员。")
