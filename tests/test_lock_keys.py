"""Which runs exclude each other: one lock per portal, and per site for the generic `portal` spider."""

from __future__ import annotations

from scrapy.spiderloader import get_spider_loader
from scrapy.utils.project import get_project_settings

LOADER = get_spider_loader(get_project_settings())


def test_portal_spiders_lock_on_their_name() -> None:
    assert LOADER.load("antara_kaltim").lock_key(base_url="http://127.0.0.1:1") == "antara_kaltim"


def test_generic_runs_for_different_sites_do_not_share_a_lock() -> None:
    spider = LOADER.load("portal")
    first = spider.lock_key(base_url="https://www.example-portal.id")
    second = spider.lock_key(base_url="https://berita.example.id")
    assert first == "example_portal_id" and second == "berita_example_id"
    assert spider.lock_key(base_url="https://berita.example.id", name="berita") == "berita"
