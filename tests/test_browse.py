"""The archive's web page without a server: what the index holds for it, Datasette's metadata, the article page.

Datasette is driven in this process through its ASGI client (no socket), on an index built
from records written by the real pipelines (`tests/storage_support.py`); the browser test
of the served page is `tests/test_browse_e2e.py`.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path
from typing import Any

import lxml.html
import pytest

from crawler.browse.site import ARTICLE_FACETS, DATABASE, metadata, replay_link, valid_replay_url
from crawler.store.index import ARTICLE_COLUMNS, MAX_DIFF_CHARS, body_diff, update_index
from tests.storage_support import PORTAL, Chain, article

REPLAY = "http://localhost:8080/archive"
COPYRIGHT = "COPYRIGHT © ANTARA News Kalimantan Timur 2019"


def write(exports: Path, *items: object) -> None:
    chain = Chain.open(exports)
    for item in items:
        chain.feed(item)
    chain.close()


@pytest.fixture
def exports(tmp_path: Path) -> Path:
    root = tmp_path / "exports"
    write(root,
          article(1, title="Banjir rob genangi Samarinda", reporters=["AHM"], editors=["Abdul Hakim Muhiddin"],
                  section="Kaltim", copyright=COPYRIGHT, published_at="2019-09-03T15:20:00+08:00"),
          article(2, body="Pemilu daerah berjalan damai.\n\nKPU menghitung suara.\n\nParagraf lama.",
                  reporters=["AHM", "Ulul Maskuriah"], photographers=["Novi Abdi"], section="Politik",
                  copyright=COPYRIGHT, published_at="2019-10-01T07:05:00+07:00"),
          article(2, body="Pemilu daerah berjalan damai dan tertib.\n\nKPU menghitung suara.\n\nParagraf baru.",
                  reporters=["AHM", "Ulul Maskuriah"], photographers=["Novi Abdi"], section="Politik",
                  copyright=COPYRIGHT, published_at="2019-10-01T07:05:00+07:00"),
          article(3, title="Banjir di Balikpapan surut", reporters=["Ulul Maskuriah"], section="Kaltim",
                  published_at="2019-10-12T09:00:00+08:00"))  # fmt: skip
    return root


@pytest.fixture
def index(exports: Path, tmp_path: Path) -> Path:
    db = tmp_path / "index.sqlite3"
    assert update_index(exports, db).records == 4
    return db


def rows(db: Path, sql: str, *params: object) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as con:
        return con.execute(sql, params).fetchall()


# --- the index columns the page shows and facets by --------------------------------------------------------------


def test_articles_carry_month_credit_arrays_and_copyright(index: Path) -> None:
    got = rows(index, "SELECT id, published_month, reporters, photographers, copyright, warc_file, crawled_at "
                      "FROM articles ORDER BY id")  # fmt: skip
    assert [(i, m) for i, m, *_ in got] == [(f"{PORTAL}:1", "2019-09"), (f"{PORTAL}:2", "2019-10"),
                                            (f"{PORTAL}:3", "2019-10")]  # fmt: skip
    assert [json.loads(r[2]) for r in got] == [["AHM"], ["AHM", "Ulul Maskuriah"], ["Ulul Maskuriah"]]
    assert json.loads(got[1][3]) == ["Novi Abdi"] and json.loads(got[0][3]) == []
    assert got[0][4] == COPYRIGHT and got[2][4] is None
    assert got[0][6] == "2026-11-24T10:00:00+00:00"


def test_a_revision_carries_a_line_diff_of_its_paragraphs(index: Path) -> None:
    revisions = rows(index, "SELECT revision, paragraphs_changed, paragraphs_added, paragraphs_removed, body_diff, "
                            "body IS NOT NULL FROM revisions WHERE id = ? ORDER BY revision", f"{PORTAL}:2")  # fmt: skip
    assert [r[0] for r in revisions] == [0, 1]
    assert revisions[0][4] is None, "revision 0 has nothing before it"
    assert revisions[1][1:4] == (2, 0, 0), "both paragraphs edited (word similarity >= 0.5)"
    assert revisions[1][4].splitlines() == [
        "@@ -1,3 +1,3 @@",
        "-Pemilu daerah berjalan damai.",
        "+Pemilu daerah berjalan damai dan tertib.",
        " KPU menghitung suara.",
        "-Paragraf lama.",
        "+Paragraf baru.",
    ]
    assert [r[5] for r in revisions] == [1, 0], "a replaced revision keeps its text; the latest's is in articles"


def test_a_long_diff_is_cut() -> None:
    old = "\n\n".join(f"Paragraf {n} " + "kata " * 200 for n in range(100))
    diff = body_diff(old, old.replace("kata", "kalimat"))
    assert len(diff) <= MAX_DIFF_CHARS + 60 and diff.endswith(f"(diff cut at {MAX_DIFF_CHARS} characters)")


def test_revisions_read_in_any_order_give_the_same_index(tmp_path: Path) -> None:
    """Updated after each revision or rebuilt (which reads the latest revision first here): the same rows."""
    texts = ["Satu.\n\nDua.", "Satu.\n\nDua diubah.", "Satu.\n\nDua diubah.\n\nTiga."]
    # The last revision corrected the publication date into August: its partition is read before September's.
    dates = ["2019-09-03T15:20:00+08:00", "2019-09-03T15:20:00+08:00", "2019-08-30T15:20:00+08:00"]
    exports, db = tmp_path / "exports", tmp_path / "index.sqlite3"
    for text, date in zip(texts, dates, strict=True):
        write(exports, article(7, body=text, published_at=date))
        update_index(exports, db)
    tables = ("SELECT * FROM revisions ORDER BY revision", f"SELECT {', '.join(ARTICLE_COLUMNS)} FROM articles",
              "SELECT title, body FROM articles_fts")  # fmt: skip
    incremental = [rows(db, sql) for sql in tables]
    update_index(exports, db, rebuild=True)
    assert [rows(db, sql) for sql in tables] == incremental
    diffs = rows(db, "SELECT revision, body_diff FROM revisions ORDER BY revision")
    assert diffs == [(0, None), (1, "@@ -1,2 +1,2 @@\n Satu.\n-Dua.\n+Dua diubah."),
                     (2, "@@ -2 +2,2 @@\n Dua diubah.\n+Tiga.")]  # fmt: skip


def test_an_index_of_an_older_format_is_built_again(exports: Path, tmp_path: Path) -> None:
    db = tmp_path / "old.sqlite3"
    with sqlite3.connect(db) as con:  # the first format: no published_month, no body_diff, user_version 0
        con.execute("CREATE TABLE articles (rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE)")
        con.execute("CREATE TABLE sources (partition TEXT PRIMARY KEY, bytes INTEGER NOT NULL)")
        con.execute("INSERT INTO sources VALUES ('antara_kaltim/2019/2019-09.jsonl', 999999)")
    assert update_index(exports, db).records == 4
    assert rows(db, "SELECT count(*) FROM articles WHERE published_month IS NOT NULL") == [(3,)]


# --- metadata and replay links ----------------------------------------------------------------------------------


def test_metadata_has_the_facets_search_and_canned_queries() -> None:
    meta = metadata(REPLAY)
    tables = meta["databases"][DATABASE]["tables"]
    assert tables["articles"]["facets"] == ["portal", "section", "published_month", {"array": "reporters"}]
    assert ARTICLE_FACETS is tables["articles"]["facets"]
    assert (tables["articles"]["fts_table"], tables["articles"]["fts_pk"]) == ("articles_fts", "rowid")
    assert all(tables[t]["description"] for t in ("articles", "revisions", "people", "portals"))
    assert tables["sources"]["hidden"] is True
    queries = meta["databases"][DATABASE]["queries"]
    assert {q["title"] for q in queries.values()} == {"Search articles", "Articles by reporter",
                                                      "Revisions of an article"}  # fmt: skip
    assert meta["plugins"]["crawler-browse"] == {"replay_url": REPLAY}
    assert meta["title"] and meta["description"] and meta["license"] and meta["source"]


def test_the_canned_queries_run_on_the_index(index: Path) -> None:
    queries = metadata(REPLAY)["databases"][DATABASE]["queries"]
    with sqlite3.connect(index) as con:
        con.row_factory = sqlite3.Row
        found = con.execute(queries["search"]["sql"], {"q": "banjir"}).fetchall()
        assert sorted(r["title"] for r in found) == ["Banjir di Balikpapan surut", "Banjir rob genangi Samarinda"]
        assert all("[Banjir]" in r["excerpt"] for r in found), "the matched word marked in the excerpt"
        by = con.execute(queries["articles_by_reporter"]["sql"], {"reporter": "Ulul Maskuriah"}).fetchall()
        assert [r["title"] for r in by] == ["Banjir di Balikpapan surut", "Gubernur Kaltim terima audiensi nomor 2"]
        revisions = con.execute(queries["revisions_of_article"]["sql"], {"id": f"{PORTAL}:2"}).fetchall()
        assert [r["revision"] for r in revisions] == [0, 1] and "+Paragraf baru." in revisions[1]["body_diff"]


@pytest.mark.parametrize(
    ("crawled_at", "expected"),
    [
        ("2026-11-24T10:00:05+00:00", f"{REPLAY}/20261124100005/https://kaltim.antaranews.com/berita/1/x"),
        ("2026-11-24T18:00:05+08:00", f"{REPLAY}/20261124100005/https://kaltim.antaranews.com/berita/1/x"),
        ("2026-11-24T10:00:05", f"{REPLAY}/20261124100005/https://kaltim.antaranews.com/berita/1/x"),
        (None, f"{REPLAY}/https://kaltim.antaranews.com/berita/1/x"),
    ],
)
def test_the_replay_link_is_pywbs_url_at_the_capture_time_in_utc(crawled_at: str | None, expected: str) -> None:
    assert replay_link(REPLAY + "/", "https://kaltim.antaranews.com/berita/1/x", crawled_at) == expected


def test_replay_urls_must_be_http() -> None:
    assert valid_replay_url("http://localhost:8080/archive") and valid_replay_url("https://replay.example/coll")
    assert not any(map(valid_replay_url, ["localhost:8080/archive", "ftp://x/y", "http:///archive", "http://x/?a=1"]))


# --- the page, through Datasette's in-process client -------------------------------------------------------------


def get(index: Path, *paths: str) -> list[Any]:
    from crawler.browse.serve import make_datasette

    datasette = make_datasette(index, REPLAY)

    async def fetch() -> list[Any]:
        return [await datasette.client.get(path) for path in paths]

    return asyncio.run(fetch())


def test_search_finds_and_facets_narrow(index: Path) -> None:
    searched, narrowed, reporter = get(index, "/archive/articles.json?_search=banjir&_shape=objects",
                                       "/archive/articles.json?_search=banjir&section=Kaltim&published_month=2019-10",
                                       "/archive/articles.json?reporters__arraycontains=AHM&_facet_array=reporters")  # fmt: skip
    assert searched.status_code == 200
    assert sorted(r["id"] for r in searched.json()["rows"]) == [f"{PORTAL}:1", f"{PORTAL}:3"]
    assert narrowed.json()["filtered_table_rows_count"] == 1
    facets = {f["value"]: f["count"] for f in reporter.json()["facet_results"]["reporters"]["results"]}
    assert reporter.json()["filtered_table_rows_count"] == 2 and facets == {"AHM": 2, "Ulul Maskuriah": 1}


def test_the_article_page_shows_credits_copyright_revisions_and_replay_links(index: Path) -> None:
    rowid = rows(index, "SELECT rowid FROM articles WHERE id = ?", f"{PORTAL}:2")[0][0]
    [response] = get(index, f"/archive/articles/{rowid}")
    assert response.status_code == 200
    page = lxml.html.fromstring(response.text)
    [article] = page.xpath("//article[@class='article']")
    assert article.xpath("string(h1)") == "Gubernur Kaltim terima audiensi nomor 2"
    credits = {dt.text_content(): dt.getnext().text_content() for dt in article.xpath(".//dl[@class='credits']/dt")}
    assert credits == {"Reporters": "AHM, Ulul Maskuriah", "Photographers": "Novi Abdi"}
    assert article.xpath("string(.//p[@class='copyright'])") == COPYRIGHT
    assert [p.text_content() for p in article.xpath(".//div[@class='body']/p")] == [
        "Pemilu daerah berjalan damai dan tertib.", "KPU menghitung suara.", "Paragraf baru."]  # fmt: skip
    [replay] = article.xpath(".//a[@class='replay']/@href")
    assert replay == f"{REPLAY}/20261124100000/https://kaltim.antaranews.com/berita/2/slug-2"
    revisions = article.xpath(".//div[@class='revision']")
    assert [r.get("data-revision") for r in revisions] == ["0", "1"]
    assert revisions[1].xpath(".//span[@class='added']/text()") == ["+Pemilu daerah berjalan damai dan tertib.",
                                                                    "+Paragraf baru."]  # fmt: skip
    assert "0 added, 0 removed, 2 changed" in " ".join(revisions[1].xpath("string(.//p[@class='summary'])").split())


def test_canned_search_results_link_to_the_article_page(index: Path) -> None:
    [response] = get(index, "/archive/search?q=tertib")
    assert response.status_code == 200
    rowid = rows(index, "SELECT rowid FROM articles WHERE id = ?", f"{PORTAL}:2")[0][0]
    assert f'<a href="/archive/articles/{rowid}">{rowid}</a>' in response.text


def test_the_array_facet_reads_narrow_rows_and_counts_as_datasettes(index: Path) -> None:
    """Datasette's array facet copies whole rows (bodies) to count; ours selects the rowid and the arrays only."""
    from datasette.utils.asgi import Request

    from crawler.browse.facets import NARROW_COLUMNS, NarrowArrayFacet
    from crawler.browse.serve import make_datasette

    datasette = make_datasette(index, REPLAY)
    facet = NarrowArrayFacet(datasette, Request.fake("/archive/articles"), DATABASE, table="articles",
                             sql="select rowid, id, body, record from articles where section = :p0")  # fmt: skip
    assert facet.sql == f"select {NARROW_COLUMNS} from articles where section = :p0"
    other = NarrowArrayFacet(datasette, Request.fake("/archive/people"), DATABASE, table="people",
                             sql="select portal, role, name from people")  # fmt: skip
    assert other.sql == "select portal, role, name from people", "other tables are left as they are"
    [response] = get(index, "/archive/articles.json?_facet_array=photographers&_facet_array=reporters&_size=0")
    results = response.json()["facet_results"]
    assert {f["value"]: f["count"] for f in results["reporters"]["results"]} == dict(
        rows(index, "SELECT j.value, count(DISTINCT a.rowid) FROM articles a, json_each(a.reporters) j GROUP BY j.value"))
    assert [(f["value"], f["count"]) for f in results["photographers"]["results"]] == [("Novi Abdi", 1)]
