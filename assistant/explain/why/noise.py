"""Is a change more than the figure's usual movement? Pure: a history of values in, a verdict out.

The typical movement is the root mean square of the period-to-period changes over the
preceding periods (how far the figure usually moves from one period to the next, whatever
the direction). A change within `BAND` times that is "within normal variation"; with fewer
than `MIN_CHANGES` earlier changes there are too few data to say.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

HISTORY = 8  # periods looked back at (the compared earlier period is the last of them)
MIN_CHANGES = 4
BAND = 2.0

Verdict = Literal["unusual", "normal", "too_few"]


@dataclass(frozen=True)
class Noise:
    verdict: Verdict
    typical: float | None  # the usual period-to-period movement (None: too few data)
    changes: int  # how many earlier changes it was judged from


def judge(change: float | None, history: Sequence[float | None]) -> Noise:
    """`history`: the figure over the periods before the later one, oldest first (gaps as None)."""
    moves = [b - a for a, b in itertools.pairwise(history) if a is not None and b is not None]
    if change is None or len(moves) < MIN_CHANGES:
        return Noise("too_few", None, len(moves))
    typical = math.sqrt(sum(m * m for m in moves) / len(moves))
    if abs(change) <= BAND * typical:
        return Noise("normal", typical, len(moves))
    return Noise("unusual", typical, len(moves))
