"""The SQL guard: every SQL string passes here before the executor may run it.

checker.py holds the Guard and its steps, policy.py the allow-lists, nodes.py the check of each
node against them, resolve.py the resolution of columns against the layer's schema.
"""

from assistant.sql.guard.checker import CheckedSQL, Guard

__all__ = ["CheckedSQL", "Guard"]
