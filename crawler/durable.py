"""Durable writes, once: whole writes, atomic replaces, fsync of the directory that names a file.

Every file the archiver keeps goes through here, so that what is written is never lost or
half-written, even on kill -9: a replace is a temporary file written whole and fsynced,
renamed over the target, then the directory fsynced; a new file is created exclusively.
"""

from __future__ import annotations

import os
from pathlib import Path

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def write_all(fd: int, data: bytes | memoryview) -> None:
    """Write every byte of `data` to `fd` (os.write may write less on a full disk or a signal)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def fsync_dir(directory: Path) -> None:
    """Make a rename or a new file in `directory` durable."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_new(path: Path, data: bytes, *, sync_dir: bool = True) -> None:
    """Create `path` (never an existing file or a symlink) holding `data`, fsynced."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | os.O_CLOEXEC, 0o644)
    try:
        write_all(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    if sync_dir:
        fsync_dir(path.parent)


def replace_atomically(path: Path, data: bytes | str) -> None:
    """Replace `path` by `data`: a reader sees the old file or the new one, never half of one.

    The temporary name carries the pid, so concurrent writers of one directory never share it;
    a leftover from a killed process is harmless and removed by the next replace of this pid.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    write_new(tmp, raw, sync_dir=False)
    os.replace(tmp, path)
    fsync_dir(path.parent)


def replace_tail(path: Path, offset: int, data: bytes) -> None:
    """Cut `path` at `offset` and write `data` there, fsynced (recovery of a partition's tail)."""
    fd = os.open(path, os.O_WRONLY | _NOFOLLOW | os.O_CLOEXEC)
    try:
        os.ftruncate(fd, offset)
        os.lseek(fd, offset, os.SEEK_SET)
        write_all(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
