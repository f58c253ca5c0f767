"""Objects built while a long-running process warms up, kept out of the garbage collector's passes.

A warmed-up process holds hundreds of thousands of objects that live as long as it does: the
imported modules, the layer, the member catalogue, the planner's vocabularies, the retrieval index
and its models. The cyclic collector's full pass walks all of them, and Python starts one after
enough objects have outlived two younger passes, which an answer that fetches thousands of rows
does quickly: measured in the overhead benchmark (scale 10, 557k objects after warm-up), two full
passes in 104 answers at 320 and 460 ms, each landing inside an answer. `gc.freeze()` moves what
exists now into the permanent generation that no pass walks; what is created later (caches,
sessions) is collected as before, and reference counting still frees a frozen object the moment
nothing refers to it. Only cycles among frozen objects that later become garbage stay: what a
warm-up builds is kept for the process's life anyway.

The CLI freezes after its imports (assistant/surfaces/cli/main.py); the app and the API server
call `freeze_warmed_up` at the end of their warm-ups.
"""

from __future__ import annotations

import gc

__all__ = ["freeze_warmed_up"]


def freeze_warmed_up() -> None:
    """Keep every object alive now out of later collections (see the module docstring). Cheap
    (the collector's lists are joined, nothing is walked); call it once a warm-up has built what
    the process keeps, and again after a later warm-up step."""
    gc.freeze()
