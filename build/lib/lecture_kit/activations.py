r"""Activation functions: values, derivatives, formulas and where they come from.

An activation is a small object made by :func:`get`; :func:`names` lists them all.

>>> relu = get("relu")
>>> x = np.array([-2.0, 0.0, 3.0])
>>> print(relu(x), relu.grad(x))
[0. 0. 3.] [0. 0. 1.]

Every activation ``a`` offers

* ``a(x)``, the value, and ``a.grad(x)``, the elementwise derivative
  :math:`dy/dx`. Each class writes the two side by side, as micrograd does, so
  the local derivative sits next to the rule it differentiates;
* ``a.name``, ``a.params`` (its parameters with the defaults filled in, named as
  in PyTorch), ``repr(a)`` (``get('elu', alpha=1.0)``, which rebuilds it) and
  ``a.replace(**changes)``;
* ``a.latex`` and ``a.latex_grad`` (the formulas as LaTeX), ``a.symbolic(x)`` (a
  SymPy expression; ``sympy.Piecewise`` where the function is piecewise) and
  ``a.reference`` (the paper it comes from);
* metadata for the comparison table of the chapters, defined once here and
  checked by the tests:

  ``output_range``
      ``(inf, sup)`` of the values over the real line (a bound may or may not be
      attained; ``-inf``/``inf`` for unbounded sides).
  ``zero_centered``
      the function is odd, :math:`f(-x) = -f(x)`, so a zero-mean symmetric input
      gives a zero-mean output. ELU and SELU push the mean towards zero without
      being odd: they count as ``False``.
  ``monotonic``
      non-decreasing on the whole real line.
  ``smooth``
      continuously differentiable (:math:`C^1`): the derivative never jumps.
      ``a.kinks`` lists the points where it does (empty exactly when smooth).
  ``saturating``
      bounded on both sides, so the derivative vanishes for large :math:`|x|`
      (the sense of Krizhevsky et al. 2012). ELU, softplus and friends flatten out
      on the negative side only; ``output_range`` shows that.

Non-elementwise activations are functions: :func:`softmax`, :func:`log_softmax`
and :func:`maxout`, each with a vector-Jacobian product (``*_vjp``, what
backpropagation needs) and a Jacobian-vector product (``*_jvp``).

Numerics, the same for every function of this module
-----------------------------------------------------
* float16, float32 and float64 keep their dtype (float16 is computed in float32
  and rounded back); integer and boolean input becomes float64, so a ``uint8``
  200 is 200, not -56. Parameters are cast to the input's dtype: a float32 array
  times a float64 scalar would silently become float64.
* Scalars in give NumPy scalars out; strings, objects, complex numbers and
  ``None`` raise :class:`TypeError`.
* NaN in gives NaN out, for values *and* derivatives. (``np.where(x > 0, x, 0)``
  would turn NaN into 0: a comparison with NaN is False.)
* No ``exp`` of a large positive number, anywhere: every exponential is of
  :math:`-|x|` or of a clipped argument. Results are finite and warning-free at
  :math:`\pm 10^4` and at the largest float32/float16 numbers wherever the exact
  value fits in the dtype; a value that does not fit (SELU of 3.4e38 in float32)
  becomes ``inf``, the correctly rounded result, without a warning.
* Infinite inputs are not part of the contract: most functions return the
  limit, a few (e.g. ``swish(-inf) = -inf * 0``) return NaN with a warning.

Where this module departs from PyTorch (all checked in the tests)
------------------------------------------------------------------
* The derivative at NaN is NaN here; PyTorch returns e.g. ReLU'(NaN) = 1.
* Softplus is exact for every input; PyTorch returns ``x`` (and slope 1) once
  :math:`\beta x > 20`, an error of up to :math:`e^{-20} \approx 2\times10^{-9}`.
* Hard sigmoid: PyTorch's float64 backward uses the float32 number nearest to
  1/6 (0.1666666716...); here it is 1/6 in every dtype.
* GELU (tanh): :math:`\tfrac{x}{2}(1 + \tanh u) = x\,\sigma(2u)`; the second form,
  used here, keeps full relative accuracy in the negative tail where PyTorch's
  first form rounds to 0 (e.g. at :math:`x = -10`).
* tanh': :math:`4e^{-2|x|}/(1 + e^{-2|x|})^2` instead of :math:`1 - \tanh^2 x`,
  which rounds to 0 for :math:`|x| > 19`.
* float32 hard-swish and GELU of 3.4e38 are ``inf`` in PyTorch (an intermediate
  overflows); the exact value, 3.4e38, is returned here.
"""

from __future__ import annotations

import difflib
import inspect
import math
import numbers

import numpy as np

from ._validation import as_float_array, check_same_shape, restore_scalar

__all__ = [
    "Activation",
    "names",
    "get",
    "summary_table",
    "softmax",
    "softmax_vjp",
    "softmax_jvp",
    "softmax_jacobian",
    "log_softmax",
    "log_softmax_vjp",
    "log_softmax_jvp",
    "maxout",
    "maxout_vjp",
    "maxout_jvp",
]

_INF = math.inf

# Beyond |t| = 1000 the sigmoid is exactly 0 or 1 in every float dtype
# (e^-1000 underflows even in float64), so an argument can be clipped there
# without changing any result; clipping keeps beta * x from overflowing.
_SATURATED = 1000.0


# ---------------------------------------------------------------------------
# Input handling shared by every function
# ---------------------------------------------------------------------------


def _prepare(x, name="x"):
    """Return (validated array, array to compute with).

    The working array is float32 or float64 and at least 1-d (ufuncs turn 0-d
    arrays into scalars, which cannot take ``out=``); float16 is computed in
    float32 and long double in float64.
    """
    arr = as_float_array(x, name)
    if arr.dtype == np.float16:
        work = arr.astype(np.float32)
    elif arr.dtype not in (np.float32, np.float64):
        work = arr.astype(np.float64)
    else:
        work = arr
    return arr, work.reshape(work.shape or (1,))


def _finish(result, arr, work, who):
    """Give ``result`` the dtype and shape of the input ``arr`` (a scalar for a scalar)."""
    result = np.asarray(result)
    if result.dtype != work.dtype:  # a float64 constant slipped into a float32 computation
        raise AssertionError(f"internal error: {who} computed in {result.dtype} for {work.dtype}")
    if result.dtype != arr.dtype:
        # float16: an overflow here is the correctly rounded float16 result (inf)
        with np.errstate(over="ignore"):
            result = result.astype(arr.dtype)
    return restore_scalar(result.reshape(arr.shape), arr)


def _real(value, name, *, minimum=None, strict=False):
    """Return ``float(value)``: a finite real number, optionally bounded below."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    v = float(value)
    if not math.isfinite(v):
        raise ValueError(f"Invalid {name}: {value!r} (must be finite)")
    if minimum is not None and (v < minimum or (strict and v == minimum)):
        relation = ">" if strict else ">="
        raise ValueError(f"Invalid {name}: {value!r} (must be {relation} {minimum:g})")
    return v


def _keep_nan(g, x):
    """Put NaN back into ``g`` wherever ``x`` is NaN.

    A derivative built from comparisons loses NaN (``NaN > 0`` is False).
    """
    nan = np.isnan(x)
    if nan.any():  # a masked copy is slow (unpredictable branches): only when needed
        np.copyto(g, x, where=nan)
    return g


def _indicator(condition, x):
    """``condition`` as 0.0/1.0 in the dtype of ``x``, NaN where ``x`` is NaN."""
    return _keep_nan(condition.astype(x.dtype), x)


def _exp_minus_abs(t):
    """:math:`e^{-|t|}`, a number in (0, 1]: the only exponential the sigmoid family needs."""
    z = np.abs(t)
    np.negative(z, out=z)
    return np.exp(z, out=z)


def _max0(t):
    r""":math:`\max(t, 0)`, NaN kept. ``np.maximum(t, 0)`` with a scalar 0 runs a slow
    loop for float32; against an array of zeros it is a plain vector loop."""
    out = np.zeros(t.shape, t.dtype)
    return np.maximum(t, out, out=out)


def _min0(t):
    r""":math:`\min(t, 0)`, NaN kept (see :func:`_max0`)."""
    out = np.zeros(t.shape, t.dtype)
    return np.minimum(t, out, out=out)


def _positive(x):
    """1.0 where ``x > 0``, else 0.0 (NaN gives 0.0), in the dtype of ``x``."""
    return np.greater(x, 0).astype(x.dtype)


def _sigmoid(t):
    r"""Stable logistic function, never taking ``exp`` of a positive number.

    .. math:: \sigma(t) = \frac{e^{\min(t, 0)}}{1 + e^{-|t|}}

    which is :math:`1/(1+e^{-t})` for :math:`t \ge 0` and :math:`e^t/(1+e^t)`
    otherwise. Both exponentials are of numbers :math:`\le 0`, so nothing
    overflows and tiny results keep their relative accuracy. Branch-free:
    ``np.where`` over both branches, or a masked ufunc, costs several times more
    than the two exponentials (a mispredicted branch per element).
    """
    d = _exp_minus_abs(t)
    d += 1  # 1 + e^{-|t|}, in [1, 2]
    n = _min0(t)
    np.exp(n, out=n)  # e^{min(t, 0)}, in (0, 1]
    n /= d
    return n


def _sigmoid_pair(t):
    r"""Return :math:`\sigma(t)` and :math:`\sigma(-t) = 1 - \sigma(t)`, both accurate.

    Computing :math:`1 - \sigma(t)` by subtraction loses every digit once
    :math:`\sigma(t)` rounds to 1; here :math:`\sigma(-t) = e^{-\max(t, 0)}/(1 +
    e^{-|t|})` has its own numerator.
    """
    d = _exp_minus_abs(t)
    d += 1
    s = _min0(t)
    np.exp(s, out=s)
    s /= d
    s_minus = _max0(t)
    np.negative(s_minus, out=s_minus)
    np.exp(s_minus, out=s_minus)
    s_minus /= d
    return s, s_minus


def _softplus(x):
    r""":math:`\log(1 + e^x) = \max(x, 0) + \log(1 + e^{-|x|})`, exact and overflow-free."""
    return _max0(x) + np.log1p(_exp_minus_abs(x))


def _scaled(x, beta):
    r""":math:`\beta x`, clipped where the sigmoid is saturated (so it cannot overflow)."""
    b = x.dtype.type(beta)
    if beta <= 1.0:
        return b * x
    limit = x.dtype.type(_SATURATED / beta)
    return b * np.clip(x, -limit, limit)


# ---------------------------------------------------------------------------
# The error function in NumPy (GELU needs the normal CDF; SciPy is not a
# dependency of the package). Rational approximations of the Cephes library
# (S. L. Moshier, ndtr.c, public domain), the ones SciPy's erf/erfc use;
# relative error a few 1e-16. Coefficients from the highest degree down.
# ---------------------------------------------------------------------------

_ERF_T = (9.60497373987051638749e0, 9.00260197203842689217e1, 2.23200534594684319226e3,
          7.00332514112805075473e3, 5.55923013010394962768e4)
_ERF_U = (3.35617141647503099647e1, 5.21357949780152679795e2, 4.59432382970980127987e3,
          2.26290000613890934246e4, 4.92673942608635921086e4)  # leading 1 implied
_ERFC_P = (2.46196981473530512524e-10, 5.64189564831068821977e-1, 7.46321056442269912687e0,
           4.86371970985681366614e1, 1.96520832956077098242e2, 5.26445194995477358631e2,
           9.34528527171957607540e2, 1.02755188689515710272e3, 5.57535335369399327526e2)
_ERFC_Q = (1.32281951154744992508e1, 8.67072140885989742329e1, 3.54937778887819891062e2,
           9.75708501743205489753e2, 1.82390916687909736289e3, 2.24633760818710981792e3,
           1.65666309194161350182e3, 5.57535340817727675546e2)  # leading 1 implied
_ERFC_R = (5.64189583547755073984e-1, 1.27536670759978104416e0, 5.01905042251180477414e0,
           6.16021097993053585195e0, 7.40974269950448939160e0, 2.97886665372100240670e0)
_ERFC_S = (2.26052863220117276590e0, 9.39603524938001434673e0, 1.20489539808096656605e1,
           1.70814450747565897222e1, 9.60896809063285878198e0, 3.36907645100081516050e0)  # leading 1

_SQRT1_2 = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def _polevl(x, coefs, leading_one=False):
    """Horner's rule; ``leading_one`` prepends an implied coefficient 1."""
    y = x + coefs[0] if leading_one else np.full_like(x, coefs[0])
    for c in coefs[1:]:
        y = y * x + c
    return y


def _exp_neg_square(a, half=False):
    r""":math:`e^{-a^2}` (or :math:`e^{-a^2/2}`) for :math:`0 \le a \le 40`, to a few ulp.

    Rounding :math:`a^2` first would be amplified into a relative error of about
    :math:`a^2 \varepsilon` (1e-13 at a = 27). Split :math:`a = m + f` with
    :math:`m` a multiple of 1/32: :math:`m^2` is exact and only the small
    remainder :math:`(2m + f) f` is rounded.
    """
    m = np.floor(a * 32 + 0.5) / 32
    f = a - m
    c = 0.5 if half else 1.0
    return np.exp(-c * m * m) * np.exp(-c * (2 * m + f) * f)


def _erfc(x):
    r"""Complementary error function :math:`1 - \operatorname{erf}(x)` of a float64 array."""
    a = np.minimum(np.abs(x), 40.0)  # erfc(40) = 0 in float64; avoids overflow in a * a
    z = a * a
    erf_small = a * _polevl(z, _ERF_T) / _polevl(z, _ERF_U, leading_one=True)  # used for a < 1
    tail = np.where(a < 8,
                    _polevl(a, _ERFC_P) / _polevl(a, _ERFC_Q, leading_one=True),
                    _polevl(a, _ERFC_R) / _polevl(a, _ERFC_S, leading_one=True))
    erfc_abs = np.where(a < 1, 1 - erf_small, _exp_neg_square(a) * tail)
    return np.where(x < 0, 2 - erfc_abs, erfc_abs)


def _normal_cdf(x):
    r""":math:`\Phi(x) = \tfrac12 \operatorname{erfc}(-x/\sqrt2)`: relative accuracy in both tails."""
    return 0.5 * _erfc(-x * _SQRT1_2)


def _normal_pdf(x):
    r""":math:`\phi(x) = e^{-x^2/2}/\sqrt{2\pi}` (0 beyond :math:`|x| = 40`)."""
    return _exp_neg_square(np.minimum(np.abs(x), 40.0), half=True) * _INV_SQRT_2PI


def _sympy_number(value):
    """A readable exact SymPy number equal to the float ``value`` (1/3, 1/100, ...)."""
    import sympy

    simple = sympy.Rational(value).limit_denominator(10**6)
    return simple if float(simple) == value else sympy.Rational(repr(value))


# ---------------------------------------------------------------------------
# The base class
# ---------------------------------------------------------------------------


class Activation:
    """An elementwise activation :math:`y = f(x)` with its derivative :math:`dy/dx`.

    Subclasses set the class attributes below and write two short methods,
    ``_forward(x)`` and ``_grad(x)``, for a float32 or float64 array ``x`` of at
    least one dimension; the base class does the input checking, the dtype and the
    scalar handling (see the module docstring).

    Attributes
    ----------
    name : str
        Registry name, as accepted by :func:`get`.
    latex, latex_grad : str
        The function and its derivative as LaTeX ``"lhs = rhs"``; parameters appear
        as the symbols listed in :attr:`latex_symbols`.
    reference : str
        Where the function comes from.
    output_range : tuple of float
        ``(inf, sup)`` over the real line.
    zero_centered, monotonic, smooth, saturating : bool
        See the module docstring for the exact definitions.
    kinks : tuple of float
        Points where the derivative jumps; ``()`` exactly when ``smooth``.
    """

    name = "activation"
    latex = ""
    latex_grad = ""
    reference = ""
    output_range = (-_INF, _INF)
    zero_centered = False
    monotonic = True
    smooth = True
    saturating = False
    kinks = ()
    _symbols = {}  # attribute -> symbol name used in ``latex`` (e.g. "alpha" -> alpha)

    def __init__(self):
        """Activations without parameters take none."""

    # -- parameters -----------------------------------------------------------

    @classmethod
    def _param_names(cls):
        return [p for p in inspect.signature(cls.__init__).parameters if p != "self"]

    @property
    def params(self):
        """Parameters with their values (defaults filled in), PyTorch's names."""
        return {p: getattr(self, p) for p in self._param_names()}

    @property
    def latex_symbols(self):
        """Values of the symbols in :attr:`latex`, e.g. ``{"alpha": 1.0}``."""
        return {symbol: float(getattr(self, attr)) for attr, symbol in self._symbols.items()}

    def replace(self, **changes):
        """The same activation with some parameters changed (PReLU learning its alpha)."""
        return get(self.name, **{**self.params, **changes})

    def __repr__(self):
        args = "".join(f", {k}={v!r}" for k, v in self.params.items())
        return f"get({self.name!r}{args})"

    def __eq__(self, other):
        if not isinstance(other, Activation):
            return NotImplemented
        return (self.name, self.params) == (other.name, other.params)

    def __hash__(self):
        return hash((self.name, tuple(self.params.items())))

    # -- numbers ----------------------------------------------------------------

    def __call__(self, x):
        """Value :math:`f(x)`, elementwise."""
        arr, work = _prepare(x)
        return _finish(self._forward(work), arr, work, self.name)

    def grad(self, x):
        """Derivative :math:`f'(x)`, elementwise (PyTorch's value at a kink)."""
        arr, work = _prepare(x)
        return _finish(self._grad(work), arr, work, self.name)

    def _forward(self, x):  # pragma: no cover - every subclass overrides it
        raise NotImplementedError

    def _grad(self, x):  # pragma: no cover
        raise NotImplementedError

    # -- symbols ----------------------------------------------------------------

    def symbolic(self, x=None, *, symbolic_params=False):
        """The function as a SymPy expression in ``x``.

        Parameters
        ----------
        x : sympy.Symbol, optional
            The variable (a real symbol ``x`` if omitted).
        symbolic_params : bool
            If True, parameters appear as the symbols of :attr:`latex`
            (``alpha``, ``beta``, ...) instead of their values.

        Notes
        -----
        Piecewise conditions are written so that SymPy's derivative takes
        PyTorch's value at each kink (e.g. ReLU's ``(0, x <= 0)`` gives 0 at 0).
        """
        import sympy

        if x is None:
            x = sympy.Symbol("x", real=True)

        def p(attr):
            if symbolic_params:
                return sympy.Symbol(self._symbols[attr], real=True)
            return _sympy_number(float(getattr(self, attr)))

        return self._symbolic(sympy, x, p)

    def _symbolic(self, sp, x, p):  # pragma: no cover
        raise NotImplementedError


# ---------------------------------------------------------------------------
# Sigmoid family: bounded, smooth, saturating
# ---------------------------------------------------------------------------


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
    output_range = (0.0, 1.0)
    saturating = True

    def _forward(self, x):
        return _sigmoid(x)

    def _grad(self, x):
        z = _exp_minus_abs(x)
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
    The seeds' range "[-1, 1]" is the closure: tanh never reaches ±1.

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
    output_range = (-1.0, 1.0)
    zero_centered = True
    saturating = True

    def _forward(self, x):
        return np.tanh(x)

    def _grad(self, x):
        e = _exp_minus_abs(x)
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
    output_range = (-_INF, 0.0)

    def _forward(self, x):
        return _min0(x) - np.log1p(_exp_minus_abs(x))

    def _grad(self, x):
        return _sigmoid(-x)

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
    output_range = (0.0, 1.0)
    smooth = False
    saturating = True
    kinks = (-3.0, 3.0)

    def _forward(self, x):
        return np.clip(x + 3, 0, 6) / 6

    def _grad(self, x):
        return _indicator((x > -3) & (x < 3), x) / 6

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
    saturating = True
    _symbols = {"min_val": "a", "max_val": "b"}

    def __init__(self, min_val=-1.0, max_val=1.0):
        self.min_val = _real(min_val, "min_val")
        self.max_val = _real(max_val, "max_val")
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
        return _indicator((x > self.min_val) & (x < self.max_val), x)

    def _symbolic(self, sp, x, p):
        a, b = p("min_val"), p("max_val")
        return sp.Piecewise((a, x <= a), (x, x < b), (b, True))


# ---------------------------------------------------------------------------
# Rectifiers: piecewise linear, a kink at 0
# ---------------------------------------------------------------------------


class ReLU(Activation):
    r"""Rectified linear unit, :math:`\max(0, x)`.

    .. math::
        \operatorname{ReLU}(x) = \max(0, x), \qquad
        \operatorname{ReLU}'(x) = \begin{cases} 1 & x > 0 \\ 0 & x \le 0 \end{cases}

    Notes
    -----
    The derivative does not exist at 0; PyTorch (and this module) use 0 there,
    some seeds use 1 (:math:`x \ge 0`). Any value in [0, 1] is a valid
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
    output_range = (0.0, _INF)
    smooth = False
    kinks = (0.0,)

    def _forward(self, x):
        return _max0(x)

    def _grad(self, x):
        return _indicator(x > 0, x)

    def _symbolic(self, sp, x, p):
        return sp.Piecewise((0, x <= 0), (x, True))


def _select(m, inside, outside):
    r"""``inside`` where the 0/1 array ``m`` is 1, else ``outside``, without branches.

    :math:`m \cdot a + (1 - m)\, b` is exact (one term is an exact 0) and, unlike
    ``np.where``, costs no mispredicted branch per element; NaN in ``a`` or ``b``
    propagates. ``m`` is consumed.
    """
    rest = np.subtract(1, m)
    rest *= outside
    m *= inside
    m += rest
    return m


def _leaky(x, slope):
    """Value and derivative of ``x if x > 0 else slope * x`` (slope already in x's dtype)."""
    y = _min0(x)
    with np.errstate(over="ignore"):  # |slope| > 1 may overflow to inf: the rounded result
        y *= slope
    y += _max0(x)  # NaN stays NaN through max and min
    g = _keep_nan(_select(_positive(x), x.dtype.type(1), slope), x)
    return y, g


class _LinearUnit(Activation):
    """Shared metadata of the leaky rectifiers: slope 1 for x > 0, ``_slope`` below."""

    smooth = property(lambda self: self._slope == 1.0)
    monotonic = property(lambda self: self._slope >= 0.0)
    zero_centered = property(lambda self: self._slope == 1.0)
    kinks = property(lambda self: () if self._slope == 1.0 else (0.0,))
    output_range = property(lambda self: (-_INF if self._slope > 0 else 0.0, _INF))


class LeakyReLU(_LinearUnit):
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
    al. used :math:`\alpha = 0.01`; the seeds' example uses 0.1.

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
        self.negative_slope = _real(negative_slope, "negative_slope")

    _slope = property(lambda self: self.negative_slope)

    def _forward(self, x):
        return _leaky(x, x.dtype.type(self.negative_slope))[0]

    def _grad(self, x):
        return _leaky(x, x.dtype.type(self.negative_slope))[1]

    def _symbolic(self, sp, x, p):
        return sp.Piecewise((x, x > 0), (p("negative_slope") * x, True))


class PReLU(_LinearUnit):
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
    \partial x = \alpha` and :math:`\partial y / \partial\alpha = 0`. The seed
    table writes :math:`f'(0) = 1` (:math:`x \ge 0`): another valid subgradient,
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
    latex_grad_alpha = (r"\frac{\partial}{\partial\alpha}\operatorname{PReLU}(x) = "
                        r"\begin{cases} 0 & x > 0 \\ x & x \le 0 \end{cases}")
    reference = "He, Zhang, Ren & Sun (2015), Delving deep into rectifiers, ICCV"
    _symbols = {"alpha": "alpha"}

    def __init__(self, alpha=0.25):
        self.alpha = _real(alpha, "alpha")

    _slope = property(lambda self: self.alpha)

    def _forward(self, x):
        return _leaky(x, x.dtype.type(self.alpha))[0]

    def _grad(self, x):
        return _leaky(x, x.dtype.type(self.alpha))[1]

    def grad_alpha(self, x):
        r"""Elementwise :math:`\partial y/\partial\alpha`: 0 for :math:`x > 0`, :math:`x` otherwise."""
        arr, work = _prepare(x)
        return _finish(_min0(work), arr, work, self.name)

    def _symbolic(self, sp, x, p):
        return sp.Piecewise((x, x > 0), (p("alpha") * x, True))


class RReLU(_LinearUnit):
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
    PyTorch (and the seeds) sample the slope itself from :math:`U[1/8, 1/3]` and
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
        self.lower = _real(lower, "lower")
        self.upper = _real(upper, "upper")
        if self.lower > self.upper:
            raise ValueError(f"Invalid rrelu range: lower={lower!r} > upper={upper!r}")

    _slope = property(lambda self: (self.lower + self.upper) / 2)
    monotonic = property(lambda self: self.lower >= 0.0)
    smooth = property(lambda self: self.lower == self.upper == 1.0)
    zero_centered = smooth
    kinks = property(lambda self: () if self.smooth else (0.0,))
    output_range = property(lambda self: (-_INF if self.upper > 0 else 0.0, _INF))

    def _slopes(self, work, training, rng):
        if not isinstance(training, bool):
            raise TypeError(f"training must be True or False, got {training!r}")
        if not training:
            return np.full_like(work, (self.lower + self.upper) / 2)
        if rng is None:
            raise ValueError("rrelu in training mode samples random slopes: pass "
                             "rng=np.random.default_rng(seed)")
        if not isinstance(rng, np.random.Generator):
            raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
        return rng.uniform(self.lower, self.upper, size=work.shape).astype(work.dtype)

    def __call__(self, x, *, training=False, rng=None, return_slopes=False):
        """Value; evaluation mode unless ``training=True`` (then ``rng`` is required).

        With ``return_slopes=True`` also return the slope used for each element
        (the one that multiplies it if it is negative), for :meth:`grad`.
        """
        arr, work = _prepare(x)
        slopes = self._slopes(work, training, rng)
        with np.errstate(over="ignore"):  # a slope > 1 may overflow to inf: the rounded result
            y = np.where(work > 0, work, slopes * work)
        y = _finish(y, arr, work, self.name)
        return (y, _finish(slopes, arr, work, self.name)) if return_slopes else y

    def grad(self, x, *, slopes=None):
        """Derivative: 1 for x > 0, else the slope (``slopes`` from a training call)."""
        if slopes is None:
            return super().grad(x)
        arr, work = _prepare(x)
        s = as_float_array(slopes, "slopes")
        check_same_shape(arr, s, "x", "slopes")
        s = s.astype(work.dtype).reshape(work.shape)
        return _finish(_keep_nan(np.where(work > 0, work.dtype.type(1), s), work), arr, work, self.name)

    def _forward(self, x):
        return _leaky(x, x.dtype.type((self.lower + self.upper) / 2))[0]

    def _grad(self, x):
        return _leaky(x, x.dtype.type((self.lower + self.upper) / 2))[1]

    def _symbolic(self, sp, x, p):
        return sp.Piecewise((x, x > 0), ((p("lower") + p("upper")) / 2 * x, True))


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
    output_range = (0.0, 6.0)
    smooth = False
    saturating = True
    kinks = (0.0, 6.0)

    def _forward(self, x):
        return np.minimum(np.maximum(x, 0), 6)

    def _grad(self, x):
        return _indicator((x > 0) & (x < 6), x)

    def _symbolic(self, sp, x, p):
        return sp.Piecewise((0, x <= 0), (x, x < 6), (6, True))


# ---------------------------------------------------------------------------
# Exponential linear units: negative side saturates to -alpha
# ---------------------------------------------------------------------------


def _elu(x, alpha):
    """Value and derivative of ELU (alpha in x's dtype); exp only of min(x, 0) <= 0."""
    negative = _min0(x)
    y = np.expm1(negative)
    y *= alpha
    y += _max0(x)  # x > 0: x + alpha (e^0 - 1) = x exactly
    e = np.exp(negative, out=negative)
    e *= alpha
    g = _select(_positive(x), x.dtype.type(1), e)  # NaN: exp(NaN) = NaN
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
    (the seed table's form, correct). ``expm1`` keeps :math:`e^x - 1` accurate
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
    _symbols = {"alpha": "alpha"}

    def __init__(self, alpha=1.0):
        self.alpha = _real(alpha, "alpha", minimum=0.0)

    smooth = property(lambda self: self.alpha == 1.0)
    kinks = property(lambda self: () if self.alpha == 1.0 else (0.0,))
    output_range = property(lambda self: (-self.alpha if self.alpha else 0.0, _INF))

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
    output_range = (-float(_SELU_SCALE) * float(_SELU_ALPHA), _INF)
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
    _symbols = {"alpha": "alpha"}

    def __init__(self, alpha=1.0):
        self.alpha = _real(alpha, "alpha", minimum=0.0, strict=True)

    output_range = property(lambda self: (-self.alpha, _INF))

    def _scaled_negative(self, x):
        with np.errstate(over="ignore"):  # -inf for tiny alpha: exp(-inf) = 0, exact
            return _min0(x) / x.dtype.type(self.alpha)

    def _forward(self, x):
        alpha = x.dtype.type(self.alpha)
        y = np.expm1(self._scaled_negative(x))
        y *= alpha
        y += _max0(x)
        return y

    def _grad(self, x):
        return _select(_positive(x), x.dtype.type(1), np.exp(self._scaled_negative(x)))

    def _symbolic(self, sp, x, p):
        alpha = p("alpha")
        return sp.Piecewise((x, x > 0), (alpha * (sp.exp(x / alpha) - 1), True))


# ---------------------------------------------------------------------------
# Smooth rectifiers: softplus, swish/SiLU, GELU, Mish, hard-swish
# ---------------------------------------------------------------------------


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
    output_range = (0.0, _INF)
    _symbols = {"beta": "beta"}

    def __init__(self, beta=1.0):
        self.beta = _real(beta, "beta", minimum=0.0, strict=True)

    def _forward(self, x):
        t = _scaled(x, self.beta)  # beta * x, clipped where it no longer matters
        return _max0(x) + np.log1p(_exp_minus_abs(t)) / x.dtype.type(self.beta)

    def _grad(self, x):
        return _sigmoid(_scaled(x, self.beta))

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
    _symbols = {"beta": "beta"}
    _MIN = -0.2784645427610738  # min of t * sigma(t), at t = -1.2784645427610738

    def __init__(self, beta=1.0):
        self.beta = _real(beta, "beta", minimum=0.0)

    monotonic = property(lambda self: self.beta == 0.0)
    zero_centered = monotonic
    output_range = property(lambda self: (self._MIN / self.beta if self.beta else -_INF, _INF))

    def _forward(self, x):
        return x * _sigmoid(_scaled(x, self.beta))

    def _grad(self, x):
        t = _scaled(x, self.beta)
        s, s_minus = _sigmoid_pair(t)  # sigma(t), sigma(-t)
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
        -0.17004075057125406 if self.approximate == "tanh" else -0.16997120747990366, _INF))
    monotonic = False

    def _u2(self, x):
        """2u = 2 sqrt(2/pi) (x + 0.044715 x^3), with x clipped to +-30."""
        xc = np.clip(x, -_GELU_CLIP, _GELU_CLIP)
        return (2 * _GELU_TANH_C) * (xc + _GELU_TANH_K * (xc * xc * xc)), xc

    def _forward(self, x):
        if self.approximate == "tanh":
            return x * _sigmoid(self._u2(x)[0])  # (x/2)(1 + tanh u) = x sigma(2u)
        x64 = x.astype(np.float64)
        return (x64 * _normal_cdf(x64)).astype(x.dtype)

    def _grad(self, x):
        if self.approximate == "tanh":
            u2, xc = self._u2(x)
            s, s_minus = _sigmoid_pair(u2)  # sigma(2u), sigma(-2u)
            du2 = (2 * _GELU_TANH_C) * (1 + (3 * _GELU_TANH_K) * (xc * xc))  # d(2u)/dx
            return s + (x * (s * s_minus)) * du2
        x64 = x.astype(np.float64)
        return (_normal_cdf(x64) + x64 * _normal_pdf(x64)).astype(x.dtype)

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
    output_range = (-0.30884341301725043, _INF)
    monotonic = False

    def _forward(self, x):
        return x * np.tanh(_softplus(x))

    def _grad(self, x):
        s = _softplus(x)  # >= 0
        e = np.exp(-s)
        w = e * e  # e^{-2s}
        sech2 = 4 * w / ((1 + w) * (1 + w))  # 1 - tanh(s)^2, without cancellation
        return np.tanh(s) + (x * _sigmoid(x)) * sech2

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
    output_range = (-0.375, _INF)
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
        return _keep_nan(np.ones_like(x), x)

    def _symbolic(self, sp, x, p):
        return x


# ---------------------------------------------------------------------------
# Registry
# ---------------------------------------------------------------------------

_REGISTRY = {cls.name: cls for cls in (
    Sigmoid, Tanh, Softsign, LogSigmoid, HardSigmoid, HardTanh,
    ReLU, LeakyReLU, PReLU, RReLU, ReLU6,
    ELU, SELU, CELU,
    Softplus, Swish, SiLU, GELU, Mish, HardSwish, Identity,
)}


def names():
    """Sorted names of every registered activation.

    Examples
    --------
    >>> "gelu" in names() and names() == sorted(names())
    True
    """
    return sorted(_REGISTRY)


def get(name, **params):
    """The activation called ``name``, with parameters (PyTorch's names and defaults).

    Parameters
    ----------
    name : str
        One of :func:`names`.
    **params
        The activation's parameters, e.g. ``alpha=0.5`` for ``"elu"``.

    Returns
    -------
    Activation

    Raises
    ------
    ValueError
        Unknown name (the message lists the known ones), unknown parameter, or a
        parameter out of its range.
    TypeError
        A parameter that is not a number (or ``name`` that is not a string).

    Examples
    --------
    >>> get("elu", alpha=0.5)
    get('elu', alpha=0.5)
    >>> get("gelu").params
    {'approximate': 'none'}
    """
    if not isinstance(name, str):
        raise TypeError(f"activation name must be a string, got {name!r}")
    if name not in _REGISTRY:
        close = difflib.get_close_matches(name, _REGISTRY, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ValueError(f"Unknown activation {name!r}{hint}. Known activations: {', '.join(names())}")
    cls = _REGISTRY[name]
    allowed = cls._param_names()
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        valid = ", ".join(allowed) if allowed else "none"
        raise ValueError(f"Unknown parameter(s) {', '.join(unknown)} for activation {name!r}; "
                         f"its parameters: {valid}")
    return cls(**params)


def summary_table():
    """One row (a dict) per registered activation with its default parameters.

    Keys: name, params, output_range, zero_centered, monotonic, smooth,
    saturating, reference; the comparison table of the chapters.

    Examples
    --------
    >>> row = summary_table()[0]
    >>> row["name"], row["saturating"]
    ('celu', False)
    """
    keys = ("output_range", "zero_centered", "monotonic", "smooth", "saturating", "reference")
    rows = []
    for n in names():
        a = get(n)
        rows.append({"name": n, "params": a.params, **{k: getattr(a, k) for k in keys}})
    return rows


# ---------------------------------------------------------------------------
# Vector activations: softmax, log-softmax, maxout
# ---------------------------------------------------------------------------


def _check_axis(axis, ndim, who):
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
        raise TypeError(f"{who}: axis must be an integer, got {axis!r}")
    if ndim == 0:
        raise ValueError(f"{who} needs an array with at least one dimension, got a scalar")
    if not -ndim <= axis < ndim:
        raise ValueError(f"{who}: axis {axis} is out of range for an array with {ndim} dimension(s)")
    return int(axis) % ndim


def _prepare_vector(z, axis, who):
    """Validated input, working array (float32/float64, same shape) and axis."""
    arr = as_float_array(z, "z")
    axis = _check_axis(axis, arr.ndim, who)
    if arr.shape[axis] == 0:
        raise ValueError(f"{who}: axis {axis} has length 0")
    work = arr if arr.dtype in (np.float32, np.float64) else arr.astype(
        np.float32 if arr.dtype == np.float16 else np.float64)
    return arr, work, axis


def _second(v, arr, work, name):
    """A vector (v or u) with exactly the shape of ``arr``, in the working dtype."""
    v = as_float_array(v, name)
    check_same_shape(arr, v, "z", name)
    return v.astype(work.dtype, copy=False)


def _cast_back(result, arr):
    if result.dtype != arr.dtype:
        with np.errstate(over="ignore"):
            return result.astype(arr.dtype)
    return result


def _softmax(z, axis):
    m = np.max(z, axis=axis, keepdims=True)  # subtract the max: every exponent <= 0
    with np.errstate(over="ignore"):  # -max - max = -inf, and e^-inf = 0 is exact
        e = np.subtract(z, m)
    np.exp(e, out=e)
    e /= np.sum(e, axis=axis, keepdims=True)
    return e


def _log_softmax(z, axis):
    m = np.max(z, axis=axis, keepdims=True)
    with np.errstate(over="ignore"):  # -inf: the correctly rounded log-probability
        shifted = np.subtract(z, m)
    lse = np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))  # the sum is in [1, n]
    shifted -= lse
    return shifted


def softmax(z, axis=-1):
    r"""Softmax along ``axis``: :math:`s_i = e^{z_i} / \sum_j e^{z_j}`.

    Parameters
    ----------
    z : array_like
        Logits, at least 1-d.
    axis : int
        The axis that sums to one (default: the last).

    Returns
    -------
    numpy.ndarray
        Probabilities, same shape and dtype as ``z``.

    Notes
    -----
    Computed as :math:`e^{z_i - m} / \sum_j e^{z_j - m}` with :math:`m = \max_j
    z_j`: softmax is shift-invariant, and after the shift every exponent is
    :math:`\le 0` and the sum is at least 1, so logits of :math:`\pm 10^4` give
    no overflow, no 0/0. Entries of :math:`-\infty` (masks) get probability 0 as
    long as one entry of the slice is finite. Jacobian:
    :math:`\partial s_i/\partial z_j = s_i(\delta_{ij} - s_j)`, see
    :func:`softmax_vjp`.

    References
    ----------
    Bridle (1990), "Probabilistic interpretation of feedforward classification
    network outputs, with relationships to statistical pattern recognition".

    Examples
    --------
    >>> print(softmax(np.array([1e4, 0.0, -1e4])))
    [1. 0. 0.]
    >>> print(softmax(np.log(np.array([[1.0, 3.0], [2.0, 2.0]]))))
    [[0.25 0.75]
     [0.5  0.5 ]]
    """
    arr, work, axis = _prepare_vector(z, axis, "softmax")
    return _cast_back(_softmax(work, axis), arr)


def softmax_vjp(z, v, axis=-1):
    r"""Vector-Jacobian product of softmax: :math:`v^\top J` (backpropagation).

    .. math::
        (v^\top J)_j = s_j\Bigl(v_j - \sum_i v_i s_i\Bigr),
        \qquad J_{ij} = \frac{\partial s_i}{\partial z_j} = s_i(\delta_{ij} - s_j)

    Parameters
    ----------
    z : array_like
        Logits (the input of the softmax).
    v : array_like
        Upstream gradient :math:`\partial L/\partial s`, same shape as ``z``.
    axis : int
        The softmax axis.

    Returns
    -------
    numpy.ndarray
        :math:`\partial L/\partial z`, same shape as ``z``, in ``z``'s dtype.

    Notes
    -----
    :math:`J` is symmetric, so :func:`softmax_jvp` is the same formula.

    Examples
    --------
    >>> z = np.array([0.5, -1.0, 2.0])
    >>> print(np.allclose(softmax_vjp(z, np.ones(3)), 0.0))   # s sums to 1: no gradient
    True
    """
    arr, work, axis = _prepare_vector(z, axis, "softmax_vjp")
    v = _second(v, arr, work, "v")
    s = _softmax(work, axis)
    return _cast_back(s * (v - np.sum(v * s, axis=axis, keepdims=True)), arr)


def softmax_jvp(z, u, axis=-1):
    r"""Jacobian-vector product of softmax: :math:`J u` (forward-mode derivative).

    .. math:: (J u)_i = s_i\Bigl(u_i - \sum_j s_j u_j\Bigr)

    Equal to :func:`softmax_vjp` because the Jacobian is symmetric.

    Examples
    --------
    >>> z, u = np.array([0.1, 0.2]), np.array([1.0, -1.0])
    >>> print(np.allclose(softmax_jvp(z, u), softmax_vjp(z, u)))
    True
    """
    arr, work, axis = _prepare_vector(z, axis, "softmax_jvp")
    u = _second(u, arr, work, "u")
    s = _softmax(work, axis)
    return _cast_back(s * (u - np.sum(s * u, axis=axis, keepdims=True)), arr)


def softmax_jacobian(z):
    r"""The full Jacobian :math:`J = \operatorname{diag}(s) - s s^\top` of a 1-d softmax.

    For teaching and checking; backpropagation never forms it (use
    :func:`softmax_vjp`).

    Examples
    --------
    >>> print(softmax_jacobian(np.zeros(2)))
    [[ 0.25 -0.25]
     [-0.25  0.25]]
    """
    arr, work, _ = _prepare_vector(z, -1, "softmax_jacobian")
    if arr.ndim != 1:
        raise ValueError(f"softmax_jacobian needs a 1-d vector, got shape {arr.shape}")
    s = _softmax(work, 0)
    return _cast_back(np.diag(s) - np.outer(s, s), arr)


def log_softmax(z, axis=-1):
    r"""Log-softmax along ``axis``: :math:`z_i - \log\sum_j e^{z_j}` (log-sum-exp).

    Notes
    -----
    :math:`\log\sum_j e^{z_j} = m + \log\sum_j e^{z_j - m}`, :math:`m = \max_j
    z_j`. Unlike ``np.log(softmax(z))``, which is :math:`-\infty` once a
    probability underflows (logits :math:`\pm 10^4`), this stays finite: the
    cross-entropy of a confident wrong prediction is large, not infinite.

    Examples
    --------
    >>> print(log_softmax(np.array([1e4, 0.0, -1e4])))
    [     0. -10000. -20000.]
    """
    arr, work, axis = _prepare_vector(z, axis, "log_softmax")
    return _cast_back(_log_softmax(work, axis), arr)


def log_softmax_vjp(z, v, axis=-1):
    r"""Vector-Jacobian product of log-softmax.

    .. math::
        (v^\top J)_j = v_j - s_j \sum_i v_i, \qquad
        J_{ij} = \frac{\partial y_i}{\partial z_j} = \delta_{ij} - s_j

    with :math:`s = \operatorname{softmax}(z)`. With :math:`v = -\text{one-hot}(y)`
    this is the famous cross-entropy gradient :math:`s - \text{one-hot}(y)`.

    Examples
    --------
    >>> z = np.log(np.array([0.25, 0.75]))
    >>> print(log_softmax_vjp(z, np.array([-1.0, 0.0])))
    [-0.75  0.75]
    """
    arr, work, axis = _prepare_vector(z, axis, "log_softmax_vjp")
    v = _second(v, arr, work, "v")
    s = _softmax(work, axis)
    return _cast_back(v - s * np.sum(v, axis=axis, keepdims=True), arr)


def log_softmax_jvp(z, u, axis=-1):
    r"""Jacobian-vector product of log-softmax: :math:`(J u)_i = u_i - \sum_j s_j u_j`.

    Examples
    --------
    >>> print(log_softmax_jvp(np.zeros(2), np.array([1.0, 1.0])))   # a shift: no change
    [0. 0.]
    """
    arr, work, axis = _prepare_vector(z, axis, "log_softmax_jvp")
    u = _second(u, arr, work, "u")
    s = _softmax(work, axis)
    return _cast_back(u - np.sum(s * u, axis=axis, keepdims=True), arr)


def _maxout_groups(work, pieces, axis, who):
    """Move ``axis`` last and split it into (groups, pieces): consecutive units."""
    if isinstance(pieces, bool) or not isinstance(pieces, numbers.Integral):
        raise TypeError(f"{who}: pieces must be an integer, got {pieces!r}")
    if pieces < 1:
        raise ValueError(f"{who}: pieces must be >= 1, got {pieces}")
    moved = np.moveaxis(work, axis, -1)
    n = moved.shape[-1]
    if n % pieces:
        raise ValueError(f"{who}: axis {axis} has length {n}, not divisible by pieces={pieces}")
    return moved.reshape(moved.shape[:-1] + (n // pieces, int(pieces)))


def maxout(z, pieces, axis=-1):
    r"""Maxout: the maximum over groups of ``pieces`` consecutive units along ``axis``.

    .. math:: h_i = \max_{j = 1..k} z_{(i-1)k + j}, \qquad k = \text{pieces}

    Parameters
    ----------
    z : array_like
        Pre-activations; the length of ``axis`` must be a multiple of ``pieces``.
    pieces : int
        :math:`k`, the number of linear pieces per output unit.
    axis : int
        The unit axis (default: the last).

    Returns
    -------
    numpy.ndarray
        Same shape as ``z`` except ``axis``, whose length is divided by ``pieces``.

    Notes
    -----
    Grouping: output unit :math:`i` sees units :math:`ik, \dots, ik + k - 1`
    (0-based), i.e. ``z.reshape(..., n // k, k).max(-1)``; implementations differ
    here (some take strided groups), which matters when porting weights. A
    maxout unit with :math:`k = 2` can represent ReLU (one piece fixed at 0),
    leaky ReLU or :math:`|x|`.

    References
    ----------
    Goodfellow, Warde-Farley, Mirza, Courville & Bengio (2013), "Maxout
    networks", ICML.

    Examples
    --------
    >>> print(maxout(np.array([1.0, 3.0, -2.0, -5.0, 0.0, 4.0]), pieces=2))
    [ 3. -2.  4.]
    """
    arr, work, axis = _prepare_vector(z, axis, "maxout")
    groups = _maxout_groups(work, pieces, axis, "maxout")
    return _cast_back(np.moveaxis(groups.max(axis=-1), -1, axis), arr)


def maxout_vjp(z, v, pieces, axis=-1):
    r"""Vector-Jacobian product of :func:`maxout`: ``v`` routed to each group's argmax.

    Parameters
    ----------
    z : array_like
        Input of the maxout.
    v : array_like
        Upstream gradient, the shape of ``maxout(z, pieces, axis)``.
    pieces, axis :
        As in :func:`maxout`.

    Returns
    -------
    numpy.ndarray
        Same shape as ``z``: ``v`` at the maximum of each group, 0 elsewhere.

    Notes
    -----
    Ties go to the first maximum, as PyTorch's ``torch.max(dim)`` does (checked
    with autograd; ``torch.amax`` would split the gradient evenly instead). A NaN
    in a group counts as its maximum (NumPy's ``argmax`` and PyTorch agree).

    Examples
    --------
    >>> z = np.array([1.0, 3.0, 2.0, 2.0])
    >>> print(maxout_vjp(z, np.array([10.0, 20.0]), pieces=2))
    [ 0. 10. 20.  0.]
    """
    arr, work, axis = _prepare_vector(z, axis, "maxout_vjp")
    groups = _maxout_groups(work, pieces, axis, "maxout_vjp")
    v = as_float_array(v, "v")
    expected = np.moveaxis(groups.max(axis=-1), -1, axis).shape
    if v.shape != expected:
        raise ValueError(f"maxout_vjp: v must have the output shape {expected}, got {v.shape}")
    v_moved = np.moveaxis(v.astype(work.dtype, copy=False), axis, -1)
    idx = np.argmax(groups, axis=-1)[..., None]
    out = np.zeros_like(groups)
    np.put_along_axis(out, idx, v_moved[..., None], axis=-1)
    out = out.reshape(out.shape[:-2] + (-1,))
    return _cast_back(np.moveaxis(out, -1, axis), arr)


def maxout_jvp(z, u, pieces, axis=-1):
    r"""Jacobian-vector product of :func:`maxout`: each group's ``u`` at its argmax.

    Examples
    --------
    >>> z = np.array([1.0, 3.0, 2.0, 2.0])
    >>> print(maxout_jvp(z, np.array([1.0, 2.0, 3.0, 4.0]), pieces=2))
    [2. 3.]
    """
    arr, work, axis = _prepare_vector(z, axis, "maxout_jvp")
    groups = _maxout_groups(work, pieces, axis, "maxout_jvp")
    u = _second(u, arr, work, "u")
    u_groups = _maxout_groups(u, pieces, axis, "maxout_jvp")
    idx = np.argmax(groups, axis=-1)[..., None]
    picked = np.take_along_axis(u_groups, idx, axis=-1)[..., 0]
    return _cast_back(np.moveaxis(picked, -1, axis), arr)
