"""The WARC writer: records as received, revisits, rotation, repair; then a real crawl read back independently.

The unit tests drive the extension with hand-made Scrapy responses (a real spider object,
real files in tmp_path). The end-to-end tests crawl the replica with `scrapy crawl` and
read the WARC files with warcio's ArchiveIterator, the `warcio check` / `warcio index`
command-line tools, and replay one article through pywb (installed in its own virtualenv:
pywb 2.10 pins redis==2.10.6, which cannot sit beside our redis==8.1.0).
"""

from __future__ import annotations

import gzip
import os
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from crawler.warc.cdxj import read_cdxj
from crawler.warc.files import cdxj_path, complete_length, cut_torn_tail
from crawler.warc.records import payload_digest
from tests.replica.harness import ROOT, CrawlResult, RunningReplica, run_crawl, trap_proxy_env
from tests.warc_reading import (
    ARTICLE,
    MIRROR,
    PORTAL,
    REAL,
    Rec,
    all_records,
    fetch,
    make_archiver,
    read_records,
    warc_files,
    warcio_cli,
    warcio_index,
)

# --- unit: the extension with hand-made responses ------------------------------------------------------------


def test_response_record_holds_the_payload_as_received(tmp_path: Path) -> None:
    archiver, spider = make_archiver(tmp_path)
    page = b"<html><body><p>Samarinda (ANTARA) - Halo.</p></body></html>"
    raw = gzip.compress(page)
    headers = {"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "gzip", "Transfer-Encoding": "chunked"}
    meta = fetch(archiver, spider, ARTICLE + "?utm_source=rss", raw, **headers)
    archiver.finish_now()
    [warcinfo, response, request] = read_records(tmp_path / "warc" / meta["file"])
    assert (warcinfo.type, response.type, request.type) == ("warcinfo", "response", "request")
    assert response.headers["WARC-Target-URI"] == REAL + ARTICLE + "?utm_source=rss"
    assert response.headers["WARC-X-Fetched-URI"] == MIRROR + ARTICLE + "?utm_source=rss"
    assert response.payload == raw, "stored compressed, exactly as received"
    assert response.headers["WARC-Payload-Digest"] == payload_digest(raw) == meta["payload_digest"]
    assert response.http_status == 200
    assert ("Content-Encoding", "gzip") in response.http_headers
    assert ("X-Archive-Orig-Transfer-Encoding", "chunked") in response.http_headers
    assert not any(name.lower() == "transfer-encoding" for name, _ in response.http_headers)
    assert request.headers["WARC-Concurrent-To"] == response.id == meta["record_id"]
    assert ("Host", "127.0.0.1:8123") in request.http_headers
    assert meta["offset"] == response.offset and meta["type"] == "response"
    assert meta["file"].startswith(f"{PORTAL}-") and meta["file"].endswith("-00001.warc.gz")


def test_identical_payload_of_the_same_url_is_a_revisit(tmp_path: Path) -> None:
    archiver, spider = make_archiver(tmp_path)
    first = fetch(archiver, spider, ARTICLE, b"<p>v1</p>")
    again = fetch(archiver, spider, ARTICLE, b"<p>v1</p>")
    other_url = fetch(archiver, spider, "/berita/1/lain", b"<p>v1</p>")
    changed = fetch(archiver, spider, ARTICLE, b"<p>v2</p>")
    archiver.finish_now()
    assert [m["type"] for m in (first, again, other_url, changed)] == ["response", "revisit", "response", "response"]
    records = {r.id: r for r in read_records(tmp_path / "warc" / first["file"])}
    revisit = records[again["record_id"]]
    assert revisit.type == "revisit" and revisit.payload == b""
    assert revisit.headers["WARC-Profile"] == "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
    assert revisit.headers["WARC-Refers-To"] == first["record_id"]
    assert revisit.headers["WARC-Refers-To-Target-URI"] == REAL + ARTICLE
    assert revisit.headers["WARC-Refers-To-Date"] == records[first["record_id"]].headers["WARC-Date"]


def test_a_later_run_writes_a_new_file_and_revisits_across_runs(tmp_path: Path) -> None:
    archiver, spider = make_archiver(tmp_path)
    first = fetch(archiver, spider, ARTICLE, b"<p>same</p>")
    archiver.finish_now()
    before = (tmp_path / "warc" / first["file"]).read_bytes()
    archiver, spider = make_archiver(tmp_path)
    second = fetch(archiver, spider, ARTICLE, b"<p>same</p>")
    archiver.finish_now()
    assert second["file"] != first["file"] and second["file"].endswith("-00002.warc.gz")
    assert (tmp_path / "warc" / first["file"]).read_bytes() == before, "an earlier run's file is never touched"
    assert second["type"] == "revisit"
    [revisit] = [r for r in read_records(tmp_path / "warc" / second["file"]) if r.type == "revisit"]
    assert revisit.headers["WARC-Refers-To"] == first["record_id"]


def test_revisits_can_be_turned_off(tmp_path: Path) -> None:
    archiver, spider = make_archiver(tmp_path, ARCHIVE_WARC_REVISITS_ENABLED=False)
    metas = [fetch(archiver, spider, ARTICLE, b"<p>same</p>") for _ in range(2)]
    assert [m["type"] for m in metas] == ["response", "response"]


def test_files_rotate_at_max_bytes_and_each_gets_a_cdxj(tmp_path: Path) -> None:
    archiver, spider = make_archiver(tmp_path, ARCHIVE_WARC_MAX_BYTES=3000)
    metas = [fetch(archiver, spider, f"/berita/{n}/x", os.urandom(1500)) for n in range(6)]
    archiver.finish_now()
    files = warc_files(tmp_path / "warc")
    assert len(files) >= 3 and [f.name[-13:-8] for f in files] == [f"{n:05d}" for n in range(1, len(files) + 1)]
    for path in files:
        assert path.stat().st_size < 3000 + 2500, "rotated once past the limit"
        indexed = [(fields["url"], int(fields["offset"])) for _, _, fields in read_cdxj(cdxj_path(path))]
        stored = [(r.uri, r.offset) for r in read_records(path) if r.type == "response"]
        assert sorted(indexed) == sorted(stored)
    assert {m["file"] for m in metas} == {f.name for f in files}


@pytest.mark.e2e  # warcio CLI
@pytest.mark.parametrize(("member", "cut"), [(-1, 1), (-1, 17), (-1, 0.5), (-1, -3), (-2, 10), (-2, 0.7)])
def test_a_torn_last_record_is_cut_into_quarantine(tmp_path: Path, member: int, cut: float) -> None:
    """Cut the file inside its last (request) or last-but-one (response) record, as a crash mid-write would."""
    archiver, spider = make_archiver(tmp_path)
    metas = [fetch(archiver, spider, f"/berita/{n}/x", f"<p>{n}</p>".encode() * 50) for n in range(3)]
    path = tmp_path / "warc" / metas[0]["file"]
    archiver._current.close()  # type: ignore[union-attr]  # the process "dies": no index written
    offsets = [r.offset for r in read_records(path)] + [path.stat().st_size]
    start, end = offsets[member - 1], offsets[member]
    keep = start + (int(cut * (end - start)) if isinstance(cut, float) else cut if cut > 0 else end - start + cut)
    tail = path.read_bytes()[start:keep]
    with path.open("r+b") as handle:
        handle.truncate(keep)
    moved, quarantine = cut_torn_tail(path, tmp_path / "quarantine")
    assert moved == keep - start and quarantine is not None and quarantine.read_bytes() == tail
    assert path.stat().st_size == complete_length(path) == start
    assert warcio_cli("check", str(path)).returncode == 0
    kept = [r.id for r in read_records(path) if r.type == "response"]
    assert kept == [m["record_id"] for m in metas[: 3 if member == -1 else 2]]


@pytest.mark.e2e  # warcio CLI
def test_on_start_unfinished_files_are_repaired_and_indexed(tmp_path: Path) -> None:
    archiver, spider = make_archiver(tmp_path)
    meta = fetch(archiver, spider, ARTICLE, b"<p>x</p>" * 100)
    path = tmp_path / "warc" / meta["file"]
    archiver._current.close()  # type: ignore[union-attr]
    with path.open("ab") as handle:
        handle.write(gzip.compress(b"WARC/1.1\r\nContent-Length: 100\r\n\r\n")[:20])
    make_archiver(tmp_path)  # spider_opened repairs
    assert cdxj_path(path).exists()
    assert [p.name for p in (tmp_path / "warc" / "quarantine").iterdir()] == [f"{path.name}.{path.stat().st_size}.torn"]
    assert warcio_cli("check", str(path)).returncode == 0


def test_a_file_being_written_by_a_live_process_is_left_alone(tmp_path: Path) -> None:
    writer, spider = make_archiver(tmp_path)
    meta = fetch(writer, spider, ARTICLE, b"<p>x</p>")
    make_archiver(tmp_path)  # another "process" starting: the file is locked, so not repaired
    assert not cdxj_path(tmp_path / "warc" / meta["file"]).exists()
    writer.finish_now()
    assert cdxj_path(tmp_path / "warc" / meta["file"]).exists()


# --- end to end: a crawl of the replica, read back by independent readers ------------------------------------


@pytest.fixture(scope="module")
def crawled(
    kaltim_replica: RunningReplica, tmp_path_factory: pytest.TempPathFactory
) -> tuple[CrawlResult, list[dict[str, Any]]]:
    exports = tmp_path_factory.mktemp("exports")
    mark = kaltim_replica.mark()
    result = run_crawl(PORTAL, exports, base_url=kaltim_replica.base_url, env=trap_proxy_env(kaltim_replica))
    assert result.process.returncode == 0, result.process.stderr[-3000:]
    return result, kaltim_replica.requests(mark)


def _warc_dir(result: CrawlResult) -> Path:
    return result.exports_dir / "warc"


@pytest.mark.e2e  # replica, `scrapy crawl`, warcio CLI
def test_a_response_record_for_every_request_with_the_exact_bytes(
    crawled: tuple[CrawlResult, list[dict[str, Any]]], kaltim_replica: RunningReplica
) -> None:
    result, requests = crawled
    responses = {urlsplit(r.headers["WARC-X-Fetched-URI"])._replace(scheme="", netloc="").geturl(): r
                 for r in all_records(_warc_dir(result)) if r.type == "response"}  # fmt: skip
    assert sorted(responses) == sorted(r["target"] for r in requests)
    for logged in requests:
        record = responses[logged["target"]]
        served = urllib.request.urlopen(kaltim_replica.base_url + logged["target"]).read()
        assert (record.http_status, len(record.payload)) == (logged["status"], logged["bytes"])
        assert record.payload == served, logged["target"]
        assert record.uri == REAL + logged["target"], "target URI on the portal's real host"


@pytest.mark.e2e  # replica, `scrapy crawl`, warcio CLI
def test_warcio_check_and_index_read_every_file(crawled: tuple[CrawlResult, list[dict[str, Any]]]) -> None:
    result, requests = crawled
    files = warc_files(_warc_dir(result))
    assert files and all(cdxj_path(f).exists() for f in files)
    checked = warcio_cli("check", "-v", *map(str, files))
    assert checked.returncode == 0, checked.stdout[-2000:]
    index = [entry for path in files for entry in warcio_index(path)]
    assert sum(e["warc-type"] == "response" for e in index) == len(requests)
    assert sum(e["warc-type"] == "request" for e in index) == len(requests)
    cdxj = [fields for path in files for _, _, fields in read_cdxj(cdxj_path(path))]
    assert sorted(int(f["offset"]) for f in cdxj) == sorted(
        int(e["offset"]) for e in index if e["warc-type"] == "response"
    )


@pytest.mark.e2e  # replica, `scrapy crawl`, warcio CLI
def test_fsyncs_are_grouped_and_hold_every_response(crawled: tuple[CrawlResult, list[dict[str, Any]]]) -> None:
    """Every response waited for an fsync covering its record (else the crawl would hang), never more than one each."""
    result, requests = crawled
    fsyncs = re.search(r"'archive/warc/fsyncs': (\d+)", result.process.stderr)
    assert fsyncs is not None and 0 < int(fsyncs.group(1)) <= len(requests)


@pytest.mark.e2e  # replica, `scrapy crawl`, warcio CLI
def test_every_exported_record_points_at_its_response(crawled: tuple[CrawlResult, list[dict[str, Any]]]) -> None:
    result, _ = crawled
    by_id = {r.id: r for r in all_records(_warc_dir(result))}
    assert result.records
    for record in result.records:
        response = by_id[record["warc_record_id"]]
        assert response.file.name == record["warc_file"] and response.type == "response"
        assert response.headers["WARC-X-Fetched-URI"] == record["fetched_url"]
        assert response.uri == record["url"]


@pytest.mark.e2e  # replica, `scrapy crawl`, warcio CLI
def test_a_second_crawl_stores_unchanged_pages_as_revisits(
    crawled: tuple[CrawlResult, list[dict[str, Any]]], kaltim_replica: RunningReplica
) -> None:
    result, requests = crawled
    before = {path.name: path.read_bytes() for path in warc_files(_warc_dir(result))}
    again = run_crawl(PORTAL, result.exports_dir, base_url=kaltim_replica.base_url, arguments={"refresh": "1"})
    assert again.process.returncode == 0, again.process.stderr[-3000:]
    new_files = [p for p in warc_files(_warc_dir(result)) if p.name not in before]
    assert len(new_files) == 1, "a new sequence number, earlier files untouched"
    assert all(p.read_bytes() == before[p.name] for p in warc_files(_warc_dir(result)) if p.name in before)
    records = read_records(new_files[0])
    kinds = [r.type for r in records if r.type in ("response", "revisit")]
    assert kinds.count("revisit") >= len(result.records), "every unchanged article page is a revisit"
    assert warcio_cli("check", str(new_files[0])).returncode == 0


# --- replay through pywb, in its own virtualenv ---------------------------------------------------------------

PYWB_VENV = ROOT / ".venv" / "pywb"
PYWB_REQUIREMENTS = ROOT / "requirements-replay.txt"


def _pywb_bin(name: str) -> Path:
    """A pywb tool; its virtualenv is made on first use (.ci/run makes it before the tests)."""
    if not (PYWB_VENV / "bin" / "wayback").exists():
        subprocess.run([sys.executable, "-m", "venv", str(PYWB_VENV)], check=True, timeout=120)
        pip = [str(PYWB_VENV / "bin" / "pip"), "install", "-q", "-r", str(PYWB_REQUIREMENTS)]
        subprocess.run(pip, check=True, timeout=600)
    return PYWB_VENV / "bin" / name


@pytest.fixture(scope="module")
def pywb(
    crawled: tuple[CrawlResult, list[dict[str, Any]]], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path]]:
    """pywb serving the crawl's WARC files (indexed by pywb itself) on a free port."""
    result, _ = crawled
    root = tmp_path_factory.mktemp("pywb")
    subprocess.run(
        [str(_pywb_bin("wb-manager")), "init", "archive"], cwd=root, check=True, capture_output=True, timeout=120
    )
    files = [str(p) for p in warc_files(_warc_dir(result))]
    subprocess.run(
        [str(_pywb_bin("wb-manager")), "add", "archive", *files], cwd=root, check=True, capture_output=True, timeout=120
    )
    port = _free_port()
    log = (root / "wayback.log").open("w")
    server = subprocess.Popen(
        [str(_pywb_bin("wayback")), "-p", str(port), "-b", "127.0.0.1"], cwd=root, stdout=log, stderr=log
    )
    try:
        _wait_for(f"http://127.0.0.1:{port}/archive/", server)
        yield f"http://127.0.0.1:{port}", root
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(url: str, server: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert server.poll() is None, "pywb exited"
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"pywb did not answer at {url}")


@pytest.mark.e2e  # replica, `scrapy crawl`, pywb
def test_pywb_replays_an_archived_article_byte_for_byte(
    crawled: tuple[CrawlResult, list[dict[str, Any]]], pywb: tuple[str, Path]
) -> None:
    result, _ = crawled
    base, _ = pywb
    record = result.records[0]
    response: Rec = next(r for r in all_records(_warc_dir(result)) if r.id == record["warc_record_id"])
    timestamp = "".join(c for c in response.headers["WARC-Date"] if c.isdigit())[:14]
    with urllib.request.urlopen(f"{base}/archive/{timestamp}id_/{record['url']}") as replayed:
        assert replayed.status == 200
        assert replayed.read() == response.payload


@pytest.mark.e2e  # replica, `scrapy crawl`, pywb
def test_our_cdxj_matches_pywbs_own_index(
    crawled: tuple[CrawlResult, list[dict[str, Any]]], pywb: tuple[str, Path]
) -> None:
    result, _ = crawled
    _, root = pywb
    indexes = (root / "collections" / "archive" / "indexes").glob("*.cdxj")
    theirs = {(key, ts, f["offset"], f["filename"]) for p in indexes for key, ts, f in read_cdxj(p)}
    ours = {
        (key, ts, f["offset"], f["filename"])
        for p in warc_files(_warc_dir(result))
        for key, ts, f in read_cdxj(cdxj_path(p))
    }
    assert ours and ours == theirs


def _warcio_record(kind: str, exchange: Any, record_id: str) -> bytes:
    """What warcio's generic WARCWriter path writes for `exchange` (the writer's fallback)."""
    from crawler.warc import records

    builder = records.RecordBuilder()
    http = records._http_block
    records._http_block = lambda *args: None  # every head "not ASCII": the warcio path
    try:
        member = builder.response(exchange, record_id) if kind == "response" else builder.request(exchange, record_id)
    finally:
        records._http_block = http
    return gzip.decompress(member)


EXCHANGES = {
    "html": dict(body=b"<html>halo</html>", headers=[("Content-Type", "text/html"), ("Content-Length", "17")]),
    "empty-body-ip-truncated": dict(body=b"", ip_address="127.0.0.1", truncated=True, status=304),
    "unknown-status-post": dict(status=599, method="POST", request_body=b"a=1", fetched_uri="http://x.test/?q=1"),
    "non-ascii-header": dict(headers=[("Content-Disposition", "inline; filename=\u00e9t\u00e9.html")]),
}


@pytest.mark.parametrize("kind", ["response", "request"])
@pytest.mark.parametrize("fields", EXCHANGES.values(), ids=EXCHANGES.keys())
def test_records_are_byte_for_byte_warcios(kind: str, fields: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """The direct serialisation of response and request records writes exactly what warcio writes."""
    from warcio.statusandheaders import StatusAndHeadersParser

    from crawler.warc.records import Exchange, RecordBuilder

    monkeypatch.setattr(StatusAndHeadersParser, "make_warc_id", staticmethod(lambda: "<urn:uuid:fixed>"))
    base = dict(target_uri="https://kaltim.antaranews.com/berita/1/x", fetched_uri="http://127.0.0.1:1/berita/1/x",
                date="2026-12-03T08:03:07.818722Z", protocol="HTTP/1.1", status=200, headers=[], body=b"x",
                method="GET", request_headers=[("Host", "127.0.0.1:1"), ("Accept", "*/*")], request_body=b"")  # fmt: skip
    exchange = Exchange(**{**base, **fields})
    builder = RecordBuilder()
    ours = builder.response(exchange, "<urn:uuid:r>") if kind == "response" else builder.request(exchange, "<urn:uuid:r>")
    assert gzip.decompress(ours) == _warcio_record(kind, exchange, "<urn:uuid:r>")


@pytest.mark.parametrize("size", [0, 1, 511, 512, 513, 32_767, 32_768, 32_769, 300_000])
def test_a_record_member_is_one_gzip_member_any_reader_inflates(size: int) -> None:
    """Each record is one gzip member, its window fitted to its size, that the standard library reads back."""
    import random
    import zlib

    from crawler.warc.records import _gzip

    words = [b"<p>", b"Samarinda", b"ANTARA", b"berita", b"</p>\n", b"Kaltim", b"2026", b"pewarta"]
    rng = random.Random(size)
    data = b" ".join(rng.choice(words) + bytes([rng.randrange(97, 123)]) for _ in range(size))[:size]
    member = _gzip(data)
    inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
    assert inflater.decompress(member) == data
    assert inflater.eof and inflater.unused_data == b""  # exactly one member: records stay separately readable
    assert gzip.decompress(member) == data
