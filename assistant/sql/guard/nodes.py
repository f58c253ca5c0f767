"""Every node of the tree against the allow-lists (policy.py), with a refusal people can act on.

Writes and other statements get the read-only message; a node that is simply not on the lists
gets a message naming it. Refusals quote the SQL only with its text values blanked out: a
value is the one place where a SQL author can write sentences, and a refusal must not become a
way to put someone's words in front of a user (issue 12: error('...')).
"""

from __future__ import annotations

from sqlglot import exp

from assistant.core.errors import GuardError
from assistant.sql.guard.policy import (
    CAST_TYPES,
    OPERATORS,
    STRUCTURE,
    TABLE_FUNCTIONS,
    function_name,
    is_allowed_function,
)

__all__ = ["NAME_COLUMNS", "check_nodes", "forbidden_label", "short"]

# Statement nodes that write, change settings, reach outside the database or are not a query:
# refused with the read-only message. Looked up by name because the set of classes differs
# between sqlglot versions. (Anything not on the allow-lists is refused anyway.)
_FORBIDDEN_NODE_LABELS: dict[str, str] = {
    "Insert": "INSERT", "Update": "UPDATE", "Delete": "DELETE", "Drop": "DROP",
    "Create": "CREATE", "Alter": "ALTER", "Merge": "MERGE", "TruncateTable": "TRUNCATE",
    "Copy": "COPY", "Attach": "ATTACH", "Detach": "DETACH", "Pragma": "PRAGMA", "Set": "SET",
    "Use": "USE", "Transaction": "BEGIN TRANSACTION", "Commit": "COMMIT", "Rollback": "ROLLBACK",
    "Install": "INSTALL", "LoadData": "LOAD DATA", "Export": "EXPORT", "Grant": "GRANT",
    "Revoke": "REVOKE", "Analyze": "ANALYZE", "Describe": "DESCRIBE", "Show": "SHOW",
    "Summarize": "SUMMARIZE", "Kill": "KILL", "Refresh": "REFRESH", "Cache": "CACHE",
    "Uncache": "UNCACHE", "Declare": "DECLARE", "Execute": "EXECUTE", "Comment": "COMMENT ON",
    "LockingStatement": "LOCKING", "SwapTable": "SWAP", "MultitableInserts": "INSERT",
    "Into": "SELECT ... INTO (it creates a table)", "Lock": "FOR UPDATE / FOR SHARE (row locks)",
    # Anything sqlglot could not model (LOAD, CALL, VACUUM, EXPLAIN...) arrives as a Command.
    "Command": "",
}
_FORBIDDEN_NODES: tuple[tuple[type[exp.Expr], str], ...] = tuple(
    (getattr(exp, name), label) for name, label in _FORBIDDEN_NODE_LABELS.items() if hasattr(exp, name)
)
_READ_ONLY = "Only read-only questions are allowed"
_ASK_SELECT = "Ask for data with a SELECT query."
NAME_COLUMNS = "Name the columns you need: SELECT a, b FROM t."
_ALLOWED_SOURCES: tuple[type[exp.Expr], ...] = (
    exp.Table, exp.Subquery, exp.Values, exp.Unnest, exp.Lateral,
)
_LATERAL_SOURCES: tuple[type[exp.Expr], ...] = (
    exp.Subquery, exp.Unnest, exp.Explode, exp.GenerateSeries,
)
# Nodes that are not on the lists for a reason worth telling the author.
_EXPLAINED: dict[type[exp.Expr], tuple[str, str]] = {
    exp.TableColumn: ("A whole row of a table cannot be read", NAME_COLUMNS),
    exp.PositionalColumn: ("Columns cannot be picked by their position in the table (#n)", NAME_COLUMNS),
    exp.Pivot: ("PIVOT and UNPIVOT are not allowed", "Use GROUP BY with CASE WHEN for each value."),
    exp.Placeholder: ("Parameters ($1, ?, :name) are not allowed", "Write the values into the SQL."),
    exp.Parameter: ("Parameters and variables are not allowed", "Write the values into the SQL."),
    exp.SessionParameter: ("Session variables are not allowed", "Write the values into the SQL."),
}


def check_nodes(tree: exp.Expr, dialect: str, tables: str) -> None:
    """Raise GuardError for the first node that is not allowed (walking from the root)."""
    use_layer = f"Use only the tables of the semantic layer: {tables}."
    for node in tree.walk():
        label = forbidden_label(node)
        if label:
            raise GuardError(f"{_READ_ONLY}: this SQL contains {label}.", suggestion=_ASK_SELECT)
        _check_source(node, use_layer)
        if isinstance(node, exp.Func):
            _check_function(node, dialect, use_layer)
        else:
            _check_node(node, dialect, use_layer)


def forbidden_label(node: exp.Expr) -> str | None:
    for cls, label in _FORBIDDEN_NODES:
        if isinstance(node, cls):
            if isinstance(node, exp.Command):
                return str(node.this).upper() or "a non-query command"
            kind = node.args.get("kind") if isinstance(node, (exp.Drop, exp.Create, exp.Alter)) else None
            return f"{label} {str(kind).upper()}" if kind else label
    return None


def short(node: exp.Expr | None, limit: int = 60) -> str:
    """The node's SQL for a message, text values blanked and cut to `limit` characters."""
    if node is None:
        return "nothing"
    blanked = node.copy().transform(
        lambda n: exp.Literal.string("...") if isinstance(n, exp.Literal) and n.is_string else n
    )
    text = blanked.sql(comments=False)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _check_source(node: exp.Expr, use_layer: str) -> None:
    if (isinstance(node, exp.Table) and not isinstance(node.this, exp.Identifier)
            and not isinstance(node.this, TABLE_FUNCTIONS)):
        raise GuardError(f"Reading from a table function ({short(node.this)}) is not allowed.", suggestion=use_layer)
    allowed = _LATERAL_SOURCES if isinstance(node, exp.Lateral) else _ALLOWED_SOURCES
    if isinstance(node, (exp.From, exp.Join, exp.Lateral)) and not isinstance(node.this, allowed):
        raise GuardError(f"Reading from {short(node.this)} is not allowed.", suggestion=use_layer)


def _check_function(func: exp.Func, dialect: str, use_layer: str) -> None:
    if isinstance(func, exp.Columns):
        raise GuardError("COLUMNS(...) picks columns by pattern, which could reach columns you may not read.",
                         suggestion=NAME_COLUMNS)
    if not is_allowed_function(func, dialect):
        raise GuardError(
            f"The function {function_name(func)[:40]}() is not allowed: only aggregates, arithmetic, dates, "
            "text, casts and window functions can be used; nothing that reads files, the network, other "
            "databases, whole rows or the server's settings.",
            suggestion=use_layer,
        )
    _check_size(func)
    for arg in func.iter_expressions():
        if isinstance(arg, exp.Star) and not isinstance(func, exp.Count):
            # DuckDB expands f(*) into every column of the table, hidden ones included.
            raise GuardError(f"A star (*) inside {function_name(func)[:40]}() is not allowed.",
                             suggestion=NAME_COLUMNS)


MAX_BUILT = 100_000  # characters a pad may build, elements a series may hold


def _literal_number(node: exp.Expr | None) -> float | None:
    if isinstance(node, exp.Neg):
        inner = _literal_number(node.this)
        return None if inner is None else -inner
    if isinstance(node, exp.Literal) and not node.is_string:
        try:
            return float(node.this)
        except ValueError:
            return None
    return None


def _check_size(func: exp.Func) -> None:
    """Functions that build values from a number: the number must be a small literal. The
    database allocates the whole value before the row cap or the byte cap can see it (a 100 MB
    lpad() took 4 GB before the first row came back)."""
    if isinstance(func, exp.Pad):
        size = _literal_number(func.args.get("expression"))
        if size is None or size > MAX_BUILT:
            raise GuardError(f"{'lpad' if func.args.get('is_left') else 'rpad'}() may only pad to a fixed length of "
                             f"at most {MAX_BUILT:,} characters.", suggestion="Give the length as a small number.")
    elif isinstance(func, (exp.GenerateSeries, exp.ExplodingGenerateSeries)) and not isinstance(func.parent, exp.Table):
        # As a FROM source a series streams row by row (time limit and caps apply); as a value
        # (unnest(range(n)), a list) it is built whole first.
        start, end = _literal_number(func.args.get("start")), _literal_number(func.args.get("end"))
        if start is not None and end is not None and abs(end - start) > MAX_BUILT:
            raise GuardError(f"A series of more than {MAX_BUILT:,} numbers is not allowed.",
                             suggestion="Ask for a narrower range.")


def _check_node(node: exp.Expr, dialect: str, use_layer: str) -> None:
    kind = type(node)  # the exact class: a subclass is a different construct
    if kind in STRUCTURE or kind in OPERATORS:
        if isinstance(node, exp.DataType) and (node.this not in CAST_TYPES or node.args.get("nested")):
            raise GuardError(f"Converting to the type {short(node, 40)} is not allowed.",
                             suggestion="Use text, number, date, time, timestamp, interval or boolean types.")
        return
    if isinstance(node, exp.Dot) and isinstance(node.expression, exp.Func):
        raise GuardError(f"Functions cannot be called with a schema or as a method ({short(node, 40)}).",
                         suggestion="Call the function by its plain name: lower(x), not x.lower().")
    reason, suggestion = _EXPLAINED.get(kind, (f"This SQL uses {short(node, 40)}, which is not allowed here",
                                               "Use plain SELECT, joins, aggregates and the layer's columns."))
    raise GuardError(f"{reason}.", suggestion=suggestion)
