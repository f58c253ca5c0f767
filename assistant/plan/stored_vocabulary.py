"""The rule planner with its vocabularies kept on disk between processes.

Building the vocabulary (every surface form of the layer's names and members, with their
partial and plural forms) and the trace mentions' vocabulary is a tenth of a second or more of a
CLI start; reading them back is a few milliseconds. Both are functions of the layer and the
member catalogue alone, so their fingerprints are the whole key (the disk cache adds the code):
it is safe to keep them whatever the database is, because a changed catalogue has another
fingerprint.
"""

from __future__ import annotations

import threading

from assistant.core.disk_cache import DiskCache
from assistant.plan.rules.planner import RulePlanner
from assistant.plan.rules.vocab import Vocabulary
from assistant.plan.trace import mentions
from assistant.plan.types import PlanContext


class StoredVocabularyPlanner(RulePlanner):
    """A RulePlanner that reads its vocabularies from `disk` before building them (and saves them after)."""

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
                self._trace_vocabulary(ctx, key)
            return found

    def _trace_vocabulary(self, ctx: PlanContext, key: tuple[str, str]) -> None:
        """The trace mentions' vocabulary for the same layer and catalogue (planning reads it
        for every question, to tell a trace from a metric question)."""
        trace = self._disk.load("trace-vocabulary", key, mentions.Vocab)
        if trace is None:
            self._disk.save("trace-vocabulary", key, mentions.vocab_for(ctx.layer, ctx.values))
        else:
            mentions.remember(ctx.layer, ctx.values, trace)
