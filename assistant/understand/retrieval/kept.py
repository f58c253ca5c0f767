"""An open index's vectors and document tokens, kept in the start-up cache (core/disk_cache.py).

The key is the index's content fingerprint (docs' ids, kinds and texts, the embedding model, the
caller's layer and catalogue fingerprints) plus what the tokens also depend on; the start-up cache
adds the code. An entry that does not fit the docs asked for is ignored and the index opens the
slow way (chromadb, jieba), then saves a fresh entry.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pragma: no cover - the index module imports this one
    from assistant.understand.retrieval.index import Doc


@dataclass(frozen=True)
class KeptIndex:
    """What an open index is made of, kept in the start-up cache: with it, opening again needs
    neither chromadb (~2.8 s to import and open) nor jieba's dictionary (~1.4 s, only for the
    documents' tokens; a Chinese question still loads it on first use)."""

    ids: tuple[str, ...]
    vectors: np.ndarray
    tokens: tuple[tuple[str, ...], ...]

    def in_order(self, docs: Sequence[Doc]) -> tuple[np.ndarray, list[tuple[str, ...]]] | None:
        """Vectors and tokens in `docs` order (the fingerprint ignores order), None if they differ."""
        where = {doc_id: i for i, doc_id in enumerate(self.ids)}
        if len(where) != len(docs) or len(self.tokens) != len(docs) or self.vectors.shape[0] != len(docs):
            return None
        try:
            order = [where[doc.id] for doc in docs]
        except KeyError:
            return None
        return self.vectors[order] if docs else self.vectors, [self.tokens[i] for i in order]


def kept_key(fp: str, extra_words: Collection[str]) -> tuple[str, ...]:
    """The fingerprint covers texts and model; the tokens also depend on the added words and on
    jieba's own dictionary (our code is in every start-up cache key already)."""
    from importlib import metadata

    words = hashlib.sha256("\n".join(sorted(set(extra_words))).encode()).hexdigest()
    return (fp, words, metadata.version("jieba"), metadata.version("bm25s"))
