r"""The depth probe: one forward and backward pass through a deep stack of square layers.

The bare experiment of the course: how the signal forward and the gradient
backward change across many layers for a given activation and initialization.
:mod:`lecture_kit.mlp` re-exports it.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import activations as _activations
from . import normalization as _norm
from .core.validation import as_generator, check_choice, check_flag, check_integer
from .layers import call_init, check_layer_dtype, resolve_activation, resolve_init

__all__ = ["DepthProbe", "depth_probe"]


class DepthProbe(NamedTuple):
    r"""Per-layer statistics of one forward and backward pass through a deep stack.

    Every array has length ``depth``; index 0 is the layer nearest the input.

    Attributes
    ----------
    activation_std, activation_mean : ndarray
        Standard deviation and mean of :math:`a_l` over the batch and units.
    preact_std : ndarray
        Standard deviation of :math:`z_l` (after normalization, with ``norm``).
    grad_norm : ndarray
        :math:`\lVert\partial\mathcal L/\partial W_l\rVert_F`.
    act_grad_std : ndarray
        Standard deviation of :math:`\partial\mathcal L/\partial a_l`.
    loss : float
        The value of :math:`\mathcal L`.
    X, G : ndarray
        The input batch and the fixed projection of the loss.
    weights : tuple of ndarray
        :math:`W_1, \dots, W_{\text{depth}}` (shape ``(width, width)`` each).
    """

    activation_std: np.ndarray
    activation_mean: np.ndarray
    preact_std: np.ndarray
    grad_norm: np.ndarray
    act_grad_std: np.ndarray
    loss: float
    X: np.ndarray
    G: np.ndarray
    weights: tuple


def depth_probe(depth: int = 50, width: int = 256, activation="sigmoid",
                init="xavier_normal", batch: int = 512, rng=None,
                dtype=np.float64, norm=None, residual=False, **init_kwargs) -> DepthProbe:
    r"""Push a random batch through ``depth`` square layers and back; measure every layer.

    .. math::
        a_0 = X,\quad z_l = a_{l-1} W_l,\quad a_l = f(z_l),\qquad
        \mathcal L = \frac{1}{B} \sum_{b,j} (a_{\text{depth}})_{bj}\, G_{bj},

    with :math:`X, G \in \mathbb R^{B\times n}` of independent standard
    normal entries, no biases, and every :math:`W_l` of shape
    :math:`n \times n` drawn by ``init``. Backpropagation starts from
    :math:`\partial\mathcal L/\partial a_{\text{depth}} = G/B` and follows
    the rules of the module docstring.

    Parameters
    ----------
    depth : int, default 50
        Number of layers (>= 1).
    width : int, default 256
        Units per layer :math:`n`, also the input width.
    activation : str or activation object, default "sigmoid"
        A name from :func:`lecture_kit.activations.names` (or ``"identity"``).
    init : str or callable, default "xavier_normal"
        A name from :func:`lecture_kit.init.names`, e.g. ``"normal"`` with
        ``std=0.01`` for the naive small initialization.
    batch : int, default 512
        Batch size :math:`B`.
    rng : numpy.random.Generator, int or None
        Draws, in this order: ``X``, then ``W_1 ... W_depth``, then ``G``.
    dtype : {float64, float32}, default float64
        float32 is about twice as fast; float64 shows gradients down to
        1e-300 before they underflow to 0.
    norm : {None, "batch", "layer"}, default None
        Normalize every pre-activation before the activation (batch statistics
        for ``"batch"``, scale 1 and shift 0): :math:`a_l = f(\mathrm{N}(z_l))`.
    residual : bool, default False
        Add a skip connection around every layer: :math:`a_l = a_{l-1} + f(\cdot)`.
    **init_kwargs
        Passed to the initializer (``std=0.01``, ``gain=...``, ``nonlinearity=...``).

    Returns
    -------
    DepthProbe

    Notes
    -----
    Why this loss: a random linear read-out :math:`G` gives
    :math:`\partial\mathcal L/\partial a_{\text{depth}}` of a fixed size
    whatever the activations are, so a small gradient at layer 1 can only
    come from the backward pass through the layers, not from the loss.
    (With :math:`\tfrac12\lVert a\rVert^2` the gradient would be
    :math:`a` itself, and vanishing activations would make the gradient
    vanish by construction.)

    Overflow in the exploding regime gives ``inf`` (and ``nan`` where
    ``inf - inf`` appears in a statistic) silently: that is the result.

    Examples
    --------
    >>> p = depth_probe(depth=20, width=64, batch=128, activation="sigmoid",
    ...                 init="xavier_normal", rng=0)
    >>> p.grad_norm.shape
    (20,)
    >>> bool(p.grad_norm[0] < 1e-6 * p.grad_norm[-1])   # vanishing gradients
    True
    """
    depth = check_integer(depth, "depth", 1)
    width = check_integer(width, "width", 1)
    batch = check_integer(batch, "batch", 1)
    dtype = check_layer_dtype(dtype)
    norm = None if norm is None else check_choice(norm, "norm", ("batch", "layer"))
    residual = check_flag(residual, "residual")
    forward_norm = {"batch": _norm.batch_norm_forward, "layer": _norm.layer_norm_forward}
    backward_norm = {"batch": _norm.batch_norm_backward, "layer": _norm.layer_norm_backward}
    f = resolve_activation(activation, "activation")
    init_fn = resolve_init(init)
    rng = as_generator(rng)

    X = rng.standard_normal((batch, width)).astype(dtype, copy=False)
    weights = tuple(call_init(init_fn, width, width, rng, dtype, init_kwargs)
                    for _ in range(depth))
    G = rng.standard_normal((batch, width)).astype(dtype, copy=False)

    act_std = np.empty(depth)
    act_mean = np.empty(depth)
    pre_std = np.empty(depth)
    grad_norm = np.empty(depth)
    agrad_std = np.empty(depth)
    with np.errstate(over="ignore", invalid="ignore"):
        zs, acts, caches = [], [], []
        a = X
        for l, W in enumerate(weights):
            z = a @ W
            cache = None
            if norm:
                z, cache = forward_norm[norm](z)
            a = a + f(z) if residual else f(z)
            zs.append(z)
            acts.append(a)
            caches.append(cache)
            pre_std[l] = z.std()
            act_std[l] = a.std()
            act_mean[l] = a.mean()
        loss = float(np.vdot(acts[-1], G)) / batch
        g = G / batch  # dL/da_depth
        for l in range(depth - 1, -1, -1):
            agrad_std[l] = g.std()
            delta = g if isinstance(f, _activations.Identity) else g * f.grad(zs[l])
            if norm:
                delta = backward_norm[norm](delta, caches[l])[0]
            a_prev = X if l == 0 else acts[l - 1]
            grad_norm[l] = np.linalg.norm(a_prev.T @ delta)
            if l > 0:
                g = delta @ weights[l].T + (g if residual else 0.0)
    return DepthProbe(act_std, act_mean, pre_std, grad_norm, agrad_std, loss, X, G, weights)
