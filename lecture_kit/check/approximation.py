r"""Self-checks for the exercises of the chapter on approximation.

===========================  =====================================================
``interpolating_relu_net``   ``fn(xs, ys) -> (W1, b1, W2, b2)``: a one-hidden-layer
                             ReLU network with ``n`` units through ``n + 1`` points
===========================  =====================================================

Examples
--------
>>> import numpy as np
>>> from lecture_kit import check
>>> check.interpolating_relu_net(lambda xs, ys: (np.ones((1, 1)), np.zeros(1),
...                                              np.ones((1, 1)), np.zeros(1))).ok
False
"""

from __future__ import annotations

import numpy as np

from ._core import call_safely, correct, wrong

__all__ = ["interpolating_relu_net"]

_NAME = "interpolating_relu_net"


def _cases():
    rng = np.random.default_rng(1993)
    yield "three evenly spaced points", np.array([0.0, 0.5, 1.0]), np.array([0.0, 1.0, 0.0])
    xs = np.sort(rng.uniform(-2, 3, 7))
    yield "seven unevenly spaced points", xs, np.cos(xs)
    xs = rng.uniform(0, 1, 6)
    yield "points given out of order", xs, xs ** 2 - 1.0
    yield "two points (one unit)", np.array([1.0, 4.0]), np.array([-2.0, 7.0])


def interpolating_relu_net(fn):
    """Check ``fn(xs, ys) -> (W1, b1, W2, b2)`` on unseen point sets.

    The network ``relu(x @ W1 + b1) @ W2 + b2`` must use exactly ``n = len(xs)
    - 1`` hidden units and be the piecewise-linear interpolant of the points
    on ``[min(xs), max(xs)]`` (checked at the points and between them).
    """
    for what, xs, ys in _cases():
        got, failure = call_safely(_NAME, fn, xs.copy(), ys.copy())
        if failure is not None:
            return failure
        try:
            W1, b1, W2, b2 = (np.asarray(a, dtype=float) for a in got)
        except (TypeError, ValueError):
            return wrong(_NAME, f"{what}: return four arrays (W1, b1, W2, b2)")
        n = len(xs) - 1
        shapes = {"W1": (W1.shape, (1, n)), "b1": (b1.shape, (n,)),
                  "W2": (W2.shape, (n, 1)), "b2": (b2.shape, (1,))}
        for label, (shape, expected) in shapes.items():
            if shape != expected:
                return wrong(_NAME, f"{what}: {label} has shape {shape}; with {len(xs)} points "
                                    f"the network has {n} hidden unit(s), so {label} should "
                                    f"have shape {expected}")
        order = np.argsort(xs)
        sx, sy = xs[order], ys[order]
        probe = np.concatenate([sx, (sx[:-1] + sx[1:]) / 2, sx[:-1] + 0.1 * np.diff(sx)])
        expected = np.interp(probe, sx, sy)
        with np.errstate(all="ignore"):
            out = (np.maximum(probe[:, None] @ W1 + b1, 0.0) @ W2 + b2).ravel()
        at_points = np.allclose(out[:len(sx)], sy, rtol=1e-9, atol=1e-9)
        between = np.allclose(out, expected, rtol=1e-9, atol=1e-9)
        if not at_points:
            return wrong(_NAME, f"{what}: the network does not pass through the given points; "
                                "start from its value at the leftmost point and check which "
                                "units are active at each point")
        if not between:
            return wrong(_NAME, f"{what}: the network passes through the points but is not a "
                                "straight line between neighbours; each unit should bend the "
                                "graph at one point only")
    return correct(_NAME)
