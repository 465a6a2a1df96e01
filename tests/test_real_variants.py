"""Credit, copyright, caption and trailer variants seen on real ANTARA pages (issue 13), table-driven.

Each row is a form from `../shared/antara-site.md` "Seen on real pages"; the page-level
placements of the same forms are covered by the fixtures under `tests/fixtures/antara/`.
"""

from __future__ import annotations

import pytest

from crawler.extract.credits import (
    caption_photographer,
    is_leaked_script,
    looks_like_credit,
    parse_credits,
    trailing_byline,
    trailing_credit,
    without_leaked_script,
)

LEAKED = "(adsbygoogle = window.adsbygoogle || []).push({});"

COPYRIGHTS = [
    # (line as printed, copyright kept, holder, year)
    ("COPYRIGHT Â© ANTARA 2020", "COPYRIGHT Â© ANTARA 2020", "ANTARA", 2020),
    (f"COPYRIGHT © ANTARA 2020 {LEAKED}", "COPYRIGHT © ANTARA 2020", "ANTARA", 2020),
    (f"COPYRIGHT © ANTARA 2023{LEAKED}", "COPYRIGHT © ANTARA 2023", "ANTARA", 2023),
    ("COPYRIGHT © 2012", "COPYRIGHT © 2012", None, 2012),
    ("Copyright © ANTARA 2025", "Copyright © ANTARA 2025", "ANTARA", 2025),
    ("COPYRIGHT © ANTARA News Banten 2023", "COPYRIGHT © ANTARA News Banten 2023", "ANTARA News Banten", 2023),
]


@pytest.mark.parametrize(("line", "kept", "holder", "year"), COPYRIGHTS, ids=[c[0][:30] for c in COPYRIGHTS])
def test_copyright_variants(line: str, kept: str, holder: str | None, year: int) -> None:
    block = parse_credits([line])
    assert (block.copyright, block.copyright_holder, block.copyright_year) == (kept, holder, year)
    assert block.problems == [] and block.lines == []


BLOCKS = [
    # (credit text with line breaks, roles, credit lines)
    (
        "Pewarta: Lukman Hakim\nEditor :\xa0\nCOPYRIGHT © ANTARA 2023",
        {"reporters": ["Lukman Hakim"], "editors": []},
        ["Pewarta: Lukman Hakim", "Editor :"],
    ),
    (
        "Pewarta: Fathur Rochman\nEditor: Tasrief Tarmizi\nCopyright © ANTARA 2025",
        {"reporters": ["Fathur Rochman"], "editors": ["Tasrief Tarmizi"]},
        ["Pewarta: Fathur Rochman", "Editor: Tasrief Tarmizi"],
    ),
    (
        "(*) Reporting by Panca Hari Prabowo",
        {"reporters": ["Panca Hari Prabowo"]},
        ["(*) Reporting by Panca Hari Prabowo"],
    ),
    (
        f"Pewarta: AHM\nEditor: Masnun\nCOPYRIGHT © ANTARA 2020\n{LEAKED}",
        {"reporters": ["AHM"], "editors": ["Masnun"]},
        ["Pewarta: AHM", "Editor: Masnun"],
    ),  # fmt: skip
]


@pytest.mark.parametrize(("text", "roles", "lines"), BLOCKS, ids=[b[0][:30] for b in BLOCKS])
def test_credit_blocks(text: str, roles: dict[str, list[str]], lines: list[str]) -> None:
    block = parse_credits([text])
    assert {role: names for role, names in block.roles.items()} == roles
    assert block.lines == lines
    assert block.problems == []


@pytest.mark.parametrize(
    ("text", "credit"),
    [
        ("(*) Reporting by Panca Hari Prabowo", True),
        ("COPYRIGHT Â© ANTARA 2020", True),
        ("COPYRIGHT © 2012", True),
        ("Reporting by the ministry shows a rise.", False),  # a sentence, not a byline
        ("Laporan itu menyebut Editor: tidak ada", False),
        (LEAKED, False),
    ],
)
def test_looks_like_credit(text: str, credit: bool) -> None:
    assert looks_like_credit(text) is credit


def test_leaked_script_text() -> None:
    assert is_leaked_script(LEAKED)
    assert not is_leaked_script("Warga menyaksikan window. Sementara itu")
    assert without_leaked_script(f"COPYRIGHT © ANTARA 2020 {LEAKED}") == "COPYRIGHT © ANTARA 2020"


@pytest.mark.parametrize(
    ("paragraph", "expected"),
    [
        ("Rapat itu dihadiri 30 orang. (H-AK)", ("Rapat itu dihadiri 30 orang.", "(H-AK)", None)),
        ("Kata Ketua DPRD dari partai itu (PKS)", None),  # an acronym, not a desk trailer
        ("Harga naik 10 persen (Y-2)", None),
    ],
)
def test_initials_trailer(paragraph: str, expected: tuple[str, str, None] | None) -> None:
    assert trailing_credit(paragraph) == expected


def test_trailing_reporting_by() -> None:
    assert trailing_byline("Pasar dibuka pukul 08.00. (*) Reporting by Panca Hari Prabowo") == (
        "Pasar dibuka pukul 08.00.",
        "(*) Reporting by Panca Hari Prabowo",
    )
    assert trailing_byline("Pasar dibuka pukul 08.00. (*)") is None


@pytest.mark.parametrize(
    ("caption", "name"),
    [
        ("Warga Palestina di Gaza. (FOTO ANTARA/REUTERS/Suhaib Salem/ox/11.)", "Suhaib Salem"),
        ("Petugas memeriksa dokumen. ANTARA/Istimewa", None),
        ("Sejumlah warga antre. (ANTARA/AFP/Adek Berry)", "Adek Berry"),
        ("Banjir di Samarinda. ANTARA FOTO/Reuters/Willy Kurniawan/foc.", "Willy Kurniawan"),
    ],
)
def test_caption_credits(caption: str, name: str | None) -> None:
    assert caption_photographer(caption) == name


@pytest.mark.parametrize(
    ("printed", "zone", "iso"),
    [
        ("Rabu, 7 Januari 2026 10:41", "Asia/Makassar", "2026-01-07T10:41:00+08:00"),  # live 2026, no zone label
        ("Rabu, 7 Januari 2026 10:41", "Asia/Jakarta", "2026-01-07T10:41:00+07:00"),
        ("Senin, 9 Februari 2026 16:02", "Asia/Jayapura", "2026-02-09T16:02:00+09:00"),  # listing form
        ("Rabu, 7 Januari 2026 10:41 WIB", "Asia/Makassar", "2026-01-07T10:41:00+07:00"),  # a printed label wins
        ("Rabu, 7 Januari 2026 10:41 WITA", "Asia/Jakarta", "2026-01-07T10:41:00+08:00"),
        ("Rabu, 7 Januari 2026 10:41 WIT", "Asia/Jakarta", "2026-01-07T10:41:00+09:00"),
        ("Rabu, 7 Januari 2026 pukul 10.41 WIB", "Asia/Makassar", "2026-01-07T10:41:00+07:00"),
        ("7 Januari 2026 10:41 WITA", "Asia/Jakarta", "2026-01-07T10:41:00+08:00"),
    ],
)
def test_printed_dates_with_and_without_zone_label(printed: str, zone: str, iso: str) -> None:
    from crawler.extract.dates import isoformat, parse_printed_date

    moment = parse_printed_date(printed, zone)
    assert moment is not None and isoformat(moment) == iso
