"""The rule planner with its vocabulary kept on disk between processes.

Building the vocabulary (every surface form of the layer's names and members, with their
partial and plural forms) is a tenth of a second or more of a CLI start; reading it back is a
few milliseconds. The vocabulary is a function of the layer and the member catalogue alone, so
their fingerprints are the whole key (the disk cache adds the code): it is safe to keep whatever
the database is, because a changed catalogue has another fingerprint.
"""

from __future__ import annotations

import threading

from assistant.core.disk_cache import DiskCache
from assistant.plan.rules.planner import RulePlanner
from assistant.plan.rules.vocab import Vocabulary
from assistant.plan.types import PlanContext


class StoredVocabularyPlanner(RulePlanner):
    """A RulePlanner that reads its vocabulary from `disk` before building it (and saves it after)."""

    def __init__(self, disk: DiskCache) -> None:
        super().__init__()
        self._disk = disk
        self._stored: dict[tuple[str, str], Vocabulary] = {}
        self._stored_lock = threading.Lock()

    def vocabulary(self, ctx: PlanContext) -> Vocabulary:
        if not self._disk.enabled:
            return super().vocabulary(ctx)
        key = (ctx.layer.fingerprint, ctx.values.fingerprint)
        with self._stored_lock:
            found = self._stored.get(key)
            if found is None:
                found = self._disk.load("vocabulary", key, Vocabulary)
                if found is None:
                    found = super().vocabulary(ctx)
                    self._disk.save("vocabulary", key, found)
                self._stored[key] = found
            return found
