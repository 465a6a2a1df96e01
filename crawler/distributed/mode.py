"""Distributed mode: one setting, ARCHIVE_REDIS_URL, turns several `scrapy crawl` processes into workers of one crawl.

`DistributedMode` is a Scrapy add-on (listed in ADDONS, so always loaded); with an empty
ARCHIVE_REDIS_URL it does nothing and nothing needs Redis. With a URL it sets the whole group:

* scrapy-redis's request queue and request dupefilter on that Redis, through our
  `crawler.distributed.workers.WorkerScheduler` (scrapy-redis's Scheduler plus a run lifecycle and an
  idle rule for several workers), with per-spider key templates under ARCHIVE_REDIS_PREFIX;
  SCHEDULER_PERSIST on, because no worker may delete the shared queue when it stops;
* the article dedup state in the same Redis (`crawler.dedup.redis_state`, chosen by
  `crawler.dedup.state.open_state`), so "stored" means stored by any worker;
* export files and the run lock per worker (`worker_id`): `<YYYY-MM>.<worker>.jsonl`,
  `manifest.<worker>.json`, lock `<portal>.<worker>`.

scrapy-redis 0.9.1's own `RedisSpider` starts through `start_requests()`, which Scrapy
>= 2.16 never calls; our spiders keep their `async def start()`, and every worker yields
the same start requests: the shared dupefilter lets the first one through.
"""

from __future__ import annotations

import importlib.util
import re
import socket
from typing import TYPE_CHECKING

from crawler.store.layout import WORKER_ID

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

_PREFIX = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_:.-]*$")


class DistributedModeError(ValueError):
    """A distributed-mode setting cannot be used (one line)."""


def distributed(settings: BaseSettings) -> bool:
    """Whether ARCHIVE_REDIS_URL switches distributed mode on."""
    return bool(settings.get("ARCHIVE_REDIS_URL"))


def worker_id(settings: BaseSettings) -> str:
    """ARCHIVE_WORKER_ID, or the host's short name; validated (it becomes part of file names and Redis keys)."""
    configured = settings.get("ARCHIVE_WORKER_ID") or socket.gethostname().split(".")[0]
    if not WORKER_ID.match(configured):
        raise DistributedModeError(f"ARCHIVE_WORKER_ID={configured!r}: use letters, digits, '_' and '-' (no dots)")
    return str(configured)


def require_extra() -> None:
    """Refuse distributed mode in one line when the `distributed` extra (scrapy-redis, redis) is not installed."""
    missing = [name for name in ("scrapy_redis", "redis") if importlib.util.find_spec(name) is None]
    if missing:
        raise DistributedModeError(
            f"ARCHIVE_REDIS_URL is set but {' and '.join(missing)} is not installed: "
            "pip install '.[distributed]' in the checkout (or pip install -r requirements.txt)"
        )


def lock_name(settings: BaseSettings, portal: str) -> str:
    """The run lock a crawl of `portal` takes: per portal, or per portal and worker in distributed mode.

    Several workers of one portal run at the same time by design; what must never run twice
    is one worker id (its files), so the local lock is per worker and `WorkerScheduler`
    refuses a worker id that is alive elsewhere.
    """
    if not distributed(settings):
        return portal
    require_extra()
    return f"{portal}.{worker_id(settings)}"


def redis_prefix(settings: BaseSettings) -> str:
    prefix = settings.get("ARCHIVE_REDIS_PREFIX") or "archive"
    if not _PREFIX.match(prefix):
        raise DistributedModeError(f"ARCHIVE_REDIS_PREFIX={prefix!r}: use letters, digits and _ : . -")
    return str(prefix)


class DistributedMode:
    """Scrapy add-on: sets the distributed-mode group when ARCHIVE_REDIS_URL is set.

    Settings: ARCHIVE_REDIS_URL, ARCHIVE_REDIS_PREFIX, ARCHIVE_WORKER_ID (validated here, so a
    bad value stops the crawl before it starts).
    """

    def update_settings(self, settings: BaseSettings) -> None:
        if not distributed(settings):
            return
        require_extra()
        prefix = redis_prefix(settings)
        worker_id(settings)
        group = {
            "SCHEDULER": "crawler.distributed.workers.WorkerScheduler",
            "DUPEFILTER_CLASS": "crawler.distributed.workers.ArticleIdDupeFilter",
            "REDIS_URL": settings.get("ARCHIVE_REDIS_URL"),
            "SCHEDULER_PERSIST": True,
            # WorkerScheduler pops with a script written for this queue (a sorted set by priority).
            "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",
            "SCHEDULER_QUEUE_KEY": f"{prefix}:%(spider)s:requests",
            "SCHEDULER_DUPEFILTER_KEY": f"{prefix}:%(spider)s:dupefilter",
            # Every worker commits to one shared state: "first committed" is global.
            "ARCHIVE_DEDUP_BACKEND": "crawler.dedup.redis_state.RedisDedupState",
        }
        for name, value in group.items():
            settings.set(name, value, priority="addon")
