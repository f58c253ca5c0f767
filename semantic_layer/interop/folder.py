"""Write an imported LayerSpec as a layer folder: one `layer.yaml`, findings as comments on top."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from semantic_layer.safe_write import write_atomic

if TYPE_CHECKING:
    from semantic_layer.interop import Finding
    from semantic_layer.models import LayerSpec


def spec_to_yaml(spec: LayerSpec) -> str:
    """The spec as YAML, defaults left out so the file reads like a hand-written layer."""
    data: dict[str, Any] = spec.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    return yaml.safe_dump(_one_language(data), allow_unicode=True, sort_keys=False, width=110)


def _one_language(value: Any, key: str = "") -> Any:
    """A label given in one language is filled with the same words in the other when it loads;
    written back, it says so once ({en: Claims}), not twice. Only labels: a unit's suffix keeps both."""
    if isinstance(value, dict):
        if key == "label" and set(value) == {"en", "zh"} and value["en"] == value["zh"]:
            return {"en": value["en"]}
        return {k: _one_language(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_one_language(v, key) for v in value]
    return value


def write_layer_folder(spec: LayerSpec, out: Path, *, source: str, findings: list[Finding]) -> Path:
    """`out/layer.yaml`, headed by where it came from and every finding, to review by hand."""
    out.mkdir(parents=True, exist_ok=True)
    head = [f"# Imported from {source}. Review it, then: factory-assistant layer validate --layer {out} --db URL"]
    if findings:
        head.append(f"# {len(findings)} finding(s) of the import, each to review:")
        head += [f"#   {f}".replace("\n", " ") for f in findings]
    target = out / "layer.yaml"
    write_atomic(target, "\n".join(head) + "\n" + spec_to_yaml(spec))
    return target
