r"""The chapter explorers of the activation functions (above the explorer engine).

See :mod:`lecture_kit.widgets` for the list of every explorer of the course.
"""

from __future__ import annotations

import numpy as np

from .. import activations, plots
from ..axes import colour, describe_intervals, is_numeric, short_number
from ..explorer import Choice, Explorer, Slider, index_of

__all__ = ["sigmoid_neuron_explorer", "default_activations", "activation_explorer",
           "activation_parameter_explorer", "rrelu_explorer", "logit_explorer"]


def sigmoid_neuron_explorer(
    weights=(0.25, 0.5, 1.0, 2.0, 4.0), biases=(-4.0, -2.0, 0.0, 2.0, 4.0)
) -> Explorer:
    """Explore one sigmoid neuron ``a = σ(w x + b)`` and its slope ``da/dx``.

    The weight ``w`` sets the steepness and the bias ``b`` moves the curve:
    the midpoint sits at ``x = -b / w``. The right panel shows
    ``da/dx = w σ'(w x + b)``, whose peak is ``w / 4``.
    """

    sigmoid = activations.get("sigmoid")
    x = np.linspace(-8.0, 8.0, 401)

    def draw(fig, w, b):
        left, right = fig.subplots(1, 2)
        z = w * x + b
        left.plot(x, sigmoid(z), label=r"$\sigma(wx+b)$")
        left.axvline(-b / w, color="0.5", linewidth=0.8, linestyle=":")
        left.set(xlabel="input $x$", ylabel="output $a$", ylim=(-0.05, 1.05),
                 title="output $a = \\sigma(wx+b)$")
        right.plot(x, w * sigmoid.grad(z), label=r"$w\,\sigma'(wx+b)$")
        right.axhline(w / 4, color="0.5", linewidth=0.8, linestyle=":")
        right.set(xlabel="input $x$", ylabel=r"slope $da/dx$", ylim=(0, 1.1),
                  title="slope $da/dx$")
        fig.suptitle(f"midpoint x = −b/w = {_g(-b / w)}, peak slope w/4 = {_g(w / 4)}")

    return Explorer(
        draw,
        [Slider("w", list(weights), label="weight w", value=1.0),
         Slider("b", list(biases), label="bias b", value=0.0)],
        title="One sigmoid neuron: a = σ(w·x + b)",
        alt=("Left: the output a = σ(w x + b) of one sigmoid neuron (σ the logistic "
             "sigmoid) for weight w = {w} and bias b = {b}, an S-shaped curve from 0 to 1 "
             "with its midpoint dotted. Right: its slope da/dx, a bump whose peak is dotted."),
        result=lambda w, b: (f"the midpoint, where a = 0.5, is at x = −b/w = {_g(-b / w)}; "
                             f"the slope peaks there at w/4 = {_g(w / 4)}"),
        key="sigmoid-neuron",
    )


def _g(v, digits: int = 3) -> str:
    """A short number with no negative zero ("0", never "-0")."""
    v = float(v) + 0.0
    text = f"{v:.{digits}g}"
    return "0" if text in ("-0", "0") else text.replace("-", "−")


def _short_titles(axes) -> None:
    """Panel titles that fit a phone; no legend (the caption says what is drawn)."""
    ax_f, ax_df = axes
    ax_f.set_title("value $f(x)$")
    ax_df.set_title("derivative $f'(x)$")
    for ax in axes:
        if ax.get_legend() is not None:
            ax.get_legend().remove()


def _spans(act, x, threshold):
    """Saturated intervals with their ends snapped to the grid (no "x < 0.0067" for 0)."""
    step = float(x[1] - x[0])
    out = []
    for lo, hi in plots.saturated_intervals(act, x, threshold):
        lo = 0.0 if abs(lo) < step else lo
        hi = 0.0 if abs(hi) < step else hi
        out.append((lo, hi))
    return out


def default_activations() -> tuple:
    """The activations whose class says the activation explorer shows them, in course order.

    Each activation declares it (``shown_in``), so a new activation class
    appears here with no table to edit.

    Examples
    --------
    >>> default_activations()[:3]
    ('sigmoid', 'tanh', 'relu')
    """
    return tuple(n for n in activations.names()
                 if "activation_explorer" in activations.get(n).shown_in)


def __getattr__(name):
    if name == "DEFAULT_ACTIVATIONS":  # the old constant, now computed from the classes
        return default_activations()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def activation_explorer(names=None, xlim=(-6.0, 6.0),
                        threshold: float = 0.05) -> Explorer:
    r"""Choose an activation; see :math:`f` and :math:`f'` side by side.

    Regions where :math:`|f'(x)| <` ``threshold`` (saturated: the unit passes
    back less than that fraction of a gradient) are shaded, as in
    :func:`lecture_kit.plots.activation_and_derivative`.

    Parameters
    ----------
    names : sequence of str, optional
        Registry names (default parameters), one frame each; default
        :func:`default_activations`.
    xlim : (float, float)
    threshold : float, default 0.05

    Examples
    --------
    >>> exp = activation_explorer(("sigmoid", "relu"))
    >>> exp.n_frames, "saturated (shaded) for x < 0" in exp.alt_text(name="relu")
    (2, True)
    """

    names = list(default_activations() if names is None else names)
    acts = {n: activations.get(n) for n in names}   # unknown names fail here
    x = np.linspace(float(xlim[0]), float(xlim[1]), 601)

    def draw(fig, name):
        _short_titles(plots.activation_and_derivative(fig, acts[name], x=x, threshold=threshold))
        fig.suptitle(f"{name}: f and its derivative f'; shaded where |f'| < {threshold:g}")

    def alt(name):
        return (f"Left: the {name} activation f(x) for x from {xlim[0]:g} to {xlim[1]:g}; "
                f"right: its derivative f'(x), with the saturated regions, where |f'(x)| "
                f"< {threshold:g}, shaded.")

    def result(name):
        spans = _spans(acts[name], x, threshold)
        return (f"the largest value of f' here is {short_number(np.max(acts[name].grad(x)))}; "
                f"{describe_intervals(spans, xlim)}")

    return Explorer(draw, [Choice("name", names, label="activation")],
                    title="An activation and its derivative", alt=alt, result=result,
                    key="activation")


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

    values = list(values)
    default = activations.get(name)
    if param not in default.params:
        known = ", ".join(default.params) or "none"
        raise ValueError(f"activation {name!r} has no parameter {param!r}; its parameters: {known}")
    acts = [activations.get(name, **{param: v}) for v in values]   # bad values fail here
    if value is None:
        value = default.params[param] if default.params[param] in values else None
    x = np.linspace(float(xlim[0]), float(xlim[1]), 601)
    control = (Slider(param, values, value=value) if is_numeric(values)
               else Choice(param, values, value=value))

    def draw(fig, **kw):
        act = acts[index_of(values, kw[param], param)]
        _short_titles(plots.activation_and_derivative(fig, act, x=x, threshold=threshold,
                                                      reference=default))
        shown = f"{kw[param]:g}" if is_numeric(values) else f"{kw[param]}"
        fig.suptitle(f"solid: {name} with {param} = {shown}; dashed grey: the default "
                     f"{param} = {default.params[param]}; shaded where |f'| < {threshold:g}")

    def alt(**kw):
        return (f"Left: the activation f = {name} with {param} = {kw[param]} (solid) and with "
                f"its default {param} = {default.params[param]} (dashed grey), for x from "
                f"{xlim[0]:g} to {xlim[1]:g}; right: their derivatives f'(x), the regions where "
                f"|f'(x)| < {threshold:g} shaded.")

    def result(**kw):
        act = acts[index_of(values, kw[param], param)]
        spans = _spans(act, x, threshold)
        return (f"at x = {xlim[0]:g} the derivative f' is {short_number(act.grad(x[:1])[0])} "
                f"and f is {short_number(act(x[:1])[0])}; {describe_intervals(spans, xlim)}")

    return Explorer(draw, [control], title=f"{name}: the parameter {param}", alt=alt,
                    result=result, key=f"{name}-{param}".replace("_", "-"))


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
            left.plot(x, y, linestyle="none", marker=".", markersize=3, color=colour(0),
                      label="RReLU(x), training (one slope per input)")
        else:
            order = np.argsort(x)
            left.plot(x[order], y[order], color=colour(0), linewidth=2,
                      label=f"RReLU(x), evaluation: slope {mean:.3g}")
        left.set(xlabel="$x$", ylabel="RReLU$(x)$", xlim=(-4, 4), ylim=(-4 * top, 4),
                 title="RReLU$(x)$")
        if mode == "training":
            right.hist(slopes[neg], bins=20, range=(0, top), color=colour(2),
                       label=f"sampled slopes ({int(neg.sum())} negative inputs)")
        else:
            right.bar([mean], [int(neg.sum())], width=top / 20, color=colour(2),
                      label=f"fixed slope (l+u)/2 = {mean:.3g}")
        right.axvline(mean, color="black", linestyle="--", linewidth=1.2,
                      label="evaluation slope $(l+u)/2$")
        right.set(xlabel="slope $a$ used for $x \\leq 0$", ylabel="number of inputs",
                  xlim=(0, top), title="slopes of the inputs $x < 0$")
        fig.suptitle(f"{mode}: l = {lower:.3g}, u = {upper:.3g}; grey band from l x to u x; "
                     f"dashed: the evaluation slope (l+u)/2 = {mean:.3g}")

    def alt(mode, upper):
        return (f"Randomized leaky ReLU (RReLU) in {mode} mode with lower bound l = "
                f"{lower:.3g} and upper bound u = {upper:.3g}, on {n} inputs x from -4 to 4. "
                f"Left: RReLU(x), with the band between the lines l x and u x shaded; right: "
                f"a histogram of the slopes a applied to the negative inputs.")

    def result(mode, upper):
        _, slopes = sample(mode, upper)
        s = slopes[x <= 0]
        if mode == "training":
            return (f"the negative inputs are scaled by random slopes between {s.min():.3g} "
                    f"and {s.max():.3g}, so the points fill the band; the slopes are spread "
                    f"flat, with mean {s.mean():.3g} near (l+u)/2 = {(lower + upper) / 2:.3g}")
        return (f"every negative input is scaled by the same slope (l+u)/2 = "
                f"{(lower + upper) / 2:.3g}: a single straight line left of zero")

    return Explorer(draw, [Choice("mode", ["training", "evaluation"]),
                           Slider("upper", uppers, label="upper bound u", value=upper,
                                  fmt="{:.3g}")],
                    title="RReLU: random slopes in training, their mean in evaluation", alt=alt,
                    result=result, key="rrelu")


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
        a.plot(grid, grid / (1 - grid), color=colour(0), linewidth=2,
               label="odds $p/(1-p)$")
        shown = min(odds, odds_cap)
        a.plot([p], [shown], marker="^" if odds > odds_cap else "o", markersize=9,
               color=colour(1), linestyle="none", label=f"p = {p:g}")
        a.set(xlabel="probability $p$", ylabel="odds $p/(1-p)$", xlim=(0, 1),
              ylim=(0, odds_cap), title=f"1. odds = {odds:.3g}")
        b.plot(grid, np.log(grid) - np.log1p(-grid), color=colour(0), linewidth=2,
               label=r"$\log\frac{p}{1-p}$")
        b.plot([p], [z], marker="o", markersize=9, color=colour(1), linestyle="none")
        b.axhline(0, color="0.3", linewidth=0.6)
        b.set(xlabel="probability $p$", ylabel="log-odds $z$", xlim=(0, 1), ylim=(-5.5, 5.5),
              title=f"2. log-odds z = {_g(z)}")
        zs = np.linspace(-6, 6, 400)
        c.plot(zs, sigmoid(zs), color=colour(2), linewidth=2,
               label=r"$\sigma(z) = 1/(1+e^{-z})$")
        c.plot([z, z], [0, p], color="0.4", linestyle=":", linewidth=1)
        c.plot([-6, z], [p, p], color="0.4", linestyle=":", linewidth=1)
        c.plot([z], [p], marker="o", markersize=9, color=colour(1), linestyle="none")
        c.set(xlabel="log-odds $z$", ylabel=r"$\sigma(z)$", xlim=(-6, 6), ylim=(0, 1),
              title=f"3. σ({_g(z)}) = {p:g}")

    def alt(p):
        return (f"Three panels for the probability p = {p:g}, the current point marked on each: "
                f"left, the odds p/(1-p) against p, a curve growing without bound as p "
                f"approaches 1; middle, the log-odds z = log(p/(1-p)) against p, symmetric about "
                f"p = 0.5; right, the sigmoid σ(z) = 1/(1+e^(-z)) against z.")

    def result(p):
        odds = p / (1 - p)
        z = float(np.log(p) - np.log1p(-p))
        extra = " (above the top of the odds panel, marked by a triangle)" if odds > odds_cap else ""
        return (f"the odds are {odds:.3g}{extra}, the log-odds z = {_g(z)}, and the sigmoid "
                f"turns z back into σ({_g(z)}) = {p:g}")

    return Explorer(draw, [Slider("p", ps, label="probability p", value=0.5 if 0.5 in ps else None)],
                    title="Probability → odds → log-odds → probability", alt=alt,
                    result=result, key="logit", width=10.0, height=3.3)
