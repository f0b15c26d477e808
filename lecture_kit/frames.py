r"""The frames of an explorer: legible at the column width, sharp, and light.

What :class:`lecture_kit.explorer.Explorer` does to each matplotlib frame before
it becomes part of a page: fonts raised to at least :data:`MIN_FONT_CSS_PT`,
legends moved off the data (:func:`place_legends`), the figure cut between its
panels so that they can stack on a phone (:func:`panel_extents`,
:func:`panel_cuts`), the layout checked for clipped or overlapping text
(:func:`layout_problems`), and the frames stored as palette PNGs, each a
difference over the first (:func:`encode_frames`, :func:`compact_png`).
Drawing only; nothing here knows about controls, pages or widgets.
"""

from __future__ import annotations

import io

import numpy as np

__all__ = ["MIN_FONT_CSS_PT", "enforce_min_font", "pop_suptitle", "rasterize", "smallest_text_px", "panel_extents", "panel_cuts", "cut_problems", "layout_problems", "place_legends", "legend_covers", "encode_frames", "compact_png"]


#: Smallest text of an explorer frame, in CSS points once shown at its natural size
#: (9 pt = 12 CSS px); the engine raises smaller fonts to it.
MIN_FONT_CSS_PT = 9.0


def enforce_min_font(fig, min_pt: float) -> None:
    """Raise every text of ``fig`` smaller than ``min_pt`` points to ``min_pt``."""
    from matplotlib.text import Text

    for text in fig.findobj(Text):
        if text.get_text() and text.get_fontsize() < min_pt:
            text.set_fontsize(min_pt)
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            for which in ("major", "minor"):
                size = axis.get_tick_params(which=which).get("labelsize")
                if size is None or (isinstance(size, (int, float)) and size < min_pt):
                    axis.set_tick_params(which=which, labelsize=max(min_pt, _tick_pt(ax)))


def _tick_pt(ax) -> float:
    from matplotlib import rcParams
    from matplotlib.font_manager import FontProperties

    return FontProperties(size=rcParams["xtick.labelsize"]).get_size_in_points()


def pop_suptitle(fig) -> str | None:
    """Remove the suptitle of ``fig`` and return its text (None if it has none)."""
    sup = getattr(fig, "_suptitle", None)
    if sup is None or not sup.get_text():
        return None
    text = sup.get_text()
    sup.remove()
    fig._suptitle = None
    return text


def rasterize(fig):
    """Draw ``fig`` with Agg; return its RGB pixels and the renderer."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    renderer = canvas.get_renderer()
    _share_mathtext(renderer)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].copy(), renderer


def _visible_texts(fig):
    """The texts a draw of ``fig`` paints (tick labels only for ticks in view)."""
    texts = list(fig.texts)
    sup = getattr(fig, "_suptitle", None)
    if sup is not None:
        texts.append(sup)
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        texts += [ax.title, ax._left_title, ax._right_title, *ax.texts]
        for axis in (ax.xaxis, ax.yaxis):
            if not axis.get_visible() or not ax.axison:  # ax.axis("off") hides them
                continue
            texts += [axis.label, axis.offsetText]
            for tick in axis._update_ticks():
                texts += [t for t in (tick.label1, tick.label2) if t.get_visible()]
        legend = ax.get_legend()
        if legend is not None and legend.get_visible():
            texts += [*legend.get_texts(), legend.get_title()]
    return [t for t in texts if t.get_visible() and t.get_text().strip()]


def smallest_text_px(fig, ratio: int) -> float:
    """Smallest font size of the visible texts, in CSS pixels at the natural size."""
    sizes = [t.get_fontsize() * fig.dpi / 72.0 / ratio for t in _visible_texts(fig)]
    return round(min(sizes), 2) if sizes else 0.0


def panel_extents(fig, renderer):
    """Per axes (left to right): its horizontal pixel extent with every label, or None."""
    out = []
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        bb = ax.get_tightbbox(renderer)
        pos = ax.get_window_extent(renderer)
        out.append((bb.x0, bb.x1, pos.y0, pos.y1))
    return sorted(out)


def panel_cuts(extents_per_frame, width: int) -> list[int]:
    """Pixel columns between panels, the same for every frame ([] if the axes are not
    one row of separate panels)."""
    n = {len(e) for e in extents_per_frame}
    if len(n) != 1 or n.pop() < 2:
        return []
    cuts = []
    k = len(extents_per_frame[0])
    for i in range(k - 1):
        right = max(e[i][1] for e in extents_per_frame)
        left = min(e[i + 1][0] for e in extents_per_frame)
        rows_overlap = all(min(e[i][3], e[i + 1][3]) > max(e[i][2], e[i + 1][2])
                           for e in extents_per_frame)
        if not rows_overlap or right >= left:
            return []
        cuts.append(int(round((right + left) / 2)))
    return [c for c in cuts if 0 < c < width]


def cut_problems(extents, cuts) -> list[str]:
    return [f"panel {i + 1} reaches across the cut at pixel {c}"
            for c in cuts for i, e in enumerate(extents) if e[0] < c < e[1]]


def layout_problems(fig, renderer) -> list[str]:
    """What makes a drawn frame hard to read, as sentences (empty: none found).

    * a text (title, label, tick label, legend) reaches outside the figure
      (it is clipped);
    * two titles, or a title and a neighbouring panel, overlap;
    * a legend covers data: a point of a plotted line (sampled densely along
      its segments), a marker or a bar lies inside the legend box. Lines
      spanning the whole axes (``axhline``/``axvline`` references) and shaded
      areas are not data here;
    * a legend overlaps another panel, or covers a text (a label, title or
      tick label of any panel; its own entries are not in that list).
    """
    problems = []
    W, H = fig.bbox.width, fig.bbox.height
    for t in _visible_texts(fig):
        bb = t.get_window_extent(renderer)
        if bb.x0 < -0.5 or bb.y0 < -0.5 or bb.x1 > W + 0.5 or bb.y1 > H + 0.5:
            problems.append(f"text {t.get_text()[:40]!r} is clipped by the figure edge")
    titles = [(ax, ax.title.get_window_extent(renderer)) for ax in fig.axes
              if ax.title.get_text()]
    for i, (a, bb) in enumerate(titles):
        for b, other in titles[i + 1:]:
            if bb.overlaps(other):
                problems.append(f"titles {a.get_title()[:30]!r} and {b.get_title()[:30]!r} overlap")
    for ax in fig.axes:
        legend = ax.get_legend()
        if legend is None or not legend.get_visible():
            continue
        box = legend.get_window_extent(renderer)
        inside = _legend_cover(ax, box, renderer)
        if inside:
            problems.append(f"the legend of {ax.get_title()[:30]!r} covers {inside} data points")
        for other in fig.axes:
            if other is not ax and other.get_visible() and other.axison \
                    and box.overlaps(other.bbox):
                problems.append(f"the legend of {ax.get_title()[:30]!r} overlaps the panel "
                                f"{other.get_title()[:30]!r}")
        own = {id(t) for t in (*legend.get_texts(), legend.get_title())}
        for t in _visible_texts(fig):
            if id(t) not in own and box.overlaps(t.get_window_extent(renderer)):
                problems.append(f"the legend of {ax.get_title()[:30]!r} covers the text "
                                f"{t.get_text()[:30]!r}")
    return problems


_LEGEND_PLACES = ("upper left", "upper right", "lower left", "lower right", "center left",
                  "center right", "upper center", "lower center", "center")


def place_legends(fig) -> None:
    """Move every legend of ``fig`` that covers data to the first place where it covers none.

    The places are tried in a fixed order (the legend's own place first), so
    neighbouring frames usually keep theirs; if every place covers data, the
    one covering least is kept (and :func:`layout_problems` reports it).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = None
    for ax in fig.axes:
        legend = ax.get_legend()
        if legend is None or not legend.get_visible():
            continue
        if renderer is None:
            renderer = FigureCanvasAgg(fig).get_renderer()
        best = None
        current = legend._loc
        for place in (current, *_LEGEND_PLACES):
            legend.set_loc(place)
            covered = _legend_cover(ax, legend.get_window_extent(renderer), renderer)
            if best is None or covered < best[0]:
                best = (covered, place)
            if covered == 0:
                break
        legend.set_loc(best[1])


def legend_covers(ax, renderer) -> int:
    """How many data points the legend of ``ax`` covers where it is now (0: none, or no legend)."""
    legend = ax.get_legend()
    if legend is None or not legend.get_visible():
        return 0
    return _legend_cover(ax, legend.get_window_extent(renderer), renderer)


def _legend_cover(ax, box, renderer) -> int:
    """How many data points (sampled along lines, markers, bars) lie inside ``box``."""
    from matplotlib.patches import Rectangle

    inside = 0
    spans = (ax.get_xaxis_transform(which="grid"), ax.get_yaxis_transform(which="grid"))
    for line in ax.get_lines():
        if not line.get_visible() or any(line.get_transform() is t for t in spans):
            continue  # axhline/axvline: a reference line across the axes, not data
        xy = line.get_transform().transform(np.column_stack(line.get_data()).astype(float))
        xy = xy[np.all(np.isfinite(xy), axis=1)]
        if len(xy) == 0:
            continue
        if line.get_linestyle() not in ("None", "none", "", " ") and len(xy) > 1:
            seg = np.linspace(0.0, 1.0, 12)[:, None, None]
            xy = (xy[:-1][None] * (1 - seg) + xy[1:][None] * seg).reshape(-1, 2)
        xy = xy[(xy[:, 0] >= ax.bbox.x0) & (xy[:, 0] <= ax.bbox.x1)
                & (xy[:, 1] >= ax.bbox.y0) & (xy[:, 1] <= ax.bbox.y1)]
        inside += int(np.count_nonzero(
            (xy[:, 0] > box.x0) & (xy[:, 0] < box.x1)
            & (xy[:, 1] > box.y0) & (xy[:, 1] < box.y1)))
    for patch in ax.patches:
        if any(patch.get_data_transform() is t for t in spans):
            continue  # axvspan/axhspan: a shaded band, not data
        if isinstance(patch, Rectangle) and patch.get_visible() and patch.get_height():
            pb = patch.get_window_extent(renderer)
            if pb.overlaps(box) and pb.height > 1:
                inside += 1
    return inside


def encode_frames(rasters: list, colors: int = 24, base: int = 0) -> list[bytes]:
    """Palette PNGs of RGB frames of one size: frame ``base`` in full, the others as differences.

    One palette (``colors`` colours, from every frame) serves all frames, so a
    pixel that looks the same in two frames has the same index; every other
    frame is stored with such pixels transparent, and is meant to be shown
    over frame ``base``. Frames equal to it get its bytes; equal frames get
    equal bytes.
    """
    from PIL import Image

    step = 1 if len(rasters) == 1 else 2 if len(rasters) <= 8 else 3
    sample = np.concatenate([r[::step, ::step] for r in rasters], axis=0)
    palette_image = Image.fromarray(np.ascontiguousarray(sample)).quantize(
        colors=colors, method=Image.Quantize.MEDIANCUT)
    palette = palette_image.getpalette()[: 3 * colors]
    # the lightest colour is the background: make it exactly white (median cut averages it)
    lightest = max(range(colors), key=lambda i: sum(palette[3 * i: 3 * i + 3]))
    if sum(palette[3 * lightest: 3 * lightest + 3]) > 3 * 235:
        palette[3 * lightest: 3 * lightest + 3] = [255, 255, 255]
    transparent = colors
    pal = np.asarray(palette, dtype=np.int32).reshape(-1, 3)

    def indices(r):
        # exact nearest palette colour (Pillow's palette lookup bins colours coarsely)
        key = (r[..., 0].astype(np.int32) << 16) | (r[..., 1].astype(np.int32) << 8) | r[..., 2]
        uniq, inverse = np.unique(key.ravel(), return_inverse=True)
        rgb = np.stack([(uniq >> 16) & 255, (uniq >> 8) & 255, uniq & 255], axis=1)
        d = ((rgb[:, None, :] - pal[None, :, :]) ** 2).sum(axis=2)
        return np.argmin(d, axis=1).astype(np.uint8)[inverse].reshape(key.shape)

    first = indices(rasters[base])
    image = Image.fromarray(first, mode="P")
    image.putpalette(palette)
    buf = io.BytesIO()
    image.save(buf, format="png", optimize=True)
    full = buf.getvalue()
    out = []
    for k, r in enumerate(rasters):
        idx = first if k == base else indices(r)
        if k == base or np.array_equal(idx, first):
            out.append(full)
            continue
        diff = np.where(idx == first, transparent, idx).astype(np.uint8)
        image = Image.fromarray(diff, mode="P")
        image.putpalette(palette + [255, 255, 255])
        buf = io.BytesIO()
        image.save(buf, format="png", optimize=True, transparency=transparent)
        out.append(buf.getvalue())
    return out


_MATHTEXT_PARSER = None


def _share_mathtext(renderer) -> None:
    # matplotlib caches parsed $math$ per renderer, i.e. per figure; sharing one
    # parser lets every frame reuse the labels the previous frames parsed.
    global _MATHTEXT_PARSER
    if hasattr(renderer, "mathtext_parser"):
        if _MATHTEXT_PARSER is None:
            _MATHTEXT_PARSER = renderer.mathtext_parser
        renderer.mathtext_parser = _MATHTEXT_PARSER


def compact_png(fig) -> bytes:
    """PNG of ``fig`` with a 128-colour palette: a third of the size, same look."""
    from PIL import Image

    rgb, _ = rasterize(fig)
    image = Image.fromarray(rgb).quantize(colors=128, method=Image.Quantize.FASTOCTREE)
    buf = io.BytesIO()
    image.save(buf, format="png")
    return buf.getvalue()
