"""The search index: a SQLite database built from the exports, then updated from their new bytes only.

Tables: `articles` (the latest revision of each id, with what the page of `scrapy browse` shows
and facets by: `published_month`, credits as JSON arrays, the copyright line, the WARC record),
`revisions` (every revision with its `revision_diff` summary and `body_diff`, a line diff of
its paragraphs against the revision before), `people` (reporters, editors, translators, photographers per
portal, with their article counts and, where `scrapy resolve-initials` resolved them, the
initials they are bylined with), `portals`, and `articles_fts`, FTS5 over the title and body
of `articles` (external content, tokenizer `unicode61 remove_diacritics 2`, kept in step by
triggers). `sources` holds the byte offset read in each partition: an update reads the
change feed (`crawler.store.changes`) from there, so only bytes written since are read, and
`people` and `portals` are updated by the difference each record makes (an article's new
revision takes its old credits' counts away and adds its new ones), so an update costs the
records it reads, not the size of the archive.

The database holds nothing the exports do not: delete it, or `rebuild=True`, and it is built
again, into a new file that replaces the old one when it is complete (without fsyncs and
without a journal, the FTS index and the secondary indexes built once at the end). A
database of another `SCHEMA_VERSION` is rebuilt the same way.
"""

from __future__ import annotations

import difflib
import json
import logging
import os
import re
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crawler.durable import fsync_dir
from crawler.initials.resolve import name_key
from crawler.initials.sidecars import load_resolved
from crawler.store.changes import scan
from crawler.store.consume import portal_directories

logger = logging.getLogger(__name__)

ROLES = ("reporters", "editors", "translators", "photographers")
SCHEMA_VERSION = 3
"""`PRAGMA user_version` of a database built by this code; any other is rebuilt."""
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
    portal TEXT NOT NULL, role TEXT NOT NULL, name TEXT NOT NULL, articles INTEGER NOT NULL, initials TEXT,
    PRIMARY KEY (portal, role, name));
CREATE TABLE IF NOT EXISTS portals (
    portal TEXT PRIMARY KEY, site_name TEXT, articles INTEGER NOT NULL, revisions INTEGER NOT NULL,
    first_published TEXT, last_published TEXT);
CREATE VIRTUAL TABLE IF NOT EXISTS articles_fts USING fts5 (
    title, body, content = 'articles', content_rowid = 'rowid', tokenize = 'unicode61 remove_diacritics 2');
CREATE TRIGGER IF NOT EXISTS articles_fts_insert AFTER INSERT ON articles BEGIN
    INSERT INTO articles_fts (rowid, title, body) VALUES (new.rowid, new.title, new.body); END;
CREATE TRIGGER IF NOT EXISTS articles_fts_update AFTER UPDATE OF title, body ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, body) VALUES ('delete', old.rowid, old.title, old.body);
    INSERT INTO articles_fts (rowid, title, body) VALUES (new.rowid, new.title, new.body); END;
CREATE TRIGGER IF NOT EXISTS articles_fts_delete AFTER DELETE ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, body) VALUES ('delete', old.rowid, old.title, old.body); END;
"""


@dataclass
class IndexRun:
    """What one `update_index` read: records and bytes of the exports (and whether it built a new database)."""

    records: int = 0
    bytes: int = 0
    rebuilt: bool = False


@dataclass(frozen=True)
class Added:
    """What `_add` changed: the summaries' input."""

    new_revision: bool
    """The (id, revision) was not indexed before."""
    latest: bool
    """The record is now the article's indexed revision."""
    replaced: str | None = None
    """The `credits` of the revision it replaced (None: a new article, or not `latest`)."""


def connect(path: Path) -> sqlite3.Connection:
    """The index database, created if missing; WAL, so readers (a browser, `search`) never wait for an update."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path)
    # Never the source of truth: a power cut may lose the last update, never corrupt (WAL + NORMAL).
    db.executescript("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -65536;")
    db.executescript(SCHEMA)
    return db


def update_index(exports: Path, db_path: Path, *, rebuild: bool = False) -> IndexRun:
    """Bring the index at `db_path` up to date with the exports (from scratch with `rebuild`)."""
    if not rebuild and not _current(db_path):
        if db_path.exists():
            logger.info("index %s was built by another version: rebuilding it", db_path)
        rebuild = True
    if rebuild:
        return _rebuild(exports, db_path)
    db = connect(db_path)
    try:
        with db:
            return _update(db, exports)
    finally:
        db.close()


def _current(db_path: Path) -> bool:
    if not db_path.exists():
        return False
    db = sqlite3.connect(db_path)
    try:
        return bool(db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION)
    except sqlite3.DatabaseError:  # not a database (any more): it is only ever rebuilt
        return False
    finally:
        db.close()


def _rebuild(exports: Path, db_path: Path) -> IndexRun:
    """Build a new database beside the old one, then replace it: readers see the old index until then."""
    building = db_path.with_name(f"{db_path.name}.building")
    _remove(building)
    building.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(building)
    try:
        # A crash leaves only this file, which the next rebuild deletes: no journal, no fsync.
        db.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -65536;")
        db.executescript(SCHEMA)
        deferred = "SELECT type, name FROM sqlite_schema WHERE type IN ('index', 'trigger') AND sql IS NOT NULL"
        for kind, name in db.execute(deferred).fetchall():  # built once at the end (SCHEMA again), not row by row
            db.execute(f'DROP {kind} "{name}"')
        with db:
            run = _update(db, exports, deferred=True)
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        db.execute("PRAGMA journal_mode = WAL")
    finally:
        db.close()
    with building.open("rb") as handle:  # built without fsyncs: durable before it becomes the index
        os.fsync(handle.fileno())
    _remove(db_path, suffixes=("-wal", "-shm", "-journal"))  # the old database's: never to be read as the new one's
    os.replace(building, db_path)
    fsync_dir(db_path.parent)
    run.rebuilt = True
    return run


def _remove(db_path: Path, suffixes: tuple[str, ...] = ("-wal", "-shm", "-journal", "")) -> None:
    for suffix in suffixes:
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)


def _update(db: sqlite3.Connection, exports: Path, *, deferred: bool = False) -> IndexRun:
    """Read the change feed from the stored offsets into the tables, in the caller's transaction.

    `deferred`: the indexes and triggers were dropped (a rebuild); they are created again and the
    FTS index built from `articles` in one pass (creating them commits what was loaded first).
    """
    run, tally = IndexRun(), Tally()
    offsets: dict[str, int] = dict(db.execute("SELECT partition, bytes FROM sources").fetchall())
    reached: dict[str, int] = {}
    for key, end, line in scan(exports, offsets):
        run.bytes += end - reached.get(key, offsets.get(key, 0))
        run.records += 1
        reached[key] = end
        record = json.loads(line)
        tally.count(record, _add(db, record))
    db.executemany("INSERT OR REPLACE INTO sources VALUES (?, ?)", reached.items())
    if deferred:
        db.executescript(SCHEMA)
        db.execute("INSERT INTO articles_fts (articles_fts) VALUES ('rebuild')")
    tally.apply(db)
    _attach_initials(db, exports)
    return run


def credits_of(record: dict[str, Any]) -> dict[str, list[str]]:
    return {role: record.get(role) or [] for role in ROLES}


def _add(db: sqlite3.Connection, record: dict[str, Any]) -> Added:
    article_id, revision, body = record["id"], int(record.get("revision", 0)), record.get("body") or ""
    diff = record.get("revision_diff") or {}
    key = (article_id, revision)
    new_revision = db.execute("SELECT 1 FROM revisions WHERE id = ? AND revision = ?", key).fetchone() is None
    db.execute(
        "INSERT OR REPLACE INTO revisions (id, revision, portal, content_hash, previous_hash, crawled_at, title, "
        "title_changed, paragraphs_added, paragraphs_removed, paragraphs_changed, url, warc_file, warc_record_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (article_id, revision, record["portal"], record.get("content_hash"), record.get("previous_hash"),
         record.get("crawled_at"), record.get("title"), diff.get("title_changed"), diff.get("paragraphs_added"),
         diff.get("paragraphs_removed"), diff.get("paragraphs_changed"), record.get("url"), record.get("warc_file"),
         record.get("warc_record_id")),
    )  # fmt: skip
    found = db.execute("SELECT rowid, revision, credits FROM articles WHERE id = ?", (article_id,)).fetchone()
    if found and found[1] > revision:
        # A later revision is already indexed (partitions are read in name order): keep this one's text for diffs.
        db.execute("UPDATE revisions SET body = ? WHERE id = ? AND revision = ?", (body, article_id, revision))
        _diff(db, article_id, revision)
        _diff(db, article_id, revision + 1)
        return Added(new_revision, latest=False)
    if found and found[1] < revision:  # the revision it replaces keeps its text in `revisions`
        db.execute("UPDATE revisions SET body = (SELECT body FROM articles WHERE rowid = ?) "
                   "WHERE id = ? AND revision = ?", (found[0], article_id, found[1]))  # fmt: skip
    credits = _ENCODE(credits_of(record))
    published = record.get("published_at")
    values = (article_id, record["portal"], revision, published,
              published[:7] if published and _MONTH.match(published) else None, record.get("section"),
              record.get("title"), *(_array(record.get(role)) for role in (*ROLES, "tags")), record.get("dateline"),
              record.get("copyright"), record.get("url"), record.get("updated_at"), record.get("word_count"),
              record.get("crawled_at"), record.get("warc_file"), record.get("warc_record_id"), body,
              record.get("content_hash"), credits, _ENCODE(record))  # fmt: skip
    if found:
        db.execute(f"UPDATE articles SET {', '.join(c + ' = ?' for c in ARTICLE_COLUMNS)} WHERE rowid = ?",
                   (*values, found[0]))  # fmt: skip
    else:
        db.execute(f"INSERT INTO articles ({', '.join(ARTICLE_COLUMNS)}) "
                   f"VALUES ({', '.join('?' * len(ARTICLE_COLUMNS))})", values)  # fmt: skip
    _diff(db, article_id, revision)  # the latest revision: no later one is indexed yet
    return Added(new_revision, latest=True, replaced=found[2] if found else None)


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


@dataclass
class Tally:
    """The difference the records read make to `people` and `portals`, applied once at the end of an update."""

    people: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    articles: Counter[str] = field(default_factory=Counter)
    revisions: Counter[str] = field(default_factory=Counter)
    site_names: dict[str, str | None] = field(default_factory=dict)

    def count(self, record: dict[str, Any], added: Added) -> None:
        portal = str(record["portal"])
        self.revisions[portal] += added.new_revision
        site_name, known = record.get("site_name"), self.site_names.get(portal)
        self.site_names[portal] = min((n for n in (site_name, known) if n is not None), default=None)
        if not added.latest:
            return
        if added.replaced is None:
            self.articles[portal] += 1
        else:
            self._credit(portal, json.loads(added.replaced), -1)
        self._credit(portal, credits_of(record), +1)

    def _credit(self, portal: str, credits: dict[str, list[str]], sign: int) -> None:
        for role in ROLES:
            for name in set(credits.get(role) or ()):
                self.people[(portal, role, name)] += sign

    def apply(self, db: sqlite3.Connection) -> None:
        changed = [(*key, n) for key, n in self.people.items() if n]
        db.executemany("INSERT INTO people (portal, role, name, articles) VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE "
                       "SET articles = articles + excluded.articles", changed)  # fmt: skip
        db.executemany("DELETE FROM people WHERE portal = ? AND role = ? AND name = ? AND articles <= 0",
                       [row[:3] for row in changed if row[3] < 0])  # fmt: skip
        for portal in self.site_names:
            old = db.execute("SELECT site_name, articles, revisions FROM portals WHERE portal = ?", (portal,))
            site_name, articles, revisions = old.fetchone() or (None, 0, 0)
            names = [n for n in (site_name, self.site_names[portal]) if n is not None]
            first, last = db.execute("SELECT min(published_at), max(published_at) FROM articles WHERE portal = ?",
                                     (portal,)).fetchone()  # fmt: skip
            db.execute("INSERT OR REPLACE INTO portals (portal, site_name, articles, revisions, first_published, "
                       "last_published) VALUES (?, ?, ?, ?, ?, ?)",
                       (portal, min(names, default=None), articles + self.articles[portal],
                        revisions + self.revisions[portal], first, last))  # fmt: skip


def _attach_initials(db: sqlite3.Connection, exports: Path) -> None:
    """`people.initials` from each portal's `initials.json` (`scrapy resolve-initials`), as it is now."""
    db.execute("UPDATE people SET initials = NULL WHERE initials IS NOT NULL")
    for directory in portal_directories(exports):
        resolved = {name_key(name): sorted(initials) for name, initials in load_resolved(directory).items()}
        if not resolved:
            continue
        rows = db.execute("SELECT rowid, name FROM people WHERE portal = ?", (directory.name,)).fetchall()
        db.executemany("UPDATE people SET initials = ? WHERE rowid = ?",
                       [(json.dumps(resolved[name_key(name)]), rowid) for rowid, name in rows
                        if name_key(name) in resolved])  # fmt: skip


def search(db_path: Path, query: str, limit: int = 20) -> list[tuple[str, str]]:
    """(id, title) of the latest revisions matching an FTS5 query, best first.

    A query that is not valid FTS5 syntax (`KR-ABC`, an unclosed quote) is searched as its
    words, each taken literally.
    """
    db = sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True)
    sql = ("SELECT a.id, a.title FROM articles_fts JOIN articles a ON a.rowid = articles_fts.rowid "
           "WHERE articles_fts MATCH ? ORDER BY rank LIMIT ?")  # fmt: skip
    try:
        try:
            rows = db.execute(sql, (query, limit)).fetchall()
        except sqlite3.OperationalError:
            literal = " ".join('"' + word.replace('"', '""') + '"' for word in query.split())
            rows = db.execute(sql, (literal, limit)).fetchall() if literal else []
    finally:
        db.close()
    return [(str(i), str(t)) for i, t in rows]
