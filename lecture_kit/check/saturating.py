r"""Self-checks for the exercises of the saturating chapters.

The chapters "the vanishing gradient", "the sigmoid" and "tanh" each have one
coding exercise; each check below runs the reader's function on inputs that the
notebook does not show and answers through a :class:`~lecture_kit.check.Verdict`.
The exercises ask for ``chain_log_gradient``, ``robust_sigmoid`` and ``log_cosh``;
``chain_gradient``, ``stable_sigmoid`` and ``tanh_prime`` are the checks of their
earlier, simpler versions, kept for notebooks that still call them.

>>> import numpy as np
>>> from lecture_kit import check
>>> check.stable_sigmoid(lambda x: np.zeros_like(np.asarray(x, dtype=float))).ok
False
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from ._core import as_number, call_safely, correct, wrong

__all__ = ["chain_gradient", "chain_log_gradient", "log_cosh", "robust_sigmoid",
           "stable_sigmoid", "tanh_prime"]


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


def _grid_verdict(exercise: str, fn, points, shape, reference, rtol: float, hint_of):
    """Run ``fn`` strictly on ``points`` laid out as an array of ``shape``; compare entrywise.

    ``reference(x)`` is the expected value at one float; ``hint_of(got, expected)``
    describes what was expected where the first entry disagrees.
    """
    x = np.array(points).reshape(shape)
    got, failure = _call_strict(exercise, fn, x.copy())
    if failure is not None:
        return failure
    arr, failure = _as_float_array(exercise, got, x.shape, f"on a {shape[0]} x {shape[1]} array")
    if failure is not None:
        return failure
    for index in np.ndindex(x.shape):
        xi, gi = float(x[index]), float(arr[index])
        ei = reference(xi)
        if not np.isclose(gi, ei, rtol=rtol, atol=0.0):
            return wrong(exercise, f"wrong at x = {xi!r}: {hint_of(gi, ei)}")
    return correct(exercise, f"all {x.size} hidden points agree, no warning raised")


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
                         f"prod|w_k| / 4^L = {bound:.4g} (the chain rule gives one factor per "
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
    return _grid_verdict("stable_sigmoid", fn, _SIGMOID_POINTS, (3, 4), _sigmoid, 1e-12,
                         _stable_sigmoid_hint)


def _stable_sigmoid_hint(gi: float, ei: float) -> str:
    if not np.isfinite(gi):
        return "your result is not finite; every sigma(x) lies in (0, 1)"
    if ei < 1e-100:
        return "expected a tiny positive number (sigma(x) is never exactly 0 " \
               "until e^x underflows), at full relative precision"
    if ei > 1 - 1e-15:
        return "expected a number that rounds to 1"
    return "expected sigma(x) = 1/(1 + e^-x) to about 12 significant digits"


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
    return _grid_verdict("tanh_prime", fn, _TANH_POINTS, (2, 5), _tanh_prime_reference, 1e-10,
                         _tanh_prime_hint)


def _tanh_prime_hint(gi: float, ei: float) -> str:
    if gi == 0.0 and ei > 0.0:
        return "your slope is exactly 0, but tanh'(x) is a tiny positive number " \
               "here; find a form that does not subtract two numbers close to 1"
    if not np.isfinite(gi):
        return "your result is not finite; tanh'(x) lies in (0, 1]"
    if gi < 0 or gi > 1:
        return "tanh'(x) always lies in (0, 1]"
    if abs(gi - ei) < 1e-7:
        return "close in absolute terms, but only a few digits are correct: " \
               "the formula subtracts two numbers close to 1 and the difference " \
               "loses its precision"
    return "expected tanh'(x) to about 10 significant digits"


# ---------------------------------------------------------------------------
# shared by the reworked exercises
# ---------------------------------------------------------------------------
def _ulps_off(got: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """``|got - expected|`` in units of the spacing of ``expected``'s dtype at ``expected``."""
    spacing = np.spacing(np.abs(expected)).astype(float)
    return np.abs(got.astype(float) - expected.astype(float)) / spacing


def _run_on_copy(exercise: str, fn, x, label: str):
    """Run ``fn`` strictly on a read-only copy of ``x``; fail if the copy changed."""
    arg = np.array(x, copy=True)
    keep = arg.copy()
    arg.setflags(write=False)
    got, failure = _call_strict(exercise, fn, arg)
    if failure is not None:
        if "read-only" in failure.message:
            return None, wrong(exercise, f"for {label} your function writes into its input "
                                         "array (it was read-only here); do not modify the "
                                         "input")
        return None, wrong(exercise, f"for {label}: {failure.message}")
    if not np.array_equal(arg, keep, equal_nan=True):
        return None, wrong(exercise, f"for {label} your function changed its input; do not "
                                     "modify it")
    return got, None


def _list_case(exercise, fn, listed, reference):
    """``None`` if ``fn`` treats a Python list like the array ``np.asarray`` makes of it."""
    got, failure = _call_strict(exercise, fn, list(listed))
    if failure is not None:
        return wrong(exercise, f"for the Python list {listed}: {failure.message}")
    try:
        arr = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        arr = None
    expected = reference(np.array(listed))
    if arr is None or arr.shape != expected.shape or \
            not np.allclose(arr, expected, rtol=1e-12, atol=0):
        return wrong(exercise, f"for the Python list {listed} the result is wrong; a list "
                               "should behave like the array np.asarray makes of it")
    return None


def _dtype_case(exercise: str, fn, x, expected: np.ndarray, rtol64: float,
                ulps: float, hint_of):
    """Compare ``fn(x)`` with ``expected`` (already of the required dtype)."""
    x = np.asarray(x)
    label = f"an array of dtype {x.dtype}" if x.ndim else f"a 0-d array of dtype {x.dtype}"
    got, failure = _run_on_copy(exercise, fn, x, label)
    if failure is not None:
        return failure
    if not isinstance(got, (np.ndarray, np.generic)):
        return wrong(exercise, f"for {label} your function returned {type(got).__name__}, "
                               "expected a NumPy array")
    got = np.asarray(got)
    if got.shape != expected.shape:
        return wrong(exercise, f"for {label} the result has shape {got.shape}, expected the "
                               f"shape of the input {expected.shape}")
    if got.dtype != expected.dtype:
        return wrong(exercise, f"for {label} the result has dtype {got.dtype}; expected "
                               f"{expected.dtype} (floating inputs keep their dtype, "
                               "integer and boolean inputs give float64)")
    if expected.dtype == np.float64:
        bad = ~np.isclose(got, expected, rtol=rtol64, atol=0.0, equal_nan=True)
    else:
        with np.errstate(all="ignore"):
            off = _ulps_off(got, expected)
        bad = ~((off <= ulps) | (np.isnan(got) & np.isnan(expected))
                | (got.astype(float) == expected.astype(float)))
    if bad.any():
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        xi = (x[index] if x.ndim else x[()]).item()
        return wrong(exercise, f"wrong for {label} at x = {xi!r}: {hint_of(x, got[index], expected[index])}")
    return None


def _dtype_cases(exercise: str, fn, cases, reference, hint_of, listed) -> "Verdict":  # noqa: F821
    """Every hidden input of ``cases`` (see :func:`_dtype_case`), then the list ``listed``."""
    for x in cases:
        x = np.asarray(x)
        failure = _dtype_case(exercise, fn, x, reference(x), 1e-12, 4.0, hint_of)
        if failure is not None:
            return failure
    failure = _list_case(exercise, fn, listed, reference)
    if failure is not None:
        return failure
    return correct(exercise, f"all {len(cases) + 1} hidden inputs agree, inputs unchanged, "
                             "no warning raised")


def _elementwise_reference(value, x: np.ndarray) -> np.ndarray:
    """``value(t)`` of every entry in float64, rounded once to the dtype the exercise asks for
    (the input's floating dtype; float64 for integers and booleans)."""
    dtype = x.dtype if np.issubdtype(x.dtype, np.floating) else np.dtype(np.float64)
    values = [value(t) for t in np.asarray(x, dtype=np.float64).ravel().tolist()]
    return np.array(values, dtype=np.float64).astype(dtype).reshape(x.shape)


# ---------------------------------------------------------------------------
# chapter "the vanishing gradient": the size of the gradient of a deep chain
# ---------------------------------------------------------------------------
_LOG10 = math.log(10.0)


def _log_slope(z: float) -> float:
    r""":math:`\log\sigma'(z) = -|z| - 2\log(1 + e^{-|z|})`, never underflowing."""
    return -abs(z) - 2.0 * math.log1p(math.exp(-abs(z)))


def _chain_log_reference(weights, biases, a0):
    sign, log10_size, a = 1.0, 0.0, float(a0)
    for w, b in zip(weights, biases):
        w = float(w)
        z = w * a + float(b)
        if w == 0.0:
            return 0.0, -math.inf
        sign *= math.copysign(1.0, w)
        log10_size += (math.log(abs(w)) + _log_slope(z)) / _LOG10
        a = _sigmoid(z)
    return sign, log10_size


#: Hidden chains ``(weights, biases, a0)``: short ones with mixed signs, 3000
#: layers where the product underflows, a saturated unit whose slope underflows
#: (z = 2000), one where the naive forward pass overflows (z = -5000), a zero weight.
_LOG_CHAINS = (
    ((1.5,), (0.2,), 0.7),
    ((2.0, -1.0, 0.5), (0.0, 0.3, -0.2), 1.1),
    ((0.8, 1.2, -0.6, 2.2, 1.7, -3.1), (0.1, -0.1, 0.4, 0.0, -0.3, 0.2), 0.25),
    ((1.0,) * 3000, (0.0,) * 3000, 0.5),
    ((4000.0, -2.0, 1.0), (-2000.0, 0.5, 0.0), 1.0),
    ((-5000.0, 3.0), (0.0, 1.0), 1.0),
    ((0.9, 1.1) * 600, (0.3, -0.2) * 600, -0.6),
    ((2.0, 0.0, 3.0), (0.1, 0.2, 0.3), 0.4),
)


def _as_pair(got):
    if isinstance(got, (str, bytes)) or got is None:
        return None
    try:
        first, second = got
    except (TypeError, ValueError):
        return None
    first, second = as_number(first), as_number(second)
    if first is None or second is None:
        return None
    return first, second


def chain_log_gradient(fn) -> "Verdict":  # noqa: F821
    r"""Check ``fn(weights, biases, a0) -> (sign, log10_size)`` of :math:`\partial a_L/\partial a_0`.

    The chain is :math:`z_k = w_k a_{k-1} + b_k`, :math:`a_k = \sigma(z_k)`. The
    answer is the sign (-1, 0 or 1) and :math:`\log_{10}|\partial a_L/\partial a_0|`,
    which must agree with the reference to :math:`10^{-9}` (relative, or absolute
    near 0) on hidden chains of 1 to 3000 layers, including chains where the plain
    product underflows to 0, a unit so saturated that its slope underflows, a
    pre-activation of :math:`-5000`, and a zero weight (``(0, -inf)``). Lists of
    unequal length must raise ``ValueError``; no floating-point warning is allowed.

    Examples
    --------
    >>> chain_log_gradient(lambda weights, biases, a0: (1.0, 0.0)).ok
    False
    """
    exercise = "chain_log_gradient"
    for weights, biases, a0 in _LOG_CHAINS:
        where = (f"for a chain of {len(weights)} layer(s)" if len(weights) > 8 else
                 f"for the chain with weights {list(weights)}, biases {list(biases)} and "
                 f"a0 = {a0!r}")
        got, failure = _call_strict(exercise, fn, list(weights), list(biases), a0)
        if failure is not None:
            return wrong(exercise, f"{where}: {failure.message}")
        pair = _as_pair(got)
        if pair is None:
            return wrong(exercise, f"{where} your function returned {type(got).__name__}; "
                                   "expected a pair (sign, log10_size) of two numbers")
        sign, size = pair
        ref_sign, ref_size = _chain_log_reference(weights, biases, a0)
        if sign == 0 and ref_sign != 0:
            return wrong(exercise, f"{where}: sign 0 says the gradient is exactly 0, but it "
                                   "is a tiny non-zero number here: something underflowed")
        if sign != ref_sign:
            hint = ("the sign is wrong: the gradient is exactly 0 when a weight is 0" if
                    ref_sign == 0 else "the sign is wrong: each layer's factor has the sign "
                                       "of its weight")
            return wrong(exercise, f"{where}: {hint}")
        if math.isinf(ref_size) or math.isinf(size) or math.isnan(size):
            if size == ref_size:
                continue
            if math.isinf(size) and size < 0:
                hint = ("log10_size is -inf, but the gradient is a tiny positive number "
                        "here: something underflowed to 0 before you took the logarithm")
            else:
                hint = "log10_size should be -inf when the gradient is exactly 0" \
                    if math.isinf(ref_size) else "log10_size is not a finite number"
            return wrong(exercise, f"{where}: {hint}")
        if not math.isclose(size, ref_size, rel_tol=1e-9, abs_tol=1e-9):
            if math.isclose(size, ref_size * _LOG10, rel_tol=1e-6):
                hint = "log10_size is a logarithm in base e; the task asks for base 10"
            elif size > ref_size:
                hint = "log10_size is too large: the gradient is smaller than that"
            else:
                hint = "log10_size is too small: the gradient is larger than that"
            return wrong(exercise, f"{where}: {hint} (one factor w_k sigma'(z_k) per layer, "
                                   "each z_k computed from the previous activation)")
    got = None
    try:
        with np.errstate(all="ignore"):
            got = fn([1.0, 2.0], [0.0], 0.5)
    except ValueError:
        return correct(exercise, f"all {len(_LOG_CHAINS)} hidden chains agree, no warning "
                                 "raised")
    except Exception as exc:  # noqa: BLE001 - the reader's code may raise anything
        return wrong(exercise, f"for two weights and one bias your function raised "
                               f"{type(exc).__name__}; expected a ValueError naming the "
                               "problem")
    return wrong(exercise, "for two weights and one bias your function returned "
                           f"{type(got).__name__}: lists of unequal length must raise a "
                           "ValueError (zip would silently drop a layer)")


# ---------------------------------------------------------------------------
# chapter "the sigmoid": a sigmoid for every dtype (debugging exercise)
# ---------------------------------------------------------------------------
#: Hidden inputs, one per dtype the exercise names.
_ROBUST_SIGMOID_CASES = (
    np.array([[0.0, -3.5, 2.0], [-745.0, 40.0, -1e4]]),
    np.array([3, 0, 200, 255], dtype=np.uint8),
    np.array([-128, -5, 0, 127], dtype=np.int8),
    np.array([-40, 7, -30000], dtype=np.int16),
    np.array([-50, 60, -2**62], dtype=np.int64),
    np.array([True, False, True]),
    np.array([-80.0, -5.5, 0.25, 17.0], dtype=np.float32),
    np.array([-12.0, -3.0, 0.0, 2.5, 11.0], dtype=np.float16),
    np.array([np.nan, np.inf, -np.inf, -1e308, 1e308]),
    np.float64(-710.0),
)


def _sigmoid_reference(x: np.ndarray) -> np.ndarray:
    """Correctly rounded sigmoid of every entry, in the dtype the exercise asks for."""
    return _elementwise_reference(lambda t: math.nan if math.isnan(t) else _sigmoid(t), x)


def _sigmoid_hint(x, got, expected):
    if x.dtype.kind in "biu":
        return ("look at what unary minus, np.abs and np.exp do with this dtype (try them "
                "on a few values)")
    if np.isnan(expected):
        return "NaN should give NaN"
    if not np.isfinite(float(got)):
        return "your result is not finite; every sigma(x) lies in [0, 1]"
    if float(expected) < 1e-30:
        return "expected a tiny positive number at full relative precision"
    return "expected sigma(x) to the precision of this dtype"


def robust_sigmoid(fn) -> "Verdict":  # noqa: F821
    r"""Check ``fn(x)`` :math:`= \sigma(x)` for inputs of every dtype, lists and scalars.

    Floating inputs (float16, float32, float64) must give a result of the same
    dtype, within 4 units in the last place of the correctly rounded value
    (float16, float32) or to a relative :math:`10^{-12}` (float64); boolean and
    integer inputs (uint8, int8, int16, int64) a float64 result to a relative
    :math:`10^{-12}`; a Python list works like the array. Every input is passed
    read-only and must not change; NaN gives NaN; no floating-point warning is
    allowed (not even at :math:`\pm 10^{308}`).

    Examples
    --------
    >>> import numpy as np
    >>> robust_sigmoid(lambda x: 1 / (1 + np.exp(-np.asarray(x, dtype=float)))).ok
    False
    """
    return _dtype_cases("robust_sigmoid", fn, _ROBUST_SIGMOID_CASES, _sigmoid_reference,
                        _sigmoid_hint, [-2, 0, 3])


# ---------------------------------------------------------------------------
# chapter "tanh": log cosh, the antiderivative of tanh
# ---------------------------------------------------------------------------
_LN2 = math.log(2.0)


def _log_cosh_value(t: float) -> float:
    """log cosh t from the series near 0 and ``|t| + log1p(e^{-2|t|}) - log 2`` beyond."""
    a = abs(t)
    if math.isnan(t):
        return math.nan
    if a < 0.05:
        # x^2/2 - x^4/12 + x^6/45 - 17 x^8/2520: the next term is below 1e-16 relative
        s = a * a
        return s * (0.5 + s * (-1.0 / 12.0 + s * (1.0 / 45.0 - s * 17.0 / 2520.0)))
    if math.isinf(a):
        return math.inf
    return a + math.log1p(math.exp(-2.0 * a)) - _LN2


def _log_cosh_reference(x: np.ndarray) -> np.ndarray:
    return _elementwise_reference(_log_cosh_value, x)


#: Hidden inputs: tiny (the answer is about x^2/2), moderate, beyond cosh's overflow,
#: and -1.7e308, where 2|x| overflows.
_LOG_COSH_CASES = (
    np.array([[0.0, 1e-9, -3e-6, 2e-4], [-0.01, 0.3, -1.7, 12.0], [-25.0, 400.0, -720.0, 1e300]]),
    np.array([-1e-3, 0.5, 9.0, -100.0], dtype=np.float32),
    np.array([-2e-2, 0.7, -6.0, 30.0], dtype=np.float16),
    np.array([-3, 0, 2, 1000], dtype=np.int64),
    np.array([np.nan, np.inf, -np.inf, -1.7e308]),
    np.float64(-1e-7),
)


def _log_cosh_hint(x, got, expected):
    g, e = float(got), float(expected)
    if np.isnan(e):
        return "NaN should give NaN"
    if not np.isfinite(g):
        return "your result is not finite; log cosh x is at most |x|"
    if g < 0:
        return "log cosh x is never negative (cosh x >= 1)"
    if abs(abs(g - e) - _LN2) < 1e-3:
        return "off by a constant: check the constant term (log cosh 0 = 0)"
    if e == 0.0:
        return "log cosh 0 = 0"
    if e < 1e-3:
        return ("only a few digits are right, or none: here cosh x is 1 plus a tiny number; "
                "a formula that forms 1 + tiny, or subtracts numbers of size 1, loses most "
                "of the tiny part (and so does a series cut off too early)")
    return "expected log cosh x to the precision of this dtype"


def log_cosh(fn) -> "Verdict":  # noqa: F821
    r"""Check ``fn(x)`` :math:`= \log\cosh x` to full relative precision for every finite x.

    The answer must accept arrays of any shape, scalars and lists, keep float16 and
    float32 (within 4 units in the last place of the correctly rounded value), give
    float64 for integers and agree with the reference to a relative
    :math:`10^{-12}` in float64: also for :math:`|x| < 10^{-3}`, where the answer is
    about :math:`x^2/2` and ``np.log(np.cosh(x))`` keeps few correct digits, and for
    :math:`|x|` up to :math:`10^{300}`, where ``np.cosh`` overflows. Inputs are passed
    read-only and must not change; NaN gives NaN; :math:`\pm\infty` gives
    :math:`\infty`; no floating-point warning is allowed.

    Examples
    --------
    >>> import numpy as np
    >>> log_cosh(lambda x: np.log(np.cosh(x))).ok
    False
    """
    return _dtype_cases("log_cosh", fn, _LOG_COSH_CASES, _log_cosh_reference, _log_cosh_hint,
                        [-2.0, 0.5])
