"""Issue 13: a page of no known ANTARA era is parsed by the fallback, exported as `antara/unknown`, and alarmed.

The page (`tests/support/pages/antara-unknown-new-template-2027.html`, outside the fixture harness, which knows only the eras) is a made-up future template (no known container
class): the record must still carry its text, credits and copyright, read by label. It lives
outside `tests/fixtures/antara/` because that harness accepts only the three known layouts.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from itemadapter import ItemAdapter
from scrapy.http import HtmlResponse

from crawler.items import ArticleItem
from crawler.monitoring.drift import DriftRule, DriftWatch
from crawler.portals.registry import REGISTRY, load_registry

PAGE = Path(__file__).resolve().parent / "support" / "pages" / "antara-unknown-new-template-2027.html"
URL = "https://kaltim.antaranews.com/berita/400001/samarinda-uji-bus-listrik"
TITLE = "Samarinda uji bus listrik"
BODY = (
    "Pemerintah Kota Samarinda menguji dua bus listrik di jalur Jalan Slamet Riyadi selama sebulan penuh.\n\n"
    "Uji coba itu untuk mengukur daya tahan baterai pada jalan menanjak dan jumlah penumpang pada jam sibuk pagi "
    "dan sore hari.\n\n"
    "Wali Kota Samarinda mengatakan hasil uji coba menjadi dasar pengadaan armada bus listrik pada tahun depan."
)
EXPECTED: dict[str, Any] = {
    "id": "antara_kaltim:400001",
    "portal": "antara_kaltim",
    "site_name": "ANTARA News Kalimantan Timur",
    "url": URL,
    "fetched_url": URL,
    "title": TITLE,
    "published_at": "2027-03-02T09:15:00+08:00",
    "published_at_raw": "Selasa, 2 Maret 2027 09:15",  # as printed near the title, not article:published_time
    "updated_at": None,
    "section": None,  # the page names none
    "tags": [],
    "dateline": "Samarinda",
    "body": BODY,
    "reporters": ["Ahmad Rifandi"],
    "editors": ["Masnun"],
    "translators": [],
    "photographers": [],
    "contributors": [],
    "credit_lines": ["Pewarta: Ahmad Rifandi", "Editor: Masnun"],
    "copyright": "COPYRIGHT © ANTARA 2027",  # the article's own line, not the site footer's `© 2027 ANTARA`
    "copyright_holder": "ANTARA",
    "copyright_year": 2027,
    "images": [],
    "related": [],
    "language": "id",
    "word_count": len(BODY.split()),
    "content_hash": hashlib.sha256(f"{TITLE}\n\n{BODY}".encode()).hexdigest(),
    "layout": "antara/unknown",
    "parser_version": "0.2.0+antara/unknown",
    "warnings": [
        "body: heuristic main-text extraction (trafilatura)",
        "layout: no known ANTARA template matched; parsed by the generic fallback",
    ],
}
"""Every field but the provenance fields left null outside a crawl."""


def _parse(strict: bool = True, html: str | None = None) -> Any:
    load_registry()
    portal = REGISTRY["antara_kaltim"]
    body = PAGE.read_bytes() if html is None else html.encode()
    response = HtmlResponse(url=URL, body=body)
    fetched = datetime.fromisoformat("2027-03-05T10:00:00+00:00")  # the made-up page is from 2027
    return portal.article_page(response, portal, fetched_at=fetched, strict=strict).to_item()


def _variant(*replacements: tuple[str, str]) -> dict[str, Any]:
    """The fixture page with `(old, new)` text replacements (each must occur), parsed to a record."""
    html = PAGE.read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in html, old
        html = html.replace(old, new)
    item = _parse(html=html)
    assert isinstance(item, ArticleItem)
    return ItemAdapter(item).asdict()


def test_unknown_template_is_parsed_by_the_fallback_with_credits_by_label() -> None:
    item = _parse()
    assert isinstance(item, ArticleItem)
    record = ItemAdapter(item).asdict()
    assert {key: record[key] for key in EXPECTED} == EXPECTED


PRINTED = '<div class="waktu">Selasa, 2 Maret 2027 09:15</div>'
META = '<meta property="article:published_time" content="2027-03-02T09:15:00+08:00">'


def test_unknown_template_date_is_the_printed_text_in_the_portal_zone() -> None:
    # The structured time says another instant: the printed date wins, read in kaltim's zone (WITA, +08:00).
    record = _variant((META, META.replace("2027-03-02T09:15:00+08:00", "2027-03-01T20:00:00+07:00")))
    assert (record["published_at_raw"], record["published_at"]) == (
        "Selasa, 2 Maret 2027 09:15",
        "2027-03-02T09:15:00+08:00",
    )


def test_unknown_template_printed_zone_label_wins() -> None:
    record = _variant((PRINTED, '<div class="waktu"><i class="icon-clock"></i> Selasa, 2 Maret 2027 09:15 WIB</div>'))
    assert (record["published_at_raw"], record["published_at"]) == (
        "Selasa, 2 Maret 2027 09:15 WIB",
        "2027-03-02T09:15:00+07:00",
    )


def test_unknown_template_date_above_the_title_and_teaser_dates_ignored() -> None:
    # A related teaser's date right after the title and a body sentence naming a date are not the date line;
    # the date printed above the title is.
    teaser = '<ul class="berita-terkait"><li><span>Senin, 1 Maret 2027 08:00</span></li></ul>'
    title = '<h1 class="judul-berita">Samarinda uji bus listrik</h1>'
    record = _variant(
        (PRINTED, ""),
        (title, f'<div class="waktu">Selasa, 2 Maret 2027 09:15</div>\n{title}\n{teaser}'),
    )
    assert record["published_at_raw"] == "Selasa, 2 Maret 2027 09:15"
    assert record["published_at"] == "2027-03-02T09:15:00+08:00"


def test_unknown_template_without_a_printed_date_uses_structured_data() -> None:
    record = _variant((PRINTED, ""))
    assert (record["published_at_raw"], record["published_at"]) == (
        "2027-03-02T09:15:00+08:00",
        "2027-03-02T09:15:00+08:00",
    )


def test_unknown_template_sentence_with_a_date_is_not_the_date_line() -> None:
    # No date line at all; a short body paragraph names a weekday, date and time inside a sentence.
    sentence = "<p>Uji coba dimulai pada Senin, 1 Maret 2027 pukul 07.00 dan berlangsung selama satu bulan penuh.</p>"
    record = _variant(
        (PRINTED, ""), (META, ""), ('</div>\n<div class="kredit">', f'{sentence}</div>\n<div class="kredit">')
    )
    assert record["published_at_raw"] is None and record["published_at"] is None
    assert any(w.startswith("published_at:") for w in record["warnings"])


def test_unknown_layout_raises_a_drift_problem_on_the_first_run(tmp_path: Path) -> None:
    watch = DriftWatch(DriftRule(), tmp_path / "exports", tmp_path / "drift", tmp_path / "warc")
    record = ItemAdapter(_parse()).asdict()
    watch.add(record)
    summary: dict[str, Any] = {"portal": "antara_kaltim", "run_id": "run-1", "coverage": {"records": 1, "fields": {}}}
    problems = watch.check(SimpleNamespace(name="antara_kaltim"), summary)  # type: ignore[arg-type]
    assert [(p["check"], p["field"], p["value"]) for p in problems] == [("drift", "layout", 1)]
    assert "matched no known template" in problems[0]["message"]
    assert summary["drift"]["unknown_layout"]["pages"] == 1
    assert summary["drift"]["judged"] is False  # no baseline needed: the alarm fires on the first such run


def test_known_layout_raises_no_layout_problem(tmp_path: Path) -> None:
    watch = DriftWatch(DriftRule(), tmp_path / "exports", tmp_path / "drift", tmp_path / "warc")
    watch.add({**ItemAdapter(_parse()).asdict(), "layout": "antara/post-content"})
    summary: dict[str, Any] = {"portal": "antara_kaltim", "run_id": "run-1", "coverage": {"records": 1, "fields": {}}}
    assert watch.check(SimpleNamespace(name="antara_kaltim"), summary) == []  # type: ignore[arg-type]
