"""An article page parsed away from the crawl: what goes to a worker process and what comes back.

`PageJob` holds what an article page object reads of a response (URL, status, headers,
bytes and the encoding the crawl settled on) and when it was fetched; `parse_job` runs the
portal's page object on it exactly as `PortalSpider.parse_article` does in process (`parse_page`), and
returns a `ParsedPage`: the record (or `NotAnArticle`), the log records the page object
emitted, which `ParsedPage.replay` logs again in the crawl process, where Scrapy's handlers
(log file, `log_count/*` stats) are, and, when the crawl links near-duplicates, the body's
MinHash signature, which `replay` hands to the dedup pipeline (`crawler.dedup.neardup.HANDOVER`)
so that the crawl's own thread does not compute it. Both travel pickled, so everything here
is plain data.

The worker side (`serve`) is what a worker process runs: it keeps the portal and the page
caps a crawl sends with its first job, ignores SIGINT (Ctrl-C reaches the whole process
group, and the crawl's graceful shutdown still needs its workers: it closes their pipe when
the spider closes), ends on SIGTERM (the crawl then parses its pages itself; multiprocessing
also stops daemon children so at the interpreter's exit) and exits as soon as its parent is
gone, so a crawl killed with SIGKILL leaves no worker behind. On Linux it runs under the
`SCHED_BATCH` policy and NICENESS nicer than the crawl: woken by a job, it does not preempt the
crawl's event loop, and it yields the cores to that loop when they are scarce.
"""

from __future__ import annotations

import functools
import logging
import multiprocessing
import os
import pickle
import queue
import signal
import threading
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from multiprocessing.connection import Connection, wait
from typing import TYPE_CHECKING, Any

from crawler.dedup.neardup import HANDOVER, Fingerprinter, NearDupParams
from crawler.extract.limits import PageLimits
from crawler.items import ArticleItem
from crawler.portals.base import NotAnArticle, PortalDefinition
from crawler.runtime import make_batch

if TYPE_CHECKING:
    from scrapy.http import TextResponse

PARSED_META = "archive_parsed"
"""Request meta key: the `ParsedPage` of a response parsed in a worker (`crawler.middlewares.parseworkers`)."""


@dataclass(frozen=True)
class PageJob:
    """What an article page object reads of a response, as plain data."""

    response_class: type[TextResponse]
    url: str
    status: int
    headers: dict[bytes, list[bytes]]
    body: bytes
    encoding: str
    """The response's encoding as the crawl resolved it (headers, BOM, `<meta>`, charset repair)."""
    fetched_at: datetime | None

    @classmethod
    def of(cls, response: TextResponse, fetched_at: datetime | None) -> PageJob:
        headers = {bytes(key): list(values) for key, values in response.headers.items()}
        return cls(type(response), response.url, response.status, headers, response.body, response.encoding,
                   fetched_at)  # fmt: skip

    def response(self) -> TextResponse:
        return self.response_class(
            self.url, status=self.status, headers=self.headers, body=self.body, encoding=self.encoding
        )


@dataclass
class ParsedPage:
    """A page object's result, the log records it emitted while parsing and the record body's signature."""

    result: ArticleItem | NotAnArticle
    records: list[logging.LogRecord] = field(default_factory=list)
    signature: tuple[NearDupParams, bytes | None] | None = None
    """The near-duplicate signature of the record's body and the parameters it was made with (None: not made)."""

    def replay(self) -> ArticleItem | NotAnArticle:
        """The result, after logging its records in this process as the page object would have
        and handing its body's signature over to the dedup pipeline."""
        for record in self.records:
            logger = logging.getLogger(record.name)
            if logger.isEnabledFor(record.levelno):
                logger.handle(record)
        if self.signature is not None and isinstance(self.result, ArticleItem):
            HANDOVER.put(self.signature[0], _signed_text(self.result), self.signature[1])
        return self.result


def _signed_text(item: ArticleItem) -> str:
    """The text the dedup pipeline signs of a record (`DedupPipeline.process_item`)."""
    return item.body or ""


def fetched_at(meta: Mapping[str, Any]) -> datetime | None:
    """When a response was fetched, from its request's `meta`: its WARC-Date when archived
    (a re-parse then reproduces `crawled_at`), else None (the page object's "now").

    The archive sets `archive_warc_date` as soon as the response is downloaded and
    `archive_warc` (with the same date) once its records are written, which a parse worker's
    job may precede (`crawler.warc.extension`).
    """
    date = (meta.get("archive_warc") or {}).get("date") or meta.get("archive_warc_date")
    try:
        return datetime.fromisoformat(date) if date else None
    except ValueError:
        return None


def parse_page(
    response: TextResponse, portal: PortalDefinition, limits: PageLimits, fetched_at: datetime | None
) -> ArticleItem | NotAnArticle:
    """The record of an article page: what `PortalSpider.parse_article` computes, in process or in a worker."""
    return portal.article_page(response, portal, fetched_at=fetched_at, limits=limits).to_item()


def parse_job(job: PageJob, portal: PortalDefinition, limits: PageLimits) -> ArticleItem | NotAnArticle:
    """`parse_page` of a job's page (what a worker runs)."""
    return parse_page(job.response(), portal, limits, job.fetched_at)


# --- the worker process ---------------------------------------------------------------------------
class _Collector(logging.Handler):
    """Keeps the records of one job, made picklable (message formatted, traceback as text)."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.msg, record.args, record.exc_info = record.getMessage(), None, None
        self.records.append(record)


_collector = _Collector()


def start_worker(level: int) -> None:
    """Set-up of a worker process: log capture at the crawl's level, signals, the parent watch."""
    root = logging.getLogger()
    root.handlers[:] = [_collector]
    root.setLevel(level)
    # Ctrl-C reaches the whole process group: the crawl's graceful shutdown still needs its
    # workers, and stops them itself. SIGTERM is left to end the worker: multiprocessing sends
    # it to daemon children at the interpreter's exit, then waits for them.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _background_priority()
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_with, args=(parent.sentinel,), daemon=True, name="parent-watch").start()


NICENESS = 10
"""How much nicer (Linux `nice`) than the crawl a worker runs: under contention for the cores, the
crawl's event loop, which keeps the downloads going, gets the CPU before the parses."""


def _background_priority() -> None:
    """Schedule this process (and the threads it starts later) as a batch job (Linux `SCHED_BATCH`)
    at NICENESS more than the crawl's niceness.

    Each job written to the pipe wakes the worker. Under the normal policy the woken worker
    may preempt the thread that wrote it, the crawl's event loop, when both cores are busy. The
    write took the loop 0.28-0.31 ms per page (0.9-1.0 on a loaded machine), and 0.13-0.18
    (0.26-0.33) under `SCHED_BATCH`. At the same niceness the loop still waited for a core
    0.8-1.0 ms per page on a busy two-core machine, 0.6-0.7 with the worker niced
    (docs/internals.md, parse workers). A parse waits instead: it is not on the downloads' path.
    """
    # Per thread: those started at import (a numeric library's pool, say) do not inherit a later change.
    threads = [int(tid) for tid in os.listdir("/proc/self/task")] if os.path.isdir("/proc/self/task") else [0]
    for tid in threads:
        make_batch(tid, nicer_by=NICENESS)


def _exit_with(sentinel: int) -> None:
    """Exit once the parent is gone (killed with SIGKILL, say): its pipes alone do not end a worker."""
    wait([sentinel])
    os._exit(0)


def run_job(
    job: PageJob, portal: PortalDefinition, limits: PageLimits, near: NearDupParams | None = None
) -> ParsedPage:
    """One job in a worker process (whose root logger `start_worker` pointed at the collector);
    with `near`, the record's body is signed too."""
    _collector.records = []
    try:
        result = parse_job(job, portal, limits)
    finally:
        records, _collector.records = _collector.records, []
    signature = None
    if near is not None and isinstance(result, ArticleItem):
        signature = (near, _fingerprinter(near).compute(_signed_text(result)))
    return ParsedPage(result, records, signature)


@functools.lru_cache(maxsize=4)
def _fingerprinter(params: NearDupParams) -> Fingerprinter:
    return Fingerprinter(params)  # builds its permutations once


def serve(jobs: Connection, results: Connection, level: int) -> None:
    """A worker process's life: `(key, inputs key, inputs or None, PageJob)` pickles in on `jobs`,
    `(key, ParsedPage | None)` out on `results` (None: the parse raised; the crawl parses that
    page itself), until `jobs` closes. The inputs (portal, page caps, near-duplicate parameters
    or None) come with a crawl's first job only, and are kept by their key: one worker serves
    every crawler of a `crawlall` process.

    A thread of its own drains `jobs` into a queue, so the crawl's writes never wait for a parse.
    """
    start_worker(level)
    inputs: dict[Hashable, tuple[PortalDefinition, PageLimits, NearDupParams | None]] = {}
    queued: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
    threading.Thread(target=_drain, args=(jobs, queued), daemon=True, name="jobs").start()
    while (data := queued.get()) is not None:
        key, inputs_key, new_inputs, job = pickle.loads(data)
        if new_inputs is not None:
            inputs[inputs_key] = new_inputs
        try:
            parsed: ParsedPage | None = run_job(job, *inputs[inputs_key])
        except Exception:
            parsed = None
        results.send_bytes(pickle.dumps((key, parsed), protocol=pickle.HIGHEST_PROTOCOL))


def _drain(jobs: Connection, queued: queue.SimpleQueue[bytes | None]) -> None:
    try:
        while True:
            queued.put(jobs.recv_bytes())
    except (EOFError, OSError):
        queued.put(None)
