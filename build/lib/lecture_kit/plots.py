"""Figures shared by the chapters, in one consistent style.

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
:func:`trajectories_on_contour`
    Optimizer paths over the level sets of a landscape (through
    :func:`lecture_kit.landscapes.contour`).
:func:`activation_histograms`
    One histogram of activation values per layer (e.g. ``MLP.a``).

>>> fig = new_figure()
>>> ax_f, ax_df = activation_and_derivative(fig, "tanh")
>>> ax_f.get_xlabel(), ax_df.get_ylabel()
('$x$', "$f'(x)$")
"""

from __future__ import annotations

import base64
import html as _html
import io
import numbers

import numpy as np
from matplotlib.figure import Figure

__all__ = [
    "PALETTE",
    "LINESTYLES",
    "new_figure",
    "subplots",
    "style_axes",
    "figure_to_png",
    "show",
    "FigureDisplay",
    "SATURATION",
    "saturated_intervals",
    "activation_and_derivative",
    "grad_norm_per_layer",
    "activation_std_per_layer",
    "depth_probe_figure",
    "trajectories_on_contour",
    "activation_histograms",
]

#: Okabe-Ito colours, readable with every common form of colour blindness.
PALETTE = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#000000",  # black
    "#F0E442",  # yellow (use last: low contrast on white)
)

#: Line styles paired with the palette, for grey print and for redundancy.
LINESTYLES = ("-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1)), "-", "--")

def new_figure(width: float = 7.0, height: float = 3.2, dpi: int = 100,
               layout: str | None = "constrained") -> Figure:
    """Return an empty figure of the given size (no pyplot involved).

    Parameters
    ----------
    width, height : float
        Size in inches.
    dpi : int
        Resolution used when the figure is rendered by :func:`show`.
    layout : {"constrained", None}
        Layout engine; ``None`` leaves the axes where they are put (the
        explorers reuse one computed layout for every frame, which halves the
        time to render a frame).
    """
    fig = Figure(figsize=(width, height), dpi=dpi, layout=layout)
    fig.set_facecolor("white")
    return fig


def subplots(nrows: int = 1, ncols: int = 1, *, width: float = 7.0,
             height: float = 3.2, dpi: int = 100, squeeze: bool = True, **kwargs):
    """Return ``(fig, axes)`` like :func:`matplotlib.pyplot.subplots`, in the course style.

    >>> fig, (left, right) = subplots(1, 2)
    >>> left.get_lines() == []
    True
    """
    fig = new_figure(width, height, dpi)
    axes = fig.subplots(nrows, ncols, squeeze=squeeze, **kwargs)
    for ax in fig.axes:
        style_axes(ax)
    return fig, axes


def style_axes(ax) -> None:
    """Apply the course style to an existing Axes."""
    from cycler import cycler

    ax.set_prop_cycle(
        cycler(color=PALETTE[: len(LINESTYLES)]) + cycler(linestyle=LINESTYLES)
    )
    ax.grid(True, alpha=0.3)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def figure_to_png(fig: Figure, dpi: int | None = None) -> bytes:
    """Render ``fig`` to PNG bytes (deterministic: no timestamp metadata)."""
    buf = io.BytesIO()
    fig.savefig(
        buf,
        format="png",
        dpi=dpi or fig.dpi,
        facecolor="white",
        metadata={"Software": None},
    )
    return buf.getvalue()


class FigureDisplay:
    """A rendered figure with its alternative text, for notebooks and the book.

    In Jupyter and in the HTML book it shows as an ``<img>`` element whose
    ``alt`` attribute describes the figure for readers who cannot see it.
    """

    def __init__(self, png: bytes, alt: str, caption: str | None = None):
        if not alt or not alt.strip():
            raise ValueError("alt text is required: describe what the figure shows")
        self.png = png
        self.alt = alt.strip()
        self.caption = caption

    def _repr_html_(self) -> str:
        data = base64.b64encode(self.png).decode("ascii")
        img = (
            f'<img class="lk-figure" src="data:image/png;base64,{data}" '
            f'alt="{_html.escape(self.alt, quote=True)}" style="max-width:100%">'
        )
        if self.caption:
            cap = _html.escape(self.caption)
            return f'<figure class="lk-figure">{img}<figcaption>{cap}</figcaption></figure>'
        return img

    def _repr_png_(self) -> bytes:
        return self.png

    def __repr__(self) -> str:
        return f"<figure: {self.alt}>"


def show(fig: Figure, alt: str, caption: str | None = None, dpi: int | None = None):
    """Return a displayable version of ``fig`` carrying its alternative text.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to render.
    alt : str
        What the figure shows, in one or two sentences (required).
    caption : str, optional
        A visible caption under the figure.
    dpi : int, optional
        Resolution; defaults to the figure's own.

    Returns
    -------
    FigureDisplay
        Put it last in a notebook cell to display it.
    """
    return FigureDisplay(figure_to_png(fig, dpi=dpi), alt=alt, caption=caption)


# ---------------------------------------------------------------------------
# Figures the chapters reuse
# ---------------------------------------------------------------------------

#: Default saturation threshold: where :math:`|f'(x)|` is below it, less than 5 %
#: of a gradient passes through the unit.
SATURATION = 0.05

#: Fill colour of saturated regions (light grey: does not compete with the palette).
SHADE = "0.85"


def _target_axes(target, n: int, *, width: float, height: float, ncols: int | None = None):
    """Return ``n`` Axes to draw on: new ones, ones made in an empty figure, or given ones."""
    if target is None:
        target = new_figure(width, height)
    if isinstance(target, Figure):
        if target.axes:
            raise ValueError(
                "the figure already has axes: pass an empty figure or the axes to draw on"
            )
        cols = n if ncols is None else min(ncols, n)
        rows = -(-n // cols)
        grid = np.atleast_1d(target.subplots(rows, cols, squeeze=False)).ravel()
        for extra in grid[n:]:
            extra.set_visible(False)
        axes = list(grid[:n])
        for ax in axes:
            style_axes(ax)
        return axes
    if hasattr(target, "plot"):  # a single Axes
        target = [target]
    axes = list(np.ravel(np.asarray(target, dtype=object)))
    if len(axes) != n:
        raise ValueError(f"expected {n} axes to draw on, got {len(axes)}")
    for ax in axes:
        if not hasattr(ax, "plot"):
            raise TypeError(f"expected matplotlib Axes, got {type(ax).__name__}")
    return axes


def _activation(activation, params):
    """An activation object from a registry name (with parameters) or an object."""
    from . import activations

    if isinstance(activation, str):
        return activations.get(activation, **params)
    if params:
        raise TypeError("parameters can be given only with an activation name")
    if callable(activation) and callable(getattr(activation, "grad", None)):
        return activation
    raise TypeError(
        f"activation must be a registry name or an object with __call__ and grad, "
        f"got {activation!r}"
    )


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
    ax_f, ax_df = _target_axes(target, 2, width=7.0, height=3.2)
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
    (ax,) = _target_axes(ax, 1, width=5.0, height=3.2)
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
    (ax,) = _target_axes(ax, 1, width=5.0, height=3.2)
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
    left, right = _target_axes(target, 2, width=8.0, height=3.2)
    activation_std_per_layer(left, probes)
    grad_norm_per_layer(right, probes)
    if title is not None:
        left.figure.suptitle(title)
    return left, right


def trajectories_on_contour(ax=None, landscape="rosenbrock", trajectories=None, **kwargs):
    """Optimizer paths on the level sets of a landscape.

    A thin wrapper of :func:`lecture_kit.landscapes.contour` that also takes a
    landscape by name; ``kwargs`` (``levels``, ``resolution``, ``title``, ...)
    go to it.

    Returns
    -------
    Axes

    Examples
    --------
    >>> ax = trajectories_on_contour(None, "saddle", {"path": [[1.0, 0.1], [0.5, 0.2]]})
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('$x$', '$y$')
    """
    from . import landscapes

    if isinstance(landscape, str):
        landscape = landscapes.get(landscape)
    if ax is not None and isinstance(ax, Figure):
        (ax,) = _target_axes(ax, 1, width=5.5, height=4.5)
    return landscapes.contour(landscape, trajectories, ax=ax, **kwargs)


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
    axes = _target_axes(target, n, width=min(2.2 * cols, 11.0), height=2.0 * rows + 0.4,
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
