"""Indonesian printed dates, zone labels and machine-readable times (crawler/extract/dates.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crawler.extract.dates import MONTHS, isoformat, parse_iso, parse_printed_date

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
