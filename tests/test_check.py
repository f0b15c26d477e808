"""The self-check machinery (lecture_kit.check._core) and the basics checks.

Oracles: bisection on sigma'(x) - t written here from sigma'(x) = e^{-x}/(1 + e^{-x})^2
(independent of the closed form in the package and of the chapter's grid search).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from lecture_kit import check
from lecture_kit.check import basics


# ---------------------------------------------------------------------------
# Verdict
# ---------------------------------------------------------------------------

def test_verdict_is_truthy_only_when_correct():
    assert check.Verdict(True, "ex", "fine")
    assert not check.Verdict(False, "ex", "no")


def test_verdict_prints_name_mark_and_message():
    assert str(check.Verdict(True, "ex", "fine")) == "[ex] correct: fine"
    assert repr(check.Verdict(False, "ex", "no")) == "[ex] not yet: no"


def test_verdict_html_escapes_and_colours():
    ok = check.Verdict(True, "<b>ex</b>", "a < b")._repr_html_()
    bad = check.Verdict(False, "ex", "no")._repr_html_()
    assert "<b>ex</b>" not in ok and "&lt;b&gt;ex&lt;/b&gt;" in ok and "a &lt; b" in ok
    assert "#009E73" in ok and "#D55E00" in bad


def test_correct_and_wrong_helpers():
    assert check.correct("ex").ok and check.correct("ex").message
    v = check.wrong("ex", "hint")
    assert not v.ok and v.message == "hint" and v.exercise == "ex"


# ---------------------------------------------------------------------------
# call_safely
# ---------------------------------------------------------------------------

def test_call_safely_returns_the_result():
    assert check.call_safely("ex", lambda a, b: a + b, 2, 3) == (5, None)


def test_call_safely_rejects_a_non_function():
    result, verdict = check.call_safely("ex", 3.0, 1)
    assert result is None and not verdict and "expected a function, got float" in verdict.message


def test_call_safely_recognises_the_stub():
    def stub(x):
        raise NotImplementedError()

    _, verdict = check.call_safely("ex", stub, 1)
    assert "NotImplementedError" in verdict.message and "stub" in verdict.message


def test_call_safely_names_any_other_exception():
    def broken(x):
        raise KeyError("nope")

    _, verdict = check.call_safely("ex", broken, 1)
    assert "KeyError" in verdict.message and "nope" in verdict.message


def test_call_safely_silences_floating_point_warnings_of_the_reader():
    # The autouse fixture makes these raise; the reader's code must still be judged.
    result, verdict = check.call_safely("ex", lambda x: np.float64(x) / 0.0, 1.0)
    assert verdict is None and result == np.inf


# ---------------------------------------------------------------------------
# compare_pointwise
# ---------------------------------------------------------------------------

def square(x):
    return x * x


def hint(x, expected):
    return "expected a non-negative value"


def test_compare_pointwise_accepts_an_equal_function():
    v = check.compare_pointwise("sq", lambda x: x ** 2, square, [0.5, -3.0, 7.0], hint)
    assert v.ok and v.message == "all hidden test points agree"


def test_compare_pointwise_reports_the_first_wrong_point_with_the_hint():
    def half_right(x):
        return x * x if x < 0 else -x * x

    v = check.compare_pointwise("sq", half_right, square, [-1.0, 2.5, 3.0], hint)
    assert not v and v.message == "wrong at x = 2.5: expected a non-negative value"


def test_compare_pointwise_never_shows_the_expected_value():
    v = check.compare_pointwise("sq", lambda x: 0.0, square, [1.75], hint)
    assert "3.0625" not in str(v) and "3.06" not in str(v)


def test_compare_pointwise_explains_a_missing_return():
    v = check.compare_pointwise("sq", lambda x: None, square, [2.0], hint)
    assert "returned None" in v.message and "return" in v.message


@pytest.mark.parametrize("value", ["4.0", [4.0, 4.0], {"a": 1}])
def test_compare_pointwise_wants_one_number(value):
    v = check.compare_pointwise("sq", lambda x: value, square, [2.0], hint)
    assert not v and "expected one number" in v.message


def test_compare_pointwise_accepts_numpy_scalars_and_0d_arrays():
    assert check.compare_pointwise("sq", lambda x: np.array(x * x), square, [2.0], hint)
    assert check.compare_pointwise("sq", lambda x: np.float32(x * x), square, [2.0], hint)


def test_compare_pointwise_treats_nan_as_wrong():
    assert not check.compare_pointwise("sq", lambda x: float("nan"), square, [2.0], hint)


def test_compare_pointwise_honours_the_tolerances():
    off = lambda x: x * x + 1e-4  # noqa: E731
    assert not check.compare_pointwise("sq", off, square, [2.0], hint)
    assert check.compare_pointwise("sq", off, square, [2.0], hint, rtol=0.0, atol=1e-3)
    assert check.compare_pointwise("sq", off, square, [2.0], hint, rtol=1e-4, atol=0.0)


def test_compare_pointwise_reports_exceptions_of_the_reader():
    v = check.compare_pointwise("sq", lambda x: 1 / 0, square, [2.0], hint)
    assert "ZeroDivisionError" in v.message


# ---------------------------------------------------------------------------
# compare_arrays
# ---------------------------------------------------------------------------

def test_compare_arrays_accepts_equal_arrays_and_matching_nans():
    assert check.compare_arrays("a", [1.0, np.nan], np.array([1.0, np.nan]), what="the output")


def test_compare_arrays_names_both_shapes():
    v = check.compare_arrays("a", np.zeros((4, 1)), np.zeros(4), what="the loss")
    assert v.message == "the loss has shape (4, 1), expected shape (4,)"


def test_compare_arrays_points_at_the_first_wrong_index():
    got = np.zeros((2, 3))
    got[1, 2] = 1.0
    got[1, 1] = 1.0
    v = check.compare_arrays("a", got, np.zeros((2, 3)), what="the gradient", hint="check signs")
    assert v.message == "the gradient is wrong at index (1, 1) (check signs)"


@pytest.mark.parametrize("got", [None, "1.0", ["a", "b"]])
def test_compare_arrays_rejects_non_numeric(got):
    v = check.compare_arrays("a", got, [1.0, 2.0], what="the output")
    assert not v and "the output" in v.message


def test_compare_arrays_does_not_show_expected_values():
    v = check.compare_arrays("a", [0.0], [0.123456], what="x")
    assert "0.123" not in v.message


# ---------------------------------------------------------------------------
# basics.sigmoid_saturation_edge
# ---------------------------------------------------------------------------

def sigmoid_prime(x: float) -> float:
    e = math.exp(-x)
    return e / (1.0 + e) ** 2


def edge_by_bisection(t: float) -> float:
    """The x > 0 with sigma'(x) = t: sigma' decreases on (0, inf)."""
    lo, hi = 0.0, 1.0
    while sigmoid_prime(hi) > t:
        hi *= 2.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if sigmoid_prime(mid) > t else (lo, mid)
    return 0.5 * (lo + hi)


def grid_edge(threshold):
    """The chapter's reference solution (grid search with sigmoid.grad)."""
    from lecture_kit import activations

    xs = np.arange(0.0, 40.0, 1e-4)
    return xs[np.argmax(activations.get("sigmoid").grad(xs) < threshold)]


@pytest.mark.parametrize("t", [0.2499, 0.2, 0.1, 0.01, 1e-4, 1e-8, 1e-12])
def test_closed_form_reference_matches_bisection(t):
    assert math.isclose(basics._saturation_edge_reference(t), edge_by_bisection(t),
                        rel_tol=1e-9, abs_tol=1e-9)


def test_the_check_is_exported():
    assert check.sigmoid_saturation_edge is basics.sigmoid_saturation_edge
    assert "sigmoid_saturation_edge" in basics.__all__


def test_hidden_points_are_valid_and_not_the_chapters():
    # The chapter's visible tests use 0.01 and 0.1.
    assert all(0 < t < 0.25 for t in basics._SATURATION_THRESHOLDS)
    assert not {0.01, 0.1} & set(basics._SATURATION_THRESHOLDS)


def edge_by_bisection_checked(t: float) -> float:
    if not 0 < t <= 0.25:
        raise ValueError("no edge")
    return edge_by_bisection(t)


def test_saturation_edge_check_accepts_a_correct_answer():
    v = check.sigmoid_saturation_edge(edge_by_bisection_checked)
    assert v.ok, v


def test_saturation_edge_check_rejects_the_grid_of_the_first_version():
    """A grid of step 1e-4 gets 4 digits: the exercise now asks for a relative 1e-9."""
    v = check.sigmoid_saturation_edge(grid_edge)
    assert not v.ok and "relative 1e-9" in v.message, v


def test_saturation_edge_check_wants_a_value_error_above_a_quarter():
    v = check.sigmoid_saturation_edge(edge_by_bisection)     # loops for ever? no: hi doubles
    assert not v.ok and "ValueError" in v.message, v


@pytest.mark.parametrize("answer, words", [
    (lambda t: sigmoid_prime(edge_by_bisection(t)), "expected the x > 0"),
    (lambda t: -edge_by_bisection(t), "expected a positive x"),
    (lambda t: edge_by_bisection(t) + 0.01, "relative 1e-9"),
    (lambda t: edge_by_bisection(2 * t), "expected the x > 0"),
    (lambda t: None, "returned None"),
    (lambda t: [edge_by_bisection(t)] * 2, "expected one number"),
], ids=["returns-derivative", "negative", "off-by-0.01", "wrong-threshold", "none", "list"])
def test_saturation_edge_check_rejects_wrong_answers_with_a_hint(answer, words):
    v = check.sigmoid_saturation_edge(answer)
    assert not v.ok and words in v.message, v


def test_saturation_edge_check_handles_the_stub_and_non_functions():
    def stub(threshold):
        raise NotImplementedError()

    assert "NotImplementedError" in check.sigmoid_saturation_edge(stub).message
    assert "expected a function" in check.sigmoid_saturation_edge(4.58).message


@pytest.mark.parametrize("t", basics._SATURATION_THRESHOLDS)
def test_saturation_edge_check_never_reveals_the_expected_edge(t):
    def wrong_here(threshold):
        return 0.5 if threshold == t else edge_by_bisection(threshold)

    v = check.sigmoid_saturation_edge(wrong_here)
    expected = edge_by_bisection(t)
    assert not v.ok
    for digits in (1, 2, 3, 4):
        assert f"{expected:.{digits}f}" not in v.message
