"""A small hybrid (dense + BM25) retrieval index with a content-hashed, persisted dense side.

Dense vectors live in a chromadb collection at `path` so a second open is instant; the BM25
side is rebuilt in memory on every open (milliseconds for thousands of docs). Searching is
done in memory: an exact dot product over the (unit-length) vectors loaded from chromadb is
~0.2 ms for 2000 docs, cheaper than a chromadb query (~1 ms, ~4 ms with a `where` filter),
exact rather than approximate, and therefore deterministic.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from assistant.core.text import CJK_RUN, cjk_ratio
from assistant.core.text import plain as normalize
from assistant.understand.retrieval import embedder
from assistant.understand.retrieval.kept import KeptIndex, kept_key
from assistant.understand.retrieval.lexical import LexicalIndex

if TYPE_CHECKING:  # pragma: no cover - imports for type checkers only
    from chromadb.api import ClientAPI
    from chromadb.api.models.Collection import Collection as ChromaCollection

    from assistant.core.disk_cache import DiskCache

# Bump when the stored layout or the embedding recipe changes: old indexes then rebuild.
FORMAT_VERSION = 1
COLLECTION_NAME = "retrieval-index"
# Reciprocal rank fusion constant (Cormack et al. 2009); damps the influence of rank 1.
RRF_K = 60
# How deep each ranking is fused. Deeper than k so a doc ranked 15th on one side and 2nd on
# the other can still surface; bounded so fusion stays well under a millisecond.
FUSION_DEPTH = 100

PayloadValue = str | int | float | bool


@dataclass(frozen=True)
class Doc:
    """One retrievable item: `text` is what gets embedded and tokenised."""

    id: str
    kind: str
    text: str
    payload: dict[str, PayloadValue] = field(default_factory=dict)


@dataclass(frozen=True)
class Hit:
    """A search result. Ranks are 1-based within the (kind-filtered) ranking of each side."""

    doc: Doc
    score: float
    dense_rank: int | None
    lexical_rank: int | None
    # Raw evidence, so callers can apply absolute thresholds that rank fusion cannot give.
    dense_score: float | None = None  # cosine similarity
    lexical_score: float | None = None  # BM25


_clients: dict[str, tuple[ClientAPI, threading.Lock]] = {}
_clients_lock = threading.Lock()


def _client_and_lock(path: Path) -> tuple[ClientAPI, threading.Lock]:
    """One PersistentClient (and one build lock) per path per process.

    chromadb caches its own system per path and raises if a second client on the same path
    asks for different Settings; a cache here guarantees we always ask with the same ones.
    The lock stops two threads building the same path from deleting each other's collection.
    """
    key = str(path.resolve())
    with _clients_lock:
        entry = _clients.get(key)
        if entry is None:
            import chromadb
            from chromadb.config import Settings

            client = chromadb.PersistentClient(path=key, settings=Settings(anonymized_telemetry=False))
            entry = (client, threading.Lock())
            _clients[key] = entry
        return entry


def _client(path: Path) -> ClientAPI:
    return _client_and_lock(path)[0]


def fingerprint(docs: Sequence[Doc], *, model: str, extra: str = "") -> str:
    """Content hash of what the stored vectors depend on.

    Only id, kind and text: payloads are served from the caller's docs, never from the
    store, so editing a payload must not cost a re-embedding. Docs are hashed in id order
    because the store is keyed by id; reordering the input changes nothing stored.
    """
    digest = hashlib.sha256()
    header = {"format": FORMAT_VERSION, "model": model, "extra": extra, "count": len(docs)}
    digest.update(json.dumps(header, sort_keys=True).encode())
    for doc in sorted(docs, key=lambda d: d.id):
        digest.update(json.dumps([doc.id, doc.kind, doc.text], ensure_ascii=False).encode())
        digest.update(b"\n")
    return digest.hexdigest()


def _validate(docs: Sequence[Doc]) -> None:
    seen: set[str] = set()
    for doc in docs:
        if not isinstance(doc.id, str) or not doc.id:
            raise ValueError(f"every Doc needs a non-empty string id, got {doc.id!r}")
        if doc.id in seen:
            raise ValueError(f"duplicate Doc id {doc.id!r}")
        seen.add(doc.id)


def _get_collection(client: ClientAPI) -> ChromaCollection | None:
    from chromadb.errors import NotFoundError

    try:
        # embedding_function=None: the collection only ever holds precomputed vectors, and
        # the default would be chromadb's ONNX model, which it tries to download.
        return client.get_collection(COLLECTION_NAME, embedding_function=None)
    except (NotFoundError, ValueError):
        return None


def _load_current(client: ClientAPI, docs: Sequence[Doc], fp: str) -> np.ndarray | None:
    """The stored vectors in `docs` order if the store matches `fp` exactly, else None."""
    collection = _get_collection(client)
    if collection is None:
        return None
    meta = collection.metadata or {}
    if meta.get("fingerprint") != fp or meta.get("count") != len(docs):
        return None
    if not docs:
        return np.zeros((0, int(meta.get("dim", 0))), dtype=np.float32)
    stored = collection.get(include=["embeddings"])
    vectors = stored["embeddings"]
    if vectors is None:
        return None
    by_id = dict(zip(stored["ids"], vectors, strict=True))
    if len(by_id) != len(docs) or any(doc.id not in by_id for doc in docs):
        return None  # a half-written or hand-edited store: rebuild rather than guess
    return np.asarray([by_id[doc.id] for doc in docs], dtype=np.float32)


def _store(client: ClientAPI, docs: Sequence[Doc], vectors: np.ndarray, fp: str) -> None:
    """Replace the collection; the fingerprint is written last, so an interrupted build
    leaves a store that the next open recognises as stale."""
    from chromadb.errors import NotFoundError

    with contextlib.suppress(NotFoundError, ValueError):
        client.delete_collection(COLLECTION_NAME)
    collection = client.create_collection(
        COLLECTION_NAME,
        configuration={"hnsw": {"space": "cosine"}},
        metadata={"fingerprint": "incomplete"},
        embedding_function=None,
    )
    step = max(1, min(client.get_max_batch_size(), 5000))
    for start in range(0, len(docs), step):
        chunk = docs[start : start + step]
        collection.add(
            ids=[doc.id for doc in chunk],
            embeddings=vectors[start : start + step],
            documents=[doc.text for doc in chunk],
            metadatas=[{"kind": doc.kind} for doc in chunk],
        )
    collection.modify(
        metadata={
            "fingerprint": fp,
            "format_version": FORMAT_VERSION,
            "model": embedder.model_name(),
            "count": len(docs),
            "dim": int(vectors.shape[1]) if vectors.ndim == 2 else 0,
        }
    )


class RetrievalIndex:
    """Hybrid search over a fixed set of docs. Build with `RetrievalIndex.build(...)`."""

    def __init__(
        self,
        docs: Sequence[Doc],
        path: Path,
        vectors: np.ndarray,
        lexical: LexicalIndex,
        *,
        rebuilt: bool,
        fingerprint: str,
    ) -> None:
        self.docs: Sequence[Doc] = tuple(docs)
        self.path = path
        self.rebuilt = rebuilt
        self.fingerprint = fingerprint
        self._vectors = vectors
        self._lexical = lexical
        self._kinds = np.asarray([doc.kind for doc in self.docs], dtype=object)
        self._by_id = {doc.id: doc for doc in self.docs}
        self._masks: dict[frozenset[str], np.ndarray] = {}

    @classmethod
    def build(
        cls,
        docs: Sequence[Doc],
        path: str | os.PathLike[str],
        *,
        progress: bool = True,
        fingerprint_extra: str = "",
        extra_words: Iterable[str] = (),
        cache: DiskCache | None = None,
    ) -> RetrievalIndex:
        """Open the index at `path`, re-embedding only if the docs (or model) changed.

        `extra_words` are added to the Chinese segmenter's dictionary (every short CJK run
        in the docs' texts already is), so domain terms are kept whole. With `cache` (the
        start-up cache), vectors and document tokens of the same docs are read from there and
        chromadb is not even imported; the chromadb store stays the lasting copy.
        """
        docs = tuple(docs)
        _validate(docs)
        words = tuple(extra_words)
        root = Path(path)
        root.mkdir(parents=True, exist_ok=True)
        fp = fingerprint(docs, model=embedder.model_name(), extra=fingerprint_extra)
        key = kept_key(fp, words) if cache is not None and cache.enabled else None
        kept = cache.load("retrieval", key, KeptIndex) if cache is not None and key else None
        ordered = kept.in_order(docs) if kept is not None else None
        if ordered is not None:
            vectors, tokens = ordered
            lexical = LexicalIndex([doc.text for doc in docs], extra_words=words, corpus=tokens)
            return cls(docs, root, vectors, lexical, rebuilt=False, fingerprint=fp)
        client, lock = _client_and_lock(root)
        with lock:
            stored = _load_current(client, docs, fp)
            rebuilt = stored is None
            if stored is None:
                # An empty index needs no model: skip the multi-second torch import.
                texts = [doc.text for doc in docs]
                stored = embedder.embed_documents(texts, progress=progress) if docs else np.zeros((0, 0), np.float32)
                _store(client, docs, stored, fp)
        lexical = LexicalIndex([doc.text for doc in docs], extra_words=words)
        if cache is not None and key:
            cache.save("retrieval", key, KeptIndex(tuple(d.id for d in docs), stored,
                                                   tuple(tuple(t) for t in lexical.corpus)))
        return cls(docs, root, stored, lexical, rebuilt=rebuilt, fingerprint=fp)

    def load_segmenter(self) -> None:
        """Load the Chinese segmenter now (see Analyzer), so no question waits for it."""
        self._lexical.analyzer.load_segmenter()

    def lexical_ready(self, query: str) -> bool:
        """A lexical search for `query` loads nothing: it has no CJK text, or the segmenter is loaded."""
        return self._lexical.analyzer.segmenter_loaded or not CJK_RUN.search(normalize(query))

    def __len__(self) -> int:
        return len(self.docs)

    def get(self, doc_id: str) -> Doc | None:
        return self._by_id.get(doc_id)

    # -- rankings -------------------------------------------------------------------------

    def _mask(self, kinds: Collection[str] | None) -> np.ndarray | None:
        if kinds is None:
            return None
        key = frozenset(kinds)
        mask = self._masks.get(key)
        if mask is None:
            mask = np.isin(self._kinds, list(key)) if key else np.zeros(len(self.docs), dtype=bool)
            self._masks[key] = mask  # benign race: every thread computes the same array
        return mask

    @staticmethod
    def _rank(values: np.ndarray, candidates: np.ndarray) -> np.ndarray:
        """Candidates by descending value; ties by doc position (stable sort) - deterministic."""
        return candidates[np.argsort(-values[candidates], kind="stable")]

    def _dense(self, query: str, mask: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        if not self.docs or not query.strip():
            return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.float32)
        # einsum, not `@`: `@` hands this matrix-vector product to OpenBLAS, whose worker
        # threads then spin against torch's for the next query's forward pass (measured on
        # 2 cores: +20-45 ms per search); einsum's own loop is single-threaded, ~0.2 ms.
        sims = np.einsum("ij,j->i", self._vectors, embedder.embed_query(query))
        candidates = np.arange(len(self.docs)) if mask is None else np.flatnonzero(mask)
        return self._rank(sims, candidates), sims

    def _lex(self, query: str, mask: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        scores = self._lexical.scores(query)
        hit = scores > 0  # a doc sharing no token with the query is not a lexical match
        if mask is not None:
            hit &= mask
        return self._rank(scores, np.flatnonzero(hit)), scores

    # -- public search --------------------------------------------------------------------

    def search_dense(self, query: str, *, k: int = 10, kinds: Collection[str] | None = None) -> list[Hit]:
        """Nearest docs by cosine similarity; `score` is the similarity."""
        if k <= 0:
            return []
        order, sims = self._dense(query, self._mask(kinds))
        return [
            Hit(self.docs[i], float(sims[i]), rank, None, dense_score=float(sims[i]))
            for rank, i in enumerate(order[:k].tolist(), start=1)
        ]

    def search_lexical(self, query: str, *, k: int = 10, kinds: Collection[str] | None = None) -> list[Hit]:
        """Docs sharing tokens with the query, by BM25; `score` is the BM25 score."""
        if k <= 0:
            return []
        order, scores = self._lex(query, self._mask(kinds))
        return [
            Hit(self.docs[i], float(scores[i]), None, rank, lexical_score=float(scores[i]))
            for rank, i in enumerate(order[:k].tolist(), start=1)
        ]

    def search(self, query: str, *, k: int = 10, kinds: Collection[str] | None = None) -> list[Hit]:
        """Reciprocal rank fusion of the dense and lexical rankings.

        The dense weight falls with the query's share of CJK characters: the model maps
        most Chinese characters to [UNK], so for an all-Chinese question its ranking is
        noise (weight 0, and the ~12 ms embedding is skipped), while a Latin question
        weighs both sides equally.
        """
        if k <= 0 or not query.strip():
            return []
        mask = self._mask(kinds)
        dense_weight = 1.0 - cjk_ratio(query)
        lexical_weight = 1.0
        fused: dict[int, float] = {}
        dense_rank: dict[int, int] = {}
        lexical_rank: dict[int, int] = {}
        sims: np.ndarray | None = None
        if dense_weight > 0:
            order, sims = self._dense(query, mask)
            for rank, i in enumerate(order[:FUSION_DEPTH].tolist(), start=1):
                dense_rank[i] = rank
                fused[i] = fused.get(i, 0.0) + dense_weight / (RRF_K + rank)
        order, scores = self._lex(query, mask)
        for rank, i in enumerate(order[:FUSION_DEPTH].tolist(), start=1):
            lexical_rank[i] = rank
            fused[i] = fused.get(i, 0.0) + lexical_weight / (RRF_K + rank)
        best = sorted(fused.items(), key=lambda item: (-item[1], item[0]))[:k]
        return [
            Hit(
                self.docs[i],
                score,
                dense_rank.get(i),
                lexical_rank.get(i),
                dense_score=float(sims[i]) if sims is not None else None,
                lexical_score=float(scores[i]) if i in lexical_rank else None,
            )
            for i, score in best
        ]
