r"""The chapter explorers of depth and initialization (above the explorer engine).

See :mod:`lecture_kit.widgets` for the list of every explorer of the course.
"""

from __future__ import annotations

import numpy as np

from .. import activations as _acts
from .. import init as _init
from .. import mlp, plots
from ..axes import fix_log_axis, log_limits, short_number
from ..explorer import Choice, Explorer, Slider

__all__ = ["NAIVE_INIT", "depth_probe_explorer", "init_explorer"]


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
    return (f"the activation standard deviation goes from {short_number(a[0])} at layer 0 to "
            f"{short_number(a[-1])} at layer {last}; the weight-gradient norm goes from {short_number(g[0])} at "
            f"layer 0 (nearest the input) to {short_number(g[-1])} at layer {last}")


def _probe_result(probe) -> str:
    """The outcome of a depth probe in one sentence: how much gradient reaches layer 0."""
    a, g = probe.activation_std, probe.grad_norm
    last = len(a) - 1
    with np.errstate(all="ignore"):
        ratio = g[0] / g[-1] if g[-1] else float("nan")
    verdict = ("vanishes towards the input" if ratio < 1e-2 else
               "explodes towards the input" if ratio > 1e2 else "keeps its size")
    return (f"the gradient {verdict}: the gradient reaching layer 0 is {short_number(ratio, 2)} "
            f"times the last layer's (layer {last}); the activation standard deviation ends at "
            f"{short_number(a[-1])}")


_PROBE_SYMBOLS = ("Left: the standard deviation of each layer's activations; right: the norm of "
                  "each layer's weight gradient; layer 0 is nearest the input; both on log "
                  "scales.")


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

    activations, inits = list(activations), list(inits)
    for a in activations:
        _acts.get(a)
    for i in inits:
        _init.get(i)
    kwargs = dict(NAIVE_INIT if init_kwargs is None else init_kwargs)
    cache: dict = {}
    with np.errstate(all="ignore"):
        for a in activations:
            for i in inits:
                for d in ([depth] if depths is None else [int(d) for d in depths]):
                    cache[a, i, d] = mlp.depth_probe(depth=d, width=width, activation=a,
                                                     init=i, batch=batch, rng=seed,
                                                     **kwargs.get(i, {}))
    std_limits = log_limits([p.activation_std for p in cache.values()])
    grad_limits = log_limits([p.grad_norm for p in cache.values()])

    def probe(activation, init, depth):
        return cache[activation, init, depth]

    def draw(fig, activation, init, depth=depth):
        p = probe(activation, init, depth)
        label = f"{activation}, {_init_label(init, kwargs.get(init))}"
        left, right = plots.depth_probe_figure(fig, {label: p})
        fix_log_axis(left, std_limits)
        fix_log_axis(right, grad_limits)
        ratio = p.grad_norm[0] / p.grad_norm[-1] if p.grad_norm[-1] else float("nan")
        fig.suptitle(f"{label}, {depth} layers of width {width}: "
                     f"gradient norm layer 0 / layer {depth - 1} = {short_number(ratio, 2)}")

    def alt(activation, init, depth=depth):
        p = probe(activation, init, depth)
        return (f"Depth probe for {activation} with {_init_label(init, kwargs.get(init))} "
                f"initialization, {depth} layers of width {width}. {_PROBE_SYMBOLS} "
                f"{_probe_summary(p).capitalize()}.")

    def result(activation, init, depth=depth):
        return _probe_result(probe(activation, init, depth))

    controls = [Choice("activation", activations),
                Choice("init", inits, label="initializer",
                       labels=[_init_label(i, kwargs.get(i)) for i in inits])]
    if depths is not None:
        controls.append(Slider("depth", [int(d) for d in depths], label="depth",
                               value=depth if depth in depths else None))
    return Explorer(draw, controls, title="Depth probe: signal and gradient through the layers",
                    alt=alt, result=result, key="depth-probe", width=9.0, height=3.4)


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
        The reference variance; default the activation's own ``init_scheme``
        (He for the rectifiers, Xavier otherwise).

    Examples
    --------
    >>> exp = init_explorer("relu", depth=5, width=16, batch=32, scales=(0.5, 1.0, 2.0))
    >>> exp.title
    'Initialization scale: Var(w) = s × He variance, relu'
    """

    act = _acts.get(activation)
    if base is None:
        base = act.init_scheme  # each activation declares its baseline
    if base not in ("xavier", "he"):
        raise ValueError(f"base must be 'xavier' or 'he', got {base!r}")
    std0 = _init.he_std(width, width) if base == "he" else _init.xavier_std(width, width)
    scales = [float(s) for s in scales]
    for s in scales:
        if not s > 0:
            raise ValueError(f"variance scales must be positive, got {s}")
    name = "He" if base == "he" else "Xavier"
    cache: dict = {}
    with np.errstate(all="ignore"):
        for scale in sorted(set(scales) | {1.0}):
            cache[scale] = mlp.depth_probe(depth=depth, width=width, activation=activation,
                                           init="normal", std=std0 * scale ** 0.5,
                                           batch=batch, rng=seed)
    std_limits = log_limits([p.activation_std for p in cache.values()])
    grad_limits = log_limits([p.grad_norm for p in cache.values()])

    def probe(scale):
        return cache[scale]

    def draw(fig, scale):
        runs = {f"s = {scale:g}": probe(scale)}
        if scale != 1.0:
            runs[f"s = 1 ({name})"] = probe(1.0)
        left, right = plots.depth_probe_figure(fig, runs)
        fix_log_axis(left, std_limits)
        fix_log_axis(right, grad_limits)
        for ax in (left, right):
            if len(ax.lines) > 1:
                ax.lines[1].set(color="0.5", linestyle="--", linewidth=1.2)
            ax.legend(loc="best", fontsize="small")
        fig.suptitle(f"{activation}, {depth} layers: Var(w) = {scale:g} × {name} "
                     f"= {scale * std0 ** 2:.3g}")

    def alt(scale):
        return (f"{activation} network of {depth} layers of width {width} with weight variance "
                f"s = {scale:g} times the {name} variance. {_PROBE_SYMBOLS} "
                f"{_probe_summary(probe(scale)).capitalize()}."
                + ("" if scale == 1.0 else f" The dashed grey curves are the {name} "
                   f"initialization (s = 1) for comparison."))

    def result(scale):
        return _probe_result(probe(scale))

    return Explorer(draw, [Slider("scale", scales, label=f"variance scale s (× {name})",
                                  value=1.0 if 1.0 in scales else None)],
                    title=f"Initialization scale: Var(w) = s × {name} variance, {activation}",
                    alt=alt, result=result, key=f"init-scale-{activation}".replace("_", "-"),
                    width=9.0, height=3.4)
