"""The genealogy as a type graph: which node types feed which, read from the layer's genealogy.

Pure (no database). It answers the shape questions a trace needs before any SQL runs:
is a customer downstream of a lot, how far, along which types, which edges can a walk use.
"""

from __future__ import annotations

from collections import deque
from functools import cached_property
from typing import Literal

from semantic_layer.errors import QueryError, did_you_mean
from semantic_layer.models import Genealogy, GenealogyEdge, GenealogyNode

Direction = Literal["forward", "backward"]


class GenealogyGraph:
    """Node types and edges of the layer's genealogy, with context nodes kept apart.

    Built once per layer (`Layer.genealogy`); everything here is derived from the spec."""

    def __init__(self, spec: Genealogy) -> None:
        self.spec = spec
        self.nodes: dict[str, GenealogyNode] = {n.name: n for n in self.spec.nodes}
        self.order: dict[str, int] = {n.name: i for i, n in enumerate(self.spec.nodes)}

    @property
    def empty(self) -> bool:
        return not self.spec.nodes or not self.walk_edges

    def node(self, name: str) -> GenealogyNode:
        if name not in self.nodes:
            raise QueryError(f"The genealogy has no node type '{name}'.",
                             suggestion=did_you_mean(name, self.nodes))
        return self.nodes[name]

    def walkable(self, name: str) -> bool:
        return name in self.nodes and not self.nodes[name].context

    @cached_property
    def walk_edges(self) -> list[GenealogyEdge]:
        """Edges a trace walks along: both ends are real material-flow nodes."""
        return [e for e in self.spec.edges if self.walkable(e.upstream) and self.walkable(e.downstream)]

    @cached_property
    def context_edges(self) -> list[tuple[GenealogyEdge, str, str]]:
        """(edge, context node, walkable node) for edges that only add context."""
        out: list[tuple[GenealogyEdge, str, str]] = []
        for e in self.spec.edges:
            up_ctx, down_ctx = not self.walkable(e.upstream), not self.walkable(e.downstream)
            if up_ctx and not down_ctx:
                out.append((e, e.upstream, e.downstream))
            elif down_ctx and not up_ctx:
                out.append((e, e.downstream, e.upstream))
        return out

    def hosts(self, context: str) -> list[tuple[GenealogyEdge, str]]:
        """(edge, walkable node) for each node type `context` is an attribute of, in declared order."""
        return [(e, node) for e, ctx, node in self.context_edges if ctx == context]

    def host(self, context: str, start: str) -> tuple[GenealogyEdge, str] | None:
        """Where a question about a context node ("which line made it?") lands when it starts at
        `start`: the nearest node type the context describes (ties: declared first)."""
        levels = self.levels(start, ["forward", "backward"])
        reached = [(abs(levels[n]), i, e, n) for i, (e, n) in enumerate(self.hosts(context)) if n in levels]
        return (min(reached)[2], min(reached)[3]) if reached else None

    def walk_target(self, start: str, target: str | None) -> str | None:
        """The node type a walk must reach for `target`: itself, or the host of a context node."""
        if target is None or self.walkable(target):
            return target
        found = self.host(target, start) if target in self.nodes else None
        return found[1] if found else None

    def neighbours(self, name: str, direction: Direction) -> list[tuple[GenealogyEdge, str]]:
        """(edge, next type) one step downstream (forward) or upstream (backward), in declared order."""
        if direction == "forward":
            return [(e, e.downstream) for e in self.walk_edges if e.upstream == name]
        return [(e, e.upstream) for e in self.walk_edges if e.downstream == name]

    def distances(self, start: str, direction: Direction) -> dict[str, int]:
        """Fewest steps from `start` to every type reachable in one direction (start = 0)."""
        dist = {start: 0}
        queue: deque[str] = deque([start])
        while queue:
            current = queue.popleft()
            for _, nxt in self.neighbours(current, direction):
                if nxt not in dist:
                    dist[nxt] = dist[current] + 1
                    queue.append(nxt)
        return dist

    def levels(self, start: str, directions: list[Direction]) -> dict[str, int]:
        """Signed level of every reachable type: downstream positive, upstream negative."""
        out: dict[str, int] = {start: 0}
        for direction in directions:
            sign = 1 if direction == "forward" else -1
            for name, d in self.distances(start, direction).items():
                out.setdefault(name, sign * d)
        return out

    def relation(self, start: str, target: str) -> Direction | None:
        """Is `target` downstream (forward) or upstream (backward) of `start`? None when neither."""
        if target in self.distances(start, "forward"):
            return "forward"
        if target in self.distances(start, "backward"):
            return "backward"
        return None

    def path(self, start: str, target: str, direction: Direction) -> list[str]:
        """Shortest chain of types from start to target (ties: edges declared first)."""
        prev: dict[str, str | None] = {start: None}
        queue: deque[str] = deque([start])
        while queue:
            current = queue.popleft()
            if current == target:
                break
            for _, nxt in self.neighbours(current, direction):
                if nxt not in prev:
                    prev[nxt] = current
                    queue.append(nxt)
        if target not in prev:
            return [start]
        chain: list[str] = []
        step: str | None = target
        while step is not None:
            chain.append(step)
            step = prev[step]
        return chain[::-1]

    def edges_within(self, types: set[str]) -> list[GenealogyEdge]:
        """Walkable edges whose two ends are both in `types` (what a walk can use)."""
        return [e for e in self.walk_edges if e.upstream in types and e.downstream in types]


def topological(start: str, direction: Direction, graph: GenealogyGraph,
                edges: list[GenealogyEdge]) -> list[str] | None:
    """Reachable types in walk order, or None when they contain a cycle (then the walk recurses)."""
    pairs = [(e.upstream, e.downstream) if direction == "forward" else (e.downstream, e.upstream) for e in edges]
    nodes, frontier = {start}, [start]
    while frontier:  # reachable along these edges only (some may have been left out)
        frontier = [b for a, b in pairs if a in frontier and b not in nodes]
        nodes.update(frontier)
    pairs = [(a, b) for a, b in pairs if a in nodes]
    indegree = {n: 0 for n in nodes}
    for _, b in pairs:
        indegree[b] += 1
    if indegree[start]:
        return None  # something flows back into the start: a cycle
    ready = [start]
    order: list[str] = []
    while ready:
        ready.sort(key=lambda n: graph.order[n])
        current = ready.pop(0)
        order.append(current)
        for a, b in pairs:
            if a == current:
                indegree[b] -= 1
                if indegree[b] == 0:
                    ready.append(b)
    return order if len(order) == len(nodes) else None
