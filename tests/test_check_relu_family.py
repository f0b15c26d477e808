"""The self-checks of the ReLU-family, ELU/SELU and "beyond" chapters accept right
answers, reject wrong ones with a hint, survive answers that raise, and never
reveal the reference.

The right answers here are written independently of the references inside
``lecture_kit.check.relu_family``: the PReLU gradient by central finite
differences of the loss, ELU in 50-digit arithmetic (mpmath), the softmax
Jacobian by finite differences of a log-sum-exp softmax, so a check that
compared the reader's answer with itself could not pass by accident.
"""

import math
import re

import mpmath
import numpy as np
import pytest

from lecture_kit import check
from lecture_kit.check import relu_family


# ---------------------------------------------------------------------------
# PReLU: dL/dalpha
# ---------------------------------------------------------------------------
def prelu_by_finite_differences(x, delta, h=1e-6):
    """dL/dalpha of L = sum(delta * PReLU_alpha(x)), by central differences at alpha = 0.25."""
    x, delta = np.asarray(x, float), np.asarray(delta, float)

    def loss(alpha):
        return float(np.sum(delta * np.where(x > 0, x, alpha * x)))

    return (loss(0.25 + h) - loss(0.25 - h)) / (2 * h)


def prelu_loop(x, delta):
    total = 0.0
    for xi, di in zip(np.ravel(x), np.ravel(delta)):
        if xi < 0:
            total += xi * di
    return total


def prelu_includes_positive(x, delta):
    return float(np.sum(np.asarray(delta) * np.asarray(x)))


def prelu_elementwise(x, delta):
    return np.asarray(delta) * np.minimum(x, 0)


def prelu_mean(x, delta):
    return float(np.mean(np.asarray(delta) * np.minimum(x, 0)))


def prelu_slope_instead(x, delta):
    """d y / d x (the slope), not d y / d alpha: a classic mix-up."""
    return float(np.sum(np.asarray(delta) * np.where(np.asarray(x) > 0, 1.0, 0.25)))


@pytest.mark.parametrize("answer", [prelu_by_finite_differences, prelu_loop])
def test_prelu_grad_alpha_accepts_right_answers(answer):
    verdict = check.prelu_grad_alpha(answer)
    assert verdict.ok, str(verdict)


@pytest.mark.parametrize("answer", [prelu_includes_positive, prelu_elementwise, prelu_mean,
                                    prelu_slope_instead])
def test_prelu_grad_alpha_rejects_wrong_answers(answer):
    verdict = check.prelu_grad_alpha(answer)
    assert not verdict.ok
    assert "wrong for" in verdict.message or "expected one number" in verdict.message


def test_prelu_grad_alpha_says_to_sum_an_elementwise_answer():
    verdict = check.prelu_grad_alpha(prelu_elementwise)
    assert "expected one number" in verdict.message and "sum" in verdict.message


def test_prelu_grad_alpha_reference_agrees_with_finite_differences():
    for x, delta in relu_family._PRELU_CASES:
        assert math.isclose(relu_family._prelu_reference(x, delta),
                            prelu_by_finite_differences(x, delta), rel_tol=1e-7, abs_tol=1e-9)


# ---------------------------------------------------------------------------
# ELU
# ---------------------------------------------------------------------------
def elu_mpmath(x, alpha=1.0):
    """ELU in 50-digit arithmetic, rounded to the input's float type at the end."""
    x = np.asarray(x)
    dtype = x.dtype if x.dtype in (np.float32, np.float64) else np.float64
    with mpmath.workdps(50):
        out = [float(v) if not math.isfinite(v) or v > 0 else
               float(mpmath.mpf(alpha) * (mpmath.exp(mpmath.mpf(float(v))) - 1))
               for v in np.ravel(x).astype(float)]
    return np.array(out).reshape(np.shape(x)).astype(dtype)


def elu_numpy_right(x, alpha=1.0):
    x = np.asarray(x)
    if x.dtype not in (np.float32, np.float64):
        x = x.astype(np.float64)
    return np.where(x > 0, x, x.dtype.type(alpha) * np.expm1(np.minimum(x, 0)))


def elu_selu_default(x, alpha=1.6732632423543772):
    return elu_numpy_right(x, alpha)


def elu_always_float64(x, alpha=1.0):
    x = np.asarray(x, dtype=float)
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


def elu_in_place(x, alpha=1.0):
    x = np.asarray(x, dtype=float)
    neg = x <= 0
    x[neg] = alpha * np.expm1(x[neg])
    return x


def elu_naive(x, alpha):
    return np.where(x > 0, x, alpha * (np.exp(x) - 1))


def elu_naive_silenced(x, alpha):
    """No warning (clipped), but e^x - 1 by subtraction: wrong digits near 0."""
    return np.where(x > 0, x, alpha * (np.exp(np.minimum(x, 0)) - 1))


def elu_expm1_overflowing(x, alpha):
    """Accurate near 0 but evaluates expm1(1000) in the discarded branch."""
    return np.where(x > 0, x, alpha * np.expm1(x))


def elu_forgets_alpha(x, alpha):
    return np.where(x > 0, x, np.expm1(np.minimum(x, 0)))


def elu_relu(x, alpha):
    return np.maximum(x, 0.0)


@pytest.mark.parametrize("answer", [elu_mpmath, elu_numpy_right])
def test_elu_forward_accepts_right_answers(answer):
    verdict = check.elu_forward(answer)
    assert verdict.ok, str(verdict)


@pytest.mark.parametrize("answer", [elu_naive, elu_naive_silenced, elu_expm1_overflowing,
                                    elu_forgets_alpha, elu_relu, elu_selu_default,
                                    elu_always_float64, elu_in_place])
def test_elu_forward_rejects_wrong_answers(answer):
    assert not check.elu_forward(answer).ok


def test_elu_forward_names_the_warning_of_the_discarded_branch():
    verdict = check.elu_forward(elu_expm1_overflowing)
    assert "RuntimeWarning" in verdict.message and "np.where" in verdict.message


def test_elu_forward_points_at_cancellation_near_zero():
    verdict = check.elu_forward(elu_naive_silenced)
    assert "cancels" in verdict.message and "x = -1e-12" in verdict.message


def test_elu_reference_agrees_with_mpmath():
    for alpha in relu_family._ELU_ALPHAS:
        expected = elu_mpmath(relu_family._ELU_POINTS, alpha)
        got = np.array([relu_family._elu_reference(float(v), alpha)
                        for v in relu_family._ELU_POINTS.ravel()]).reshape(expected.shape)
        np.testing.assert_allclose(got, expected, rtol=1e-15, atol=0)


# ---------------------------------------------------------------------------
# softmax Jacobian
# ---------------------------------------------------------------------------
def _softmax_lse(z):
    z = np.asarray(z, dtype=float)
    m = z.max()
    return np.exp(z - m - np.log(np.sum(np.exp(z - m))))


def softmax_jacobian_by_differences(z, h=1e-6):
    z = np.asarray(z, dtype=float)
    cols = []
    for j in range(z.size):
        e = np.zeros_like(z)
        e[j] = h
        cols.append((_softmax_lse(z + e) - _softmax_lse(z - e)) / (2 * h))
    return np.array(cols).T


def softmax_jacobian_loops(z):
    s = _softmax_lse(z)
    n = len(s)
    return np.array([[s[i] * (1 - s[i]) if i == j else -s[i] * s[j] for j in range(n)]
                     for i in range(n)])


def softmax_jacobian_naive(z):
    e = np.exp(z)
    s = e / e.sum()
    return np.diag(s) - np.outer(s, s)


def softmax_jacobian_transposed_sign(z):
    s = _softmax_lse(z)
    return np.outer(s, s) - np.diag(s)


def softmax_jacobian_diagonal_only(z):
    s = _softmax_lse(z)
    return np.diag(s * (1 - s))


def softmax_jacobian_vector(z):
    s = _softmax_lse(z)
    return s * (1 - s)


def test_softmax_jacobian_accepts_loops():
    verdict = check.softmax_jacobian(softmax_jacobian_loops)
    assert verdict.ok, str(verdict)


def test_softmax_jacobian_reference_agrees_with_finite_differences():
    for z in relu_family._SOFTMAX_CASES:
        s = relu_family._softmax_reference(list(z))
        n = z.size
        ref = np.array([[s[i] * ((i == j) - s[j]) for j in range(n)] for i in range(n)])
        np.testing.assert_allclose(ref, softmax_jacobian_by_differences(z), atol=1e-8)


@pytest.mark.parametrize("answer", [softmax_jacobian_naive, softmax_jacobian_transposed_sign,
                                    softmax_jacobian_diagonal_only, softmax_jacobian_vector])
def test_softmax_jacobian_rejects_wrong_answers(answer):
    assert not check.softmax_jacobian(answer).ok


def test_softmax_jacobian_reports_the_overflow_of_the_naive_softmax():
    verdict = check.softmax_jacobian(softmax_jacobian_naive)
    assert "RuntimeWarning" in verdict.message


def test_softmax_jacobian_rejects_a_vector_with_the_shape_in_the_message():
    verdict = check.softmax_jacobian(softmax_jacobian_vector)
    assert "shape" in verdict.message


# ---------------------------------------------------------------------------
# shared behaviour
# ---------------------------------------------------------------------------
CHECKS = [check.prelu_grad_alpha, check.elu_forward, check.softmax_jacobian]


@pytest.mark.parametrize("run", CHECKS)
def test_a_stub_gets_told_to_replace_it(run):
    def stub(*args):
        raise NotImplementedError()

    verdict = run(stub)
    assert not verdict.ok and "NotImplementedError" in verdict.message


@pytest.mark.parametrize("run", CHECKS)
def test_an_answer_that_raises_is_reported_not_propagated(run):
    def broken(*args):
        raise KeyError("oops")

    verdict = run(broken)
    assert not verdict.ok and "KeyError" in verdict.message


@pytest.mark.parametrize("run", CHECKS)
def test_a_non_function_is_rejected(run):
    verdict = run(42)
    assert not verdict.ok and "expected a function" in verdict.message


def _numbers(text):
    return {float(m) for m in re.findall(r"-?\d+\.\d+(?:e-?\d+)?", text)}


def test_messages_never_contain_an_expected_value():
    """Wrong answers get hints, not the reference numbers."""
    verdict = check.prelu_grad_alpha(prelu_includes_positive)
    x, delta = relu_family._PRELU_CASES[0]
    assert relu_family._prelu_reference(x, delta) not in _numbers(verdict.message)
    verdict = check.softmax_jacobian(softmax_jacobian_diagonal_only)
    s = relu_family._softmax_reference([1.0, 2.0, 3.0])
    shown = _numbers(verdict.message)
    assert not any(math.isclose(v, -s[0] * s[1]) for v in shown)


def test_checks_are_exported():
    assert set(relu_family.__all__) <= set(dir(check))
    assert relu_family.__all__ == ["prelu_grad_alpha", "prelu_backward", "elu_forward",
                                   "softmax_jacobian", "tempered_softmax_jacobian"]


def test_the_reader_input_is_not_modified_in_the_hidden_cases():
    def mutating(x, delta):
        value = prelu_loop(x, delta)
        x[...] = 0.0
        return value

    assert check.prelu_grad_alpha(mutating).ok
    assert check.prelu_grad_alpha(prelu_loop).ok
