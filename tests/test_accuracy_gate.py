"""The accuracy targets of `benchmarks/accuracy.py` as a gate: a parser change that loses text or credits fails here."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import accuracy  # noqa: E402


def test_accuracy_targets_hold() -> None:
    scores = accuracy.evaluate()
    missed = [label for label, ok in accuracy.targets(scores) if not ok]
    report = {f"{family}/{name}": (round(s.f1, 4), round(s.credits, 3)) for (family, name), s in scores.items()}
    assert not missed, f"missed: {missed}; (F1, credits): {report}"
