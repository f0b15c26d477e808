r"""Stable numerics, written once: sigmoid, softplus, logsumexp, softmax, log-softmax
(and the fused ``y += a x`` that the optimizers use).

Every function here takes a float32 or float64 NumPy array that the caller has
already validated (see :mod:`lecture_kit.core.validation`) and returns an
array of the same dtype; none checks its input. The public, validated
functions are :mod:`lecture_kit.activations` (``get("sigmoid")``,
``softmax``, ...) and :mod:`lecture_kit.losses`; they, the MLP and the
scalar autodiff all call these, so there is one stable sigmoid and one
softmax in the package.

The rule throughout: never take ``exp`` of a large positive number. Every
exponential is of :math:`-|t|`, of :math:`\min(t, 0)` or of a number shifted
by a maximum, so nothing overflows and NaN stays NaN.
"""

from __future__ import annotations

import math

import numpy as np

#: ``BLAS``: SciPy's BLAS wrappers (``scipy.linalg.blas``) when SciPy is installed,
#: else ``None``: :func:`add_scaled` then takes NumPy's two passes. Imported on
#: first use (module ``__getattr__``): SciPy's linear algebra costs a quarter of a
#: second at import, in every kernel that imports ``lecture_kit``, and only the
#: optimizer steps use it (from their first step on).
_UNSET = object()


def __getattr__(name: str):
    if name == "BLAS":
        return _blas()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _blas():
    found = globals().get("BLAS", _UNSET)
    if found is _UNSET:
        try:  # optional accelerator: BLAS axpy (SciPy), one fused pass, PyTorch's rounding
            from scipy.linalg import blas as found
        except ImportError:  # pragma: no cover - depends on the environment
            found = None
        globals()["BLAS"] = found
    return found

__all__ = [
    "add_scaled",
    "exp_minus_abs",
    "max0",
    "min0",
    "sigmoid",
    "sigmoid_pair",
    "softplus",
    "logsumexp",
    "softmax",
    "log_softmax",
    "normal_cdf",
    "normal_pdf",
]


def exp_minus_abs(t):
    """:math:`e^{-|t|}`, a number in (0, 1]: the only exponential the sigmoid family needs."""
    z = np.abs(t)
    np.negative(z, out=z)
    return np.exp(z, out=z)


def max0(t):
    r""":math:`\max(t, 0)`, NaN kept. ``np.maximum(t, 0)`` with a scalar 0 runs a slow
    loop for float32; against an array of zeros it is a plain vector loop."""
    out = np.zeros(np.shape(t), t.dtype)
    return np.maximum(t, out, out=out)


def min0(t):
    r""":math:`\min(t, 0)`, NaN kept (see :func:`max0`)."""
    out = np.zeros(np.shape(t), t.dtype)
    return np.minimum(t, out, out=out)


def sigmoid(t):
    r"""Stable logistic function, never taking ``exp`` of a positive number.

    .. math:: \sigma(t) = \frac{e^{\min(t, 0)}}{1 + e^{-|t|}}

    which is :math:`1/(1+e^{-t})` for :math:`t \ge 0` and :math:`e^t/(1+e^t)`
    otherwise. Both exponentials are of numbers :math:`\le 0`, so nothing
    overflows and tiny results keep their relative accuracy. Branch-free:
    ``np.where`` over both branches, or a masked ufunc, costs several times more
    than the two exponentials (a mispredicted branch per element).

    Examples
    --------
    >>> print(sigmoid(np.array([-1000.0, 0.0, 1000.0])))
    [0.  0.5 1. ]
    """
    d = exp_minus_abs(t)
    d += 1  # 1 + e^{-|t|}, in [1, 2]
    n = min0(t)
    np.exp(n, out=n)  # e^{min(t, 0)}, in (0, 1]
    n /= d
    return n


def sigmoid_pair(t):
    r"""Return :math:`\sigma(t)` and :math:`\sigma(-t) = 1 - \sigma(t)`, both accurate.

    Computing :math:`1 - \sigma(t)` by subtraction loses every digit once
    :math:`\sigma(t)` rounds to 1; here :math:`\sigma(-t) = e^{-\max(t, 0)}/(1 +
    e^{-|t|})` has its own numerator.
    """
    d = exp_minus_abs(t)
    d += 1
    s = min0(t)
    np.exp(s, out=s)
    s /= d
    s_minus = max0(t)
    np.negative(s_minus, out=s_minus)
    np.exp(s_minus, out=s_minus)
    s_minus /= d
    return s, s_minus


def softplus(t):
    r""":math:`\log(1 + e^t) = \max(t, 0) + \log(1 + e^{-|t|})`, exact and overflow-free."""
    return max0(t) + np.log1p(exp_minus_abs(t))


def _shift(z, axis):
    """``z - m`` with ``m`` the finite maximum along ``axis`` (NaN ignored, else 0).

    ``fmax`` ignores NaN: a NaN beside a logit of 1e4 must not make the shift 0
    (``exp(1e4)`` would overflow); the NaN still propagates through the sum. A
    slice whose maximum is infinite is shifted by 0 and the infinity carries
    through.
    """
    m = np.fmax.reduce(z, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, z.dtype.type(0))
    with np.errstate(over="ignore"):  # -max - max = -inf: e^-inf = 0 is exact
        return np.subtract(z, m), m


def logsumexp(z, axis=-1):
    r""":math:`\log\sum_k e^{z_k} = m + \log\sum_k e^{z_k - m}`, :math:`m = \max_k z_k`
    (the reduced axis kept, of length 1)."""
    shifted, m = _shift(z, axis)
    with np.errstate(divide="ignore"):  # a slice of -inf: log 0 = -inf, exact
        return np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True)) + m


def softmax(z, axis=-1):
    r""":math:`e^{z_i - m} / \sum_j e^{z_j - m}`: every exponent :math:`\le 0`, the sum
    at least 1 (a slice of all :math:`-\infty` gives NaN, no warning)."""
    e, _ = _shift(z, axis)
    np.exp(e, out=e)
    with np.errstate(invalid="ignore"):
        e /= np.sum(e, axis=axis, keepdims=True)
    return e


def log_softmax(z, axis=-1):
    r""":math:`z_i - \operatorname{LSE}(z)`, finite where ``log(softmax)`` would be
    :math:`-\infty`."""
    shifted, _ = _shift(z, axis)
    with np.errstate(divide="ignore", invalid="ignore"):
        lse = np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))
        shifted -= lse
    return shifted


# ---------------------------------------------------------------------------
# The normal distribution in NumPy (GELU needs Phi; SciPy is not a dependency).
# Rational approximations of the Cephes library (S. L. Moshier, ndtr.c, public
# domain), the ones SciPy's erf/erfc use; relative error a few 1e-16.
# Coefficients from the highest degree down.
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


def normal_cdf(x):
    r""":math:`\Phi(x) = \tfrac12 \operatorname{erfc}(-x/\sqrt2)` of a float64 array:
    relative accuracy in both tails."""
    return 0.5 * _erfc(-x * _SQRT1_2)


def normal_pdf(x):
    r""":math:`\phi(x) = e^{-x^2/2}/\sqrt{2\pi}` of a float64 array (0 beyond :math:`|x| = 40`)."""
    return _exp_neg_square(np.minimum(np.abs(x), 40.0), half=True) * _INV_SQRT_2PI


_AXPY = {np.dtype(np.float32): "saxpy", np.dtype(np.float64): "daxpy"}


def add_scaled(y, x, a):
    r"""``y += a * x`` in place, in one pass over memory, and return ``y``.

    NumPy needs two passes (``a * x`` into a temporary, then the addition);
    PyTorch's ``y.add_(x, alpha=a)`` is one fused multiply-add per element, and
    so is BLAS ``axpy``, which this calls when SciPy is installed (it is in
    the course's environment; without it the two-pass NumPy form runs). With
    BLAS the result is rounded once, as PyTorch rounds it; the NumPy form can
    differ in the last bit. Either way the rule depends only on the dtypes, so
    a pure and an in-place optimizer step give the same numbers.

    ``y`` must be a writeable float32/float64 array; ``x`` an array of the same
    shape, not overlapping ``y``. Non-contiguous arrays go through contiguous
    copies (same numbers, slower).

    Examples
    --------
    >>> y = np.array([1.0, 2.0])
    >>> add_scaled(y, np.array([10.0, 20.0]), 0.5)
    array([ 6., 12.])
    """
    blas = _blas()
    name = _AXPY.get(y.dtype) if blas is not None else None
    if name is None or x.dtype != y.dtype or y.size == 0:
        y += a * x
        return y
    xc = x.reshape(-1) if x.flags.c_contiguous else np.ascontiguousarray(x).reshape(-1)
    if y.flags.c_contiguous:
        getattr(blas, name)(xc, y.reshape(-1), a=a)
    else:
        yc = np.ascontiguousarray(y)
        getattr(blas, name)(xc, yc.reshape(-1), a=a)
        y[...] = yc
    return y
