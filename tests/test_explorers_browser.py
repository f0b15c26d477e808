"""The explorers of the built book in Chromium: phones, weight, URL state, keyboard.

Every page of the built book that holds an explorer is opened once (network
blocked) and checked at 1280 px, then at 390 px (a phone). The explorers of a
page with a problem are screenshotted into ``_build/screenshots/explorers`` (at
both widths, and at 390 px in the dark theme too); with ``LK_SCREENSHOTS=all``
every page's are, for people to look at (a quarter of this test's time). Every
wait is on the explorers' own ready flag (``data-ready="1"``, set by their inline
script once wired), never on the load event or a sleep.

Checks at both widths: no control, value readout or panel reaches outside its
explorer's box, the page does not scroll sideways, and the smallest text of
every shown panel (the size recorded with the frames, times the panel's
rendered scale) is at least 9 CSS px on a phone and 9 CSS pt (12 px) at
1280 px. The page weights (HTML with every frame inline) and explorer sizes are
printed and must stay within :data:`PAGE_BUDGET` and :data:`EXPLORER_BUDGET`.
Each check is also run on a planted defect.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

import pytest

from _book import HTML, POLL_MS, ROOT, SCREENSHOT_ALL
from _explorers import BLOCK, EXPLORER_BUDGET, alts_without_result, dead_controls, over_budget

pytestmark = pytest.mark.browser

SHOTS = ROOT / "_build" / "screenshots" / "explorers"
PAGE_BUDGET = 1.5 * 1024 * 1024       # bytes of HTML per page, frames included
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def explorer_pages(html_root: Path = HTML) -> dict[str, int]:
    """``{page name: number of explorers}`` of the built book (read from the files)."""
    out = {}
    for path in sorted(html_root.rglob("*.html")):
        if "_static" in path.parts or "_sources" in path.parts:
            continue
        n = path.read_text(encoding="utf-8").count('class="lk-explorer"')
        if n:
            out[str(path.relative_to(html_root).with_suffix(""))] = n
    return out


READY = """n => { const all = document.querySelectorAll('.lk-explorer');
  return all.length === n && Array.from(all).every(e => e.dataset.ready === '1'); }"""

# Everything that must stay inside the explorer box, and the page's sideways scroll.
OVERFLOW = """root => {
  const box = root.getBoundingClientRect(), bad = [];
  root.querySelectorAll('.lk-explorer-control, [data-control], [data-output], .lk-explorer-panel')
    .forEach(el => { const r = el.getBoundingClientRect();
      if (r.width > 0 && (r.left < box.left - 0.5 || r.right > box.right + 0.5))
        bad.push(`${el.tagName.toLowerCase()}.${el.className || el.dataset.control || ''} ` +
                 `spans ${r.left.toFixed(0)}..${r.right.toFixed(0)} outside ` +
                 `${box.left.toFixed(0)}..${box.right.toFixed(0)}`); });
  return bad; }"""

# Smallest rendered text of each panel, in CSS px.
FONTS = """root => {
  const data = JSON.parse(root.querySelector('.lk-explorer-data').textContent);
  const cuts = [0].concat(data.cuts, [data.width]);
  return Array.from(root.querySelectorAll('.lk-explorer-panel')).map((p, i) =>
    data.font_px * p.getBoundingClientRect().width / ((cuts[i + 1] - cuts[i]) / data.ratio)); }"""

SIDEWAYS = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


def _open(offline_page, url: str, n: int, viewport=DESKTOP, **options):
    offline = offline_page(viewport=viewport, **options)
    page = offline.page
    page.goto(url, wait_until="commit")
    page.wait_for_function(READY, arg=n, polling=POLL_MS)
    return offline, page


def _problems_at(page, width: int, min_px: float) -> list[str]:
    problems = []
    sideways = page.evaluate(SIDEWAYS)
    if sideways > 0:
        problems.append(f"{width}px: the page scrolls sideways by {sideways}px")
    for k, root in enumerate(page.locator(".lk-explorer").element_handles()):
        problems += [f"{width}px explorer {k}: {p}" for p in root.evaluate(OVERFLOW)]
        for i, px in enumerate(root.evaluate(FONTS)):
            if px < min_px - 1e-6:
                problems.append(f"{width}px explorer {k} panel {i}: smallest text "
                                f"{px:.1f}px < {min_px}px")
    return problems


def _shoot(page, name: str, suffix: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for k, root in enumerate(page.locator(".lk-explorer").all()):
        root.scroll_into_view_if_needed()
        root.screenshot(path=str(SHOTS / f"{name.replace('/', '__')}__{k}__{suffix}.png"))


def _dark(page) -> None:
    page.emulate_media(color_scheme="dark")
    page.evaluate("() => { document.documentElement.dataset.theme = 'dark';"
                  " document.documentElement.dataset.mode = 'dark'; }")


@pytest.fixture(scope="module")
def pages(built_book):
    found = explorer_pages(built_book)
    assert len(found) >= 10, found
    return found


@pytest.mark.build
def test_every_explorer_of_the_book_weight_controls_and_alt_text(built_book, pages):
    """Every explorer block of the built book (those built inside a chapter too): page
    and explorer weights (printed) within budget, no dead control, a result in every alt."""
    problems = []
    print()
    for name in sorted(pages):
        text = (built_book / f"{name}.html").read_text(encoding="utf-8")
        size = len(text.encode("utf-8"))
        blocks = BLOCK.findall(text)
        assert len(blocks) == pages[name]
        print(f"{name}: page {size / 1024:.0f} KiB (budget {PAGE_BUDGET / 1024:.0f}), "
              "explorers " + ", ".join(f"{len(b.encode()) / 1024:.0f} KiB" for b in blocks)
              + f" (budget {EXPLORER_BUDGET / 1024:.0f} each)")
        if size > PAGE_BUDGET:
            problems.append(f"{name}: page of {size / 1024:.0f} KiB")
        for k, block in enumerate(blocks):
            problems += [f"{name} explorer {k}: {p}" for p in
                         over_budget(block) + dead_controls(block) + alts_without_result(block)]
    assert problems == []


def test_every_explorer_page_fits_a_phone_and_a_desktop(offline_page, book_site, pages):
    problems = []
    for name, n in sorted(pages.items()):
        offline, page = _open(offline_page, f"{book_site}/{name}.html", n)
        wide = [f"{name}: {p}" for p in _problems_at(page, 1280, 12.0)]
        if wide or SCREENSHOT_ALL:
            _shoot(page, name, "1280")
        page.set_viewport_size(PHONE)
        page.wait_for_function("w => window.innerWidth === w", arg=PHONE["width"], polling=POLL_MS)
        narrow = [f"{name}: {p}" for p in _problems_at(page, 390, 9.0)]
        if wide or narrow or SCREENSHOT_ALL:
            _shoot(page, name, "390")
            _dark(page)
            _shoot(page, name, "390-dark")
        problems += wide + narrow
        assert offline.external == [], offline.external
        assert offline.unexpected_console_errors() == []
        offline.close()
    assert problems == []


def test_a_planted_overflowing_control_is_caught(offline_page, book_site, pages):
    name = sorted(pages)[0]
    offline, page = _open(offline_page, f"{book_site}/{name}.html", pages[name], viewport=PHONE)
    assert _problems_at(page, 390, 9.0) == []
    page.add_style_tag(content="input[data-control], select[data-control] "
                               "{ min-width: 600px !important; }")
    problems = _problems_at(page, 390, 9.0)
    assert any("outside" in p for p in problems), problems
    # and a page wider than the window is reported
    page.add_style_tag(content="body { min-width: 800px !important; }")
    assert any("scrolls sideways" in p for p in _problems_at(page, 390, 9.0))


def test_a_planted_tiny_frame_is_caught(offline_page, book_site, pages):
    name = sorted(pages)[0]
    offline, page = _open(offline_page, f"{book_site}/{name}.html", pages[name], viewport=PHONE)
    page.add_style_tag(content=".lk-explorer-panel { width: 60px !important; }")
    assert any("smallest text" in p for p in _problems_at(page, 390, 9.0))


def _state(page, k: int) -> dict:
    return page.locator(".lk-explorer").nth(k).evaluate("""root => {
      const data = JSON.parse(root.querySelector('.lk-explorer-data').textContent);
      const idx = Array.from(root.querySelectorAll('[data-control]')).map(e => +e.value);
      let flat = 0; idx.forEach((v, k) => { flat = flat * data.sizes[k] + v; });
      const img = root.querySelector('img.lk-explorer-frame');
      return {key: data.key, idx, frame: data.index[flat],
              src_ok: img.getAttribute('src') === 'data:image/png;base64,' + data.frames[data.index[flat]],
              alt_ok: img.alt === data.alts[data.index[flat]],
              outputs: Array.from(root.querySelectorAll('[data-output]')).map(o => o.textContent),
              labels: idx.map((v, k) => data.labels[k][v])}; }""")


def test_state_is_shared_through_the_url_fragment(offline_page, book_site, pages):
    """Two explorers on one page write their values into the fragment; the URL restores both."""
    name = next(p for p, n in sorted(pages.items()) if n >= 2)
    offline, page = _open(offline_page, f"{book_site}/{name}.html", pages[name])
    roots = page.locator(".lk-explorer")
    first, second = _state(page, 0), _state(page, 1)
    for k in (0, 1):
        control = roots.nth(k).locator("[data-control]").first
        control.focus()
        last = control.evaluate("e => +e.value === (e.type === 'range' ? +e.max : e.options.length - 1)")
        if control.evaluate("e => e.type") == "range":
            page.keyboard.press("Home" if last else "End")
        else:
            page.keyboard.press("ArrowUp" if last else "ArrowDown")
    moved = [_state(page, 0), _state(page, 1)]
    assert moved[0]["idx"] != first["idx"] and moved[1]["idx"] != second["idx"]
    url = page.url
    fragment = unquote(url.split("#", 1)[1])
    assert f"{first['key']}:" in fragment and f"{second['key']}:" in fragment, fragment
    assert page.evaluate("() => document.cookie") == ""
    offline.close()

    offline, page = _open(offline_page, url, pages[name])
    restored = [_state(page, 0), _state(page, 1)]
    for before, after in zip(moved, restored):
        assert after["idx"] == before["idx"]
        assert after["src_ok"] and after["alt_ok"]
        assert after["outputs"] == after["labels"]
    assert offline.external == []
    assert page.evaluate("() => document.cookie") == ""


def test_a_hand_written_fragment_sets_one_explorer(offline_page, book_site, pages, built_book):
    """e.g. ``elu_selu.html#elu-alpha:alpha=2`` opens the ELU explorer at alpha = 2."""
    page_name = next(p for p in pages if p.endswith("elu_selu"))
    offline, page = _open(offline_page, f"{book_site}/{page_name}.html#elu-alpha:alpha=2",
                          pages[page_name])
    state = _state(page, 0)
    assert state["key"] == "elu-alpha"
    assert state["outputs"] == ["2"] and state["src_ok"] and state["alt_ok"]
    assert "alpha = 2" in page.locator("img.lk-explorer-frame").first.get_attribute("alt")
    assert offline.unexpected_console_errors() == []
    # an unknown value or key leaves the explorer at its initial state, with no error
    offline, page = _open(offline_page, f"{book_site}/{page_name}.html#elu-alpha:alpha=7&nobody:x=1",
                          pages[page_name])
    assert _state(page, 0)["outputs"] == ["1"]
    assert offline.unexpected_console_errors() == []


def test_controls_are_tab_stops_operated_by_arrows_and_the_frame_is_not(offline_page, book_site,
                                                                       pages):
    name = next(p for p in sorted(pages) if p.endswith("how_to_use"))
    offline, page = _open(offline_page, f"{book_site}/{name}.html", pages[name])
    root = page.locator(".lk-explorer").first
    controls = root.locator("[data-control]")
    assert controls.count() >= 2
    controls.nth(0).focus()
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.dataset.control") == "1"
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("() => document.activeElement.dataset.control") == "0"
    before = _state(page, 0)
    page.keyboard.press("ArrowRight")
    after = _state(page, 0)
    assert after["idx"][0] == before["idx"][0] + 1 and after["frame"] != before["frame"]
    assert after["src_ok"] and after["alt_ok"] and after["outputs"] == after["labels"]
    # the picture is not a Tab stop: Tab from the last control leaves the explorer
    controls.nth(controls.count() - 1).focus()
    page.keyboard.press("Tab")
    inside = page.evaluate("""() => { const a = document.activeElement;
        return !!a.closest('.lk-explorer') && !a.matches('[data-control]'); }""")
    assert not inside
    assert root.locator("img.lk-explorer-frame").evaluate("e => e.tabIndex") < 0
