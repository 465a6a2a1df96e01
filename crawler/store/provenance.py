"""`scrapy reparse --verify`: prove that the exported records are what the archived responses say.

Every stored record names the WARC response it was parsed from (`warc_record_id`). The
verification re-parses the WARC files into a scratch exports directory with today's
parser (`scrapy reparse`), then compares each stored record field by field with the
record re-derived from the same WARC record. Fields decided by the archive's history
rather than by the page (revision numbers and diffs, near-duplicate links) are not
compared; everything else must be equal, `crawled_at` included (it is the WARC-Date).
On an unchanged parser the mismatch count is zero; after a parser change it lists
exactly which fields of which records the new parser reads differently.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crawler.store.layout import read_archive

HISTORY_FIELDS = frozenset({"revision", "previous_hash", "revision_diff", "near_duplicate_of"})
"""Fields set from the archive's history (dedup), not from the page: not re-derivable from one response."""
FETCH_FIELDS = frozenset({"crawled_at", "warc_file", "warc_record_id", "warc_offset"})
"""Fields naming which fetch a record was parsed from: a record stored from a revisit (the same payload
fetched again, e.g. after a kill lost the first fetch's record) is re-derived from the first fetch, which
the reparse keeps while dropping the unchanged second one; these fields then differ by design."""


@dataclass
class Verification:
    checked: int = 0
    mismatches: dict[str, list[str]] = field(default_factory=dict)
    """`<id> rev <n>` -> names of the fields that differ."""
    unmatched: list[str] = field(default_factory=list)
    """Stored records whose WARC response re-derived no record (or that name no WARC record)."""

    @property
    def ok(self) -> bool:
        return not self.mismatches and not self.unmatched


def all_records(root: Path) -> Iterator[dict[str, Any]]:
    """Every record of every portal archive under an exports root."""
    for directory in sorted(path for path in root.iterdir() if path.is_dir() and not path.name.startswith(".")):
        yield from read_archive(directory)


def compare(
    stored: Iterable[dict[str, Any]], derived: Iterable[dict[str, Any]], originals: Mapping[str, str] | None = None
) -> Verification:
    """Stored records against the records re-derived from the same WARC responses.

    `originals` maps a revisit record's id to the response holding its payload
    (`crawler.warc.reader.revisit_originals`): a record stored from a revisit is compared with the
    record re-derived from that response, except for the fields naming the fetch (FETCH_FIELDS).
    """
    by_response = {record["warc_record_id"]: record for record in derived if record.get("warc_record_id")}
    originals = originals or {}
    result = Verification()
    for record in stored:
        key = f"{record['id']} rev {record.get('revision', 0)}"
        source = record.get("warc_record_id") or ""
        twin, skipped = by_response.get(source), HISTORY_FIELDS
        for _ in range(len(originals)):  # a revisit of a revisit is followed too, never in a loop
            if twin is not None or source not in originals:
                break
            source = originals[source]
            twin, skipped = by_response.get(source), HISTORY_FIELDS | FETCH_FIELDS
        result.checked += 1
        if twin is None:
            result.unmatched.append(key)
            continue
        differing = sorted(
            name for name in record.keys() | twin.keys() if name not in skipped and record.get(name) != twin.get(name)
        )
        if differing:
            result.mismatches[key] = differing
    return result


def report_lines(result: Verification) -> list[str]:
    lines = [f"{key}: {', '.join(names)} differ" for key, names in sorted(result.mismatches.items())]
    lines += [f"{key}: its WARC response re-derives no record" for key in result.unmatched]
    total = sum(len(names) for names in result.mismatches.values())
    lines.append(
        f"reparse --verify: {result.checked} records checked, {len(result.mismatches)} differ "
        f"({total} fields), {len(result.unmatched)} unmatched"
    )
    return lines
