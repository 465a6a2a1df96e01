"""The search index: a SQLite database built from the exports, then updated from their new bytes only.

Tables: `articles` (the latest revision of each id, with what the page of `scrapy browse` shows
and facets by: `published_month`, credits as JSON arrays, the copyright line, the WARC record),
`revisions` (every revision with its `revision_diff` summary and `body_diff`, a line diff of
its paragraphs against the revision before), `people` (reporters, editors, translators,
photographers per portal, with their article counts), `portals`, and `articles_fts`, FTS5
over title and body (tokenizer `unicode61 remove_diacritics 2`, rowid = the article's rowid). `sources` holds the
byte offset read in each partition: an update reads the change feed (`crawler.store.changes`)
from there, so only bytes written since are read. The database holds nothing the exports do
not: delete it, or `rebuild=True`, and it is built again.
"""

from __future__ import annotations

import difflib
import json
import logging
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawler.store.changes import scan

logger = logging.getLogger(__name__)

ROLES = ("reporters", "editors", "translators", "photographers")
FORMAT = 2
"""`PRAGMA user_version` of the tables below; an index of another format is built again from the exports."""
MAX_DIFF_CHARS = 20_000
"""A `body_diff` longer than this is cut at a line boundary (a rewritten long article must not bloat the index)."""
_MONTH = re.compile(r"^\d{4}-\d{2}")
ARTICLE_COLUMNS = ("id", "portal", "revision", "published_at", "published_month", "section", "title", *ROLES,
                   "tags", "dateline", "copyright", "url", "updated_at", "word_count", "crawled_at", "warc_file",
                   "warc_record_id", "body", "content_hash", "credits", "record")  # fmt: skip
"""The columns `_add` writes, in the order of its values."""

SCHEMA = """
CREATE TABLE IF NOT EXISTS sources (partition TEXT PRIMARY KEY, bytes INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, portal TEXT NOT NULL, revision INTEGER NOT NULL,
    published_at TEXT, published_month TEXT, section TEXT, title TEXT, reporters TEXT, editors TEXT,
    translators TEXT, photographers TEXT, tags TEXT, dateline TEXT, copyright TEXT, url TEXT, updated_at TEXT,
    word_count INTEGER, crawled_at TEXT, warc_file TEXT, warc_record_id TEXT, body TEXT,
    content_hash TEXT, credits TEXT NOT NULL, record TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS articles_portal ON articles (portal, published_at);
-- The page of `scrapy browse` sorts by publication time and facets by section and month: each an index scan.
CREATE INDEX IF NOT EXISTS articles_published ON articles (published_at);
CREATE INDEX IF NOT EXISTS articles_section ON articles (section);
CREATE INDEX IF NOT EXISTS articles_month ON articles (published_month);
CREATE TABLE IF NOT EXISTS revisions (
    id TEXT NOT NULL, revision INTEGER NOT NULL, portal TEXT NOT NULL, content_hash TEXT, previous_hash TEXT,
    crawled_at TEXT, title TEXT, title_changed INTEGER, paragraphs_added INTEGER, paragraphs_removed INTEGER,
    paragraphs_changed INTEGER, url TEXT, warc_file TEXT, warc_record_id TEXT, body_diff TEXT, body TEXT,
    PRIMARY KEY (id, revision));
CREATE TABLE IF NOT EXISTS people (
    portal TEXT NOT NULL, role TEXT NOT NULL, name TEXT NOT NULL, articles INTEGER NOT NULL,
    PRIMARY KEY (portal, role, name));
CREATE TABLE IF NOT EXISTS portals (
    portal TEXT PRIMARY KEY, site_name TEXT, articles INTEGER NOT NULL, revisions INTEGER NOT NULL,
    first_published TEXT, last_published TEXT);
CREATE VIRTUAL TABLE IF NOT EXISTS articles_fts USING fts5 (
    title, body, tokenize = 'unicode61 remove_diacritics 2');
"""


@dataclass
class IndexRun:
    """What one `update_index` read: records and bytes of the exports."""

    records: int = 0
    bytes: int = 0


def connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path)
    if db.execute("PRAGMA user_version").fetchone()[0] != FORMAT and _has_tables(db):
        logger.info("index %s is of an older format: building it again from the exports", path)
        db.close()
        _delete(path)
        db = sqlite3.connect(path)
    db.executescript(SCHEMA)
    db.execute(f"PRAGMA user_version = {FORMAT}")
    return db


def _has_tables(db: sqlite3.Connection) -> bool:
    return db.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone() is not None


def _delete(db_path: Path) -> None:
    for suffix in ("", "-journal", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)


def update_index(exports: Path, db_path: Path, *, rebuild: bool = False) -> IndexRun:
    """Bring the index at `db_path` up to date with the exports (from scratch with `rebuild`)."""
    if rebuild:
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    db = connect(db_path)
    run = IndexRun()
    try:
        with db:
            offsets: dict[str, int] = dict(db.execute("SELECT partition, bytes FROM sources").fetchall())
            reached: dict[str, int] = {}
            for key, end, line in scan(exports, offsets):
                run.bytes += end - reached.get(key, offsets.get(key, 0))
                run.records += 1
                reached[key] = end
                _add(db, json.loads(line))
            db.executemany("INSERT OR REPLACE INTO sources VALUES (?, ?)", reached.items())
            if run.records:
                _summarise(db)
    finally:
        db.close()
    return run


def _add(db: sqlite3.Connection, record: dict[str, Any]) -> None:
    article_id, revision, body = record["id"], int(record.get("revision", 0)), record.get("body") or ""
    diff = record.get("revision_diff") or {}
    db.execute(
        "INSERT OR REPLACE INTO revisions (id, revision, portal, content_hash, previous_hash, crawled_at, title, "
        "title_changed, paragraphs_added, paragraphs_removed, paragraphs_changed, url, warc_file, warc_record_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (article_id, revision, record["portal"], record.get("content_hash"), record.get("previous_hash"),
         record.get("crawled_at"), record.get("title"), diff.get("title_changed"), diff.get("paragraphs_added"),
         diff.get("paragraphs_removed"), diff.get("paragraphs_changed"), record.get("url"), record.get("warc_file"),
         record.get("warc_record_id")),
    )  # fmt: skip
    found = db.execute("SELECT rowid, revision FROM articles WHERE id = ?", (article_id,)).fetchone()
    if found and found[1] > revision:
        # A later revision is already indexed (partitions are read in name order): keep this one's text for diffs.
        db.execute("UPDATE revisions SET body = ? WHERE id = ? AND revision = ?", (body, article_id, revision))
        _diff(db, article_id, revision)
        _diff(db, article_id, revision + 1)
        return
    if found and found[1] < revision:  # the revision it replaces keeps its text in `revisions`
        db.execute("UPDATE revisions SET body = (SELECT body FROM articles WHERE rowid = ?) "
                   "WHERE id = ? AND revision = ?", (found[0], article_id, found[1]))  # fmt: skip
    credits = json.dumps({role: record.get(role) or [] for role in ROLES}, ensure_ascii=False)
    published = record.get("published_at")
    values = (article_id, record["portal"], revision, published,
              published[:7] if published and _MONTH.match(published) else None, record.get("section"),
              record.get("title"), *(_array(record.get(role)) for role in (*ROLES, "tags")), record.get("dateline"),
              record.get("copyright"), record.get("url"), record.get("updated_at"), record.get("word_count"),
              record.get("crawled_at"), record.get("warc_file"), record.get("warc_record_id"), body,
              record.get("content_hash"), credits, json.dumps(record, ensure_ascii=False))  # fmt: skip
    if found:
        db.execute("DELETE FROM articles_fts WHERE rowid = ?", (found[0],))
        db.execute(f"UPDATE articles SET {', '.join(c + ' = ?' for c in ARTICLE_COLUMNS)} WHERE rowid = ?",
                   (*values, found[0]))  # fmt: skip
        rowid = found[0]
    else:
        rowid = db.execute(f"INSERT INTO articles ({', '.join(ARTICLE_COLUMNS)}) "
                           f"VALUES ({', '.join('?' * len(ARTICLE_COLUMNS))})", values).lastrowid  # fmt: skip
    db.execute("INSERT INTO articles_fts (rowid, title, body) VALUES (?, ?, ?)",
               (rowid, record.get("title") or "", body))  # fmt: skip
    _diff(db, article_id, revision)  # the latest revision: no later one is indexed yet


def _array(value: object) -> str:
    """A list as a JSON array (what Datasette's `_facet_array` reads); `[]` for none."""
    return _ENCODE(value) if isinstance(value, list) and value else "[]"


_ENCODE = json.JSONEncoder(ensure_ascii=False).encode
"""`json.dumps(..., ensure_ascii=False)` without building an encoder per call (five arrays per record)."""


def _diff(db: sqlite3.Connection, article_id: str, revision: int) -> None:
    """`body_diff` of a revision against the one before, once both are indexed (they may be read in either order)."""
    if revision <= 0:
        return
    after = _body(db, article_id, revision)
    before = _body(db, article_id, revision - 1) if after is not None else None
    if before is not None and after is not None:
        db.execute("UPDATE revisions SET body_diff = ? WHERE id = ? AND revision = ?",
                   (body_diff(before, after), article_id, revision))  # fmt: skip


def _body(db: sqlite3.Connection, article_id: str, revision: int) -> str | None:
    """A revision's text: in `articles` for the latest, in `revisions` for those it replaced; None if not indexed."""
    row = db.execute(
        "SELECT coalesce(r.body, (SELECT a.body FROM articles a WHERE a.id = r.id AND a.revision = r.revision)) "
        "FROM revisions r WHERE r.id = ? AND r.revision = ?",
        (article_id, revision),
    ).fetchone()
    return None if row is None else row[0]


def body_diff(old: str, new: str) -> str:
    """A unified diff of two bodies, a line per paragraph (`-` removed, `+` added, `@@` where), <= MAX_DIFF_CHARS."""
    lines = list(difflib.unified_diff(_paragraphs(old), _paragraphs(new), n=1, lineterm=""))[2:]
    text, size = [], 0
    for line in lines:
        size += len(line) + 1
        if size > MAX_DIFF_CHARS:
            text.append(f"... (diff cut at {MAX_DIFF_CHARS} characters)")
            break
        text.append(line)
    return "\n".join(text)


def _paragraphs(body: str) -> list[str]:
    return [p.strip() for p in body.split("\n\n") if p.strip()]


def _summarise(db: sqlite3.Connection) -> None:
    """`people` and `portals` recomputed from `articles` and `revisions` (cheap: one pass in SQL)."""
    db.execute("DELETE FROM people")
    for role in ROLES:
        db.execute(
            "INSERT INTO people SELECT a.portal, ?, j.value, count(DISTINCT a.id) FROM articles a, "
            "json_each(a.credits, '$.' || ?) j GROUP BY a.portal, j.value",
            (role, role),
        )
    db.execute("DELETE FROM portals")
    db.execute(
        "INSERT INTO portals SELECT a.portal, json_extract(min(a.record), '$.site_name'), count(*), "
        "(SELECT count(*) FROM revisions r WHERE r.portal = a.portal), min(a.published_at), max(a.published_at) "
        "FROM articles a GROUP BY a.portal"
    )


def search(db_path: Path, query: str, limit: int = 20) -> list[tuple[str, str]]:
    """(id, title) of the latest revisions matching an FTS5 query, best first."""
    db = sqlite3.connect(db_path)
    try:
        rows = db.execute(
            "SELECT a.id, a.title FROM articles_fts JOIN articles a ON a.rowid = articles_fts.rowid "
            "WHERE articles_fts MATCH ? ORDER BY rank LIMIT ?",
            (query, limit),
        ).fetchall()
    finally:
        db.close()
    return [(str(i), str(t)) for i, t in rows]
