r"""Self-checks for the reworked coding exercises of "Backpropagation and initialization".

==============================  =====================================================
``tied_linear_backward``        ``fn(X, W, dY) -> (dX, dW)``: the backward pass of
                                the tied-weight layer :math:`Y = XWW^\top`
                                (chapter "Backpropagation")
``glorot_truncated_normal``     ``fn(fan_in, fan_out, rng) -> W``: a truncated normal
                                with Glorot's variance (chapter "Xavier")
``unit_variance_std``           ``fn(f, fan_in, fan_out, mode="fan_in") -> std``: the
                                weight standard deviation that keeps unit-variance
                                pre-activations for any activation ``f``
                                (chapter "He")
==============================  =====================================================

Each check calls the reader's function on cases the notebook does not show
and returns a :class:`~lecture_kit.check.Verdict`; a wrong answer gets the
first failing case and a hint about the direction, never the expected value.

Examples
--------
>>> import numpy as np
>>> from lecture_kit import check
>>> check.tied_linear_backward(lambda X, W, dY: (np.zeros_like(X), np.zeros_like(W))).ok
False
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

from ._core import (as_number, call_safely, compare_arrays, correct, read_only_failure,
                    seeded_weight_matrix, wrong)

__all__ = ["tied_linear_backward", "glorot_truncated_normal", "unit_variance_std"]


def _frozen(a: np.ndarray) -> np.ndarray:
    """A read-only copy: an answer that writes into its input raises instead."""
    a = np.array(a, copy=True)
    a.setflags(write=False)
    return a


# ----------------------------------------------------------------------------
# Backpropagation through a tied-weight layer
# ----------------------------------------------------------------------------
def _tied_reference(X, W, dY):
    """Entry-wise sums (no matrix formula): y_nj = sum_d sum_m x_nd w_dm w_jm."""
    X, W, dY = (np.asarray(a, dtype=np.float64) for a in (X, W, dY))
    N, D = X.shape
    M = W.shape[1]
    H = np.einsum("nd,dm->nm", X, W)                 # the code, h_nm
    dH = np.einsum("nj,jm->nm", dY, W)               # y_nj = sum_m h_nm w_jm
    dX = np.einsum("nm,dm->nd", dH, W)
    dW = np.einsum("nd,nm->dm", X, dH) + np.einsum("nj,nm->jm", dY, H)
    assert dX.shape == (N, D) and dW.shape == (D, M)
    return dX, dW


def tied_linear_backward(fn: Callable):
    r"""Check ``fn(X, W, dY) -> (dX, dW)`` for the tied-weight layer :math:`Y = XWW^\top`.

    ``X`` has shape ``(N, D)``, ``W`` shape ``(D, M)`` (the same matrix encodes
    and, transposed, decodes) and the upstream gradient ``dY`` the shape of
    ``Y``, ``(N, D)``. The hidden cases use non-square ``W`` (so a wrong
    transposition shows up), a single example, a generic ``dY`` (not symmetric
    in any sense), and read-only inputs that must come back unchanged.

    Examples
    --------
    >>> import numpy as np
    >>> def one_use_only(X, W, dY):
    ...     return dY @ W @ W.T, X.T @ dY @ W
    >>> tied_linear_backward(one_use_only).ok
    False
    """
    ex = "tied_linear_backward"
    rng = np.random.default_rng(9091)
    for N, D, M in ((3, 5, 2), (1, 4, 3), (6, 2, 7), (4, 3, 3)):
        X, W, dY = rng.normal(size=(N, D)), rng.normal(size=(D, M)), rng.normal(size=(N, D))
        args = [_frozen(a) for a in (X, W, dY)]
        got, failure = call_safely(ex, fn, *args)
        if failure is not None:
            return read_only_failure(ex, failure, "your function writes into one of its "
                                                  "inputs (they are read-only here): compute "
                                                  "new arrays instead")
        where = f"X of shape {X.shape}, W of shape {W.shape}"
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            return wrong(ex, f"for {where}: return the pair (dX, dW)")
        dX, dW = _tied_reference(X, W, dY)
        for name, value, target, hint in (
            ("dX", got[0], dX, "X reaches Y through two products in a row: chain them, "
                               "one upstream gradient after the other"),
            ("dW", got[1], dW, "count the places where W enters Y: each use sends its "
                               "own gradient back, and they add up"),
        ):
            verdict = compare_arrays(ex, value, target, what=f"{name} (for {where})",
                                     hint=hint, rtol=1e-7, atol=1e-9)
            if not verdict:
                return verdict
    # float32 in, float32 out
    X, W, dY = (rng.normal(size=s).astype(np.float32) for s in ((3, 4), (4, 2), (3, 4)))
    got, failure = call_safely(ex, fn, *[_frozen(a) for a in (X, W, dY)])
    if failure is not None:
        return failure
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        return wrong(ex, "for float32 inputs: return the pair (dX, dW)")
    for name, value in zip(("dX", "dW"), got):
        dtype = getattr(value, "dtype", None)
        if dtype != np.float32:
            return wrong(ex, f"for float32 inputs {name} has dtype {dtype}: keep the "
                             "inputs' dtype (no conversion is needed)")
    for name, value, target in zip(("dX", "dW"), got, _tied_reference(X, W, dY)):
        verdict = compare_arrays(ex, value, target, what=f"{name} (for float32 inputs)",
                                 rtol=1e-4, atol=1e-5)
        if not verdict:
            return verdict
    return correct(ex)


# ----------------------------------------------------------------------------
# Glorot variance from a truncated normal
# ----------------------------------------------------------------------------
def _truncation_factor(c: float = 2.0) -> float:
    r"""Var of a standard normal conditioned on :math:`|z| \le c`: :math:`1 - 2c\varphi(c)/(2\Phi(c) - 1)`."""
    phi = math.exp(-c * c / 2) / math.sqrt(2 * math.pi)
    mass = math.erf(c / math.sqrt(2))
    return 1.0 - 2.0 * c * phi / mass


def _pooled(fn, fan_in, fan_out, calls, seed):
    """Draws of ``calls`` small layers from one generator, flattened; or a failure."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(calls):
        got, failure = call_safely("glorot_truncated_normal", fn, fan_in, fan_out, rng)
        if failure is not None:
            return None, failure
        try:
            arr = np.asarray(got, dtype=float)
        except (TypeError, ValueError):
            return None, wrong("glorot_truncated_normal", "return a numeric array")
        if arr.shape != (fan_in, fan_out):
            return None, wrong("glorot_truncated_normal",
                               f"for fan_in = {fan_in}, fan_out = {fan_out}: W has shape "
                               f"{arr.shape}, expected {(fan_in, fan_out)} (fan_in rows)")
        out.append(arr.ravel())
    return np.concatenate(out), None


def glorot_truncated_normal(fn: Callable):
    r"""Check ``fn(fan_in, fan_out, rng) -> W``: a truncated normal with Glorot's variance.

    The entries are independent draws of :math:`\mathcal N(0, s^2)` conditioned
    on :math:`|w| \le 2s` (drawn again when outside, not clipped), with ``s``
    chosen so that the variance of the *result* is Glorot's
    :math:`2/(n_\text{in} + n_\text{out})`; shape ``(fan_in, fan_out)``; every
    number from ``rng``. The check looks at the shape, the reproducibility,
    the range and how far it is used, mass piled up at the edge, the variance
    (on large layers, and pooled over many draws of a tiny layer, where a
    changed denominator shows), the mean and the fraction within one ``s``.

    Examples
    --------
    >>> import numpy as np
    >>> def untruncated(fan_in, fan_out, rng):
    ...     return rng.normal(0, np.sqrt(2 / (fan_in + fan_out)), size=(fan_in, fan_out))
    >>> glorot_truncated_normal(untruncated).ok
    False
    """
    ex = "glorot_truncated_normal"
    kappa = _truncation_factor()
    inner = math.erf(1 / math.sqrt(2)) / math.erf(math.sqrt(2))   # P(|w| <= s)
    for fan_in, fan_out, seed in ((300, 500, 21), (800, 160, 22), (48, 900, 23)):
        where = f"fan_in = {fan_in}, fan_out = {fan_out}"
        W, failure = seeded_weight_matrix(ex, fn, fan_in, fan_out, seed)
        if failure is not None:
            return failure
        target = 2.0 / (fan_in + fan_out)
        s = math.sqrt(target / kappa)
        top = float(np.max(np.abs(W)))
        if top > 2 * s * (1 + 1e-9):
            return wrong(ex, f"for {where}: some weights lie beyond two standard deviations "
                             "of the normal you draw from; the cut is relative to its spread, "
                             "not a fixed number")
        if top < 0.99 * 2 * s:
            return wrong(ex, f"for {where}: no weight comes near two standard deviations of "
                             "the normal that gives Glorot's variance after the cut")
        edge = float(np.mean(np.abs(W) >= 2 * s * (1 - 1e-9)))
        if edge > 1e-3:
            return wrong(ex, f"for {where}: many weights sit exactly on the edge: draw the "
                             "out-of-range ones again instead of clipping them")
        ratio = float(W.var()) / target
        if abs(ratio - 1) > 0.02:
            side = "below" if ratio < 1 else "above"
            return wrong(ex, f"for {where}: the sample variance is more than 2 % {side} "
                             "Glorot's; cutting the tails removes variance, so the normal "
                             "you draw from must make up for it")
        if abs(float(W.mean())) > 5 * math.sqrt(target / W.size):
            return wrong(ex, f"for {where}: the weights are not centred at zero")
        if abs(float(np.mean(np.abs(W) <= s)) - inner) > 0.01:
            return wrong(ex, f"for {where}: the weights are not shaped like a normal "
                             "distribution with its tails cut")
    # a tiny layer, drawn many times: the variance must follow the fans exactly
    for fan_in, fan_out in ((1, 2), (3, 1)):
        sample, failure = _pooled(fn, fan_in, fan_out, 6000 // (fan_in * fan_out), 31)
        if failure is not None:
            return failure
        ratio = float(np.mean(sample**2)) / (2.0 / (fan_in + fan_out))
        if abs(ratio - 1) > 0.06:
            return wrong(ex, f"for a layer with fan_in = {fan_in}, fan_out = {fan_out}, "
                             "drawn many times: the variance does not match Glorot's "
                             "formula for these fans (check its denominator)")
    return correct(ex)


# ----------------------------------------------------------------------------
# The weight scale that keeps unit-variance pre-activations, for any activation
# ----------------------------------------------------------------------------
def _gauss_moment(f: Callable, kinks=(0.0,)) -> float:
    r""":math:`\mathbb E[f(z)^2]`, :math:`z \sim \mathcal N(0, 1)`, by Gauss–Legendre panels.

    Panels of width 1/8 on [-14, 14], split at the activation's kinks, 20 nodes
    each: every panel integrand is smooth, so the sum is exact to rounding.
    """
    nodes, weights = np.polynomial.legendre.leggauss(20)
    edges = np.union1d(np.arange(-14.0, 14.0 + 1e-12, 0.125), np.asarray(kinks, float))
    a, b = edges[:-1, None], edges[1:, None]
    z = (a + b) / 2 + (b - a) / 2 * nodes
    w = (b - a) / 2 * weights
    vals = np.asarray(f(z.ravel()), dtype=np.float64).reshape(z.shape)
    dens = np.exp(-z * z / 2) / math.sqrt(2 * math.pi)
    return float(np.sum(w * vals * vals * dens))


def _relu(z):
    return np.maximum(z, 0.0)


def _leaky(z):
    return np.where(z > 0, z, 0.2 * z)


def _hardtanh(z):
    return np.clip(z, -1.0, 1.0)


def _elu(z):
    return np.where(z > 0, z, np.expm1(np.minimum(z, 0.0)))


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-np.clip(z, -500, 500)))


# (activation, kinks, description, fan_in, fan_out, mode or None for the default)
_UNIT_CASES = (
    (_relu, (0.0,), "relu", 300, 100, "fan_in"),
    (np.tanh, (), "tanh", 200, 50, "fan_in"),
    (_leaky, (0.0,), "a leaky relu with slope 0.2", 64, 256, "fan_out"),
    (_hardtanh, (-1.0, 1.0), "hard tanh, clip(z, -1, 1)", 128, 512, None),
    (_sigmoid, (), "the logistic sigmoid", 90, 30, "fan_out"),
    (_elu, (0.0,), "elu", 50, 700, None),
)


def unit_variance_std(fn: Callable):
    r"""Check ``fn(f, fan_in, fan_out, mode="fan_in") -> std``.

    The answer is the standard deviation :math:`\sigma_w` of zero-mean weights
    that keeps a layer's pre-activations at unit variance when the previous
    pre-activations are :math:`\mathcal N(0, 1)`: with the forward rule
    :math:`\operatorname{Var}(y) = n\,\sigma_w^2\,\mathbb E[x^2]`,
    :math:`\sigma_w = 1/\sqrt{n\,\mathbb E[f(z)^2]}`, with :math:`n` the fan-in
    (``mode="fan_in"``, the default) or the fan-out (``mode="fan_out"``, PyTorch's
    convention: same gain, other fan). It must agree to a relative ``1e-6``,
    for smooth activations and for activations with kinks, and the default
    ``mode`` is tested by leaving it out.

    Examples
    --------
    >>> import numpy as np
    >>> def he_for_everything(f, fan_in, fan_out, mode="fan_in"):
    ...     return np.sqrt(2 / (fan_in if mode == "fan_in" else fan_out))
    >>> unit_variance_std(he_for_everything).ok
    False
    """
    ex = "unit_variance_std"
    for f, kinks, name, fan_in, fan_out, mode in _UNIT_CASES:
        args = (f, fan_in, fan_out) if mode is None else (f, fan_in, fan_out, mode)
        shown = "left at its default" if mode is None else repr(mode)
        where = f"{name}, fan_in = {fan_in}, fan_out = {fan_out}, mode {shown}"
        got, failure = call_safely(ex, fn, *args)
        if failure is not None:
            return failure
        value = as_number(got)
        if value is None:
            return wrong(ex, f"for {where}: return one number")
        n = fan_in if mode in (None, "fan_in") else fan_out
        expected = 1.0 / math.sqrt(n * _gauss_moment(f, kinks))
        if math.isclose(value, expected, rel_tol=1e-6):
            continue
        other = fan_out if n == fan_in else fan_in
        if math.isclose(value, expected * math.sqrt(n / other), rel_tol=1e-3):
            hint = ("that is the other fan" + (": what is the default mode?" if mode is None
                                               else ""))
        elif math.isclose(value, expected**2, rel_tol=1e-3):
            hint = "that looks like a variance; return the standard deviation"
        elif math.isclose(value, expected, rel_tol=0.05):
            hint = ("close, but not to 1e-6: a random sample, a coarse rule or a cut-off "
                    "range is not accurate enough here, and kinks need care")
        elif value > expected:
            hint = ("too large: the forward rule needs the mean square of the inputs, "
                    "mean included, over the whole real line")
        else:
            hint = ("too small: check the factors of the forward rule and the weight "
                    "of each point of the normal density")
        return wrong(ex, f"wrong for {where}: {hint}")
    return correct(ex)
