r"""Self-checks for the exercises of the part "Losses and optimization".

Each function takes the reader's function, calls it on cases the notebook
never shows (hidden points, including the numerically hard ones), and returns
a :class:`~lecture_kit.check.Verdict`. A wrong answer gets the first failing
case and a hint about what the value should look like, never the expected
number itself.

==========================  =====================================================
``stable_cross_entropy``    ``fn(z, k)``: softmax cross-entropy of one row of
                            logits ``z`` for the class index ``k``
``gd_contraction``          ``fn(H, lr)``: the factor by which one gradient-descent
                            step shrinks the error on the quadratic with Hessian ``H``
``heavy_ball_rate``         ``fn(lam, lr, beta)``: the per-step convergence factor of
                            heavy-ball momentum on :math:`\tfrac12\lambda\theta^2`
``adam_step``               ``fn(theta, g, m, v, t, lr, betas, eps)``: one Adam update
==========================  =====================================================

Examples
--------
>>> import numpy as np
>>> from lecture_kit import check
>>> def good(H, lr):
...     return float(np.max(np.abs(1 - lr * np.linalg.eigvalsh(H))))
>>> check.gd_contraction(good)
[gd_contraction] correct: all hidden test points agree
>>> check.gd_contraction(lambda H, lr: 1 - lr * float(np.trace(H))).ok
False
"""

from __future__ import annotations

import math
from typing import Callable, Sequence

import numpy as np

from ._core import as_number as _as_number, call_safely, correct, wrong

__all__ = ["stable_cross_entropy", "gd_contraction", "heavy_ball_rate", "adam_step"]


def _describe(args: Sequence) -> str:
    """A short description of a call's arguments for a message (arrays by shape)."""
    parts = []
    for a in args:
        if isinstance(a, np.ndarray):
            if a.size <= 4:
                parts.append(np.array2string(a, precision=4, separator=", "))
            else:
                parts.append(f"<array of shape {a.shape}>")
        else:
            parts.append(repr(a))
    return "(" + ", ".join(parts) + ")"


def _compare_numbers(exercise: str, fn: Callable, cases, reference: Callable,
                     hint: Callable, *, rtol: float = 1e-6, atol: float = 1e-9):
    """Call ``fn(*case)`` for each case and compare with ``reference(*case)``."""
    for case in cases:
        got, failure = call_safely(exercise, fn, *[np.array(a, copy=True)
                                                   if isinstance(a, np.ndarray) else a
                                                   for a in case])
        if failure is not None:
            return failure
        value = _as_number(got)
        where = _describe(case)
        if value is None:
            return wrong(exercise, f"for arguments {where} your function returned "
                                   f"{type(got).__name__}, expected one number")
        expected = reference(*case)
        if not math.isfinite(value):
            return wrong(exercise, f"for arguments {where} your function returned {value}: "
                                   f"{hint(case, expected)}")
        if not math.isclose(value, expected, rel_tol=rtol, abs_tol=atol):
            return wrong(exercise, f"wrong for arguments {where}: {hint(case, expected)}")
    return correct(exercise)


# ----------------------------------------------------------------------------
# Losses: cross-entropy from logits
# ----------------------------------------------------------------------------
def _ce_reference(z, k):
    z = np.asarray(z, dtype=float)
    m = float(np.max(z))
    return float(m + math.log(float(np.sum(np.exp(z - m)))) - z[k])


def _ce_hint(case, expected):
    z, _ = case
    big = float(np.max(np.abs(z))) > 700
    if big:
        return ("expected a finite value (the logits are so large that exp overflows: "
                "shift them by their maximum before exponentiating)")
    if expected < 1e-3:
        return "expected a small non-negative value: the true class has the largest logit"
    return "expected a positive value, -log of the softmax probability of class k"


def stable_cross_entropy(fn: Callable):
    r"""Check ``fn(z, k)`` = :math:`-\log\operatorname{softmax}(z)_k` for one row of logits.

    The hidden cases include logits of size :math:`10^4`, where
    ``-np.log(softmax(z))`` is infinite; a correct answer uses the log-sum-exp
    trick :math:`\operatorname{LSE}(z) = m + \log\sum_j e^{z_j - m}`.

    Examples
    --------
    >>> import numpy as np
    >>> naive = lambda z, k: -np.log(np.exp(z[k]) / np.exp(z).sum())
    >>> stable_cross_entropy(naive).ok
    False
    """
    cases = [
        (np.array([0.3, -1.2, 2.0]), 0),
        (np.array([0.3, -1.2, 2.0]), 2),
        (np.array([5.0, 5.0, 5.0, 5.0]), 3),
        (np.array([-2.5, 0.0]), 1),
        (np.array([1e4, -1e4, 0.0]), 1),
        (np.array([1e4, 1e4 - 3.0]), 0),
        (np.array([-1e4, -1e4 + 2.0, -1e4 + 1.0]), 0),
    ]
    return _compare_numbers("stable_cross_entropy", fn, cases, _ce_reference, _ce_hint,
                            rtol=1e-9, atol=1e-9)


# ----------------------------------------------------------------------------
# Gradient descent: contraction factor on a quadratic
# ----------------------------------------------------------------------------
def _contraction_reference(H, lr):
    lam = np.linalg.eigvalsh(np.asarray(H, dtype=float))
    return float(np.max(np.abs(1.0 - lr * lam)))


def _contraction_hint(case, expected):
    if expected >= 1:
        return ("expected a factor >= 1 here: this learning rate is beyond the stability "
                "bound 2/L, so some direction does not shrink")
    return "expected a factor in [0, 1): every direction shrinks at this learning rate"


def gd_contraction(fn: Callable):
    r"""Check ``fn(H, lr)`` = :math:`\max_i |1 - \eta\lambda_i(H)|`.

    For :math:`f(\theta) = \tfrac12\theta^\top H\theta` with symmetric
    :math:`H`, one gradient step maps the error :math:`\theta` to
    :math:`(I - \eta H)\theta`; the worst-case factor is the spectral radius of
    :math:`I - \eta H`. Hidden cases: non-diagonal matrices, a learning rate
    past :math:`2/L`, an indefinite :math:`H` (a saddle).
    """
    rot = np.array([[math.cos(0.7), -math.sin(0.7)], [math.sin(0.7), math.cos(0.7)]])
    H2 = rot @ np.diag([0.5, 8.0]) @ rot.T
    H3 = np.array([[4.0, 1.0, 0.0], [1.0, 3.0, 0.5], [0.0, 0.5, 1.0]])
    cases = [
        (np.diag([1.0, 10.0]), 0.05),
        (np.diag([1.0, 10.0]), 0.19),
        (H2, 0.1),
        (H2, 0.3),
        (H3, 0.2),
        (np.diag([2.0, -1.0]), 0.1),
        (np.array([[3.0]]), 0.5),
    ]
    return _compare_numbers("gd_contraction", fn, cases, _contraction_reference,
                            _contraction_hint, rtol=1e-8, atol=1e-10)


# ----------------------------------------------------------------------------
# Momentum: convergence factor of the heavy ball
# ----------------------------------------------------------------------------
def _heavy_ball_reference(lam, lr, beta):
    T = np.array([[1.0 + beta - lr * lam, -beta], [1.0, 0.0]])
    return float(np.max(np.abs(np.linalg.eigvals(T))))


def _heavy_ball_hint(case, expected):
    lam, lr, beta = case
    disc = (1.0 + beta - lr * lam) ** 2 - 4.0 * beta
    kind = ("complex roots: their modulus is sqrt(beta)" if disc < 0
            else "two real roots: take the larger absolute value")
    return f"expected a non-negative factor ({kind})"


def heavy_ball_rate(fn: Callable):
    r"""Check ``fn(lam, lr, beta)``: spectral radius of the heavy-ball iteration.

    Heavy-ball momentum in PyTorch's form, :math:`b \leftarrow \beta b + g`,
    :math:`\theta \leftarrow \theta - \eta b`, on :math:`f = \tfrac12\lambda
    \theta^2` obeys :math:`\theta_{t+1} = (1 + \beta - \eta\lambda)\theta_t -
    \beta\theta_{t-1}`; the answer is the largest modulus of the roots of
    :math:`r^2 - (1 + \beta - \eta\lambda) r + \beta`. Hidden cases cover real
    and complex roots and a divergent setting.
    """
    cases = [
        (1.0, 0.1, 0.5),
        (25.0, 1.0 / 9.0, 4.0 / 9.0),
        (1.0, 1.0 / 9.0, 4.0 / 9.0),
        (4.0, 0.2, 0.9),
        (10.0, 0.05, 0.0),
        (10.0, 0.5, 0.3),
        (2.0, 0.01, 0.99),
    ]
    return _compare_numbers("heavy_ball_rate", fn, cases, _heavy_ball_reference,
                            _heavy_ball_hint, rtol=1e-7, atol=1e-9)


# ----------------------------------------------------------------------------
# Adaptive methods: one Adam step
# ----------------------------------------------------------------------------
def _adam_reference(theta, g, m, v, t, lr, betas, eps):
    b1, b2 = betas
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    m_hat = m / (1 - b1**t)
    v_hat = v / (1 - b2**t)
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def adam_step(fn: Callable):
    r"""Check ``fn(theta, g, m, v, t, lr, betas, eps) -> (theta, m, v)``: one Adam update.

    ``t`` is the number of this update (1 for the first), ``m`` and ``v`` the
    moving averages before it. The hidden cases include the first step (where
    a missing bias correction is most visible), gradients of very different
    scales, and a large ``eps`` (which shows whether it sits outside the
    square root, after the bias correction, as in PyTorch and the paper).
    """
    ex = "adam_step"
    rng = np.random.default_rng(8128)
    cases = [
        (np.array([1.0, -2.0]), np.array([0.5, 1e-3]), np.zeros(2), np.zeros(2), 1,
         0.1, (0.9, 0.999), 1e-8),
        (rng.normal(size=3), rng.normal(size=3), 0.1 * rng.normal(size=3),
         rng.uniform(0.1, 1.0, size=3), 5, 0.01, (0.9, 0.999), 1e-8),
        (rng.normal(size=4), 100.0 * rng.normal(size=4), np.zeros(4), np.zeros(4), 1,
         0.001, (0.8, 0.99), 1e-8),
        (rng.normal(size=2), rng.normal(size=2), 0.3 * rng.normal(size=2),
         rng.uniform(0.0, 0.5, size=2), 3, 0.05, (0.5, 0.9), 0.1),
    ]
    for theta, g, m, v, t, lr, betas, eps in cases:
        args = (theta.copy(), g.copy(), m.copy(), v.copy(), t, lr, betas, eps)
        got, failure = call_safely(ex, fn, *args)
        if failure is not None:
            return failure
        where = f"t = {t}, lr = {lr}, betas = {betas}, eps = {eps}"
        if not isinstance(got, (tuple, list)) or len(got) != 3:
            return wrong(ex, f"at {where}: return the triple (theta, m, v)")
        expected = _adam_reference(theta, g, m, v, t, lr, betas, eps)
        for i in (1, 2, 0):  # the averages first: their errors explain theta's
            name = ("theta", "m", "v")[i]
            try:
                arr = np.asarray(got[i], dtype=float)
            except (TypeError, ValueError):
                return wrong(ex, f"at {where}: {name} is not numeric")
            if arr.shape != expected[i].shape:
                return wrong(ex, f"at {where}: {name} has shape {arr.shape}, expected "
                                 f"{expected[i].shape}")
            if not np.allclose(arr, expected[i], rtol=1e-7, atol=1e-12):
                hints = {
                    "m": "m is the moving average beta1 m + (1 - beta1) g, before correction",
                    "v": "v is the moving average of g squared with beta2, before correction",
                    "theta": ("the step uses the bias-corrected averages m / (1 - beta1^t) and "
                              "v / (1 - beta2^t), with eps added to the square root of the "
                              "corrected v"),
                }
                return wrong(ex, f"at {where}: {name} is wrong ({hints[name]})")
    return correct(ex)
