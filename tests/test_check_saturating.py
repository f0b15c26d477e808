"""The self-checks of the saturating chapters accept right answers, reject wrong ones
with a hint, survive answers that raise, and never reveal the reference.

The right answers here are written independently of the reference inside
``lecture_kit.check.saturating`` (different formulas: ``np.logaddexp``, SciPy-free
``1/cosh^2`` in a stable form, finite differences), so a check that compared the
reader's answer with itself could not pass these tests by accident.
"""

import math

import numpy as np
import pytest

from lecture_kit import check
from lecture_kit.check import saturating


# ---------------------------------------------------------------------------
# answers: right ones written independently, and typical wrong ones
# ---------------------------------------------------------------------------
def chain_right(weights, biases, a0):
    """Product of local slopes, with sigma' from sigma(-z) sigma(z) via logaddexp."""
    a, g = a0, 1.0
    for w, b in zip(weights, biases):
        z = w * a + b
        slope = math.exp(-np.logaddexp(0.0, z) - np.logaddexp(0.0, -z))
        g *= w * slope
        a = math.exp(-np.logaddexp(0.0, -z))
    return g


def chain_by_finite_differences(weights, biases, a0, h=1e-6):
    def out(a):
        for w, b in zip(weights, biases):
            a = 1.0 / (1.0 + math.exp(-(w * a + b)))
        return a

    return (out(a0 + h) - out(a0 - h)) / (2 * h)


def chain_forgets_weights(weights, biases, a0):
    a, g = a0, 1.0
    for w, b in zip(weights, biases):
        s = 1 / (1 + math.exp(-(w * a + b)))
        g *= s * (1 - s)
        a = s
    return g


def chain_slope_at_wrong_point(weights, biases, a0):
    g = 1.0
    for w, b in zip(weights, biases):
        s = 1 / (1 + math.exp(-(w * a0 + b)))   # always uses the input, not a_{k-1}
        g *= w * s * (1 - s)
    return g


def sigmoid_right(x):
    x = np.asarray(x, dtype=float)
    return np.exp(-np.logaddexp(0.0, -x))


def sigmoid_naive(x):
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))


def sigmoid_silenced(x):
    """The naive formula with the warning hidden: σ(-710) becomes exactly 0."""
    with np.errstate(all="ignore"):
        return sigmoid_naive(x)


def sigmoid_clipped(x):
    """Clipping the input avoids the overflow but ruins the far tail."""
    return sigmoid_naive(np.clip(np.asarray(x, dtype=float), -500, 500))


def sigmoid_scalar_only(x):
    return 1.0 / (1.0 + math.exp(-float(x)))


def tanh_prime_right(x):
    x = np.abs(np.asarray(x, dtype=float))
    e = np.exp(-2.0 * x)
    return 4.0 * e / (1.0 + e) ** 2


def tanh_prime_textbook(x):
    return 1.0 - np.tanh(x) ** 2


def tanh_prime_cosh_overflows(x):
    return 1.0 / np.cosh(np.asarray(x, dtype=float)) ** 2


def tanh_prime_sigmoid_form_off_by_two(x):
    s = sigmoid_right(2 * np.asarray(x, dtype=float))
    return 2 * s * (1 - s)


def not_implemented(*args):
    raise NotImplementedError()


def raises_zero_division(*args):
    return 1 / 0


# ---------------------------------------------------------------------------
# the tests
# ---------------------------------------------------------------------------
def test_exported_names_are_the_exercises():
    assert set(saturating.__all__) == {"chain_gradient", "stable_sigmoid", "tanh_prime",
                                       "chain_log_gradient", "robust_sigmoid", "log_cosh"}
    for name in saturating.__all__:
        assert getattr(check, name) is getattr(saturating, name)


@pytest.mark.parametrize("check_fn, answer", [
    (check.chain_gradient, chain_right),
    (check.stable_sigmoid, sigmoid_right),
    (check.tanh_prime, tanh_prime_right),
])
def test_right_answer_is_correct(check_fn, answer):
    verdict = check_fn(answer)
    assert verdict.ok, str(verdict)
    assert bool(verdict) is True
    assert "correct" in str(verdict)


def test_independent_oracle_agrees_with_the_right_chain_answer():
    """The 'right' answer of these tests is itself checked by finite differences."""
    for weights, biases, a0 in saturating._CHAINS:
        exact = chain_right(weights, biases, a0)
        numeric = chain_by_finite_differences(weights, biases, a0)
        assert exact == pytest.approx(numeric, rel=1e-5, abs=1e-12)


@pytest.mark.parametrize("check_fn, answer, fragment", [
    (check.chain_gradient, chain_forgets_weights, "one factor per"),
    (check.chain_gradient, chain_slope_at_wrong_point, "previous activation"),
    (check.chain_gradient, lambda w, b, a0: "a string", "expected one number"),
    (check.stable_sigmoid, sigmoid_naive, "RuntimeWarning"),
    (check.stable_sigmoid, sigmoid_silenced, "tiny positive number"),
    (check.stable_sigmoid, sigmoid_clipped, "tiny positive number"),
    (check.stable_sigmoid, sigmoid_scalar_only, "raised TypeError"),
    (check.stable_sigmoid, lambda x: np.zeros(3), "shape"),
    (check.tanh_prime, tanh_prime_textbook, "digits are correct"),
    (check.tanh_prime, lambda x: np.where(np.abs(x) > 19, 0.0, tanh_prime_right(x)), "exactly 0"),
    (check.tanh_prime, tanh_prime_cosh_overflows, "RuntimeWarning"),
    (check.tanh_prime, tanh_prime_sigmoid_form_off_by_two, "10 significant digits"),
    (check.tanh_prime, lambda x: -tanh_prime_right(x), "(0, 1]"),
])
def test_wrong_answer_gets_a_hint(check_fn, answer, fragment):
    verdict = check_fn(answer)
    assert not verdict.ok
    assert bool(verdict) is False
    assert "not yet" in str(verdict)
    assert fragment in verdict.message, verdict.message


@pytest.mark.parametrize("check_fn", [check.chain_gradient, check.stable_sigmoid,
                                      check.tanh_prime])
def test_a_stub_that_raises_not_implemented_is_told_so(check_fn):
    verdict = check_fn(not_implemented)
    assert not verdict.ok
    assert "NotImplementedError" in verdict.message


@pytest.mark.parametrize("check_fn", [check.chain_gradient, check.stable_sigmoid,
                                      check.tanh_prime])
def test_an_answer_that_raises_is_reported_not_propagated(check_fn):
    verdict = check_fn(raises_zero_division)
    assert not verdict.ok
    assert "ZeroDivisionError" in verdict.message


@pytest.mark.parametrize("check_fn", [check.chain_gradient, check.stable_sigmoid,
                                      check.tanh_prime])
def test_a_non_function_is_rejected(check_fn):
    verdict = check_fn(0.25)
    assert not verdict.ok
    assert "expected a function" in verdict.message


def _numbers_in(text):
    import re
    return [float(m) for m in re.findall(r"-?\d+\.\d+(?:e-?\d+)?|-?\d+e-?\d+", text)]


@pytest.mark.parametrize("check_fn, answer, reference", [
    (check.chain_gradient, chain_forgets_weights,
     [saturating._chain_reference(*c) for c in saturating._CHAINS]),
    (check.stable_sigmoid, sigmoid_clipped,
     [saturating._sigmoid(t) for t in saturating._SIGMOID_POINTS]),
    (check.tanh_prime, tanh_prime_textbook,
     [saturating._tanh_prime_reference(t) for t in saturating._TANH_POINTS]),
])
def test_hints_never_reveal_the_expected_value(check_fn, answer, reference):
    message = check_fn(answer).message
    for number in _numbers_in(message):
        for expected in reference:
            if expected != 0:
                assert not math.isclose(number, expected, rel_tol=1e-3), (number, message)
    assert "def " not in message and "return" not in message


def test_checks_do_not_leak_the_readers_floating_point_state():
    """A check silences nothing outside itself: the caller's errstate is intact."""
    before = np.geterr()
    check.stable_sigmoid(sigmoid_naive)
    check.tanh_prime(tanh_prime_cosh_overflows)
    assert np.geterr() == before


def test_warning_free_answer_passes_under_the_strict_test_settings():
    """The suite turns warnings into errors; a right answer still passes."""
    with np.errstate(all="raise"):
        assert check.stable_sigmoid(sigmoid_right).ok
        assert check.tanh_prime(tanh_prime_right).ok
