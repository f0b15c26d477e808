"""The registry of the course's derivations (its own module, so each part can register)."""

from __future__ import annotations

from ..core.registry import Registry

__all__ = ["REGISTRY", "register"]

#: Every derivation of the course, by function name, in course order.
REGISTRY = Registry("derivation")


def register(fn):
    """Decorator: add a derivation function to :data:`REGISTRY` under its name."""
    REGISTRY.add(fn.__name__, fn)
    return fn
