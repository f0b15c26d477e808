r"""Gradient checking: compare an analytic gradient with finite differences.

Backpropagation is easy to get almost right. The standard test is to compare
the gradient it computes with a *numerical* gradient, obtained by nudging one
input at a time. The central difference

.. math::
    \frac{\partial f}{\partial x_i} \approx
    \frac{f(x + \varepsilon e_i) - f(x - \varepsilon e_i)}{2\varepsilon}

has a truncation error of order :math:`\varepsilon^2 f'''/6` (the one-sided
difference :math:`(f(x+\varepsilon e_i) - f(x))/\varepsilon` only of order
:math:`\varepsilon f''/2`), and a rounding error of order
:math:`u\,|f|/\varepsilon`, with :math:`u \approx 1.1\times10^{-16}` the unit
roundoff of float64. Balancing the two gives :math:`\varepsilon \approx 10^{-5}`
to :math:`10^{-6}` and an agreement of about :math:`10^{-10}` in relative
terms. This is why gradients are checked in **float64**: in float32
(:math:`u \approx 6\times10^{-8}`) the best agreement is only about
:math:`10^{-5}`.

Three functions:

:func:`numerical_gradient`
    the central differences of a scalar function of an array;
:func:`relative_error`
    :math:`|a - b| / \max(|a|, |b|)`, elementwise, with a floor;
:func:`check_gradient`
    both together, returning a :class:`GradCheck` with the largest relative
    error and a pass/fail verdict.

>>> import numpy as np
>>> f = lambda x: float(np.sum(x ** 3))
>>> result = check_gradient(f, lambda x: 3 * x ** 2, np.array([1.0, -2.0, 0.5]))
>>> result.passed, result.max_relative_error < 1e-8
(True, True)

Notes
-----
A finite difference is wrong near a kink (ReLU at 0): if
:math:`x_i` is within :math:`\varepsilon` of a point where :math:`f'` jumps,
the difference quotient averages the two one-sided slopes. A failing check
at such a point is not a bug in the analytic gradient.

References
----------
CS231n notes, "Gradient checks"; Goodfellow, Bengio & Courville (2016),
section 11.5.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

import numpy as np

from .core.validation import as_float_array, check_positive

__all__ = ["numerical_gradient", "relative_error", "check_gradient", "GradCheck"]


def _scalar(value, who: str) -> float:
    arr = np.asarray(value)
    if arr.size != 1 or arr.dtype.kind not in "biuf":
        raise ValueError(f"{who} must return a real scalar, got {value!r}")
    return float(arr.reshape(()))


def numerical_gradient(f: Callable, x, eps: float = 1e-6) -> np.ndarray:
    r"""Central-difference gradient of a scalar function ``f`` at ``x``.

    .. math::
        g_i = \frac{f(x + \varepsilon e_i) - f(x - \varepsilon e_i)}{2\varepsilon}

    Parameters
    ----------
    f : callable
        ``f(x) -> scalar`` for an array ``x`` of the shape of ``x``.
    x : array_like
        The point; converted to a float64 copy (``x`` itself is never
        modified).
    eps : float, default 1e-6
        The step :math:`\varepsilon > 0`.

    Returns
    -------
    ndarray of float64, the shape of ``x``

    Raises
    ------
    ValueError
        If ``eps`` is not positive, or ``f`` does not return a real scalar.

    Notes
    -----
    ``f`` is called :math:`2n` times for :math:`n` entries, each time with a
    fresh float64 array, so ``f`` may keep or modify it. Computing in float64
    is deliberate (see the module docstring); a NaN value of ``f`` gives NaN
    in the entries it touches.

    Examples
    --------
    >>> numerical_gradient(lambda x: float(x[0] * x[1]), [2.0, 3.0])
    array([3., 2.])
    """
    eps = check_positive(eps, "eps")
    x = as_float_array(x, "x").astype(np.float64)  # always a copy
    grad = np.empty_like(x)
    flat = grad.reshape(-1)
    for i in range(x.size):
        plus, minus = x.copy(), x.copy()
        plus.reshape(-1)[i] += eps
        minus.reshape(-1)[i] -= eps
        flat[i] = (_scalar(f(plus), "f") - _scalar(f(minus), "f")) / (2 * eps)
    return grad


def relative_error(a, b, floor: float = 1e-12) -> np.ndarray:
    r"""Elementwise relative error :math:`|a - b| / \max(|a|, |b|, \text{floor})`.

    Parameters
    ----------
    a, b : array_like
        Same shape (no broadcasting).
    floor : float, default 1e-12
        Smallest denominator, so that two entries that are both 0 give 0
        instead of 0/0.

    Returns
    -------
    ndarray of float64 (a NumPy scalar for scalar input)

    Notes
    -----
    Symmetric in ``a`` and ``b``, between 0 and 2 for entries above the floor
    (2 when they have opposite signs), and scale-free: multiplying both by
    1000 does not change it. A relative error does not work for entries that
    are *meant* to be zero and are only approximately so (a finite difference
    of 1e-11 against an exact 0 has relative error 1): :func:`check_gradient`
    therefore also accepts an absolute tolerance. NaN in either gives NaN.

    Examples
    --------
    >>> relative_error([1.0, 0.0, 2.0], [1.1, 0.0, -2.0]).round(4)
    array([0.0909, 0.    , 2.    ])
    """
    floor = check_positive(floor, "floor")
    a = as_float_array(a, "a").astype(np.float64)
    b = as_float_array(b, "b").astype(np.float64)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}")
    scale = np.maximum(np.maximum(np.abs(a), np.abs(b)), floor)
    out = np.abs(a - b) / scale
    return out[()] if out.ndim == 0 else out


class GradCheck(NamedTuple):
    """The outcome of :func:`check_gradient`.

    Attributes
    ----------
    passed : bool
        Every entry satisfies ``|analytic - numerical| <= atol + rtol * max(|analytic|, |numerical|)``.
    max_relative_error : float
        The largest :func:`relative_error` over the entries.
    max_abs_error : float
        The largest absolute difference.
    worst_index : tuple
        Index of the entry with the largest relative error.
    analytic, numerical : ndarray
        The two gradients compared.
    """

    passed: bool
    max_relative_error: float
    max_abs_error: float
    worst_index: tuple
    analytic: np.ndarray
    numerical: np.ndarray

    def __str__(self):
        verdict = "passed" if self.passed else "FAILED"
        return (f"gradient check {verdict}: max relative error {self.max_relative_error:.3g} "
                f"at {self.worst_index}, max absolute error {self.max_abs_error:.3g}")


def check_gradient(f: Callable, grad, x, eps: float = 1e-6, rtol: float = 1e-6,
                   atol: float = 1e-9) -> GradCheck:
    r"""Compare an analytic gradient of ``f`` at ``x`` with central differences.

    Parameters
    ----------
    f : callable
        ``f(x) -> scalar``.
    grad : callable or array_like
        The analytic gradient: a function ``grad(x) -> array`` (called once, on
        a float64 copy of ``x``) or the gradient already computed at ``x``.
    x : array_like
        The point.
    eps : float, default 1e-6
        Finite-difference step.
    rtol, atol : float, default 1e-6 and 1e-9
        An entry passes when
        :math:`|g_i - \hat g_i| \le \text{atol} + \text{rtol}\,\max(|g_i|, |\hat g_i|)`.
        The absolute part covers entries that are zero up to rounding.

    Returns
    -------
    GradCheck

    Raises
    ------
    ValueError
        If the analytic gradient's shape differs from ``x``'s, or a tolerance
        or ``eps`` is not positive.

    Notes
    -----
    The defaults suit float64 functions of size about 1. A NaN in either
    gradient fails the check (NaN compares false).

    Examples
    --------
    >>> import numpy as np
    >>> wrong = check_gradient(lambda x: float(np.sum(np.sin(x))), np.sin, [0.3, 1.2])
    >>> wrong.passed
    False
    """
    rtol = check_positive(rtol, "rtol")
    atol = check_positive(atol, "atol")
    x = as_float_array(x, "x").astype(np.float64)
    analytic = grad(x.copy()) if callable(grad) else grad
    analytic = as_float_array(analytic, "grad").astype(np.float64)
    if analytic.shape != x.shape:
        raise ValueError(f"the analytic gradient has shape {analytic.shape}, x has {x.shape}")
    numerical = numerical_gradient(f, x, eps)
    diff = np.abs(analytic - numerical)
    scale = np.maximum(np.abs(analytic), np.abs(numerical))
    ok = diff <= atol + rtol * scale  # False for NaN
    rel = np.atleast_1d(relative_error(analytic, numerical))
    if np.isnan(rel).any():
        worst = int(np.flatnonzero(np.isnan(rel))[0])
    else:
        worst = int(np.argmax(rel)) if rel.size else 0
    return GradCheck(
        passed=bool(np.all(ok)),
        max_relative_error=float(rel.reshape(-1)[worst]) if rel.size else 0.0,
        max_abs_error=float(np.max(diff)) if diff.size else 0.0,
        worst_index=tuple(int(i) for i in np.unravel_index(worst, x.shape)) if x.size else (),
        analytic=analytic,
        numerical=numerical,
    )
