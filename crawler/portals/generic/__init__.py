"""The generic family: any news portal without hand-written selectors, and named presets.

Articles are parsed by `GenericArticlePage` (structured data first, main text from
trafilatura, Indonesian credit and boilerplate rules) and found by `GenericPortalSpider`
(robots.txt Sitemap lines, sitemaps, autodiscovered feeds, listings as a last resort).

`scrapy crawl portal -a base_url=https://example-portal.id [-a name=...]` builds a row on
the fly with `generic_portal`; the presets below are rows for the other big Kalimantan
Timur portals named in `../shared/antara-site.md`. Their markup is not documented there:
the page-object hints (`extra`) are best guesses from how such sites are commonly built,
each a selector list tried before the generic ones, so a wrong guess costs nothing but
the hint (the generic rules still run).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from crawler.portals.generic.article import GenericArticlePage
from crawler.portals.generic.definition import GenericPortalDefinition
from crawler.portals.generic.listing import GenericListingPage

WITA = "Asia/Makassar"  # UTC+8: East Kalimantan
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}\Z")


def generic_portal(
    name: str,
    site_name: str,
    base_url: str,
    *,
    timezone: str = "Asia/Jakarta",
    region: str | None = None,
    alias_hosts: tuple[str, ...] = (),
    listing_paths: tuple[str, ...] = ("/",),
    feed_paths: tuple[str, ...] = (),
    sitemap_paths: tuple[str, ...] = (),
    hints: dict[str, Any] | None = None,
) -> GenericPortalDefinition:
    """One generic row. `hints` (`body`: CSS selectors of the article text container) go into `extra`."""
    if not _NAME.match(name):
        raise ValueError(f"portal name {name!r}: lower-case letters, digits and '_', starting with a letter")
    return GenericPortalDefinition(
        name=name,
        site_name=site_name,
        base_url=base_url.rstrip("/"),
        family="generic",
        region=region,
        timezone=timezone,
        article_page=GenericArticlePage,
        listing_page=GenericListingPage,
        alias_hosts=alias_hosts,
        listing_paths=listing_paths,
        feed_paths=feed_paths,
        sitemap_paths=sitemap_paths,
        extra=tuple(sorted((hints or {}).items())),
    )


def any_portal(base_url: str, name: str | None = None) -> GenericPortalDefinition:
    """The row of `scrapy crawl portal -a base_url=... [-a name=...]`: named after the host unless given a name.

    `https://www.example-portal.id` -> `example_portal_id`; a host that starts with a digit
    gets a `site_` prefix (`site_127_0_0_1`). The site name is the host as written.
    """
    host = urlsplit(base_url).hostname or ""
    bare = host.removeprefix("www.").removeprefix("m.")
    derived = re.sub(r"[^a-z0-9]+", "_", bare.lower()).strip("_")
    derived = derived if derived[:1].isalpha() else f"site_{derived}"
    return generic_portal(name or derived, urlsplit(base_url).netloc, base_url)


_WORDPRESS_BODY = (".entry-content", ".td-post-content", ".post-content")
"""Content containers of common WordPress news themes (default, Newspaper/tagDiv)."""

PRESETS = (
    # Kaltim Post moved to the Jawapos network host in 2023; its numeric ids are long
    # (`/samarinda/2381234567/judul`). Credit labels `Reporter`/`Penulis`, `Editor`.
    generic_portal(
        "kaltimpost",
        "Kaltim Post",
        "https://kaltimpost.jawapos.com",
        timezone=WITA,
        region="Kalimantan Timur",
        hints={"body": (".read__content", ".detail__content", *_WORDPRESS_BODY)},
    ),
    # Kaltim Post's earlier home on the Prokal network (`/read/news/<id>-<slug>.html`):
    # its archive stays there. *uncertain* whether the host still serves.
    generic_portal(
        "prokal",
        "Prokal Kaltim",
        "https://kaltim.prokal.co",
        timezone=WITA,
        region="Kalimantan Timur",
        hints={"body": (".content-detail", ".detail-content", *_WORDPRESS_BODY)},
    ),
    # Tribun network: `/YYYY/MM/DD/slug` (no id: path hash), body `.txt-article`, a leading
    # `Laporan Wartawan TribunKaltim.co, <name>` byline and a `Penulis: X | Editor: Y` footer.
    generic_portal(
        "tribunkaltim",
        "Tribun Kaltim",
        "https://kaltim.tribunnews.com",
        timezone=WITA,
        region="Kalimantan Timur",
        hints={"body": (".side-article.txt-article", ".txt-article", "#article-body")},
    ),
    generic_portal(
        "kaltimkece",
        "kaltimkece.id",
        "https://kaltimkece.id",
        timezone=WITA,
        region="Kalimantan Timur",
        hints={"body": (".article-content", ".post-body", *_WORDPRESS_BODY)},
    ),
    # niaga.asia is WordPress; datelines read `SAMARINDA.NIAGA.ASIA -`.
    generic_portal(
        "niagaasia",
        "Niaga.Asia",
        "https://www.niaga.asia",
        timezone=WITA,
        region="Kalimantan Timur",
        hints={"body": _WORDPRESS_BODY},
    ),
    generic_portal(
        "poskotakaltim",
        "Poskota Kaltim",
        "https://poskotakaltim.com",
        timezone=WITA,
        region="Kalimantan Timur",
        hints={"body": _WORDPRESS_BODY},
    ),
)
"""Named presets (spider = row name). Seputar Kaltim is left out: no host is known for it."""

PORTALS = PRESETS
