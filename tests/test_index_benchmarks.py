"""The index benchmarks' own code on tiny inputs (`benchmarks/index.py`, `benchmarks/search_quality.py`).

No timing is asserted: these keep the benchmarks from rotting, check the labelled query set
is well formed and that the search-quality metric computes the right numbers by hand.
"""

from __future__ import annotations

import importlib.util
import json
import sqlite3
import sys
from pathlib import Path
from types import ModuleType

import pytest

from crawler.store.layout import Manifest

ROOT = Path(__file__).resolve().parent.parent


def load(name: str) -> ModuleType:
    """A benchmark script as a module (not on sys.path: `index` is too common a name to import by)."""
    if f"benchmark_{name}" in sys.modules:
        return sys.modules[f"benchmark_{name}"]
    spec = importlib.util.spec_from_file_location(f"benchmark_{name}", ROOT / "benchmarks" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = sys.modules[spec.name] = importlib.util.module_from_spec(spec)  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_the_index_benchmark_runs_on_a_tiny_archive_in_the_real_layout(tmp_path: Path) -> None:
    bench = load("index")
    figures = bench.run(tmp_path, articles=120, new=15, repeat=1)  # asserts the update read exactly `new` records
    assert figures["records"] >= 120 and figures["search_p95"] > 0
    exports = tmp_path / "exports"
    for portal in bench.PORTALS:
        (manifest,) = Manifest.load_all(exports / portal)
        for name, entry in manifest.partitions.items():
            assert (exports / portal / name).stat().st_size == entry.bytes
    with sqlite3.connect(tmp_path / "plain.sqlite3") as plain, sqlite3.connect(tmp_path / "index.sqlite3") as ours:
        assert plain.execute("SELECT count(*) FROM articles").fetchone()[0] == figures["records"]
        revisions = ours.execute("SELECT count(*) FROM revisions").fetchone()[0]
        articles = ours.execute("SELECT count(*) FROM articles").fetchone()[0]
    assert revisions > articles == 135, "revisions of earlier articles were written, and all were indexed"


def test_the_labelled_query_set_is_well_formed() -> None:
    quality = load("search_quality")
    documents, judged = quality.documents(), json.loads(quality.JUDGEMENTS.read_text(encoding="utf-8"))
    queries = [q["query"] for q in judged["queries"]]
    assert len(documents) >= 130 and 30 <= len(queries) == len(set(queries))
    assert judged["how_judged"] and judged["documents"]
    for query in judged["queries"]:
        assert query["relevant"] and len(set(query["relevant"])) == len(query["relevant"]), query["query"]
        assert set(query["relevant"]) <= set(documents), query["query"]


def test_precision_recall_and_f1_by_hand() -> None:
    quality = load("search_quality")
    relevant = {"a": {"1", "2"}, "b": {"3"}, "c": {"4", "5"}}
    found = {"a": {"1", "9"}, "b": {"3"}, "c": set()}
    scores = quality.score(found, relevant)
    # P: a 1/2, b 1/1 (c returned nothing); R: a 1/2, b 1, c 0; micro: 2 hits of 3 returned, of 5 relevant.
    assert scores.precision == pytest.approx(0.75) and scores.recall == pytest.approx(0.5)
    assert scores.f1 == pytest.approx(0.6) and scores.empty == 1
    assert (scores.micro_precision, scores.micro_recall) == pytest.approx((2 / 3, 2 / 5))


def test_both_systems_search_the_same_documents_as_typed() -> None:
    quality = load("search_quality")
    docs = {"x": ("Pembangunan jembatan", "Jembatan dibangun warga."), "y": ("Banjir", "Banjir rob.")}
    unstemmed = quality.build(docs, lambda text: text)
    assert quality.run(unstemmed, ["jembatan", "membangun", "banjir rob"], lambda t: t) == {
        "jembatan": {"x"}, "membangun": set(), "banjir rob": {"y"}}  # fmt: skip
