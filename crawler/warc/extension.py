"""The WARC writer: a Scrapy extension that archives every downloaded response with its request.

It listens to `response_downloaded`, which Scrapy sends as soon as the download handler
returns and before any downloader middleware runs: the response is exactly what came off
the wire (still compressed, redirects not yet followed, errors not yet filtered), and the
request carries every header the middlewares added. What a record holds is described in
`crawler.warc.records`.

A response of at most ARCHIVE_WARC_INLINE_MAX_BYTES is archived in the reactor thread, as it
arrives: building, digesting, compressing and appending its two records costs about 0.3 ms
for a page of a few KB, less than handing it to a thread and back (the hand-off, the wake-ups
and the GIL taken turn about cost the crawl process 0.6-1 ms per page more, docs/internals.md).
A larger body, whose compression would hold the event loop for milliseconds, goes to the
archiver's writer thread (`crawler.warc.writer`), where zlib-ng releases the GIL; so does every
response that arrives while a write is still pending there, so that one thread at a time
touches the builder, the current file and the revisit index, and the records stay whole and
in the order the responses arrived. Either way the reactor thread sets the request's meta,
counts the stats and hands the records to the group fsync once the write has returned, and
`GroupSync.durable` waits for a request's write before its fsync, so no response goes on
before its records are written and fsynced. Without a running reactor (tools, tests)
everything runs inline.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.log import failure_to_exc_info
from twisted.internet.defer import Deferred, DeferredList, maybeDeferred
from twisted.internet.threads import deferToThread

from crawler.paths import warc_dir
from crawler.runtime import in_batch_thread
from crawler.storage import stop_on_storage_error
from crawler.warc import digests
from crawler.warc.cdxj import write_cdxj
from crawler.warc.digests import INDEX_NAME, PayloadIndex
from crawler.warc.durability import GroupSync
from crawler.warc.files import OpenWarc, cdxj_path, cut_torn_tail, lock_if_idle, today, warc_files
from crawler.warc.not_modified import ORIGINAL_META_KEY, is_not_modified, not_modified_revisit
from crawler.warc.records import WARC_VERSION, Exchange, PayloadRef, RecordBuilder, exchange_from_scrapy
from crawler.warc.writer import WriterThread, reactor_running

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.statscollectors import StatsCollector
    from twisted.python.failure import Failure

logger = logging.getLogger(__name__)

META_KEY = "archive_warc"
"""Request/response meta key set for every archived response: file, record_id, offset,
payload_digest, date (WARC-Date) and type (`response` or `revisit`), once the writer thread
has written the records (before the spider sees the response)."""
DATE_META_KEY = "archive_warc_date"
"""Request meta key set as soon as a response is downloaded, before its records are written: the
WARC-Date they will carry (what a page object takes as the fetch time, `crawler.portals.worker.fetched_at`)."""
WRITER_THREAD = "warc-writer"


@dataclass(frozen=True)
class _Written:
    """What the writer did for one exchange, for the reactor thread to act on."""

    meta: dict[str, Any]
    warc: OpenWarc
    end: int
    """Offset just past the exchange's two records."""
    revisit: bool
    payload_size: int
    full: OpenWarc | None
    """`warc`, when these records filled it: already detached, to be finished by the reactor thread."""


class WarcArchiver:
    """Writes WARC 1.1 files `<portal>-<YYYYMMDD>-<seq>.warc.gz` with a CDXJ index beside each.

    Settings: ARCHIVE_WARC_ENABLED, ARCHIVE_WARC_DIR (default `<ARCHIVE_EXPORTS_DIR>/warc`),
    ARCHIVE_WARC_MAX_BYTES, ARCHIVE_WARC_REVISITS_ENABLED, ARCHIVE_WARC_INLINE_MAX_BYTES,
    ARCHIVE_CONTACT_URL (warcinfo).
    Stats: archive/warc/{records,responses,revisits,bytes,files,indexed,payload_bytes_saved,
    fsyncs,torn_tails,quarantined_bytes,errors}.
    """

    def __init__(
        self, crawler: Crawler, directory: Path, max_bytes: int, revisits: bool, inline_max_bytes: int
    ) -> None:
        self.crawler = crawler
        self.directory = directory
        self.max_bytes = max_bytes
        self.revisits = revisits
        self.inline_max_bytes = inline_max_bytes
        assert crawler.stats is not None
        self.stats: StatsCollector = crawler.stats
        self._info = {
            "software": f"regional-news-archiver (Scrapy {scrapy.__version__})",
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
            "http-header-user-agent": str(crawler.settings.get("USER_AGENT", "")),
            "robots": "obey" if crawler.settings.getbool("ROBOTSTXT_OBEY") else "ignore",
            "operator": str(crawler.settings.get("ARCHIVE_CONTACT_URL", "")),
            "description": "payloads as received, before content decoding; target URIs on the portal's real host",
        }
        self._builder = RecordBuilder()
        self._prefix = "crawl"
        self._index: PayloadIndex | None = None
        self._current: OpenWarc | None = None
        self._pending: list[Deferred[Any]] = []
        # One thread at a time uses the builder, the current file and the index: the writer thread
        # while a write is pending there (`_writes`), else the reactor thread.
        self._writer = WriterThread(WRITER_THREAD)
        self._writes: set[Deferred[None]] = set()
        self.sync = GroupSync(on_fsync=lambda: self.stats.inc_value("archive/warc/fsyncs"))

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcArchiver:
        settings = crawler.settings
        if not settings.getbool("ARCHIVE_WARC_ENABLED"):
            raise NotConfigured
        directory = warc_dir(settings)
        extension = cls(
            crawler,
            directory,
            settings.getint("ARCHIVE_WARC_MAX_BYTES"),
            settings.getbool("ARCHIVE_WARC_REVISITS_ENABLED"),
            settings.getint("ARCHIVE_WARC_INLINE_MAX_BYTES"),
        )
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.response_downloaded, signal=signals.response_downloaded)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    # --- lifecycle -------------------------------------------------------------
    def spider_opened(self, spider: Spider) -> None:
        self._prefix = spider.name
        self._info["isPartOf"] = spider.name
        self.directory.mkdir(parents=True, exist_ok=True)
        if self.revisits:
            self._index = PayloadIndex(self.directory / INDEX_NAME, warn=self._index_warning)
        self.repair_unfinished()
        if reactor_running():
            self._writer.start()

    def repair_unfinished(self) -> None:
        """Finish the files a crashed run left: cut a torn last record off, then index."""
        for path in warc_files(self.directory, self._prefix):
            if cdxj_path(path).exists():
                continue
            fd = lock_if_idle(path)
            if fd is None:
                continue  # a live writer (another process) still holds it
            try:
                moved, quarantine = cut_torn_tail(path, self.directory / "quarantine")
                if moved:
                    logger.warning("WARC %s: torn last record (%d bytes) moved to %s", path, moved, quarantine)
                    self.stats.inc_value("archive/warc/torn_tails")
                    self.stats.inc_value("archive/warc/quarantined_bytes", moved)
                write_cdxj(path)
                self.stats.inc_value("archive/warc/indexed")
            finally:
                os.close(fd)

    async def spider_closed(self, spider: Spider) -> None:
        # Every write first: their callbacks may finish a full file, and the current file and
        # the index are the writer thread's until it has stopped.
        while self._writes:
            await maybe_deferred_to_future(DeferredList(list(self._writes), consumeErrors=True))
        self._writer.stop()
        self._finish_current()
        await maybe_deferred_to_future(DeferredList(self._pending, consumeErrors=True))
        if self._index is not None:
            self._index.close()
            self._index = None

    # --- writing ---------------------------------------------------------------
    def response_downloaded(self, response: Response, request: Request, spider: Spider) -> None:
        # Copied out of Scrapy's objects here, in the reactor thread: the writer never touches them.
        exchange = exchange_from_scrapy(request, response, target_uri(spider, response.url))
        earlier = dict(request.meta.get(ORIGINAL_META_KEY) or {})
        request.meta[DATE_META_KEY] = exchange.date  # for the parse worker, which may start before the write ends
        # Nothing pending in the writer thread: it has returned every write, so this thread may take its turn.
        inline = not self._writes and len(exchange.body) <= self.inline_max_bytes
        run = maybeDeferred if inline else self._writer.run
        write = run(self._write, exchange, earlier).addCallback(self._written, request)
        write.addErrback(self._failed, response.url)
        self._writes.add(write)
        write.addBoth(lambda _: self._writes.discard(write))
        self.sync.pending(request, write)

    def _write(self, exchange: Exchange, earlier: Mapping[str, Any]) -> _Written:
        """Build and append the exchange's records: in the writer thread while it runs.

        `earlier` is the request's ORIGINAL_META_KEY meta, which a 304's revisit refers to.
        """
        digest = exchange.payload_digest
        original = self._original(exchange.target_uri, digest) if exchange.body else None
        record_id = self._builder.new_record_id()
        not_modified = is_not_modified(exchange)
        if not_modified:  # no payload: a revisit record notes the server said "unchanged"
            main = not_modified_revisit(self._builder, exchange, record_id, earlier)
        elif original is None:
            main = self._builder.response(exchange, record_id)
        else:
            main = self._builder.revisit(exchange, record_id, original)
        request_record = self._builder.request(exchange, record_id)
        warc = self._file()
        offset = warc.append(main, request_record)
        if original is None and self._index is not None and exchange.body:
            self._index.add(exchange.target_uri, digest, PayloadRef(record_id, exchange.date, warc.path.name, offset))
        revisit = original is not None or not_modified
        meta = {"file": warc.path.name, "record_id": record_id, "offset": offset, "payload_digest": digest,
                "date": exchange.date, "type": "revisit" if revisit else "response"}  # fmt: skip
        end = offset + len(main) + len(request_record)
        return _Written(meta, warc, end, revisit, len(exchange.body), self._detach_if_full(warc))

    def _written(self, written: _Written, request: Request) -> None:
        """In the reactor thread, before `durable(request)` fires: the meta is set before anything downstream looks."""
        request.meta[META_KEY] = written.meta
        self.sync.written(request, written.warc, written.end)
        self._count(written.end - written.meta["offset"], written.revisit, written.payload_size)
        if written.full is not None:
            self._finish(written.full)

    def _failed(self, failure: Failure, url: str) -> None:
        """In the reactor thread: the request goes on without a record (and without META_KEY)."""
        exc, exc_info = failure.value, failure_to_exc_info(failure)
        if not isinstance(exc, OSError | sqlite3.Error):
            logger.error("WARC: could not archive %s", url, exc_info=exc_info)
            return
        # The file was cut back to its last whole record by OpenWarc.append. A full disk
        # stops the run (`crawler.storage`): one line, not one traceback per response.
        self.stats.inc_value("archive/warc/errors")
        if not stop_on_storage_error(self.crawler, exc, f"archiving {url}"):
            logger.error("WARC: could not archive %s", url, exc_info=exc_info)

    def _original(self, uri: str, digest: str) -> PayloadRef | None:
        if self._index is None:
            return None
        original = self._index.find(uri, digest)
        if original is not None and not self._still_there(original):
            # Removed by retention, or lost in a crash: a revisit would point at nothing.
            self._index.forget(uri, digest)
            return None
        return original

    def _still_there(self, original: PayloadRef) -> bool:
        try:
            return (self.directory / original.warc_file).stat().st_size > original.offset
        except FileNotFoundError:
            return False

    def _count(self, size: int, revisit: bool, payload_size: int) -> None:
        self.stats.inc_value("archive/warc/records", 2)
        self.stats.inc_value("archive/warc/bytes", size)
        self.stats.inc_value("archive/warc/revisits" if revisit else "archive/warc/responses")
        if revisit:
            self.stats.inc_value("archive/warc/payload_bytes_saved", payload_size)

    def _file(self) -> OpenWarc:
        if self._current is None:
            self._current = OpenWarc.create(self.directory, self._prefix, today())
            self._current.append(self._builder.warcinfo(self._current.path.name, self._info))
            self._writer.call_in_reactor(self._opened, self._current.path)
        return self._current

    def _opened(self, path: Path) -> None:
        self.stats.inc_value("archive/warc/files")
        self.stats.inc_value("archive/warc/records")
        logger.info("WARC: writing %s", path)

    def _detach_if_full(self, warc: OpenWarc) -> OpenWarc | None:
        return self._detach() if warc.size >= self.max_bytes else None

    def _detach(self) -> OpenWarc | None:
        """Take the current file off the writer, to be finished; the next record starts a new one."""
        warc, self._current = self._current, None
        if self._index is not None:
            self._index.flush()  # the revisit entries of a finished file are kept, whatever comes next
        return warc

    def _index_warning(self, message: str, *args: object) -> None:
        # Logged in the reactor thread: Scrapy counts log lines in its stats, which are not thread-safe.
        self._writer.call_in_reactor(digests.logger.warning, message, *args)

    def finish_now(self) -> None:
        """Close and index the current file in this thread (for tools and tests without a reactor)."""
        if (warc := self._detach()) is not None:
            self._index_and_close(warc)

    def _finish_current(self) -> None:
        """Detach the current file and finish it (in the reactor thread, the writer stopped)."""
        if (warc := self._detach()) is not None:
            self._finish(warc)

    def _finish(self, warc: OpenWarc) -> None:
        """Index a detached file, then close it: in a thread when the reactor runs (called from the reactor thread).

        The file's lock is held until its index exists, so no other process takes it for a
        crashed run's leftover.
        """
        if not reactor_running():
            self._index_and_close(warc)
            return
        done = deferToThread(in_batch_thread(write_cdxj), warc.path)
        done.addCallback(lambda _: self.stats.inc_value("archive/warc/indexed"))
        done.addErrback(lambda failure: logger.error("WARC: could not index %s: %s", warc.path, failure.value))
        done.addBoth(lambda _: self._close(warc))
        self._pending.append(done)

    def _index_and_close(self, warc: OpenWarc) -> None:
        try:
            write_cdxj(warc.path)
            self.stats.inc_value("archive/warc/indexed")
        finally:
            self._close(warc)

    def _close(self, warc: OpenWarc) -> None:
        warc.close()
        self.sync.file_closed(warc)


def target_uri(spider: Spider, url: str) -> str:
    """`url` moved onto the portal's real host when it was fetched from the spider's `base_url`."""
    fetched, real = getattr(spider, "portal", None), getattr(spider, "real_portal", None)
    if fetched is None or real is None or urlsplit(url).netloc.lower() != fetched.host:
        return url
    return str(real.rebase(url, real.base_url))


__all__ = ["DATE_META_KEY", "META_KEY", "WARC_VERSION", "WarcArchiver", "target_uri"]
