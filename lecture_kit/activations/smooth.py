r"""Smooth rectifiers: softplus, swish/SiLU, GELU, Mish, and hard swish.

Each gates or smooths :math:`\max(0, x)`; all but hard swish are infinitely
differentiable.
"""

from __future__ import annotations

import math

import numpy as np

from ..core.numerics import (exp_minus_abs, max0, normal_cdf, normal_pdf, sigmoid,
                             sigmoid_pair, softplus)
from ._base import INF, Activation, get, real, scaled

class Softplus(Activation):
    r"""Softplus, a smooth ReLU: :math:`\frac1\beta \log(1 + e^{\beta x})`.

    .. math::
        \operatorname{softplus}_\beta(x) = \frac{1}{\beta}\log\left(1 + e^{\beta x}\right),
        \qquad \operatorname{softplus}_\beta'(x) = \sigma(\beta x)

    Parameters
    ----------
    beta : float
        Sharpness, default 1.0, must be > 0; :math:`\beta \to \infty` gives ReLU.

    Notes
    -----
    Evaluated as :math:`\max(x, 0) + \frac1\beta \log(1 + e^{-\beta|x|})`, exact
    and overflow-free for every input. PyTorch's ``threshold=20`` (return ``x``
    once :math:`\beta x > 20`) is a speed shortcut with an error up to
    :math:`e^{-20}/\beta`; it is not needed here and not used.

    References
    ----------
    Dugas, Bengio, Bélisle, Nadeau & Garcia (2001), "Incorporating second-order
    functional knowledge for better option pricing", NIPS; Glorot, Bordes &
    Bengio (2011).

    Examples
    --------
    >>> sp = get("softplus")
    >>> print(sp(0.0) == np.log(2.0), sp(1000.0), sp.grad(0.0))
    True 1000.0 0.5
    """

    name = "softplus"
    latex = r"\operatorname{softplus}_\beta(x) = \frac{1}{\beta}\log\left(1 + e^{\beta x}\right)"
    latex_grad = r"\operatorname{softplus}_\beta'(x) = \sigma(\beta x)"
    reference = "Dugas et al. (2001), NIPS; Glorot, Bordes & Bengio (2011), AISTATS"
    shown_in = ("activation_explorer",)
    output_range = (0.0, INF)
    _symbols = {"beta": "beta"}

    def __init__(self, beta=1.0):
        self.beta = real(beta, "beta", minimum=0.0, strict=True)

    def _forward(self, x):
        t = scaled(x, self.beta)  # beta * x, clipped where it no longer matters
        return max0(x) + np.log1p(exp_minus_abs(t)) / x.dtype.type(self.beta)

    def _grad(self, x):
        return sigmoid(scaled(x, self.beta))

    def _symbolic(self, sp, x, p):
        beta = p("beta")
        return sp.log(1 + sp.exp(beta * x)) / beta


class Swish(Activation):
    r"""Swish: :math:`x\,\sigma(\beta x)`, the input gated by its own sigmoid.

    .. math::
        \operatorname{swish}_\beta(x) = x\,\sigma(\beta x), \qquad
        \operatorname{swish}_\beta'(x) = \sigma(\beta x) + \beta x\,\sigma(\beta x)
        \bigl(1 - \sigma(\beta x)\bigr)

    Parameters
    ----------
    beta : float
        Default 1.0 (SiLU, also ``get("silu")``); must be >= 0. :math:`\beta = 0`
        gives the linear :math:`x/2`, :math:`\beta \to \infty` gives ReLU.

    Notes
    -----
    Smooth and non-monotonic: its minimum is :math:`-0.27846\ldots/\beta` at
    :math:`x = -1.27846\ldots/\beta` (at the minimum, :math:`\operatorname{swish}
    = \beta x + 1` over :math:`\beta`). The derivative is computed as
    :math:`\sigma(t)(1 + t\,\sigma(-t))` with :math:`t = \beta x` and both
    sigmoids from one :math:`e^{-|t|}`.

    References
    ----------
    Ramachandran, Zoph & Le (2017), "Searching for activation functions",
    arXiv:1710.05941; Elfwing, Uchibe & Doya (2018), Neural Networks 107 (SiLU);
    Hendrycks & Gimpel (2016) (the name SiLU).

    Examples
    --------
    >>> s = get("swish", beta=0.0)
    >>> print(s(np.array([-2.0, 4.0])), s.grad(3.0))
    [-1.  2.] 0.5
    """

    name = "swish"
    latex = r"\operatorname{swish}_\beta(x) = x\,\sigma(\beta x) = \frac{x}{1 + e^{-\beta x}}"
    latex_grad = (r"\operatorname{swish}_\beta'(x) = \sigma(\beta x) + \beta x\,\sigma(\beta x)"
                  r"\left(1 - \sigma(\beta x)\right)")
    reference = "Ramachandran, Zoph & Le (2017), Searching for activation functions, arXiv:1710.05941"
    shown_in = ("activation_explorer",)
    attained_at = property(lambda self: (self._ARGMIN / self.beta if self.beta else None, None))
    _symbols = {"beta": "beta"}
    _MIN = -0.2784645427610738  # min of t * sigma(t), at t = _ARGMIN
    _ARGMIN = -1.278464524499118

    def __init__(self, beta=1.0):
        self.beta = real(beta, "beta", minimum=0.0)

    monotonic = property(lambda self: self.beta == 0.0)
    zero_centered = monotonic
    output_range = property(lambda self: (self._MIN / self.beta if self.beta else -INF, INF))

    def _forward(self, x):
        return x * sigmoid(scaled(x, self.beta))

    def _grad(self, x):
        t = scaled(x, self.beta)
        s, s_minus = sigmoid_pair(t)  # sigma(t), sigma(-t)
        return s * (1 + t * s_minus)

    def _symbolic(self, sp, x, p):
        return x / (1 + sp.exp(-p("beta") * x))


class SiLU(Swish):
    r"""Sigmoid-weighted linear unit :math:`x\,\sigma(x)`: swish with :math:`\beta = 1`.

    .. math::
        \operatorname{SiLU}(x) = x\,\sigma(x), \qquad
        \operatorname{SiLU}'(x) = \sigma(x)\bigl(1 + x(1 - \sigma(x))\bigr)

    Notes
    -----
    The same function as ``get("swish")``, registered under PyTorch's name
    (``torch.nn.SiLU``, no parameters). See :class:`Swish`.

    References
    ----------
    Elfwing, Uchibe & Doya (2018), "Sigmoid-weighted linear units for neural
    network function approximation in reinforcement learning", Neural Networks
    107; Hendrycks & Gimpel (2016), arXiv:1606.08415.

    Examples
    --------
    >>> print(get("silu")(1.0) == get("swish")(1.0))
    True
    """

    name = "silu"
    latex = r"\operatorname{SiLU}(x) = x\,\sigma(x)"
    latex_grad = r"\operatorname{SiLU}'(x) = \sigma(x)\left(1 + x\left(1 - \sigma(x)\right)\right)"
    reference = "Elfwing, Uchibe & Doya (2018), Neural Networks 107; Hendrycks & Gimpel (2016)"
    shown_in = ()
    _symbols = {}

    def __init__(self):
        self.beta = 1.0

    def _symbolic(self, sp, x, p):
        return x / (1 + sp.exp(-x))


_GELU_TANH_C = math.sqrt(2.0 / math.pi)
_GELU_TANH_K = 0.044715
_GELU_CLIP = 30.0  # beyond |x| = 30, sigma(2u) is exactly 0 or 1 in every dtype


class GELU(Activation):
    r"""Gaussian error linear unit :math:`x\,\Phi(x)`, or its tanh approximation.

    .. math::
        \operatorname{GELU}(x) = x\,\Phi(x) = \frac{x}{2}\left(1 +
        \operatorname{erf}\frac{x}{\sqrt2}\right), \qquad
        \operatorname{GELU}'(x) = \Phi(x) + x\,\phi(x);

    with ``approximate="tanh"``,
    :math:`\frac{x}{2}\bigl(1 + \tanh u\bigr) = x\,\sigma(2u)`,
    :math:`u = \sqrt{2/\pi}\,(x + 0.044715\,x^3)`.

    Parameters
    ----------
    approximate : {"none", "tanh"}
        PyTorch's option: the exact erf form (default) or the tanh approximation
        (BERT, GPT-2). They differ by up to about 5e-4 (near :math:`x = \pm 2`).

    Notes
    -----
    :math:`\Phi` is computed with a NumPy port of Cephes' rational
    approximations of erfc (relative error ~1e-16 in both tails; SciPy is not
    needed), in float64 and rounded to the input's dtype. The tanh form is
    evaluated as :math:`x\,\sigma(2u)`, accurate where
    :math:`\tfrac{x}{2}(1 + \tanh u)` cancels to 0 (PyTorch's form, :math:`x <
    -5`), and with :math:`x` clipped to :math:`\pm 30` inside :math:`u` so that
    :math:`x^3` cannot overflow. Smooth and non-monotonic; minimum
    :math:`\approx -0.16997` at :math:`x \approx -0.7518`.

    References
    ----------
    Hendrycks & Gimpel (2016), "Gaussian error linear units (GELUs)",
    arXiv:1606.08415.

    Examples
    --------
    >>> g = get("gelu")
    >>> print(g(0.0), g.grad(0.0))
    0.0 0.5
    >>> exact, approx = g(1.0), get("gelu", approximate="tanh")(1.0)
    >>> print(round(float(exact), 6), round(float(approx), 6))
    0.841345 0.841192
    """

    name = "gelu"
    reference = "Hendrycks & Gimpel (2016), Gaussian error linear units (GELUs), arXiv:1606.08415"
    shown_in = ("activation_explorer",)
    attained_at = property(lambda self: (-0.7524614292644818 if self.approximate == "tanh" else -0.7517915228369034, None))

    def __init__(self, approximate="none"):
        if not isinstance(approximate, str) or approximate not in ("none", "tanh"):
            raise ValueError(f"Invalid approximate: {approximate!r} (must be 'none' or 'tanh')")
        self.approximate = approximate

    @property
    def latex(self):
        if self.approximate == "tanh":
            return (r"\operatorname{GELU}_{\tanh}(x) = \frac{x}{2}\left(1 + \tanh\left(\sqrt{\frac{2}{\pi}}"
                    r"\left(x + 0.044715 x^{3}\right)\right)\right)")
        return (r"\operatorname{GELU}(x) = x\,\Phi(x) = \frac{x}{2}\left(1 + "
                r"\operatorname{erf}\left(\frac{x}{\sqrt{2}}\right)\right)")

    @property
    def latex_grad(self):
        if self.approximate == "tanh":
            return (r"\operatorname{GELU}_{\tanh}'(x) = \frac{1 + \tanh(u)}{2} + \frac{x}{2}"
                    r"\left(1 - \tanh^{2}(u)\right)\sqrt{\frac{2}{\pi}}\left(1 + 3 \cdot 0.044715 x^{2}"
                    r"\right),\quad u = \sqrt{\frac{2}{\pi}}\left(x + 0.044715 x^{3}\right)")
        return r"\operatorname{GELU}'(x) = \Phi(x) + \frac{x}{\sqrt{2\pi}} e^{-x^{2}/2}"

    output_range = property(lambda self: (
        -0.17004075057125406 if self.approximate == "tanh" else -0.16997120747990366, INF))
    monotonic = False

    def _u2(self, x):
        """2u = 2 sqrt(2/pi) (x + 0.044715 x^3), with x clipped to +-30."""
        xc = np.clip(x, -_GELU_CLIP, _GELU_CLIP)
        return (2 * _GELU_TANH_C) * (xc + _GELU_TANH_K * (xc * xc * xc)), xc

    def _forward(self, x):
        if self.approximate == "tanh":
            return x * sigmoid(self._u2(x)[0])  # (x/2)(1 + tanh u) = x sigma(2u)
        x64 = x.astype(np.float64)
        return (x64 * normal_cdf(x64)).astype(x.dtype)

    def _grad(self, x):
        if self.approximate == "tanh":
            u2, xc = self._u2(x)
            s, s_minus = sigmoid_pair(u2)  # sigma(2u), sigma(-2u)
            du2 = (2 * _GELU_TANH_C) * (1 + (3 * _GELU_TANH_K) * (xc * xc))  # d(2u)/dx
            return s + (x * (s * s_minus)) * du2
        x64 = x.astype(np.float64)
        return (normal_cdf(x64) + x64 * normal_pdf(x64)).astype(x.dtype)

    def _symbolic(self, sp, x, p):
        if self.approximate == "tanh":
            u = sp.sqrt(2 / sp.pi) * (x + sp.Rational(44715, 1000000) * x**3)
            return x / 2 * (1 + sp.tanh(u))
        return x / 2 * (1 + sp.erf(x / sp.sqrt(2)))


class Mish(Activation):
    r"""Mish: :math:`x \tanh(\operatorname{softplus}(x))`.

    .. math::
        \operatorname{Mish}(x) = x\tanh\bigl(\log(1 + e^{x})\bigr), \qquad
        \operatorname{Mish}'(x) = \tanh(s) + x\,\sigma(x)\bigl(1 - \tanh^2(s)\bigr),
        \quad s = \log(1 + e^{x})

    Notes
    -----
    Uses the stable softplus and computes :math:`1 - \tanh^2(s)` as
    :math:`4w/(1+w)^2`, :math:`w = e^{-2s}`, which keeps relative accuracy for
    large :math:`x`. Smooth, non-monotonic, minimum :math:`\approx -0.30884` at
    :math:`x \approx -1.1924`.

    References
    ----------
    Misra (2020), "Mish: a self regularized non-monotonic activation function",
    BMVC (arXiv:1908.08681).

    Examples
    --------
    >>> m = get("mish")
    >>> print(m(0.0), round(float(m.grad(0.0)), 4))
    0.0 0.6
    """

    name = "mish"
    latex = (r"\operatorname{Mish}(x) = x\tanh\left(\operatorname{softplus}(x)\right)"
             r" = x\tanh\left(\log\left(1 + e^{x}\right)\right)")
    latex_grad = (r"\operatorname{Mish}'(x) = \tanh(s) + x\,\sigma(x)\left(1 - \tanh^{2}(s)\right),"
                  r"\quad s = \log\left(1 + e^{x}\right)")
    reference = "Misra (2020), Mish: a self regularized non-monotonic activation function, BMVC"
    attained_at = (-1.1924311833416081, None)
    output_range = (-0.30884341301725043, INF)
    monotonic = False

    def _forward(self, x):
        return x * np.tanh(softplus(x))

    def _grad(self, x):
        s = softplus(x)  # >= 0
        e = np.exp(-s)
        w = e * e  # e^{-2s}
        sech2 = 4 * w / ((1 + w) * (1 + w))  # 1 - tanh(s)^2, without cancellation
        return np.tanh(s) + (x * sigmoid(x)) * sech2

    def _symbolic(self, sp, x, p):
        return x * sp.tanh(sp.log(1 + sp.exp(x)))


class HardSwish(Activation):
    r"""Hard swish (PyTorch ``Hardswish``): :math:`x\,\operatorname{ReLU6}(x + 3)/6`.

    .. math::
        \operatorname{HardSwish}(x) = x\,\frac{\min(\max(0, x + 3), 6)}{6}, \qquad
        \operatorname{HardSwish}'(x) = \begin{cases} 0 & x \le -3 \\
        \frac{2x + 3}{6} & -3 < x < 3 \\ 1 & x \ge 3 \end{cases}

    Notes
    -----
    A piecewise-quadratic swish without exponentials (cheap on phones). The
    derivative jumps at both kinks: from 0 to -1/2 at -3 and from 3/2 to 1 at 3.
    PyTorch takes the *outer* value at each kink (0 at -3, 1 at 3; checked
    against autograd in the golden fixture), as for its hard sigmoid. Minimum -3/8 at
    :math:`x = -3/2`. Computed as :math:`x\cdot(\mathrm{clip}(x+3, 0, 6)/6)`,
    finite at float max (PyTorch's float32 result there is inf).

    References
    ----------
    Howard et al. (2019), "Searching for MobileNetV3", ICCV.

    Examples
    --------
    >>> h = get("hard_swish")
    >>> print(h(np.array([-4.0, -1.5, 4.0])), h.grad(-3.0), h.grad(3.0))
    [-0.    -0.375  4.   ] 0.0 1.0
    """

    name = "hard_swish"
    latex = r"\operatorname{HardSwish}(x) = x\,\frac{\min\left(\max(0, x + 3), 6\right)}{6}"
    latex_grad = (r"\operatorname{HardSwish}'(x) = \begin{cases} 0 & x \le -3 \\ \frac{2x + 3}{6} &"
                  r" -3 < x < 3 \\ 1 & x \ge 3 \end{cases}")
    reference = "Howard et al. (2019), Searching for MobileNetV3, ICCV"
    attained_at = (-1.5, None)
    output_range = (-0.375, INF)
    monotonic = False
    smooth = False
    kinks = (-3.0, 3.0)

    def _forward(self, x):
        return x * (np.clip(x + 3, 0, 6) / 6)

    def _grad(self, x):
        inner = x / 3 + x.dtype.type(0.5)  # NaN stays NaN through this term
        inner *= ((x > -3) & (x < 3)).astype(x.dtype)  # 0 * NaN = NaN
        inner += (x >= 3).astype(x.dtype)
        return inner

    def _symbolic(self, sp, x, p):
        return sp.Piecewise((0, x <= -3), (x * (x + 3) / 6, x < 3), (x, True))
