/* Search result snippets as text, not TeX.
 *
 * Sphinx's search page cuts each snippet out of the page's HTML source, where a
 * formula is still its TeX (MathJax typesets it only when the page is shown):
 * a snippet read "\(0.3\)" or "\sigma'(x)". Before the text is cut, every math
 * element is turned into plain text here: delimiters dropped, Greek letters and
 * common symbols as characters, \frac{a}{b} as a/b, other commands dropped.
 * tools/build_book.py does the same for the titles in searchindex.js, and
 * tests/test_a11y.py checks the search page for "sigmoid".
 */
(function () {
  "use strict";
  var SYMBOLS = {
    alpha: "α", beta: "β", gamma: "γ", delta: "δ", epsilon: "ε", varepsilon: "ε", zeta: "ζ",
    eta: "η", theta: "θ", kappa: "κ", lambda: "λ", mu: "μ", nu: "ν", xi: "ξ", pi: "π",
    rho: "ρ", sigma: "σ", tau: "τ", phi: "φ", varphi: "φ", chi: "χ", psi: "ψ", omega: "ω",
    Gamma: "Γ", Delta: "Δ", Theta: "Θ", Lambda: "Λ", Sigma: "Σ", Phi: "Φ", Psi: "Ψ",
    Omega: "Ω", cdot: "·", times: "×", le: "≤", leq: "≤", ge: "≥", geq: "≥", ne: "≠",
    neq: "≠", approx: "≈", to: "→", rightarrow: "→", infty: "∞", sum: "Σ", prod: "Π",
    partial: "∂", nabla: "∇", in: "∈", pm: "±", mp: "∓", sqrt: "√", odot: "⊙", ldots: "…",
    dots: "…", cdots: "⋯", quad: " ", qquad: " ", lVert: "‖", rVert: "‖", Vert: "‖",
    mid: "|", propto: "∝", sim: "~", log: "log", exp: "exp", max: "max", min: "min",
    tanh: "tanh", ln: "ln", E: "E", operatorname: "", mathrm: "", text: "", mathbf: "",
    boldsymbol: "", mathcal: "", left: "", right: "", big: "", Big: "", bigl: "", bigr: ""
  };
  function texToText(tex) {
    var s = tex.replace(/\\\(|\\\)|\\\[|\\\]|\$/g, " ");
    s = s.replace(/\\[tdc]?frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}/g, "$1/$2");
    s = s.replace(/\\([A-Za-z]+)/g, function (m, name) {
      return Object.prototype.hasOwnProperty.call(SYMBOLS, name) ? SYMBOLS[name] : "";
    });
    s = s.replace(/\\[,;:! ]/g, " ").replace(/\\([{}_%$#&|])/g, "$1");
    s = s.replace(/[{}]/g, "").replace(/&/g, " ").replace(/\\\\/g, "; ");
    return s.replace(/\s+/g, " ").trim();
  }
  window.lkTexToText = texToText;
  function install() {
    // searchtools.js declares `const Search`: a global binding, not a property of window
    if (typeof Search === "undefined" || typeof Search.htmlToText !== "function" ||
        Search.lkText) return;
    var original = Search.htmlToText;
    Search.htmlToText = function (htmlString, anchor) {
      var doc = new DOMParser().parseFromString(htmlString, "text/html");
      doc.querySelectorAll(".math .headerlink").forEach(function (el) { el.remove(); });
      doc.querySelectorAll(".math").forEach(function (el) {
        el.textContent = (el.tagName === "DIV" ? " " : "") + texToText(el.textContent) +
          (el.tagName === "DIV" ? " " : "");
      });
      return original(doc.documentElement.outerHTML, anchor);
    };
    Search.lkText = true;
  }
  install();
  document.addEventListener("DOMContentLoaded", install);
})();
