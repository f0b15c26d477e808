"""Specification of lecture_kit.approximation.

Oracles: the classical error bound of piecewise-linear interpolation
(h^2 max|f''| / 8, attained for a parabola), the staircase bound (max jump),
Telgarsky's count of 2^k linear pieces for the k-fold tent map, the closed
form of the sawtooth, and exact piece counts of hand-built networks.
"""

from __future__ import annotations

import numpy as np
import pytest

from lecture_kit import approximation as ap


@pytest.mark.parametrize("n", [1, 3, 8, 32])
def test_relu_interpolant_is_exact_at_the_knots_and_has_n_units(n):
    f = lambda x: np.sin(3 * x) + x ** 2  # noqa: E731
    g = ap.relu_interpolant(f, n, (-1.0, 2.0))
    xs = ap.knots(n, (-1.0, 2.0))
    assert g.units == n and g.depth == 1
    np.testing.assert_allclose(g(xs), f(xs), rtol=0, atol=1e-12)


def test_interpolation_error_of_a_parabola_attains_the_bound_h2_over_8():
    """For f(x) = x^2 the chord's error on a cell is (x - x_k)(x_{k+1} - x), largest at the
    midpoint: h^2/4, which is the bound h^2 max|f''| / 8 with max|f''| = 2."""
    for n in (4, 10, 25):
        h = 1.0 / n
        err = ap.sup_error(np.square, ap.relu_interpolant(np.square, n), grid=20 * n + 1)
        assert err == pytest.approx(h * h / 4, rel=1e-9)


def test_sup_error_rate_is_two_for_a_smooth_target_and_one_for_the_staircase():
    f = lambda x: np.sin(2 * np.pi * x)  # noqa: E731
    ns = [8, 16, 32, 64]
    relu = [ap.sup_error(f, ap.relu_interpolant(f, n), grid=20_001) for n in ns]
    assert ap.fit_rate(ns, relu) == pytest.approx(2.0, abs=0.05)
    bound = [(1 / n) ** 2 * (2 * np.pi) ** 2 / 8 for n in ns]
    assert all(e <= b * (1 + 1e-9) for e, b in zip(relu, bound))
    steps = [ap.sup_error(f, ap.sigmoid_staircase(f, n, steepness=50 * n * n), grid=20_001)
             for n in ns]
    assert ap.fit_rate(ns, steps) == pytest.approx(1.0, abs=0.1)


def test_l2_error_of_the_parabola_interpolant_matches_the_integral():
    """On each cell the error is (x - x_k)(x_{k+1} - x): its mean square is h^4 / 30."""
    n = 10
    err = ap.l2_error(np.square, ap.relu_interpolant(np.square, n), grid=200_001)
    assert err == pytest.approx(np.sqrt((1 / n) ** 4 / 30), rel=1e-6)


def test_relu_hat_is_the_tent_and_three_units():
    h = ap.relu_hat(1.0, 2.0, 4.0)
    x = np.linspace(0, 5, 501)
    expected = np.clip(np.minimum(x - 1.0, (4.0 - x) / 2.0), 0, None)
    np.testing.assert_allclose(h(x), expected, atol=1e-12)
    assert h.units == 3 and ap.count_linear_pieces(h, (0, 5)) == 4


@pytest.mark.parametrize("k", [1, 2, 3, 5, 7])
def test_sawtooth_has_two_to_the_k_pieces_with_two_units_per_layer(k):
    s = ap.sawtooth(k)
    assert s.depth == k and s.units == 2 * k
    assert ap.count_linear_pieces(s, grid=2 ** (k + 8) + 1) == 2 ** k


def test_sawtooth_equals_the_closed_form():
    """t^k(x) = distance-to-nearest-even-multiple form: 2^k x folded; compare at random points."""
    rng = np.random.default_rng(5)
    x = rng.uniform(0, 1, 1000)
    for k in (1, 2, 4):
        y = x * 2 ** (k - 1)
        frac = y - np.floor(y)
        expected = 1 - np.abs(2 * frac - 1)            # the tent folded 2^(k-1) times
        np.testing.assert_allclose(ap.sawtooth(k)(x), expected, atol=1e-9)


def test_one_hidden_layer_reproduces_the_sawtooth_with_one_unit_per_piece():
    k = 4
    s = ap.sawtooth(k)
    shallow = ap.relu_interpolant(s, 2 ** k)            # knots at the sawtooth's kinks
    assert ap.sup_error(s, shallow) < 1e-12
    # 2^k units: 2^k - 1 kinks plus relu(x - 0), which is the linear term on [0, 1]
    assert ap.count_linear_pieces(shallow) == 2 ** k


def test_pieces_are_not_overcounted_when_a_unit_switches_with_zero_effect():
    net = ap.relu_interpolant(lambda x: 2 * x, 5)         # 5 units, one slope
    assert ap.count_linear_pieces(net) == 1


@pytest.mark.parametrize("call, exc", [
    (lambda: ap.relu_interpolant(np.sin, 0), ValueError),
    (lambda: ap.relu_interpolant(np.sin, 2.5), TypeError),
    (lambda: ap.relu_interpolant(np.sin, 3, (1.0, 1.0)), ValueError),
    (lambda: ap.relu_interpolant("sin", 3), TypeError),
    (lambda: ap.relu_interpolant(lambda x: np.ones(2), 3), ValueError),
    (lambda: ap.sigmoid_staircase(np.sin, 3, steepness=-1), ValueError),
    (lambda: ap.relu_hat(1.0, 0.5, 2.0), ValueError),
    (lambda: ap.count_linear_pieces(np.sin), TypeError),
    (lambda: ap.fit_rate([1, 2], [0.0, 1.0]), ValueError),
])
def test_bad_input_is_refused(call, exc):
    with pytest.raises(exc):
        call()
