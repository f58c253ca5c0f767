"""The retrieval index never holds up an answer: it is built beside questions, not in their way.

- building it (seconds) does not keep a question from reading the member catalogue;
- the rule planner's hints use it only once nothing is left to load for the question (an
  English question needs no Chinese segmenter, a Chinese one waits until it is loaded);
- the app opens it after its first answer, once per pipeline, not under the first screen.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import assistant.understand.retrieval.documents as documents
from assistant.core.settings import Settings
from assistant.pipeline import Pipeline
from assistant.scoped import ScopedPipeline
from assistant.surfaces.app import state
from assistant.understand.retrieval import embedder
from tests.conftest import EVAL_END

ROOT = Path(__file__).resolve().parents[1]
LIVENESS_S = 120  # only so a deadlock fails instead of hanging the run; no speed is asserted


def _fake_vectors(texts: Sequence[str], progress: bool = True) -> np.ndarray:
    vectors = np.random.default_rng(7).normal(size=(len(texts), 8)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def _pipeline(db: Path, tmp_path: Path) -> Pipeline:
    # The spill folder of the session's other connections to the same file (DuckDB wants one per file).
    settings = Settings(db=str(db), as_of=EVAL_END, cache_dir=str(tmp_path / "cache"),
                        index_dir=str(tmp_path / "index"), temp_dir=str(Settings().temp_path()))
    return Pipeline.from_settings(settings)


def test_a_question_is_answered_while_the_index_is_being_built(demo_db: Path, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    entered, release = threading.Event(), threading.Event()

    def slow_open(*args: Any, **kwargs: Any) -> Any:
        entered.set()
        release.wait(LIVENESS_S)
        raise RuntimeError("no index in this test")

    monkeypatch.setattr(documents, "open_index", slow_open)
    pipeline = _pipeline(demo_db, tmp_path)
    builder = threading.Thread(target=_try_index, args=(pipeline,), daemon=True)
    builder.start()
    assert entered.wait(LIVENESS_S)
    answers: list[Any] = []
    asker = threading.Thread(target=lambda: answers.append(pipeline.ask("What was OEE by plant last month?")),
                             daemon=True)
    asker.start()
    asker.join(LIVENESS_S)
    still_building = not release.is_set()
    release.set()
    builder.join(LIVENESS_S)
    pipeline.close()
    assert still_building and answers and answers[0].status == "ok", "the answer waited for the index"


def _try_index(pipeline: Pipeline) -> None:
    with contextlib.suppress(RuntimeError):  # the stand-in open_index above fails once released
        pipeline.index  # noqa: B018


def test_hints_are_used_only_when_nothing_is_left_to_load(demo_db: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embedder, "embed_documents", _fake_vectors)
    first = _pipeline(demo_db, tmp_path)
    assert not first.hints_ready("scrap rate") and first._retrieve("scrap rate", lexical=True) == []
    first.index  # noqa: B018  (built the slow way: chromadb, jieba; kept in the start-up cache)
    first.close()
    second = _pipeline(demo_db, tmp_path)  # a new process would find it the same way
    index = second.index
    assert index.rebuilt is False
    english, chinese = "scrap rate", "报废率"
    assert second.hints_ready(english) and not second.hints_ready(chinese)
    assert "metric:scrap_rate" in [h.doc.id for h in second._retrieve(english, k=3, lexical=True)]
    assert second._retrieve(chinese, k=3, lexical=True) == []  # would have loaded jieba on the question's path
    second.warm_index()
    assert second.hints_ready(chinese)
    assert "metric:scrap_rate" in [h.doc.id for h in second._retrieve(chinese, k=3, lexical=True)]
    second.close()


def test_the_app_opens_the_index_after_its_first_answer_once(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import weakref

    warmed: list[Pipeline] = []
    called = threading.Event()

    def record(pipeline: Pipeline) -> None:
        warmed.append(pipeline)
        called.set()

    monkeypatch.setattr(state, "_warm_index", record)
    monkeypatch.setattr(state, "_index_warm_started", weakref.WeakSet())
    monkeypatch.setenv("FA_DB", str(demo_db))
    monkeypatch.setenv("FA_AS_OF", "2025-12-31")
    monkeypatch.setenv("FA_CONFIG", str(ROOT / "does-not-exist.toml"))
    for var in ("FA_LLM_PROVIDER", "FA_LLM_MODEL", "FA_LLM_BASE_URL", "FA_LLM_API_KEY"):
        monkeypatch.delenv(var, raising=False)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180).run()
    assert not at.exception and warmed == []  # the first screen does not start it
    for question in ("What was OEE by plant last month?", "and by shift?"):
        at.chat_input(key="chat_input").set_value(question).run()
        assert not at.exception
    assert called.wait(LIVENESS_S)
    assert len(warmed) == 1 and not isinstance(warmed[0], ScopedPipeline)
