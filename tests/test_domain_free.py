"""No demo-factory names in the package: every metric, table, column and domain word comes from the
semantic layer, so a second, unrelated layer works with no code change (see test_second_layer)."""

from __future__ import annotations

import ast
import datetime as dt
import re
from pathlib import Path

import pytest
import yaml

from assistant.understand.timeparse import find_time_ranges
from semantic_layer.loader import DEMO_LAYER_DIR

ROOT = Path(__file__).resolve().parents[1]
A = dt.date(2025, 12, 31)

# The whole package and the layer's own code; the demo factory (its layer and generator) is data.
CORE_FILES = sorted(p for p in [*(ROOT / "assistant").rglob("*.py"), *(ROOT / "semantic_layer").glob("*.py")]
                    if "__pycache__" not in p.parts)


def demo_names() -> set[str]:
    """Table and metric names of the demo factory, read from its YAML (not a hand list)."""
    names: set[str] = set()
    for path in sorted(DEMO_LAYER_DIR.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for section in ("tables", "metrics"):
            names.update(item["name"] for item in data.get(section) or [])
    return names


def _identifiers(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            yield node, node.id
        elif isinstance(node, ast.Attribute):
            yield node, node.attr
        elif isinstance(node, ast.arg):
            yield node, node.arg
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield node, node.name
        elif isinstance(node, ast.keyword) and node.arg:
            yield node, node.arg
        elif isinstance(node, ast.alias):
            yield node, node.asname or node.name


def _string_literals(tree: ast.AST):
    """String constants that reach the program (docstrings and bare string statements excluded)."""
    docs = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
            yield node, node.value


def test_demo_names_are_read_from_the_layer():
    names = demo_names()
    assert len(names) > 20 and {"oee", "production_records"} <= names
    assert len(CORE_FILES) >= 80 and all(p.exists() for p in CORE_FILES)


def test_no_demo_names_in_core_code():
    """Planner, compiler, pipeline and query code name no demo table or metric (identifiers).
    Comments and docstrings may use the demo as an example and are not checked."""
    names = demo_names()
    hits = [f"{p.relative_to(ROOT)}:{node.lineno}: {ident}"
            for p in CORE_FILES for node, ident in _identifiers(ast.parse(p.read_text(encoding="utf-8")))
            if ident in names]
    assert not hits, "\n".join(hits)


def test_no_demo_names_in_core_strings():
    """String literals a user can meet (messages, word lists) name no demo table or metric."""
    names = demo_names()
    hits = [f"{p.relative_to(ROOT)}:{node.lineno}: {word!r} in {text[:60]!r}"
            for p in CORE_FILES for node, text in _string_literals(ast.parse(p.read_text(encoding="utf-8")))
            for word in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text) if word.lower() in names]
    assert not hits, "\n".join(hits)


# Words of the demo's domain that a message of the package must not use: they name things a
# different layer (a bike shop, an insurer) does not have. The product's own name is allowed.
DOMAIN_WORDS_EN = {"plant", "plants", "machine", "machines", "shift", "shifts"}  # "factory" is the product's name
DOMAIN_WORDS_ZH = ("工厂", "产线", "设备", "班次", "厂内")
PRODUCT_NAME = {"Factory assistant", "工厂助手"}


def test_no_demo_domain_words_in_messages():
    """Messages, prompts in code and word lists speak of data, metrics and members, never of
    plants, machines or shifts (the layer's labels supply those)."""
    hits = []
    for p in CORE_FILES:
        for node, text in _string_literals(ast.parse(p.read_text(encoding="utf-8"))):
            if text in PRODUCT_NAME or text.startswith(":material/"):
                continue
            words = {w.lower() for w in re.findall(r"[A-Za-z]+", text)}
            found = sorted(words & DOMAIN_WORDS_EN) + [w for w in DOMAIN_WORDS_ZH if w in text]
            if found:
                hits.append(f"{p.relative_to(ROOT)}:{node.lineno}: {found} in {text[:60]!r}")
    assert not hits, "\n".join(hits)


@pytest.mark.parametrize("text,expected", [
    ("OEE of line 5 Nov 2025", ("Nov 2025", "2025-11-01", "2025-11-30")),
    ("scrap for store 12 December 2025", ("December 2025", "2025-12-01", "2025-12-31")),
    ("line 3 on 5 Nov 2025", ("on 5 Nov 2025", "2025-11-05", "2025-11-05")),
])
def test_a_number_after_a_naming_word_numbers_that_thing(text: str, expected: tuple[str, str, str]) -> None:
    """The caller's nouns ('line', 'store': from its semantic layer) number things; the parser knows none."""
    [m] = find_time_ranges(text, A, naming_words={"line", "store"})
    assert (m.text, str(m.range.start), str(m.range.end)) == expected
    assert [x.text for x in find_time_ranges("OEE of line 5 Nov 2025", A)] == ["5 Nov 2025"]
