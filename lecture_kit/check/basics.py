"""Self-checks for the exercises of the introductory chapters (part "Getting started")."""

from __future__ import annotations

import math

import numpy as np

from ._core import Verdict, as_number, call_safely, correct, wrong

__all__ = ["neuron_through", "sigmoid_saturation_edge"]

# Hidden evaluation points: none of them appears in the chapter (which uses 0.01).
_SATURATION_THRESHOLDS = (0.2, 0.07, 0.003, 2.5e-5)


def _saturation_edge_reference(threshold: float) -> float:
    r"""The :math:`x > 0` with :math:`\sigma'(x) = t`, in closed form.

    With :math:`s = \sigma(x)`, :math:`s(1 - s) = t` gives
    :math:`s = (1 + r)/2` with :math:`r = \sqrt{1 - 4t}`, and
    :math:`1 - s = 2t/(1 + r)` (the form without cancellation), so
    :math:`x = \log\frac{s}{1 - s} = 2\log(1 + r) - \log(4t)`.
    """
    r = math.sqrt(1.0 - 4.0 * threshold)
    return 2.0 * math.log1p(r) - math.log(4.0 * threshold)


def sigmoid_saturation_edge(saturation_edge) -> Verdict:
    r"""Check ``saturation_edge(threshold)``: the :math:`x > 0` where :math:`\sigma'(x)` = threshold.

    The reader's function is evaluated at thresholds in :math:`(0, 1/4)` that
    the chapter does not use and must agree with the exact edge to
    :math:`10^{-3}`. Because :math:`\sigma'` decreases on :math:`x > 0`, this is
    also the smallest :math:`x > 0` where :math:`\sigma'(x) <` threshold.
    Messages name the failing *threshold* (the argument), never an ``x``.

    Parameters
    ----------
    saturation_edge : callable
        ``saturation_edge(threshold) -> float`` for ``0 < threshold < 1/4``.

    Returns
    -------
    Verdict
        ``correct``, or the first threshold where the answer is off, with a hint.

    Notes
    -----
    The reference is the closed form :math:`x = 2\log(1 + \sqrt{1 - 4t}) - \log(4t)`
    (from :math:`\sigma' = \sigma(1 - \sigma)`), not a grid search, so both routes
    are checked against an independent answer.

    Examples
    --------
    >>> import math
    >>> exact = lambda t: 2 * math.log1p(math.sqrt(1 - 4 * t)) - math.log(4 * t)
    >>> sigmoid_saturation_edge(exact)
    [sigmoid_saturation_edge] correct: all hidden test points agree
    >>> sigmoid_saturation_edge(lambda t: -exact(t))
    [sigmoid_saturation_edge] not yet: for the threshold 0.2: expected a positive x (the edge on the right of 0), got a negative one
    """
    name = "sigmoid_saturation_edge"
    for t in _SATURATION_THRESHOLDS:
        where = f"for the threshold {t!r}"
        got, failure = call_safely(name, saturation_edge, t)
        if failure is not None:
            return failure
        if got is None:
            return wrong(name, f"{where} your function returned None: did you forget the "
                               "`return`?")
        value = None if isinstance(got, (str, bytes)) else as_number(got)
        if value is None:
            return wrong(name, f"{where} your function returned {type(got).__name__}, "
                               "expected one number")
        if value < 0:
            # the mirror-image edge: say so instead of the generic hint
            return wrong(name, f"{where}: expected a positive x (the edge on the right of "
                               "0), got a negative one")
        if not abs(value - _saturation_edge_reference(t)) <= 1e-3:
            return wrong(name, f"{where}: expected the x > 0 at which sigma'(x) equals this "
                               "threshold, to within 0.001; a larger threshold gives a "
                               "smaller x")
    return correct(name)


# ---------------------------------------------------------------------------
# how_to_use, Exercise 3: a sigmoid neuron through two points
# ---------------------------------------------------------------------------
#: Hidden cases ``(x1, y1, x2, y2)``: rising, falling, flat, tiny outputs, x1 > x2.
_NEURON_CASES = (
    (0.5, 0.3, 2.0, 0.8),
    (-3.0, 0.95, 1.0, 0.2),
    (2.0, 0.7, 5.0, 0.7),
    (1e-3, 1e-12, 2e-3, 0.5),
    (10.0, 0.6, -4.0, 0.01),
)
#: Hidden invalid cases: equal inputs, outputs on or beyond the bounds.
_NEURON_INVALID = (
    (1.0, 0.2, 1.0, 0.7),
    (0.0, 0.0, 1.0, 0.5),
    (0.0, 0.5, 1.0, 1.0),
    (0.0, 1.5, 1.0, 0.5),
    (0.0, 0.5, 1.0, -0.25),
)


def _logistic(t: float) -> float:
    if t >= 0:
        return 1.0 / (1.0 + math.exp(-t))
    e = math.exp(t)
    return e / (1.0 + e)


def _neuron_reference(x1, y1, x2, y2):
    z1 = math.log(y1) - math.log1p(-y1)
    z2 = math.log(y2) - math.log1p(-y2)
    w = (z2 - z1) / (x2 - x1)
    return w, z1 - w * x1


def neuron_through(fn) -> Verdict:
    r"""Check ``fn(x1, y1, x2, y2) -> (w, b)`` with :math:`\sigma(w x_i + b) = y_i`.

    The reader's neuron must pass through both points (``w`` and ``b`` agree with
    the exact ones to a relative :math:`10^{-9}`) on hidden cases: a rising and a
    falling neuron, two equal outputs, outputs as small as :math:`10^{-12}`, and
    :math:`x_1 > x_2`. Equal inputs and outputs not strictly inside :math:`(0, 1)`
    must raise ``ValueError``.

    Examples
    --------
    >>> import math
    >>> logit = lambda y: math.log(y / (1 - y))
    >>> def right(x1, y1, x2, y2):
    ...     if x1 == x2 or not (0 < y1 < 1 and 0 < y2 < 1):
    ...         raise ValueError("bad points")
    ...     w = (logit(y2) - logit(y1)) / (x2 - x1)
    ...     return w, logit(y1) - w * x1
    >>> neuron_through(right)
    [neuron_through] correct: all hidden test points agree
    >>> neuron_through(lambda x1, y1, x2, y2: (1.0, 0.0)).ok
    False
    """
    name = "neuron_through"
    for case in _NEURON_CASES:
        x1, y1, x2, y2 = case
        got, failure = call_safely(name, fn, *case)
        if failure is not None:
            return failure
        try:
            w, b = (as_number(v) for v in got)
        except (TypeError, ValueError):
            w = b = None
        if w is None or b is None or isinstance(got, (str, bytes)):
            return wrong(name, f"for the points ({x1!r}, {y1!r}) and ({x2!r}, {y2!r}) your "
                               f"function returned {type(got).__name__}; expected a pair "
                               "(w, b) of two numbers")
        w_ref, b_ref = _neuron_reference(*case)
        if math.isclose(w, w_ref, rel_tol=1e-9, abs_tol=1e-12) and \
                math.isclose(b, b_ref, rel_tol=1e-9, abs_tol=1e-12):
            continue
        if not (math.isfinite(w) and math.isfinite(b)):
            return wrong(name, f"for the points ({x1!r}, {y1!r}) and ({x2!r}, {y2!r}) your "
                               "w or b is not finite")
        with np.errstate(all="ignore"):
            at1, at2 = _logistic(w * x1 + b), _logistic(w * x2 + b)
        if math.isclose(at1, 1 - y1, rel_tol=1e-6) and math.isclose(at2, 1 - y2, rel_tol=1e-6):
            hint = "your curve gives 1 - y instead of y at both points: check a sign"
        elif math.isclose(at1, y1, rel_tol=1e-6):
            hint = (f"your curve passes through the first point but gives {at2:.3g} at "
                    f"x = {x2!r}")
        else:
            hint = (f"your curve gives {at1:.3g} at x = {x1!r} and {at2:.3g} at x = {x2!r}; "
                    "first find the pre-activation z at which sigma(z) = y, then the line "
                    "z = w x + b through the two (x, z) points")
        return wrong(name, f"for the points ({x1!r}, {y1!r}) and ({x2!r}, {y2!r}): {hint}")
    for case in _NEURON_INVALID:
        x1, y1, x2, y2 = case
        try:
            with np.errstate(all="ignore"):
                fn(*case)
        except ValueError:
            continue
        except NotImplementedError:
            return wrong(name, "your function still raises NotImplementedError")
        except Exception as exc:  # noqa: BLE001 - the reader's code may raise anything
            return wrong(name, f"for the points ({x1!r}, {y1!r}) and ({x2!r}, {y2!r}) your "
                               f"function raised {type(exc).__name__}; expected a ValueError "
                               "that names the problem")
        problem = "the two inputs are equal" if x1 == x2 else \
            "an output is not strictly between 0 and 1"
        return wrong(name, f"for the points ({x1!r}, {y1!r}) and ({x2!r}, {y2!r}) {problem}: "
                           "no neuron passes through them, so raise a ValueError instead of "
                           "returning numbers")
    return correct(name)
