"""Abuse and limits: size and page caps, argument validation, page content as data, files never clobbered.

* a gzip bomb stops at DOWNLOAD_MAXSIZE while inflating (Scrapy 2.19), counted in stats;
* ARCHIVE_MAX_PAGES_PER_RUN ends a run through CLOSESPIDER_PAGECOUNT, and no request starts after
  the cap's response (only those already in the downloader arrive);
* bad spider arguments and portal names (path-like ones included) are refused before any fetch;
* page text reaches the log only escaped, and never becomes a path outside the portal's directory;
* a second run never rewrites or shortens what the first wrote (exports, WARC), and nothing
  the archiver writes is world-writable, even under `umask 000`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import stat
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import HtmlResponse, Response
from scrapy.utils.test import get_crawler

from crawler.arguments import ArgumentError, CrawlArguments
from crawler.exitcodes import EXIT_CONFIG
from crawler.middlewares.compression import CountingHttpCompressionMiddleware
from crawler.portals.registry import load_registry
from crawler.scheduling.limits import PageCapHold
from crawler.store.layout import partition_of
from tests.replica.harness import FAST_SETTINGS, ROOT, RunningReplica, trap_proxy_env
from tests.test_faults import dumped_stats

PORTAL = "antara_kaltim"


def _gzip(data_size: int, chunk: bytes = b" " * 1024 * 1024) -> bytes:
    stream = zlib.compressobj(9, zlib.DEFLATED, 31)
    return b"".join(stream.compress(chunk) for _ in range(data_size // len(chunk))) + stream.flush()


def _middleware(**settings: object) -> tuple[CountingHttpCompressionMiddleware, object]:
    crawler = get_crawler(settings_dict={"DOWNLOAD_MAXSIZE": 16 * 1024 * 1024, **settings})
    crawler.stats.open_spider()  # type: ignore[union-attr]
    return CountingHttpCompressionMiddleware.from_crawler(crawler), crawler.stats


def test_gzip_bomb_stops_at_the_size_cap_while_inflating() -> None:
    middleware, stats = _middleware()
    bomb = _gzip(64 * 1024 * 1024)
    assert len(bomb) < 100_000
    request = Request("http://127.0.0.1/berita/1/x")
    response = Response(request.url, body=bomb, headers={"Content-Encoding": "gzip"}, request=request)
    with pytest.raises(IgnoreRequest, match="exceeded DOWNLOAD_MAXSIZE"):
        middleware.process_response(request, response)
    assert stats.get_value("archive/faults/decompression_cap") == 1  # type: ignore[attr-defined]


def test_a_normal_compressed_page_inflates() -> None:
    middleware, stats = _middleware()
    page = b"<html><body>" + b"kata " * 50_000 + b"</body></html>"
    stream = zlib.compressobj(9, zlib.DEFLATED, 31)
    request = Request("http://127.0.0.1/berita/1/x")
    body = stream.compress(page) + stream.flush()
    response = Response(request.url, body=body, headers={"Content-Encoding": "gzip"}, request=request)
    assert middleware.process_response(request, response).body == page
    assert stats.get_value("archive/faults/decompression_cap") is None  # type: ignore[attr-defined]


# --- crawls -----------------------------------------------------------------------------------------------------


def _crawl(replica: RunningReplica, exports: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """`scrapy crawl` under `umask 000`: file modes must come from the archiver, not from a careful umask."""
    command = [sys.executable, "-m", "scrapy", "crawl", PORTAL, "-a", f"base_url={replica.base_url}"]
    for name, value in {
        **FAST_SETTINGS,
        "ARCHIVE_EXPORTS_DIR": str(exports),
        "ARCHIVE_MONITOR_ENABLED": "False",
    }.items():
        command += ["-s", f"{name}={value}"]
    return subprocess.run(
        [*command, *extra], cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**os.environ, **trap_proxy_env(replica)}, preexec_fn=lambda: os.umask(0),  # noqa: PLW1509
    )  # fmt: skip


def test_without_a_cap_the_hold_is_not_configured() -> None:
    with pytest.raises(NotConfigured):
        PageCapHold.from_crawler(get_crawler(settings_dict={"CLOSESPIDER_PAGECOUNT": 0}))


def test_without_scrapys_close_spider_extension_the_hold_is_not_configured() -> None:
    """A paused engine that nothing closes would hang the run."""
    settings = {"CLOSESPIDER_PAGECOUNT": 5, "EXTENSIONS": {"scrapy.extensions.closespider.CloseSpider": None}}
    with pytest.raises(NotConfigured, match="CloseSpider"):
        PageCapHold.from_crawler(get_crawler(settings_dict=settings))
    assert isinstance(PageCapHold.from_crawler(get_crawler(settings_dict={"CLOSESPIDER_PAGECOUNT": 5})), PageCapHold)


def test_the_cap_response_pauses_the_engine_once() -> None:
    """Scrapy's CloseSpider closes a loop turn later; the engine must not start requests meanwhile."""
    # No download handlers: the engine is only built, never run (the handlers want a running loop).
    crawler = get_crawler(
        settings_dict={"CLOSESPIDER_PAGECOUNT": 3, "DOWNLOAD_HANDLERS": {"http": None, "https": None}}
    )
    crawler.engine = crawler._create_engine()
    hold = PageCapHold.from_crawler(crawler)
    for _ in range(2):
        hold.response_received()
    assert not crawler.engine.paused
    hold.response_received()
    assert crawler.engine.paused
    crawler.engine.unpause()  # an operator's unpause (telnet console) is not undone by later responses
    hold.response_received()
    assert not crawler.engine.paused


@pytest.mark.e2e  # replica, `scrapy crawl`
def test_page_cap_ends_the_run(kaltim_replica: RunningReplica, tmp_path: Path) -> None:
    result = _crawl(kaltim_replica, tmp_path / "exports", "-s", "ARCHIVE_MAX_PAGES_PER_RUN=5")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "'finish_reason': 'closespider_pagecount'" in result.stderr
    assert "Page cap of 5 responses reached" in result.stderr
    # In-flight requests finish after the cap is reached: at most CONCURRENT_REQUESTS (16) more.
    assert 5 <= dumped_stats(result.stderr)["response_received_count"] <= 5 + 16 + 1  # + robots.txt


def _snapshot(root: Path) -> dict[Path, bytes]:
    return {path: path.read_bytes() for path in root.rglob("*") if path.is_file() and path.suffix in (".jsonl", ".gz")}


@pytest.mark.e2e  # replica, `scrapy crawl`
def test_a_later_run_never_rewrites_earlier_files_and_nothing_is_world_writable(
    kaltim_replica: RunningReplica, tmp_path: Path
) -> None:
    exports = tmp_path / "exports"
    first = _crawl(kaltim_replica, exports)
    assert first.returncode == 0, first.stderr[-2000:]
    before = _snapshot(exports)
    assert any(p.suffix == ".jsonl" for p in before) and any(p.name.endswith(".warc.gz") for p in before)
    second = _crawl(kaltim_replica, exports, "-a", "refresh=1")
    assert second.returncode == 0, second.stderr[-2000:]
    for path, old in before.items():
        new = path.read_bytes()
        assert new[: len(old)] == old, f"{path} was rewritten or truncated by the second run"
    writable = [str(p) for p in [exports, *exports.rglob("*")] if p.stat().st_mode & stat.S_IWOTH]
    assert writable == []


@pytest.mark.e2e  # `scrapy crawl`
@pytest.mark.parametrize("name", ["../../etc", "antara_kaltim/../x", "/tmp/x", "antara_atlantis"])
def test_unknown_or_path_like_portal_is_refused_with_the_valid_names(tmp_path: Path, name: str) -> None:
    command = [sys.executable, "-m", "scrapy", "crawl", name, "-s", f"ARCHIVE_EXPORTS_DIR={tmp_path}"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == EXIT_CONFIG and len(lines) == 1, result.stderr[-1000:]
    assert PORTAL in lines[0] and "valid portals" in lines[0]
    assert list(tmp_path.iterdir()) == []


# --- arguments and page content ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "arguments",
    [
        {"base_url": "file:///etc/passwd"},
        {"base_url": "javascript:alert(1)"},
        {"base_url": "http://"},
        {"base_url": "http://user:pw@host"},
        {"base_url": "http://host/\n"},
        {"since": "2024-1-1"},
        {"since": "../2024-01-01"},
        {"until": "2024-02-30"},
        {"refresh": "maybe"},
    ],
)
def test_bad_arguments_are_refused(arguments: dict[str, str]) -> None:
    with pytest.raises(ArgumentError):
        CrawlArguments.parse(**arguments)


HOSTILE = ["../../../etc/passwd", "/etc/passwd", "2024-01/../../x", "..", "2024-\n01", "\x00", "C:\\x"]


@pytest.mark.parametrize("value", HOSTILE)
def test_page_values_never_make_a_path_outside_the_portal_directory(value: str, tmp_path: Path) -> None:
    """The partition comes from `published_at` (page data): hostile values fall back to `undated`."""
    base = (tmp_path / PORTAL).resolve()
    partition = partition_of({"published_at": value, "id": value})
    target = (base / partition).resolve()
    assert target.is_relative_to(base) and ".." not in Path(partition).parts, partition
    assert "\x00" not in partition and "\n" not in partition


def test_page_text_reaches_the_log_escaped(caplog: pytest.LogCaptureFixture) -> None:
    """A date line carrying a fake log line and terminal escapes is logged as one escaped line."""
    portal = load_registry()[PORTAL]
    evil = "kemarin\n2026-01-01 00:00:00 [scrapy] ERROR: fake\x1b[2J\x1b]0;owned\x07"
    case = sorted((ROOT / "tests/fixtures/antara/post-content").glob("*.html"))[0]
    html = case.read_text(encoding="utf-8")
    raw = json.loads(case.with_suffix(".json").read_text(encoding="utf-8"))["published_at_raw"]
    url = json.loads(case.with_suffix(".meta.json").read_text(encoding="utf-8"))["url"]
    response = HtmlResponse(url=url, body=html.replace(raw, evil).encode("utf-8"))
    with caplog.at_level(logging.DEBUG):
        portal.article_page(response, portal).to_item()
    messages = [record.getMessage() for record in caplog.records]
    assert messages, "the unreadable date was not logged"
    assert all("\n" not in m and "\x1b" not in m and "\x07" not in m for m in messages), messages


def test_archive_file_names_do_not_come_from_pages() -> None:
    """Names of written files: portal (registry), month (validated pattern), WARC sequence; never page text."""
    digest = hashlib.sha256(b"x").hexdigest()
    assert partition_of({"published_at": f"2024-03-01T10:00:00+08:00{digest}"}).startswith("2024/2024-03")
