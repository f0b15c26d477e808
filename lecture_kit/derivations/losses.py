r"""The course's derivations about losses: cross-entropy with softmax, BCE with logits."""

from __future__ import annotations

import sympy as sp

from .checker import Derivation, display_function, logistic, sigma, symbol
from .registry import register


@register
def cross_entropy_softmax_gradient() -> Derivation:
    r"""Cross-entropy of a softmax: :math:`\partial L/\partial z_j = s_j - y_j`.

    For :math:`L = -\sum_i y_i \log s_i` with :math:`\sum_i y_i = 1`
    (checked for 3 classes).

    Returns
    -------
    Derivation

    Examples
    --------
    >>> cross_entropy_softmax_gradient().verify()
    True
    """
    z = [symbol(f"z_{i}", real=True) for i in (1, 2, 3)]
    y = [symbol(f"y_{i}", real=True) for i in (1, 2, 3)]
    s = [display_function(f"s_{i}", f"s_{{{i}}}", show_args=False)(*z) for i in (1, 2, 3)]
    total = sum(sp.exp(zi) for zi in z)
    loss = display_function("L", "L", show_args=False)(*z)
    d = Derivation("Softmax + cross-entropy: the gradient is $s - y$",
                   name="cross_entropy_softmax_gradient")
    d.define(sp.Matrix(s), sp.Matrix([sp.exp(zi) / total for zi in z]), "softmax")
    d.define(loss, -sum(yi * sp.log(si) for yi, si in zip(y, s)), "cross-entropy")
    d.equal(sp.Matrix([sp.Derivative(loss, zj) for zj in z]),
            sp.Matrix([si - yi for si, yi in zip(s, y)]),
            "$\\partial \\log s_i/\\partial z_j = \\delta_{ij} - s_j$ and $y_1 + y_2 + y_3 = 1$",
            given=(sp.Eq(y[2], 1 - y[0] - y[1]),))
    d.equal(sum(sp.Derivative(loss, zj) for zj in z), 0,
            "the gradient sums to 0 for any $y$: adding $c$ to every $z_j$ leaves $s$, so $L$, unchanged")
    return d


@register
def bce_with_logits_gradient() -> Derivation:
    r"""Binary cross-entropy on a logit: gradient :math:`\sigma(z) - y` and a stable form.

    :math:`L = -y\log\sigma(z) - (1-y)\log(1-\sigma(z))` has
    :math:`dL/dz = \sigma(z) - y` and equals
    :math:`\max(z, 0) - zy + \log(1 + e^{-|z|})`, which never exponentiates a
    large positive number.

    Returns
    -------
    Derivation

    Examples
    --------
    >>> bce_with_logits_gradient().verify()
    True
    """
    z, y = symbol("z", real=True), symbol("y", real=True)
    zp, zn = symbol("z", positive=True), symbol("z", negative=True)
    loss = display_function("L", "L", show_args=True)
    d = Derivation("Binary cross-entropy with logits", name="bce_with_logits_gradient")
    d.define(sigma(z), logistic(z), "the logistic sigmoid")
    d.define(loss(z), -y * sp.log(sigma(z)) - (1 - y) * sp.log(1 - sigma(z)), "binary cross-entropy")
    d.equal(sp.Derivative(loss(z), z), sigma(z) - y, "$\\sigma' = \\sigma (1 - \\sigma)$")

    def stable(x):
        return sp.Max(x, 0) - x * y + sp.log(1 + sp.exp(-sp.Abs(x)))

    d.equal(loss(zp), stable(zp), "stable form, case $z > 0$")
    d.equal(loss(zn), stable(zn), "stable form, case $z < 0$")
    d.equal(loss(0), stable(0), "and at $z = 0$")
    return d
