r"""Self-checks for the exercises of the training-in-practice chapters.

==========================  =====================================================
``clip_by_global_norm``     ``fn(grads, max_norm) -> (clipped, norm)``: gradient
                            clipping by the global L2 norm, without overflow
``adamw_update``            ``fn(theta, g, m, v, t, lr, betas, eps, weight_decay)
                            -> (theta, m, v)``: one step of AdamW (decoupled decay)
``batch_norm_grads``        ``fn(dy, z, gamma, eps) -> (dz, dgamma, dbeta)``: the
                            backward pass of training-mode batch normalization
==========================  =====================================================

Examples
--------
>>> import numpy as np
>>> from lecture_kit import check
>>> def naive(grads, max_norm):
...     norm = float(np.sqrt(sum(np.sum(g * g) for g in grads)))
...     scale = min(1.0, max_norm / norm) if norm > 0 else 1.0
...     return [g * scale for g in grads], norm
>>> check.clip_by_global_norm(naive).ok          # fails where squares overflow
False
"""

from __future__ import annotations

import math

import numpy as np

from ._core import call_safely, correct, wrong

__all__ = ["clip_by_global_norm", "adamw_update", "batch_norm_grads"]

_NAME = "clip_by_global_norm"


def _norm(grads) -> float:
    """The global L2 norm, computed from exact Python floats with ``math.hypot``."""
    return math.hypot(*[float(x) for g in grads for x in np.ravel(g)])


def _cases():
    rng = np.random.default_rng(20261206)
    yield "two arrays above the limit", [rng.normal(size=(3, 2)) * 4, rng.normal(size=5)], 1.5
    yield "one array below the limit", [rng.normal(size=4) * 0.1], 10.0
    yield "three arrays, float32", [rng.normal(size=(2, 2)).astype(np.float32) * 9,
                                    rng.normal(size=3).astype(np.float32),
                                    np.zeros(2, np.float32)], 0.5
    yield "all zeros", [np.zeros(3), np.zeros((2, 2))], 1.0
    yield "entries of size 1e200", [np.array([3e200, -4e200]), np.array([1e199])], 2.0
    yield "entries of size 1e-200", [np.array([3e-200]), np.array([4e-200, 0.0])], 1.0


def clip_by_global_norm(fn):
    """Check ``fn(grads, max_norm) -> (clipped_list, total_norm)``.

    The reference scales every array by ``min(1, max_norm / norm)`` where
    ``norm`` is the L2 norm of all entries together (the norm before
    clipping is returned); inputs must be left unchanged and dtypes kept.
    """
    for what, grads, max_norm in _cases():
        given = [g.copy() for g in grads]
        got, failure = call_safely(_NAME, fn, given, max_norm)
        if failure is not None:
            return failure
        if not (isinstance(got, tuple) and len(got) == 2):
            return wrong(_NAME, f"{what}: return a pair (list of clipped arrays, norm), got "
                                f"{type(got).__name__}")
        clipped, norm = got
        if any(not np.array_equal(a, b) for a, b in zip(given, grads)):
            return wrong(_NAME, f"{what}: your function changed the arrays it was given; "
                                "return new arrays and leave the inputs alone")
        expected_norm = _norm(grads)
        try:
            norm = float(norm)
        except (TypeError, ValueError):
            return wrong(_NAME, f"{what}: the second value returned should be one number")
        if not math.isfinite(norm) and math.isfinite(expected_norm):
            return wrong(_NAME, f"{what}: your norm is {norm}, but the true norm is a finite "
                                "number: find a way to compute it without squaring huge values")
        single = any(g.dtype == np.float32 for g in grads)
        if not math.isclose(norm, expected_norm, rel_tol=1e-6 if single else 1e-9, abs_tol=0.0):
            where = ("the norm of tiny entries came out wrong: squares of 1e-200 underflow"
                     if expected_norm < 1e-100 else
                     "the norm returned should be that of the gradients as given "
                     "(before clipping), over all arrays together")
            return wrong(_NAME, f"{what}: {where}")
        if not isinstance(clipped, (list, tuple)) or len(clipped) != len(grads):
            return wrong(_NAME, f"{what}: return one clipped array per input array")
        scale = min(1.0, max_norm / expected_norm) if expected_norm > 0 else 1.0
        for k, (c, g) in enumerate(zip(clipped, grads)):
            c = np.asarray(c)
            if c.shape != g.shape or c.dtype != g.dtype:
                return wrong(_NAME, f"{what}: array {k} came back with shape {c.shape} and "
                                    f"dtype {c.dtype}; keep the shape and dtype of the input")
            tol = 1e-6 if g.dtype == np.float32 else 1e-12
            if not np.allclose(c, g * scale, rtol=tol, atol=0.0):
                if expected_norm <= max_norm:
                    hint = "the gradients are within the limit here and should not change"
                else:
                    hint = ("every array should be scaled by the same factor, so that the "
                            "global norm becomes the limit")
                return wrong(_NAME, f"{what}: array {k} is not what it should be: {hint}")
    return correct(_NAME)


def _adamw_reference(theta, g, m, v, t, lr, betas, eps, weight_decay):
    """PyTorch's AdamW step written out from its documentation, in float64."""
    b1, b2 = betas
    theta = np.array(theta, dtype=np.float64) * (1.0 - lr * weight_decay)
    m = b1 * np.asarray(m, np.float64) + (1 - b1) * np.asarray(g, np.float64)
    v = b2 * np.asarray(v, np.float64) + (1 - b2) * np.asarray(g, np.float64) ** 2
    m_hat, v_hat = m / (1 - b1 ** t), v / (1 - b2 ** t)
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def _adamw_cases():
    rng = np.random.default_rng(314)
    for t, lr, wd in ((1, 0.1, 0.5), (2, 0.05, 0.1), (7, 1e-3, 1e-2), (40, 0.3, 2.0)):
        theta, g = rng.normal(size=5) * 3, rng.normal(size=5)
        m, v = rng.normal(size=5) * 0.1, rng.uniform(0, 1, size=5) * 0.1
        yield (theta, g, m, v, t, lr, (0.9, 0.999), 1e-8, wd)
    theta = np.array([1.0, -2.0]); g = np.array([1e-12, -1e-12])   # where eps matters
    yield (theta, g, np.zeros(2), np.zeros(2), 1, 0.1, (0.8, 0.99), 1e-6, 0.3)


def adamw_update(fn):
    """Check ``fn(theta, g, m, v, t, lr, betas, eps, weight_decay) -> (theta, m, v)``.

    The reference is PyTorch's AdamW: decay the parameters by ``1 - lr *
    weight_decay`` first, then the Adam step with bias correction and ``eps``
    outside the square root. Inputs must be left unchanged.
    """
    name = "adamw_update"
    for case in _adamw_cases():
        given = [np.array(a, copy=True) if isinstance(a, np.ndarray) else a for a in case]
        got, failure = call_safely(name, fn, *given)
        if failure is not None:
            return failure
        if any(isinstance(a, np.ndarray) and not np.array_equal(a, b)
               for a, b in zip(given, case)):
            return wrong(name, "your function changed an array it was given: "
                               "return new arrays and leave theta, g, m, v alone")
        if not (isinstance(got, tuple) and len(got) == 3):
            return wrong(name, "return three arrays: (theta, m, v) after the step")
        expected = _adamw_reference(*case)
        t, lr, wd = case[4], case[5], case[8]
        where = f"at step t = {t} (a case with weight decay)"
        for label, a, b in zip(("m", "v", "theta"), got[1:] + got[:1], expected[1:] + expected[:1]):
            a = np.asarray(a, dtype=float)
            if a.shape != b.shape or not np.allclose(a, b, rtol=1e-9, atol=1e-15):
                hints = {
                    "m": "the first moment is an exponential average of the gradients",
                    "v": "the second moment is an exponential average of the squared gradients",
                    "theta": ("the new parameters are off; check where the decay enters (it "
                              "is not part of the gradient), which parameters it multiplies, "
                              "the bias correction at this t, and where eps sits"),
                }
                return wrong(name, f"{where}: {label} is not right: {hints[label]}")
    return correct(name)



def _bn_reference(dy, z, gamma, eps):
    """Gradients of training-mode batch norm, by the chain rule written out (float64)."""
    z, dy, gamma = (np.asarray(a, dtype=np.float64) for a in (z, dy, gamma))
    n = z.shape[0]
    mean = z.mean(axis=0)
    inv = 1.0 / np.sqrt(((z - mean) ** 2).mean(axis=0) + eps)
    zh = (z - mean) * inv
    g = dy * gamma
    dz = inv / n * (n * g - g.sum(axis=0) - zh * (g * zh).sum(axis=0))
    return dz, (dy * zh).sum(axis=0), dy.sum(axis=0)


def batch_norm_grads(fn):
    """Check ``fn(dy, z, gamma, eps=1e-5) -> (dz, dgamma, dbeta)`` on unseen batches."""
    name = "batch_norm_grads"
    rng = np.random.default_rng(1502)
    cases = [("a batch of 5 with 3 units", rng.normal(size=(5, 3)) * 2 + 1,
              rng.normal(size=(5, 3)), rng.normal(size=3) + 1.0, np.float64),
             ("a batch of 2", rng.normal(size=(2, 4)), rng.normal(size=(2, 4)),
              rng.normal(size=4), np.float64),
             ("float32 input", rng.normal(size=(6, 2)) * 5, rng.normal(size=(6, 2)),
              np.array([0.5, -2.0]), np.float32)]
    for what, z, dy, gamma, dtype in cases:
        z, dy, gamma = z.astype(dtype), dy.astype(dtype), gamma.astype(dtype)
        given = [dy.copy(), z.copy(), gamma.copy()]
        got, failure = call_safely(name, fn, *given)
        if failure is not None:
            return failure
        if any(not np.array_equal(a, b) for a, b in zip(given, (dy, z, gamma))):
            return wrong(name, f"{what}: your function changed an array it was given")
        if not (isinstance(got, tuple) and len(got) == 3):
            return wrong(name, f"{what}: return three arrays (dz, dgamma, dbeta)")
        expected = _bn_reference(dy, z, gamma, 1e-5)
        tol = 1e-4 if dtype == np.float32 else 1e-9
        for label, a, b, shape in zip(("dz", "dgamma", "dbeta"), got, expected,
                                      (z.shape, gamma.shape, gamma.shape)):
            a = np.asarray(a)
            if a.shape != shape or a.dtype != dtype:
                return wrong(name, f"{what}: {label} should have shape {shape} and the dtype of "
                                   f"z ({np.dtype(dtype).name}), got {a.shape} {a.dtype}")
            if not np.allclose(a, b, rtol=tol, atol=tol):
                hint = {"dz": "the loss reaches each z along three paths: directly, through the "
                              "batch mean and through the batch variance",
                        "dgamma": "gamma multiplies the normalized values",
                        "dbeta": "beta is added to every example"}[label]
                return wrong(name, f"{what}: {label} is not right: {hint}")
    return correct(name)
