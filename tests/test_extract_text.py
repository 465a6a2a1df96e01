"""The node-to-text walker: paragraphs from `<br>` pairs and `<p>`, inline text kept, noise dropped."""

from __future__ import annotations

from lxml import html

from crawler.extract.text import Take, blocks, has_class, inline_text, lines


def _root(markup: str) -> html.HtmlElement:
    return html.fragment_fromstring(markup, create_parent="div")


def test_br_pairs_split_paragraphs_and_inline_text_stays() -> None:
    root = _root("First <b>bold</b> and <a href='#'>a link</a>.<br><br>Second<i>ly</i> here.<br><br>")
    assert [b.text for b in blocks(root)] == ["First bold and a link.", "Secondly here."]


def test_p_paragraphs_and_whitespace_collapsed() -> None:
    root = _root("<p>  One\n  two\xa0three </p>\n<p>Four</p>")
    assert [b.text for b in blocks(root)] == ["One two three", "Four"]


def test_scripts_ads_and_styles_are_dropped() -> None:
    root = _root("A<script>push({})</script>B<ins class='adsbygoogle'></ins><style>p{}</style>C<!-- c -->D")
    assert [b.text for b in blocks(root)] == ["ABCD"]


def test_collected_elements_come_back_in_place() -> None:
    root = _root("One<br><br><span class='baca-juga'>Baca juga: <a href='/x'>X</a></span><br><br>Two")

    def decide(element: html.HtmlElement) -> Take:
        return Take.COLLECT if has_class(element, "baca-juga") else Take.KEEP

    found = blocks(root, decide)
    assert [b.text for b in found] == ["One", "", "Two"]
    assert found[1].element is not None and inline_text(found[1].element) == "Baca juga: X"


def test_lines_keep_single_br_as_newline() -> None:
    assert lines(_root("Pewarta: AHM<br>Editor : X<br>COPYRIGHT © ANTARA 2019")) == (
        "Pewarta: AHM\nEditor : X\nCOPYRIGHT © ANTARA 2019"
    )
