"""Trees that will never change again, and their rendered SQL kept with them.

The guard checks a tree as the database will read it: rendered to text, then parsed. For a
tree built once and handed out many times (the compile cache's, the trace statements') the
render was the largest cost left on a repeat (3-6 ms per why statement), and it gives the same
text every time. Only trees registered here by their owner are rendered once: the owner
promises that nobody changes them in place (a copy is a new object, rendered afresh), so the
text kept can never disagree with the tree. Entries go when the tree is collected.
"""

from __future__ import annotations

import threading
import weakref

from sqlglot import exp

__all__ = ["freeze", "is_frozen", "render"]

# id(tree) -> (a weak reference that proves the id still names that tree, text per dialect)
_FROZEN: dict[int, tuple[weakref.ref[exp.Expr], dict[str, str]]] = {}
_LOCK = threading.Lock()


def freeze(tree: exp.Expr) -> exp.Expr:
    """Register `tree` as never to be changed in place; returns it."""
    key = id(tree)

    def forget(_ref: weakref.ref[exp.Expr]) -> None:
        with _LOCK:
            known = _FROZEN.get(key)
            if known is not None and known[0]() is None:
                del _FROZEN[key]

    with _LOCK:
        known = _FROZEN.get(key)
        if known is None or known[0]() is not tree:
            _FROZEN[key] = (weakref.ref(tree, forget), {})
    return tree


def is_frozen(tree: exp.Expr) -> bool:
    with _LOCK:
        known = _FROZEN.get(id(tree))
        return known is not None and known[0]() is tree


def render(tree: exp.Expr, dialect: str) -> str:
    """`tree.sql(dialect, comments=False)`, rendered once per dialect for a frozen tree."""
    with _LOCK:
        known = _FROZEN.get(id(tree))
        texts = known[1] if known is not None and known[0]() is tree else None
        if texts is not None and dialect in texts:
            return texts[dialect]
    text = tree.sql(dialect=dialect, comments=False)  # outside the lock: renders may run in parallel
    if texts is not None:
        with _LOCK:
            texts[dialect] = text
    return text
