"""The declared public API, the settings table and the package's own rules about settings."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import assistant
from assistant.core.settings import SETTINGS_TABLE, Settings

ROOT = Path(__file__).resolve().parents[1]


def test_public_names_import_from_the_top() -> None:
    from assistant import Answer, FactoryAssistantError, LayerError, Pipeline, SemanticQuery, load_layer

    assert {"Pipeline", "Answer", "SemanticQuery", "load_layer", "FactoryAssistantError"} <= set(assistant.__all__)
    assert issubclass(LayerError, FactoryAssistantError)
    assert Pipeline.__module__ == "assistant.pipeline" and Answer.__module__ == "assistant.explain.answer"
    assert SemanticQuery(metrics=["x"]).metrics == ["x"] and callable(load_layer)
    with pytest.raises(AttributeError):
        _ = assistant.NoSuchThing


def test_every_error_of_the_tree_is_exported_and_rooted() -> None:
    from assistant.core import errors

    tree = [getattr(errors, n) for n in errors.__all__ if isinstance(getattr(errors, n), type)]
    assert len(tree) >= 12 and all(issubclass(cls, errors.FactoryAssistantError) for cls in tree)
    assert {cls.__name__ for cls in tree} <= set(assistant.__all__)


def test_version_and_typing_marker() -> None:
    from importlib.metadata import version

    assert re.fullmatch(r"\d+\.\d+\.\d+", assistant.__version__)
    assert version("factory-assistant") == assistant.__version__
    assert (ROOT / "assistant" / "py.typed").exists() and (ROOT / "semantic_layer" / "py.typed").exists()


def test_pipeline_is_a_context_manager(demo_db: Path) -> None:
    from assistant import Pipeline

    closed: list[bool] = []
    with Pipeline.from_settings(db=str(demo_db)) as pipeline:
        pipeline.executor.dispose = lambda: closed.append(True)  # type: ignore[method-assign]
        assert pipeline.ask("how many complaints in total?").status == "ok"
    assert closed == [True]


def test_pipeline_reads_the_environment(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant import Pipeline, load_layer
    from assistant.sql.executor import Executor

    monkeypatch.setenv("FA_MAX_ROWS", "7")
    monkeypatch.setenv("FA_PLANNER", "rules")
    pipeline = Pipeline(load_layer(), Executor(str(demo_db)))
    assert pipeline.settings.max_rows == 7 and pipeline.settings.sources["max_rows"] == "FA_MAX_ROWS"
    assert pipeline.guard.max_rows == 7
    pipeline.close()


# ---------------------------------------------------------------------- settings
def _readme_rows() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return [line for line in text.splitlines() if re.match(r"\| `[a-z_]+` \| `FA_[A-Z_]+` \|", line)]


def test_readme_settings_table_matches_the_code() -> None:
    expected = []
    for s in SETTINGS_TABLE:
        default = f"`{s.default}`" if s.default is not None else "—"
        expected.append(f"| `{s.name}` | `{s.env}` | {default} | {s.help} |")
    assert _readme_rows() == expected


def test_settings_defaults_are_declared_once() -> None:
    fields = {f for f in Settings.__dataclass_fields__ if f != "sources"}
    assert fields == {s.name for s in SETTINGS_TABLE}
    plain = Settings()
    assert all(getattr(plain, s.name) == s.default for s in SETTINGS_TABLE)


def test_only_the_settings_module_reads_our_environment() -> None:
    """No other module reads os.environ / getenv for FA_* settings (writes for child processes
    and third-party flags are allowed); the settings module reads each one from the table."""
    offenders = []
    for path in sorted((ROOT / "assistant").rglob("*.py")):
        if path.name == "settings.py" and path.parent.name == "core":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("get", "getenv"):
                target = ast.unparse(node.func.value)
                if target in ("os.environ", "os") and node.args:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(node)}")
            if isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ" \
                    and isinstance(node.ctx, ast.Load):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(node)}")
    for s in SETTINGS_TABLE:
        assert s.env.startswith("FA_")
    assert not offenders, "\n".join(offenders)
