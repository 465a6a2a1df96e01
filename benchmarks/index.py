"""The search index (`scrapy index`): build rate against `sqlite-utils insert`, incremental update, search latency.

Synthesises an exports tree in the real layout (partitions by month, manifests with byte
counts; `crawler.store.layout`) of `--articles` records over four portals: bodies of
about 200-400 words drawn from a Zipf-weighted vocabulary (the fixtures' Indonesian words
plus generated affixed words, ~30,000 distinct), 400 reporters and 60 editors per portal,
some bylined by initials, 2% of the records later revisions of an earlier article (with
different credits). Then, in one run:

1. **build rate**: `update_index(..., rebuild=True)` (what `scrapy index --rebuild` runs:
   the change feed, articles, revisions, people, portals, FTS5) against sqlite-utils 4.2.1's
   `insert_all` of the same JSON Lines into one table (what `sqlite-utils insert db articles
   file --nl` does; no index, no search), and the same insert followed by
   `enable_fts(["title", "body"])` (the nearest thing to ours), all in this process; with
   `--rounds N` the three ways run N times, interleaved, and the medians count. Every timed
   step starts after `os.sync()`, so no step pays for the writeback of the one before;
2. **incremental**: `--new` records (5% of them revisions of indexed articles) appended
   to the exports, then `update_index` (what `scrapy index` after a crawl runs), against a
   full rebuild of the same exports;
3. **search**: p50/p95 of `search()` (opens the database, runs the FTS5 query, top 20) over
   a fixed set of single-word, two-word, phrase and prefix queries, `--repeat` times each.

Prints the environment (CPU, load, versions), records/s, seconds and ratios. The files are
in the page cache (they were just written). docs/internals.md has the measured figures.

    python benchmarks/index.py [--articles 100000] [--new 1000] [--repeat 5] [--rounds 1] [--no-baselines] [--dir DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import os
import platform
import random
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import partial
from importlib.metadata import version
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.store.index import search, update_index  # noqa: E402
from crawler.store.layout import Manifest, PartitionEntry, partition_of  # noqa: E402

PORTALS = ("antara_kaltim", "antara_kalsel", "antara_jatim", "antara_papua")
PREFIXES = ("", "", "", "me", "mem", "men", "meng", "di", "ber", "ter", "pe", "pem", "pen", "per", "ke", "se")
SUFFIXES = ("", "", "", "kan", "an", "i", "nya", "lah")
SYLLABLES = ("ba", "bu", "da", "di", "ga", "ka", "la", "lu", "ma", "na", "ngu", "pa", "ra", "ri", "sa", "ta", "tu",
             "wa", "ya", "jan", "kar", "lam", "man", "pan", "rang", "san", "tan", "ung")  # fmt: skip
QUERIES = ("banjir", "pembangunan", "jembatan", "harga beras", "Samarinda", "gubernur", "vaksinasi", "pelabuhan",
           '"operasi pasar"', "inflasi daerah", "nelayan", "bandara", "kebakaran hutan", "sekolah gratis",
           "tol", "pemilih", "bantu*", "investor", "festival", "kabupaten kota")  # fmt: skip


def vocabulary(rng: random.Random, size: int = 30_000) -> list[str]:
    """The fixtures' words first (the frequent ones), then generated Indonesian-looking words."""
    words: dict[str, None] = {}
    for path in sorted((ROOT / "tests" / "fixtures").rglob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(record, dict) and isinstance(record.get("body"), str):
            words.update(dict.fromkeys(re.findall(r"[A-Za-z]+", record["body"])))
    while len(words) < size:
        stem = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3)))
        words[rng.choice(PREFIXES) + stem + rng.choice(SUFFIXES)] = None
    return list(words)


class Synth:
    """Seeded records as the pipelines export them (every schema key), numbered from 1 per run."""

    def __init__(self, seed: int = 17) -> None:
        self.rng = random.Random(seed)
        self.words = vocabulary(self.rng)
        self.weights = list(itertools.accumulate(1 / (rank + 10) for rank in range(len(self.words))))
        self.people = {p: ([self._name() for _ in range(400)] + [f"{p[7:9].upper()}{i:02d}"[:5] for i in range(20)],
                           [self._name() for _ in range(60)]) for p in PORTALS}  # fmt: skip
        self.count = 0
        self.recent: list[dict[str, Any]] = []
        """A sample of articles (their latest revisions) that later records revise."""

    def _name(self) -> str:
        return " ".join(w.capitalize() for w in self.rng.choices(self.words[200:3000], k=self.rng.randint(2, 3)))

    def _text(self, words: int) -> str:
        picked = self.rng.choices(self.words, cum_weights=self.weights, k=words)
        sentences = [" ".join(picked[i : i + 14]).capitalize() + "." for i in range(0, words, 14)]
        return "\n\n".join(" ".join(sentences[i : i + 3]) for i in range(0, len(sentences), 3))

    def record(self, revision_share: float = 0.02) -> dict[str, Any]:
        if self.recent and self.rng.random() < revision_share:
            slot = self.rng.randrange(len(self.recent))
            self.recent[slot] = self._revise(self.recent[slot])
            return self.recent[slot]
        self.count += 1
        portal = PORTALS[self.count % len(PORTALS)]
        reporters, editors = self.people[portal]
        day = datetime(2016, 1, 1).toordinal() + self.count * 3650 // 1_000_000 + self.rng.randint(0, 30)
        published = f"{datetime.fromordinal(day):%Y-%m-%d}T{self.rng.randint(6, 21):02d}:15:00+08:00"
        title, body = self._text(self.rng.randint(6, 10)).rstrip("."), self._text(self.rng.randint(200, 400))
        record = {"id": f"{portal}:{self.count}", "portal": portal, "site_name": f"ANTARA {portal[7:].title()}",
                  "url": f"https://{portal[7:]}.antaranews.com/berita/{self.count}/s", "title": title,
                  "published_at": published, "section": self.rng.choice(("Ekonomi", "Politik", "Hukum", "Daerah")),
                  "tags": [], "body": body, "reporters": self.rng.sample(reporters, self.rng.choice((1, 1, 2))),
                  "editors": [self.rng.choice(editors)], "translators": [], "photographers": [], "contributors": [],
                  "language": "id", "word_count": len(body.split()), "revision": 0, "previous_hash": None,
                  "revision_diff": None, "crawled_at": "2026-12-03T10:00:00+00:00", "warnings": []}  # fmt: skip
        record = self._hashed(record)
        if len(self.recent) < 5_000:
            self.recent.append(record)
        else:
            self.recent[self.rng.randrange(5_000)] = record
        return record

    def _revise(self, old: dict[str, Any]) -> dict[str, Any]:
        reporters, editors = self.people[old["portal"]]
        body = old["body"] + "\n\n" + self._text(30)
        diff = {"title_changed": False, "paragraphs_added": 1, "paragraphs_removed": 0, "paragraphs_changed": 0}
        return self._hashed({**old, "body": body, "revision": old["revision"] + 1, "previous_hash": old["content_hash"],
                             "reporters": [self.rng.choice(reporters)], "editors": [self.rng.choice(editors)],
                             "word_count": len(body.split()), "revision_diff": diff})  # fmt: skip

    def _hashed(self, record: dict[str, Any]) -> dict[str, Any]:
        record["content_hash"] = hashlib.sha256(f"{record['title']}\n\n{record['body']}".encode()).hexdigest()
        return record


def append(exports: Path, records: list[dict[str, Any]]) -> int:
    """Append records to their partitions and manifests as the writer does (complete lines, then the manifest)."""
    grouped: dict[tuple[str, str], list[bytes]] = {}
    for record in records:
        line = json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"
        grouped.setdefault((record["portal"], partition_of(record)), []).append(line.encode())
    written = 0
    for portal in sorted({p for p, _ in grouped}):
        directory = exports / portal
        manifest = Manifest.load(directory) or Manifest(portal)
        for (_, name), lines in sorted(grouped.items()):
            if _ != portal:
                continue
            path = directory / name
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("ab") as handle:
                handle.write(b"".join(lines))
            data = path.read_bytes()
            old = manifest.partitions.get(name)
            manifest.partitions[name] = PartitionEntry((old.records if old else 0) + len(lines), len(data),
                                                       hashlib.sha256(data).hexdigest())  # fmt: skip
            written += sum(map(len, lines))
        directory.mkdir(parents=True, exist_ok=True)
        manifest.save(directory)
    return written


def jsonl_files(exports: Path) -> list[Path]:
    return sorted(exports.rglob("*.jsonl"))


def sqlite_utils_insert(files: list[Path], db_path: Path, *, fts: bool) -> int:
    """sqlite-utils' `insert ... --nl` of the same lines (one table, columns as found), optionally with FTS."""
    import sqlite_utils

    def rows() -> Iterator[dict[str, Any]]:
        for path in files:
            with path.open("rb") as handle:
                for line in handle:
                    yield json.loads(line)

    db = sqlite_utils.Database(db_path)
    table = db["articles"]
    table.insert_all(rows(), batch_size=100)  # what `sqlite-utils insert db articles file --nl` runs
    if fts:
        table.enable_fts(["title", "body"])
    count = table.count
    db.close()
    return count


def timed(call: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    result = call()
    return time.perf_counter() - start, result


def p(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def environment() -> str:
    cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8") if Path("/proc/cpuinfo").exists() else ""
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
    commit = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True)
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return (f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, commit {commit.stdout.strip() or '?'}\n"
            f"CPU: {model.group(1) if model else platform.processor() or '?'}, {os.cpu_count()} cores; "
            f"load average {load} (1/5/15 min)\n"
            f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
            f"sqlite-utils {version('sqlite-utils')}")  # fmt: skip


def build(exports: Path, synth: Synth, articles: int) -> tuple[int, int]:
    """Write `articles` records (revisions included) in batches; return (records, bytes)."""
    records = total = 0
    while synth.count < articles:
        batch = [synth.record() for _ in range(min(10_000, articles - synth.count))]
        total += append(exports, batch)
        records += len(batch)
    return records, total


def run(work: Path, articles: int, new: int, repeat: int, baselines: bool = True, rounds: int = 1) -> dict[str, float]:
    """Every measurement of the module docstring; returns the figures (also printed)."""
    exports, synth = work / "exports", Synth()
    records, size = build(exports, synth, articles)
    print(f"exports: {records} records ({synth.count} articles, {len(PORTALS)} portals), {size / 1e6:.0f} MB of JSONL")
    db = work / "index.sqlite3"
    ours, _ = settled(lambda: update_index(exports, db, rebuild=True))
    figures: dict[str, float] = {"records": records, "ours_rate": records / ours}
    if baselines:
        figures.update(_baselines(exports, work, records, ours, rounds))
    else:
        print(f"build: scrapy index --rebuild {records / ours:,.0f} records/s ({ours:.1f} s)")
    figures.update(_incremental(exports, db, synth, new, baselines))
    figures.update(_search(db, repeat))
    return figures


def settled(call: Any) -> tuple[float, Any]:
    """`timed`, after the previous step's written pages reached the disk (their writeback would be timed too)."""
    os.sync()
    return timed(call)


def _baselines(exports: Path, work: Path, records: int, ours: float, rounds: int) -> dict[str, float]:
    """sqlite-utils both ways, and ours again in rounds 2.., interleaved; medians."""
    times: dict[str, list[float]] = {"ours": [ours], "plain": [], "fts": []}
    for round_ in range(rounds):
        if round_:
            times["ours"].append(settled(lambda: update_index(exports, work / "index.sqlite3", rebuild=True))[0])
        for way in ("plain", "fts"):
            target = work / f"{way}.sqlite3"
            target.unlink(missing_ok=True)
            insert = partial(sqlite_utils_insert, jsonl_files(exports), target, fts=way == "fts")
            times[way].append(settled(insert)[0])
    if rounds > 1:
        print("  rounds (s): " + "; ".join(f"{way} " + ", ".join(f"{t:.1f}" for t in ts) for way, ts in times.items()))
    ours, plain, with_fts = (statistics.median(times[way]) for way in ("ours", "plain", "fts"))
    figures = {"ours_rate": records / ours, "plain_rate": records / plain, "fts_rate": records / with_fts}
    print(f"build: scrapy index --rebuild {records / ours:,.0f} records/s ({ours:.1f} s); sqlite-utils insert "
          f"{records / plain:,.0f} records/s ({plain:.1f} s; ours / it = {plain / ours:.2f}); sqlite-utils insert + "
          f"enable-fts title body {records / with_fts:,.0f} records/s ({with_fts:.1f} s; ours / it = "
          f"{with_fts / ours:.2f})")  # fmt: skip
    return figures


def _incremental(exports: Path, db: Path, synth: Synth, new: int, rebuild_too: bool) -> dict[str, float]:
    batch = [synth.record(revision_share=0.05) for _ in range(new)]
    append(exports, batch)
    with sqlite3.connect(db) as con:
        indexed = con.execute("SELECT count(*) FROM articles").fetchone()[0]
    incremental, done = settled(lambda: update_index(exports, db))
    assert done.records == new and not done.rebuilt
    print(f"incremental: {new} new records ({sum(r['revision'] > 0 for r in batch)} of them revisions) into an index "
          f"of {indexed:,} articles in {incremental:.2f} s")  # fmt: skip
    if not rebuild_too:
        return {"incremental": incremental}
    rebuild, _ = settled(lambda: update_index(exports, db, rebuild=True))
    print(f"  full rebuild {rebuild:.1f} s; incremental / rebuild = {incremental / rebuild:.4f} "
          f"({rebuild / incremental:.0f}x faster)")
    return {"incremental": incremental, "rebuild": rebuild}


def _search(db: Path, repeat: int) -> dict[str, float]:
    latencies: dict[str, list[float]] = {q: [] for q in QUERIES}
    for _ in range(repeat):
        for query in QUERIES:
            latencies[query].append(timed(lambda q=query: search(db, q))[0])
    every = [t for ts in latencies.values() for t in ts]
    medians = {query: statistics.median(times) for query, times in latencies.items()}
    slowest = max(medians, key=medians.__getitem__)
    print(f"search: {len(QUERIES)} queries x {repeat}: p50 {p(every, 0.5) * 1e3:.1f} ms, "
          f"p95 {p(every, 0.95) * 1e3:.1f} ms (slowest query {slowest!r}, median {medians[slowest] * 1e3:.1f} ms); "
          f"database {db.stat().st_size / 1e6:.0f} MB")  # fmt: skip
    return {"search_p50": p(every, 0.5), "search_p95": p(every, 0.95)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000, help="articles in the index (default 100,000)")
    parser.add_argument("--new", type=int, default=1_000, help="records of the incremental update (default 1,000)")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each search query (default 5)")
    parser.add_argument("--rounds", type=int, default=1, help="build comparisons, interleaved; medians (default 1)")
    parser.add_argument("--dir", type=Path, help="work directory (default: a temporary one, removed after)")
    parser.add_argument("--no-baselines", action="store_true",
                        help="skip sqlite-utils and the second rebuild (for --articles 1000000: ~10 GB, an hour less)")
    args = parser.parse_args(argv)
    print(environment())
    if args.dir:
        args.dir.mkdir(parents=True, exist_ok=True)
        run(args.dir, args.articles, args.new, args.repeat, not args.no_baselines, args.rounds)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        run(Path(tmp), args.articles, args.new, args.repeat, not args.no_baselines, args.rounds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
