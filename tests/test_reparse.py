"""`scrapy reparse`: the WARC files of real crawls, re-parsed offline, rebuild the same exports.

Two crawls of the replica share one export root: the second (`refresh=1`) runs after an
article was edited, so the exports hold a revision. Then the exports are set aside,
`scrapy reparse <warc dir> -o <empty dir>` runs with the replica still up (its access log
must not grow) and the new records are compared with the crawl's, field by field.
"""

from __future__ import annotations

import dataclasses
import gzip
import json
import os
import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from scrapy.http import HtmlResponse

from crawler.exitcodes import EXIT_CONFIG
from crawler.items import ArticleItem
from crawler.portals.base import NotAnArticle
from crawler.portals.registry import load_registry
from crawler.warc.reader import load, scan
from tests.replica.data import write_file
from tests.replica.harness import KALTIM_DATA, ROOT, RunningReplica, run_crawl, trap_proxy_env
from tests.warc_reading import fetch, make_archiver

PORTAL = "antara_kaltim"
REPARSE_DIFFERS: set[str] = set()  # crawled_at too is the archived fetch time (WARC-Date)
FIELDS = [f.name for f in dataclasses.fields(ArticleItem)]


def _records(exports: Path) -> list[dict[str, Any]]:
    files = sorted((exports / PORTAL).rglob("*.jsonl"))
    return [json.loads(line) for path in files for line in path.read_text(encoding="utf-8").splitlines() if line]


def reparse(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "scrapy", "reparse", *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)


@dataclasses.dataclass
class Archive:
    exports: Path
    crawled: list[dict[str, Any]]
    reparsed_into: Path
    reparsed: list[dict[str, Any]]
    process: subprocess.CompletedProcess[str]
    requests_during_reparse: list[dict[str, Any]]


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory, module_replica_factory: Callable[..., RunningReplica]) -> Archive:
    root = tmp_path_factory.mktemp("reparse")
    doc = json.loads(KALTIM_DATA.read_text(encoding="utf-8"))
    data = root / "data.json"
    write_file(data, doc)
    replica = module_replica_factory(data)
    exports = root / "exports"
    first = run_crawl(PORTAL, exports, base_url=replica.base_url)
    assert first.process.returncode == 0, first.process.stderr[-3000:]
    doc["articles"][2]["paragraphs"][0] += " Kalimat ini ditambahkan redaksi sebagai koreksi."
    write_file(data, doc)
    second = run_crawl(PORTAL, exports, base_url=replica.base_url, arguments={"refresh": "1"})
    assert second.process.returncode == 0, second.process.stderr[-3000:]
    into = root / "reparsed"
    mark = replica.mark()
    process = reparse(str(exports / "warc"), "-o", str(into), env={**os.environ, **trap_proxy_env(replica)})
    return Archive(exports, _records(exports), into, _records(into), process, replica.requests(mark))


def _key(record: dict[str, Any]) -> tuple[str, int]:
    return record["id"], record["revision"]


@pytest.mark.e2e  # replica, `scrapy crawl`, `scrapy reparse`/`verify`
def test_reparse_succeeds_offline(archive: Archive) -> None:
    assert archive.process.returncode == 0, archive.process.stderr[-3000:]
    assert archive.requests_during_reparse == [], "reparse made requests"
    assert "'archive/reparse/failed'" not in archive.process.stderr


@pytest.mark.e2e  # replica, `scrapy crawl`, `scrapy reparse`/`verify`
def test_the_crawls_exported_a_revision(archive: Archive) -> None:
    assert sorted(r["revision"] for r in archive.crawled).count(1) == 1


@pytest.mark.e2e  # replica, `scrapy crawl`, `scrapy reparse`/`verify`
def test_reparse_exports_the_same_records(archive: Archive) -> None:
    assert sorted(map(_key, archive.reparsed)) == sorted(map(_key, archive.crawled))
    assert len(archive.reparsed) == len({_key(r) for r in archive.reparsed}), "duplicates"


@pytest.mark.e2e  # replica, `scrapy crawl`, `scrapy reparse`/`verify`
@pytest.mark.parametrize("field", FIELDS)
def test_reparsed_field_matches_the_crawl(archive: Archive, field: str) -> None:
    if field in REPARSE_DIFFERS:
        assert all(r[field] for r in archive.reparsed)
        return
    crawled = {_key(r): r[field] for r in archive.crawled}
    differing = {
        f"{k[0]}#{k[1]}": (crawled.get(k), r[field]) for r in archive.reparsed if crawled.get(k := _key(r)) != r[field]
    }
    assert differing == {}


@pytest.mark.e2e  # replica, `scrapy crawl`, `scrapy reparse`/`verify`
def test_reparse_latest_into_the_live_exports_adds_nothing(archive: Archive, tmp_path: Path) -> None:
    live = tmp_path / "live"
    shutil.copytree(archive.exports, live)
    before = {p: p.read_bytes() for p in (live / PORTAL).rglob("*.jsonl")}
    process = reparse(str(live / "warc"), "-o", str(live), "--latest")
    assert process.returncode == 0, process.stderr[-3000:]
    assert {p: p.read_bytes() for p in (live / PORTAL).rglob("*.jsonl")} == before
    assert "'archive/dedup/dropped/unchanged'" in process.stderr


@pytest.mark.e2e  # replica, `scrapy crawl`, `scrapy reparse`/`verify`
def test_a_compressed_payload_is_decoded_as_in_a_crawl(
    tmp_path: Path, replica_factory: Callable[..., RunningReplica]
) -> None:
    replica = replica_factory(KALTIM_DATA)
    path = "/berita/63012/gubernur-kaltim-terima-audiensi-bpjs-ketenagakerjaan"
    page = urllib.request.urlopen(replica.base_url + path).read()
    archiver, spider = make_archiver(tmp_path)
    headers = {"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "gzip"}
    meta = fetch(archiver, spider, path, gzip.compress(page), **headers)
    archiver.finish_now()
    process = reparse(str(tmp_path / "warc"), "-o", str(tmp_path / "out"))
    assert process.returncode == 0, process.stderr[-3000:]
    [record] = _records(tmp_path / "out")
    portal = load_registry()[PORTAL]
    plain = portal.article_page(HtmlResponse(spider.portal.base_url + path, body=page), portal).to_item()
    assert not isinstance(plain, NotAnArticle)
    provenance = {  # what the spider adds to the page object's output
        "warc_file": meta["file"], "warc_record_id": meta["record_id"], "warc_offset": meta["offset"],
        "payload_digest": meta["payload_digest"], "portal_definition_version": portal.definition_version,
        "crawled_at": datetime.fromisoformat(meta["date"]).astimezone(UTC).isoformat(timespec="seconds"),
    }  # fmt: skip
    expected = dataclasses.asdict(plain) | {k: v for k, v in provenance.items() if k in FIELDS}
    pipeline_fields = REPARSE_DIFFERS | {"revision", "previous_hash", "revision_diff", "near_duplicate_of"}
    assert {k: v for k, v in record.items() if k not in pipeline_fields} == {
        k: v for k, v in expected.items() if k not in pipeline_fields
    }


def test_a_revisit_finds_its_original_in_a_sibling_file(tmp_path: Path) -> None:
    """Re-parsing only a later file: the payload of its revisits comes from the earlier file, via its CDXJ."""
    archiver, spider = make_archiver(tmp_path)
    first = fetch(archiver, spider, "/berita/1/x", b"<p>same</p>")
    archiver.finish_now()
    archiver, spider = make_archiver(tmp_path)
    again = fetch(archiver, spider, "/berita/1/x", b"<p>same</p>")
    archiver.finish_now()
    [record] = scan([tmp_path / "warc" / again["file"]])
    assert (record.type, record.payload_at) == ("revisit", (tmp_path / "warc" / first["file"], first["offset"]))
    stored = load(record)
    assert stored is not None and stored.body == b"<p>same</p>" and stored.status == 200


@pytest.mark.e2e  # `scrapy reparse`
def test_no_warc_input_is_a_usage_error(tmp_path: Path) -> None:
    missing = reparse(str(tmp_path / "nothing-here"))
    assert missing.returncode == EXIT_CONFIG and "no such file" in missing.stderr
    (tmp_path / "empty").mkdir()
    empty = reparse(str(tmp_path / "empty"), "-o", str(tmp_path / "out"))
    assert empty.returncode == EXIT_CONFIG and "no *.warc.gz" in empty.stderr


@pytest.mark.e2e  # replica, `scrapy crawl`, `scrapy reparse`/`verify`
def test_verify_finds_no_difference_on_an_unchanged_parser(archive: Archive) -> None:
    before = {p: p.read_bytes() for p in archive.exports.rglob("*") if p.is_file()}
    process = reparse(str(archive.exports / "warc"), "-o", str(archive.exports), "--verify")
    assert process.returncode == 0, process.stderr[-3000:]
    summary = process.stdout.strip().splitlines()[-1]
    assert summary == f"reparse --verify: {len(archive.crawled)} records checked, 0 differ (0 fields), 0 unmatched"
    assert {p: p.read_bytes() for p in archive.exports.rglob("*") if p.is_file() and p.suffix == ".jsonl"} == {
        p: data for p, data in before.items() if p.suffix == ".jsonl"
    }, "verify wrote to the exports"


@pytest.mark.e2e  # replica, `scrapy crawl`, `scrapy reparse`/`verify`
def test_verify_names_the_record_and_field_that_differ(archive: Archive, tmp_path: Path) -> None:
    live = tmp_path / "live"
    shutil.copytree(archive.exports, live)
    target = archive.crawled[5]
    path = next(p for p in (live / PORTAL).rglob("*.jsonl") if target["id"] in p.read_text(encoding="utf-8"))
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if json.loads(line)["id"] == target["id"])
    record = json.loads(lines[index])
    # Same length, so the manifest's byte count still covers the line: a silent edit of the text.
    record["title"] = record["title"][:-1] + ("x" if record["title"][-1] != "x" else "y")
    lines[index] = json.dumps(record, ensure_ascii=False) + "\n"
    path.write_text("".join(lines), encoding="utf-8")
    process = reparse(str(live / "warc"), "-o", str(live), "--verify")
    assert process.returncode == 1, process.stderr[-3000:]
    assert f"{target['id']} rev {target['revision']}: title differ" in process.stdout
    assert "1 differ (1 fields), 0 unmatched" in process.stdout


def test_verify_follows_a_record_stored_from_a_revisit() -> None:
    """After a kill lost the first fetch's record, the next run stored the article from a revisit record;
    the reparse keeps the first fetch (the second is an unchanged copy): no false mismatch."""
    from crawler.store.provenance import compare

    first = {"id": "p:1", "revision": 0, "title": "T", "body": "B", "crawled_at": "2024-01-01T00:00:00+00:00",
             "warc_record_id": "<urn:uuid:a>", "warc_offset": 10, "warc_file": "w1.warc.gz"}  # fmt: skip
    stored = {**first, "crawled_at": "2024-01-02T00:00:00+00:00", "warc_record_id": "<urn:uuid:b>", "warc_offset": 99}
    assert compare([stored], [first], {"<urn:uuid:b>": "<urn:uuid:a>"}).ok
    assert compare([stored], [first]).unmatched == ["p:1 rev 0"]  # before: reported
    changed = {**stored, "title": "Other"}
    assert compare([changed], [first], {"<urn:uuid:b>": "<urn:uuid:a>"}).mismatches == {"p:1 rev 0": ["title"]}
    assert compare([stored], [first], {"<urn:uuid:b>": "<urn:uuid:c>", "<urn:uuid:c>": "<urn:uuid:b>"}).unmatched
