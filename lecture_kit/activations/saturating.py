"""Saturating activations: bounded on both sides, so the derivative dies for large |x|.

Sigmoid, tanh, softsign, log-sigmoid (bounded above only), hard sigmoid and
hard tanh. Defining a class here registers it (see :mod:`._base`).
"""

from __future__ import annotations

import numpy as np

from ..core.numerics import exp_minus_abs, min0, sigmoid
from ._base import INF, Activation, get, indicator, real

class Sigmoid(Activation):
    r"""Logistic sigmoid, :math:`\sigma(x) = 1/(1 + e^{-x})`, squashing to (0, 1).

    .. math::
        \sigma(x) = \frac{1}{1 + e^{-x}}, \qquad
        \sigma'(x) = \sigma(x)\,\bigl(1 - \sigma(x)\bigr) \le \tfrac14 .

    Notes
    -----
    Stable evaluation: with :math:`z = e^{-|x|} \le 1`, :math:`\sigma(x) = 1/(1+z)`
    for :math:`x \ge 0` and :math:`z/(1+z)` otherwise, so no ``exp`` ever
    overflows; the naive formula takes :math:`e^{1000}` at :math:`x = -1000`. The
    derivative is computed as :math:`z/(1+z)^2`, which keeps its relative accuracy
    where :math:`1 - \sigma(x)` would round to 0. Its maximum, 1/4 at 0, is why a
    stack of sigmoid layers shrinks gradients: the vanishing gradient problem.

    References
    ----------
    Rumelhart, Hinton & Williams (1986), "Learning representations by
    back-propagating errors", Nature 323.

    Examples
    --------
    >>> s = get("sigmoid")
    >>> print(s(0.0), s.grad(0.0))
    0.5 0.25
    >>> print(s(np.array([-1000.0, 1000.0])))
    [0. 1.]
    """

    name = "sigmoid"
    latex = r"\sigma(x) = \frac{1}{1 + e^{-x}}"
    latex_grad = r"\sigma'(x) = \sigma(x)\left(1 - \sigma(x)\right)"
    reference = "Rumelhart, Hinton & Williams (1986), Nature 323 (logistic unit)"
    gain = 1.0
    shown_in = ("activation_explorer",)
    output_range = (0.0, 1.0)
    saturating = True

    def _forward(self, x):
        return sigmoid(x)

    def _grad(self, x):
        z = exp_minus_abs(x)
        d = 1 + z
        d *= d
        np.divide(z, d, out=d)  # sigma(x) sigma(-x): symmetric, no cancellation
        return np.minimum(d, x.dtype.type(0.25), out=d)  # rounding near 0 could pass 1/4

    def _symbolic(self, sp, x, p):
        return 1 / (1 + sp.exp(-x))


class Tanh(Activation):
    r"""Hyperbolic tangent, a zero-centred sigmoid: :math:`\tanh(x) = 2\sigma(2x) - 1`.

    .. math::
        \tanh(x) = \frac{e^{x} - e^{-x}}{e^{x} + e^{-x}}, \qquad
        \tanh'(x) = 1 - \tanh^2(x) \le 1 .

    Notes
    -----
    The derivative is computed as :math:`4z/(1+z)^2` with :math:`z = e^{-2|x|}`;
    :math:`1 - \tanh^2 x` (PyTorch's form) rounds to 0 for :math:`|x| > 19`.
    A range written "[-1, 1]" is the closure: tanh never reaches ±1, its
    range is the open interval (see :func:`lecture_kit.activations.properties`).

    References
    ----------
    LeCun, Bottou, Orr & Müller (1998), "Efficient BackProp", in Neural Networks:
    Tricks of the Trade.

    Examples
    --------
    >>> t = get("tanh")
    >>> print(t(0.0), t.grad(0.0))
    0.0 1.0
    """

    name = "tanh"
    latex = r"\tanh(x) = \frac{e^{x} - e^{-x}}{e^{x} + e^{-x}}"
    latex_grad = r"\tanh'(x) = 1 - \tanh^{2}(x)"
    reference = "LeCun, Bottou, Orr & Müller (1998), Efficient BackProp"
    gain = 5.0 / 3.0
    shown_in = ("activation_explorer",)
    output_range = (-1.0, 1.0)
    zero_centered = True
    saturating = True

    def _forward(self, x):
        return np.tanh(x)

    def _grad(self, x):
        e = exp_minus_abs(x)
        z = e * e  # e^{-2|x|}, without forming 2x (which overflows at float max)
        d = 1 + z
        return 4 * z / (d * d)

    def _symbolic(self, sp, x, p):
        return sp.tanh(x)


class Softsign(Activation):
    r"""Softsign, :math:`x/(1 + |x|)`: a sigmoid shape with polynomial tails.

    .. math::
        \operatorname{softsign}(x) = \frac{x}{1 + |x|}, \qquad
        \operatorname{softsign}'(x) = \frac{1}{(1 + |x|)^2} .

    Notes
    -----
    It saturates like tanh, but its derivative decays as :math:`1/x^2` instead of
    :math:`e^{-2|x|}`. The derivative is continuous at 0 (the function is
    :math:`C^1`, not :math:`C^2`). It is computed as :math:`d \cdot d` with
    :math:`d = 1/(1+|x|)`, so it does not overflow at float max.

    References
    ----------
    Glorot & Bengio (2010), "Understanding the difficulty of training deep
    feedforward neural networks", AISTATS.

    Examples
    --------
    >>> print(get("softsign")(np.array([-3.0, 1.0])))
    [-0.75  0.5 ]
    """

    name = "softsign"
    latex = r"\operatorname{softsign}(x) = \frac{x}{1 + |x|}"
    latex_grad = r"\operatorname{softsign}'(x) = \frac{1}{\left(1 + |x|\right)^{2}}"
    reference = "Glorot & Bengio (2010), AISTATS (softsign units)"
    smooth_order = "C1"  # f''(x) = -2 sign(x) / (1 + |x|)^3 jumps at 0
    output_range = (-1.0, 1.0)
    zero_centered = True
    saturating = True

    def _forward(self, x):
        return x / (1 + np.abs(x))

    def _grad(self, x):
        d = 1 / (1 + np.abs(x))
        return d * d

    def _symbolic(self, sp, x, p):
        return x / (1 + sp.Abs(x))


class LogSigmoid(Activation):
    r"""Logarithm of the sigmoid, :math:`\log\sigma(x) = -\operatorname{softplus}(-x)`.

    .. math::
        \log\sigma(x) = -\log\left(1 + e^{-x}\right), \qquad
        \frac{d}{dx}\log\sigma(x) = 1 - \sigma(x) = \sigma(-x) .

    Notes
    -----
    The log-likelihood of a logistic output: computing ``log(sigmoid(x))`` gives
    ``-inf`` at :math:`x = -1000` (the sigmoid underflows), while
    :math:`\min(x, 0) - \log(1 + e^{-|x|})` gives -1000. The same idea is the
    log-sum-exp of :func:`log_softmax`.

    References
    ----------
    PyTorch ``torch.nn.LogSigmoid``; the stable form is the binary case of
    log-sum-exp.

    Examples
    --------
    >>> print(get("log_sigmoid")(-1000.0))
    -1000.0
    """

    name = "log_sigmoid"
    latex = r"\log\sigma(x) = -\log\left(1 + e^{-x}\right)"
    latex_grad = r"\frac{d}{dx}\log\sigma(x) = 1 - \sigma(x)"
    reference = "PyTorch nn.LogSigmoid; log-likelihood of a logistic unit"
    output_range = (-INF, 0.0)

    def _forward(self, x):
        return min0(x) - np.log1p(exp_minus_abs(x))

    def _grad(self, x):
        return sigmoid(-x)

    def _symbolic(self, sp, x, p):
        return -sp.log(1 + sp.exp(-x))


class HardSigmoid(Activation):
    r"""Hard sigmoid (PyTorch ``Hardsigmoid``): :math:`\operatorname{ReLU6}(x + 3)/6`.

    .. math::
        \operatorname{HardSigmoid}(x) = \frac{\min(\max(0, x + 3), 6)}{6}, \qquad
        \operatorname{HardSigmoid}'(x) = \begin{cases} 1/6 & -3 < x < 3 \\
        0 & \text{otherwise} \end{cases}

    Notes
    -----
    Kinks at :math:`\pm 3`; PyTorch's derivative there is 0, the outer slope
    (its backward tests :math:`-3 < x < 3`; checked against autograd in the
    golden fixture), as for the ReLU6 inside. PyTorch's float64 backward
    multiplies by the float32 number nearest to 1/6 (0.16666667163...); the
    exact 1/6 is used here.
    Folklore differs: Keras' old ``hard_sigmoid`` was :math:`\mathrm{clip}(0.2x +
    0.5, 0, 1)` and BinaryConnect used :math:`\mathrm{clip}((x+1)/2, 0, 1)`;
    this is the MobileNetV3 version.

    References
    ----------
    Howard et al. (2019), "Searching for MobileNetV3", ICCV.

    Examples
    --------
    >>> h = get("hard_sigmoid")
    >>> print(h(np.array([-4.0, 0.0, 1.5, 4.0])))
    [0.   0.5  0.75 1.  ]
    >>> print(h.grad(0.0), h.grad(3.0))
    0.16666666666666666 0.0
    """

    name = "hard_sigmoid"
    latex = r"\operatorname{HardSigmoid}(x) = \frac{\min\left(\max(0, x + 3), 6\right)}{6}"
    latex_grad = (r"\operatorname{HardSigmoid}'(x) = \begin{cases} \frac{1}{6} & -3 < x < 3 \\"
                  r" 0 & \text{otherwise} \end{cases}")
    reference = "Howard et al. (2019), Searching for MobileNetV3, ICCV"
    attained_at = (-3.0, 3.0)
    output_range = (0.0, 1.0)
    smooth = False
    saturating = True
    kinks = (-3.0, 3.0)

    def _forward(self, x):
        return np.clip(x + 3, 0, 6) / 6

    def _grad(self, x):
        return indicator((x > -3) & (x < 3), x) / 6

    def _symbolic(self, sp, x, p):
        return sp.Piecewise((0, x <= -3), (x / 6 + sp.Rational(1, 2), x < 3), (1, True))


class HardTanh(Activation):
    r"""Hard tanh: the identity clipped to ``[min_val, max_val]`` (PyTorch ``Hardtanh``).

    .. math::
        \operatorname{HardTanh}(x) = \begin{cases} a & x \le a \\ x & a < x < b \\
        b & x \ge b \end{cases}, \qquad
        \operatorname{HardTanh}'(x) = \begin{cases} 1 & a < x < b \\
        0 & \text{otherwise} \end{cases}

    with :math:`a` = ``min_val``, :math:`b` = ``max_val``.

    Parameters
    ----------
    min_val, max_val : float
        The clipping interval (default -1, 1); ``min_val <= max_val``.

    Notes
    -----
    The derivative at the kinks :math:`a` and :math:`b` is 0 (PyTorch).
    ``relu6`` is ``hard_tanh`` with ``(0, 6)``.

    References
    ----------
    Collobert et al. (2011), "Natural language processing (almost) from scratch",
    JMLR 12.

    Examples
    --------
    >>> h = get("hard_tanh")
    >>> print(h(np.array([-2.0, 0.5, 2.0])), h.grad(1.0))
    [-1.   0.5  1. ] 0.0
    """

    name = "hard_tanh"
    latex = (r"\operatorname{HardTanh}(x) = \begin{cases} a & x \le a \\ x & a < x < b \\"
             r" b & x \ge b \end{cases}")
    latex_grad = (r"\operatorname{HardTanh}'(x) = \begin{cases} 1 & a < x < b \\"
                  r" 0 & \text{otherwise} \end{cases}")
    reference = "Collobert et al. (2011), Natural language processing (almost) from scratch, JMLR"
    attained_at = property(lambda self: (self.min_val, self.max_val))
    saturating = True
    _symbols = {"min_val": "a", "max_val": "b"}

    def __init__(self, min_val=-1.0, max_val=1.0):
        self.min_val = real(min_val, "min_val")
        self.max_val = real(max_val, "max_val")
        if self.min_val > self.max_val:
            raise ValueError(f"Invalid hard_tanh interval: min_val={min_val!r} > max_val={max_val!r}")

    @property
    def output_range(self):
        return (self.min_val, self.max_val)

    @property
    def zero_centered(self):
        return self.min_val == -self.max_val

    @property
    def smooth(self):
        return self.min_val == self.max_val

    @property
    def kinks(self):
        return () if self.smooth else (self.min_val, self.max_val)

    def _forward(self, x):
        return np.clip(x, x.dtype.type(self.min_val), x.dtype.type(self.max_val))

    def _grad(self, x):
        return indicator((x > self.min_val) & (x < self.max_val), x)

    def _symbolic(self, sp, x, p):
        a, b = p("min_val"), p("max_val")
        return sp.Piecewise((a, x <= a), (x, x < b), (b, True))
