"""Durable writes, once: whole writes, atomic replaces, fsync of the directory that names a file.

Every file the archiver keeps goes through here, so that what is written is never lost or
half-written, even on kill -9: a replace is a temporary file written whole and fsynced,
renamed over the target, then the directory fsynced; a new file is created exclusively.
SQLite state files are opened here too (`open_sqlite`), so that an unreadable one is moved
aside and started again rather than blocking every later run.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

logger = logging.getLogger(__name__)

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


_UNREADABLE_CODES = frozenset({sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB})


def open_sqlite(
    path: Path, setup: Callable[[sqlite3.Connection], None], *, timeout: float = 30, check_same_thread: bool = True
) -> sqlite3.Connection:
    """Connect to the SQLite state file `path` and run `setup` on it (pragmas, schema).

    `check_same_thread=False` lets a connection opened here be used by another thread (one
    at a time, which the caller then guarantees).

    An unreadable file (not a database, corrupt) is moved aside, with its WAL and shared-memory
    files, to `<name>.corrupt-<UTC time>` with one log line, and a new one is started: every state
    file can be rebuilt (the dedup state from the export files) or started empty (frontier,
    validators, walk checkpoints, revisit index), so a damaged file never blocks later runs.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o755)
    try:
        return _connect(path, setup, timeout, check_same_thread)
    except sqlite3.DatabaseError as exc:
        if (getattr(exc, "sqlite_errorcode", 0) & 0xFF) not in _UNREADABLE_CODES:
            raise
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        for suffix in ("", "-wal", "-shm"):
            source = path.with_name(path.name + suffix)
            if source.exists():
                os.replace(source, path.with_name(f"{path.name}.corrupt-{stamp}{suffix}"))
        fsync_dir(path.parent)
        logger.warning("%s is unreadable (%s): moved aside to %s.corrupt-%s, starting a new one", path, exc,
                       path.name, stamp)  # fmt: skip
        return _connect(path, setup, timeout, check_same_thread)


def _connect(
    path: Path, setup: Callable[[sqlite3.Connection], None], timeout: float, check_same_thread: bool
) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=timeout, isolation_level=None, check_same_thread=check_same_thread)
    try:
        setup(db)
    except BaseException:
        db.close()
        raise
    return db
