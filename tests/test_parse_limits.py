"""Bounded parsing (`crawler/extract/limits.py`): a hostile page is cut to the caps and parsed in seconds.

The link bomb is the page that kept a crawl at 100% CPU for over ten minutes, deaf to SIGTERM:
100,000 links in one paragraph (trafilatura's cost grows faster than linearly with them).
The bound is a generous timeout that catches a hang; the assertions are on the work done.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from crawler import settings as project_settings
from crawler.extract.limits import PageLimits, bounded_root, cap_tree
from crawler.items import ArticleItem
from crawler.portals.generic import any_portal
from crawler.spiders import portal as portal_spiders
from tests.replica.harness import FAST_SETTINGS, ROOT

URL = "https://example-portal.id/berita/123456/judul"
LEAD = "Kalimat pertama berita ini cukup panjang untuk dibaca sebagai teks berita yang sebenarnya."


def _link_bomb(links: int) -> bytes:
    anchors = "".join(f'<a href="/tag/{i}">tag{i}</a> ' for i in range(links))
    return (
        f"<html><head><title>Judul</title></head><body><article><h1>Judul</h1><p>{LEAD}</p>"
        f"<p>{anchors}</p></article></body></html>"
    ).encode()


@pytest.mark.timeout(60)
def test_a_page_with_100000_links_in_a_paragraph_is_parsed_within_the_caps() -> None:
    portal = any_portal("https://example-portal.id")
    response = HtmlResponse(url=URL, body=_link_bomb(100_000))
    started = time.process_time()
    item = portal.article_page(response, portal).to_item()
    seconds = time.process_time() - started
    assert isinstance(item, ArticleItem)
    assert LEAD in item.body
    limits = PageLimits()
    # The tree was cut (elements, then links) and each cut is said on the record.
    cuts = [warning for warning in item.warnings if warning.startswith("page: ")]
    assert any("ARCHIVE_PARSE_MAX_ELEMENTS" in cut for cut in cuts), cuts
    assert any("ARCHIVE_PARSE_MAX_LINKS" in cut for cut in cuts), cuts
    # No link beyond the cap reached the text: at most max_links of the link words are left.
    assert item.body.count("tag") <= limits.max_links
    print(f"link bomb: {seconds:.2f} s CPU, {item.word_count} words, cuts: {cuts}")


def test_every_cap_cuts_and_says_so() -> None:
    links = "".join(f'<a href="/{i}">x</a>' for i in range(50))
    body = f"<html><body><p>{links}</p><div>{'<span>y</span>' * 100}</div></body></html>".encode()
    response = HtmlResponse(url=URL, body=body)
    root, cuts = bounded_root(response, PageLimits(max_bytes=len(body) - 10, max_elements=80, max_links=20))
    assert len(list(root.iter())) <= 80  # 80 after the element cut, fewer once links beyond 20 went
    assert len(list(root.iter("a"))) == 20
    assert [cut.split("(")[-1] for cut in cuts] == [
        "ARCHIVE_PARSE_MAX_BYTES)",
        "ARCHIVE_PARSE_MAX_ELEMENTS)",
        "ARCHIVE_PARSE_MAX_LINKS)",
    ]


def test_a_real_sized_page_is_not_touched() -> None:
    response = HtmlResponse(url=URL, body=_link_bomb(500))
    root, cuts = bounded_root(response, PageLimits())
    assert cuts == []
    assert cap_tree(root, PageLimits()) == []
    assert len(list(root.iter("a"))) == 500


def test_link_tails_stay_in_their_paragraph() -> None:
    response = HtmlResponse(
        url=URL, body=b'<html><body><p>a <a href="/1">one</a> b <a href="/2">two</a> c</p></body></html>'
    )
    root, _ = bounded_root(response, PageLimits(max_links=1))
    paragraph = root.find(".//p")
    assert paragraph is not None
    assert "".join(paragraph.itertext()).split() == ["a", "one", "b", "c"]


def test_the_caps_are_the_settings_and_reach_the_page_objects() -> None:
    assert PageLimits() == PageLimits(
        project_settings.ARCHIVE_PARSE_MAX_BYTES,
        project_settings.ARCHIVE_PARSE_MAX_ELEMENTS,
        project_settings.ARCHIVE_PARSE_MAX_LINKS,
    )
    spider_class = portal_spiders.AntaraKaltimSpider
    crawler = get_crawler(spider_class, settings_dict={"ARCHIVE_PARSE_MAX_LINKS": 7})
    spider = spider_class.from_crawler(crawler)
    assert spider._page_limits == PageLimits(max_links=7)


class _BombSite(BaseHTTPRequestHandler):
    """A portal whose home page lists one article: the link bomb."""

    article = "/berita/2026/03/01/123456/judul-berita-bom"
    article_served = threading.Event()

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        if self.path == self.article:
            body, status = _link_bomb(100_000), 200
            type(self).article_served.set()
        elif self.path == "/":
            link = f'<li><a href="{self.article}">Judul berita bom yang cukup panjang untuk sebuah judul</a></li>'
            body, status = f"<html><body><ul>{link}</ul></body></html>".encode(), 200
        else:
            body, status = b"not found", 404
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.e2e
@pytest.mark.timeout(120)
def test_a_crawl_that_meets_the_link_bomb_stops_on_sigterm(tmp_path: Path) -> None:
    """SIGTERM while the bomb is being parsed: the run ends within seconds (it used to go on for minutes)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _BombSite)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _BombSite.article_served.clear()
    base_url = f"http://127.0.0.1:{server.server_port}"
    settings = {**FAST_SETTINGS, "ARCHIVE_EXPORTS_DIR": str(tmp_path / "exports"), "LOG_LEVEL": "WARNING"}
    command = [sys.executable, "-m", "scrapy", "crawl", "portal", "-a", f"base_url={base_url}"]
    command += [part for name, value in settings.items() for part in ("-s", f"{name}={value}")]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        assert _BombSite.article_served.wait(60), "the crawl never fetched the article"
        time.sleep(0.5)  # the response reaches the page object
        process.send_signal(signal.SIGTERM)
        started = time.monotonic()
        _, stderr = process.communicate(timeout=45)
        stopped_after = time.monotonic() - started
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
        server.shutdown()
    print(f"crawl stopped {stopped_after:.1f} s after SIGTERM, exit {process.returncode}")
    assert stopped_after < 30, stderr.decode()[-2000:]
