"""Explorers: one drawing function, two forms (live in Jupyter, kernel-free in the book).

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
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from . import plots

__all__ = ["Slider", "Choice", "Explorer", "explorer_mode"]

#: The most frames a static explorer may precompute (page weight stays sane).
MAX_FRAMES = 64


@dataclass(frozen=True)
class Slider:
    """A slider over a fixed, ordered list of values.

    Parameters
    ----------
    name : str
        Keyword passed to the drawing function.
    values : sequence of float
        The values the slider can take (the static form draws each of them).
    label : str, optional
        Text shown beside the slider (defaults to ``name``).
    value : float, optional
        Initial value (defaults to the middle of ``values``).
    fmt : str
        Format used to show the current value, e.g. ``"{:.2f}"``.
    """

    name: str
    values: Sequence[Any]
    label: str | None = None
    value: Any = None
    fmt: str = "{:g}"

    def __post_init__(self):
        _check_control(self)

    @property
    def initial_index(self) -> int:
        if self.value is None:
            return (len(self.values) - 1) // 2
        return _index_of(self.values, self.value, self.name)

    def format(self, v) -> str:
        return self.fmt.format(v)


@dataclass(frozen=True)
class Choice:
    """A drop-down choice among labelled options (strings, booleans, numbers)."""

    name: str
    values: Sequence[Any]
    label: str | None = None
    value: Any = None
    fmt: str = "{}"

    def __post_init__(self):
        _check_control(self)

    @property
    def initial_index(self) -> int:
        if self.value is None:
            return 0
        return _index_of(self.values, self.value, self.name)

    def format(self, v) -> str:
        return self.fmt.format(v)


def _check_control(control) -> None:
    if not isinstance(control.name, str) or not control.name.isidentifier():
        raise ValueError(f"control name must be an identifier, got {control.name!r}")
    if len(control.values) == 0:
        raise ValueError(f"control {control.name!r} needs at least one value")
    if control.value is not None:
        _index_of(control.values, control.value, control.name)


def _index_of(values, value, name) -> int:
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
    alt : str
        Alternative text template, formatted with the control values, e.g.
        ``"Sigmoid with slope {w}"``.
    width, height : float
        Figure size in inches.
    dpi : int
        Resolution of the static frames (80 keeps pages light).
    """

    draw: Callable[..., None]
    controls: Sequence[Slider | Choice]
    title: str
    alt: str
    width: float = 7.0
    height: float = 3.2
    dpi: int = 80
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

    def render(self, **values) -> "plots.Figure":
        """Draw the figure for one combination of control values and return it."""
        missing = {c.name for c in self.controls} - set(values)
        if missing:
            raise ValueError(f"missing control values: {sorted(missing)}")
        fig = plots.new_figure(self.width, self.height, dpi=self.dpi)
        self.draw(fig, **values)
        if not fig.get_suptitle() and len(fig.axes) > 1:
            fig.suptitle(self.title)
        for ax in fig.axes:
            plots.style_axes(ax)
        return fig

    def alt_text(self, **values) -> str:
        return self.alt.format(**values)

    # ------------------------------------------------------------------ static
    def frames(self) -> list[tuple[dict, bytes]]:
        """Every combination of control values with its PNG, in row-major order."""
        out = []
        for combo in itertools.product(*(c.values for c in self.controls)):
            values = dict(zip((c.name for c in self.controls), combo))
            out.append((values, plots.figure_to_png(self.render(**values))))
        return out

    def static_html(self) -> str:
        """A self-contained HTML block whose controls switch precomputed frames."""
        frames = self.frames()
        uid = "lk-explorer-" + hashlib.sha1(
            (self.title + repr([list(map(repr, c.values)) for c in self.controls])).encode()
        ).hexdigest()[:10]
        payload = {
            "frames": [base64.b64encode(png).decode("ascii") for _, png in frames],
            "alts": [self.alt_text(**values) for values, _ in frames],
            "sizes": [len(c.values) for c in self.controls],
            "labels": [[c.format(v) for v in c.values] for c in self.controls],
        }
        start = _flat_index([c.initial_index for c in self.controls], payload["sizes"])
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
            values = {name: w.value for name, w in controls.items()}
            self.figure = self.render(**values)
            image.value = plots.figure_to_png(self.figure)
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
img.src="data:image/png;base64,"+data.frames[flat];img.alt=data.alts[flat];
root.querySelectorAll("[data-output]").forEach(function(o){var k=+o.dataset.output;o.textContent=data.labels[k][idx[k]];});}
inputs.forEach(function(el){el.addEventListener("input",update);el.addEventListener("change",update);});
})();"""


# ---------------------------------------------------------------------------
# Explorers used by the chapters
# ---------------------------------------------------------------------------


def sigmoid_neuron_explorer(
    weights=(0.25, 0.5, 1.0, 2.0, 4.0), biases=(-4.0, -2.0, 0.0, 2.0, 4.0)
) -> Explorer:
    """Explore one sigmoid neuron ``a = σ(w x + b)`` and its slope ``da/dx``.

    The weight ``w`` sets the steepness and the bias ``b`` moves the curve:
    the midpoint sits at ``x = -b / w``. The right panel shows
    ``da/dx = w σ'(w x + b)``, whose peak is ``w / 4``.
    """
    import numpy as np

    from . import activations

    sigmoid = activations.get("sigmoid")
    x = np.linspace(-8.0, 8.0, 401)

    def draw(fig, w, b):
        left, right = fig.subplots(1, 2)
        z = w * x + b
        left.plot(x, sigmoid(z), label=r"$\sigma(wx+b)$")
        left.axvline(-b / w, color="0.5", linewidth=0.8, linestyle=":")
        left.set(xlabel="input $x$", ylabel="output $a$", ylim=(-0.05, 1.05),
                 title=f"neuron output, midpoint at $x={-b / w:.2f}$")
        right.plot(x, w * sigmoid.grad(z), label=r"$w\,\sigma'(wx+b)$")
        right.axhline(w / 4, color="0.5", linewidth=0.8, linestyle=":")
        right.set(xlabel="input $x$", ylabel=r"slope $da/dx$", ylim=(0, 1.1),
                  title=f"slope, peak $w/4 = {w / 4:.3g}$")
        left.legend(loc="upper left")
        right.legend(loc="upper left")

    return Explorer(
        draw,
        [Slider("w", list(weights), label="weight w", value=1.0),
         Slider("b", list(biases), label="bias b", value=0.0)],
        title="One sigmoid neuron: a = σ(w·x + b)",
        alt=("Left: the sigmoid neuron output for weight {w} and bias {b}, an S-shaped "
             "curve from 0 to 1. Right: its slope, a bump whose peak is w/4."),
    )
