"""Import other tools' semantic models into this layer format, and export ours to them.

Each format is one module with two functions:

- `read(path) -> Imported`: the layer (a LayerSpec, not yet loaded) and a report. Every
  construct the format cannot carry over, and every defect found in the source, is a `Finding`
  with the source item's name: nothing is dropped in silence.
- `write(layer, out) -> list[Path]`: our layer in that format; findings for what it cannot say.

Formats: `dbt` (MetricFlow semantic models and metrics, semantic_layer/interop/dbt.py) and
`cortex` (Snowflake Cortex Analyst semantic model YAML, semantic_layer/interop/cortex.py).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

from semantic_layer.errors import LayerError

if TYPE_CHECKING:
    from semantic_layer.layer import Layer
    from semantic_layer.models import LayerSpec

FORMATS: tuple[str, ...] = ("dbt", "cortex")

Severity = Literal["unsupported", "defect", "guess"]


@dataclass(frozen=True)
class Finding:
    """One thing a person must know about an import or export.

    unsupported: a construct of the source this format cannot express (left out, named here).
    defect: something wrong in the source itself (a non-unique key, a mistyped field).
    guess: a choice the importer made that a person should review (a label, a unit)."""

    severity: Severity
    item: str  # the source's name for it: "semantic_models.policy.measures.number_of_policies"
    message: str

    def __str__(self) -> str:
        return f"[{self.severity}] {self.item}: {self.message}"


@dataclass
class Imported:
    spec: LayerSpec
    findings: list[Finding] = field(default_factory=list)


@dataclass
class Exported:
    files: list[Path]
    findings: list[Finding] = field(default_factory=list)


class _Format(Protocol):
    def read(self, path: Path) -> Imported: ...

    def write(self, layer: Layer, out: Path) -> Exported: ...


def _module(fmt: str) -> _Format:
    if fmt not in FORMATS:
        raise LayerError(f"unknown format '{fmt}'.", suggestion=f"Use one of: {', '.join(FORMATS)}.")
    module: _Format = importlib.import_module(f"semantic_layer.interop.{fmt}")
    return module


def import_model(fmt: str, path: Path) -> Imported:
    return _module(fmt).read(path)


def export_layer(fmt: str, layer: Layer, out: Path) -> Exported:
    return _module(fmt).write(layer, out)
