"""lecture_kit: the NumPy companion of the course *Why deep networks train*.

Each concept of the course lives in one short module, in layers that import
downwards only (see CONTRIBUTING.md):

==========================  ================================================
``core``                    validation, the one ``Registry``, stable numerics
``activations``             activation functions by family, their
                            derivatives, formulas and verified properties
``losses``                  loss functions returning ``(value, gradient)``
``init``                    weight initializers (Xavier/Glorot, He/Kaiming)
``optim``                   optimizers as pure ``init``/``step`` pairs
``schedules``, ``clipping``  learning-rate schedules for any optimizer;
                            gradient clipping by global norm and by value
``normalization``           batch norm and layer norm, forward and backward
``data``, ``gradcheck``     small offline datasets; finite differences
``approximation``           constructive approximants, linear-piece counts
``mlp``                     a NumPy MLP that records per-layer quantities
                            (``depth`` holds the depth probe)
``autodiff``                a scalar reverse-mode autodiff (no drawing)
``landscapes``              optimizer test functions, analytic gradients
``plots``, ``graphs``       the figures of the book (graphs: autodiff graphs)
``explorer``, ``explorers``  the explorer engine; the chapters' explorers
``widgets``                 the engine and the explorers under one name
``derivations``             the proof checker and the course's derivations
``check``                   self-check functions for the exercises
==========================  ================================================

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
    "core",
    "data",
    "depth",
    "derivations",
    "explorer",
    "explorers",
    "figures",
    "gradcheck",
    "graphs",
    "init",
    "landscapes",
    "losses",
    "mlp",
    "normalization",
    "notebook",
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
