r"""Two-dimensional test functions for watching optimizers move.

Each landscape is a :class:`Landscape`: a function :math:`f(x, y)`, its
analytic gradient, its known minimizers (and, where they are known, its saddle
points), a box to plot and a default starting point. ``f`` and ``grad`` accept
any array whose last axis has length 2, so the same call evaluates one point,
a trajectory of shape ``(T, 2)`` or a whole plotting grid of shape
``(ny, nx, 2)``.

===============================  ==========================================
``ill_conditioned_quadratic``    :math:`\tfrac12(\mu x^2 + L y^2)`: the
                                 condition number :math:`\kappa = L/\mu`
``rosenbrock``                   a curved, flat-bottomed valley
``saddle``                       :math:`x^2 - y^2`: no minimum at all
``beale``                        sharp ridges, one minimum at (3, 0.5)
``himmelblau``                   four minima of equal depth
===============================  ==========================================

To run an optimizer on a landscape, hand its gradient to
:func:`lecture_kit.optim.trajectory`; :func:`lecture_kit.plots.contour` draws the level sets
with the paths on top::

    from lecture_kit import optim, plots
    land = rosenbrock()
    path = optim.trajectory(optim.adam(lr=0.05), land.grad, land.start, 500)
    plots.contour(land, {"Adam": path})   # the visual layer: this module draws nothing

>>> q = get("ill_conditioned_quadratic", kappa=25.0)
>>> q.condition_number, q.f(np.array([1.0, 1.0]))
(25.0, np.float64(13.0))
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .core.registry import Registry
from .core.validation import as_float_array, check_positive, working_dtype

__all__ = [
    "Landscape",
    "QuadraticLandscape",
    "beale",
    "contour_grid",
    "REGISTRY",
    "get",
    "himmelblau",
    "ill_conditioned_quadratic",
    "names",
    "rosenbrock",
    "saddle",
]


def _points(xy) -> tuple[np.ndarray, np.ndarray]:
    """Validate ``xy`` (last axis of length 2) and return its two coordinates."""
    arr = as_float_array(xy, "xy")
    if arr.ndim == 0 or arr.shape[-1] != 2:
        raise ValueError(
            f"xy must have a last axis of length 2 (x, y), got shape {arr.shape}"
        )
    arr = arr.astype(working_dtype(arr.dtype), copy=False)  # float16 runs in float32
    return arr[..., 0], arr[..., 1]


def _stack(gx, gy, like) -> np.ndarray:
    """Stack the two partial derivatives on a last axis, in the input dtype."""
    out = np.stack(np.broadcast_arrays(gx, gy), axis=-1)
    return out.astype(np.result_type(as_float_array(like, "xy")), copy=False)


def _cast(value, like):
    """``value`` in the dtype of ``like`` (float16 is computed in float32)."""
    dtype = as_float_array(like, "xy").dtype
    return np.asarray(value).astype(dtype, copy=False)[()]


@dataclass(frozen=True)
class Landscape:
    r"""A 2-D test function with everything needed to study an optimizer on it.

    Attributes
    ----------
    name : str
        Registry name (see :func:`names`).
    f : callable
        ``f(xy)``: values, shape ``xy.shape[:-1]``; a NumPy scalar for one point.
    grad : callable
        ``grad(xy)``: analytic gradient :math:`(\partial_x f, \partial_y f)`,
        same shape as ``xy``.
    minima : tuple of ndarray
        Known minimizers, each of shape ``(2,)``; empty if there is none.
    f_min : float or None
        The minimum value, or ``None`` if :math:`f` is unbounded below.
    saddles : tuple of ndarray
        Known saddle points (gradient zero, Hessian indefinite).
    bounds : ((float, float), (float, float))
        Suggested plotting box ``((x_min, x_max), (y_min, y_max))``.
    start : ndarray of shape (2,)
        Default starting point for optimizers.
    latex : str
        The formula, for titles and tables.
    params : dict
        The parameters the landscape was built with.

    Notes
    -----
    ``f`` and ``grad`` keep float32 input in float32 (float16 is computed in
    float32 and returned as float16) and propagate NaN.
    """

    name: str
    f: Callable = field(repr=False)
    grad: Callable = field(repr=False)
    minima: tuple = ()
    f_min: float | None = None
    saddles: tuple = ()
    bounds: tuple = ((-2.0, 2.0), (-2.0, 2.0))
    start: np.ndarray = field(default_factory=lambda: np.zeros(2))
    latex: str = ""
    params: dict = field(default_factory=dict)

    def __call__(self, xy):
        """Same as :attr:`f`."""
        return self.f(xy)


@dataclass(frozen=True)
class QuadraticLandscape(Landscape):
    r"""A :class:`Landscape` with the curvature constants of a quadratic.

    Attributes
    ----------
    L : float
        Largest Hessian eigenvalue (the smoothness constant).
    mu : float
        Smallest Hessian eigenvalue (the strong-convexity constant).
    """

    L: float = 1.0
    mu: float = 1.0

    @property
    def condition_number(self) -> float:
        r""":math:`\kappa = L/\mu`."""
        return self.L / self.mu

    @property
    def eigenvalues(self) -> tuple[float, float]:
        """Hessian eigenvalues ``(mu, L)``, smallest first."""
        return (self.mu, self.L)


# ----------------------------------------------------------------------------
# the landscapes
# ----------------------------------------------------------------------------
def ill_conditioned_quadratic(kappa: float = 25.0, mu: float = 1.0) -> QuadraticLandscape:
    r"""A quadratic bowl whose curvatures differ by the factor ``kappa``.

    .. math::
        f(x, y) = \tfrac12\left(\mu x^2 + L y^2\right),\qquad L = \kappa\mu,
        \qquad \nabla f = (\mu x,\; L y),\qquad
        \nabla^2 f = \operatorname{diag}(\mu, L).

    The only minimizer is the origin, with :math:`f = 0`.

    Parameters
    ----------
    kappa : float, default 25.0
        Condition number :math:`\kappa = L/\mu \ge 1`.
    mu : float, default 1.0
        Smallest curvature (> 0).

    Returns
    -------
    QuadraticLandscape
        Exposes ``L``, ``mu``, ``condition_number`` and ``eigenvalues``.

    Notes
    -----
    Gradient descent is stable for :math:`0 < \eta < 2/L` and its best rate,
    :math:`(\kappa - 1)/(\kappa + 1)` per step, is reached at
    :math:`\eta = 2/(L + \mu)`. Heavy-ball momentum in PyTorch's form
    (:math:`b \leftarrow \beta b + g`, :math:`\theta \leftarrow \theta - \eta b`)
    reaches :math:`(\sqrt\kappa - 1)/(\sqrt\kappa + 1)` with

    .. math::
        \eta^\star = \frac{4}{(\sqrt L + \sqrt\mu)^2},\qquad
        \beta^\star = \left(\frac{\sqrt\kappa - 1}{\sqrt\kappa + 1}\right)^2.

    With the default :math:`\kappa = 25,\ \mu = 1`: :math:`\eta^\star = 1/9`,
    :math:`\beta^\star = 4/9`.

    References
    ----------
    Polyak, B. T. (1964). Some methods of speeding up the convergence of
    iteration methods. *USSR Computational Mathematics and Mathematical
    Physics* 4(5).

    Examples
    --------
    >>> q = ill_conditioned_quadratic(kappa=10.0, mu=0.5)
    >>> q.L, q.mu, q.condition_number
    (5.0, 0.5, 10.0)
    >>> q.grad(np.array([2.0, 1.0]))
    array([1., 5.])
    """
    kappa = check_positive(kappa, "kappa")
    if kappa < 1.0:
        raise ValueError(f"Invalid kappa: {kappa!r} (a condition number is >= 1)")
    mu = check_positive(mu, "mu")
    L = kappa * mu

    def f(xy):
        x, y = _points(xy)
        return _cast(0.5 * (mu * x * x + L * y * y), xy)

    def grad(xy):
        x, y = _points(xy)
        return _stack(mu * x, L * y, xy)

    start = np.array([-5.0, 1.0]) / np.sqrt(mu)
    f0 = 0.5 * (mu * start[0] ** 2 + L * start[1] ** 2)
    hx, hy = 1.1 * np.sqrt(2.0 * f0 / mu), 1.1 * np.sqrt(2.0 * f0 / L)
    return QuadraticLandscape(
        name="ill_conditioned_quadratic",
        f=f,
        grad=grad,
        minima=(np.zeros(2),),
        f_min=0.0,
        bounds=((-float(hx), float(hx)), (-float(hy), float(hy))),
        start=start,
        latex=r"\frac{1}{2}(\mu x^2 + L y^2)",
        params={"kappa": kappa, "mu": mu},
        L=L,
        mu=mu,
    )


def rosenbrock(a: float = 1.0, b: float = 100.0) -> Landscape:
    r"""Rosenbrock's banana: a narrow curved valley with a flat floor.

    .. math::
        f(x, y) = (a - x)^2 + b\,(y - x^2)^2,

    .. math::
        \partial_x f = -2(a - x) - 4 b x (y - x^2),\qquad
        \partial_y f = 2 b (y - x^2).

    The only minimizer is :math:`(a, a^2)`, with :math:`f = 0`.

    Parameters
    ----------
    a : float, default 1.0
        Position of the minimum along :math:`x`.
    b : float, default 100.0
        Steepness of the valley walls (> 0).

    Returns
    -------
    Landscape

    References
    ----------
    Rosenbrock, H. H. (1960). An automatic method for finding the greatest or
    least value of a function. *The Computer Journal* 3(3).

    Examples
    --------
    >>> r = rosenbrock()
    >>> r.f(np.array([1.0, 1.0])), r.grad(np.array([0.0, 0.0]))
    (np.float64(0.0), array([-2.,  0.]))
    """
    if isinstance(a, bool) or not isinstance(a, numbers.Real):
        raise TypeError(f"a must be a real number, got {a!r}")
    a = float(a)
    if not np.isfinite(a):
        raise ValueError(f"Invalid a: {a!r} (must be finite)")
    b = check_positive(b, "b")

    def f(xy):
        x, y = _points(xy)
        u = a - x
        v = y - x * x
        return _cast(u * u + b * v * v, xy)

    def grad(xy):
        x, y = _points(xy)
        v = y - x * x
        return _stack(-2.0 * (a - x) - 4.0 * b * x * v, 2.0 * b * v, xy)

    s = max(1.0, abs(a))
    return Landscape(
        name="rosenbrock",
        f=f,
        grad=grad,
        minima=(np.array([a, a * a]),),
        f_min=0.0,
        bounds=((-2.0 * s, 2.0 * s), (-1.0 * s * s, 3.0 * s * s)),
        start=np.array([-1.2 * s, 1.0 * s * s]),
        latex=r"(a - x)^2 + b\,(y - x^2)^2",
        params={"a": a, "b": b},
    )


def saddle() -> Landscape:
    r"""The simplest saddle: :math:`f(x, y) = x^2 - y^2`.

    .. math::
        \nabla f = (2x,\; -2y),\qquad \nabla^2 f = \operatorname{diag}(2, -2).

    The origin is a critical point but not a minimum: :math:`f` curves up
    along :math:`x` and down along :math:`y`, and is unbounded below, so
    ``minima`` is empty and ``f_min`` is ``None``. Gradient descent started on
    the :math:`x` axis converges to the saddle; started a hair off it, it
    escapes along :math:`y`, slowly at first.

    Returns
    -------
    Landscape

    Examples
    --------
    >>> s = saddle()
    >>> s.minima, s.f_min, s.grad(np.array([0.0, 0.0]))
    ((), None, array([ 0., -0.]))
    """

    def f(xy):
        x, y = _points(xy)
        return _cast(x * x - y * y, xy)

    def grad(xy):
        x, y = _points(xy)
        return _stack(2.0 * x, -2.0 * y, xy)

    return Landscape(
        name="saddle",
        f=f,
        grad=grad,
        minima=(),
        f_min=None,
        saddles=(np.zeros(2),),
        bounds=((-2.0, 2.0), (-2.0, 2.0)),
        start=np.array([-1.8, 0.01]),
        latex=r"x^2 - y^2",
        params={},
    )


def beale() -> Landscape:
    r"""Beale's function: flat plateaus, steep ridges, one minimum at (3, 0.5).

    .. math::
        f(x, y) = \sum_{k=1}^{3} t_k^2,\qquad
        t_k = c_k - x + x y^k,\qquad (c_1, c_2, c_3) = (1.5,\ 2.25,\ 2.625),

    .. math::
        \partial_x f = 2\sum_k t_k (y^k - 1),\qquad
        \partial_y f = 2\sum_k t_k\, k\, x\, y^{k-1}.

    The minimizer :math:`(3, \tfrac12)` makes every :math:`t_k` vanish, so
    :math:`f = 0` there. The point :math:`(0, 1)` is a saddle.

    Returns
    -------
    Landscape

    References
    ----------
    Beale, E. M. L. (1958). On an iterative method for finding a local minimum
    of a function of more than one variable. Technical Report 25, Princeton.

    Examples
    --------
    >>> beale().f(np.array([3.0, 0.5]))
    np.float64(0.0)
    """

    def f(xy):
        x, y = _points(xy)
        y2 = y * y
        t1 = 1.5 - x + x * y
        t2 = 2.25 - x + x * y2
        t3 = 2.625 - x + x * y2 * y
        return _cast(t1 * t1 + t2 * t2 + t3 * t3, xy)

    def grad(xy):
        x, y = _points(xy)
        y2 = y * y
        y3 = y2 * y
        t1 = 1.5 - x + x * y
        t2 = 2.25 - x + x * y2
        t3 = 2.625 - x + x * y3
        gx = 2.0 * (t1 * (y - 1.0) + t2 * (y2 - 1.0) + t3 * (y3 - 1.0))
        gy = 2.0 * x * (t1 + 2.0 * t2 * y + 3.0 * t3 * y2)
        return _stack(gx, gy, xy)

    return Landscape(
        name="beale",
        f=f,
        grad=grad,
        minima=(np.array([3.0, 0.5]),),
        f_min=0.0,
        saddles=(np.array([0.0, 1.0]),),
        bounds=((-4.5, 4.5), (-4.5, 4.5)),
        start=np.array([1.0, 1.75]),
        latex=r"\sum_{k=1}^{3}(c_k - x + x y^k)^2",
        params={},
    )


#: Himmelblau's minimizers, solved with 40-digit Newton iterations (mpmath).
_HIMMELBLAU_MINIMA = (
    (3.0, 2.0),
    (-2.8051180869527448531, 3.1313125182505729658),
    (-3.7793102533777468919, -3.2831859912861694123),
    (3.5844283403304917449, -1.8481265269644035535),
)
_HIMMELBLAU_SADDLES = (
    (0.086677504555396351823, 2.8842547011747761131),
    (-3.0730257507643896105, -0.081353044287967511553),
    (3.385154183607020938, 0.073851879837749287719),
    (-0.12796134673068006631, -1.9537149802445764261),
)


def himmelblau() -> Landscape:
    r"""Himmelblau's function: four minima of equal depth.

    .. math::
        f(x, y) = (x^2 + y - 11)^2 + (x + y^2 - 7)^2,

    .. math::
        \partial_x f = 4x(x^2 + y - 11) + 2(x + y^2 - 7),\qquad
        \partial_y f = 2(x^2 + y - 11) + 4y(x + y^2 - 7).

    Both squares vanish at four points, so all four minima have
    :math:`f = 0`; one is :math:`(3, 2)`, the other three are irrational.
    Between them lie four saddles and one local maximum near
    :math:`(-0.2708, -0.9230)`. Which minimum an optimizer reaches depends
    on where it starts: the simplest picture of a non-convex loss.

    Returns
    -------
    Landscape

    References
    ----------
    Himmelblau, D. M. (1972). *Applied Nonlinear Programming*. McGraw-Hill.

    Examples
    --------
    >>> h = himmelblau()
    >>> len(h.minima), h.f(np.array([3.0, 2.0]))
    (4, np.float64(0.0))
    """

    def f(xy):
        x, y = _points(xy)
        u = x * x + y - 11.0
        v = x + y * y - 7.0
        return _cast(u * u + v * v, xy)

    def grad(xy):
        x, y = _points(xy)
        u = x * x + y - 11.0
        v = x + y * y - 7.0
        return _stack(4.0 * x * u + 2.0 * v, 2.0 * u + 4.0 * y * v, xy)

    return Landscape(
        name="himmelblau",
        f=f,
        grad=grad,
        minima=tuple(np.array(m) for m in _HIMMELBLAU_MINIMA),
        f_min=0.0,
        saddles=tuple(np.array(s) for s in _HIMMELBLAU_SADDLES),
        bounds=((-5.0, 5.0), (-5.0, 5.0)),
        start=np.array([-0.5, -0.5]),
        latex=r"(x^2 + y - 11)^2 + (x + y^2 - 7)^2",
        params={},
    )


# ----------------------------------------------------------------------------
# registry
# ----------------------------------------------------------------------------
#: The landscapes by name, in the order of the chapter.
REGISTRY = Registry("landscape")
for _factory in (ill_conditioned_quadratic, rosenbrock, saddle, beale, himmelblau):
    REGISTRY.add(_factory.__name__, _factory)


def names() -> tuple[str, ...]:
    """Names of the registered landscapes, in the order of the chapter.

    Examples
    --------
    >>> names()[:2]
    ('ill_conditioned_quadratic', 'rosenbrock')
    """
    return REGISTRY.names()


def get(name: str, **params) -> Landscape:
    """Build the landscape called ``name`` with keyword ``params``.

    Raises
    ------
    ValueError
        For an unknown name (the known ones are listed) or an unknown parameter.

    Examples
    --------
    >>> get("rosenbrock", b=10.0).params
    {'a': 1.0, 'b': 10.0}
    """
    return REGISTRY.create(name, **params)


def contour_grid(landscape: Landscape, resolution: int = 200, levels=30,
                 log_levels: bool = True):
    """The numbers of a contour plot: ``(X, Y, Z, levels)`` over ``landscape.bounds``.

    Parameters
    ----------
    resolution : int, default 200
        Grid points per axis.
    levels : int or sequence of float, default 30
        Number of contour levels, or the levels themselves.
    log_levels : bool, default True
        Space the levels geometrically above ``landscape.f_min`` (linear
        without a minimum value). The drawing is
        :func:`lecture_kit.plots.contour`.

    Examples
    --------
    >>> X, Y, Z, lv = contour_grid(rosenbrock(), resolution=5, levels=3)
    >>> X.shape, Z.shape, len(lv)
    ((5, 5), (5, 5), 3)
    """
    if isinstance(resolution, bool) or not isinstance(resolution, numbers.Integral):
        raise TypeError(f"resolution must be an int, got {resolution!r}")
    if resolution < 2:
        raise ValueError(f"Invalid resolution: {resolution!r} (must be >= 2)")
    (x0, x1), (y0, y1) = landscape.bounds
    X, Y = np.meshgrid(np.linspace(x0, x1, int(resolution)), np.linspace(y0, y1, int(resolution)))
    Z = np.asarray(landscape.f(np.stack([X, Y], axis=-1)), dtype=np.float64)
    return X, Y, Z, _contour_levels(Z, landscape.f_min, levels, log_levels)


def _contour_levels(Z: np.ndarray, f_min, levels, log_levels: bool) -> np.ndarray:
    """Contour levels: geometric above ``f_min`` when possible, else linear."""
    if not isinstance(levels, numbers.Integral) or isinstance(levels, bool):
        return np.sort(as_float_array(levels, "levels").ravel())
    if levels < 2:
        raise ValueError(f"Invalid levels: {levels!r} (need at least 2)")
    finite = Z[np.isfinite(Z)]
    lo, hi = float(finite.min()), float(finite.max())
    if log_levels and f_min is not None:
        gap = finite - f_min
        positive = gap[gap > 0]
        top = float(positive.max())
        bottom = max(float(positive.min()), top * 1e-9)
        return f_min + np.geomspace(bottom, top, int(levels))
    return np.linspace(lo, hi, int(levels))
