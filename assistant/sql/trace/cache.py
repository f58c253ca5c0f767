"""Trace statements kept per layer, so a repeated trace is not built again.

A trace statement is a pure function of the layer's genealogy and its arguments (the walk
spec, the node, the ids, the language), and building one was most of a repeated trace's
assistant time (tens of sqlglot builder calls, each copying the growing tree, 60-100 ms per
trace). The statements are kept per layer object in a small LRU and registered as frozen
(assistant.sql.frozen): nobody changes them in place, so the guard also renders each once.
Row scopes are not part of a statement: the guard applies them to whatever it checks.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from sqlglot import exp

from assistant.sql.frozen import freeze
from assistant.sql.trace.attribute import attribute_statement
from assistant.sql.trace.statements import TraceCompiler, WalkSpec
from semantic_layer.layer import Layer
from semantic_layer.models import GenealogyEdge, GenealogyNode

__all__ = ["CachedTraceCompiler", "trace_compiler"]

Q = TypeVar("Q", bound=exp.Query)
_STATEMENTS = 256  # per layer: a trace runs 5-12 statements
_LAYERS = 8  # layers kept (one per pipeline; tests build many)


class CachedTraceCompiler(TraceCompiler):
    """A TraceCompiler whose whole statements are built once per argument set. Callers must not
    change a statement it hands out in place (the walk only runs them)."""

    def __init__(self, layer: Layer) -> None:
        super().__init__(layer, layer.genealogy)
        self._items: OrderedDict[Hashable, exp.Query] = OrderedDict()
        self._lock = threading.Lock()

    def _kept(self, key: Hashable, build: Callable[[], Q]) -> Q:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]  # type: ignore[return-value]  # built by the same call as `build`
        tree = build()  # outside the lock: two threads may both build; the trees are equal
        freeze(tree)
        with self._lock:
            self._items[key] = tree
            if len(self._items) > _STATEMENTS:
                self._items.popitem(last=False)
        return tree

    def _walk_key(self, spec: WalkSpec) -> tuple[Hashable, ...]:
        """The spec (its dicts are not hashable; its repr is exact for its plain values) and the
        walk's form: the order of node types per direction, or None where the walk recurses."""
        orders = tuple(None if order is None else tuple(order) for _, _, order in self.walk_plan(spec))
        return repr(spec), orders

    def trace_statement(self, spec: WalkSpec) -> exp.Query:
        return self._kept(("trace", *self._walk_key(spec)),
                          lambda: super(CachedTraceCompiler, self).trace_statement(spec))

    def target_statement(self, spec: WalkSpec, target: str, lang: str) -> exp.Query:
        return self._kept(("target", *self._walk_key(spec), target, lang),
                          lambda: super(CachedTraceCompiler, self).target_statement(spec, target, lang))

    def details_statement(self, node: GenealogyNode, ids: list[str], lang: str, *,
                          extra: tuple[str, ...] = ()) -> exp.Select:
        return self._kept(("details", node.name, tuple(ids), lang, extra),
                          lambda: super(CachedTraceCompiler, self).details_statement(node, ids, lang, extra=extra))


    def attribute_statement(self, spec: WalkSpec, context: str, edge: GenealogyEdge, host: str,
                            lang: str) -> exp.Query:
        """`attribute.attribute_statement` (the context members of the reached hosts), kept."""
        key = ("attribute", *self._walk_key(spec), context, repr(edge), host, lang)
        return self._kept(key, lambda: attribute_statement(self, spec, context, edge, host, lang))


_COMPILERS: OrderedDict[int, tuple[Layer, CachedTraceCompiler]] = OrderedDict()
_COMPILERS_LOCK = threading.Lock()


def trace_compiler(layer: Layer) -> CachedTraceCompiler:
    """The layer's trace compiler, kept while the layer is among the last few used (each entry
    holds its layer, so an id cannot be reused for another layer while it is kept)."""
    with _COMPILERS_LOCK:
        known = _COMPILERS.get(id(layer))
        if known is not None and known[0] is layer:
            _COMPILERS.move_to_end(id(layer))
            return known[1]
        compiler = CachedTraceCompiler(layer)
        _COMPILERS[id(layer)] = (layer, compiler)
        if len(_COMPILERS) > _LAYERS:
            _COMPILERS.popitem(last=False)
        return compiler
