"""End to end: real `scrapy crawl portal -a base_url=...` (and a preset) against a local generic portal.

The portal (`tests/generic_site`) lists six articles through robots.txt -> sitemap index ->
news and post sitemaps and an autodiscovered RSS feed, with overlaps, AMP/utm/trailing-slash
variants and off-domain links; in `listing` mode only through its home listing and pager.
Every article must be exported exactly once, and nothing may be fetched off the portal's
host (proxy variables route any such request to the local server, which logs it).
"""

from __future__ import annotations

import json
import selectors
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.generic_site.site import ARTICLES
from tests.replica.harness import ROOT, CrawlResult, run_crawl

pytestmark = pytest.mark.e2e  # generic test site server, `scrapy crawl`


@dataclass
class Site:
    process: subprocess.Popen[str]
    port: int
    access_log: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def requests(self) -> list[dict[str, Any]]:
        if not self.access_log.exists():
            return []
        return [json.loads(line) for line in self.access_log.read_text(encoding="utf-8").splitlines() if line]

    def proxy_env(self) -> dict[str, str]:
        return {"http_proxy": self.base_url, "https_proxy": self.base_url, "HTTP_PROXY": self.base_url,
                "HTTPS_PROXY": self.base_url, "no_proxy": "127.0.0.1", "NO_PROXY": "127.0.0.1"}  # fmt: skip


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Callable[[str], Site]]:
    started: list[Site] = []

    def start(mode: str) -> Site:
        log = tmp_path / f"access-{mode}-{len(started)}.jsonl"
        command = [sys.executable, "-m", "tests.generic_site", "--mode", mode, "--access-log", str(log)]
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
        assert process.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ)
            assert selector.select(15), "generic test site did not start"
        started.append(Site(process, int(process.stdout.readline()), log))
        return started[-1]

    yield start
    for running in started:
        running.process.terminate()
        running.process.wait(timeout=5)
        assert running.process.stdout is not None
        running.process.stdout.close()


def exported(result: CrawlResult) -> list[dict[str, Any]]:
    """Every record in the run's portal folders (`<root>/<portal>/<YYYY>/<YYYY-MM>.jsonl`), whatever the portal."""
    files = sorted(p for p in result.exports_dir.glob("*/[0-9][0-9][0-9][0-9]/*.jsonl"))
    return [json.loads(line) for path in files for line in path.read_text(encoding="utf-8").splitlines() if line]


def crawl(spider: str, site: Site, tmp_path: Path, **arguments: str) -> tuple[CrawlResult, list[dict[str, Any]]]:
    result = run_crawl(spider, tmp_path / "exports", base_url=site.base_url, arguments=arguments, env=site.proxy_env())
    assert result.process.returncode == 0, result.process.stderr[-3000:]
    return result, exported(result)


def assert_each_article_once(records: list[dict[str, Any]], prefix: str) -> None:
    titles = Counter(record["title"] for record in records)
    assert titles == Counter(article.title for article in ARTICLES), titles
    assert all(record["id"].startswith(prefix + ":") and record["layout"] == "generic" for record in records)
    assert len({record["id"] for record in records}) == len(ARTICLES)
    for record in records:
        article = next(a for a in ARTICLES if a.title == record["title"])
        assert record["body"] == "\n\n".join(p.removeprefix("SAMARINDA – ") for p in article.paragraphs)
        assert (record["reporters"], record["editors"]) == ([article.reporter], [article.editor])
        assert record["published_at"] == article.published and record["dateline"] == "Samarinda"


def assert_stayed_on_the_portal(site: Site) -> None:
    targets = [request["target"] for request in site.requests()]
    foreign = [t for t in targets if urlsplit(t).netloc and not urlsplit(t).netloc.startswith("127.0.0.1")]
    assert not foreign, f"fetched off-domain: {foreign}"
    assert targets, "the crawl made no request"


def test_any_portal_discovers_through_robots_sitemaps_and_feeds(site: Callable[[str], Site], tmp_path: Path) -> None:
    running = site("structured")
    _, records = crawl("portal", running, tmp_path)
    assert_each_article_once(records, "site_127_0_0_1")
    assert all(record["url"].startswith(running.base_url + "/kota/") for record in records)
    assert_stayed_on_the_portal(running)
    paths = Counter(urlsplit(r["target"]).path for r in running.requests())
    assert paths["/sitemap-news.xml"] == paths["/post-sitemap.xml"] == paths["/feed/"] == 1
    assert paths["/category-sitemap.xml"] == 0, "a category sitemap lists no articles"
    assert not any(r["target"].startswith("/?page=") for r in running.requests()), "listings are the last resort"
    assert all(paths[article.path] + paths[article.path + "/"] == 1 for article in ARTICLES), paths


def test_listing_pages_are_the_last_resort(site: Callable[[str], Site], tmp_path: Path) -> None:
    running = site("listing")
    _, records = crawl("portal", running, tmp_path, name="portal_lokal")
    assert_each_article_once(records, "portal_lokal")
    assert_stayed_on_the_portal(running)
    targets = [r["target"] for r in running.requests()]
    assert "/?page=2" in targets and "/tag/samarinda" not in targets


def test_a_preset_accepts_base_url_and_keeps_its_real_host(site: Callable[[str], Site], tmp_path: Path) -> None:
    running = site("structured")
    _, records = crawl("kaltimkece", running, tmp_path)
    assert_each_article_once(records, "kaltimkece")
    assert all(record["url"].startswith("https://kaltimkece.id/kota/") for record in records)
    assert_stayed_on_the_portal(running)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({}, "base_url is required"),
        ({"base_url": "ftp://x.id"}, "http"),
        ({"base_url": "https://x.id", "name": "Bad"}, "name"),
    ],
)
def test_bad_arguments_end_the_run_with_one_line(arguments: dict[str, str], message: str, tmp_path: Path) -> None:
    base_url = arguments.pop("base_url", None)
    result = run_crawl("portal", tmp_path / "exports", base_url=base_url, arguments=arguments)
    assert result.process.returncode == 64
    assert len(result.stderr_lines) == 1 and message in result.stderr_lines[0]
