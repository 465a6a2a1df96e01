"""Article pages parsed in worker processes, so the crawl's own thread keeps to the network and the pipelines.

A full crawl is CPU-bound on one core (docs/internals.md, "Benchmarks and their figures"),
and parsing an article page (lxml parse, selectors, credits, dates: about a third of its CPU)
depends on nothing but the page. `ParseWorkersMiddleware`, last in process_response order,
sends each article response that will reach `parse_article` (a 2xx text response of a request
whose callback is the spider's `parse_article`) to a pool of `ARCHIVE_PARSE_WORKERS` worker
processes (started with the crawl) and lets the response go on; the spider middleware
`ParsedPagesMiddleware` awaits the parse before the callback starts and leaves the result in
`response.meta["archive_parsed"]` (`crawler.portals.worker`); `parse_article` takes it from
there, or parses in process when it is not there (`scrapy parse`, reparse, these middlewares
off). The record is the same either way.

Guarantees: a worker's failure never loses an article. An exception raised by the parse
leaves the response to be parsed in process, where it raises exactly as without workers;
a worker that dies makes the crawl parse in process from then on, with one warning (the
pages it held are parsed in process too). The workers are spawned (the crawl process has
threads, so no fork), started with the crawler of a spider that parses articles (else at the
first article page), stopped when the spider closes, ignore SIGINT (the crawl stops them; a
SIGTERM ends them, and the crawl parses in process) and exit by themselves when the crawl
process dies.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import itertools
import logging
import multiprocessing
import os
import pickle
import resource
import struct
from collections.abc import AsyncIterator, Hashable
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any, ClassVar, Self

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.http import TextResponse

from crawler.dedup.neardup import NearDupParams
from crawler.dedup.state import near_dup_params
from crawler.extract.limits import PageLimits
from crawler.portals.base import PortalDefinition
from crawler.portals.worker import PARSED_META, PageJob, ParsedPage, fetched_at, serve

PENDING_META = "archive_parsing"
"""Request meta key: the parse of an article page started in a worker (an asyncio future of a `ParsedPage` or None)."""

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)


class ParseWorkersMiddleware:
    """Downloader middleware parsing article pages in worker processes.

    Settings: ARCHIVE_PARSE_WORKERS (0 = parse in the crawl process), ARCHIVE_PARSE_MAX_*.
    Stats: archive/parse/workers/{pages,fallbacks,broken}; archive/parse/workers/cpu_seconds (user +
    system CPU of the ended workers, from the crawl process's children's usage: any other
    child it waited for would count too; none does).
    """

    def __init__(self, crawler: Crawler, workers: int) -> None:
        self.crawler = crawler
        self.workers = workers
        self.limits = PageLimits.from_settings(crawler.settings)
        self.near = near_dup_params(crawler.settings) if _links_near_duplicates(crawler) else None
        """Near-duplicate parameters when the dedup pipeline signs bodies: the worker signs them instead."""
        self._pool: WorkerPool | None = None
        self._broken = False
        self._closed = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        workers = crawler.settings.getint("ARCHIVE_PARSE_WORKERS")
        if workers <= 0:
            raise NotConfigured("ARCHIVE_PARSE_WORKERS is 0: article pages are parsed in the crawl process")
        middleware = cls(crawler, workers)
        # Started now, while the crawl sets up, not at the first article page: a worker's start-up
        # (an interpreter, the page objects' imports: about a second of CPU) then overlaps the
        # crawl process's own instead of its first second of crawling.
        if hasattr(crawler.spidercls, "parse_article"):
            middleware._pool = WorkerPool.join(workers)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def process_response(self, request: Request, response: Response) -> Request | Response:
        # The parse is only started here: awaited in a downloader middleware, it would hold the
        # request's downloader slot (CONCURRENT_REQUESTS) while the worker parses.
        # `ParsedPagesMiddleware` awaits it before the callback starts.
        portal = _portal_to_parse(request, response, self.crawler.spider)
        if self._broken or portal is None:
            return response
        assert isinstance(response, TextResponse)
        job = PageJob.of(response, fetched_at(request.meta))
        request.meta[PENDING_META] = asyncio.ensure_future(self._parse(job, portal))
        return response

    async def _parse(self, job: PageJob, portal: PortalDefinition) -> ParsedPage | None:
        """The worker's parse of `job`, or None: the page is then parsed in process (never raises)."""
        try:
            if self._closed:  # the spider closed meanwhile: parse in process
                return None
            if self._pool is None:
                self._pool = WorkerPool.join(self.workers)
            parsed = await self._pool.least_busy().parse(job, portal, self.limits, self.near)
        except WorkerGone:
            if not self._broken:
                self._broken = True
                self._count("archive/parse/workers/broken")
                logger.warning("a parse worker died; article pages are parsed in the crawl process from now on")
            return None
        if parsed is None:
            # The parse raised: parse_article parses in process, where the error is raised and handled as ever.
            self._count("archive/parse/workers/fallbacks")
            return None
        self._count("archive/parse/workers/pages")
        return parsed

    def spider_closed(self, spider: Spider) -> None:
        self._closed = True
        pool, self._pool = self._pool, None
        if pool is None or not pool.leave():
            return
        # The workers have been waited for, so their CPU time is in this process's children's.
        used = resource.getrusage(resource.RUSAGE_CHILDREN)
        assert self.crawler.stats is not None
        self.crawler.stats.set_value("archive/parse/workers/cpu_seconds", round(used.ru_utime + used.ru_stime, 3))

    def _count(self, key: str) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(key)


class ParsedPagesMiddleware:
    """Spider middleware: the callback of an article page waits for its parse in a worker.

    `ParseWorkersMiddleware` leaves the parse it started in `meta["archive_parsing"]`; this
    one awaits it before it asks the callback for its first output (a generator callback, as
    `parse_article` is, starts only then), and leaves the `ParsedPage` in `meta["archive_parsed"]`
    for `parse_article`, which parses in process when it is not there. Innermost but one
    (SPIDER_MIDDLEWARES 995): the scraper holds the response meanwhile, not a downloader slot.
    Settings: ARCHIVE_PARSE_WORKERS.
    """

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if crawler.settings.getint("ARCHIVE_PARSE_WORKERS") <= 0:
            raise NotConfigured("ARCHIVE_PARSE_WORKERS is 0: article pages are parsed in the crawl process")
        return cls()

    async def process_spider_output(self, response: Response, result: AsyncIterator[Any]) -> AsyncIterator[Any]:
        # Async only: the wait needs the event loop, so Scrapy hands a sync callback's output over as async.
        parsing: asyncio.Future[ParsedPage | None] | None = response.meta.pop(PENDING_META, None)
        if parsing is not None and (parsed := await parsing) is not None:
            response.meta[PARSED_META] = parsed
        async for output in result:
            yield output


class WorkerPool:
    """The parse workers of this process, shared by its crawlers (`scrapy crawlall` runs several
    in one process): started by the first crawler that needs them, with its ARCHIVE_PARSE_WORKERS,
    and stopped when the last one that joined closes."""

    _shared: ClassVar[WorkerPool | None] = None

    def __init__(self, size: int) -> None:
        level = _log_level()
        self.workers = [ParseWorker(level) for _ in range(size)]
        self.users = 0

    @classmethod
    def join(cls, size: int) -> WorkerPool:
        if cls._shared is None:
            cls._shared = cls(size)
        cls._shared.users += 1
        return cls._shared

    def leave(self) -> bool:
        """One user fewer; True when it was the last and the workers have ended."""
        self.users -= 1
        if self.users > 0:
            return False
        for worker in self.workers:
            worker.close()
        if WorkerPool._shared is self:
            WorkerPool._shared = None
        return True

    def least_busy(self) -> ParseWorker:
        return min(self.workers, key=lambda worker: len(worker.pending))


class WorkerGone(Exception):
    """The worker process ended (killed, crashed) before answering."""


class ParseWorker:
    """One spawned worker process and its two pipes; the event loop reads its answers (no thread here).

    `concurrent.futures.ProcessPoolExecutor` was measured first: its feeder and manager threads
    cost the crawl process 0.3 ms of CPU per page, a third of the parse it saved; these pipes cost
    under 0.1 ms.
    """

    def __init__(self, level: int) -> None:
        # Spawned, not forked: the crawl process has threads (a fork copies their locks, held or not).
        context = multiprocessing.get_context("spawn")
        jobs_out, self._jobs = context.Pipe(duplex=False)
        self._results, results_in = context.Pipe(duplex=False)
        _widen(self._jobs)
        self.process = context.Process(target=serve, args=(jobs_out, results_in, level),
                                       name="parse-worker", daemon=True)  # fmt: skip
        self.process.start()
        jobs_out.close()
        results_in.close()  # this process holds no write end: the pipe ends (EOF) when the worker does
        self.pending: dict[int, asyncio.Future[ParsedPage | None]] = {}
        self._keys = itertools.count()
        self._unread = bytearray()
        """Answer bytes read from the pipe, not yet a whole answer."""
        self._loop: asyncio.AbstractEventLoop | None = None
        """The event loop reading the answers: the one running at the first job (the worker may start before it)."""
        self._gone = False
        self._sent: set[Hashable] = set()

    async def parse(
        self, job: PageJob, portal: PortalDefinition, limits: PageLimits, near: NearDupParams | None = None
    ) -> ParsedPage | None:
        """The worker's `ParsedPage` of `job` (its body signed under `near`, if given), or None if
        the parse raised; `WorkerGone` if the worker ended."""
        if self._gone:
            raise WorkerGone
        key = next(self._keys)
        inputs_key = (portal.name, portal.definition_version, limits, near)
        inputs = None if inputs_key in self._sent else (portal, limits, near)  # sent once per crawl
        self._sent.add(inputs_key)
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
            os.set_blocking(self._results.fileno(), False)
            self._loop.add_reader(self._results.fileno(), self._answers)
        answer = self.pending[key] = self._loop.create_future()
        message = (key, inputs_key, inputs, job)
        try:
            self._jobs.send_bytes(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))
        except OSError as exc:
            self.pending.pop(key, None)
            raise WorkerGone from exc
        parsed: ParsedPage | None = await answer
        return parsed

    def _answers(self) -> None:
        # Reads what the pipe holds without blocking and takes the whole answers out of it. A
        # blocking read of one answer could wait for the rest of it: multiprocessing writes an
        # answer over 16 KB as two writes, and on a busy machine the worker can be descheduled
        # between them (a profile found the crawl's thread blocked there 4% of the time).
        try:
            chunk = os.read(self._results.fileno(), 1 << 20)
        except BlockingIOError:
            return
        except OSError:
            self._end()
            return
        if not chunk:  # EOF: the worker ended
            self._end()
            return
        self._unread += chunk
        while (frame := _frame(self._unread)) is not None:
            start, end = frame
            key, parsed = pickle.loads(self._unread[start:end])
            del self._unread[:end]
            answer = self.pending.pop(key, None)
            if answer is not None and not answer.done():
                answer.set_result(parsed)

    def _end(self) -> None:
        if not self._gone:
            self._gone = True
            if self._loop is not None:
                self._loop.remove_reader(self._results.fileno())
        for answer in self.pending.values():
            if not answer.done():
                answer.set_exception(WorkerGone())
        self.pending.clear()

    def close(self) -> None:
        """Stop the worker (it ends when its job pipe closes) and wait for it."""
        self._jobs.close()
        self.process.join(timeout=10)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self._end()
        self._results.close()


def _frame(data: bytearray) -> tuple[int, int] | None:
    """(start, end) of the first whole message in `data` as `Connection.send_bytes` frames it
    (a signed 32-bit big-endian length, or -1 and an unsigned 64-bit one), or None if none is whole yet."""
    if len(data) < 4:
        return None
    (size,) = struct.unpack_from("!i", data)
    start = 4
    if size == -1:
        if len(data) < 12:
            return None
        (size,) = struct.unpack_from("!Q", data, 4)
        start = 12
    return (start, start + size) if len(data) >= start + size else None


def _widen(connection: Connection) -> None:
    """A 1 MiB pipe buffer (Linux), so that writing a few pages ahead of the worker never blocks the crawl."""
    # Above /proc/sys/fs/pipe-max-size it fails: the default 64 KiB still works, writes may wait a little.
    with contextlib.suppress(OSError):
        fcntl.fcntl(connection.fileno(), _F_SETPIPE_SZ, 1 << 20)


_F_SETPIPE_SZ = getattr(fcntl, "F_SETPIPE_SZ", 1031)


def _log_level() -> int:
    """The lowest level this process logs (Scrapy's root handler filters by LOG_LEVEL, its root logger does not)."""
    root = logging.getLogger()
    handled = min((handler.level for handler in root.handlers), default=logging.NOTSET)
    return max(root.getEffectiveLevel(), handled)


def _links_near_duplicates(crawler: Crawler) -> bool:
    """Whether the crawl's dedup pipeline signs every record's body (`pipelines.dedup`)."""
    settings = crawler.settings
    pipelines = settings.getwithbase("ITEM_PIPELINES")
    in_use = any(str(name).endswith(".DedupPipeline") and order is not None for name, order in pipelines.items())
    return in_use and settings.getbool("ARCHIVE_DEDUP_ENABLED") and settings.getbool("ARCHIVE_DEDUP_NEAR_ENABLED")


def _portal_to_parse(request: Request, response: Response, spider: Spider | None) -> PortalDefinition | None:
    """The portal whose page object parses `response`, if it will reach the spider's `parse_article`.

    Scrapy's HttpError filter lets only 2xx responses reach a callback.
    """
    parse_article = getattr(spider, "parse_article", None)
    portal = getattr(spider, "real_portal", None)
    if parse_article is None or request.callback != parse_article or not isinstance(portal, PortalDefinition):
        return None
    return portal if isinstance(response, TextResponse) and 200 <= response.status < 300 else None
