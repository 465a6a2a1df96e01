"""Cutting lines out of a partition's unpublished tail during recovery, safely against a crash midway.

Used in distributed mode when a replayed line lost its dedup claim to another worker (see
`crawler.store.writer`). The tail (from `start`, the manifest's byte count, to the end) is
first copied durably to `<partition>.rewrite-<start>`; then the partition is cut back to
`start` and the kept lines are appended again; then the copy is deleted. A crash anywhere
in between leaves the copy, and `finish_interrupted_rewrites` puts the whole tail back on
the next open, so recovery simply runs again (claims are idempotent): no kept line is lost.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from crawler.durable import fsync_dir, replace_atomically, replace_tail
from crawler.store.layout import iter_lines

logger = logging.getLogger(__name__)

_SUFFIX = ".rewrite-"


def drop_lines(path: Path, start: int, keep: Sequence[bool]) -> int:
    """Remove the complete lines after byte `start` whose `keep` flag is False; return how many were removed."""
    lines = [line for _, line in iter_lines(path, start)]
    if len(lines) != len(keep):
        raise ValueError(f"{path}: {len(lines)} lines after byte {start}, {len(keep)} flags")
    backup = path.with_name(f"{path.name}{_SUFFIX}{start}")
    with path.open("rb") as handle:
        handle.seek(start)
        # Renamed into place whole: a backup that exists is a complete one (restored below).
        replace_atomically(backup, handle.read())
    kept = b"".join(line + b"\n" for line, flag in zip(lines, keep, strict=True) if flag)
    replace_tail(path, start, kept)
    backup.unlink()
    fsync_dir(path.parent)
    removed = keep.count(False)
    logger.warning("%s: %d line(s) another worker had committed first were cut out", path, removed)
    return removed


def finish_interrupted_rewrites(path: Path) -> None:
    """Put back the tail of a `drop_lines` that a crash interrupted (the copy holds all of it)."""
    for backup in sorted(path.parent.glob(f"{path.name}{_SUFFIX}*")):
        start = int(backup.name.rsplit("-", 1)[1])
        replace_tail(path, start, backup.read_bytes())
        backup.unlink()
        fsync_dir(path.parent)
        logger.warning("%s: restored the tail of an interrupted rewrite from %s", path, backup.name)
