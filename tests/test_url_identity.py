"""Canonical identity `<portal>:<article id>`: every URL form of one article gives the same id."""

from __future__ import annotations

import pytest

from crawler.portals.registry import load_registry

KALTIM = load_registry()["antara_kaltim"]
ID = "antara_kaltim:63012"
CANONICAL = "https://kaltim.antaranews.com/berita/63012/gubernur-kaltim-terima-audiensi-bpjs"

SAME_ARTICLE = {
    "canonical": CANONICAL,
    "http scheme": "http://kaltim.antaranews.com/berita/63012/gubernur-kaltim-terima-audiensi-bpjs",
    "mirror host": "http://127.0.0.1:8000/berita/63012/gubernur-kaltim-terima-audiensi-bpjs",
    "www host": "https://www.kaltim.antaranews.com/berita/63012/gubernur-kaltim-terima-audiensi-bpjs",
    "m. host": "https://m.kaltim.antaranews.com/berita/63012/gubernur-kaltim-terima-audiensi-bpjs",
    "old domain": "http://www.antarakaltim.com/berita/63012/gubernur-kaltim-terima-audiensi-bpjs",
    "amp": "https://kaltim.antaranews.com/amp/berita/63012/gubernur-kaltim-terima-audiensi-bpjs",
    "slug changed": "https://kaltim.antaranews.com/berita/63012/isran-noor-terima-bpjs-ketenagakerjaan",
    "no slug": "https://kaltim.antaranews.com/berita/63012",
    "utm query": CANONICAL + "?utm_source=rss&utm_medium=feed&utm_campaign=terkini",
    "page query": CANONICAL + "?page=2",
    "single query": CANONICAL + "?single=1",
    "fragment": CANONICAL + "#komentar",
    "trailing slash": CANONICAL + "/",
    "amp, slash, utm, fragment": "https://kaltim.antaranews.com/amp/berita/63012/x/?utm_source=wa#top",
}

NOT_AN_ARTICLE = {
    "listing": "https://kaltim.antaranews.com/terkini/2",
    "photo": "https://kaltim.antaranews.com/foto/63012/banjir-samarinda",
    "video": "https://kaltim.antaranews.com/video/63012/banjir-samarinda",
    "national item on the regional host": "https://kaltim.antaranews.com/nasional/berita/63012/x",
    "id not numeric": "https://kaltim.antaranews.com/berita/abc/x",
}


@pytest.mark.parametrize("url", SAME_ARTICLE.values(), ids=SAME_ARTICLE.keys())
def test_every_form_of_the_url_has_one_id(url: str) -> None:
    assert KALTIM.record_id(url) == ID


@pytest.mark.parametrize("url", SAME_ARTICLE.values(), ids=SAME_ARTICLE.keys())
def test_every_form_has_one_canonical_url_on_the_real_host(url: str) -> None:
    canonical = KALTIM.canonical_url(url)
    assert canonical is not None and canonical.startswith("https://kaltim.antaranews.com/berita/63012")
    assert "?" not in canonical and "#" not in canonical and "/amp/" not in canonical


@pytest.mark.parametrize("url", NOT_AN_ARTICLE.values(), ids=NOT_AN_ARTICLE.keys())
def test_other_pages_have_no_article_id(url: str) -> None:
    assert KALTIM.record_id(url) is None


def test_ids_are_per_portal() -> None:
    kalbar = load_registry()["antara_kalbar"]
    assert kalbar.record_id("https://kalbar.antaranews.com/berita/63012/x") == "antara_kalbar:63012" != ID
