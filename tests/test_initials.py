"""Initials resolution: the name rules, the evidence scoring, and the sidecar files on real exports.

The end-to-end case (an archive built by real crawls of the replica, the command run as a
subprocess, precision measured) is in `tests/test_initials_e2e.py`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from crawler.initials.resolve import Credits, initials_of, is_initials, latest_credits, resolve
from crawler.initials.sidecars import SIDECAR_NAME, SUMMARY_NAME, resolve_portal
from crawler.store.layout import Manifest, read_archive
from crawler.store.verify import verify
from tests.storage_support import PORTAL, Chain, article


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("AHM", True), ("RN", True), ("ABCDE", True), ("A", False), ("ABCDEF", False), ("Ahm", False),
        ("A.H.M", False), ("AH M", False), ("Arumanto", False), ("", False),
    ],
)  # fmt: skip
def test_what_counts_as_initials(name: str, expected: bool) -> None:
    assert is_initials(name) is expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Abdul Hakim Muhiddin", {"AHM"}),
        ("Teguh Imam Wibowo", {"TIW"}),
        ("Muhammad bin Abdullah", {"MA", "MBA"}),  # a particle may or may not give its letter
        ("Siti binti Ahmad Fauzi", {"SAF", "SBAF"}),
        ("La Ode Muhammad Syarif", {"OMS", "LOMS"}),
        ("Nur-Aini Putri", {"NP", "NAP"}),  # a hyphenated word: one letter, or one per part
        ("Muh. Rifai", {"MR"}),
        ("  Rahmad   Nasution ", {"RN"}),
        ("ABDUL HAKIM", {"AH"}),
        ("Arumanto", set()),  # one word: no initials
        ("AHM", set()),  # initials are no full name
        ("Putu Indah Savitri Dewi Ayu Lestari", set()),  # more than five letters
    ],
)
def test_initials_of_a_full_name(name: str, expected: set[str]) -> None:
    assert initials_of(name) == expected


def _credits(number: int, day: str | None, reporters: list[str], editors: list[str], **roles: list[str]) -> Credits:
    record: dict[str, Any] = {"id": f"p:{number}", "published_at": f"{day}T10:00:00+08:00" if day else None,
                              "reporters": reporters, "editors": editors, **roles}  # fmt: skip
    return Credits.of(record)


def _resolve(articles: list[Credits]) -> dict[str, Any]:
    return {k: v.entry() for k, v in resolve(articles, min_confidence=0.75, period_days=365).items()}


def test_one_matching_full_name_resolves_with_its_records_as_evidence() -> None:
    articles = [
        _credits(1, "2019-09-03", ["AHM"], ["Masnun"]),
        _credits(2, "2019-09-04", ["Abdul Hakim Muhiddin"], ["Masnun"]),
        _credits(3, "2019-10-01", ["Abdul  Hakim Muhiddin"], ["Triono Subagyo"]),
        _credits(4, "2019-10-02", ["Arumanto"], ["Masnun"]),
    ]
    assert _resolve(articles) == {
        "AHM": {"printed": "AHM", "name": "Abdul Hakim Muhiddin", "confidence": 1.0, "evidence": ["p:2", "p:3"]}
    }


def test_evidence_of_the_same_editor_and_period_decides_between_candidates() -> None:
    articles = [
        *(_credits(n, f"2018-0{n}-10", ["DS"], ["Triono Subagyo"]) for n in range(1, 4)),
        *(_credits(10 + n, f"2018-0{n}-12", ["Dewi Sartika"], ["Triono Subagyo"]) for n in range(1, 3)),
        *(_credits(20 + n, f"2025-0{n}-12", ["Dimas Saputra"], ["Ahmad Wijaya"]) for n in range(1, 4)),
    ]
    # Dewi Sartika: 2 credits x 2 (shared editor) x 2 (period) = 8; Dimas Saputra: 3 x 1 x 1 = 3;
    # a third credit of Dewi Sartika makes it 12 / 15 = 0.8.
    assert _resolve(articles)["DS"]["reason"] == "ambiguous"  # 8 / 11 = 0.727 < 0.75: not clear enough
    articles.append(_credits(13, "2018-03-20", ["Dewi Sartika"], ["Triono Subagyo"]))
    resolved = resolve(articles, min_confidence=0.75, period_days=365)["DS"]
    assert (resolved.name, resolved.confidence) == ("Dewi Sartika", 0.8)
    assert resolved.evidence == ["p:13", "p:12", "p:11"]  # strongest, then newest first
    assert [(c.name, c.score, c.records) for c in resolved.candidates] == [
        ("Dewi Sartika", 12.0, 3), ("Dimas Saputra", 3.0, 3),
    ]  # fmt: skip


def test_two_candidates_without_a_clear_winner_are_ambiguous() -> None:
    articles = [
        _credits(1, "2022-01-05", ["RN"], ["Masnun"]),
        _credits(2, "2022-01-06", ["Rahmad Nasution"], ["Masnun"]),
        _credits(3, "2022-01-07", ["Rina Novita"], ["Masnun"]),
    ]
    assert _resolve(articles)["RN"] == {"printed": "RN", "name": None, "reason": "ambiguous",
                                        "candidates": ["Rahmad Nasution", "Rina Novita"]}  # fmt: skip


def test_no_matching_name_is_unknown_and_a_co_author_is_never_the_candidate() -> None:
    articles = [
        _credits(1, "2023-02-01", ["AR", "Ahmad Rifandi"], ["Masnun"]),
        _credits(2, "2023-02-02", ["Ahmad Rifandi"], ["Masnun"]),
        _credits(3, "2023-02-03", ["XYZ"], ["Masnun"]),
    ]
    assert _resolve(articles) == {
        "AR": {"printed": "AR", "name": None, "reason": "unknown"},
        "XYZ": {"printed": "XYZ", "name": None, "reason": "unknown"},
    }


def test_a_name_seen_only_on_the_initials_own_records_is_no_evidence() -> None:
    """`Pewarta: AHM / Editor: Abdul Hakim Muhiddin` alone does not prove that the editor wrote it."""
    articles = [_credits(1, "2019-09-03", ["AHM"], ["Abdul Hakim Muhiddin"])]
    assert _resolve(articles)["AHM"]["reason"] == "unknown"


def test_editor_and_photographer_credits_count_half() -> None:
    articles = [
        _credits(1, "2024-01-05", ["AW"], ["Masnun"]),
        _credits(2, "2024-01-06", ["Novi Abdi"], ["Ahmad Wijaya"]),
        _credits(3, "2024-01-07", ["Novi Abdi"], ["Masnun"], photographers=["Agus Wibowo"]),
        _credits(4, "2024-01-08", ["Agus Wibowo"], ["Masnun"]),
    ]
    # Ahmad Wijaya: editor 0.5 x 1 x 2 = 1; Agus Wibowo: photographer 0.5 x 2 x 2 + reporter 1 x 2 x 2 = 6.
    resolved = resolve(articles, min_confidence=0.75, period_days=365)["AW"]
    assert (resolved.name, resolved.confidence) == ("Agus Wibowo", round(6 / 7, 3))


def test_the_latest_revision_of_each_article_counts() -> None:
    records = [
        {"id": "p:1", "revision": 0, "reporters": ["AHM"], "editors": []},
        {"id": "p:1", "revision": 1, "reporters": ["Abdul Hakim Muhiddin"], "editors": []},
        {"id": "p:2", "revision": 0, "reporters": ["Lukman Hakim"], "editors": []},
    ]
    assert [(c.id, c.roles["reporters"]) for c in latest_credits(records)] == [
        ("p:1", ("Abdul Hakim Muhiddin",)), ("p:2", ("Lukman Hakim",)),
    ]  # fmt: skip


# --- sidecar files beside real exports -----------------------------------------------------------------------------


def _export(exports: Path, rows: list[tuple[int, str, list[str], list[str]]]) -> None:
    chain = Chain.open(exports)
    for number, day, reporters, editors in rows:
        stored = chain.feed(article(number, published_at=f"{day}T10:00:00+08:00", reporters=reporters, editors=editors))
        assert not isinstance(stored, str), stored
    chain.close()


def test_sidecars_are_written_beside_the_exports_and_never_taken_for_them(tmp_path: Path) -> None:
    rows = [
        (1, "2019-09-03", ["AHM", "Novi Abdi"], ["Masnun"]),
        (2, "2019-10-04", ["Abdul Hakim Muhiddin"], ["Masnun"]),
        (3, "2019-10-05", ["XYZ"], ["Masnun"]),
        (4, "2019-10-06", ["Novi Abdi"], ["Masnun"]),
    ]
    _export(tmp_path, rows)
    before = {p: p.read_bytes() for p in (tmp_path / PORTAL).rglob("*") if p.is_file()}
    summary = resolve_portal(tmp_path, PORTAL, min_confidence=0.75, period_days=365)
    directory = tmp_path / PORTAL
    lines = [json.loads(line) for line in (directory / SIDECAR_NAME).read_text().splitlines()]
    assert lines == [
        {"id": f"{PORTAL}:1", "reporters_resolved": [
            {"printed": "AHM", "name": "Abdul Hakim Muhiddin", "confidence": 1.0, "evidence": [f"{PORTAL}:2"]}]},
        {"id": f"{PORTAL}:3", "reporters_resolved": [{"printed": "XYZ", "name": None, "reason": "unknown"}]},
    ]  # fmt: skip
    assert json.loads((directory / SUMMARY_NAME).read_text()) == summary
    assert (summary["records"], summary["records_with_initials"]) == (4, 2)
    assert (summary["initials_resolved"], summary["initials_ambiguous"], summary["initials_unknown"]) == (1, 0, 1)
    assert all(p.read_bytes() == data for p, data in before.items()), "exports are never rewritten"
    assert not list(directory.glob(".*.tmp"))
    # A later run's writer recovers the directory and `verify` checks it: the sidecar is no partition.
    _export(tmp_path, [(5, "2019-10-07", ["AHM"], ["Masnun"])])
    assert SIDECAR_NAME not in Manifest.load(directory).partitions  # type: ignore[union-attr]
    assert len(list(read_archive(directory))) == 5
    assert not verify(tmp_path, [PORTAL]).problems
    again = resolve_portal(tmp_path, PORTAL, min_confidence=0.75, period_days=365)
    assert again["records_with_initials"] == 3  # replaced, not appended
    assert len((directory / SIDECAR_NAME).read_text().splitlines()) == 3
