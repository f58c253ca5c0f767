"""Start-up work kept on disk between processes (the member catalogue, the rule planner's
vocabulary, the summary tables a database has), so a new CLI process does not rebuild what the last one already built.

An entry is one pickle file per (kind, key). Whoever saves names everything the value was built
from in the key; the cache adds the code itself (size and modification time of every module of
`assistant` and `semantic_layer`), so a changed builder or a changed class never meets an old
pickle. An entry that cannot be read, whatever the reason, counts as missing: the caller builds
the value again and the bad file is replaced. Saving is best effort: a read-only or full disk
costs speed, never an answer.

Pickle runs code of the classes it names while loading, so the folder must be as private as the
code is: the default is the user's own cache folder (`cache_dir`). `startup_cache = false`
switches it off.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import pickle
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from assistant.core.settings import Settings

T = TypeVar("T")
_FORMAT = 1  # bump when the file layout below changes
_KEEP = 4  # entries kept per kind: a few databases or layers in turn stay warm, the folder stays small


@functools.cache
def code_identity() -> str:
    """What the running code is: every module file's path, size and modification time (~3 ms,
    once per process), and the Python version (pickles of one version may not load in another)."""
    import semantic_layer

    parts = [sys.version, str(pickle.HIGHEST_PROTOCOL)]
    for package in (Path(__file__).resolve().parents[1], Path(semantic_layer.__file__).resolve().parent):
        for root, dirs, files in os.walk(package):
            dirs.sort()
            for name in sorted(files):
                if name.endswith(".py"):
                    stat = os.stat(os.path.join(root, name))
                    parts.append(f"{os.path.relpath(os.path.join(root, name), package)}:{stat.st_size}:"
                                 f"{stat.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


class DiskCache:
    """Pickled values by (kind, key) in `folder`; `folder=None` keeps nothing."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder

    @classmethod
    def from_settings(cls, settings: Settings) -> DiskCache:
        return cls(settings.cache_path() / "startup" if settings.startup_cache else None)

    @property
    def enabled(self) -> bool:
        return self.folder is not None

    def _file(self, kind: str, key: Sequence[str]) -> tuple[Path, tuple[str, ...]]:
        assert self.folder is not None
        full = (str(_FORMAT), code_identity(), kind, *key)
        digest = hashlib.sha256("\0".join(full).encode()).hexdigest()[:32]
        return self.folder / f"{kind}-{digest}.pickle", full

    def load(self, kind: str, key: Sequence[str], expected: type[T]) -> T | None:
        """The value saved under (kind, key) when it is an `expected`; None otherwise."""
        if self.folder is None:
            return None
        path, full = self._file(kind, key)
        try:
            with path.open("rb") as fh:
                stored_key, value = pickle.load(fh)
        except FileNotFoundError:
            return None
        except Exception:  # truncated, corrupt, or naming a class that is gone: rebuild
            _remove(path)
            return None
        # The file name is a hash of the key: the key inside guards against a collision or a
        # file copied in under another name.
        if stored_key != full or not isinstance(value, expected):
            _remove(path)
            return None
        return value

    def kept(self, kind: str, key: Sequence[str], expected: type[T]) -> tuple[Callable[[], T | None],
                                                                             Callable[[T], None]]:
        """(load, save) of one entry, for a caller that decides itself when to build the value."""
        return (lambda: self.load(kind, key, expected), lambda value: self.save(kind, key, value))

    def save(self, kind: str, key: Sequence[str], value: Any) -> None:
        if self.folder is None:
            return
        path, full = self._file(kind, key)
        tmp: str | None = None
        try:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            # Written aside and renamed: a reader in another process sees the old file or the
            # whole new one, never half of it.
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=f".{kind}-", suffix=".tmp")
            with os.fdopen(fd, "wb") as fh:
                pickle.dump((full, value), fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
            tmp = None
            self._prune(kind, keep=path)
        except (OSError, pickle.PicklingError, TypeError, AttributeError):
            pass  # best effort: the value was built and is used; only the next start pays again
        finally:
            if tmp is not None:
                _remove(Path(tmp))

    def _prune(self, kind: str, *, keep: Path) -> None:
        """Drop the oldest entries of `kind` beyond the few kept (old layers, databases, code)."""
        assert self.folder is not None
        entries = sorted(self.folder.glob(f"{kind}-*.pickle"), key=_mtime, reverse=True)
        for old in [e for e in entries if e != keep][_KEEP - 1:]:
            _remove(old)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()
