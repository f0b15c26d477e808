"""lecture_kit: the NumPy companion of the course *Why deep networks train*.

Each concept of the course lives in one short module:

========================  ==================================================
``activations``           activation functions, their derivatives, formulas
``approximation``         constructive approximants and linear-piece counts
``losses``                loss functions returning ``(value, gradient)``
``init``                  weight initializers (Xavier/Glorot, He/Kaiming, ...)
``optim``                 optimizers as pure ``init``/``step`` pairs
``schedules``             learning-rate schedules, usable with any optimizer
``clipping``              gradient clipping by global norm and by value
``normalization``         batch norm and layer norm, forward and backward
``derivations``           step-by-step SymPy derivations used in the chapters
``autodiff``              a scalar reverse-mode autodiff that draws its graph
``mlp``                   a NumPy MLP that records per-layer quantities
``gradcheck``             finite-difference gradient checking
``data``                  small offline datasets
``landscapes``            optimizer test functions with analytic gradients
``plots``, ``widgets``    the figures and explorers of the book
``check``                 self-check functions for the exercises
========================  ==================================================

Submodules are imported on first use, so ``import lecture_kit`` stays cheap
and never imports matplotlib or ipywidgets.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_SUBMODULES = (
    "activations",
    "approximation",
    "autodiff",
    "check",
    "clipping",
    "data",
    "derivations",
    "gradcheck",
    "init",
    "landscapes",
    "losses",
    "mlp",
    "normalization",
    "optim",
    "plots",
    "schedules",
    "widgets",
)

__all__ = list(_SUBMODULES) + ["__version__"]


def __getattr__(name):
    if name in _SUBMODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
