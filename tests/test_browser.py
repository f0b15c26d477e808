"""The built book in Debian's Chromium with the network blocked: the static explorer,
and the self-test of the page audit.

Every page's audit (complete and offline: status, MathJax, alt text, console, no
request out; ``_book.completeness_problems``) runs in ``tests/test_a11y.py``, on
the same load of the page as the accessibility and layout checks (one load per
page and width). Every wait is on an explicit signal (the load event, MathJax's
``startup.promise``), never a fixed sleep, and uses the one timeout of
``_book.PAGE_TIMEOUT_S``.
"""

import re
import shutil

import pytest

from _book import PageScriptError, audit_page, serve, settle

pytestmark = pytest.mark.browser


def test_static_explorer_slider_changes_the_figure(offline_page, book_site):
    page = offline_page().page
    # wait on the explorer's own ready flag (set by its inline script once wired)
    page.goto(f"{book_site}/book/how_to_use.html", wait_until="commit")
    page.wait_for_selector('.lk-explorer[data-ready="1"]', state="attached")
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
        problems = audit_page(browser, f"{url}/book/how_to_use.html")
    joined = " ".join(problems)
    assert "cdn.jsdelivr.net" in joined
    assert "MathJax" in joined


def test_settle_returns_raises_and_times_out(browser):
    """``_book.settle`` is ``evaluate`` for promises, with a timeout: a promise that
    never settles fails the test instead of blocking the run for ever (Playwright's
    own ``evaluate`` would wait for ever)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page = browser.new_page()
    try:
        page.set_content("<p>settle</p>")
        assert settle(page, "(x) => new Promise((ok) => setTimeout(() => ok(x + 1), 50))", 41) == 42
        with pytest.raises(PageScriptError, match="planted rejection"):
            settle(page, "() => Promise.reject(new Error('planted rejection'))")
        with pytest.raises(PlaywrightTimeout):
            settle(page, "() => new Promise(() => {})", timeout_ms=1500)
    finally:
        page.close()
