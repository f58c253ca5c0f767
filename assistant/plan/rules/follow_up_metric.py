"""The figure of a follow-up that names none: the previous one changed ('per unit instead'), one its
own words describe ('… how long did each of those repairs take?'), or the previous one kept."""

from __future__ import annotations

from assistant.plan.query import SemanticQuery
from assistant.plan.rules.metric_choice import metric_from_previous
from assistant.plan.rules.metric_guess import explains, guess_metric
from assistant.plan.rules.second_metrics import per_piece
from assistant.plan.rules.steps import Reading
from assistant.plan.rules.vocab import Vocabulary
from assistant.plan.types import PlanContext


def follow_up_metric(r: Reading, previous: SemanticQuery, text: str, ctx: PlanContext, vocab: Vocabulary) -> None:
    """Put the follow-up's figure into `r.parsed.metrics` (left empty when it is the previous one as is)."""
    parsed = r.parsed
    swapped = metric_from_previous(text, previous, ctx, vocab)
    guess = guess_metric(r.leftover.ordinary, ctx.layer) if r.leftover.ordinary else None
    if swapped:  # "energy" + "per unit instead" -> energy per unit
        parsed.metrics.append(swapped)
    elif guess is not None and guess.taken and guess.fitted >= 2 and guess.taken not in previous.metrics \
            and not any(explains(m, r.leftover.ordinary, ctx.layer) for m in previous.metrics):
        parsed.metrics.append(guess.taken)  # the words name another figure, none the earlier one explains
        parsed.guessed = guess.taken
    elif len(previous.metrics) == 1:  # '那平均到每件产品是多少度？' after the kWh by plant
        parsed.metrics.append(previous.metrics[0])
        per_piece(parsed, ctx.layer, text)
        if parsed.metrics == previous.metrics:
            parsed.metrics.clear()
