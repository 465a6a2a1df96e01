"""Durable appends to one portal's partition files, its manifest, and recovery after a crash.

`PortalWriter` holds the portal's run lock for as long as it is open, so no other process
writes the same files. On open it repairs what a killed run may have left:

* a torn last line (killed mid-write) is moved to a quarantine file (`crawler.store.layout`);
* complete lines beyond the manifest's byte count were written but maybe not committed to
  the dedup state (killed between fsync and commit): they are replayed into the state,
  which is idempotent, so they count as stored and are not fetched or exported again;
* a manifest from another dedup state (the state was deleted or moved) makes every line
  replay, rebuilding the state from the files;
* in distributed mode (`worker` set: this worker's own files and manifest, lock per
  portal and worker) a replayed line whose (id, revision) another worker committed first is
  a duplicate written in the window between write and claim: it is cut out of the file
  (`crawler.store.tail`), so the archive keeps the first committed copy only.

Each record is one `write` of one complete line on an O_APPEND descriptor, made at once;
`cut` then closes a group of them, whose descriptors are fsynced together (group commit,
driven by `pipelines.groupcommit`) before the group is committed to the dedup state and
counted in the manifest (`stage`). `drop` cuts unpublished lines out again (their dedup
claims were lost to another worker).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from crawler.durable import fsync_dir, write_all
from crawler.paths import refuse_symlinks
from crawler.store.layout import (
    Manifest,
    PartitionEntry,
    iter_lines,
    manifest_name,
    partition_files,
    portal_dir,
    quarantine_torn_tail,
    remove_stale_temporaries,
    worker_of,
)
from crawler.store.lock import acquire
from crawler.store.tail import drop_lines, finish_interrupted_rewrites

logger = logging.getLogger(__name__)


@dataclass
class Replayed:
    new: int
    """Records the state did not know."""
    lost: set[int] = field(default_factory=set)
    """Indexes of records another writer committed first (distributed mode): to be cut out of the file."""


Replay = Callable[[list[dict[str, Any]]], Replayed]
"""Commits recovered records to the dedup state."""


@dataclass
class Recovery:
    quarantined: list[Path] = field(default_factory=list)
    replayed: int = 0
    """Lines read back from the files into the state."""
    restored: int = 0
    """Of those, records the state did not know (written, then killed before the commit)."""
    unreadable: int = 0
    dropped: int = 0
    """Lines cut out because another worker committed the same version first."""


@dataclass
class _Open:
    fd: int
    entry: PartitionEntry
    """Everything written so far (`sha256` field filled in by `cut`)."""
    sha256: Any  # hashlib object, fed with every byte of the file
    dirty: bool = False
    """Written since the last `cut`."""


@dataclass
class Cut:
    """The state of every partition written since the previous cut: what one group commit makes durable."""

    entries: dict[str, PartitionEntry]
    """Manifest entries covering every line written before the cut, per partition written to."""
    fds: list[int]
    """Duplicates of those partitions' descriptors, to fsync (off the reactor thread) and close; and
    descriptors of the directories in which partitions were created since the previous cut."""


class PortalWriter:
    def __init__(self, root: Path, portal: str, state_dir: Path, state_id: str, worker: str | None = None) -> None:
        self.portal = portal
        self.worker = worker
        self.directory = portal_dir(root, portal)
        self.state_id = state_id
        # The lock lives with the exports (`crawler.store.lock`); `state_dir` only names the caller's state.
        self._lock = acquire(root, f"{portal}.{worker}" if worker else portal)
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o755)
        self.manifest = self._load_manifest()
        self._open: dict[str, _Open] = {}
        self._new_names: set[Path] = set()
        """Directories holding files created since the last cut, fsynced with the cut's files."""
        self.failed: BaseException | None = None
        """Set when a group commit failed: nothing more is written or published this run (`pipelines.groupcommit`)."""

    def _load_manifest(self) -> Manifest:
        """The manifest, or a new one; an unreadable one is moved aside and rebuilt from the files by `recover`."""
        try:
            found = Manifest.load(self.directory, self.worker)
            return found or Manifest(self.portal, self.state_id, worker=self.worker)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:  # bad JSON, bad UTF-8, wrong shape
            path = self.directory / manifest_name(self.worker)
            aside = path.with_name(f"{path.name}.corrupt-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S%fZ')}")
            os.replace(path, aside)
            fsync_dir(self.directory)
            logger.warning("%s is unreadable (%s): moved aside to %s, rebuilding it from the files", path,
                           str(exc)[:200], aside.name)  # fmt: skip
            # No state id: every file is read again, its lines replayed into the state (idempotent), its entry rebuilt.
            return Manifest(self.portal, "", worker=self.worker)

    # --- recovery -----------------------------------------------------------------------------------------
    def recover(self, replay: Replay) -> Recovery:
        report = Recovery()
        remove_stale_temporaries(self.directory, self.worker)
        rebuild = self.manifest.state_id != self.state_id
        for name in partition_files(self.directory):
            if worker_of(name) != self.worker:
                continue  # another worker's file: only its writer may touch it
            path = self.directory / name
            finish_interrupted_rewrites(path)
            torn = quarantine_torn_tail(path)
            if torn is not None:
                logger.warning("torn last line of %s moved to %s", path, torn.name)
                report.quarantined.append(torn)
            start = self._replay_from(name, path.stat().st_size, rebuild)
            if start is not None:
                self._replay(path, start, replay, report)
                self.manifest.partitions[name] = _entry_of(path)
        self.manifest.state_id = self.state_id
        self.manifest.save(self.directory)
        return report

    def _replay_from(self, name: str, size: int, rebuild: bool) -> int | None:
        entry = self.manifest.partitions.get(name)
        if rebuild or entry is None:
            return 0
        if size < entry.bytes:
            logger.error("%s/%s is shorter than its manifest entry (%d < %d)", self.portal, name, size, entry.bytes)
            return 0
        return entry.bytes if size > entry.bytes else None

    def _replay(self, path: Path, start: int, replay: Replay, report: Recovery) -> None:
        records, lines = [], []
        for offset, line in iter_lines(path, start):
            try:
                records.append(json.loads(line))
                lines.append(len(records) - 1)
            except ValueError:
                logger.error("unreadable line at byte %d of %s", offset, path)
                report.unreadable += 1
                lines.append(-1)
        report.replayed += len(records)
        outcome = replay(records)
        report.restored += outcome.new
        if outcome.lost:
            keep = [index < 0 or index not in outcome.lost for index in lines]
            report.dropped += drop_lines(path, start, keep)

    # --- appends --------------------------------------------------------------------------------------------
    def write(self, partition: str, line: bytes) -> int:
        """Write one complete line in one `write` (no fsync: a later `cut` covers it); return its offset."""
        if self.failed is not None:
            # Chained, so the caller sees the storage error behind it (one line, not a traceback per record).
            raise OSError(f"{self.portal}: writer stopped after a failed commit: {self.failed}") from self.failed
        handle = self._handle(partition)
        before = handle.entry.bytes
        try:
            write_all(handle.fd, line)
        except OSError:  # a full disk: never leave a partial line behind
            os.ftruncate(handle.fd, before)
            raise
        handle.sha256.update(line)
        handle.entry.records += 1
        handle.entry.bytes = before + len(line)
        handle.dirty = True
        return before

    def cut(self) -> Cut:
        """Close the current group: manifest entries for what was written so far, and descriptors to fsync."""
        entries, fds = {}, []
        for name, handle in self._open.items():
            if handle.dirty:
                handle.dirty = False
                entries[name] = PartitionEntry(
                    handle.entry.records, handle.entry.bytes, handle.sha256.hexdigest(), _now()
                )
                fds.append(os.dup(handle.fd))  # a dup stays valid if the writer is closed meanwhile
        fds += [os.open(directory, os.O_RDONLY | os.O_CLOEXEC) for directory in sorted(self._new_names)]
        self._new_names.clear()
        return Cut(entries, fds)

    def append(self, partition: str, line: bytes) -> None:
        """`write` and fsync at once, counted in the manifest by the next `publish` (tests, tools)."""
        self.write(partition, line)
        cut = self.cut()
        sync(cut.fds)
        self.manifest.partitions.update(cut.entries)

    def drop(self, partition: str, offsets: set[int], cut: Cut) -> int:
        """Cut the unpublished lines starting at `offsets` out of `partition` (their dedup claims were lost).

        Crash-safe (`crawler.store.tail`); `cut`'s entry for the partition is corrected.
        Returns the bytes removed, by which any later line of the partition moved back.
        """
        path = self.directory / partition
        published = self.manifest.partitions.get(partition)
        start = published.bytes if published is not None else 0
        spans = list(iter_lines(path, start))
        removed = sum(len(line) + 1 for offset, line in spans if offset in offsets)
        drop_lines(path, start, [offset not in offsets for offset, _ in spans])
        handle = self._open[partition]
        handle.sha256, handle.entry.records = _digest(path)
        handle.entry.bytes = path.stat().st_size
        entry = cut.entries[partition]
        sha256, records = _digest(path, entry.bytes - removed)
        cut.entries[partition] = PartitionEntry(records, entry.bytes - removed, sha256.hexdigest(), _now())
        return removed

    def stage(self, cut: Cut) -> bytes:
        """Count `cut`'s lines in the manifest (call once they are durable and committed); the bytes to write."""
        self.manifest.partitions.update(cut.entries)
        return self.manifest.render()

    def publish(self) -> None:
        self.manifest.save(self.directory)

    def rollback(self) -> None:
        """Cut every open partition back to what the manifest publishes: the lines after it were never committed
        (a failed fsync or state commit). A new file with nothing published goes. The writer is stopped by then.
        """
        for name, handle in self._open.items():
            published = self.manifest.partitions.get(name)
            os.ftruncate(handle.fd, published.bytes if published is not None else 0)
            os.fsync(handle.fd)
            if published is None:
                (self.directory / name).unlink(missing_ok=True)

    def _handle(self, partition: str) -> _Open:
        if partition in self._open:
            return self._open[partition]
        path = self.directory / partition
        refuse_symlinks(self.directory, path.parent)  # a planted year-directory link would lead outside
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o755)
        created = not path.exists()
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
        mode = os.fstat(fd).st_mode
        if mode & 0o002:  # an archive file anyone may write to is not an archive
            os.fchmod(fd, mode & 0o7775)
            logger.warning("%s was world-writable; removed o+w", path)
        if created:
            # The new name becomes durable with the group's fsyncs (`cut`, in a worker thread), so
            # before the dedup state or the manifest counts any line of the file.
            self._new_names.update((path.parent, self.directory))
        sha256, records = _digest(path)
        entry = PartitionEntry(records, os.fstat(fd).st_size, sha256.hexdigest(), _now())
        # A new file is listed in the manifest by the next commit, even if its first write fails.
        self._open[partition] = _Open(fd, entry, sha256, dirty=created)
        return self._open[partition]

    def close(self) -> None:
        for handle in self._open.values():
            os.close(handle.fd)
        self._open.clear()
        self._lock.release()


def _digest(path: Path, size: int | None = None) -> tuple[Any, int]:
    """sha256 object and line count of the file's first `size` bytes (all of it by default)."""
    sha256, records = hashlib.sha256(), 0
    left = path.stat().st_size if size is None else size
    with path.open("rb") as handle:
        while left > 0 and (block := handle.read(min(left, 1 << 20))):
            sha256.update(block)
            records += block.count(b"\n")
            left -= len(block)
    return sha256, records


def sync(fds: list[int]) -> None:
    """fsync and close descriptors (from `Cut.fds`); runs in a worker thread during a crawl."""
    try:
        for fd in fds:
            os.fsync(fd)
    finally:
        for fd in fds:
            os.close(fd)


def _entry_of(path: Path) -> PartitionEntry:
    sha256, records = _digest(path)
    return PartitionEntry(records, path.stat().st_size, sha256.hexdigest(), _now())


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
