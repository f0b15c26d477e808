r"""A tiny reverse-mode automatic differentiation on scalars, to see backpropagation.

A :class:`Value` holds a number, the nodes it was computed from (its
*parents*) and the *local derivatives* of the operation that made it:
for :math:`c = a \cdot b` the local derivatives are
:math:`\partial c/\partial a = b` and :math:`\partial c/\partial b = a`.
Each operation below writes its forward rule and its local derivatives side
by side, in a few lines (the style of Karpathy's micrograd).

:meth:`Value.backward` then applies the chain rule once per edge of the
graph, from the output back to the inputs:

.. math::
    \bar p \mathrel{+}= \frac{\partial c}{\partial p}\,\bar c
    \qquad\text{for every node } c \text{ and every parent } p \text{ of } c,

where :math:`\bar v = \partial L/\partial v` is stored in ``v.grad``. The
nodes are visited in reverse topological order, so that :math:`\bar c` is
complete (every use of :math:`c` has reported back) before :math:`c` passes
it on.

The gates of backpropagation
----------------------------
Four patterns explain most of what flows backwards in a network:

**add distributes**
    :math:`c = a + b` has local derivatives 1 and 1: both inputs receive the
    upstream gradient unchanged.
**multiply swaps**
    :math:`c = a b` has local derivatives :math:`b` and :math:`a`: each input
    receives the upstream gradient times the *other* input. A large input
    makes the other one's gradient large.
**copy sums**
    a value used twice (:math:`c = a \cdot a`, or a weight shared by two
    examples) receives the *sum* of the gradients from its uses; this is the
    ``+=`` above (and why gradients must be reset before a new pass).
**max routes**
    :math:`c = \max(a, b)` has local derivative 1 for the larger input and 0
    for the other: the gradient goes to the winner only. ReLU is
    :math:`\max(x, 0)`: a negative input receives nothing.

>>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
>>> c = a * b + a          # a is used twice: its gradient is b + 1
>>> c.backward()
>>> a.grad, b.grad
(-2.0, 2.0)

:func:`lecture_kit.plots.draw_graph` shows the graph with the value and the
gradient of every node (a matplotlib figure, no Graphviz needed): pass it to
``lecture_kit.plots.show(fig, alt=...)`` in a chapter. This module draws
nothing; :func:`layout` gives the positions.

Notes
-----
Values are Python floats (float64). A Python number on either side of an
operator is wrapped into a constant :class:`Value` (``2 * a``, ``a - 1``,
``1 / a``, ``2 ** a`` all work). NaN propagates. At a kink the derivative is
PyTorch's: :math:`\mathrm{relu}'(0) = 0`; for ``maximum(a, b)`` with a tie the
gradient goes to ``a``. Unlike PyTorch, :meth:`Value.backward` resets the
gradients of the graph before it runs, so calling it twice gives the same
result.

References
----------
A. Karpathy, micrograd (2020); Rumelhart, Hinton & Williams (1986).
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from . import activations as _activations
from .core.numerics import sigmoid as _sigmoid_array

__all__ = ["Value", "maximum", "topological_order", "layout"]


def _as_value(x) -> "Value":
    if isinstance(x, Value):
        return x
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"cannot combine a Value with {type(x).__name__} {x!r}: use a real number")
    return Value(float(x))


def _exp(x: float) -> float:
    return math.exp(x) if x < 709.0 else math.inf  # math.exp raises on overflow


def _power(a: float, n: float) -> float:
    """``a ** n`` for real results only, ``inf`` on overflow."""
    if a == 0 and n < 0:
        raise ValueError(f"0 to the negative power {n} is not a number")
    if a < 0 and not n.is_integer():
        raise ValueError(f"{a} ** {n} is not a real number")
    if a == 0 and 0 < n < 1:
        return math.inf  # only reached for the derivative of a^n at 0, e.g. sqrt
    try:
        return a**n
    except OverflowError:
        odd = n.is_integer() and int(n) % 2 == 1
        return math.copysign(math.inf, a) if odd else math.inf


class Value:
    r"""A scalar node of a computation graph.

    Parameters
    ----------
    data : float
        The value.
    parents : tuple of Value, optional
        The nodes this one was computed from.
    local_grads : tuple of float, optional
        :math:`\partial\,\text{self}/\partial\,\text{parent}` for each parent.
    op : str, optional
        Name of the operation, shown by :func:`draw`.
    label : str, optional
        A name for the node, shown by :func:`draw`.

    Attributes
    ----------
    grad : float
        :math:`\partial L/\partial\,\text{self}` after ``L.backward()``.

    Examples
    --------
    >>> x = Value(0.5, label="x")
    >>> y = (2 * x).tanh()
    >>> y.backward()
    >>> round(x.grad, 6) == round(2 * (1 - math.tanh(1.0) ** 2), 6)
    True
    """

    __slots__ = ("data", "grad", "parents", "local_grads", "op", "label")

    def __init__(self, data, parents=(), local_grads=(), op: str = "", label: str = ""):
        if isinstance(data, Value):
            raise TypeError("Value(data): data is already a Value")
        if isinstance(data, bool) or not isinstance(data, numbers.Real):
            raise TypeError(f"Value needs a real number, got {type(data).__name__} {data!r}")
        if len(parents) != len(local_grads):
            raise ValueError("one local derivative is needed per parent")
        self.data = float(data)
        self.grad = 0.0
        self.parents = tuple(parents)
        self.local_grads = tuple(float(g) for g in local_grads)
        self.op = op
        self.label = label

    def __repr__(self):
        name = f"{self.label}=" if self.label else ""
        return f"Value({name}{self.data:.6g}, grad={self.grad:.6g})"

    # ---- the gates: forward rule and local derivatives side by side ---------

    def __add__(self, other):
        other = _as_value(other)
        # add distributes: d(a+b)/da = 1, d(a+b)/db = 1
        return Value(self.data + other.data, (self, other), (1.0, 1.0), "+")

    def __mul__(self, other):
        other = _as_value(other)
        # multiply swaps: d(ab)/da = b, d(ab)/db = a
        return Value(self.data * other.data, (self, other), (other.data, self.data), "*")

    def __sub__(self, other):
        other = _as_value(other)
        # d(a-b)/da = 1, d(a-b)/db = -1
        return Value(self.data - other.data, (self, other), (1.0, -1.0), "-")

    def __truediv__(self, other):
        other = _as_value(other)
        a, b = self.data, other.data
        if b == 0:
            raise ValueError(f"division by a Value equal to 0 ({a} / 0)")
        # d(a/b)/da = 1/b, d(a/b)/db = -a/b^2
        return Value(a / b, (self, other), (1.0 / b, -a / (b * b)), "/")

    def __pow__(self, other):
        a = self.data
        if isinstance(other, Value):  # a variable exponent: a^b = e^(b log a) needs a > 0
            if not a > 0:
                raise ValueError(f"a Value exponent needs a positive base, got {a}")
            out = _power(a, other.data)
            # d(a^b)/da = b a^(b-1), d(a^b)/db = a^b log a
            return Value(out, (self, other), (other.data * _power(a, other.data - 1),
                                              out * math.log(a)), "**")
        n = _as_value(other).data
        # d(a^n)/da = n a^(n-1)
        return Value(_power(a, n), (self,), (n * _power(a, n - 1) if n != 0 else 0.0,), f"**{n:g}")

    def __rpow__(self, other):
        c = _as_value(other).data
        if not c > 0:
            raise ValueError(f"c ** Value needs a positive base c, got {c}")
        out = _power(c, self.data)
        return Value(out, (self,), (out * math.log(c),), f"{c:g}**")  # (c^x)' = c^x log c

    def __neg__(self):
        return Value(-self.data, (self,), (-1.0,), "neg")

    def __radd__(self, other):
        return _as_value(other) + self

    def __rmul__(self, other):
        return _as_value(other) * self

    def __rsub__(self, other):
        return _as_value(other) - self

    def __rtruediv__(self, other):
        return _as_value(other) / self

    def exp(self):
        out = _exp(self.data)
        return Value(out, (self,), (out,), "exp")  # (e^x)' = e^x

    def log(self):
        if not self.data > 0 and not math.isnan(self.data):
            raise ValueError(f"log needs a positive number, got {self.data}")
        return Value(math.log(self.data) if self.data > 0 else math.nan,
                     (self,), (1.0 / self.data,), "log")  # (log x)' = 1/x

    def tanh(self):
        t = math.tanh(self.data)
        return Value(t, (self,), (1.0 - t * t,), "tanh")  # tanh' = 1 - tanh^2

    def sigmoid(self):
        s = float(_sigmoid_array(np.array([self.data]))[0])  # the stable sigmoid; NaN stays NaN
        return Value(s, (self,), (s * (1.0 - s),), "sigmoid")  # sigma' = sigma (1 - sigma)

    def relu(self):
        # max routes: relu(x) = max(x, 0); relu'(0) = 0 as in PyTorch
        x = self.data
        return Value(x if x > 0 or math.isnan(x) else 0.0, (self,),
                     (1.0 if x > 0 else (math.nan if math.isnan(x) else 0.0),), "relu")

    def activation(self, name: str, **params):
        r"""Apply a registered activation, with its derivative from the registry.

        ``x.activation("gelu")`` computes :math:`f(x)` with
        ``lecture_kit.activations.get(name, **params)`` and takes the local
        derivative from its ``grad``, so every activation of the course can
        appear in a graph.

        Examples
        --------
        >>> x = Value(-1.0)
        >>> y = x.activation("elu", alpha=0.5)   # 0.5 (e^x - 1)
        >>> y.backward()
        >>> round(y.data, 5), round(x.grad, 5)   # 0.5 e^x
        (-0.31606, 0.18394)
        """
        f = _activations.get(name, **params)
        return Value(float(f(self.data)), (self,), (float(f.grad(self.data)),), name)

    def maximum(self, other):
        """``max(self, other)``; see :func:`maximum`."""
        return maximum(self, other)

    # ---- the backward pass ---------------------------------------------------

    def backward(self):
        r"""Fill ``grad`` of every node of the graph with :math:`\partial\,\text{self}/\partial\,\text{node}`.

        Resets every gradient of the graph to 0, sets ``self.grad = 1`` and
        applies the chain rule edge by edge in reverse topological order
        (:func:`topological_order`), without recursion: a chain of any
        depth works.

        Examples
        --------
        >>> x = Value(3.0)
        >>> y = x * x * x
        >>> y.backward()
        >>> x.grad
        27.0
        """
        order = topological_order(self)
        for node in order:
            node.grad = 0.0
        self.grad = 1.0
        for node in reversed(order):  # outputs first, inputs last
            for parent, local in zip(node.parents, node.local_grads):
                parent.grad += local * node.grad  # copy sums: +=, never =


def maximum(a, b) -> Value:
    r"""The max gate :math:`\max(a, b)`: it routes the gradient to the larger input.

    Local derivatives: 1 for the larger input and 0 for the other (on a tie,
    1 for ``a``). Either argument may be a Python number.

    Examples
    --------
    >>> a, b = Value(1.0), Value(4.0)
    >>> m = maximum(a, b) * 3
    >>> m.backward()
    >>> a.grad, b.grad
    (0.0, 3.0)
    """
    a, b = _as_value(a), _as_value(b)
    a_wins = a.data >= b.data or math.isnan(a.data)
    return Value(a.data if a_wins else b.data, (a, b),
                 (1.0, 0.0) if a_wins else (0.0, 1.0), "max")


def topological_order(root: Value) -> list:
    """Every node the ``root`` depends on, each after all of its parents.

    Depth-first search with an explicit stack (no recursion limit). Each node
    appears once, even when it is used several times.

    Examples
    --------
    >>> a = Value(1.0, label="a")
    >>> b = a + a
    >>> [n.label or n.op for n in topological_order(b)]
    ['a', '+']
    """
    if not isinstance(root, Value):
        raise TypeError(f"expected a Value, got {type(root).__name__}")
    order, seen = [], set()
    stack = [(root, False)]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        for parent in node.parents:
            if id(parent) not in seen:
                stack.append((parent, False))
    return order


def layout(root: Value) -> dict:
    """Where each node of the graph of ``root`` sits in a drawing: ``{id(node): (x, y)}``.

    ``x`` is the longest distance from a leaf (inputs on the left), ``y`` the
    position inside that column, centred on 0. Numbers only: the drawing
    itself is :func:`lecture_kit.plots.draw_graph`.

    Examples
    --------
    >>> a = Value(2.0)
    >>> c = a * a
    >>> sorted(layout(c).values())
    [(0, 0.0), (1, 0.0)]
    """
    order = topological_order(root)
    level = {}
    for node in order:
        level[id(node)] = 1 + max((level[id(p)] for p in node.parents), default=-1)
    columns: dict = {}
    for node in order:
        columns.setdefault(level[id(node)], []).append(node)
    pos = {}
    for x, nodes in columns.items():
        for i, node in enumerate(nodes):
            pos[id(node)] = (x, (len(nodes) - 1) / 2 - i)
    return pos
