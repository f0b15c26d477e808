"""Tests for lecture_kit.gradcheck, and the MLP's gradients checked with it.

Oracles: analytic derivatives written in the test (polynomials, sin, exp),
the error orders of central differences, and, for the MLP, central finite
differences of its own loss in float64.
"""

import itertools

import numpy as np
import pytest

from lecture_kit import activations, gradcheck
from lecture_kit.gradcheck import check_gradient, numerical_gradient, relative_error
from lecture_kit.mlp import MLP


# ---------------------------------------------------------------------------
# numerical_gradient
# ---------------------------------------------------------------------------


def test_numerical_gradient_matches_analytic_gradient_of_a_smooth_function(rng):
    x = rng.normal(size=(3, 4))

    def f(v):
        return float(np.sum(np.sin(v) * v**2))

    exact = np.cos(x) * x**2 + 2 * x * np.sin(x)
    np.testing.assert_allclose(numerical_gradient(f, x), exact, rtol=1e-8, atol=1e-9)


def test_numerical_gradient_is_exact_for_a_quadratic_up_to_rounding():
    # central differences have no truncation error on a quadratic
    A = np.array([[2.0, 1.0], [1.0, 3.0]])

    def f(v):
        return float(v @ A @ v / 2)

    x = np.array([0.7, -1.3])
    np.testing.assert_allclose(numerical_gradient(f, x, eps=1e-3), A @ x, rtol=1e-11)


def test_numerical_gradient_error_shrinks_like_eps_squared():
    # f = exp: the central error is about eps^2 / 6 * exp(x)
    x = np.array([0.5])
    errors = [abs(numerical_gradient(lambda v: float(np.exp(v[0])), x, eps=h)[0] - np.exp(0.5))
              for h in (1e-2, 1e-3)]
    assert 80 < errors[0] / errors[1] < 120
    assert errors[0] == pytest.approx(np.exp(0.5) * 1e-4 / 6, rel=1e-2)


def test_numerical_gradient_does_not_modify_its_input():
    x = np.array([1.0, 2.0])
    numerical_gradient(lambda v: float(v.sum()), x)
    np.testing.assert_array_equal(x, [1.0, 2.0])


def test_numerical_gradient_works_in_float64_for_float32_input():
    x = np.array([1.0, 2.0], dtype=np.float32)
    g = numerical_gradient(lambda v: float(np.sum(v**2)), x)
    assert g.dtype == np.float64
    np.testing.assert_allclose(g, [2.0, 4.0], rtol=1e-8)


@pytest.mark.parametrize("eps", [0.0, -1e-3, float("nan")])
def test_numerical_gradient_rejects_a_non_positive_eps(eps):
    with pytest.raises(ValueError, match="eps"):
        numerical_gradient(lambda v: 0.0, [1.0], eps=eps)


def test_numerical_gradient_rejects_a_function_returning_an_array():
    with pytest.raises(ValueError, match="scalar"):
        numerical_gradient(lambda v: v * 2, [1.0, 2.0])


def test_numerical_gradient_propagates_nan():
    # f is NaN as soon as x0 > 1: only the entry that crosses it becomes NaN
    g = numerical_gradient(lambda v: v[1] + (np.nan if v[0] > 1 else 0.0), np.array([1.0, 2.0]))
    assert np.isnan(g[0]) and g[1] == pytest.approx(1.0)


# ---------------------------------------------------------------------------
# relative_error
# ---------------------------------------------------------------------------


def test_relative_error_values_by_hand():
    np.testing.assert_allclose(relative_error([1.0, 0.0, 2.0, 3.0], [1.1, 0.0, -2.0, 3.0]),
                               [0.1 / 1.1, 0.0, 2.0, 0.0])


def test_relative_error_is_symmetric_and_scale_free(rng):
    a, b = rng.normal(size=10), rng.normal(size=10)
    np.testing.assert_allclose(relative_error(a, b), relative_error(b, a))
    np.testing.assert_allclose(relative_error(1000 * a, 1000 * b), relative_error(a, b))


def test_relative_error_rejects_different_shapes():
    with pytest.raises(ValueError, match="shape"):
        relative_error(np.ones(3), np.ones((3, 1)))


def test_relative_error_propagates_nan():
    assert np.isnan(relative_error([np.nan], [1.0])[0])


# ---------------------------------------------------------------------------
# check_gradient
# ---------------------------------------------------------------------------


def test_check_gradient_passes_a_correct_gradient_function(rng):
    x = rng.normal(size=5)
    result = check_gradient(lambda v: float(np.sum(np.exp(v))), np.exp, x)
    assert result.passed
    assert result.max_relative_error < 1e-8
    assert "passed" in str(result)


def test_check_gradient_accepts_a_precomputed_gradient_array(rng):
    x = rng.normal(size=(2, 3))
    assert check_gradient(lambda v: float(np.sum(v**3)), 3 * x**2, x).passed


def test_check_gradient_catches_a_wrong_factor_and_points_at_it():
    x = np.array([1.0, 2.0, 3.0])
    wrong = np.array([2.0, 4.0, 7.0])  # d/dx sum(x^2) = 2x; entry 2 is wrong
    result = check_gradient(lambda v: float(np.sum(v**2)), wrong, x)
    assert not result.passed
    assert result.worst_index == (2,)
    assert result.max_relative_error == pytest.approx(1 / 7, rel=1e-6)
    assert "FAILED" in str(result)


def test_check_gradient_rtol_is_used():
    x = np.array([1.0])
    slightly_off = np.array([2.0 * (1 + 1e-4)])
    f = lambda v: float(v[0] ** 2)  # noqa: E731
    assert not check_gradient(f, slightly_off, x).passed
    assert check_gradient(f, slightly_off, x, rtol=1e-3).passed


def test_check_gradient_atol_accepts_tiny_noise_around_zero():
    # f(x) = x^3 at 0: the exact gradient 0, the finite difference eps^2 = 1e-12
    f = lambda v: float(v[0] ** 3)  # noqa: E731
    assert check_gradient(f, np.zeros(1), np.zeros(1)).passed
    assert not check_gradient(f, np.zeros(1), np.zeros(1), atol=1e-14).passed


def test_check_gradient_fails_on_nan_gradient():
    result = check_gradient(lambda v: float(v[0]), np.array([np.nan]), np.array([1.0]))
    assert not result.passed and np.isnan(result.max_relative_error)


def test_check_gradient_rejects_a_gradient_of_the_wrong_shape():
    with pytest.raises(ValueError, match="shape"):
        check_gradient(lambda v: float(v.sum()), np.ones(3), np.ones(2))


def test_gradcheck_exports_its_public_names():
    assert {"numerical_gradient", "relative_error", "check_gradient", "GradCheck"} <= set(
        gradcheck.__all__)


# ---------------------------------------------------------------------------
# The MLP against finite differences: every activation x every loss
# ---------------------------------------------------------------------------

SIZES = {"mse": [3, 4, 3, 2], "cross_entropy": [3, 4, 3, 3], "bce_with_logits": [3, 4, 3, 1]}


def _targets(loss, rng, n):
    if loss == "mse":
        return rng.normal(size=(n, 2))
    if loss == "cross_entropy":
        return rng.integers(0, 3, size=n)
    return rng.integers(0, 2, size=n).astype(np.float64)


def _away_from_kinks(net, X, act, margin):
    """True if no hidden pre-activation lies within ``margin`` of a kink."""
    net.forward(X)
    kinks = np.asarray(getattr(act, "kinks", ()), dtype=float)
    if kinks.size == 0:
        return True
    return all(np.min(np.abs(z[..., None] - kinks)) > margin for z in net.z[:-1])


@pytest.mark.parametrize("name, loss", list(itertools.product(activations.names(), SIZES)))
def test_mlp_gradients_match_finite_differences(name, loss, rng):
    n = 5
    act = activations.get(name)
    for _ in range(20):  # redraw until no pre-activation sits on a kink
        net = MLP(SIZES[loss], activation=name, init="xavier_normal", rng=rng)
        for b in net.b:  # non-zero biases, so that their gradients are exercised
            b[...] = rng.normal(scale=0.3, size=b.shape)
        X = rng.normal(size=(n, 3))
        if _away_from_kinks(net, X, act, margin=1e-3):
            break
    else:  # pragma: no cover
        pytest.fail("could not draw a network away from the kinks")
    y = _targets(loss, rng, n)
    value, grads = net.gradients(X, y, loss=loss)
    grads = [g.copy() for g in grads]
    params = [p.copy() for p in net.params]
    assert np.isfinite(value)

    for k, p0 in enumerate(params):
        def f(p, k=k):
            trial = list(params)
            trial[k] = p
            net.params = trial
            return float(net.loss(X, y, loss=loss))

        result = check_gradient(f, grads[k], p0, eps=1e-6, rtol=1e-5, atol=1e-8)
        assert result.passed, f"{name} x {loss}, parameter {k} ({'W' if k % 2 == 0 else 'b'}" \
                              f"_{k // 2}): {result}"
