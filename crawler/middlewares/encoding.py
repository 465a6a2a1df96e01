"""Which encoding a page's bytes are really in, when the declared one is wrong or missing.

"Correct text" is the text the publisher wrote: the characters whose bytes the server sent.
Portals misdeclare in two ways that a decoder notices:

* bytes in a legacy single-byte encoding (windows-1252) declared as UTF-8, or not declared
  at all: the bytes are not valid UTF-8, so decoding as declared yields U+FFFD replacement
  characters (or a guess by charset detection);
* UTF-8 bytes declared as windows-1252 / ISO-8859-1: decoding as declared yields mojibake
  (`â€œ` for `“`). Valid UTF-8 holding multi-byte sequences is, in practice, never legacy
  text (a legacy text would need runs like `Ã©` in it by chance), so such a body is UTF-8.

`charset_problem` says which case a body is in and what to decode it as; the crawl applies
it in `crawler.middlewares.charset`, re-parsing from WARC applies the same function, so both
give the same text. Bytes are never changed: only the encoding used to read them.
"""

from __future__ import annotations

from dataclasses import dataclass

from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom, resolve_encoding

_UTF8 = "utf-8"


@dataclass(frozen=True)
class CharsetProblem:
    kind: str
    """Stat suffix: `not_utf8` (declared UTF-8, is not), `utf8_declared_legacy` (declared another
    encoding, is UTF-8), `undeclared_legacy` (declared nothing, is not UTF-8)."""
    declared: str | None
    """The encoding the page declared (header, else `<meta>`), normalised; None when it declared none."""
    use: str
    """The encoding to decode the body with."""

    def warning(self) -> str:
        said = f"declared {self.declared}" if self.declared else "no charset declared"
        return f"charset: {said}, but the bytes are {self.use}; decoded as {self.use}"


def declared_encoding(content_type: str | None, body: bytes) -> str | None:
    """The encoding a page states: BOM, then the Content-Type charset, then `<meta>` (w3lib's order)."""
    found = read_bom(body)[0] or http_content_type_encoding(content_type or "") or html_body_declared_encoding(body)
    return resolve_encoding(found) if found else None


def charset_problem(content_type: str | None, body: bytes, fallback: str = "cp1252") -> CharsetProblem | None:
    """What is wrong with the page's declared encoding, or None when it is right (or cannot be improved)."""
    declared = declared_encoding(content_type, body)
    if body.isascii():
        return None  # every ASCII-compatible encoding reads it the same
    utf8 = _is_utf8(body)
    if declared == _UTF8 and not utf8:
        return CharsetProblem("not_utf8", declared, _legacy(body, fallback))
    if declared is None and not utf8:
        return CharsetProblem("undeclared_legacy", None, _legacy(body, fallback))
    if declared is not None and not declared.startswith("utf") and utf8:
        return CharsetProblem("utf8_declared_legacy", declared, _UTF8)
    return None


def _is_utf8(body: bytes) -> bool:
    try:
        body.decode(_UTF8)
    except UnicodeDecodeError:
        return False
    return True


def _legacy(body: bytes, fallback: str) -> str:
    """`fallback` when it reads every byte; else the best guess of charset detection (as Scrapy's own)."""
    try:
        body.decode(fallback)
    except UnicodeDecodeError:
        from charset_normalizer import from_bytes

        match = from_bytes(body).best()
        if match is not None:
            return resolve_encoding(match.encoding) or fallback
    return resolve_encoding(fallback) or fallback
