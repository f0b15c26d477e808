"""The optimizer object, its registry and :func:`trajectory` (see :mod:`lecture_kit.optim`)."""

from __future__ import annotations

import inspect
import numbers
from typing import Any, Callable, NamedTuple

import numpy as np

from ..core.numerics import add_scaled
from ..core.registry import Registry
from ..core.validation import as_float_array, check_same_shape, working_dtype

__all__ = ["Optimizer", "REGISTRY", "ExplorerEntry", "register", "names", "get",
           "descend", "moving_average", "with_weight_decay",
           "explorer_entries", "for_explorer", "trajectory"]


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


# ----------------------------------------------------------------------------
# the optimizer object
# ----------------------------------------------------------------------------
class Optimizer:
    """A named optimizer with pure :meth:`init` and :meth:`step`.

    Built by the factories (:func:`sgd`, :func:`adam`, ...). A factory passes
    ``init_leaf(p) -> bufs`` and ``update_leaf``, for one array ``p`` of the
    tree, in one of two forms:

    * ``update_leaf(p, g, bufs, t) -> (new_p, new_bufs)`` returns new arrays
      (the simple form, for a new optimizer);
    * ``update_leaf(p, g, bufs, t, out) -> (p_out, bufs_out)`` writes its
      results into ``out = (p_out, bufs_out)`` and returns them (the fused form
      of the built-in optimizers): :meth:`step` passes freshly allocated arrays,
      :meth:`step_` the inputs themselves, so the function must read each input
      before it writes the matching output; a buffer that does not exist yet is
      ``None`` in ``out`` and the function creates it.

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
                 "_init_leaf", "_update_leaf", "_writes_into")

    def __init__(self, name: str, hyperparams: dict, latex: str, state_type,
                 init_leaf: Callable, update_leaf: Callable):
        self.name = name
        self._hyperparams = dict(hyperparams)
        self.latex = latex
        self._state_type = state_type
        self._fields = state_type._fields[1:]  # every field but "step"
        self._init_leaf = init_leaf
        self._update_leaf = update_leaf
        # update_leaf(p, g, bufs, t) returns new arrays; with a keyword ``out``
        # it writes its results into ``out = (p_out, bufs_out)`` instead (the
        # fused form of the built-in optimizers, see _apply)
        try:
            self._writes_into = "out" in inspect.signature(update_leaf).parameters
        except (TypeError, ValueError):  # pragma: no cover - builtins without a signature
            self._writes_into = False

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

        The new parameters and state buffers are freshly allocated arrays
        (filled in place while they are built, which is how the step stays
        fast); ``params``, ``grads`` and the buffers of ``state`` are only read.

        Raises
        ------
        ValueError
            If ``grads`` (or a state buffer) does not have the shape or the
            structure of ``params``; the message names both shapes.
        TypeError
            For non-numeric ``params`` or ``grads``, or a state that does not
            come from this kind of optimizer.
        """
        return self._apply(params, grads, state, inplace=False)

    def step_(self, params, grads, state):
        """The same update as :meth:`step`, written **into** ``params`` and the state's buffers.

        Opt-in, for speed (the trailing underscore is PyTorch's mark of an
        in-place method): the numbers are exactly those of :meth:`step`, but
        the arrays of ``params`` and the buffers of ``state`` are overwritten
        instead of being left untouched. ``grads`` is only read. Returns
        ``(params, new_state)``: the same parameter arrays, and a new state
        tuple (its ``step`` counter is one higher) holding the same buffer
        arrays (a buffer that did not exist yet, like SGD's momentum buffer
        before the first step, is created).

        Every parameter must be a writeable float32 or float64 NumPy array
        (not a list, not float16 or integer: their update would not fit in
        place) and ``grads`` must not share memory with ``params`` or the
        state.

        Raises
        ------
        TypeError
            A parameter that cannot be updated in place (list, float16,
            integer, read-only), a state buffer of another dtype, or any
            error of :meth:`step`.
        ValueError
            ``grads`` sharing memory with ``params`` or the state, or any
            error of :meth:`step`.

        Examples
        --------
        >>> opt = get("sgd", lr=0.1, momentum=0.9)
        >>> w = np.array([1.0, -2.0])
        >>> w2, state = opt.step_(w, 2 * w, opt.init(w))
        >>> w2 is w, w                    # the array itself was updated
        (True, array([ 0.8, -1.6]))
        """
        return self._apply(params, grads, state, inplace=True)

    def _apply(self, params, grads, state, inplace):
        if not isinstance(state, self._state_type):
            raise TypeError(
                f"state must be the {self._state_type.__name__} returned by "
                f"{self.name}(...).init, got {type(state).__name__}"
            )
        if isinstance(params, np.ndarray):  # one array: no tree to walk
            p_leaves, treedef, paths = [params], _LEAF, [""]
            g_leaves = [grads]
        else:
            p_leaves, treedef, paths = _flatten(params)
            g_leaves = _flatten_like(grads, treedef, "grads")
        buffers = []
        for field in self._fields:
            tree = getattr(state, field)
            if tree is None:
                buffers.append([None] * len(p_leaves))
            elif treedef is _LEAF:
                buffers.append([tree])
            else:
                buffers.append(_flatten_like(tree, treedef, f"state.{field}"))
        t = int(state.step) + 1

        new_params, new_buffers = [], [[] for _ in self._fields]
        jobs = []
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
                    if inplace and (arr is not b[i] or arr.dtype != p.dtype
                                    or not arr.flags.writeable):
                        raise TypeError(
                            f"step_ updates state.{field}{paths[i]} in place: it must be a "
                            f"writeable {p.dtype} array like {p_name}, got "
                            f"{type(b[i]).__name__} of dtype {arr.dtype}")
                    bufs.append(arr.astype(work, copy=False))
                else:
                    bufs.append(None)
            p_work = p.astype(work, copy=False)
            g_work = g.astype(work, copy=False)
            if inplace:
                if p is not p_in or p.dtype != work or not p.flags.writeable:
                    raise TypeError(
                        f"step_ updates {p_name} in place: it must be a writeable float32 "
                        f"or float64 NumPy array, got {type(p_in).__name__}"
                        + (f" of dtype {np.asarray(p_in).dtype}"
                           if hasattr(p_in, "dtype") else "")
                        + ("" if not isinstance(p_in, np.ndarray) or p_in.flags.writeable
                           else " (read-only)") + "; use step() for a new array")
                p_out, bufs_out = p_work, tuple(bufs)
            else:
                p_out = np.empty_like(p_work)
                bufs_out = tuple(None if b is None else np.empty_like(b) for b in bufs)
            jobs.append((p, g_name, p_work, g_work, bufs, p_out, bufs_out))
        if inplace:  # every check before the first write: a refusal changes nothing
            written = [a for job in jobs for a in (job[2], *job[4]) if a is not None]
            for _, g_name, _, g_work, *_ in jobs:
                if any(np.may_share_memory(g_work, a) for a in written):
                    raise ValueError(
                        f"{g_name} shares memory with the parameters or the state: step_ "
                        "would read it after overwriting it; pass a copy, or use step()")

        for p, g_name, p_work, g_work, bufs, p_out, bufs_out in jobs:
            if self._writes_into:
                new_p, new_bufs = self._update_leaf(p_work, g_work, tuple(bufs), t,
                                                    out=(p_out, bufs_out))
            else:  # an update that returns new arrays (e.g. a contributor's optimizer)
                new_p, new_bufs = self._update_leaf(p_work, g_work, tuple(bufs), t)
                if inplace:
                    np.copyto(p_out, new_p)
                    new_bufs = tuple(nb if o is None or nb is None else np.copyto(o, nb) or o
                                     for o, nb in zip(bufs_out, new_bufs))
                    new_p = p_out
            # np.asarray: 0-d arithmetic gives NumPy scalars; keep arrays throughout
            new_params.append(np.asarray(new_p).astype(p.dtype, copy=False))
            for lst, b in zip(new_buffers, new_bufs):
                lst.append(None if b is None else np.asarray(b))
        if treedef is _LEAF:
            fields = [lst[0] for lst in new_buffers]
            return new_params[0], self._state_type(t, *fields)
        fields = [None if all(b is None for b in lst) else _unflatten(treedef, lst)
                  for lst in new_buffers]
        return _unflatten(treedef, new_params), self._state_type(t, *fields)


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
    >>> path = trajectory(get("sgd", lr=0.25), lambda x: 2 * x, np.array([1.0, -2.0]), 3)
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


def descend(p, d, lr, out):
    r"""Write :math:`\theta - \gamma d` into ``out`` and return it (``out`` may be ``p``).

    The last pass of every update rule. In place (``out is p``, as in
    :meth:`Optimizer.step_`) it is one fused pass, PyTorch's
    ``param.add_(d, alpha=-lr)``; into a fresh ``out`` (:meth:`Optimizer.step`)
    it copies ``p`` first, so both give the same numbers. ``d`` must not be
    ``out``.
    """
    if out is not p:
        np.copyto(out, p)
    return add_scaled(out, d, -lr)


def moving_average(avg, x, decay, out):
    r"""Write :math:`\beta\bar x + (1-\beta)x` into ``out``, return it (``out`` may be ``avg``).

    The exponential moving average every buffer of an adaptive rule keeps
    (Adam's :math:`m_t` and :math:`v_t`, RMSprop's and Adadelta's squares, the
    EMA form of momentum): ``avg`` is :math:`\bar x`, ``decay`` is :math:`\beta`.
    Two passes, PyTorch's ``avg.mul_(decay).add_(x, alpha=1 - decay)``; ``x``
    must not be ``out``.

    Examples
    --------
    >>> moving_average(np.array([1.0, 2.0]), np.array([3.0, 4.0]), 0.75, np.empty(2))
    array([1.5, 2.5])
    """
    np.multiply(avg, decay, out=out)
    return add_scaled(out, x, 1 - decay)


def with_weight_decay(g, p, weight_decay):
    r""":math:`g + \lambda\theta` as a new array (PyTorch's ``grad.add(param, alpha=wd)``)."""
    return add_scaled(g.copy(), p, weight_decay)
