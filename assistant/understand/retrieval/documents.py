"""Turn a semantic layer (and its value catalogue) into retrieval documents, and open the index.

Documents: one per metric, dimension, dimension member and verified question, each
carrying names, labels and synonyms in both languages. The index's content hash covers
the layer and the data's members, so it rebuilds when either changes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from assistant.core.disk_cache import DiskCache
from assistant.understand.catalogue import ValueCatalogue
from semantic_layer.layer import Layer


def layer_documents(layer: Layer, values: ValueCatalogue) -> list[Any]:
    from assistant.understand.retrieval import Doc

    docs: list[Doc] = []
    for m in layer.spec.metrics:
        text = " | ".join([m.name.replace("_", " "), m.label.en, m.label.zh, *m.synonyms.all(), m.description])
        docs.append(Doc(id=f"metric:{m.name}", kind="metric", text=text, payload={"ref": m.name}))
    for d in layer.spec.dimensions:
        text = " | ".join([d.name.replace("_", " "), d.label.en, d.label.zh, *d.synonyms.all(), d.description])
        docs.append(Doc(id=f"dimension:{d.name}", kind="dimension", text=text, payload={"ref": d.name}))
    for member in values.members:
        label = layer.dimension(member.dimension).label
        text = " | ".join([*member.forms, label.en, label.zh])
        docs.append(Doc(id=f"value:{member.dimension}:{member.key}", kind="value", text=text,
                        payload={"ref": member.dimension, "key": member.key}))
    for i, vq in enumerate(layer.spec.verified_queries):
        payload: dict[str, str | int | float | bool] = {"ref": str(i), "lang": vq.lang}
        if vq.sql:
            payload["sql"] = vq.sql
        docs.append(Doc(id=f"verified:{i}", kind="verified", text=vq.question, payload=payload))
    return docs


def open_index(layer: Layer, values: ValueCatalogue, index_dir: Path, *, progress: bool = True,
               cache: DiskCache | None = None) -> Any:
    from assistant.understand.retrieval import RetrievalIndex

    path = index_dir / layer.spec.name
    path.mkdir(parents=True, exist_ok=True)
    docs = layer_documents(layer, values)
    return RetrievalIndex.build(docs, path, progress=progress, cache=cache,
                               fingerprint_extra=f"{layer.fingerprint}:{values.fingerprint}")
