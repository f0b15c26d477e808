r"""Explorers: one drawing function, two forms (live in Jupyter, kernel-free in the book).

An explorer is a function that draws a figure from a few parameters, plus the
controls that choose those parameters. From the same code it produces

* a **live** form for the learner in Jupyter: ipywidgets controls that redraw
  the figure whenever a value changes;
* a **static** form for the reader of the HTML book, who has no kernel: every
  combination of the control values is drawn in advance, and a few lines of
  plain JavaScript switch between the pictures when a slider moves.

Displaying an :class:`Explorer` (last expression of a cell) offers both forms to
the front end; Jupyter shows the live one, the book shows the static one. The
environment variable ``LECTURE_KIT_EXPLORERS`` can restrict this to ``static``
(the book build sets it, so no widget state is stored in the pages) or ``live``
(skips drawing every frame, for quick work in Jupyter).

Only this module imports ipywidgets, and only when a live form is built.

This module is the engine; the explorers of the chapters are in
:mod:`lecture_kit.explorers` (all re-exported by :mod:`lecture_kit.widgets`).

Example
-------
>>> import numpy as np
>>> def draw(fig, slope):
...     ax = fig.subplots()
...     x = np.linspace(-1, 1, 5)
...     ax.plot(x, slope * x)
>>> exp = Explorer(draw, [Slider("slope", [0.5, 1.0, 2.0])], title="Lines",
...                alt="A line through the origin with slope {slope}.")
>>> len(exp.frames())
3
>>> "<input" in exp.static_html()
True
"""

from __future__ import annotations

import base64
import hashlib
import html as _html
import itertools
import json
import os
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from .figures import Figure, figure_to_png, new_figure, style_axes
from .frames import (MIN_FONT_CSS_PT, enforce_min_font, pop_suptitle, rasterize, smallest_text_px, panel_extents, panel_cuts, cut_problems, layout_problems, place_legends, encode_frames, compact_png)

__all__ = ["Control", "Slider", "Choice", "Explorer", "explorer_mode", "index_of",
           "compact_png", "MAX_FRAMES", "Figure"]

#: The most frames a static explorer may precompute (page weight stays sane).
MAX_FRAMES = 64
#: How many distinct frames (evenly spread, plus the initial one) size the shared layout.
LAYOUT_SAMPLES = 8


@dataclass(frozen=True)
class Control:
    """A control of an explorer: a name and a fixed, ordered list of values.

    Parameters
    ----------
    name : str
        Keyword passed to the drawing function.
    values : sequence
        The values the control can take (the static form draws each of them).
    label : str, optional
        Text shown beside the control (defaults to ``name``).
    value : optional
        Initial value (defaults to :attr:`default_index`'s value).
    fmt : str, optional
        Format used to show a value (``"{:g}"`` for a slider, ``"{}"`` for a
        choice).
    labels : sequence of str, optional
        Text shown for each value instead of ``fmt`` (same length as ``values``).
    """

    name: str
    values: Sequence[Any]
    label: str | None = None
    value: Any = None
    fmt: str | None = None
    labels: Sequence[str] | None = None

    default_fmt = "{}"

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name.isidentifier():
            raise ValueError(f"control name must be an identifier, got {self.name!r}")
        if len(self.values) == 0:
            raise ValueError(f"control {self.name!r} needs at least one value")
        if self.value is not None:
            self.index_of(self.value)
        if self.labels is not None and len(self.labels) != len(self.values):
            raise ValueError(
                f"control {self.name!r} has {len(self.values)} values but "
                f"{len(self.labels)} labels"
            )
        if self.fmt is None:
            object.__setattr__(self, "fmt", self.default_fmt)

    def default_index(self) -> int:
        """Index of the initial value when none is given."""
        return 0

    def index_of(self, value) -> int:
        """Index of ``value`` among :attr:`values` (ValueError if absent)."""
        return index_of(self.values, value, self.name)

    @property
    def initial_index(self) -> int:
        return self.default_index() if self.value is None else self.index_of(self.value)

    def format(self, v) -> str:
        if self.labels is not None:
            return str(self.labels[self.index_of(v)])
        return self.fmt.format(v)


class Slider(Control):
    """A slider over a fixed, ordered list of values (initially the middle one).

    Same fields as :class:`Control`; values are shown with ``"{:g}"``.
    """

    default_fmt = "{:g}"

    def default_index(self) -> int:
        return (len(self.values) - 1) // 2


class Choice(Control):
    """A drop-down choice among labelled options (strings, booleans, numbers).

    Same fields as :class:`Control`; the initial value defaults to the first.
    """


def index_of(values, value, name) -> int:
    """Index of ``value`` in ``values`` (by ``==``); ValueError naming the control if absent."""
    for i, v in enumerate(values):
        if v == value:
            return i
    raise ValueError(f"initial value {value!r} of control {name!r} is not one of {list(values)}")


def explorer_mode() -> str:
    """Return ``"both"``, ``"static"`` or ``"live"`` from ``LECTURE_KIT_EXPLORERS``."""
    mode = os.environ.get("LECTURE_KIT_EXPLORERS", "both").strip().lower() or "both"
    if mode not in ("both", "static", "live"):
        raise ValueError(
            f"LECTURE_KIT_EXPLORERS must be 'both', 'static' or 'live', got {mode!r}"
        )
    return mode


@dataclass
class Explorer:
    """A figure driven by controls, available live (ipywidgets) and static (HTML).

    Parameters
    ----------
    draw : callable
        ``draw(fig, **values)`` draws on an empty :class:`~matplotlib.figure.Figure`.
        It must depend only on its arguments, so that both forms agree. A
        suptitle it sets becomes, in the static form, an HTML caption above
        the picture (it wraps on a phone instead of shrinking).
    controls : sequence of Slider or Choice
        The parameters, in display order.
    title : str
        Heading shown above the explorer.
    alt : str or callable
        Alternative text: a template formatted with the control values, e.g.
        ``"Sigmoid with slope {w}"``, or a function ``alt(**values) -> str``
        (for a description that depends on computed results).
    width, height : float
        Figure size in inches.
    dpi : int
        CSS pixels per inch of the static frames (80 keeps pages light); the
        pictures hold ``pixel_ratio`` times as many pixels per CSS pixel.
    canonical : callable, optional
        ``canonical(**values) -> dict``: the values that really matter for the
        picture (e.g. a momentum coefficient is ignored by plain SGD). Frames
        with equal canonical values are drawn once and stored once.
    result : callable, optional
        ``result(**values) -> str``: what the frame shows as an outcome, with a
        computed number (e.g. "the gradient reaching layer 1 is 1e-09 of the
        last layer's"). Appended to the alternative text of every frame; every
        explorer of the book has one (a test checks each frame's number).
    key : str, optional
        Name of the explorer in the page URL fragment that records its state
        (``#key:name=value,name=value``); default: derived from the title.
    pixel_ratio : int
        Device pixels per CSS pixel of the static frames and the live image
        (2: sharp on high-resolution screens).
    """

    draw: Callable[..., None]
    controls: Sequence[Slider | Choice]
    title: str
    alt: str | Callable[..., str]
    width: float = 7.0
    height: float = 3.2
    dpi: int = 80
    canonical: Callable[..., dict] | None = None
    result: Callable[..., str] | None = None
    key: str | None = None
    pixel_ratio: int = 2
    _live: Any = field(default=None, init=False, repr=False)
    figure: Any = field(default=None, init=False, repr=False)
    #: Layout problems found while drawing the static frames (see :func:`layout_problems`).
    problems: list = field(default_factory=list, init=False, repr=False)

    def __post_init__(self):
        names = [c.name for c in self.controls]
        if len(set(names)) != len(names):
            raise ValueError(f"control names must be distinct, got {names}")
        n = self.n_frames
        if n > MAX_FRAMES:
            raise ValueError(
                f"{n} frames exceed MAX_FRAMES={MAX_FRAMES}: use fewer control values"
            )
        if not isinstance(self.pixel_ratio, int) or self.pixel_ratio < 1:
            raise ValueError(f"pixel_ratio must be a positive integer, got {self.pixel_ratio!r}")
        if self.key is None:
            self.key = _slug(self.title)
        elif not _KEY.fullmatch(self.key):
            raise ValueError(f"explorer key must match {_KEY.pattern}, got {self.key!r}")

    # ------------------------------------------------------------------ shared
    @property
    def n_frames(self) -> int:
        n = 1
        for c in self.controls:
            n *= len(c.values)
        return n

    @property
    def min_font_pt(self) -> float:
        """Smallest font size (points) of a frame: ``MIN_FONT_CSS_PT`` once shown at ``dpi``."""
        return MIN_FONT_CSS_PT * 96.0 / self.dpi

    def initial_values(self) -> dict:
        return {c.name: c.values[c.initial_index] for c in self.controls}

    def render(self, **values) -> "Figure":
        """Draw the figure for one combination of control values and return it."""
        fig = self._render(values, layout="constrained")
        fig.draw_without_rendering()
        fig.set_layout_engine("none")
        place_legends(fig)
        return fig

    def _render(self, values: dict, layout, dpi=None, caption_out: list | None = None):
        missing = {c.name for c in self.controls} - set(values)
        if missing:
            raise ValueError(f"missing control values: {sorted(missing)}")
        fig = new_figure(self.width, self.height, dpi=dpi or self.dpi, layout=layout)
        self.draw(fig, **values)
        for ax in fig.axes:
            style_axes(ax)
        enforce_min_font(fig, self.min_font_pt)
        if caption_out is not None:
            caption_out.append(pop_suptitle(fig))
        return fig

    def alt_text(self, **values) -> str:
        """The alternative text of the frame drawn for ``values`` (with its result)."""
        if callable(self.alt):
            text = str(self.alt(**values))
        else:
            text = self.alt.format(**values)
        result = self.result_text(**values)
        if result:
            text = text.rstrip()
            text += ("" if text.endswith(".") else ".") + " Result: " + result
            text = text if text.endswith(".") else text + "."
        return text

    def result_text(self, **values) -> str:
        """The computed outcome of the frame (``""`` if the explorer declares none)."""
        return "" if self.result is None else str(self.result(**values)).strip()

    # ------------------------------------------------------------------ static
    def _canonical(self, values: dict) -> dict:
        if self.canonical is None:
            return values
        return {**values, **self.canonical(**values)}

    def _combos(self):
        combos = [dict(zip((c.name for c in self.controls), combo))
                  for combo in itertools.product(*(c.values for c in self.controls))]
        keys, distinct = [], {}
        for values in combos:
            canon = self._canonical(values)
            key = repr(sorted(canon.items()))
            keys.append(key)
            distinct.setdefault(key, canon)
        return combos, keys, distinct

    def frames(self) -> list[tuple[dict, bytes]]:
        """Every combination of control values with its PNG, in row-major order.

        Combinations with the same :attr:`canonical` values share one PNG,
        drawn once, at ``dpi * pixel_ratio``. Every picture uses the same axes
        positions, so nothing jumps when a slider moves: a constrained layout
        is computed for sample frames (the initial one and
        :data:`LAYOUT_SAMPLES` spread over the others), and each axes box is
        the intersection of its sample boxes (the room every sample needed for
        its labels).
        """
        combos, keys, distinct = self._combos()
        boxes = self.shared_layout(list(distinct.values()))
        cache = {}
        for key, canon in distinct.items():
            cache[key] = compact_png(self.render_fixed(canon, boxes,
                                                       dpi=self.dpi * self.pixel_ratio))
        return [(values, cache[key]) for values, key in zip(combos, keys)]

    def shared_layout(self, distinct: list):
        """Axes boxes fitting the sample frames, or None if the frames differ in layout."""
        initial = self._canonical(self.initial_values())
        n = len(distinct)
        picks = sorted({round(i * (n - 1) / (LAYOUT_SAMPLES - 1)) for i in range(LAYOUT_SAMPLES)}
                       if n > 1 else {0})
        samples = [initial] + [distinct[i] for i in picks]
        boxes = None
        for values in samples:
            fig = self._render(values, layout="constrained", caption_out=[])
            fig.draw_without_rendering()
            these = [ax.get_position().get_points() for ax in fig.axes]
            if boxes is None:
                boxes = these
            elif len(these) != len(boxes):
                return None
            else:
                boxes = [
                    [[max(a[0][0], b[0][0]), max(a[0][1], b[0][1])],
                     [min(a[1][0], b[1][0]), min(a[1][1], b[1][1])]]
                    for a, b in zip(boxes, these)
                ]
        return boxes

    def render_fixed(self, values: dict, boxes, dpi=None, caption_out: list | None = None):
        """Render with the shared axes boxes (constrained layout if there are none).

        The static frames are drawn without their suptitle (it becomes the
        HTML caption, appended to ``caption_out``).
        """
        caption_out = [] if caption_out is None else caption_out
        if boxes is None:
            return self._render(values, layout="constrained", dpi=dpi, caption_out=caption_out)
        fig = self._render(values, layout=None, dpi=dpi, caption_out=caption_out)
        if len(fig.axes) != len(boxes):
            caption_out.pop()
            return self._render(values, layout="constrained", dpi=dpi, caption_out=caption_out)
        for ax, ((x0, y0), (x1, y1)) in zip(fig.axes, boxes):
            ax.set_position([x0, y0, x1 - x0, y1 - y0])
        place_legends(fig)
        return fig

    def static_payload(self) -> dict:
        """The data of the static form (see :meth:`static_html`), with layout problems.

        Draws every distinct picture once, records in :attr:`problems` what
        :func:`layout_problems` finds in each, and encodes the pictures as
        palette PNGs: the initial picture (``base``) in full, every other one
        as a difference to it (transparent where the pixels agree), shown over
        it. The pictures keep the row-major order of the combinations.
        """
        combos, keys, distinct = self._combos()
        boxes = self.shared_layout(list(distinct.values()))
        start_key = keys[_flat_index([c.initial_index for c in self.controls],
                                     [len(c.values) for c in self.controls])]
        order = list(distinct)                  # row-major order of the combinations
        base = order.index(start_key)           # stored in full; the others over it
        rasters, captions, panel_boxes, texts_px = [], [], [], []
        self.problems = []
        ppi = self.dpi * self.pixel_ratio
        for key in order:
            canon = distinct[key]
            caption: list = []
            fig = self.render_fixed(canon, boxes, dpi=ppi, caption_out=caption)
            rgb, renderer = rasterize(fig)
            found = layout_problems(fig, renderer)
            self.problems.extend(f"{_describe(canon)}: {p}" for p in found)
            panel_boxes.append(panel_extents(fig, renderer))
            texts_px.append(smallest_text_px(fig, self.pixel_ratio))
            rasters.append(rgb)
            captions.append(caption[0])
        cuts = panel_cuts(panel_boxes, rasters[base].shape[1])
        for i, extents in enumerate(panel_boxes):
            for p in cut_problems(extents, cuts):
                self.problems.append(f"{_describe(distinct[order[i]])}: {p}")
        encoded = encode_frames(rasters, base=base)
        # distinct pictures may still be equal pixel for pixel: share them
        unique: dict = {}
        frame_of_key, alts, caps = {}, [], []
        for key, png, cap in zip(order, encoded, captions):
            if png not in unique:
                unique[png] = len(unique)
                alts.append(self.alt_text(**distinct[key]))
                caps.append(cap)
            frame_of_key[key] = unique[png]
        index = [frame_of_key[k] for k in keys]
        height, width = rasters[0].shape[:2]
        return {
            "frames": [base64.b64encode(png).decode("ascii") for png in unique],
            "alts": alts,
            "captions": caps,
            "index": index,
            "base": frame_of_key[start_key],
            "sizes": [len(c.values) for c in self.controls],
            "labels": [[c.format(v) for v in c.values] for c in self.controls],
            "names": [c.name for c in self.controls],
            "tokens": [[_token(v) for v in c.values] for c in self.controls],
            "initial": [c.initial_index for c in self.controls],
            "key": self.key,
            "width": width,
            "height": height,
            "ratio": self.pixel_ratio,
            "cuts": cuts,
            "font_px": min(texts_px) if texts_px else None,
        }

    def static_html(self) -> str:
        """A self-contained HTML block whose controls switch precomputed frames.

        The JSON payload holds the distinct pictures once (``frames``, base64
        PNG: the initial one, ``base``, in full, the others as differences
        drawn over it), one
        alternative text and one caption per distinct picture (``alts``,
        ``captions``) and, for every combination of control values in
        row-major order, the index of its picture (``index``). The picture is
        cut into its panels (``cuts``, in pixels), which sit side by side when
        the column is wide enough and stack on a phone. The control values
        are mirrored in the URL fragment (``#key:name=value,...``); opening
        such a URL restores them. When everything is wired, the block's
        ``data-ready`` attribute is ``"1"``.
        """
        payload = self.static_payload()
        uid = "lk-explorer-" + hashlib.sha1(
            (self.title + repr([list(map(repr, c.values)) for c in self.controls])).encode()
        ).hexdigest()[:10]
        start = payload["index"][_flat_index(payload["initial"], payload["sizes"])]
        rows = []
        for k, c in enumerate(self.controls):
            label = _html.escape(c.label or c.name)
            current = _html.escape(c.format(c.values[c.initial_index]))
            if isinstance(c, Slider):
                widget = (
                    f'<input type="range" min="0" max="{len(c.values) - 1}" step="1" '
                    f'value="{c.initial_index}" data-control="{k}" '
                    f'aria-label="{label}" aria-valuetext="{current}" '
                    f'style="width:12em;max-width:100%;min-width:6em;flex:1 1 8em;margin:0">'
                )
            else:
                options = "".join(
                    f'<option value="{i}"{" selected" if i == c.initial_index else ""}>'
                    f"{_html.escape(c.format(v))}</option>"
                    for i, v in enumerate(c.values)
                )
                widget = (f'<select data-control="{k}" aria-label="{label}" '
                          f'style="max-width:100%;min-width:0">{options}</select>')
            rows.append(
                '<label class="lk-explorer-control" style="display:inline-flex;flex-wrap:wrap;'
                'align-items:center;gap:0.2em 0.5em;max-width:100%;min-width:0">'
                f'<span>{label}</span>{widget}'
                f'<output data-output="{k}" style="min-width:2.5em">{current}</output></label>'
            )
        w, h, r = payload["width"], payload["height"], payload["ratio"]
        src = f"data:image/png;base64,{payload['frames'][start]}"
        panels = []
        cuts = [0] + payload["cuts"] + [w]
        for i, (x0, x1) in enumerate(zip(cuts[:-1], cuts[1:])):
            pw = x1 - x0
            size = f"{100 * w / pw:.4f}%"
            pos = f"{100 * x0 / (w - pw):.4f}%" if w > pw else "0%"
            inner = ""
            if i == 0:
                inner = (f'<img class="lk-explorer-frame" src="{src}" '
                         f'alt="{_html.escape(payload["alts"][start], quote=True)}" '
                         f'width="{w // r}" height="{h // r}" style="position:absolute;top:0;'
                         f'left:-{100 * x0 / pw:.4f}%;width:{size};height:100%;max-width:none;'
                         # the theme pads and tints output images in dark mode
                         f'padding:0;border-radius:0;background-color:transparent">')
            hidden = "" if i == 0 else ' aria-hidden="true"'
            panels.append(
                f'<span class="lk-explorer-panel" data-pos="{pos}" data-size="{size}"'
                f'{hidden} style="display:block;'
                f'position:relative;overflow:hidden;width:{pw / r:g}px;max-width:100%;'
                f'aspect-ratio:{pw}/{h};background-repeat:no-repeat;'
                f'background-size:{size} 100%;background-position:{pos} 0">{inner}</span>'
            )
        data = json.dumps(payload, separators=(",", ":"))
        caption = _html.escape(payload["captions"][start] or "")
        return (
            f'<div class="lk-explorer" id="{uid}" data-key="{_html.escape(self.key)}" '
            f'style="border:1px solid #ccc;border-radius:6px;padding:0.6em;margin:1em 0;'
            f'max-width:100%;box-sizing:border-box">'
            f'<div style="font-weight:600;margin-bottom:0.4em">{_html.escape(self.title)}</div>'
            f'<div class="lk-explorer-controls" style="display:flex;flex-wrap:wrap;'
            f'gap:0.4em 1.5em;align-items:center">{"".join(rows)}</div>'
            f'<div class="lk-explorer-caption" aria-live="polite" style="margin:0.4em 0 0;'
            f'text-align:center">{caption}</div>'
            f'<div class="lk-explorer-figure" style="display:flex;flex-wrap:wrap;'
            f'justify-content:center;align-items:flex-start;background:#fff;'
            f'margin-top:0.3em">{"".join(panels)}</div>'
            f'<script type="application/json" class="lk-explorer-data">{_script_safe(data)}</script>'
            f"<script>{_JS.replace('__UID__', uid)}</script>"
            f"</div>"
        )

    # ------------------------------------------------------------------ live
    def live(self):
        """Build (once) and return the ipywidgets form: controls above an image.

        The image (``box.image``, an HTML widget) is an ``<img>`` at
        ``pixel_ratio`` times the CSS resolution, with the frame's alternative
        text (``box.image.description`` holds it too).
        """
        if self._live is not None:
            return self._live
        import ipywidgets as W

        controls = {}
        for c in self.controls:
            desc = c.label or c.name
            options = [(c.format(v), v) for v in c.values]
            if isinstance(c, Slider):
                w = W.SelectionSlider(
                    options=options, value=c.values[c.initial_index], description=desc,
                    continuous_update=False, style={"description_width": "initial"},
                    layout=W.Layout(max_width="100%"),
                )
            else:
                w = W.Dropdown(
                    options=options, value=c.values[c.initial_index], description=desc,
                    style={"description_width": "initial"}, layout=W.Layout(max_width="100%"),
                )
            controls[c.name] = w
        image = W.HTML(layout=W.Layout(max_width="100%"))

        def redraw(_change=None):
            values = self._canonical({name: w.value for name, w in controls.items()})
            self.figure = self.render(**values)
            png = figure_to_png(self.figure, dpi=self.dpi * self.pixel_ratio)
            alt = self.alt_text(**values)
            css_w = int(round(self.figure.get_figwidth() * self.dpi))
            image.value = (
                f'<img src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}" '
                f'alt="{_html.escape(alt, quote=True)}" width="{css_w}" '
                f'style="max-width:100%;height:auto">'
            )
            image.description = alt

        for w in controls.values():
            w.observe(redraw, names="value")
        redraw()
        box = W.VBox([W.HTML(f"<b>{_html.escape(self.title)}</b>"),
                      W.HBox(list(controls.values()),
                             layout=W.Layout(flex_flow="row wrap", max_width="100%")),
                      image])
        box.controls = controls
        box.image = image
        self._live = box
        return box

    # ------------------------------------------------------------------ display
    def _repr_mimebundle_(self, include=None, exclude=None):
        """The static form (HTML), the live form (a widget) or both; see :func:`explorer_mode`.

        With the static form, the output's metadata says under :data:`REPORT_KEY`
        what drawing it found: the number of combinations and the layout
        :attr:`problems`. Readers never see it; the book's tests read it from the
        build's own execution instead of drawing every explorer again.
        """
        mode = explorer_mode()
        bundle = {"text/plain": f"<explorer: {self.title}>"}
        metadata = {}
        if mode in ("both", "static"):
            bundle["text/html"] = self.static_html()
            metadata[REPORT_KEY] = {"combinations": self.n_frames,
                                    "problems": list(self.problems)}
        if mode in ("both", "live"):
            live_bundle = self.live()._repr_mimebundle_(include=include, exclude=exclude)
            live_bundle.pop("text/plain", None)
            bundle.update(live_bundle)
        return (bundle, metadata) if metadata else bundle



#: Key of the output metadata in which a displayed static form reports what its
#: drawing found (see :meth:`Explorer._repr_mimebundle_`).
REPORT_KEY = "lecture_kit_explorer"

_KEY = re.compile(r"[a-z0-9][a-z0-9-]{0,59}")


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60].strip("-")
    return slug or "explorer"


def _token(value) -> str:
    """How a control value is written in the URL fragment."""
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (int, float, np.integer, np.floating)):
        return f"{value:g}"
    return str(value)


def _describe(values: dict) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in values.items())








































def _flat_index(indices, sizes) -> int:
    flat = 0
    for i, n in zip(indices, sizes):
        flat = flat * n + i
    return flat


def _script_safe(text: str) -> str:
    """Make JSON safe to embed inside a <script> element."""
    return text.replace("</", "<\\/")


# Kernel-free switching: read every control, compute the frame index, show the frame
# (drawn over the first frame, which stays as the panels' background), keep the URL
# fragment "#key:name=value,...&otherkey:..." in step, restore it on load and when it
# changes; data-ready="1" once wired. No cookie, no storage, no request.
_JS = """(function(){
var root=document.getElementById("__UID__");if(!root){return;}
var data=JSON.parse(root.querySelector(".lk-explorer-data").textContent);
var img=root.querySelector(".lk-explorer-frame");
var cap=root.querySelector(".lk-explorer-caption");
var panels=Array.prototype.slice.call(root.querySelectorAll(".lk-explorer-panel"));
var inputs=Array.prototype.slice.call(root.querySelectorAll("[data-control]"));
var pre="data:image/png;base64,",base='url("'+pre+data.frames[data.base]+'")';
function current(){var idx=[];inputs.forEach(function(el){idx[+el.dataset.control]=+el.value;});return idx;}
function show(){var idx=current(),flat=0;
for(var k=0;k<data.sizes.length;k++){flat=flat*data.sizes[k]+idx[k];}
var f=data.index[flat],src=pre+data.frames[f];
if(img.getAttribute("src")!==src){img.src=src;}img.alt=data.alts[f];
cap.textContent=data.captions[f]||"";
panels.forEach(function(p,i){p.style.backgroundImage=(i===0||f===data.base)?base:'url("'+src+'"), '+base;});
inputs.forEach(function(el){var k=+el.dataset.control;if(el.type==="range"){el.setAttribute("aria-valuetext",data.labels[k][idx[k]]);}});
root.querySelectorAll("[data-output]").forEach(function(o){var k=+o.dataset.output;o.textContent=data.labels[k][idx[k]];});}
function entries(){var h=location.hash.replace(/^#/,"");return h?h.split("&"):[];}
function isState(e){return e.indexOf(":")>0&&e.indexOf("=")>0;}
function keyOf(e){try{return decodeURIComponent(e.slice(0,e.indexOf(":")));}catch(x){return null;}}
function restore(){var es=entries().filter(isState);
for(var i=0;i<es.length;i++){if(keyOf(es[i])!==data.key){continue;}
es[i].slice(es[i].indexOf(":")+1).split(",").forEach(function(pair){var j=pair.indexOf("=");if(j<1){return;}
var name,tok;try{name=decodeURIComponent(pair.slice(0,j));tok=decodeURIComponent(pair.slice(j+1));}catch(x){return;}
var k=data.names.indexOf(name);if(k<0){return;}var v=data.tokens[k].indexOf(tok);if(v<0){return;}
inputs.forEach(function(el){if(+el.dataset.control===k){el.value=String(v);}});});}
show();}
function record(){var idx=current(),mine=encodeURIComponent(data.key)+":"+data.names.map(function(n,k){
return encodeURIComponent(n)+"="+encodeURIComponent(data.tokens[k][idx[k]]);}).join(",");
var es=entries().filter(function(e){return isState(e)&&keyOf(e)!==data.key;});es.push(mine);
if(window.history&&history.replaceState){history.replaceState(history.state,"","#"+es.join("&"));}}
inputs.forEach(function(el){el.addEventListener("input",function(){show();record();});
el.addEventListener("change",function(){show();record();});});
window.addEventListener("hashchange",restore);
restore();root.dataset.ready="1";
})();"""
