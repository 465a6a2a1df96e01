"""Cost of a revision diff: finding the previous revision in the exports, diffing it; the side store not built.

Builds a synthetic archive (default 20,000 articles over 24 months, about ANTARA Kaltim's
volume of ~30 a day; bodies of 300-450 words) with the real partition layout and
manifest, then times `crawler.dedup.revisions.PreviousRevisions.find` for revisions that keep
their month (the usual case), that moved one month, and the worst case (an id that is not
there: every partition searched), plus `revision_diff` itself. For comparison it prints
what the alternative would weigh: a zlib copy of every latest title + body beside the
state. Timings are with the files in the page cache (they were just written); a cold
read costs the printed bytes at the disk's read speed.

    python benchmarks/revisions.py [--articles 20000] [--months 24] [--lookups 200]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import statistics
import sys
import tempfile
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.dedup.revisions import PreviousRevisions, revision_diff  # noqa: E402
from crawler.store.layout import Manifest, PartitionEntry, partition_of  # noqa: E402
from tests.replica.synth import OBJECTS, SPEAKERS, SUBJECTS, TAILS, VERBS  # noqa: E402
from tests.storage_support import article  # noqa: E402

PORTAL = "antara_kaltim"


def _sentence(rng: random.Random) -> str:
    text = f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(TAILS)}"
    return text + (f", {rng.choice(SPEAKERS)}." if rng.random() < 0.3 else ".")


def _body(rng: random.Random) -> str:
    return "\n\n".join(" ".join(_sentence(rng) for _ in range(rng.randint(3, 5))) for _ in range(rng.randint(6, 8)))


def build(
    root: Path, articles: int, months: int, rng: random.Random
) -> tuple[list[tuple[str, str, str]], int, int, int]:
    """Write the archive; return (id, hash, published_at) per article, export bytes, zlib bytes, title+body bytes."""
    directory = root / PORTAL
    files: dict[str, list[bytes]] = {}
    index, side_store, body_bytes = [], 0, 0
    for number in range(articles):
        month = number * months // articles
        published = f"{2024 + month // 12}-{month % 12 + 1:02d}-15T10:00:00+08:00"
        body = _body(rng)
        item = article(number, body=body, published_at=published, reporters=["AHM"], editors=["Masnun"])
        record = {**item.__dict__, "images": [], "related": []}
        files.setdefault(partition_of(record), []).append(
            (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
        )
        index.append((record["id"], record["content_hash"], published))
        text = f"{record['title']}\n\n{body}".encode()
        side_store, body_bytes = side_store + len(zlib.compress(text, 6)), body_bytes + len(text)
    manifest, total = Manifest(PORTAL), 0
    for name, lines in files.items():
        data = b"".join(lines)
        (directory / name).parent.mkdir(parents=True, exist_ok=True)
        (directory / name).write_bytes(data)
        manifest.partitions[name] = PartitionEntry(len(lines), len(data), hashlib.sha256(data).hexdigest())
        total += len(data)
    manifest.save(directory)
    return index, total, side_store, body_bytes


def fixture_ratio() -> float:
    """zlib ratio of title + body over the ANTARA fixtures (real prose; synthetic text compresses too well)."""
    raw = packed = 0
    for path in (ROOT / "tests" / "fixtures" / "antara").rglob("*.json"):
        record = json.loads(path.read_text(encoding="utf-8"))
        if path.name.endswith(".meta.json") or not isinstance(record, dict) or not record.get("body"):
            continue
        text = f"{record['title']}\n\n{record['body']}".encode()
        raw, packed = raw + len(text), packed + len(zlib.compress(text, 6))
    return packed / raw


def _time(call: object, repeat: int = 1) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        call()  # type: ignore[operator]
    return (time.perf_counter() - start) / repeat


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--lookups", type=int, default=200)
    args = parser.parse_args(argv)
    rng = random.Random(3)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        index, export_bytes, side_bytes, body_bytes = build(root, args.articles, args.months, rng)
        lookups = PreviousRevisions(root)
        sample = rng.sample(index, args.lookups)
        same, moved, searched = [], [], []
        for record_id, content_hash, published in sample:
            month = int(published[5:7])
            other = f"{published[:5]}{month % 12 + 1:02d}{published[7:]}"  # the next month (same year)
            found = None

            def find(day: str = published, rid: str = record_id, h: str = content_hash) -> None:
                nonlocal found
                found = lookups.find(PORTAL, rid, 0, h, day)

            same.append(_time(find))
            assert found is not None and found.record is not None
            searched.append(found.bytes)
            moved.append(_time(lambda o=other: find(o)))
        worst = _time(lambda: lookups.find(PORTAL, f"{PORTAL}:missing", 0, "0" * 64, index[0][2]), 3)
        old = _body(rng)
        new = old.replace(".", ". Kalimat koreksi redaksi.", 1) + "\n\n" + _sentence(rng)
        diff_seconds = _time(lambda: revision_diff("Judul", old, "Judul baru", new), 200)
    per_month = export_bytes / args.months
    print(
        f"archive: {args.articles} articles over {args.months} months, {export_bytes / 1e6:.1f} MB of JSONL "
        f"({export_bytes / args.articles:.0f} B/record, {per_month / 1e6:.1f} MB per month partition)"
    )
    print(
        f"previous revision, same month:  median {statistics.median(same) * 1e3:.2f} ms, "
        f"p95 {sorted(same)[int(len(same) * 0.95)] * 1e3:.2f} ms; searched {statistics.mean(searched) / 1e6:.2f} MB"
    )
    print(f"previous revision, moved a month: median {statistics.median(moved) * 1e3:.2f} ms")
    print(f"not found (every partition searched, {export_bytes / 1e6:.0f} MB): {worst * 1e3:.0f} ms")
    print(f"revision_diff of an edited article: {diff_seconds * 1e6:.0f} us")
    print(
        f"side store not built: zlib title+body {side_bytes / args.articles:.0f} B/article = "
        f"{side_bytes / export_bytes:.0%} of the export bytes; {side_bytes / args.articles * 1e5 / 1e6:.0f} MB "
        f"per 100,000 articles (Redis memory in distributed mode)"
    )
    print(
        f"  (synthetic text repeats a small vocabulary; on the fixtures' real prose zlib keeps {fixture_ratio():.0%} "
        f"of title+body, which would put the side store at ~{fixture_ratio() * body_bytes / export_bytes:.0%} "
        "of the export bytes)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
