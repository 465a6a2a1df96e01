"""CDXJ index of a finished WARC file, written beside it by webrecorder's `cdxj-indexer`.

One line per response/revisit record, sorted by SURT url key then timestamp, with the
url, mime, status, payload digest, record length, offset and file name: the format pywb
and other replay tools load directly. The index is written to a temporary name and
renamed, so an index that exists is complete; its existence marks the WARC as finished.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from crawler.warc.files import cdxj_path


def write_cdxj(warc: Path) -> Path:
    """Index `warc` into `<name>.cdxj` beside it (atomically) and return the index path."""
    # Imported here, not with the module: cdxj-indexer pulls in pyamf, pkg_resources, surt and
    # tldextract (about 0.3 s of CPU), which every `scrapy` command would pay at start-up, while
    # only a finished WARC file (at the end of a crawl, in a worker thread) needs it.
    from cdxj_indexer import CDXJIndexer

    target = cdxj_path(warc)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)  # a leftover of a killed run: created anew, never followed or truncated
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        CDXJIndexer(output=out, inputs=[str(warc)], sort=True).process_all()
        out.flush()
        os.fsync(out.fileno())
    os.replace(partial, target)
    return target


def read_cdxj(path: Path) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(url key, timestamp, fields) of every line of a CDXJ file."""
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                urlkey, timestamp, fields = line.rstrip("\n").split(" ", 2)
                yield urlkey, timestamp, json.loads(fields)
