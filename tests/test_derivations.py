"""Tests for lecture_kit.derivations.

Three kinds of evidence:

* SymPy proves every step of every derivation (``verify()``), and the checker
  is not a rubber stamp: corrupting any step, or dropping any stated
  assumption, makes that step fail.
* The final results are checked numerically against independent oracles:
  Monte Carlo estimates (seeded ``rng``), finite differences, and simulations
  of the optimizers written out in the test.
* The display is LaTeX that myst-nb can show.
"""

import html
import math
import re

import numpy as np
import pytest
import sympy as sp
from _book import POLL_MS, settle

from lecture_kit import derivations as D
from lecture_kit import init, optim

NAMES = D.names()


@pytest.fixture(scope="module")
def built():
    """Each derivation built once for the whole module."""
    return {name: D.get(name) for name in NAMES}


def _result(d, index=-1):
    """The right-hand side of step ``index``."""
    return d.sides()[index][2]


def _by_why(d, fragment):
    matches = [i for i, s in enumerate(d.steps) if fragment in s.why]
    assert len(matches) == 1, f"{fragment!r} matches steps {matches} of {d.name}"
    return matches[0]


# ---------------------------------------------------------------------------
# Every derivation exists, verifies, and renders
# ---------------------------------------------------------------------------

REQUIRED = [
    "sigmoid_from_log_odds", "sigmoid_derivative", "tanh_from_sigmoid", "tanh_derivative",
    "softmax_jacobian", "vanishing_gradient_product", "xavier_forward", "xavier_backward",
    "xavier_compromise", "he_relu_second_moment", "he_init", "leaky_relu_gain",
    "momentum_unrolled", "momentum_forms_equivalent", "momentum_effective_step",
]


def test_every_derivation_of_the_issue_is_registered():
    assert set(REQUIRED) <= set(NAMES)
    for name in REQUIRED:
        assert callable(getattr(D, name)) and name in D.__all__


@pytest.mark.parametrize("name", NAMES)
def test_every_step_of_every_derivation_verifies(built, name):
    assert built[name].verify(raise_error=True)


@pytest.mark.parametrize("name", NAMES)
def test_every_derivation_has_checked_steps_and_justifications(built, name):
    d = built[name]
    assert isinstance(d, D.Derivation) and d.name == name
    checked = [s for s in d.steps if s.relation != ":="]
    assert len(checked) >= 2
    assert all(s.why.strip() for s in d.steps)


@pytest.mark.parametrize("name", NAMES)
def test_every_derivation_renders_as_latex(built, name):
    d = built[name]
    latex = d._repr_latex_()
    assert latex.startswith("$$") and latex.endswith("$$")
    assert latex.count(r"\\") >= len(d) - 1  # one row per step
    assert latex.count("{") == latex.count("}")
    assert r"\begin{aligned}" in latex and r"\end{aligned}" in latex
    assert "$" not in latex[2:-2]  # no stray inline math inside the display
    assert not re.search(r"\\quad[A-Za-z]", latex)  # \quadE would be an unknown macro
    md = d.to_markdown()
    assert md.startswith(f"**{d.title}**") and "$$" in md


def test_get_rejects_an_unknown_name_and_lists_the_known_ones():
    with pytest.raises(ValueError, match="sigmoid_derivative"):
        D.get("sigmoid_derivativ")


@pytest.mark.parametrize("depth", [0, 9, 2.0, True])
def test_vanishing_gradient_product_rejects_a_bad_depth(depth):
    with pytest.raises(ValueError, match="depth"):
        D.vanishing_gradient_product(depth)


def test_a_justification_with_latex_outside_math_is_refused():
    x = sp.Symbol("x")
    with pytest.raises(ValueError, match="LaTeX"):
        D.Step(x, x, "50% of x_i")


# ---------------------------------------------------------------------------
# The checker catches mistakes: every step of every derivation
# ---------------------------------------------------------------------------


def _corruptions(step):
    rhs = step.rhs
    if step.relation == "<=":
        return [rhs * sp.Rational(9, 10)]  # every bound of the course is positive
    if isinstance(rhs, (sp.MatrixBase, sp.MatrixExpr)):
        rows, cols = rhs.shape
        bump = sp.zeros(rows, cols)
        bump[0, 0] = 1
        return [sp.Matrix(rhs.as_explicit() if hasattr(rhs, "as_explicit") else rhs) + bump]
    out = [rhs + 1]
    if rhs != 0:
        out.append(2 * rhs)
    return out


@pytest.mark.parametrize("name", NAMES)
def test_corrupting_any_step_makes_it_fail(built, name):
    d = built[name]
    failures_caught = 0
    for i, step in enumerate(d.steps):
        if step.relation == ":=":
            continue
        for wrong in _corruptions(step):
            bad = d.replaced(i, rhs=wrong)
            (result,) = bad.check(only=i)
            assert not result.ok, f"{name} step {i} ({step.why}) accepts rhs = {wrong}"
            failures_caught += 1
    assert failures_caught >= 2


@pytest.mark.parametrize("name", NAMES)
def test_a_corrupted_derivation_does_not_verify(built, name):
    d = built[name]
    first = min(i for i, s in enumerate(d.steps) if s.relation != ":=")
    bad = d.replaced(first, rhs=_corruptions(d.steps[first])[0])
    assert bad.verify() is False
    with pytest.raises(D.DerivationError, match=f"step {first}"):
        bad.verify(raise_error=True)


@pytest.mark.parametrize("name", NAMES)
def test_every_stated_assumption_is_needed(built, name):
    d = built[name]
    for i, step in enumerate(d.steps):
        if step.given:
            (result,) = d.replaced(i, given=()).check(only=i)
            assert not result.ok, f"{name} step {i} ({step.why}) holds without its assumptions"
        if step.bounds:
            (result,) = d.replaced(i, bounds=step.bounds[:-1]).check(only=i)
            assert not result.ok, f"{name} step {i} holds without its last bound"


def test_corrupting_a_definition_breaks_the_steps_that_use_it(built):
    d = built["sigmoid_derivative"]
    z = sp.Symbol("z", real=True)
    bad = d.replaced(0, rhs=1 / (1 + sp.exp(-2 * z)))  # a steeper "sigmoid"
    assert not bad.verify()


def test_a_wrong_bound_in_the_vanishing_product_is_caught():
    d = D.vanishing_gradient_product(2)
    i = len(d) - 1
    wrong = tuple(sp.Le(b.lhs, b.rhs * 2) if "sigma" in str(b.lhs) else b for b in d[i].bounds)
    assert not d.replaced(i, bounds=wrong).check(only=i)[0].ok


# ---------------------------------------------------------------------------
# Numerical spot checks of the results
# ---------------------------------------------------------------------------


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def fd(f, x, eps=1e-6):
    return (f(x + eps) - f(x - eps)) / (2 * eps)


def test_sigmoid_inverts_the_log_odds_numerically(built):
    p = np.linspace(0.01, 0.99, 99)
    z = np.log(p / (1 - p))
    np.testing.assert_allclose(sigmoid(z), p, rtol=1e-12)
    # the derivation's closed form p = e^z / (1 + e^z)
    zs = sp.Symbol("z", real=True)
    solved = built["sigmoid_from_log_odds"].sides()[_by_why(built["sigmoid_from_log_odds"],
                                                            "sympy.solve")][2]
    f = sp.lambdify(zs, solved, "numpy")
    np.testing.assert_allclose(f(z), p, rtol=1e-12)


def test_sigmoid_slope_is_s_one_minus_s_and_peaks_at_one_quarter():
    x = np.linspace(-8, 8, 1601)
    slope = fd(sigmoid, x)
    np.testing.assert_allclose(slope, sigmoid(x) * (1 - sigmoid(x)), atol=1e-9)
    assert slope.max() == pytest.approx(0.25, abs=1e-9)
    assert x[np.argmax(slope)] == 0.0


def test_tanh_is_a_rescaled_sigmoid_and_its_slope_peaks_at_one():
    x = np.linspace(-6, 6, 1201)
    np.testing.assert_allclose(np.tanh(x), 2 * sigmoid(2 * x) - 1, atol=1e-15)
    slope = fd(np.tanh, x)
    np.testing.assert_allclose(slope, 1 - np.tanh(x) ** 2, atol=1e-9)
    assert slope.max() == pytest.approx(1.0, abs=1e-9) and x[np.argmax(slope)] == 0.0


def test_softmax_jacobian_matches_finite_differences(rng):
    def softmax(v):
        e = np.exp(v - v.max())
        return e / e.sum()

    z = rng.normal(size=5)
    s = softmax(z)
    J_fd = np.column_stack([fd(lambda t: softmax(z + t * e), 0.0) for e in np.eye(5)])
    np.testing.assert_allclose(J_fd, np.diag(s) - np.outer(s, s), atol=1e-9)


@pytest.mark.parametrize("depth", [3, 8])
def test_vanishing_product_matches_finite_differences_and_the_bound(rng, depth):
    w, b = rng.normal(scale=1.0, size=depth), rng.normal(size=depth)

    def chain(a0):
        a = a0
        for k in range(depth):
            a = sigmoid(w[k] * a + b[k])
        return a

    a, slopes = 0.3, []
    for k in range(depth):
        z = w[k] * a + b[k]
        slopes.append(sigmoid(z) * (1 - sigmoid(z)))
        a = sigmoid(z)
    product = np.prod(w * np.array(slopes))
    assert fd(chain, 0.3, eps=1e-4) == pytest.approx(product, rel=1e-6, abs=1e-13)
    m = np.abs(w).max()
    assert abs(product) <= (m / 4) ** depth
    # the derivation's bound, evaluated
    d = D.vanishing_gradient_product(depth)
    bound = sp.lambdify(sp.Symbol("m", positive=True), _result(d))
    assert bound(m) == pytest.approx((m / 4) ** depth)


def test_xavier_forward_variance_by_monte_carlo(rng, built):
    n_in, var_w, var_x, samples = 64, 0.02, 3.0, 20000
    W = rng.normal(0, math.sqrt(var_w), size=(samples, n_in))
    X = rng.normal(0, math.sqrt(var_x), size=(samples, n_in))
    y = np.sum(W * X, axis=1)
    d = built["xavier_forward"]
    formula = _result(d, _by_why(d, "zero-mean inputs too"))
    expected = float(formula.subs({sp.Symbol("n_in", positive=True, integer=True): n_in,
                                   D.var_symbol("w"): var_w, D.var_symbol("x"): var_x}))
    assert expected == pytest.approx(n_in * var_w * var_x)
    assert y.var() == pytest.approx(expected, rel=0.04)


def test_xavier_forward_general_formula_with_nonzero_means(rng):
    n, mw, vw, mx, vx, samples = 10, 0.3, 0.5, -1.0, 2.0, 200000
    W = rng.normal(mw, math.sqrt(vw), size=(samples, n))
    X = rng.normal(mx, math.sqrt(vx), size=(samples, n))
    y = np.sum(W * X, axis=1)
    assert y.mean() == pytest.approx(n * mw * mx, rel=0.03)
    assert y.var() == pytest.approx(n * (vw * vx + vw * mx**2 + mw**2 * vx), rel=0.02)


def test_xavier_backward_variance_by_monte_carlo(rng):
    n_in, n_out, var_w, var_d, samples = 20, 80, 0.01, 4.0, 5000
    W = rng.normal(0, math.sqrt(var_w), size=(samples, n_out, n_in))
    delta = rng.normal(0, math.sqrt(var_d), size=(samples, n_out))
    grad_x = np.einsum("sji,sj->si", W, delta)  # dL/dx = W^T delta
    assert grad_x.var() == pytest.approx(n_out * var_w * var_d, rel=0.03)


def test_xavier_uniform_bound_gives_the_compromise_variance(rng, built):
    n_in, n_out = 30, 70
    d = built["xavier_compromise"]
    a_expr = _result(d, _by_why(d, "uniform bound"))
    a = float(a_expr.subs({sp.Symbol("n_in", positive=True, integer=True): n_in,
                           sp.Symbol("n_out", positive=True, integer=True): n_out}))
    assert a == pytest.approx(math.sqrt(6 / (n_in + n_out)))
    assert a == pytest.approx(init.xavier_bound(n_in, n_out))
    u = rng.uniform(-a, a, size=400000)
    assert u.var() == pytest.approx(2 / (n_in + n_out), rel=0.01)


@pytest.mark.parametrize("dist", ["normal", "uniform", "laplace", "student_t"])
def test_relu_keeps_half_the_second_moment_of_a_symmetric_variable(rng, dist):
    n = 400000
    z = {"normal": lambda: rng.normal(0, 1.7, n), "uniform": lambda: rng.uniform(-2, 2, n),
         "laplace": lambda: rng.laplace(0, 0.8, n), "student_t": lambda: rng.standard_t(6, n)}[dist]()
    z = np.concatenate([z, -z])  # exactly symmetric sample: E[z] = 0
    assert np.mean(np.maximum(z, 0) ** 2) == pytest.approx(np.var(z) / 2, rel=1e-12)


def test_relu_half_moment_fails_for_an_asymmetric_variable(rng):
    z = rng.exponential(1.0, 400000) - 1.0  # mean 0, variance 1, skewed
    assert np.mean(np.maximum(z, 0) ** 2) > 0.6 * np.var(z)  # far from 1/2: symmetry matters


def test_he_init_keeps_the_variance_through_relu_layers(rng, built):
    n, depth, batch = 256, 20, 400
    d = built["he_init"]
    var_w = float(_result(d, _by_why(d, "ask for")).subs(
        sp.Symbol("n_in", positive=True, integer=True), n))
    assert var_w == pytest.approx(2 / n)

    def last_over_first(var):
        y = rng.normal(size=(batch, n)) @ rng.normal(0, math.sqrt(var), size=(n, n))
        first = y.var()
        for _ in range(depth - 1):
            y = np.maximum(y, 0) @ rng.normal(0, math.sqrt(var), size=(n, n))
        return y.var() / first

    assert 0.5 < last_over_first(var_w) < 2.0
    assert last_over_first(1 / n) < 1e-4  # Xavier's 1/n halves it at every relu layer


@pytest.mark.parametrize("a", [0.0, 0.01, 0.2, 1.0])
def test_leaky_relu_gain_by_monte_carlo_and_against_init(rng, a, built):
    z = rng.normal(0, 1.3, 400000)
    z = np.concatenate([z, -z])
    leaky = np.where(z > 0, z, a * z)
    assert np.mean(leaky**2) == pytest.approx((1 + a * a) / 2 * np.var(z), rel=1e-12)
    d = built["leaky_relu_gain"]
    gain = _result(d, _by_why(d, "gain = std")).subs(sp.Symbol("a", nonnegative=True), a)
    assert float(gain) == pytest.approx(math.sqrt(2 / (1 + a * a)))
    assert float(gain) == pytest.approx(init.calculate_gain("leaky_relu", a), rel=1e-12)


@pytest.mark.parametrize("beta", [0.5, 0.9, 0.99])
def test_ema_weights_sum_to_one_minus_beta_to_the_t(rng, beta):
    t = 25
    g = rng.normal(size=t)
    v = 0.0
    for k in range(t):
        v = beta * v + (1 - beta) * g[k]
    weights = (1 - beta) * beta ** np.arange(t)  # weight of g_{t-k}
    assert v == pytest.approx(np.sum(weights * g[::-1]), rel=1e-12)
    assert weights.sum() == pytest.approx(1 - beta**t, rel=1e-12)
    # bias correction on a constant gradient is exact
    v = 0.0
    for k in range(1, t + 1):
        v = beta * v + (1 - beta) * 3.0
        assert v / (1 - beta**k) == pytest.approx(3.0, rel=1e-12)


@pytest.mark.parametrize("beta", [0.5, 0.9])
def test_ema_and_pytorch_momentum_take_the_same_steps_after_rescaling(rng, beta):
    A = np.diag([1.0, 10.0])
    lr = 0.02
    theta, vartheta = np.array([1.0, -2.0]), np.array([1.0, -2.0])
    v, buf = np.zeros(2), np.zeros(2)
    for _ in range(50):
        v = beta * v + (1 - beta) * (A @ theta)
        theta = theta - lr * v
        buf = beta * buf + A @ vartheta
        vartheta = vartheta - lr * (1 - beta) * buf
        np.testing.assert_allclose(theta, vartheta, rtol=1e-12, atol=1e-14)


def test_the_library_optimizers_agree_with_the_derivation():
    beta, lr = 0.9, 0.05
    grad = lambda x: np.array([2.0, 20.0]) * x  # noqa: E731
    ema = optim.trajectory(optim.momentum_ema(lr=lr, beta=beta), grad, [1.0, 1.0], 30)
    pt = optim.trajectory(optim.sgd(lr=lr * (1 - beta), momentum=beta), grad, [1.0, 1.0], 30)
    np.testing.assert_allclose(ema, pt, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("beta", [0.5, 0.9, 0.99])
def test_pytorch_momentum_step_tends_to_lr_over_one_minus_beta(beta, built):
    lr, g, buf = 0.1, 2.0, 0.0
    for _ in range(5000):
        buf = beta * buf + g
    assert lr * buf == pytest.approx(lr * g / (1 - beta), rel=1e-12)
    d = built["momentum_effective_step"]
    limit = _result(d).subs({sp.Symbol("beta", positive=True): beta,
                             sp.Symbol("eta", positive=True): lr, sp.Symbol("g"): g})
    assert float(limit) == pytest.approx(lr * g / (1 - beta), rel=1e-12)


# ---------------------------------------------------------------------------
# The displays read right: no tautologies, Greek as symbols, narrow layout
# ---------------------------------------------------------------------------

GREEK = ("alpha", "beta", "gamma", "delta", "epsilon", "eta", "theta", "vartheta", "kappa",
         "lambda", "mu", "rho", "sigma", "tau", "phi")


@pytest.mark.parametrize("name", NAMES)
def test_no_displayed_step_is_a_tautology(built, name):
    """A step SymPy simplified into ``a = a`` says nothing (only a definition may look so)."""
    for index, (lhs, relation, rhs) in enumerate(built[name].latex_sides()):
        if relation != ":=":
            assert lhs != rhs, f"{name} step {index} displays {lhs} {relation} {rhs}"


def test_the_tautology_check_catches_a_simplified_step():
    x = sp.Symbol("x")
    d = D.Derivation("t").equal(2 / (1 + x), 2 / (1 / (1 / (1 + x))), "simplified away")
    ((lhs, _, rhs),) = d.latex_sides()
    assert lhs == rhs  # what the test above would flag


def _word_greek(tex):
    r"""Greek letter names printed as words (``Var(delta)``, ``\mu_{delta}``), not ``\delta``."""
    return [g for g in GREEK if re.search(rf"(?<![\\A-Za-z]){g}(?![A-Za-z])", tex)]


@pytest.mark.parametrize("name", NAMES)
def test_greek_letters_print_as_symbols(built, name):
    d = built[name]
    shown = [side for sides in d.latex_sides() for side in (sides[0], sides[2])]
    shown += [d.title] + [s.why for s in d.steps] + [d.to_latex(), d.to_html()]
    for tex in shown:
        assert _word_greek(tex) == [], f"{name}: {tex[:120]}"


def test_the_greek_check_catches_a_word():
    assert _word_greek(r"\operatorname{Var}(delta) + \mu_{delta}") == ["delta"]
    assert _word_greek(r"\operatorname{Var}(\delta) + \mu_{\delta} + \beta") == []


def test_the_statistics_of_a_greek_family_print_greek():
    assert sp.latex(D.var_symbol("delta"), symbol_names=D.checker._SYMBOL_LATEX) == \
        r"\operatorname{Var}(\delta)"
    assert sp.latex(D.mean_symbol("delta"), symbol_names=D.checker._SYMBOL_LATEX) == r"\mu_{\delta}"


def test_xavier_backward_sums_over_the_outputs_with_the_input_index_free(built):
    lhs, relation, rhs = built["xavier_backward"].latex_sides()[0]
    assert lhs == r"\frac{\partial L}{\partial x_i}" and relation == ":="
    assert rhs == r"\sum_{j=1}^{n_{\mathrm{out}}} {w}_{j,i} {\delta}_{j}"


def test_xavier_compromise_shows_the_harmonic_mean_as_its_second_step(built):
    d = built["xavier_compromise"]
    lhs, relation, rhs = d.latex_sides()[1]  # "the second line" of the chapter
    assert "harmonic mean" in d.steps[1].why
    assert lhs == r"\frac{2}{n_{\mathrm{in}} + n_{\mathrm{out}}}" and relation == "="
    assert rhs == r"\frac{2}{\frac{1}{1 / n_{\mathrm{in}}} + \frac{1}{1 / n_{\mathrm{out}}}}"
    # and it is checked: a wrong harmonic mean (the arithmetic one) fails
    n_in, n_out = (sp.Symbol(n, positive=True, integer=True) for n in ("n_in", "n_out"))
    wrong = D.checker.AsWritten((1 / n_in + 1 / n_out) / 2)
    assert not d.replaced(1, rhs=wrong).check(only=1)[0].ok


@pytest.mark.parametrize("name", NAMES)
def test_the_display_has_one_equation_and_one_justification_per_step(built, name):
    d = built[name]
    page = d.to_html()
    assert page.count('class="lk-step"') == len(d)
    assert page.count('class="lk-step-why"') == len(d)
    assert page.count("\\(\\displaystyle") == len(d)
    assert "mathjax_process" in page and "<script" not in page
    for step in d.steps:  # every justification's words are there, as text
        assert html.escape(step.why.split("$")[0], quote=False) in page
    # the pure-LaTeX form puts the justification on rows of its own, wrapped
    for row in d.to_latex(title=False).split("\\\\"):
        text = "".join(re.findall(r"\\text\{([^}]*)\}", row))
        assert len(text) <= D.checker.TEXT_CHARS + 2, row


def test_a_long_sum_is_broken_before_a_sign():
    x = sp.symbols("x1:20")
    d = D.Derivation("long").equal(sp.Symbol("S"), sum(xi**2 for xi in x), "a long sum")
    (rows, _), = d.layout()
    assert len(rows) > 2 and rows[0] == "S"
    assert all(D.checker.latex_width(r) <= D.checker.LINE_EM for r in rows)
    assert all(re.match(r"(\\q?quad)+ [=+-] ", r) for r in rows[1:])


# ---------------------------------------------------------------------------
# In the browser: the displays typeset without errors and fit the column
# ---------------------------------------------------------------------------


def _installed(pattern):
    import sys
    from pathlib import Path

    found = sorted(Path(sys.prefix).glob(f"lib/python*/site-packages/{pattern}"))
    assert found, f"{pattern} is not installed in this environment"
    return found[0]


def _block(name, form):
    """What the book shows for a derivation: its HTML form, or myst-nb's math block of its LaTeX."""
    d = D.get(name)
    if form == "html":
        inner = d._repr_html_()
    else:  # myst-nb turns a text/latex output "$$...$$" into this
        inner = ('<div class="output text_latex math notranslate nohighlight">\\['
                 + html.escape(d._repr_latex_()[2:-2], quote=False) + "\\]</div>")
    return f'<div class="lk-block" id="{name}">{inner}</div>'


def _derivation_page(tmp_path, form, width):
    """Every derivation in a column ``width`` px wide, with the book's theme CSS and MathJax."""
    mathjax = _installed("sphinx-mathjax-offline/static/mathjax/tex-chtml.js")
    theme = _installed("pydata_sphinx_theme/theme/pydata_sphinx_theme/static/styles/"
                       "pydata-sphinx-theme.css")
    # the book's MathJax settings; without "noundefined" an unknown macro is an error, not red text
    config = ('<script>window.MathJax = {options: {processHtmlClass: '
              '"tex2jax_process|mathjax_process|math|output_area"}, '
              'tex: {packages: {"[-]": ["noundefined"]}}};</script>')
    body = "".join(_block(n, form) for n in NAMES)
    page_file = tmp_path / f"derivations-{form}-{width}.html"
    page_file.write_text(
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><link rel="stylesheet" '
        f'href="{theme.as_uri()}">{config}<script src="{mathjax.as_uri()}"></script></head>'
        f'<body><main class="bd-article tex2jax_ignore mathjax_ignore" '
        f'style="width:{width}px;margin:0 8px">{body}</main></body></html>', encoding="utf-8")
    return page_file


_OVERFLOW = """(root) => {
  // For each typeset formula (its drawn box, mjx-math): walk up to the block and note every
  // box that it, or the part of it still shown, reaches past: "scrolls" (overflow auto/scroll)
  // or "clipped" (hidden/clip); "column" if it sticks out of the block itself. Rectangles, not
  // scrollWidth: MathJax's hidden assistive MathML inflates scrollWidth without being seen.
  const column = root.getBoundingClientRect();
  return [...root.querySelectorAll("mjx-container > mjx-math")].map((m) => {
    let cur = m.getBoundingClientRect();
    const width = Math.round(cur.width), kinds = [];
    for (let box = m.parentElement; box && box !== root; box = box.parentElement) {
      const o = getComputedStyle(box).overflowX;
      if (o === "visible") continue;
      const edge = box.getBoundingClientRect();
      if (cur.right > edge.right + 1) kinds.push(["auto", "scroll"].includes(o) ? "scrolls" : "clipped");
      cur = edge;
    }
    if (cur.right > column.right + 1) kinds.push("column");
    return {text: (m.parentElement.textContent || "").slice(0, 50), width: width, kinds: kinds};
  });
}"""


def _typeset(browser, page_file, width):
    page = browser.new_page(viewport={"width": width + 16, "height": 900})
    page.goto(page_file.as_uri())
    page.wait_for_function("window.MathJax && MathJax.startup && MathJax.startup.promise",
                           timeout=120_000, polling=POLL_MS)
    settle(page, "() => MathJax.startup.promise.then(() => true)")
    return page


@pytest.mark.browser
@pytest.mark.parametrize("form", ["html", "latex"])
def test_every_display_typesets_in_mathjax_without_errors(browser, tmp_path, form):
    page = _typeset(browser, _derivation_page(tmp_path, form, 688), 688)
    try:
        errors = [e.get_attribute("data-mjx-error") for e in page.locator("mjx-merror").all()]
        assert errors == []
        for name in NAMES:
            block = page.locator(f"#{name}")
            steps = len(D.get(name)) if form == "html" else 1
            assert block.locator("mjx-container").count() >= steps, name
            assert "\\(" not in block.inner_text() and "\\[" not in block.inner_text()
    finally:
        page.close()


@pytest.mark.browser
@pytest.mark.parametrize("form", ["html", "latex"])
def test_every_derivation_fits_the_688px_content_column(browser, tmp_path, form):
    """At 1280 px the book's column is 688 px: no box of a derivation is wider than it is."""
    page = _typeset(browser, _derivation_page(tmp_path, form, 688), 688)
    try:
        too_wide = {}
        for name in NAMES:
            widths = [f["width"] for f in page.locator(f"#{name}").evaluate(_OVERFLOW)
                      if f["kinds"]]
            if widths:
                too_wide[name] = max(widths)
        assert too_wide == {}, f"wider than the 688 px column (widest formula in px): {too_wide}"
    finally:
        page.close()


@pytest.mark.browser
def test_every_derivation_scrolls_but_never_clips_at_390px(browser, tmp_path):
    """On a phone an equation may scroll inside its own box, never be cut off."""
    page = _typeset(browser, _derivation_page(tmp_path, "html", 358), 358)
    try:
        clipped = {}
        for name in NAMES:
            bad = [f"{f['text']!r} {f['kinds']}"
                   for f in page.locator(f"#{name}").evaluate(_OVERFLOW)
                   if set(f["kinds"]) - {"scrolls"}]
            if bad:
                clipped[name] = bad
        assert clipped == {}
    finally:
        page.close()


@pytest.mark.browser
def test_the_width_probe_sees_scrolling_clipping_and_overflow(browser, tmp_path):
    """Self-test of the measurement: a formula cut off, one scrolled, one spilling, one fitting."""
    wide = "+".join(f"x_{{{k}}}" for k in range(40))
    cases = {"clip": "overflow:hidden", "scroll": "overflow-x:auto", "spill": "overflow:visible"}
    body = "".join(f'<div class="lk-block mathjax_process" id="{k}"><div style="{style}">\\(\\displaystyle '
                   f"{wide}\\)</div></div>" for k, style in cases.items())
    body += '<div class="lk-block mathjax_process" id="fits"><div style="overflow:hidden">\\(x + y\\)</div></div>'
    page_file = _derivation_page(tmp_path, "html", 300)
    page_file.write_text(page_file.read_text().replace(
        page_file.read_text().split('style="width:300px;margin:0 8px">')[1].split("</main>")[0],
        body))
    page = _typeset(browser, page_file, 300)
    try:
        kinds = {k: [f["kinds"] for f in page.locator(f"#{k}").evaluate(_OVERFLOW)]
                 for k in (*cases, "fits")}
    finally:
        page.close()
    assert kinds == {"clip": [["clipped"]], "scroll": [["scrolls"]], "spill": [["column"]],
                     "fits": [[]]}
