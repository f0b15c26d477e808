/* Page-level behaviour of the book (tests/test_a11y.py checks it in Chromium).
 *
 * A formula wider than its line scrolls inside its own box (inline ones through
 * lk-pages.css, display ones through the theme); a box that scrolls must be
 * reachable with the keyboard (WCAG 2.1.1), so exactly those boxes get
 * tabIndex 0, as the theme does for code blocks and tables. Formulas that fit
 * are never Tab stops (tabIndex -1: Chromium would otherwise make every box with
 * overflow a Tab stop; MathJax's own Tab stops are off in _config.yml).
 */
(function () {
  "use strict";
  // boxes that may scroll and that the theme does not handle: formulas (inline, and
  // display ones, which the theme lets scroll on narrow screens) and wide HTML tables
  // printed by a cell (a div with overflow-x inside an output)
  var BOXES = "span.math, div.math > mjx-container, .cell_output .output div";
  function mark() {
    document.querySelectorAll(BOXES).forEach(function (box) {
      if (box.matches(".cell_output .output div")) {
        var o = getComputedStyle(box).overflowX;
        if (o !== "auto" && o !== "scroll") return;
      }
      if (box.scrollWidth > box.clientWidth + 1) {
        box.tabIndex = 0;
        box.setAttribute("role", "group");
        if (box.matches("span.math, div.math > mjx-container")) {
          box.setAttribute("aria-label", "formula, scrolls sideways");
        }
      } else {
        // Chromium makes any scroll container a Tab stop by itself (keyboard-focusable
        // scrollers), even one that does not scroll: say explicitly that it is not one
        box.tabIndex = -1;
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
      }
    });
    document.documentElement.dataset.lkMathMarked = String(Date.now());
  }
  var timer = null;
  function later() {
    clearTimeout(timer);
    timer = setTimeout(mark, 200);
  }
  function start() {
    window.addEventListener("resize", later);
    // measure once the page is typeset AND MathJax's fonts are in: before the fonts
    // arrive, formulas are briefly wider than their boxes
    var typeset = window.MathJax && MathJax.startup && MathJax.startup.promise
      ? MathJax.startup.promise : Promise.resolve();
    Promise.all([typeset, document.fonts.ready]).then(mark);
    if (document.fonts.addEventListener) document.fonts.addEventListener("loadingdone", later);
  }
  // by "load" MathJax's script has run: its startup promise resolves once the page is typeset
  if (document.readyState === "complete") {
    start();
  } else {
    window.addEventListener("load", start);
  }
})();
