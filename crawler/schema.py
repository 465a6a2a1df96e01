"""The JSON Schema of the record (`crawler/article.schema.json`) and a validator reporting per field.

Used by the validate pipeline (problems become item warnings) and by `scrapy verify`
(problems fail the check). The schema file is checked against `crawler/items.py` by
`tests/test_schema.py`.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

import fastjsonschema
from jsonschema import Draft202012Validator


@cache
def article_schema() -> dict[str, Any]:
    text = resources.files("crawler").joinpath("article.schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(article_schema())


@cache
def _is_valid() -> Any:
    # fastjsonschema compiles the schema into Python code: ~20x faster than jsonschema's
    # interpreter on a valid record (0.015 vs 0.29 ms), which is nearly every record of a
    # crawl. It implements draft-07, and the schema uses only keywords that draft-07 and
    # 2020-12 define alike (type, properties, required, items, pattern, minLength, minimum,
    # const), so it accepts exactly what jsonschema accepts (tests/test_schema_fast.py).
    # Problems themselves are still reported by jsonschema, with its messages.
    return fastjsonschema.compile(article_schema())


def prepare() -> None:
    """Compile the fast check now (about 20 ms) rather than at the first record, inside the crawl."""
    _is_valid()


def schema_problems(record: Any) -> list[tuple[str, str]]:
    """(field, message) for every way `record` breaks the schema; the field is `record` for whole-record problems."""
    try:
        _is_valid()(record)
        return []
    except Exception:  # noqa: BLE001 - any doubt: let jsonschema judge
        pass
    problems = []
    for error in sorted(_validator().iter_errors(record), key=lambda e: [str(p) for p in e.absolute_path]):
        path = list(error.absolute_path)
        field = str(path[0]) if path else "record"
        problems.append((field, error.message[:200]))
    return problems
