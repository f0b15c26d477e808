r"""Gradient clipping, by global norm and by value, as pure functions.

Clipping is the usual guard against an exploding gradient: one huge step can
throw the parameters far from where the loss was informative. Two forms:

* **by global norm** (:func:`clip_grad_norm`): all gradients are treated as one
  long vector :math:`g`; if :math:`\|g\| > c` the whole vector is rescaled to
  norm :math:`c`. The *direction* of the step is kept; only its length is cut.
* **by value** (:func:`clip_grad_value`): each component is clipped to
  :math:`[-c, c]` separately. This changes the direction of the step (large
  components are cut, small ones are not).

``grads`` is one array, or a list, tuple or dict of arrays (one per parameter
tensor). Nothing is modified in place: new arrays are returned, with the
dtypes of the inputs.

Both match PyTorch's ``torch.nn.utils.clip_grad_norm_`` and
``clip_grad_value_`` (checked against ``tests/fixtures/torch_schedules.npz``),
including PyTorch's ``1e-6`` in the scale :math:`c/(\|g\| + 10^{-6})`, which
makes a clipped norm land slightly below :math:`c`. One deliberate difference:
the norm is computed without overflow (PyTorch reports ``inf`` for gradients
of size 1e200 and then zeroes them; here the norm is the finite true value).
"""

from __future__ import annotations

import math

import numpy as np

from .core.validation import as_float_array, check_nonnegative, check_positive, working_dtype

__all__ = ["global_norm", "clip_grad_norm", "clip_grad_value"]


def _leaves(grads, name: str = "grads"):
    """``(arrays, rebuild)`` for one array or a flat list/tuple/dict of arrays."""
    if isinstance(grads, dict):
        keys = list(grads)
        arrays = [as_float_array(grads[k], f"{name}[{k!r}]") for k in keys]
        return arrays, lambda new: dict(zip(keys, new))
    if isinstance(grads, (list, tuple)):
        kind = type(grads)
        arrays = [as_float_array(g, f"{name}[{i}]") for i, g in enumerate(grads)]
        return arrays, lambda new: kind(new)
    return [as_float_array(grads, name)], lambda new: new[0]


def _norm_type(norm_type) -> float:
    if isinstance(norm_type, str) and norm_type.lower() == "inf":
        return math.inf
    p = check_positive(norm_type, "norm_type")
    return p


def _leaf_norm(g: np.ndarray, p: float) -> float:
    a = np.abs(g.astype(np.float64, copy=False)).ravel()
    if a.size == 0:
        return 0.0
    if math.isinf(p):
        return float(a.max())
    if p == 2.0:
        scale = float(a.max())
        if not math.isfinite(scale) or scale == 0.0:
            return scale if not math.isnan(scale) else math.nan
        return scale * float(np.sqrt(np.sum((a / scale) ** 2)))   # no overflow at 1e200
    return float(np.sum(a ** p) ** (1.0 / p))


def global_norm(grads, norm_type: float = 2.0) -> float:
    r"""The norm of all gradients taken together as one vector.

    :math:`\bigl(\sum_i \|g_i\|_p^p\bigr)^{1/p}`, or :math:`\max_i \|g_i\|_\infty`
    for ``norm_type=inf`` (also ``"inf"``). NaN in any gradient gives NaN.

    Examples
    --------
    >>> global_norm([np.array([3.0]), np.array([4.0])])
    5.0
    """
    arrays, _ = _leaves(grads)
    p = _norm_type(norm_type)
    norms = [_leaf_norm(g, p) for g in arrays]
    if not norms:
        return 0.0
    if any(math.isnan(n) for n in norms):
        return math.nan
    if math.isinf(p):
        return max(norms)
    return _leaf_norm(np.array(norms), p)


def clip_grad_norm(grads, max_norm: float, norm_type: float = 2.0,
                   error_if_nonfinite: bool = False):
    r"""Rescale ``grads`` so that their global norm is at most ``max_norm``.

    .. math::
        g \leftarrow g \cdot \min\Bigl(1,\ \frac{c}{\|g\| + 10^{-6}}\Bigr)

    Parameters
    ----------
    grads : array or list/tuple/dict of arrays
    max_norm : float
        :math:`c`, the largest norm allowed (>= 0).
    norm_type : float or "inf"
        :math:`p` of the norm (2 by default).
    error_if_nonfinite : bool
        Raise ``ValueError`` when the norm is NaN or infinite (PyTorch's
        option). Otherwise a NaN norm makes every gradient NaN, as in PyTorch:
        nothing is silently replaced.

    Returns
    -------
    (clipped, total_norm)
        New arrays in the structure of ``grads``, and the norm *before*
        clipping (what ``clip_grad_norm_`` returns).

    Examples
    --------
    >>> g, n = clip_grad_norm(np.array([3.0, 4.0]), max_norm=1.0)
    >>> n, np.round(g, 6)
    (5.0, array([0.6, 0.8]))
    """
    arrays, rebuild = _leaves(grads)
    c = check_nonnegative(max_norm, "max_norm")
    total = global_norm(arrays, norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise ValueError(f"the total norm of the gradients is {total}: refusing to clip "
                         "(error_if_nonfinite=True)")
    coef = min(c / (total + 1e-6), 1.0) if not math.isnan(total) else math.nan
    out = []
    for g in arrays:
        work = working_dtype(g.dtype)
        with np.errstate(invalid="ignore"):      # inf * 0 is NaN, as in PyTorch
            scaled = g.astype(work) * work.type(coef)
        out.append(np.asarray(scaled).astype(g.dtype, copy=False))
    return rebuild(out), total


def clip_grad_value(grads, clip_value: float):
    r"""Clip every component of ``grads`` to :math:`[-c, c]`.

    NaN stays NaN (NumPy's clip propagates it, as PyTorch's clamp does).

    Examples
    --------
    >>> clip_grad_value(np.array([-3.0, 0.5, 2.0]), 1.0)
    array([-1. ,  0.5,  1. ])
    """
    arrays, rebuild = _leaves(grads)
    c = check_nonnegative(clip_value, "clip_value")
    return rebuild([np.clip(g, -c, c).astype(g.dtype, copy=False) for g in arrays])
