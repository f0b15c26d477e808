"""Specification of lecture_kit.activations.

Three independent oracles, for every registered activation and every parameter
setting of the golden fixture:

* PyTorch: values and autograd derivatives on an extreme grid
  (tests/fixtures/torch_activations.npz, made by make_torch_activations.py);
  where PyTorch is known to round (listed in the module docstring, and in
  ``DEPARTURES`` below) the reference is SymPy at 30 digits instead;
* SymPy: the derivative of ``symbolic()`` equals ``grad``; ``latex`` parsed back
  into SymPy equals ``symbolic()``;
* central finite differences in float64, and hypothesis property tests of the
  identities (tanh = 2 sigma(2x) - 1, sigma' = sigma(1 - sigma) <= 1/4, softmax
  sums to one and is shift-invariant, ...).
"""

from __future__ import annotations

import json
import math
import re
from functools import lru_cache
from pathlib import Path

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sympy.parsing.sympy_parser import (
    implicit_multiplication_application,
    parse_expr,
    standard_transformations,
)

from lecture_kit import activations as A

FIXTURE = np.load(Path(__file__).parent / "fixtures" / "torch_activations.npz")
GRID64 = FIXTURE["grid64"]
GRID32 = FIXTURE["grid32"]
CASES = json.loads(str(FIXTURE["cases"]))
CASE_IDS = [c["id"] for c in CASES]
X = sp.Symbol("x", real=True)

# Every registered activation with its default parameters, plus every setting of
# the golden fixture: the parameter settings the numerics tests run over.
SETTINGS = sorted({(c["name"], json.dumps(c["params"], sort_keys=True)) for c in CASES}
                  | {(n, "{}") for n in A.names()})
SETTING_IDS = [f"{n}{'' if p == '{}' else p}" for n, p in SETTINGS]


def make(name, params_json):
    return A.get(name, **json.loads(params_json))


# ----------------------------------------------------------------------------
# high-precision SymPy evaluation (the oracle where PyTorch rounds)
# ----------------------------------------------------------------------------
@lru_cache(maxsize=None)
def _symbolic(name, params_json):
    a = make(name, params_json)
    expr = a.symbolic(X)
    return expr, sp.diff(expr, X)


def sympy_values(name, params_json, xs, derivative=False):
    """``symbolic()`` (or its derivative) at the float64 points ``xs``, 30 digits."""
    expr = _symbolic(name, params_json)[1 if derivative else 0]
    out = []
    for v in np.asarray(xs, dtype=np.float64).ravel():
        val = expr.subs(X, sp.Float(float(v), 30)).evalf(30)
        out.append(float(val))
    return np.array(out)


# ----------------------------------------------------------------------------
# registry and fixture coverage
# ----------------------------------------------------------------------------
def test_registry_has_every_activation_of_the_issue():
    required = {"sigmoid", "tanh", "relu", "leaky_relu", "prelu", "rrelu", "elu", "selu",
                "celu", "relu6", "hard_tanh", "swish", "silu", "hard_sigmoid", "hard_swish",
                "gelu", "softplus", "softsign", "mish", "identity"}
    assert required <= set(A.names())
    # one Registry rule: a tuple, in the order of the course, no duplicates
    assert isinstance(A.names(), tuple) and len(set(A.names())) == len(A.names())
    assert A.names()[:2] == ("sigmoid", "tanh") and A.names()[-1] == "identity"


def test_fixture_covers_every_registered_activation():
    assert {c["name"] for c in CASES} == set(A.names())


@pytest.mark.parametrize("name, params", [
    ("leaky_relu", {"negative_slope": 0.01}), ("prelu", {"alpha": 0.25}),
    ("rrelu", {"lower": 1 / 8, "upper": 1 / 3}), ("elu", {"alpha": 1.0}),
    ("celu", {"alpha": 1.0}), ("swish", {"beta": 1.0}), ("gelu", {"approximate": "none"}),
    ("softplus", {"beta": 1.0}), ("hard_tanh", {"min_val": -1.0, "max_val": 1.0}),
])
def test_parameters_have_pytorch_names_and_defaults(name, params):
    assert A.get(name).params == params


@pytest.mark.parametrize("name", A.names())
def test_every_activation_documents_itself(name):
    a = A.get(name)
    assert a.name == name
    assert isinstance(a.params, dict)
    assert a.latex and "=" in a.latex and a.latex_grad
    assert a.reference
    doc = type(a).__doc__
    for section in ("Notes", "Examples", ">>>"):
        assert section in doc, f"{name}: docstring lacks {section}"
    assert eval(repr(a), {"get": A.get}) == a  # repr rebuilds it


@pytest.mark.parametrize("name", [n for n in A.names() if A.get(n).kinks])
def test_activations_with_a_kink_document_the_derivative_there(name):
    doc = type(A.get(name)).__doc__
    assert re.search(r"[Dd]erivative|slope", doc.split("Notes")[1])


def test_silu_is_swish_with_beta_one(rng):
    x = rng.normal(scale=4, size=50)
    np.testing.assert_array_equal(A.get("silu")(x), A.get("swish")(x))
    np.testing.assert_array_equal(A.get("silu").grad(x), A.get("swish").grad(x))


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(ValueError, match="Unknown activation 'relu7'.*sigmoid.*relu6"):
        A.get("relu7")
    with pytest.raises(TypeError):
        A.get(3)


@pytest.mark.parametrize("name, params, match", [
    ("relu", {"alpha": 1.0}, "Unknown parameter.*alpha.*none"),
    ("elu", {"slope": 1.0}, "Unknown parameter.*slope.*its parameters: alpha"),
    ("elu", {"alpha": -1.0}, "alpha"),
    ("celu", {"alpha": 0.0}, "alpha"),
    ("softplus", {"beta": 0.0}, "beta"),
    ("softplus", {"beta": -1.0}, "beta"),
    ("swish", {"beta": -0.5}, "beta"),
    ("rrelu", {"lower": 0.5, "upper": 0.1}, "lower"),
    ("hard_tanh", {"min_val": 1.0, "max_val": -1.0}, "min_val"),
    ("gelu", {"approximate": "fast"}, "approximate"),
    ("gelu", {"approximate": None}, "approximate"),
    ("leaky_relu", {"negative_slope": float("nan")}, "negative_slope"),
    ("prelu", {"alpha": float("inf")}, "alpha"),
])
def test_invalid_parameters_raise_value_error_naming_them(name, params, match):
    with pytest.raises(ValueError, match=match):
        A.get(name, **params)


@pytest.mark.parametrize("params", [{"negative_slope": "0.1"}, {"negative_slope": None},
                                    {"negative_slope": True}])
def test_non_numeric_parameters_raise_type_error(params):
    with pytest.raises(TypeError, match="negative_slope"):
        A.get("leaky_relu", **params)


# ----------------------------------------------------------------------------
# oracle 1: PyTorch golden values
# ----------------------------------------------------------------------------
ONE_SIXTH_F32 = float(np.float32(1 / 6))


def _departures(case, x, what):
    """Mask of grid points where PyTorch is known to round (see the module docstring)."""
    name, params = case["name"], case["params"]
    if name == "sigmoid" and what == "g":
        return x > 1  # sigma (1 - sigma): 1 - sigma cancels for large x
    if name == "tanh" and what == "g":
        return np.abs(x) > 1  # 1 - tanh^2 cancels: 1e-8 relative error at 10, 0 beyond 19
    if name == "softsign" and what == "g":
        return np.abs(x) > 100  # autograd through x / (1 + |x|) cancels
    if name == "softplus":
        return params.get("beta", 1.0) * x > 20  # PyTorch's threshold: returns x, slope 1
    if name == "gelu":
        return x < -1  # (x/2)(1 + erf) and (x/2)(1 + tanh) cancel in the negative tail
    return np.zeros(x.shape, bool)


def _mp_sigmoid(t):
    return 1 / (1 + mpmath.exp(-t))


def _gelu_tanh_2u(x):
    c = mpmath.sqrt(2 / mpmath.pi)
    return 2 * c * (x + mpmath.mpf("0.044715") * x**3), 2 * c * (1 + 3 * mpmath.mpf("0.044715") * x**2)


# Cancellation-free closed forms, evaluated by mpmath at 50 digits: the referee
# where PyTorch rounds. (SymPy's own expressions, e.g. 1 - tanh(x)**2, cancel too.)
MPMATH_FORMS = {
    "sigmoid": (_mp_sigmoid, lambda x, p: _mp_sigmoid(x) * _mp_sigmoid(-x)),
    "tanh": (mpmath.tanh, lambda x, p: mpmath.sech(x) ** 2),
    "softsign": (lambda x, p: x / (1 + abs(x)), lambda x, p: 1 / (1 + abs(x)) ** 2),
    "softplus": (lambda x, p: mpmath.log1p(mpmath.exp(p.get("beta", 1.0) * x)) / p.get("beta", 1.0),
                 lambda x, p: _mp_sigmoid(p.get("beta", 1.0) * x)),
    "gelu": (lambda x, p: x * mpmath.ncdf(x) if p.get("approximate", "none") == "none"
             else x * _mp_sigmoid(_gelu_tanh_2u(x)[0]),
             lambda x, p: mpmath.ncdf(x) + x * mpmath.npdf(x)
             if p.get("approximate", "none") == "none"
             else _mp_sigmoid(_gelu_tanh_2u(x)[0]) + x * _mp_sigmoid(_gelu_tanh_2u(x)[0])
             * _mp_sigmoid(-_gelu_tanh_2u(x)[0]) * _gelu_tanh_2u(x)[1]),
}


def mpmath_values(case, xs, derivative):
    f = MPMATH_FORMS[case["name"]][1 if derivative else 0]
    with mpmath.workdps(50):
        return np.array([float(f(mpmath.mpf(float(v)), case["params"])) for v in xs])


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_float64_values_and_derivatives_match_pytorch(case):
    a = A.get(case["name"], **case["params"])
    cid = case["id"]
    for what, mine in (("y", a(GRID64)), ("g", a.grad(GRID64))):
        torch_ref = FIXTURE[f"{cid}:{what}64"].copy()
        if case["name"] == "hard_sigmoid" and what == "g":
            # PyTorch's float64 backward multiplies by float32(1/6); the slope is 1/6
            assert np.all((torch_ref == 0) | (torch_ref == ONE_SIXTH_F32))
            torch_ref[torch_ref == ONE_SIXTH_F32] = 1 / 6
        away = ~_departures(case, GRID64, what)
        # absolute 2e-16 only matters near a zero of the derivative (sums of O(1) terms)
        np.testing.assert_allclose(mine[away], torch_ref[away], rtol=5e-14,
                                   atol=2e-16 if what == "g" else 1e-300,
                                   err_msg=f"{cid} {what} vs PyTorch")
        if not away.all():
            exact = mpmath_values(case, GRID64[~away], derivative=(what == "g"))
            np.testing.assert_allclose(mine[~away], exact, rtol=1e-13, atol=1e-300,
                                       err_msg=f"{cid} {what} vs mpmath where PyTorch rounds")


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_float32_values_match_pytorch_float32(case):
    a = A.get(case["name"], **case["params"])
    mine = a(GRID32)
    torch_ref = FIXTURE[f"{case['id']}:y32"]
    assert mine.dtype == np.float32
    away = ~_departures(case, GRID32.astype(np.float64), "y")
    # a few float32 ulps; below the smallest normal float32 PyTorch flushes to 0
    np.testing.assert_allclose(mine[away], torch_ref[away], rtol=1e-6,
                               atol=float(np.finfo(np.float32).tiny))


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_float32_results_are_as_accurate_as_float32_allows(case):
    # relative error of a float32 evaluation ~ eps32 times the condition number
    # |x f'(x) / f(x)|; values below the smallest normal float32 are not accurate
    a = A.get(case["name"], **case["params"])
    x64 = GRID32.astype(np.float64)
    y, g = a(x64), a.grad(x64)
    with np.errstate(divide="ignore", invalid="ignore"):
        cond = np.where(y != 0, np.abs(x64 * g / y), 1.0)
    eps, tiny = float(np.finfo(np.float32).eps), float(np.finfo(np.float32).tiny)
    err = np.abs(a(GRID32) - y)
    assert np.all(err <= 4 * eps * np.maximum(cond, 1) * np.abs(y) + tiny), x64[
        err > 4 * eps * np.maximum(cond, 1) * np.abs(y) + tiny]
    # derivatives: a few eps relative, or absolute near their zeros (sums of O(1) terms)
    np.testing.assert_allclose(a.grad(GRID32), g, rtol=4 * eps, atol=4 * eps)


@pytest.mark.parametrize("case", [c for c in CASES if c["name"] == "prelu"],
                         ids=lambda c: c["id"])
def test_prelu_grad_alpha_matches_pytorch(case):
    a = A.get("prelu", **case["params"])
    np.testing.assert_array_equal(a.grad_alpha(GRID64), FIXTURE[f"{case['id']}:galpha64"])


# ----------------------------------------------------------------------------
# oracle 2: SymPy
# ----------------------------------------------------------------------------
SYMPY_POINTS = np.array([-7.25, -3.0, -2.5, -1.3, -1.0, -0.3, -1e-3, 0.0, 1e-3, 0.4, 0.5,
                         1.0, 2.0, 3.0, 4.75, 6.0, 8.5])


@pytest.mark.parametrize("name, params", SETTINGS, ids=SETTING_IDS)
def test_derivative_of_symbolic_equals_grad_including_kinks(name, params):
    a = make(name, params)
    points = np.union1d(SYMPY_POINTS, np.array(a.kinks, dtype=float))
    np.testing.assert_allclose(a(points), sympy_values(name, params, points),
                               rtol=1e-14, atol=1e-300)
    np.testing.assert_allclose(a.grad(points), sympy_values(name, params, points, True),
                               rtol=1e-13, atol=1e-300)


@pytest.mark.parametrize("name, params", SETTINGS, ids=SETTING_IDS)
def test_symbolic_is_piecewise_exactly_where_the_function_has_kinks(name, params):
    a = make(name, params)
    expr = a.symbolic()
    assert expr.free_symbols == {sp.Symbol("x", real=True)}
    if a.kinks:
        assert expr.has(sp.Piecewise)
    assert a.smooth == (not a.kinks)


# -- LaTeX back into SymPy ------------------------------------------------------
_LATEX_LOCALS = {
    "x": X, "alpha": sp.Symbol("alpha"), "beta": sp.Symbol("beta"), "lam": sp.Symbol("lam"),
    "a": sp.Symbol("a"), "b": sp.Symbol("b"), "l": sp.Symbol("l"), "u": sp.Symbol("u"),
    "sigmoid": sp.Lambda(sp.Symbol("t"), 1 / (1 + sp.exp(-sp.Symbol("t")))),
    "Max": sp.Max, "Min": sp.Min, "Abs": sp.Abs, "exp": sp.exp, "log": sp.log,
    "tanh": sp.tanh, "erf": sp.erf, "sqrt": sp.sqrt, "pi": sp.pi, "Piecewise": sp.Piecewise,
    "And": sp.And, "E": sp.E,
}


def _braced(s, i):
    """Content of the {...} group starting at s[i] == '{', and the index after it."""
    assert s[i] == "{", s[i:]
    depth = 0
    for j in range(i, len(s)):
        depth += {"{": 1, "}": -1}.get(s[j], 0)
        if depth == 0:
            return s[i + 1:j], j + 1
    raise ValueError(f"unbalanced braces in {s!r}")


def _to_python(tex):
    """Translate the small LaTeX dialect of the module into a SymPy-parsable string."""
    tex = tex.replace(r"\left", "").replace(r"\right", "").replace(r"\,", " ")
    tex = tex.replace(r"\operatorname{erf}", "erf").replace(r"\cdot", "*")
    out, i = [], 0
    while i < len(tex):
        if tex.startswith(r"\frac", i):
            num, i = _braced(tex, i + 5)
            den, i = _braced(tex, i)
            out.append(f"(({_to_python(num)})/({_to_python(den)}))")
        elif tex.startswith(r"\sqrt", i):
            arg, i = _braced(tex, i + 5)
            out.append(f"sqrt({_to_python(arg)})")
        elif tex.startswith("e^{", i):
            arg, i = _braced(tex, i + 2)
            out.append(f" exp({_to_python(arg)})")
        elif tex.startswith("^{", i):
            arg, i = _braced(tex, i + 1)
            out.append(f"**({_to_python(arg)})")
        elif tex[i] == "|":
            j = tex.index("|", i + 1)
            out.append(f"Abs({_to_python(tex[i + 1:j])})")
            i = j + 1
        elif tex.startswith(r"\begin{cases}", i):
            j = tex.index(r"\end{cases}", i)
            rows = [r.split("&") for r in tex[i + 13:j].split(r"\\")]
            pieces = ", ".join(f"({_to_python(v)}, {_condition(c)})" for v, c in rows)
            out.append(f"Piecewise({pieces})")
            i = j + len(r"\end{cases}")
        else:
            m = re.match(r"\\(tanh|log|max|min|sigma|alpha|beta|lambda|pi)\b", tex[i:])
            if m:
                word = {"max": "Max", "min": "Min", "sigma": "sigmoid", "lambda": "lam"}.get(
                    m.group(1), m.group(1))
                out.append(f" {word}")
                i += m.end()
            else:
                out.append({"{": "(", "}": ")"}.get(tex[i], tex[i]))
                i += 1
    return "".join(out)


def _condition(cond):
    cond = cond.strip().replace(r"\le", "<=").replace(r"\ge", ">=")
    if r"\text{otherwise}" in cond:
        return "True"
    parts = re.split(r"(<=|>=|<|>)", cond)
    terms = [f"(({_to_python(parts[k])}) {parts[k + 1]} ({_to_python(parts[k + 2])}))"
             for k in range(0, len(parts) - 2, 2)]
    return terms[0] if len(terms) == 1 else f"And({', '.join(terms)})"


def latex_to_sympy(tex):
    rhs = tex.split("=")[-1]  # the last form: "f(x) = g = h" gives h
    return parse_expr(_to_python(rhs), local_dict=dict(_LATEX_LOCALS),
                      transformations=standard_transformations
                      + (implicit_multiplication_application,))


@pytest.mark.parametrize("name, params", SETTINGS, ids=SETTING_IDS)
def test_latex_agrees_with_symbolic(name, params):
    a = make(name, params)
    parsed = latex_to_sympy(a.latex)
    values = {sp.Symbol({"lambda": "lam"}.get(k, k)): sp.Float(v, 30)
              for k, v in a.latex_symbols.items()}
    if name == "selu":  # its constants are not parameters
        values = {sp.Symbol("lam"): A.get("selu").SCALE, sp.Symbol("alpha"): A.get("selu").ALPHA}
    parsed = parsed.subs(values)
    assert parsed.free_symbols <= {X}, f"{name}: unknown symbols {parsed.free_symbols}"
    expr = a.symbolic(X)
    for v in SYMPY_POINTS:
        pv = complex(parsed.subs(X, sp.Float(v, 30)).evalf(30))
        ev = float(expr.subs(X, sp.Float(v, 30)).evalf(30))
        assert pv.imag == 0 and math.isclose(pv.real, ev, rel_tol=1e-12, abs_tol=1e-15), (
            f"{name}{params}: latex gives {pv.real} at x = {v}, symbolic() {ev}")


def test_latex_parser_of_this_test_can_fail():
    # the oracle is not vacuous: a wrong formula is caught
    relu_wrong = r"\operatorname{ReLU}(x) = \max(0, 2x)"
    assert float(latex_to_sympy(relu_wrong).subs(X, 1.5)) == 3.0


# ----------------------------------------------------------------------------
# oracle 3: finite differences and identities
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("name, params", SETTINGS, ids=SETTING_IDS)
def test_grad_matches_central_differences_in_float64(name, params, rng):
    a = make(name, params)
    x = np.concatenate([rng.uniform(-8, 8, size=200), rng.normal(size=100)])
    kinks = np.array(a.kinks, dtype=float)
    if kinks.size:
        x = x[np.min(np.abs(x[:, None] - kinks[None, :]), axis=1) > 1e-3]
    h = 1e-6
    numeric = (a(x + h) - a(x - h)) / (2 * h)
    np.testing.assert_allclose(a.grad(x), numeric, rtol=1e-6, atol=1e-8)


@settings(max_examples=200, deadline=None)
@given(st.floats(-20, 20))
def test_tanh_is_a_rescaled_sigmoid(x):
    s, t = A.get("sigmoid"), A.get("tanh")
    assert abs(t(x) - (2 * s(2 * x) - 1)) <= 4e-16


@settings(max_examples=200, deadline=None)
@given(st.floats(-700, 700))
def test_sigmoid_derivative_is_sigma_times_one_minus_sigma_and_at_most_a_quarter(x):
    s = A.get("sigmoid")
    sx, sneg, g = s(x), s(-x), s.grad(x)
    assert 0 <= g <= 0.25
    assert g == pytest.approx(sx * sneg, rel=1e-14, abs=1e-300)  # sigma(-x) = 1 - sigma(x)
    if abs(x) < 5:  # beyond, 1 - sigma(x) cancels: the reason grad does not use it
        assert g == pytest.approx(sx * (1 - sx), rel=1e-12, abs=1e-300)
    assert sx + sneg == pytest.approx(1.0, rel=1e-15)


@settings(max_examples=100, deadline=None)
@given(st.floats(-1e4, 1e4))
def test_odd_activations_are_odd(x):
    for name in A.names():
        a = A.get(name)
        if a.zero_centered:
            assert a(-x) == -a(x), name


@settings(max_examples=100, deadline=None)
@given(st.floats(-50, 50))
def test_elu_derivative_is_elu_plus_alpha_on_the_negative_side(x):
    e = A.get("elu", alpha=1.7)
    if x <= 0:
        assert e.grad(x) == pytest.approx(e(x) + 1.7, rel=1e-12)
    else:
        assert e.grad(x) == 1.0


@settings(max_examples=100, deadline=None)
@given(st.floats(-1e3, 1e3))
def test_softplus_derivative_is_sigmoid_and_relu6_is_hard_tanh_0_6(x):
    assert A.get("softplus").grad(x) == A.get("sigmoid")(x)
    assert A.get("relu6")(x) == A.get("hard_tanh", min_val=0.0, max_val=6.0)(x)
    assert A.get("hard_swish")(x) == pytest.approx(x * A.get("hard_sigmoid")(x), rel=1e-15)


@pytest.mark.parametrize("name", A.names())
def test_metadata_agrees_with_the_numbers(name, rng):
    a = A.get(name)
    x = np.concatenate([np.linspace(-60, 60, 24001), rng.normal(scale=20, size=2000)])
    y = a(x)
    lo, hi = a.output_range
    assert np.all(y >= lo - 1e-12) and np.all(y <= hi + 1e-12)
    if a.monotonic:
        assert np.all(np.diff(a(np.sort(x))) >= 0)
    else:
        assert np.any(np.diff(a(np.sort(x))) < 0)
    if a.saturating:
        assert abs(a.grad(1e4)) < 1e-6 and abs(a.grad(-1e4)) < 1e-6  # softsign: 1/x^2


# ----------------------------------------------------------------------------
# kinks follow PyTorch (values read off the fixture, not from the code)
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_derivative_at_every_kink_is_pytorchs(case):
    a = A.get(case["name"], **case["params"])
    for k in a.kinks:
        i = np.flatnonzero(GRID64 == k)
        assert i.size == 1, f"fixture grid lacks the kink {k} of {case['id']}"
        expected = FIXTURE[f"{case['id']}:g64"][i[0]]
        if case["name"] == "hard_sigmoid" and expected == ONE_SIXTH_F32:
            expected = 1 / 6
        assert a.grad(k) == pytest.approx(expected, rel=1e-15, abs=0), (case["id"], k)


def test_kink_conventions_stated_in_the_issue():
    assert A.get("relu").grad(0.0) == 0.0
    assert A.get("leaky_relu", negative_slope=0.2).grad(0.0) == pytest.approx(0.2)
    assert A.get("prelu", alpha=0.3).grad(0.0) == pytest.approx(0.3)
    assert A.get("elu", alpha=0.5).grad(0.0) == 0.5


# ----------------------------------------------------------------------------
# numerics, for every registered activation and parameter setting
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("name, params", SETTINGS, ids=SETTING_IDS)
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_float_dtype_is_preserved(name, params, dtype, rng):
    a = make(name, params)
    x = rng.normal(scale=3, size=(3, 4)).astype(dtype)
    for f in (a, a.grad):
        y = f(x)
        assert y.dtype == dtype and y.shape == x.shape


@pytest.mark.parametrize("name, params", SETTINGS, ids=SETTING_IDS)
@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int64, np.bool_])
def test_integers_become_float64_without_wrap_around(name, params, dtype):
    a = make(name, params)
    ints = np.array([0, 1, 100, 127], dtype=dtype) if dtype != np.bool_ else np.array([0, 1], bool)
    for f in (a, a.grad):
        y = f(ints)
        assert y.dtype == np.float64
        np.testing.assert_array_equal(y, f(ints.astype(np.float64)))


def test_sigmoid_of_uint8_200_is_about_one():
    assert A.get("sigmoid")(np.array([200], dtype=np.uint8))[0] == pytest.approx(1.0)


@pytest.mark.parametrize("name, params", SETTINGS, ids=SETTING_IDS)
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_nan_stays_nan(name, params, dtype):
    a = make(name, params)
    x = np.array([-2.0, np.nan, 0.0, 3.0, np.nan], dtype=dtype)
    for f in (a, a.grad):
        y = f(x)
        np.testing.assert_array_equal(np.isnan(y), np.isnan(x))


def _representable_limit(a, dtype):
    """Inputs at which the exact value fits in ``dtype`` (SELU and slopes > 1 overflow)."""
    big = float(np.finfo(dtype).max)
    scale = max(1.0, abs(a.params.get("negative_slope", 0.0)), abs(a.params.get("alpha", 0.0))
                if a.name == "prelu" else 1.0, A.get("selu").SCALE if a.name == "selu" else 1.0)
    return big / scale / 1.01


@pytest.mark.parametrize("name, params", SETTINGS, ids=SETTING_IDS)
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_finite_and_warning_free_at_extremes(name, params, dtype):
    # conftest turns every floating-point warning into an error
    a = make(name, params)
    fi = np.finfo(dtype)
    big = _representable_limit(a, dtype)
    x = np.array([0.0, 1000.0, -1000.0, big, -big, float(fi.tiny), -float(fi.tiny),
                  float(fi.smallest_subnormal), 1e4 if dtype != np.float16 else 6e4],
                 dtype=np.float64).astype(dtype)
    for f in (a, a.grad):
        y = f(x)
        assert np.all(np.isfinite(y)), (f, x[~np.isfinite(y)])


@pytest.mark.parametrize("name, x, expected", [
    ("sigmoid", -1000.0, 0.0), ("sigmoid", 1000.0, 1.0), ("tanh", -1000.0, -1.0),
    ("softplus", 1000.0, 1000.0), ("softplus", -1000.0, 0.0), ("log_sigmoid", -1000.0, -1000.0),
    ("swish", -1000.0, 0.0), ("gelu", 1000.0, 1000.0), ("mish", 1000.0, 1000.0),
    ("elu", -1000.0, -1.0), ("softsign", 1e4, 1e4 / (1 + 1e4)),
])
def test_limits_at_plus_minus_1000(name, x, expected):
    for dtype in (np.float32, np.float64):
        assert A.get(name)(dtype(x)) == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("name", A.names())
def test_scalars_give_numpy_scalars(name):
    a = A.get(name)
    for x in (1.5, 2, np.float32(0.5), np.float64(-1.0)):
        for f in (a, a.grad):
            y = f(x)
            assert np.ndim(y) == 0 and isinstance(y, np.floating)
    assert a(np.float32(0.5)).dtype == np.float32
    assert a(np.float32(0.5)) == pytest.approx(a(np.array([0.5]))[0], rel=1e-6)


@pytest.mark.parametrize("name", A.names())
@pytest.mark.parametrize("bad", ["1.0", b"1", None, 1 + 2j, np.array([1j]), np.array(["a"]),
                                 np.array([object()]), [1.0, "a"]],
                         ids=["str", "bytes", "None", "complex", "complex-array", "str-array",
                              "object-array", "mixed-list"])
def test_non_numeric_input_raises_type_error(name, bad):
    a = A.get(name)
    for f in (a, a.grad):
        with pytest.raises(TypeError):
            f(bad)


@pytest.mark.parametrize("name", A.names())
def test_input_is_not_mutated_and_output_is_new(name, rng):
    a = A.get(name)
    x = rng.normal(size=20)
    x0 = x.copy()
    y, g = a(x), a.grad(x)
    np.testing.assert_array_equal(x, x0)
    assert not np.shares_memory(y, x) and not np.shares_memory(g, x)


# ----------------------------------------------------------------------------
# PReLU and RReLU
# ----------------------------------------------------------------------------
def test_prelu_grad_alpha_matches_central_differences(rng):
    x = rng.normal(scale=3, size=50)
    alpha, h = 0.3, 1e-6
    numeric = (A.get("prelu", alpha=alpha + h)(x) - A.get("prelu", alpha=alpha - h)(x)) / (2 * h)
    np.testing.assert_allclose(A.get("prelu", alpha=alpha).grad_alpha(x), numeric, atol=1e-9)


def test_prelu_grad_alpha_keeps_dtype_nan_and_scalars():
    a = A.get("prelu")
    assert a.grad_alpha(np.array([-1.0], dtype=np.float32)).dtype == np.float32
    assert np.isnan(a.grad_alpha(np.array([np.nan]))[0])
    assert a.grad_alpha(-2.0) == -2.0 and a.grad_alpha(0.0) == 0.0 and a.grad_alpha(3.0) == 0.0
    with pytest.raises(TypeError):
        a.grad_alpha("x")


def test_prelu_replace_learns_a_new_alpha():
    a = A.get("prelu").replace(alpha=0.1)
    assert a == A.get("prelu", alpha=0.1) and a(-10.0) == pytest.approx(-1.0)


def test_rrelu_evaluation_uses_the_mean_slope():
    a = A.get("rrelu", lower=0.1, upper=0.3)
    assert a(-10.0) == pytest.approx(-2.0) and a.grad(-1.0) == pytest.approx(0.2)


def test_rrelu_training_samples_one_slope_per_element_from_the_range():
    a = A.get("rrelu", lower=0.1, upper=0.3)
    x = -np.ones(200_000)
    y, slopes = a(x, training=True, rng=np.random.default_rng(5), return_slopes=True)
    np.testing.assert_array_equal(y, -slopes)
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3
    n = slopes.size
    assert abs(slopes.mean() - 0.2) < 5 * math.sqrt(0.2**2 / 12 / n)  # U[l, u]: var (u-l)^2/12
    assert abs(slopes.var() - 0.2**2 / 12) < 0.02 * 0.2**2 / 12
    # the derivative of this training step uses the sampled slopes
    np.testing.assert_array_equal(a.grad(x, slopes=slopes), slopes)


def test_rrelu_training_is_reproducible_with_the_same_seed_only():
    a = A.get("rrelu")
    x = np.linspace(-3, 3, 101)
    y1 = a(x, training=True, rng=np.random.default_rng(1))
    y2 = a(x, training=True, rng=np.random.default_rng(1))
    y3 = a(x, training=True, rng=np.random.default_rng(2))
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(y1, y3)
    np.testing.assert_array_equal(y1[x > 0], x[x > 0])  # positive inputs are untouched
    np.testing.assert_array_equal(a(x), a(x, training=False))


def test_rrelu_training_keeps_dtype_and_validates_rng():
    a = A.get("rrelu")
    y = a(np.array([-1.0, 2.0], dtype=np.float32), training=True, rng=np.random.default_rng(0))
    assert y.dtype == np.float32
    with pytest.raises(ValueError, match="rng"):
        a(np.array([-1.0]), training=True)
    # the one rng rule: an int seed works and is reproducible; other types do not
    _, s1 = a(np.full(5, -1.0), training=True, rng=42, return_slopes=True)
    _, s2 = a(np.full(5, -1.0), training=True, rng=42, return_slopes=True)
    np.testing.assert_array_equal(s1, s2)
    with pytest.raises(TypeError, match="Generator"):
        a(np.array([-1.0]), training=True, rng="42")
    with pytest.raises(ValueError, match="shape"):
        a.grad(np.array([-1.0, 1.0]), slopes=np.array([0.2]))


# ----------------------------------------------------------------------------
# softmax, log-softmax, maxout
# ----------------------------------------------------------------------------
VECTOR_CASES = json.loads(str(FIXTURE["vector_cases"]))
MAXOUT_CASES = json.loads(str(FIXTURE["maxout_cases"]))


@pytest.mark.parametrize("fname", ["softmax", "log_softmax"])
@pytest.mark.parametrize("case", VECTOR_CASES, ids=[c["id"] for c in VECTOR_CASES])
def test_softmax_family_values_vjp_and_jvp_match_pytorch(fname, case):
    vid, axis = case["id"], case["axis"]
    z, v, u = (FIXTURE[f"vector/{vid}:{k}"] for k in "zvu")
    key = f"{fname}/{vid}"
    f, vjp, jvp = (getattr(A, fname), getattr(A, fname + "_vjp"), getattr(A, fname + "_jvp"))
    np.testing.assert_allclose(f(z, axis=axis), FIXTURE[f"{key}:y64"], rtol=1e-14, atol=1e-300)
    np.testing.assert_allclose(vjp(z, v, axis=axis), FIXTURE[f"{key}:vjp64"], rtol=1e-12,
                               atol=1e-15)
    np.testing.assert_allclose(jvp(z, u, axis=axis), FIXTURE[f"{key}:jvp64"], rtol=1e-12,
                               atol=1e-15)
    y32 = f(z.astype(np.float32), axis=axis)
    assert y32.dtype == np.float32
    np.testing.assert_allclose(y32, FIXTURE[f"{key}:y32"], rtol=2e-6,
                               atol=float(np.finfo(np.float32).tiny))


def test_softmax_fixture_has_extreme_logits():
    assert np.abs(FIXTURE["vector/extreme:z"]).max() == 1e4


@pytest.mark.parametrize("case", MAXOUT_CASES, ids=[c["id"] for c in MAXOUT_CASES])
def test_maxout_value_vjp_and_jvp_match_pytorch(case):
    key, k, axis = f"maxout/{case['id']}", case["pieces"], case["axis"]
    z, v, u = FIXTURE[f"{key}:z"], FIXTURE[f"{key}:v"], FIXTURE[f"{key}:u"]
    np.testing.assert_array_equal(A.maxout(z, k, axis=axis), FIXTURE[f"{key}:y64"])
    np.testing.assert_array_equal(A.maxout_vjp(z, v, k, axis=axis), FIXTURE[f"{key}:vjp64"])
    np.testing.assert_array_equal(A.maxout_jvp(z, u, k, axis=axis), FIXTURE[f"{key}:jvp64"])


@pytest.mark.parametrize("fname", ["softmax", "log_softmax"])
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_softmax_family_jvp_matches_central_differences(fname, axis, rng):
    z = rng.normal(scale=2, size=(3, 4))
    u = rng.normal(size=z.shape)
    f, jvp = getattr(A, fname), getattr(A, fname + "_jvp")
    h = 1e-6
    numeric = (f(z + h * u, axis=axis) - f(z - h * u, axis=axis)) / (2 * h)
    np.testing.assert_allclose(jvp(z, u, axis=axis), numeric, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("fname", ["softmax", "log_softmax", "maxout"])
def test_vjp_is_the_adjoint_of_jvp(fname, rng):
    # <v, J u> = <J^T v, u> for every u, v: the two products use the same Jacobian
    z = rng.normal(size=(4, 6))
    extra = (3,) if fname == "maxout" else ()
    out_shape = getattr(A, fname)(z, *extra).shape
    u, v = rng.normal(size=z.shape), rng.normal(size=out_shape)
    jvp = getattr(A, fname + "_jvp")(z, u, *extra)
    vjp = getattr(A, fname + "_vjp")(z, v, *extra)
    assert np.sum(v * jvp) == pytest.approx(np.sum(vjp * u), rel=1e-12)


def test_maxout_jvp_matches_central_differences(rng):
    z = rng.normal(size=(2, 12))  # no ties: maxout is differentiable there
    u = rng.normal(size=z.shape)
    h = 1e-7
    numeric = (A.maxout(z + h * u, 4) - A.maxout(z - h * u, 4)) / (2 * h)
    np.testing.assert_allclose(A.maxout_jvp(z, u, 4), numeric, rtol=1e-6, atol=1e-8)


def test_softmax_jacobian_is_diag_minus_outer(rng):
    z = rng.normal(size=5)
    s = np.exp(z) / np.exp(z).sum()
    np.testing.assert_allclose(A.softmax_jacobian(z), np.diag(s) - np.outer(s, s), atol=1e-16)


@settings(max_examples=100, deadline=None)
@given(arrays(np.float64, (3, 5), elements=st.floats(-1e4, 1e4)),
       st.floats(-1e3, 1e3), st.sampled_from([0, 1, -1]))
def test_softmax_sums_to_one_and_is_shift_invariant(z, c, axis):
    s = A.softmax(z, axis=axis)
    assert np.all(np.isfinite(s)) and np.all(s >= 0)
    np.testing.assert_allclose(s.sum(axis=axis), 1.0, rtol=1e-13)
    np.testing.assert_allclose(A.softmax(z + c, axis=axis), s, atol=1e-12)
    ls = A.log_softmax(z, axis=axis)
    assert np.all(np.isfinite(ls))
    np.testing.assert_allclose(np.exp(ls), s, atol=1e-15)


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, (4, 5), elements=st.floats(-30, 30)),
       arrays(np.int64, (4,), elements=st.integers(0, 4)))
def test_log_softmax_vjp_of_minus_onehot_is_softmax_minus_onehot(z, labels):
    onehot = np.eye(5)[labels]
    s = np.exp(z - z.max(axis=1, keepdims=True))
    s /= s.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(A.log_softmax_vjp(z, -onehot), s - onehot, atol=1e-15)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_softmax_family_keeps_dtype_and_is_finite_at_extremes(dtype):
    big = float(np.finfo(dtype).max)
    z = np.array([[big, -big, 0.0], [1000.0, -1000.0, 0.0], [np.nan, 1.0, 2.0]], dtype=dtype)
    s, ls = A.softmax(z), A.log_softmax(z)
    assert s.dtype == dtype and ls.dtype == dtype
    np.testing.assert_array_equal(s[:2], np.array([[1, 0, 0], [1, 0, 0]], dtype=dtype))
    assert np.all(np.isnan(s[2])) and np.all(np.isnan(ls[2]))
    assert A.maxout(z, 3).dtype == dtype
    s8 = A.softmax(np.array([200, 0], np.uint8))  # 200, not -56
    assert s8.dtype == np.float64 and s8[1] == pytest.approx(math.exp(-200), rel=1e-14)


@pytest.mark.parametrize("call, error, match", [
    (lambda: A.softmax(1.0), ValueError, "dimension"),
    (lambda: A.softmax(np.zeros((2, 3)), axis=2), ValueError, "axis"),
    (lambda: A.softmax(np.zeros((2, 3)), axis=1.0), TypeError, "axis"),
    (lambda: A.softmax(np.array(["a"])), TypeError, None),
    (lambda: A.softmax(np.array([1j])), TypeError, None),
    (lambda: A.softmax_vjp(np.zeros(3), np.zeros(4)), ValueError, "shape"),
    (lambda: A.log_softmax_jvp(np.zeros(3), np.zeros((3, 1))), ValueError, "shape"),
    (lambda: A.maxout(np.zeros(5), 2), ValueError, "divisible"),
    (lambda: A.maxout(np.zeros(4), 0), ValueError, "pieces"),
    (lambda: A.maxout(np.zeros(4), 2.0), TypeError, "pieces"),
    (lambda: A.maxout_vjp(np.zeros(4), np.zeros(4), 2), ValueError, "shape"),
])
def test_vector_activations_reject_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()
