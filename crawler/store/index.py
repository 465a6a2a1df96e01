"""The search index: a SQLite database built from the exports, then updated from their new bytes only.

Tables: `articles` (the latest revision of each id), `revisions` (every revision with its
`revision_diff` summary), `people` (reporters, editors, translators, photographers per
portal, with their article counts), `portals`, and `articles_fts`, FTS5 over title and body
(tokenizer `unicode61 remove_diacritics 2`, rowid = the article's rowid). `sources` holds the
byte offset read in each partition: an update reads the change feed (`crawler.store.changes`)
from there, so only bytes written since are read. The database holds nothing the exports do
not: delete it, or `rebuild=True`, and it is built again.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawler.store.changes import scan

ROLES = ("reporters", "editors", "translators", "photographers")

SCHEMA = """
CREATE TABLE IF NOT EXISTS sources (partition TEXT PRIMARY KEY, bytes INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, portal TEXT NOT NULL, revision INTEGER NOT NULL,
    url TEXT, title TEXT, published_at TEXT, section TEXT, body TEXT, word_count INTEGER,
    content_hash TEXT, credits TEXT NOT NULL, record TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS articles_portal ON articles (portal, published_at);
CREATE TABLE IF NOT EXISTS revisions (
    id TEXT NOT NULL, revision INTEGER NOT NULL, portal TEXT NOT NULL, content_hash TEXT, previous_hash TEXT,
    crawled_at TEXT, title TEXT, title_changed INTEGER, paragraphs_added INTEGER, paragraphs_removed INTEGER,
    paragraphs_changed INTEGER, PRIMARY KEY (id, revision));
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
    db.executescript(SCHEMA)
    return db


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
    diff = record.get("revision_diff") or {}
    db.execute(
        "INSERT OR REPLACE INTO revisions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (record["id"], record.get("revision", 0), record["portal"], record.get("content_hash"),
         record.get("previous_hash"), record.get("crawled_at"), record.get("title"), diff.get("title_changed"),
         diff.get("paragraphs_added"), diff.get("paragraphs_removed"), diff.get("paragraphs_changed")),
    )  # fmt: skip
    found = db.execute("SELECT rowid, revision FROM articles WHERE id = ?", (record["id"],)).fetchone()
    revision = int(record.get("revision", 0))
    if found and found[1] > revision:
        return  # a later revision is already indexed (partitions are read in name order)
    credits = json.dumps({role: record.get(role) or [] for role in ROLES}, ensure_ascii=False)
    values = (record["id"], record["portal"], revision, record.get("url"), record.get("title"),
              record.get("published_at"), record.get("section"), record.get("body"), record.get("word_count"),
              record.get("content_hash"), credits, json.dumps(record, ensure_ascii=False))  # fmt: skip
    if found:
        db.execute("DELETE FROM articles_fts WHERE rowid = ?", (found[0],))
        db.execute("UPDATE articles SET id = ?, portal = ?, revision = ?, url = ?, title = ?, published_at = ?, "
                   "section = ?, body = ?, word_count = ?, content_hash = ?, credits = ?, record = ? "
                   "WHERE rowid = ?", (*values, found[0]))  # fmt: skip
        rowid = found[0]
    else:
        rowid = db.execute("INSERT INTO articles (id, portal, revision, url, title, published_at, section, body, "
                           "word_count, content_hash, credits, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           values).lastrowid  # fmt: skip
    db.execute("INSERT INTO articles_fts (rowid, title, body) VALUES (?, ?, ?)",
               (rowid, record.get("title") or "", record.get("body") or ""))  # fmt: skip


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
