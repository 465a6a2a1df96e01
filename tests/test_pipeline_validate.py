"""ValidatePipeline: schema problems become warnings and stats; the article is kept."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy.exceptions import NotConfigured

from crawler import schema
from crawler.items import ArticleItem
from pipelines.validate import ValidatePipeline
from tests.storage_support import Chain, article, make_crawler, read_records


def test_a_valid_item_passes_untouched(tmp_path: Path) -> None:
    crawler = make_crawler(tmp_path)
    pipeline = ValidatePipeline.from_crawler(crawler)
    item = article()
    assert pipeline.process_item(item) is item
    assert item.warnings == []
    assert crawler.stats.get_value("archive/validate/items") == 1
    assert crawler.stats.get_value("archive/validate/invalid") is None


def test_the_fast_check_is_compiled_when_the_pipeline_is_built_not_at_the_first_record(tmp_path: Path) -> None:
    schema._is_valid.cache_clear()
    ValidatePipeline.from_crawler(make_crawler(tmp_path))
    assert schema._is_valid.cache_info().currsize == 1


def test_problems_go_to_warnings_and_stats(tmp_path: Path) -> None:
    crawler = make_crawler(tmp_path)
    item = article(published_at="Selasa, 3 September 2019", warnings=["editors: credit block not found"])
    item.content_hash = "not-a-hash"
    ValidatePipeline.from_crawler(crawler).process_item(item)
    assert item.warnings[0] == "editors: credit block not found"
    assert [w.split(":")[0] for w in item.warnings[1:]] == ["content_hash", "published_at"]
    assert all(": schema: " in w for w in item.warnings[1:])
    assert crawler.stats.get_value("archive/validate/invalid") == 1
    assert crawler.stats.get_value("archive/validate/field/published_at") == 1


def test_an_invalid_item_is_still_stored(tmp_path: Path) -> None:
    chain = Chain.open(tmp_path)
    item = article()
    item.title = ""
    stored = chain.feed(item)
    chain.close()
    assert isinstance(stored, ArticleItem)
    [record] = read_records(tmp_path)
    assert record["warnings"] == [w for w in record["warnings"] if w.startswith("title: schema: ")] != []


def test_broken_warnings_field_does_not_crash(tmp_path: Path) -> None:
    item = article()
    item.warnings = None  # type: ignore[assignment]
    ValidatePipeline.from_crawler(make_crawler(tmp_path)).process_item(item)
    assert item.warnings == []


def test_can_be_switched_off(tmp_path: Path) -> None:
    with pytest.raises(NotConfigured):
        ValidatePipeline.from_crawler(make_crawler(tmp_path, ARCHIVE_VALIDATE_ENABLED=False))
