r"""What one hidden layer can approximate: constructive approximants and linear pieces.

The universal approximation theorems (Cybenko 1989, Hornik 1991, Leshno et al.
1993) say that one hidden layer with enough units approximates any continuous
function on a compact set; they do not say how many units, nor whether
training finds them. This module builds the approximants *by hand*, in 1-D,
so that the number of units and the error can be measured:

* :func:`relu_interpolant` — the piecewise-linear interpolant of :math:`f` at
  :math:`n+1` equally spaced knots, written exactly as a network with
  :math:`n` ReLU units,
  :math:`g(x) = f(x_0) + \sum_{k=0}^{n-1} c_k\,\mathrm{relu}(x - x_k)`,
  where :math:`c_k` is the change of slope at knot :math:`x_k`.
  For a twice differentiable :math:`f` its sup-norm error is at most
  :math:`h^2 \max|f''| / 8` with :math:`h = (b-a)/n`: the rate :math:`n^{-2}`.
* :func:`sigmoid_staircase` — steep sigmoids as steps (the idea of Cybenko's
  proof): :math:`g(x) = f(x_0) + \sum_k \bigl(f(x_{k+1}) - f(x_k)\bigr)
  \sigma\bigl(s\,(x - m_k)\bigr)`, with :math:`m_k` the midpoints. Its error
  decays only like :math:`n^{-1}` (a staircase), however steep the steps.
* :func:`relu_hat` — a hat (tent) function from three ReLUs.
* :func:`sawtooth` — Telgarsky's construction: composing the tent map
  :math:`t(x) = 2\,\mathrm{relu}(x) - 4\,\mathrm{relu}(x - 1/2)` :math:`k`
  times is a depth-:math:`k` ReLU network with 2 units per layer that has
  :math:`2^k` linear pieces on [0, 1]; a one-hidden-layer network needs
  one unit per kink, :math:`2^k - 1`, plus its linear term: exponentially
  many units against :math:`2k`.
* :func:`count_linear_pieces` — the number of linear pieces of a ReLU network
  on an interval, counted from its activation patterns on a fine grid.

A network here is a :class:`ReluNet`: a list of ``(W, b)`` layers, ReLU after
every layer but the last, scalar input and output.

References
----------
G. Cybenko, "Approximation by superpositions of a sigmoidal function", 1989.
K. Hornik, "Approximation capabilities of multilayer feedforward networks", 1991.
M. Leshno, V. Lin, A. Pinkus, S. Schocken, "Multilayer feedforward networks
with a nonpolynomial activation function can approximate any function", 1993.
M. Telgarsky, "Benefits of depth in neural networks", COLT 2016.
"""

from __future__ import annotations

import math
from typing import Callable, NamedTuple, Sequence

import numpy as np

from .core.numerics import sigmoid
from .core.validation import as_float_array, check_integer

__all__ = [
    "ReluNet",
    "knots",
    "relu_interpolant",
    "sigmoid_staircase",
    "relu_hat",
    "tent",
    "sawtooth",
    "count_linear_pieces",
    "sup_error",
    "l2_error",
    "fit_rate",
]


def _units(n, name: str = "n") -> int:
    return check_integer(n, name, minimum=1)


def _interval(interval) -> tuple[float, float]:
    try:
        a, b = (float(v) for v in interval)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"interval must be a pair (a, b) of numbers, got {interval!r}") from exc
    if not (math.isfinite(a) and math.isfinite(b) and a < b):
        raise ValueError(f"Invalid interval: ({a}, {b}) (need finite a < b)")
    return a, b


class ReluNet(NamedTuple):
    """A scalar-to-scalar ReLU network: ``layers = [(W1, b1), ..., (WL, bL)]``.

    ``W1`` has shape ``(1, m1)``, ``WL`` shape ``(m_{L-1}, 1)``; ReLU follows
    every layer but the last.
    """

    layers: tuple

    @property
    def depth(self) -> int:
        """Number of hidden layers."""
        return len(self.layers) - 1

    @property
    def units(self) -> int:
        """Total number of hidden units."""
        return sum(np.shape(W)[1] for W, _ in self.layers[:-1])

    def hidden(self, x) -> list[np.ndarray]:
        """The pre-activations of every hidden layer, each of shape ``(len(x), m)``."""
        h = as_float_array(x, "x").reshape(-1, 1).astype(np.float64)
        out = []
        for W, b in self.layers[:-1]:
            z = h @ W + b
            out.append(z)
            h = np.maximum(z, 0.0)
        return out

    def __call__(self, x):
        x_arr = as_float_array(x, "x")
        h = x_arr.reshape(-1, 1).astype(np.float64)
        for W, b in self.layers[:-1]:
            h = np.maximum(h @ W + b, 0.0)
        W, b = self.layers[-1]
        y = (h @ W + b).reshape(x_arr.shape)
        return y[()] if y.ndim == 0 else y


def _net(layers: Sequence[tuple]) -> ReluNet:
    return ReluNet(tuple((np.asarray(W, float), np.asarray(b, float)) for W, b in layers))


def knots(n: int, interval=(0.0, 1.0)) -> np.ndarray:
    """The ``n + 1`` equally spaced knots :math:`x_0 = a, \\dots, x_n = b`."""
    a, b = _interval(interval)
    return np.linspace(a, b, _units(n) + 1)


def _values(f: Callable, xs: np.ndarray) -> np.ndarray:
    if not callable(f):
        raise TypeError(f"f must be a function of x, got {f!r}")
    y = as_float_array(f(xs), "f(x)").astype(np.float64)
    if y.shape != xs.shape:
        raise ValueError(f"f must map an array of shape {xs.shape} to the same shape, "
                         f"got {y.shape}")
    return y


def relu_interpolant(f: Callable, n: int, interval=(0.0, 1.0)) -> ReluNet:
    r"""The piecewise-linear interpolant of ``f`` at ``n + 1`` knots, as ``n`` ReLU units.

    Examples
    --------
    >>> g = relu_interpolant(np.square, 4)
    >>> g.units, float(g(0.5)), float(g(0.125))          # exact at knots, chord between
    (4, 0.25, 0.03125)
    """
    xs = knots(n, interval)
    ys = _values(f, xs)
    slopes = np.diff(ys) / np.diff(xs)
    change = np.diff(slopes, prepend=0.0)              # c_0 = first slope
    W1 = np.ones((1, n))
    b1 = -xs[:-1]
    return _net([(W1, b1), (change.reshape(-1, 1), np.array([ys[0]]))])


def sigmoid_staircase(f: Callable, n: int, steepness: float, interval=(0.0, 1.0)):
    r"""``f`` approximated by ``n`` steep sigmoid steps (Cybenko's idea).

    Returns a function ``g(x)``. The step from :math:`f(x_k)` to
    :math:`f(x_{k+1})` sits at the midpoint :math:`m_k`, with slope
    ``steepness`` (in units of 1/x).

    Examples
    --------
    >>> g = sigmoid_staircase(lambda x: x, 10, steepness=1e4)
    >>> round(float(g(0.26)), 6)                        # on the step of [0.2, 0.3]: its top
    0.3
    """
    xs = knots(n, interval)
    ys = _values(f, xs)
    s = float(steepness)
    if not (math.isfinite(s) and s > 0):
        raise ValueError(f"Invalid steepness: {steepness!r} (must be finite and > 0)")
    mids = (xs[:-1] + xs[1:]) / 2
    jumps = np.diff(ys)

    def g(x):
        x_arr = as_float_array(x, "x").astype(np.float64)
        z = s * (x_arr.reshape(-1, 1) - mids)
        y = (ys[0] + sigmoid(z) @ jumps).reshape(x_arr.shape)
        return y[()] if y.ndim == 0 else y

    return g


def relu_hat(left: float, peak: float, right: float) -> ReluNet:
    r"""The hat function: 0 outside ``[left, right]``, 1 at ``peak``, linear between.

    Three ReLU units: :math:`\frac{\mathrm{relu}(x-l)}{p-l} - \bigl(\frac{1}{p-l}
    + \frac{1}{r-p}\bigr)\mathrm{relu}(x-p) + \frac{\mathrm{relu}(x-r)}{r-p}`.

    Examples
    --------
    >>> h = relu_hat(0.0, 0.5, 1.0)
    >>> [float(h(x)) for x in (-1.0, 0.25, 0.5, 1.0, 2.0)]
    [0.0, 0.5, 1.0, 0.0, 0.0]
    """
    l, p, r = (float(v) for v in (left, peak, right))
    if not (math.isfinite(l) and math.isfinite(r) and l < p < r):
        raise ValueError(f"need left < peak < right, got {left}, {peak}, {right}")
    W1 = np.ones((1, 3))
    b1 = -np.array([l, p, r])
    W2 = np.array([[1 / (p - l)], [-(1 / (p - l) + 1 / (r - p))], [1 / (r - p)]])
    return _net([(W1, b1), (W2, np.zeros(1))])


def tent() -> ReluNet:
    r"""The tent map :math:`t(x) = 2\,\mathrm{relu}(x) - 4\,\mathrm{relu}(x - 1/2)` on [0, 1].

    Examples
    --------
    >>> t = tent()
    >>> [float(t(x)) for x in (0.0, 0.25, 0.5, 0.75, 1.0)]
    [0.0, 0.5, 1.0, 0.5, 0.0]
    """
    return _net([(np.ones((1, 2)), np.array([0.0, -0.5])), (np.array([[2.0], [-4.0]]),
                                                              np.zeros(1))])


def sawtooth(depth: int) -> ReluNet:
    r"""The tent map composed ``depth`` times: a ReLU net with 2 units per layer, :math:`2^k` pieces.

    Examples
    --------
    >>> s = sawtooth(3)
    >>> s.depth, s.units, count_linear_pieces(s)
    (3, 6, 8)
    """
    k = _units(depth, "depth")
    first = (np.ones((1, 2)), np.array([0.0, -0.5]))
    # the output layer of one tent and the input layer of the next fused into one matrix
    middle = (np.array([[2.0, 2.0], [-4.0, -4.0]]), np.array([0.0, -0.5]))
    last = (np.array([[2.0], [-4.0]]), np.zeros(1))
    return _net([first] + [middle] * (k - 1) + [last])


def count_linear_pieces(net: ReluNet, interval=(0.0, 1.0), grid: int = 200_001) -> int:
    """Number of linear pieces of ``net`` on ``interval``, from its activation patterns.

    Between two grid points where the pattern of active units is the same, the
    network is one affine function; a change of pattern starts a new piece
    unless the slope stays the same (a unit switching on with zero outgoing
    effect is not a new piece). Pieces narrower than the grid spacing are
    missed: use a finer ``grid`` for very deep networks.
    """
    if not isinstance(net, ReluNet):
        raise TypeError(f"net must be a ReluNet, got {type(net).__name__}")
    a, b = _interval(interval)
    n = _units(grid, "grid")
    x = np.linspace(a, b, n)
    patterns = np.concatenate([z > 0 for z in net.hidden(x)], axis=1)
    change = np.any(patterns[1:] != patterns[:-1], axis=1)
    starts = np.concatenate([[0], np.nonzero(change)[0] + 1])
    ends = np.concatenate([starts[1:], [n]])           # run = indices start .. end-1
    # one slope per run of equal patterns: the network is affine inside a run
    y = net(x)
    slopes = [(y[e - 1] - y[s]) / (x[e - 1] - x[s]) for s, e in zip(starts, ends) if e - s >= 2]
    slopes = np.array(slopes)
    scale = max(1.0, float(np.max(np.abs(slopes))))
    distinct = 1 + int(np.sum(np.abs(np.diff(slopes)) > 1e-6 * scale))
    return distinct


def _grid(interval, n: int) -> np.ndarray:
    a, b = _interval(interval)
    return np.linspace(a, b, _units(n, "grid"))


def sup_error(f: Callable, g: Callable, interval=(0.0, 1.0), grid: int = 100_001) -> float:
    r"""The sup-norm error :math:`\max_x |f(x) - g(x)|`, on a fine grid of ``interval``."""
    x = _grid(interval, grid)
    return float(np.max(np.abs(_values(f, x) - _values(g, x))))


def l2_error(f: Callable, g: Callable, interval=(0.0, 1.0), grid: int = 100_001) -> float:
    r"""The root-mean-square error :math:`\bigl(\frac{1}{b-a}\int_a^b (f-g)^2\bigr)^{1/2}`.

    Computed with the trapezoidal rule on a fine grid (the :math:`L^2` error of
    the uniform probability measure on the interval).
    """
    x = _grid(interval, grid)
    d2 = (_values(f, x) - _values(g, x)) ** 2
    return float(np.sqrt(np.trapezoid(d2, x) / (x[-1] - x[0])))


def fit_rate(ns, errors) -> float:
    r"""The exponent :math:`r` of a fit :math:`\text{error} \approx C\,n^{-r}` (least squares in log-log).

    Examples
    --------
    >>> round(fit_rate([10, 20, 40], [1e-2, 2.5e-3, 6.25e-4]), 6)
    2.0
    """
    n = as_float_array(ns, "ns").astype(np.float64)
    e = as_float_array(errors, "errors").astype(np.float64)
    if n.shape != e.shape or n.ndim != 1 or n.size < 2:
        raise ValueError("ns and errors must be 1-D of the same length >= 2")
    if np.any(n <= 0) or np.any(e <= 0):
        raise ValueError("ns and errors must be positive to fit a power law")
    slope = np.polyfit(np.log(n), np.log(e), 1)[0]
    return float(-slope)
