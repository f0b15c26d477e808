r"""Self-checks for the exercises of the saturating chapters.

The chapters "the vanishing gradient", "the sigmoid" and "tanh" each have one
coding exercise; each check below runs the reader's function on inputs that the
notebook does not show and answers through a :class:`~lecture_kit.check.Verdict`.

>>> import numpy as np
>>> from lecture_kit import check
>>> check.stable_sigmoid(lambda x: np.zeros_like(np.asarray(x, dtype=float))).ok
False
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from ._core import call_safely, correct, wrong

__all__ = ["chain_gradient", "stable_sigmoid", "tanh_prime"]


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------
def _sigmoid(t: float) -> float:
    """Exact-enough logistic function of one Python float (no overflow)."""
    if t >= 0:
        return 1.0 / (1.0 + math.exp(-t))
    z = math.exp(t)
    return z / (1.0 + z)


def _call_strict(exercise: str, fn, *args):
    """Call ``fn``; a floating-point warning counts as a failure, with its message.

    Returns ``(result, None)`` or ``(None, Verdict)``.
    """
    if not callable(fn):
        return None, wrong(exercise, f"expected a function, got {type(fn).__name__}")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with np.errstate(over="warn", divide="warn", invalid="warn", under="ignore"):
            result, failure = call_safely(exercise, _warn_on_errstate(fn), *args)
    if failure is not None:
        return None, failure
    numeric = [w for w in caught if issubclass(w.category, RuntimeWarning)]
    if numeric:
        return None, wrong(exercise, f"your function printed a RuntimeWarning "
                                     f"({numeric[0].message}): some intermediate value "
                                     "overflowed or was invalid; rearrange the formula so "
                                     "that it never happens")
    return result, None


def _warn_on_errstate(fn):
    """Wrap ``fn`` so that NumPy floating-point errors become warnings inside it.

    :func:`call_safely` silences NumPy's floating-point errors; the exercises of
    this module are about avoiding them, so they are turned back on here.
    """

    def wrapped(*args):
        with np.errstate(over="warn", divide="warn", invalid="warn", under="ignore"):
            return fn(*args)

    return wrapped


def _as_float_array(exercise: str, got, shape, where: str):
    try:
        arr = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return None, wrong(exercise, f"{where}: your function returned "
                                     f"{type(got).__name__}, expected numbers")
    if arr.shape != shape:
        return None, wrong(exercise, f"{where}: the result has shape {arr.shape}, "
                                     f"expected shape {shape} (the shape of the input)")
    return arr, None


# ---------------------------------------------------------------------------
# chapter "the vanishing gradient"
# ---------------------------------------------------------------------------
#: Hidden scalar chains ``(weights, biases, a0)``: short and long, signs mixed.
_CHAINS = (
    ((1.5,), (0.2,), 0.7),
    ((2.0, -1.0, 0.5), (0.0, 0.3, -0.2), 1.1),
    ((3.0, 3.0, -2.5, 1.0), (-1.0, 0.5, 0.0, 2.0), -0.4),
    ((0.8, 1.2, -0.6, 2.2, 1.7, -3.1), (0.1, -0.1, 0.4, 0.0, -0.3, 0.2), 0.25),
    ((6.0, 6.0), (-3.0, -3.0), 2.0),
)


def _chain_reference(weights, biases, a0) -> float:
    a, product = a0, 1.0
    for w, b in zip(weights, biases):
        s = _sigmoid(w * a + b)
        product *= w * s * (1.0 - s)
        a = s
    return product


def chain_gradient(fn) -> "Verdict":  # noqa: F821
    r"""Check ``fn(weights, biases, a0)`` :math:`= \partial a_L/\partial a_0`.

    The chain is :math:`z_k = w_k a_{k-1} + b_k`, :math:`a_k = \sigma(z_k)`
    for :math:`k = 1, \dots, L`, with ``weights`` and ``biases`` sequences of
    length :math:`L`. The answer is compared with the reference to a relative
    tolerance of :math:`10^{-6}` on chains of 1 to 6 layers that the notebook
    does not use.

    Examples
    --------
    >>> chain_gradient(lambda weights, biases, a0: 0.0).ok
    False
    """
    exercise = "chain_gradient"
    for weights, biases, a0 in _CHAINS:
        got, failure = call_safely(exercise, fn, list(weights), list(biases), a0)
        if failure is not None:
            return failure
        try:
            got = float(np.asarray(got, dtype=float).reshape(()))
        except (TypeError, ValueError):
            return wrong(exercise, f"for a chain of {len(weights)} layers your function "
                                   f"returned {type(got).__name__}, expected one number")
        expected = _chain_reference(weights, biases, a0)
        if not np.isclose(got, expected, rtol=1e-6, atol=1e-15):
            bound = math.prod(abs(w) for w in weights) / 4 ** len(weights)
            sign = "positive" if expected > 0 else "negative"
            return wrong(exercise,
                         f"wrong for a chain of {len(weights)} layer(s) with weights "
                         f"{list(weights)}: expected a {sign} number whose size is at most "
                         f"prod|w_k| / 4^L = {bound:.4g} (one factor w_k sigma'(z_k) per "
                         "layer, each z_k computed from the previous activation)")
    return correct(exercise, f"all {len(_CHAINS)} hidden chains agree")


# ---------------------------------------------------------------------------
# chapter "the sigmoid"
# ---------------------------------------------------------------------------
#: Hidden inputs: the centre, moderate values, both far tails, beyond overflow.
_SIGMOID_POINTS = (0.0, 1e-9, -2.5, 3.75, 17.0, -30.0, 40.0, -710.0, 710.0, -1000.0, 1e4, -1e4)


def stable_sigmoid(fn) -> "Verdict":  # noqa: F821
    r"""Check ``fn(x)`` :math:`= \sigma(x)`, accurate and warning-free for any float array.

    The answer must work on a NumPy array (returning the same shape), agree with
    the reference to a relative tolerance of :math:`10^{-12}` everywhere,
    including the far negative tail where :math:`\sigma(x)` is tiny but not
    zero, and raise no floating-point warning, not even at
    :math:`x = \pm 10^4`.

    Examples
    --------
    >>> import numpy as np
    >>> stable_sigmoid(lambda x: 1 / (1 + np.exp(-np.asarray(x, dtype=float)))).ok
    False
    """
    exercise = "stable_sigmoid"
    x = np.array(_SIGMOID_POINTS).reshape(3, 4)
    got, failure = _call_strict(exercise, fn, x.copy())
    if failure is not None:
        return failure
    arr, failure = _as_float_array(exercise, got, x.shape, "on a 3 x 4 array")
    if failure is not None:
        return failure
    expected = np.array([_sigmoid(t) for t in x.ravel()]).reshape(x.shape)
    for index in np.ndindex(x.shape):
        xi, gi, ei = float(x[index]), float(arr[index]), float(expected[index])
        if not np.isclose(gi, ei, rtol=1e-12, atol=0.0):
            if not np.isfinite(gi):
                hint = "your result is not finite; every sigma(x) lies in (0, 1)"
            elif ei < 1e-100:
                hint = "expected a tiny positive number (sigma(x) is never exactly 0 " \
                       "until e^x underflows), at full relative precision"
            elif ei > 1 - 1e-15:
                hint = "expected a number that rounds to 1"
            else:
                hint = "expected sigma(x) = 1/(1 + e^-x) to about 12 significant digits"
            return wrong(exercise, f"wrong at x = {xi!r}: {hint}")
    return correct(exercise, f"all {x.size} hidden points agree, no warning raised")


# ---------------------------------------------------------------------------
# chapter "tanh"
# ---------------------------------------------------------------------------
#: Hidden inputs: the centre, moderate values and tails where 1 - tanh^2 rounds to 0.
_TANH_POINTS = (0.0, 0.3, -1.7, 4.0, -9.5, 19.5, -25.0, 40.0, -300.0, 360.0)


def _tanh_prime_reference(t: float) -> float:
    u = math.exp(-2.0 * abs(t))
    return 4.0 * u / (1.0 + u) ** 2


def tanh_prime(fn) -> "Verdict":  # noqa: F821
    r"""Check ``fn(x)`` :math:`= \tanh'(x)` to full relative precision, warning-free.

    The answer must accept a NumPy array (returning the same shape) and agree with
    the reference to a relative tolerance of :math:`10^{-10}` at every hidden
    point, also for large :math:`|x|`, where the textbook form
    :math:`1 - \tanh^2 x` rounds to 0 although the true slope is a tiny positive
    number.

    Examples
    --------
    >>> import numpy as np
    >>> tanh_prime(lambda x: 1 - np.tanh(x) ** 2).ok
    False
    """
    exercise = "tanh_prime"
    x = np.array(_TANH_POINTS).reshape(2, 5)
    got, failure = _call_strict(exercise, fn, x.copy())
    if failure is not None:
        return failure
    arr, failure = _as_float_array(exercise, got, x.shape, "on a 2 x 5 array")
    if failure is not None:
        return failure
    for index in np.ndindex(x.shape):
        xi, gi = float(x[index]), float(arr[index])
        ei = _tanh_prime_reference(xi)
        if not np.isclose(gi, ei, rtol=1e-10, atol=0.0):
            if gi == 0.0 and ei > 0.0:
                hint = "your slope is exactly 0, but tanh'(x) is a tiny positive number " \
                       "here; find a form that does not subtract two numbers close to 1"
            elif not np.isfinite(gi):
                hint = "your result is not finite; tanh'(x) lies in (0, 1]"
            elif gi < 0 or gi > 1:
                hint = "tanh'(x) always lies in (0, 1]"
            elif abs(gi - ei) < 1e-7:
                hint = "close in absolute terms, but only a few digits are correct: " \
                       "the formula subtracts two numbers close to 1 and the difference " \
                       "loses its precision"
            else:
                hint = "expected tanh'(x) to about 10 significant digits"
            return wrong(exercise, f"wrong at x = {xi!r}: {hint}")
    return correct(exercise, f"all {x.size} hidden points agree, no warning raised")
