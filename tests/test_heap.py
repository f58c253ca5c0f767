"""Issue 17 point 2: what a long-running surface built while warming up is kept out of the garbage
collector's full passes (assistant.core.heap), and the app and the API server ask for it."""

from __future__ import annotations

import gc
import inspect


def test_warmed_up_objects_are_frozen_and_later_ones_are_not() -> None:
    from assistant.core.heap import freeze_warmed_up

    before = [{"kept": i} for i in range(100)]
    try:
        freeze_warmed_up()
        assert gc.get_freeze_count() >= len(before)
        tracked = {id(o) for o in gc.get_objects()}
        assert not any(id(o) in tracked for o in before)  # no pass walks them
        after: list[list[int]] = [[]]  # a list is tracked from the start (a dict of plain values is not)
        assert id(after) in {id(o) for o in gc.get_objects()}  # collected as before
    finally:
        gc.unfreeze()


def test_the_app_and_the_api_server_freeze_after_their_warm_ups() -> None:
    from assistant.surfaces.api import app as api_app
    from assistant.surfaces.app import state

    assert "freeze_warmed_up()" in inspect.getsource(api_app.warm_up)
    assert "freeze_warmed_up()" in inspect.getsource(state._warm)
    assert "freeze_warmed_up()" in inspect.getsource(state._warm_index)
