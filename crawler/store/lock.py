"""Per-portal run lock: two runs of one portal never overlap; different portals run side by side.

The lock is an exclusive `flock` on `<exports>/.locks/<portal>.lock`: it lives with the files it
guards, so two runs writing one exports directory exclude each other whatever their state
directories. The kernel drops it
when the process ends, however it ends (kill -9 included), so a crashed run never leaves a
stale lock behind. The `crawl` command takes it before the crawl starts (a second run
refuses with `EXIT_LOCKED`); the JSONL writer takes it again before touching a portal's
files, which is a no-op in the same process (locks are counted per process, because
`flock` on a second descriptor of the same file would conflict with the first) and a
safeguard for any other way of starting a crawl.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from crawler.paths import locks_dir

_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*\Z")


class LockedError(RuntimeError):
    """Another process holds the portal's lock; the message is one line."""


@dataclass
class PortalLock:
    portal: str
    path: Path
    fd: int
    holders: int = 1

    def release(self) -> None:
        self.holders -= 1
        if self.holders == 0:
            _HELD.pop(self.path, None)
            os.close(self.fd)  # closing the descriptor drops the flock


_HELD: dict[Path, PortalLock] = {}


def acquire(exports_root: Path, portal: str) -> PortalLock:
    """Take `portal`'s lock under `exports_root` without waiting; raise `LockedError` if another process holds it."""
    if not _SAFE_NAME.match(portal):
        raise ValueError(f"portal name {portal!r} cannot name a lock file")
    path = (locks_dir(exports_root) / f"{portal}.lock").absolute()
    if path in _HELD:
        _HELD[path].holders += 1
        return _HELD[path]
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o755)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _describe_holder(fd)
        os.close(fd)
        raise LockedError(f"{portal}: another run holds the lock {path}{holder}; not starting") from None
    # Who holds it, for the refusal message of the next run; the content is informative only.
    os.ftruncate(fd, 0)
    about = {"pid": os.getpid(), "since": datetime.now(UTC).isoformat(timespec="seconds")}
    os.pwrite(fd, json.dumps(about).encode(), 0)
    lock = PortalLock(portal, path, fd)
    _HELD[path] = lock
    return lock


def _describe_holder(fd: int) -> str:
    try:
        info = json.loads(os.pread(fd, 4096, 0) or b"{}")
        return f" (pid {info['pid']}, since {info['since']})"
    except (ValueError, KeyError, OSError):
        return ""
