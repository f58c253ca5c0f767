"""Bootstrap a semantic layer from a live database: open it read-only, introspect it, guess a
layer (keys, joins, dimensions, measures, time columns) and write it as commented YAML.

Everything here reads the database only; nothing imports `assistant` (the layer package stays
usable on its own, and import-linter checks it)."""

from semantic_layer.bootstrap.connect import DatabaseCheck, check_database, stored_url
from semantic_layer.bootstrap.guess import guess_layer
from semantic_layer.bootstrap.introspect import (
    BootstrapError,
    TableInfo,
    introspect,
    list_tables,
    mask_url,
    open_read_only,
    resolve_url,
)
from semantic_layer.bootstrap.write import write_layer

__all__ = ["BootstrapError", "DatabaseCheck", "TableInfo", "check_database", "guess_layer", "introspect",
           "list_tables", "mask_url", "open_read_only", "resolve_url", "stored_url", "write_layer"]
