"""Every built page as readers meet it: 1280 px and 390 px wide, light and dark theme.

For each page of the book, in the worker's one Chromium with the network blocked
(``_book.OfflinePage``), and in each of the four variants (the page is loaded
once per width; the theme changes in place):

* the page is complete and offline (``_book.completeness_problems``, the page
  audit of ``tests/test_browser.py``'s self-tests): HTTP 200, every formula
  typeset and no raw TeX, every image with alternative text, no console error,
  no request outside 127.0.0.1;

* the accessibility audit of axe-core (vendored from the npm registry into
  ``tests/vendor/axe-core``, never into the book) finds no *serious* or
  *critical* violation (the insides of the formulas, which it skips, are taken
  out of the page while it runs, every box kept in place: see ``AXE_HELPERS``);
* the page never scrolls sideways (``scrollWidth`` of the document is its
  viewport width);
* no formula is clipped: every typeset formula (``mjx-math``) is walked up to
  the article column, and at 1280 px no box on the way hides or scrolls its
  end and it never reaches past the column; at 390 px a formula may scroll
  inside its own box (a visible scrollbar) but is never hidden; an equation
  number never covers its equation;
* no formula is a Tab stop (only links and controls are);
* a variant with a problem is screenshotted under
  ``_build/screenshots/<width>-<theme>/`` (JPEG, the full page); with
  ``LK_SCREENSHOTS=all`` every variant is, for people to look at (it adds about a
  fifth to the audit's time, so a plain run does not).

Pages overlap: while one page is checked, the next one already loads. Every
wait is an explicit signal with the suite's one timeout (``_book.PAGE_TIMEOUT_S``).
The self-tests plant a too-wide equation, an accessibility violation, a
focusable formula and a page that scrolls sideways, and check each is reported.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path

import pytest

from _book import (POLL_MS, ROOT, SCREENSHOT_ALL, OfflinePage, completeness_problems,
                   serve, settle, toc_pages, wait_for_mathjax)

pytestmark = pytest.mark.browser

AXE_VERSION = "4.14.1"
AXE_JS = ROOT / "tests" / "vendor" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "_build" / "screenshots"
PAGES = toc_pages() + ["genindex", "search"]
WIDTHS = (1280, 390)
THEMES = ("light", "dark")
# axe-core impacts that fail the test (minor and moderate are reported, not failed)
FAILING_IMPACTS = ("serious", "critical")

# For each typeset formula (its drawn box, mjx-math): walk up to the article and
# note every box that it, or the part of it still shown, reaches past: "scrolls"
# (overflow auto/scroll) or "clipped" (hidden/clip); "column" if it sticks out of
# the article. Rectangles rather than scrollWidth alone: MathJax's assistive
# MathML (visually hidden) inflates scrollWidth without being seen. Then every
# math block (div.math, or a MathJax display) whose scrollWidth exceeds its
# clientWidth is noted too, and every equation number that overlaps its formula.
MATH_PROBE = """() => {
  const root = document.querySelector("article.bd-article") || document.body;
  const column = root.getBoundingClientRect();
  const found = [];
  const label = (el) => (el.textContent || "").replace(/\\s+/g, " ").trim().slice(0, 60);
  for (const m of root.querySelectorAll("mjx-container > mjx-math")) {
    if (m.closest("mjx-assistive-mml")) continue;
    let cur = m.getBoundingClientRect();
    if (cur.width === 0) continue;                // not displayed (e.g. a closed dropdown)
    const kinds = [];
    for (let box = m.parentElement; box && box !== root; box = box.parentElement) {
      const o = getComputedStyle(box).overflowX;
      if (o === "visible") continue;
      const edge = box.getBoundingClientRect();
      if (cur.right > edge.right + 1 || cur.left < edge.left - 1)
        kinds.push(["auto", "scroll"].includes(o) ? "scrolls" : "clipped");
      cur = edge;
    }
    if (cur.right > column.right + 1) kinds.push("column");
    if (kinds.length) found.push({kind: kinds.join("+"), width: Math.round(m.getBoundingClientRect().width),
                                  text: label(m.parentElement)});
  }
  for (const block of root.querySelectorAll("div.math, mjx-container[display='true']")) {
    if (block.clientWidth === 0) continue;
    // the assistive MathML is absolutely positioned and visually hidden: measure without it
    const hidden = [...block.querySelectorAll("mjx-assistive-mml")];
    hidden.forEach((h) => { h.dataset.lkDisplay = h.style.display; h.style.display = "none"; });
    const over = block.scrollWidth - block.clientWidth;
    hidden.forEach((h) => { h.style.display = h.dataset.lkDisplay; });
    if (over > 1 && getComputedStyle(block).overflowX !== "visible")
      found.push({kind: getComputedStyle(block).overflowX === "hidden" ? "clipped" : "scrolls",
                  width: block.scrollWidth, text: label(block)});
  }
  for (const eqno of root.querySelectorAll("div.math .eqno")) {
    const math = eqno.closest("div.math").querySelector("mjx-container > mjx-math");
    if (!math) continue;
    // the part of the formula that is shown: its box cut to the (scrolling) container
    const a = eqno.getBoundingClientRect(), m = math.getBoundingClientRect(),
          c = math.parentElement.getBoundingClientRect();
    const b = {left: Math.max(m.left, c.left), right: Math.min(m.right, c.right), top: m.top,
               bottom: m.bottom, width: Math.min(m.right, c.right) - Math.max(m.left, c.left)};
    if (a.width && a.left < b.right - 1 && a.right > b.left + 1 && a.top < b.bottom && a.bottom > b.top)
      found.push({kind: "number over formula", width: Math.round(b.width), text: label(eqno.closest("div.math"))});
  }
  return found;
}"""

# The document scrolls sideways: report its width and the widest elements past the viewport.
SIDEWAYS_PROBE = """() => {
  const doc = document.documentElement, vw = doc.clientWidth;
  if (doc.scrollWidth <= vw + 1) return null;
  const culprits = [];
  for (const el of document.querySelectorAll("body *")) {
    const r = el.getBoundingClientRect();
    if (r.right > vw + 1 && r.width > 0) {
      // skip what a scrolling/clipping box contains, and what an over-wide parent explains
      let explained = false;
      for (let p = el.parentElement; p && p !== document.body; p = p.parentElement)
        if (getComputedStyle(p).overflowX !== "visible" || p.getBoundingClientRect().right > vw + 1) {
          explained = getComputedStyle(p).overflowX !== "visible" || p.getBoundingClientRect().right > vw + 1;
          break;
        }
      if (!explained) culprits.push(el.tagName.toLowerCase() + (el.className && typeof el.className === "string"
        ? "." + el.className.trim().split(/\\s+/).join(".") : "") + " right=" + Math.round(r.right)
        + " '" + (el.textContent || "").trim().slice(0, 40) + "'");
    }
  }
  return {width: doc.scrollWidth, viewport: vw, culprits: culprits.slice(0, 5)};
}"""

# Formulas (or anything inside them) that take keyboard focus although they do not
# scroll (a formula box that scrolls is a Tab stop so that the keyboard can scroll it).
FOCUSABLE_MATH_PROBE = """() => [...document.querySelectorAll(
    "mjx-container[tabindex], mjx-container [tabindex], span.math[tabindex]")]
  .filter((e) => e.tabIndex >= 0 && !(e.scrollWidth > e.clientWidth + 1)).length"""

# The whole page, less what MathJax draws inside a formula (thousands of nodes per page
# that only repeat the text colour; the formula's box itself is still audited).
# Which rules run where (``axe_mode``): a theme changes colours only, so in the second
# theme axe runs its colour-contrast rule alone. Inside the article no colour depends on
# the width of the screen (no width media query colours anything there:
# ``test_no_width_dependent_colour_inside_the_article``), so at the narrow width the
# article's contrast, measured at the wide one, is not measured again: there colour
# contrast covers the page around the article (header, sidebars, buttons shown only on
# a phone), and every other rule the whole page (what is shown, named and reachable
# depends on the layout). Colour contrast is about half of axe's time on a long page.
#
# The parts of a formula that axe skips are still walked and measured by it (every
# run lays out a grid of the whole page): on a long chapter they are most of the page's
# elements and half of axe's time. So while axe runs they are emptied
# (``lkEmptyFormulas``): each keeps its box, sized as it was and on the same baseline,
# and gets its content back afterwards, before any other probe or screenshot. If
# emptying them moved anything (the page's size or any formula's box), they get it
# back at once and axe audits the page as it is.
AXE_HELPERS = """
window.lkEmptyFormulas = (selectors) => {
  const sel = selectors.join(", ");
  const boxes = [...document.querySelectorAll(sel)]
    .filter((b) => !b.parentElement.closest(sel) && b.childNodes.length);
  const layout = () => JSON.stringify([document.documentElement.scrollWidth,
    document.documentElement.scrollHeight, ...[...document.querySelectorAll("mjx-container")]
      .map((c) => { const r = c.getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; })]);
  const before = layout();
  // the baseline of each box: a zero-size inline-block just before it sits on it
  // (the parent kept from wrapping between the two while they are measured)
  const marks = boxes.map((b) => {
    const mark = document.createElement("span");
    mark.style.cssText = "display:inline-block;width:0;height:0;margin:0;padding:0;border:0";
    const parent = b.parentElement, style = parent.getAttribute("style");
    parent.style.setProperty("white-space", "nowrap", "important");
    b.before(mark);
    return [mark, parent, style];
  });
  const measured = boxes.map((b, i) => [b.getBoundingClientRect(),
                                        marks[i][0].getBoundingClientRect().bottom]);
  // Chromium writes a style changed through el.style back to the attribute lazily: a
  // removeAttribute before that write leaves style="" behind. Reading it writes it.
  const setStyle = (el, style) => {
    el.getAttribute("style");
    if (style === null) el.removeAttribute("style"); else el.setAttribute("style", style);
  };
  for (const [mark, parent, style] of marks.reverse()) { mark.remove(); setStyle(parent, style); }
  const kept = boxes.map((b, i) => {
    const [r, baseline] = measured[i];
    const saved = [b, [...b.childNodes], b.getAttribute("style")];
    const set = (k, v) => b.style.setProperty(k, v, "important");
    set("box-sizing", "border-box");
    set("width", `${r.width}px`);
    set("height", `${r.height}px`);
    if (getComputedStyle(b).position !== "absolute") {
      set("display", "inline-block");
      set("vertical-align", `${baseline - r.bottom}px`);
    }
    b.replaceChildren();
    return saved;
  });
  const restore = () => {
    for (const [b, children, style] of kept.reverse()) { b.replaceChildren(...children); setStyle(b, style); }
    kept.length = 0;
  };
  const same = layout() === before;
  if (!same) restore();
  return {emptied: same ? boxes.length : 0, moved: !same, restore};
};
"""
AXE_RUN = """(mode) => {
  const skip = [["mjx-math"], ["mjx-assistive-mml"]];
  const outside = [...skip, ["article.bd-article"]];
  const contrast = {runOnly: {type: "rule", values: ["color-contrast"]}};
  const noContrast = {rules: {"color-contrast": {enabled: false}}};
  const runs = {
    "all": [[skip, {}]],
    "contrast": [[skip, contrast]],
    "layout": [[skip, noContrast], [outside, contrast]],
    "chrome-contrast": [[outside, contrast]],
  }[mode];
  const formulas = window.lkEmptyFormulas(skip.map(([s]) => s));
  // one axe.run at a time (axe refuses to run twice at once)
  return runs.reduce((done, [exclude, options]) => done.then((found) =>
      axe.run({exclude}, Object.assign({resultTypes: ["violations"]}, options))
        .then((r) => found.concat(r.violations))), Promise.resolve([]))
    .then((violations) => ({moved: formulas.moved, emptied: formulas.emptied,
      violations: violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.length, where: v.nodes.slice(0, 3).map((n) => n.target.join(" "))}))}))
    .finally(formulas.restore);
}"""

# pydata-sphinx-theme makes every box that scrolls a Tab stop (tabIndex 0, else -1)
# 300 ms after the last layout change (e.g. MathJax typesetting): wait until it has.
SCROLLABLE_MARKED = """() => [...document.querySelectorAll(
    "pre, .cell_output > .output, .pst-scrollable-table-container")]
  .every((e) => e.tabIndex === (e.scrollWidth > e.clientWidth || e.scrollHeight > e.clientHeight ? 0 : -1))"""

# Static figures (lecture_kit.figures.show) drawn wider than the content column are
# scaled down by the browser, their text with them: at desktop width none may be.
FIGURE_SCALE_PROBE = """() => [...document.querySelectorAll("img.lk-figure")]
  .filter((i) => i.getBoundingClientRect().width < Number(i.getAttribute("width")) - 1)
  .map((i) => `${(i.getAttribute("alt") || "").slice(0, 50)}: drawn ${i.getAttribute("width")} px, `
              + `shown ${Math.round(i.getBoundingClientRect().width)} px`)"""

# Switch the theme in place, as its button does, and end every colour transition
# it starts (``finish`` jumps to the end state at once): the audit reads final
# colours, and nothing waits on an animation frame, which a page Chromium does not
# paint may never get (a wait here once blocked a CI run for 20 minutes).
THEME_SWITCH = """(theme) => {
  document.documentElement.dataset.theme = theme;
  document.documentElement.dataset.mode = theme;
  void getComputedStyle(document.body).color;
  let ended = 0;
  for (const a of document.getAnimations()) {
    if (typeof CSSTransition !== "undefined" && a instanceof CSSTransition) {
      // finish() refuses a transition without an end (paused, infinite delay):
      // cancelling it leaves the element at its after-change colour all the same
      try { a.finish(); } catch (e) { a.cancel(); }
      ended += 1;
    }
  }
  return ended;
}"""


# Every style rule inside a width media query (min-/max-width, whether it applies now
# or not) that sets a colour or a background, and matches an element of the article.
WIDTH_COLOUR_PROBE = """() => {
  const article = document.querySelector("article.bd-article");
  const found = [];
  const visit = (rules, inWidth) => {
    for (const rule of rules) {
      if (rule instanceof CSSMediaRule) {
        visit(rule.cssRules, inWidth || /width/.test(rule.media.mediaText));
      } else if (rule.cssRules && !(rule instanceof CSSStyleRule)) {
        visit(rule.cssRules, inWidth);
      } else if (inWidth && rule instanceof CSSStyleRule) {
        const st = rule.style;
        if (!(st.color || st.backgroundColor || st.backgroundImage || st.background)) continue;
        let hits = [];
        try { hits = [...document.querySelectorAll(rule.selectorText)]; } catch (e) { continue; }
        if (hits.some((el) => article && (article.contains(el) || el.contains(article))))
          found.push(rule.selectorText.slice(0, 80));
      }
    }
  };
  for (const sheet of document.styleSheets) {
    let rules;
    try { rules = sheet.cssRules; } catch (e) { found.push("unreadable " + sheet.href); continue; }
    visit(rules, false);
  }
  return found;
}"""


def axe_mode(width: int, theme: str, themes=THEMES) -> str:
    """The axe rules for one variant (see ``AXE_RUN``). At the widest width:
    ``"all"`` in the first theme, ``"contrast"`` (colour contrast alone) in the
    others. Narrower: ``"layout"`` in the first theme (every rule but colour contrast,
    and colour contrast outside the article), ``"chrome-contrast"`` in the others
    (colour contrast outside the article)."""
    first = theme == themes[0]
    if width >= max(WIDTHS):
        return "all" if first else "contrast"
    return "layout" if first else "chrome-contrast"


def axe_source() -> str:
    text = AXE_JS.read_text(encoding="utf-8")
    assert text.startswith(f"/*! axe v{AXE_VERSION}"), \
        f"{AXE_JS} is not axe-core {AXE_VERSION} (see tests/vendor/axe-core/README.md)"
    return text


class PageCheck:
    """Load one page at one width (``start``), then check it in both themes (``finish``).

    The page is loaded at its width (the theme lays pages out, and marks scrollable
    boxes as Tab stops, on load); the theme is switched in place, as its own button
    does. ``finish`` returns ``{"<width>-<theme>": [problems]}`` (only variants
    with problems).
    """

    def __init__(self, browser, url: str, name: str, width: int, *,
                 screenshots: Path | None = SCREENSHOTS, themes=THEMES):
        self.browser, self.url, self.name, self.width = browser, url, name, width
        self.screenshots, self.themes = screenshots, themes
        self.offline = None
        self.response = None
        self.error = None
        self.timing: dict[str, float] = {}
        #: variants audited with the formulas' content in place (emptying it moved something)
        self.formulas_moved = 0

    def start(self) -> "PageCheck":
        self.offline = OfflinePage(self.browser, viewport={"width": self.width, "height": 900},
                                   color_scheme=self.themes[0])
        try:
            self.response = self.offline.page.goto(self.url, wait_until="commit")
        except Exception as exc:  # noqa: BLE001 - reported as a problem
            self.error = f"navigation failed: {type(exc).__name__}: {exc}"
        return self

    def finish(self) -> dict[str, list[str]]:
        try:
            if self.error:
                return {f"{self.width}": [self.error]}
            return self._check()
        finally:
            self.offline.close()

    def _check(self) -> dict[str, list[str]]:
        page, width = self.offline.page, self.width
        t0 = time.monotonic()
        # the page is complete and offline (status, MathJax, alt text, console, no
        # request out): _book's page audit, on this same load
        complete = completeness_problems(self.offline, self.response)
        # the theme marks scrollable boxes as Tab stops 300 ms after the last layout change;
        # _static/lk-pages.js marks scrolling formulas once MathJax has typeset the page
        page.wait_for_function(SCROLLABLE_MARKED, polling=POLL_MS)
        page.wait_for_function("() => !!document.documentElement.dataset.lkMathMarked",
                               polling=POLL_MS)
        page.add_script_tag(content=axe_source() + AXE_HELPERS)
        self.timing["load"] = time.monotonic() - t0
        if width >= 1280:
            complete += [f"figure scaled down (its text below 9 pt): {f}"
                         for f in page.evaluate(FIGURE_SCALE_PROBE)]
        out: dict[str, list[str]] = {f"{width}-{self.themes[0]}": complete}
        for theme in self.themes:
            key = f"{width}-{theme}"
            page.evaluate(THEME_SWITCH, theme)
            problems = out.setdefault(key, [])
            t0 = time.monotonic()
            audit = settle(page, AXE_RUN, axe_mode(width, theme, self.themes))
            self.timing["axe"] = self.timing.get("axe", 0.0) + time.monotonic() - t0
            self.formulas_moved += audit["moved"]
            for v in audit["violations"]:
                if v["impact"] in FAILING_IMPACTS:
                    problems.append(f"axe {v['impact']} {v['id']} ({v['help']}) x{v['nodes']} "
                                    f"at {v['where']}")
            sideways = page.evaluate(SIDEWAYS_PROBE)
            if sideways:
                problems.append(f"page scrolls sideways: {sideways['width']} px in a "
                                f"{sideways['viewport']} px viewport; past the edge: "
                                f"{sideways['culprits']}")
            for m in page.evaluate(MATH_PROBE):
                if width >= 1280 or m["kind"] != "scrolls":
                    problems.append(f"math {m['kind']} ({m['width']} px): {m['text']!r}")
            focusable = page.evaluate(FOCUSABLE_MATH_PROBE)
            if focusable:
                problems.append(f"{focusable} formulas are Tab stops")
            if self.screenshots is not None and (problems or SCREENSHOT_ALL):
                shot = self.screenshots / key / f"{self.name.replace('/', '__')}.jpg"
                shot.parent.mkdir(parents=True, exist_ok=True)
                t0 = time.monotonic()
                page.screenshot(path=str(shot), full_page=True, type="jpeg", quality=70)
                self.timing["screenshot"] = (self.timing.get("screenshot", 0.0)
                                             + time.monotonic() - t0)
        return {k: v for k, v in out.items() if v}


class Checker:
    """Checks every page at every width in order, the next ``ahead`` loads already
    loading while one is checked (the sync API lets Chromium work on them meanwhile)."""

    def __init__(self, browser, base_url: str, names: list[str], ahead: int = 2,
                 widths=WIDTHS):
        self.browser, self.base_url, self.ahead = browser, base_url, ahead
        self.jobs = [(n, w) for n in names for w in widths]
        self._started: dict[tuple, PageCheck] = {}
        self.seconds: dict[str, float] = {}
        self.timing: dict[str, float] = {}
        self.formulas_moved = 0

    def _start(self, job):
        if job not in self._started:
            name, width = job
            self._started[job] = PageCheck(self.browser, f"{self.base_url}/{name}.html",
                                           name, width).start()
        return self._started[job]

    def result(self, name: str) -> dict[str, list[str]]:
        out = {}
        t0 = time.monotonic()
        for job in [j for j in self.jobs if j[0] == name]:
            check = self._start(job)
            i = self.jobs.index(job)
            for nxt in self.jobs[i + 1:i + 1 + self.ahead]:
                self._start(nxt)
            out.update(check.finish())
            for k, v in check.timing.items():
                self.timing[k] = self.timing.get(k, 0.0) + v
            self.formulas_moved += check.formulas_moved
        self.seconds[name] = time.monotonic() - t0
        return out

    def close(self):
        for check in self._started.values():
            if check.offline is not None:
                check.offline.close()


@pytest.fixture(scope="module")
def checker(browser, book_site):
    checker = Checker(browser, book_site, PAGES)
    yield checker
    checker.close()
    total = sum(checker.seconds.values())
    print(f"\n[a11y] {len(checker.seconds)} pages x {len(WIDTHS) * len(THEMES)} variants in {total:.0f} s; "
          f"(waiting for load/typesetting {checker.timing.get('load', 0):.0f} s, axe "
          f"{checker.timing.get('axe', 0):.0f} s, screenshots "
          f"{checker.timing.get('screenshot', 0):.0f} s); screenshots in "
          f"{SCREENSHOTS.relative_to(ROOT)}; variants audited with the formulas' content "
          f"in place: {checker.formulas_moved}")


@pytest.mark.parametrize("name", PAGES)
def test_page_accessible_fits_and_no_clipped_math(checker, name):
    problems = checker.result(name)
    assert problems == {}, json.dumps(problems, indent=1, ensure_ascii=False)


def test_no_width_dependent_colour_inside_the_article(offline_page, book_site):
    """What lets the narrow width skip the article's colour contrast (see ``AXE_RUN``):
    no width media query of any stylesheet colours an element of the article. Checked
    on the longest page and on the home page; then a planted rule must be seen."""
    page = offline_page().page
    for name in ("book/activations/beyond", "book/how_to_use"):
        page.goto(f"{book_site}/{name}.html", wait_until="load")
        assert page.evaluate(WIDTH_COLOUR_PROBE) == [], name
    page.add_style_tag(content="@media (max-width: 500px) { article.bd-article p "
                               "{ color: #999; } }")
    assert page.evaluate(WIDTH_COLOUR_PROBE) == ["article.bd-article p"]


def test_only_links_and_controls_are_tab_stops(offline_page, book_site):
    """Tab through how_to_use: every stop is a link or a control, and the first
    explorer control is reached in fewer Tabs than the page has links before it."""
    page = offline_page().page
    page.goto(f"{book_site}/book/how_to_use.html", wait_until="load")
    wait_for_mathjax(page)
    settle(page, "() => document.fonts.ready.then(() => true)")
    page.wait_for_function("() => !!document.documentElement.dataset.lkMathMarked",
                           polling=POLL_MS)
    stops = []
    for _ in range(400):
        page.keyboard.press("Tab")
        stop = page.evaluate("""() => { const e = document.activeElement;
            return {tag: e.tagName.toLowerCase(), type: e.type || "", role: e.getAttribute("role") || "",
                    math: !!e.closest("mjx-container"), explorer: !!e.closest(".lk-explorer"),
                    text: (e.textContent || e.value || "").trim().slice(0, 30)}; }""")
        stops.append(stop)
        if stop["explorer"]:
            break
    assert stops[-1]["explorer"], "no explorer control reached with Tab"
    controls = {"a", "button", "input", "select", "textarea", "summary"}
    roles = {"button", "link", "slider", "tab", "menuitem", "checkbox", "switch"}
    wrong = [s for s in stops if s["math"] or not (s["tag"] in controls or s["role"] in roles)]
    assert not wrong, f"Tab stops that are neither links nor controls: {wrong[:5]}"
    links_before = page.evaluate("""() => { const first = document.querySelector(".lk-explorer");
        return [...document.querySelectorAll("a[href], button, input, select, summary")]
          .filter((e) => e.compareDocumentPosition(first) & Node.DOCUMENT_POSITION_FOLLOWING).length; }""")
    assert len(stops) <= links_before + 1, (len(stops), links_before)


# Raw TeX as it would show in a search result: a delimiter, a command, a dollar.
RAW_TEX = re.compile(r"\\[()\[\]]|\\[A-Za-z]{2,}|\$")


def search_results(page, base_url: str, query: str) -> list[str]:
    """The text of every result (title and snippet) the book's search page shows."""
    page.goto(f"{base_url}/search.html?q={query}", wait_until="load")
    page.wait_for_function("""() => { const s = document.querySelector(".search-summary");
        return s && /Search finished|did not match/.test(s.innerText); }""",
                           polling=POLL_MS)
    # each result's snippet is cut from its page, fetched after the result is listed
    page.wait_for_function("""() => [...document.querySelectorAll("ul.search li")]
        .every((li) => li.querySelector("p.context"))""", polling=POLL_MS)
    return page.evaluate("""() => [...document.querySelectorAll("ul.search li")]
        .map((li) => li.innerText)""")


def test_search_results_show_text_not_tex(offline_page, book_site):
    """Searching "sigmoid" (many pages with formulas) and "beta" (a title with math):
    results and snippets read as text, e.g. "σ(x)", never "\\(\\sigma(x)\\)"."""
    offline = offline_page()
    for query, least in (("sigmoid", 5), ("beta", 1)):
        results = search_results(offline.page, book_site, query)
        assert len(results) >= least, (query, results)
        raw = [r[:200] for r in results if RAW_TEX.search(r)]
        assert raw == [], f"search for {query!r} shows raw TeX: {raw}"
    assert offline.unexpected_console_errors() == []


def test_search_check_sees_raw_tex(offline_page, book_site, built_book, tmp_path):
    """Self-test: without _static/lk-search.js the snippets of "sigmoid" show TeX."""
    copy = tmp_path / "html"
    shutil.copytree(built_book, copy)
    (copy / "_static" / "lk-search.js").write_text("/* removed */", encoding="utf-8")
    with serve(copy) as url:
        results = search_results(offline_page().page, url, "sigmoid")
    assert any(RAW_TEX.search(r) for r in results)


# ---------------------------------------------------------------------------
# Self-tests: each check sees a planted defect
# ---------------------------------------------------------------------------

PLANTED = r"""
<div class="math notranslate nohighlight" id="planted-wide">
\[ f(x) = a_1 x + a_2 x^2 + a_3 x^3 + a_4 x^4 + a_5 x^5 + a_6 x^6 + a_7 x^7 + a_8 x^8 + a_9 x^9
+ a_{10} x^{10} + a_{11} x^{11} + a_{12} x^{12} + a_{13} x^{13} + a_{14} x^{14} + a_{15} x^{15}
+ a_{16} x^{16} + a_{17} x^{17} + a_{18} x^{18} + a_{19} x^{19} + a_{20} x^{20} \]</div>
<p><img src="data:image/png;base64,iVBORw0KGgo=" width="1" height="1"></p>
<p><code>a_very_long_inline_code_span_that_does_not_wrap_at_all_on_a_phone_screen_really</code></p>
<p><img class="lk-figure" alt="planted wide figure" width="1000" height="100"
  style="max-width:100%;height:auto"
  src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="></p>
<style>
.lk-planted-dark { color: #000; background-color: #fff;
  transition: color 600s linear, background-color 600s linear; }
html[data-theme="dark"] .lk-planted-dark { color: #2a2a2a; background-color: #1e1e1e; }
</style>
<p class="lk-planted-dark">planted text, unreadable in the dark theme only</p>
"""


def test_checks_see_planted_defects(browser, built_book, tmp_path):
    """A too-wide equation (at 1280 px), an image without alt text (axe and the page
    audit), a stylesheet from the network, formulas put back in the Tab order, a figure
    drawn wider than the column (scaled down at 1280 px), an unbreakable code span
    (sideways scrolling at 390 px) and text unreadable in the dark theme only, reached by
    a 10-minute colour transition (the theme switch must end it, not wait for it or
    audit the light colours), are each reported."""
    copy = tmp_path / "html"
    shutil.copytree(built_book, copy)
    page_file = copy / "book" / "how_to_use.html"
    text = page_file.read_text(encoding="utf-8")
    marker = '<section id="'
    assert marker in text
    text = text.replace(marker, PLANTED + marker, 1)
    # MathJax's own setting back to its default: every formula in the Tab order
    text, n = re.subn(r'"inTabOrder":\s*false', '"inTabOrder": true', text)
    assert n == 1, "the page does not configure MathJax's inTabOrder"
    nowrap = ("<style>code, code span.pre { white-space: nowrap !important; "
              "overflow-wrap: normal !important; }</style>"
              '<link rel="stylesheet" href="https://fonts.example.org/planted.css"></head>')
    page_file.write_text(text.replace("</head>", nowrap, 1), encoding="utf-8")
    with serve(copy) as url:
        problems = {}
        for width in WIDTHS:
            problems.update(PageCheck(browser, f"{url}/book/how_to_use.html", "planted", width,
                                      screenshots=None).start().finish())
    wide = problems.get("1280-light", [])
    assert any(p.startswith("math ") and "f(x)=a1x" in p.replace(" ", "") for p in wide), problems
    assert any("image-alt" in p for p in wide), problems
    assert any("images without alt text" in p for p in wide), problems     # the page audit
    assert any("fonts.example.org" in p for p in wide), problems
    assert any("formulas are Tab stops" in p for p in wide), problems
    assert any("figure scaled down" in p and "planted wide figure" in p for p in wide), problems
    assert any("scrolls sideways" in p for p in problems.get("390-dark", [])), problems
    assert not any("scrolls sideways" in p for p in wide), problems
    dark = [p for p in problems.get("1280-dark", []) if "color-contrast" in p]
    assert any("lk-planted-dark" in p for p in dark), problems
    assert not any("lk-planted-dark" in p for p in wide), problems


# Every element outside the formulas, as a string of its box; and the article's markup.
LAYOUT_JS = """
window.lkLayout = () => [[...document.querySelectorAll("body *")]
    .filter((e) => !e.closest("mjx-math, mjx-assistive-mml") || e.matches("mjx-math, mjx-assistive-mml"))
    .map((e) => { const r = e.getBoundingClientRect();
                  return `${e.localName} ${r.left} ${r.top} ${r.width} ${r.height}`; }),
  document.querySelector("article.bd-article").innerHTML];
"""
LAYOUT_PROBE = "() => window.lkLayout()"
EMPTIED_PROBE = """() => { const f = window.lkEmptyFormulas(["mjx-math", "mjx-assistive-mml"]);
  const inside = document.querySelectorAll("mjx-math *, mjx-assistive-mml *").length;
  const layout = window.lkLayout();
  f.restore();
  return {emptied: f.emptied, moved: f.moved, inside, layout}; }"""


def _loaded(offline_page, url: str, width: int):
    page = offline_page(viewport={"width": width, "height": 900}).page
    page.goto(url, wait_until="load")
    wait_for_mathjax(page)
    page.add_script_tag(content=axe_source() + AXE_HELPERS + LAYOUT_JS)
    return page


@pytest.mark.parametrize("width", WIDTHS)
def test_emptying_the_formulas_moves_nothing_and_gives_them_back(offline_page, book_site, width):
    """While axe runs, the formulas' content is out of the page: on the chapters with
    the most formulas and the widest ones, no other box moves (page size, every
    element's box) and the article's markup is the same afterwards."""
    for name in ("book/optim/losses", "book/init/xavier", "book/activations/beyond"):
        page = _loaded(offline_page, f"{book_site}/{name}.html", width)
        before = page.evaluate(LAYOUT_PROBE)
        during = page.evaluate(EMPTIED_PROBE)
        assert during["emptied"] > 100 and not during["moved"], (name, during["emptied"])
        assert during["inside"] == 0, name
        assert during["layout"][0] == before[0], name
        assert page.evaluate(LAYOUT_PROBE) == before, name


def test_a_layout_that_depends_on_a_formulas_content_keeps_it(offline_page, book_site):
    """Planted: a style that pads every paragraph holding a variable; emptying the
    formulas would move the page, so they get their content back at once."""
    page = _loaded(offline_page, f"{book_site}/book/init/xavier.html", 1280)
    page.add_style_tag(content="p:has(mjx-mi) { padding-bottom: 40px; }")
    before = page.evaluate(LAYOUT_PROBE)
    during = page.evaluate(EMPTIED_PROBE)
    assert during["moved"] and during["emptied"] == 0 and during["inside"] > 1000
    assert during["layout"] == before and page.evaluate(LAYOUT_PROBE) == before


def test_axe_finds_the_same_with_and_without_the_formulas_content(browser, built_book,
                                                                  tmp_path):
    """On a page with planted violations (an image without alt text, text unreadable in
    the dark theme), axe reports the same with the formulas emptied as on the page as
    it is, in each axe mode that looks inside the article (the fourth, colour
    contrast outside the article at a phone's width, never sees a formula)."""
    copy = tmp_path / "html"
    shutil.copytree(built_book, copy)
    page_file = copy / "book" / "how_to_use.html"
    text = page_file.read_text(encoding="utf-8")
    page_file.write_text(text.replace('<section id="', PLANTED + '<section id="', 1),
                         encoding="utf-8")
    keep = """() => { window.lkEmptyFormulas = () => ({emptied: 0, moved: false,
                                                       restore: () => {}}); }"""
    with serve(copy) as url:
        for width, theme, planted in ((1280, "light", "image-alt"),
                                      (1280, "dark", "color-contrast"),
                                      (390, "light", "image-alt")):
            found = []
            for helpers in (AXE_HELPERS, AXE_HELPERS + f"({keep})();"):
                offline = OfflinePage(browser, viewport={"width": width, "height": 900})
                try:
                    page = offline.page
                    page.goto(f"{url}/book/how_to_use.html", wait_until="load")
                    wait_for_mathjax(page)
                    page.add_script_tag(content=axe_source() + helpers)
                    page.evaluate(THEME_SWITCH, theme)
                    found.append(settle(page, AXE_RUN, axe_mode(width, theme)))
                finally:
                    offline.close()
            emptied, as_is = found
            assert emptied["emptied"] > 0 and as_is["emptied"] == 0
            assert emptied["violations"] == as_is["violations"], (width, theme)
            assert planted in {v["id"] for v in emptied["violations"]}, (width, theme)


# ---------------------------------------------------------------------------
# Alternative text of the static figures states a result
# ---------------------------------------------------------------------------

_FIGURE = re.compile(r'<img class="lk-figure"[^>]*>')


def figures_without_result(page_html: str) -> list[str]:
    """The alt text (first 80 characters) of every static figure (``lecture_kit.figures.show``)
    on the page that does not state a result: no ``data-lk-result``, an empty one, or one
    that is not the end of the alternative text."""
    import html as _html

    bad = []
    for tag in _FIGURE.findall(page_html):
        alt = re.search(r'\salt="([^"]*)"', tag)
        result = re.search(r'\sdata-lk-result="([^"]*)"', tag)
        alt_text = _html.unescape(alt.group(1)) if alt else ""
        result_text = _html.unescape(result.group(1)).strip() if result else ""
        if not result_text or not alt_text.endswith(result_text):
            bad.append(alt_text[:80])
    return bad


@pytest.mark.build
def test_every_static_figure_states_its_result(built_book):
    missing = {}
    for page in sorted(built_book.rglob("*.html")):
        bad = figures_without_result(page.read_text(encoding="utf-8"))
        if bad:
            missing[str(page.relative_to(built_book))] = bad
    assert missing == {}, ("figures whose alt text states no result (pass result=... to "
                           f"lecture_kit.figures.show): {json.dumps(missing, indent=1)}")


def test_figure_result_check_sees_a_planted_figure():
    from lecture_kit import figures

    fig, _ = figures.subplots()
    with_result = figures.show(fig, alt="Loss against the step.",
                               result=f"It falls to {0.125:.3f}.")._repr_html_()
    without = figures.show(fig, alt="Gradient size per layer for sigmoid.")._repr_html_()
    assert figures_without_result(with_result) == []
    assert figures_without_result(without) == ["Gradient size per layer for sigmoid."]
    # a result the alt text does not end with (e.g. an alt edited by hand afterwards)
    assert figures_without_result(with_result.replace(
        'alt="Loss against the step. It falls to 0.125."', 'alt="Loss against the step."')) \
        == ["Loss against the step."]
