"""Schema validation: problems become item warnings and stats; an item is never dropped for them."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Self

from itemadapter import ItemAdapter
from scrapy.exceptions import NotConfigured

from crawler.schema import prepare, schema_problems
from pipelines import as_record

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)


class ValidatePipeline:
    """Validates each item against `crawler/article.schema.json` (JSON Schema 2020-12).

    Each problem is appended to `warnings` as `<field>: schema: <message>` (spidermon's
    `_validation`, zyte-common-items' `validationMessages`): the archive keeps the article
    and says what is wrong with it, rather than losing it.

    Settings: ARCHIVE_VALIDATE_ENABLED.
    Stats: archive/validate/items, archive/validate/invalid, archive/validate/field/<field>.
    """

    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("ARCHIVE_VALIDATE_ENABLED"):
            raise NotConfigured("ARCHIVE_VALIDATE_ENABLED is off")
        assert crawler.stats is not None
        prepare()
        return cls(crawler.stats)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        self.stats.inc_value("archive/validate/items")
        # `warnings` must stay a list of strings whatever else is wrong, or the problems could not be recorded.
        if not isinstance(adapter.get("warnings"), list):
            adapter["warnings"] = []
        problems = schema_problems(as_record(item))
        if not problems:
            return item
        self.stats.inc_value("archive/validate/invalid")
        for field, message in problems:
            self.stats.inc_value(f"archive/validate/field/{field}")
            adapter["warnings"].append(f"{field}: schema: {message}")
        logger.warning("%s breaks the schema: %s", adapter.get("id") or adapter.get("url"), problems)
        return item
