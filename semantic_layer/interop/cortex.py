"""Snowflake Cortex Analyst semantic models: `read` one into a layer, `write` a layer as one.

Import (`layer import --format cortex model.yaml`), in the order of cortex_read.build:

| Cortex                                   | layer                                                        |
|------------------------------------------|--------------------------------------------------------------|
| table, base_table                        | table named by its physical table; logical name a synonym    |
| primary_key, `unique: true`              | primary_key, unique_keys                                     |
| dimensions (column / expression)         | dimensions (column / `expr` expression dimension)            |
| sample_values                            | the dimension's values                                        |
| time_dimensions                          | time_column (the first) and time_roles (the others)          |
| facts/measures with default_aggregation  | a measure and a metric of the same name                      |
| metrics (aggregate SQL)                  | measures + a metric expression over them (ratios included)   |
| relationships                            | relationships with their cardinality                         |
| filters `column = value`                 | words for that value of the column's dimension               |
| synonyms                                 | English synonyms                                              |
| verified_queries                         | verified queries, SQL rewritten over physical names          |

Everything else, and every defect found (an unknown table, a join to an undeclared key, a
repeated base table), is a Finding naming the item (cortex_tables, cortex_fields, cortex_aggs).
Export: cortex_write.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from semantic_layer.errors import LayerError
from semantic_layer.interop import Exported, Imported
from semantic_layer.interop.cortex_read import build

if TYPE_CHECKING:
    from semantic_layer.layer import Layer

_WHAT = "a Cortex Analyst semantic model YAML file (name, tables with base_table, relationships, ...)"


def read(path: Path) -> Imported:
    return build(load_model(path))


def write(layer: Layer, out: Path) -> Exported:
    from semantic_layer.interop.cortex_write import write_model

    return write_model(layer, out)


def load_model(path: Path) -> dict[str, Any]:
    """The model's YAML as a mapping; a clear LayerError for anything that is not one."""
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix in {".yaml", ".yml"})
        models = [p for p in files if _looks_like_model(_yaml(p, quiet=True))]
        if len(models) != 1:
            raise LayerError(f"'{path}' is a folder with {len(models)} Cortex semantic models in it.",
                             suggestion=f"Pass {_WHAT}.")
        path = models[0]
    if not path.is_file():
        raise LayerError(f"'{path}' does not exist.", suggestion=f"Pass {_WHAT}.")
    data = _yaml(path, quiet=False)
    if not _looks_like_model(data):
        raise LayerError(f"'{path}' is not a Cortex Analyst semantic model: it has no `tables` list whose entries "
                         "have a `base_table`.", suggestion=f"Pass {_WHAT}.")
    assert isinstance(data, dict)
    return data


def _yaml(path: Path, *, quiet: bool) -> object:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        if quiet:
            return None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise LayerError(f"'{path}' cannot be read as YAML ({problem}).", suggestion=f"Pass {_WHAT}.") from None


def _looks_like_model(data: object) -> bool:
    tables = data.get("tables") if isinstance(data, dict) else None
    return isinstance(tables, list) and any(isinstance(t, dict) and "base_table" in t for t in tables)
