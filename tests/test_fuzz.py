"""Bad input to the parser: mutated fixture pages never make a page object raise.

A seeded mutation loop (`MUTATIONS` cases, reproducible from `SEED`) takes the saved pages of
`tests/fixtures/` and deletes, duplicates and shuffles nodes, cuts documents off, adds huge
attributes, nests tags thousands deep, splices in binary junk or serves nothing at all.
Each mutated page goes through its portal's page object as in a crawl (non-strict): the
result must be an `ArticleItem` that validates against `crawler/article.schema.json`
(warnings allowed) or an explicit `NotAnArticle` with a reason; an exception is a failure.

Table tests then check that unreadable dates, credit lines without names and a copyright
year that is not a year become warnings on a kept record, not crashes.
"""

from __future__ import annotations

import copy
import random
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import Any

import lxml.html
import pytest
from itemadapter import ItemAdapter
from lxml import etree
from scrapy.http import HtmlResponse

from crawler.items import ArticleItem
from crawler.portals.base import NotAnArticle
from crawler.schema import schema_problems
from tests.fixture_diff import Case, discover, family_registry

SEED = 20261125
MUTATIONS = 600
CASES = discover()
FETCHED_AT = datetime.fromisoformat("2026-11-24T10:00:00+00:00")


# --- mutations: (rng, page bytes) -> mutated bytes ---------------------------------------------------------------


def _tree(page: bytes) -> etree._Element:
    return lxml.html.document_fromstring(page, parser=lxml.html.HTMLParser(encoding="utf-8"))


def _elements(root: etree._Element) -> list[etree._Element]:
    return [node for node in root.iter() if isinstance(node.tag, str) and node.getparent() is not None]


def _bytes(root: etree._Element) -> bytes:
    return lxml.html.tostring(root, encoding="utf-8")


def delete_nodes(rng: random.Random, page: bytes) -> bytes:
    root = _tree(page)
    for node in rng.sample(_elements(root), k=min(rng.randint(1, 8), len(_elements(root)))):
        if node.getparent() is not None:
            node.drop_tree()
    return _bytes(root)


def duplicate_nodes(rng: random.Random, page: bytes) -> bytes:
    root = _tree(page)
    for node in rng.sample(_elements(root), k=min(3, len(_elements(root)))):
        parent = node.getparent()
        if parent is not None:
            for _ in range(rng.randint(1, 3)):
                parent.insert(parent.index(node), copy.deepcopy(node))
    return _bytes(root)


def shuffle_children(rng: random.Random, page: bytes) -> bytes:
    root = _tree(page)
    for node in rng.sample(_elements(root), k=min(5, len(_elements(root)))):
        children = list(node)
        rng.shuffle(children)
        for child in children:
            node.append(child)
    return _bytes(root)


def cut_off(rng: random.Random, page: bytes) -> bytes:
    return page[: rng.randrange(len(page) + 1)]


def huge_attribute(rng: random.Random, page: bytes) -> bytes:
    root = _tree(page)
    node = rng.choice(_elements(root))
    name = rng.choice(("class", "href", "content", "data-x", "datetime", "src"))
    node.set(name, rng.choice(("a", "\u00e9", "Pewarta: ", "2024-")) * rng.randint(10_000, 300_000))
    return _bytes(root)


def deep_nesting(rng: random.Random, page: bytes) -> bytes:
    depth = rng.randint(300, 5000)
    tag = rng.choice(("div", "span", "b", "p"))
    nest = f"<{tag}>" * depth + "deep" + f"</{tag}>" * rng.choice((0, depth))
    at = rng.randrange(len(page) + 1)
    return page[:at] + nest.encode() + page[at:]


def binary_junk(rng: random.Random, page: bytes) -> bytes:
    junk = bytes(rng.randrange(256) for _ in range(rng.randint(1, 4096)))
    at = rng.randrange(len(page) + 1)
    return page[:at] + junk + page[at + rng.randint(0, 512) :]


def empty_document(rng: random.Random, page: bytes) -> bytes:
    return rng.choice((b"", b" ", b"\x00", b"<html></html>", b"<!doctype html>", b"\xef\xbb\xbf", b"<html><body>"))


def swap_texts(rng: random.Random, page: bytes) -> bytes:
    """Texts moved between nodes: dates into credits, names into dates, junk into the title."""
    root = _tree(page)
    nodes = [n for n in _elements(root) if n.text and n.text.strip()]
    if len(nodes) >= 2:
        for _ in range(rng.randint(1, 10)):
            a, b = rng.sample(nodes, 2)
            a.text, b.text = b.text, rng.choice((a.text, "", "\u0000\ufffd\u202e", "Pewarta: , dan /", "32/13/0000"))
    return _bytes(root)


MUTATORS: tuple[Callable[[random.Random, bytes], bytes], ...] = (
    delete_nodes,
    duplicate_nodes,
    shuffle_children,
    cut_off,
    huge_attribute,
    deep_nesting,
    binary_junk,
    empty_document,
    swap_texts,
)


def mutated_pages() -> list[tuple[str, Case, bytes]]:
    rng = random.Random(SEED)
    pages = []
    for number in range(MUTATIONS):
        case = CASES[number % len(CASES)]
        mutate = MUTATORS[number % len(MUTATORS)]
        page = case.html_path.read_bytes()
        for _ in range(rng.choice((1, 1, 1, 2))):  # some pages get two mutations
            try:
                page = mutate(rng, page)
            except (etree.ParserError, ValueError, IndexError):  # a page the mutator itself cannot parse: cut it
                page = cut_off(rng, page)
        pages.append((f"{number:03d}-{mutate.__name__}-{case.name}", case, page))
    return pages


def parse_page(case: Case, page: bytes, url: str | None = None) -> ArticleItem | NotAnArticle:
    portal = family_registry(case.family)[case.meta["portal"]]
    response = HtmlResponse(url=url or case.meta["url"], body=page)
    return portal.article_page(response, portal, fetched_at=FETCHED_AT).to_item()


def check_result(result: Any) -> str:
    """'article' or 'not_an_article:<reason>'; raises AssertionError for anything else."""
    if isinstance(result, NotAnArticle):
        assert isinstance(result.reason, str) and result.reason, result
        return f"not_an_article:{result.reason}"
    assert isinstance(result, ArticleItem), f"{type(result).__name__} is neither a record nor NotAnArticle"
    record = ItemAdapter(result).asdict()
    assert schema_problems(record) == [], (schema_problems(record), record.get("warnings"))
    return "article"


def test_five_hundred_mutated_pages_never_raise() -> None:
    outcomes: Counter[str] = Counter()
    failures = []
    for name, case, page in mutated_pages():
        try:
            outcomes[check_result(parse_page(case, page))] += 1
        except Exception as exc:  # collected, so that one run lists every failing case
            failures.append(f"{name}: {type(exc).__name__}: {str(exc)[:300]}")
    print(f"{MUTATIONS} mutated pages: {dict(sorted(outcomes.items()))}")  # noqa: T201 (figures for the README)
    assert failures == [], "\n".join(failures[:20])
    assert sum(outcomes.values()) == MUTATIONS >= 500
    assert outcomes["article"] > 0 and any(key.startswith("not_an_article") for key in outcomes)


def test_every_mutator_and_fixture_is_used() -> None:
    names = [name for name, _, _ in mutated_pages()]
    assert {m.__name__ for m in MUTATORS} == {name.split("-", 2)[1].replace("-", "_") for name in names}
    assert len(CASES) >= 50 and len(CASES) <= MUTATIONS


# --- table tests: unreadable values become warnings ----------------------------------------------------------------

WRAP_CASE = next(case for case in CASES if case.is_article and case.era == "wrap-article-detail")
POST_CASE = next(case for case in CASES if case.is_article and case.era == "post-content")


def _page_with(case: Case, old: str, new: str) -> bytes:
    text = case.html_path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {case.name}"
    return text.replace(old, new).encode("utf-8")


def _raw(case: Case, field: str) -> str:
    value = case.expected[field]
    assert isinstance(value, str) and value, (case.name, field)
    return value


@pytest.mark.parametrize("case", [WRAP_CASE, POST_CASE], ids=lambda c: c.name)
@pytest.mark.parametrize(
    "printed",
    ["Hari ini pukul ??:??", "Senin, 32 Juli 20x9 25:99 WIB", "kemarin sore", "0000-00-00", "\u202e\u0000", "-"],
)
def test_unreadable_date_is_a_warning(case: Case, printed: str) -> None:
    page = _page_with(case, _raw(case, "published_at_raw"), printed)
    result = parse_page(case, page)
    check_result(result)
    assert isinstance(result, ArticleItem)
    if result.published_at is None:
        assert any(w.startswith("published_at:") for w in result.warnings), result.warnings


@pytest.mark.parametrize(
    "credit_line",
    ["Pewarta: <br>Editor : ", "Pewarta:,  dan  /<br>Editor: -", "Pewarta", "Editor :&nbsp;", "Pewarta: (*)"],
)
def test_credits_without_names_keep_the_record(credit_line: str) -> None:
    """No names, no crash: the record is kept with the verbatim line and no invented name.

    An empty name after a label is a real variant of the site (`Editor :&nbsp;`, fixture
    `empty-editor-nbsp`), which the parser's fixtures deliberately record without a warning;
    a whole run of nameless credits shows up in the run monitor's reporter/editor coverage.
    """
    case = WRAP_CASE
    lines = case.expected["credit_lines"]
    page = case.html_path.read_text(encoding="utf-8")
    first, last = page.find(lines[0]), page.find(lines[-1])
    assert first >= 0 and last >= first, lines
    page = page[:first] + credit_line + page[last + len(lines[-1]) :]
    result = parse_page(case, page.encode())
    check_result(result)
    assert isinstance(result, ArticleItem)
    names = [*result.reporters, *result.editors, *result.translators, *result.photographers]
    assert all(any(ch.isalpha() for ch in name) for name in names), names


@pytest.mark.parametrize("year", ["20XX", "99999", "0", "2O24", "", "-2024", "١٢٣٤"])
def test_copyright_year_that_is_not_a_year_is_a_warning(year: str) -> None:
    case = next(c for c in CASES if c.is_article and c.expected["copyright_year"])
    copyright_line = _raw(case, "copyright")
    page = _page_with(case, copyright_line, copyright_line.replace(str(case.expected["copyright_year"]), year))
    result = parse_page(case, page)
    check_result(result)
    assert isinstance(result, ArticleItem)
    assert result.copyright_year is None or 1900 <= result.copyright_year <= 2100, result.copyright_year
