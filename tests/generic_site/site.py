"""The generic test portal: six articles and the ways a portal lists them, rendered from `ARTICLES`.

`structured` mode: robots.txt `Sitemap:` line -> sitemap index -> news sitemap + post sitemap
(+ a category sitemap and an off-domain child to be ignored), and an RSS feed announced by
the home page. `listing` mode: none of those, only the home listing with a pager.
Every page also links off-domain (`OFF_DOMAIN`), which must never be fetched.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from html import escape

OFF_DOMAIN = "http://other-portal.example"


@dataclass(frozen=True)
class Article:
    slug: str
    title: str
    published: str
    reporter: str
    editor: str
    paragraphs: tuple[str, ...]

    @property
    def path(self) -> str:
        return f"/kota/{self.slug}"


ARTICLES = tuple(
    Article(
        slug=f"berita-kota-nomor-{n}-hari-ini",
        title=f"Berita kota nomor {n} hari ini",
        published=f"2024-03-0{n}T10:00:00+08:00",
        reporter=f"Reporter Nomor {n}",
        editor="Editor Tetap",
        paragraphs=(
            f"SAMARINDA – Paragraf pertama berita nomor {n} tentang pembangunan kota dan pelayanan warga.",
            f"Paragraf kedua berita nomor {n} memuat keterangan pejabat dan tanggapan warga setempat.",
            f"Paragraf ketiga berita nomor {n} menutup laporan dengan rencana tindak lanjut pemerintah.",
        ),
    )
    for n in range(1, 7)
)


def article_page(base: str, article: Article) -> str:
    ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": article.title,
          "datePublished": article.published, "author": {"@type": "Person", "name": article.reporter}}  # fmt: skip
    paragraphs = "".join(f"<p>{escape(p)}</p>" for p in article.paragraphs)
    return (
        f'<!DOCTYPE html><html lang="id"><head><meta charset="utf-8"><title>{escape(article.title)}</title>'
        f'<meta property="og:type" content="article"><link rel="canonical" href="{base}{article.path}">'
        f'<script type="application/ld+json">{json.dumps(ld)}</script></head><body>'
        f'<header><a href="/">Portal Lokal</a> <a href="{OFF_DOMAIN}/kota/berita-portal-lain">Mitra</a></header>'
        f'<article><h1>{escape(article.title)}</h1><div class="entry-content">{paragraphs}'
        f'<p>Baca juga: <a href="{OFF_DOMAIN}/kota/berita-lain-di-portal-lain">Berita lain</a></p>'
        f"<p>Penulis: {escape(article.reporter)} | Editor: {escape(article.editor)}</p></div></article>"
        "<footer><p>Copyright © 2024 Portal Lokal</p></footer></body></html>"
    )


def home_page(base: str, mode: str, page: int) -> str:
    feed = '<link rel="alternate" type="application/rss+xml" href="/feed/">' if mode == "structured" else ""
    chunk = ARTICLES[(page - 1) * 3 : page * 3]
    links = "".join(f'<li><a href="{a.path}">{escape(a.title)}</a></li>' for a in chunk)
    pager = f'<a class="next" href="/?page={page + 1}">Berikutnya</a>' if page * 3 < len(ARTICLES) else ""
    return (
        f'<!DOCTYPE html><html lang="id"><head><meta charset="utf-8"><title>Portal Lokal</title>{feed}</head>'
        f'<body><ul>{links}</ul><a href="{OFF_DOMAIN}/kota/berita-portal-lain-hari-ini">Mitra</a>'
        f'<a href="/tag/samarinda">Samarinda</a>{pager}</body></html>'
    )


def robots(base: str, mode: str) -> str:
    sitemap = f"Sitemap: {base}/sitemap_index.xml\n" if mode == "structured" else ""
    return f"User-agent: *\nDisallow: /cari\n{sitemap}"


def sitemap_index(base: str) -> str:
    children = [f"{base}/sitemap-news.xml", f"{base}/post-sitemap.xml", f"{base}/category-sitemap.xml",
                f"{OFF_DOMAIN}/sitemap.xml"]  # fmt: skip
    body = "".join(f"<sitemap><loc>{url}</loc></sitemap>" for url in children)
    return (
        f'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{body}</sitemapindex>'
    )


def news_sitemap(base: str) -> str:
    urls = "".join(
        f"<url><loc>{base}{a.path}</loc><news:news><news:publication_date>{a.published}</news:publication_date>"
        f"<news:title>{escape(a.title)}</news:title></news:news></url>"
        for a in ARTICLES[:3]
    )
    urls += f"<url><loc>{OFF_DOMAIN}/kota/berita-portal-lain-hari-ini</loc></url>"
    return (
        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">{urls}</urlset>'
    )


def post_sitemap(base: str) -> str:
    urls = "".join(f"<url><loc>{base}{a.path}/</loc></url>" for a in ARTICLES[2:5])
    return f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'


def category_sitemap(base: str) -> str:
    return (
        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<url><loc>{base}/category/kota-dan-daerah-sekitar/</loc></url></urlset>"
    )


def feed(base: str) -> str:
    items = "".join(
        f"<item><title>{escape(a.title)}</title><link>{base}{a.path}?utm_source=rss</link></item>" for a in ARTICLES[4:]
    )
    items += f"<item><title>AMP</title><link>{base}/amp{ARTICLES[0].path}</link></item>"
    items += f"<item><title>Lain</title><link>{OFF_DOMAIN}/kota/berita-portal-lain-hari-ini</link></item>"
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Portal Lokal</title>{items}</channel></rss>'
