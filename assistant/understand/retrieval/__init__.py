"""Generic hybrid retrieval (dense MiniLM + bilingual BM25) for finding which metrics,
dimensions, values and verified questions a user's question is about.

Domain-free: callers turn their semantic layer into `Doc`s. Heavy imports (torch,
sentence-transformers, chromadb, jieba) happen lazily, on first use.

    index = RetrievalIndex.build(docs, cache_dir / "retrieval")
    hits = index.search("上个月柏林店的退货率", k=5, kinds={"metric", "value"})
"""

from assistant.understand.retrieval.index import (
    FORMAT_VERSION,
    Doc,
    Hit,
    RetrievalIndex,
    fingerprint,
)

__all__ = ["FORMAT_VERSION", "Doc", "Hit", "RetrievalIndex", "fingerprint"]
