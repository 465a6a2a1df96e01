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

from jsonschema import Draft202012Validator


@cache
def article_schema() -> dict[str, Any]:
    text = resources.files("crawler").joinpath("article.schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(article_schema())


def schema_problems(record: Any) -> list[tuple[str, str]]:
    """(field, message) for every way `record` breaks the schema; the field is `record` for whole-record problems."""
    problems = []
    for error in sorted(_validator().iter_errors(record), key=lambda e: [str(p) for p in e.absolute_path]):
        path = list(error.absolute_path)
        field = str(path[0]) if path else "record"
        problems.append((field, error.message[:200]))
    return problems
