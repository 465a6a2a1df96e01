"""Publication dates as Indonesian portals print them, to timezone-aware datetimes.

The printed forms seen on ANTARA pages (`Selasa, 3 September 2019 15:20 WIB`) are read by a
small table-driven parser, because dateparser costs milliseconds per call and the parse
benchmark budget is about one bare lxml parse per page. Anything else (English months,
relative `2 jam lalu`, RFC 822, ISO) goes to dateparser with the language and time zone
pinned, so that it never guesses.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo

ZONE_LABELS: dict[str, timezone] = {
    "WIB": timezone(timedelta(hours=7)),
    "WITA": timezone(timedelta(hours=8)),
    "WIT": timezone(timedelta(hours=9)),
}
"""Indonesian zone labels printed after times; a printed label wins over the portal's zone."""

MONTHS: dict[str, int] = {
    name: number
    for number, names in enumerate(
        (
            ("januari", "jan"),
            ("februari", "feb", "pebruari"),
            ("maret", "mar"),
            ("april", "apr"),
            ("mei",),
            ("juni", "jun"),
            ("juli", "jul"),
            ("agustus", "agu", "agt", "aug"),
            ("september", "sep", "sept"),
            ("oktober", "okt", "oct"),
            ("november", "nov", "nop", "nopember"),
            ("desember", "des", "dec"),
        ),
        start=1,
    )
    for name in names
}

_PRINTED = re.compile(
    r"(?:[A-Za-z']+,\s*)?(?P<day>\d{1,2})\s+(?P<month>[A-Za-z]+)\.?\s+(?P<year>\d{4})"
    r"(?:\s*,?\s*(?:pukul\s+)?(?P<hour>\d{1,2})[:.](?P<minute>\d{2})(?::(?P<second>\d{2}))?)?"
    r"(?:\s*(?P<label>WIB|WITA|WIT)\b)?",
    re.IGNORECASE,
)


def zone_label(text: str) -> str | None:
    """The Indonesian zone label printed in `text`, if any."""
    match = re.search(r"\b(WIB|WITA|WIT)\b", text)
    return match.group(1) if match else None


def parse_printed_date(text: str, zone: str | tzinfo, *, now: datetime | None = None) -> datetime | None:
    """`text` as a timezone-aware datetime: the printed label's offset, else `zone`; None if unreadable."""
    tz = ZoneInfo(zone) if isinstance(zone, str) else zone
    cleaned = " ".join(text.split())
    match = _PRINTED.search(cleaned)
    if match and match.group("month").lower() in MONTHS:
        return _from_match(match, tz)
    return _dateparser(cleaned, tz, now)


def _from_match(match: re.Match[str], tz: tzinfo) -> datetime | None:
    label = match.group("label")
    try:
        moment = datetime(
            int(match.group("year")),
            MONTHS[match.group("month").lower()],
            int(match.group("day")),
            int(match.group("hour") or 0),
            int(match.group("minute") or 0),
            int(match.group("second") or 0),
        )
    except ValueError:
        return None
    return moment.replace(tzinfo=ZONE_LABELS[label.upper()] if label else tz)


def _dateparser(text: str, tz: tzinfo, now: datetime | None) -> datetime | None:
    label = zone_label(text)
    if label:
        tz = ZONE_LABELS[label]
        text = text.replace(label, "").strip()
    # Relative texts ("2 jam lalu") count back from the portal's local wall time.
    base = now.astimezone(tz).replace(tzinfo=None).isoformat() if now else None
    parsed: datetime | None = _date_data_parser(base).get_date_data(text).date_obj
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=tz)
    return parsed


@lru_cache(maxsize=8)
def _date_data_parser(relative_base: str | None):  # type: ignore[no-untyped-def]
    # Imported lazily: dateparser loads its language data on import (about 0.3 s), and the
    # fast path above reads every date ANTARA prints without it.
    from dateparser.date import DateDataParser

    settings: dict[str, object] = {"RETURN_AS_TIMEZONE_AWARE": False, "PREFER_DATES_FROM": "past"}
    if relative_base:
        settings["RELATIVE_BASE"] = datetime.fromisoformat(relative_base)
    return DateDataParser(languages=["id", "en"], settings=settings)


def parse_iso(text: str | None) -> datetime | None:
    """An ISO 8601 timestamp with offset (JSON-LD, meta tags); None when absent, naive or malformed."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def isoformat(moment: datetime) -> str:
    """The archive's timestamp form: ISO 8601 with seconds and offset."""
    return moment.isoformat(timespec="seconds")
