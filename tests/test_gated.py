"""Specification of the gated units (GLU, SwiGLU, GEGLU) in lecture_kit.activations.

Oracles: PyTorch (``F.glu`` and the compositions ``a * F.silu(b)``,
``a * F.gelu(b)``, tests/fixtures/torch_gated.npz made by make_torch_gated.py)
for values, vector-Jacobian and Jacobian-vector products in float64 and
float32; SymPy for the Jacobian, written here from the formulas (not from the
package's ``symbolic``); central finite differences; the adjoint identity.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from lecture_kit import activations as A

FIXTURE = np.load(Path(__file__).parent / "fixtures" / "torch_gated.npz")
CASES = json.loads(str(FIXTURE["cases"]))

# unit -> (forward, vjp, jvp) with the fixture's parameters
UNITS = {
    "glu": (A.glu, A.glu_vjp, A.glu_jvp),
    "swiglu": (A.swiglu, A.swiglu_vjp, A.swiglu_jvp),
    "geglu": (A.geglu, A.geglu_vjp, A.geglu_jvp),
    "geglu_tanh": (lambda z, axis: A.geglu(z, axis, approximate="tanh"),
                   lambda z, v, axis: A.geglu_vjp(z, v, axis, approximate="tanh"),
                   lambda z, u, axis: A.geglu_jvp(z, u, axis, approximate="tanh")),
}


def test_fixture_covers_every_unit_and_extreme_inputs():
    assert {c["unit"] for c in CASES} == set(UNITS)
    assert np.abs(FIXTURE["glu/extreme:z"]).max() == 1e4
    assert {c["axis"] for c in CASES} >= {0, 1, -1}


def _tail_slack(unit, z, axis, scale):
    """PyTorch's GELU rounding: it computes b/2 (1 + erf(b/sqrt 2)), and 1 + erf cancels
    for negative b, an absolute error of a few eps * |a b| (the package keeps the
    relative accuracy there, checked against SymPy below). Zero for the other units."""
    if not unit.startswith("geglu"):
        return 0.0
    a, b = np.split(np.abs(z), 2, axis=axis)
    return 4 * np.finfo(np.float64).eps * a * (1 + b) * scale


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_gated_units_match_pytorch_in_float64(case):
    key, axis, unit = case["id"], case["axis"], case["unit"]
    f, vjp, jvp = UNITS[unit]
    z, v, u = (FIXTURE[f"{key}:{k}"] for k in "zvu")
    slack = _tail_slack(unit, z, axis, 1.0)
    np.testing.assert_allclose(f(z, axis=axis), FIXTURE[f"{key}:y64"], rtol=1e-14,
                               atol=1e-300 + np.max(slack))
    assert np.all(np.abs(f(z, axis=axis) - FIXTURE[f"{key}:y64"])
                  <= 1e-14 * np.abs(FIXTURE[f"{key}:y64"]) + slack)
    np.testing.assert_allclose(vjp(z, v, axis=axis), FIXTURE[f"{key}:vjp64"], rtol=1e-13,
                               atol=1e-300 + np.max(slack * np.max(np.abs(v))))
    np.testing.assert_allclose(jvp(z, u, axis=axis), FIXTURE[f"{key}:jvp64"], rtol=1e-13,
                               atol=1e-14 + np.max(slack * np.max(np.abs(u))))


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_gated_units_match_pytorch_in_float32(case):
    key, axis = case["id"], case["axis"]
    f, vjp, jvp = UNITS[case["unit"]]
    z, v, u = (FIXTURE[f"{key}:{k}"].astype(np.float32) for k in "zvu")
    eps = float(np.finfo(np.float32).eps)
    # the same GELU tail rounding as in float64, at float32's eps
    slack = np.max(_tail_slack(case["unit"], z.astype(np.float64), axis, eps / 2.2e-16))
    for got, ref, scale in ((f(z, axis=axis), "y32", 1.0), (vjp(z, v, axis=axis), "vjp32", v),
                            (jvp(z, u, axis=axis), "jvp32", u)):
        assert got.dtype == np.float32, ref
        atol = 8 * eps + slack * float(np.max(np.abs(scale)))
        np.testing.assert_allclose(got, FIXTURE[f"{key}:{ref}"], rtol=8 * eps, atol=atol,
                                   err_msg=ref)


# ----------------------------------------------------------------------------
# SymPy: the Jacobian from the formulas a * g(b)
# ----------------------------------------------------------------------------
_a, _b = sp.symbols("a b", real=True)
SYMBOLIC = {
    "glu": _a / (1 + sp.exp(-_b)),
    "swiglu": _a * _b / (1 + sp.exp(-_b)),
    "geglu": _a * _b / 2 * (1 + sp.erf(_b / sp.sqrt(2))),
    "geglu_tanh": _a * _b / 2 * (1 + sp.tanh(sp.sqrt(2 / sp.pi) * (_b + sp.Rational(44715, 10**6) * _b**3))),
}


@pytest.mark.parametrize("unit", list(SYMBOLIC))
def test_gated_unit_jacobian_matches_sympy(unit, rng):
    f, vjp, _ = UNITS[unit]
    z = rng.normal(scale=2.0, size=(2, 6))  # two rows of three units
    z[0, 3:] = [-8.0, -12.0, 3.0]  # the negative tail of the gate, where PyTorch rounds
    expr = SYMBOLIC[unit]
    da, db = sp.diff(expr, _a), sp.diff(expr, _b)

    def at(e, a, b):
        return float(e.subs({_a: sp.Float(a, 30), _b: sp.Float(b, 30)}).evalf(30))

    a, b = z[:, :3], z[:, 3:]
    want_y = np.vectorize(lambda p, q: at(expr, p, q))(a, b)
    want_g = np.concatenate([np.vectorize(lambda p, q: at(da, p, q))(a, b),
                             np.vectorize(lambda p, q: at(db, p, q))(a, b)], axis=1)
    np.testing.assert_allclose(f(z, axis=-1), want_y, rtol=1e-13)
    # the elementwise structure: with v = 1 the vjp is the (diagonal) partials
    np.testing.assert_allclose(vjp(z, np.ones((2, 3)), axis=-1), want_g, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("unit", list(UNITS))
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_gated_jvp_matches_central_differences(unit, axis, rng):
    f, _, jvp = UNITS[unit]
    z = rng.normal(scale=2.0, size=(4, 6))
    u = rng.normal(size=z.shape)
    h = 1e-6
    numeric = (f(z + h * u, axis=axis) - f(z - h * u, axis=axis)) / (2 * h)
    np.testing.assert_allclose(jvp(z, u, axis=axis), numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("unit", list(UNITS))
def test_gated_vjp_is_the_adjoint_of_jvp(unit, rng):
    f, vjp, jvp = UNITS[unit]
    z = rng.normal(size=(3, 8))
    u, v = rng.normal(size=z.shape), rng.normal(size=(3, 4))
    assert np.sum(v * jvp(z, u, axis=-1)) == pytest.approx(np.sum(vjp(z, v, axis=-1) * u),
                                                           rel=1e-12)


def test_named_units_are_gated_with_their_gate(rng):
    z = rng.normal(size=(3, 8))
    a, b = z[:, :4], z[:, 4:]
    sig = 1 / (1 + np.exp(-b))
    np.testing.assert_allclose(A.glu(z), a * sig, rtol=1e-14)
    np.testing.assert_allclose(A.swiglu(z), a * b * sig, rtol=1e-14)
    np.testing.assert_allclose(A.gated(z, "relu"), a * np.maximum(b, 0), rtol=1e-15)  # ReGLU
    np.testing.assert_allclose(A.gated(z, "identity"), a * b, rtol=1e-15)  # bilinear
    np.testing.assert_array_equal(A.gated(z, A.get("silu")), A.swiglu(z))
    assert set(A.GATES) == {"glu", "swiglu", "geglu"}


def test_geglu_approximate_option_is_used(rng):
    z = rng.normal(size=(2, 8))
    exact, approx = A.geglu(z), A.geglu(z, approximate="tanh")
    assert 1e-6 < np.max(np.abs(exact - approx)) < 1e-2
    np.testing.assert_array_equal(approx, A.gated(z, "gelu", approximate="tanh"))


def test_two_linear_maps_view_equals_the_split_view(rng):
    # in a transformer FFN: (xW) * g(xV) == gated(x @ [W | V])
    x, W, V = rng.normal(size=(5, 3)), rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    xv = x @ V
    np.testing.assert_allclose(A.swiglu(x @ np.concatenate([W, V], axis=1)),
                               (x @ W) * xv / (1 + np.exp(-xv)), rtol=1e-13)


@pytest.mark.parametrize("unit", ["glu", "swiglu", "geglu"])
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_gated_units_keep_dtype_propagate_nan_and_are_finite_at_1000(unit, dtype):
    f, vjp, jvp = UNITS[unit]
    z = np.array([[2.0, -3.0, 1000.0, -1000.0], [np.nan, 1.0, 0.5, 0.5],
                  [1.0, 1.0, np.nan, 1.0]], dtype=dtype)
    y, g, d = f(z, axis=-1), vjp(z, np.ones((3, 2), dtype), axis=-1), jvp(z, np.ones_like(z), axis=-1)
    assert y.dtype == g.dtype == d.dtype == dtype
    # row 0: a = (2, -3), b = (1000, -1000): the gate is fully open / closed
    assert np.all(np.isfinite(y[0])) and np.all(np.isfinite(g[0])) and np.all(np.isfinite(d[0]))
    np.testing.assert_allclose(y[0, 1], 0.0, atol=0)
    assert np.isnan(y[1, 0]) and not np.isnan(y[1, 1])
    assert np.isnan(y[2, 0]) and not np.isnan(y[2, 1])
    # a NaN value reaches dL/db of its unit; a NaN gate input reaches both partials
    assert np.isnan(g[1, 2]) and not np.isnan(g[1, 0])
    assert np.isnan(g[2, 0]) and np.isnan(g[2, 2]) and not np.isnan(g[2, 1])
    assert np.isnan(d[1, 0]) and np.isnan(d[2, 0]) and not np.isnan(d[1, 1])
    if unit == "glu":
        assert y[0, 0] == 2.0
    else:
        assert y[0, 0] == dtype(2000.0)


def test_integer_input_becomes_float64():
    y = A.glu(np.array([200, 0], np.uint8))  # 200, not -56
    assert y.dtype == np.float64 and y[0] == 100.0


@pytest.mark.parametrize("call, error, match", [
    (lambda: A.glu(np.zeros(5)), ValueError, "axis 0 has odd length 5"),
    (lambda: A.swiglu(np.zeros((4, 3)), axis=1), ValueError, "axis 1 has odd length 3"),
    (lambda: A.geglu_vjp(np.zeros((3, 4)), np.zeros((3, 4))), ValueError, r"output shape \(3, 2\)"),
    (lambda: A.glu_jvp(np.zeros(4), np.zeros(2)), ValueError, "shape"),
    (lambda: A.glu(1.0), ValueError, "dimension"),
    (lambda: A.glu(np.zeros((2, 4)), axis=2), ValueError, "axis"),
    (lambda: A.glu(np.zeros(4), axis=0.5), TypeError, "axis"),
    (lambda: A.gated(np.zeros(4), "sigmoidd"), ValueError, "sigmoid"),
    (lambda: A.gated(np.zeros(4), 3.0), TypeError, "gate"),
    (lambda: A.geglu(np.zeros(4), approximate="cubic"), ValueError, "approximate"),
    (lambda: A.glu(np.array(["a", "b"])), TypeError, None),
])
def test_gated_units_refuse_bad_input_clearly(call, error, match):
    with pytest.raises(error, match=match):
        call()
