"""Figures shared by the chapters, in one consistent style (the visual layer).

Every function here builds a :class:`matplotlib.figure.Figure` with the
object-oriented API and never touches :mod:`matplotlib.pyplot`. That keeps the
library free of global state and means a figure is displayed only when a chapter
asks for it, with alternative text, through :func:`show`:

>>> fig, ax = subplots()
>>> _ = ax.plot([0, 1], [0, 1], label="y = x")
>>> html = show(fig, alt="A straight line through the origin.")._repr_html_()
>>> 'alt="A straight line through the origin."' in html
True

The palette is the colour-blind-safe qualitative set of Okabe and Ito (2008);
line styles vary too, so that curves stay distinguishable in grey print.

Figures the chapters reuse
--------------------------
Each takes where to draw first (``None`` for a new figure, an empty
:class:`~matplotlib.figure.Figure`, or existing Axes), then the data, and
returns the Axes it drew on, so that a chapter can add to them.

:func:`activation_and_derivative`
    :math:`f` and :math:`f'` side by side, the saturated regions
    (:math:`|f'(x)| <` ``threshold``, default 0.05) shaded in both panels.
:func:`grad_norm_per_layer`, :func:`activation_std_per_layer`
    One curve per run on a logarithmic axis against the layer index (0 =
    nearest the input), e.g. from :func:`lecture_kit.mlp.depth_probe`;
    :func:`depth_probe_figure` puts the two side by side.
:func:`contour`, :func:`trajectories_on_contour`
    The level sets of a landscape with optimizer paths on top.
:func:`draw_graph`
    The computation graph of a :class:`lecture_kit.autodiff.Value` (from
    :mod:`lecture_kit.graphs`).
:func:`activation_histograms`
    One histogram of activation values per layer (e.g. ``MLP.a``).

>>> fig = new_figure()
>>> ax_f, ax_df = activation_and_derivative(fig, "tanh")
>>> ax_f.get_xlabel(), ax_df.get_ylabel()
('$x$', "$f'(x)$")
"""

from __future__ import annotations

import numbers

import numpy as np

from . import activations, figures, landscapes
from .core.validation import as_float_array as _as_float_array
from .figures import (LINESTYLES, PALETTE, Figure, FigureDisplay, figure_to_png, new_figure,
                      show, style_axes, subplots, target_axes)
from .graphs import draw_graph

__all__ = [n for n in figures.__all__ if n != "Figure"] + [
    "SATURATION",
    "saturated_intervals",
    "activation_and_derivative",
    "grad_norm_per_layer",
    "activation_std_per_layer",
    "depth_probe_figure",
    "contour",
    "trajectories_on_contour",
    "activation_histograms",
    "draw_graph",
]


# ---------------------------------------------------------------------------
# Figures the chapters reuse
# ---------------------------------------------------------------------------

#: Default saturation threshold: where :math:`|f'(x)|` is below it, less than 5 %
#: of a gradient passes through the unit.
SATURATION = 0.05

#: Fill colour of saturated regions (light grey: does not compete with the palette).
SHADE = "0.85"


def _activation(activation, params):
    """An activation object from a registry name (with parameters) or an object."""
    return activations.as_activation(activation, **params)


def _label(act) -> str:
    params = getattr(act, "params", {}) or {}
    shown = ", ".join(f"{k}={v:g}" if isinstance(v, numbers.Real) else f"{k}={v}"
                      for k, v in params.items())
    name = getattr(act, "name", "f")
    return f"{name}({shown})" if shown else name


def saturated_intervals(activation, x, threshold: float = SATURATION, **params):
    r"""Intervals of ``x`` where the activation is saturated, :math:`|f'(x)| < t`.

    Parameters
    ----------
    activation : str or activation object
        A name from :func:`lecture_kit.activations.names` (``**params`` are its
        parameters) or an object with ``grad``.
    x : array_like
        Increasing grid of points.
    threshold : float, default :data:`SATURATION`
        :math:`t`; a unit whose slope is below it passes less than
        :math:`t` of the gradient backwards.

    Returns
    -------
    list of (float, float)
        Maximal runs of grid points with :math:`|f'| < t`. An interval ends
        half-way between the last saturated and the first unsaturated grid
        point (at the grid's end if the run reaches it).

    Examples
    --------
    >>> x = np.linspace(-10, 10, 2001)
    >>> [(round(a, 2), round(b, 2)) for a, b in saturated_intervals("relu", x)]
    [(-10.0, 0.0)]
    """
    act = _activation(activation, params)
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 1 or x.size < 2 or np.any(np.diff(x) <= 0):
        raise ValueError("x must be an increasing 1-D grid of at least two points")
    slope = np.asarray(act.grad(x), dtype=np.float64)
    mask = np.abs(slope) < threshold
    mask &= ~np.isnan(slope)
    edges = np.flatnonzero(np.diff(mask.astype(np.int8)))
    starts = list(edges[mask[edges + 1]] + 1)
    ends = list(edges[mask[edges]])
    if mask[0]:
        starts.insert(0, 0)
    if mask[-1]:
        ends.append(x.size - 1)
    out = []
    for i, j in zip(starts, ends):
        lo = x[0] if i == 0 else 0.5 * (x[i - 1] + x[i])
        hi = x[-1] if j == x.size - 1 else 0.5 * (x[j] + x[j + 1])
        out.append((float(lo), float(hi)))
    return out


def activation_and_derivative(target=None, activation="sigmoid", *, x=None,
                              xlim=(-6.0, 6.0), threshold: float = SATURATION,
                              shade: bool = True, reference=None, title: str | None = None,
                              **params):
    r"""Draw an activation :math:`f` and its derivative :math:`f'` side by side.

    Where :math:`|f'(x)| <` ``threshold`` the unit is *saturated*: a gradient
    flowing back through it is multiplied by less than the threshold. Those
    regions are shaded grey in both panels (the patches have ``gid
    "saturated"``).

    Parameters
    ----------
    target : None, Figure or pair of Axes
        Where to draw: a new figure, an empty figure (two panels are made in
        it), or ``(ax_f, ax_df)``.
    activation : str or activation object
        A registry name, with its parameters as keywords (``negative_slope=0.1``),
        or an object with ``__call__`` and ``grad``.
    x : array_like, optional
        The grid; default 601 points over ``xlim``.
    xlim : (float, float)
    threshold : float, default :data:`SATURATION`
    shade : bool, default True
        Shade the saturated regions.
    reference : str or activation object, optional
        Another activation drawn thin and grey behind (e.g. the default
        parameter value while a parameter changes).
    title : str, optional
        Overall title (the figure's suptitle when a figure is given).

    Returns
    -------
    (Axes, Axes)
        The value panel and the derivative panel; ``ax.lines[0]`` is the
        activation's curve in each.

    Examples
    --------
    >>> ax_f, ax_df = activation_and_derivative(None, "leaky_relu", negative_slope=0.2)
    >>> float(ax_df.lines[0].get_ydata()[0])      # slope on the left
    0.2
    """
    act = _activation(activation, params)
    ax_f, ax_df = target_axes(target, 2, width=7.0, height=3.2)
    if x is None:
        x = np.linspace(float(xlim[0]), float(xlim[1]), 601)
    x = np.asarray(x, dtype=np.float64)
    y, dy = np.asarray(act(x)), np.asarray(act.grad(x))
    name = _label(act)
    ax_f.plot(x, y, color=PALETTE[0], linewidth=2.0, label=f"$f(x)$, {name}", zorder=3)
    ax_df.plot(x, dy, color=PALETTE[1], linewidth=2.0, label="$f'(x)$", zorder=3)
    if reference is not None:  # drawn behind, listed after the activation's own curve
        ref = _activation(reference, {})
        for ax, values in ((ax_f, ref(x)), (ax_df, ref.grad(x))):
            ax.plot(x, values, color="0.45", linewidth=1.2, linestyle="--", zorder=1,
                    label=f"{_label(ref)} (reference)")
    if shade:
        for k, (lo, hi) in enumerate(saturated_intervals(act, x, threshold)):
            for ax in (ax_f, ax_df):
                ax.axvspan(lo, hi, color=SHADE, alpha=0.6, linewidth=0, zorder=0,
                           gid="saturated",
                           label=f"saturated: $|f'| < {threshold:g}$" if k == 0 else None)
    for ax in (ax_f, ax_df):
        ax.axhline(0.0, color="0.3", linewidth=0.6, zorder=2)
        ax.axvline(0.0, color="0.3", linewidth=0.6, zorder=2)
        ax.set_xlim(x[0], x[-1])
        ax.set_xlabel("$x$")
    ax_f.set_ylabel("$f(x)$")
    ax_df.set_ylabel("$f'(x)$")
    ax_f.set_title(f"{name}: value")
    ax_df.set_title(f"{name}: derivative")
    ax_f.legend(loc="upper left", fontsize="small")
    ax_df.legend(loc="upper left", fontsize="small")
    if title is not None:
        ax_f.figure.suptitle(title)
    return ax_f, ax_df


def _per_layer(ax, runs, attribute: str, ylabel: str, title: str, log: bool):
    if not isinstance(runs, dict):
        runs = {"": runs}
    depth = None
    for k, (label, run) in enumerate(runs.items()):
        values = getattr(run, attribute, run)
        values = np.asarray(values, dtype=np.float64)
        if values.ndim != 1:
            raise ValueError(f"run {label!r}: expected one value per layer, got shape {values.shape}")
        depth = values.size
        ax.plot(np.arange(values.size), values, color=PALETTE[k % len(PALETTE)],
                linestyle=LINESTYLES[k % len(LINESTYLES)], linewidth=1.8,
                marker="o", markersize=2.5, label=str(label) or None)
    if log:
        positive = [np.asarray(line.get_ydata(), dtype=np.float64) for line in ax.lines]
        if any(np.any(np.isfinite(v) & (v > 0)) for v in positive):
            ax.set_yscale("log")   # zeros (underflow) and infinities are left out
    ax.set_xlabel("layer $l$ (0 = nearest the input)")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    if depth:
        ax.set_xlim(-0.5, depth - 0.5)
    if any(str(label) for label in runs):
        ax.legend(loc="best", fontsize="small")
    return ax


def grad_norm_per_layer(ax=None, runs=None, *, log: bool = True,
                        title: str = "gradient norm per layer"):
    r"""Curves of :math:`\lVert\partial\mathcal L/\partial W_l\rVert` against the layer :math:`l`.

    Parameters
    ----------
    ax : Axes, optional
        Where to draw (a new figure by default).
    runs : dict of str to (array or object with ``grad_norm``), or one of them
        One curve per run, labelled by its key; a
        :class:`lecture_kit.mlp.DepthProbe` works as it is, or one row of
        ``History.grad_norm``.
    log : bool, default True
        Logarithmic vertical axis (zeros, e.g. underflow, are left out).

    Returns
    -------
    Axes

    Examples
    --------
    >>> ax = grad_norm_per_layer(None, {"a": [1.0, 0.1, 0.01], "b": [1.0, 1.0, 1.0]})
    >>> ax.get_yscale(), len(ax.lines)
    ('log', 2)
    """
    (ax,) = target_axes(ax, 1, width=5.0, height=3.2)
    return _per_layer(ax, runs, "grad_norm",
                      r"$\Vert\partial\mathcal{L}/\partial W_l\Vert_F$", title, log)


def activation_std_per_layer(ax=None, runs=None, *, log: bool = True,
                             title: str = "activation spread per layer"):
    r"""Curves of the standard deviation of :math:`a_l` against the layer :math:`l`.

    Same conventions as :func:`grad_norm_per_layer`, reading ``activation_std``.

    Examples
    --------
    >>> ax = activation_std_per_layer(None, [0.5, 0.4, 0.3], log=False)
    >>> ax.get_ylabel()
    'std of $a_l$'
    """
    (ax,) = target_axes(ax, 1, width=5.0, height=3.2)
    return _per_layer(ax, runs, "activation_std", "std of $a_l$", title, log)


def depth_probe_figure(target=None, probes=None, *, title: str | None = None):
    """Activation spread (left) and gradient norm (right) per layer, log scales.

    Parameters
    ----------
    target : None, Figure or pair of Axes
    probes : dict of str to DepthProbe (or to objects with ``activation_std``
        and ``grad_norm``), or one of them.
    title : str, optional

    Returns
    -------
    (Axes, Axes)

    Examples
    --------
    >>> from lecture_kit.mlp import depth_probe
    >>> p = depth_probe(depth=5, width=16, batch=32, rng=0)
    >>> left, right = depth_probe_figure(None, {"sigmoid": p})
    >>> bool(np.all(right.lines[0].get_ydata() == p.grad_norm))
    True
    """
    left, right = target_axes(target, 2, width=8.0, height=3.2)
    activation_std_per_layer(left, probes)
    grad_norm_per_layer(right, probes)
    if title is not None:
        left.figure.suptitle(title)
    return left, right


def trajectories_on_contour(ax=None, landscape="rosenbrock", trajectories=None, **kwargs):
    """Optimizer paths on the level sets of a landscape.

    A thin wrapper of :func:`contour` that also takes a landscape by name;
    ``kwargs`` (``levels``, ``resolution``, ``title``, ...) go to it.

    Returns
    -------
    Axes

    Examples
    --------
    >>> ax = trajectories_on_contour(None, "saddle", {"path": [[1.0, 0.1], [0.5, 0.2]]})
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('$x$', '$y$')
    """
    if isinstance(landscape, str):
        landscape = landscapes.get(landscape)
    if ax is not None and isinstance(ax, Figure):
        (ax,) = target_axes(ax, 1, width=5.5, height=4.5)
    return contour(landscape, trajectories, ax=ax, **kwargs)


def activation_histograms(target=None, activations=None, *, layers=None, bins: int = 40,
                          range=None, ncols: int = 5, title: str | None = None):
    r"""One histogram of activation values per layer.

    Parameters
    ----------
    target : None, Figure or sequence of Axes (one per layer shown)
    activations : sequence of arrays, dict of str to array, or an object with ``a``
        The activations of every layer, e.g. ``MLP.a`` after a forward pass
        (then the output layer, ``a[-1]``, is left out). Each array is
        flattened; non-finite values are left out of the counts.
    layers : sequence of int, optional
        Which layers to show (default all).
    bins : int, default 40
    range : (float, float), optional
        Common range of the bins (default: each layer's own).
    ncols : int, default 5
        Panels per row when a figure is made.
    title : str, optional

    Returns
    -------
    list of Axes
        ``axes[k].patches`` are the bars of the k-th shown layer.

    Examples
    --------
    >>> acts = [np.array([0.0, 0.5, 0.5, 1.0]), np.array([-1.0, 1.0])]
    >>> axes = activation_histograms(None, acts, bins=2)
    >>> [int(p.get_height()) for p in axes[0].patches]
    [1, 3]
    """
    if hasattr(activations, "a") and not isinstance(activations, (dict, list, tuple)):
        activations = list(activations.a[:-1])
    if isinstance(activations, dict):
        items = [(str(k), v) for k, v in activations.items()]
    elif activations is None:
        raise ValueError("activations are required: a list of arrays, one per layer")
    else:
        items = [(f"layer {l}", v) for l, v in enumerate(activations)]
    if layers is not None:
        picked = []
        for l in layers:
            if isinstance(l, bool) or not isinstance(l, numbers.Integral):
                raise TypeError(f"layers must be integers, got {l!r}")
            if not -len(items) <= l < len(items):
                raise ValueError(f"layer {l} out of range: there are {len(items)} layers")
            picked.append(items[l])
        items = picked
    if not items:
        raise ValueError("no layers to show")
    n = len(items)
    cols = min(ncols, n)
    rows = -(-n // cols)
    axes = target_axes(target, n, width=min(2.2 * cols, 11.0), height=2.0 * rows + 0.4,
                        ncols=ncols)
    for k, (ax, (label, values)) in enumerate(zip(axes, items)):
        v = np.asarray(values, dtype=np.float64).ravel()
        v = v[np.isfinite(v)]
        ax.hist(v, bins=bins, range=range, color=PALETTE[k % len(PALETTE)], alpha=0.85)
        ax.set_title(label)
        ax.set_xlabel("activation value")
        if k % cols == 0:
            ax.set_ylabel("count")
    if title is not None:
        axes[0].figure.suptitle(title)
    return axes


def contour(
    landscape,
    trajectories=None,
    ax=None,
    levels=30,
    log_levels: bool = True,
    resolution: int = 200,
    title: str | None = None,
):
    r"""Draw the level sets of ``landscape`` with optimizer paths on top.

    Parameters
    ----------
    landscape : lecture_kit.landscapes.Landscape
    trajectories : dict of str to array_like of shape (T, 2), optional
        One path per optimizer, labelled by its key (e.g. the output of
        :func:`lecture_kit.optim.trajectory`). Each path is drawn in its own Okabe-Ito colour and
        line style, with a hollow circle at its start and a cross at its end.
    ax : matplotlib.axes.Axes, optional
        Where to draw; by default a new course-style figure
        (:func:`lecture_kit.plots.subplots`).
    levels : int or sequence of float, default 30
        Number of contour levels, or the levels themselves.
    log_levels : bool, default True
        Space the levels geometrically above ``landscape.f_min``, so that the
        flat floor of a valley gets as many lines as its steep walls. Ignored
        (linear spacing) for a landscape without a minimum value, such as
        :func:`lecture_kit.landscapes.saddle`.
    resolution : int, default 200
        Grid points per axis.
    title : str, optional
        Default: the name and the formula of the landscape.

    Returns
    -------
    matplotlib.axes.Axes

    Notes
    -----
    Known minima are black stars, known saddles black plus signs. The grid and
    the levels are :func:`lecture_kit.landscapes.contour_grid` (numbers only).

    Examples
    --------
    >>> ax = contour(landscapes.rosenbrock(), {"a path": [[-1.0, 1.0], [0.0, 0.0], [1.0, 1.0]]})
    >>> ax.get_xlabel(), [t.get_text() for t in ax.get_legend().get_texts()]
    ('$x$', ['a path', 'minimum'])
    """
    if trajectories is None:
        trajectories = {}
    if not isinstance(trajectories, dict):
        raise TypeError(
            "trajectories must be a dict mapping a label to an array of shape (T, 2), "
            f"got {type(trajectories).__name__}"
        )
    paths = {}
    for label, path in trajectories.items():
        arr = _as_float_array(path, f"trajectories[{label!r}]")
        if arr.ndim != 2 or arr.shape[1] != 2 or arr.shape[0] < 1:
            raise ValueError(
                f"trajectories[{label!r}] must have shape (T, 2) with T >= 1, got {arr.shape}"
            )
        paths[str(label)] = arr
    X, Y, Z, level_values = landscapes.contour_grid(landscape, resolution, levels, log_levels)
    if ax is None:
        _, ax = subplots(width=5.5, height=4.5)
    (x0, x1), (y0, y1) = landscape.bounds
    ax.contour(X, Y, Z, levels=level_values, cmap="viridis", linewidths=0.7)
    for i, (label, path) in enumerate(paths.items()):
        colour = PALETTE[i % len(PALETTE)]
        style = LINESTYLES[i % len(LINESTYLES)]
        ax.plot(path[:, 0], path[:, 1], color=colour, linestyle=style, linewidth=1.6,
                marker=".", markersize=3, label=label)
        ax.plot(path[0, 0], path[0, 1], linestyle="none", marker="o", markersize=8,
                markerfacecolor="white", markeredgecolor=colour, markeredgewidth=1.8)
        ax.plot(path[-1, 0], path[-1, 1], linestyle="none", marker="X", markersize=9,
                color=colour, markeredgecolor="black", markeredgewidth=0.6)
    for k, m in enumerate(landscape.minima):
        ax.plot(m[0], m[1], linestyle="none", marker="*", markersize=14, color="black",
                label="minimum" if k == 0 else None)
    for k, s in enumerate(landscape.saddles):
        ax.plot(s[0], s[1], linestyle="none", marker="P", markersize=9, color="black",
                markerfacecolor="white", label="saddle" if k == 0 else None)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_xlabel("$x$")
    ax.set_ylabel("$y$")
    if title is None:
        title = f"{landscape.name}: ${landscape.latex}$"
    ax.set_title(title)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="best", fontsize="small", framealpha=0.9)
    return ax
