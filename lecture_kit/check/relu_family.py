r"""Self-checks for the exercises of the chapters "The ReLU family", "ELU and SELU"
and "Beyond: Swish, GELU, Maxout, softmax".

Each function takes the reader's function, calls it on cases the notebook never
shows, and returns a :class:`~lecture_kit.check.Verdict`. A wrong answer gets the
first failing case and a hint about what the value should look like (a sign, a
structure, the trick that is missing), never the expected number.

==========================  ===========================================================
``prelu_grad_alpha``        ``fn(x, delta)``: :math:`\partial\mathcal L/\partial\alpha` of one
                            PReLU slope shared by every element of ``x``, given the
                            upstream gradients ``delta`` :math:`= \partial\mathcal L/\partial y`
``elu_forward``             ``fn(x, alpha)``: ELU of an array, accurate near 0 and
                            warning-free at :math:`x = 1000`
``softmax_jacobian``        ``fn(z)``: the :math:`n \times n` Jacobian
                            :math:`\partial s_i/\partial z_j` of the softmax of a 1-d ``z``
==========================  ===========================================================

Examples
--------
>>> import numpy as np
>>> from lecture_kit import check
>>> def good(x, delta):
...     x, delta = np.asarray(x, float), np.asarray(delta, float)
...     return float(np.sum(delta * np.minimum(x, 0)))
>>> check.prelu_grad_alpha(good)
[prelu_grad_alpha] correct: all 6 hidden cases agree
>>> check.prelu_grad_alpha(lambda x, delta: float(np.sum(np.asarray(delta) * np.asarray(x)))).ok
False
"""

from __future__ import annotations

import math
import warnings
from typing import Callable

import numpy as np

from ._core import as_number as _as_number, call_safely, correct, read_only_failure, wrong

__all__ = ["prelu_grad_alpha", "prelu_backward", "elu_forward", "softmax_jacobian",
           "tempered_softmax_jacobian"]


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------
def _call_strict(exercise: str, fn: Callable, *args):
    """Call ``fn`` with NumPy floating-point errors turned into a failing verdict.

    :func:`~lecture_kit.check._core.call_safely` silences floating-point errors;
    ``elu_forward`` and ``softmax_jacobian`` are about avoiding them, so they are
    turned back on (as warnings, recorded) around the reader's code.
    """

    def loud(*a):
        with np.errstate(over="warn", divide="warn", invalid="warn", under="ignore"):
            return fn(*a)

    if not callable(fn):
        return None, wrong(exercise, f"expected a function, got {type(fn).__name__}")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result, failure = call_safely(exercise, loud, *args)
    if failure is not None:
        return None, failure
    numeric = [w for w in caught if issubclass(w.category, RuntimeWarning)]
    if numeric:
        return None, wrong(exercise, f"your function raised a RuntimeWarning ({numeric[0].message}): "
                                     "an intermediate value overflowed or was invalid, even if "
                                     "np.where threw it away afterwards; never evaluate exp of a "
                                     "large positive number")
    return result, None


def _describe(arr) -> str:
    arr = np.asarray(arr, dtype=float)
    if arr.size <= 6:
        return np.array2string(arr, separator=", ")
    return f"<array of shape {arr.shape}>"


# ---------------------------------------------------------------------------
# chapter "The ReLU family": the PReLU slope gradient
# ---------------------------------------------------------------------------
#: Hidden cases ``(x, delta)``: mixed signs, a batch, zeros, all positive, all negative.
_PRELU_CASES = (
    (np.array([-1.5, 2.0, -0.25, 3.0]), np.array([0.2, -1.0, 4.0, 0.5])),
    (np.array([[0.5, -2.0, 0.0], [-3.0, 1.0, -0.1]]), np.array([[1.0, 1.0, 7.0], [-0.5, 2.0, 3.0]])),
    (np.array([0.0, 0.0, 2.0]), np.array([5.0, -5.0, 1.0])),
    (np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0, 1.0])),
    (np.array([-1.0, -2.0, -4.0]), np.array([0.25, -0.5, 0.125])),
    (np.linspace(-3.0, 3.0, 12).reshape(3, 4), np.cos(np.arange(12.0)).reshape(3, 4)),
)


def _prelu_reference(x, delta) -> float:
    total = 0.0
    for xi, di in zip(np.ravel(x), np.ravel(delta)):
        if xi <= 0:  # dy/dalpha = x for x <= 0 (0 at x = 0 either way), 0 for x > 0
            total += float(di) * float(xi)
    return total


def prelu_grad_alpha(fn: Callable):
    r"""Check ``fn(x, delta)`` :math:`= \sum_i \delta_i\,\partial y_i/\partial\alpha`.

    For :math:`y_i = \operatorname{PReLU}_\alpha(x_i)` with one slope
    :math:`\alpha` shared by all elements, :math:`\partial y_i/\partial\alpha` is
    :math:`x_i` where :math:`x_i \le 0` and 0 elsewhere; the answer is one number,
    summed over every element (1-d and 2-d hidden cases).

    Examples
    --------
    >>> import numpy as np
    >>> prelu_grad_alpha(lambda x, d: np.asarray(d) * np.minimum(x, 0)).ok   # not summed
    False
    """
    exercise = "prelu_grad_alpha"
    for x, delta in _PRELU_CASES:
        got, failure = call_safely(exercise, fn, x.copy(), delta.copy())
        if failure is not None:
            return failure
        value = _as_number(got)
        where = f"x = {_describe(x)}, delta = {_describe(delta)}"
        if value is None:
            return wrong(exercise, f"for {where} your function returned "
                                   f"{type(got).__name__} of shape {np.shape(got)}, expected one "
                                   "number: alpha is shared, so sum the contributions of all elements")
        expected = _prelu_reference(x, delta)
        if not math.isclose(value, expected, rel_tol=1e-9, abs_tol=1e-12):
            if not np.any(np.asarray(x) < 0):
                hint = ("no input is negative here, so alpha does not change the output "
                        "and cannot change the loss")
            else:
                sign = "positive" if expected > 0 else "negative"
                hint = (f"expected a {sign} number: only elements with x <= 0 contribute; "
                        "ask how much each of those outputs moves when alpha moves")
            return wrong(exercise, f"wrong for {where}: {hint}")
    return correct(exercise, f"all {len(_PRELU_CASES)} hidden cases agree")


# ---------------------------------------------------------------------------
# chapter "The ReLU family": the backward pass of a PReLU with one slope per channel
# ---------------------------------------------------------------------------
def _prelu_backward_reference(x, alpha, delta):
    """Element by element, in plain Python: the slope of element [n, c, ...] is alpha[c]."""
    dx = np.zeros(x.shape)
    dalpha = [0.0] * x.shape[1]
    for index in np.ndindex(x.shape):
        c, xi, di = index[1], float(x[index]), float(delta[index])
        if xi > 0:
            dx[index] = di
        else:                                   # x <= 0: the left-hand slope, also at 0
            dx[index] = float(alpha[c]) * di
            dalpha[c] += xi * di
    return dx, np.array(dalpha)


def _prelu_backward_cases():
    rng = np.random.default_rng(4242)
    x3 = rng.normal(size=(3, 2, 5))
    x3[0, 1, 2] = x3[2, 0, 4] = 0.0             # exact zeros: the kink
    return [
        ("x of shape (4, 3)", rng.normal(size=(4, 3)), np.array([0.25, -0.5, 1.5]),
         rng.normal(size=(4, 3))),
        ("x of shape (3, 2, 5)", x3, np.array([0.1, 2.0]), rng.normal(size=(3, 2, 5))),
        ("x of shape (2, 4, 4)", rng.normal(size=(2, 4, 4)), np.array([0.3, 0.0, -1.0, 0.7]),
         rng.normal(size=(2, 4, 4))),
        ("x of shape (5, 1) with zeros", np.array([[0.0], [-2.0], [0.0], [3.0], [-0.5]]),
         np.array([0.4]), np.array([[1.0], [2.0], [-3.0], [4.0], [5.0]])),
    ]


def prelu_backward(fn: Callable):
    r"""Check ``fn(x, alpha, delta) -> (dx, dalpha)`` for a PReLU with one slope per channel.

    ``x`` has shape ``(N, C)`` or ``(N, C, L)``; element ``x[n, c, ...]`` uses
    the slope ``alpha[c]`` (PyTorch's ``num_parameters=C``); ``delta`` is the
    upstream gradient, of the shape of ``x``. ``dx`` must have the shape of
    ``x`` and ``dalpha`` the shape ``(C,)``. At ``x = 0`` the left-hand slope
    applies. The cases include three-dimensional inputs whose last axis is not
    the channel axis, exact zeros, negative and zero slopes, read-only arrays
    (which must not be written) and nested Python lists.

    Examples
    --------
    >>> import numpy as np
    >>> relu_like = lambda x, alpha, delta: (np.asarray(delta) * (np.asarray(x) > 0),
    ...                                      np.zeros(np.shape(x)[1]))
    >>> prelu_backward(relu_like).ok
    False
    """
    ex = "prelu_backward"
    for label, x, alpha, delta in _prelu_backward_cases():
        args = [x.copy(), alpha.copy(), delta.copy()]
        for a in args:
            a.setflags(write=False)
        got, failure = call_safely(ex, fn, *args)
        if failure is not None:
            return read_only_failure(ex, failure, f"for {label} your function tried to write "
                                                  "into its inputs: build new arrays instead")
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            return wrong(ex, f"for {label}: return the pair (dx, dalpha)")
        try:
            dx, dalpha = np.asarray(got[0], dtype=float), np.asarray(got[1], dtype=float)
        except (TypeError, ValueError):
            return wrong(ex, f"for {label}: dx and dalpha must be numeric arrays")
        want_dx, want_da = _prelu_backward_reference(x, alpha, delta)
        if dx.shape != x.shape:
            return wrong(ex, f"for {label}: dx has shape {dx.shape}, expected the shape of x")
        if dalpha.shape != alpha.shape:
            return wrong(ex, f"for {label}: dalpha has shape {dalpha.shape}, expected "
                             f"{alpha.shape}: one number per channel (axis 1), however many "
                             "examples and positions share that channel's slope")
        bad = ~np.isclose(dx, want_dx, rtol=1e-9, atol=1e-12)
        if bad.any():
            index = tuple(int(k) for k in np.argwhere(bad)[0])
            xi = float(x[index])
            if xi > 0:
                hint = "where x > 0 the output moves one for one with the input"
            elif xi == 0:
                hint = "at x = 0 exactly, use the slope of the left side"
            else:
                hint = ("where x < 0 the slope is the channel's own alpha: check which "
                        "axis alpha runs along")
            return wrong(ex, f"for {label}, dx is wrong at index {index}: {hint}")
        bad = ~np.isclose(dalpha, want_da, rtol=1e-9, atol=1e-12)
        if bad.any():
            c = int(np.argmax(bad))
            sign = "positive" if want_da[c] > 0 else "negative" if want_da[c] < 0 else "zero"
            return wrong(ex, f"for {label}, dalpha[{c}] is wrong: expected a {sign} number; only "
                             "elements of that channel with x <= 0 depend on its slope, and "
                             "each contributes how much its output moves when the slope "
                             "moves, weighted by its upstream gradient")
    x, alpha, delta = (np.array([[-1.0, 2.0], [0.5, -3.0]]), np.array([0.2, 0.3]),
                       np.array([[1.0, 1.0], [2.0, -1.0]]))
    keep = [x.copy(), alpha.copy(), delta.copy()]
    args = [x, alpha, delta]
    got, failure = call_safely(ex, fn, *args)
    if failure is None and not all(np.array_equal(a, k) for a, k in zip(args, keep)):
        return wrong(ex, "your function changed one of its input arrays: build new arrays")
    got, failure = call_safely(ex, fn, x.tolist(), alpha.tolist(), delta.tolist())
    if failure is not None:
        return wrong(ex, f"for inputs given as Python lists your function failed: "
                         f"{failure.message}")
    want_dx, want_da = _prelu_backward_reference(x, alpha, delta)
    try:
        same = (np.allclose(np.asarray(got[0], float), want_dx, rtol=1e-9)
                and np.allclose(np.asarray(got[1], float), want_da, rtol=1e-9))
    except (TypeError, ValueError, IndexError):
        same = False
    if not same:
        return wrong(ex, "for inputs given as Python lists the result is wrong")
    return correct(ex, "all hidden cases agree")


# ---------------------------------------------------------------------------
# chapter "ELU and SELU": an ELU that is accurate and warning-free
# ---------------------------------------------------------------------------
#: Hidden inputs: tiny values of both signs (cancellation), moderate, far tails, overflow.
_ELU_POINTS = np.array([[-1e-12, 3e-13, -2.5e-9, 0.0],
                        [-0.7, 1.3, -4.0, 25.0],
                        [-40.0, 1000.0, -1000.0, 710.5]])
_ELU_ALPHAS = (1.0, 0.5, 1.6732632423543772)


def _elu_reference(x: float, alpha: float) -> float:
    return x if x > 0 else alpha * math.expm1(x)


def elu_forward(fn: Callable):
    r"""Check ``fn(x, alpha=1.0)`` = ELU of an array: :math:`x` for :math:`x > 0`, else :math:`\alpha(e^x - 1)`.

    The answer must return an array of the input's shape, agree with the
    reference to a relative tolerance of :math:`10^{-9}` (so near 0 the
    difference :math:`e^x - 1` must not lose its digits to cancellation) and
    raise no floating-point warning, not even at :math:`x = 1000`, where
    :math:`e^{1000}` overflows in the branch that ``np.where`` discards.
    Also checked: the default ``alpha = 1.0``; float32 input gives a float32
    result accurate to float32 precision; integer arrays and nested lists give
    float64 results; NaN gives NaN; the input is read-only and must not change.

    Examples
    --------
    >>> import numpy as np
    >>> naive = lambda x, alpha=1.0: np.where(x > 0, x, alpha * (np.exp(x) - 1))
    >>> elu_forward(naive).ok
    False
    """
    exercise = "elu_forward"
    x = _ELU_POINTS
    for alpha in _ELU_ALPHAS + (None,):
        arg = x.copy()
        arg.setflags(write=False)
        args = (arg,) if alpha is None else (arg, alpha)
        got, failure = _call_strict(exercise, fn, *args)
        if failure is not None:
            return read_only_failure(exercise, failure, "your function tried to write into "
                                                        "its input: return a new array and "
                                                        "leave x as it was")
        a = 1.0 if alpha is None else alpha
        try:
            arr = np.asarray(got, dtype=float)
        except (TypeError, ValueError):
            return wrong(exercise, f"your function returned {type(got).__name__}, expected an array")
        if arr.shape != x.shape:
            return wrong(exercise, f"on a {x.shape[0]} x {x.shape[1]} array the result has shape "
                                   f"{arr.shape}, expected the shape of the input")
        for index in np.ndindex(x.shape):
            xi, gi = float(x[index]), float(arr[index])
            ei = _elu_reference(xi, a)
            if not math.isclose(gi, ei, rel_tol=1e-9, abs_tol=0.0):
                if alpha is None:
                    hint = ("this call leaves alpha out: check the default value the task "
                            "asks for")
                elif not math.isfinite(gi):
                    hint = "your result is not finite; ELU is finite everywhere"
                elif xi > 0:
                    hint = "for x > 0 ELU is the identity"
                elif xi == 0:
                    hint = "ELU is continuous at 0: both branches meet there"
                elif abs(xi) < 1e-6:
                    hint = ("expected a tiny negative number; computing e^x - 1 by "
                            "subtraction cancels most digits here: look for a NumPy "
                            "function made for exactly this difference")
                else:
                    hint = "expected a negative number between -alpha and alpha * x"
            else:
                continue
            where = "with alpha left at its default" if alpha is None else f"with alpha = {a!r}"
            return wrong(exercise, f"wrong at x = {xi!r} {where}: {hint}")
    # float32 in, float32 out, accurate to float32 precision
    x32 = np.array([-1e-12, -3e-6, -0.5, 2.0, -80.0, 1000.0], dtype=np.float32)
    got, failure = _call_strict(exercise, fn, x32.copy(), 1.0)
    if failure is not None:
        return failure
    if not isinstance(got, np.ndarray) or got.dtype != np.float32:
        kind = got.dtype if isinstance(got, np.ndarray) else type(got).__name__
        return wrong(exercise, f"for a float32 array the result is {kind}: keep float32 "
                               "(a network in float32 should stay in float32)")
    want = np.array([_elu_reference(float(v), 1.0) for v in x32])
    if not np.allclose(got.astype(float), want, rtol=2e-6, atol=0):
        return wrong(exercise, "for a float32 array some values are off by more than float32 "
                               "rounding; the tiny inputs lose their digits first")
    # integers and lists are computed in float64; NaN propagates
    for label, value, want in (("an integer array", np.array([-1, 0, 3]), [math.expm1(-1), 0, 3]),
                               ("a Python list", [-1e-12, 2.0], [math.expm1(-1e-12), 2.0])):
        got, failure = _call_strict(exercise, fn, value, 1.0)
        if failure is not None:
            return wrong(exercise, f"for {label} your function failed: {failure.message}")
        arr = np.asarray(got)
        if arr.dtype != np.float64 or not np.allclose(arr.astype(float), want, rtol=1e-9,
                                                       atol=0):
            return wrong(exercise, f"for {label} the result should be a float64 array of ELU "
                                   "values (integers cannot hold them)")
    got, failure = _call_strict(exercise, fn, np.array([np.nan, -1.0]), 1.0)
    if failure is not None:
        return failure
    if not np.isnan(np.asarray(got, dtype=float)[0]):
        return wrong(exercise, "ELU of NaN should be NaN: a missing value must not turn "
                               "into a number")
    return correct(exercise, "all hidden points agree, no warning raised")


# ---------------------------------------------------------------------------
# chapter "Beyond": the softmax Jacobian
# ---------------------------------------------------------------------------
#: Hidden logit vectors: two equal, a ramp, huge logits (needs the max shift), mixed.
_SOFTMAX_CASES = (
    np.array([0.0, 0.0]),
    np.array([1.0, 2.0, 3.0]),
    np.array([1000.0, 0.0, -1000.0]),
    np.array([-5.0, 5.0, 0.5, 2.0]),
    np.array([800.0, 799.0]),
)


def _softmax_reference(z):
    m = max(z)
    e = [math.exp(v - m) for v in z]
    total = math.fsum(e)
    return [v / total for v in e]


def softmax_jacobian(fn: Callable):
    r"""Check ``fn(z)`` = :math:`J` with :math:`J_{ij} = \partial s_i/\partial z_j` for a 1-d ``z``.

    :math:`s = \operatorname{softmax}(z)`. The answer must be an
    :math:`n \times n` array, agree to a relative tolerance of :math:`10^{-9}`
    (absolute :math:`10^{-12}`), and raise no floating-point warning for logits
    of size 1000.

    Examples
    --------
    >>> import numpy as np
    >>> def naive(z):
    ...     s = np.exp(z) / np.exp(z).sum()
    ...     return np.diag(s) - np.outer(s, s)
    >>> softmax_jacobian(naive).ok
    False
    """
    exercise = "softmax_jacobian"
    for z in _SOFTMAX_CASES:
        got, failure = _call_strict(exercise, fn, z.copy())
        if failure is not None:
            return failure
        n = z.size
        try:
            arr = np.asarray(got, dtype=float)
        except (TypeError, ValueError):
            return wrong(exercise, f"for z = {_describe(z)} your function returned "
                                   f"{type(got).__name__}, expected an n x n array")
        if arr.shape != (n, n):
            return wrong(exercise, f"for z = {_describe(z)} the result has shape {arr.shape}, "
                                   f"expected ({n}, {n}): one row per output s_i, one column per "
                                   "input z_j")
        s = _softmax_reference(list(z))
        expected = np.array([[s[i] * ((i == j) - s[j]) for j in range(n)] for i in range(n)])
        if not np.all(np.isfinite(arr)):
            return wrong(exercise, f"for z = {_describe(z)} the result is not finite: shift the "
                                   "logits by their maximum before exponentiating")
        bad = ~np.isclose(arr, expected, rtol=1e-9, atol=1e-12)
        if bad.any():
            i, j = (int(k) for k in np.argwhere(bad)[0])
            part = "diagonal" if i == j else "off-diagonal"
            sign = "non-negative" if i == j else "non-positive"
            return wrong(exercise, f"for z = {_describe(z)} entry [{i}, {j}] is wrong: "
                                   f"{part} entries are {sign}, the matrix is symmetric and every "
                                   "row sums to 0 (softmax outputs always sum to 1)")
    return correct(exercise, f"all {len(_SOFTMAX_CASES)} hidden logit vectors agree, no warning raised")


# ---------------------------------------------------------------------------
# chapter "Beyond": the Jacobian of a softmax with temperature, for a batch
# ---------------------------------------------------------------------------
def _tempered_reference(z, T):
    """One row of logits at a time, in plain Python floats (math.fsum)."""
    s = _softmax_reference([v / T for v in z])
    n = len(z)
    return [[s[i] * ((i == j) - s[j]) / T for j in range(n)] for i in range(n)]


_TEMPERED_CASES = (
    ("z = [0, 0, 0], T = 2", np.zeros(3), 2.0),
    ("a ramp, T = 0.5", np.array([1.0, 2.0, 3.0, -1.0]), 0.5),
    ("logits near 800, T = 1", np.array([800.0, 799.0, 795.0]), 1.0),
    ("two rows of very different size, T = 1",
     np.array([[1000.0, 0.0, -1000.0], [-900.0, -901.0, -903.0]]), 1.0),
    ("a batch of 3 rows, T = 4", np.array([[0.5, -1.0], [3.0, 3.0], [-2.0, 6.0]]), 4.0),
    ("logits near 1e4 with T = 10", np.array([1.0e4, 9.99e3, 1.001e4]), 10.0),
)


def tempered_softmax_jacobian(fn: Callable):
    r"""Check ``fn(z, temperature=1.0)``: the Jacobian of :math:`s = \operatorname{softmax}(z/T)`.

    ``z`` is one vector of ``n`` logits (result ``(n, n)``) or a batch of
    shape ``(N, n)``, one row per example (result ``(N, n, n)``, one Jacobian
    :math:`\partial s_i/\partial z_j` per row). The cases include logits far
    above 709.8 (where ``exp`` overflows), rows of very different size in one
    batch, the default temperature, float32 input (float32 result), nested
    lists and read-only arrays; no floating-point warning is allowed.

    Examples
    --------
    >>> import numpy as np
    >>> def untempered(z, temperature=1.0):
    ...     s = np.exp(z - z.max()); s = s / s.sum()
    ...     return np.diag(s) - np.outer(s, s)
    >>> tempered_softmax_jacobian(untempered).ok
    False
    """
    ex = "tempered_softmax_jacobian"
    for label, z, T in _TEMPERED_CASES + (("z = [1, -2, 0.5] with the default T",
                                           np.array([1.0, -2.0, 0.5]), None),):
        arg = z.copy()
        arg.setflags(write=False)
        got, failure = _call_strict(ex, fn, *((arg,) if T is None else (arg, T)))
        if failure is not None:
            return read_only_failure(ex, failure, f"for {label} your function tried to write "
                                                  "into z: work on new arrays")
        rows = np.atleast_2d(z)
        want = np.array([_tempered_reference(list(r), 1.0 if T is None else T) for r in rows])
        want = want[0] if z.ndim == 1 else want
        try:
            arr = np.asarray(got, dtype=float)
        except (TypeError, ValueError):
            return wrong(ex, f"for {label} your function returned {type(got).__name__}, "
                             "expected an array")
        if arr.shape != want.shape:
            return wrong(ex, f"for {label} the result has shape {arr.shape}, expected "
                             f"{want.shape}: one n x n Jacobian per row of logits")
        if not np.all(np.isfinite(arr)):
            return wrong(ex, f"for {label} the result is not finite: every exponential must "
                             "stay in range, row by row")
        bad = ~np.isclose(arr, want, rtol=1e-9, atol=1e-12)
        if bad.any():
            if T is None:
                hint = "this call leaves the temperature out: check its default"
            elif any(np.allclose(arr * T ** k, want, rtol=1e-6, atol=1e-12)
                     for k in (-2, -1, 1, 2)):
                hint = ("off by a factor that depends on T: apply the chain rule through "
                        "z / T once more")
            else:
                hint = ("for each row: the matrix is symmetric, its rows sum to 0, diagonal "
                        "entries are non-negative and off-diagonal ones non-positive")
            return wrong(ex, f"for {label} the values are wrong: {hint}")
    z32 = np.array([[2.0, -1.0, 0.5], [900.0, 899.0, 0.0]], dtype=np.float32)
    got, failure = _call_strict(ex, fn, z32.copy(), 2.0)
    if failure is not None:
        return failure
    if not isinstance(got, np.ndarray) or got.dtype != np.float32:
        kind = got.dtype if isinstance(got, np.ndarray) else type(got).__name__
        return wrong(ex, f"for float32 logits the result is {kind}: keep float32")
    want = np.array([_tempered_reference([float(v) for v in r], 2.0) for r in z32])
    if not np.allclose(got.astype(float), want, rtol=1e-5, atol=1e-7):
        return wrong(ex, "for float32 logits the values are off by more than float32 rounding")
    got, failure = _call_strict(ex, fn, [[0.0, 1.0], [2.0, 2.0]], 1.0)
    if failure is not None:
        return wrong(ex, f"for logits given as a nested list your function failed: "
                         f"{failure.message}")
    want = np.array([_tempered_reference([0.0, 1.0], 1.0), _tempered_reference([2.0, 2.0], 1.0)])
    try:
        same = np.allclose(np.asarray(got, dtype=float), want, rtol=1e-9, atol=1e-12)
    except (TypeError, ValueError):
        same = False
    if not same:
        return wrong(ex, "for logits given as a nested list the result is wrong")
    return correct(ex, f"all {len(_TEMPERED_CASES) + 3} hidden cases agree, no warning raised")
