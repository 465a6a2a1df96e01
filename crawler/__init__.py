"""Regional news archiver: Scrapy project that archives Indonesian regional news portals.

The public API: `extract_article` (one page to one record), `read_archive` (the exported
records, typed and complete) and `read_changes` (the records written since a cursor). The crawler itself is run
through `scrapy` commands (docs/guide.md).
"""

from __future__ import annotations

import os as _os
from collections.abc import Iterator as _Iterator
from typing import Any as _Any

__version__ = "0.2.0"

# Whatever umask cron or a container hands the process, nothing the archiver creates (exports,
# WARC files and their indexes, state, locks, directories) may be writable by other users: an
# archive others can rewrite is no archive. Only the "others write" bit is added, never removed.
_os.umask(_os.umask(0) | 0o002)


def extract_article(html: str | bytes, url: str, portal: str | None = None) -> dict[str, _Any]:
    """The archive record of one article page, without crawling or writing anything.

    `html` is the page as served (bytes, decoded by its declared charset, or text); `url` the
    address it was served at, which names the article and, by its host, the portal. The page
    object is the one a crawl would use: that of the portal named `portal` (a spider name such
    as `antara_kaltim`), else of the registered portal serving the URL's host, else the generic
    one. Returns the record as plain dicts and lists (the fields of an exported JSONL line), or
    `{"not_an_article": "<reason>"}` for a page that holds none (a listing, a soft 404...).
    Raises `ValueError` for a URL that is not absolute http(s) or an unknown `portal`.
    """
    # Imported on first use: `import crawler` (Scrapy loads it for every command) stays light.
    from crawler.portals.page import extract_record

    return extract_record(html, url, portal)


def read_archive(path: str | _os.PathLike[str], *, revisions: bool = False) -> _Iterator[dict[str, _Any]]:
    """Records of a portal directory (`exports/antara_kaltim`) or of every portal under an exports root.

    Complete records only (each manifest's byte count), worker partitions merged, as written
    (JSON types; times ISO 8601 with offset). `revisions=False` (default): each article's
    latest revision; `revisions=True`: every revision. See docs/consuming.md.
    """
    from crawler.store.consume import read_archive as read

    return read(path, revisions=revisions)


def read_changes(
    exports: str | _os.PathLike[str], cursor: str | None = None, *, limit: int | None = None
) -> tuple[list[dict[str, _Any]], str]:
    """The records written since `cursor` (`None`: from the beginning), at most `limit`, and the new cursor.

    Every portal and worker partition of an exports root, complete records only (each
    manifest's byte count), every revision as written. The cursor is an opaque string: store
    it after processing the records and pass it next time to get only newer ones, so that each
    record is processed exactly once across restarts. See docs/consuming.md.
    """
    from crawler.store.changes import read_changes as read

    return read(exports, cursor, limit=limit)
