"""The registry is the single source of portals: every row has a spider and resolves under any base_url."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from scrapy.spiderloader import SpiderLoader
from scrapy.utils.project import get_project_settings

from crawler.portals.registry import REGISTRY, load_registry

ROOT = Path(__file__).resolve().parent.parent
PORTALS = sorted(load_registry())


@pytest.mark.e2e
def test_scrapy_list_shows_every_portal() -> None:
    listed = subprocess.run(
        [sys.executable, "-m", "scrapy", "list"], cwd=ROOT, capture_output=True, text=True, check=True, timeout=120
    ).stdout.split()
    assert listed == sorted(listed)
    assert set(PORTALS) <= set(listed)
    assert "antara_kaltim" in listed


def test_every_portal_has_a_spider_carrying_its_row() -> None:
    loader = SpiderLoader.from_settings(get_project_settings())
    for name in PORTALS:
        assert loader.load(name).registry_portal is REGISTRY[name]


@pytest.mark.parametrize("name", PORTALS)
def test_urls_resolve_under_an_overridden_base_url(name: str) -> None:
    portal = REGISTRY[name]
    mirror = portal.with_base_url("http://127.0.0.1:8123/")
    article = f"{portal.base_url}/amp/berita/12345/judul-berita?utm_source=rss#top"
    assert mirror.base_url == "http://127.0.0.1:8123"
    assert mirror.record_id(article) == f"{name}:12345"
    assert portal.canonical_url(article) == f"{portal.base_url}/berita/12345/judul-berita"
    assert mirror.rebase(portal.base_url + "/terkini/2", mirror.base_url) == "http://127.0.0.1:8123/terkini/2"
    assert portal.base_url.startswith("https://") and not portal.base_url.endswith("/")


def test_names_and_hosts_are_unique() -> None:
    hosts = [REGISTRY[name].host for name in PORTALS]
    assert len(set(hosts)) == len(hosts)
    # Family rows are `family_region`; generic presets are named after their portal (`tribunkaltim`).
    assert all(name.startswith(REGISTRY[name].family + "_") for name in PORTALS if REGISTRY[name].family != "generic")
