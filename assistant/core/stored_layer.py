"""The semantic layer read back from the start-up cache when its YAML files are unchanged.

Reading and validating the YAML is a tenth of a second of every CLI start; the loaded layer is
a function of the folder's files and the code alone, so their names, sizes and modification
times are the key (the disk cache adds the code). A layer that fails to load is never kept:
its error is raised by `load_layer` as before.
"""

from __future__ import annotations

from pathlib import Path

from assistant.core.disk_cache import DiskCache
from semantic_layer.layer import Layer
from semantic_layer.loader import DEMO_LAYER_DIR, load_layer


def load_layer_kept(folder: str | Path | None, disk: DiskCache) -> Layer:
    root = Path(folder) if folder is not None else DEMO_LAYER_DIR
    key = _files_key(root) if disk.enabled else None
    if key is None:
        return load_layer(root)
    layer = disk.load("layer", key, Layer)
    if layer is None:
        layer = load_layer(root)
        _ = layer.fingerprint  # computed once here rather than in every process that reads it back
        disk.save("layer", key, layer)
    return layer


def _files_key(root: Path) -> tuple[str, ...] | None:
    """The folder and each YAML file's name, size and modification time (what `load_layer`
    reads); None when the folder cannot be listed (load_layer then says why)."""
    try:
        files = sorted(p for p in root.iterdir() if p.suffix in {".yaml", ".yml"})
        stats = [(p.name, p.stat()) for p in files]
    except OSError:
        return None
    return (str(root.resolve()), *(f"{name}:{st.st_size}:{st.st_mtime_ns}" for name, st in stats))
