"""crawler/article.schema.json agrees with the ArticleItem dataclass: fields, order, types, docstrings."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from itemadapter import ItemAdapter
from jsonschema import Draft202012Validator

from crawler.docs import attribute_docs
from crawler.items import SCHEMA_VERSION, ArticleItem, Image, Related
from crawler.schema import article_schema, schema_problems
from tests.storage_support import article

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "crawler" / "article.schema.json"
SCALARS = {"str": "string", "int": "integer", "bool": "boolean"}
NESTED = {"list[Image]": Image, "list[Related]": Related}


def expected_type(annotation: str) -> dict[str, Any]:
    """The JSON Schema type keywords a dataclass annotation must have."""
    base, nullable = annotation.removesuffix(" | None"), annotation.endswith(" | None")
    if base in SCALARS:
        return {"type": [SCALARS[base], "null"] if nullable else SCALARS[base]}
    if base == "list[str]":
        return {"type": "array", "items": {"type": "string"}}
    if base == "RevisionDiff":
        return {"type": ["object", "null"] if nullable else "object"}
    return {"type": "array"}


def test_schema_file_is_valid_json_schema_2020_12() -> None:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)
    assert schema == article_schema()


def test_properties_are_the_fields_in_declaration_order() -> None:
    schema = article_schema()
    names = [f.name for f in dataclasses.fields(ArticleItem)]
    assert list(schema["properties"]) == names
    assert schema["required"] == names
    assert schema["additionalProperties"] is False


@pytest.mark.parametrize("item_field", dataclasses.fields(ArticleItem), ids=lambda f: f.name)
def test_property_type_and_description_follow_the_dataclass(item_field: dataclasses.Field[Any]) -> None:
    prop = article_schema()["properties"][item_field.name]
    for key, value in expected_type(str(item_field.type)).items():
        assert prop[key] == value, f"{item_field.name}.{key}"
    assert prop["description"] == attribute_docs(ArticleItem)[item_field.name]


@pytest.mark.parametrize("annotation", sorted(NESTED))
def test_nested_objects_follow_their_dataclasses(annotation: str) -> None:
    cls = NESTED[annotation]
    name = next(f.name for f in dataclasses.fields(ArticleItem) if str(f.type) == annotation)
    items = article_schema()["properties"][name]["items"]
    assert list(items["properties"]) == [f.name for f in dataclasses.fields(cls)] == items["required"]
    docs = attribute_docs(cls)
    for nested in dataclasses.fields(cls):
        assert items["properties"][nested.name]["description"] == docs[nested.name]
        assert items["properties"][nested.name]["type"] == expected_type(str(nested.type))["type"]


def test_schema_version_is_pinned() -> None:
    assert article_schema()["properties"]["schema_version"]["const"] == SCHEMA_VERSION == 3


def test_a_complete_item_validates() -> None:
    item = article(7, images=[Image("https://kaltim.antaranews.com/x.jpg", None)],
                   related=[Related("Baca juga", "https://kaltim.antaranews.com/berita/8/y")], revision=1,
                   previous_hash="a" * 64, near_duplicate_of="antara_kalbar:7781")  # fmt: skip
    assert schema_problems(ItemAdapter(item).asdict()) == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"content_hash": "abc"}, "content_hash"),
        ({"published_at": "3 September 2019"}, "published_at"),
        ({"title": ""}, "title"),
        ({"revision": -1}, "revision"),
        ({"schema_version": 1}, "schema_version"),
        ({"tags": [1]}, "tags"),
    ],
)
def test_problems_name_the_field(change: dict[str, Any], field: str) -> None:
    record = {**ItemAdapter(article()).asdict(), **change}
    assert [name for name, _ in schema_problems(record)] == [field]
