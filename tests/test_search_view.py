"""What Pagefind reads from a page (search/view.py): two pages with the same digest give
Pagefind the same words, so their index part need not be made again. Every case where a page
could give Pagefind other words must change the digest; the ones that cannot, may keep it."""

from __future__ import annotations

import pytest

from kaffee_site.search.view import search_view

PAGE = ("<!doctype html>\n<html lang=\"de\">\n<head><title>{title}</title>{head}</head>\n<body>\n"
        "<header><a class=\"site-title\" href=\"/\">{site}</a>{header}</header>\n"
        "<main><div data-pagefind-body data-pagefind-meta=\"kind:topic\">\n<h1>Verstetigung</h1>\n"
        "<div class=\"inner\"><p>{first}</p></div>\n<p>{after}</p>\n"
        "<svg role=\"img\"><title>Sitzungen je Jahr</title><rect/></svg>\n</div></main>\n"
        "<footer><p>{site}</p></footer>\n</body>\n</html>\n")
PARTS = dict(title="Verstetigung – Archiv", head="", site="Archiv", header="", first="Erstens", after="Danach")


def view(**changes: str) -> str:
    return search_view(PAGE.format(**{**PARTS, **changes}).encode("utf-8"))


@pytest.mark.parametrize("change", [
    dict(site="Ganz anderes Archiv"),  # header and footer, outside the marked element
    dict(title="Verstetigung – Neues Archiv"),  # the page has an <h1>, so Pagefind never uses <title>
    dict(head='<link rel="alternate" title="Archiv (Atom)" href="/feed.xml">'),
])
def test_what_lies_outside_the_indexed_element_keeps_the_digest(change: dict):
    assert view(**change) == view()


@pytest.mark.parametrize("change", [
    dict(first="Zweitens"),  # inside a nested element
    dict(after="Später"),  # after the nested element's end, still inside the marked one
    dict(header="<h1>Archiv</h1>"),  # the first <h1> anywhere is the result's title
    dict(header='<img src="/logo.png" alt="Logo">'),  # an image may become the result's image
    dict(header='<span data-pagefind-filter="ort">Kreis A</span>'),  # filters count anywhere
    dict(head='<meta data-pagefind-meta="image[content]" content="/x.png">'),
    dict(head='<script src="/pagefind/pagefind-ui.js"></script>'),
])
def test_what_pagefind_reads_changes_the_digest(change: dict):
    assert view(**change) != view()


def test_the_language_changes_the_digest():
    page = PAGE.format(**PARTS).encode("utf-8")
    assert search_view(page.replace(b'lang="de"', b'lang="en"')) != search_view(page)


def test_without_an_h1_the_title_element_counts():
    page = PAGE.format(**PARTS).encode("utf-8").replace(b"<h1>Verstetigung</h1>", b"")
    assert search_view(page.replace(b"Verstetigung \xe2\x80\x93 Archiv", b"Neu")) != search_view(page)
    blank = page.replace(b"<main><div", b"<main><h1> <span></span> </h1><div")  # an <h1> without text is no title
    assert search_view(blank.replace(b"Verstetigung \xe2\x80\x93 Archiv", b"Neu")) != search_view(blank)


@pytest.mark.parametrize("inside", [
    "<!-- </div> -->",  # a comment could hold what looks like the element's end
    "<script>let end = '</div>'</script>",
    "<title></div></title>",  # a <title> outside <svg> holds raw text
])
def test_text_that_could_fool_the_count_makes_the_whole_page_count(inside: str):
    assert view(first=inside, site="Anderes Archiv") != view(first=inside)


@pytest.mark.parametrize("page", [
    "<html><body><p data-pagefind-body>Text</p><footer>{site}</footer></body></html>",  # an end tag may be left out
    "<html><body><div data-pagefind-body>A</div><div data-pagefind-body>B</div><p>{site}</p></body></html>",
    "<html><body><div data-pagefind-body>A<div>unclosed</div><p>{site}</p></body></html>",  # no end found
    "<html><body><div>{site}</div></body></html>",  # nothing marked: the page is indexed whole
    "<html><body><div DATA-PAGEFIND-BODY>A</div><div Data-Pagefind-Meta='x'>{site}</div></body></html>",
])
def test_pages_not_simple_enough_count_whole(page: str):
    assert search_view(page.format(site="A").encode()) != search_view(page.format(site="B").encode())
