r"""The explorers of the book, gathered under the names the chapters use.

An explorer draws a figure from a few parameters chosen by controls, live in
Jupyter (ipywidgets) and kernel-free in the HTML book (precomputed frames).
The engine (:class:`Explorer`, :class:`Slider`, :class:`Choice`, the
``LECTURE_KIT_EXPLORERS`` switch) is :mod:`lecture_kit.explorer`, the only
module that imports ipywidgets; the explorers of the chapters are in
:mod:`lecture_kit.explorers`. This module re-exports both.

The explorers of the chapters
-----------------------------
Each function returns an :class:`Explorer`; put the call last in a cell. Every
keyword has a default chosen so that the static form stays small (at most
:data:`MAX_FRAMES` pictures of 80 CSS pixels per inch at device-pixel-ratio 2,
within 400 KiB per explorer) and quick to precompute. Every explorer states the
result of each frame in its alternative text (``result=``), records its control
values in the page URL (``#key:name=value``) and, in the book, cuts its panels
apart so that they stack on a phone.

``sigmoid_neuron_explorer(weights, biases)``
    One neuron :math:`\sigma(wx + b)` and its slope; sliders ``w`` and ``b``.
``activation_explorer(names=None)``
    Choose an activation (default: every activation whose class says the
    explorer shows it, :func:`default_activations`): :math:`f` and :math:`f'` side by side, saturated
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
    Weight variance as a multiple of Xavier's (He's for the activations that
    declare ``init_scheme = "he"``, the rectifiers):
    per-layer activation std and gradient norm, the multiple 1 dashed.
``optimizer_explorer(landscape="rosenbrock", optimizers=(...), lrs=(...), betas=(...), steps=300)``
    Optimizer, learning rate and β (momentum, RMSprop's alpha, Adam's
    :math:`\beta_1`, as each factory of :mod:`lecture_kit.optim` declares):
    the path on the contour plot and the loss gap.
``momentum_explorer(kappa=25, betas=(0, 0.5, 0.8, 0.9, 0.95, 0.99), lrs=(...))``
    β and learning rate on an ill-conditioned quadratic: the EMA form
    (:func:`lecture_kit.optim.momentum_ema`) and PyTorch's form
    (:func:`lecture_kit.optim.sgd` with ``momentum``) side by side, and both
    losses.
``schedule_explorer(steps=600, runs=1000, peaks=(...))``
    A learning-rate schedule and its peak rate on the noisy quadratic: the
    schedule and :math:`E[x_t^2]` against the constant rate's noise floor.
``approximation_explorer(widths=(...))``
    One hidden layer of :math:`n` ReLU or steep sigmoid units approximating a
    target on [0, 1], with the sup-norm error against :math:`n`.
``sawtooth_explorer(depths=(...))``
    Telgarsky's sawtooth: :math:`2^k` linear pieces from depth :math:`k`.
``normalization_explorer(activations=(...), depth=50, width=64, batch=64)``
    The depth probe with batch or layer normalization and skip connections.
``lr_explorer(curvature=1, x0=1, steps=20)``
    Gradient descent on :math:`Lx^2/2` with the learning rate across
    :math:`1/L` and the stability bound :math:`2/L`: converge, oscillate,
    diverge.
"""

from __future__ import annotations

from . import plots  # noqa: F401  (kept: ``widgets.plots`` was public)
from .explorer import MAX_FRAMES, Choice, Control, Explorer, Slider, explorer_mode
from .explorers import (NAIVE_INIT, activation_explorer, activation_parameter_explorer,
                        approximation_explorer, normalization_explorer, sawtooth_explorer,
                        beta_meaning, default_activations, depth_probe_explorer,
                        init_explorer, logit_explorer, lr_explorer, make_optimizer,
                        momentum_explorer, optimizer_choices, optimizer_explorer,
                        rrelu_explorer, schedule_explorer, sigmoid_neuron_explorer)

__all__ = [
    "Slider",
    "Choice",
    "Control",
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
    "schedule_explorer",
    "approximation_explorer",
    "sawtooth_explorer",
    "normalization_explorer",
    "make_optimizer",
    "default_activations",
    "optimizer_choices",
    "beta_meaning",
]

_COMPUTED = {"DEFAULT_ACTIVATIONS": default_activations, "BETA_MEANING": beta_meaning,
             "OPTIMIZER_NAMES": optimizer_choices}


def __getattr__(name):
    # the old constants, computed from the activations' and optimizers' declarations
    if name in _COMPUTED:
        return _COMPUTED[name]()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_COMPUTED))
