"""The visual core: empty figures in the course style, PNG rendering, alt text, axes.

Every figure of the package is built with the object-oriented matplotlib API
(no :mod:`matplotlib.pyplot`, no global state) from :func:`new_figure` or
:func:`subplots`, and displayed with alternative text through :func:`show`.
:mod:`lecture_kit.plots` re-exports these names; the chapter figures, the
graph drawing and the explorer engine build on them.

The palette is the colour-blind-safe qualitative set of Okabe and Ito (2008);
line styles vary too, so that curves stay distinguishable in grey print.
"""

from __future__ import annotations

import base64
import html as _html
import io

import numpy as np
from matplotlib.figure import Figure

__all__ = [
    "PALETTE",
    "LINESTYLES",
    "new_figure",
    "subplots",
    "style_axes",
    "target_axes",
    "figure_to_png",
    "PIXEL_RATIO",
    "MIN_FONT_CSS_PX",
    "COLUMN_CSS_PX",
    "show",
    "FigureDisplay",
    "Figure",
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


#: Device pixels per CSS pixel of a figure shown by :func:`show`: sharp on high-DPI
#: screens (phones, laptops), shown at the same size as at ratio 1.
PIXEL_RATIO = 2

#: Smallest text of a figure shown by :func:`show`, in CSS pixels at the size it
#: is shown (12 px = 9 CSS pt, the explorers' minimum); smaller fonts are raised to it.
MIN_FONT_CSS_PX = 12.0

#: Width in CSS pixels of the book's content column in a 1280 px window. A figure
#: drawn wider would be scaled down by the browser, its text with it, below
#: :data:`MIN_FONT_CSS_PX`; :func:`show` shows it at this width instead and raises
#: its fonts for that size (``tests/test_a11y.py`` measures the column and checks
#: that no figure is scaled down in it).
COLUMN_CSS_PX = 688


def _png_size(png: bytes) -> tuple[int, int]:
    """Width and height in pixels, read from the PNG header."""
    if png[:8] != b"\x89PNG\r\n\x1a\n" or png[12:16] != b"IHDR":
        raise ValueError("not a PNG image")
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def _palette_png(rgba, colors: int = 256) -> bytes:
    """A palette PNG of RGBA pixels over white: about a third of the bytes, same look."""
    from PIL import Image

    rgba = np.asarray(rgba, dtype=np.float64)
    alpha = rgba[..., 3:4] / 255.0
    rgb = np.rint(rgba[..., :3] * alpha + 255.0 * (1.0 - alpha)).astype(np.uint8)
    image = Image.fromarray(np.ascontiguousarray(rgb)).quantize(
        colors=colors, method=Image.Quantize.FASTOCTREE)
    # the quantizer averages the white background to (254, 254, 254): keep it white
    palette = image.getpalette()
    lightest = max(range(len(palette) // 3), key=lambda i: sum(palette[3 * i: 3 * i + 3]))
    if sum(palette[3 * lightest: 3 * lightest + 3]) >= 3 * 250:
        palette[3 * lightest: 3 * lightest + 3] = [255, 255, 255]
        image.putpalette(palette)
    buf = io.BytesIO()
    image.save(buf, format="png", optimize=True)
    return buf.getvalue()


class FigureDisplay:
    """A rendered figure with its alternative text, for notebooks and the book.

    In Jupyter and in the HTML book it shows as an ``<img>`` element whose
    ``alt`` attribute describes the figure for readers who cannot see it.
    The PNG holds ``pixel_ratio`` device pixels per CSS pixel; the element's
    ``width`` and ``height`` are its CSS size (the PNG's size / ``pixel_ratio``).
    ``layout_problems`` lists what :func:`show` found hard to read (clipped
    text, overlapping titles, a legend over data) and ``smallest_text_px`` the
    smallest font in CSS pixels; both go into the HTML (``data-lk-*``) for the
    book's tests.
    """

    def __init__(self, png: bytes, alt: str, caption: str | None = None,
                 result: str | None = None, pixel_ratio: int = 1,
                 layout_problems=(), smallest_text_px: float | None = None):
        if not alt or not alt.strip():
            raise ValueError("alt text is required: describe what the figure shows")
        if result is not None and not result.strip():
            raise ValueError("result is empty: state what the figure finds, or leave it out")
        if isinstance(pixel_ratio, bool) or not isinstance(pixel_ratio, int) or pixel_ratio < 1:
            raise ValueError(f"pixel_ratio must be a positive integer, got {pixel_ratio!r}")
        self.png = png
        self.pixel_ratio = pixel_ratio
        w, h = _png_size(png)
        #: size in CSS pixels
        self.width, self.height = -(-w // pixel_ratio), -(-h // pixel_ratio)
        self.layout_problems = list(layout_problems)
        self.smallest_text_px = smallest_text_px
        self.result = None if result is None else result.strip()
        # the alternative text is what the figure shows, then what it finds
        self.alt = alt.strip() if self.result is None else f"{alt.strip()} {self.result}"
        self.caption = caption

    def _repr_html_(self) -> str:
        data = base64.b64encode(self.png).decode("ascii")
        result = ("" if self.result is None
                  else f' data-lk-result="{_html.escape(self.result, quote=True)}"')
        extra = f' data-lk-ratio="{self.pixel_ratio}"'
        if self.smallest_text_px is not None:
            extra += f' data-lk-font-px="{self.smallest_text_px:g}"'
        if self.layout_problems:
            extra += (' data-lk-layout="'
                      + _html.escape("; ".join(self.layout_problems), quote=True) + '"')
        img = (
            f'<img class="lk-figure" src="data:image/png;base64,{data}" '
            f'alt="{_html.escape(self.alt, quote=True)}"{result} width="{self.width}" '
            f'height="{self.height}"{extra} style="max-width:100%;height:auto">'
        )
        if self.caption:
            cap = _html.escape(self.caption)
            return f'<figure class="lk-figure">{img}<figcaption>{cap}</figcaption></figure>'
        return img

    def _repr_png_(self):
        # Jupyter shows the PNG at its CSS size (sharp on high-DPI screens)
        return self.png, {"width": self.width, "height": self.height}

    def __repr__(self) -> str:
        return f"<figure: {self.alt}>"


def show(fig: Figure, alt: str, caption: str | None = None, dpi: float | None = None,
         result: str | None = None, pixel_ratio: int = PIXEL_RATIO,
         max_width: int | None = COLUMN_CSS_PX):
    """Return a displayable version of ``fig`` carrying its alternative text.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to render.
    alt : str
        What the figure shows, in one or two sentences (required), with the
        symbols it uses defined.
    caption : str, optional
        A visible caption under the figure.
    dpi : float, optional
        CSS pixels per inch of the shown figure; defaults to the figure's own,
        lowered if needed so that the figure is at most ``max_width`` wide.
    result : str, optional
        What the figure finds, e.g. "The gradient reaching layer 1 is 1e-9 of the
        last layer's." It ends the alternative text; compute the numbers it cites
        (an f-string) rather than typing them. Every figure of the book states one
        (``tests/test_a11y.py``); in HTML it is also the ``data-lk-result`` attribute.
    pixel_ratio : int
        Device pixels per CSS pixel (default :data:`PIXEL_RATIO`): the PNG is drawn
        at ``dpi * pixel_ratio`` and shown at the size it has at ``dpi``.
    max_width : int or None
        Widest CSS size to show (default :data:`COLUMN_CSS_PX`, the book's
        column): a wider figure is shown at this width, so that the browser
        never scales it (and its text) down. None: no limit.

    Before drawing, the figure is made legible as the explorers' frames are
    (:mod:`lecture_kit.frames`): texts smaller than :data:`MIN_FONT_CSS_PX` at
    the size shown are raised to it and a legend covering data moves to a
    free corner, or, if every corner covers data, to the right of its axes
    (where the constrained layout makes room). What is still hard to read
    (clipped text, overlapping titles, a legend over data) is listed in
    ``layout_problems`` of the result. The
    PNG is stored with a 256-colour palette (a third of the bytes).

    >>> fig, ax = subplots()
    >>> shown = show(fig, alt="A line.", result="It rises by 2 per step.")
    >>> shown.alt
    'A line. It rises by 2 per step.'
    >>> (shown.width, shown.height, shown.pixel_ratio)
    (688, 315, 2)
    >>> wide, _ = subplots(1, 3, width=12.0)
    >>> show(wide, alt="Three empty panels.", result="None.").width   # the column
    688

    Returns
    -------
    FigureDisplay
        Put it last in a notebook cell to display it.
    """
    from . import frames

    if isinstance(pixel_ratio, bool) or not isinstance(pixel_ratio, int) or pixel_ratio < 1:
        raise ValueError(f"pixel_ratio must be a positive integer, got {pixel_ratio!r}")
    if max_width is not None and (isinstance(max_width, bool) or not isinstance(max_width, int)
                                  or max_width < 1):
        raise ValueError(f"max_width must be a positive integer or None, got {max_width!r}")
    css_dpi = dpi or fig.dpi
    if max_width is not None and fig.get_figwidth() * css_dpi > max_width:
        css_dpi = max_width / fig.get_figwidth()
    frames.enforce_min_font(fig, MIN_FONT_CSS_PX * 72.0 / css_dpi)
    frames.place_legends(fig)
    _legends_off_the_data(fig)
    old_dpi = fig.dpi
    fig.set_dpi(css_dpi * pixel_ratio)
    try:
        rgba, renderer = _rasterize_rgba(fig)
        problems = frames.layout_problems(fig, renderer)
        smallest = frames.smallest_text_px(fig, pixel_ratio)
    finally:
        fig.set_dpi(old_dpi)
    return FigureDisplay(_palette_png(rgba), alt=alt, caption=caption, result=result,
                         pixel_ratio=pixel_ratio, layout_problems=problems,
                         smallest_text_px=smallest)


def _legends_off_the_data(fig) -> None:
    """Move a legend that covers data wherever it sits inside its axes to the
    right of the axes (the layout engine makes room for it)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from .frames import legend_covers

    renderer = None
    for ax in fig.axes:
        legend = ax.get_legend()
        if legend is None or not legend.get_visible():
            continue
        renderer = renderer or FigureCanvasAgg(fig).get_renderer()
        if legend_covers(ax, renderer):
            legend.set_loc("upper left")
            legend.set_bbox_to_anchor((1.02, 1.0), transform=ax.transAxes)


def _rasterize_rgba(fig):
    """Draw ``fig`` with Agg at its dpi; return its RGBA pixels and the renderer."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    renderer = canvas.get_renderer()
    canvas.draw()
    return np.asarray(canvas.buffer_rgba()).copy(), renderer


def target_axes(target, n: int, *, width: float, height: float, ncols: int | None = None):
    """Return ``n`` Axes to draw on: new ones, ones made in an empty figure, or given ones.

    ``target`` is ``None`` (a new ``width`` x ``height`` figure), an empty
    :class:`~matplotlib.figure.Figure` (filled with ``n`` axes, at most
    ``ncols`` per row), one Axes or a sequence of ``n`` Axes.
    """
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
