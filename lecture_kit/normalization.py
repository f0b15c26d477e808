r"""Batch normalization and layer normalization, forward and backward, in NumPy.

Both normalize a pre-activation to zero mean and unit variance, then let the
network rescale it with learned parameters :math:`\gamma` (scale) and
:math:`\beta` (shift):

.. math::
    \hat x = \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}}, \qquad y = \gamma \hat x + \beta .

They differ in *what* the mean and variance are taken over, for an input of
shape ``(N, C)`` (a batch of ``N`` examples with ``C`` features):

* **batch norm** (Ioffe & Szegedy, 2015): per feature, over the batch
  (:math:`\mu_c = \frac1N\sum_n x_{nc}`). In training the batch statistics are
  used and running averages are kept; in evaluation the running averages are
  used, so the output of one example no longer depends on the others.
* **layer norm** (Ba, Kiros & Hinton, 2016): per example, over its features
  (:math:`\mu_n = \frac1C\sum_c x_{nc}`). Training and evaluation are the same
  computation; no running statistics.

The backward passes are written out (no autodiff): for batch norm,

.. math::
    \frac{\partial L}{\partial x_{nc}} = \frac{\gamma_c}{N\sqrt{\sigma_c^2+\epsilon}}
    \Bigl(N\,\delta_{nc} - \sum_m \delta_{mc} - \hat x_{nc}\sum_m \delta_{mc}\hat x_{mc}\Bigr),

with :math:`\delta = \partial L/\partial y`; the gradient flows through the
batch mean and variance too (the two sums), which is what the chapter derives
step by step. Layer norm has the same formula with the sums over features.

Conventions (PyTorch's, checked against ``tests/fixtures/torch_norm.npz``):
:math:`\sigma^2` in the normalization is the *biased* variance (divide by
:math:`N`); the running variance is updated with the *unbiased* one (divide by
:math:`N-1`); ``momentum`` is the weight of the new batch,
:math:`r \leftarrow (1-m)\,r + m\,\text{batch statistic}` with :math:`m = 0.1`
by default — the opposite of the usual meaning of "momentum" in optimizers.

dtypes: float32 in, float32 out (float16 computed in float32 and cast back);
integers become float64.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .core.validation import (as_float_array, check_flag, check_integer, check_positive,
                              check_probability, working_dtype)

__all__ = [
    "BatchNormState",
    "BatchNormCache",
    "LayerNormCache",
    "batch_norm_init",
    "batch_norm_forward",
    "batch_norm_backward",
    "batch_norm_eval",
    "update_running_stats",
    "batch_norm",
    "layer_norm_forward",
    "layer_norm_backward",
    "layer_norm",
]


class BatchNormState(NamedTuple):
    """Running statistics of a batch-norm layer (what PyTorch keeps as buffers)."""

    running_mean: np.ndarray
    running_var: np.ndarray
    num_batches_tracked: int


class BatchNormCache(NamedTuple):
    """What the backward pass of batch norm needs from the forward pass."""

    x_hat: np.ndarray
    inv_std: np.ndarray
    gamma: np.ndarray
    mean: np.ndarray
    var: np.ndarray          #: biased batch variance
    n: int


class LayerNormCache(NamedTuple):
    """What the backward pass of layer norm needs from the forward pass."""

    x_hat: np.ndarray
    inv_std: np.ndarray
    gamma: np.ndarray


def _work(x: np.ndarray) -> np.ndarray:
    return x.astype(working_dtype(x.dtype), copy=False)


def _input(x, name: str = "x") -> np.ndarray:
    x = as_float_array(x, name)
    if x.ndim != 2:
        raise ValueError(f"{name} must have shape (N, C) (a batch of feature vectors), "
                         f"got shape {x.shape}")
    return x


def _affine(param, c: int, name: str, fill: float, dtype) -> np.ndarray:
    if param is None:
        return np.full(c, fill, dtype=dtype)
    p = as_float_array(param, name)
    if p.shape != (c,):
        raise ValueError(f"{name} must have shape ({c},) to match {c} features, got {p.shape}")
    return p.astype(dtype, copy=False)


def _eps(eps) -> float:
    return check_positive(eps, "eps")


def _prepared(x, gamma, beta, eps):
    """``(eps, x in its working dtype, gamma, beta)``, validated, with the defaults 1 and 0."""
    eps = _eps(eps)
    xw = _work(x)
    g = _affine(gamma, x.shape[1], "gamma", 1.0, xw.dtype)
    b = _affine(beta, x.shape[1], "beta", 0.0, xw.dtype)
    return eps, xw, g, b


def _affine_backward(dy, cache, kind, forward: str):
    """Checked ``dy``, its working copy, and the gradients of ``gamma`` and ``beta``."""
    if not isinstance(cache, kind):
        raise TypeError(f"cache must be the {kind.__name__} returned by {forward}")
    dy = as_float_array(dy, "dy")
    if dy.shape != cache.x_hat.shape:
        raise ValueError(f"dy has shape {dy.shape} but the forward input had shape "
                         f"{cache.x_hat.shape}")
    d = dy.astype(cache.x_hat.dtype, copy=False)
    return dy, d, (d * cache.x_hat).sum(axis=0), d.sum(axis=0)


def _as_input_dtype(dy, *arrays):
    return tuple(a.astype(dy.dtype, copy=False) for a in arrays)


def batch_norm_init(num_features: int, dtype=np.float64) -> BatchNormState:
    """Running mean 0, running variance 1, no batch seen (PyTorch's initial buffers).

    Examples
    --------
    >>> batch_norm_init(2)
    BatchNormState(running_mean=array([0., 0.]), running_var=array([1., 1.]), num_batches_tracked=0)
    """
    check_integer(num_features, "num_features", minimum=1)
    dtype = np.dtype(dtype)
    return BatchNormState(np.zeros(num_features, dtype), np.ones(num_features, dtype), 0)


def batch_norm_forward(x, gamma=None, beta=None, eps: float = 1e-5):
    r"""Training-mode batch norm with the batch's own statistics.

    Parameters
    ----------
    x : array of shape (N, C)
    gamma, beta : arrays of shape (C,), optional
        Scale and shift (default 1 and 0).
    eps : float
        Added to the variance inside the square root.

    Returns
    -------
    (y, cache)
        ``y`` of the shape and dtype of ``x``; ``cache`` for
        :func:`batch_norm_backward` and :func:`update_running_stats`.

    Examples
    --------
    >>> y, _ = batch_norm_forward(np.array([[1.0], [3.0]]))
    >>> np.round(y.ravel(), 4)
    array([-1.,  1.])
    """
    x = _input(x)
    if x.shape[0] < 2:
        raise ValueError(f"batch norm in training mode needs at least 2 examples per batch "
                         f"(the variance of one example is 0), got shape {x.shape}")
    eps, xw, g, b = _prepared(x, gamma, beta, eps)
    mean = xw.mean(axis=0)
    centred = xw - mean
    var = (centred * centred).mean(axis=0)
    inv_std = 1.0 / np.sqrt(var + xw.dtype.type(eps))
    x_hat = centred * inv_std
    y = g * x_hat + b
    return y.astype(x.dtype, copy=False), BatchNormCache(x_hat, inv_std, g, mean, var,
                                                           x.shape[0])


def batch_norm_backward(dy, cache: BatchNormCache):
    r"""Gradients of batch norm with respect to ``x``, ``gamma`` and ``beta``.

    Returns
    -------
    (dx, dgamma, dbeta)

    Examples
    --------
    >>> x = np.array([[1.0, 2.0], [3.0, 5.0], [0.0, 1.0]])
    >>> y, cache = batch_norm_forward(x)
    >>> dx, dgamma, dbeta = batch_norm_backward(np.ones_like(y), cache)
    >>> np.allclose(dx, 0)      # a shift of every output cannot be reached: mean removed
    True
    """
    dy, d, dgamma, dbeta = _affine_backward(dy, cache, BatchNormCache, "batch_norm_forward")
    n = cache.n
    dx = (cache.gamma * cache.inv_std / n) * (n * d - dbeta - cache.x_hat * dgamma)
    return _as_input_dtype(dy, dx, dgamma, dbeta)


def update_running_stats(state: BatchNormState, cache: BatchNormCache,
                         momentum: float = 0.1) -> BatchNormState:
    r"""New running statistics after one training batch (PyTorch's rule).

    .. math::
        r_\mu \leftarrow (1-m)\,r_\mu + m\,\mu_B, \qquad
        r_{\sigma^2} \leftarrow (1-m)\,r_{\sigma^2} + m\,\frac{N}{N-1}\sigma_B^2 .

    Examples
    --------
    >>> _, cache = batch_norm_forward(np.array([[0.0], [2.0]]))
    >>> update_running_stats(batch_norm_init(1), cache, momentum=1.0).running_var
    array([2.])
    """
    if not isinstance(state, BatchNormState):
        raise TypeError("state must be a BatchNormState (see batch_norm_init)")
    m = check_probability(momentum, "momentum", closed_right=True)
    if state.running_mean.shape != cache.mean.shape:
        raise ValueError(f"state has {state.running_mean.shape[0]} features, the batch "
                         f"{cache.mean.shape[0]}")
    unbiased = cache.var * (cache.n / (cache.n - 1))
    dtype = state.running_mean.dtype
    mean = ((1 - m) * state.running_mean + m * cache.mean).astype(dtype, copy=False)
    var = ((1 - m) * state.running_var + m * unbiased).astype(dtype, copy=False)
    return BatchNormState(mean, var, state.num_batches_tracked + 1)


def batch_norm_eval(x, state: BatchNormState, gamma=None, beta=None, eps: float = 1e-5):
    """Evaluation-mode batch norm: normalize with the running statistics.

    Examples
    --------
    >>> batch_norm_eval(np.array([[3.0]]), batch_norm_init(1)._replace(
    ...     running_mean=np.array([1.0]), running_var=np.array([4.0])), eps=1e-12)
    array([[1.]])
    """
    x = _input(x)
    if not isinstance(state, BatchNormState):
        raise TypeError("state must be a BatchNormState (see batch_norm_init)")
    if state.running_mean.shape != (x.shape[1],):
        raise ValueError(f"state has {state.running_mean.shape[0]} features, x has "
                         f"{x.shape[1]}")
    eps, xw, g, b = _prepared(x, gamma, beta, eps)
    mean = state.running_mean.astype(xw.dtype, copy=False)
    inv_std = 1.0 / np.sqrt(state.running_var.astype(xw.dtype, copy=False) + xw.dtype.type(eps))
    y = g * ((xw - mean) * inv_std) + b
    return y.astype(x.dtype, copy=False)


def batch_norm(x, state: BatchNormState | None = None, gamma=None, beta=None, *,
               training: bool = True, momentum: float = 0.1, eps: float = 1e-5):
    """Batch norm as one call, like ``torch.nn.BatchNorm1d`` (train or eval mode).

    Returns ``(y, new_state)``; in evaluation mode the state is returned unchanged.

    Examples
    --------
    >>> x = np.array([[0.0, 1.0], [2.0, 5.0]])
    >>> y, state = batch_norm(x)
    >>> state.running_mean
    array([0.1, 0.3])
    """
    x = _input(x)
    if state is None:
        state = batch_norm_init(x.shape[1], np.float32 if x.dtype == np.float32 else np.float64)
    training = check_flag(training, "training")
    if not training:
        return batch_norm_eval(x, state, gamma, beta, eps), state
    y, cache = batch_norm_forward(x, gamma, beta, eps)
    return y, update_running_stats(state, cache, momentum)


def layer_norm_forward(x, gamma=None, beta=None, eps: float = 1e-5):
    r"""Layer norm over the features of each example (``nn.LayerNorm(C)``).

    Returns
    -------
    (y, cache)

    Examples
    --------
    >>> y, _ = layer_norm_forward(np.array([[1.0, 3.0]]))
    >>> np.round(y, 4)
    array([[-1.,  1.]])
    """
    x = _input(x)
    eps, xw, g, b = _prepared(x, gamma, beta, eps)
    mean = xw.mean(axis=1, keepdims=True)
    centred = xw - mean
    var = (centred * centred).mean(axis=1, keepdims=True)
    inv_std = 1.0 / np.sqrt(var + xw.dtype.type(eps))
    x_hat = centred * inv_std
    return (g * x_hat + b).astype(x.dtype, copy=False), LayerNormCache(x_hat, inv_std, g)


def layer_norm_backward(dy, cache: LayerNormCache):
    """Gradients of layer norm with respect to ``x``, ``gamma`` and ``beta``.

    Returns
    -------
    (dx, dgamma, dbeta)
    """
    dy, d, dgamma, dbeta = _affine_backward(dy, cache, LayerNormCache, "layer_norm_forward")
    dxh = d * cache.gamma
    c = cache.x_hat.shape[1]
    dx = (cache.inv_std / c) * (c * dxh - dxh.sum(axis=1, keepdims=True)
                                - cache.x_hat * (dxh * cache.x_hat).sum(axis=1, keepdims=True))
    return _as_input_dtype(dy, dx, dgamma, dbeta)


def layer_norm(x, gamma=None, beta=None, eps: float = 1e-5):
    """Layer norm as one call; returns ``y`` only (see :func:`layer_norm_forward`)."""
    return layer_norm_forward(x, gamma, beta, eps)[0]
