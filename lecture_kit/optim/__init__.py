r"""Optimizers as pure ``init`` / ``step`` pairs, with PyTorch's exact update rules.

An optimizer is built by a factory that takes PyTorch's hyper-parameter names
and defaults, and returns an :class:`Optimizer` with two pure methods::

    opt = adam(lr=0.1)
    state = opt.init(w)                        # AdamState(step=0, exp_avg=..., ...)
    w, state = opt.step(w, grad(w), state)     # new arrays; inputs untouched

* ``init(params) -> state``: the state is a :class:`~typing.NamedTuple` that a
  student can print (``SGDState(step=3, momentum_buffer=array([...]))``).
* ``step(params, grads, state) -> (params, state)`` never mutates ``params``,
  ``grads`` or ``state``: it returns new arrays (written in place only while
  they are being built, which is how it stays fast).
* ``step_(params, grads, state)`` (opt-in, PyTorch's trailing underscore) gives
  exactly the numbers of ``step`` but writes them **into** ``params`` and the
  state's buffers, as ``torch.optim`` does: a little faster on large arrays
  (``bench/results_optim.md``), and the only method here that mutates.
* ``params`` is usually one array. A list, tuple or dict of arrays (nested as
  deep as you like) also works; ``grads`` must have the same structure and
  the state buffers follow it.
* :func:`trajectory` runs an optimizer on a gradient function and returns all
  iterates, for plotting paths on a loss landscape.

The update rules are those of ``torch.optim`` (2.x, ``maximize=False``,
single-tensor code path), checked step by step against PyTorch trajectories in
``tests/fixtures/torch_optim.npz``. Where the course teaches another form,
momentum as an exponential moving average, it has its own name,
:func:`momentum_ema`, and its docstring derives how it maps onto PyTorch's.

Where things are: :mod:`.base` (the :class:`Optimizer`, the registry,
:func:`trajectory`), :mod:`.sgd` (SGD, momentum), :mod:`.adaptive` (Adagrad,
RMSprop, Adadelta, Adam, AdamW). A factory decorated with :func:`register`
is an optimizer of the course: :func:`names`, :func:`get` and the optimizer
explorer find it, with what its β means.

Notation in the docstrings: :math:`\theta` parameters, :math:`g_t` the
gradient at step :math:`t = 1, 2, \dots` (after adding weight decay
:math:`\lambda\theta` where that option exists), :math:`\gamma` the learning
rate; all operations are elementwise.

dtypes: float32 parameters stay float32 (hyper-parameters are applied as
Python floats, which NumPy does not let upcast an array) and the state
buffers have the dtype of the parameters. Integer parameters become float64.
float16 parameters are updated in float32 with float32 state and cast back.
"""

from __future__ import annotations

import numpy as np  # noqa: F401  (the examples of the factories use np)

# the factories register in import order: the order of the course
from .base import (REGISTRY, ExplorerEntry, Optimizer, explorer_entries, for_explorer, get,
                   names, register, trajectory)
from .sgd import MomentumEMAState, SGDState, momentum_ema, sgd
from .adaptive import (AdadeltaState, AdagradState, AdamState, RMSpropState, adadelta, adagrad,
                       adam, adamw, rmsprop)
from ..core.validation import (as_float_array, check_nonnegative,  # noqa: F401 (were importable)
                               check_probability, check_same_shape)

__all__ = [
    "Optimizer",
    "sgd",
    "momentum_ema",
    "adagrad",
    "rmsprop",
    "adadelta",
    "adam",
    "adamw",
    "trajectory",
    "get",
    "names",
    "REGISTRY",
    "register",
    "ExplorerEntry",
    "explorer_entries",
    "for_explorer",
    "SGDState",
    "MomentumEMAState",
    "AdagradState",
    "RMSpropState",
    "AdadeltaState",
    "AdamState",
]
