"""`scrapy browse` as a reader uses it, in headless Chromium: search, facets, the article page, the replay link.

The archive is a real one: the Kalimantan Timur replica crawled, the seed article (64120,
three reporters and an editor) edited on the replica and crawled again with `refresh=1`, so
it has two revisions; `scrapy index` builds the index; pywb replays the crawl's WARC files;
`scrapy browse` is started as documented, with `--replay-url` pointing at that pywb.
Chromium is Debian's (/usr/bin/chromium, installed by .ci/run), driven by Playwright;
`playwright install` is never needed. Missing Chromium is a failure, never a skip.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import subprocess
import sys
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageStat

from crawler.browse.site import replay_link
from tests.replica.data import write_file
from tests.replica.harness import KALTIM_DATA, ROOT, RunningReplica, run_crawl, trap_proxy_env
from tests.support.servers import pywb, scrapy_browse

pytestmark = pytest.mark.e2e  # replica, `scrapy crawl|index|browse`, pywb, Chromium

PORTAL = "antara_kaltim"
SEED = f"{PORTAL}:64120"
EDITED_TITLE = "Polresta Samarinda ungkap peredaran sabu 2,1 kilogram"
REPLAY_BUTTON = (0x1F, 0x5A, 0x96)  # `a.replay` in the article template
ADDED, REMOVED = (0xD7, 0xF5, 0xDD), (0xFB, 0xDA, 0xDA)  # diff lines in the article template


@dataclass
class Archive:
    exports: Path
    index: Path
    seed: list[dict[str, Any]]  # the seed article's records, revision 0 then 1
    page: str  # scrapy browse's URL
    replay: str  # pywb's collection URL


@pytest.fixture(scope="module")
def archive(
    module_replica_factory: Callable[..., RunningReplica], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Archive]:
    root = tmp_path_factory.mktemp("browse")
    doc = json.loads(KALTIM_DATA.read_text(encoding="utf-8"))
    data, exports = root / "data.json", root / "exports"
    write_file(data, doc)
    replica = module_replica_factory(data)
    first = run_crawl(PORTAL, exports, base_url=replica.base_url, env=trap_proxy_env(replica))
    assert first.process.returncode == 0, first.process.stderr[-3000:]
    seed = next(a for a in doc["articles"] if a["id"] == 64120)
    seed["title"] = EDITED_TITLE
    seed["paragraphs"][2] = "Polisi juga menyita tiga telepon genggam dan uang tunai yang diduga hasil penjualan."
    write_file(data, doc)
    second = run_crawl(PORTAL, exports, base_url=replica.base_url, arguments={"refresh": "1"},
                       env=trap_proxy_env(replica))  # fmt: skip
    assert second.process.returncode == 0, second.process.stderr[-3000:]
    records = sorted((r for r in second.records if r["id"] == SEED), key=lambda r: r["revision"])
    assert [r["revision"] for r in records] == [0, 1]

    indexed = subprocess.run([sys.executable, "-m", "scrapy", "index", "-s", f"ARCHIVE_EXPORTS_DIR={exports}"],
                             cwd=ROOT, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert indexed.returncode == 0, indexed.stderr[-3000:]
    pywb_root = root / "pywb"
    pywb_root.mkdir()
    with pywb(sorted((exports / "warc").glob("*.warc.gz")), pywb_root) as replay_base:
        replay = f"{replay_base}/archive"
        with scrapy_browse(exports, root / "browse.log", "--replay-url", replay) as (page, _):
            yield Archive(exports, exports.parent / "exports-state" / "index.sqlite3", records, page, replay)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium")
    assert chromium, "chromium is not installed: apt-get install -y chromium (.ci/run does)"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        yield launched
        launched.close()


@pytest.fixture
def tab(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def rows_shown(tab: Any) -> int:
    """The row count Datasette prints above the table ("12 rows where search matches ...")."""
    match = re.match(r"([\d,]+) rows?\b", tab.locator("h3").first.inner_text())
    assert match, tab.locator("h3").first.inner_text()
    return int(match.group(1).replace(",", ""))


def click_facet(tab: Any, column: str, value: str) -> None:
    tab.locator(f"#facet-{column} li a", has_text=re.compile(rf"^{re.escape(value)}$")).click()
    tab.wait_for_load_state()


def sql(index: Path, query: str, *params: object) -> Any:
    with sqlite3.connect(index) as con:
        return con.execute(query, params).fetchone()[0]


def check_screenshot(path: Path, *colours: tuple[int, int, int]) -> None:
    """A page, not a blank or an error: sane size, text-like variance, many colours, our template's colours drawn."""
    image = Image.open(path).convert("RGB")
    assert image.width == 1280 and 600 <= image.height <= 20_000, image.size
    grey = image.convert("L")
    assert ImageStat.Stat(grey).stddev[0] > 20, "a page with text and boxes, not a flat colour"
    assert len(image.getcolors(1 << 20) or []) > 50, "anti-aliased text gives many colours"
    dark = sum(grey.histogram()[:128]) / (image.width * image.height)
    assert 0.005 < dark < 0.5, dark
    counts = {c: n for n, c in image.getcolors(1 << 20) or []}
    for colour in colours:
        assert counts.get(colour, 0) > 200, (path.name, colour, "not drawn")


def test_a_word_of_the_seed_article_finds_it_and_facets_narrow(archive: Archive, tab: Any, tmp_path: Path) -> None:
    tab.goto(f"{archive.page}/archive/articles")
    total = rows_shown(tab)
    assert total == sql(archive.index, "SELECT count(*) FROM articles") > 20
    tab.fill("#_search", "sabu")
    tab.press("#_search", "Enter")
    tab.wait_for_load_state()
    assert "_search=sabu" in tab.url
    assert tab.get_by_role("cell", name=EDITED_TITLE).count() == 1, "the seed article (its latest title) is found"
    found = rows_shown(tab)
    assert 1 <= found == sql(archive.index, "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH 'sabu'")

    tab.fill("#_search", "Samarinda")
    tab.press("#_search", "Enter")
    tab.wait_for_load_state()
    broad = rows_shown(tab)
    tab.screenshot(path=tmp_path / "search.png")
    click_facet(tab, "section", "Hukum")
    by_section = rows_shown(tab)
    click_facet(tab, "reporters", "Arumanto")
    by_reporter = rows_shown(tab)
    match = "a.rowid IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH 'Samarinda')"
    assert broad == sql(archive.index, f"SELECT count(*) FROM articles a WHERE {match}")
    assert by_section == sql(archive.index, f"SELECT count(*) FROM articles a WHERE {match} AND section = 'Hukum'")
    assert by_reporter == sql(archive.index, f"SELECT count(*) FROM articles a WHERE {match} AND section = 'Hukum' "
                                             "AND EXISTS (SELECT 1 FROM json_each(a.reporters) WHERE value = 'Arumanto')")  # fmt: skip
    assert broad > by_section > by_reporter >= 1, (broad, by_section, by_reporter)
    assert "section=Hukum" in tab.url and "reporters__arraycontains=Arumanto" in tab.url
    assert tab.get_by_role("cell", name=EDITED_TITLE).count() == 1
    tab.screenshot(path=tmp_path / "narrowed.png")
    check_screenshot(tmp_path / "search.png")
    check_screenshot(tmp_path / "narrowed.png")


def test_the_article_page_shows_credits_copyright_revisions_and_replays(
    archive: Archive, tab: Any, tmp_path: Path
) -> None:
    tab.goto(f"{archive.page}/archive/articles?_search=sabu")
    row = tab.locator("tr", has=tab.get_by_role("cell", name=EDITED_TITLE))
    row.locator("td.type-pk a").click()  # the rowid links to the row page: our article template
    tab.wait_for_load_state()
    first, latest = archive.seed
    article = tab.locator("article.article")
    assert article.locator("h1").inner_text() == EDITED_TITLE
    credits = dict(zip(article.locator("dl.credits dt").all_inner_texts(),
                       article.locator("dl.credits dd").all_inner_texts(), strict=True))  # fmt: skip
    assert credits == {"Reporters": ", ".join(latest["reporters"]), "Editors": ", ".join(latest["editors"])}
    assert latest["reporters"] == ["Arumanto", "Rahmad Nasution", "Novi Abdi"] and latest["editors"] == ["Masnun"]
    assert latest["copyright"] and article.locator("p.copyright").inner_text() == latest["copyright"]
    assert article.locator("div.body p").all_inner_texts()[-len(latest["body"].split("\n\n")) :] == latest[
        "body"
    ].split("\n\n")
    revisions = article.locator("div.revision")
    assert revisions.count() == 2
    assert "title changed" in revisions.nth(1).locator("p.summary").inner_text()
    assert revisions.nth(1).locator(".diff .added").all_inner_texts() == [
        "+Polisi juga menyita tiga telepon genggam dan uang tunai yang diduga hasil penjualan."]  # fmt: skip
    assert revisions.nth(1).locator(".diff .removed").count() == 1

    replay = article.locator("a.replay").get_attribute("href")
    assert replay == replay_link(archive.replay, latest["url"], latest["crawled_at"])
    stamp = re.sub(r"\D", "", latest["crawled_at"])[:14]
    assert replay == f"{archive.replay}/{stamp}/{latest['url']}" and latest["url"].startswith("https://kaltim.")
    older = revisions.nth(0).locator("a.replay-revision").get_attribute("href")
    assert older == replay_link(archive.replay, first["url"], first["crawled_at"]) != replay
    tab.screenshot(path=tmp_path / "article.png", full_page=True)
    check_screenshot(tmp_path / "article.png", REPLAY_BUTTON, ADDED, REMOVED)


def test_the_replay_links_replay_the_archived_pages_in_pywb(archive: Archive, tab: Any, tmp_path: Path) -> None:
    first, latest = archive.seed
    rowid = sql(archive.index, "SELECT rowid FROM articles WHERE id = ?", SEED)
    tab.goto(f"{archive.page}/archive/articles/{rowid}")
    replay = tab.locator("article.article a.replay").get_attribute("href")
    older = tab.locator("div.revision").nth(0).locator("a.replay-revision").get_attribute("href")
    with urllib.request.urlopen(replay, timeout=30) as replayed:  # pywb's frame around the archived page
        assert replayed.status == 200 and latest["url"] in replayed.read().decode("utf-8")
    stamp = re.sub(r"\D", "", first["crawled_at"])[:14]
    with urllib.request.urlopen(older.replace(f"/{stamp}/", f"/{stamp}id_/"), timeout=30) as replayed:
        assert first["title"] in replayed.read().decode("utf-8"), "revision 0's link: the page as first captured"
    tab.locator("article.article a.replay").click()
    tab.wait_for_load_state()
    archived = tab.frame_locator("#replay_iframe")
    assert archived.locator("h1").inner_text() == EDITED_TITLE, "Chromium shows the archived page, edited title"
    assert latest["copyright"] in archived.locator("body").inner_text()
    tab.screenshot(path=tmp_path / "replay.png")
    check_screenshot(tmp_path / "replay.png")
