"""Generic page object on saved pages: every field of every case against its hand-written record.

Fixtures live in `tests/fixtures/generic/<preset-or-kind>/<case>.html|.json|.meta.json`, in the
format of the ANTARA fixtures (loaded with `tests/fixture_diff.py`). A case of the `portal`
kind is a page of an unknown portal: its meta gives the `base_url` the `portal` spider
would have been started with, and the row is built exactly as that spider builds it.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

import pytest
from itemadapter import ItemAdapter

from crawler.portals.base import PortalDefinition
from crawler.portals.generic import any_portal
from crawler.portals.generic.definition import normalised_path, path_id
from crawler.portals.registry import load_registry
from tests.fixture_diff import NOT_ARTICLE_KEY, RECORD_FIELDS, Case, as_record, discover, response_for

CASES = discover(("generic",))
ARTICLES = [case for case in CASES if case.is_article]
FETCHED_AT = "2026-11-24T10:00:00+00:00"
MUST_NOT_CONTAIN = (
    "Baca juga",
    "Baca Juga",
    "Simak juga",
    "Lihat juga",
    "ADVERTISEMENT",
    "Bagikan",
    "Google News",
    "Laporan Wartawan",
    "Penulis:",
    "Editor:",
    "Editor :",
    "Reporter",
    "Wartawan:",
    "Foto:",
    "Copyright",
    "©",
    "TRIBUNKALTIM.CO,",
    "NIAGA.ASIA",
    "Populer",
    "Terpopuler",
)
"""Boilerplate of the Kalimantan portals that never belongs in a body."""
_RESULTS: dict[str, Any] = {}


def portal_of(case: Case) -> PortalDefinition:
    registry = load_registry()
    meta = case.meta
    return registry[meta["portal"]] if meta["portal"] in registry else any_portal(meta["base_url"])


def record_of(case: Case) -> dict[str, Any]:
    if case.name not in _RESULTS:
        portal = portal_of(case)
        fetched_at = datetime.fromisoformat(case.meta["fetched_at"])
        page = portal.article_page(response_for(case), portal, fetched_at=fetched_at, strict=True)
        _RESULTS[case.name] = as_record(page.to_item())
    return _RESULTS[case.name]


def _field_params() -> list[Any]:
    params = []
    for case in CASES:
        keys = RECORD_FIELDS if case.is_article else (NOT_ARTICLE_KEY,)
        params += [pytest.param(case, key, id=f"{case.name}-{key}") for key in keys]
    return params


@pytest.mark.parametrize(("case", "key"), _field_params())
def test_field(case: Case, key: str) -> None:
    actual = record_of(case)
    if not case.is_article:
        assert actual == case.expected
        return
    assert NOT_ARTICLE_KEY not in actual, f"{case.name}: parsed as not an article ({actual[NOT_ARTICLE_KEY]})"
    assert actual[key] == case.expected[key]


@pytest.mark.parametrize("case", ARTICLES, ids=[f"{c.name}-body-boilerplate" for c in ARTICLES])
def test_body_has_no_boilerplate(case: Case) -> None:
    body = record_of(case).get("body", "")
    leaks = [text for text in MUST_NOT_CONTAIN if text in body]
    leaks += [image["caption"] for image in case.expected["images"] if image["caption"] and image["caption"] in body]
    leaks += [line for line in case.expected["credit_lines"] if line in body]
    assert not leaks, f"boilerplate in body: {leaks}"


@pytest.mark.parametrize("case", ARTICLES, ids=[f"{c.name}-json-roundtrip" for c in ARTICLES])
def test_json_roundtrip(case: Case) -> None:
    portal = portal_of(case)
    item = portal.article_page(response_for(case), portal, fetched_at=datetime.fromisoformat(FETCHED_AT)).to_item()
    record = ItemAdapter(item).asdict()
    assert json.loads(json.dumps(record, ensure_ascii=False)) == record


def test_every_generic_row_has_a_fixture() -> None:
    generic = {name for name, portal in load_registry().items() if portal.family == "generic"}
    presets = {case.era for case in CASES}
    assert generic | {"portal"} == presets, f"missing: {sorted(generic - presets)}"


@pytest.mark.parametrize("case", CASES, ids=[f"{c.name}-fixture-files" for c in CASES])
def test_fixture_files_are_well_formed(case: Case) -> None:
    assert {"url", "portal", "fetched_at", "_why"} <= set(case.meta)
    keys = list(json.loads(case.json_path.read_text(encoding="utf-8")))
    assert keys == sorted(keys), "expected JSON keys must be sorted"
    assert set(keys) == (set(RECORD_FIELDS) if case.is_article else {NOT_ARTICLE_KEY})


@pytest.mark.parametrize("case", ARTICLES, ids=[f"{c.name}-expected-consistent" for c in ARTICLES])
def test_expectation_is_consistent(case: Case) -> None:
    """Derived fields follow from the hand-written ones; the id follows the documented rule."""
    want, meta = case.expected, case.meta
    assert want["crawled_at"] == meta["fetched_at"] == FETCHED_AT
    assert want["fetched_url"] == meta["url"] and want["portal"] == meta["portal"]
    assert want["content_hash"] == hashlib.sha256(f"{want['title']}\n\n{want['body']}".encode()).hexdigest()
    assert want["word_count"] == len(want["body"].split())
    assert want["id"] == f"{meta['portal']}:{path_id(normalised_path(want['url']))}"
    assert want["layout"] == "generic" and want["warnings"][0].startswith("body: heuristic")
    assert (want["revision"], want["warc_file"], want["schema_version"]) == (0, None, 3)


@pytest.mark.parametrize("case", ARTICLES, ids=[f"{c.name}-empties-explained" for c in ARTICLES])
def test_empty_values_are_deliberate(case: Case) -> None:
    deliberate = ("published_at", "dateline", "section", "copyright", "reporters", "editors", "tags")
    unexplained = [key for key in deliberate if case.expected[key] in (None, []) and key not in case.meta["_why"]]
    assert not unexplained, f"null/[] without a reason in meta _why: {unexplained}"
