"""Does an Indonesian stemmer (PySastrawi) make the index's search better? Recall, precision, F1 on a labelled set.

The documents and the judged queries are `benchmarks/search_relevance.json` (how they were
chosen and judged is written there). Two systems, each an in-memory FTS5 table over title
and body, queried as a user types (`scrapy index --search`: words ANDed):

* `unicode61`: the index as built (tokenizer `unicode61 remove_diacritics 2`);
* `sastrawi`: the same tokenizer over text stemmed by PySastrawi before insertion, the
  query stemmed the same way (FTS5 tokenizers cannot be written from Python's sqlite3, so
  a stemmed index would have to store stemmed text).

Per system: macro precision (over queries that return anything), macro recall, F1 of the
two, and micro (pooled) figures; the queries whose result differs; and the build cost:
stemming words/s (a fresh stemmer, so no warm cache) and the build time of both tables.

    pip install PySastrawi==1.2.1   # requirements-test.txt
    python benchmarks/search_quality.py
"""

from __future__ import annotations

import json
import sqlite3
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
JUDGEMENTS = ROOT / "benchmarks" / "search_relevance.json"
TOKENIZER = "unicode61 remove_diacritics 2"


def documents(root: Path = ROOT) -> dict[str, tuple[str, str]]:
    """id -> (title, body): the fixtures' expected records, then the replica's articles of other ids."""
    found: dict[str, tuple[str, str]] = {}
    for path in sorted((root / "tests" / "fixtures").rglob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        if not path.name.endswith(".meta.json") and isinstance(record, dict) and record.get("body"):
            found.setdefault(record["id"], (record["title"], record["body"]))
    for path in sorted((root / "tests" / "replica" / "data").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for article in data["articles"]:
            key = f"{data['portal']['name']}:{article['id']}"
            found.setdefault(key, (article["title"], "\n\n".join(article.get("paragraphs") or [])))
    return found


def judgements(path: Path = JUDGEMENTS) -> dict[str, set[str]]:
    """query -> the ids judged relevant."""
    return {q["query"]: set(q["relevant"]) for q in json.loads(path.read_text(encoding="utf-8"))["queries"]}


@dataclass(frozen=True)
class Scores:
    precision: float
    """Mean over the queries that returned something."""
    recall: float
    """Mean over every query."""
    f1: float
    micro_precision: float
    micro_recall: float
    empty: int
    """Queries that returned nothing."""


def score(found: Mapping[str, set[str]], relevant: Mapping[str, set[str]]) -> Scores:
    precisions = [len(found[q] & relevant[q]) / len(found[q]) for q in relevant if found[q]]
    recalls = [len(found[q] & relevant[q]) / len(relevant[q]) for q in relevant]
    precision = sum(precisions) / len(precisions) if precisions else 0.0
    recall = sum(recalls) / len(recalls)
    hits = sum(len(found[q] & relevant[q]) for q in relevant)
    returned, wanted = sum(len(found[q]) for q in relevant), sum(len(relevant[q]) for q in relevant)
    return Scores(precision, recall, 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
                  hits / returned if returned else 0.0, hits / wanted, len(relevant) - len(precisions))  # fmt: skip


def build(docs: Mapping[str, tuple[str, str]], analyse: Callable[[str], str]) -> sqlite3.Connection:
    db = sqlite3.connect(":memory:")
    db.execute(f"CREATE VIRTUAL TABLE fts USING fts5 (id UNINDEXED, title, body, tokenize = '{TOKENIZER}')")
    db.executemany("INSERT INTO fts VALUES (?, ?, ?)", ((i, analyse(t), analyse(b)) for i, (t, b) in docs.items()))
    return db


def run(db: sqlite3.Connection, queries: Iterable[str], analyse: Callable[[str], str]) -> dict[str, set[str]]:
    """query -> every id it matches (words ANDed, each taken literally)."""
    results = {}
    for query in queries:
        match = " ".join(f'"{word}"' for word in analyse(query).split())
        results[query] = {i for (i,) in db.execute("SELECT id FROM fts WHERE fts MATCH ?", (match,))}
    return results


def stemmer() -> Callable[[str], str]:
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

    return StemmerFactory().create_stemmer().stem  # type: ignore[no-any-return]


def _line(name: str, s: Scores) -> str:
    return (f"{name:10} P {s.precision:.3f}  R {s.recall:.3f}  F1 {s.f1:.3f}   micro P {s.micro_precision:.3f} "
            f"R {s.micro_recall:.3f}   queries with no result: {s.empty}")  # fmt: skip


def main() -> int:
    docs, relevant = documents(), judgements()
    words = sum(len(f"{t} {b}".split()) for t, b in docs.values())
    print(f"{len(docs)} documents ({words} words), {len(relevant)} judged queries, "
          f"{sum(map(len, relevant.values()))} relevant (query, document) pairs")  # fmt: skip

    def plain(text: str) -> str:
        return text

    start = time.perf_counter()
    unstemmed = build(docs, plain)
    plain_seconds = time.perf_counter() - start
    stem = stemmer()  # a fresh one: its word cache starts empty, as in a first build
    start = time.perf_counter()
    stemmed = build(docs, stem)
    stem_seconds = time.perf_counter() - start
    start = time.perf_counter()
    for title, body in docs.values():  # the same words again: every one is in the stemmer's cache now
        stem(title), stem(body)
    warm_seconds = time.perf_counter() - start
    found = {"unicode61": run(unstemmed, relevant, plain), "sastrawi": run(stemmed, relevant, stem)}
    for name, results in found.items():
        print(_line(name, score(results, relevant)))
    print("queries whose results differ (relevant found / returned, unicode61 -> sastrawi):")
    for query in relevant:
        a, b = found["unicode61"][query], found["sastrawi"][query]
        if a != b:
            print(f"  {query!r:18} {len(a & relevant[query])}/{len(a)} -> {len(b & relevant[query])}/{len(b)}"
                  f" of {len(relevant[query])} relevant")  # fmt: skip
    print(f"build of the {len(docs)} documents: unicode61 {plain_seconds * 1e3:.0f} ms, sastrawi {stem_seconds:.2f} s "
          f"({stem_seconds / plain_seconds:.0f}x); stemming {words / stem_seconds:,.0f} words/s = "
          f"{words / stem_seconds / 300:,.0f} records/s of 300 words (every word cached: {words / warm_seconds:,.0f} "
          f"words/s, {words / warm_seconds / 300:,.0f} records/s)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
