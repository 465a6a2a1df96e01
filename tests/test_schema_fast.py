"""The compiled fast path of `schema_problems` accepts exactly the records jsonschema accepts.

`crawler.schema` asks fastjsonschema first and jsonschema only when that fails, so a record
the fast path wrongly accepted would lose its schema warnings. Every parser fixture, then
each of its fields set to values of every JSON type (and a few edge values), is judged by
both (every fourth fixture, spread over the eras, to keep it fast); they must agree every time.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from crawler.schema import _is_valid, article_schema, schema_problems

FIXTURES = sorted(p for p in (Path(__file__).parent / "fixtures").rglob("*.json") if not p.name.endswith(".meta.json"))
ODD_VALUES: list[Any] = [None, True, 0, -1, 1.5, "", "x y", "a:b", "https://h/x", [], [""], [1], {}, {"url": 1}]


def _records() -> list[dict[str, Any]]:
    records = []
    for path in FIXTURES[::4]:  # a spread over every era; all of them would only repeat the same shapes
        doc = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(doc, dict) and "content_hash" in doc:
            records.append({**doc, "crawled_at": doc.get("crawled_at") or "2026-11-24T10:00:00+00:00"})
    return records


def _fast_accepts(record: Any) -> bool:
    try:
        _is_valid()(record)
    except Exception:  # noqa: BLE001 - any failure of the fast path means "ask jsonschema"
        return False
    return True


def test_fixtures_are_records() -> None:
    assert len(_records()) >= 10


@pytest.mark.parametrize("field", list(article_schema()["properties"]) + ["unknown_field"])
def test_fast_path_agrees_with_jsonschema(field: str) -> None:
    reference = Draft202012Validator(article_schema())
    for record in _records():
        variants = [copy.deepcopy(record) for _ in ODD_VALUES]
        for variant, value in zip(variants, ODD_VALUES, strict=True):
            variant[field] = value
        missing = copy.deepcopy(record)
        missing.pop(field, None)
        for variant in [record, *variants, missing]:
            valid = reference.is_valid(variant)
            assert _fast_accepts(variant) == valid, (field, variant.get(field))
            assert (schema_problems(variant) == []) == valid
