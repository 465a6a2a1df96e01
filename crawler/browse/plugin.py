"""Datasette hooks of the archive's page: the article page's data, and links from search results to articles.

Registered by `crawler.browse.serve` (never through an entry point, so a Datasette started
for another database is left alone), in place of Datasette's own facet classes. The article
page (`templates/row-archive-articles.html`) gets `article` from `article_page`: the latest
revision's fields, its credits by role, its paragraphs, and every revision with its diff
lines and the pywb link replaying its capture.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from datasette import hookimpl
from datasette.facets import ColumnFacet, DateFacet
from datasette.utils import urlsafe_components
from markupsafe import Markup, escape

from crawler.browse.facets import NarrowArrayFacet
from crawler.browse.site import DATABASE, PLUGIN, replay_link

ROLE_LABELS = (("reporters", "Reporters"), ("editors", "Editors"), ("translators", "Translators"),
               ("photographers", "Photographers"))  # fmt: skip
FIELDS = ("id", "portal", "title", "url", "published_at", "updated_at", "section", "dateline", "copyright",
          "revision", "crawled_at")  # fmt: skip
"""The `articles` columns the article page shows as they are."""
_DIFF_KINDS = (("@@", "where"), ("+", "added"), ("-", "removed"))
_REVISIONS_SQL = (
    "SELECT revision, crawled_at, title, title_changed, paragraphs_added, paragraphs_removed, paragraphs_changed, "
    "url, body_diff FROM revisions WHERE id = ? ORDER BY revision"
)


def article_page(
    article: Mapping[str, Any], revisions: Sequence[Mapping[str, Any]], replay_url: str | None
) -> dict[str, Any]:
    """The article page's data from its `articles` row and its `revisions` rows (oldest first)."""
    credits = [(label, names) for role, label in ROLE_LABELS if (names := _names(article.get(role)))]
    return {
        **{key: article.get(key) for key in FIELDS},
        "credits": credits,
        "tags": _names(article.get("tags")),
        "paragraphs": [p.strip() for p in str(article.get("body") or "").split("\n\n") if p.strip()],
        "replay": replay_link(replay_url, article["url"], article.get("crawled_at")) if replay_url else None,
        "revisions": [_revision(r, replay_url) for r in revisions],
    }


def _names(value: object) -> list[str]:
    names = json.loads(value) if isinstance(value, str) else value
    return [str(n) for n in names] if isinstance(names, list) else []


def _revision(row: Mapping[str, Any], replay_url: str | None) -> dict[str, Any]:
    diff = [(_kind(line), line) for line in str(row.get("body_diff") or "").splitlines()]
    replay = replay_link(replay_url, row["url"], row.get("crawled_at")) if replay_url and row.get("url") else None
    return {**row, "diff": diff, "replay": replay}


def _kind(line: str) -> str:
    return next((kind for prefix, kind in _DIFF_KINDS if line.startswith(prefix)), "context")


@hookimpl  # type: ignore[untyped-decorator]  # datasette is untyped
def extra_template_vars(view_name: str, database: str | None, table: str | None, request: Any, datasette: Any) -> Any:
    if view_name != "row" or database != DATABASE or table != "articles":
        return {}

    async def article_vars() -> dict[str, Any]:
        db = datasette.get_database(database)
        rowid = urlsafe_components(request.url_vars["pks"])[0]
        row = (await db.execute("SELECT * FROM articles WHERE rowid = ?", [rowid])).first()
        if row is None:
            return {}
        revisions = (await db.execute(_REVISIONS_SQL, [row["id"]])).rows
        replay_url = (datasette.plugin_config(PLUGIN) or {}).get("replay_url")
        return {"article": article_page(_dict(row), [_dict(r) for r in revisions], replay_url)}

    vars_of: Callable[[], Awaitable[dict[str, Any]]] = article_vars
    return vars_of


@hookimpl  # type: ignore[untyped-decorator]  # datasette is untyped
def render_cell(value: object, column: str, table: str | None, database: str, datasette: Any) -> Markup | None:
    """In the canned queries' results, the `article` column (an articles rowid) links to the article page."""
    if database != DATABASE or table is not None or column != "article" or not isinstance(value, int):
        return None
    return Markup(f'<a href="{escape(datasette.urls.row(database, "articles", str(value)))}">{value}</a>')


@hookimpl  # type: ignore[untyped-decorator]  # datasette is untyped
def register_facet_classes() -> list[type]:
    """Datasette's facets, the array facet narrowed (`crawler.browse.facets`); `datasette.facets` is unregistered."""
    return [ColumnFacet, DateFacet, NarrowArrayFacet]


def _dict(row: Any) -> dict[str, Any]:
    return {key: row[key] for key in row.keys()}  # noqa: SIM118  (sqlite3.Row: keys() is its only name view)
