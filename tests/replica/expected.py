"""The record the archiver must export for each data article: the e2e tests' oracle.

Built from the same data the pages are rendered from, following the field docstrings of
`crawler/items.py`: the body is the written paragraphs (no dateline prefix, credits,
copyright, 'Baca juga', captions, ads, disclaimer or reprint line), roles come from the
credit labels, the printed zone label decides the offset. An article's `expect` entries
(keys not starting with `_`) override the derived values for cases the rules don't cover.

Not derived here: `crawled_at` (fetch time), `fetched_url` (depends on which duplicate link
the crawler met first; tests check its host and id) and `content_hash` (its normalisation
is the archiver's choice; tests check its form and that it tells articles apart).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from tests.replica.formats import iso
from tests.replica.model import Article, SiteData
from tests.replica.render_article import canonical, date_text

UNCHECKED_FIELDS = ("crawled_at", "fetched_url", "content_hash")
LAYOUTS = {
    "post-content": "antara/post-content",
    "post-content-footer": "antara/post-content",
    "wrap-br": "antara/wrap-article-detail",
    "wrap-p": "antara/wrap-article-detail",
    "unknown": "antara/unknown",
}
UNKNOWN_WARNINGS = [
    "body: heuristic main-text extraction (trafilatura)",
    "layout: no known ANTARA template matched; parsed by the generic fallback",
]
"""What a record parsed by the fallback says of itself (`crawler/portals/antara/fallback.py`)."""


def expected_record(data: SiteData, article: Article) -> dict[str, Any]:
    """Every record field but `UNCHECKED_FIELDS`, as the archiver must export it."""
    body = "\n\n".join(" ".join(p.split()) for p in article.paragraphs)
    record: dict[str, Any] = {
        "id": f"{data.portal.name}:{article.id}",
        "portal": data.portal.name,
        "site_name": data.portal.site_name,
        "url": canonical(data, article),
        "title": article.title,
        "published_at": iso(article.instant(data.portal)),
        "published_at_raw": date_text(data, article),
        "updated_at": _updated_at(data, article),
        "section": article.section,
        "tags": list(article.tags),
        "dateline": article.dateline.place if article.dateline else None,
        "body": body,
        "reporters": article.credited("reporters"),
        "editors": article.credited("editors"),
        "translators": article.credited("translators"),
        "photographers": _photographers(article),
        "contributors": [article.contributor[0]] if article.contributor else [],
        "credit_lines": _credit_lines(article),
        **_copyright(data, article),
        "images": [{"url": image.url, "caption": image.full_caption} for image in article.images],
        "related": [{"title": link.title, "url": link.url} for link in sorted(article.related, key=lambda r: r.after)],
        "language": "id",
        "word_count": len(body.split()),
        "layout": LAYOUTS[article.era],
        "warnings": list(UNKNOWN_WARNINGS) if article.era == "unknown" else [],
    }
    record.update({key: value for key, value in article.expect.items() if not key.startswith("_")})
    return record


def _updated_at(data: SiteData, article: Article) -> str | None:
    # Only the current template states a modification time (JSON-LD dateModified / article:modified_time).
    if article.updated is None or article.era.startswith("post-content"):
        return None
    return iso(article.updated.replace(tzinfo=article.offset(data.portal)))


def _photographers(article: Article) -> list[str]:
    """Caption credits (the image comes first on the page), then credit-block photographers, once each."""
    names = [image.credit_name for image in article.images if image.credit_name] + article.credited("photographers")
    return list(dict.fromkeys(names))


def _credit_lines(article: Article) -> list[str]:
    """Credit texts removed from the body, in page order: the trailing contributor, then the credit block."""
    contributor = ["({}/{})".format(*article.contributor)] if article.contributor else []
    return contributor + [line.text for line in article.credits]


def _copyright(data: SiteData, article: Article) -> dict[str, Any]:
    notice = article.copyright
    if notice is None:
        return {"copyright": None, "copyright_holder": None, "copyright_year": None}
    return {
        "copyright": notice.text(data.portal),
        "copyright_holder": notice.holder_name(data.portal),
        "copyright_year": notice.year,
    }


def expected_records(data: SiteData, since: date | None = None, until: date | None = None) -> dict[str, dict[str, Any]]:
    """Expected records by id, of the articles published (local date as printed) within [since, until]."""
    return {
        record["id"]: record
        for article in data.articles
        if (since is None or article.published.date() >= since) and (until is None or article.published.date() <= until)
        for record in [expected_record(data, article)]
    }


def export_partition(record: dict[str, Any]) -> str:
    """`<YYYY>/<YYYY-MM>.jsonl`: the export file of a record, by its local publication month."""
    month = str(record["published_at"])[:7]
    return f"{month[:4]}/{month}.jsonl"
