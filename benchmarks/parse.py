"""Parser speed: the ANTARA page object against a bare lxml parse and trafilatura, same pages, same run.

Pages are the saved fixtures under tests/fixtures/antara (every era and variant); with
`--replica N` the replica's renderer adds N synthetic pages. Prints ms/page for each and
the ratios the issue sets targets for (page object <= 2x bare lxml; >= 8x faster than
trafilatura). Timings are the best of several rounds, to damp the noise of shared machines.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

import lxml.html
import trafilatura
from scrapy.http import HtmlResponse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.portals.registry import REGISTRY, load_registry  # noqa: E402

load_registry()
FULL_PAGE_BYTES = 32 * 1024


def fixture_pages() -> list[tuple[str, str, bytes]]:
    """(portal, url, body) of every ANTARA article fixture."""
    pages = []
    for html_path in sorted((ROOT / "tests" / "fixtures" / "antara").rglob("*.html")):
        meta_path = html_path.with_suffix(".meta.json")
        expected = html_path.with_suffix(".json")
        if not meta_path.exists() or "not_an_article" in expected.read_text(encoding="utf-8"):
            continue
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        pages.append((meta.get("portal", "antara_kaltim"), meta["url"], html_path.read_bytes()))
    return pages


def replica_pages(count: int) -> list[tuple[str, str, bytes]]:
    from tests.replica.data import parse_document
    from tests.replica.render_article import render_article
    from tests.replica.synth import generate

    data = parse_document(generate(count=count, seed=1))
    return [
        (data.portal.name, f"https://{data.portal.host}/berita/{a.id}/{a.slug}", render_article(data, a).encode())
        for a in data.articles
    ]


def best_ms_per_page(
    work: Callable[[bytes, str, str], object], pages: list[tuple[str, str, bytes]], rounds: int
) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for portal, url, body in pages:
            work(body, url, portal)
        best = min(best, time.perf_counter() - start)
    return best * 1000 / len(pages)


def page_object(body: bytes, url: str, portal: str) -> object:
    definition = REGISTRY[portal]
    response = HtmlResponse(url=url, body=body, encoding="utf-8")
    return definition.article_page(response, definition).to_item()


def bare_lxml(body: bytes, url: str, portal: str) -> object:
    return lxml.html.fromstring(body)


def bare_trafilatura(body: bytes, url: str, portal: str) -> object:
    return trafilatura.extract(body.decode("utf-8"), url=url)


def report(title: str, pages: list[tuple[str, str, bytes]], rounds: int) -> None:
    page_object(pages[0][2], pages[0][1], pages[0][0])  # warm-up: compiled selectors, imports
    results = {
        "page object": best_ms_per_page(page_object, pages, rounds),
        "bare lxml": best_ms_per_page(bare_lxml, pages, rounds),
        "trafilatura": best_ms_per_page(bare_trafilatura, pages, max(1, rounds // 2)),
    }
    size = sum(len(body) for _, _, body in pages) // len(pages) // 1024
    print(f"{title}: {len(pages)} pages, {size} KB average, best of {rounds} rounds")
    for name, ms in results.items():
        print(f"  {name:12s} {ms:8.3f} ms/page")
    print(f"  page object / bare lxml   = {results['page object'] / results['bare lxml']:.2f}x  (target <= 2)")
    print(f"  trafilatura / page object = {results['trafilatura'] / results['page object']:.2f}x  (target >= 8)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--replica", type=int, default=0, help="add N synthetic replica pages")
    args = parser.parse_args()
    pages = fixture_pages() + (replica_pages(args.replica) if args.replica else [])
    if not pages:
        raise SystemExit("no pages: add fixtures or pass --replica N")
    full = [page for page in pages if len(page[2]) >= FULL_PAGE_BYTES]
    # Skeleton fixtures hold the article markup only (a few KB): fixed per-page costs dominate
    # there, while live pages carry 50-200 KB of menus, sidebars and scripts around it.
    report("every fixture page", pages, args.rounds)
    if full:
        report(f"full-size pages (>= {FULL_PAGE_BYTES // 1024} KB, as served with page chrome)", full, args.rounds)


if __name__ == "__main__":
    main()
