"""Parser fixtures of every family: each saved page parsed strictly and compared field by field with its record.

Fixtures live in `tests/fixtures/<family>/<era>/<case>.html|.json|.meta.json` (format and
loader: `tests/fixture_diff.py`), and every family folder runs through the same tests:

* `antara`: an era is a template generation (`post-content`, `wrap-article-detail`, `amp`,
  `not-article`, `regions`, full-page copies), parsed by the family's page objects;
* `generic`: an era is a generic registry row (a preset), or `portal`: a page of an unknown
  portal whose meta gives the `base_url` the `portal` spider would have been started with,
  parsed with the row that spider builds (`crawler.portals.generic.any_portal`).

One test id per (case, field), e.g. `antara/post-content/seed-bpjs-initials-only-reporter-body`,
so a broken selector shows up as the fields it breaks. Also per case: boilerplate that must never
reach the body, and the JSON round trip (strict and as in a crawl). The rules tests check the
fixture set itself (every era and registry row covered, every key present, keys sorted,
deliberate empties explained) and need no parser. Review a failure with
`python tests/fixture_diff.py <family>/<era>/<case>`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import lxml.html
import pytest
from itemadapter import ItemAdapter

from tests.fixture_diff import (
    FIXTURES,
    NOT_ARTICLE_KEY,
    RECORD_FIELDS,
    Case,
    all_families,
    as_record,
    discover,
    family_registry,
    parse,
)

FAMILIES = all_families()
CASES = discover(FAMILIES)
ARTICLES = [case for case in CASES if case.is_article]
FETCHED_AT = "2026-11-24T10:00:00+00:00"


# --- what differs between families ---------------------------------------------------------------------------------


def _antara_identity(want: dict[str, Any], meta: dict[str, Any]) -> None:
    match = re.fullmatch(r"https://[a-z]+\.antaranews\.com/berita/(\d+)/[a-z0-9-]+", want["url"])
    assert match, want["url"]
    assert want["id"] == f"{meta['portal']}:{match.group(1)}"


def _generic_identity(want: dict[str, Any], meta: dict[str, Any]) -> None:
    """The documented id rule of the generic family; every body is the heuristic extraction."""
    # Imported here, as `family_registry` imports a family: another family's breakage cannot break these tests.
    from crawler.portals.generic.definition import normalised_path, path_id

    assert want["id"] == f"{meta['portal']}:{path_id(normalised_path(want['url']))}"
    assert want["warnings"][0].startswith("body: heuristic")


@dataclass(frozen=True)
class Family:
    """The rules of one family folder."""

    eras: tuple[str, ...]
    """Era folders that must hold at least one fixture (others may be added)."""
    layouts: tuple[str, ...]
    """The layouts of its article fixtures: every one covered, no other."""
    not_article_reasons: tuple[str, ...]
    """The reasons of its not-an-article fixtures: every one covered, no other."""
    not_article_era: str | None
    """The era folder every not-an-article fixture must be in (None: any)."""
    rows_covered: Callable[[list[Case]], set[str]]
    """The registry rows (spider names) that have a fixture: must be every row of the family."""
    identity: Callable[[dict[str, Any], dict[str, Any]], None]
    """Family-specific checks of an expected record (id rule, ...)."""
    must_not_contain: tuple[str, ...]
    """Text that never belongs in a body."""
    deliberate: tuple[str, ...]
    """Fields whose null/[] in an expectation must be explained by naming the field in the meta `_why`."""
    loose_page_texts: bool
    """Expected texts may come from attribute values (`<meta content>`) and be re-cased (a dateline printed
    `SAMARINDA -`): `test_expected_texts_occur_in_page` then also reads attributes, and compares case-folded."""


RULES: dict[str, Family] = {
    "antara": Family(
        eras=("post-content", "wrap-article-detail", "amp", "not-article", "regions"),
        layouts=("antara/post-content", "antara/wrap-article-detail", "antara/amp"),
        not_article_reasons=("photo_page", "video_page", "infographic_page", "listing_page", "soft_404", "no_body"),
        not_article_era="not-article",
        rows_covered=lambda cases: {case.name.removeprefix("regions/") for case in cases if case.era == "regions"},
        identity=_antara_identity,
        must_not_contain=(
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
        ),  # credit labels, copyright, inserts, disclaimer, ads, captions, page chrome
        deliberate=("published_at", "dateline", "section", "copyright", "reporters", "editors"),
        loose_page_texts=False,
    ),
    "generic": Family(
        eras=("portal",),
        layouts=("generic",),
        not_article_reasons=("no_article_markup",),
        not_article_era=None,
        rows_covered=lambda cases: {case.era for case in cases} - {"portal"},  # one folder per preset
        identity=_generic_identity,
        must_not_contain=(
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
        ),  # boilerplate of the Kalimantan portals
        deliberate=("published_at", "dateline", "section", "copyright", "reporters", "editors", "tags"),
        loose_page_texts=True,  # OpenGraph / article:* meta tags, normalised datelines
    ),
}


def _cases_of(family: str) -> list[Case]:
    return [case for case in CASES if case.family == family]


def _id(case: Case, check: str) -> str:
    return f"{case.family}/{case.name}-{check}"


_RESULTS: dict[tuple[str, str], Any] = {}
"""Module-level cache: each page is parsed once for all its field tests (value or the exception raised)."""


def result_of(case: Case) -> Any:
    key = (case.family, case.name)
    if key not in _RESULTS:
        try:
            _RESULTS[key] = parse(case)
        except Exception as exc:  # cached so every field test of the case reports the same failure
            _RESULTS[key] = exc
    result = _RESULTS[key]
    if isinstance(result, Exception):
        raise result
    return result


def record_of(case: Case) -> dict[str, Any]:
    return as_record(result_of(case))


def _field_params() -> list[Any]:
    params = []
    for case in CASES:
        keys = RECORD_FIELDS if case.is_article else (NOT_ARTICLE_KEY,)
        params += [pytest.param(case, key, id=_id(case, key)) for key in keys]
    return params


# --- the parser against the expectations ---------------------------------------------------------------------------


@pytest.mark.parametrize(("case", "key"), _field_params())
def test_field(case: Case, key: str) -> None:
    actual = record_of(case)
    if not case.is_article:
        assert actual == case.expected, f"{case.name}: expected a non-article {case.expected}"
        return
    assert NOT_ARTICLE_KEY not in actual, f"{case.name}: parsed as not an article ({actual[NOT_ARTICLE_KEY]})"
    assert actual[key] == case.expected[key]


@pytest.mark.parametrize("case", ARTICLES, ids=[_id(c, "body-boilerplate") for c in ARTICLES])
def test_body_has_no_boilerplate(case: Case) -> None:
    body = record_of(case).get("body", "")
    leaks = [text for text in RULES[case.family].must_not_contain if text in body]
    leaks += [image["caption"] for image in case.expected["images"] if image["caption"] and image["caption"] in body]
    leaks += [line for line in case.expected["credit_lines"] if line in body]
    assert not leaks, f"boilerplate in body: {leaks}"


@pytest.mark.parametrize("case", ARTICLES, ids=[_id(c, "json-roundtrip") for c in ARTICLES])
def test_json_roundtrip(case: Case) -> None:
    """The strict result, and the page object as a crawl runs it (not strict), survive one JSON line."""
    for result in (result_of(case), parse(case, strict=False)):
        record = ItemAdapter(result).asdict()
        line = json.dumps(record, ensure_ascii=False)
        assert "\n" not in line
        assert json.loads(line) == record


# --- the fixture set itself (no parser needed) ---------------------------------------------------------------------


def test_every_family_folder_has_rules() -> None:
    assert set(FAMILIES) == set(RULES), f"family folders {FAMILIES}, rules for {sorted(RULES)}"


@pytest.mark.parametrize("family", FAMILIES)
def test_every_era_has_fixtures(family: str) -> None:
    rules, cases = RULES[family], _cases_of(family)
    eras = {case.era for case in cases}
    assert set(rules.eras) <= eras, f"eras without fixtures: {sorted(set(rules.eras) - eras)}"
    layouts = {case.expected["layout"] for case in cases if case.is_article}
    assert layouts == set(rules.layouts), f"layouts: {sorted(layouts)}"


@pytest.mark.parametrize("family", FAMILIES)
def test_every_registry_row_has_a_fixture(family: str) -> None:
    rows = set(family_registry(family))
    covered = RULES[family].rows_covered(_cases_of(family))
    assert covered == rows, f"missing: {sorted(rows - covered)}; unknown: {sorted(covered - rows)}"


@pytest.mark.parametrize("family", FAMILIES)
def test_not_article_reasons_are_known(family: str) -> None:
    rules, cases = RULES[family], [case for case in _cases_of(family) if not case.is_article]
    assert {case.expected[NOT_ARTICLE_KEY] for case in cases} == set(rules.not_article_reasons)
    if rules.not_article_era is not None:
        assert all(case.era == rules.not_article_era for case in cases)


@pytest.mark.parametrize("case", CASES, ids=[_id(c, "fixture-files") for c in CASES])
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


@pytest.mark.parametrize("case", ARTICLES, ids=[_id(c, "expected-consistent") for c in ARTICLES])
def test_expectation_is_consistent(case: Case) -> None:
    """Derived fields follow from the hand-written ones, so a hand edit cannot leave them stale."""
    want, meta = case.expected, case.meta
    assert want["crawled_at"] == meta["fetched_at"] == FETCHED_AT
    assert want["fetched_url"] == meta["url"] and want["portal"] == meta["portal"]
    assert want["content_hash"] == hashlib.sha256(f"{want['title']}\n\n{want['body']}".encode()).hexdigest()
    assert want["word_count"] == len(want["body"].split())
    assert want["body"] == "\n\n".join(" ".join(p.split()) for p in want["body"].split("\n\n"))
    assert want["layout"] in RULES[case.family].layouts
    assert (want["revision"], want["previous_hash"], want["near_duplicate_of"]) == (0, None, None)
    assert (want["warc_file"], want["warc_record_id"], want["schema_version"]) == (None, None, 3)
    RULES[case.family].identity(want, meta)


@pytest.mark.parametrize("case", ARTICLES, ids=[_id(c, "empties-explained") for c in ARTICLES])
def test_empty_values_are_deliberate(case: Case) -> None:
    deliberate = RULES[case.family].deliberate
    unexplained = [key for key in deliberate if case.expected[key] in (None, []) and key not in case.meta["_why"]]
    assert not unexplained, f"null/[] without a reason in meta _why: {unexplained}"


def test_fixture_folder_has_no_strays() -> None:
    allowed = (".html", ".json", ".meta.json")
    for path in FIXTURES.rglob("*"):
        if path.is_file() and path.name != "README.md":
            assert path.name.endswith(allowed), f"stray file {path}"
            assert path.name.endswith(".html") or path.with_name(path.name.split(".")[0] + ".html").exists(), path


@pytest.mark.parametrize("case", ARTICLES, ids=[_id(c, "expected-in-page") for c in ARTICLES])
def test_expected_texts_occur_in_page(case: Case) -> None:
    """Every hand-written text value is on the page (tags dropped, whitespace collapsed): catches typos in edits."""
    root = lxml.html.fromstring(case.html_path.read_bytes())
    page = " ".join(root.text_content().split())
    loose = RULES[case.family].loose_page_texts
    if loose:
        page = " | ".join([page, *(" ".join(value.split()) for node in root.iter() for value in node.attrib.values())])
    want = case.expected
    texts = [want["title"], want["published_at_raw"], *want["body"].split("\n\n"), *want["credit_lines"]]
    texts += [want["copyright"] or "", want["dateline"] or "", *want["tags"], *(want["section"] or "",)]
    texts += [image["caption"] or "" for image in want["images"]] + [link["title"] for link in want["related"]]
    for role in ("reporters", "editors", "translators", "photographers", "contributors"):
        texts += want[role]
    if loose:
        page, texts = page.casefold(), [text.casefold() for text in texts]
    missing = [text for text in texts if " ".join(text.split()) not in page]
    assert not missing, f"not on the page: {missing}"
