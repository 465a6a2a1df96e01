"""Storage errors stop the run: a full disk, an I/O error or a read-only file system, wherever they strike.

Going on after one would only fail again for every record (each with a traceback) while the
run looked healthy. So the first storage error of a run, from the JSONL writer, its group
commit, the dedup state, the frontier, the walk checkpoints or the WARC writer, is logged in
one line, kept as the stat `archive/storage/error`, and closes the spider with the reason
`storage_error: <cause>`: no further records are taken, what was written stays valid (lines
are whole and only counted once fsynced and committed), the run monitor marks the run
unhealthy naming the cause and the crawl exits non-zero. The next run, once there is room
again, replays what was written and fetches the rest (the frontier and the walk checkpoint
remember where the run stopped).
"""

from __future__ import annotations

import errno
import logging
import sqlite3
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from scrapy.utils.defer import deferred_from_coro

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

STAT = "archive/storage/error"
REASON = "storage_error"
STORAGE_ERRNOS = frozenset({errno.ENOSPC, errno.EIO, errno.EROFS, errno.EDQUOT, errno.EFBIG})
"""OS errors that say the storage itself failed (EFBIG: a file size limit, RLIMIT_FSIZE)."""
_SQLITE_CODES = frozenset({sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_READONLY})


def storage_error(exc: BaseException | None) -> str | None:
    """One line naming the cause if `exc` (or an exception it was raised from) is a storage error, else None."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, OSError) and exc.errno in STORAGE_ERRNOS:
            where = f" ({exc.filename})" if exc.filename else ""
            return f"{errno.errorcode[exc.errno]}: {exc.strerror}{where}"
        if isinstance(exc, sqlite3.Error) and (getattr(exc, "sqlite_errorcode", 0) & 0xFF) in _SQLITE_CODES:
            return f"{getattr(exc, 'sqlite_errorname', 'SQLITE_ERROR')}: {exc}"
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return None


def stopped(crawler: Crawler) -> bool:
    """Whether this run already stopped on a storage error."""
    return bool(crawler.stats is not None and crawler.stats.get_value(STAT))


def stop_on_storage_error(crawler: Crawler, exc: BaseException, doing: str) -> bool:
    """If `exc` is a storage error: the first time, log one line, record it and close the spider. True if it was."""
    cause = storage_error(exc)
    if cause is None:
        return False
    if stopped(crawler):
        return True
    assert crawler.stats is not None
    crawler.stats.set_value(STAT, cause)
    logger.error("storage error while %s, stopping the run: %s", doing, cause)
    if crawler.engine is not None and crawler.engine.running:
        deferred_from_coro(crawler.engine.close_spider_async(reason=f"{REASON}: {cause}"))
    return True


class StorageGuardMiddleware:
    """Spider middleware, outermost: a storage error raised by a callback or by an inner middleware
    (frontier, walk checkpoint) stops the run in one log line instead of a traceback per page.

    Stats: archive/storage/error (the cause).
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorageGuardMiddleware:
        return cls(crawler)

    def process_spider_exception(self, response: Response, exception: Exception) -> Iterable[Any] | None:
        if stop_on_storage_error(self.crawler, exception, f"processing {response.url}"):
            return []
        return None
