"""Small text formats the portal prints: Indonesian dates, RFC 822 and ISO times, escaping."""

from __future__ import annotations

import html
import json
from datetime import datetime
from email.utils import format_datetime
from typing import Any

DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
MONTHS = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)  # fmt: skip


def indonesian_date(moment: datetime, zone_label: str | None = None) -> str:
    """`Selasa, 3 September 2019 15:20 WITA` (the label only when the page prints one)."""
    text = f"{DAYS[moment.weekday()]}, {moment.day} {MONTHS[moment.month - 1]} {moment.year} {moment:%H:%M}"
    return f"{text} {zone_label}" if zone_label else text


def iso(moment: datetime) -> str:
    """ISO 8601 with seconds and offset, as JSON-LD and the archive record print it."""
    return moment.isoformat(timespec="seconds")


def rfc822(moment: datetime) -> str:
    return format_datetime(moment)


def esc(text: str) -> str:
    """Text escaped for element content and attribute values."""
    return html.escape(text, quote=True)


def json_ld(data: dict[str, Any]) -> str:
    """JSON for a `<script>` element: `</` is escaped so that a title cannot end the script."""
    return json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
