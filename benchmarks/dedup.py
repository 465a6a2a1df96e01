"""Dedup state benchmark: 1,000,000 ids + content hashes, and near-duplicate checks against 100,000 articles.

Prints the SQLite state's size on disk, this process's peak resident memory, inserts/s and
lookups/s (the deltafetch `is_stored` and the dedup `latest` calls), then the cost of one
near-duplicate check (MinHash signature of a ~300-word body + LSH candidate lookup) against
an index of 100,000 stored articles, and the index's size per article. Ratios only, no
pass/fail: compare the per-article dedup cost with `benchmarks/parse.py`'s ms/page.

    python benchmarks/dedup.py [--ids 1000000] [--near 100000] [--dir /tmp/x]
"""

from __future__ import annotations

import argparse
import hashlib
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from crawler.dedup.neardup import Fingerprinter, NearDupParams  # noqa: E402
from crawler.dedup.sqlite import SqliteDedupState  # noqa: E402
from crawler.dedup.state import StoredRecord  # noqa: E402

# Scrapy and numpy are resident before the state holds anything (datasketch is no longer imported).
BASELINE_RSS_MB = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

BATCH = 10_000
WORDS = [f"kata{n}" for n in range(20_000)]


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def ids_and_hashes(directory: Path, count: int) -> None:
    path = directory / "ids.sqlite3"
    state = SqliteDedupState(path, NearDupParams())
    started = time.perf_counter()
    for start in range(0, count, BATCH):
        state.commit([StoredRecord(f"antara_kaltim:{n}", 0, hashlib.sha256(str(n).encode()).hexdigest())
                      for n in range(start, min(start + BATCH, count))])  # fmt: skip
    insert = time.perf_counter() - started
    rng = random.Random(1)
    probes = [f"antara_kaltim:{rng.randrange(count * 2)}" for _ in range(100_000)]  # half stored, half not
    started = time.perf_counter()
    found = sum(state.is_stored(p) for p in probes)
    stored_rate = len(probes) / (time.perf_counter() - started)
    started = time.perf_counter()
    for p in probes:
        state.latest(p)
    latest_rate = len(probes) / (time.perf_counter() - started)
    state.close()
    print(f"ids+hashes: {count:,} records, inserted in batches of {BATCH:,} at {count / insert:,.0f}/s")
    print(f"  size on disk: {_size(path) / 1e6:.1f} MB ({_size(path) / count:.0f} bytes per record)")
    print(f"  is_stored: {stored_rate:,.0f} lookups/s ({found:,} of {len(probes):,} found); "
          f"latest: {latest_rate:,.0f} lookups/s ({1e6 / latest_rate:.1f} us each)")  # fmt: skip
    print(f"  peak RSS so far: {_rss_mb():.1f} MB (after imports: {BASELINE_RSS_MB:.1f} MB)")


def _body(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(300))


def near_duplicates(directory: Path, count: int) -> None:
    path = directory / "near.sqlite3"
    params = NearDupParams()
    state, fingerprinter = SqliteDedupState(path, params), Fingerprinter(params)
    rng = random.Random(2)
    bodies = [_body(rng) for _ in range(2_000)]
    real = [fingerprinter.signature(b) for b in bodies]
    width = len(real[0] or b"")
    started = time.perf_counter()
    for start in range(0, count, 2_000):
        # Signing 100,000 bodies would dominate the set-up; past the first 2,000 real signatures the
        # index gets random ones (unrelated articles), which load the band index the same way.
        state.commit([StoredRecord(f"antara_x:{n}", 0, hashlib.sha256(str(n).encode()).hexdigest(),
                                   real[n] if n < len(real) else rng.randbytes(width))
                      for n in range(start, min(start + 2_000, count))])  # fmt: skip
    build = time.perf_counter() - started
    probes = [_body(rng) for _ in range(300)] + ["Samarinda (ANTARA) - " + b + " (Humas)" for b in bodies[:100]]
    started = time.perf_counter()
    signatures = [fingerprinter.signature(b) for b in probes]
    sign = (time.perf_counter() - started) / len(probes)
    started = time.perf_counter()
    hits = sum(state.nearest(s, exclude="") is not None for s in signatures if s is not None)
    lookup = (time.perf_counter() - started) / len(probes)
    state.close()
    print(f"near-duplicates: index of {count:,} articles built in {build:.1f}s, bands x rows = {params.bands_rows}")
    print(f"  size on disk: {_size(path) / 1e6:.1f} MB ({_size(path) / count:.0f} bytes per article)")
    print(f"  per article: signature {sign * 1e3:.2f} ms + LSH lookup {lookup * 1e3:.2f} ms "
          f"= {(sign + lookup) * 1e3:.2f} ms; {hits} of {len(probes)} probes matched (100 are copies)")  # fmt: skip
    print(f"  peak RSS: {_rss_mb():.1f} MB (after imports: {BASELINE_RSS_MB:.1f} MB)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ids", type=int, default=1_000_000)
    parser.add_argument("--near", type=int, default=100_000)
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        ids_and_hashes(Path(tmp), args.ids)
        near_duplicates(Path(tmp), args.near)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
