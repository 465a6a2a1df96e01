"""Consuming the exports: `crawler.read_archive`, and the DuckDB, pandas, jq and Parquet recipes of docs/consuming.md.

Each recipe runs with the real library against an archive written by the real pipelines
(`tests.storage_support.Chain`): two articles, one of them revised, `copyright_year`,
`updated_at` and `translators` empty in every record (the case that made DuckDB type
columns NULL and pandas type `copyright_year` float), and two publication offsets (WITA, WIB).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from crawler import read_archive
from crawler.paths import state_beside
from crawler.store.types import duckdb_query, pandas_dtypes
from tests.replica.harness import ROOT
from tests.storage_support import PORTAL, Chain, article


@pytest.fixture
def exports(tmp_path: Path) -> Path:
    root = tmp_path / "exports"
    chain = Chain.open(root)
    chain.feed(article(1, published_at="2019-09-03T15:20:00+08:00"))
    chain.feed(article(2, body="Versi awal berita kedua.", published_at="2019-10-01T07:05:00+07:00"))
    chain.feed(article(2, body="Versi koreksi berita kedua.", published_at="2019-10-01T07:05:00+07:00"))
    chain.close()
    return root


def test_read_archive_latest_revision_by_default_every_revision_on_request(exports: Path) -> None:
    latest = list(read_archive(str(exports / PORTAL)))
    assert [(r["id"], r["revision"]) for r in latest] == [(f"{PORTAL}:1", 0), (f"{PORTAL}:2", 1)]
    every = list(read_archive(exports / PORTAL, revisions=True))
    assert sorted((r["id"], r["revision"]) for r in every) == [(f"{PORTAL}:1", 0), (f"{PORTAL}:2", 0), (f"{PORTAL}:2", 1)]
    assert list(read_archive(exports)) == latest, "an exports root reads every portal under it"


def test_read_archive_reads_complete_records_only(exports: Path) -> None:
    partition = next((exports / PORTAL).rglob("2019-09.jsonl"))
    with partition.open("ab") as handle:
        handle.write(b'{"id": "torn')  # a line being written, beyond the manifest's byte count
    assert [r["id"] for r in read_archive(exports)] == [f"{PORTAL}:1", f"{PORTAL}:2"]


def test_the_exports_glob_reads_records_only(exports: Path) -> None:
    assert state_beside(exports).is_dir()
    lines = [line for path in exports.glob("**/*.jsonl") for line in path.read_text("utf-8").splitlines()]
    assert len(lines) == 3 and all(json.loads(line)["portal"] == PORTAL for line in lines)


def test_duckdb_recipe_keeps_every_column_typed(exports: Path) -> None:
    relation = duckdb.sql(duckdb_query(f"{exports}/**/*.jsonl"))
    types = dict(zip(relation.columns, (str(t) for t in relation.types), strict=True))
    assert types["published_at"] == "TIMESTAMP WITH TIME ZONE" and types["updated_at"] == "TIMESTAMP WITH TIME ZONE"
    assert types["copyright_year"] == "BIGINT" and types["translators"] == "VARCHAR[]"
    assert types["revision_diff"].startswith("STRUCT(") and types["images"].startswith("STRUCT(")
    assert "NULL" not in types.values()
    rows = duckdb.sql(
        f"SELECT id, revision, published_offset, epoch(published_at) FROM ({duckdb_query(f'{exports}/**/*.jsonl')}) "
        "ORDER BY id, revision"
    ).fetchall()
    assert [row[:3] for row in rows] == [(f"{PORTAL}:1", 0, "+08:00"), (f"{PORTAL}:2", 0, "+07:00"),
                                         (f"{PORTAL}:2", 1, "+07:00")]  # fmt: skip
    assert rows[0][3] == 1567495200  # 2019-09-03T07:20:00Z
    articles = duckdb.sql(duckdb_query(f"{exports}/**/*.jsonl"))  # the recipe of docs/consuming.md, verbatim
    latest = duckdb.sql("SELECT id, published_at, published_offset FROM articles "
                        "QUALIFY revision = max(revision) OVER (PARTITION BY id)").fetchall()  # fmt: skip
    assert sorted(row[0] for row in latest) == [f"{PORTAL}:1", f"{PORTAL}:2"] and articles is not None


def test_pandas_recipe_types_every_column(exports: Path) -> None:
    frame = pd.DataFrame.from_records(list(read_archive(exports))).astype(pandas_dtypes())
    frame["published_offset"] = frame["published_at"].str[-6:]
    frame["published_at"] = pd.to_datetime(frame["published_at"], utc=True, format="ISO8601")
    assert str(frame["copyright_year"].dtype) == "Int64" and str(frame["revision"].dtype) == "Int64"
    assert str(frame["published_at"].dtype).startswith("datetime64[") and "UTC" in str(frame["published_at"].dtype)
    assert list(frame["published_offset"]) == ["+08:00", "+07:00"]
    assert str(frame["title"].dtype) == "string"


@pytest.mark.e2e  # runs jq
def test_jq_recipe_latest_titles(exports: Path) -> None:
    jq = shutil.which("jq")
    assert jq, "jq is not installed (apt-get install jq)"
    files = sorted(str(p) for p in exports.glob("**/*.jsonl"))
    program = "group_by(.id) | map(max_by(.revision)) | .[] | [.id, .revision, .published_at] | @tsv"
    done = subprocess.run([jq, "-r", "-s", program, *files], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines() == [f"{PORTAL}:1\t0\t2019-09-03T15:20:00+08:00",
                                        f"{PORTAL}:2\t1\t2019-10-01T07:05:00+07:00"]  # fmt: skip


@pytest.mark.e2e
def test_scrapy_export_parquet_reads_back_typed_in_duckdb(exports: Path, tmp_path: Path) -> None:
    out = tmp_path / "parquet"
    command = [sys.executable, "-m", "scrapy", "export", "--format", "parquet", "-o", str(out),
               "-s", f"ARCHIVE_EXPORTS_DIR={exports}"]  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.parquet"))
    assert files == [f"{PORTAL}/2019/2019-09.parquet", f"{PORTAL}/2019/2019-10.parquet"]
    relation = duckdb.sql(f"SELECT * FROM read_parquet('{out}/**/*.parquet', union_by_name = true) ORDER BY id")
    types = dict(zip(relation.columns, (str(t) for t in relation.types), strict=True))
    assert types["published_at"] == "TIMESTAMP WITH TIME ZONE" and types["copyright_year"] == "BIGINT"
    assert types["updated_at"] == "TIMESTAMP WITH TIME ZONE" and types["translators"] == "VARCHAR[]"
    rows = relation.fetchall()
    assert [(r[relation.columns.index("id")], r[relation.columns.index("published_offset")]) for r in rows] == [
        (f"{PORTAL}:1", "+08:00"), (f"{PORTAL}:2", "+07:00")]  # fmt: skip


@pytest.mark.e2e
def test_scrapy_export_refuses_an_unknown_format(exports: Path) -> None:
    command = [sys.executable, "-m", "scrapy", "export", "--format", "xlsx", "-s", f"ARCHIVE_EXPORTS_DIR={exports}"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 64 and done.stderr.strip().endswith("formats: parquet"), done.stderr
