r"""The chapter explorers of approximation theory: width and depth.

Above the explorer engine; the approximants come from
:mod:`lecture_kit.approximation`.
"""

from __future__ import annotations

import numpy as np

from .. import approximation as ap
from ..axes import colour, short_number
from ..explorer import Choice, Explorer, Slider

__all__ = ["default_target", "approximation_explorer", "sawtooth_explorer"]


def default_target(x):
    r"""The target of the chapter: :math:`F(x) = \sin(2\pi x) + x/2` on [0, 1]."""
    return np.sin(2 * np.pi * np.asarray(x, dtype=float)) + 0.5 * np.asarray(x, dtype=float)


_METHODS = ("ReLU interpolant", "sigmoid steps")


def _approximant(method: str, n: int, target):
    if method == "ReLU interpolant":
        return ap.relu_interpolant(target, n)
    return ap.sigmoid_staircase(target, n, steepness=40.0 * n * n)


def approximation_explorer(widths=(2, 4, 8, 16, 32, 64), target=default_target) -> Explorer:
    r"""One hidden layer of ``n`` units approximating :math:`F` on [0, 1].

    Choose the construction (ReLU units interpolating at :math:`n+1` knots, or
    :math:`n` steep sigmoid steps) and the width :math:`n`. Left: :math:`F` and
    the approximant; right: the sup-norm error against :math:`n` for both
    constructions (log-log), with the current one marked.

    Examples
    --------
    >>> exp = approximation_explorer(widths=(2, 4))
    >>> exp.n_frames
    4
    """
    widths = [int(n) for n in widths]
    x = np.linspace(0.0, 1.0, 1001)
    errors = {m: [ap.sup_error(target, _approximant(m, n, target), grid=4001) for n in widths]
              for m in _METHODS}

    def draw(fig, method, width):
        left, right = fig.subplots(1, 2)
        g = _approximant(method, width, target)
        left.plot(x, target(x), color="0.3", linewidth=2.0, label="target $F$")
        left.plot(x, g(x), color=colour(0), linewidth=1.2, label=f"{width} units")
        left.set(xlabel="$x$", ylabel="value", title=method)
        left.legend(fontsize="small", loc="lower left")
        for k, m in enumerate(_METHODS):
            right.loglog(widths, errors[m], marker="o", color=colour(k + 1), label=m)
        right.loglog([width], [errors[method][widths.index(width)]], marker="o",
                     markersize=11, markerfacecolor="none", color="0.1", linestyle="none")
        right.set(xlabel="hidden units $n$", ylabel="sup-norm error",
                  title=f"error {short_number(errors[method][widths.index(width)])}")
        right.legend(fontsize="small", loc="lower left")

    def alt(method, width):
        return (f"Left: the target F(x) = sin(2 pi x) + x/2 on [0, 1] and its approximation by "
                f"one hidden layer of n = {width} units ({method}). Right: the sup-norm error "
                f"(largest distance to F) against n for both constructions, log-log, the "
                f"current one circled.")

    def result(method, width):
        err = errors[method][widths.index(width)]
        other = errors[_METHODS[1 - _METHODS.index(method)]][widths.index(width)]
        return (f"with {width} units the error is {short_number(err)} for the {method} and "
                f"{short_number(other)} for the other construction")

    return Explorer(draw, [Choice("method", list(_METHODS), label="construction"),
                           Slider("width", widths, label="hidden units n",
                                  value=8 if 8 in widths else None)],
                    title="What one hidden layer can approximate", alt=alt, result=result,
                    key="approximation")


def sawtooth_explorer(depths=(1, 2, 3, 4, 5, 6)) -> Explorer:
    r"""Telgarsky's sawtooth: the tent map composed :math:`k` times.

    A ReLU network of depth :math:`k` with 2 units per layer draws
    :math:`2^k` linear pieces; the title counts them numerically and states
    the one-hidden-layer width that the same function needs.

    Examples
    --------
    >>> sawtooth_explorer(depths=(1, 2)).n_frames
    2
    """
    depths = [int(k) for k in depths]
    x = np.linspace(0.0, 1.0, 4001)
    pieces = {k: ap.count_linear_pieces(ap.sawtooth(k), grid=2 ** (k + 8) + 1) for k in depths}

    def draw(fig, depth):
        ax = fig.subplots()
        ax.plot(x, ap.sawtooth(depth)(x), color=colour(0))
        ax.set(xlabel="$x$", ylabel=f"$t^{{({depth})}}(x)$", ylim=(-0.05, 1.1),
               title=f"{pieces[depth]} linear pieces")
        fig.suptitle(f"depth {depth}, {2 * depth} ReLU units: {pieces[depth]} linear pieces; "
                     f"one hidden layer needs {pieces[depth] - 1} kinks")

    def alt(depth):
        return (f"The tent map t composed k = {depth} times on [0, 1], t^({depth})(x): a zig-zag "
                f"drawn by a ReLU network of depth {depth} with {2 * depth} units.")

    def result(depth):
        return (f"it rises from 0 to 1 and back {2 ** (depth - 1)} times; counted numerically "
                f"it has {pieces[depth]} linear pieces, so a single hidden layer would need "
                f"{pieces[depth] - 1} units to place its kinks")

    return Explorer(draw, [Slider("depth", depths, label="depth k", value=depths[2]
                                  if len(depths) > 2 else None)],
                    title="Depth against width: the sawtooth", alt=alt, result=result,
                    key="sawtooth", width=4.3, height=3.0)
