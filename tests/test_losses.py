"""Tests of lecture_kit.losses.

Oracles: PyTorch golden values (tests/fixtures/torch_losses.npz, made by
make_torch_losses_optim.py), central finite differences in float64, and
analytic identities (softmax - onehot, shift invariance, closed forms at
extreme logits).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from lecture_kit import losses

FIXTURE = np.load(Path(__file__).parent / "fixtures" / "torch_losses.npz")

LOSSES = {
    "mse": losses.mse,
    "cross_entropy": losses.cross_entropy,
    "bce_with_logits": losses.bce_with_logits,
    "bce": losses.bce,
}


def _example_inputs(name, rng, dtype=np.float64):
    """A valid (first argument, second argument) pair for each loss."""
    if name == "mse":
        return rng.normal(size=(3, 4)).astype(dtype), rng.normal(size=(3, 4)).astype(dtype)
    if name == "cross_entropy":
        return rng.normal(scale=2.0, size=(5, 4)).astype(dtype), rng.integers(0, 4, size=5)
    if name == "bce_with_logits":
        return rng.normal(scale=3.0, size=(6,)).astype(dtype), rng.uniform(size=6).astype(dtype)
    return rng.uniform(0.05, 0.95, size=(6,)).astype(dtype), rng.uniform(size=6).astype(dtype)


def _central_difference(f, x, h=1e-6):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[i] += h
        xm[i] -= h
        grad[i] = (f(xp) - f(xm)) / (2 * h)
    return grad


# ----------------------------------------------------------------------------
# PyTorch golden values
# ----------------------------------------------------------------------------
GOLDEN = (
    [("mse", "mse/pred", "mse/target", "mse/value", "mse/grad")]
    + [
        ("cross_entropy", f"ce_{case}/logits", f"ce_{case}/{target}",
         f"ce_{case}/value_{suffix}", f"ce_{case}/grad_{suffix}")
        for case in ("random", "extreme")
        for target, suffix in (("labels", "index"), ("onehot", "onehot"), ("probs", "probs"))
    ]
    + [("bce_with_logits", f"bcel_{case}/z", f"bcel_{case}/y", f"bcel_{case}/value",
        f"bcel_{case}/grad") for case in ("random", "soft", "extreme")]
    + [("bce", "bce/p", "bce/y", "bce/value", "bce/grad")]
)


@pytest.mark.parametrize("name, x_key, y_key, value_key, grad_key", GOLDEN,
                         ids=[g[3] for g in GOLDEN])
def test_loss_value_and_gradient_match_pytorch(name, x_key, y_key, value_key, grad_key):
    value, grad = LOSSES[name](FIXTURE[x_key], FIXTURE[y_key])
    np.testing.assert_allclose(value, FIXTURE[value_key], rtol=1e-13, atol=0)
    np.testing.assert_allclose(grad, FIXTURE[grad_key], rtol=1e-12, atol=1e-17)
    assert grad.shape == FIXTURE[x_key].shape


def test_cross_entropy_fixture_really_has_extreme_logits():
    assert np.max(np.abs(FIXTURE["ce_extreme/logits"])) == 1e4
    assert float(FIXTURE["ce_extreme/value_index"]) > 1e4


# ----------------------------------------------------------------------------
# finite differences
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(LOSSES))
def test_gradient_matches_central_differences(name, rng):
    x, y = _example_inputs(name, rng)
    _, grad = LOSSES[name](x, y)
    numeric = _central_difference(lambda x_: float(LOSSES[name](x_, y)[0]), x)
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("kind", ["onehot", "probabilities"])
def test_cross_entropy_gradient_with_soft_targets_matches_central_differences(kind, rng):
    logits = rng.normal(scale=2.0, size=(4, 3))
    if kind == "onehot":
        targets = np.eye(3)[rng.integers(0, 3, size=4)]
    else:
        targets = rng.dirichlet(np.ones(3), size=4)
    _, grad = losses.cross_entropy(logits, targets)
    numeric = _central_difference(lambda z: float(losses.cross_entropy(z, targets)[0]), logits)
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-9)


# ----------------------------------------------------------------------------
# identities
# ----------------------------------------------------------------------------
def test_cross_entropy_gradient_is_softmax_minus_onehot_over_batch(rng):
    logits = rng.normal(size=(7, 5))
    labels = rng.integers(0, 5, size=7)
    e = np.exp(logits)  # moderate logits: the naive softmax is an independent oracle
    expected = (e / e.sum(axis=1, keepdims=True) - np.eye(5)[labels]) / 7
    _, grad = losses.cross_entropy(logits, labels)
    np.testing.assert_allclose(grad, expected, rtol=1e-13, atol=1e-16)


def test_cross_entropy_value_is_mean_negative_log_probability(rng):
    logits = rng.normal(size=(6, 3))
    labels = rng.integers(0, 3, size=6)
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    value, _ = losses.cross_entropy(logits, labels)
    np.testing.assert_allclose(value, -np.mean(np.log(p[np.arange(6), labels])), rtol=1e-13)


def test_cross_entropy_integer_labels_and_onehot_agree(rng):
    logits = rng.normal(size=(5, 4))
    labels = rng.integers(0, 4, size=5)
    v1, g1 = losses.cross_entropy(logits, labels)
    v2, g2 = losses.cross_entropy(logits, np.eye(4, dtype=int)[labels])
    np.testing.assert_allclose(v1, v2, rtol=1e-14)
    np.testing.assert_allclose(g1, g2, atol=1e-16)


def test_cross_entropy_gradient_rows_sum_to_zero_for_normalised_targets(rng):
    logits = rng.normal(size=(5, 4))
    _, grad = losses.cross_entropy(logits, rng.dirichlet(np.ones(4), size=5))
    np.testing.assert_allclose(grad.sum(axis=1), 0.0, atol=1e-15)


@settings(max_examples=60, deadline=None)
@given(
    logits=arrays(np.float64, (3, 4), elements=st.floats(-50, 50)),
    shifts=arrays(np.float64, (3, 1), elements=st.floats(-1e3, 1e3)),
    labels=arrays(np.int64, (3,), elements=st.integers(0, 3)),
)
def test_cross_entropy_is_invariant_to_adding_a_constant_to_each_row(logits, shifts, labels):
    v1, g1 = losses.cross_entropy(logits, labels)
    v2, g2 = losses.cross_entropy(logits + shifts, labels)
    np.testing.assert_allclose(v2, v1, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(g2, g1, atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, (2, 5), elements=st.floats(-1e4, 1e4)))
def test_softmax_sums_to_one_and_is_finite(z):
    p = losses.softmax(z)
    assert np.all(np.isfinite(p)) and np.all(p >= 0)
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(np.exp(losses.log_softmax(z)), p, atol=1e-15)


def test_logsumexp_matches_naive_formula_on_moderate_input(rng):
    x = rng.normal(size=(3, 4))
    np.testing.assert_allclose(losses.logsumexp(x), np.log(np.exp(x).sum(axis=-1)), rtol=1e-14)


def test_bce_with_logits_equals_bce_of_sigmoid_where_sigmoid_does_not_saturate(rng):
    z = rng.normal(scale=2.0, size=8)
    y = rng.uniform(size=8)
    p = 1.0 / (1.0 + np.exp(-z))
    v1, g1 = losses.bce_with_logits(z, y)
    v2, g2 = losses.bce(p, y)
    np.testing.assert_allclose(v1, v2, rtol=1e-12)
    np.testing.assert_allclose(g1, g2 * p * (1 - p), rtol=1e-10)  # chain rule through sigma


def test_mse_is_mean_of_squares_with_factor_two_gradient():
    value, grad = losses.mse(np.array([[1.0, 2.0], [3.0, 4.0]]), np.zeros((2, 2)))
    assert value == 7.5
    np.testing.assert_array_equal(grad, np.array([[0.5, 1.0], [1.5, 2.0]]))


# ----------------------------------------------------------------------------
# stability at extreme logits
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropy_is_finite_at_logits_plus_minus_1e4(dtype):
    logits = np.array([[1e4, -1e4], [-1e4, 1e4]], dtype=dtype)
    value, grad = losses.cross_entropy(logits, np.array([1, 1]))
    # row 1: -log softmax = 2e4; row 2: 0 (exp(-2e4) underflows to 0)
    assert value == dtype(1e4)
    np.testing.assert_array_equal(grad, np.array([[0.5, -0.5], [0.0, 0.0]], dtype=dtype))


def test_cross_entropy_with_probability_targets_is_finite_at_1e4():
    logits = np.array([[1e4, -1e4, 0.0]])
    value, grad = losses.cross_entropy(logits, np.array([[0.25, 0.5, 0.25]]))
    np.testing.assert_allclose(value, 0.5 * 2e4 + 0.25 * 1e4, rtol=1e-15)
    assert np.all(np.isfinite(grad))


@pytest.mark.parametrize("z, y, expected", [
    (1e4, 1.0, 0.0), (1e4, 0.0, 1e4), (-1e4, 0.0, 0.0), (-1e4, 1.0, 1e4),
    (1e300, 0.0, 1e300), (-1e300, 1.0, 1e300), (800.0, 0.25, 600.0),
])
def test_bce_with_logits_is_exact_at_huge_logits(z, y, expected):
    value, grad = losses.bce_with_logits(np.array([z]), np.array([y]))
    np.testing.assert_allclose(value, expected, rtol=1e-15, atol=0)
    np.testing.assert_allclose(grad, [(1.0 if z > 0 else 0.0) - y], rtol=1e-15)


def test_bce_on_saturated_probability_is_clamped_like_pytorch():
    value, grad = losses.bce(np.array([0.0, 1.0]), np.array([1.0, 0.0]))
    assert value == 100.0
    assert np.all(np.isfinite(grad))


# ----------------------------------------------------------------------------
# dtypes and NaN
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(LOSSES))
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_dtype_of_first_argument_is_preserved(name, dtype, rng):
    x, y = _example_inputs(name, rng, dtype)
    value, grad = LOSSES[name](x, y)
    assert value.dtype == dtype and grad.dtype == dtype
    assert grad.shape == x.shape


@pytest.mark.parametrize("name", ["mse", "bce_with_logits", "bce"])
def test_float32_prediction_with_float64_target_stays_float32(name, rng):
    x, y = _example_inputs(name, rng, np.float32)
    value, grad = LOSSES[name](x, y.astype(np.float64))
    assert value.dtype == np.float32 and grad.dtype == np.float32


def test_integer_predictions_become_float64():
    value, grad = losses.mse(np.array([1, 2], dtype=np.uint8), np.array([255, 0]))
    assert grad.dtype == np.float64
    assert value == (254.0**2 + 4.0) / 2  # no uint8 wrap-around


@pytest.mark.parametrize("name", list(LOSSES))
def test_nan_propagates(name, rng):
    x, y = _example_inputs(name, rng)
    x[1] = np.nan
    value, grad = LOSSES[name](x, y)
    assert np.isnan(value)
    assert np.all(np.isnan(grad[1]))
    assert not np.any(np.isnan(grad[0]))


def test_mse_of_scalars_returns_scalars():
    value, grad = losses.mse(np.float32(3.0), np.float32(1.0))
    assert value == 4.0 and grad == 4.0
    assert np.ndim(grad) == 0 and grad.dtype == np.float32


@pytest.mark.parametrize("name", list(LOSSES))
def test_inputs_are_not_mutated(name, rng):
    x, y = _example_inputs(name, rng)
    x0, y0 = x.copy(), y.copy()
    LOSSES[name](x, y)
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(y, y0)


# ----------------------------------------------------------------------------
# errors
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["mse", "bce_with_logits", "bce"])
def test_shapes_4x1_and_4_do_not_broadcast(name):
    with pytest.raises(ValueError, match=r"\(4, 1\) and \(4,\)"):
        LOSSES[name](np.full((4, 1), 0.5), np.full(4, 0.5))


@pytest.mark.parametrize("labels, match", [
    (np.array([0, 3]), r"class indices in \[0, 2\].*\[3\]"),
    (np.array([-1, 0]), r"class indices in \[0, 2\].*\[-1\]"),
    (np.array([0.0, 1.0]), "integer class indices"),
    (np.array([0.5, 1.0]), "integer class indices"),
    (np.array([True, False]), "integer class indices"),
    (np.array([0, 1, 2]), r"shape \(2,\)"),
    (np.zeros((2, 2)), r"shape of logits"),
    (np.zeros((2, 3, 1)), "shape"),
    (np.array([[1.5, -0.5, 0.0], [0.0, 1.0, 0.0]]), r"\[0, 1\]"),
])
def test_cross_entropy_rejects_bad_labels(labels, match):
    with pytest.raises(ValueError, match=match):
        losses.cross_entropy(np.zeros((2, 3)), labels)


@pytest.mark.parametrize("logits", [np.zeros(3), np.zeros((2, 3, 4)), np.zeros((0, 3))])
def test_cross_entropy_rejects_logits_that_are_not_batch_by_classes(logits):
    with pytest.raises(ValueError):
        losses.cross_entropy(logits, np.zeros(len(logits), dtype=int))


@pytest.mark.parametrize("name", ["bce_with_logits", "bce"])
@pytest.mark.parametrize("bad", [-0.1, 1.5])
def test_binary_targets_outside_unit_interval_raise(name, bad):
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        LOSSES[name](np.array([0.5, 0.5]), np.array([0.5, bad]))


def test_bce_rejects_probabilities_outside_unit_interval():
    with pytest.raises(ValueError, match="p must lie"):
        losses.bce(np.array([1.2]), np.array([1.0]))


@pytest.mark.parametrize("name", list(LOSSES))
@pytest.mark.parametrize("bad", [None, "abc", np.array(["a", "b"]), np.array([1 + 2j, 0j])])
def test_non_numeric_input_raises_type_error(name, bad, rng):
    x, y = _example_inputs(name, rng)
    with pytest.raises(TypeError):
        LOSSES[name](bad, y)
    with pytest.raises(TypeError):
        LOSSES[name](x, bad)


def test_empty_input_raises():
    with pytest.raises(ValueError, match="at least one element"):
        losses.mse(np.zeros(0), np.zeros(0))


def test_nan_logit_beside_a_huge_logit_gives_nan_without_overflow():
    value, grad = losses.cross_entropy(np.array([[1e4, np.nan, 0.0], [1.0, 2.0, 3.0]]),
                                       np.array([0, 2]))
    assert np.isnan(value) and np.all(np.isnan(grad[0])) and np.all(np.isfinite(grad[1]))
