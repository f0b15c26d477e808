"""The identity (linear) activation: the output unit of regression."""

from __future__ import annotations

import numpy as np

from ._base import Activation, get, keep_nan


class Identity(Activation):
    r"""The identity (linear) activation, :math:`f(x) = x`.

    .. math::
        \operatorname{id}(x) = x, \qquad \operatorname{id}'(x) = 1

    Notes
    -----
    Used on regression outputs. Between hidden layers it makes a deep network
    collapse into one linear map, which is why hidden layers need a
    non-linearity. Returns a copy, never the input array itself.

    References
    ----------
    Goodfellow, Bengio & Courville (2016), Deep Learning, MIT Press, §6.2.2
    (linear output units).

    Examples
    --------
    >>> print(get("identity").grad(np.array([-5.0, 7.0])))
    [1. 1.]
    """

    name = "identity"
    latex = r"\operatorname{id}(x) = x"
    latex_grad = r"\operatorname{id}'(x) = 1"
    reference = "Goodfellow, Bengio & Courville (2016), Deep Learning, §6.2.2 (linear units)"
    zero_centered = True

    def _forward(self, x):
        return x.copy()

    def _grad(self, x):
        return keep_nan(np.ones_like(x), x)

    def _symbolic(self, sp, x, p):
        return x
