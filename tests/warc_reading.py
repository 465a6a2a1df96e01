"""Test helpers: drive the WARC extension with hand-made responses; read WARC files with warcio's own reader."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scrapy import Request, Spider
from scrapy.http import Response
from scrapy.spiderloader import get_spider_loader
from scrapy.utils.project import get_project_settings
from scrapy.utils.test import get_crawler
from warcio.archiveiterator import ArchiveIterator

from crawler.warc.extension import META_KEY, WarcArchiver
from tests.replica.harness import ROOT

PORTAL = "antara_kaltim"
REAL = "https://kaltim.antaranews.com"
MIRROR = "http://127.0.0.1:8123"
ARTICLE = "/berita/63012/gubernur-kaltim-terima-audiensi"


@dataclass
class Rec:
    """One WARC record as warcio reads it."""

    file: Path
    offset: int
    type: str
    headers: dict[str, str]
    http_status: int | None
    http_headers: list[tuple[str, str]]
    payload: bytes

    @property
    def uri(self) -> str:
        return self.headers["WARC-Target-URI"]

    @property
    def id(self) -> str:
        return self.headers["WARC-Record-ID"]


def read_records(path: Path) -> list[Rec]:
    records = []
    with path.open("rb") as handle:
        iterator = ArchiveIterator(handle, check_digests=True)
        for record in iterator:
            http = record.http_headers
            payload = record.raw_stream.read()  # before get_record_offset(), which reads to the end
            records.append(
                Rec(
                    file=path,
                    offset=iterator.get_record_offset(),
                    type=record.rec_type,
                    headers=dict(record.rec_headers.headers),
                    http_status=int(http.get_statuscode())
                    if http is not None and record.rec_type != "request"
                    else None,
                    http_headers=list(http.headers) if http is not None else [],
                    payload=payload,
                )
            )
    return records


def warc_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.warc.gz"))


def all_records(directory: Path) -> list[Rec]:
    return [record for path in warc_files(directory) for record in read_records(path)]


def warcio_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """`warcio <args>` as a subprocess (the command-line tool, not our code)."""
    command = [sys.executable, "-m", "warcio.cli", *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)


def warcio_index(path: Path) -> list[dict[str, Any]]:
    fields = "warc-type,warc-target-uri,warc-record-id,offset,length,http:status"
    result = warcio_cli("index", "-f", fields, str(path))
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def make_archiver(tmp_path: Path, **settings: Any) -> tuple[WarcArchiver, Spider]:
    project = get_project_settings()
    values = {name: project[name] for name in project if name.startswith("ARCHIVE_")}
    values.update(ARCHIVE_EXPORTS_DIR=str(tmp_path / "exports"), ARCHIVE_WARC_DIR=str(tmp_path / "warc"), **settings)
    spider_class = get_spider_loader(project).load(PORTAL)
    crawler = get_crawler(spider_class, settings_dict=values)
    spider = spider_class.from_crawler(crawler, base_url=MIRROR)
    archiver = WarcArchiver.from_crawler(crawler)
    archiver.spider_opened(spider)
    return archiver, spider


def fetch(archiver: WarcArchiver, spider: Spider, path: str, body: bytes, **headers: str) -> dict[str, Any]:
    request = Request(MIRROR + path, headers={"Accept-Encoding": "gzip, br"})
    response = Response(request.url, status=200, headers=headers, body=body, request=request, protocol="HTTP/1.1")
    archiver.response_downloaded(response, request, spider)
    meta: dict[str, Any] = request.meta[META_KEY]
    return meta
