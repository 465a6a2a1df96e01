"""`crawler.gcfreeze`: the start-up heap frozen, and the young generation collected less often, once the engine starts."""

from __future__ import annotations

import gc

from scrapy.utils.test import get_crawler

from crawler.gcfreeze import YOUNG_THRESHOLD, GcFreeze


def test_engine_start_freezes_the_heap_and_raises_the_young_threshold() -> None:
    before = gc.get_threshold()
    extension = GcFreeze.from_crawler(get_crawler(settings_dict={"ARCHIVE_GC_FREEZE_ENABLED": True}))
    try:
        extension.engine_started()
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == (YOUNG_THRESHOLD, *before[1:])
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
