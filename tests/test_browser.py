"""Every page of the built book, in Debian's Chromium with the network blocked."""

import re
import shutil

import pytest

from _book import ROOT, audit_page, serve, toc_pages

pytestmark = pytest.mark.browser

SCREENSHOTS = ROOT / "_build" / "screenshots"


def _pages():
    return toc_pages() + ["genindex", "search"]


@pytest.fixture(scope="module")
def site(built_book):
    with serve(built_book) as url:
        yield url


@pytest.mark.parametrize("name", _pages())
def test_page_is_complete_and_offline(browser, site, name):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        problems = audit_page(page, f"{site}/{name}.html",
                              screenshot=SCREENSHOTS / f"{name.replace('/', '__')}.png")
    finally:
        page.close()
    assert problems == []


def test_static_explorer_slider_changes_the_figure(browser, site):
    page = browser.new_page()
    try:
        page.goto(f"{site}/book/how_to_use.html")
        explorer = page.locator(".lk-explorer").first
        image = explorer.locator("img.lk-explorer-frame")
        slider = explorer.locator('input[type="range"]').first
        output = explorer.locator("output").first
        before_src, before_alt, before_label = (
            image.get_attribute("src"), image.get_attribute("alt"), output.inner_text())
        slider.focus()
        page.keyboard.press("ArrowRight")
        assert image.get_attribute("src") != before_src
        assert output.inner_text() != before_label
        assert image.get_attribute("alt") != before_alt
    finally:
        page.close()


def test_audit_catches_mathjax_loaded_from_the_network(browser, built_book, tmp_path):
    """Self-test of the audit: a page pointing MathJax at a CDN must be reported."""
    copy = tmp_path / "html"
    shutil.copytree(built_book, copy)
    page_file = copy / "book" / "how_to_use.html"
    text = page_file.read_text(encoding="utf-8")
    doctored, n = re.subn(r'src="[^"]*mathjax/tex-chtml\.js[^"]*"',
                          'src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-chtml.js"',
                          text)
    assert n == 1, "could not find the local MathJax script tag to redirect"
    page_file.write_text(doctored, encoding="utf-8")
    with serve(copy) as url:
        page = browser.new_page()
        try:
            problems = audit_page(page, f"{url}/book/how_to_use.html")
        finally:
            page.close()
    joined = " ".join(problems)
    assert "cdn.jsdelivr.net" in joined
    assert "MathJax" in joined
