"""Typed Parquet partitions of an archive, written with pyarrow; the schema comes from the record's JSON Schema.

    <out>/<portal>/<YYYY>/<YYYY-MM>.parquet   as the JSONL partitions (undated.parquet: no date)

Each file holds the records of one JSONL month (latest revision per article, or every
revision), every column typed by `crawler.store.types.arrow_schema` (timestamps as UTC
instants plus `published_offset`), so files of different months and archives read alike.
Each file is written to a temporary name and renamed into place.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from crawler.store.consume import portal_directories, read_archive
from crawler.store.layout import partition_of
from crawler.store.types import OFFSET_COLUMN, arrow_schema, timestamp_fields

_OFFSET = re.compile(r"([+-]\d\d:\d\d|Z)$")


def _row(record: dict[str, Any], stamps: Iterable[str]) -> dict[str, Any]:
    row = dict(record)
    published = record.get("published_at")
    offset = _OFFSET.search(published) if isinstance(published, str) else None
    row[OFFSET_COLUMN] = offset.group(0) if offset else None
    for name in stamps:
        value = record.get(name)
        row[name] = datetime.fromisoformat(value) if isinstance(value, str) else None
    return row


def export_parquet(
    exports_root: Path, out: Path, portals: list[str] | None = None, *, revisions: bool = False
) -> list[Path]:
    """Write the Parquet partitions of every (or the named) portal; returns the files written."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema, stamps, written = arrow_schema(), timestamp_fields(), []
    for directory in portal_directories(exports_root):
        if portals and directory.name not in portals:
            continue
        partitions: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for record in read_archive(directory, revisions=revisions):
            partitions[partition_of(record)].append(_row(record, stamps))
        for name, rows in sorted(partitions.items()):
            target = out / directory.name / name.replace(".jsonl", ".parquet")
            target.parent.mkdir(parents=True, exist_ok=True)
            temporary = target.with_name(f".{target.name}.tmp")
            pq.write_table(pa.Table.from_pylist(rows, schema=schema), temporary)
            temporary.replace(target)
            written.append(target)
    return written
