"""Everything but article pages: listings with their pager, home, RSS, sitemap, robots, photo/video pages.

Listings and feeds link to the portal's REAL host (`https://kaltim.antaranews.com/...`), as the
live site does; the crawler must move them onto the origin it crawls. Listings carry the
duplicate links a live portal shows (AMP copy, `utm_*` queries, an old slug, the same entry
on two pages) so that the crawler's in-run dedup is exercised.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tests.replica.formats import esc, indonesian_date, iso, rfc822
from tests.replica.model import Article, NonArticle, SiteData, slugify
from tests.replica.render_article import canonical

UTM_LISTING = "utm_source=antaranews&utm_medium=listing&utm_campaign=terkini"
UTM_RSS = "utm_source=rss&utm_medium=rss&utm_campaign=rss"


@dataclass(frozen=True)
class Entry:
    """One link on a listing page."""

    url: str
    title: str
    section: str
    when: datetime
    """Local wall time shown beside the link."""
    article_id: int | None = None


# --- entries and pages ---------------------------------------------------------------------


def article_entries(data: SiteData, article: Article) -> list[Entry]:
    """The article's listing entries: its variant links first (so they win in-run dedup), then canonical."""
    origin, base = data.portal.origin, canonical(data, article)
    variants = {
        "amp": f"{origin}/amp/berita/{article.id}/{article.slug}",
        "utm": f"{base}?{UTM_LISTING}",
    }
    urls = [variants.get(v) or f"{origin}/berita/{article.id}/{v.removeprefix('slug:')}" for v in article.listing_links]
    return [Entry(url, article.title, article.section, article.published, article.id) for url in [*urls, base]]


def _non_article_entry(data: SiteData, page: NonArticle) -> Entry:
    return Entry(
        f"{data.portal.origin}/{page.kind}/{page.id}/{page.slug}", page.title, page.kind.capitalize(), page.published
    )


def listing_entries(data: SiteData, section: str | None = None) -> list[Entry]:
    """Every entry of `/terkini` (or of a section listing), newest first, before pagination."""
    if section is not None:
        return [e for a in data.newest_first if a.section_slug == section for e in article_entries(data, a)]
    dated: list[tuple[datetime, list[Entry]]] = [(a.published, article_entries(data, a)) for a in data.newest_first]
    dated += [(p.published, [_non_article_entry(data, p)]) for p in data.non_articles]
    dated.sort(key=lambda pair: pair[0], reverse=True)  # stable: equal times keep the article order
    entries = [entry for _, group in dated for entry in group]
    for link in sorted(data.site.extra_links, key=lambda link: -link.after):
        when = entries[min(link.after, len(entries) - 1)].when if entries else datetime(2000, 1, 1)
        entries.insert(link.after, Entry(link.url, link.title, "Nasional", when))
    return entries


def page_count(data: SiteData, entries: list[Entry]) -> int:
    size = data.site.page_size
    return max(1, -(-len(entries) // size))


def page_entries(data: SiteData, entries: list[Entry], page: int) -> list[Entry]:
    """Page `page` (1-based); with `repeat_across_pages` it starts with the previous page's last entry."""
    size = data.site.page_size
    chunk = entries[(page - 1) * size : page * size]
    if page > 1 and chunk and data.site.repeat_across_pages:
        return [entries[(page - 1) * size - 1], *chunk]
    return chunk


def page_url(data: SiteData, path: str, page: int) -> str:
    """Pager link of `path`'s page `page`, in the data file's pagination form (relative, as the site prints)."""
    if page == 1:
        return path
    return f"{path}/{page}" if data.site.pagination == "path" else f"{path}?page={page}"


# --- listing markup -------------------------------------------------------------------------------


def _entry_html(entry: Entry) -> str:
    return (
        '<article class="simple-post simple-big clearfix">\n'
        f'<header><h3><a href="{esc(entry.url)}" title="{esc(entry.title)}">{esc(entry.title)}</a></h3>\n'
        f'<p class="simple-share"><a href="/{slugify(entry.section)}">{esc(entry.section)}</a> '
        f'<span><i class="fa fa-clock-o"></i> {indonesian_date(entry.when)}</span></p>\n</header>\n</article>'
    )


def _pager_html(data: SiteData, path: str, page: int, last: int) -> str:
    items = []
    if page > 1:
        items.append(_pager_item(page_url(data, path, page - 1), "&laquo;", 'aria-label="Previous" rel="prev"'))
    for number in range(max(1, page - 2), min(last, page + 2) + 1):
        active = ' aria-current="page"' if number == page else ""
        items.append(_pager_item(page_url(data, path, number), str(number), active.strip()))
    if page < last:
        items.append(_pager_item(page_url(data, path, page + 1), "&raquo;", 'aria-label="Next" rel="next"'))
    return f'<ul class="pagination">{"".join(items)}</ul>'


def _pager_item(href: str, label: str, attrs: str) -> str:
    extra = f" {attrs}" if attrs else ""
    return f'<li class="page-item"><a class="page-link" href="{esc(href)}"{extra}>{label}</a></li>'


def render_listing(data: SiteData, path: str, title: str, entries: list[Entry], page: int) -> str:
    """A listing page; a page past the end is served empty and without a next link, as live sites do."""
    last = page_count(data, entries)
    shown = page_entries(data, entries, page)
    container = "wrap__article-list" if data.site.listing_era == "wrap" else "post-list"
    body = "\n".join(_entry_html(entry) for entry in shown)
    return _shell(
        data,
        f"{title} - {data.portal.site_name}",
        f'<h1 class="title">{esc(title)}</h1>\n<div class="{container}">\n{body}\n</div>\n'
        f"{_pager_html(data, path, page, last)}",
    )


def render_home(data: SiteData) -> str:
    entries = listing_entries(data)[:10]
    sections = sorted({(a.section_slug, a.section) for a in data.articles})
    nav = "".join(f'<li><a href="/{slug}">{esc(name)}</a></li>' for slug, name in sections)
    latest = "\n".join(_entry_html(entry) for entry in entries)
    return _shell(
        data,
        data.portal.site_name,
        f'<ul class="nav sections">{nav}</ul>\n<h2>Berita Terkini</h2>\n'
        f'<div class="wrap__article-list">\n{latest}\n</div>\n'
        '<a class="more" href="/terkini">Indeks berita terkini</a>',
    )


def _shell(data: SiteData, title: str, main: str) -> str:
    origin = esc(data.portal.origin)
    return (
        f'<!DOCTYPE html>\n<html lang="id">\n<head>\n<meta charset="utf-8">\n<title>{esc(title)}</title>\n'
        f'<link rel="alternate" type="application/rss+xml" title="RSS" href="{origin}/rss/terkini.xml">\n</head>\n'
        f'<body>\n<header class="header"><a class="logo" href="/">{esc(data.portal.site_name)}</a></header>\n'
        f'<div class="container">\n{main}\n</div>\n'
        '<footer class="footer"><p>Kantor Berita ANTARA</p></footer>\n</body>\n</html>\n'
    )


# --- feeds, sitemap, robots ---------------------------------------------------------------------------


def render_rss(data: SiteData, articles: list[Article], title: str) -> str:
    """RSS 2.0 of the latest `rss_size` articles; links carry `utm_*` queries as shared links do."""
    items = "".join(_rss_item(data, a) for a in articles[: data.site.rss_size])
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0">\n<channel>\n'
        f"<title>{esc(data.portal.site_name)} - {esc(title)}</title>\n<link>{esc(data.portal.origin)}</link>\n"
        f"<description>{esc(title)}</description>\n<language>id</language>\n{items}</channel>\n</rss>\n"
    )


def _rss_item(data: SiteData, article: Article) -> str:
    url = canonical(data, article)
    return (
        f"<item>\n<title>{esc(article.title)}</title>\n<link>{esc(url)}?{esc(UTM_RSS)}</link>\n"
        f"<pubDate>{rfc822(article.instant(data.portal))}</pubDate>\n"
        f"<description>{esc(article.paragraphs[0])}</description>\n"
        f'<guid isPermaLink="true">{esc(url)}</guid>\n</item>\n'
    )


def render_sitemap(data: SiteData) -> str:
    urls = "".join(
        f"<url><loc>{esc(canonical(data, a))}</loc><lastmod>{iso(a.instant(data.portal))}</lastmod></url>\n"
        for a in data.newest_first
    )
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{urls}</urlset>\n'


def render_robots(origin: str) -> str:
    """Allow-all robots.txt; the Sitemap line points at the origin being served, so it stays local."""
    return f"User-agent: *\nAllow: /\n\nSitemap: {origin}/sitemap.xml\n"


# --- photo and video pages, 404 ---------------------------------------------------------------------------


def render_non_article(data: SiteData, page: NonArticle) -> str:
    """A `/foto/` or `/video/` page: a caption and a crew credit, no article body."""
    return _shell(
        data,
        f"{page.title} - {data.portal.site_name}",
        '<div class="wrap__article-detail">\n'
        f'<div class="wrap__article-detail-title"><h1>{esc(page.title)}</h1></div>\n'
        f'<div class="wrap__article-detail-info"><span class="text-secondary font-weight-normal">'
        f"{indonesian_date(page.published, data.portal.zone_label)}</span></div>\n"
        f'<div class="{page.kind}-caption"><p>{esc(page.caption)} {esc(page.credit)}</p></div>\n</div>',
    )


def render_not_found(data: SiteData) -> str:
    return _shell(data, "Halaman tidak ditemukan", '<h1 class="title">404</h1><p>Halaman tidak ditemukan.</p>')
