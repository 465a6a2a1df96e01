"""The SQLite search index (`crawler.store.index`, `scrapy index`) over archives written by the real pipelines."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.initials.sidecars import SUMMARY_NAME, resolve_portal
from crawler.store.index import SCHEMA_VERSION, search, update_index
from tests.replica.harness import ROOT
from tests.storage_support import PORTAL, Chain, article


def write(exports: Path, *items: object) -> None:
    chain = Chain.open(exports)
    for item in items:
        chain.feed(item)
    chain.close()


def dump(db: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every table's rows, without rowids (which may differ between builds)."""
    tables = {"articles": "id, portal, revision, title, body, credits", "revisions": "*", "people": "*",
              "portals": "*", "articles_fts": "title, body"}  # fmt: skip
    with sqlite3.connect(db) as con:
        return {t: sorted(con.execute(f"SELECT {cols} FROM {t}").fetchall(), key=repr) for t, cols in tables.items()}


@pytest.fixture
def exports(tmp_path: Path) -> Path:
    root = tmp_path / "exports"
    write(root,
          article(1, title="Banjir rob genangi Samarinda", reporters=["AHM"], editors=["Abdul Hakim Muhiddin"]),
          article(2, body="Pémilu daerah berjalan damai.", reporters=["AHM", "Ulul Maskuriah"],
                  published_at="2019-10-01T07:05:00+07:00"),
          article(2, body="Pémilu daerah berjalan damai dan tertib.\n\nParagraf baru.", reporters=["AHM"],
                  published_at="2019-10-01T07:05:00+07:00"))  # fmt: skip
    return root


def test_a_word_of_an_article_finds_it_without_diacritics(exports: Path, tmp_path: Path) -> None:
    db = tmp_path / "index.sqlite3"
    run = update_index(exports, db)
    assert run.records == 3
    assert search(db, "banjir") == [(f"{PORTAL}:1", "Banjir rob genangi Samarinda")]
    assert [i for i, _ in search(db, "pemilu")] == [f"{PORTAL}:2"], "remove_diacritics: pemilu finds Pémilu"
    assert search(db, "tertib") == [(f"{PORTAL}:2", "Gubernur Kaltim terima audiensi nomor 2")]
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT revision FROM articles WHERE id = ?", (f"{PORTAL}:2",)).fetchone() == (1,)
        diff = con.execute("SELECT paragraphs_added + paragraphs_changed FROM revisions WHERE revision = 1")
        assert diff.fetchone()[0] >= 1
        people = con.execute("SELECT role, name, articles FROM people ORDER BY role, name").fetchall()
        assert people == [("editors", "Abdul Hakim Muhiddin", 1), ("reporters", "AHM", 2)], (
            "counts from the latest revision: Ulul Maskuriah was dropped by the correction")
        assert con.execute("SELECT portal, articles, revisions FROM portals").fetchall() == [(PORTAL, 2, 3)]


def test_an_update_reads_only_the_new_records_and_bytes(exports: Path, tmp_path: Path) -> None:
    db = tmp_path / "index.sqlite3"
    first = update_index(exports, db)
    total = sum(p.stat().st_size for p in (exports / PORTAL).rglob("*.jsonl"))
    assert first.bytes == total
    assert update_index(exports, db).records == 0 and update_index(exports, db).bytes == 0
    write(exports, article(3, title="Jembatan Mahakam diresmikan"))
    grown = sum(p.stat().st_size for p in (exports / PORTAL).rglob("*.jsonl"))
    again = update_index(exports, db)
    assert (again.records, again.bytes) == (1, grown - total)
    assert [i for i, _ in search(db, "mahakam")] == [f"{PORTAL}:3"]


def fts_matches_articles(db: Path) -> None:
    """FTS5's own check that its index holds exactly the title and body of every row of `articles` (raises if not)."""
    with sqlite3.connect(db) as con:
        con.execute("INSERT INTO articles_fts (articles_fts, rank) VALUES ('integrity-check', 1)")


def summaries_from_scratch(db: Path) -> dict[str, list[tuple[object, ...]]]:
    """`people` and `portals` computed from `articles` and `revisions` in one SQL pass (what an update must equal)."""
    people = ("SELECT a.portal, r.role, j.value, count(DISTINCT a.id) FROM articles a, "
              "(SELECT 'reporters' AS role UNION SELECT 'editors' UNION SELECT 'translators' UNION SELECT "
              "'photographers') r, json_each(a.credits, '$.' || r.role) j GROUP BY a.portal, r.role, j.value")
    portals = ("SELECT a.portal, count(*), (SELECT count(*) FROM revisions r WHERE r.portal = a.portal), "
               "min(a.published_at), max(a.published_at) FROM articles a GROUP BY a.portal")  # fmt: skip
    with sqlite3.connect(db) as con:
        return {"people": sorted(con.execute(people).fetchall()), "portals": sorted(con.execute(portals).fetchall())}


def summaries(db: Path) -> dict[str, list[tuple[object, ...]]]:
    with sqlite3.connect(db) as con:
        return {"people": sorted(con.execute("SELECT portal, role, name, articles FROM people").fetchall()),
                "portals": sorted(con.execute("SELECT portal, articles, revisions, first_published, last_published "
                                              "FROM portals").fetchall())}  # fmt: skip


def test_a_rebuild_gives_the_same_index(exports: Path, tmp_path: Path) -> None:
    db = tmp_path / "index.sqlite3"
    update_index(exports, db)
    write(exports, article(3, title="Jembatan Mahakam diresmikan"), article(1, body="Isi koreksi."))
    update_index(exports, db)
    incremental = dump(db)
    fts_matches_articles(db)
    rebuilt = update_index(exports, db, rebuild=True)
    assert rebuilt.records == 5 and rebuilt.rebuilt
    assert dump(db) == incremental
    fts_matches_articles(db)


def test_updates_keep_people_and_portals_equal_to_a_count_from_scratch(exports: Path, tmp_path: Path) -> None:
    """Revisions that change credits and dates, new articles and portals, in several updates."""
    db = tmp_path / "index.sqlite3"
    update_index(exports, db)
    steps = [
        [article(2, body="Koreksi kedua.", reporters=["Ulul Maskuriah"], editors=["Masnun"],
                 published_at="2019-11-20T09:00:00+08:00"),  # AHM loses an article, Ulul gains one back
         article(4, portal="antara_kalsel", reporters=["AHM"], photographers=["Firman"])],
        [article(1, body="Koreksi.", reporters=["AHM", "AHM", "Novi Abdi"], published_at="2018-01-02T08:00:00+08:00"),
         article(5, reporters=["Novi Abdi"], translators=["Aria Cindyara"])],
        [article(5, body="Terjemahan diperbaiki.", reporters=["Novi Abdi"])],  # the translator's count goes to 0
    ]  # fmt: skip
    for records in steps:
        write(exports, *records)
        assert update_index(exports, db).records == len(records)
        assert summaries(db) == summaries_from_scratch(db)
    people = {(portal[7:], role, name): n for portal, role, name, n in summaries(db)["people"]}
    assert (people[("kaltim", "reporters", "AHM")], people[("kalsel", "reporters", "AHM")]) == (1, 1)
    assert people[("kaltim", "reporters", "Ulul Maskuriah")] == 1 and people[("kaltim", "reporters", "Novi Abdi")] == 2
    assert ("kaltim", "translators", "Aria Cindyara") not in people, "a count that reaches 0 leaves the table"
    assert summaries(db)["portals"][1][1:] == (3, 7, "2018-01-02T08:00:00+08:00", "2019-11-20T09:00:00+08:00")
    incremental = dump(db)
    update_index(exports, db, rebuild=True)
    assert dump(db) == incremental


def test_people_carry_the_initials_resolved_to_them(tmp_path: Path) -> None:
    exports, db = tmp_path / "exports", tmp_path / "index.sqlite3"
    write(exports, article(1, reporters=["AHM"], editors=["Masnun"]),
          article(2, reporters=["Abdul Hakim Muhiddin"], editors=["Masnun"]),
          article(3, reporters=["Novi Abdi"], editors=["Abdul  Hakim Muhiddin"]))  # fmt: skip
    update_index(exports, db)

    def initials() -> list[tuple[object, ...]]:
        with sqlite3.connect(db) as con:
            return con.execute("SELECT role, name, initials FROM people WHERE initials NOT NULL ORDER BY 1").fetchall()

    assert initials() == [], "no initials before `scrapy resolve-initials`"
    summary = resolve_portal(exports, PORTAL, min_confidence=0.75, period_days=365)
    assert [(r["printed"], r["name"]) for r in summary["initials"]] == [("AHM", "Abdul Hakim Muhiddin")]
    update_index(exports, db)  # no new record: the sidecar alone is read again
    assert initials() == [("editors", "Abdul  Hakim Muhiddin", '["AHM"]'),
                          ("reporters", "Abdul Hakim Muhiddin", '["AHM"]')], "the same name however spaced"  # fmt: skip
    incremental = dump(db)
    update_index(exports, db, rebuild=True)
    assert dump(db) == incremental and initials()
    (exports / PORTAL / SUMMARY_NAME).unlink()
    update_index(exports, db)
    assert initials() == []


def test_an_index_of_another_schema_version_is_rebuilt(exports: Path, tmp_path: Path) -> None:
    db = tmp_path / "index.sqlite3"
    assert update_index(exports, db).rebuilt, "a first build is a rebuild (a new file)"
    with sqlite3.connect(db) as con:
        assert con.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        con.execute(f"PRAGMA user_version = {SCHEMA_VERSION - 1}")
    again = update_index(exports, db)
    assert (again.rebuilt, again.records) == (True, 3)
    assert not update_index(exports, db).rebuilt
    assert not list(tmp_path.glob("*.building*"))
    db.write_bytes(b"not a database")
    assert update_index(exports, db).records == 3


def test_a_query_that_is_not_fts5_syntax_is_searched_as_words(exports: Path, tmp_path: Path) -> None:
    db = tmp_path / "index.sqlite3"
    update_index(exports, db)
    assert [i for i, _ in search(db, 'Banjir "rob')] == [f"{PORTAL}:1"]
    assert [i for i, _ in search(db, "rob-genangi")] == [f"{PORTAL}:1"], "a phrase, not `rob` minus column `genangi`"
    assert search(db, "genangi-rob") == []
    assert sorted(i for i, _ in search(db, "samarinda OR tertib")) == [f"{PORTAL}:1", f"{PORTAL}:2"], "FTS5 syntax"


@pytest.mark.e2e
def test_scrapy_index_builds_in_the_state_dir_and_searches(exports: Path) -> None:
    command = [sys.executable, "-m", "scrapy", "index", "--search", "banjir", "-s", f"ARCHIVE_EXPORTS_DIR={exports}"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout == f"{PORTAL}:1\tBanjir rob genangi Samarinda\n"
    assert (exports.parent / "exports-state" / "index.sqlite3").is_file()
    assert "3 records" in done.stderr and "(a new database)" in done.stderr
    again = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert "0 records" in again.stderr and "new database" not in again.stderr
