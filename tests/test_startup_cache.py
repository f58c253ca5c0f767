"""The start-up cache (assistant/core/disk_cache.py): the member catalogue and the rule planner's
vocabulary are read back in a new process only while what they were built from is unchanged.

Every test counts real builds with a spy, so a cache that served a stale value, or never served
one, fails here."""

from __future__ import annotations

import pickle
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

import assistant.pipeline as pipeline_module
import assistant.plan.rules.planner as planner_module
from assistant.core import disk_cache
from assistant.core.disk_cache import DiskCache
from assistant.core.settings import Settings
from assistant.pipeline import Pipeline
from assistant.plan.rules.vocab import Vocabulary
from assistant.sql.executor import Executor
from assistant.understand.catalogue import ValueCatalogue
from semantic_layer.layer import Layer
from semantic_layer.loader import DEMO_LAYER_DIR, load_layer
from tests.conftest import EVAL_END


@pytest.fixture()
def db_copy(demo_db: Path, tmp_path: Path) -> Path:
    """A database of this test's own: some tests write to it."""
    path = tmp_path / "factory.duckdb"
    shutil.copyfile(demo_db, path)
    return path


@pytest.fixture()
def builds(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How often the catalogue and the vocabulary were really built."""
    counts = {"catalogue": 0, "vocabulary": 0}
    real_catalogue, real_vocabulary = pipeline_module.build_catalogue, planner_module.build_vocabulary

    def catalogue(*args, **kwargs):
        counts["catalogue"] += 1
        return real_catalogue(*args, **kwargs)

    def vocabulary(*args, **kwargs):
        counts["vocabulary"] += 1
        return real_vocabulary(*args, **kwargs)

    monkeypatch.setattr(pipeline_module, "build_catalogue", catalogue)
    monkeypatch.setattr(planner_module, "build_vocabulary", vocabulary)
    return counts


def _settings(cache: Path, **more) -> Settings:
    return Settings(as_of=EVAL_END, cache_dir=str(cache), **more)


def _answer(db: Path, cache: Path, question: str = "OEE by plant last month", *, layer: Layer | None = None,
            **more) -> tuple[ValueCatalogue, str]:
    """A new pipeline (as a new process would build one): its catalogue and its answer's SQL."""
    pipe = Pipeline(layer or load_layer(), Executor(str(db)), settings=_settings(cache, **more),
                    index_dir=cache / "index")
    try:
        answer = pipe.ask(question)
        assert answer.status == "ok", answer.text
        return pipe.values, answer.sql or ""
    finally:
        pipe.close()


def _entries(cache: Path) -> list[Path]:
    return sorted((cache / "startup").glob("*.pickle"))


def test_a_second_start_reads_both_back_and_answers_the_same(db_copy: Path, tmp_path: Path,
                                                              builds: dict[str, int]) -> None:
    first, sql = _answer(db_copy, tmp_path / "cache")
    assert builds == {"catalogue": 1, "vocabulary": 1}
    assert [e.name.rsplit("-", 1)[0] for e in _entries(tmp_path / "cache")] == ["catalogue", "summaries",
                                                                              "trace-vocabulary", "vocabulary"]
    again, sql_again = _answer(db_copy, tmp_path / "cache")
    assert builds == {"catalogue": 1, "vocabulary": 1}  # nothing built again
    assert again.members == first.members and again.fingerprint == first.fingerprint
    assert sql_again == sql
    _values, zh_sql = _answer(db_copy, tmp_path / "cache", "上个月各工厂的报废率")
    assert builds == {"catalogue": 1, "vocabulary": 1} and "scrap" in zh_sql.lower()


def test_a_written_database_file_rebuilds_the_catalogue(db_copy: Path, tmp_path: Path,
                                                         builds: dict[str, int]) -> None:
    before, _sql = _answer(db_copy, tmp_path / "cache")
    assert not before.lookup("Wuxi")
    with duckdb.connect(str(db_copy)) as con:
        con.execute("INSERT INTO plants VALUES ('WX', 'Wuxi', '无锡', 'Wuxi', DATE '2024-01-01')")
    after, _sql = _answer(db_copy, tmp_path / "cache")
    assert builds["catalogue"] == 2
    assert [m.key for m in after.lookup("Wuxi")] == ["WX"]
    assert builds["vocabulary"] == 2  # a new catalogue is a new vocabulary


def test_a_changed_layer_rebuilds_both(db_copy: Path, tmp_path: Path, builds: dict[str, int]) -> None:
    _answer(db_copy, tmp_path / "cache")
    folder = tmp_path / "layer"
    shutil.copytree(DEMO_LAYER_DIR, folder)
    dims = folder / "dimensions.yaml"
    text = dims.read_text(encoding="utf-8")
    assert "synonyms: [cnc machine," in text
    dims.write_text(text.replace("synonyms: [cnc machine,", "synonyms: [mill-o-matic, cnc machine,"), encoding="utf-8")
    changed, _sql = _answer(db_copy, tmp_path / "cache", layer=load_layer(folder))
    assert builds == {"catalogue": 2, "vocabulary": 2}
    assert [m.key for m in changed.lookup("mill-o-matic")] == ["cnc"]


def test_unreadable_entries_are_rebuilt_without_an_error(db_copy: Path, tmp_path: Path,
                                                         builds: dict[str, int]) -> None:
    first, sql = _answer(db_copy, tmp_path / "cache")
    entries = _entries(tmp_path / "cache")
    entries[0].write_bytes(b"\x80\x05not a pickle")  # cut short
    for entry in entries[1:]:
        entry.write_bytes(b"")
    again, sql_again = _answer(db_copy, tmp_path / "cache")
    assert builds == {"catalogue": 2, "vocabulary": 2}
    assert again.members == first.members and sql_again == sql
    rewritten = _entries(tmp_path / "cache")
    assert all(e.stat().st_size > 1000 for e in rewritten if not e.name.startswith("summaries-"))  # written again, whole
    assert all(pickle.loads(e.read_bytes())[1] is not None for e in rewritten)  # each one reads back


def test_an_entry_of_another_type_or_key_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = DiskCache(tmp_path)
    cache.save("catalogue", ("a",), ["not", "a", "catalogue"])
    assert cache.load("catalogue", ("a",), ValueCatalogue) is None
    cache.save("vocabulary", ("b",), Vocabulary())
    assert isinstance(cache.load("vocabulary", ("b",), Vocabulary), Vocabulary)
    assert cache.load("vocabulary", ("c",), Vocabulary) is None
    monkeypatch.setattr(disk_cache, "code_identity", lambda: "other code")  # a changed module
    assert cache.load("vocabulary", ("b",), Vocabulary) is None


def test_switched_off_nothing_is_written(db_copy: Path, tmp_path: Path, builds: dict[str, int]) -> None:
    _answer(db_copy, tmp_path / "cache", startup_cache=False)
    _answer(db_copy, tmp_path / "cache", startup_cache=False)
    assert builds == {"catalogue": 2, "vocabulary": 2}
    assert not _entries(tmp_path / "cache")


def test_an_unwritable_folder_costs_speed_not_answers(db_copy: Path, tmp_path: Path, builds: dict[str, int]) -> None:
    blocked = tmp_path / "cache"
    blocked.write_text("a file where the folder would be", encoding="utf-8")
    _values, sql = _answer(db_copy, blocked)
    assert sql and builds == {"catalogue": 1, "vocabulary": 1}


@pytest.fixture()
def server_executor() -> Iterator[Executor]:
    executor = Executor("postgresql+psycopg://reader@db.invalid:5432/mes")  # never connected to here
    yield executor
    executor.dispose()


def test_only_files_have_an_identity(db_copy: Path, server_executor: Executor) -> None:
    """A server's data can change unseen: its members are never kept (the vocabulary may be, as
    it is keyed by the catalogue's own fingerprint)."""
    assert server_executor.data_identity() is None
    memory = Executor("duckdb:///:memory:")
    assert memory.data_identity() is None
    memory.dispose()
    on_file = Executor(str(db_copy))
    first = on_file.data_identity()
    assert first is not None and str(db_copy.resolve()) in first[0]
    with duckdb.connect(str(db_copy)) as con:
        con.execute("CREATE TABLE touched AS SELECT 1 AS x")
    assert on_file.data_identity() != first
    on_file.dispose()


def test_the_trace_vocabulary_is_kept_with_the_planners(db_copy: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import assistant.plan.trace.mentions as mentions

    _answer(db_copy, tmp_path / "cache")
    assert len(list((tmp_path / "cache" / "startup").glob("trace-vocabulary-*.pickle"))) == 1

    def no_build(*_args, **_kwargs):
        raise AssertionError("the trace vocabulary was built again")

    monkeypatch.setattr(mentions, "build_vocab", no_build)
    mentions._CACHE.clear()
    _values, sql = _answer(db_copy, tmp_path / "cache")
    assert sql


def test_the_layer_is_read_back_until_a_file_changes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import assistant.core.stored_layer as stored_layer

    folder = tmp_path / "layer"
    shutil.copytree(DEMO_LAYER_DIR, folder)
    loads: list[Path] = []
    real = stored_layer.load_layer
    monkeypatch.setattr(stored_layer, "load_layer", lambda root: loads.append(root) or real(root))
    disk = DiskCache(tmp_path / "cache")
    first = stored_layer.load_layer_kept(folder, disk)
    again = stored_layer.load_layer_kept(folder, disk)
    assert len(loads) == 1 and again.fingerprint == first.fingerprint and again is not first
    assert set(again.metrics) == set(first.metrics)
    dims = folder / "dimensions.yaml"
    dims.write_text(dims.read_text(encoding="utf-8").replace("label: {en: Plant, zh: 工厂}",
                                                             "label: {en: Factory site, zh: 工厂}"), encoding="utf-8")
    changed = stored_layer.load_layer_kept(folder, disk)
    assert len(loads) == 2 and changed.dimension("plant").label.en == "Factory site"
    for entry in (tmp_path / "cache").glob("layer-*.pickle"):
        entry.write_bytes(b"garbage")
    assert stored_layer.load_layer_kept(folder, disk).dimension("plant").label.en == "Factory site"
    assert len(loads) == 3
    assert stored_layer.load_layer_kept(folder, DiskCache(None)).fingerprint == changed.fingerprint
    assert len(loads) == 4  # switched off: always read


def test_the_summary_tables_found_are_kept_until_the_file_changes(db_copy: Path, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import assistant.sql.rollup as rollup

    probes: list[frozenset[str]] = []
    real = rollup.SummaryProbe._probe

    def probe(self: rollup.SummaryProbe) -> frozenset[str]:
        probes.append(real(self))
        return probes[-1]

    monkeypatch.setattr(rollup.SummaryProbe, "_probe", probe)
    _values, sql = _answer(db_copy, tmp_path / "cache")
    assert len(probes) == 1 and probes[0] and set(probes[0]) & set(sql.split())  # the answer read a summary
    _values, sql_again = _answer(db_copy, tmp_path / "cache")
    assert len(probes) == 1 and sql_again == sql  # read back, not asked again
    summary = sorted(probes[0])[0]
    with duckdb.connect(str(db_copy)) as con:  # a rebuilt database without that summary
        con.execute(f"DROP TABLE {summary}")
    _values, sql_after = _answer(db_copy, tmp_path / "cache")
    assert len(probes) == 2 and summary not in probes[1] and summary not in sql_after  # read from the facts
    _answer(db_copy, tmp_path / "cache", startup_cache=False)
    assert len(probes) == 3  # switched off: probed every time
