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

The explorers of the chapters
-----------------------------
Each function returns an :class:`Explorer`; put the call last in a cell. Every
keyword has a default chosen so that the static form stays small (at most
:data:`MAX_FRAMES` pictures at 80 dpi) and quick to precompute.

``sigmoid_neuron_explorer(weights, biases)``
    One neuron :math:`\sigma(wx + b)` and its slope; sliders ``w`` and ``b``.
``activation_explorer(names=("sigmoid", "tanh", "relu", ...))``
    Choose an activation: :math:`f` and :math:`f'` side by side, saturated
    regions (:math:`|f'| < 0.05`) shaded.
``activation_parameter_explorer(name, param, values)``
    e.g. ``("leaky_relu", "negative_slope", [0, 0.01, 0.05, 0.1, 0.2, 0.3])``,
    ``("elu", "alpha", ...)``, ``("swish", "beta", ...)``,
    ``("softplus", "beta", ...)``, ``("prelu", "alpha", ...)``: :math:`f` and
    :math:`f'` as the parameter moves, the default drawn dashed.
``rrelu_explorer(lower=1/8, upper=1/3, seed=0)``
    Training/evaluation choice and an upper-bound slider: sampled slopes in
    training, the fixed slope :math:`(l+u)/2` in evaluation.
``logit_explorer()``
    A probability slider: :math:`p \to p/(1-p) \to \log\frac{p}{1-p}` and the
    sigmoid mapping the log-odds back to :math:`p`, current point marked.
``depth_probe_explorer(activations, inits, depth=30, width=128, batch=256, seed=0)``
    Choose activation and initializer: per-layer activation std and gradient
    norm of :func:`lecture_kit.mlp.depth_probe` (log scales). ``"normal"`` is
    the naive :math:`\mathcal N(0, 0.01^2)` unless ``init_kwargs`` says
    otherwise; ``depths=(...)`` adds a depth slider.
``init_explorer(activation="tanh", depth=50, width=256, scales=(...), seed=0)``
    Weight variance as a multiple of Xavier's (He's for the ReLU family):
    per-layer activation std and gradient norm, the multiple 1 dashed.
``optimizer_explorer(landscape="rosenbrock", optimizers=(...), lrs=(...), betas=(...), steps=300)``
    Optimizer, learning rate and β (momentum, RMSprop's alpha, Adam's
    :math:`\beta_1`): the path on the contour plot and the loss gap.
``momentum_explorer(kappa=25, betas=(0, 0.5, 0.8, 0.9, 0.95, 0.99), lrs=(...))``
    β and learning rate on an ill-conditioned quadratic: the EMA form
    (:func:`lecture_kit.optim.momentum_ema`) and PyTorch's form
    (:func:`lecture_kit.optim.sgd` with ``momentum``) side by side, and both
    losses.
``lr_explorer(curvature=1, x0=1, steps=20)``
    Gradient descent on :math:`Lx^2/2` with the learning rate across
    :math:`1/L` and the stability bound :math:`2/L`: converge, oscillate,
    diverge.

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

__all__ = [
    "Slider",
    "Choice",
    "Explorer",
    "explorer_mode",
    "sigmoid_neuron_explorer",
    "activation_explorer",
    "activation_parameter_explorer",
    "rrelu_explorer",
    "logit_explorer",
    "depth_probe_explorer",
    "init_explorer",
    "optimizer_explorer",
    "momentum_explorer",
    "lr_explorer",
    "make_optimizer",
]

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
    labels : sequence of str, optional
        Text shown for each value instead of ``fmt`` (same length as ``values``).
    """

    name: str
    values: Sequence[Any]
    label: str | None = None
    value: Any = None
    fmt: str = "{:g}"
    labels: Sequence[str] | None = None

    def __post_init__(self):
        _check_control(self)

    @property
    def initial_index(self) -> int:
        if self.value is None:
            return (len(self.values) - 1) // 2
        return _index_of(self.values, self.value, self.name)

    def format(self, v) -> str:
        if self.labels is not None:
            return str(self.labels[_index_of(self.values, v, self.name)])
        return self.fmt.format(v)


@dataclass(frozen=True)
class Choice:
    """A drop-down choice among labelled options (strings, booleans, numbers).

    Same fields as :class:`Slider`; the initial value defaults to the first.
    """

    name: str
    values: Sequence[Any]
    label: str | None = None
    value: Any = None
    fmt: str = "{}"
    labels: Sequence[str] | None = None

    def __post_init__(self):
        _check_control(self)

    @property
    def initial_index(self) -> int:
        if self.value is None:
            return 0
        return _index_of(self.values, self.value, self.name)

    def format(self, v) -> str:
        if self.labels is not None:
            return str(self.labels[_index_of(self.values, v, self.name)])
        return self.fmt.format(v)


def _check_control(control) -> None:
    if not isinstance(control.name, str) or not control.name.isidentifier():
        raise ValueError(f"control name must be an identifier, got {control.name!r}")
    if len(control.values) == 0:
        raise ValueError(f"control {control.name!r} needs at least one value")
    if control.value is not None:
        _index_of(control.values, control.value, control.name)
    if control.labels is not None and len(control.labels) != len(control.values):
        raise ValueError(
            f"control {control.name!r} has {len(control.values)} values but "
            f"{len(control.labels)} labels"
        )


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

    def render(self, **values) -> "plots.Figure":
        """Draw the figure for one combination of control values and return it."""
        return self._render(values, layout="constrained")

    def _render(self, values: dict, layout):
        missing = {c.name for c in self.controls} - set(values)
        if missing:
            raise ValueError(f"missing control values: {sorted(missing)}")
        fig = plots.new_figure(self.width, self.height, dpi=self.dpi, layout=layout)
        self.draw(fig, **values)
        if not fig.get_suptitle() and len(fig.axes) > 1:
            fig.suptitle(self.title)
        for ax in fig.axes:
            plots.style_axes(ax)
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
        boxes = self._shared_layout(list(distinct.values()))
        cache = {}
        for key, canon in distinct.items():
            cache[key] = _compact_png(self._render_fixed(canon, boxes))
        return [(values, cache[key]) for values, key in zip(combos, keys)]

    def _shared_layout(self, distinct: list):
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

    def _render_fixed(self, values: dict, boxes):
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


_MATHTEXT_PARSER = None


def _compact_png(fig) -> bytes:
    """PNG of ``fig`` with a 128-colour palette: a third of the size, same look."""
    import io

    import numpy as np
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


# ---------------------------------------------------------------------------
# helpers shared by the explorers
# ---------------------------------------------------------------------------


def _np():
    import numpy as np

    return np


def _g(v, digits: int = 3) -> str:
    """A short number for titles and alt text (``inf``/``nan`` spelt out)."""
    np = _np()
    v = float(v)
    if np.isnan(v):
        return "nan"
    if np.isinf(v):
        return "infinity" if v > 0 else "minus infinity"
    return f"{v:.{digits}g}"


def _describe_intervals(intervals, xlim) -> str:
    if not intervals:
        return "no region of the plotted range is saturated"
    parts = []
    for lo, hi in intervals:
        left, right = lo <= xlim[0] + 1e-9, hi >= xlim[1] - 1e-9
        if left and right:
            parts.append("everywhere in the plotted range")
        elif left:
            parts.append(f"x < {hi:.2g}")
        elif right:
            parts.append(f"x > {lo:.2g}")
        else:
            parts.append(f"{lo:.2g} < x < {hi:.2g}")
    return "saturated (shaded) for " + " and ".join(parts)


def _log_limits(arrays, max_decades: float = 40.0):
    """Common limits (whole decades) of a log axis for every frame of an explorer."""
    np = _np()
    values = np.concatenate([np.ravel(np.asarray(a, dtype=np.float64)) for a in arrays])
    values = values[np.isfinite(values) & (values > 0)]
    if values.size == 0:
        return None
    hi = 10.0 ** np.ceil(np.log10(values.max()) + 1e-9)
    lo = 10.0 ** np.floor(np.log10(values.min()) - 1e-9)
    lo = max(lo, hi * 10.0 ** -max_decades)
    if hi / lo < 100:
        lo, hi = lo / 10, hi * 10
    return lo, hi


def _fix_log_axis(ax, limits) -> None:
    """Log scale with the given limits, labels on whole decades only."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    if limits is None:
        return
    ax.set_yscale("log")
    ax.set_ylim(*limits)
    ax.yaxis.set_major_locator(LogLocator(base=10.0, numticks=6))
    ax.yaxis.set_major_formatter(FuncFormatter(_power_of_ten))
    ax.yaxis.set_minor_formatter(NullFormatter())


_SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _power_of_ten(value, _pos=None) -> str:
    """``10⁻⁴`` for 1e-4 in plain Unicode (no mathtext to parse in every frame)."""
    np = _np()
    if not value > 0:
        return ""
    exponent = np.log10(value)
    if abs(exponent - round(exponent)) > 1e-6:
        return ""
    return "10" + str(int(round(exponent))).translate(_SUPERSCRIPTS)


def _colour(k: int) -> str:
    return plots.PALETTE[k % len(plots.PALETTE)]


def _numeric(values) -> bool:
    import numbers

    return all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in values)


def _first_nonfinite(path):
    """Index of the first row of ``path`` that is not finite (or len(path))."""
    np = _np()
    bad = ~np.all(np.isfinite(path), axis=-1)
    return int(np.argmax(bad)) if bad.any() else len(path)


def _clip_path(path, bounds, factor: float = 3.0):
    """Cut a path where it becomes non-finite or leaves ``factor`` times the box.

    Returns the kept part and the step at which it was cut (None if complete).
    """
    np = _np()
    (x0, x1), (y0, y1) = bounds
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    hx, hy = factor * (x1 - x0) / 2, factor * (y1 - y0) / 2
    with np.errstate(invalid="ignore"):
        inside = (np.abs(path[:, 0] - cx) <= hx) & (np.abs(path[:, 1] - cy) <= hy)
    if inside.all():
        return path, None
    cut = int(np.argmax(~inside))
    return path[: max(cut, 1)], cut


# ---------------------------------------------------------------------------
# activation functions
# ---------------------------------------------------------------------------

DEFAULT_ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu", "swish",
                       "softplus")


def activation_explorer(names=DEFAULT_ACTIVATIONS, xlim=(-6.0, 6.0),
                        threshold: float = 0.05) -> Explorer:
    r"""Choose an activation; see :math:`f` and :math:`f'` side by side.

    Regions where :math:`|f'(x)| <` ``threshold`` (saturated: the unit passes
    back less than that fraction of a gradient) are shaded, as in
    :func:`lecture_kit.plots.activation_and_derivative`.

    Parameters
    ----------
    names : sequence of str
        Registry names (default parameters), one frame each.
    xlim : (float, float)
    threshold : float, default 0.05

    Examples
    --------
    >>> exp = activation_explorer(("sigmoid", "relu"))
    >>> exp.n_frames, "saturated (shaded) for x < 0" in exp.alt_text(name="relu")
    (2, True)
    """
    from . import activations, plots

    names = list(names)
    acts = {n: activations.get(n) for n in names}   # unknown names fail here
    np = _np()
    x = np.linspace(float(xlim[0]), float(xlim[1]), 601)

    def draw(fig, name):
        plots.activation_and_derivative(fig, acts[name], x=x, threshold=threshold)

    def alt(name):
        spans = plots.saturated_intervals(acts[name], x, threshold)
        return (f"Left: the {name} activation f(x) for x from {xlim[0]:g} to {xlim[1]:g}; "
                f"right: its derivative f'(x), whose largest value here is "
                f"{_g(np.max(acts[name].grad(x)))}; {_describe_intervals(spans, xlim)} "
                f"(|f'| below {threshold:g}).")

    return Explorer(draw, [Choice("name", names, label="activation")],
                    title="An activation and its derivative", alt=alt)


def activation_parameter_explorer(name: str, param: str, values, xlim=(-5.0, 5.0),
                                  threshold: float = 0.05, value=None) -> Explorer:
    r"""Move one parameter of an activation; see :math:`f` and :math:`f'` change.

    The activation with its default parameters is drawn dashed grey for
    reference; saturated regions (:math:`|f'| <` ``threshold``) are shaded.

    Parameters
    ----------
    name : str
        Registry name, e.g. ``"leaky_relu"``, ``"elu"``, ``"swish"``,
        ``"softplus"``, ``"prelu"``.
    param : str
        One of its parameters (PyTorch's name), e.g. ``"negative_slope"``,
        ``"alpha"``, ``"beta"``.
    values : sequence
        The parameter values (numbers give a slider, anything else a choice).
    xlim : (float, float)
    threshold : float, default 0.05
    value : optional
        Initial value (default: the activation's default if it is among
        ``values``, else the middle one).

    Examples
    --------
    >>> exp = activation_parameter_explorer("leaky_relu", "negative_slope", [0.0, 0.01, 0.3])
    >>> exp.initial_values()                     # PyTorch's default slope
    {'negative_slope': 0.01}
    """
    from . import activations, plots

    values = list(values)
    default = activations.get(name)
    if param not in default.params:
        known = ", ".join(default.params) or "none"
        raise ValueError(f"activation {name!r} has no parameter {param!r}; its parameters: {known}")
    acts = [activations.get(name, **{param: v}) for v in values]   # bad values fail here
    if value is None:
        value = default.params[param] if default.params[param] in values else None
    np = _np()
    x = np.linspace(float(xlim[0]), float(xlim[1]), 601)
    control = (Slider(param, values, value=value) if _numeric(values)
               else Choice(param, values, value=value))

    def draw(fig, **kw):
        act = acts[_index_of(values, kw[param], param)]
        plots.activation_and_derivative(fig, act, x=x, threshold=threshold, reference=default)

    def alt(**kw):
        act = acts[_index_of(values, kw[param], param)]
        spans = plots.saturated_intervals(act, x, threshold)
        return (f"Left: {name} with {param} = {kw[param]} (solid) and with its default "
                f"{param} = {default.params[param]} (dashed grey); right: the derivatives. "
                f"At x = {xlim[0]:g} the derivative is {_g(act.grad(x[:1])[0])}; "
                f"{_describe_intervals(spans, xlim)}.")

    return Explorer(draw, [control], title=f"{name}: the parameter {param}", alt=alt)


def rrelu_explorer(lower: float = 1.0 / 8.0, upper: float = 1.0 / 3.0, seed: int = 0,
                   uppers=None, n: int = 300) -> Explorer:
    r"""Randomized leaky ReLU: sampled slopes in training, the mean slope in evaluation.

    In training every negative input gets its own slope
    :math:`a \sim U[l, u]`; in evaluation the slope is fixed at
    :math:`(l + u)/2`. Left: :math:`\mathrm{RReLU}(x)` of ``n`` inputs drawn
    uniformly on [-4, 4] (the band between :math:`l x` and :math:`u x`
    dashed). Right: the slopes used for the negative inputs (a histogram in
    training, one value in evaluation).

    Parameters
    ----------
    lower, upper : float
        :math:`l` and the initial :math:`u` (PyTorch's defaults 1/8 and 1/3).
    seed : int
        Seeds the inputs and the sampled slopes (the same for every frame).
    uppers : sequence of float, optional
        Values of the upper-bound slider (default: a few from ``lower`` to 1).
    n : int
        Number of sample inputs.

    Examples
    --------
    >>> exp = rrelu_explorer()
    >>> exp.initial_values()["mode"], round(exp.initial_values()["upper"], 4)
    ('training', 0.3333)
    """
    from . import activations

    np = _np()
    if uppers is None:
        uppers = sorted(u for u in {0.2, 0.5, 0.75, 1.0, float(upper)} if u >= lower)
    uppers = [float(u) for u in uppers]
    for u in uppers:
        activations.get("rrelu", lower=lower, upper=u)   # lower > upper fails here
    x = np.random.default_rng(seed).uniform(-4.0, 4.0, n)
    top = max(uppers) * 1.1

    def sample(mode, upper):
        act = activations.get("rrelu", lower=lower, upper=upper)
        if mode == "training":
            return act(x, training=True, rng=np.random.default_rng(seed + 1),
                       return_slopes=True)
        return act(x, return_slopes=True)

    def draw(fig, mode, upper):
        left, right = fig.subplots(1, 2)
        y, slopes = sample(mode, upper)
        neg = x <= 0
        xs = np.linspace(-4.0, 0.0, 2)
        mean = (lower + upper) / 2
        left.fill_between(xs, lower * xs, upper * xs, color="0.9", zorder=0,
                          label=f"band $l x$ to $u x$")
        left.plot([0, 4], [0, 4], color="0.5", linewidth=0.8, zorder=1)
        if mode == "training":
            left.plot(x, y, linestyle="none", marker=".", markersize=3, color=_colour(0),
                      label="RReLU(x), training (one slope per input)")
        else:
            order = np.argsort(x)
            left.plot(x[order], y[order], color=_colour(0), linewidth=2,
                      label=f"RReLU(x), evaluation: slope {mean:.3g}")
        left.set(xlabel="$x$", ylabel="RReLU$(x)$", xlim=(-4, 4), ylim=(-4 * top, 4),
                 title=f"{mode}: l = {lower:.3g}, u = {upper:.3g}")
        left.legend(loc="upper left", fontsize="small")
        if mode == "training":
            right.hist(slopes[neg], bins=20, range=(0, top), color=_colour(2),
                       label=f"sampled slopes ({int(neg.sum())} negative inputs)")
        else:
            right.bar([mean], [int(neg.sum())], width=top / 20, color=_colour(2),
                      label=f"fixed slope (l+u)/2 = {mean:.3g}")
        right.axvline(mean, color="black", linestyle="--", linewidth=1.2,
                      label="evaluation slope $(l+u)/2$")
        right.set(xlabel="slope $a$ used for $x \\leq 0$", ylabel="number of inputs",
                  xlim=(0, top), title="slopes of the negative inputs")
        right.legend(loc="upper right", fontsize="small")

    def alt(mode, upper):
        _, slopes = sample(mode, upper)
        s = slopes[x <= 0]
        if mode == "training":
            return (f"Training mode with l = {lower:.3g} and u = {upper:.3g}: the negative "
                    f"inputs are scaled by random slopes between {s.min():.3g} and "
                    f"{s.max():.3g}, so the points fill the band between l x and u x; the "
                    f"histogram of slopes is flat, with mean {s.mean():.3g} near "
                    f"(l+u)/2 = {(lower + upper) / 2:.3g}.")
        return (f"Evaluation mode with l = {lower:.3g} and u = {upper:.3g}: every negative "
                f"input is scaled by the same slope (l+u)/2 = {(lower + upper) / 2:.3g}, "
                f"a single straight line left of zero.")

    return Explorer(draw, [Choice("mode", ["training", "evaluation"]),
                           Slider("upper", uppers, label="upper bound u", value=upper,
                                  fmt="{:.3g}")],
                    title="RReLU: random slopes in training, their mean in evaluation", alt=alt)


def logit_explorer(ps=(0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98)
                   ) -> Explorer:
    r"""From a probability to odds to log-odds, and back with the sigmoid.

    For the chosen :math:`p`: the odds :math:`p/(1-p)` (left), the log-odds
    :math:`z = \log\frac{p}{1-p}` (middle), and the sigmoid
    :math:`\sigma(z) = 1/(1+e^{-z})` mapping the log-odds back to :math:`p`
    (right), each with the current point marked.

    Examples
    --------
    >>> exp = logit_explorer()
    >>> exp.initial_values()
    {'p': 0.5}
    """
    from . import activations

    np = _np()
    ps = [float(p) for p in ps]
    for p in ps:
        if not 0.0 < p < 1.0:
            raise ValueError(f"probabilities must lie strictly between 0 and 1, got {p}")
    sigmoid = activations.get("sigmoid")
    grid = np.linspace(0.005, 0.995, 400)
    odds_cap = 20.0

    def draw(fig, p):
        a, b, c = fig.subplots(1, 3)
        odds = p / (1 - p)
        z = float(np.log(p) - np.log1p(-p))
        a.plot(grid, grid / (1 - grid), color=_colour(0), linewidth=2,
               label="odds $p/(1-p)$")
        shown = min(odds, odds_cap)
        a.plot([p], [shown], marker="^" if odds > odds_cap else "o", markersize=9,
               color=_colour(1), linestyle="none", label=f"p = {p:g}")
        a.set(xlabel="probability $p$", ylabel="odds $p/(1-p)$", xlim=(0, 1),
              ylim=(0, odds_cap), title=f"1. odds = {odds:.3g}")
        b.plot(grid, np.log(grid) - np.log1p(-grid), color=_colour(0), linewidth=2,
               label=r"$\log\frac{p}{1-p}$")
        b.plot([p], [z], marker="o", markersize=9, color=_colour(1), linestyle="none")
        b.axhline(0, color="0.3", linewidth=0.6)
        b.set(xlabel="probability $p$", ylabel="log-odds $z$", xlim=(0, 1), ylim=(-5.5, 5.5),
              title=f"2. log-odds z = {z:.3g}")
        zs = np.linspace(-6, 6, 400)
        c.plot(zs, sigmoid(zs), color=_colour(2), linewidth=2,
               label=r"$\sigma(z) = 1/(1+e^{-z})$")
        c.plot([z, z], [0, p], color="0.4", linestyle=":", linewidth=1)
        c.plot([-6, z], [p, p], color="0.4", linestyle=":", linewidth=1)
        c.plot([z], [p], marker="o", markersize=9, color=_colour(1), linestyle="none")
        c.set(xlabel="log-odds $z$", ylabel=r"$\sigma(z)$", xlim=(-6, 6), ylim=(0, 1),
              title=f"3. back: σ({z:.3g}) = {p:g}")
        for ax in (a, b, c):
            ax.legend(loc="upper left", fontsize="small")

    def alt(p):
        odds = p / (1 - p)
        z = float(np.log(p) - np.log1p(-p))
        extra = " (above the top of the odds panel, marked by a triangle)" if odds > odds_cap else ""
        return (f"For probability p = {p:g}: left, the odds p/(1-p) = {odds:.3g}{extra} on the "
                f"odds curve, which grows without bound as p approaches 1; middle, the log-odds "
                f"z = {z:.3g} on the logit curve, symmetric about p = 0.5; right, the sigmoid "
                f"curve with the point (z, p) = ({z:.3g}, {p:g}): the sigmoid turns the "
                f"log-odds back into the probability.")

    return Explorer(draw, [Slider("p", ps, label="probability p", value=0.5 if 0.5 in ps else None)],
                    title="Probability → odds → log-odds → probability", alt=alt,
                    width=10.0, height=3.3)


# ---------------------------------------------------------------------------
# depth and initialization
# ---------------------------------------------------------------------------

#: Initializer keyword arguments used by :func:`depth_probe_explorer` by default:
#: "normal" means the naive small initialization N(0, 0.01²).
NAIVE_INIT = {"normal": {"std": 0.01}}


def _init_label(name, kwargs) -> str:
    if not kwargs:
        return name
    return f"{name} ({', '.join(f'{k}={v:g}' for k, v in kwargs.items())})"


def _probe_summary(probe) -> str:
    a, g = probe.activation_std, probe.grad_norm
    last = len(a) - 1
    return (f"the activation standard deviation goes from {_g(a[0])} at layer 0 to "
            f"{_g(a[-1])} at layer {last}; the weight-gradient norm goes from {_g(g[0])} at "
            f"layer 0 (nearest the input) to {_g(g[-1])} at layer {last}")


def depth_probe_explorer(activations=("sigmoid", "tanh", "relu"),
                         inits=("normal", "xavier_normal", "he_normal"),
                         depth: int = 30, width: int = 128, batch: int = 256, seed: int = 0,
                         init_kwargs=None, depths=None) -> Explorer:
    r"""The depth probe for a choice of activation and initializer.

    Each frame runs :func:`lecture_kit.mlp.depth_probe` (a standard-normal
    batch through ``depth`` square layers and back) and plots the standard
    deviation of every layer's activations and the norm of every layer's
    weight gradient, both on logarithmic axes.

    Parameters
    ----------
    activations : sequence of str
        Registry names.
    inits : sequence of str
        Names from :func:`lecture_kit.init.names`.
    depth, width, batch : int
        Size of the probe (small by default so that every frame is quick).
    seed : int
        The same seed for every frame: the input batch is the same.
    init_kwargs : dict of str to dict, optional
        Keyword arguments per initializer name. Default :data:`NAIVE_INIT`:
        ``"normal"`` is the naive :math:`\mathcal N(0, 0.01^2)` (the label
        says so). Pass ``{}`` for the initializers' own defaults.
    depths : sequence of int, optional
        If given, a third control chooses the depth among these values.

    Examples
    --------
    >>> exp = depth_probe_explorer(depth=5, width=16, batch=32)
    >>> exp.n_frames
    9
    """
    from . import activations as _acts
    from . import init as _init
    from . import mlp, plots

    activations, inits = list(activations), list(inits)
    for a in activations:
        _acts.get(a)
    for i in inits:
        _init.get(i)
    kwargs = dict(NAIVE_INIT if init_kwargs is None else init_kwargs)
    np = _np()
    cache: dict = {}
    with np.errstate(all="ignore"):
        for a in activations:
            for i in inits:
                for d in ([depth] if depths is None else [int(d) for d in depths]):
                    cache[a, i, d] = mlp.depth_probe(depth=d, width=width, activation=a,
                                                     init=i, batch=batch, rng=seed,
                                                     **kwargs.get(i, {}))
    std_limits = _log_limits([p.activation_std for p in cache.values()])
    grad_limits = _log_limits([p.grad_norm for p in cache.values()])

    def probe(activation, init, depth):
        return cache[activation, init, depth]

    def draw(fig, activation, init, depth=depth):
        p = probe(activation, init, depth)
        label = f"{activation}, {_init_label(init, kwargs.get(init))}"
        left, right = plots.depth_probe_figure(fig, {label: p})
        _fix_log_axis(left, std_limits)
        _fix_log_axis(right, grad_limits)
        ratio = p.grad_norm[0] / p.grad_norm[-1] if p.grad_norm[-1] else float("nan")
        fig.suptitle(f"{label}, {depth} layers of width {width}: "
                     f"gradient norm layer 0 / layer {depth - 1} = {_g(ratio, 2)}")

    def alt(activation, init, depth=depth):
        p = probe(activation, init, depth)
        return (f"Depth probe for {activation} with {_init_label(init, kwargs.get(init))} "
                f"initialization, {depth} layers of width {width}, log scales: "
                f"{_probe_summary(p)}.")

    controls = [Choice("activation", activations),
                Choice("init", inits, label="initializer",
                       labels=[_init_label(i, kwargs.get(i)) for i in inits])]
    if depths is not None:
        controls.append(Slider("depth", [int(d) for d in depths], label="depth",
                               value=depth if depth in depths else None))
    return Explorer(draw, controls, title="Depth probe: signal and gradient through the layers",
                    alt=alt, width=9.0, height=3.4)


_HE_ACTIVATIONS = ("relu", "leaky_relu", "prelu", "rrelu", "relu6")


def init_explorer(activation: str = "tanh", depth: int = 50, width: int = 256,
                  scales=(0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0), seed: int = 0,
                  batch: int = 256, base: str | None = None) -> Explorer:
    r"""Scale the weight variance and watch the per-layer statistics of a deep net.

    Weights are :math:`\mathcal N(0, s\,\sigma_0^2)` with :math:`\sigma_0^2`
    the Xavier variance :math:`2/(n_\text{in} + n_\text{out}) = 1/n` (the He
    variance :math:`2/n` for the ReLU family) and :math:`s` the slider. Each
    frame runs :func:`lecture_kit.mlp.depth_probe` and plots the activation
    standard deviation and the weight-gradient norm per layer (log scales),
    with the :math:`s = 1` run dashed for reference.

    Parameters
    ----------
    activation : str
        Registry name.
    depth, width, batch : int
    scales : sequence of float
        Variance multipliers :math:`s`.
    seed : int
        The same for every frame (same input, same random directions).
    base : {"xavier", "he"}, optional
        The reference variance; default He for relu, leaky_relu, prelu,
        rrelu, relu6 and Xavier otherwise.

    Examples
    --------
    >>> exp = init_explorer("relu", depth=5, width=16, batch=32, scales=(0.5, 1.0, 2.0))
    >>> exp.title
    'Initialization scale: Var(w) = s × He variance, relu'
    """
    from . import activations as _acts
    from . import init as _init
    from . import mlp, plots

    _acts.get(activation)
    if base is None:
        base = "he" if activation in _HE_ACTIVATIONS else "xavier"
    if base not in ("xavier", "he"):
        raise ValueError(f"base must be 'xavier' or 'he', got {base!r}")
    std0 = _init.he_std(width, width) if base == "he" else _init.xavier_std(width, width)
    scales = [float(s) for s in scales]
    for s in scales:
        if not s > 0:
            raise ValueError(f"variance scales must be positive, got {s}")
    name = "He" if base == "he" else "Xavier"
    np = _np()
    cache: dict = {}
    with np.errstate(all="ignore"):
        for scale in sorted(set(scales) | {1.0}):
            cache[scale] = mlp.depth_probe(depth=depth, width=width, activation=activation,
                                           init="normal", std=std0 * scale ** 0.5,
                                           batch=batch, rng=seed)
    std_limits = _log_limits([p.activation_std for p in cache.values()])
    grad_limits = _log_limits([p.grad_norm for p in cache.values()])

    def probe(scale):
        return cache[scale]

    def draw(fig, scale):
        runs = {f"s = {scale:g}": probe(scale)}
        if scale != 1.0:
            runs[f"s = 1 ({name})"] = probe(1.0)
        left, right = plots.depth_probe_figure(fig, runs)
        _fix_log_axis(left, std_limits)
        _fix_log_axis(right, grad_limits)
        for ax in (left, right):
            if len(ax.lines) > 1:
                ax.lines[1].set(color="0.5", linestyle="--", linewidth=1.2)
            ax.legend(loc="best", fontsize="small")
        fig.suptitle(f"{activation}, {depth} layers: Var(w) = {scale:g} × {name} "
                     f"= {scale * std0 ** 2:.3g}")

    def alt(scale):
        return (f"{activation} network of {depth} layers with weight variance {scale:g} times "
                f"the {name} variance: {_probe_summary(probe(scale))}."
                + ("" if scale == 1.0 else f" The dashed grey curves are the {name} "
                   f"initialization for comparison."))

    return Explorer(draw, [Slider("scale", scales, label=f"variance scale s (× {name})",
                                  value=1.0 if 1.0 in scales else None)],
                    title=f"Initialization scale: Var(w) = s × {name} variance, {activation}",
                    alt=alt, width=9.0, height=3.4)


# ---------------------------------------------------------------------------
# optimizers
# ---------------------------------------------------------------------------

#: What the β control means for each optimizer name of :func:`optimizer_explorer`.
BETA_MEANING = {
    "momentum": "momentum μ",
    "nesterov": "momentum μ",
    "momentum_ema": "β",
    "rmsprop": "alpha",
    "adam": "β₁",
    "adamw": "β₁",
    "adadelta": "rho",
}

OPTIMIZER_NAMES = ("sgd", "momentum", "nesterov", "momentum_ema", "rmsprop", "adagrad",
                   "adadelta", "adam", "adamw")


def make_optimizer(name: str, lr: float, beta: float | None = None):
    """The optimizer an explorer calls ``name``, with learning rate and β.

    ``"momentum"`` and ``"nesterov"`` are :func:`lecture_kit.optim.sgd` with
    ``momentum=beta`` (and ``nesterov=True``); β is RMSprop's ``alpha``,
    Adam's first ``beta``, Adadelta's ``rho`` and :func:`momentum_ema`'s
    ``beta`` (see :data:`BETA_MEANING`); SGD and Adagrad ignore it. ``None``
    keeps the optimizer's default.

    >>> make_optimizer("nesterov", 0.1, 0.9)
    sgd(lr=0.1, momentum=0.9, dampening=0.0, nesterov=True, weight_decay=0.0)
    """
    from . import optim

    if name not in OPTIMIZER_NAMES:
        raise ValueError(f"Unknown optimizer {name!r}; known: {', '.join(OPTIMIZER_NAMES)}")
    if name == "sgd":
        return optim.sgd(lr=lr)
    if name == "adagrad":
        return optim.adagrad(lr=lr)
    if name in ("momentum", "nesterov"):
        return optim.sgd(lr=lr, momentum=0.9 if beta is None else beta,
                         nesterov=name == "nesterov")
    extra = {}
    if beta is not None:
        extra = {"momentum_ema": {"beta": beta}, "rmsprop": {"alpha": beta},
                 "adam": {"betas": (beta, 0.999)}, "adamw": {"betas": (beta, 0.999)},
                 "adadelta": {"rho": beta}}[name]
    return optim.get(name, lr=lr, **extra)


def _optimizer_label(name, lr, beta) -> str:
    if name in BETA_MEANING:
        return f"{name}, lr={lr:g}, {BETA_MEANING[name]}={beta:g}"
    return f"{name}, lr={lr:g}"


def _run(opt, landscape, start, steps):
    """A trajectory that may diverge quietly: the explorers show divergence."""
    from . import optim

    np = _np()
    with np.errstate(all="ignore"):
        return optim.trajectory(opt, landscape.grad, start, steps)


def _gap(landscape, path):
    """f(path) - f_min (or f(path) when there is no minimum), non-finite kept."""
    np = _np()
    with np.errstate(all="ignore"):
        f = np.asarray(landscape.f(path), dtype=np.float64)
    return f - landscape.f_min if landscape.f_min is not None else f


def _loss_panel(ax, curves, log: bool, ylabel: str):
    np = _np()
    for k, (label, values) in enumerate(curves.items()):
        v = np.asarray(values, dtype=np.float64)
        if log:
            v = np.where(v > 0, v, np.nan)
        ax.plot(np.arange(v.size), v, color=_colour(k), linestyle=plots.LINESTYLES[k],
                linewidth=1.8, label=label)
    finite = [np.isfinite(np.asarray(v, dtype=np.float64)) & (np.asarray(v) > 0)
              for v in curves.values()]
    if log and any(f.any() for f in finite):
        ax.set_yscale("log")
    ax.set_xlabel("iteration $t$")
    ax.set_ylabel(ylabel)
    ax.legend(loc="best", fontsize="small")


def optimizer_explorer(landscape="rosenbrock",
                       optimizers=("sgd", "momentum", "nesterov", "rmsprop", "adam"),
                       lrs=(1e-4, 1e-3, 1e-2, 1e-1), betas=(0.5, 0.9),
                       steps: int = 300, start=None, resolution: int = 120) -> Explorer:
    r"""Choose an optimizer, its learning rate and β; watch its path on a landscape.

    Left: the path of ``steps`` updates on the level sets of the landscape
    (:func:`lecture_kit.landscapes.contour`); right: :math:`f(x_t) - f_{\min}`
    against the iteration, log scale. A path that leaves three times the
    plotted box (or overflows) is cut there and called diverged.

    Parameters
    ----------
    landscape : str or Landscape
        A name from :func:`lecture_kit.landscapes.names` or a landscape.
    optimizers : sequence of str
        From ``"sgd", "momentum", "nesterov", "momentum_ema", "rmsprop",
        "adagrad", "adadelta", "adam", "adamw"`` (see :func:`make_optimizer`).
    lrs : sequence of float
        Learning rates of the slider.
    betas : sequence of float
        Values of the β slider (its meaning per optimizer is in
        :data:`BETA_MEANING`; optimizers without a β ignore it, and those
        frames are drawn once).
    steps : int
    start : array_like of shape (2,), optional
        Default: the landscape's own starting point.
    resolution : int
        Grid points per axis of the contour plot.

    Examples
    --------
    >>> exp = optimizer_explorer(lrs=(1e-3, 1e-2), betas=(0.9,), steps=10)
    >>> exp.n_frames
    10
    """
    from . import landscapes

    np = _np()
    land = landscapes.get(landscape) if isinstance(landscape, str) else landscape
    optimizers, lrs, betas = list(optimizers), [float(v) for v in lrs], [float(v) for v in betas]
    for name in optimizers:
        make_optimizer(name, lrs[0], betas[0])   # unknown names fail here
    x0 = np.array(land.start if start is None else start, dtype=np.float64)
    cache: dict = {}

    def canonical(optimizer, lr, beta):
        return {"beta": beta if optimizer in BETA_MEANING else betas[0]}

    for o in optimizers:
        for lr in lrs:
            for beta in {canonical(o, lr, b)["beta"] for b in betas}:
                cache[o, lr, beta] = _run(make_optimizer(o, lr, beta), land, x0, steps)
    limits = (_log_limits([_gap(land, _clip_path(p, land.bounds)[0]) for p in cache.values()],
                          max_decades=16) if land.f_min is not None else None)

    def path(optimizer, lr, beta):
        return cache[optimizer, lr, beta]

    def draw(fig, optimizer, lr, beta):
        left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.25, 1]})
        full = path(optimizer, lr, beta)
        shown, cut = _clip_path(full, land.bounds)
        label = _optimizer_label(optimizer, lr, beta)
        plots.trajectories_on_contour(left, land, {label: shown}, resolution=resolution,
                                      title=f"{land.name}, {steps} steps")
        gap = _gap(land, full[: len(shown)])
        _loss_panel(right, {label: gap}, log=land.f_min is not None,
                    ylabel=r"$f(x_t) - f_{\min}$" if land.f_min is not None else "$f(x_t)$")
        right.set_xlim(0, steps)
        _fix_log_axis(right, limits)
        status = (f"diverged at step {cut}" if cut is not None
                  else f"final gap {_g(gap[-1])}")
        right.set_title(f"loss: {status}")

    def alt(optimizer, lr, beta):
        full = path(optimizer, lr, beta)
        shown, cut = _clip_path(full, land.bounds)
        label = _optimizer_label(optimizer, lr, beta)
        start_txt = f"from ({x0[0]:g}, {x0[1]:g})"
        if cut is not None:
            end = f"the path diverges: it leaves the plotted region at step {cut}"
        else:
            end = (f"after {steps} steps it ends at ({shown[-1, 0]:.3g}, {shown[-1, 1]:.3g}) "
                   f"with f minus its minimum equal to {_g(_gap(land, shown[-1]))}")
        return (f"Contour plot of the {land.name} landscape with the path of {label} "
                f"{start_txt}; {end}. Right: the loss gap per iteration on a log scale.")

    return Explorer(draw, [Choice("optimizer", optimizers),
                           Slider("lr", lrs, label="learning rate"),
                           Slider("beta", betas, label="β (momentum, alpha, β₁ or rho)",
                                  value=0.9 if 0.9 in betas else None)],
                    title=f"Optimizers on the {land.name} landscape", alt=alt,
                    canonical=canonical, width=9.5, height=3.8)


def momentum_explorer(kappa: float = 25.0, betas=(0.0, 0.5, 0.8, 0.9, 0.95, 0.99),
                      lrs=(0.01, 0.03, 0.06, 0.1), steps: int = 80,
                      resolution: int = 100) -> Explorer:
    r"""Momentum on an ill-conditioned quadratic: the EMA form and PyTorch's form.

    With the same learning rate :math:`\gamma` and coefficient :math:`\beta`:

    * EMA form (:func:`lecture_kit.optim.momentum_ema`):
      :math:`v_t = \beta v_{t-1} + (1-\beta) g_t`, :math:`\theta_t =
      \theta_{t-1} - \gamma v_t`;
    * PyTorch form (:func:`lecture_kit.optim.sgd` with ``momentum``):
      :math:`b_t = \beta b_{t-1} + g_t`, :math:`\theta_t = \theta_{t-1} -
      \gamma b_t`.

    The two are the same method once the EMA learning rate is
    :math:`\gamma/(1-\beta)`: at equal :math:`\gamma` the EMA form takes steps
    :math:`1-\beta` times as long. Left and middle: the two paths on
    :math:`\tfrac12(\mu x^2 + L y^2)` with :math:`L/\mu` = ``kappa``; right:
    the loss of both against the iteration (log scale). Plain gradient descent
    is stable for :math:`\gamma < 2/L`, heavy ball in PyTorch's form for
    :math:`\gamma < 2(1+\beta)/L`.

    Examples
    --------
    >>> exp = momentum_explorer()
    >>> exp.n_frames
    24
    """
    from . import landscapes, optim

    np = _np()
    land = landscapes.ill_conditioned_quadratic(kappa=kappa)
    betas, lrs = [float(b) for b in betas], [float(v) for v in lrs]
    for b in betas:
        if not 0.0 <= b < 1.0:
            raise ValueError(f"momentum coefficients must lie in [0, 1), got {b}")
    cache: dict = {}
    for beta in betas:
        for lr in lrs:
            cache[beta, lr] = (
                _run(optim.momentum_ema(lr=lr, beta=beta), land, land.start, steps),
                _run(optim.sgd(lr=lr, momentum=beta), land, land.start, steps),
            )
    limits = _log_limits([_gap(land, _clip_path(p, land.bounds)[0])
                          for pair in cache.values() for p in pair], max_decades=16)

    def paths(beta, lr):
        return cache[beta, lr]

    def draw(fig, beta, lr):
        a, b, c = fig.subplots(1, 3, gridspec_kw={"width_ratios": [1.2, 1.2, 1]})
        ema, tf = paths(beta, lr)
        ema_shown, ema_cut = _clip_path(ema, land.bounds)
        tf_shown, tf_cut = _clip_path(tf, land.bounds)
        plots.trajectories_on_contour(a, land, {"EMA form": ema_shown}, resolution=resolution,
                                      title=f"EMA: $v=\\beta v+(1-\\beta)g$")
        plots.trajectories_on_contour(b, land, {"PyTorch form": tf_shown},
                                      resolution=resolution,
                                      title=f"PyTorch: $b=\\beta b+g$")
        b.lines[0].set_color(_colour(1))
        _loss_panel(c, {"EMA form": _gap(land, ema[: len(ema_shown)]),
                        "PyTorch form": _gap(land, tf[: len(tf_shown)])},
                    log=True, ylabel="$f(x_t)$")
        c.set_xlim(0, steps)
        _fix_log_axis(c, limits)
        c.set_title("loss")
        fig.suptitle(f"κ = {kappa:g}, β = {beta:g}, lr = {lr:g} "
                     f"(2/L = {2 / land.L:.3g}, 2(1+β)/L = {2 * (1 + beta) / land.L:.3g})")

    def alt(beta, lr):
        ema, tf = paths(beta, lr)
        parts = []
        for name, p in (("EMA form", ema), ("PyTorch form", tf)):
            shown, cut = _clip_path(p, land.bounds)
            if cut is not None:
                parts.append(f"the {name} diverges (leaves the plot at step {cut})")
            else:
                parts.append(f"the {name} ends with loss {_g(_gap(land, shown[-1]))}")
        return (f"Momentum with beta = {beta:g} and learning rate {lr:g} on a quadratic with "
                f"condition number {kappa:g}, {steps} steps from ({land.start[0]:g}, "
                f"{land.start[1]:g}): {parts[0]}; {parts[1]}. The right panel shows both "
                f"losses per iteration on a log scale.")

    return Explorer(draw, [Slider("beta", betas, label="momentum β",
                                  value=0.9 if 0.9 in betas else None),
                           Slider("lr", lrs, label="learning rate")],
                    title="Momentum: the EMA form and PyTorch's form", alt=alt,
                    width=11.0, height=3.6)


def lr_explorer(curvature: float = 1.0, x0: float = 1.0, steps: int = 20,
                lrs=None) -> Explorer:
    r"""Gradient descent on :math:`f(x) = \tfrac{L}{2}x^2` across the stability bound.

    The iterates are :math:`x_{t+1} = x_t - \eta L x_t = (1 - \eta L)\,x_t`,
    so :math:`x_t = (1-\eta L)^t x_0`. With :math:`L` = ``curvature``:

    * :math:`0 < \eta < 1/L`: monotone convergence;
    * :math:`\eta = 1/L`: the minimum in one step;
    * :math:`1/L < \eta < 2/L`: oscillating convergence;
    * :math:`\eta = 2/L`: endless oscillation between :math:`\pm x_0`;
    * :math:`\eta > 2/L`: divergence, :math:`|x_t|` grows like
      :math:`|1-\eta L|^t`.

    Left: the parabola with the iterates on it; right: :math:`f(x_t)` against
    :math:`t` (log scale).

    Parameters
    ----------
    curvature : float
        :math:`L > 0`.
    x0 : float
        Starting point (non-zero).
    steps : int
    lrs : sequence of float, optional
        Learning rates of the slider; default
        :math:`\eta L \in \{0.1, 0.5, 0.9, 1, 1.5, 1.9, 2, 2.1, 2.5\}`.

    Examples
    --------
    >>> exp = lr_explorer()
    >>> round(exp.initial_values()["lr"], 3)
    1.0
    """
    np = _np()
    L = float(curvature)
    if not L > 0:
        raise ValueError(f"curvature must be positive, got {curvature!r}")
    if x0 == 0:
        raise ValueError("x0 must be non-zero (0 is already the minimum)")
    if lrs is None:
        lrs = [m / L for m in (0.1, 0.5, 0.9, 1.0, 1.5, 1.9, 2.0, 2.1, 2.5)]
    lrs = [float(v) for v in lrs]
    R = 2.5 * abs(x0)

    def iterates(lr):
        return x0 * (1.0 - lr * L) ** np.arange(steps + 1)

    limits = _log_limits([0.5 * L * iterates(lr) ** 2 for lr in lrs], max_decades=16)

    def regime(lr):
        m = lr * L
        if np.isclose(m, 1.0):
            return "reaches the minimum in one step"
        if np.isclose(m, 2.0):
            return "oscillates between +x0 and -x0 forever"
        if m < 1:
            return "converges monotonically"
        if m < 2:
            return "oscillates and converges"
        return "diverges"

    def draw(fig, lr):
        left, right = fig.subplots(1, 2)
        xs = np.linspace(-R, R, 300)
        left.plot(xs, 0.5 * L * xs * xs, color="0.4", linewidth=1.2, label="$f(x) = Lx^2/2$")
        it = iterates(lr)
        keep = np.abs(it) <= R
        n = int(np.argmin(keep)) if not keep.all() else len(it)
        shown = it[: max(n, 1)]
        left.plot(shown, 0.5 * L * shown * shown, color=_colour(0), marker="o",
                  markersize=4, linewidth=1.0, label="iterates $x_t$")
        left.plot(shown[:1], 0.5 * L * shown[:1] ** 2, linestyle="none", marker="o",
                  markersize=9, markerfacecolor="white", markeredgecolor=_colour(0),
                  label="$x_0$")
        left.set(xlabel="$x$", ylabel="$f(x)$", xlim=(-R, R), ylim=(0, 0.5 * L * R * R),
                 title=f"η L = {lr * L:.3g}: {regime(lr)}")
        left.legend(loc="upper center", fontsize="small")
        loss = 0.5 * L * it * it
        _loss_panel(right, {"$f(x_t)$": loss}, log=True, ylabel="$f(x_t)$")
        _fix_log_axis(right, limits)
        right.axhline(0.5 * L * x0 * x0, color="0.5", linestyle=":", linewidth=1)
        right.set_title(f"|1 − ηL| = {abs(1 - lr * L):.3g} per step")
        fig.suptitle(f"learning rate η = {lr:.3g}, stability bound 2/L = {2 / L:.3g}")

    def alt(lr):
        it = iterates(lr)
        return (f"Gradient descent on f(x) = {L:g} x^2 / 2 from x0 = {x0:g} with learning rate "
                f"{lr:.3g} (eta L = {lr * L:.3g}, bound 2/L = {2 / L:.3g}): the iterate "
                f"{regime(lr)}; after {steps} steps x = {_g(it[-1])}. Left: the iterates on "
                f"the parabola; right: the loss per step on a log scale.")

    labels = [f"{lr:.3g} (ηL = {lr * L:.3g})" for lr in lrs]
    start = 1.0 / L if any(np.isclose(v, 1.0 / L) for v in lrs) else None
    if start is not None:
        start = lrs[int(np.argmin([abs(v - 1.0 / L) for v in lrs]))]
    return Explorer(draw, [Slider("lr", lrs, label="learning rate η", value=start,
                                  labels=labels)],
                    title="Learning rate and the stability bound 2/L", alt=alt)
