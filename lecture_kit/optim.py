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

import inspect
import math
import numbers
from typing import Any, Callable, NamedTuple

import numpy as np

from .core.registry import Registry
from .core.validation import (
    as_float_array,
    check_flag,
    check_nonnegative,
    check_probability,
    check_real,
    check_same_shape,
    working_dtype,
)

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


# ----------------------------------------------------------------------------
# states
# ----------------------------------------------------------------------------
class SGDState(NamedTuple):
    """State of :func:`sgd`. ``momentum_buffer`` is ``None`` until the first step
    (PyTorch creates it then, as a copy of the gradient) and stays ``None``
    without momentum."""

    step: int
    momentum_buffer: Any


class MomentumEMAState(NamedTuple):
    """State of :func:`momentum_ema`: the moving average ``velocity`` starts at 0."""

    step: int
    velocity: Any


class AdagradState(NamedTuple):
    """State of :func:`adagrad`: ``sum`` of squared gradients."""

    step: int
    sum: Any


class RMSpropState(NamedTuple):
    """State of :func:`rmsprop`; the optional buffers are ``None`` when unused."""

    step: int
    square_avg: Any
    momentum_buffer: Any
    grad_avg: Any


class AdadeltaState(NamedTuple):
    """State of :func:`adadelta`."""

    step: int
    square_avg: Any
    acc_delta: Any


class AdamState(NamedTuple):
    """State of :func:`adam` and :func:`adamw`; ``max_exp_avg_sq`` only with ``amsgrad``."""

    step: int
    exp_avg: Any
    exp_avg_sq: Any
    max_exp_avg_sq: Any


# ----------------------------------------------------------------------------
# the registry: each factory declares itself and what its beta means
# ----------------------------------------------------------------------------
#: Every optimizer factory by name, in the order of the course.
REGISTRY = Registry("optimizer")


class ExplorerEntry(NamedTuple):
    """How a chapter explorer offers a factory: a name, fixed keywords, a β.

    ``beta`` is the hyper-parameter the explorer's β slider sets (``None``: the
    optimizer has none and ignores the slider); when its default is a tuple
    (Adam's ``betas``) β replaces the first element. ``beta_meaning`` is what
    the slider means for it, shown in labels.
    """

    name: str
    factory: str
    fixed: dict
    beta: Any
    beta_meaning: Any


def register(*explorer):
    """Decorator: register a factory under its name, with how the explorer offers it.

    Each positional argument is ``(explorer_name, fixed_kwargs, beta_param,
    beta_meaning)``, one way the optimizer explorer offers the factory; by
    default it offers it once, under its own name, without a β.
    """
    def decorate(factory):
        entries = explorer or ((factory.__name__, {}, None, None),)
        REGISTRY.add(factory.__name__, factory, explorer=tuple(
            ExplorerEntry(n, factory.__name__, dict(f), b, m) for n, f, b, m in entries))
        return factory
    return decorate


# ----------------------------------------------------------------------------
# parameter trees ("pytree-light")
# ----------------------------------------------------------------------------
_LEAF = None


def _is_container(node) -> bool:
    if isinstance(node, dict):
        return True
    if isinstance(node, (list, tuple)):
        return any(isinstance(c, np.ndarray) or _is_container(c) for c in node)
    return False


def _flatten(tree):
    """Return ``(leaves, treedef, paths)``; a list of plain numbers is one leaf."""
    leaves, paths = [], []

    def rec(node, path):
        if isinstance(node, dict):
            keys = tuple(node)
            return (dict, keys, tuple(rec(node[k], f"{path}[{k!r}]") for k in keys))
        if isinstance(node, (list, tuple)) and _is_container(node):
            children = tuple(rec(c, f"{path}[{i}]") for i, c in enumerate(node))
            return (type(node), len(node), children)
        leaves.append(node)
        paths.append(path)
        return _LEAF

    treedef = rec(tree, "")
    return leaves, treedef, paths


def _flatten_like(tree, treedef, name: str) -> list:
    """Leaves of ``tree`` in the order of ``treedef``; ValueError if the structure differs."""
    leaves = []

    def rec(node, d, path):
        if d is _LEAF:
            leaves.append(node)
            return
        kind, meta, children = d
        if kind is dict:
            if not isinstance(node, dict) or set(node) != set(meta):
                got = sorted(map(repr, node)) if isinstance(node, dict) else type(node).__name__
                raise ValueError(
                    f"{name}{path} must have the structure of params: a dict with "
                    f"keys {sorted(map(repr, meta))}, got {got}"
                )
            for k, c in zip(meta, children):
                rec(node[k], c, f"{path}[{k!r}]")
        else:
            if not isinstance(node, (list, tuple)) or len(node) != meta:
                got = f"length {len(node)}" if isinstance(node, (list, tuple)) else type(node).__name__
                raise ValueError(
                    f"{name}{path} must have the structure of params: a sequence of "
                    f"{meta} arrays, got {got}"
                )
            for i, (x, c) in enumerate(zip(node, children)):
                rec(x, c, f"{path}[{i}]")

    rec(tree, treedef, "")
    return leaves


def _unflatten(treedef, leaves):
    it = iter(leaves)

    def rec(d):
        if d is _LEAF:
            return next(it)
        kind, meta, children = d
        if kind is dict:
            return {k: rec(c) for k, c in zip(meta, children)}
        items = [rec(c) for c in children]
        return kind(*items) if hasattr(kind, "_fields") else kind(items)

    return rec(treedef)


def _betas(betas) -> tuple[float, float]:
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise TypeError(f"betas must be a pair (beta1, beta2), got {betas!r}")
    b1 = check_probability(betas[0], "beta parameter at index 0")
    b2 = check_probability(betas[1], "beta parameter at index 1")
    return (b1, b2)


# ----------------------------------------------------------------------------
# the optimizer object
# ----------------------------------------------------------------------------
class Optimizer:
    """A named optimizer with pure :meth:`init` and :meth:`step`.

    Built by the factories (:func:`sgd`, :func:`adam`, ...); not meant to be
    instantiated directly.

    Attributes
    ----------
    name : str
        Factory name, e.g. ``"adam"``.
    hyperparams : dict
        A copy of the hyper-parameters, e.g. ``{"lr": 0.001, ...}``.
    latex : str
        The update rule in LaTeX, for a chapter to display.
    """

    __slots__ = ("name", "_hyperparams", "latex", "_state_type", "_fields",
                 "_init_leaf", "_update_leaf")

    def __init__(self, name: str, hyperparams: dict, latex: str, state_type,
                 init_leaf: Callable, update_leaf: Callable):
        self.name = name
        self._hyperparams = dict(hyperparams)
        self.latex = latex
        self._state_type = state_type
        self._fields = state_type._fields[1:]  # every field but "step"
        self._init_leaf = init_leaf
        self._update_leaf = update_leaf

    @property
    def hyperparams(self) -> dict:
        return dict(self._hyperparams)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self._hyperparams.items())
        return f"{self.name}({args})"

    # -- init ------------------------------------------------------------------
    def init(self, params):
        """Return the initial state for ``params`` (an array or a tree of arrays)."""
        leaves, treedef, paths = _flatten(params)
        per_leaf = []
        for leaf, path in zip(leaves, paths):
            p = as_float_array(leaf, f"params{path}")
            per_leaf.append(self._init_leaf(p.astype(working_dtype(p.dtype), copy=False)))
        fields = []
        for j in range(len(self._fields)):
            bufs = [b[j] for b in per_leaf]
            fields.append(None if all(b is None for b in bufs) else _unflatten(treedef, bufs))
        return self._state_type(0, *fields)

    # -- step ------------------------------------------------------------------
    def step(self, params, grads, state):
        """One update. Returns ``(new_params, new_state)``; mutates nothing.

        Raises
        ------
        ValueError
            If ``grads`` (or a state buffer) does not have the shape or the
            structure of ``params``; the message names both shapes.
        TypeError
            For non-numeric ``params`` or ``grads``, or a state that does not
            come from this kind of optimizer.
        """
        if not isinstance(state, self._state_type):
            raise TypeError(
                f"state must be the {self._state_type.__name__} returned by "
                f"{self.name}(...).init, got {type(state).__name__}"
            )
        p_leaves, treedef, paths = _flatten(params)
        g_leaves = _flatten_like(grads, treedef, "grads")
        buffers = []
        for field in self._fields:
            tree = getattr(state, field)
            buffers.append([None] * len(p_leaves) if tree is None
                           else _flatten_like(tree, treedef, f"state.{field}"))
        t = int(state.step) + 1

        new_params, new_buffers = [], [[] for _ in self._fields]
        for i, (p_in, g_in) in enumerate(zip(p_leaves, g_leaves)):
            p_name, g_name = f"params{paths[i]}", f"grads{paths[i]}"
            p = as_float_array(p_in, p_name)
            g = as_float_array(g_in, g_name)
            check_same_shape(p, g, p_name, g_name)
            work = working_dtype(p.dtype)
            bufs = []
            for field, b in zip(self._fields, buffers):
                if b[i] is not None:
                    arr = np.asarray(b[i])
                    if arr.shape != p.shape:
                        raise ValueError(
                            f"state.{field}{paths[i]} has shape {arr.shape} but "
                            f"{p_name} has shape {p.shape}: was the state made by "
                            "init() for these params?"
                        )
                    bufs.append(arr.astype(work, copy=False))
                else:
                    bufs.append(None)
            new_p, new_bufs = self._update_leaf(
                p.astype(work, copy=False), g.astype(work, copy=False), tuple(bufs), t
            )
            # np.asarray: 0-d arithmetic gives NumPy scalars; keep arrays throughout
            new_params.append(np.asarray(new_p).astype(p.dtype, copy=False))
            for lst, b in zip(new_buffers, new_bufs):
                lst.append(None if b is None else np.asarray(b))
        fields = [None if all(b is None for b in lst) else _unflatten(treedef, lst)
                  for lst in new_buffers]
        return _unflatten(treedef, new_params), self._state_type(t, *fields)


def _zeros(p):
    return np.zeros_like(p)


# ----------------------------------------------------------------------------
# SGD
# ----------------------------------------------------------------------------
@register(("sgd", {}, None, None),
          ("momentum", {"momentum": 0.9}, "momentum", "momentum μ"),
          ("nesterov", {"momentum": 0.9, "nesterov": True}, "momentum", "momentum μ"))
def sgd(lr: float = 1e-3, momentum: float = 0.0, dampening: float = 0.0,
        nesterov: bool = False, weight_decay: float = 0.0) -> Optimizer:
    r"""Stochastic gradient descent with optional momentum, as ``torch.optim.SGD``.

    .. math::
        g_t &\leftarrow \nabla f(\theta_{t-1}) + \lambda\,\theta_{t-1} \\
        b_t &\leftarrow \begin{cases} g_t & t = 1 \\
              \mu\, b_{t-1} + (1-\tau)\, g_t & t > 1 \end{cases}
              \qquad (\text{if } \mu \ne 0) \\
        d_t &\leftarrow \begin{cases} g_t + \mu\, b_t & \text{nesterov} \\
              b_t & \text{otherwise} \end{cases}
              \qquad (d_t = g_t \text{ if } \mu = 0) \\
        \theta_t &\leftarrow \theta_{t-1} - \gamma\, d_t

    Parameters
    ----------
    lr : float
        Learning rate :math:`\gamma \ge 0` (PyTorch's default 1e-3).
    momentum : float
        :math:`\mu \ge 0`.
    dampening : float
        :math:`\tau`; scales the new gradient in the buffer from step 2 on.
    nesterov : bool
        Nesterov momentum; needs ``momentum > 0`` and ``dampening == 0``.
    weight_decay : float
        :math:`\lambda \ge 0`, an L2 penalty added to the gradient.

    Returns
    -------
    Optimizer
        With state :class:`SGDState`.

    Raises
    ------
    ValueError
        Negative ``lr``, ``momentum`` or ``weight_decay``; ``nesterov``
        without momentum or with dampening.
    TypeError
        Non-numeric hyper-parameters, non-boolean ``nesterov``.

    Notes
    -----
    *The first step is special.* PyTorch sets :math:`b_1 = g_1` — no
    dampening — so ``dampening=mu`` is **not** the moving average of
    :func:`momentum_ema`, which starts from 0 (see there).

    *This is the seeds' "SGD+Momentum"* (:math:`v_{t+1} = \rho v_t + \nabla
    f(x_t)`, :math:`x_{t+1} = x_t - \alpha v_{t+1}` with :math:`v_0 = 0`), and
    Sutskever et al.'s form :math:`v \leftarrow \mu v - \gamma g`,
    :math:`\theta \leftarrow \theta + v` is the same with :math:`v = -\gamma b`
    (for a constant learning rate).

    *Nesterov.* The seeds write :math:`v_t = \mu v_{t-1} - \epsilon\nabla
    f(\theta_{t-1} + \mu v_{t-1})`, :math:`\theta_t = \theta_{t-1} + v_t`: the
    gradient is taken at a look-ahead point. PyTorch's iterate *is* that
    look-ahead point, :math:`\tilde\theta_t = \theta_t + \mu v_t`; substituting
    gives exactly the rule above with :math:`b = -v/\epsilon`
    (``tests/test_optim.py`` checks this step by step).

    With momentum :math:`\mu` and a constant gradient the step grows to
    :math:`\gamma g/(1-\mu)` (10× the plain step for :math:`\mu = 0.9`).

    Examples
    --------
    >>> opt = sgd(lr=0.1, momentum=0.9)
    >>> opt
    sgd(lr=0.1, momentum=0.9, dampening=0.0, nesterov=False, weight_decay=0.0)
    >>> w = np.array([1.0, -2.0])
    >>> state = opt.init(w)
    >>> state
    SGDState(step=0, momentum_buffer=None)
    >>> w, state = opt.step(w, 2 * w, state)   # gradient of |w|^2
    >>> w, state.momentum_buffer
    (array([ 0.8, -1.6]), array([ 2., -4.]))
    """
    lr = check_nonnegative(lr, "learning rate")
    momentum = check_nonnegative(momentum, "momentum value")
    dampening = check_real(dampening, "dampening")
    nesterov = check_flag(nesterov, "nesterov")
    weight_decay = check_nonnegative(weight_decay, "weight_decay value")
    if nesterov and (momentum <= 0 or dampening != 0):
        raise ValueError(
            "Nesterov momentum requires a momentum and zero dampening, got "
            f"momentum={momentum!r}, dampening={dampening!r}"
        )

    def init_leaf(p):
        return (None,)

    def update_leaf(p, g, bufs, t):
        (buf,) = bufs
        if weight_decay != 0:
            g = g + weight_decay * p
        if momentum != 0:
            if buf is None:  # first step: b_1 = g_1, no dampening (PyTorch)
                buf = g.copy()
            else:
                buf = momentum * buf + (1 - dampening) * g
            d = g + momentum * buf if nesterov else buf
        else:
            buf, d = None, g
        return p - lr * d, (buf,)

    latex = (r"b_t = \mu b_{t-1} + (1-\tau) g_t\ (b_1 = g_1),\quad "
             r"\theta_t = \theta_{t-1} - \gamma\,(g_t + \mu b_t \text{ if nesterov else } b_t)")
    hp = dict(lr=lr, momentum=momentum, dampening=dampening, nesterov=nesterov,
              weight_decay=weight_decay)
    return Optimizer("sgd", hp, latex, SGDState, init_leaf, update_leaf)


@register(("momentum_ema", {}, "beta", "β"))
def momentum_ema(lr: float, beta: float = 0.9) -> Optimizer:
    r"""Momentum as an exponential moving average of gradients (the course's form).

    .. math::
        v_0 = 0, \qquad
        v_t \leftarrow \beta\, v_{t-1} + (1-\beta)\, g_t, \qquad
        \theta_t \leftarrow \theta_{t-1} - \gamma\, v_t

    No bias correction (so the first steps are short: :math:`v_1 = (1-\beta)
    g_1`).

    Parameters
    ----------
    lr : float
        :math:`\gamma \ge 0`.
    beta : float
        :math:`\beta \in [0, 1)`; ``beta=0`` is plain gradient descent.

    Returns
    -------
    Optimizer
        With state :class:`MomentumEMAState`.

    Notes
    -----
    **Mapping onto PyTorch's form** :math:`b_t = \mu b_{t-1} + g_t`
    (``sgd(momentum=mu)``, dampening 0, :math:`b_1 = g_1`). Take
    :math:`\mu = \beta`. Then :math:`v_t = (1-\beta)\,b_t` for every
    :math:`t \ge 1`, by induction: :math:`v_1 = (1-\beta) g_1 = (1-\beta) b_1`,
    and if :math:`v_{t-1} = (1-\beta) b_{t-1}` then
    :math:`v_t = \beta(1-\beta) b_{t-1} + (1-\beta) g_t = (1-\beta) b_t`.
    So the steps :math:`\gamma v_t = \gamma(1-\beta)\, b_t` agree, and

    .. math::
        \texttt{momentum\_ema(lr}=\gamma, \texttt{beta}=\beta\texttt{)}
        \;\equiv\;
        \texttt{sgd(lr}=(1-\beta)\gamma, \texttt{momentum}=\beta\texttt{)}

    iterate for iterate, from the first step (up to rounding; the test suite
    checks it against PyTorch). Equivalently PyTorch's :math:`b_1 = g_1 =
    v_1/(1-\beta)`. The same learning rate in both forms therefore means a
    :math:`1/(1-\beta)` = 10 times larger step in PyTorch's form.

    **Dampening is not the same thing.** ``sgd(lr=gamma, momentum=beta,
    dampening=beta)`` has the EMA recursion from step 2 on, but PyTorch's
    first step takes the *undamped* gradient, :math:`b_1 = g_1`, where the
    EMA has :math:`v_1 = (1-\beta) g_1`. It is the EMA started from
    :math:`v_0 = g_1` instead of 0: the two trajectories differ from the very
    first step (by :math:`\gamma\beta g_1`), and the difference never
    disappears exactly.

    **Amplification.** With a constant gradient :math:`g`, :math:`v_t =
    (1-\beta^t) g \to g`: the EMA never makes a step longer than plain
    gradient descent with the same :math:`\gamma`. What it buys is damping of
    oscillating components, which allows a larger :math:`\gamma`. (The seeds
    say the moving average *increases* the update along consistent
    directions; that is true of PyTorch's form, not of the EMA.)

    Examples
    --------
    >>> opt = momentum_ema(lr=1.0, beta=0.9)
    >>> w, state = opt.step(np.array([1.0]), np.array([1.0]), opt.init(np.array([1.0])))
    >>> w, state.velocity                  # v_1 = (1 - beta) g_1
    (array([0.9]), array([0.1]))
    """
    lr = check_nonnegative(lr, "learning rate")
    beta = check_probability(beta, "beta")

    def init_leaf(p):
        return (_zeros(p),)

    def update_leaf(p, g, bufs, t):
        (v,) = bufs
        v = beta * v + (1 - beta) * g
        return p - lr * v, (v,)

    latex = r"v_t = \beta v_{t-1} + (1-\beta) g_t\ (v_0 = 0),\quad \theta_t = \theta_{t-1} - \gamma v_t"
    return Optimizer("momentum_ema", dict(lr=lr, beta=beta), latex, MomentumEMAState,
                     init_leaf, update_leaf)


# ----------------------------------------------------------------------------
# adaptive methods
# ----------------------------------------------------------------------------
@register()
def adagrad(lr: float = 1e-2, lr_decay: float = 0.0, weight_decay: float = 0.0,
            initial_accumulator_value: float = 0.0, eps: float = 1e-10) -> Optimizer:
    r"""Adagrad, as ``torch.optim.Adagrad``.

    .. math::
        g_t &\leftarrow \nabla f(\theta_{t-1}) + \lambda\theta_{t-1} \\
        \tilde\gamma_t &\leftarrow \gamma / \big(1 + (t-1)\,\eta\big) \\
        s_t &\leftarrow s_{t-1} + g_t^2, \qquad s_0 = \text{initial\_accumulator\_value} \\
        \theta_t &\leftarrow \theta_{t-1} - \tilde\gamma_t\, \frac{g_t}{\sqrt{s_t} + \epsilon}

    Parameters
    ----------
    lr : float
        :math:`\gamma \ge 0`.
    lr_decay : float
        :math:`\eta \ge 0`.
    weight_decay : float
        :math:`\lambda \ge 0`.
    initial_accumulator_value : float
        :math:`s_0 \ge 0`.
    eps : float
        :math:`\epsilon \ge 0`, added *outside* the square root.

    Returns
    -------
    Optimizer
        With state :class:`AdagradState` (field ``sum``, PyTorch's name).

    Notes
    -----
    Because :math:`s_t` only grows, the effective step
    :math:`\gamma/\sqrt{s_t}` only shrinks — the reason RMSprop replaced the
    sum by a moving average. The paper (Duchi et al., 2011) puts
    :math:`\epsilon` outside the root as here; Keras' default
    ``initial_accumulator_value`` is 0.1 and its ``epsilon`` 1e-7.

    Examples
    --------
    >>> opt = adagrad(lr=0.5)
    >>> w, state = opt.step(np.array([1.0]), np.array([3.0]), opt.init(np.array([1.0])))
    >>> w, state.sum     # first step: g / |g| = sign(g)
    (array([0.5]), array([9.]))
    """
    lr = check_nonnegative(lr, "learning rate")
    lr_decay = check_nonnegative(lr_decay, "lr_decay value")
    weight_decay = check_nonnegative(weight_decay, "weight_decay value")
    initial_accumulator_value = check_nonnegative(
        initial_accumulator_value, "initial_accumulator_value value")
    eps = check_nonnegative(eps, "epsilon value")

    def init_leaf(p):
        return (np.full_like(p, initial_accumulator_value),)

    def update_leaf(p, g, bufs, t):
        (s,) = bufs
        if weight_decay != 0:
            g = g + weight_decay * p
        clr = lr / (1 + (t - 1) * lr_decay)
        s = s + g * g
        std = np.sqrt(s)
        std += eps
        return p - clr * (g / std), (s,)

    latex = (r"s_t = s_{t-1} + g_t^2,\quad \theta_t = \theta_{t-1} - "
             r"\frac{\gamma}{1+(t-1)\eta}\,\frac{g_t}{\sqrt{s_t}+\epsilon}")
    hp = dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
              initial_accumulator_value=initial_accumulator_value, eps=eps)
    return Optimizer("adagrad", hp, latex, AdagradState, init_leaf, update_leaf)


@register(("rmsprop", {}, "alpha", "alpha"))
def rmsprop(lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
            weight_decay: float = 0.0, momentum: float = 0.0,
            centered: bool = False) -> Optimizer:
    r"""RMSprop, as ``torch.optim.RMSprop``.

    .. math::
        g_t &\leftarrow \nabla f(\theta_{t-1}) + \lambda\theta_{t-1} \\
        s_t &\leftarrow \alpha\, s_{t-1} + (1-\alpha)\, g_t^2 \\
        \bar g_t &\leftarrow \bar g_{t-1} + (1-\alpha)(g_t - \bar g_{t-1})
             \qquad (\text{centered only}) \\
        r_t &\leftarrow \begin{cases} \sqrt{s_t - \bar g_t^2} + \epsilon & \text{centered} \\
              \sqrt{s_t} + \epsilon & \text{otherwise} \end{cases} \\
        b_t &\leftarrow \mu\, b_{t-1} + g_t / r_t, \qquad b_0 = 0 \\
        \theta_t &\leftarrow \theta_{t-1} - \gamma\, b_t
              \qquad (\theta_{t-1} - \gamma\, g_t / r_t \text{ if } \mu = 0)

    with all of :math:`s_0, \bar g_0, b_0` zero.

    Parameters
    ----------
    lr : float
        :math:`\gamma \ge 0`.
    alpha : float
        :math:`\alpha \ge 0`, the decay of the moving average (called
        :math:`\rho` or :math:`\beta` elsewhere; Hinton's lecture uses 0.9,
        PyTorch 0.99).
    eps : float
        :math:`\epsilon \ge 0`, outside the square root.
    weight_decay : float
        :math:`\lambda \ge 0`.
    momentum : float
        :math:`\mu \ge 0`.
    centered : bool
        Divide by an estimate of the standard deviation of the gradient
        instead of its root mean square.

    Returns
    -------
    Optimizer
        With state :class:`RMSpropState`.

    Notes
    -----
    Unlike :func:`sgd`, the momentum buffer starts at 0, not at the first
    (scaled) gradient. TensorFlow 1's ``RMSPropOptimizer`` put
    :math:`\epsilon` inside the root, :math:`\sqrt{s_t + \epsilon}`. If
    rounding makes the centred variance :math:`s_t - \bar g_t^2` slightly
    negative (a nearly constant gradient), it is clamped to 0 here where
    PyTorch would return NaN.

    Examples
    --------
    >>> opt = rmsprop(lr=0.01, alpha=0.99)
    >>> w, _ = opt.step(np.array([1.0]), np.array([5.0]), opt.init(np.array([1.0])))
    >>> w     # first step is lr * g / sqrt(0.01 g^2) = 10 lr sign(g)
    array([0.9])
    """
    lr = check_nonnegative(lr, "learning rate")
    alpha = check_nonnegative(alpha, "alpha value")
    eps = check_nonnegative(eps, "epsilon value")
    weight_decay = check_nonnegative(weight_decay, "weight_decay value")
    momentum = check_nonnegative(momentum, "momentum value")
    centered = check_flag(centered, "centered")

    def init_leaf(p):
        return (_zeros(p), _zeros(p) if momentum > 0 else None,
                _zeros(p) if centered else None)

    def update_leaf(p, g, bufs, t):
        s, buf, g_avg = bufs
        if weight_decay != 0:
            g = g + weight_decay * p
        s = alpha * s + (1 - alpha) * (g * g)
        if centered:
            g_avg = g_avg + (1 - alpha) * (g - g_avg)
            r = s - g_avg * g_avg
            np.maximum(r, 0, out=r)  # rounding guard; NaN still propagates
            np.sqrt(r, out=r)
        else:
            r = np.sqrt(s)
        r += eps
        if momentum > 0:
            buf = momentum * buf + g / r
            return p - lr * buf, (s, buf, g_avg)
        return p - lr * (g / r), (s, buf, g_avg)

    latex = (r"s_t = \alpha s_{t-1} + (1-\alpha) g_t^2,\quad "
             r"\theta_t = \theta_{t-1} - \gamma\,\frac{g_t}{\sqrt{s_t}+\epsilon}")
    hp = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
              momentum=momentum, centered=centered)
    return Optimizer("rmsprop", hp, latex, RMSpropState, init_leaf, update_leaf)


@register(("adadelta", {}, "rho", "rho"))
def adadelta(lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6,
             weight_decay: float = 0.0) -> Optimizer:
    r"""Adadelta, as ``torch.optim.Adadelta``.

    .. math::
        g_t &\leftarrow \nabla f(\theta_{t-1}) + \lambda\theta_{t-1} \\
        s_t &\leftarrow \rho\, s_{t-1} + (1-\rho)\, g_t^2 \\
        \Delta_t &\leftarrow \frac{\sqrt{u_{t-1} + \epsilon}}{\sqrt{s_t + \epsilon}}\; g_t \\
        u_t &\leftarrow \rho\, u_{t-1} + (1-\rho)\, \Delta_t^2 \\
        \theta_t &\leftarrow \theta_{t-1} - \gamma\, \Delta_t

    with :math:`s_0 = u_0 = 0` (state fields ``square_avg`` and ``acc_delta``).

    Parameters
    ----------
    lr : float
        :math:`\gamma \ge 0`; Zeiler's paper has no learning rate (i.e. 1.0).
    rho : float
        :math:`\rho \in [0, 1]`.
    eps : float
        :math:`\epsilon \ge 0`, *inside* both square roots (unlike Adam). It
        sets the size of the first steps: :math:`|\Delta_1| \approx
        \sqrt{\epsilon/(1-\rho)}` for a large gradient.
    weight_decay : float
        :math:`\lambda \ge 0`.

    Returns
    -------
    Optimizer
        With state :class:`AdadeltaState`.

    Notes
    -----
    Defaults differ between libraries: PyTorch ``lr=1.0, rho=0.9, eps=1e-6``;
    Keras ``learning_rate=0.001, rho=0.95, epsilon=1e-7``; Zeiler (2012)
    :math:`\rho = 0.95`, :math:`\epsilon = 10^{-6}` and no learning rate. A
    notebook that copies Keras' learning rate into PyTorch's formula moves
    a thousand times too slowly.

    Examples
    --------
    >>> opt = adadelta()
    >>> w, _ = opt.step(np.array([0.0]), np.array([1.0]), opt.init(np.array([0.0])))
    >>> round(float(w[0]), 6)   # -sqrt(1e-6 / (0.1 + 1e-6))
    -0.003162
    """
    lr = check_nonnegative(lr, "learning rate")
    rho = check_probability(rho, "rho value", closed_right=True)
    eps = check_nonnegative(eps, "epsilon value")
    weight_decay = check_nonnegative(weight_decay, "weight_decay value")

    def init_leaf(p):
        return (_zeros(p), _zeros(p))

    def update_leaf(p, g, bufs, t):
        s, u = bufs
        if weight_decay != 0:
            g = g + weight_decay * p
        s = rho * s + (1 - rho) * (g * g)
        std = np.sqrt(s + eps)
        delta = np.sqrt(u + eps)
        delta /= std
        delta *= g
        u = rho * u + (1 - rho) * (delta * delta)
        return p - lr * delta, (s, u)

    latex = (r"\Delta_t = \frac{\sqrt{u_{t-1}+\epsilon}}{\sqrt{s_t+\epsilon}}\,g_t,\quad "
             r"\theta_t = \theta_{t-1} - \gamma\Delta_t")
    hp = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay)
    return Optimizer("adadelta", hp, latex, AdadeltaState, init_leaf, update_leaf)


def _adam_factory(name, lr, betas, eps, weight_decay, amsgrad, decoupled, latex):
    lr = check_nonnegative(lr, "learning rate")
    beta1, beta2 = _betas(betas)
    eps = check_nonnegative(eps, "epsilon value")
    weight_decay = check_nonnegative(weight_decay, "weight_decay value")
    amsgrad = check_flag(amsgrad, "amsgrad")

    def init_leaf(p):
        return (_zeros(p), _zeros(p), _zeros(p) if amsgrad else None)

    def update_leaf(p, g, bufs, t):
        m, v, v_max = bufs
        if weight_decay != 0:
            if decoupled:
                p = p * (1 - lr * weight_decay)  # AdamW: shrink the weights first
            else:
                g = g + weight_decay * p  # Adam: L2 term in the gradient
        # Fresh output arrays, filled in place: no temporaries, inputs untouched.
        m_new = np.empty_like(m)
        v_new = np.empty_like(v)
        p_new = np.empty_like(p)
        # m_t = m + (1 - beta1) (g - m)   [torch's lerp; = beta1 m + (1-beta1) g]
        np.subtract(g, m, out=m_new)
        m_new *= 1 - beta1
        m_new += m
        # v_t = beta2 v + (1 - beta2) g^2   (p_new is scratch here)
        np.multiply(v, beta2, out=v_new)
        np.multiply(g, g, out=p_new)
        p_new *= 1 - beta2
        v_new += p_new
        if amsgrad:
            v_max = np.maximum(v_max, v_new)
            second = v_max
        else:
            second = v_new
        # theta_t = theta - (lr / c1) m / (sqrt(v) / sqrt(c2) + eps), rewritten as
        # theta - (lr sqrt(c2) / c1) m / (sqrt(v) + eps sqrt(c2)): the same number,
        # one pass over the array fewer.
        sqrt_c2 = math.sqrt(1 - beta2**t)
        scale = lr * sqrt_c2 / (1 - beta1**t)
        np.sqrt(second, out=p_new)
        p_new += eps * sqrt_c2
        np.divide(m_new, p_new, out=p_new)
        p_new *= -scale
        p_new += p
        return p_new, (m_new, v_new, v_max)

    hp = dict(lr=lr, betas=(beta1, beta2), eps=eps, weight_decay=weight_decay,
              amsgrad=amsgrad)
    return Optimizer(name, hp, latex, AdamState, init_leaf, update_leaf)


_ADAM_LATEX = (r"m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\quad "
               r"v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2,\quad "
               r"\theta_t = \theta_{t-1} - \gamma\,\frac{m_t/(1-\beta_1^t)}"
               r"{\sqrt{v_t/(1-\beta_2^t)} + \epsilon}")


@register(("adam", {}, "betas", "β₁"))
def adam(lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
         eps: float = 1e-8, weight_decay: float = 0.0,
         amsgrad: bool = False) -> Optimizer:
    r"""Adam, as ``torch.optim.Adam`` (L2 weight decay coupled to the gradient).

    .. math::
        g_t &\leftarrow \nabla f(\theta_{t-1}) + \lambda\theta_{t-1} \\
        m_t &\leftarrow \beta_1 m_{t-1} + (1-\beta_1)\, g_t \\
        v_t &\leftarrow \beta_2 v_{t-1} + (1-\beta_2)\, g_t^2 \\
        \hat v_t &\leftarrow \max(\hat v_{t-1}, v_t) \text{ if amsgrad, else } v_t \\
        \theta_t &\leftarrow \theta_{t-1} - \gamma\,
            \frac{m_t / (1-\beta_1^t)}{\sqrt{\hat v_t / (1-\beta_2^t)} + \epsilon}

    with :math:`m_0 = v_0 = \hat v_0 = 0` (state fields ``exp_avg``,
    ``exp_avg_sq``, ``max_exp_avg_sq``).

    Parameters
    ----------
    lr : float
        :math:`\gamma \ge 0`.
    betas : (float, float)
        :math:`(\beta_1, \beta_2)`, each in :math:`[0, 1)`.
    eps : float
        :math:`\epsilon \ge 0`, added *outside* the square root, after the
        bias correction.
    weight_decay : float
        :math:`\lambda \ge 0`; an L2 term added to the gradient, so it is
        rescaled by the adaptive denominator (see :func:`adamw`).
    amsgrad : bool
        Use the running maximum of :math:`v_t` (PyTorch's variant: the
        maximum of the uncorrected :math:`v`, then bias-corrected; Reddi et
        al. (2018) have no bias correction).

    Returns
    -------
    Optimizer
        With state :class:`AdamState`.

    Notes
    -----
    The bias corrections undo the zero start of the moving averages:
    :math:`m_t/(1-\beta_1^t)` is an average with weights that sum to one, so
    the first step has size about :math:`\gamma` in every coordinate,
    whatever the scale of the gradient.

    Where :math:`\epsilon` sits differs between sources. PyTorch and the
    paper's Algorithm 1 add it to :math:`\sqrt{\hat v_t}`, after the bias
    correction, as above. TensorFlow/Keras use the paper's "more efficient"
    ordering (Kingma & Ba, section 2): the step size
    :math:`\gamma\sqrt{1-\beta_2^t}/(1-\beta_1^t)` times
    :math:`m_t/(\sqrt{v_t} + \hat\epsilon)`, with :math:`\hat\epsilon` added to
    :math:`\sqrt{v_t}` *before* the bias correction. That equals PyTorch's
    rule with :math:`\epsilon = \hat\epsilon/\sqrt{1-\beta_2^t}` (about
    :math:`31.6\,\hat\epsilon` at :math:`t = 1` with :math:`\beta_2 = 0.999`,
    shrinking towards :math:`\hat\epsilon` as :math:`t` grows); conversely,
    PyTorch's :math:`\epsilon` is Keras's :math:`\hat\epsilon =
    \epsilon\sqrt{1-\beta_2^t}`. The paper gives no default for
    :math:`\hat\epsilon`; 1e-7 is Keras's default (PyTorch's :math:`\epsilon`
    is 1e-8). ``tests/test_optim.py`` checks the equivalence over 50 steps.
    The implementation evaluates the algebraically equal form
    :math:`\gamma\sqrt{1-\beta_2^t}/(1-\beta_1^t)\cdot m_t /
    (\sqrt{\hat v_t} + \epsilon\sqrt{1-\beta_2^t})`, which saves one pass over
    the parameters; it agrees with PyTorch to rounding.

    References
    ----------
    Kingma & Ba (2015), *Adam: A method for stochastic optimization*.

    Examples
    --------
    >>> opt = adam(lr=0.1)
    >>> w = np.array([1.0, -1.0])
    >>> w, state = opt.step(w, np.array([1e-3, -50.0]), opt.init(w))
    >>> w.round(6)   # first step: about lr * sign(g), whatever the gradient's scale
    array([ 0.900001, -0.9     ])
    >>> w32 = np.ones(2, dtype=np.float32)
    >>> w32, state = opt.step(w32, np.ones(2, dtype=np.float32), opt.init(w32))
    >>> w32.dtype, state.exp_avg.dtype
    (dtype('float32'), dtype('float32'))
    """
    return _adam_factory("adam", lr, betas, eps, weight_decay, amsgrad, False, _ADAM_LATEX)


@register(("adamw", {}, "betas", "β₁"))
def adamw(lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
          eps: float = 1e-8, weight_decay: float = 1e-2,
          amsgrad: bool = False) -> Optimizer:
    r"""AdamW, as ``torch.optim.AdamW``: Adam with *decoupled* weight decay.

    .. math::
        \theta' &\leftarrow \theta_{t-1}\,(1 - \gamma\lambda) \\
        \theta_t &\leftarrow \theta' - \gamma\,
            \frac{m_t / (1-\beta_1^t)}{\sqrt{\hat v_t / (1-\beta_2^t)} + \epsilon}

    with :math:`m_t, v_t, \hat v_t` exactly as in :func:`adam` but computed
    from the raw gradient :math:`\nabla f(\theta_{t-1})` (no
    :math:`\lambda\theta` term). Note the default ``weight_decay=1e-2``.

    Notes
    -----
    In :func:`adam` the decay term :math:`\lambda\theta` passes through the
    adaptive denominator, so weights with large gradients are barely
    regularised. AdamW shrinks every weight by the same factor
    :math:`1-\gamma\lambda` (Loshchilov & Hutter, 2019). The decay is scaled by
    the learning rate (PyTorch's convention; the paper uses a separate
    schedule multiplier).

    Examples
    --------
    >>> opt = adamw(lr=0.1, weight_decay=0.5)
    >>> w, _ = opt.step(np.array([2.0]), np.array([0.0]), opt.init(np.array([2.0])))
    >>> w       # zero gradient: only the decay acts, 2 * (1 - 0.1 * 0.5)
    array([1.9])
    """
    latex = r"\theta_t = \theta_{t-1}(1-\gamma\lambda) - \gamma\,\frac{\hat m_t}{\sqrt{\hat v_t}+\epsilon}"
    return _adam_factory("adamw", lr, betas, eps, weight_decay, amsgrad, True, latex)


# ----------------------------------------------------------------------------
# running an optimizer
# ----------------------------------------------------------------------------
def trajectory(opt: Optimizer, grad_fn: Callable, x0, steps: int) -> np.ndarray:
    r"""Iterates :math:`x_0, x_1, \dots, x_{\text{steps}}` of ``opt`` on ``grad_fn``.

    Parameters
    ----------
    opt : Optimizer
        From one of the factories.
    grad_fn : callable
        ``grad_fn(x)`` returns the gradient at ``x`` (same shape as ``x``).
    x0 : array_like
        Starting point (one array; copied, never modified).
    steps : int
        Number of updates, ``>= 0``.

    Returns
    -------
    numpy.ndarray
        Shape ``(steps + 1, *x0.shape)``, first row ``x0``, in the floating
        dtype of ``x0``.

    Examples
    --------
    >>> path = trajectory(sgd(lr=0.25), lambda x: 2 * x, np.array([1.0, -2.0]), 3)
    >>> path
    array([[ 1.   , -2.   ],
           [ 0.5  , -1.   ],
           [ 0.25 , -0.5  ],
           [ 0.125, -0.25 ]])
    """
    if not isinstance(opt, Optimizer):
        raise TypeError(f"opt must be an Optimizer (from sgd(), adam(), ...), got {opt!r}")
    if not callable(grad_fn):
        raise TypeError(f"grad_fn must be callable, got {grad_fn!r}")
    if isinstance(steps, (bool, np.bool_)) or not isinstance(steps, numbers.Integral):
        raise TypeError(f"steps must be an integer, got {steps!r}")
    if steps < 0:
        raise ValueError(f"Invalid steps: {steps!r} (must be >= 0)")
    if _is_container(x0):
        raise TypeError("trajectory takes a single array x0; step() handles trees of arrays")
    x = as_float_array(x0, "x0").copy()
    path = np.empty((int(steps) + 1,) + x.shape, dtype=x.dtype)
    path[0] = x
    state = opt.init(x)
    for k in range(int(steps)):
        x, state = opt.step(x, grad_fn(x), state)
        path[k + 1] = x
    return path


# ----------------------------------------------------------------------------
# registry
# ----------------------------------------------------------------------------
def names() -> tuple[str, ...]:
    """Names of the optimizer factories, for :func:`get`, in the order of the course.

    Examples
    --------
    >>> names()
    ('sgd', 'momentum_ema', 'adagrad', 'rmsprop', 'adadelta', 'adam', 'adamw')
    """
    return REGISTRY.names()


def get(name: str, **hyperparams) -> Optimizer:
    """Build the optimizer called ``name`` with ``hyperparams``.

    Raises
    ------
    ValueError
        For an unknown name (the known ones are listed) or an unknown
        hyper-parameter.

    Examples
    --------
    >>> get("adam", lr=0.01)
    adam(lr=0.01, betas=(0.9, 0.999), eps=1e-08, weight_decay=0.0, amsgrad=False)
    """
    return REGISTRY.create(name, **hyperparams)


def explorer_entries() -> tuple:
    """Every :class:`ExplorerEntry` of every registered factory, in course order.

    Examples
    --------
    >>> [e.name for e in explorer_entries()][:4]
    ['sgd', 'momentum', 'nesterov', 'momentum_ema']
    """
    return tuple(e for n in REGISTRY.names() for e in REGISTRY.meta(n)["explorer"])


def for_explorer(name: str, lr: float, beta: float | None = None) -> Optimizer:
    """The optimizer an explorer calls ``name``, with learning rate ``lr`` and β.

    β sets the hyper-parameter the factory declared (momentum, RMSprop's
    ``alpha``, Adam's first ``beta``, Adadelta's ``rho``); optimizers without a
    β ignore it; ``None`` keeps the default.

    >>> for_explorer("nesterov", 0.1, 0.9)
    sgd(lr=0.1, momentum=0.9, dampening=0.0, nesterov=True, weight_decay=0.0)
    >>> for_explorer("adam", 0.1, 0.5).hyperparams["betas"]
    (0.5, 0.999)
    """
    entries = {e.name: e for e in explorer_entries()}
    if not isinstance(name, str) or name not in entries:
        raise ValueError(f"Unknown optimizer {name!r}; known: {', '.join(entries)}")
    entry = entries[name]
    kwargs = dict(entry.fixed)
    if entry.beta is not None and beta is not None:
        default = kwargs.get(entry.beta,
                             inspect.signature(REGISTRY.lookup(entry.factory))
                             .parameters[entry.beta].default)
        kwargs[entry.beta] = (beta,) + tuple(default[1:]) if isinstance(default, tuple) else beta
    return REGISTRY.create(entry.factory, lr=lr, **kwargs)
