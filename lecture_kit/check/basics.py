"""Self-checks for the exercises of the introductory chapters (part "Getting started")."""

from __future__ import annotations

import math

import numpy as np

from ._core import Verdict, call_safely, correct, returned_number, wrong

__all__ = ["sigmoid_saturation_edge"]

# Hidden evaluation points: none of them appears in the chapter (which uses 0.01 and
# 0.1). All are at least 1e-5: the notebook's hidden tests go further down, and the
# grading tests rely on a solution that misbehaves only there.
_SATURATION_THRESHOLDS = (0.2, 0.07, 0.003, 2.5e-5, 0.2499)
# No x > 0 has sigma'(x) above 1/4: the answer must raise ValueError.
_SATURATION_INVALID = 0.3


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
    the chapter does not use and must agree with the exact edge to a relative
    :math:`10^{-9}`; a threshold above :math:`1/4` must raise ``ValueError``.
    Because :math:`\sigma'` decreases on :math:`x > 0`, this is also the smallest
    :math:`x > 0` where :math:`\sigma'(x) <` threshold. Messages name the failing
    *threshold* (the argument), never an ``x``.

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
    >>> # math.sqrt raises ValueError above 1/4, as the exercise asks
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
        value, failure = returned_number(name, got, where)
        if failure is not None:
            return failure
        if value < 0:
            # the mirror-image edge: say so instead of the generic hint
            return wrong(name, f"{where}: expected a positive x (the edge on the right of "
                               "0), got a negative one")
        expected = _saturation_edge_reference(t)
        if not abs(value - expected) <= 1e-9 * expected:
            if abs(value - expected) <= 1e-3:
                return wrong(name, f"{where}: close, but not to a relative 1e-9: a grid or a "
                                   "search stopped early is not precise enough; derive the "
                                   "edge in closed form")
            return wrong(name, f"{where}: expected the x > 0 at which sigma'(x) equals this "
                               "threshold, to a relative 1e-9; a larger threshold gives a "
                               "smaller x")
    t = _SATURATION_INVALID
    try:
        with np.errstate(all="ignore"):
            got = saturation_edge(t)
    except ValueError:
        return correct(name)
    except Exception as exc:  # noqa: BLE001 - the reader's code may raise anything
        return wrong(name, f"for the threshold {t!r} your function raised "
                           f"{type(exc).__name__}; expected a ValueError (sigma' never "
                           "exceeds 1/4, so no x exists)")
    return wrong(name, f"for the threshold {t!r} your function returned "
                       f"{type(got).__name__}; sigma' never exceeds 1/4, so no x exists: "
                       "raise a ValueError")
