"""`eval promote` writes the layer safely: concurrent promotions all land, gold SQL the guard or
the database refuses never reaches the layer, and a file that may not be written is a clear
message, never a traceback. Every CLI run here is the real command in its own process."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
import yaml

from assistant.surfaces.evaluation.promote import PromoteError, promote_item
from semantic_layer.loader import DEMO_LAYER_DIR, load_layer

ROOT = Path(__file__).resolve().parents[1]
READ_ONLY_HINT = "read-only; copy the layer folder somewhere writable and pass --layer"
# One table each, so eight different questions with SQL the guard and the database accept.
TABLES = ["plants", "production_lines", "machines", "products", "suppliers", "customers", "shifts", "work_orders"]

# Imports everything first, says it is ready, then waits for the start file: the eight runs
# then promote at the same moment instead of one import-time apart.
_CHILD = """
import sys, time
from pathlib import Path
import assistant.pipeline, assistant.surfaces.evaluation.promote_checks  # noqa: F401 (warm imports)
from assistant.surfaces.cli.main import main
ready, start = Path(sys.argv[1]), Path(sys.argv[2])
ready.touch()
while not start.exists():
    time.sleep(0.002)
sys.argv = ["factory-assistant", *sys.argv[3:]]
main()
"""


def _questions(path: Path, items: list[dict[str, str]]) -> Path:
    path.write_text(yaml.safe_dump({"as_of": "2025-12-31", "items": items}, allow_unicode=True), encoding="utf-8")
    return path


def _layer_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "layer"
    shutil.copytree(DEMO_LAYER_DIR, folder)
    return folder


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "assistant.surfaces.cli.main", *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=300)


def _promote_args(item: str, questions: Path, layer: Path, db: Path) -> list[str]:
    return ["eval", "promote", item, "--from", str(questions), "--layer", str(layer), "--db", str(db)]


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_eight_concurrent_promotions_all_land(tmp_path: Path, demo_db: Path) -> None:
    folder = _layer_copy(tmp_path)
    before = len(load_layer(folder).spec.verified_queries)
    questions = _questions(tmp_path / "q.yaml", [
        {"id": f"count-{t}", "question": f"How many rows are in {t.replace('_', ' ')}?", "lang": "en",
         "gold_sql": f"SELECT COUNT(*) AS n FROM {t}"} for t in TABLES])
    start = tmp_path / "start"
    runs = []
    for n, table in enumerate(TABLES):
        ready = tmp_path / f"ready-{n}"
        args = _promote_args(f"count-{table}", questions, folder, demo_db)
        runs.append((ready, subprocess.Popen([sys.executable, "-c", _CHILD, str(ready), str(start), *args],
                                             cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)))
    deadline = time.monotonic() + 240
    while not all(ready.exists() for ready, _ in runs):
        assert time.monotonic() < deadline, "the promote processes did not start"
        assert all(proc.poll() is None for _, proc in runs), [proc.communicate() for _, proc in runs]
        time.sleep(0.05)
    start.touch()
    outputs = [proc.communicate(timeout=240) for _, proc in runs]

    assert [proc.returncode for _, proc in runs] == [0] * 8, outputs
    assert not any("Traceback" in err for _, err in outputs)
    promoted = [q.source for q in load_layer(folder).spec.verified_queries]
    assert sorted(s for s in promoted if s.startswith("eval:")) == sorted(f"eval:count-{t}" for t in TABLES)
    assert len(promoted) == before + 8
    assert _leftovers(folder) == []


def _hidden_columns(db: Path, table: str) -> set[str]:
    with duckdb.connect(str(db), read_only=True) as con:
        in_db = {r[0] for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table]).fetchall()}
    return in_db - set(load_layer(DEMO_LAYER_DIR).physical_schema()[table])


@pytest.mark.parametrize(("sql", "lang", "expected"), [
    ("DROP TABLE plants", "en", "refused by the SQL guard: Only read-only questions are allowed"),
    ("SELECT * FROM purchase_orders", "zh", "selects columns with a star (*) from purchase_orders"),
    ("SELECT widget_id FROM widgets", "en", "The table 'widgets' is not part of the semantic layer"),
], ids=["drop-table", "star-over-hidden-columns", "missing-table"])
def test_refused_gold_sql_leaves_the_file_byte_for_byte(tmp_path: Path, demo_db: Path, sql: str, lang: str,
                                                        expected: str) -> None:
    if "purchase_orders" in sql:  # the point of this case: the table really hides a column (plant_id)
        assert _hidden_columns(demo_db, "purchase_orders")
    folder = _layer_copy(tmp_path)
    target = folder / "verified_queries.yaml"
    original = target.read_bytes()
    questions = _questions(tmp_path / "q.yaml", [
        {"id": "bad", "question": "客诉全部明细" if lang == "zh" else "Bad gold SQL", "lang": lang, "gold_sql": sql}])

    done = _cli(*_promote_args("bad", questions, folder, demo_db))

    assert done.returncode == 1
    assert expected in done.stderr and "item 'bad'" in done.stderr
    assert "Fix gold_sql" in done.stderr or "Name the columns instead" in done.stderr
    if lang == "zh":
        assert "条目“bad”的 gold_sql" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert target.read_bytes() == original and _leftovers(folder) == []


def test_a_target_that_would_break_the_layer_is_not_written(tmp_path: Path, demo_db: Path) -> None:
    folder = _layer_copy(tmp_path)
    extra = tmp_path / "more" / "verified.yaml"
    extra.parent.mkdir()
    extra.write_text("verified_queries:\n  - question: An old entry\n    lang: fr\n", encoding="utf-8")
    original = extra.read_bytes()
    questions = _questions(tmp_path / "q.yaml", [
        {"id": "ok", "question": "How many plants?", "lang": "en", "gold_sql": "SELECT COUNT(*) AS n FROM plants"}])

    done = _cli(*_promote_args("ok", questions, folder, demo_db), "--to", str(extra))

    assert done.returncode == 1 and "the layer in" in done.stderr and "would not load" in done.stderr
    assert "nothing was written" in done.stderr and "Traceback" not in done.stderr
    assert extra.read_bytes() == original


def _good_question(tmp_path: Path) -> Path:
    return _questions(tmp_path / "q.yaml", [{"id": "ok", "question": "各工厂有几家？", "lang": "zh",
                                             "gold_sql": "SELECT COUNT(*) AS n FROM plants"}])


def test_read_only_file_gives_the_clear_error(tmp_path: Path, demo_db: Path) -> None:
    # Root may write a 0444 file, but the command honours the write bits for everyone.
    folder = _layer_copy(tmp_path)
    target = folder / "verified_queries.yaml"
    original = target.read_bytes()
    target.chmod(0o444)
    try:
        done = _cli(*_promote_args("ok", _good_question(tmp_path), folder, demo_db))
    finally:
        target.chmod(0o644)
    assert done.returncode == 1
    assert f"cannot write {os.path.realpath(target)}: {READ_ONLY_HINT}" in done.stderr
    assert "无法写入" in done.stderr and "只读" in done.stderr  # the question is Chinese
    assert "Traceback" not in done.stderr and target.read_bytes() == original


def test_read_only_folder_gives_the_clear_error(tmp_path: Path, demo_db: Path) -> None:
    folder = _layer_copy(tmp_path)
    original = (folder / "verified_queries.yaml").read_bytes()
    folder.chmod(0o555)
    try:
        done = _cli(*_promote_args("ok", _good_question(tmp_path), folder, demo_db))
    finally:
        folder.chmod(0o755)
    assert done.returncode == 1
    assert f"cannot write {os.path.realpath(folder)}: {READ_ONLY_HINT}" in done.stderr
    assert "Traceback" not in done.stderr
    assert (folder / "verified_queries.yaml").read_bytes() == original and _leftovers(folder) == []


def test_immutable_file_refused_by_the_os_gives_the_clear_error(tmp_path: Path, demo_db: Path) -> None:
    # An immutable file is refused by the kernel even to root: the rename itself fails (EPERM).
    folder = _layer_copy(tmp_path)
    target = folder / "verified_queries.yaml"
    original = target.read_bytes()
    chattr = shutil.which("chattr")
    if chattr is None or subprocess.run([chattr, "+i", str(target)], capture_output=True).returncode != 0:
        pytest.skip("cannot make a file immutable here (needs chattr and CAP_LINUX_IMMUTABLE)")
    try:
        done = _cli(*_promote_args("ok", _good_question(tmp_path), folder, demo_db))
    finally:
        subprocess.run([chattr, "-i", str(target)], check=True)
    assert done.returncode == 1
    assert f"cannot write {os.path.realpath(target)}: {READ_ONLY_HINT}" in done.stderr
    assert "Traceback" not in done.stderr
    assert target.read_bytes() == original and _leftovers(folder) == []


def test_rename_refused_by_the_os_monkeypatched_os_replace_gives_the_clear_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "verified_queries.yaml"
    target.write_text("verified_queries: []\n", encoding="utf-8")
    target.chmod(0o640)
    original = target.read_bytes()

    def refuse(src: object, dst: object) -> None:
        raise PermissionError(13, "Permission denied", str(dst))

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(PromoteError) as err:
        promote_item("ok", _good_question(tmp_path), target)
    monkeypatch.undo()

    assert str(err.value) == f"cannot write {os.path.realpath(target)}: {READ_ONLY_HINT}"
    assert "只读" in err.value.text()  # a Chinese question gets the Chinese line too
    assert target.read_bytes() == original and _leftovers(tmp_path) == []
    # And when the rename works, the new file keeps the old one's permissions (not 0600).
    promote_item("ok", tmp_path / "q.yaml", target)
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert yaml.safe_load(target.read_text(encoding="utf-8"))["verified_queries"][0]["source"] == "eval:ok"


def test_write_atomic_for_other_files_refuses_read_only_and_writes_new_files(tmp_path: Path) -> None:
    from semantic_layer.safe_write import FileWriteError, write_atomic

    report = tmp_path / "out" / "report.md"
    write_atomic(report, "# Report\n")
    assert report.read_text(encoding="utf-8") == "# Report\n"
    assert stat.S_IMODE(report.stat().st_mode) == 0o666 & ~_umask_now()
    report.chmod(0o444)
    with pytest.raises(FileWriteError, match="read-only; choose a writable location"):
        write_atomic(report, "# Changed\n")
    report.chmod(0o644)
    assert report.read_text(encoding="utf-8") == "# Report\n" and _leftovers(report.parent) == []


def _umask_now() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current
