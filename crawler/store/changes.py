"""The change feed: every record written since a cursor, exported as `crawler.read_changes`.

A downstream consumer (a search index, a warehouse load) keeps a cursor and asks for what is
new. The cursor is an opaque string: base64 of the JSON `{"<portal>/<partition>": byte offset}`
of every partition read so far. Partitions only grow by whole lines, and a reader only ever
reads up to its manifest's byte count (`crawler.store.layout`), so a cursor names exactly the
records already delivered: complete lines only, never a torn or uncommitted tail, every portal
and every distributed worker's partitions included.

A consumer that stores the cursor after processing the records it covers processes each
record exactly once across restarts (`iter_changes` gives the cursor after each record, to
commit record by record).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from crawler.store import layout
from crawler.store.consume import portal_directories

Offsets = dict[str, int]


def decode_cursor(cursor: str | None) -> Offsets:
    """The byte offset reached in each partition (`None`: nothing read yet). Raises ValueError if malformed."""
    if not cursor:
        return {}
    try:
        offsets = json.loads(base64.urlsafe_b64decode(cursor.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeError) as exc:
        raise ValueError(f"not a change-feed cursor: {cursor[:40]!r}") from exc
    if not isinstance(offsets, dict) or not all(isinstance(v, int) and v >= 0 for v in offsets.values()):
        raise ValueError(f"not a change-feed cursor: {cursor[:40]!r}")
    return {str(k): v for k, v in offsets.items()}


def encode_cursor(offsets: Offsets) -> str:
    text = json.dumps(dict(sorted(offsets.items())), separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode("ascii")


def scan(exports: Path, offsets: Offsets) -> Iterator[tuple[str, int, bytes]]:
    """(partition key, offset after the line, line) of every committed line past `offsets`, portal by portal.

    The key is `<portal>/<partition>`; each partition is read from its offset in `offsets` up to
    its manifest's byte count, so only new bytes are read.
    """
    for directory in portal_directories(exports):
        for manifest in layout.Manifest.load_all(directory):
            for name, entry in sorted(manifest.partitions.items()):
                key = f"{directory.name}/{name}"
                start = offsets.get(key, 0)
                path = directory / name
                if start >= entry.bytes or not path.exists():
                    continue
                for offset, line in layout.iter_lines(path, start, entry.bytes):
                    yield key, offset + len(line) + 1, line


def iter_changes(exports: str | os.PathLike[str], cursor: str | None = None) -> Iterator[tuple[dict[str, Any], str]]:
    """(record, cursor after it) for every record written since `cursor`: commit a cursor once its record is done."""
    offsets = decode_cursor(cursor)
    for key, end, line in scan(Path(exports), offsets):
        offsets[key] = end
        yield json.loads(line), encode_cursor(offsets)


def read_changes(
    exports: str | os.PathLike[str], cursor: str | None = None, *, limit: int | None = None
) -> tuple[list[dict[str, Any]], str]:
    """The records written since `cursor` (all of them with `None`), at most `limit`, and the cursor after them.

    `exports` is an exports root (every portal) or one portal directory. Records come as
    written (every revision), portal by portal, partition by partition, in file order.
    Passing the returned cursor next time returns only records written since; the same cursor
    again returns the same records. Raises ValueError for a string that is not a cursor.
    """
    offsets = decode_cursor(cursor)
    records: list[dict[str, Any]] = []
    if limit is not None and limit <= 0:
        return records, encode_cursor(offsets)
    for key, end, line in scan(Path(exports), offsets):
        offsets[key] = end
        records.append(json.loads(line))
        if limit is not None and len(records) >= limit:
            break
    return records, encode_cursor(offsets)
