"""Locked, atomic writes of our own files: the layer's YAML and what the tools write beside it.

Eight `eval promote` runs at once used to keep three or four entries: each read the file,
wrote the same fixed temporary name and renamed it, so later writers overwrote earlier ones.
Every write here instead

1. takes an exclusive lock on a lock file beside the target (`.<name>.lock`, never `*.yaml`,
   so a layer folder never loads it), so read-change-write is one step for every writer;
2. re-reads the target under that lock, so a change is made to what is there now;
3. writes a uniquely named temporary file in the same folder (same filesystem, so the rename
   is atomic), fsyncs it, gives it the target's permissions and `os.replace`s it into place.

A reader therefore sees the old file or the new one, never half of one. A target that may not
be written (read-only file, folder or filesystem) is a `FileWriteError` saying so, never a
traceback. This module lives in `semantic_layer` so that every package may use it.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

from filelock import FileLock, Timeout

from semantic_layer.errors import FactoryAssistantError

__all__ = ["GENERIC_HINT", "LAYER_HINT", "FileWriteError", "Hint", "check_writable", "locked_update",
           "locked_update_text", "read_only_error", "write_atomic"]

# What to try when the target cannot be written, (en, zh): the caller knows the way out.
Hint = tuple[str, str]
GENERIC_HINT: Hint = ("choose a writable location", "请换一个可写的位置")
LAYER_HINT: Hint = ("copy the layer folder somewhere writable and pass --layer",
                    "请把语义层文件夹复制到可写的位置，再用 --layer 指定它")

# errno values that mean "you may not write here" rather than "something broke".
_DENIED = frozenset({errno.EACCES, errno.EPERM, errno.EROFS})
_LOCK_WAIT_S = 60.0


class FileWriteError(FactoryAssistantError):
    """One of our files could not be written; nothing was changed. Carries both languages."""

    def __init__(self, en: str, zh: str, *, path: Path) -> None:
        super().__init__(en)
        self.zh = zh
        self.path = path

    def text(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.message


def read_only_error(path: Path, hint: Hint = GENERIC_HINT) -> FileWriteError:
    return FileWriteError(f"cannot write {path}: read-only; {hint[0]}",
                          f"无法写入 {path}：只读；{hint[1]}", path=path)


def _writable(path: Path) -> bool:
    # Root passes os.access() for everything, so the write bits are asked as well: a file or
    # folder someone made read-only on purpose is not replaced behind their back.
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return os.access(path, os.W_OK) and bool(mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def check_writable(path: str | os.PathLike[str], hint: Hint = GENERIC_HINT) -> None:
    """Raise FileWriteError now if `path` could not be written (a read-only file or folder, or a
    folder where the file should be), so slow work before a write can be skipped. Creates nothing."""
    target = Path(os.path.realpath(path))
    if target.is_dir():
        raise FileWriteError(f"cannot write {target}: it is a folder, not a file",
                             f"无法写入 {target}：这是一个文件夹，不是文件", path=target)
    folder = target.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent  # a missing folder will be made inside the nearest existing one
    for place in (folder, target) if target.exists() else (folder,):
        if not _writable(place):
            raise read_only_error(place, hint)


def _os_error(exc: OSError, path: Path, hint: Hint) -> FileWriteError:
    if exc.errno in _DENIED or isinstance(exc, PermissionError):
        return read_only_error(path, hint)
    reason = exc.strerror or type(exc).__name__
    return FileWriteError(f"cannot write {path}: {reason}; nothing was changed",
                          f"无法写入 {path}：{reason}；文件没有改动", path=path)


def _fsync_folder(folder: Path) -> None:
    # The rename itself lives in the folder's entry; without this a crash can undo it.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some filesystems cannot fsync a folder; the file itself is already synced
    finally:
        os.close(fd)


def _umask() -> int:
    # Linux shows it without changing it; os.umask() can only be read by setting it, which
    # briefly changes it for every thread of the process.
    try:
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    current = os.umask(0o022)
    os.umask(current)
    return current


def _replace(path: Path, data: bytes) -> None:
    """Write `data` to a unique temporary file beside `path`, fsync it and rename it over `path`."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        mode = 0o666 & ~_umask()  # what open() would have given a new file
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp",
                                     delete=False) as handle:
        tmp = Path(handle.name)
        try:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        except BaseException:
            handle.close()
            tmp.unlink(missing_ok=True)
            raise
    try:
        os.chmod(tmp, mode)  # NamedTemporaryFile makes 0600; keep the target's permissions
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_folder(path.parent)


def locked_update(path: str | os.PathLike[str], change: Callable[[bytes | None], bytes | None], *,
                  hint: Hint = GENERIC_HINT, timeout_s: float = _LOCK_WAIT_S) -> bool:
    """Under the target's lock: `change(current bytes or None if absent)` -> new bytes, or None
    to leave the file alone. Returns whether the file was written. Errors raised by `change`
    propagate with the file untouched."""
    target = Path(os.path.realpath(path))  # through a symlink: replace the file, keep the link
    check_writable(target, hint)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _os_error(exc, target.parent, hint) from None
    lock = FileLock(str(target.with_name(f".{target.name}.lock")), timeout=timeout_s)
    try:
        lock.acquire()
    except Timeout:  # a TimeoutError, hence an OSError: must be caught first
        raise FileWriteError(
            f"cannot write {target}: another process kept it locked for {timeout_s:.0f} s; try again",
            f"无法写入 {target}：另一个进程占用它超过 {timeout_s:.0f} 秒；请稍后再试", path=target) from None
    except OSError as exc:  # the lock file itself could not be created or opened
        raise _os_error(exc, target, hint) from None
    try:
        try:
            current = target.read_bytes() if target.exists() else None
        except OSError as exc:
            raise _os_error(exc, target, hint) from None
        new = change(current)
        if new is None or new == current:
            return False
        try:
            _replace(target, new)
        except OSError as exc:
            raise _os_error(exc, target, hint) from None
        return True
    finally:
        lock.release()


def locked_update_text(path: str | os.PathLike[str], change: Callable[[str | None], str | None], *,
                       hint: Hint = GENERIC_HINT, encoding: str = "utf-8") -> bool:
    """`locked_update` for text files."""

    def on_bytes(current: bytes | None) -> bytes | None:
        try:
            text = None if current is None else current.decode(encoding)
        except UnicodeDecodeError as exc:
            where = Path(path)
            raise FileWriteError(f"cannot update {where}: it is not {encoding} text ({exc.reason})",
                                 f"无法更新 {where}：它不是 {encoding} 文本", path=where) from None
        new = change(text)
        return None if new is None else new.encode(encoding)

    return locked_update(path, on_bytes, hint=hint)


def write_atomic(path: str | os.PathLike[str], data: bytes | str, *, hint: Hint = GENERIC_HINT) -> None:
    """Replace the whole file with `data` (text is written as UTF-8), locked and atomically."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    locked_update(path, lambda _current: payload, hint=hint)
