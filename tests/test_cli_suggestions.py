"""Every `factory-assistant <command>` a message names exists (issue 18, point 5).

A suggestion that names a command nobody can run ("factory-assistant demo ...", when the command
is `demo-data`) sends a user nowhere. This walks every string in the package, the layer code and
the app (messages, help texts, docstrings: Typer shows those as help) and resolves each named
command and sub-command against the real Typer application.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import pytest
from typer.main import get_command

from assistant.surfaces.cli.main import app

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted(
    p
    for p in [*(ROOT / "assistant").rglob("*.py"), *(ROOT / "semantic_layer").rglob("*.py"), ROOT / "app.py"]
    if "__pycache__" not in p.parts
)
# "factory-assistant" and the words after it, up to the first option, placeholder or punctuation.
NAMED = re.compile(r"factory-assistant((?:[ \t]+[a-z][a-z0-9-]*)+)")


def unknown_commands(text: str, root: Any) -> list[str]:
    """The named commands of `text` that the application does not have."""
    problems = []
    for match in NAMED.finditer(text):
        node, path = root, []
        for word in match.group(1).split():
            commands = getattr(node, "commands", None)  # a group has sub-commands (Typer's own click)
            if commands is None:
                break  # a command: what follows are its arguments
            sub = commands.get(word)
            if sub is None:
                problems.append(" ".join(["factory-assistant", *path, word]))
                break
            node, path = sub, [*path, word]
    return problems


def _strings(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]


@pytest.fixture(scope="module")
def root() -> Any:
    command = get_command(app)
    assert {"ask", "eval", "layer", "demo-data"} <= set(command.commands)
    return command


def test_the_walk_finds_a_command_that_does_not_exist(root: Any) -> None:
    assert unknown_commands("Generate it first (factory-assistant demo --end-date 2025-12-31).", root) == [
        "factory-assistant demo"
    ]
    assert unknown_commands("run `factory-assistant eval frobnicate FILE`", root) == [
        "factory-assistant eval frobnicate"
    ]
    assert (
        unknown_commands(
            "factory-assistant layer init --from-db URL; factory-assistant alerts mute {id}; "
            "factory-assistant eval --questions F; factory-assistant demo-data",
            root,
        )
        == []
    )


def test_every_named_command_exists(root: Any) -> None:
    assert len(SOURCES) > 100
    found, problems = 0, []
    for path in SOURCES:
        for line, text in _strings(path):
            found += len(NAMED.findall(text))
            problems += [f"{path.relative_to(ROOT)}:{line}: {bad}" for bad in unknown_commands(text, root)]
    assert found >= 20  # the walk does see the suggestions
    assert not problems, "\n".join(problems)
