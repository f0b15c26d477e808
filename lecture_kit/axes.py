"""Axis helpers shared by the chapter explorers: log axes, path clipping, short numbers.

Part of the visual layer (it imports matplotlib); the numbers it formats come
from the models below it.
"""

from __future__ import annotations

import numbers

import numpy as np
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from .figures import PALETTE

__all__ = ["short_number", "describe_intervals", "log_limits", "fix_log_axis", "power_of_ten",
           "colour", "is_numeric", "clip_path"]


def short_number(v, digits: int = 3) -> str:
    """A short number for titles and alt text (``inf``/``nan`` spelt out)."""
    v = float(v)
    if np.isnan(v):
        return "nan"
    if np.isinf(v):
        return "infinity" if v > 0 else "minus infinity"
    return f"{v:.{digits}g}"


def describe_intervals(intervals, xlim) -> str:
    """Alt text for the saturated intervals of :func:`lecture_kit.plots.saturated_intervals`."""
    if not intervals:
        return "no region of the plotted range is saturated"
    parts = []
    for lo, hi in intervals:
        left, right = lo <= xlim[0] + 1e-9, hi >= xlim[1] - 1e-9
        if left and right:
            parts.append("everywhere in the plotted range")
        elif left:
            parts.append(f"x < {hi:.2g}")
        elif right:
            parts.append(f"x > {lo:.2g}")
        else:
            parts.append(f"{lo:.2g} < x < {hi:.2g}")
    return "saturated (shaded) for " + " and ".join(parts)


def log_limits(arrays, max_decades: float = 40.0):
    """Common limits (whole decades) of a log axis for every frame of an explorer."""
    values = np.concatenate([np.ravel(np.asarray(a, dtype=np.float64)) for a in arrays])
    values = values[np.isfinite(values) & (values > 0)]
    if values.size == 0:
        return None
    hi = 10.0 ** np.ceil(np.log10(values.max()) + 1e-9)
    lo = 10.0 ** np.floor(np.log10(values.min()) - 1e-9)
    lo = max(lo, hi * 10.0 ** -max_decades)
    if hi / lo < 100:
        lo, hi = lo / 10, hi * 10
    return lo, hi


def fix_log_axis(ax, limits) -> None:
    """Log scale with the given limits, labels on whole decades only."""
    if limits is None:
        return
    ax.set_yscale("log")
    ax.set_ylim(*limits)
    ax.yaxis.set_major_locator(LogLocator(base=10.0, numticks=6))
    ax.yaxis.set_major_formatter(FuncFormatter(power_of_ten))
    ax.yaxis.set_minor_formatter(NullFormatter())


_SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def power_of_ten(value, _pos=None) -> str:
    """``10⁻⁴`` for 1e-4 in plain Unicode (no mathtext to parse in every frame)."""
    if not value > 0:
        return ""
    exponent = np.log10(value)
    if abs(exponent - round(exponent)) > 1e-6:
        return ""
    return "10" + str(int(round(exponent))).translate(_SUPERSCRIPTS)


def colour(k: int) -> str:
    """The ``k``-th colour of the course palette (cycling)."""
    return PALETTE[k % len(PALETTE)]


def is_numeric(values) -> bool:
    """True when every value is a real number (a slider), not a bool or a string."""
    return all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in values)


def clip_path(path, bounds, factor: float = 3.0):
    """Cut a path where it becomes non-finite or leaves ``factor`` times the box.

    Returns the kept part and the step at which it was cut (None if complete).
    """
    (x0, x1), (y0, y1) = bounds
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    hx, hy = factor * (x1 - x0) / 2, factor * (y1 - y0) / 2
    with np.errstate(invalid="ignore"):
        inside = (np.abs(path[:, 0] - cx) <= hx) & (np.abs(path[:, 1] - cy) <= hy)
    if inside.all():
        return path, None
    cut = int(np.argmax(~inside))
    return path[: max(cut, 1)], cut
