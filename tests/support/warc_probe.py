"""Settings module of a probed crawl (tests/test_warc_writer.py): the project's settings plus `WarcProbe`.

Run `scrapy crawl` with `SCRAPY_SETTINGS_MODULE=tests.support.warc_probe` and
`-s TEST_WARC_PROBE_FILE=<path>`. `WarcProbe` is the spider middleware inside
`WarcDurabilityMiddleware` (its output is asked for right after that one's first wait, and it
asks the callback itself): when the callback is about to start, it reads the response's records
back from the file at the offset its `archive_warc` meta names. `WarcItemProbe`, just outside
it, notes for each item that goes on how far its response's file was fsynced. It also notes the order the responses were downloaded in and the
threads the appends ran in, and writes it all to the probe file when the spider closes.

Appends and fsyncs are slowed a little (in this process only), so that a response let through
before its records are written or fsynced is caught, not hidden by a fast disk.
"""

from __future__ import annotations

import json
import threading
import time
import zlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.http import Response

from crawler.settings import *  # noqa: F403
from crawler.settings import SPIDER_MIDDLEWARES as _PROJECT_MIDDLEWARES
from crawler.warc import durability
from crawler.warc.files import OpenWarc

SPIDER_MIDDLEWARES = {
    **_PROJECT_MIDDLEWARES,
    "tests.support.warc_probe.WarcProbe": 1000,
    "tests.support.warc_probe.WarcItemProbe": 985,
}

APPEND_DELAY_SECONDS = 0.003
FSYNC_DELAY_SECONDS = 0.01

_files: dict[str, OpenWarc] = {}
_append_threads: set[str] = set()
_init, _append, _fsync_and_close = OpenWarc.__init__, OpenWarc.append, durability._fsync_and_close


def _tracked_init(self: OpenWarc, path: Path, fd: int) -> None:
    _init(self, path, fd)
    _files[path.name] = self


def _slow_append(self: OpenWarc, *members: bytes) -> int:
    _append_threads.add(threading.current_thread().name)
    time.sleep(APPEND_DELAY_SECONDS)
    return _append(self, *members)


def _slow_fsync_and_close(fd: int) -> None:
    time.sleep(FSYNC_DELAY_SECONDS)
    _fsync_and_close(fd)


OpenWarc.__init__ = _tracked_init  # type: ignore[method-assign]
OpenWarc.append = _slow_append  # type: ignore[method-assign]
durability._fsync_and_close = _slow_fsync_and_close


def _members_at(path: Path, offset: int, count: int) -> tuple[list[dict[str, str]], int]:
    """WARC headers of the `count` gzip members at `offset`, and the offset just past them."""
    data = path.read_bytes()[offset:]
    headers, position = [], offset
    for _ in range(count):
        inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
        record = inflater.decompress(data)
        if not inflater.eof:
            raise ValueError(f"{path.name}: no whole gzip member at {position}")
        position += len(data) - len(inflater.unused_data)
        data = inflater.unused_data
        head = record.split(b"\r\n\r\n", 1)[0].decode("utf-8").split("\r\n")[1:]
        headers.append(dict(line.split(": ", 1) for line in head))
    return headers, position


class WarcProbe:
    def __init__(self, crawler: Crawler) -> None:
        self.output = Path(crawler.settings["TEST_WARC_PROBE_FILE"])
        self.downloaded: list[str] = []
        self.responses: list[dict[str, Any]] = []
        crawler.signals.connect(self.response_downloaded, signal=signals.response_downloaded)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcProbe:
        return cls(crawler)

    def response_downloaded(self, response: Response, request: Request, spider: Spider) -> None:
        self.downloaded.append(response.url)

    async def process_spider_output(self, response: Response, result: AsyncIterator[Any]) -> AsyncIterator[Any]:
        self._look(response)
        async for output in result:
            yield output

    def _look(self, response: Response) -> None:
        meta = response.meta.get("archive_warc")
        seen: dict[str, Any] = {"url": response.url, "meta": meta}
        if meta is not None:
            warc = _files[meta["file"]]
            synced = warc.synced  # before reading: what was fsynced when the response came through
            try:
                headers, seen["end"] = _members_at(warc.path, meta["offset"], 2)
                seen["records"] = [
                    (h["WARC-Type"], h.get("WARC-Record-ID"), h.get("WARC-Concurrent-To")) for h in headers
                ]
            except (ValueError, KeyError, zlib.error) as exc:
                seen["unreadable"] = str(exc)
            seen["synced"] = synced
        self.responses.append(seen)

    def spider_closed(self, spider: Spider) -> None:
        probe = {"downloaded": self.downloaded, "responses": self.responses, "items": _items,
                 "append_threads": sorted(_append_threads)}  # fmt: skip
        self.output.write_text(json.dumps(probe), encoding="utf-8")


_items: list[dict[str, Any]] = []


class WarcItemProbe:
    """Notes, for each item leaving `WarcDurabilityMiddleware`, how far its response's records were fsynced."""

    async def process_spider_output(self, response: Response, result: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for output in result:
            meta = response.meta.get("archive_warc")
            if not isinstance(output, Request) and meta is not None:
                warc = _files[meta["file"]]
                _items.append({"url": response.url, "synced": warc.synced, "offset": meta["offset"]})
            yield output
