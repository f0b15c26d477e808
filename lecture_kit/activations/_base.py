r"""The base class of every activation, its registry and the elementwise helpers.

Defining a subclass of :class:`Activation` with a ``name`` registers it: it
appears in :func:`names`, :func:`get`, the property table, the chapter
explorers and the initializers' baselines, with nothing else to edit.
"""

from __future__ import annotations

import inspect
import math

import numpy as np

from ..core.registry import Registry
from ..core.validation import as_working_array, check_real, restore_scalar

__all__ = ["Activation", "REGISTRY", "names", "get", "summary_table"]

INF = math.inf

#: Every activation class, by name, in the order the course meets them.
REGISTRY = Registry("activation")

# Beyond |t| = 1000 the sigmoid is exactly 0 or 1 in every float dtype
# (e^-1000 underflows even in float64), so an argument can be clipped there
# without changing any result; clipping keeps beta * x from overflowing.
SATURATED = 1000.0


# ---------------------------------------------------------------------------
# Input handling shared by every function
# ---------------------------------------------------------------------------


def prepare(x, name="x"):
    """Return (validated array, array to compute with).

    The working array is float32 or float64 and at least 1-d (ufuncs turn 0-d
    arrays into scalars, which cannot take ``out=``); float16 is computed in
    float32 and long double in float64.
    """
    arr, work = as_working_array(x, name)
    return arr, work.reshape(work.shape or (1,))


def finish(result, arr, work, who):
    """Give ``result`` the dtype and shape of the input ``arr`` (a scalar for a scalar)."""
    result = np.asarray(result)
    if result.dtype != work.dtype:  # a float64 constant slipped into a float32 computation
        raise AssertionError(f"internal error: {who} computed in {result.dtype} for {work.dtype}")
    if result.dtype != arr.dtype:
        # float16: an overflow here is the correctly rounded float16 result (inf)
        with np.errstate(over="ignore"):
            result = result.astype(arr.dtype)
    return restore_scalar(result.reshape(arr.shape), arr)


def real(value, name, *, minimum=None, strict=False):
    """A parameter: a finite real number, optionally bounded below (see ``check_real``)."""
    return check_real(value, name, minimum=minimum, strict=strict)


def keep_nan(g, x):
    """Put NaN back into ``g`` wherever ``x`` is NaN.

    A derivative built from comparisons loses NaN (``NaN > 0`` is False).
    """
    nan = np.isnan(x)
    if nan.any():  # a masked copy is slow (unpredictable branches): only when needed
        np.copyto(g, x, where=nan)
    return g


def indicator(condition, x):
    """``condition`` as 0.0/1.0 in the dtype of ``x``, NaN where ``x`` is NaN."""
    return keep_nan(condition.astype(x.dtype), x)


def positive(x):
    """1.0 where ``x > 0``, else 0.0 (NaN gives 0.0), in the dtype of ``x``."""
    return np.greater(x, 0).astype(x.dtype)


def select(m, inside, outside):
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


def scaled(x, beta):
    r""":math:`\beta x`, clipped where the sigmoid is saturated (so it cannot overflow)."""
    b = x.dtype.type(beta)
    if beta <= 1.0:
        return b * x
    limit = x.dtype.type(SATURATED / beta)
    return b * np.clip(x, -limit, limit)


def sympy_number(value):
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
    scalar handling (see :mod:`lecture_kit.activations`). A subclass that sets
    ``name`` is registered when it is defined.

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
    attained_at : tuple
        ``(x_low, x_high)``: a point where the infimum (supremum) is attained,
        ``None`` where it is not; the interval is closed exactly there.
    zero_centered : bool
        The function is odd, :math:`f(-x) = -f(x)`.
    zero_mean : bool
        :math:`\\mathbb E f(z) = 0` for :math:`z \\sim \\mathcal N(0, 1)`.
    monotonic, saturating : bool
        See :func:`lecture_kit.activations.properties` for the exact definitions.
    smooth : bool
        Continuously differentiable (:math:`C^1`).
    smooth_order : str
        ``"C1"`` or ``"Cinf"``: how smooth a smooth activation is.
    kinks : tuple of float
        Points where the derivative jumps; ``()`` exactly when ``smooth``.
    gain : float or None
        PyTorch's recommended initialization gain (``calculate_gain``), ``None``
        where PyTorch has none.
    init_scheme : {"xavier", "he"}
        The variance baseline of the initialization chapters: He for the
        rectifiers, Xavier otherwise.
    shown_in : tuple of str
        The chapter explorers that offer it by default (e.g.
        ``("activation_explorer",)``).
    """

    name = "activation"
    latex = ""
    latex_grad = ""
    reference = ""
    output_range = (-INF, INF)
    attained_at = (None, None)
    zero_centered = False
    monotonic = True
    smooth = True
    smooth_order = "Cinf"
    saturating = False
    kinks = ()
    gain = None
    init_scheme = "xavier"
    shown_in = ()
    _symbols = {}  # attribute -> symbol name used in ``latex`` (e.g. "alpha" -> alpha)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "name" in cls.__dict__:
            REGISTRY.add(cls.name, cls)

    def __init__(self):
        """Activations without parameters take none."""

    @property
    def zero_mean(self):
        """Odd functions have mean zero under a symmetric input (see ``properties``)."""
        return self.zero_centered

    @property
    def smoothness(self):
        """``"C0"`` (kinks), ``"C1"`` or ``"Cinf"``."""
        return self.smooth_order if self.smooth else "C0"

    # -- parameters -----------------------------------------------------------

    @classmethod
    def param_names(cls):
        """Names of the parameters :func:`get` accepts for this activation."""
        return [p for p in inspect.signature(cls.__init__).parameters if p != "self"]

    @property
    def params(self):
        """Parameters with their values (defaults filled in), PyTorch's names."""
        return {p: getattr(self, p) for p in self.param_names()}

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
        arr, work = prepare(x)
        return finish(self._forward(work), arr, work, self.name)

    def grad(self, x):
        """Derivative :math:`f'(x)`, elementwise (PyTorch's value at a kink)."""
        arr, work = prepare(x)
        return finish(self._grad(work), arr, work, self.name)

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
            return sympy_number(float(getattr(self, attr)))

        return self._symbolic(sympy, x, p)

    def _symbolic(self, sp, x, p):  # pragma: no cover
        raise NotImplementedError


# ---------------------------------------------------------------------------
# Registry access
# ---------------------------------------------------------------------------


def names():
    """Names of every registered activation, in the order of the course.

    Examples
    --------
    >>> names()[:3]
    ('sigmoid', 'tanh', 'softsign')
    """
    return REGISTRY.names()


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
    return REGISTRY.create(name, **params)


def summary_table():
    """One row (a dict) per registered activation with its default parameters.

    Keys: name, params, output_range, zero_centered, monotonic, smooth,
    saturating, reference. (:func:`lecture_kit.activations.property_table` is
    the verified comparison table of the chapters.)

    Examples
    --------
    >>> row = summary_table()[0]
    >>> row["name"], row["saturating"]
    ('sigmoid', True)
    """
    keys = ("output_range", "zero_centered", "monotonic", "smooth", "saturating", "reference")
    rows = []
    for n in names():
        a = get(n)
        rows.append({"name": n, "params": a.params, **{k: getattr(a, k) for k in keys}})
    return rows


def as_activation(spec, *, where: str = "activation", **params):
    """``spec`` as an activation: a registry name (with ``params``) or an object.

    An :class:`Activation` with ``params`` gives ``spec.replace(**params)``; any
    other object with ``__call__`` and ``grad`` (a student's own activation) is
    returned as it is. ``where`` names the argument in the error message.
    """
    if isinstance(spec, str):
        return get(spec, **params)
    if isinstance(spec, Activation) and params:
        return spec.replace(**params)
    if params:
        raise TypeError("parameters can be given only with an activation name")
    if callable(spec) and callable(getattr(spec, "grad", None)):
        return spec
    raise TypeError(
        f"{where} must be an activation name ({', '.join(names())}), "
        f"or an object with __call__ and grad, got {spec!r}"
    )
