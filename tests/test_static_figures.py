"""Static figures (``lecture_kit.figures.show``): sharp, legible, and light pages.

Every ``<img class="lk-figure">`` of the built book is checked from its own bytes
(the PNG header inside the ``data:`` URL), not from what the library says:

* it holds at least :data:`MIN_RATIO` device pixels per CSS pixel (its PNG is
  ``ratio`` times its ``width``/``height`` attributes), so it is sharp on a
  high-DPI screen and shown at the same CSS size as before;
* its smallest text is at least 9 CSS pt (12 px) at its natural size, and
  ``show`` found no clipped text, overlapping titles or legend over data;
* every page weighs at most :data:`PAGE_BUDGET`: its HTML (figures and explorer
  frames are inline) plus every local image file it references. The weights are
  printed.

The planted-defect tests feed the same checks a figure at ratio 1, a figure
with tiny text, a legend over the data and a page over budget.
"""

from __future__ import annotations

import base64
import html as _html
import re
from pathlib import Path

import numpy as np
import pytest

from lecture_kit import figures

PAGE_BUDGET = 1.5 * 1024 * 1024      # bytes of HTML + images per page (issue 14)
MIN_RATIO = 2                         # device pixels per CSS pixel
MIN_FONT_PX = 12.0                    # 9 CSS pt

_IMG = re.compile(r'<img class="lk-figure"[^>]*>')
_LOCAL_SRC = re.compile(r'<img[^>]*\ssrc="(?!data:|https?:)([^"#?]+)"')


def _attr(tag: str, name: str) -> str | None:
    m = re.search(rf'\s{name}="([^"]*)"', tag)
    return None if m is None else _html.unescape(m.group(1))


def png_size(png: bytes) -> tuple[int, int]:
    """Width, height of a PNG from its header (independent of lecture_kit)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR", "not a PNG"
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def figure_problems(page_html: str) -> list[str]:
    """What is wrong with the static figures of one page, as sentences."""
    problems = []
    for k, tag in enumerate(_IMG.findall(page_html)):
        name = f"figure {k} ({(_attr(tag, 'alt') or '')[:50]!r})"
        src = _attr(tag, "src") or ""
        if not src.startswith("data:image/png;base64,"):
            problems.append(f"{name}: not an inline PNG")
            continue
        px_w, px_h = png_size(base64.b64decode(src.split(",", 1)[1]))
        w, h = _attr(tag, "width"), _attr(tag, "height")
        if w is None or h is None:
            problems.append(f"{name}: no width/height attribute: shown at {px_w} CSS px, "
                            f"ratio 1")
            continue
        ratio = min(px_w / float(w), px_h / float(h))
        if ratio < MIN_RATIO - 0.02:
            problems.append(f"{name}: {px_w}x{px_h} px shown at {w}x{h}: device-pixel "
                            f"ratio {ratio:.2f} < {MIN_RATIO}")
        font = _attr(tag, "data-lk-font-px")
        if font is None or float(font) < MIN_FONT_PX - 1e-6:
            problems.append(f"{name}: smallest text {font} CSS px < {MIN_FONT_PX}")
        layout = _attr(tag, "data-lk-layout")
        if layout:
            problems.append(f"{name}: {layout}")
    return problems


def page_weight(page: Path) -> int:
    """Bytes of a page: its HTML plus every local image it references."""
    text = page.read_text(encoding="utf-8")
    size = len(text.encode("utf-8"))
    for src in set(_LOCAL_SRC.findall(text)):
        target = (page.parent / src).resolve()
        if target.is_file():
            size += target.stat().st_size
    return size


@pytest.mark.build
def test_static_figures_are_sharp_legible_and_pages_light(built_book):
    problems, rows = [], []
    for page in sorted(built_book.rglob("*.html")):
        rel = page.relative_to(built_book)
        if rel.parts[0] in ("_static", "_sources"):
            continue
        text = page.read_text(encoding="utf-8")
        size = page_weight(page)
        n = len(_IMG.findall(text))
        rows.append((str(rel), size, n))
        if size > PAGE_BUDGET:
            problems.append(f"{rel}: {size / 1024:.0f} KiB > {PAGE_BUDGET / 1024:.0f} KiB")
        problems += [f"{rel}: {p}" for p in figure_problems(text)]
    print()
    for rel, size, n in sorted(rows, key=lambda r: -r[1]):
        print(f"{rel}: {size / 1024:.0f} KiB (budget {PAGE_BUDGET / 1024:.0f}), "
              f"{n} static figures")
    assert sum(n for _, _, n in rows) >= 20, rows
    assert problems == [], "\n".join(problems)


# --- the checks see planted defects -------------------------------------------------

def _line_figure(fontsize=None, legend_loc="upper left"):
    fig, ax = figures.subplots()
    x = np.linspace(0.0, 1.0, 50)
    ax.plot(x, np.ones_like(x) * 0.9, label="a line across the top")
    ax.plot(x, x, label="rising")
    ax.set_ylim(0, 1)
    ax.set_title("planted")
    if fontsize:
        for t in ax.get_xticklabels() + ax.get_yticklabels():
            t.set_fontsize(fontsize)
    ax.legend(loc=legend_loc)
    return fig


def test_a_shown_figure_passes_and_keeps_its_css_size():
    fig = _line_figure()
    shown = figures.show(fig, alt="Two lines.", result="They cross once.", max_width=None)
    html = shown._repr_html_()
    assert figure_problems(html) == []
    px = png_size(shown.png)
    assert px == (1400, 640)                       # 7 x 3.2 inches at 100 dpi, twice
    assert (_attr(html, "width"), _attr(html, "height")) == ("700", "320")
    # the displayed size at ratio 1 is the same: only the density changed
    one = figures.show(_line_figure(), alt="Two lines.", result="x", pixel_ratio=1,
                       max_width=None)
    assert png_size(one.png) == (700, 320) and (one.width, one.height) == (700, 320)
    # the palette keeps the background exactly white (the page's own white)
    import io

    from PIL import Image

    assert Image.open(io.BytesIO(shown.png)).convert("RGB").getpixel((1, 1)) == (255, 255, 255)
    # Jupyter gets the CSS size with the PNG
    data, meta = shown._repr_png_()
    assert data == shown.png and meta == {"width": 700, "height": 320}


@pytest.mark.parametrize("width_in,panels", [(7.0, 1), (12.0, 3), (16.0, 4)])
def test_a_figure_is_never_wider_than_the_column_and_its_text_stays_legible(width_in, panels):
    fig, axes = figures.subplots(1, panels, width=width_in, height=3.0, squeeze=False)
    for k, ax in enumerate(axes[0]):
        ax.plot([0, 1], [0, k + 1], label=f"line {k}")
        ax.set_title(f"panel {k}", fontsize=8)
        ax.set_xlabel("x", fontsize=8)
        ax.tick_params(labelsize=7)
    shown = figures.show(fig, alt="Panels.", result="Lines rise.")
    # shown at the column's width or less: the browser never scales it down
    assert shown.width <= figures.COLUMN_CSS_PX
    assert png_size(shown.png)[0] == pytest.approx(shown.width * figures.PIXEL_RATIO, abs=2)
    # every text, measured at the size the figure is shown, is at least 12 CSS px
    css_dpi = shown.width / width_in
    sizes = [t.get_fontsize() * css_dpi / 72.0 for t in fig.findobj(
        lambda a: hasattr(a, "get_fontsize") and hasattr(a, "get_text")
        and a.get_visible() and str(a.get_text()).strip())]
    assert sizes and min(sizes) >= MIN_FONT_PX - 1e-6, min(sizes)
    assert shown.layout_problems == []
    assert figure_problems(shown._repr_html_()) == []


def test_max_width_is_checked():
    fig, _ = figures.subplots()
    for bad in (0, -5, 1.5, True, "688"):
        with pytest.raises(ValueError, match="max_width"):
            figures.show(fig, alt="x", result="y", max_width=bad)


def test_a_legend_over_a_curve_on_log_axes_is_seen_and_moved():
    """The legend check works on log-scale axes too (it once skipped every line
    there, taking it for a reference line across the axes)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from lecture_kit import frames

    fig, ax = figures.subplots()
    x = np.linspace(0.0, 10.0, 200)
    ax.semilogy(x, np.exp(x), label="exp(x)")
    ax.semilogy(x, np.exp(10 - x), label="exp(10 - x)")
    ax.axhline(1e2, color="0.5", label="reference")      # a reference line, not data
    ax.legend(loc="center")
    assert frames.legend_covers(ax, FigureCanvasAgg(fig).get_renderer()) > 0
    shown = figures.show(fig, alt="Two exponentials.", result="They cross at x = 5.")
    assert shown.layout_problems == []
    assert frames.legend_covers(ax, FigureCanvasAgg(fig).get_renderer()) == 0
    # a legend over nothing but the reference line does not count it
    fig, ax = figures.subplots()
    ax.semilogy(x, np.exp(x), label="exp(x)")
    ax.axhline(1e3, color="0.5", label="reference")
    ax.legend(loc="upper left")
    assert frames.legend_covers(ax, FigureCanvasAgg(fig).get_renderer()) == 0


def test_planted_low_density_figure_is_caught():
    one = figures.show(_line_figure(), alt="Two lines.", result="x", pixel_ratio=1)
    assert any("ratio 1.00 < 2" in p for p in figure_problems(one._repr_html_()))
    # an <img> without width/height (the PNG's pixels shown as CSS pixels)
    html = re.sub(r'\s(width|height)="\d+"', "", figures.show(
        _line_figure(), alt="Two lines.", result="x")._repr_html_())
    assert any("no width/height" in p for p in figure_problems(html))


def test_small_fonts_are_raised_and_a_planted_small_font_is_caught():
    shown = figures.show(_line_figure(fontsize=4), alt="Two lines.", result="x")
    assert shown.smallest_text_px >= MIN_FONT_PX
    html = shown._repr_html_().replace(f'data-lk-font-px="{shown.smallest_text_px:g}"',
                                       'data-lk-font-px="5.5"')
    assert any("smallest text 5.5" in p for p in figure_problems(html))


def _crowded(layout="constrained"):
    fig = figures.new_figure(layout=layout)
    ax = fig.subplots()
    figures.style_axes(ax)
    x = np.linspace(0, 1, 200)
    for y0 in np.linspace(0.02, 0.98, 25):
        ax.plot(x, np.full_like(x, y0), label=f"{y0:.2f}" if y0 < 0.1 else None)
    ax.set_ylim(0, 1)
    ax.legend()
    return fig, ax


def test_hidden_axes_have_no_clipped_tick_labels():
    # a drawing with ax.axis("off") (the computation graphs): its tick labels are not drawn
    fig, ax = figures.subplots()
    ax.set_xlim(-3, 3)
    ax.set_position([-0.1, -0.1, 1.2, 1.2])
    ax.axis("off")
    ax.text(0, 0.5, "a box")
    assert figures.show(fig, alt="A drawing.", result="x").layout_problems == []


def test_a_legend_over_the_data_moves_off_it_or_is_reported():
    # the legend starts over both lines; show() moves it to a free corner
    shown = figures.show(_line_figure(legend_loc="center"), alt="Two lines.", result="x")
    assert shown.layout_problems == []
    # no corner is free: the legend goes to the right of the axes
    fig, ax = _crowded()
    crowded = figures.show(fig, alt="Lines everywhere.", result="x")
    assert crowded.layout_problems == []
    renderer = fig.canvas.get_renderer()
    assert ax.get_legend().get_window_extent(renderer).x0 > ax.bbox.x1
    # without a layout engine to make room, it is cut by the figure edge: reported
    fig, ax = _crowded(layout=None)
    cut = figures.show(fig, alt="Lines everywhere.", result="x")
    assert any("clipped" in p for p in cut.layout_problems), cut.layout_problems
    assert any("clipped" in p for p in figure_problems(cut._repr_html_()))
    # a legend over the data as show() reports it is caught too
    html = figures.show(_line_figure(), alt="Two lines.", result="x")._repr_html_()
    planted = html.replace(' style=', ' data-lk-layout="the legend of &#x27;x&#x27; covers '
                           '3 data points" style=', 1)
    assert any("covers 3 data points" in p for p in figure_problems(planted))


def test_page_weight_counts_local_images(tmp_path):
    (tmp_path / "_images").mkdir()
    (tmp_path / "_images" / "big.png").write_bytes(b"\0" * 2_000_000)
    page = tmp_path / "p.html"
    page.write_text('<p><img src="_images/big.png" alt="x"></p>', encoding="utf-8")
    assert page_weight(page) > PAGE_BUDGET
    page.write_text('<p><img src="data:image/png;base64,AAAA" alt="x"></p>', encoding="utf-8")
    assert page_weight(page) < 1024


@pytest.mark.parametrize("bad", [0, -1, 1.5, True])
def test_show_rejects_a_bad_pixel_ratio(bad):
    with pytest.raises(ValueError, match="pixel_ratio"):
        figures.show(_line_figure(), alt="Two lines.", result="x", pixel_ratio=bad)


def test_a_legend_over_a_neighbouring_panel_or_its_labels_is_reported():
    """A legend wider than its narrow panel spills over the next panel and its
    y-label (as the optimizer race once did): reported, not only legends over data."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from lecture_kit import frames

    fig = figures.new_figure(width=7.0, height=3.0, layout=None)
    left = fig.add_axes([0.08, 0.15, 0.25, 0.75])
    right = fig.add_axes([0.45, 0.15, 0.5, 0.75])
    for ax, title in ((left, "left"), (right, "right")):
        ax.plot([0, 1], [1, 1], label="a rather long legend entry that spills over")
        ax.set(title=title, ylabel="value")
    left.legend(loc="lower left")

    def drawn(fig):
        canvas = FigureCanvasAgg(fig)
        canvas.draw()                      # labels and legends at their places
        return canvas.get_renderer()

    problems = frames.layout_problems(fig, drawn(fig))
    assert any("legend of 'left' overlaps the panel 'right'" in p for p in problems), problems
    # the same legend inside a wide panel: nothing to report
    fig = figures.new_figure(width=7.0, height=3.0, layout=None)
    alone = fig.add_axes([0.15, 0.15, 0.8, 0.75])
    alone.plot([0, 1], [1, 1], label="a rather long legend entry that spills over")
    alone.set(title="alone", ylabel="value")
    alone.legend(loc="lower left")
    assert frames.layout_problems(fig, drawn(fig)) == []
