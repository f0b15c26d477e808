r"""The chapter explorer of normalization and residual connections.

Above the explorer engine; the numbers come from :func:`lecture_kit.mlp.depth_probe`
with its ``norm`` and ``residual`` options.
"""

from __future__ import annotations

import numpy as np

from .. import mlp, plots
from ..axes import fix_log_axis, log_limits, short_number
from ..explorer import Choice, Explorer

__all__ = ["normalization_explorer"]

_NORMS = {"none": None, "batch norm": "batch", "layer norm": "layer"}


def normalization_explorer(activations=("sigmoid", "tanh", "relu"), depth: int = 50,
                           width: int = 64, batch: int = 64, seed: int = 0) -> Explorer:
    r"""The depth probe with a choice of activation, normalization and skip connections.

    Weights are the matched initialization (He for ReLU, Xavier otherwise).
    Left: the standard deviation of every layer's activations; right: the norm
    of every layer's weight gradient (both log scale).

    Examples
    --------
    >>> exp = normalization_explorer(activations=("tanh",), depth=4, width=8, batch=16)
    >>> exp.n_frames
    6
    """
    activations = list(activations)
    cache: dict = {}
    with np.errstate(all="ignore"):
        for a in activations:
            init = "he_normal" if a == "relu" else "xavier_normal"
            for label, norm in _NORMS.items():
                for skip in (False, True):
                    cache[a, label, skip] = mlp.depth_probe(
                        depth=depth, width=width, activation=a, init=init, batch=batch,
                        rng=seed, norm=norm, residual=skip)
    std_limits = log_limits([p.activation_std for p in cache.values()])
    grad_limits = log_limits([p.grad_norm for p in cache.values()])

    def draw(fig, activation, normalization, skips):
        p = cache[activation, normalization, skips]
        label = f"{activation}, {normalization}" + (", skips" if skips else "")
        left, right = plots.depth_probe_figure(fig, {label: p})
        fix_log_axis(left, std_limits)
        fix_log_axis(right, grad_limits)

    def alt(activation, normalization, skips):
        return (f"Depth probe through {depth} layers of width {width}: {activation} with "
                f"{normalization} normalization{' and skip connections' if skips else ', no skips'}. "
                f"Left: the standard deviation of each layer's activations; right: the norm of "
                f"each layer's weight gradient, layer 0 nearest the input; both log scale.")

    def result(activation, normalization, skips):
        p = cache[activation, normalization, skips]
        with np.errstate(all="ignore"):
            ratio = p.grad_norm[0] / p.grad_norm[-1]
        verdict = ("vanishes towards the input" if ratio < 1e-2 else
                   "explodes towards the input" if ratio > 1e2 else "keeps its size")
        return (f"the gradient {verdict}: the gradient reaching layer 0 is "
                f"{short_number(ratio)} times the last layer's; the activation standard "
                f"deviation ends at {short_number(p.activation_std[-1])}")

    return Explorer(draw, [Choice("activation", activations, label="activation"),
                           Choice("normalization", list(_NORMS), label="normalization"),
                           Choice("skips", [False, True], label="skip connections",
                                  labels=["no", "yes"])],
                    title="Normalization and skip connections on the depth probe", alt=alt,
                    result=result, key="normalization")
