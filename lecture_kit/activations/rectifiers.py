r"""Rectifiers: piecewise linear with a kink at 0 (ReLU, leaky ReLU, PReLU, RReLU, ReLU6),
and the identity.

The leaky rectifiers (leaky ReLU, PReLU, RReLU) share one implementation,
:class:`LeakyRectifier`: slope 1 for :math:`x > 0` and a slope :math:`a` for
:math:`x \le 0`; each class only says where its slope comes from.
"""

from __future__ import annotations

import numpy as np

from ..core.numerics import max0, min0
from ..core.validation import as_float_array, as_generator, check_flag, check_same_shape
from ._base import INF, Activation, get, finish, indicator, keep_nan, positive, prepare, real, select

def _leaky(x, slope):
    """Value and derivative of ``x if x > 0 else slope * x`` (slope already in x's dtype)."""
    y = min0(x)
    with np.errstate(over="ignore"):  # |slope| > 1 may overflow to inf: the rounded result
        y *= slope
    y += max0(x)  # NaN stays NaN through max and min
    g = keep_nan(select(positive(x), x.dtype.type(1), slope), x)
    return y, g


class LeakyRectifier(Activation):
    """The one implementation of the leaky rectifiers: slope 1 for x > 0, ``slope`` below.

    A subclass says where its slope comes from (the property ``slope`` and the
    SymPy expression ``_slope_symbol(p)``); value, derivative, symbolic form and
    metadata are written here once.
    """

    init_scheme = "he"

    @property
    def slope(self):  # pragma: no cover - every subclass overrides it
        raise NotImplementedError

    def _slope_symbol(self, p):  # pragma: no cover
        raise NotImplementedError

    smooth = property(lambda self: self.slope == 1.0)
    monotonic = property(lambda self: self.slope >= 0.0)
    zero_centered = property(lambda self: self.slope == 1.0)
    kinks = property(lambda self: () if self.slope == 1.0 else (0.0,))
    output_range = property(lambda self: (-INF if self.slope > 0 else 0.0, INF))
    attained_at = property(lambda self: (None if self.slope > 0 else 0.0, None))

    def _forward(self, x):
        return _leaky(x, x.dtype.type(self.slope))[0]

    def _grad(self, x):
        return _leaky(x, x.dtype.type(self.slope))[1]

    def _symbolic(self, sp, x, p):
        return sp.Piecewise((x, x > 0), (self._slope_symbol(p) * x, True))


class ReLU(LeakyRectifier):
    r"""Rectified linear unit, :math:`\max(0, x)`.

    .. math::
        \operatorname{ReLU}(x) = \max(0, x), \qquad
        \operatorname{ReLU}'(x) = \begin{cases} 1 & x > 0 \\ 0 & x \le 0 \end{cases}

    Notes
    -----
    The derivative does not exist at 0; PyTorch (and this module) use 0 there,
    some texts use 1 (:math:`x \ge 0`). Any value in [0, 1] is a valid
    subgradient. The slope 1 for :math:`x > 0` is why ReLU does not shrink
    gradients; the slope 0 for :math:`x < 0` is why a unit can "die". The forward
    pass is ``np.maximum(x, 0)``, which keeps NaN (``np.fmax`` would not); the
    derivative is the indicator of :math:`x > 0`, with NaN put back at NaN.

    References
    ----------
    Nair & Hinton (2010), "Rectified linear units improve restricted Boltzmann
    machines", ICML; Glorot, Bordes & Bengio (2011), "Deep sparse rectifier
    neural networks", AISTATS.

    Examples
    --------
    >>> r = get("relu")
    >>> print(r.grad(np.array([-1.0, 0.0, 1.0])))
    [0. 0. 1.]
    """

    name = "relu"
    latex = r"\operatorname{ReLU}(x) = \max(0, x)"
    latex_grad = r"\operatorname{ReLU}'(x) = \begin{cases} 1 & x > 0 \\ 0 & x \le 0 \end{cases}"
    reference = "Nair & Hinton (2010), ICML; Glorot, Bordes & Bengio (2011), AISTATS"
    gain = 2.0 ** 0.5
    shown_in = ("activation_explorer",)
    slope = 0.0  # the leaky rectifier with slope 0: metadata, derivative, formula shared

    def _slope_symbol(self, p):
        return 0

    def _forward(self, x):
        return max0(x)  # the shared formula with slope 0, in one pass (the hot path)


class LeakyReLU(LeakyRectifier):
    r"""Leaky ReLU: slope ``negative_slope`` (:math:`\alpha`) for negative inputs.

    .. math::
        \operatorname{LeakyReLU}(x) = \begin{cases} x & x > 0 \\ \alpha x & x \le 0
        \end{cases}, \qquad
        \operatorname{LeakyReLU}'(x) = \begin{cases} 1 & x > 0 \\ \alpha & x \le 0
        \end{cases}

    Parameters
    ----------
    negative_slope : float
        :math:`\alpha`, default 0.01 (PyTorch). Any finite value is accepted, as
        in PyTorch; a negative slope makes the function non-monotonic.

    Notes
    -----
    The derivative at 0 is the slope :math:`\alpha` (PyTorch). The small slope
    keeps a gradient flowing through units that a ReLU would switch off. Maas et
    al. used :math:`\alpha = 0.01`; the course's examples also use 0.1.

    References
    ----------
    Maas, Hannun & Ng (2013), "Rectifier nonlinearities improve neural network
    acoustic models", ICML Workshop on Deep Learning for Audio, Speech and
    Language Processing.

    Examples
    --------
    >>> a = get("leaky_relu", negative_slope=0.1)
    >>> print(a(np.array([-2.0, 3.0])), a.grad(0.0))
    [-0.2  3. ] 0.1
    """

    name = "leaky_relu"
    latex = r"\operatorname{LeakyReLU}(x) = \begin{cases} x & x > 0 \\ \alpha x & x \le 0 \end{cases}"
    latex_grad = (r"\operatorname{LeakyReLU}'(x) = \begin{cases} 1 & x > 0 \\"
                  r" \alpha & x \le 0 \end{cases}")
    reference = "Maas, Hannun & Ng (2013), ICML Workshop (leaky rectifier)"
    _symbols = {"negative_slope": "alpha"}

    def __init__(self, negative_slope=0.01):
        self.negative_slope = real(negative_slope, "negative_slope")

    shown_in = ("activation_explorer",)
    slope = property(lambda self: self.negative_slope)
    gain = property(lambda self: (2.0 / (1 + self.negative_slope ** 2)) ** 0.5)

    def _slope_symbol(self, p):
        return p("negative_slope")


class PReLU(LeakyRectifier):
    r"""Parametric ReLU: a leaky ReLU whose slope :math:`\alpha` is learned.

    .. math::
        \operatorname{PReLU}(x) = \begin{cases} x & x > 0 \\ \alpha x & x \le 0
        \end{cases}, \qquad
        \frac{\partial y}{\partial x} = \begin{cases} 1 & x > 0 \\ \alpha & x \le 0
        \end{cases}, \qquad
        \frac{\partial y}{\partial \alpha} = \begin{cases} 0 & x > 0 \\ x & x \le 0
        \end{cases}

    Parameters
    ----------
    alpha : float
        Initial slope, default 0.25 (He et al., PyTorch). One slope shared by all
        units, like PyTorch's default ``num_parameters=1``.

    Notes
    -----
    :meth:`grad_alpha` gives :math:`\partial y/\partial\alpha` elementwise, so
    :math:`\partial L/\partial\alpha = \sum_i \delta_i\,\partial y_i/\partial\alpha`
    for upstream gradients :math:`\delta`; ``a.replace(alpha=new)`` gives the
    updated activation. Derivatives at 0 follow PyTorch: :math:`\partial y /
    \partial x = \alpha` and :math:`\partial y / \partial\alpha = 0`. Tables that
    write :math:`f'(0) = 1` (:math:`x \ge 0`) use another valid subgradient,
    not PyTorch's.

    References
    ----------
    He, Zhang, Ren & Sun (2015), "Delving deep into rectifiers: surpassing
    human-level performance on ImageNet classification", ICCV.

    Examples
    --------
    >>> a = get("prelu")
    >>> x = np.array([-2.0, 0.0, 3.0])
    >>> print(a(x), a.grad(x), a.grad_alpha(x))
    [-0.5  0.   3. ] [0.25 0.25 1.  ] [-2.  0.  0.]
    """

    name = "prelu"
    latex = r"\operatorname{PReLU}(x) = \begin{cases} x & x > 0 \\ \alpha x & x \le 0 \end{cases}"
    latex_grad = (r"\operatorname{PReLU}'(x) = \begin{cases} 1 & x > 0 \\"
                  r" \alpha & x \le 0 \end{cases}")
    reference = "He, Zhang, Ren & Sun (2015), Delving deep into rectifiers, ICCV"
    _symbols = {"alpha": "alpha"}

    def __init__(self, alpha=0.25):
        self.alpha = real(alpha, "alpha")

    slope = property(lambda self: self.alpha)

    def _slope_symbol(self, p):
        return p("alpha")

    def grad_alpha(self, x):
        r"""Elementwise :math:`\partial y/\partial\alpha`: 0 for :math:`x > 0`, :math:`x` otherwise."""
        arr, work = prepare(x)
        return finish(min0(work), arr, work, self.name)



class RReLU(LeakyRectifier):
    r"""Randomized leaky ReLU: a random slope per element while training.

    .. math::
        \operatorname{RReLU}(x) = \begin{cases} x & x > 0 \\ a x & x \le 0 \end{cases},
        \qquad a \sim U[l, u] \text{ (training)}, \quad a = \frac{l + u}{2}
        \text{ (evaluation)},

    with :math:`l` = ``lower``, :math:`u` = ``upper``; the derivative is 1 for
    :math:`x > 0` and :math:`a` for :math:`x \le 0` (PyTorch's value at 0).

    Parameters
    ----------
    lower, upper : float
        Range of the slope, default 1/8 and 1/3 (PyTorch); ``lower <= upper``.

    Notes
    -----
    ``a(x)`` is evaluation mode. ``a(x, training=True, rng=rng)`` draws one slope
    per element from :math:`U[l, u]` with the ``numpy.random.Generator`` ``rng``
    (required: the library never uses global random state). For the backward
    pass of a training step, ask for the slopes and hand them back::

        y, slopes = a(x, training=True, rng=rng, return_slopes=True)
        dx = upstream * a.grad(x, slopes=slopes)

    ``a.grad(x)`` without slopes is the evaluation-mode derivative.

    Folklore differs: Xu et al. divide negative inputs by :math:`a \sim U(3, 8)`
    and at test time by :math:`(3 + 8)/2`, i.e. a slope of 2/11 ≈ 0.18;
    PyTorch (and the course) sample the slope itself from :math:`U[1/8, 1/3]` and
    use the mean slope 11/48 ≈ 0.23 at evaluation. This module follows PyTorch.

    References
    ----------
    Xu, Wang, Chen & Li (2015), "Empirical evaluation of rectified activations in
    convolutional network", arXiv:1505.00853.

    Examples
    --------
    >>> a = get("rrelu")
    >>> print(a(-48.0))                   # evaluation: slope (1/8 + 1/3)/2 = 11/48
    -11.0
    >>> rng = np.random.default_rng(0)
    >>> y, slopes = a(np.full(3, -1.0), training=True, rng=rng, return_slopes=True)
    >>> bool(np.all((slopes >= 1 / 8) & (slopes <= 1 / 3))), bool(np.all(y == -slopes))
    (True, True)
    """

    name = "rrelu"
    latex = (r"\operatorname{RReLU}(x) = \begin{cases} x & x > 0 \\ \frac{l + u}{2} x & x \le 0"
             r" \end{cases}")
    latex_grad = (r"\operatorname{RReLU}'(x) = \begin{cases} 1 & x > 0 \\ \frac{l + u}{2} & x \le 0"
                  r" \end{cases}")
    reference = "Xu, Wang, Chen & Li (2015), Empirical evaluation of rectified activations, arXiv:1505.00853"
    _symbols = {"lower": "l", "upper": "u"}

    def __init__(self, lower=1.0 / 8.0, upper=1.0 / 3.0):
        self.lower = real(lower, "lower")
        self.upper = real(upper, "upper")
        if self.lower > self.upper:
            raise ValueError(f"Invalid rrelu range: lower={lower!r} > upper={upper!r}")

    # evaluation uses the mean slope; the metadata covers every slope in [l, u]
    slope = property(lambda self: (self.lower + self.upper) / 2)
    monotonic = property(lambda self: self.lower >= 0.0)
    smooth = property(lambda self: self.lower == self.upper == 1.0)
    zero_centered = smooth
    kinks = property(lambda self: () if self.smooth else (0.0,))
    output_range = property(lambda self: (-INF if self.upper > 0 else 0.0, INF))
    attained_at = property(lambda self: (None if self.upper > 0 else 0.0, None))

    def _slope_symbol(self, p):
        return (p("lower") + p("upper")) / 2

    def _slopes(self, work, training, rng):
        if not check_flag(training, "training"):
            return np.full_like(work, self.slope)
        if rng is None:
            raise ValueError("rrelu in training mode samples random slopes: pass "
                             "rng=np.random.default_rng(seed) (or an int seed)")
        rng = as_generator(rng)
        return rng.uniform(self.lower, self.upper, size=work.shape).astype(work.dtype)

    def __call__(self, x, *, training=False, rng=None, return_slopes=False):
        """Value; evaluation mode unless ``training=True`` (then ``rng`` is required).

        With ``return_slopes=True`` also return the slope used for each element
        (the one that multiplies it if it is negative), for :meth:`grad`.
        """
        arr, work = prepare(x)
        slopes = self._slopes(work, training, rng)
        with np.errstate(over="ignore"):  # a slope > 1 may overflow to inf: the rounded result
            y = np.where(work > 0, work, slopes * work)
        y = finish(y, arr, work, self.name)
        return (y, finish(slopes, arr, work, self.name)) if return_slopes else y

    def grad(self, x, *, slopes=None):
        """Derivative: 1 for x > 0, else the slope (``slopes`` from a training call)."""
        if slopes is None:
            return super().grad(x)
        arr, work = prepare(x)
        s = as_float_array(slopes, "slopes")
        check_same_shape(arr, s, "x", "slopes")
        s = s.astype(work.dtype).reshape(work.shape)
        return finish(keep_nan(np.where(work > 0, work.dtype.type(1), s), work), arr, work, self.name)


class ReLU6(Activation):
    r"""ReLU capped at 6: :math:`\min(\max(0, x), 6)`.

    .. math::
        \operatorname{ReLU6}(x) = \min(\max(0, x), 6), \qquad
        \operatorname{ReLU6}'(x) = \begin{cases} 1 & 0 < x < 6 \\ 0 & \text{otherwise}
        \end{cases}

    Notes
    -----
    Derivative 0 at both kinks, 0 and 6 (PyTorch). The cap bounds activations,
    which helps low-precision (fixed-point) arithmetic.

    References
    ----------
    Krizhevsky (2010), "Convolutional deep belief networks on CIFAR-10",
    technical report, University of Toronto; Howard et al. (2017), MobileNets.

    Examples
    --------
    >>> r = get("relu6")
    >>> print(r(np.array([-1.0, 3.0, 9.0])), r.grad(6.0))
    [0. 3. 6.] 0.0
    """

    name = "relu6"
    latex = r"\operatorname{ReLU6}(x) = \min\left(\max(0, x), 6\right)"
    latex_grad = (r"\operatorname{ReLU6}'(x) = \begin{cases} 1 & 0 < x < 6 \\"
                  r" 0 & \text{otherwise} \end{cases}")
    reference = "Krizhevsky (2010), Convolutional deep belief networks on CIFAR-10, tech. report"
    attained_at = (0.0, 6.0)
    init_scheme = "he"
    output_range = (0.0, 6.0)
    smooth = False
    saturating = True
    kinks = (0.0, 6.0)

    def _forward(self, x):
        return np.minimum(np.maximum(x, 0), 6)

    def _grad(self, x):
        return indicator((x > 0) & (x < 6), x)

    def _symbolic(self, sp, x, p):
        return sp.Piecewise((0, x <= 0), (x, x < 6), (6, True))

