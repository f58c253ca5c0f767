"""Tests for assistant.understand.retrieval on a made-up bike-shop domain (nothing factory-specific).

Tests that embed share one module-scoped index, so the model (6-10 s to import) loads once;
that index is built with the network and chromadb's default embedding function disabled.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from assistant.core.text import cjk_ratio
from assistant.understand.retrieval import (
    Doc,
    Hit,
    RetrievalIndex,
    embedder,
    fingerprint,
)
from assistant.understand.retrieval.lexical import (
    BIGRAM_PREFIX,
    Analyzer,
    LexicalIndex,
    cjk_terms,
)

ROOT = Path(__file__).resolve().parents[1]


def _docs() -> list[Doc]:
    metrics = {
        "revenue": "revenue / 销售额 / 营业额 / sales turnover. Total money taken at the till, after discounts.",
        "units_sold": "units sold / 销量 / 销售数量 / bikes sold. Number of bikes handed over to customers.",
        "return_rate": "return rate / 退货率 / returns share. Share of sold bikes that customers brought back.",
        "avg_order_value": "average order value / 客单价 / basket size. Revenue divided by the number of orders.",
        "gross_margin": "gross margin / 毛利率. Revenue minus purchase cost, as a share of revenue.",
        "repair_tickets": "repair tickets / 维修单数 / workshop jobs. Bikes checked in for repair or service.",
        "inventory_turnover": "inventory turnover / 库存周转率 / stock turns. How often the stock is sold and replaced.",
        "customer_satisfaction": "customer satisfaction / 客户满意度 / CSAT. Average rating from after-sale surveys.",
    }
    dimensions = {
        "store": "store / 门店 / shop / branch. The physical shop where the sale happened.",
        "month": "month / 月份 / calendar month. Month of the sale date.",
        "category": "bike category / 车型类别 / bike type. Road, mountain, electric or kids bike.",
        "channel": "sales channel / 销售渠道. Online shop or in-store sale.",
        "brand": "brand / 品牌 / manufacturer. Who made the bike.",
        "salesperson": "salesperson / 销售员 / seller. Employee credited with the sale.",
    }
    values = {
        "store:BER-01": ("store", "Berlin store / 柏林店 / BER-01"),
        "store:PAR-02": ("store", "Paris store / 巴黎店 / PAR-02"),
        "store:MAD-03": ("store", "Madrid store / 马德里店 / MAD-03"),
        "store:VIE-04": ("store", "Vienna store / 维也纳店 / VIE-04"),
        "store:LIS-05": ("store", "Lisbon store / 里斯本店 / LIS-05"),
        "category:road": ("category", "road bike / 公路车 / racing bike"),
        "category:mtb": ("category", "mountain bike / 山地车 / MTB"),
        "category:ebike": ("category", "e-bike / 电动自行车 / electric bike / pedelec"),
        "category:kids": ("category", "kids bike / 童车 / children's bike"),
        "category:cargo": ("category", "cargo bike / 货运自行车 / box bike"),
        "channel:online": ("channel", "online shop / 网店 / 线上 / web store"),
        "channel:instore": ("channel", "in-store / 店内销售 / 线下 / walk-in"),
        "brand:velox": ("brand", "Velox / 维洛克斯"),
        "brand:trailhawk": ("brand", "Trailhawk / 鹰径"),
        "brand:stadtrad": ("brand", "Stadtrad / 城市轮"),
        "salesperson:anna": ("salesperson", "Anna Schmidt / 安娜"),
        "salesperson:luis": ("salesperson", "Luis Garcia / 路易斯"),
        "salesperson:mei": ("salesperson", "Mei Chen / 陈梅"),
    }
    verified = [
        "What was revenue by store last month? / 上个月各门店的销售额是多少？",
        "How many e-bikes did we sell online this year? / 今年网店卖了多少辆电动自行车？",
        "Which salesperson had the highest average order value? / 哪个销售员的客单价最高？",
        "Return rate of mountain bikes by brand / 各品牌山地车的退货率",
        "Gross margin trend per month for road bikes / 公路车每月毛利率趋势",
        "Open repair tickets in the Vienna store / 维也纳店的维修单数",
        "Inventory turnover by bike category / 各车型的库存周转率",
        "Customer satisfaction by store this quarter / 本季度各门店的客户满意度",
    ]
    docs = [Doc(f"metric:{ref}", "metric", text, {"ref": ref}) for ref, text in metrics.items()]
    docs += [Doc(f"dimension:{ref}", "dimension", text, {"ref": ref}) for ref, text in dimensions.items()]
    docs += [Doc(f"value:{ref}", "value", text, {"dimension": dim}) for ref, (dim, text) in values.items()]
    docs += [Doc(f"vq:{n}", "verified", text, {"n": n}) for n, text in enumerate(verified)]
    return docs


def _ids(hits: list[Hit]) -> list[str]:
    return [hit.doc.id for hit in hits]


# -- lexical analysis (no model) ----------------------------------------------------------


def test_ids_are_kept_whole_and_split() -> None:
    tokens = Analyzer().tokens("Line SZ-L2-M03 at BER-01")
    assert "sz-l2-m03" in tokens and {"sz", "l2", "m03"} <= set(tokens)
    assert "ber-01" in tokens and "ber" in tokens
    assert "at" not in tokens  # English stop word


def test_added_cjk_words_stay_whole_and_bigrams_bridge_segmentation() -> None:
    plain = Analyzer().tokens("设备综合效率")
    assert "设备综合效率" not in plain  # jieba alone splits it...
    tokens = Analyzer(["设备综合效率"]).tokens("设备综合效率")
    assert "设备综合效率" in tokens  # ...the user word keeps it whole
    assert BIGRAM_PREFIX + "综合" in tokens and BIGRAM_PREFIX + "合效" in tokens
    assert "的" not in Analyzer().tokens("柏林店的退货率")  # particle dropped


def test_normalisation_and_cjk_helpers() -> None:
    assert Analyzer().tokens("ＯＥＥ Return") == ["oee", "return"]  # full-width folded, lower-cased
    assert cjk_ratio("上个月柏林店的退货率") == 1.0
    assert cjk_ratio("return rate") == 0.0
    assert 0.0 < cjk_ratio("柏林店 return rate") < 0.5
    assert cjk_terms("return rate / 退货率 / 这是一个很长很长很长的描述句子") == ["退货率"]


def test_lexical_index_finds_chinese_synonym_without_model() -> None:
    docs = _docs()
    lex = LexicalIndex([d.text for d in docs])
    scores = lex.scores("上个月柏林店的退货率")
    top = [docs[i].id for i in np.argsort(-scores, kind="stable")[:3]]
    assert "metric:return_rate" in top and "value:store:BER-01" in top
    assert not lex.scores("zzz unknown words").any()
    # Every short CJK term of the docs became a segmenter word (jieba alone splits these)...
    tokens = lex.analyzer.tokens("哪个门店的库存周转率和客户满意度最低")
    assert {"库存周转率", "客户满意度"} <= set(tokens)
    # ...and extra_words adds terms that appear in no doc.
    assert "柏林旗舰店" not in tokens and "柏林旗舰店" not in lex.analyzer.tokens("柏林旗舰店")
    extra = LexicalIndex([d.text for d in docs], extra_words=["柏林旗舰店"])
    assert "柏林旗舰店" in extra.analyzer.tokens("柏林旗舰店的销量")


def test_fingerprint_ignores_order_and_payload_but_not_text() -> None:
    docs = _docs()
    base = fingerprint(docs, model="m")
    assert fingerprint(list(reversed(docs)), model="m") == base
    assert fingerprint([Doc(d.id, d.kind, d.text, {"x": 1}) for d in docs], model="m") == base
    changed = [Doc(d.id, d.kind, d.text + "!", d.payload) if i == 3 else d for i, d in enumerate(docs)]
    assert fingerprint(changed, model="m") != base
    assert fingerprint(docs, model="m2") != base
    assert fingerprint(docs, model="m", extra="v2") != base


def test_duplicate_ids_are_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="duplicate"):
        RetrievalIndex.build([Doc("a", "metric", "x"), Doc("a", "metric", "y")], tmp_path, progress=False)


# -- shared index (loads the model once) ----------------------------------------------------


class _Guard:
    """Records and refuses network connections and uses of chromadb's default embedder."""

    def __init__(self) -> None:
        self.events: list[str] = []

    def refuse(self, what: str) -> Any:
        def blocked(*args: Any, **kwargs: Any) -> Any:
            self.events.append(what)
            raise OSError(f"blocked in tests: {what}")

        return blocked


@pytest.fixture(scope="module")
def guard() -> Iterator[_Guard]:
    from chromadb.api.types import DefaultEmbeddingFunction
    from chromadb.utils.embedding_functions.onnx_mini_lm_l6_v2 import ONNXMiniLM_L6_V2

    g = _Guard()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(socket.socket, "connect", g.refuse("socket.connect"))
        mp.setattr(socket.socket, "connect_ex", g.refuse("socket.connect_ex"))
        mp.setattr(socket, "getaddrinfo", g.refuse("getaddrinfo"))
        # chromadb instantiates one DefaultEmbeddingFunction as a default argument at import
        # time, so refuse both new instances and calls on the existing ones.
        mp.setattr(DefaultEmbeddingFunction, "__init__", g.refuse("DefaultEmbeddingFunction()"))
        mp.setattr(DefaultEmbeddingFunction, "__call__", g.refuse("DefaultEmbeddingFunction.__call__"))
        mp.setattr(ONNXMiniLM_L6_V2, "__init__", g.refuse("ONNXMiniLM_L6_V2()"))
        yield g


@pytest.fixture(scope="module")
def built(guard: _Guard, tmp_path_factory: pytest.TempPathFactory) -> tuple[RetrievalIndex, float]:
    path = tmp_path_factory.mktemp("retrieval") / "index"
    embedder.get_model()  # load outside the timing, so build time is embedding + storing
    start = time.perf_counter()
    index = RetrievalIndex.build(_docs(), path, progress=False)
    return index, time.perf_counter() - start


@pytest.fixture(scope="module")
def index(built: tuple[RetrievalIndex, float]) -> RetrievalIndex:
    return built[0]


needs_model = pytest.mark.slow  # the tests below import torch and load the model once


@needs_model
def test_first_build_embeds(index: RetrievalIndex) -> None:
    assert index.rebuilt is True
    assert len(index) == len(_docs()) == 40
    assert index.get("metric:revenue") is not None


@needs_model
def test_english_queries_find_the_right_docs(index: RetrievalIndex) -> None:
    assert "metric:revenue" in _ids(index.search("how much money did each shop take in", k=3))
    hits = _ids(index.search("return rate of mountain bikes", k=3))
    assert "metric:return_rate" in hits and "value:category:mtb" in hits
    assert _ids(index.search("units sold online", k=3, kinds={"metric"}))[0] == "metric:units_sold"


@needs_model
def test_chinese_query_is_found_through_bm25(index: RetrievalIndex) -> None:
    query = "上个月柏林店的退货率"
    lexical = _ids(index.search_lexical(query, k=3))
    assert "metric:return_rate" in lexical and "value:store:BER-01" in lexical
    fused = index.search(query, k=3)
    assert {"metric:return_rate", "value:store:BER-01"} <= set(_ids(fused))
    # The model cannot read Chinese, so an all-Chinese question is ranked lexically only.
    assert all(hit.dense_rank is None and hit.lexical_rank is not None for hit in fused)
    assert _ids(index.search("各品牌山地车的退货率", k=1, kinds={"verified"})) == ["vq:3"]


@needs_model
def test_typo_query_is_rescued_by_the_dense_side(index: RetrievalIndex) -> None:
    query = "mountian bikse"  # no token of it exists in the docs...
    assert index.search_lexical(query) == []
    dense = index.search_dense(query, k=3)  # ...but the word pieces still land near the doc
    assert "value:category:mtb" in _ids(dense)
    assert all(hit.dense_score is not None and -1.0 <= hit.dense_score <= 1.0 for hit in dense)
    assert "value:category:mtb" in _ids(index.search(query, k=3))
    assert "metric:gross_margin" in _ids(index.search_dense("grosss margn", k=3))
    assert _ids(index.search_dense("retrun rate", k=1)) == ["metric:return_rate"]


@needs_model
def test_kinds_filter_applies_to_both_sides(index: RetrievalIndex) -> None:
    for search in (index.search, index.search_dense, index.search_lexical):
        hits = search("柏林店 Berlin store revenue", k=10, kinds={"value"})
        assert hits and {hit.doc.kind for hit in hits} == {"value"}
        assert hits[0].doc.id == "value:store:BER-01"
    both = index.search("revenue by store", k=40, kinds=["metric", "dimension"])
    assert {hit.doc.kind for hit in both} == {"metric", "dimension"}
    assert index.search("revenue", kinds=[]) == []


@needs_model
def test_search_is_deterministic_and_ranked(index: RetrievalIndex) -> None:
    first = index.search("gross margin of road bikes per month", k=8)
    assert first == index.search("gross margin of road bikes per month", k=8)
    assert [hit.score for hit in first] == sorted((hit.score for hit in first), reverse=True)
    assert index.search("   ") == [] and index.search("revenue", k=0) == []


@needs_model
def test_identical_docs_reuse_the_store(
    built: tuple[RetrievalIndex, float], monkeypatch: pytest.MonkeyPatch
) -> None:
    index, first_build = built
    monkeypatch.setattr(embedder, "embed_documents", pytest.fail)  # any re-embedding fails
    start = time.perf_counter()
    again = RetrievalIndex.build(list(reversed(_docs())), index.path, progress=False)
    reopen = time.perf_counter() - start
    assert again.rebuilt is False
    assert reopen < first_build
    # A fresh object over the same store returns exactly the same hits (ids and scores).
    for query in ("return rate of mountain bikes", "上个月柏林店的退货率"):
        assert [(h.doc.id, h.score) for h in again.search(query, k=5)] == [
            (h.doc.id, h.score) for h in index.search(query, k=5)
        ]


@needs_model
def test_changed_text_triggers_a_rebuild(index: RetrievalIndex, tmp_path: Path) -> None:
    docs = _docs()
    assert RetrievalIndex.build(docs, tmp_path, progress=False).rebuilt is True
    assert RetrievalIndex.build(docs, tmp_path, progress=False).rebuilt is False
    changed = [
        Doc(d.id, d.kind, "Lyon store / 里昂店 / LYS-02", d.payload) if d.id == "value:store:PAR-02" else d
        for d in docs
    ]
    rebuilt = RetrievalIndex.build(changed, tmp_path, progress=False)
    assert rebuilt.rebuilt is True
    assert _ids(rebuilt.search("里昂店", k=1)) == ["value:store:PAR-02"]
    assert _ids(rebuilt.search_dense("the Lyon shop", k=1, kinds={"value"})) == ["value:store:PAR-02"]
    assert RetrievalIndex.build(docs, tmp_path, progress=False, fingerprint_extra="v2").rebuilt is True


@needs_model
def test_no_network_and_no_default_embedding_function(guard: _Guard, index: RetrievalIndex) -> None:
    from assistant.understand.retrieval.index import COLLECTION_NAME, _client

    index.search("return rate", k=3)
    collection = _client(index.path).get_collection(COLLECTION_NAME, embedding_function=None)
    with warnings.catch_warnings():
        # chromadb records "no embedding function" as a legacy config and warns on reading it.
        warnings.simplefilter("ignore", DeprecationWarning)
        configuration = collection.configuration
    assert configuration.get("embedding_function") is None
    assert configuration["hnsw"]["space"] == "cosine"
    # Queries with our own vectors work against the stored collection.
    result = collection.query(query_embeddings=[embedder.embed_query("Berlin store")], n_results=1)
    assert result["ids"] == [["value:store:BER-01"]]
    assert guard.events == []


@needs_model
def test_reopen_in_a_fresh_process_needs_no_model(index: RetrievalIndex) -> None:
    script = (
        "import json, sys\n"
        f"sys.path.insert(0, {str(ROOT)!r}); sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        "from test_retrieval import _docs\n"
        "from assistant.understand.retrieval import RetrievalIndex\n"
        f"ix = RetrievalIndex.build(_docs(), {str(index.path)!r}, progress=False)\n"
        "hits = [h.doc.id for h in ix.search_lexical('上个月柏林店的退货率', k=3)]\n"
        "print(json.dumps({'rebuilt': ix.rebuilt, 'hits': hits, 'torch': 'torch' in sys.modules}))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result == {"rebuilt": False, "hits": result["hits"], "torch": False}
    assert {"metric:return_rate", "value:store:BER-01"} <= set(result["hits"])
