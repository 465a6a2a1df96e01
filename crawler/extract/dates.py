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


WEEKDAYS = frozenset({"senin", "selasa", "rabu", "kamis", "jumat", "jum'at", "sabtu", "minggu", "ahad"})
"""Indonesian weekday names as printed before a date (`Selasa, 2 Maret 2027`)."""

_PRINTED_SHAPE = re.compile(
    r"(?:\b(?P<weekday>[A-Za-z']+),?\s+)?\b(?P<day>\d{1,2})\s+(?P<month>[A-Za-z]+)\.?\s+(?P<year>\d{4})\b"
    r"(?:\s*[,|]?\s*(?:pukul\s+)?(?P<time>\d{1,2}[:.]\d{2}(?::\d{2})?)\b)?(?:\s*(?:WIB|WITA|WIT)\b)?",
    re.IGNORECASE,
)


def find_printed_date(text: str) -> str | None:
    """The first date in `text` printed as ANTARA prints one, verbatim (spaces collapsed); None if there is none.

    The shape is `[weekday,] day month-name year [[pukul] HH:MM] [WIB|WITA|WIT]` with an Indonesian
    month name and a weekday or a time (`Selasa, 2 Maret 2027 09:15`, `7 Januari 2026 10:41 WITA`),
    so that a bare date inside a sentence (`sejak 2 Maret 2027`) is not taken for a date line. Callers
    look only at short texts near the title: a sentence may still name a weekday and a date.
    """
    cleaned = " ".join(text.split())
    for match in _PRINTED_SHAPE.finditer(cleaned):
        weekday = (match.group("weekday") or "").lower()
        if match.group("month").lower() not in MONTHS:
            continue
        if weekday in WEEKDAYS or match.group("time"):
            start = match.start() if weekday in WEEKDAYS else match.start("day")
            return cleaned[start : match.end()].strip()
    return None


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
