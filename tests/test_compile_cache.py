"""The compiler keeps what it compiled per SemanticQuery: a repeat is the same result, another
query or another compiler is compiled on its own, and a refusal is raised every time."""

from __future__ import annotations

import pytest

from assistant.core.errors import FactoryAssistantError
from assistant.plan.query import Filter, SemanticQuery
from assistant.sql.compiler import Compiler

OEE_BY_PLANT = SemanticQuery(metrics=["oee"], dimensions=["plant"])


def test_a_repeated_query_is_compiled_once(layer, monkeypatch: pytest.MonkeyPatch) -> None:
    compiler = Compiler(layer)
    first = compiler.compile(OEE_BY_PLANT)
    monkeypatch.setattr(compiler, "_compile", lambda _q: pytest.fail("compiled twice"))
    assert compiler.compile(SemanticQuery(metrics=["oee"], dimensions=["plant"])) is first


def test_another_query_or_another_scope_is_compiled_on_its_own(layer) -> None:
    open_compiler = Compiler(layer)
    by_plant = open_compiler.compile(OEE_BY_PLANT)
    by_line = open_compiler.compile(SemanticQuery(metrics=["oee"], dimensions=["line"]))
    assert by_plant.sql() != by_line.sql()
    scoped = Compiler(layer, scope=[Filter(field="plant", op="in", values=["NB"])])
    assert "'NB'" in scoped.compile(OEE_BY_PLANT).sql() and "'NB'" not in by_plant.sql()


def test_the_measures_of_a_query_are_kept_apart_from_the_query(layer) -> None:
    compiler = Compiler(layer)
    plain, measures = compiler.compile(OEE_BY_PLANT), compiler.compile_measures(OEE_BY_PLANT)
    assert plain is not measures
    assert compiler.compile_measures(OEE_BY_PLANT) is measures


def test_a_refused_query_is_refused_again_and_not_kept(layer) -> None:
    compiler = Compiler(layer)
    bad = SemanticQuery(metrics=["oee"], dimensions=["customer"])
    for _ in range(2):
        with pytest.raises(FactoryAssistantError):
            compiler.compile(bad)
    assert len(compiler._cache) == 0
