"""Workers of one distributed crawl: scrapy-redis's scheduler plus a run lifecycle, in-flight tracking and an idle rule.

A *run* is the set of workers of one spider whose lifetimes overlap. The first worker to
start when no other is alive starts a new run: it empties the request dupefilter, so that
everything not yet stored can be discovered again (what is stored is skipped by
deltafetch before any request), and keeps whatever is still queued. Later workers join the
run: their start requests duplicate the first worker's and the shared dupefilter drops them.

A request leaves Redis only when it is finished (`crawler.distributed.scripts`): taking it
records it in the worker's in-flight hash, and the worker deletes it there once Scrapy has
completely processed it (downloaded, parsed, its items through the pipelines, i.e. durably
written and claimed). Each worker keeps a key alive ("busy" or "idle", expiring after
ARCHIVE_REDIS_WORKER_TTL_SECONDS, refreshed every ARCHIVE_REDIS_POLL_SECONDS). When a
worker is killed its key expires and another worker puts its in-flight requests back into
the queue; a worker whose queue ran dry does not stop while another live worker is busy.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any, Self

from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.utils.asyncio import create_looping_call
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.scheduler import Scheduler

from crawler.distributed import scripts as worker_scripts
from crawler.distributed.mode import redis_prefix, worker_id
from crawler.distributed.scripts import RunKeys

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


LISTING_BOOST = 10
"""Added to a listing request's priority in the shared queue (the spider ranks articles before listings)."""


class ArticleIdDupeFilter(RFPDupeFilter):  # type: ignore[misc]  # scrapy-redis ships no type hints
    """scrapy-redis's shared dupefilter, keyed by archive id for article requests.

    Each worker drops the links it already requested by article id, but two workers can
    meet one article under two URLs (an old slug and the current one); scrapy-redis keys
    its fingerprints by URL, so both would be fetched. The archive id is the identity.
    """

    def request_fingerprint(self, request: Any) -> str:
        record_id = request.meta.get("archive_record_id")
        if record_id:
            return f"article:{record_id}"
        return str(super().request_fingerprint(request))


class WorkerIdInUse(RuntimeError):
    """Another live process uses this worker id (its files and keys would be shared)."""


class WorkerScheduler(Scheduler):  # type: ignore[misc]  # scrapy-redis ships no type hints
    """scrapy-redis's Scheduler (Redis priority queue + RFPDupeFilter) for several concurrent workers.

    Settings: ARCHIVE_WORKER_ID, ARCHIVE_REDIS_PREFIX, ARCHIVE_REDIS_WORKER_TTL_SECONDS,
    ARCHIVE_REDIS_POLL_SECONDS, plus the scrapy-redis ones `crawler.distributed.mode.DistributedMode` sets.
    Stats: archive/distributed/run_started, archive/distributed/run_joined,
    archive/distributed/requeued (requests of killed workers put back), archive/distributed/idle_waits,
    scheduler/enqueued/redis, scheduler/dequeued/redis.
    """

    crawler: Crawler
    keys: RunKeys

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        instance: Self = super().from_crawler(crawler)
        settings = crawler.settings
        instance.crawler = crawler
        instance.worker = worker_id(settings)
        instance.prefix = redis_prefix(settings)
        instance.ttl_ms = int(settings.getfloat("ARCHIVE_REDIS_WORKER_TTL_SECONDS") * 1000)
        instance.poll_seconds = settings.getfloat("ARCHIVE_REDIS_POLL_SECONDS")
        # A portal spider talks to one host. Taking twice what it may download at once keeps every
        # download slot busy while responses are parsed; taking more would starve idle workers.
        per_domain = settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") or settings.getint("CONCURRENT_REQUESTS")
        instance.max_active = max(1, min(settings.getint("CONCURRENT_REQUESTS"), 2 * per_domain))
        instance.scripts = {
            name: instance.server.register_script(getattr(worker_scripts, name.upper()))
            for name in ("join", "requeue", "leave", "pop")
        }
        instance.inflight = {}  # token -> the Request taken with it
        instance.joined = False
        crawler.signals.connect(instance.spider_idle, signal=signals.spider_idle)
        return instance

    # --- lifecycle ----------------------------------------------------------------------------------------
    def open(self, spider: Spider) -> None:
        self.keys = RunKeys(self.prefix, spider.name, self.worker, self.queue_key % {"spider": spider.name},
                            self.dupefilter_key % {"spider": spider.name})  # fmt: skip
        others, requeued = self._join()
        self.joined = True
        self._count("archive/distributed/run_joined" if others else "archive/distributed/run_started")
        self._count("archive/distributed/requeued", requeued)
        logger.info("worker %s %s (%d other live workers; %d requests of gone workers requeued)", self.worker,
                    "joined a run" if others else "started a new run", others, requeued)  # fmt: skip
        super().open(spider)
        self._loop = create_looping_call(self._tick)
        self._loop.start(self.poll_seconds, now=False)

    def _join(self) -> tuple[int, int]:
        # A killed predecessor with this id stays "alive" until its key expires: wait that out once.
        deadline = time.monotonic() + self.ttl_ms / 1000 + 1
        while True:
            result = self.scripts["join"](keys=self.keys.join_keys(), args=self.keys.join_args(self.ttl_ms))
            if result != -1:
                return int(result[0]), int(result[1])
            if time.monotonic() > deadline:
                raise WorkerIdInUse(f"worker id {self.worker!r} is in use by another live process; "
                                    "give every worker its own ARCHIVE_WORKER_ID")  # fmt: skip
            time.sleep(0.2)

    def close(self, reason: str) -> None:
        if getattr(self, "_loop", None) is not None and self._loop.running:
            self._loop.stop()
        if not self.joined:  # refused at open: the keys of this worker id belong to another process
            super().close(reason)
            return
        finished = "1" if reason == "finished" else "0"
        keys = [*self.keys.join_keys(), self.keys.own_inflight]
        last = self.scripts["leave"](keys=keys, args=[self.worker, self.keys.worker_prefix, finished])
        logger.info("worker %s left the run (%s)%s", self.worker, reason, "; it was the last" if last else "")
        super().close(reason)

    # --- scheduling ---------------------------------------------------------------------------------------
    def enqueue_request(self, request: Request) -> bool:
        # scrapy-redis's own passes `spider=` to the stats, which Scrapy 2.19 deprecates; otherwise the same.
        if not request.dont_filter and self.df.request_seen(request):
            self.df.log(request, self.spider)
            return False
        if "archive_listing_page" in request.meta:
            # The listing walk is the crawl's critical path (page n+1 is only known once page n is
            # parsed) and every page feeds all workers with articles: never let it wait behind them.
            request = request.replace(priority=request.priority + LISTING_BOOST)
        self._count("scheduler/enqueued/redis")
        self.queue.push(request)
        return True

    def next_request(self) -> Request | None:
        downloader = getattr(self.crawler.engine, "downloader", None)
        if downloader is not None and len(downloader.active) >= self.max_active:
            # Scrapy would take up to CONCURRENT_REQUESTS and park the surplus in its per-domain slot;
            # a request left in Redis is one that an idle worker can start now.
            return None
        keys = [self.keys.queue, self.keys.own, self.keys.own_inflight, self.keys.base + "inflight-seq"]
        found = self.scripts["pop"](keys=keys, args=[self.ttl_ms])
        if found is None:
            return None
        token, data = found
        request: Request = self.queue._decode_request(data)
        self.inflight[int(token)] = request
        self._count("scheduler/dequeued/redis")
        return request

    def _tick(self) -> None:
        """Heartbeat; forget finished requests; wake the engine so that an idle worker takes queued work promptly."""
        engine = self.crawler.engine
        slot = getattr(engine, "_slot", None)
        if engine is None or slot is None or slot.closing is not None:
            return
        # The engine's slot holds a request from download until its items have left the pipelines;
        # Scrapy sends no signal for that moment, so finished requests are found by comparison.
        finished = [token for token, request in self.inflight.items() if request not in slot.inprogress]
        pipe = self.server.pipeline()
        if finished:
            pipe.hdel(self.keys.own_inflight, *finished)
        pipe.set(self.keys.own, "idle" if engine.spider_is_idle() else "busy", px=self.ttl_ms)
        pipe.execute()
        for token in finished:
            del self.inflight[token]
        if not engine.needs_backout():
            # Scrapy re-polls an idle scheduler only every 5 s (its slot heartbeat) and has no
            # public call to poll sooner; a shared queue fills from other processes, so poll now.
            slot.nextcall.schedule()

    def spider_idle(self, spider: Spider) -> None:
        """Requeue the requests of killed workers; keep an idle worker while another live worker is busy."""
        requeued = int(self.scripts["requeue"](keys=self.keys.join_keys(), args=self.keys.join_args(self.ttl_ms)))
        if requeued:
            logger.warning("worker %s: %d requests of a gone worker put back into the queue", self.worker, requeued)
            self._count("archive/distributed/requeued", requeued)
            raise DontCloseSpider
        others = [_text(w) for w in self.server.smembers(self.keys.workers) if _text(w) != self.worker]
        states = self.server.mget([self.keys.worker_prefix + w for w in others]) if others else []
        if any(state is not None and _text(state) == "busy" for state in states):
            self._count("archive/distributed/idle_waits")
            raise DontCloseSpider

    def _count(self, key: str, count: int = 1) -> None:
        if self.crawler.stats is not None and count:
            self.crawler.stats.inc_value(key, count)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
