"""What the archive's page says and offers: Datasette metadata, and the pywb link that replays a capture.

The metadata names the database `archive` (whatever the index file is called, so the
article template `row-archive-articles.html` applies), describes every table, opens the
articles table with facets by portal, section, publication month and reporter (a facet over
the JSON array of names), searches it through `articles_fts`, and offers canned queries:
full-text search with FTS5 syntax, the articles of a reporter, the revisions of an article.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

DATABASE = "archive"
"""The database's name in Datasette (URL path `/archive`)."""
PLUGIN = "crawler-browse"
"""The name our Datasette hooks are registered under; its plugin configuration holds `replay_url`."""

ARTICLE_FACETS: list[Any] = ["portal", "section", "published_month", {"array": "reporters"}]

SEARCH_SQL = """SELECT a.rowid AS article, a.title, a.portal, a.published_at, a.section, a.reporters,
  snippet(articles_fts, -1, '[', ']', ' ... ', 16) AS excerpt
FROM articles_fts JOIN articles a ON a.rowid = articles_fts.rowid
WHERE articles_fts MATCH :q
ORDER BY rank
LIMIT 200"""

BY_REPORTER_SQL = """SELECT a.rowid AS article, a.title, a.portal, a.published_at, a.section, a.reporters
FROM articles a
WHERE EXISTS (SELECT 1 FROM json_each(a.reporters) r WHERE r.value = :reporter)
ORDER BY a.published_at DESC
LIMIT 1000"""

REVISIONS_SQL = """SELECT r.revision, r.crawled_at, r.title, r.title_changed, r.paragraphs_added,
  r.paragraphs_removed, r.paragraphs_changed, r.body_diff, a.rowid AS article
FROM revisions r LEFT JOIN articles a ON a.id = r.id
WHERE r.id = :id
ORDER BY r.revision"""

SETTINGS = {
    "truncate_cells_html": 160,  # the table pages show the start of a body, the article page all of it
    "suggest_facets": False,  # suggesting facets costs a query per column on every page of a large archive
    "facet_time_limit_ms": 2000,
    "sql_time_limit_ms": 5000,
    "default_page_size": 50,
}
"""Datasette settings of the page."""


def metadata(replay_url: str) -> dict[str, Any]:
    """Datasette metadata of the archive's page; the article page links captures to pywb at `replay_url`."""
    tables = {
        "articles": {
            "description": "One row per article: its latest revision. Search with the box (words of the title "
            "or body, diacritics ignored); narrow with the facets; open an article by its rowid.",
            "facets": ARTICLE_FACETS,
            "sort_desc": "published_at",
            "label_column": "title",
            "fts_table": "articles_fts",
            "fts_pk": "rowid",
        },
        "revisions": {
            "description": "One row per stored revision of an article (revision 0 is the first capture), "
            "with what changed against the revision before: the title, paragraphs added, removed and changed, "
            "and body_diff, the paragraphs removed (-) and added (+).",
            "facets": ["portal", "title_changed"],
            "sort_desc": "crawled_at",
        },
        "people": {
            "description": "Reporters, editors, translators and photographers of each portal, with the number "
            "of articles crediting them (latest revisions).",
            "facets": ["portal", "role"],
            "sort_desc": "articles",
        },
        "portals": {"description": "One row per portal: its articles, revisions, first and last publication."},
        "sources": {"hidden": True},
    }
    queries = {
        "search": {
            "title": "Search articles",
            "description": "Full-text search of titles and bodies with SQLite FTS5 syntax: words (all must "
            'match), "a phrase", OR, NOT, prefix*, title:word. Best matches first.',
            "sql": SEARCH_SQL,
        },
        "articles_by_reporter": {
            "title": "Articles by reporter",
            "description": "Every article a reporter is credited on, as printed in the byline, newest first.",
            "sql": BY_REPORTER_SQL,
        },
        "revisions_of_article": {
            "title": "Revisions of an article",
            "description": "Every stored revision of an article id (e.g. antara_kaltim:64120) and its diff.",
            "sql": REVISIONS_SQL,
        },
    }
    return {
        "title": "Regional news archive",
        "description": "Articles archived from Indonesian regional news portals: search, facets by portal, section, "
        "month and reporter, and every article's revisions, with a link replaying the archived page.",
        "license": "Articles: copyright of their publishers (each article's copyright line)",
        "source": "regional-news-archiver exports (JSON Lines records and WARC files)",
        "databases": {
            DATABASE: {
                "description": "The search index of the archive (scrapy index).",
                "tables": tables,
                "queries": queries,
            }
        },  # fmt: skip
        "plugins": {PLUGIN: {"replay_url": replay_url}},
    }


def replay_link(replay_url: str, url: str, crawled_at: str | None) -> str:
    """The pywb URL replaying `url` as captured at `crawled_at`: `<replay_url>/<YYYYMMDDhhmmss>/<url>`.

    pywb replays the capture nearest that time (`crawled_at` is the response's WARC-Date);
    without a time, its latest capture (`<replay_url>/<url>`).
    """
    base = replay_url.rstrip("/")
    if not crawled_at:
        return f"{base}/{url}"
    moment = datetime.fromisoformat(crawled_at)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return f"{base}/{moment.astimezone(UTC):%Y%m%d%H%M%S}/{url}"


def valid_replay_url(value: str) -> bool:
    """An http(s) URL with a host (a pywb collection, e.g. http://localhost:8080/archive)."""
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and not parts.query and not parts.fragment
