r"""Self-check for the reworked coding exercise of the chapter "Losses".

==============================  =====================================================
``accurate_cross_entropy``      ``fn(z, k) -> float``: :math:`-\log\operatorname{softmax}(z)_k`
                                of one row of logits, to a relative ``1e-12``
                                everywhere: huge logits, and confident correct
                                predictions whose loss is far below machine epsilon
==============================  =====================================================

The reference is computed with 60-digit arithmetic (mpmath, which comes with
SymPy), independently of any float64 formula.

Examples
--------
>>> import numpy as np
>>> from lecture_kit import check
>>> def shifted(z, k):
...     z = np.asarray(z, dtype=float)
...     m = z.max()
...     return float(m + np.log(np.sum(np.exp(z - m))) - z[k])
>>> check.accurate_cross_entropy(shifted).ok
False
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

from ._core import as_number, call_safely, correct, read_only_failure, wrong

__all__ = ["accurate_cross_entropy"]


def _ce_exact(z, k) -> float:
    """``-log softmax(z)_k`` in 60-digit arithmetic, rounded once to float64."""
    import mpmath

    with mpmath.workdps(60):
        values = [mpmath.mpf(float(v)) for v in np.asarray(z, dtype=np.float64).ravel()]
        others = values[:k] + values[k + 1:]
        # log(1 + sum over the other classes), the 1 kept apart: exact also below 1e-300
        return float(mpmath.log1p(mpmath.fsum(mpmath.exp(v - values[k]) for v in others)))


def _cases():
    f32 = np.array([3.25, -1.5, 0.75, 2.0], dtype=np.float32)
    return [
        (np.array([0.4, -1.3, 2.2]), 1, "ordinary logits"),
        (np.array([2.0, 2.0, -1.0]), 0, "two equal largest logits"),
        (np.array([1e4, -1e4, 0.0]), 2, "logits of size 1e4"),
        (np.array([-2e4, -2e4 + 5.0]), 0, "large negative logits"),
        (np.array([50.0, 0.0, -3.0]), 0, "a confident, correct prediction"),
        (np.array([1e4, 1e4 - 45.0, -1e4]), 0, "a confident, correct prediction at large logits"),
        (np.array([0.0, -700.0]), 0, "a correct prediction whose loss is below 1e-300"),
        (f32, 3, "float32 logits"),
        ([3, 1, -2], 0, "a Python list of integers"),
    ]


def accurate_cross_entropy(fn: Callable):
    r"""Check ``fn(z, k)`` = :math:`-\log\operatorname{softmax}(z)_k` to a relative ``1e-12``.

    ``z`` is one row of logits (a 1-D float array of any float dtype, or a
    list), ``k`` the class index. The answer must be a float, computed in
    float64, within a relative ``1e-12`` of the exact value for every hidden
    case: ordinary and tied logits, logits of size :math:`10^4` where ``exp``
    overflows, and confident correct predictions whose loss (about
    :math:`e^{-50}` and smaller) is lost entirely by ``log(sum(...))`` once
    the sum rounds to 1. Read-only inputs must come back unchanged.

    Examples
    --------
    >>> import numpy as np
    >>> naive = lambda z, k: float(-np.log(np.exp(z[k]) / np.exp(z).sum()))
    >>> accurate_cross_entropy(naive).ok
    False
    """
    ex = "accurate_cross_entropy"
    for z, k, what in _cases():
        if isinstance(z, np.ndarray):
            arg = np.array(z, copy=True)
            arg.setflags(write=False)
        else:
            arg = list(z)
        got, failure = call_safely(ex, fn, arg, k)
        if failure is not None:
            return read_only_failure(ex, failure, f"for {what}: your function writes into "
                                                  "the logits (they are read-only here): "
                                                  "compute new arrays instead")
        if isinstance(z, list) and arg != z:
            return wrong(ex, f"for {what}: your function changed the list it was given")
        value = as_number(got)
        if value is None or isinstance(got, (str, bytes)):
            return wrong(ex, f"for {what}: return one number (a Python float)")
        expected = _ce_exact(z, k)
        if math.isclose(value, expected, rel_tol=1e-12, abs_tol=0.0):
            continue
        if not math.isfinite(value):
            hint = ("the result is not finite: exp overflows long before the loss is "
                    "large, so shift the logits first")
        elif value < 0:
            hint = "a loss of this kind is never negative: check the sign"
        elif expected < 1e-15:
            hint = ("the loss is tiny but not zero: once the sum inside the log rounds to 1 "
                    "its log is 0 and every digit is gone; keep the small part separate "
                    "from the 1, and add nothing large to the loss after that")
        elif isinstance(z, np.ndarray) and z.dtype == np.float32:
            hint = "the logits are float32: compute in float64, as the task asks"
        elif "equal" in what:
            hint = ("when several logits share the largest value, every one of them is a "
                    "term of the sum")
        else:
            hint = ("not accurate to 1e-12 relative: which of your operations rounds away "
                    "the digits here?")
        return wrong(ex, f"wrong for {what}: {hint}")
    return correct(ex)
