"""Parser fixtures: every saved page parsed strictly and compared field by field with its hand-written record.

One test id per (case, field), e.g. `post-content/seed-bpjs-initials-only-reporter-body`, so a
broken selector shows up as the fields it breaks. Also per case: boilerplate that must never
reach the body, and the JSON round trip. The rules tests check the fixture set itself (every
era and registry row covered, every key present, keys sorted, deliberate empties explained)
and need no parser. Review a failure with `python tests/fixture_diff.py <case>`.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

import lxml.html
import pytest
from itemadapter import ItemAdapter

from tests.fixture_diff import (
    FIXTURES,
    NOT_ARTICLE_KEY,
    RECORD_FIELDS,
    Case,
    as_record,
    discover,
    family_registry,
    parse,
)

CASES = discover()
ARTICLES = [case for case in CASES if case.is_article]
ERAS = ("post-content", "wrap-article-detail", "amp", "not-article", "regions")
"""Era folders that must hold at least one fixture (others, such as full-page copies, may be added)."""
NOT_ARTICLE_REASONS = ("photo_page", "video_page", "infographic_page", "listing_page", "soft_404", "no_body")
LAYOUTS = ("antara/post-content", "antara/wrap-article-detail", "antara/amp")
FETCHED_AT = "2026-11-24T10:00:00+00:00"

MUST_NOT_CONTAIN = {
    "antara": (
        "Pewarta:",
        "Pewarta :",
        "Editor:",
        "Editor :",
        "Penerjemah:",
        "Reporter:",
        "Translator:",
        "Fotografer:",
        "Foto:",
        "COPYRIGHT",
        "Copyright ©",
        "©",
        "Baca juga",
        "Dilarang keras",
        "pengindeksan otomatis",
        "Berita ini telah tayang",
        "adsbygoogle",
        "ANTARA FOTO/",
        "(ANTARA/",
        "/Humas",
        "(Adv)",
        "(*)",
        "(ANTARA)",
        "Terpopuler",
        "Berita Terkait",
        "\xa0",
    ),
}
"""Text that never belongs in a body: credit labels, copyright, inserts, disclaimer, ads, captions, page chrome."""

DELIBERATE = ("published_at", "dateline", "section", "copyright", "reporters", "editors")
"""Fields whose null/[] in an expectation must be explained by naming the field in the meta `_why`."""

_RESULTS: dict[str, Any] = {}
"""Module-level cache: each page is parsed once for all its field tests (value or the exception raised)."""


def result_of(case: Case) -> Any:
    if case.name not in _RESULTS:
        try:
            _RESULTS[case.name] = parse(case)
        except Exception as exc:  # cached so every field test of the case reports the same failure
            _RESULTS[case.name] = exc
    result = _RESULTS[case.name]
    if isinstance(result, Exception):
        raise result
    return result


def record_of(case: Case) -> dict[str, Any]:
    return as_record(result_of(case))


def _field_params() -> list[Any]:
    params = []
    for case in CASES:
        keys = RECORD_FIELDS if case.is_article else (NOT_ARTICLE_KEY,)
        params += [pytest.param(case, key, id=f"{case.name}-{key}") for key in keys]
    return params


# --- the parser against the expectations ---------------------------------------------------------


@pytest.mark.parametrize(("case", "key"), _field_params())
def test_field(case: Case, key: str) -> None:
    actual = record_of(case)
    if not case.is_article:
        assert actual == case.expected, f"{case.name}: expected a non-article {case.expected}"
        return
    assert NOT_ARTICLE_KEY not in actual, f"{case.name}: parsed as not an article ({actual[NOT_ARTICLE_KEY]})"
    assert actual[key] == case.expected[key]


@pytest.mark.parametrize("case", ARTICLES, ids=[f"{c.name}-body-boilerplate" for c in ARTICLES])
def test_body_has_no_boilerplate(case: Case) -> None:
    actual = record_of(case)
    body = actual.get("body", "")
    leaks = [text for text in MUST_NOT_CONTAIN[case.family] if text in body]
    captions = [image["caption"] for image in case.expected["images"] if image["caption"]]
    leaks += [caption for caption in captions if caption in body]
    assert not leaks, f"boilerplate in body: {leaks}"


@pytest.mark.parametrize("case", ARTICLES, ids=[f"{c.name}-json-roundtrip" for c in ARTICLES])
def test_json_roundtrip(case: Case) -> None:
    record = ItemAdapter(result_of(case)).asdict()
    line = json.dumps(record, ensure_ascii=False)
    assert "\n" not in line
    assert json.loads(line) == record


# --- the fixture set itself (no parser needed) ------------------------------------------------------


def test_every_era_has_fixtures() -> None:
    eras = {case.era for case in CASES}
    assert set(ERAS) <= eras, f"eras without fixtures: {sorted(set(ERAS) - eras)}"
    layouts = {case.expected["layout"] for case in ARTICLES}
    assert layouts == set(LAYOUTS), f"layouts: {sorted(layouts)}"


def test_every_registry_row_has_a_region_fixture() -> None:
    antara = set(family_registry("antara"))
    regions = {case.name.removeprefix("regions/") for case in CASES if case.era == "regions"}
    assert regions == antara, f"missing: {sorted(antara - regions)}; unknown: {sorted(regions - antara)}"


def test_not_article_reasons_are_known() -> None:
    reasons = {case.expected[NOT_ARTICLE_KEY] for case in CASES if not case.is_article}
    assert reasons == set(NOT_ARTICLE_REASONS)
    assert all(case.era == "not-article" for case in CASES if not case.is_article)


@pytest.mark.parametrize("case", CASES, ids=[f"{c.name}-fixture-files" for c in CASES])
def test_fixture_files_are_well_formed(case: Case) -> None:
    meta = case.meta
    assert {"url", "portal", "fetched_at", "_why"} <= set(meta), "meta needs url, portal, fetched_at and _why"
    text = case.json_path.read_text(encoding="utf-8")
    keys = list(json.loads(text))
    assert keys == sorted(keys), "expected JSON keys must be sorted"
    if case.is_article:
        missing, extra = set(RECORD_FIELDS) - set(keys), set(keys) - set(RECORD_FIELDS)
        assert not missing and not extra, f"missing {missing}, extra {extra}"
    else:
        assert keys == [NOT_ARTICLE_KEY]
    assert not case.json_path.with_name(case.json_path.name + ".unreviewed").exists(), "unreviewed output left behind"


@pytest.mark.parametrize("case", ARTICLES, ids=[f"{c.name}-expected-consistent" for c in ARTICLES])
def test_expectation_is_consistent(case: Case) -> None:
    """Derived fields follow from the hand-written ones, so a hand edit cannot leave them stale."""
    want, meta = case.expected, case.meta
    assert want["crawled_at"] == meta["fetched_at"] == FETCHED_AT
    assert want["fetched_url"] == meta["url"] and want["portal"] == meta["portal"]
    assert want["content_hash"] == hashlib.sha256(f"{want['title']}\n\n{want['body']}".encode()).hexdigest()
    assert want["word_count"] == len(want["body"].split())
    assert want["body"] == "\n\n".join(" ".join(p.split()) for p in want["body"].split("\n\n"))
    match = re.fullmatch(r"https://[a-z]+\.antaranews\.com/berita/(\d+)/[a-z0-9-]+", want["url"])
    assert match, want["url"]
    assert want["id"] == f"{meta['portal']}:{match.group(1)}"
    assert want["layout"] in LAYOUTS
    assert (want["revision"], want["previous_hash"], want["near_duplicate_of"]) == (0, None, None)
    assert (want["warc_file"], want["warc_record_id"], want["schema_version"]) == (None, None, 3)


@pytest.mark.parametrize("case", ARTICLES, ids=[f"{c.name}-empties-explained" for c in ARTICLES])
def test_empty_values_are_deliberate(case: Case) -> None:
    unexplained = [key for key in DELIBERATE if case.expected[key] in (None, []) and key not in case.meta["_why"]]
    assert not unexplained, f"null/[] without a reason in meta _why: {unexplained}"


def test_fixture_folder_has_no_strays() -> None:
    allowed = (".html", ".json", ".meta.json")
    for path in (FIXTURES / "antara").rglob("*"):
        if path.is_file() and path.name != "README.md":
            assert path.name.endswith(allowed), f"stray file {path}"
            assert path.name.endswith(".html") or path.with_name(path.name.split(".")[0] + ".html").exists(), path


@pytest.mark.parametrize("case", ARTICLES, ids=[f"{c.name}-expected-in-page" for c in ARTICLES])
def test_expected_texts_occur_in_page(case: Case) -> None:
    """Every hand-written text value is on the page (tags dropped, whitespace collapsed): catches typos in edits."""
    page = " ".join(lxml.html.fromstring(case.html_path.read_bytes()).text_content().split())
    want = case.expected
    texts = [want["title"], want["published_at_raw"], *want["body"].split("\n\n"), *want["credit_lines"]]
    texts += [want["copyright"] or "", want["dateline"] or "", *want["tags"], *(want["section"] or "",)]
    texts += [image["caption"] or "" for image in want["images"]] + [link["title"] for link in want["related"]]
    for role in ("reporters", "editors", "translators", "photographers", "contributors"):
        texts += want[role]
    missing = [text for text in texts if " ".join(text.split()) not in page]
    assert not missing, f"not on the page: {missing}"
