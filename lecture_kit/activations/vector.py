r"""Vector activations: softmax, log-softmax, maxout and the gated units, with VJPs and JVPs.

These act on a whole axis, not elementwise, so they are functions rather than
:class:`~lecture_kit.activations.Activation` objects. The arithmetic is the
stable kernel of :mod:`lecture_kit.core.numerics`; :mod:`lecture_kit.losses`
uses these same functions. Each comes with a vector-Jacobian product
(``*_vjp``, what backpropagation needs) and a Jacobian-vector product
(``*_jvp``).

The gated units (:func:`gated`; :func:`glu`, :func:`swiglu`, :func:`geglu`)
split an axis into two halves and multiply the first by an elementwise gate of
the second; the gate is any activation of the registry.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..core.validation import restore_scalar
from ..core import numerics as _nx
from ..core.validation import as_float_array, check_same_shape, working_dtype
from ._base import as_activation

__all__ = [
    "softmax",
    "softmax_vjp",
    "softmax_jvp",
    "softmax_jacobian",
    "log_softmax",
    "logsumexp",
    "log_softmax_vjp",
    "log_softmax_jvp",
    "maxout",
    "maxout_vjp",
    "maxout_jvp",
    "GATES",
    "gated",
    "gated_vjp",
    "gated_jvp",
    "glu",
    "glu_vjp",
    "glu_jvp",
    "swiglu",
    "swiglu_vjp",
    "swiglu_jvp",
    "geglu",
    "geglu_vjp",
    "geglu_jvp",
]


def _check_axis(axis, ndim, who):
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
        raise TypeError(f"{who}: axis must be an integer, got {axis!r}")
    if ndim == 0:
        raise ValueError(f"{who} needs an array with at least one dimension, got a scalar")
    if not -ndim <= axis < ndim:
        raise ValueError(f"{who}: axis {axis} is out of range for an array with {ndim} dimension(s)")
    return int(axis) % ndim


def _prepare_vector(z, axis, who):
    """Validated input, working array (float32/float64, same shape) and axis."""
    arr = as_float_array(z, "z")
    axis = _check_axis(axis, arr.ndim, who)
    if arr.shape[axis] == 0:
        raise ValueError(f"{who}: axis {axis} has length 0")
    work = arr.astype(working_dtype(arr.dtype), copy=False)
    return arr, work, axis


def _second(v, arr, work, name):
    """A vector (v or u) with exactly the shape of ``arr``, in the working dtype."""
    v = as_float_array(v, name)
    check_same_shape(arr, v, "z", name)
    return v.astype(work.dtype, copy=False)


def _cast_back(result, arr):
    if result.dtype != arr.dtype:
        with np.errstate(over="ignore"):
            return result.astype(arr.dtype)
    return result


def softmax(z, axis=-1):
    r"""Softmax along ``axis``: :math:`s_i = e^{z_i} / \sum_j e^{z_j}`.

    Parameters
    ----------
    z : array_like
        Logits, at least 1-d.
    axis : int
        The axis that sums to one (default: the last).

    Returns
    -------
    numpy.ndarray
        Probabilities, same shape and dtype as ``z``.

    Notes
    -----
    Computed as :math:`e^{z_i - m} / \sum_j e^{z_j - m}` with :math:`m = \max_j
    z_j`: softmax is shift-invariant, and after the shift every exponent is
    :math:`\le 0` and the sum is at least 1, so logits of :math:`\pm 10^4` give
    no overflow, no 0/0. Entries of :math:`-\infty` (masks) get probability 0 as
    long as one entry of the slice is finite. Jacobian:
    :math:`\partial s_i/\partial z_j = s_i(\delta_{ij} - s_j)`, see
    :func:`softmax_vjp`.

    References
    ----------
    Bridle (1990), "Probabilistic interpretation of feedforward classification
    network outputs, with relationships to statistical pattern recognition".

    Examples
    --------
    >>> print(softmax(np.array([1e4, 0.0, -1e4])))
    [1. 0. 0.]
    >>> print(softmax(np.log(np.array([[1.0, 3.0], [2.0, 2.0]]))))
    [[0.25 0.75]
     [0.5  0.5 ]]
    """
    arr, work, axis = _prepare_vector(z, axis, "softmax")
    return _cast_back(_nx.softmax(work, axis), arr)


def softmax_vjp(z, v, axis=-1):
    r"""Vector-Jacobian product of softmax: :math:`v^\top J` (backpropagation).

    .. math::
        (v^\top J)_j = s_j\Bigl(v_j - \sum_i v_i s_i\Bigr),
        \qquad J_{ij} = \frac{\partial s_i}{\partial z_j} = s_i(\delta_{ij} - s_j)

    Parameters
    ----------
    z : array_like
        Logits (the input of the softmax).
    v : array_like
        Upstream gradient :math:`\partial L/\partial s`, same shape as ``z``.
    axis : int
        The softmax axis.

    Returns
    -------
    numpy.ndarray
        :math:`\partial L/\partial z`, same shape as ``z``, in ``z``'s dtype.

    Notes
    -----
    :math:`J` is symmetric, so :func:`softmax_jvp` is the same formula.

    Examples
    --------
    >>> z = np.array([0.5, -1.0, 2.0])
    >>> print(np.allclose(softmax_vjp(z, np.ones(3)), 0.0))   # s sums to 1: no gradient
    True
    """
    arr, work, axis = _prepare_vector(z, axis, "softmax_vjp")
    v = _second(v, arr, work, "v")
    s = _nx.softmax(work, axis)
    return _cast_back(s * (v - np.sum(v * s, axis=axis, keepdims=True)), arr)


def softmax_jvp(z, u, axis=-1):
    r"""Jacobian-vector product of softmax: :math:`J u` (forward-mode derivative).

    .. math:: (J u)_i = s_i\Bigl(u_i - \sum_j s_j u_j\Bigr)

    Equal to :func:`softmax_vjp` because the Jacobian is symmetric.

    Examples
    --------
    >>> z, u = np.array([0.1, 0.2]), np.array([1.0, -1.0])
    >>> print(np.allclose(softmax_jvp(z, u), softmax_vjp(z, u)))
    True
    """
    arr, work, axis = _prepare_vector(z, axis, "softmax_jvp")
    u = _second(u, arr, work, "u")
    s = _nx.softmax(work, axis)
    return _cast_back(s * (u - np.sum(s * u, axis=axis, keepdims=True)), arr)


def softmax_jacobian(z):
    r"""The full Jacobian :math:`J = \operatorname{diag}(s) - s s^\top` of a 1-d softmax.

    For teaching and checking; backpropagation never forms it (use
    :func:`softmax_vjp`).

    Examples
    --------
    >>> print(softmax_jacobian(np.zeros(2)))
    [[ 0.25 -0.25]
     [-0.25  0.25]]
    """
    arr, work, _ = _prepare_vector(z, -1, "softmax_jacobian")
    if arr.ndim != 1:
        raise ValueError(f"softmax_jacobian needs a 1-d vector, got shape {arr.shape}")
    s = _nx.softmax(work, 0)
    return _cast_back(np.diag(s) - np.outer(s, s), arr)


def log_softmax(z, axis=-1):
    r"""Log-softmax along ``axis``: :math:`z_i - \log\sum_j e^{z_j}` (log-sum-exp).

    Notes
    -----
    :math:`\log\sum_j e^{z_j} = m + \log\sum_j e^{z_j - m}`, :math:`m = \max_j
    z_j`. Unlike ``np.log(softmax(z))``, which is :math:`-\infty` once a
    probability underflows (logits :math:`\pm 10^4`), this stays finite: the
    cross-entropy of a confident wrong prediction is large, not infinite.

    Examples
    --------
    >>> print(log_softmax(np.array([1e4, 0.0, -1e4])))
    [     0. -10000. -20000.]
    """
    arr, work, axis = _prepare_vector(z, axis, "log_softmax")
    return _cast_back(_nx.log_softmax(work, axis), arr)


def logsumexp(z, axis=-1):
    r"""Stable :math:`\log \sum_k e^{z_k}` along ``axis`` (the axis is reduced).

    .. math::
        \operatorname{LSE}(z) = m + \log \sum_k e^{z_k - m},
        \qquad m = \max_k z_k .

    Returns a NumPy scalar for a 1-d input, in the floating dtype of ``z``.

    Examples
    --------
    >>> float(logsumexp(np.array([1e4, 1e4])))  # naive log(sum(exp)) is inf
    10000.69314718056
    """
    arr, work, axis = _prepare_vector(z, axis, "logsumexp")
    out = np.squeeze(_nx.logsumexp(work, axis), axis=axis)
    out = _cast_back(np.asarray(out), arr)
    return restore_scalar(out, out)


def log_softmax_vjp(z, v, axis=-1):
    r"""Vector-Jacobian product of log-softmax.

    .. math::
        (v^\top J)_j = v_j - s_j \sum_i v_i, \qquad
        J_{ij} = \frac{\partial y_i}{\partial z_j} = \delta_{ij} - s_j

    with :math:`s = \operatorname{softmax}(z)`. With :math:`v = -\text{one-hot}(y)`
    this is the famous cross-entropy gradient :math:`s - \text{one-hot}(y)`.

    Examples
    --------
    >>> z = np.log(np.array([0.25, 0.75]))
    >>> print(log_softmax_vjp(z, np.array([-1.0, 0.0])))
    [-0.75  0.75]
    """
    arr, work, axis = _prepare_vector(z, axis, "log_softmax_vjp")
    v = _second(v, arr, work, "v")
    s = _nx.softmax(work, axis)
    return _cast_back(v - s * np.sum(v, axis=axis, keepdims=True), arr)


def log_softmax_jvp(z, u, axis=-1):
    r"""Jacobian-vector product of log-softmax: :math:`(J u)_i = u_i - \sum_j s_j u_j`.

    Examples
    --------
    >>> print(log_softmax_jvp(np.zeros(2), np.array([1.0, 1.0])))   # a shift: no change
    [0. 0.]
    """
    arr, work, axis = _prepare_vector(z, axis, "log_softmax_jvp")
    u = _second(u, arr, work, "u")
    s = _nx.softmax(work, axis)
    return _cast_back(u - np.sum(s * u, axis=axis, keepdims=True), arr)


def _maxout_groups(work, pieces, axis, who):
    """Move ``axis`` last and split it into (groups, pieces): consecutive units."""
    if isinstance(pieces, bool) or not isinstance(pieces, numbers.Integral):
        raise TypeError(f"{who}: pieces must be an integer, got {pieces!r}")
    if pieces < 1:
        raise ValueError(f"{who}: pieces must be >= 1, got {pieces}")
    moved = np.moveaxis(work, axis, -1)
    n = moved.shape[-1]
    if n % pieces:
        raise ValueError(f"{who}: axis {axis} has length {n}, not divisible by pieces={pieces}")
    return moved.reshape(moved.shape[:-1] + (n // pieces, int(pieces)))


def maxout(z, pieces, axis=-1):
    r"""Maxout: the maximum over groups of ``pieces`` consecutive units along ``axis``.

    .. math:: h_i = \max_{j = 1..k} z_{(i-1)k + j}, \qquad k = \text{pieces}

    Parameters
    ----------
    z : array_like
        Pre-activations; the length of ``axis`` must be a multiple of ``pieces``.
    pieces : int
        :math:`k`, the number of linear pieces per output unit.
    axis : int
        The unit axis (default: the last).

    Returns
    -------
    numpy.ndarray
        Same shape as ``z`` except ``axis``, whose length is divided by ``pieces``.

    Notes
    -----
    Grouping: output unit :math:`i` sees units :math:`ik, \dots, ik + k - 1`
    (0-based), i.e. ``z.reshape(..., n // k, k).max(-1)``; implementations differ
    here (some take strided groups), which matters when porting weights. A
    maxout unit with :math:`k = 2` can represent ReLU (one piece fixed at 0),
    leaky ReLU or :math:`|x|`.

    References
    ----------
    Goodfellow, Warde-Farley, Mirza, Courville & Bengio (2013), "Maxout
    networks", ICML.

    Examples
    --------
    >>> print(maxout(np.array([1.0, 3.0, -2.0, -5.0, 0.0, 4.0]), pieces=2))
    [ 3. -2.  4.]
    """
    arr, work, axis = _prepare_vector(z, axis, "maxout")
    groups = _maxout_groups(work, pieces, axis, "maxout")
    return _cast_back(np.moveaxis(groups.max(axis=-1), -1, axis), arr)


def maxout_vjp(z, v, pieces, axis=-1):
    r"""Vector-Jacobian product of :func:`maxout`: ``v`` routed to each group's argmax.

    Parameters
    ----------
    z : array_like
        Input of the maxout.
    v : array_like
        Upstream gradient, the shape of ``maxout(z, pieces, axis)``.
    pieces, axis :
        As in :func:`maxout`.

    Returns
    -------
    numpy.ndarray
        Same shape as ``z``: ``v`` at the maximum of each group, 0 elsewhere.

    Notes
    -----
    Ties go to the first maximum, as PyTorch's ``torch.max(dim)`` does (checked
    with autograd; ``torch.amax`` would split the gradient evenly instead). A NaN
    in a group counts as its maximum (NumPy's ``argmax`` and PyTorch agree).

    Examples
    --------
    >>> z = np.array([1.0, 3.0, 2.0, 2.0])
    >>> print(maxout_vjp(z, np.array([10.0, 20.0]), pieces=2))
    [ 0. 10. 20.  0.]
    """
    arr, work, axis = _prepare_vector(z, axis, "maxout_vjp")
    groups = _maxout_groups(work, pieces, axis, "maxout_vjp")
    v = as_float_array(v, "v")
    expected = np.moveaxis(groups.max(axis=-1), -1, axis).shape
    if v.shape != expected:
        raise ValueError(f"maxout_vjp: v must have the output shape {expected}, got {v.shape}")
    v_moved = np.moveaxis(v.astype(work.dtype, copy=False), axis, -1)
    idx = np.argmax(groups, axis=-1)[..., None]
    out = np.zeros_like(groups)
    np.put_along_axis(out, idx, v_moved[..., None], axis=-1)
    out = out.reshape(out.shape[:-2] + (-1,))
    return _cast_back(np.moveaxis(out, -1, axis), arr)


def maxout_jvp(z, u, pieces, axis=-1):
    r"""Jacobian-vector product of :func:`maxout`: each group's ``u`` at its argmax.

    Examples
    --------
    >>> z = np.array([1.0, 3.0, 2.0, 2.0])
    >>> print(maxout_jvp(z, np.array([1.0, 2.0, 3.0, 4.0]), pieces=2))
    [2. 3.]
    """
    arr, work, axis = _prepare_vector(z, axis, "maxout_jvp")
    groups = _maxout_groups(work, pieces, axis, "maxout_jvp")
    u = _second(u, arr, work, "u")
    u_groups = _maxout_groups(u, pieces, axis, "maxout_jvp")
    idx = np.argmax(groups, axis=-1)[..., None]
    picked = np.take_along_axis(u_groups, idx, axis=-1)[..., 0]
    return _cast_back(np.moveaxis(picked, -1, axis), arr)

# ---------------------------------------------------------------------------
# Gated linear units: GLU, SwiGLU, GEGLU (one rule, three gates)
# ---------------------------------------------------------------------------

#: The gate of each named gated unit: (activation name, parameters).
GATES = {"glu": ("sigmoid", {}), "swiglu": ("silu", {}), "geglu": ("gelu", {})}


def _gate(gate, params, who):
    return as_activation(gate, where=f"{who}: gate", **params)


def _halves(work, axis, who):
    """Split ``axis`` into its first half ``a`` (the value) and second half ``b`` (the gate)."""
    n = work.shape[axis]
    if n % 2:
        raise ValueError(f"{who}: axis {axis} has odd length {n}; a gated unit splits it "
                         f"into two halves of equal length")
    return np.split(work, 2, axis=axis)


def _gate_values(g, b, work):
    """``g(b)`` and ``g'(b)`` as arrays of the working dtype (a student's gate may widen)."""
    return (np.asarray(g(b)).astype(work.dtype, copy=False),
            np.asarray(g.grad(b)).astype(work.dtype, copy=False))


def gated(z, gate="sigmoid", axis=-1, **params):
    r"""A gated linear unit: the first half of ``z`` times the gate of the second half.

    .. math::
        \mathbf z = (\mathbf a, \mathbf b) \;\text{(split along ``axis``)},
        \qquad h = \mathbf a \odot g(\mathbf b)

    Parameters
    ----------
    z : array_like
        Pre-activations; the length of ``axis`` must be even (``2m``).
    gate : str or Activation
        The elementwise gate :math:`g`, a registry name (``"sigmoid"``: GLU,
        ``"silu"``: SwiGLU, ``"gelu"``: GEGLU, ``"relu"``: ReGLU,
        ``"identity"``: the bilinear unit) or an activation object.
    axis : int
        The unit axis (default: the last), as PyTorch's ``dim``.
    **params
        Parameters of a named gate (``approximate="tanh"`` for GELU).

    Returns
    -------
    numpy.ndarray
        Same shape as ``z`` except ``axis``, whose length is halved; ``z``'s dtype.

    Notes
    -----
    The first half is the value and the second the gate, as in
    ``torch.nn.functional.glu``. In a transformer feed-forward block the two
    halves are two linear maps of the same input, :math:`\mathbf a = \mathbf
    xW`, :math:`\mathbf b = \mathbf xV`: ``gated(x @ np.concatenate([W, V],
    axis=1))`` is :math:`(\mathbf xW) \odot g(\mathbf xV)`.

    References
    ----------
    Dauphin, Fan, Auli & Grangier (2017), "Language modeling with gated
    convolutional networks", ICML; Shazeer (2020), "GLU variants improve
    transformer", arXiv:2002.05202.

    Examples
    --------
    >>> print(gated(np.array([2.0, -3.0, 0.0, 1e4])))   # a = (2, -3), b = (0, 1e4)
    [ 1. -3.]
    """
    arr, work, axis = _prepare_vector(z, axis, "gated")
    g = _gate(gate, params, "gated")
    a, b = _halves(work, axis, "gated")
    return _cast_back(a * _gate_values(g, b, work)[0], arr)


def gated_vjp(z, v, gate="sigmoid", axis=-1, **params):
    r"""Vector-Jacobian product of :func:`gated`: the gradient with respect to both halves.

    .. math::
        \frac{\partial L}{\partial \mathbf a} = \mathbf v \odot g(\mathbf b),
        \qquad
        \frac{\partial L}{\partial \mathbf b} = \mathbf v \odot \mathbf a \odot g'(\mathbf b)

    Parameters
    ----------
    z : array_like
        Input of the unit.
    v : array_like
        Upstream gradient :math:`\partial L/\partial h`, the output's shape.
    gate, axis, **params :
        As in :func:`gated`.

    Returns
    -------
    numpy.ndarray
        Same shape as ``z``: the two halves concatenated along ``axis``.

    Examples
    --------
    >>> print(gated_vjp(np.array([2.0, 0.0]), np.array([1.0])))   # sigma(0), 2 sigma'(0)
    [0.5 0.5]
    """
    arr, work, axis = _prepare_vector(z, axis, "gated_vjp")
    g = _gate(gate, params, "gated_vjp")
    a, b = _halves(work, axis, "gated_vjp")
    v = as_float_array(v, "v")
    if v.shape != a.shape:
        raise ValueError(f"gated_vjp: v must have the output shape {a.shape}, got {v.shape}")
    v = v.astype(work.dtype, copy=False)
    gb, dgb = _gate_values(g, b, work)
    return _cast_back(np.concatenate([v * gb, v * a * dgb], axis=axis), arr)


def gated_jvp(z, u, gate="sigmoid", axis=-1, **params):
    r"""Jacobian-vector product of :func:`gated`: :math:`\mathbf u_a \odot g(\mathbf b) +
    \mathbf a \odot g'(\mathbf b) \odot \mathbf u_b`, with ``u`` split as ``z``.

    Examples
    --------
    >>> print(gated_jvp(np.array([2.0, 0.0]), np.array([1.0, 1.0])))   # 0.5 + 2 * 0.25
    [1.]
    """
    arr, work, axis = _prepare_vector(z, axis, "gated_jvp")
    g = _gate(gate, params, "gated_jvp")
    a, b = _halves(work, axis, "gated_jvp")
    ua, ub = np.split(_second(u, arr, work, "u"), 2, axis=axis)
    gb, dgb = _gate_values(g, b, work)
    return _cast_back(ua * gb + a * dgb * ub, arr)


def glu(z, axis=-1):
    r"""GLU: :math:`\mathbf a \odot \sigma(\mathbf b)`, exactly ``torch.nn.functional.glu``.

    :func:`gated` with the sigmoid gate; ``glu_vjp(z, v, axis)`` and
    ``glu_jvp(z, u, axis)`` are its derivatives.

    Examples
    --------
    >>> print(glu(np.array([[4.0, 2.0], [1e4, -1e4]]), axis=0))   # a = row 0, b = row 1
    [[4. 0.]]
    """
    return gated(z, "sigmoid", axis)


def glu_vjp(z, v, axis=-1):
    """Vector-Jacobian product of :func:`glu` (see :func:`gated_vjp`)."""
    return gated_vjp(z, v, "sigmoid", axis)


def glu_jvp(z, u, axis=-1):
    """Jacobian-vector product of :func:`glu` (see :func:`gated_jvp`)."""
    return gated_jvp(z, u, "sigmoid", axis)


def swiglu(z, axis=-1):
    r"""SwiGLU: :math:`\mathbf a \odot \operatorname{SiLU}(\mathbf b)`, the gate of LLaMA and PaLM.

    :math:`\operatorname{SiLU}(b) = b\,\sigma(b)`; equal to ``a * F.silu(b)`` in
    PyTorch, which has no function of this name.

    Examples
    --------
    >>> print(swiglu(np.array([3.0, 0.0])))   # SiLU(0) = 0 closes the gate
    [0.]
    """
    return gated(z, "silu", axis)


def swiglu_vjp(z, v, axis=-1):
    """Vector-Jacobian product of :func:`swiglu` (see :func:`gated_vjp`)."""
    return gated_vjp(z, v, "silu", axis)


def swiglu_jvp(z, u, axis=-1):
    """Jacobian-vector product of :func:`swiglu` (see :func:`gated_jvp`)."""
    return gated_jvp(z, u, "silu", axis)


def geglu(z, axis=-1, approximate="none"):
    r"""GEGLU: :math:`\mathbf a \odot \operatorname{GELU}(\mathbf b)`, ``a * F.gelu(b)``.

    ``approximate="tanh"`` uses the tanh form of GELU (``F.gelu(b,
    approximate="tanh")``).

    Examples
    --------
    >>> print(geglu(np.array([2.0, 1e4])))   # GELU(1e4) = 1e4
    [20000.]
    """
    return gated(z, "gelu", axis, approximate=approximate)


def geglu_vjp(z, v, axis=-1, approximate="none"):
    """Vector-Jacobian product of :func:`geglu` (see :func:`gated_vjp`)."""
    return gated_vjp(z, v, "gelu", axis, approximate=approximate)


def geglu_jvp(z, u, axis=-1, approximate="none"):
    """Jacobian-vector product of :func:`geglu` (see :func:`gated_jvp`)."""
    return gated_jvp(z, u, "gelu", axis, approximate=approximate)
