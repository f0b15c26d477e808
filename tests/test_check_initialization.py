"""Tests for the self-checks of the part "Backpropagation and initialization".

Every check must accept a correct answer written independently here (finite
differences, the package's own initializers, a set-based count) and reject
each typical mistake, without printing the expected value.
"""

import math

import numpy as np
import pytest

from lecture_kit import check, init


# ---------------------------------------------------------------------------
# linear_backward
# ---------------------------------------------------------------------------
def _finite_difference_backward(X, W, dY, h=1e-6):
    """dX, dW of L = sum(dY * (X @ W)) by central differences (an independent oracle)."""
    def loss(Xv, Wv):
        return float(np.sum(dY * (Xv @ Wv)))

    dX, dW = np.zeros_like(X), np.zeros_like(W)
    for target, grad, other in ((X, dX, "X"), (W, dW, "W")):
        for i in np.ndindex(target.shape):
            plus, minus = target.copy(), target.copy()
            plus[i] += h
            minus[i] -= h
            if other == "X":
                grad[i] = (loss(plus, W) - loss(minus, W)) / (2 * h)
            else:
                grad[i] = (loss(X, plus) - loss(X, minus)) / (2 * h)
    return dX, dW


def test_linear_backward_accepts_finite_differences():
    verdict = check.linear_backward(_finite_difference_backward)
    assert verdict.ok, verdict


@pytest.mark.parametrize("wrong_fn, words", [
    (lambda X, W, dY: (W @ dY.T, X.T @ dY), "shape"),          # dX transposed
    (lambda X, W, dY: (dY @ W.T, dY.T @ X), "shape"),          # dW transposed
    (lambda X, W, dY: (dY @ W, X.T @ dY), "raised"),           # shapes do not even match
    (lambda X, W, dY: (dY @ W.T, X.T @ dY / len(X)), "dW"),    # an invented average
    (lambda X, W, dY: (dY @ W.T,), "pair"),                    # only one gradient
    (lambda X, W, dY: (-dY @ W.T, X.T @ dY), "dX"),            # sign error
])
def test_linear_backward_rejects_typical_mistakes(wrong_fn, words):
    verdict = check.linear_backward(wrong_fn)
    assert not verdict.ok
    assert words in verdict.message


def test_linear_backward_reports_an_unfinished_stub():
    def stub(X, W, dY):
        raise NotImplementedError()

    verdict = check.linear_backward(stub)
    assert not verdict.ok and "NotImplementedError" in verdict.message


def test_linear_backward_does_not_let_the_answer_modify_the_hidden_inputs():
    def vandal(X, W, dY):
        result = (dY @ W.T, X.T @ dY)
        X[:] = 0.0
        dY[:] = 0.0
        return result

    assert check.linear_backward(vandal).ok


# ---------------------------------------------------------------------------
# distinct_units
# ---------------------------------------------------------------------------
def _count_by_set(W):
    """Distinct columns via a set of rounded tuples (exact for the checked cases)."""
    return len({tuple(np.round(col, 8)) for col in np.asarray(W).T})


def test_distinct_units_accepts_an_independent_count():
    verdict = check.distinct_units(_count_by_set)
    assert verdict.ok, verdict


def test_distinct_units_accepts_a_float_that_is_a_whole_number():
    assert check.distinct_units(lambda W: float(_count_by_set(W))).ok


@pytest.mark.parametrize("wrong_fn, words", [
    (lambda W: W.shape[1], "too many"),                                # every column counted
    (lambda W: len({tuple(r) for r in W}), "rows"),         # rows instead of columns
    (lambda W: len(np.unique(W, axis=1).T), "too many"),               # no tolerance at all
    (lambda W: 1, "too few"),                                          # always symmetric
    (lambda W: np.ones(3), "whole number"),                            # not a number
    (lambda W: True, "whole number"),                                  # a bool is not a count
])
def test_distinct_units_rejects_typical_mistakes(wrong_fn, words):
    verdict = check.distinct_units(wrong_fn)
    assert not verdict.ok
    assert words in verdict.message


# ---------------------------------------------------------------------------
# xavier_uniform_sample
# ---------------------------------------------------------------------------
def test_xavier_uniform_sample_accepts_the_package_initializer():
    verdict = check.xavier_uniform_sample(lambda fi, fo, rng: init.xavier_uniform(fi, fo, rng=rng))
    assert verdict.ok, verdict


def test_xavier_uniform_sample_accepts_a_hand_written_answer():
    def answer(fan_in, fan_out, rng):
        bound = math.sqrt(6.0 / (fan_in + fan_out))
        return bound * (2.0 * rng.random((fan_in, fan_out)) - 1.0)

    assert check.xavier_uniform_sample(answer).ok


def _uniform(bound_fn):
    def fn(fan_in, fan_out, rng):
        b = bound_fn(fan_in, fan_out)
        return rng.uniform(-b, b, size=(fan_in, fan_out))
    return fn


@pytest.mark.parametrize("wrong_fn, words", [
    (lambda fi, fo, rng: rng.normal(0, math.sqrt(2 / (fi + fo)), size=(fi, fo)), "outside"),
    (_uniform(lambda fi, fo: math.sqrt(2 / (fi + fo))), "never come close"),  # std used as bound
    (_uniform(lambda fi, fo: math.sqrt(6 / fi)), "outside"),                  # fan-in only
    (lambda fi, fo, rng: _uniform(lambda a, b: math.sqrt(6 / (a + b)))(fo, fi, rng), "shape"),
    (lambda fi, fo, rng: np.random.default_rng().uniform(
        -math.sqrt(6 / (fi + fo)), math.sqrt(6 / (fi + fo)), size=(fi, fo)), "same seed"),
    (lambda fi, fo, rng: np.abs(_uniform(lambda a, b: math.sqrt(6 / (a + b)))(fi, fo, rng)),
     "variance"),
])
def test_xavier_uniform_sample_rejects_typical_mistakes(wrong_fn, words):
    verdict = check.xavier_uniform_sample(wrong_fn)
    assert not verdict.ok
    assert words in verdict.message


def test_xavier_uniform_sample_catches_a_shifted_distribution():
    def shifted(fan_in, fan_out, rng):
        b = math.sqrt(6.0 / (fan_in + fan_out))
        w = rng.uniform(-b, b, size=(fan_in, fan_out))
        return np.clip(w + 0.02 * b, -b, b)

    verdict = check.xavier_uniform_sample(shifted)
    assert not verdict.ok and "centred" in verdict.message


# ---------------------------------------------------------------------------
# kaiming_std
# ---------------------------------------------------------------------------
def _package_answer(fan_in, fan_out, negative_slope, mode):
    return init.he_std(fan_in, fan_out, a=negative_slope, mode=mode, nonlinearity="leaky_relu")


def test_kaiming_std_accepts_the_package_formula():
    verdict = check.kaiming_std(_package_answer)
    assert verdict.ok, verdict


def test_kaiming_std_accepts_a_gain_over_root_fan_answer():
    def answer(fan_in, fan_out, negative_slope, mode):
        gain = init.calculate_gain("leaky_relu", negative_slope)
        return gain / math.sqrt(fan_in if mode == "fan_in" else fan_out)

    assert check.kaiming_std(answer).ok


@pytest.mark.parametrize("wrong_fn, words", [
    (lambda fi, fo, a, mode: math.sqrt(2 / fi), "fan_out"),                    # mode ignored
    (lambda fi, fo, a, mode: _package_answer(fi, fo, 0.0, mode), "slope"),     # slope ignored
    (lambda fi, fo, a, mode: _package_answer(fi, fo, a, mode) ** 2, "variance"),
    (lambda fi, fo, a, mode: math.sqrt(2 / ((1 + a) * (fi if mode == "fan_in" else fo))),
     "wrong"),                                                                # 1 + a, not 1 + a^2
    (lambda fi, fo, a, mode: [1.0, 2.0], "one number"),
])
def test_kaiming_std_rejects_typical_mistakes(wrong_fn, words):
    verdict = check.kaiming_std(wrong_fn)
    assert not verdict.ok
    assert words in verdict.message


def test_kaiming_std_never_prints_the_expected_value():
    verdict = check.kaiming_std(lambda fi, fo, a, mode: 0.123)
    expected = math.sqrt(2 / 512)
    assert not verdict.ok
    for text in (f"{expected:.4f}", f"{expected:.3f}", f"{expected:.6g}"):
        assert text not in verdict.message


# ---------------------------------------------------------------------------
# the module exports exactly its checks
# ---------------------------------------------------------------------------
def test_the_checks_are_exported_by_the_check_package():
    from lecture_kit.check import initialization

    assert set(initialization.__all__) == {
        "linear_backward", "distinct_units", "xavier_uniform_sample", "kaiming_std"}
    for name in initialization.__all__:
        assert getattr(check, name) is getattr(initialization, name)
