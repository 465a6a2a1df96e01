"""Layout of the JSONL archive on disk: partition files, the per-portal manifest, torn-tail quarantine.

    <ARCHIVE_EXPORTS_DIR>/<portal>/<YYYY>/<YYYY-MM>.jsonl   records by local publication month
    <ARCHIVE_EXPORTS_DIR>/<portal>/undated.jsonl            records without a publication date
    <ARCHIVE_EXPORTS_DIR>/<portal>/manifest.json            per partition: records, bytes, sha256
    <partition>.quarantine-<UTC time>                       a torn last line moved aside after a crash

In distributed mode (`crawler.distributed.mode`) every worker writes only its own files, named
with its worker id, and keeps its own manifest: `<YYYY>/<YYYY-MM>.<worker>.jsonl`,
`undated.<worker>.jsonl`, `manifest.<worker>.json`. A portal directory is one archive: the
records of every manifest, each read up to its byte count (`read_archive`); a worker id
has no dots, so a file name tells whose manifest lists it (`worker_of`).

The manifest is replaced atomically (temporary file, fsync, rename, fsync of the directory)
after every group commit of durable appends (`pipelines.groupcommit`), so a consumer that reads
a partition up to the manifest's byte count reads only complete, checked records.
Shared by the writer and `scrapy verify`.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from crawler.durable import replace_atomically, write_new

logger = logging.getLogger(__name__)

MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = 1
UNDATED = "undated.jsonl"
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])")
_PORTAL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*\Z")
WORKER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
"""A worker id: letters, digits, `_` and `-` (no dots: they separate it in file names)."""


def partition_of(record: Mapping[str, Any], worker: str | None = None) -> str:
    """Path of a record's partition inside its portal directory, by the month printed in `published_at`.

    The month is read from the ISO string as written (the portal's local time), never
    converted: an article published 2019-09-30T23:30+08:00 belongs to September.
    A distributed worker's partitions carry its id: `2019/2019-09.<worker>.jsonl`.
    """
    suffix = f".{worker}.jsonl" if worker else ".jsonl"
    match = _MONTH.match(str(record.get("published_at") or ""))
    if not match:
        return UNDATED.replace(".jsonl", suffix)
    year, month = match.groups()
    return f"{year}/{year}-{month}{suffix}"


def worker_of(partition: str) -> str | None:
    """The worker whose manifest lists this partition file (None: the single-machine manifest.json)."""
    parts = partition.rsplit("/", 1)[-1].split(".")
    return parts[1] if len(parts) == 3 else None


def manifest_name(worker: str | None) -> str:
    return f"manifest.{worker}.json" if worker else MANIFEST_NAME


def portal_dir(root: Path, portal: str) -> Path:
    if not _PORTAL.match(portal):
        raise ValueError(f"portal name {portal!r} cannot name a directory")
    return root / portal


def partition_files(directory: Path) -> list[str]:
    """Relative paths of every partition file under a portal directory, sorted."""
    return sorted(p.relative_to(directory).as_posix() for p in directory.rglob("*.jsonl") if p.is_file())


@dataclass
class PartitionEntry:
    records: int
    bytes: int
    sha256: str
    updated_at: str = ""


@dataclass
class Manifest:
    portal: str
    state_id: str = ""
    """Dedup state that indexed these files; another id means the files must be indexed again."""
    partitions: dict[str, PartitionEntry] = field(default_factory=dict)
    worker: str | None = None
    """The distributed worker that writes the files of this manifest (None: single machine)."""
    _rendered: dict[tuple[str, int, int, str, str], str] = field(default_factory=dict, init=False, repr=False,
                                                                 compare=False)  # fmt: skip
    """Each partition's part of the text, by its values: a group commit changes one or two of them."""

    @classmethod
    def load(cls, directory: Path, worker: str | None = None) -> Manifest | None:
        path = directory / manifest_name(worker)
        if not path.exists():
            return None
        doc = json.loads(path.read_text(encoding="utf-8"))
        entries = {name: PartitionEntry(**entry) for name, entry in doc.get("partitions", {}).items()}
        return cls(doc["portal"], doc.get("state_id", ""), entries, doc.get("worker"))

    @classmethod
    def load_all(cls, directory: Path) -> list[Manifest]:
        """Every manifest of a portal directory: manifest.json and one per distributed worker."""
        names = sorted(p.name for p in directory.glob("manifest*.json"))
        workers = [None if name == MANIFEST_NAME else name.split(".")[1] for name in names]
        return [m for w in workers if (m := cls.load(directory, w)) is not None]

    def save(self, directory: Path) -> None:
        """Replace the manifest atomically: readers see the old one or the new one, never a mix."""
        replace_manifest(directory, self.worker, self.render())

    def render(self) -> bytes:
        """The manifest file's bytes (cheap; `replace_manifest` does the slow, durable part).

        `json.dumps(doc, indent=1, ensure_ascii=False)` of the whole document, with each
        partition's part rendered once per change instead of at every group commit (an indented
        dump is pure Python, and the manifest of a long backfill lists hundreds of partitions).
        """
        doc = {"format": MANIFEST_FORMAT, "portal": self.portal, "state_id": self.state_id,
               **({"worker": self.worker} if self.worker else {}), "partitions": {}}  # fmt: skip
        text = json.dumps(doc, indent=1, ensure_ascii=False)
        if self.partitions:
            parts = {self._key(name, entry): entry for name, entry in sorted(self.partitions.items())}
            self._rendered = {key: self._rendered.get(key) or _partition_text(key[0], entry)
                              for key, entry in parts.items()}  # fmt: skip
            text = text.removesuffix("{}\n}") + "{\n" + ",\n".join(self._rendered.values()) + "\n }\n}"
        return (text + "\n").encode()

    @staticmethod
    def _key(name: str, entry: PartitionEntry) -> tuple[str, int, int, str, str]:
        return (name, entry.records, entry.bytes, entry.sha256, entry.updated_at)


def _partition_text(name: str, entry: PartitionEntry) -> str:
    """One partition as `json.dumps(..., indent=1)` writes it two levels down."""
    value = json.dumps(asdict(entry), indent=1, ensure_ascii=False).replace("\n", "\n  ")
    return f"  {json.dumps(name, ensure_ascii=False)}: {value}"


def replace_manifest(directory: Path, worker: str | None, data: bytes) -> None:
    """Write a rendered manifest atomically (safe in a worker thread: it touches only the file system)."""
    replace_atomically(directory / manifest_name(worker), data)


def read_archive(directory: Path) -> Iterator[dict[str, Any]]:
    """Every record of a portal directory: each manifest's partitions up to its byte count (one archive).

    Every revision, in file order; the public `crawler.read_archive` (`crawler.store.consume`)
    adds the latest-revision view and reads an exports root as well.

    Bytes beyond a manifest's count are not (yet) part of the archive: a write whose dedup
    claim is pending, or lost to another worker, and is resolved by that writer's recovery.
    """
    for manifest in Manifest.load_all(directory):
        for name, entry in sorted(manifest.partitions.items()):
            path = directory / name
            if path.exists():
                for _, line in iter_lines(path, 0, entry.bytes):
                    yield json.loads(line)


def remove_stale_temporaries(directory: Path, worker: str | None = None) -> None:
    """Manifest temporaries left by a process killed between write and rename (only this writer's own)."""
    for tmp in directory.glob(f".{manifest_name(worker)}.*.tmp"):
        tmp.unlink(missing_ok=True)


def quarantine_torn_tail(path: Path) -> Path | None:
    """Move bytes after the last newline (a line torn by a crash) to a quarantine file; return its path.

    The torn bytes are made durable in the quarantine file before the partition is cut back
    to its last complete line, so a crash in between only repeats the quarantine. This cut
    is the only time a partition file ever gets shorter: complete lines are never touched.
    """
    size = path.stat().st_size
    if size == 0:
        return None
    with path.open("rb") as handle:
        end = _last_newline_end(handle, size)
        if end == size:
            return None
        handle.seek(end)
        torn = handle.read()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = path.with_name(f"{path.name}.quarantine-{stamp}")
    write_new(target, torn)
    os.truncate(path, end)
    return target


def _last_newline_end(handle: BinaryIO, size: int) -> int:
    """Offset just after the last b"\\n" in the file (0 when there is none)."""
    position = size
    while position > 0:
        start = max(0, position - 65536)
        handle.seek(start)
        chunk = handle.read(position - start)
        index = chunk.rfind(b"\n")
        if index >= 0:
            return start + index + 1
        position = start
    return 0


def iter_lines(path: Path, start: int = 0, end: int | None = None) -> Iterator[tuple[int, bytes]]:
    """(offset, line without newline) of each complete line between byte offsets `start` and `end`."""
    with path.open("rb") as handle:
        handle.seek(start)
        offset = start
        for line in handle:
            if end is not None and offset >= end:
                return
            if not line.endswith(b"\n"):
                return
            yield offset, line[:-1]
            offset += len(line)
