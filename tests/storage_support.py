"""Helpers for the storage tests: project settings, pipelines built with `get_crawler`, realistic items.

Pipelines run exactly as in a crawl (validate -> dedup -> jsonl, through `from_crawler`)
on real files under `tmp_path`; only the engine is missing, so `Chain.feed` calls
`process_item` in order (awaiting the async ones on the chain's own asyncio loop, as
Scrapy's asyncio reactor would) and returns the stored item or the drop reason.
"""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import scrapy
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from crawler import settings as project
from crawler.dedup.state import shared_state
from crawler.items import ArticleItem
from pipelines.dedup import DedupPipeline
from pipelines.jsonl import JsonLinesPipeline
from pipelines.validate import ValidatePipeline

PORTAL = "antara_kaltim"


def project_settings(**overrides: Any) -> dict[str, Any]:
    """crawler/settings.py as a dict, with overrides (what `scrapy crawl` would use, minus -s)."""
    values = {name: getattr(project, name) for name in dir(project) if name.isupper()}
    return {**values, **overrides}


def make_crawler(exports: Path, spider: str = PORTAL, **overrides: Any) -> Crawler:
    crawler = get_crawler(settings_dict=project_settings(ARCHIVE_EXPORTS_DIR=str(exports), **overrides))
    crawler.spider = scrapy.Spider(name=spider)
    return crawler


def content_hash(title: str, body: str) -> str:
    return hashlib.sha256(f"{title}\n\n{body}".encode()).hexdigest()


def article(number: int = 1, *, portal: str = PORTAL, title: str | None = None, body: str | None = None,
            published_at: str | None = "2019-09-03T15:20:00+08:00", **fields: Any) -> ArticleItem:  # fmt: skip
    """A valid ArticleItem as the page object would build it (content_hash included)."""
    title = title or f"Gubernur Kaltim terima audiensi nomor {number}"
    body = body if body is not None else f"Isi berita nomor {number} tentang pembangunan daerah.\n\nParagraf kedua."
    return ArticleItem(
        id=f"{portal}:{number}",
        portal=portal,
        site_name="ANTARA News Kalimantan Timur",
        url=f"https://kaltim.antaranews.com/berita/{number}/slug-{number}",
        fetched_url=f"http://127.0.0.1:8000/berita/{number}/slug-{number}",
        title=title,
        published_at=published_at,
        body=body,
        word_count=len(body.split()),
        content_hash=content_hash(title, body),
        layout="antara/wrap-article-detail",
        parser_version="0.2.0+antara/wrap-article-detail",
        crawled_at="2026-11-24T10:00:00+00:00",
        **fields,
    )


@dataclass
class Chain:
    """validate -> dedup -> jsonl for one crawler, as the item pipeline manager would run them."""

    crawler: Crawler
    stages: list[Any] = field(default_factory=list)
    loop: asyncio.AbstractEventLoop = field(default_factory=asyncio.new_event_loop)

    @classmethod
    def open(cls, exports: Path, spider: str = PORTAL, **overrides: Any) -> Chain:
        crawler = make_crawler(exports, spider, **overrides)
        chain = cls(crawler, [ValidatePipeline.from_crawler(crawler), DedupPipeline.from_crawler(crawler),
                              JsonLinesPipeline.from_crawler(crawler)])  # fmt: skip
        for stage in chain.stages:
            if hasattr(stage, "open_spider"):
                stage.open_spider()
        return chain

    def feed(self, item: Any) -> Any:
        """The stored item, or the DropItem message."""
        try:
            for stage in self.stages:
                item = self.run(stage.process_item(item))
        except DropItem as exc:
            return str(exc)
        return item

    def run(self, result: Any) -> Any:
        """A pipeline method's result, awaited on the chain's loop if it is a coroutine."""
        return self.loop.run_until_complete(result) if inspect.isawaitable(result) else result

    @property
    def stats(self) -> dict[str, Any]:
        assert self.crawler.stats is not None
        return self.crawler.stats.get_stats()

    def close(self) -> None:
        for stage in self.stages:
            if hasattr(stage, "close_spider"):
                self.run(stage.close_spider())
        # What the spider_closed signal does in a crawl (sending it here would also run the stats extensions).
        shared_state(self.crawler).close()
        self.loop.close()


def read_records(exports: Path, portal: str = PORTAL) -> list[dict[str, Any]]:
    directory = exports / portal
    return [json.loads(line) for path in sorted(directory.rglob("*.jsonl")) for line in path.read_text().splitlines()]
