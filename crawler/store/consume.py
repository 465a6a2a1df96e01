"""`read_archive`: the records of an archive as a consumer wants them, exported as `crawler.read_archive`.

Only complete records (each partition read up to its manifest's byte count: never a line
being written, never a torn one); every distributed worker's partitions merged into one
archive; by default the latest revision of each article only, `revisions=True` for all.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from crawler.store import layout


def portal_directories(path: Path) -> list[Path]:
    """`path` itself when it is a portal directory (it has a manifest), else its portal subdirectories."""
    if any(path.glob("manifest*.json")):
        return [path]
    if not path.is_dir():
        raise FileNotFoundError(f"{path}: no such directory")
    return sorted(p for p in path.iterdir() if p.is_dir() and any(p.glob("manifest*.json")))


def read_archive(path: str | os.PathLike[str], *, revisions: bool = False) -> Iterator[dict[str, Any]]:
    """Records of a portal directory (`exports/antara_kaltim`) or of every portal under an exports root.

    Yields dicts as written (JSON types; times are ISO 8601 strings with offset), portal by
    portal, in file order. `revisions=False` (default): each article's latest revision only;
    `revisions=True`: every revision, oldest first within an article's partition.
    """
    for directory in portal_directories(Path(path)):
        if revisions:
            yield from layout.read_archive(directory)
            continue
        latest: dict[str, int] = {}
        for record in layout.read_archive(directory):
            latest[record["id"]] = max(latest.get(record["id"], -1), int(record.get("revision", 0)))
        for record in layout.read_archive(directory):
            if latest[record["id"]] == int(record.get("revision", 0)):
                yield record
