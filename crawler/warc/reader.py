"""Archived responses read back from WARC files, for offline re-parsing.

`scan()` lists the response and revisit records of a set of WARC files in fetch order,
resolving each revisit to the record holding its payload (in the given files, else in a
sibling file of the same directory through its CDXJ index). `load()` reads one record's
status, headers and payload exactly as stored.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from crawler.warc.cdxj import read_cdxj
from crawler.warc.files import WARC_SUFFIX, cdxj_path
from crawler.warc.records import FETCHED_URI_HEADER, ORIG_TRANSFER_ENCODING, payload_digest

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ArchivedRecord:
    """Where a response (or revisit) record is, and what the scan learned from its headers."""

    warc: Path
    offset: int
    record_id: str
    type: str
    """`response` or `revisit`."""
    target_uri: str
    fetched_uri: str
    date: str
    status: int
    digest: str
    payload_at: tuple[Path, int] | None
    """For a revisit: the response record holding the payload (None if it cannot be found)."""


@dataclass(frozen=True)
class StoredExchange:
    """One record as stored: status line, headers (original names restored) and payload."""

    protocol: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def warc_inputs(paths: Iterable[Path]) -> list[Path]:
    """The WARC files named, or found (recursively) under named directories; quarantine excluded."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob(f"*{WARC_SUFFIX}") if "quarantine" not in p.parts)
        else:
            found.append(path)
    return list(dict.fromkeys(found))


def revisit_originals(records: Iterable[ArchivedRecord]) -> dict[str, str]:
    """Record id of each revisit -> record id of the response holding its payload (where it was found)."""
    records = list(records)
    at = {(r.warc, r.offset): r.record_id for r in records if r.type == "response"}
    return {r.record_id: at[r.payload_at] for r in records if r.type == "revisit" and r.payload_at in at}


def scan(files: Iterable[Path]) -> list[ArchivedRecord]:
    """Response and revisit records of `files`, file by file in order of their first record's date."""
    per_file = [(records[0].date if records else "", str(path), records) for path in files for records in [_scan(path)]]
    ordered = [record for _, _, records in sorted(per_file) for record in records]
    originals = {(r.target_uri, r.digest): (r.warc, r.offset) for r in ordered if r.type == "response"}
    siblings = _SiblingIndex()
    resolved = []
    for record in ordered:
        if record.type == "revisit":
            key = (record.target_uri, record.digest)
            payload_at = originals.get(key) or siblings.find(record.warc.parent, *key)
            record = ArchivedRecord(**{**record.__dict__, "payload_at": payload_at})
        resolved.append(record)
    return resolved


def _scan(path: Path) -> list[ArchivedRecord]:
    records = []
    with path.open("rb") as handle:
        iterator = ArchiveIterator(handle)
        try:
            for record in iterator:
                if record.rec_type in ("response", "revisit") and record.http_headers is not None:
                    records.append(_archived(path, iterator.get_record_offset(), record))
        except (ArchiveLoadFailed, EOFError, OSError) as exc:
            # A torn tail a crashed run left (the next crawl cuts it off): keep what came before.
            logger.warning("WARC %s: unreadable after record %d: %s", path, len(records), exc)
    return records


def _archived(path: Path, offset: int, record: object) -> ArchivedRecord:
    headers = record.rec_headers  # type: ignore[attr-defined]
    target = headers.get_header("WARC-Target-URI")
    return ArchivedRecord(
        warc=path,
        offset=offset,
        record_id=headers.get_header("WARC-Record-ID"),
        type=record.rec_type,  # type: ignore[attr-defined]
        target_uri=target,
        fetched_uri=headers.get_header(FETCHED_URI_HEADER) or target,
        date=headers.get_header("WARC-Date"),
        status=int(record.http_headers.get_statuscode() or 0),  # type: ignore[attr-defined]
        digest=headers.get_header("WARC-Payload-Digest") or "",
        payload_at=None,
    )


class _SiblingIndex:
    """(uri, digest) -> response record, from the CDXJ files of a directory, loaded on first use."""

    def __init__(self) -> None:
        self._loaded: dict[Path, dict[tuple[str, str], tuple[Path, int]]] = {}

    def find(self, directory: Path, uri: str, digest: str) -> tuple[Path, int] | None:
        if directory not in self._loaded:
            self._loaded[directory] = dict(self._entries(directory))
        return self._loaded[directory].get((uri, digest))

    @staticmethod
    def _entries(directory: Path) -> Iterator[tuple[tuple[str, str], tuple[Path, int]]]:
        for warc in directory.glob(f"*{WARC_SUFFIX}"):
            index = cdxj_path(warc)
            if not index.exists():
                continue
            for _, _, fields in read_cdxj(index):
                if fields.get("mime") != "warc/revisit":
                    yield (fields["url"], fields.get("digest", "")), (warc, int(fields["offset"]))


def load(record: ArchivedRecord) -> StoredExchange | None:
    """Status, headers and payload of `record` (a revisit's payload from its original), or None."""
    http = _read(record.warc, record.offset)
    if record.type == "revisit":
        original = _read(*record.payload_at) if record.payload_at else None
        if original is None:
            return None
        http = StoredExchange(http.protocol, http.status, http.headers, original.body)
    if record.digest and payload_digest(http.body) != record.digest:
        logger.warning("WARC %s@%d: payload digest mismatch, record skipped", record.warc, record.offset)
        return None
    return http


def _read(path: Path, offset: int) -> StoredExchange:
    with path.open("rb") as handle:
        handle.seek(offset)
        record = next(iter(ArchiveIterator(handle)))
        http = record.http_headers
        headers = [("Transfer-Encoding" if n == ORIG_TRANSFER_ENCODING else n, v) for n, v in http.headers]
        body = record.raw_stream.read() if record.rec_type == "response" else b""
        return StoredExchange(http.protocol, int(http.get_statuscode()), headers, body)
