"""Self-checks for the exercises of the introductory chapters (part "Getting started")."""

from __future__ import annotations

import math

import numpy as np

from ._core import Verdict, call_safely, compare_pointwise, wrong

__all__ = ["sigmoid_saturation_edge"]

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
    (from :math:`\sigma' = \sigma(1 - \sigma)`), not the grid search of the
    chapter's solution, so both routes are checked against an independent answer.

    Examples
    --------
    >>> import math
    >>> exact = lambda t: 2 * math.log1p(math.sqrt(1 - 4 * t)) - math.log(4 * t)
    >>> sigmoid_saturation_edge(exact)
    [sigmoid_saturation_edge] correct: all hidden test points agree
    >>> sigmoid_saturation_edge(lambda t: -exact(t))
    [sigmoid_saturation_edge] not yet: wrong at x = 0.2: expected a positive x (the edge on the right of 0)
    """
    name = "sigmoid_saturation_edge"
    # A negative answer is the mirror-image edge: say so instead of the generic hint.
    for t in _SATURATION_THRESHOLDS:
        got, failure = call_safely(name, saturation_edge, t)
        if failure is not None:
            return failure
        try:
            if np.asarray(got, dtype=float).reshape(()) < 0:
                return wrong(name, f"wrong at x = {t!r}: expected a positive x "
                                   "(the edge on the right of 0)")
        except (TypeError, ValueError):
            break  # compare_pointwise explains what is wrong with the value

    def hint(threshold: float, expected: float) -> str:
        del expected  # never shown
        return (f"expected the x > 0 at which sigma'(x) = {threshold:g}, to within 0.001; "
                "a larger threshold gives a smaller x")

    return compare_pointwise(name, saturation_edge, _saturation_edge_reference,
                             _SATURATION_THRESHOLDS, hint, rtol=0.0, atol=1e-3)
