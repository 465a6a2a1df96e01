"""The SQLite search index (`crawler.store.index`, `scrapy index`) over archives written by the real pipelines."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.store.index import search, update_index
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


def test_a_rebuild_gives_the_same_index(exports: Path, tmp_path: Path) -> None:
    db = tmp_path / "index.sqlite3"
    update_index(exports, db)
    write(exports, article(3, title="Jembatan Mahakam diresmikan"), article(1, body="Isi koreksi."))
    update_index(exports, db)
    incremental = dump(db)
    rebuilt = update_index(exports, db, rebuild=True)
    assert rebuilt.records == 5
    assert dump(db) == incremental


@pytest.mark.e2e
def test_scrapy_index_builds_in_the_state_dir_and_searches(exports: Path) -> None:
    command = [sys.executable, "-m", "scrapy", "index", "--search", "banjir", "-s", f"ARCHIVE_EXPORTS_DIR={exports}"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout == f"{PORTAL}:1\tBanjir rob genangi Samarinda\n"
    assert (exports.parent / "exports-state" / "index.sqlite3").is_file()
    assert "3 records" in done.stderr
