r"""Self-checks for the exercises of the part "Backpropagation and initialization".

Each function takes the reader's function, calls it on cases the notebook
never shows, and returns a :class:`~lecture_kit.check.Verdict`: ``correct``,
or the first failing case with a hint about what the answer should look like
(a shape, a range, a relation), never the expected value itself.

==========================  =====================================================
``linear_backward``         ``fn(X, W, dY) -> (dX, dW)``: the backward pass of
                            :math:`Y = XW` (chapter "Backpropagation")
``distinct_units``          ``fn(W) -> int``: how many units of a layer are
                            different, i.e. the number of distinct columns of
                            ``W`` (chapter "Breaking symmetry")
``xavier_uniform_sample``   ``fn(fan_in, fan_out, rng) -> W``: Glorot's uniform
                            initialization (chapter "Xavier")
``kaiming_std``             ``fn(fan_in, fan_out, negative_slope, mode) -> std``:
                            He's standard deviation for (leaky) ReLU layers
                            (chapter "He")
==========================  =====================================================

Examples
--------
>>> import numpy as np
>>> from lecture_kit import check
>>> check.linear_backward(lambda X, W, dY: (dY @ W.T, X.T @ dY))
[linear_backward] correct: all hidden test points agree
>>> check.linear_backward(lambda X, W, dY: (dY @ W, X @ dY)).ok
False
"""

from __future__ import annotations

import math
import numbers
from typing import Callable

import numpy as np

from ._core import call_safely, compare_arrays, correct, seeded_weight_matrix, wrong

__all__ = ["linear_backward", "distinct_units", "xavier_uniform_sample", "kaiming_std"]


def _as_array(got):
    """``np.asarray(got, float)``, or ``None`` if that is impossible."""
    try:
        return np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return None


# ----------------------------------------------------------------------------
# Backpropagation through a matrix product
# ----------------------------------------------------------------------------
def linear_backward(fn: Callable):
    r"""Check ``fn(X, W, dY) -> (dX, dW)`` for the matrix product :math:`Y = XW`.

    With :math:`X` of shape ``(N, D)``, :math:`W` of shape ``(D, M)`` and the
    upstream gradient :math:`\partial L/\partial Y` of shape ``(N, M)``:

    .. math::
        \frac{\partial L}{\partial X} = \frac{\partial L}{\partial Y} W^\top,
        \qquad
        \frac{\partial L}{\partial W} = X^\top \frac{\partial L}{\partial Y}.

    The hidden cases use non-square shapes (so a transposition in the wrong
    place shows up as a wrong shape) and a single example (``N = 1``).

    Examples
    --------
    >>> linear_backward(lambda X, W, dY: (dY @ W.T, X.T @ dY)).ok
    True
    """
    ex = "linear_backward"
    rng = np.random.default_rng(4141)
    shapes = [(3, 4, 2), (1, 5, 3), (6, 2, 7), (4, 4, 4)]
    for N, D, M in shapes:
        X = rng.normal(size=(N, D))
        W = rng.normal(size=(D, M))
        dY = rng.normal(size=(N, M))
        got, failure = call_safely(ex, fn, X.copy(), W.copy(), dY.copy())
        if failure is not None:
            return failure
        where = f"X of shape {X.shape}, W of shape {W.shape}"
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            return wrong(ex, f"for {where}: return the pair (dX, dW)")
        expected = (dY @ W.T, X.T @ dY)
        for name, value, target, hint in (
            ("dX", got[0], expected[0], "an entry of X feeds a whole row of Y through "
                                        "the weights: sum over those uses, and let the "
                                        "shapes decide which product it is"),
            ("dW", got[1], expected[1], "a weight is used once per example: sum over "
                                        "the examples, and let the shapes decide which "
                                        "product it is"),
        ):
            verdict = compare_arrays(ex, value, target, what=f"{name} (for {where})",
                                     hint=hint, rtol=1e-6, atol=1e-8)
            if not verdict:
                return verdict
    return correct(ex)


# ----------------------------------------------------------------------------
# Symmetry: how many different units does a layer have?
# ----------------------------------------------------------------------------
def _distinct_reference(W, tol=1e-9) -> int:
    W = np.asarray(W, dtype=float)
    representatives: list[np.ndarray] = []
    for column in W.T:
        if not any(np.max(np.abs(column - r)) <= tol for r in representatives):
            representatives.append(column)
    return len(representatives)


def distinct_units(fn: Callable):
    r"""Check ``fn(W) -> int``: the number of distinct units of a layer.

    Unit :math:`j` of a layer is described by its incoming weights, column
    :math:`j` of ``W`` (shape ``(fan_in, fan_out)``). Two units are the same
    when their columns agree within ``1e-9`` in every entry. The hidden cases
    include a constant matrix (one unit), a random one (all distinct), groups
    of repeated columns, matrices whose *rows* repeat but whose columns do not,
    and columns that differ by ``1e-12`` (the same unit).

    Examples
    --------
    >>> import numpy as np
    >>> def count(W):
    ...     return len(np.unique(np.round(W, 9), axis=1).T)
    >>> distinct_units(count).ok
    True
    >>> distinct_units(lambda W: W.shape[1]).ok
    False
    """
    ex = "distinct_units"
    rng = np.random.default_rng(777)
    base = rng.normal(size=(5, 3))
    groups = base[:, [0, 1, 0, 2, 1, 0]]
    rows_repeat = np.tile(rng.normal(size=(1, 4)), (3, 1))
    tiny = np.tile(rng.normal(size=(4, 1)), (1, 3))
    tiny[0, 1] += 1e-12
    small = np.tile(rng.normal(size=(4, 1)), (1, 3))
    small[2, 2] += 1e-4
    cases = [np.full((3, 8), 0.3), rng.normal(size=(4, 6)), groups, rows_repeat,
             tiny, small, np.zeros((2, 1))]
    for W in cases:
        got, failure = call_safely(ex, fn, W.copy())
        if failure is not None:
            return failure
        expected = _distinct_reference(W)
        if isinstance(got, (bool, np.bool_)) or not isinstance(got, (numbers.Integral, np.integer)):
            if not (isinstance(got, (float, np.floating)) and float(got).is_integer()):
                return wrong(ex, f"for W of shape {W.shape} your function returned "
                                 f"{type(got).__name__}, expected a whole number")
        if int(got) != expected:
            if int(got) == _distinct_reference(W.T) and W.shape[0] != W.shape[1]:
                hint = "that counts distinct rows; a unit is a column of W (its incoming weights)"
            elif int(got) > expected:
                hint = ("too many: some columns are equal (within 1e-9) and count once; "
                        "compare columns, not rows")
            else:
                hint = "too few: columns that differ anywhere by more than 1e-9 are different units"
            return wrong(ex, f"wrong for a W of shape {W.shape}: {hint}")
    return correct(ex)


# ----------------------------------------------------------------------------
# Xavier/Glorot uniform
# ----------------------------------------------------------------------------
def xavier_uniform_sample(fn: Callable):
    r"""Check ``fn(fan_in, fan_out, rng) -> W``: a draw from Glorot's uniform rule.

    The entries must be independent draws from :math:`U[-b, b]` with
    :math:`b = \sqrt{6/(n_\text{in} + n_\text{out})}`, in an array of shape
    ``(fan_in, fan_out)``, using the generator ``rng`` (so that the same seed
    gives the same weights). The check looks at the shape, the range, whether
    the range is used up to its edge, the sample variance
    :math:`2/(n_\text{in}+n_\text{out})` and the mean, on large layers where
    these statistics are sharp.

    Examples
    --------
    >>> import numpy as np
    >>> def good(fan_in, fan_out, rng):
    ...     b = np.sqrt(6 / (fan_in + fan_out))
    ...     return rng.uniform(-b, b, size=(fan_in, fan_out))
    >>> xavier_uniform_sample(good).ok
    True
    >>> def normal(fan_in, fan_out, rng):
    ...     return rng.normal(0, np.sqrt(2 / (fan_in + fan_out)), size=(fan_in, fan_out))
    >>> xavier_uniform_sample(normal).ok
    False
    """
    ex = "xavier_uniform_sample"
    for fan_in, fan_out, seed in ((300, 500, 11), (1000, 200, 12), (64, 640, 13)):
        W, failure = seeded_weight_matrix(ex, fn, fan_in, fan_out, seed)
        if failure is not None:
            return failure
        where = f"fan_in = {fan_in}, fan_out = {fan_out}"
        b = math.sqrt(6.0 / (fan_in + fan_out))
        var = 2.0 / (fan_in + fan_out)
        top = float(np.max(np.abs(W)))
        if top > b * (1 + 1e-12):
            return wrong(ex, f"for {where}: some weights lie outside the allowed range; work "
                             "the bound out from the variance Glorot asks for and the "
                             "variance of a uniform distribution on [-b, b]")
        if top < 0.99 * b:
            return wrong(ex, f"for {where}: the weights never come close to the bound; a "
                             "uniform draw on [-b, b] fills the whole interval")
        if abs(float(W.var()) / var - 1) > 0.05:
            return wrong(ex, f"for {where}: the sample variance is off by more than 5 % from "
                             "the variance of Glorot's compromise between the two fans")
        if abs(float(W.mean())) > 5 * math.sqrt(var / W.size):
            return wrong(ex, f"for {where}: the weights are not centred at zero")
    return correct(ex)


# ----------------------------------------------------------------------------
# He/Kaiming standard deviation
# ----------------------------------------------------------------------------
def _kaiming_reference(fan_in, fan_out, negative_slope, mode):
    n = fan_in if mode == "fan_in" else fan_out
    return math.sqrt(2.0 / ((1.0 + negative_slope**2) * n))


def kaiming_std(fn: Callable):
    r"""Check ``fn(fan_in, fan_out, negative_slope, mode) -> std`` for He initialization.

    .. math::
        \sigma = \sqrt{\frac{2}{(1 + a^2)\, n_\text{mode}}},

    with :math:`a` the negative slope (0 for ReLU) and :math:`n_\text{mode}`
    the fan-in (``mode="fan_in"``, which keeps the forward variance) or the
    fan-out (``mode="fan_out"``, which keeps the backward variance). The hidden
    cases vary one argument at a time, so an ignored argument is caught.

    Examples
    --------
    >>> import math
    >>> def good(fan_in, fan_out, negative_slope, mode):
    ...     n = fan_in if mode == "fan_in" else fan_out
    ...     return math.sqrt(2 / ((1 + negative_slope ** 2) * n))
    >>> kaiming_std(good).ok
    True
    >>> kaiming_std(lambda fi, fo, a, mode: math.sqrt(2 / fi)).ok
    False
    """
    ex = "kaiming_std"
    cases = [
        (512, 128, 0.0, "fan_in"),
        (512, 128, 0.0, "fan_out"),
        (300, 300, 0.2, "fan_in"),
        (300, 300, 1.0, "fan_in"),
        (50, 800, 0.01, "fan_out"),
        (1, 7, 0.5, "fan_in"),
        (90, 30, 0.3, "fan_out"),
    ]
    for fan_in, fan_out, a, mode in cases:
        got, failure = call_safely(ex, fn, fan_in, fan_out, a, mode)
        if failure is not None:
            return failure
        value = _as_array(got)
        where = f"fan_in = {fan_in}, fan_out = {fan_out}, negative_slope = {a}, mode = {mode!r}"
        if value is None or value.size != 1:
            return wrong(ex, f"for {where}: return one number")
        value = float(value.reshape(()))
        expected = _kaiming_reference(fan_in, fan_out, a, mode)
        if not math.isclose(value, expected, rel_tol=1e-9):
            if math.isclose(value, expected**2, rel_tol=1e-9):
                hint = "that looks like a variance; return the standard deviation"
            elif a == 1.0:
                hint = ("with slope 1 the unit is linear and keeps the whole second moment: "
                        "does your answer use the slope, and does it then agree with the "
                        "linear case?")
            elif mode == "fan_out":
                hint = "mode 'fan_out' divides by the number of outputs of the layer"
            else:
                hint = ("go back to how much of the second moment a leaky ReLU keeps, and "
                        "which variance makes the layer pass the signal on unchanged")
            return wrong(ex, f"wrong for {where}: {hint}")
    return correct(ex)
