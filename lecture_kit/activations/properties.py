r"""The comparison table of the chapters: each property defined once, declared, verified.

Every activation *declares* its properties (class attributes written where
the analysis is done, next to its formula); :func:`properties` reads the
declaration and checks it with a numerical probe, so a table built from
:func:`property_table` cannot state a property the function does not have.

The properties (the only definitions in the package; the book uses these
words in exactly these senses):

range, ``lower``/``upper``, ``lower_closed``/``upper_closed``
    The set of values :math:`f(\mathbb R)` lies between ``lower`` =
    :math:`\inf_x f(x)` and ``upper`` = :math:`\sup_x f(x)` (either may be
    infinite). A side is *closed* exactly when its bound is attained, i.e.
    some finite :math:`x` has :math:`f(x)` equal to it: ReLU :math:`[0,
    \infty)`, ReLU6 :math:`[0, 6]`, hard tanh :math:`[-1, 1]`, GELU
    :math:`[-0.16997\ldots, \infty)`, but sigmoid :math:`(0, 1)` and tanh
    :math:`(-1, 1)`. An infinite side is always open.
``bounded_below``, ``bounded_above``
    ``lower`` :math:`> -\infty`, ``upper`` :math:`< \infty`.
``odd``
    :math:`f(-x) = -f(x)` for every :math:`x` (the book's "zero-centred").
``zero_mean``
    :math:`\mathbb E\,f(z) = 0` for :math:`z \sim \mathcal N(0, 1)`: a
    standard-normal pre-activation gives a zero-mean output. Every odd
    function has it; SELU has it without being odd (its constants are chosen
    for it); ELU does not (it only moves the mean towards zero).
``monotone``
    Non-decreasing on the real line: :math:`x \le y \Rightarrow f(x) \le
    f(y)`.
``smoothness``
    ``"C0"``: continuous, but the derivative jumps at the points listed in
    ``kinks`` (ReLU at 0). ``"C1"``: continuously differentiable everywhere,
    but the second derivative jumps somewhere (softsign, ELU with
    :math:`\alpha = 1`, CELU at 0). ``"Cinf"``: infinitely differentiable
    everywhere (sigmoid, tanh, softplus, swish, GELU, Mish).

The probe evaluates the function on a dense grid (step :math:`10^{-4}` on
:math:`[-12, 12]`) and at far points (:math:`\pm 10^3, \pm 10^6, \pm 10^9`),
at the declared points where a bound is attained, and the expectation by the
trapezoidal rule on :math:`[-12, 12]`; :func:`probe` returns what it measured.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from ._base import Activation, as_activation
from ._base import names as _names

__all__ = ["ActivationProperties", "properties", "probe", "mismatches", "property_table",
           "format_property_table"]

_GRID = np.linspace(-12.0, 12.0, 240_001)
_INSIDE = np.abs(_GRID) <= 8.0  # where an unattained bound is still visibly not reached
_FAR = np.array([-1e9, -1e6, -1e3, 1e3, 1e6, 1e9])
_HUGE = 100.0  # a side is unbounded when a far point goes past +-_HUGE
_TOL = 1e-6  # relative tolerance of a bound
_JUMP_GRAD = 1e-2  # a derivative jump larger than this between neighbours is a kink
_JUMP_SECOND = 5e-2  # the same for the (finite-difference) second derivative


@dataclasses.dataclass(frozen=True)
class ActivationProperties:
    """The properties of one activation (see the module docstring for each definition).

    Attributes
    ----------
    name : str
    params : tuple of (str, value)
    lower, upper : float
    lower_closed, upper_closed : bool
    bounded_below, bounded_above : bool
    odd, zero_mean, monotone : bool
    smoothness : {"C0", "C1", "Cinf"}
    """

    name: str
    params: tuple
    lower: float
    upper: float
    lower_closed: bool
    upper_closed: bool
    odd: bool
    zero_mean: bool
    monotone: bool
    smoothness: str

    @property
    def bounded_below(self) -> bool:
        return math.isfinite(self.lower)

    @property
    def bounded_above(self) -> bool:
        return math.isfinite(self.upper)

    @property
    def range_text(self) -> str:
        """The range as an interval, e.g. ``[0, ∞)`` or ``(-1, 1)``."""
        left = "[" if self.lower_closed else "("
        right = "]" if self.upper_closed else ")"
        return f"{left}{_number(self.lower)}, {_number(self.upper)}{right}"

    def as_dict(self) -> dict:
        row = dataclasses.asdict(self)
        row["params"] = dict(self.params)
        row.update(range=self.range_text, bounded_below=self.bounded_below,
                   bounded_above=self.bounded_above)
        return row


def _number(v: float) -> str:
    if math.isinf(v):
        return "∞" if v > 0 else "−∞"
    text = f"{v:.4g}" if v != round(v) else f"{v:g}"
    return text.replace("-", "−")


def declared(act: Activation) -> ActivationProperties:
    """What ``act`` declares about itself, unchecked."""
    lo, hi = (float(b) for b in act.output_range)
    at_lo, at_hi = act.attained_at
    return ActivationProperties(
        name=act.name, params=tuple(act.params.items()), lower=lo, upper=hi,
        lower_closed=at_lo is not None, upper_closed=at_hi is not None,
        odd=bool(act.zero_centered), zero_mean=bool(act.zero_mean),
        monotone=bool(act.monotonic), smoothness=act.smoothness)


def _side(values, inside, far, at_value, sign):
    """Measured bound of one side (sign=+1 for the lower side) and whether it is attained."""
    v = sign * values
    f = sign * far
    if np.min(f) < -_HUGE:
        return -sign * math.inf, False, None
    bound = min(float(np.min(v)), float(np.min(f)))
    attained = None
    if at_value is not None:
        attained = abs(sign * at_value - bound) <= _TOL * (1 + abs(bound))
    strictly_inside = bool(np.all(v[inside] > bound)) if at_value is None else None
    return sign * bound, attained, strictly_inside


def probe(activation) -> dict:
    """Measure the properties of an activation numerically (see the module docstring).

    Returns a dict with the keys of :class:`ActivationProperties` (``lower``,
    ``upper`` measured; ``lower_closed``/``upper_closed`` True when the declared
    point attains the measured bound, False when the bound is not reached on
    the grid) and ``mean``, the measured :math:`\\mathbb E f(z)`.
    """
    act = as_activation(activation)
    x = _GRID
    with np.errstate(over="ignore", invalid="ignore"):
        y = np.asarray(act(x), dtype=np.float64)
        far = np.asarray(act(_FAR), dtype=np.float64)
        g = np.asarray(act.grad(x), dtype=np.float64)
    at_lo, at_hi = act.attained_at
    value_at = [None if a is None else float(act(float(a))) for a in (at_lo, at_hi)]
    lower, lo_att, lo_inside = _side(y, _INSIDE, far, value_at[0], +1)
    upper, hi_att, hi_inside = _side(y, _INSIDE, far, value_at[1], -1)
    h = x[1] - x[0]
    second = np.diff(g) / h
    weights = np.exp(-x * x / 2) / math.sqrt(2 * math.pi)
    mean = float(np.trapz(y * weights, x)) if hasattr(np, "trapz") else float(
        np.trapezoid(y * weights, x))
    if np.max(np.abs(np.diff(g))) > _JUMP_GRAD:
        smoothness = "C0"
    elif np.max(np.abs(np.diff(second))) > _JUMP_SECOND:
        smoothness = "C1"
    else:
        smoothness = "Cinf"
    return {
        "lower": lower, "upper": upper,
        "lower_closed": lo_att if lo_att is not None else (False if lo_inside else None),
        "upper_closed": hi_att if hi_att is not None else (False if hi_inside else None),
        "odd": bool(np.max(np.abs(y + y[::-1])) <= 1e-12 * (1 + np.max(np.abs(y)))),
        "zero_mean": abs(mean) <= 1e-7,
        "mean": mean,
        "monotone": bool(np.all(np.diff(y) >= -1e-15 * (1 + np.abs(y[1:])))
                         and np.all(g >= 0)),
        "smoothness": smoothness,
    }


def mismatches(activation) -> list:
    """Where the declaration of ``activation`` and the probe disagree (empty if nowhere)."""
    act = as_activation(activation)
    d = declared(act)
    m = probe(act)
    out = []
    for side in ("lower", "upper"):
        want, got = getattr(d, side), m[side]
        if math.isinf(want) or math.isinf(got):
            ok = want == got
        else:
            ok = abs(want - got) <= _TOL * (1 + abs(want))
        if not ok:
            out.append(f"{side}: declared {want!r}, measured {got!r}")
        closed = getattr(d, f"{side}_closed")
        if math.isfinite(want) and m[f"{side}_closed"] is not closed:
            out.append(f"{side}_closed: declared {closed}, probe says {m[side + '_closed']}")
    for key in ("odd", "zero_mean", "monotone", "smoothness"):
        if getattr(d, key) != m[key]:
            out.append(f"{key}: declared {getattr(d, key)!r}, measured {m[key]!r}")
    return [f"{act!r}: {text}" for text in out]


_VERIFIED: dict = {}


def properties(name_or_activation, **params) -> ActivationProperties:
    """The verified properties of an activation (a name with ``params``, or an object).

    Raises
    ------
    ValueError
        If a declared property disagrees with the numerical probe (the message
        says which): a wrong declaration never reaches a table.

    Examples
    --------
    >>> p = properties("relu")
    >>> p.range_text, p.odd, p.monotone, p.smoothness
    ('[0, ∞)', False, True, 'C0')
    >>> properties("gelu").range_text
    '[−0.17, ∞)'
    """
    act = as_activation(name_or_activation, **params)
    key = (type(act), repr(act))
    if key not in _VERIFIED:
        wrong = mismatches(act)
        if wrong:
            raise ValueError("declared properties disagree with the probe: " + "; ".join(wrong))
        _VERIFIED[key] = declared(act)
    return _VERIFIED[key]


_COLUMNS = ("name", "range", "bounded_below", "bounded_above", "odd", "zero_mean",
            "monotone", "smoothness")


def property_table(names=None) -> list:
    """One verified row (a dict) per activation, default parameters, course order.

    Parameters
    ----------
    names : sequence of str, optional
        Which activations (default: every registered one).

    Examples
    --------
    >>> rows = property_table(["sigmoid", "relu6"])
    >>> [(r["name"], r["range"]) for r in rows]
    [('sigmoid', '(0, 1)'), ('relu6', '[0, 6]')]
    """
    return [properties(n).as_dict() for n in (_names() if names is None else names)]


def format_property_table(rows=None, *, markdown: bool = False, columns=_COLUMNS) -> str:
    """The table as aligned text (default) or as a Markdown table.

    Examples
    --------
    >>> print(format_property_table(property_table(["tanh"]), columns=("name", "range", "odd")))
    name  range    odd
    tanh  (−1, 1)  yes
    """
    rows = property_table() if rows is None else rows

    def cell(v):
        if isinstance(v, bool):
            return "yes" if v else "no"
        return {"Cinf": "C∞", "C1": "C¹", "C0": "C⁰"}.get(v, str(v))

    table = [list(columns)] + [[cell(r[c]) for c in columns] for r in rows]
    if markdown:
        lines = ["| " + " | ".join(table[0]) + " |", "|" + "|".join("---" for _ in columns) + "|"]
        lines += ["| " + " | ".join(r) + " |" for r in table[1:]]
        return "\n".join(lines)
    widths = [max(len(r[i]) for r in table) for i in range(len(columns))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in table)
