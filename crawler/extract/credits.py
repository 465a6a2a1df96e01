"""Credit and copyright lines: `Pewarta: AHM`, `Editor : X`, `COPYRIGHT © ANTARA 2019`, and their variants.

One label table maps every label seen on Indonesian portals to a record field. Lines are
found by label, not by position or by splitting on a fixed string, so that glued labels
(`SavitriEditor: Agus`), one-line blocks, spaced colons and empty names all parse, and
the raw text of each credit is kept verbatim for `credit_lines`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

ROLES: dict[str, str] = {
    "pewarta": "reporters",
    "reporter": "reporters",
    "penulis": "reporters",
    "wartawan": "reporters",
    "kontributor": "reporters",
    "editor": "editors",
    "redaktur": "editors",
    "penyunting": "editors",
    "penerjemah": "translators",
    "translator": "translators",
    "fotografer": "photographers",
    "foto": "photographers",
    "pewarta foto": "photographers",
}
"""Credit label (lower case) -> record field."""

_LABELS = "|".join(sorted((re.escape(label) for label in ROLES), key=len, reverse=True))
_CAPITALISED = "|".join(
    sorted((re.escape(form) for label in ROLES for form in (label.capitalize(), label.upper())), key=len, reverse=True)
)
# A label starts a credit at the start of the text or after a non-letter, in any case; or
# glued right after a name (`SavitriEditor:`, `AHMEditor :`), which is how flattened credit
# blocks read: then only capitalised, so that words merely ending in a label don't count.
_LABEL = re.compile(rf"(?:(?:^|(?<=[^A-Za-z]))(?P<label>(?i:{_LABELS}))|(?<=[A-Za-z])(?P<glued>{_CAPITALISED}))\s*:")
# `Copyright © ...` anywhere after the credits; a bare `© 2024 ...` only as a line of its own
# (portal footers), so that a `©` inside a caption or name is not taken for a notice.
# `Â©` is the sign as a copier mis-decoded it (UTF-8 bytes read as Latin-1): `COPYRIGHT Â© ANTARA 2020`.
_COPYRIGHT = re.compile(
    r"(?:^|(?<=[^A-Za-z])|(?<=[a-z]))(?P<line>(?i:copyright)\s*(?:\u00c2?©|\(c\)|&copy;)\s*(?P<rest>.*))$"
    r"|^(?P<bare>(?:\u00c2?©|&copy;)\s*(?P<bare_rest>\d{4}.*))$"
)
_LEAKED_SCRIPT = re.compile(r"\s*\(?\s*(?:adsbygoogle|window\.|googletag\.|document\.write)\b.*$")
"""Ad script source printed as text after a line in stored copies: `(adsbygoogle = ...).push({});`."""
_COPYRIGHT_REST = re.compile(r"^(?P<holder>.*?)[\s,]*(?P<year>\b\d{4}\b)?\s*\.?$")
_YEAR_FIRST = re.compile(r"^(?P<year>\d{4})(?:\s*[-\u2013]\s*(?P<until>\d{4}))?\s*,?\s*(?P<holder>.*?)\s*\.?$")
_RESERVED = re.compile(r"[\s.,|-]*(?:all rights reserved|hak cipta dilindungi undang-undang)\.?\s*$", re.IGNORECASE)
_NAME_SPLIT = re.compile(r"\s*(?:,|\s&\s|&|/|;|\bdan\b)\s*")
_SEPARATORS = " \t|\u00b7\u2022"
"""Printed between credits on one line (`Penulis: X | Editor: Y`): neither part of a name nor of the raw credit."""
# A byline above the text on Tribun-network pages: `Laporan Wartawan TribunKaltim.co, Name`.
_REPORTED_BY = re.compile(
    r"^\s*(?P<line>laporan\s+(?:wartawan|reporter|jurnalis|kontributor)\s+[^,]{2,60},\s*(?P<names>\S.*?))\s*$",
    re.IGNORECASE,
)
# `(*) Reporting by Panca Hari Prabowo` (jatim, 2014): an English byline after the advertorial-style `(*)`.
_REPORTING_BY = re.compile(
    r"^\s*(?P<line>(?:\(\*\)\s*)?(?i:reporting\s+by)\s+(?P<names>[A-Z][\w'.-]*(?:(?:\s+|\s*,\s*)[A-Z][\w'.-]*"
    r"|\s+(?:dan|and)\s+[A-Z][\w'.-]*){0,7}))\s*\.?\s*$"
)
"""`Reporting by` and capitalised names only, so that an English sentence starting so is not a credit."""
_STARTS_WITH_CREDIT = re.compile(
    rf"^\s*(?:(?i:{_LABELS})\s*:|(?i:copyright)\s*(?:\u00c2?©|\(c\))|\u00c2?©\s*\d{{4}})"
    rf"|{_REPORTED_BY.pattern}",
    re.IGNORECASE,
)


@dataclass
class CreditBlock:
    """What one or more credit paragraphs say."""

    roles: dict[str, list[str]] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)
    """Each credit verbatim (whitespace collapsed), in page order; the copyright line is not one."""
    copyright: str | None = None
    copyright_holder: str | None = None
    copyright_year: int | None = None
    problems: list[str] = field(default_factory=list)

    def names(self, role: str) -> list[str]:
        return self.roles.get(role, [])


def looks_like_credit(text: str) -> bool:
    """Whether a paragraph starts with a credit label or a copyright notice, or is a `Reporting by` byline."""
    return bool(_STARTS_WITH_CREDIT.match(text) or _REPORTING_BY.match(text))


def is_leaked_script(text: str) -> bool:
    """Whether a text block is ad script source printed as text (stored copies): neither body nor credit."""
    match = _LEAKED_SCRIPT.match(text)
    return match is not None and match.start() == 0


def without_leaked_script(text: str) -> str:
    """`text` without trailing ad script source (`COPYRIGHT © ANTARA 2020 (adsbygoogle = ...).push({});`)."""
    return _LEAKED_SCRIPT.sub("", text)


def split_names(text: str) -> list[str]:
    """`Arumanto, Rahmad Nasution dan Novi Abdi` -> three names; initials stay as printed."""
    names = (" ".join(part.split()).strip(" .:-") for part in _NAME_SPLIT.split(text))
    # A name has a letter: `(*)` (an advertorial marker) or `-` after a label is no one.
    return [name for name in names if any(ch.isalpha() for ch in name)]


def parse_credits(texts: list[str], block: CreditBlock | None = None) -> CreditBlock:
    """Credits and the copyright line from credit paragraphs (each a text with line breaks kept)."""
    block = block or CreditBlock()
    for text in texts:
        for line in text.splitlines():
            _parse_line(" ".join(line.split()), block)
    return block


def _parse_line(line: str, block: CreditBlock) -> None:
    line = without_leaked_script(line).strip()
    if not line:
        return
    reported = _REPORTED_BY.match(line) or _REPORTING_BY.match(line)
    if reported:
        block.lines.append(reported.group("line"))
        _add_names(block, "reporters", split_names(reported.group("names")))
        return
    notice = _COPYRIGHT.search(line)
    credits_part = line[: notice.start("line" if notice.group("line") else "bare")] if notice else line
    credits_part = credits_part.strip(_SEPARATORS)
    starts = list(_LABEL.finditer(credits_part))
    if credits_part.strip() and (not starts or credits_part[: starts[0].start()].strip()):
        block.problems.append(f"credits: unlabelled text {credits_part[: starts[0].start() if starts else None]!r}")
    for index, match in enumerate(starts):
        end = starts[index + 1].start() if index + 1 < len(starts) else len(credits_part)
        raw = credits_part[match.start() : end].strip(_SEPARATORS)
        role = ROLES[" ".join((match.group("label") or match.group("glued")).lower().split())]
        block.lines.append(raw)
        _add_names(block, role, split_names(credits_part[match.end() : end].strip(_SEPARATORS)))
    if notice:
        _set_copyright(notice, block)


def _add_names(block: CreditBlock, role: str, names: list[str]) -> None:
    existing = block.roles.setdefault(role, [])
    existing.extend(name for name in names if name not in existing)


def _set_copyright(notice: re.Match[str], block: CreditBlock) -> None:
    if block.copyright is not None:
        return
    block.copyright = (notice.group("line") or notice.group("bare")).strip()
    text = _RESERVED.sub("", (notice.group("rest") or notice.group("bare_rest") or "").strip())
    # `© 2015-2024 Holder` (portal footers) names the year first; `COPYRIGHT © ANTARA 2019` last.
    first = _YEAR_FIRST.match(text)
    found = first or _COPYRIGHT_REST.match(text)
    holder = found.group("holder").strip(" .,") if found else ""
    year = (first.group("until") or first.group("year")) if first else found.group("year") if found else None
    block.copyright_holder = holder or None
    block.copyright_year = int(year) if year and 1900 <= int(year) <= 2100 else None
    if not year:
        block.problems.append(f"copyright_year: no year in {block.copyright!r}")


_CONTRIBUTOR = re.compile(r"\s*\((?P<name>[A-Z][^()/\d]{1,80}?)/(?P<org>[A-Za-z][^()/\d]{0,40})\)\s*$")
# `(Adv)` / `(*)` advertorial markers, and a desk/initials trailer such as `(H-AK)` (2012 pages): a
# hyphen between two short capital groups, so that an acronym in parentheses (`(PKS)`) is not one.
_MARKER = re.compile(r"\s*\((?P<marker>Adv|ADV|adv|\*|[A-Z]{1,3}-[A-Z]{1,4})\)\s*$")
_TRAILING_REPORTING_BY = re.compile(r"\s*(?P<line>\(\*\)\s*Reporting\s+by\s+[^\W\d_][^()]{1,80}?)\s*\.?\s*$")


def trailing_credit(paragraph: str) -> tuple[str, str, str | None] | None:
    """A trailing `(Name/Humas)`, `(Adv)` or `(H-AK)`: (paragraph without it, the credit verbatim, contributor or None).

    A trailing `(*) Reporting by Name` is not taken here: it is a reporter credit (`parse_credits`).
    """
    match = _CONTRIBUTOR.search(paragraph) or _MARKER.search(paragraph)
    if not match:
        return None
    name = match.groupdict().get("name")
    return paragraph[: match.start()].rstrip(), match.group(0).strip(), " ".join(name.split()) if name else None


def trailing_byline(paragraph: str) -> tuple[str, str] | None:
    """A `(*) Reporting by Name` ending a paragraph: (paragraph without it, the credit verbatim)."""
    match = _TRAILING_REPORTING_BY.search(paragraph)
    if not match:
        return None
    return paragraph[: match.start()].rstrip(), " ".join(match.group("line").split())


# Wire agencies named between ANTARA and the photographer: `(FOTO ANTARA/REUTERS/Suhaib Salem/ox/11.)`.
_AGENCY = r"(?:(?:REUTERS|AFP|AP|EPA|XINHUA|ANADOLU|KYODO|BERNAMA)/)?"
_CAPTION_CREDIT = (
    re.compile(rf"\((?:FOTO )?ANTARA(?: ?FOTO)?/{_AGENCY}(?P<name>[^/()]+?)(?:/[^()]*)?\)\s*\.?\s*$", re.IGNORECASE),
    re.compile(rf"ANTARA ?FOTO/{_AGENCY}(?P<name>[^/()]+?)(?:/[\w.\s-]*)?\s*\.?\s*$", re.IGNORECASE),
)


def caption_photographer(caption: str) -> str | None:
    """The photographer credited at the end of a caption (`(ANTARA/Name)`, `ANTARA FOTO/Name/abc`)."""
    for pattern in _CAPTION_CREDIT:
        match = pattern.search(caption)
        if match:
            name = " ".join(match.group("name").split())
            # `HO` marks a handout picture: a source, not a photographer.
            return None if name.upper().startswith("HO") and (len(name) == 2 or name[2] in " -") else name
    return None
