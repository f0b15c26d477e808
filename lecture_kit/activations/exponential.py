"""Exponential linear units: identity for x > 0, a negative side saturating to -alpha.

ELU, SELU (the self-normalising constants) and CELU.
"""

from __future__ import annotations

import numpy as np

from ..core.numerics import max0, min0
from ._base import INF, Activation, get, positive, real, select

def _elu(x, alpha):
    """Value and derivative of ELU (alpha in x's dtype); exp only of min(x, 0) <= 0."""
    negative = min0(x)
    y = np.expm1(negative)
    y *= alpha
    y += max0(x)  # x > 0: x + alpha (e^0 - 1) = x exactly
    e = np.exp(negative, out=negative)
    e *= alpha
    g = select(positive(x), x.dtype.type(1), e)  # NaN: exp(NaN) = NaN
    return y, g


class ELU(Activation):
    r"""Exponential linear unit: identity for :math:`x > 0`, :math:`\alpha(e^x - 1)` below.

    .. math::
        \operatorname{ELU}(x) = \begin{cases} x & x > 0 \\ \alpha\left(e^{x} - 1\right)
        & x \le 0 \end{cases}, \qquad
        \operatorname{ELU}'(x) = \begin{cases} 1 & x > 0 \\ \alpha e^{x} & x \le 0
        \end{cases}

    Parameters
    ----------
    alpha : float
        Negative saturation value (:math:`\operatorname{ELU} \to -\alpha`),
        default 1.0; must be >= 0 (the paper requires :math:`\alpha > 0`; 0 gives
        ReLU). PyTorch accepts negative values, which make ELU non-monotonic.

    Notes
    -----
    Derivative at 0: PyTorch takes the left branch, :math:`\alpha e^0 = \alpha`;
    only for :math:`\alpha = 1` is ELU continuously differentiable. On the
    negative side :math:`\operatorname{ELU}'(x) = \operatorname{ELU}(x) + \alpha`
    (a form often quoted, and correct). ``expm1`` keeps :math:`e^x - 1` accurate
    near 0, and the exponential only ever sees :math:`\min(x, 0)`.

    References
    ----------
    Clevert, Unterthiner & Hochreiter (2016), "Fast and accurate deep network
    learning by exponential linear units (ELUs)", ICLR.

    Examples
    --------
    >>> e = get("elu", alpha=0.5)
    >>> print(e(-1000.0), e.grad(0.0))
    -0.5 0.5
    """

    name = "elu"
    latex = (r"\operatorname{ELU}(x) = \begin{cases} x & x > 0 \\ \alpha\left(e^{x} - 1\right)"
             r" & x \le 0 \end{cases}")
    latex_grad = (r"\operatorname{ELU}'(x) = \begin{cases} 1 & x > 0 \\ \alpha e^{x} & x \le 0"
                  r" \end{cases}")
    reference = "Clevert, Unterthiner & Hochreiter (2016), Exponential linear units (ELUs), ICLR"
    shown_in = ("activation_explorer",)
    smooth_order = "C1"  # alpha = 1: f'' jumps from 1 to 0 at 0
    attained_at = property(lambda self: (None if self.alpha else 0.0, None))
    _symbols = {"alpha": "alpha"}

    def __init__(self, alpha=1.0):
        self.alpha = real(alpha, "alpha", minimum=0.0)

    smooth = property(lambda self: self.alpha == 1.0)
    kinks = property(lambda self: () if self.alpha == 1.0 else (0.0,))
    output_range = property(lambda self: (-self.alpha if self.alpha else 0.0, INF))

    def _forward(self, x):
        return _elu(x, x.dtype.type(self.alpha))[0]

    def _grad(self, x):
        return _elu(x, x.dtype.type(self.alpha))[1]

    def _symbolic(self, sp, x, p):
        return sp.Piecewise((x, x > 0), (p("alpha") * (sp.exp(x) - 1), True))


# PyTorch's constants (torch.nn.SELU), from Klambauer et al.
_SELU_ALPHA = "1.6732632423543772848170429916717"
_SELU_SCALE = "1.0507009873554804934193349852946"


class SELU(Activation):
    r"""Scaled ELU with the self-normalising constants :math:`\lambda, \alpha`.

    .. math::
        \operatorname{SELU}(x) = \lambda \begin{cases} x & x > 0 \\
        \alpha\left(e^{x} - 1\right) & x \le 0 \end{cases}, \qquad
        \operatorname{SELU}'(x) = \lambda \begin{cases} 1 & x > 0 \\ \alpha e^{x} & x
        \le 0 \end{cases}

    with :math:`\alpha \approx 1.6733` and :math:`\lambda \approx 1.0507` (the
    32-digit values of PyTorch, ``SELU.ALPHA`` and ``SELU.SCALE``).

    Notes
    -----
    Derivative at 0: :math:`\lambda\alpha \approx 1.7581` (PyTorch, left branch).
    With these constants, mean 0 and variance 1 is a fixed point of a layer with
    standard-normal-initialised weights of variance :math:`1/n`. For float32 input
    near 3.4e38, :math:`\lambda x` exceeds the largest float32 and is ``inf``.

    References
    ----------
    Klambauer, Unterthiner, Mayr & Hochreiter (2017), "Self-normalizing neural
    networks", NeurIPS.

    Examples
    --------
    >>> s = get("selu")
    >>> print(round(float(s.grad(0.0)), 4), round(float(s(1.0)), 4))
    1.7581 1.0507
    """

    name = "selu"
    ALPHA = float(_SELU_ALPHA)
    SCALE = float(_SELU_SCALE)
    latex = (r"\operatorname{SELU}(x) = \lambda \begin{cases} x & x > 0 \\"
             r" \alpha\left(e^{x} - 1\right) & x \le 0 \end{cases}")
    latex_grad = (r"\operatorname{SELU}'(x) = \lambda \begin{cases} 1 & x > 0 \\"
                  r" \alpha e^{x} & x \le 0 \end{cases}")
    reference = "Klambauer, Unterthiner, Mayr & Hochreiter (2017), Self-normalizing neural networks, NeurIPS"
    gain = 3.0 / 4.0
    zero_mean = True  # the self-normalising fixed point: E selu(z) = 0
    output_range = (-float(_SELU_SCALE) * float(_SELU_ALPHA), INF)
    smooth = False
    kinks = (0.0,)
    _symbols = {"SCALE": "lambda", "ALPHA": "alpha"}

    def _forward(self, x):
        y = _elu(x, x.dtype.type(self.ALPHA))[0]
        with np.errstate(over="ignore"):  # lambda * x > float max: inf is the rounded result
            return x.dtype.type(self.SCALE) * y

    def _grad(self, x):
        return x.dtype.type(self.SCALE) * _elu(x, x.dtype.type(self.ALPHA))[1]

    def symbolic(self, x=None, *, symbolic_params=False):
        # the constants are not parameters: give SymPy all 32 digits
        import sympy

        if x is None:
            x = sympy.Symbol("x", real=True)
        if symbolic_params:
            lam, alpha = sympy.symbols("lambda alpha", real=True)
        else:
            lam, alpha = sympy.Float(_SELU_SCALE, 32), sympy.Float(_SELU_ALPHA, 32)
        return lam * sympy.Piecewise((x, x > 0), (alpha * (sympy.exp(x) - 1), True))


class CELU(Activation):
    r"""Continuously differentiable ELU: :math:`\alpha(e^{x/\alpha} - 1)` for :math:`x \le 0`.

    .. math::
        \operatorname{CELU}(x) = \begin{cases} x & x > 0 \\
        \alpha\left(e^{x/\alpha} - 1\right) & x \le 0 \end{cases}, \qquad
        \operatorname{CELU}'(x) = \begin{cases} 1 & x > 0 \\ e^{x/\alpha} & x \le 0
        \end{cases}

    Parameters
    ----------
    alpha : float
        Default 1.0 (then CELU = ELU); must be > 0. PyTorch refuses 0 and accepts
        negative values, for which the negative branch grows exponentially.

    Notes
    -----
    Unlike ELU, the slope at 0 is 1 from both sides for every :math:`\alpha`: no
    kink. For tiny :math:`\alpha`, :math:`x/\alpha` may overflow to :math:`-\infty`;
    :math:`e^{-\infty} - 1 = -1` is then exact.

    References
    ----------
    Barron (2017), "Continuously differentiable exponential linear units",
    arXiv:1704.07483.

    Examples
    --------
    >>> c = get("celu", alpha=2.0)
    >>> print(c.grad(0.0), c(-1000.0))
    1.0 -2.0
    """

    name = "celu"
    latex = (r"\operatorname{CELU}(x) = \begin{cases} x & x > 0 \\"
             r" \alpha\left(e^{x/\alpha} - 1\right) & x \le 0 \end{cases}")
    latex_grad = (r"\operatorname{CELU}'(x) = \begin{cases} 1 & x > 0 \\ e^{x/\alpha} & x \le 0"
                  r" \end{cases}")
    reference = "Barron (2017), Continuously differentiable exponential linear units, arXiv:1704.07483"
    smooth_order = "C1"  # f'' jumps from 1/alpha to 0 at 0
    _symbols = {"alpha": "alpha"}

    def __init__(self, alpha=1.0):
        self.alpha = real(alpha, "alpha", minimum=0.0, strict=True)

    output_range = property(lambda self: (-self.alpha, INF))

    def _scaled_negative(self, x):
        with np.errstate(over="ignore"):  # -inf for tiny alpha: exp(-inf) = 0, exact
            return min0(x) / x.dtype.type(self.alpha)

    def _forward(self, x):
        alpha = x.dtype.type(self.alpha)
        y = np.expm1(self._scaled_negative(x))
        y *= alpha
        y += max0(x)
        return y

    def _grad(self, x):
        return select(positive(x), x.dtype.type(1), np.exp(self._scaled_negative(x)))

    def _symbolic(self, sp, x, p):
        alpha = p("alpha")
        return sp.Piecewise((x, x > 0), (alpha * (sp.exp(x / alpha) - 1), True))
