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
import io
import itertools
import json
import os
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from .figures import Figure, figure_to_png, new_figure, style_axes

__all__ = ["Control", "Slider", "Choice", "Explorer", "explorer_mode", "index_of",
           "compact_png", "MAX_FRAMES", "Figure"]

#: The most frames a static explorer may precompute (page weight stays sane).
MAX_FRAMES = 64


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
        It must depend only on its arguments, so that both forms agree.
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
        Resolution of the static frames (80 keeps pages light).
    canonical : callable, optional
        ``canonical(**values) -> dict``: the values that really matter for the
        picture (e.g. a momentum coefficient is ignored by plain SGD). Frames
        with equal canonical values are drawn once and stored once.
    """

    draw: Callable[..., None]
    controls: Sequence[Slider | Choice]
    title: str
    alt: str | Callable[..., str]
    width: float = 7.0
    height: float = 3.2
    dpi: int = 80
    canonical: Callable[..., dict] | None = None
    _live: Any = field(default=None, init=False, repr=False)
    figure: Any = field(default=None, init=False, repr=False)

    def __post_init__(self):
        names = [c.name for c in self.controls]
        if len(set(names)) != len(names):
            raise ValueError(f"control names must be distinct, got {names}")
        n = self.n_frames
        if n > MAX_FRAMES:
            raise ValueError(
                f"{n} frames exceed MAX_FRAMES={MAX_FRAMES}: use fewer control values"
            )

    # ------------------------------------------------------------------ shared
    @property
    def n_frames(self) -> int:
        n = 1
        for c in self.controls:
            n *= len(c.values)
        return n

    def initial_values(self) -> dict:
        return {c.name: c.values[c.initial_index] for c in self.controls}

    def render(self, **values) -> "Figure":
        """Draw the figure for one combination of control values and return it."""
        return self._render(values, layout="constrained")

    def _render(self, values: dict, layout):
        missing = {c.name for c in self.controls} - set(values)
        if missing:
            raise ValueError(f"missing control values: {sorted(missing)}")
        fig = new_figure(self.width, self.height, dpi=self.dpi, layout=layout)
        self.draw(fig, **values)
        if not fig.get_suptitle() and len(fig.axes) > 1:
            fig.suptitle(self.title)
        for ax in fig.axes:
            style_axes(ax)
        return fig

    def alt_text(self, **values) -> str:
        """The alternative text of the frame drawn for ``values``."""
        if callable(self.alt):
            return str(self.alt(**values))
        return self.alt.format(**values)

    # ------------------------------------------------------------------ static
    def _canonical(self, values: dict) -> dict:
        if self.canonical is None:
            return values
        return {**values, **self.canonical(**values)}

    def frames(self) -> list[tuple[dict, bytes]]:
        """Every combination of control values with its PNG, in row-major order.

        Combinations with the same :attr:`canonical` values share one PNG,
        drawn once. Every picture uses the same axes positions, so nothing
        jumps when a slider moves: a constrained layout is computed for two
        sample frames (the initial and the last ones), and each
        axes box is the intersection of its sample boxes (the room every
        sample needed for its labels).
        """
        combos = [dict(zip((c.name for c in self.controls), combo))
                  for combo in itertools.product(*(c.values for c in self.controls))]
        keys, distinct = [], {}
        for values in combos:
            canon = self._canonical(values)
            key = repr(sorted(canon.items()))
            keys.append(key)
            distinct.setdefault(key, canon)
        boxes = self.shared_layout(list(distinct.values()))
        cache = {}
        for key, canon in distinct.items():
            cache[key] = compact_png(self.render_fixed(canon, boxes))
        return [(values, cache[key]) for values, key in zip(combos, keys)]

    def shared_layout(self, distinct: list):
        """Axes boxes fitting the sample frames, or None if the frames differ in layout."""
        initial = self._canonical(self.initial_values())
        n = len(distinct)
        samples = [initial, distinct[n - 1]]
        boxes = None
        for values in samples:
            fig = self._render(values, layout="constrained")
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

    def render_fixed(self, values: dict, boxes):
        """Render with the shared axes boxes (constrained layout if there are none)."""
        if boxes is None:
            return self._render(values, layout="constrained")
        fig = self._render(values, layout=None)
        if len(fig.axes) != len(boxes):
            return self._render(values, layout="constrained")
        for ax, ((x0, y0), (x1, y1)) in zip(fig.axes, boxes):
            ax.set_position([x0, y0, x1 - x0, y1 - y0])
        return fig

    def static_html(self) -> str:
        """A self-contained HTML block whose controls switch precomputed frames.

        The JSON payload holds the distinct PNGs once (``frames``, base64),
        one alternative text per distinct picture (``alts``) and, for every
        combination of control values in row-major order, the index of its
        picture (``index``).
        """
        frames = self.frames()
        uid = "lk-explorer-" + hashlib.sha1(
            (self.title + repr([list(map(repr, c.values)) for c in self.controls])).encode()
        ).hexdigest()[:10]
        unique: dict = {}
        alts, index = [], []
        for values, png in frames:
            if png not in unique:
                unique[png] = len(unique)
                alts.append(self.alt_text(**self._canonical(values)))
            index.append(unique[png])
        payload = {
            "frames": [base64.b64encode(png).decode("ascii") for png in unique],
            "alts": alts,
            "index": index,
            "sizes": [len(c.values) for c in self.controls],
            "labels": [[c.format(v) for v in c.values] for c in self.controls],
        }
        start = index[_flat_index([c.initial_index for c in self.controls], payload["sizes"])]
        rows = []
        for k, c in enumerate(self.controls):
            label = _html.escape(c.label or c.name)
            current = _html.escape(c.format(c.values[c.initial_index]))
            if isinstance(c, Slider):
                widget = (
                    f'<input type="range" min="0" max="{len(c.values) - 1}" step="1" '
                    f'value="{c.initial_index}" data-control="{k}" '
                    f'aria-label="{label}" style="vertical-align:middle;width:14em">'
                )
            else:
                options = "".join(
                    f'<option value="{i}"{" selected" if i == c.initial_index else ""}>'
                    f"{_html.escape(c.format(v))}</option>"
                    for i, v in enumerate(c.values)
                )
                widget = (
                    f'<select data-control="{k}" aria-label="{label}">{options}</select>'
                )
            rows.append(
                f'<label style="margin-right:1.5em;white-space:nowrap">{label} {widget} '
                f'<output data-output="{k}">{current}</output></label>'
            )
        data = json.dumps(payload, separators=(",", ":"))
        return (
            f'<div class="lk-explorer" id="{uid}" '
            f'style="border:1px solid #ccc;border-radius:6px;padding:0.6em;margin:1em 0">'
            f'<div style="font-weight:600;margin-bottom:0.4em">{_html.escape(self.title)}</div>'
            f'<div class="lk-explorer-controls">{"".join(rows)}</div>'
            f'<img class="lk-explorer-frame" src="data:image/png;base64,{payload["frames"][start]}" '
            f'alt="{_html.escape(payload["alts"][start], quote=True)}" style="max-width:100%">'
            f'<script type="application/json" class="lk-explorer-data">{_script_safe(data)}</script>'
            f"<script>{_JS.replace('__UID__', uid)}</script>"
            f"</div>"
        )

    # ------------------------------------------------------------------ live
    def live(self):
        """Build (once) and return the ipywidgets form: controls above an image."""
        if self._live is not None:
            return self._live
        import ipywidgets as W

        controls = {}
        for c in self.controls:
            desc = c.label or c.name
            if isinstance(c, Slider):
                options = [(c.format(v), v) for v in c.values]
                w = W.SelectionSlider(
                    options=options, value=c.values[c.initial_index], description=desc,
                    continuous_update=False, style={"description_width": "initial"},
                )
            else:
                options = [(c.format(v), v) for v in c.values]
                w = W.Dropdown(
                    options=options, value=c.values[c.initial_index], description=desc,
                    style={"description_width": "initial"},
                )
            controls[c.name] = w
        image = W.Image(format="png", layout=W.Layout(max_width="100%"))

        def redraw(_change=None):
            values = self._canonical({name: w.value for name, w in controls.items()})
            self.figure = self.render(**values)
            image.value = figure_to_png(self.figure)
            image.description = self.alt_text(**values)

        for w in controls.values():
            w.observe(redraw, names="value")
        redraw()
        box = W.VBox([W.HTML(f"<b>{_html.escape(self.title)}</b>"),
                      W.HBox(list(controls.values())), image])
        box.controls = controls
        box.image = image
        self._live = box
        return box

    # ------------------------------------------------------------------ display
    def _repr_mimebundle_(self, include=None, exclude=None):
        mode = explorer_mode()
        bundle = {"text/plain": f"<explorer: {self.title}>"}
        if mode in ("both", "static"):
            bundle["text/html"] = self.static_html()
        if mode in ("both", "live"):
            live_bundle = self.live()._repr_mimebundle_(include=include, exclude=exclude)
            live_bundle.pop("text/plain", None)
            bundle.update(live_bundle)
        return bundle


_MATHTEXT_PARSER = None


def compact_png(fig) -> bytes:
    """PNG of ``fig`` with a 128-colour palette: a third of the size, same look."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    canvas = FigureCanvasAgg(fig)
    renderer = canvas.get_renderer()
    if hasattr(renderer, "mathtext_parser"):
        # matplotlib caches parsed $math$ per renderer, i.e. per figure; sharing one
        # parser lets every frame reuse the labels the previous frames parsed.
        global _MATHTEXT_PARSER
        if _MATHTEXT_PARSER is None:
            _MATHTEXT_PARSER = renderer.mathtext_parser
        renderer.mathtext_parser = _MATHTEXT_PARSER
    canvas.draw()
    rgb = np.asarray(canvas.buffer_rgba())[..., :3]
    image = Image.fromarray(rgb).quantize(colors=128, method=Image.Quantize.FASTOCTREE)
    buf = io.BytesIO()
    image.save(buf, format="png")
    return buf.getvalue()


def _flat_index(indices, sizes) -> int:
    flat = 0
    for i, n in zip(indices, sizes):
        flat = flat * n + i
    return flat


def _script_safe(text: str) -> str:
    """Make JSON safe to embed inside a <script> element."""
    return text.replace("</", "<\\/")


# Kernel-free switching: read every control, compute the frame index, swap the image.
_JS = """(function(){
var root=document.getElementById("__UID__");if(!root){return;}
var data=JSON.parse(root.querySelector(".lk-explorer-data").textContent);
var img=root.querySelector(".lk-explorer-frame");
var inputs=root.querySelectorAll("[data-control]");
function update(){var idx=[];inputs.forEach(function(el){idx[+el.dataset.control]=+el.value;});
var flat=0;for(var k=0;k<data.sizes.length;k++){flat=flat*data.sizes[k]+idx[k];}
var f=data.index[flat];img.src="data:image/png;base64,"+data.frames[f];img.alt=data.alts[f];
root.querySelectorAll("[data-output]").forEach(function(o){var k=+o.dataset.output;o.textContent=data.labels[k][idx[k]];});}
inputs.forEach(function(el){el.addEventListener("input",update);el.addEventListener("change",update);});
})();"""
