"""What a network is built from: activations, initializers and losses chosen by name.

Shared by :mod:`lecture_kit.mlp` and :mod:`lecture_kit.depth` (the models layer).
"""

from __future__ import annotations

import inspect
from typing import Callable

import numpy as np

from . import activations as _activations
from . import init as _init
from . import losses as _losses
from .core.validation import as_float_array, check_float_dtype

__all__ = ["LOSSES", "IDENTITY", "resolve_activation", "resolve_init", "call_init",
           "resolve_loss", "check_layer_dtype"]

#: Losses the MLP accepts by name, with the task each one implies.
LOSSES = {
    "mse": "regression",
    "cross_entropy": "multiclass",
    "bce_with_logits": "binary",
    "bce": "binary",
}


IDENTITY = _activations.get("identity")


def resolve_activation(spec, where: str):
    """An activation from a name (``None``/``"linear"``: the identity) or an object with ``grad``."""
    if spec is None or spec == "linear":
        return IDENTITY
    return _activations.as_activation(spec, where=where)


def resolve_init(spec) -> Callable:
    """An initializer function from a name of :func:`lecture_kit.init.names` or a callable."""
    if isinstance(spec, str):
        return _init.get(spec)
    if callable(spec):
        return spec
    raise TypeError(
        f"init must be an initializer name ({', '.join(_init.names())}) or a "
        f"callable (fan_in, fan_out, rng=...) -> array, got {spec!r}"
    )


def call_init(fn: Callable, fan_in: int, fan_out: int, rng, dtype, kwargs: dict):
    """Call an initializer, passing ``rng``/``dtype`` only if it accepts them."""
    try:
        accepted = inspect.signature(fn).parameters
    except (TypeError, ValueError):  # builtins without a signature
        accepted = {}
    has_var_kw = any(p.kind is p.VAR_KEYWORD for p in accepted.values())
    extra = dict(kwargs)
    if "rng" in accepted or has_var_kw:
        extra.setdefault("rng", rng)
    if "dtype" in accepted:
        extra.setdefault("dtype", dtype)
    W = as_float_array(fn(fan_in, fan_out, **extra), "init(...)")
    if W.shape != (fan_in, fan_out):
        raise ValueError(
            f"init returned shape {W.shape}, expected (fan_in, fan_out) = {(fan_in, fan_out)}"
        )
    return np.ascontiguousarray(W, dtype=dtype)


def resolve_loss(spec):
    """Return ``(function, task)`` for a loss name or a callable."""
    if isinstance(spec, str):
        if spec not in LOSSES:
            raise ValueError(f"Unknown loss {spec!r}; known: {', '.join(LOSSES)}")
        return getattr(_losses, spec), LOSSES[spec]
    if callable(spec):
        return spec, None
    raise TypeError(f"loss must be a name ({', '.join(LOSSES)}) or a callable, got {spec!r}")


def check_layer_dtype(dtype) -> np.dtype:
    """The dtype of a network's parameters: float32 or float64."""
    return check_float_dtype(dtype, ("float32", "float64"))


