"""Every member the demo layer labels exists in the demo data: a key spelled otherwise than the
column holds it ('electronic_components' for 'electronic components') leaves the member without its
labels and synonyms, so '电子元器件' could never find it."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from semantic_layer.layer import Layer


def test_every_labelled_value_is_in_the_data(demo_db: Path, layer: Layer) -> None:
    missing: list[str] = []
    with duckdb.connect(str(demo_db), read_only=True) as con:
        for spec in layer.spec.dimensions:
            if not spec.values or layer.tables[spec.table].derived:
                continue
            dim = layer.dimension(spec.name)
            column = dim.key_column or dim.column  # members are keyed by the key column when there is one
            if not column.isidentifier():
                continue  # an expression, not a column
            held = {str(r[0]) for r in con.execute(f'SELECT DISTINCT "{column}" FROM "{spec.table}"').fetchall()}
            missing += [f"{spec.name}: {key!r}" for key in spec.values if str(key) not in held]
    assert not missing, f"labelled values not in the data: {missing}"


def test_the_check_sees_a_misspelt_key(demo_db: Path, layer: Layer) -> None:
    """The check above can fail: a key spelt with an underscore is not what the column holds."""
    with duckdb.connect(str(demo_db), read_only=True) as con:
        held = {r[0] for r in con.execute("SELECT DISTINCT material_type FROM materials").fetchall()}
    assert "electronic components" in held and "electronic_components" not in held
    spec = next(d for d in layer.spec.dimensions if d.name == "material_type")
    assert "electronic components" in spec.values


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(pytest.main([__file__]))
