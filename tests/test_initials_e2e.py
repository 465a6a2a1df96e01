"""Initials resolution end to end: an archive built by real crawls of the replica, then `scrapy resolve-initials`.

The data file is synthetic (`tests.replica.synth`, 140 articles over 2018-2025) with the
credits rewritten to a known cast: full-name bylines and initials of the same people
(one initials string per person), so every initials string has a ground truth:

| printed | truth | the archive shows | expected |
|---|---|---|---|
| AHM | Abdul Hakim Muhiddin | 5 full-name bylines, 3 as editor, same editor and years | resolved |
| MBA | Muhammad bin Abdullah | 4 bylines; the particle `bin` gives the B | resolved |
| DS | Dewi Sartika | 5 bylines in the same years with the same editor; Dimas Saputra 3, years later | resolved |
| AR | Andi Rahman | 3 bylines; Ahmad Rifandi (5) is printed beside `AR`, so is someone else | resolved |
| AW | Ahmad Wijaya | an editor only (3 credits) | resolved |
| RN | Rahmad Nasution | 4 bylines, and Rina Novita 4 in the same months with the same editor | ambiguous |
| XYZ | nobody in the archive | nothing | unknown |

Precision = resolved entries naming the true person / resolved entries; it is printed
(`-s` shows it) for the closing note and must be 1.0 here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.replica.data import write_file
from tests.replica.harness import ROOT, RunningReplica, run_crawl
from tests.replica.synth import generate

pytestmark = pytest.mark.e2e  # replica, `scrapy crawl`, `scrapy resolve-initials`, `scrapy verify`

PORTAL = "antara_kaltim"
TRUTH = {"AHM": "Abdul Hakim Muhiddin", "MBA": "Muhammad bin Abdullah", "DS": "Dewi Sartika", "AR": "Andi Rahman",
         "AW": "Ahmad Wijaya", "RN": "Rahmad Nasution", "XYZ": None}  # fmt: skip
FILLER_REPORTERS = ("Arumanto", "Novi Abdi", "Lukman Hakim", "Mentari Dwi Gayati", "Teguh Imam Wibowo")


def _days(year: int, *month_days: str) -> list[str]:
    return [f"{year}-{md}" for md in month_days]


# (reporters, editor, publication days): one article per day.
CAST: list[tuple[list[str], str, list[str]]] = [
    (["Abdul Hakim Muhiddin"], "Masnun", _days(2019, "03-04", "05-06", "08-12") + _days(2020, "01-15", "04-20")),
    (["AHM"], "Masnun", _days(2019, "04-01", "06-10", "09-03") + _days(2020, "02-11", "05-05")),
    (["Novi Abdi"], "Abdul Hakim Muhiddin", _days(2019, "07-07") + _days(2020, "03-03", "06-06")),
    (["AHM", "XYZ"], "Masnun", _days(2020, "06-15")),
    (["Muhammad bin Abdullah"], "Triono Subagyo", _days(2021, "01-10", "03-10", "05-10", "07-10")),
    (["MBA"], "Triono Subagyo", _days(2021, "02-10", "04-10", "06-10")),
    (["Rahmad Nasution"], "Masnun", _days(2022, "01-05", "03-05", "05-05", "07-05")),
    (["Rina Novita"], "Masnun", _days(2022, "02-05", "04-05", "06-05", "08-05")),
    (["RN"], "Masnun", _days(2022, "03-15", "05-15", "07-15")),
    (["Dewi Sartika"], "Triono Subagyo", _days(2018, "02-01", "04-01", "06-01", "08-01", "10-01")),
    (["DS"], "Triono Subagyo", _days(2018, "03-01", "05-01", "07-01", "09-01")),
    (["Dimas Saputra"], "Ahmad Wijaya", _days(2024, "11-20", "12-20") + _days(2025, "01-20")),
    (["AR", "Ahmad Rifandi"], "Masnun", _days(2023, "02-02", "04-02")),
    (["AR"], "Masnun", _days(2023, "06-02", "08-02")),
    (["Ahmad Rifandi"], "Masnun", _days(2023, "01-12", "03-12", "05-12", "07-12", "09-12")),
    (["Andi Rahman"], "Masnun", _days(2023, "02-22", "05-22", "08-22")),
    (["AW"], "Masnun", _days(2025, "02-14", "03-14")),
    (["XYZ"], "Masnun", _days(2021, "11-11") + _days(2024, "04-04")),
]  # fmt: skip


def _archive_data() -> dict[str, Any]:
    doc = generate(140, seed=11, start=date(2018, 1, 1), end=date(2025, 12, 31))
    planned = [(reporters, editor, day) for reporters, editor, days in CAST for day in days]
    for index, article in enumerate(doc["articles"]):
        if index < len(planned):
            reporters, editor, day = planned[index]
            article["published"] = f"{day}T{article['published'][11:]}"
            article.pop("updated", None)
        else:  # fillers: people whose names match none of the initials
            reporters = [FILLER_REPORTERS[index % len(FILLER_REPORTERS)]]
            editor = ("Masnun", "Triono Subagyo")[index % 2]
        article["credits"] = [{"label": "Pewarta", "names": reporters, "last_joiner": " dan "},
                              {"label": "Editor", "names": [editor]}]  # fmt: skip
        article["credit_style"] = "br"
        for image in article.get("images", []):  # caption credits would be photographer credits
            for key in ("credit_name", "credit_style", "credit_initials"):
                image.pop(key, None)
    return doc


def _resolve_command(exports: Path, *portals: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "scrapy", "resolve-initials", *portals, "-s", f"ARCHIVE_EXPORTS_DIR={exports}"]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60)


def _snapshot(directory: Path) -> dict[str, bytes]:
    return {p.relative_to(directory).as_posix(): p.read_bytes() for p in directory.rglob("*")
            if p.is_file() and p.name not in ("reporters_resolved.ndjson", "initials.json")}  # fmt: skip


def test_resolve_initials_on_a_crawled_archive(tmp_path: Path, replica_factory: Callable[..., RunningReplica]) -> None:
    data, exports = tmp_path / "data.json", tmp_path / "exports"
    doc = _archive_data()
    write_file(data, doc)
    replica = replica_factory(data)
    crawl = run_crawl(PORTAL, exports, base_url=replica.base_url, settings={"ARCHIVE_INITIALS_ENABLED": "True"})
    assert crawl.process.returncode == 0, crawl.process.stderr[-3000:]
    assert len({r["id"] for r in crawl.records}) == len(doc["articles"])
    directory = exports / PORTAL
    after_crawl = (directory / "reporters_resolved.ndjson").read_text()  # written by the end-of-crawl extension
    assert "'archive/initials/resolved': 5" in crawl.process.stderr

    before = _snapshot(directory)
    resolved = _resolve_command(exports, PORTAL)
    assert resolved.returncode == 0, resolved.stderr
    bylined = sum(len(days) for reporters, _, days in CAST if set(reporters) & set(TRUTH))
    assert resolved.stdout.strip() == (f"{PORTAL}: {bylined} of 140 articles bylined with initials; "
                                       "7 initials: 5 resolved, 1 ambiguous, 1 unknown")  # fmt: skip
    assert _snapshot(directory) == before, "the command never rewrites exports"
    assert (directory / "reporters_resolved.ndjson").read_text() == after_crawl  # recomputed, same archive

    summary = json.loads((directory / "initials.json").read_text())
    outcome = {row["printed"]: row["name"] or row["reason"] for row in summary["initials"]}
    assert outcome == {"AHM": "Abdul Hakim Muhiddin", "MBA": "Muhammad bin Abdullah", "DS": "Dewi Sartika",
                       "AR": "Andi Rahman", "AW": "Ahmad Wijaya", "RN": "ambiguous", "XYZ": "unknown"}  # fmt: skip
    rows = {row["printed"]: row for row in summary["initials"]}
    assert [c["name"] for c in rows["RN"]["candidates"]] == ["Rahmad Nasution", "Rina Novita"]
    assert [c["name"] for c in rows["AR"]["candidates"]] == ["Andi Rahman"]  # the co-author is excluded
    assert rows["DS"]["confidence"] == round(20 / 23, 3)  # 5 x 2 (editor) x 2 (period) against 3 x 1 x 1

    records = {r["id"]: r for r in crawl.records}
    lines = [json.loads(line) for line in after_crawl.splitlines()]
    assert [line["id"] for line in lines] == sorted(
        i for i, r in records.items() if any(n in TRUTH for n in r["reporters"])
    )
    correct = total = 0
    for line in lines:
        printed = [n for n in records[line["id"]]["reporters"] if n in TRUTH]
        assert [entry["printed"] for entry in line["reporters_resolved"]] == printed
        for entry in line["reporters_resolved"]:
            if entry["name"] is None:
                assert entry["reason"] in ("ambiguous", "unknown") and "confidence" not in entry
                continue
            total += 1
            correct += entry["name"] == TRUTH[entry["printed"]]
            assert 0.75 <= entry["confidence"] <= 1 and entry["evidence"]
            assert all(entry["name"] in _credited(records[e]) for e in entry["evidence"])
    precision = correct / total
    print(f"\nresolved-initials precision on the test archive: {correct}/{total} entries = {precision:.3f} "
          f"({summary['initials_resolved']} of {len(TRUTH)} initials resolved; RN ambiguous, XYZ unknown)")  # fmt: skip
    assert precision == 1.0

    verified = subprocess.run([sys.executable, "-m", "scrapy", "verify", "-s", f"ARCHIVE_EXPORTS_DIR={exports}"],
                              cwd=ROOT, capture_output=True, text=True, timeout=60)  # fmt: skip
    assert verified.returncode == 0, verified.stderr
    assert _resolve_command(exports, "antara_kalbar").returncode == 64


def _credited(record: dict[str, Any]) -> set[str]:
    return {n for role in ("reporters", "editors", "translators", "photographers") for n in record[role]}
