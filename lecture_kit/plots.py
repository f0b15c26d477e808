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
"""

from __future__ import annotations

import base64
import html as _html
import io

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

def new_figure(width: float = 7.0, height: float = 3.2, dpi: int = 100) -> Figure:
    """Return an empty figure of the given size (no pyplot involved).

    Parameters
    ----------
    width, height : float
        Size in inches.
    dpi : int
        Resolution used when the figure is rendered by :func:`show`.
    """
    fig = Figure(figsize=(width, height), dpi=dpi, layout="constrained")
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
