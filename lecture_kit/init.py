r"""Weight initializers: the naive baselines, Xavier/Glorot and He/Kaiming.

Shapes and names
----------------
A weight matrix here has shape ``(fan_in, fan_out)`` and is used as
``x @ W`` (a row of inputs times the matrix). PyTorch's ``nn.Linear`` stores
the transpose, ``(fan_out, fan_in)``; the numbers below are the same, only
the storage differs. The chapters write :math:`W^{[l]} \in
\mathbb{R}^{n^{[l]} \times n^{[l-1]}}` (PyTorch's layout) with
:math:`n^{[l-1]}` = fan_in and :math:`n^{[l]}` = fan_out.

Formulas (printable with :func:`xavier_std`, :func:`he_std`, ...)
------------------------------------------------------------------
.. math::
    \text{Xavier: } \sigma = g\sqrt{\frac{2}{n_\text{in} + n_\text{out}}},
    \qquad
    \text{He: } \sigma = \frac{g}{\sqrt{n_\text{mode}}},
    \qquad
    \text{uniform bound } b = \sqrt{3}\,\sigma ,

with the gain :math:`g` of :func:`calculate_gain` (He uses
:math:`g = \sqrt{2}` for ReLU) and :math:`n_\text{mode}` the fan-in or the
fan-out. :math:`U[-b, b]` has variance :math:`b^2/3 = \sigma^2`, so the normal
and uniform versions of one rule have the same variance. The normal versions
are *not* truncated: the sample variance matches :math:`\sigma^2` (numpy-ml's
truncated He-normal did not).

Randomness
----------
Every random initializer takes ``rng``, a :class:`numpy.random.Generator`.
The same seed gives the same weights. ``rng=None`` draws from a *fresh*
``np.random.default_rng()``, seeded by the operating system: convenient, but
not reproducible. The library never touches NumPy's global random state.

Registry
--------
:func:`names` lists the initializers and :func:`get` returns one by name, so
the MLP and the depth probe can select ``init="xavier_normal"``. All of them
accept ``(fan_in, fan_out, ..., rng=None, dtype=np.float64)``.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from . import activations as _activations
from .core.registry import Registry
from .core.validation import (as_generator, check_choice, check_float_dtype, check_nonnegative,
                              check_real)

__all__ = [
    "calculate_gain",
    "fans",
    "xavier_std",
    "xavier_bound",
    "he_std",
    "he_bound",
    "zeros",
    "constant",
    "normal",
    "uniform",
    "xavier_uniform",
    "xavier_normal",
    "he_uniform",
    "he_normal",
    "get",
    "names",
    "GAIN_NONLINEARITIES",
]

_LINEAR_FNS = (
    "linear",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
)
#: The nonlinearities with a gain: the linear maps and every activation that declares one.
GAIN_NONLINEARITIES = _LINEAR_FNS + tuple(
    n for n in _activations.names() if _activations.get(n).gain is not None)
_MODES = ("fan_in", "fan_out")


# ----------------------------------------------------------------------------
# validation
# ----------------------------------------------------------------------------
def _check_fan(value, name: str) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a positive integer, got {value!r}")
    if value <= 0:
        raise ValueError(f"Invalid {name}: {value!r} (must be a positive integer)")
    return int(value)


def _check_fans(fan_in, fan_out) -> tuple[int, int]:
    return _check_fan(fan_in, "fan_in"), _check_fan(fan_out, "fan_out")


def _check_real(value, name: str) -> float:
    return check_real(value, name)


def _check_mode(mode) -> str:
    return check_choice(mode, "mode", _MODES)


# ----------------------------------------------------------------------------
# formulas
# ----------------------------------------------------------------------------
def calculate_gain(nonlinearity: str, param=None) -> float:
    r"""The recommended gain for a nonlinearity, with PyTorch's values.

    ==========================  ==========================================
    nonlinearity                gain
    ==========================  ==========================================
    linear, conv*, sigmoid      :math:`1`
    tanh                        :math:`5/3`
    relu                        :math:`\sqrt{2}`
    leaky_relu                  :math:`\sqrt{2 / (1 + a^2)}`, ``a = param``
                                (default 0.01)
    selu                        :math:`3/4`
    ==========================  ==========================================

    Parameters
    ----------
    nonlinearity : str
        One of :data:`GAIN_NONLINEARITIES`.
    param : float, optional
        Negative slope of ``leaky_relu`` (``None`` means 0.01). Ignored by the
        other nonlinearities, as in PyTorch.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        For an unknown nonlinearity (the message lists the known ones).
    TypeError
        If ``param`` is given for ``leaky_relu`` and is not a real number
        (PyTorch raises ``ValueError`` here).

    Notes
    -----
    The ReLU gain :math:`\sqrt2` compensates for ReLU zeroing half of a
    symmetric input, which halves the second moment. The leaky version keeps
    :math:`a^2/2` of the negative half, hence :math:`2/(1+a^2)` — note the
    parentheses (numpy-ml once computed ``2 / 1 + a**2``). The sigmoid gain 1
    is PyTorch's convention, not a derivation: :math:`\sigma'(0) = 1/4`. The
    SELU gain 3/4 is empirical (PyTorch PR 50664); SELU's own paper uses
    LeCun-normal, i.e. gain 1 with fan-in.

    References
    ----------
    ``torch.nn.init.calculate_gain``; He et al. (2015), *Delving deep into
    rectifiers*.

    Examples
    --------
    >>> calculate_gain("tanh")
    1.6666666666666667
    >>> round(calculate_gain("leaky_relu", 0.2), 6)
    1.38675
    """
    if not isinstance(nonlinearity, str) or nonlinearity not in GAIN_NONLINEARITIES:
        raise ValueError(
            f"Unsupported nonlinearity {nonlinearity!r}; known: "
            f"{', '.join(GAIN_NONLINEARITIES)}"
        )
    if nonlinearity in _LINEAR_FNS:
        return 1.0
    if nonlinearity == "leaky_relu" and param is not None:
        slope = _check_real(param, "param (negative slope)")
        return float(_activations.get("leaky_relu", negative_slope=slope).gain)
    return float(_activations.get(nonlinearity).gain)  # each activation declares its gain


def fans(shape) -> tuple[int, int]:
    r"""``(fan_in, fan_out)`` of a weight tensor stored in PyTorch's layout.

    A linear weight is ``(out_features, in_features)``; a convolution weight is
    ``(out_channels, in_channels, *kernel)``. Each output of a convolution sums
    over ``in_channels`` times the kernel's positions, and each input feeds
    ``out_channels`` times as many, so

    .. math::
        n_\text{in} = C_\text{in} \prod_i k_i, \qquad
        n_\text{out} = C_\text{out} \prod_i k_i
        \quad(k^2 C \text{ for a } k \times k \text{ kernel}).

    Parameters
    ----------
    shape : tuple of int
        At least two dimensions (PyTorch refuses fewer); every size >= 0.

    Returns
    -------
    (int, int)
        The fans, by PyTorch's rule ``torch.nn.init._calculate_fan_in_and_fan_out``.

    Notes
    -----
    The rule reads dimensions 0 and 1 whatever the layer, as PyTorch does:
    for a grouped convolution ``(C_out, C_in/groups, k, k)`` it gives
    :math:`C_\text{in} k^2/\text{groups}`, the true fan-in; for a transposed
    convolution, stored ``(C_in, C_out/groups, k, k)``, the two names are
    swapped with respect to the data flow. This package's own matrices are
    ``(fan_in, fan_out)`` (used as ``x @ W``): their fans are
    ``fans(W.T.shape)``, or simply ``W.shape``.

    Examples
    --------
    >>> fans((64, 3, 3, 3))          # a 3x3 convolution from 3 to 64 channels
    (27, 576)
    >>> fans((10, 784))              # nn.Linear(784, 10).weight
    (784, 10)
    """
    try:
        dims = tuple(shape)
    except TypeError:
        raise TypeError(f"shape must be a tuple of integers, got {shape!r}") from None
    for d in dims:
        if isinstance(d, (bool, np.bool_)) or not isinstance(d, numbers.Integral):
            raise TypeError(f"shape must be a tuple of integers, got {shape!r}")
        if d < 0:
            raise ValueError(f"shape has a negative size: {shape!r}")
    if len(dims) < 2:
        raise ValueError(f"fans need a weight with at least 2 dimensions, got shape {dims} "
                         "(PyTorch refuses fewer too)")
    receptive = math.prod(int(d) for d in dims[2:])
    return int(dims[1]) * receptive, int(dims[0]) * receptive


def xavier_std(fan_in: int, fan_out: int, gain: float = 1.0) -> float:
    r"""Standard deviation of Xavier/Glorot initialization.

    .. math::
        \sigma = g \sqrt{\frac{2}{n_\text{in} + n_\text{out}}}

    :math:`\operatorname{Var}(W) = 2/(n_\text{in} + n_\text{out})` is the
    harmonic mean of the forward condition :math:`1/n_\text{in}` and the
    backward condition :math:`1/n_\text{out}` (Glorot & Bengio, 2010).

    Examples
    --------
    >>> xavier_std(100, 300)
    0.07071067811865475
    """
    return _glorot_scale(fan_in, fan_out, gain, 2.0)


def xavier_bound(fan_in: int, fan_out: int, gain: float = 1.0) -> float:
    r"""Bound :math:`b` of Xavier-uniform, :math:`U[-b, b]`.

    .. math::
        b = \sqrt{3}\,\sigma = g\sqrt{\frac{6}{n_\text{in} + n_\text{out}}}

    Examples
    --------
    >>> xavier_bound(100, 200)
    0.1414213562373095
    """
    return _glorot_scale(fan_in, fan_out, gain, 6.0)


def _glorot_scale(fan_in, fan_out, gain, numerator: float) -> float:
    r""":math:`g\sqrt{\text{numerator}/(n_\text{in} + n_\text{out})}`, arguments checked."""
    fan_in, fan_out = _check_fans(fan_in, fan_out)
    gain = check_nonnegative(gain, "gain")
    return gain * math.sqrt(numerator / float(fan_in + fan_out))


def _he_gain_and_fan(fan_in, fan_out, a, mode, nonlinearity):
    fan_in, fan_out = _check_fans(fan_in, fan_out)
    a = _check_real(a, "a")
    mode = _check_mode(mode)
    if a != 0.0 and nonlinearity != "leaky_relu":
        raise ValueError(
            f"a={a!r} is the negative slope of leaky_relu and is used only with "
            f"nonlinearity='leaky_relu', got nonlinearity={nonlinearity!r} "
            "(PyTorch would silently ignore it)"
        )
    gain = calculate_gain(nonlinearity, a)
    return gain, (fan_in if mode == "fan_in" else fan_out)


def he_std(fan_in: int, fan_out: int, a: float = 0.0, mode: str = "fan_in",
           nonlinearity: str = "relu") -> float:
    r"""Standard deviation of He/Kaiming initialization (PyTorch's ``kaiming_*``).

    .. math::
        \sigma = \frac{g}{\sqrt{n_\text{mode}}}, \qquad
        g = \texttt{calculate\_gain}(\text{nonlinearity}, a)

    For ReLU and ``mode="fan_in"`` this is :math:`\sqrt{2/n_\text{in}}`.

    Parameters
    ----------
    fan_in, fan_out : int
        Positive sizes; the matrix is ``(fan_in, fan_out)``.
    a : float
        Negative slope of the leaky ReLU that follows the layer. Only used (and
        only allowed to be non-zero) with ``nonlinearity="leaky_relu"``.
    mode : {"fan_in", "fan_out"}
        ``"fan_in"`` keeps the variance of the forward signal, ``"fan_out"``
        that of the backward gradients.
    nonlinearity : str
        A name known to :func:`calculate_gain`.

    Notes
    -----
    Differences from PyTorch: the default ``nonlinearity`` is ``"relu"``
    (PyTorch: ``"leaky_relu"``; with ``a = 0`` both give :math:`\sqrt2`), and a
    non-zero ``a`` with another nonlinearity raises instead of being ignored.
    With ``nonlinearity="leaky_relu"`` and the default ``a = 0`` the gain is
    :math:`\sqrt2`, not the :math:`\sqrt{2/(1+0.01^2)}` of
    ``calculate_gain("leaky_relu")``: ``a`` is passed explicitly, as in
    PyTorch.

    Examples
    --------
    >>> he_std(50, 10)
    0.2
    >>> he_std(50, 8, mode="fan_out")
    0.5
    """
    gain, fan = _he_gain_and_fan(fan_in, fan_out, a, mode, nonlinearity)
    return gain / math.sqrt(float(fan))


def he_bound(fan_in: int, fan_out: int, a: float = 0.0, mode: str = "fan_in",
             nonlinearity: str = "relu") -> float:
    r"""Bound :math:`b = \sqrt{3}\, g / \sqrt{n_\text{mode}}` of He-uniform.

    Examples
    --------
    >>> round(he_bound(6, 1), 12)  # sqrt(3) * sqrt(2) / sqrt(6)
    1.0
    """
    gain, fan = _he_gain_and_fan(fan_in, fan_out, a, mode, nonlinearity)
    return math.sqrt(3.0) * gain / math.sqrt(float(fan))


# ----------------------------------------------------------------------------
# samplers
# ----------------------------------------------------------------------------
def _normal(shape, mean, std, rng, dtype):
    # Draw in float64 and cast: the same seed gives the same weights (up to
    # rounding) whatever the dtype.
    return rng.normal(mean, std, size=shape).astype(dtype, copy=False)


def _uniform(shape, bound, rng, dtype):
    return rng.uniform(-bound, bound, size=shape).astype(dtype, copy=False)


def zeros(fan_in: int, fan_out: int, rng=None, *, dtype=np.float64) -> np.ndarray:
    r"""All-zero weights: the symmetric start that cannot learn.

    Every unit of a layer computes the same function and receives the same
    gradient, so the units never become different (and with zero weights the
    gradients of the hidden weights are zero). ``rng`` is accepted only so that
    every initializer has the same call signature; it is not used.

    Examples
    --------
    >>> zeros(2, 3)
    array([[0., 0., 0.],
           [0., 0., 0.]])
    """
    shape = _check_fans(fan_in, fan_out)
    if rng is not None:
        as_generator(rng)
    return np.zeros(shape, dtype=check_float_dtype(dtype))


def constant(fan_in: int, fan_out: int, value: float, rng=None, *,
             dtype=np.float64) -> np.ndarray:
    r"""Every weight equal to ``value``: symmetric, like :func:`zeros`.

    ``rng`` is accepted for a uniform signature and not used.

    Examples
    --------
    >>> constant(1, 2, 0.5)
    array([[0.5, 0.5]])
    """
    shape = _check_fans(fan_in, fan_out)
    value = _check_real(value, "value")
    if rng is not None:
        as_generator(rng)
    return np.full(shape, value, dtype=check_float_dtype(dtype))


def normal(fan_in: int, fan_out: int, std: float = 1.0, mean: float = 0.0,
           rng=None, *, dtype=np.float64) -> np.ndarray:
    r"""Weights drawn from :math:`\mathcal N(\text{mean}, \text{std}^2)`, whatever the fans.

    The naive baseline: with ``std=1`` the variance of a layer's output is
    :math:`n_\text{in}` times that of its input, so signals explode with depth;
    with ``std=0.01`` they vanish.

    Examples
    --------
    >>> w = normal(2, 2, std=0.1, rng=np.random.default_rng(0))
    >>> w.shape, w.dtype
    ((2, 2), dtype('float64'))
    """
    shape = _check_fans(fan_in, fan_out)
    std = check_nonnegative(std, "std")
    mean = _check_real(mean, "mean")
    return _normal(shape, mean, std, as_generator(rng), check_float_dtype(dtype))


def uniform(fan_in: int, fan_out: int, bound: float = 1.0, rng=None, *,
            dtype=np.float64) -> np.ndarray:
    r"""Weights drawn from :math:`U[-\text{bound}, \text{bound}]` (variance :math:`\text{bound}^2/3`).

    Examples
    --------
    >>> w = uniform(100, 100, bound=0.5, rng=np.random.default_rng(0))
    >>> bool(np.all(np.abs(w) <= 0.5))
    True
    """
    shape = _check_fans(fan_in, fan_out)
    bound = check_nonnegative(bound, "bound")
    return _uniform(shape, bound, as_generator(rng), check_float_dtype(dtype))


def xavier_uniform(fan_in: int, fan_out: int, gain: float = 1.0, rng=None, *,
                   dtype=np.float64) -> np.ndarray:
    r"""Xavier/Glorot uniform: :math:`U[-b, b]`, :math:`b = g\sqrt{6/(n_\text{in}+n_\text{out})}`.

    Notes
    -----
    Same distribution as ``torch.nn.init.xavier_uniform_`` applied to the
    ``(fan_out, fan_in)`` transpose. Designed for activations that are
    roughly linear and symmetric around 0 (tanh; identity); for ReLU prefer
    :func:`he_uniform`.

    References
    ----------
    Glorot & Bengio (2010), *Understanding the difficulty of training deep
    feedforward neural networks*.

    Examples
    --------
    >>> w = xavier_uniform(3, 3, rng=np.random.default_rng(0))
    >>> bool(np.all(np.abs(w) <= xavier_bound(3, 3)))
    True
    """
    bound = xavier_bound(fan_in, fan_out, gain)
    return _uniform((int(fan_in), int(fan_out)), bound, as_generator(rng), check_float_dtype(dtype))


def xavier_normal(fan_in: int, fan_out: int, gain: float = 1.0, rng=None, *,
                  dtype=np.float64) -> np.ndarray:
    r"""Xavier/Glorot normal: :math:`\mathcal N(0, \sigma^2)`, :math:`\sigma = g\sqrt{2/(n_\text{in}+n_\text{out})}`.

    Not truncated: the variance is exactly :math:`\sigma^2`.

    Examples
    --------
    >>> a = xavier_normal(4, 4, rng=np.random.default_rng(1))
    >>> b = xavier_normal(4, 4, rng=np.random.default_rng(1))
    >>> bool(np.array_equal(a, b))
    True
    """
    std = xavier_std(fan_in, fan_out, gain)
    return _normal((int(fan_in), int(fan_out)), 0.0, std, as_generator(rng), check_float_dtype(dtype))


def he_uniform(fan_in: int, fan_out: int, a: float = 0.0, mode: str = "fan_in",
               nonlinearity: str = "relu", rng=None, *, dtype=np.float64) -> np.ndarray:
    r"""He/Kaiming uniform: :math:`U[-b, b]`, :math:`b = \sqrt3\, g/\sqrt{n_\text{mode}}`.

    See :func:`he_std` for ``a``, ``mode`` and ``nonlinearity`` and for the
    differences from ``torch.nn.init.kaiming_uniform_``.

    Examples
    --------
    >>> w = he_uniform(6, 4, rng=np.random.default_rng(0))
    >>> bool(np.all(np.abs(w) <= 1.0))
    True
    """
    bound = he_bound(fan_in, fan_out, a, mode, nonlinearity)
    return _uniform((int(fan_in), int(fan_out)), bound, as_generator(rng), check_float_dtype(dtype))


def he_normal(fan_in: int, fan_out: int, a: float = 0.0, mode: str = "fan_in",
              nonlinearity: str = "relu", rng=None, *, dtype=np.float64) -> np.ndarray:
    r"""He/Kaiming normal: :math:`\mathcal N(0, \sigma^2)`, :math:`\sigma = g/\sqrt{n_\text{mode}}`.

    Not truncated: numpy-ml's He-normal redrew samples beyond two standard
    deviations, which removes about 23% of the variance the formula asks for.
    See :func:`he_std` for the options.

    References
    ----------
    He, Zhang, Ren & Sun (2015), *Delving deep into rectifiers*.

    Examples
    --------
    >>> w = he_normal(2000, 50, rng=np.random.default_rng(0))
    >>> round(float(w.std() / he_std(2000, 50)), 2)
    1.0
    """
    std = he_std(fan_in, fan_out, a, mode, nonlinearity)
    return _normal((int(fan_in), int(fan_out)), 0.0, std, as_generator(rng), check_float_dtype(dtype))


# ----------------------------------------------------------------------------
# registry
# ----------------------------------------------------------------------------
#: The initializers by name, in the order of the course.
REGISTRY = Registry("initializer")
for _fn in (zeros, constant, normal, uniform, xavier_uniform, xavier_normal, he_uniform,
            he_normal):
    REGISTRY.add(_fn.__name__, _fn)
_ALIASES = {
    "glorot_uniform": "xavier_uniform",
    "glorot_normal": "xavier_normal",
    "kaiming_uniform": "he_uniform",
    "kaiming_normal": "he_normal",
}


def names() -> tuple[str, ...]:
    """The names :func:`get` accepts (aliases such as ``"kaiming_normal"`` not listed).

    Examples
    --------
    >>> names()[:2]
    ('zeros', 'constant')
    """
    return REGISTRY.names()


def get(name: str):
    """Return the initializer function called ``name``.

    Also accepts the aliases ``glorot_uniform``, ``glorot_normal``,
    ``kaiming_uniform`` and ``kaiming_normal``.

    Raises
    ------
    ValueError
        For an unknown name; the message lists the known ones.

    Examples
    --------
    >>> get("xavier_normal") is xavier_normal
    True
    """
    if isinstance(name, str):
        name = _ALIASES.get(name, name)
    return REGISTRY.lookup(name)
