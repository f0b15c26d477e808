"""The self-checks of the reworked exercises (issue 19) of how_to_use, vanishing_gradient,
sigmoid and tanh accept right answers written independently of the checks' references,
handle stubs and non-functions, and name the failing input correctly.

Wrong answers and leak tests live in tests/test_hints.py; the notebooks' declared
mutants are run by tests/test_exercise_mutants.py.
"""

import math

import mpmath
import numpy as np
import pytest

from lecture_kit import check
from lecture_kit.check import basics, saturating


# ---------------------------------------------------------------------------
# right answers, by routes other than the checks' references
# ---------------------------------------------------------------------------
def chain_log_mpmath(weights, biases, a0):
    """The product itself in 50-digit arithmetic (no underflow), then its log10."""
    if len(weights) != len(biases):
        raise ValueError("lengths differ")
    mpmath.mp.dps = 50
    a, g = mpmath.mpf(a0), mpmath.mpf(1)
    for w, b in zip(weights, biases):
        z = mpmath.mpf(w) * a + b
        s, s_minus = 1 / (1 + mpmath.exp(-z)), 1 / (1 + mpmath.exp(z))
        g *= w * s * s_minus                 # sigma(z) sigma(-z): 1 - s would round to 0
        a = s
    if g == 0:
        return 0.0, -math.inf
    return float(mpmath.sign(g)), float(mpmath.log10(abs(g)))


def sigmoid_via_tanh(x):
    """sigma(x) = (1 + tanh(x/2)) / 2, with the far negative tail from exp (tanh rounds)."""
    x = np.asarray(x)
    dtype = x.dtype if x.dtype.kind == "f" else np.float64
    t = np.asarray(x, dtype=np.float64)
    with np.errstate(under="ignore"):
        tail = np.exp(np.minimum(t, 0.0))           # e^x, exact enough when x < -40
        body = (1 + np.tanh(t / 2)) / 2
    return np.where(t < -30, tail / (1 + tail), body).astype(dtype)


def log_cosh_via_logaddexp(x):
    """log cosh x = logaddexp(x, -x) - log 2 for |x| >= 1e-2, the Taylor series below."""
    x = np.asarray(x)
    dtype = x.dtype if x.dtype.kind == "f" else np.float64
    t = np.asarray(x, dtype=np.float64)
    small = np.where(np.abs(t) < 1e-2, t, 0.0)
    s = small * small
    series = s / 2 - s * s / 12 + s ** 3 / 45 - 17 * s ** 4 / 2520
    big = np.where(np.abs(t) < 1e-2, 1.0, t)
    big = np.where(np.isfinite(big), big, 1.0)          # infinities and NaN handled below
    with np.errstate(over="ignore"):
        far = np.logaddexp(big, -big) - np.log(2)
    far = np.where(np.isinf(t), np.inf, np.where(np.isnan(t), np.nan, far))
    return np.where(np.abs(t) < 1e-2, series, far).astype(dtype)


@pytest.mark.parametrize("name, answer", [
    ("chain_log_gradient", chain_log_mpmath),
    ("robust_sigmoid", sigmoid_via_tanh),
    ("log_cosh", log_cosh_via_logaddexp),
])
def test_an_independent_right_answer_is_correct(name, answer):
    verdict = getattr(check, name)(answer)
    assert verdict.ok, verdict


@pytest.mark.parametrize("name", ["chain_log_gradient", "robust_sigmoid", "log_cosh"])
def test_stub_and_non_function(name):
    def stub(*args):
        raise NotImplementedError()

    assert "NotImplementedError" in getattr(check, name)(stub).message
    assert "expected a function" in getattr(check, name)(3.0).message


def test_the_new_checks_are_exported():
    for name in ("chain_log_gradient", "robust_sigmoid", "log_cosh"):
        assert getattr(check, name) is getattr(saturating, name)


def test_hidden_chains_do_underflow_naively():
    """The hidden chains must contain the failures the exercise is about."""
    def naive(weights, biases, a0):
        a, g = a0, 1.0
        for w, b in zip(weights, biases):
            z = w * a + b
            s = math.exp(-np.logaddexp(0.0, -z))
            g *= w * s * (1 - s)
            a = s
        return g

    products = [naive(*c) for c in saturating._LOG_CHAINS]
    assert any(p == 0 and 0 not in c[0] for p, c in zip(products, saturating._LOG_CHAINS))
    assert any(max(abs(w) for w in c[0]) >= 4000 for c in saturating._LOG_CHAINS)
    assert any(0.0 in c[0] for c in saturating._LOG_CHAINS)


def test_hidden_inputs_trigger_the_naive_failures():
    with np.errstate(all="ignore"):
        tiny = np.array([1e-9])
        assert np.log(np.cosh(tiny))[0] == 0.0                     # rounds to 0
        assert np.isinf(np.cosh(np.array([720.0])))[0]              # overflows
    sig_dtypes = {np.asarray(x).dtype for x in saturating._ROBUST_SIGMOID_CASES}
    assert {np.dtype(t) for t in (np.uint8, np.int8, np.bool_, np.float16,
                                  np.float32)} <= sig_dtypes


def test_saturation_edge_names_the_threshold_not_an_x():
    """Issue 13: the message at the threshold 0.2 said "wrong at x = 0.2"."""
    exact = basics._saturation_edge_reference
    for answer in (lambda t: -exact(t), lambda t: exact(t) + 0.01, lambda t: None):
        message = check.sigmoid_saturation_edge(answer).message
        assert "threshold 0.2" in message and "x = 0.2" not in message, message


def test_saturation_thresholds_of_the_self_check_stay_above_1e_5():
    """The self-check runs in the visible test cell; tests/test_grading.py's "late"
    students misbehave only below 1e-5, which the hidden tests reach (down to 1e-300)."""
    assert min(basics._SATURATION_THRESHOLDS) >= 1e-5
    assert basics._SATURATION_INVALID > 0.25


def test_the_reworked_exercises_declare_mutants():
    import nbformat
    from pathlib import Path

    book = Path(__file__).resolve().parent.parent / "book"
    wanted = {"how_to_use.ipynb": "how_to_use-ex3-solution",
              "activations/vanishing_gradient.ipynb": "vanishing_gradient-ex3-solution",
              "activations/sigmoid.ipynb": "sigmoid-ex3-solution",
              "activations/tanh.ipynb": "tanh-ex3-solution"}
    for path, gid in wanted.items():
        nb = nbformat.read(book / path, as_version=4)
        cell = next(c for c in nb.cells
                    if c.metadata.get("nbgrader", {}).get("grade_id") == gid)
        assert len(cell.metadata["lecture_kit"]["mutants"]) >= 6, gid
