"""Revision diffs: what a revision changed, and where the previous revision's text comes from.

The dedup state keeps each revision's content hash, never its text. A copy of every
latest body beside it would grow with the archive (`benchmarks/revisions.py`: zlib
keeps 19 % of the export bytes on synthetic text, ~42 % estimated for real prose), and in
distributed mode it would have to live in Redis memory. The text is already stored once, durably, in the export
files, so the previous revision is read back from there:

1. the partitions of the month the new record is published in (every worker's file of
   that month, `crawler.store.layout` layout), because a revision almost always keeps its
   `published_at`;
2. otherwise (the date was corrected into another month) every other partition of the
   portal, nearest month first.

Each partition is read up to its manifest's byte count, as `crawler.store.layout.read_archive`
reads the archive, so only committed lines count, and through `mmap` with a byte search
for the quoted id, so only the few lines naming the article are decoded. In distributed
mode that finds the previous revision when the workers share the export directory (or
it was gathered); a worker on another machine that cannot see the file gets None, and
the dedup pipeline records a warning instead of a diff.

The diff itself (`revision_diff`) compares paragraphs (the body split on blank lines)
with difflib: unchanged runs are skipped, a deleted or inserted paragraph is removed or
added, and inside a replaced run, paragraphs are paired in order where their word-level
similarity ratio is at least `CHANGED_RATIO` (changed); the rest are removed or added.
"""

from __future__ import annotations

import json
import logging
import mmap
import re
from collections.abc import Iterator
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

from crawler.items import RevisionDiff
from crawler.store.layout import Manifest, portal_dir

logger = logging.getLogger(__name__)

CHANGED_RATIO = 0.5
"""A replaced paragraph pair at least this similar (difflib ratio over words) is one changed paragraph."""
_MAX_PAIRING_CELLS = 2500
"""Above this many (old x new) pairs in one replaced run, pair by position instead of searching (bounded cost)."""
_MONTH_KEY = re.compile(r"^(\d{4})/(\d{4})-(\d{2})\.")


# --- the diff ------------------------------------------------------------------------------------------------


def paragraphs(body: str) -> list[str]:
    """The body's paragraphs (separated by one blank line in a record)."""
    return [p.strip() for p in body.split("\n\n") if p.strip()]


def revision_diff(old_title: str, old_body: str, new_title: str, new_body: str) -> RevisionDiff:
    old, new = paragraphs(old_body), paragraphs(new_body)
    added = removed = changed = 0
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "delete":
            removed += i2 - i1
        elif tag == "insert":
            added += j2 - j1
        elif tag == "replace":
            pairs = _pairs(old[i1:i2], new[j1:j2])
            changed += pairs
            removed += i2 - i1 - pairs
            added += j2 - j1 - pairs
    return RevisionDiff(old_title != new_title, added, removed, changed)


def similar(old: str, new: str) -> bool:
    # Words, not characters: two unrelated Indonesian paragraphs share most letters, so a
    # character ratio rates them alike; a corrected or extended paragraph shares its words.
    matcher = SequenceMatcher(None, old.split(), new.split(), autojunk=False)
    return matcher.real_quick_ratio() >= CHANGED_RATIO and matcher.ratio() >= CHANGED_RATIO


def _pairs(old: list[str], new: list[str]) -> int:
    """Most in-order (old, new) pairs that are `similar`: a longest common subsequence under similarity."""
    if len(old) * len(new) > _MAX_PAIRING_CELLS:
        return sum(similar(a, b) for a, b in zip(old, new, strict=False))
    best = [[0] * (len(new) + 1) for _ in range(len(old) + 1)]
    for i in range(len(old) - 1, -1, -1):
        for j in range(len(new) - 1, -1, -1):
            pair = best[i + 1][j + 1] + 1 if similar(old[i], new[j]) else 0
            best[i][j] = max(pair, best[i + 1][j], best[i][j + 1])
    return best[0][0]


# --- the previous revision's record ------------------------------------------------------------------------------


@dataclass
class Lookup:
    """What finding one previous revision cost."""

    record: dict[str, Any] | None
    files: int = 0
    bytes: int = 0
    """Partition bytes searched (through mmap: the operating system pages in what the search touches)."""
    fallback: bool = False
    """Found (or searched) outside the new record's publication month."""


class PreviousRevisions:
    """Reads an article's earlier revision back from the export files under `root`."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def find(self, portal: str, record_id: str, revision: int, content_hash: str, published_at: str | None) -> Lookup:
        """The record of (`record_id`, `revision`) with `content_hash`, searched as the module docstring says."""
        try:
            directory = portal_dir(self.root, portal)
        except ValueError:
            return Lookup(None)
        hint = _month(str(published_at or ""))
        partitions = sorted(_partitions(directory), key=lambda p: _distance(hint, _month(p[0])))
        needle = json.dumps(record_id, ensure_ascii=False).encode()
        lookup = Lookup(None)
        for name, size in partitions:
            lookup.fallback = lookup.fallback or _month(name) != hint
            lookup.files += 1
            lookup.bytes += size
            for line in _lines_containing(directory / name, size, needle):
                record = _decode(line)
                if (record.get("id"), record.get("revision"), record.get("content_hash")) == (
                    record_id, revision, content_hash,
                ):  # fmt: skip
                    lookup.record = record
                    return lookup
        return lookup


def _partitions(directory: Path) -> Iterator[tuple[str, int]]:
    """(name, committed bytes) of every partition of every manifest (all workers): the archive's extent."""
    for manifest in Manifest.load_all(directory):
        for name, entry in manifest.partitions.items():
            if entry.bytes:
                yield name, entry.bytes


def _month(text: str) -> int | None:
    """Month number (year * 12 + month) of an ISO date or a partition name; None when undated."""
    match = re.match(r"^(\d{4})-(\d{2})", text) or _MONTH_KEY.match(text)
    if not match:
        return None
    groups = match.groups()
    return int(groups[0]) * 12 + int(groups[-1])


def _distance(hint: int | None, month: int | None) -> tuple[int, int]:
    if hint is None or month is None:
        return (0 if hint == month else 1, 0)
    return (0 if hint == month else 1, abs(hint - month))


def _lines_containing(path: Path, size: int, needle: bytes) -> list[bytes]:
    """Complete lines within the first `size` bytes of `path` that contain `needle` (read whole: few match)."""
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        return []
    with handle:
        if size <= 0 or handle.seek(0, 2) == 0:  # mmap refuses an empty file
            return []
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
            size, found = min(size, len(data)), []
            position = data.find(needle, 0, size)
            while position >= 0:
                start = data.rfind(b"\n", 0, position) + 1
                end = data.find(b"\n", position, size)
                if end < 0:
                    break
                found.append(data[start:end])
                position = data.find(needle, end, size)
            return found


def _decode(line: bytes) -> dict[str, Any]:
    try:
        record = json.loads(line)
    except ValueError:
        return {}
    return record if isinstance(record, dict) else {}
