"""`crawler.extract_article` and `scrapy extract`: one page to its record, outside any crawl.

Checked on an ANTARA fixture (the portal found by the URL's host), a generic preset fixture,
a page of an unknown host (the generic page object on a row made from the URL) and a page
that holds no article; the command on a file, on stdin and on a URL served locally.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from crawler import extract_article
from crawler.exitcodes import EXIT_CONFIG, EXIT_FAILURE, EXIT_OK
from crawler.portals.page import extract_record

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
ANTARA = FIXTURES / "antara/wrap-article-detail/ai-disclaimer-plain-p-in-body"
PRESET = FIXTURES / "generic/kaltimkece/og-only-penulis-editor-foto"
UNKNOWN_HOST = FIXTURES / "generic/portal/jsonld-author-no-credit-lines"
TAG_PAGE = FIXTURES / "generic/portal/tag-page-not-article"


def _case(base: Path) -> tuple[bytes, dict[str, Any], dict[str, Any]]:
    meta = json.loads(base.with_suffix(".meta.json").read_text(encoding="utf-8"))
    expected = json.loads(base.with_suffix(".json").read_text(encoding="utf-8"))
    return base.with_suffix(".html").read_bytes(), meta, expected


def _without_crawl_time(record: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in record.items() if key != "crawled_at"}


@pytest.mark.parametrize("base", [ANTARA, PRESET, UNKNOWN_HOST], ids=["antara", "generic-preset", "generic-any"])
def test_extract_article_gives_the_fixture_record(base: Path) -> None:
    """The portal comes from the URL's host (or a generic row for an unknown one): the record is the fixture's."""
    html, meta, expected = _case(base)
    record = extract_article(html, meta["url"])
    assert record["portal"] == meta["portal"]
    assert _without_crawl_time(record) == _without_crawl_time(expected)


def test_text_and_a_named_portal_give_the_same_record() -> None:
    html, meta, expected = _case(ANTARA)
    fetched_at = datetime.fromisoformat(meta["fetched_at"])
    as_text = extract_record(html.decode("utf-8"), meta["url"], "antara_kaltim", fetched_at=fetched_at)
    assert as_text == expected


def test_a_page_without_an_article_says_why() -> None:
    html, meta, expected = _case(TAG_PAGE)
    assert extract_article(html, meta["url"]) == expected  # {"not_an_article": "no_article_markup"}


def test_bad_arguments_are_refused() -> None:
    html, meta, _ = _case(ANTARA)
    with pytest.raises(ValueError, match="unknown portal"):
        extract_article(html, meta["url"], portal="no_such_portal")
    with pytest.raises(ValueError, match="absolute http"):
        extract_article(html, "berita/30101/judul")


@pytest.mark.e2e  # a fresh interpreter
def test_importing_crawler_stays_light() -> None:
    """`import crawler` (done by Scrapy for every command) loads no page object, trafilatura or lxml."""
    code = "import sys, crawler; print(sorted(m for m in sys.modules if m.startswith(('trafilatura', 'lxml', 'crawler.'))))"
    loaded = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"


def _scrapy(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    command = [sys.executable, "-m", "scrapy", "extract", *args]
    return subprocess.run(command, cwd=ROOT, input=stdin, capture_output=True, timeout=120)


@pytest.mark.e2e
@pytest.mark.parametrize("base", [ANTARA, PRESET], ids=["antara", "generic"])
def test_scrapy_extract_prints_the_record_of_a_file(base: Path) -> None:
    _, meta, expected = _case(base)
    done = _scrapy(str(base.with_suffix(".html")), "--url", meta["url"])
    assert done.returncode == EXIT_OK, done.stderr.decode()
    assert _without_crawl_time(json.loads(done.stdout)) == _without_crawl_time(expected)


@pytest.mark.e2e
def test_scrapy_extract_reads_stdin_with_a_named_portal_and_refuses_a_non_article(tmp_path: Path) -> None:
    html, meta, expected = _case(ANTARA)
    done = _scrapy("-", "--url", meta["url"], "--portal", "antara_kaltim", stdin=html)
    assert done.returncode == EXIT_OK, done.stderr.decode()
    assert json.loads(done.stdout)["title"] == expected["title"]
    tag_html, tag_meta, tag_expected = _case(TAG_PAGE)
    done = _scrapy(str(TAG_PAGE.with_suffix(".html")), "--url", tag_meta["url"])
    assert done.returncode == EXIT_FAILURE
    assert json.loads(done.stdout) == tag_expected
    missing_url = _scrapy(str(ANTARA.with_suffix(".html")))
    assert missing_url.returncode == EXIT_CONFIG and b"--url" in missing_url.stderr
    assert not (tmp_path / "exports").exists() and not any(ROOT.glob("exports/antara_kaltim/**/*.jsonl"))


class _OnePage(BaseHTTPRequestHandler):
    page = b""

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(self.page)))
        self.end_headers()
        self.wfile.write(self.page)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.mark.e2e
def test_scrapy_extract_fetches_a_url_and_reads_it_as_the_named_article() -> None:
    html, meta, expected = _case(ANTARA)
    _OnePage.page = html
    server = ThreadingHTTPServer(("127.0.0.1", 0), _OnePage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        served = f"http://127.0.0.1:{server.server_port}/berita/30101/x"
        done = _scrapy(served, "--url", meta["url"])
    finally:
        server.shutdown()
    assert done.returncode == EXIT_OK, done.stderr.decode()
    assert _without_crawl_time(json.loads(done.stdout)) == _without_crawl_time(expected)
