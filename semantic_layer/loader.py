"""Read a layer folder (one or more YAML files), validate it, and report mistakes precisely.

Every error names the file, the path inside it and, where possible, the closest valid
name ("metrics.yaml: metrics[3].expr: unknown measure 'good_cnt'. Did you mean 'good_count'?").
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml
from pydantic import TypeAdapter, ValidationError

from semantic_layer.aggregates import Aggregate
from semantic_layer.errors import LayerError, did_you_mean
from semantic_layer.layer import Layer
from semantic_layer.models import (
    AccessSpec,
    Dimension,
    Genealogy,
    Label,
    LayerSpec,
    Measure,
    Metric,
    Relationship,
    Table,
    UnitSpec,
    VerifiedQuery,
)

DEMO_LAYER_DIR = Path(__file__).resolve().parent / "demo" / "layer"

_SECTIONS: dict[str, Any] = {
    "tables": list[Table],
    "relationships": list[Relationship],
    "dimensions": list[Dimension],
    "measures": list[Measure],
    "metrics": list[Metric],
    "verified_queries": list[VerifiedQuery],
    "units": list[UnitSpec],
    "aggregates": list[Aggregate],
}
_SINGLE: dict[str, Any] = {"genealogy": Genealogy, "access": AccessSpec}  # one mapping, not a list
_HEADER_KEYS = {"name", "label", "description", "default_lang"}


def _format_loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        # libyaml when present: the pure-Python loader costs half a second per start.
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path.name}:{mark.line + 1}" if mark else path.name
        raise LayerError(f"is not valid YAML ({getattr(exc, 'problem', exc)}).", location=where) from None
    if not isinstance(data, dict):
        raise LayerError("must be a mapping of sections (tables, metrics, ...).", location=path.name)
    return data


def _layer_files(folder: str | os.PathLike[str]) -> tuple[Path, list[Path]]:
    root = Path(folder)
    if not root.is_dir():
        raise LayerError(f"The semantic layer folder '{root}' does not exist.",
                         suggestion="Pass --layer with a folder of YAML files.")
    files = sorted(p for p in root.iterdir() if p.suffix in {".yaml", ".yml"})
    if not files:
        raise LayerError(f"No YAML files found in '{root}'.")
    return root, files


def _validated(model: Any, value: Any, where: str) -> None:
    """Validate one section against its model; the first error names its file and path."""
    try:
        TypeAdapter(model).validate_python(value)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise LayerError(err["msg"] + ".", location=f"{where}{_format_loc(err['loc'])}") from None


def _merge_list(merged: dict[str, Any], origin: dict[tuple[str, str], str], path: Path, key: str, value: Any) -> None:
    """Append a list section (tables, metrics, ...) and remember where each item came from."""
    if not isinstance(value, list):
        raise LayerError("must be a list.", location=f"{path.name}: {key}")
    _validated(_SECTIONS[key], value, f"{path.name}: {key}")
    start = len(merged.setdefault(key, []))
    for i, item in enumerate(value):
        name = str(item.get("name") or item.get("question") or item.get("from") or start + i)
        origin[(key, name)] = f"{path.name}: {key}[{i}]"
    merged[key].extend(value)


def read_layer_files(folder: str | os.PathLike[str]) -> tuple[dict[str, Any], dict[tuple[str, str], str]]:
    """Merge the YAML files of a folder. Returns (raw spec, origin) where origin maps
    (section, item name or index) to 'file: section[i]' for error messages."""
    root, files = _layer_files(folder)
    merged: dict[str, Any] = {}
    origin: dict[tuple[str, str], str] = {}
    for path in files:
        for key, value in _read_yaml(path).items():
            if key in _HEADER_KEYS:
                merged[key] = value
            elif key in _SECTIONS:
                _merge_list(merged, origin, path, key, value)
            elif key in _SINGLE:
                _validated(_SINGLE[key], value, f"{path.name}: {key}")
                merged[key] = value
                origin[(key, "")] = f"{path.name}: {key}"
            else:
                raise LayerError(f"unknown section '{key}'.", location=path.name,
                                 suggestion=did_you_mean(key, [*_SECTIONS, *_HEADER_KEYS, *_SINGLE]))
    merged.setdefault("name", root.name)
    if "label" not in merged:
        merged["label"] = Label(en=str(merged["name"]), zh=str(merged["name"])).model_dump()
    return merged, origin


def load_layer(folder: str | os.PathLike[str] | None = None) -> Layer:
    """Load and fully validate a layer folder (default: the demo factory's layer).

    Which folder a deployment uses is a setting (`layer`, env FA_LAYER): read it through
    `assistant.core.settings`, never here."""
    root = Path(folder) if folder is not None else DEMO_LAYER_DIR
    raw, origin = read_layer_files(root)
    try:
        spec = LayerSpec.model_validate(raw)
    except ValidationError as exc:  # reported per file already; this is a safety net
        raise LayerError(str(exc), location=str(root)) from None
    return Layer(spec, origin=origin, folder=root)
