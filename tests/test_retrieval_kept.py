"""The retrieval index kept in the start-up cache, and jieba loaded only for Chinese text.

Opening an index whose vectors and document tokens are in the start-up cache must give exactly
the index built the slow way (chromadb + jieba), without importing either; a Chinese question
then loads the segmenter and finds the same documents. Vectors here are made up (seeded,
unit-length): these tests are about what is kept and read back, not about the model.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from assistant.core.disk_cache import DiskCache
from assistant.understand.retrieval import RetrievalIndex, embedder
from assistant.understand.retrieval.kept import KeptIndex, kept_key
from assistant.understand.retrieval.lexical import Analyzer, LexicalIndex
from tests.test_retrieval import _docs, _ids

ROOT = Path(__file__).resolve().parents[1]
QUERIES = ("return rate of mountain bikes", "Berlin store revenue", "上个月柏林店的退货率", "各品牌山地车的退货率")


def _fake_vectors(texts: Sequence[str], progress: bool = True) -> np.ndarray:
    rng = np.random.default_rng(len(texts))
    vectors = rng.normal(size=(len(texts), 8)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


@pytest.fixture()
def fake_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embedder, "embed_documents", _fake_vectors)


def _lexical(index: RetrievalIndex) -> dict[str, list[tuple[str, float]]]:
    return {q: [(h.doc.id, h.score) for h in index.search_lexical(q, k=5)] for q in QUERIES}


def test_analyzer_loads_jieba_only_for_chinese_text() -> None:
    analyzer = Analyzer(["柏林店"])
    assert analyzer.tokens("Berlin store BER-01") == ["berlin", "store", "ber-01", "ber", "01"]
    assert not analyzer.segmenter_loaded  # Latin text needs no dictionary
    assert "柏林店" in analyzer.tokens("柏林店的退货率")  # the added word is still kept whole
    assert analyzer.segmenter_loaded


def test_given_tokens_make_the_same_lexical_index() -> None:
    texts = [d.text for d in _docs()]
    built = LexicalIndex(texts, extra_words=["柏林旗舰店"])
    again = LexicalIndex(texts, extra_words=["柏林旗舰店"], corpus=built.corpus)
    assert not again.analyzer.segmenter_loaded
    for query in QUERIES:
        assert np.array_equal(built.scores(query), again.scores(query)), query
    with pytest.raises(ValueError):
        LexicalIndex(texts, corpus=built.corpus[:-1])


@pytest.mark.usefixtures("fake_model")
def test_kept_index_opens_like_the_built_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = DiskCache(tmp_path / "startup")
    built = RetrievalIndex.build(_docs(), tmp_path / "index", progress=False, cache=cache)
    assert built.rebuilt and list((tmp_path / "startup").glob("retrieval-*.pickle"))
    import assistant.understand.retrieval.index as index_module

    # From now on the slow way fails: the index must come from the cache alone, in any doc order.
    monkeypatch.setattr(index_module, "_client_and_lock", pytest.fail)
    for docs in (_docs(), list(reversed(_docs()))):
        kept = RetrievalIndex.build(docs, tmp_path / "index", progress=False, cache=cache)
        assert kept.rebuilt is False and kept.fingerprint == built.fingerprint
        by_id = {d.id: i for i, d in enumerate(built.docs)}
        assert np.array_equal(kept._vectors, built._vectors[[by_id[d.id] for d in kept.docs]])
        assert _lexical(kept) == _lexical(built)


@pytest.mark.usefixtures("fake_model")
def test_an_entry_that_does_not_fit_is_rebuilt(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path / "startup")
    built = RetrievalIndex.build(_docs(), tmp_path / "index", progress=False, cache=cache)
    key = kept_key(built.fingerprint, ())
    short = KeptIndex(tuple(d.id for d in _docs()[1:]), built._vectors[1:], (("x",),) * (len(_docs()) - 1))
    cache.save("retrieval", key, short)
    again = RetrievalIndex.build(_docs(), tmp_path / "index", progress=False, cache=cache)
    assert _lexical(again) == _lexical(built)  # read from chromadb and re-tokenised, not from the bad entry
    fixed = cache.load("retrieval", key, KeptIndex)
    assert fixed is not None and fixed.ids == tuple(d.id for d in _docs())
    # Other added words make other tokens: they are not served from this entry.
    other = RetrievalIndex.build(_docs(), tmp_path / "index", progress=False, cache=cache, extra_words=["柏林旗舰店"])
    assert cache.load("retrieval", kept_key(other.fingerprint, ["柏林旗舰店"]), KeptIndex) is not None


@pytest.mark.usefixtures("fake_model")
def test_a_new_process_opens_the_kept_index_without_chromadb_or_jieba(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path / "startup")
    built = RetrievalIndex.build(_docs(), tmp_path / "index", progress=False, cache=cache)
    script = (
        "import json, sys\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from pathlib import Path\n"
        "from tests.test_retrieval import _docs\n"
        "from assistant.core.disk_cache import DiskCache\n"
        "from assistant.understand.retrieval import RetrievalIndex\n"
        f"ix = RetrievalIndex.build(_docs(), {str(tmp_path / 'index')!r}, progress=False,\n"
        f"                          cache=DiskCache(Path({str(cache.folder)!r})))\n"
        "english = [h.doc.id for h in ix.search_lexical('return rate of mountain bikes', k=3)]\n"
        "before = sorted(m for m in ('chromadb', 'jieba', 'torch') if m in sys.modules)\n"
        "ready = ix.lexical_ready('柏林店的退货率')\n"
        "chinese = [h.doc.id for h in ix.search_lexical('上个月柏林店的退货率', k=3)]\n"
        "print(json.dumps({'rebuilt': ix.rebuilt, 'loaded': before, 'ready': ready, 'english': english,\n"
        "                  'chinese': chinese, 'jieba': 'jieba' in sys.modules}))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["rebuilt"] is False and result["loaded"] == []
    assert result["ready"] is False and result["jieba"] is True  # the Chinese question loaded it
    assert result["english"] == _ids(built.search_lexical("return rate of mountain bikes", k=3))
    assert result["chinese"] == _ids(built.search_lexical("上个月柏林店的退货率", k=3))
    assert {"metric:return_rate", "value:store:BER-01"} <= set(result["chinese"])

