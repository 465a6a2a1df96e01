"""Indonesian printed dates, zone labels and machine-readable times (crawler/extract/dates.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crawler.extract.dates import MONTHS, find_printed_date, isoformat, parse_iso, parse_printed_date

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # 10:00 WITA


@pytest.mark.parametrize(
    ("text", "zone", "expected"),
    [
        ("Selasa, 3 September 2019 15:20 WIB", "Asia/Makassar", "2019-09-03T15:20:00+07:00"),
        ("Selasa, 3 September 2019 15:20 WITA", "Asia/Jakarta", "2019-09-03T15:20:00+08:00"),
        ("Senin, 5 Mei 2025 08:00 WIT", "Asia/Jakarta", "2025-05-05T08:00:00+09:00"),
        ("Kamis, 6 Agustus 2020 12:34", "Asia/Makassar", "2020-08-06T12:34:00+08:00"),
        ("Kamis, 6 Agustus 2020 12:34", "Asia/Jayapura", "2020-08-06T12:34:00+09:00"),
        ("6 Agu 2020 12.34 WIB", "Asia/Makassar", "2020-08-06T12:34:00+07:00"),
        ("Rabu, 9 Okt 2024 07:05 WITA", "Asia/Jakarta", "2024-10-09T07:05:00+08:00"),
        ("Minggu, 1 Desember 2024", "Asia/Jakarta", "2024-12-01T00:00:00+07:00"),
        ("Jumat, 7 Nopember 2014 10:00 WIB", "Asia/Jakarta", "2014-11-07T10:00:00+07:00"),
        ("Sabtu, 29 Februari 2020 23:59 WIB", "Asia/Jakarta", "2020-02-29T23:59:00+07:00"),
        ("2 jam lalu", "Asia/Makassar", "2026-11-24T08:00:00+08:00"),
        ("November 24, 2026 9:15 AM", "Asia/Makassar", "2026-11-24T09:15:00+08:00"),
    ],
)
def test_printed_dates(text: str, zone: str, expected: str) -> None:
    parsed = parse_printed_date(text, zone, now=NOW)
    assert parsed is not None and isoformat(parsed) == expected


@pytest.mark.parametrize("text", ["", "kemarin sore entah kapan", "31 Februari 2020 10:00 WIB", "lorem ipsum"])
def test_unreadable_dates_are_none(text: str) -> None:
    assert parse_printed_date(text, "Asia/Jakarta", now=NOW) is None


def test_every_indonesian_month_name() -> None:
    names = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober"]
    names += ["November", "Desember"]
    assert [MONTHS[name.lower()] for name in names] == list(range(1, 13))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-05T10:20:00+08:00", "2024-03-05T10:20:00+08:00"),
        ("2024-03-05T02:20:00Z", "2024-03-05T02:20:00+00:00"),
        ("2024-03-05T10:20:00", None),
        ("not a date", None),
        (None, None),
    ],
)
def test_parse_iso(text: str | None, expected: str | None) -> None:
    parsed = parse_iso(text)
    assert (isoformat(parsed) if parsed else None) == expected


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Selasa, 2 Maret 2027 09:15", "Selasa, 2 Maret 2027 09:15"),  # 2026 live form, no zone label
        ("  Kamis, 6 Agustus 2020\n 12:34 WIB | 1.234 dibaca", "Kamis, 6 Agustus 2020 12:34 WIB"),
        ("Diterbitkan: Rabu, 7 Januari 2026 10:41", "Rabu, 7 Januari 2026 10:41"),
        ("Jum'at, 9 Oktober 2020", "Jum'at, 9 Oktober 2020"),  # a weekday without a time
        ("7 Januari 2026 10:41 WITA", "7 Januari 2026 10:41 WITA"),  # a time without a weekday
        ("Senin 9 Februari 2026 pukul 16.02 WIB", "Senin 9 Februari 2026 pukul 16.02 WIB"),
        ("Foto, 2 Maret 2027 09:15", "2 Maret 2027 09:15"),  # a word that is no weekday is not kept
        ("sejak 2 Maret 2027 lalu", None),  # neither weekday nor time: a date in a sentence
        ("Selasa, 2 Foo 2027 09:15", None),  # no Indonesian month
        ("2027-03-02T09:15:00+08:00", None),  # ISO is structured data, not a printed date
        ("", None),
    ],
)
def test_find_printed_date_by_shape(text: str, found: str | None) -> None:
    assert find_printed_date(text) == found
