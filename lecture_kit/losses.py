r"""Loss functions that return their value *and* their gradient.

Every loss here is a function ``loss(prediction, target) -> (value, gradient)``:

* ``value`` is a NumPy scalar (the mean loss over the batch or the elements);
* ``gradient`` is :math:`\partial\,\text{value} / \partial\,\text{prediction}`,
  an array with the shape and dtype of the first argument.

Putting the forward value and its derivative side by side (as micrograd does)
lets a chapter show both formulas in one place, and lets the MLP call one
function per layer.

Numerics are part of the lesson:

* cross-entropy is computed from **logits** with the log-sum-exp trick, so it
  stays finite at logits of :math:`\pm 10^4` where ``-log(softmax(z))`` is
  ``inf``;
* binary cross-entropy from logits uses
  :math:`\max(z, 0) - z y + \log(1 + e^{-|z|})`, never ``exp`` of a large
  positive number;
* float32 in gives float32 out (float16 is computed in float32 and cast back),
  integers become float64, NaN propagates;
* shapes must match exactly: a ``(4, 1)`` prediction against a ``(4,)`` target
  raises instead of silently broadcasting to ``(4, 4)``.

The conventions follow :mod:`torch.nn.functional` with ``reduction="mean"``.
"""

from __future__ import annotations

import numpy as np

from .activations import vector as _vector
from .core import numerics as _nx
from .core.validation import as_float_array, check_same_shape, restore_scalar
from .core.validation import working_dtype as _work_dtype

__all__ = [
    "mse",
    "cross_entropy",
    "bce_with_logits",
    "bce",
    "softmax",
    "log_softmax",
    "logsumexp",
]


# ----------------------------------------------------------------------------
# the vector functions of lecture_kit.activations, under this module's argument names
# ----------------------------------------------------------------------------
def softmax(logits, axis: int = -1):
    """:func:`lecture_kit.activations.softmax` of ``logits`` (the one stable softmax).

    >>> softmax(np.array([1e4, 1e4, -1e4]))
    array([0.5, 0.5, 0. ])
    """
    return _vector.softmax(logits, axis)


def log_softmax(logits, axis: int = -1):
    """:func:`lecture_kit.activations.log_softmax` of ``logits`` (log-sum-exp inside).

    >>> log_softmax(np.array([0.0, 1e4]))  # finite, unlike np.log(softmax(.))
    array([-10000.,      0.])
    """
    return _vector.log_softmax(logits, axis)


def logsumexp(x, axis: int = -1):
    """:func:`lecture_kit.activations.logsumexp` of ``x``: the axis is reduced."""
    return _vector.logsumexp(x, axis)


# ----------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------
def _check_nonempty(x: np.ndarray, name: str) -> None:
    if x.size == 0:
        raise ValueError(f"{name} must have at least one element, got shape {x.shape}")


def _check_in_unit_interval(y: np.ndarray, name: str) -> None:
    """Raise unless every entry lies in [0, 1]; NaN is data and passes."""
    bad = (y < 0) | (y > 1)
    if np.any(bad):
        raise ValueError(
            f"{name} must lie in [0, 1], got values such as {y[bad].ravel()[:5]}"
        )


# ----------------------------------------------------------------------------
# regression
# ----------------------------------------------------------------------------
def mse(pred, target):
    r"""Mean squared error and its gradient with respect to ``pred``.

    .. math::
        L = \frac{1}{n} \sum_{i=1}^{n} (\hat y_i - y_i)^2,
        \qquad
        \frac{\partial L}{\partial \hat y_i} = \frac{2}{n} (\hat y_i - y_i),

    where :math:`n` is the number of elements (``reduction="mean"`` in
    :func:`torch.nn.functional.mse_loss`).

    Parameters
    ----------
    pred : array_like
        Predictions :math:`\hat y`, any shape with at least one element.
    target : array_like
        Targets :math:`y`, exactly the shape of ``pred``.

    Returns
    -------
    value : numpy scalar
        :math:`L`, in the dtype of ``pred``.
    grad : numpy.ndarray
        :math:`\partial L / \partial \hat y`, shape and dtype of ``pred``.

    Raises
    ------
    ValueError
        If the shapes differ (no broadcasting: ``(4, 1)`` against ``(4,)``
        would silently become a ``(4, 4)`` problem) or ``pred`` is empty.
    TypeError
        For non-numeric input.

    Notes
    -----
    Some texts use :math:`\tfrac12 (\hat y - y)^2` so that the gradient has no
    factor 2, or sum instead of averaging (many lecture notes write the sum). Here, as in
    PyTorch, the loss is a mean and the factor 2 stays. The target is cast to
    the dtype of ``pred``.

    Examples
    --------
    >>> value, grad = mse(np.array([1.0, 2.0]), np.array([0.0, 4.0]))
    >>> float(value), grad
    (2.5, array([ 1., -2.]))
    """
    p = as_float_array(pred, "pred")
    t = as_float_array(target, "target")
    check_same_shape(p, t, "pred", "target")
    _check_nonempty(p, "pred")
    work = _work_dtype(p.dtype)
    diff = p.astype(work) - t.astype(work, copy=False)  # a fresh array we own
    value = np.mean(diff * diff)
    diff *= 2.0 / diff.size  # Python float: keeps float32 as float32
    grad = diff.astype(p.dtype, copy=False)
    return p.dtype.type(value), restore_scalar(grad, p)


# ----------------------------------------------------------------------------
# classification
# ----------------------------------------------------------------------------
def _targets_for(labels, batch: int, classes: int, work: np.dtype):
    """Return ``("index", int array)`` or ``("prob", float array)``, validated."""
    if labels is None or isinstance(labels, (str, bytes)):
        as_float_array(labels, "labels")  # raises the project's TypeError
    try:
        lab = np.asarray(labels)
    except Exception as exc:  # ragged lists
        raise TypeError(f"labels must be a numeric array: {exc}") from exc
    if lab.ndim == 1:
        if lab.dtype.kind not in "iu":
            if lab.dtype.kind in "fb":
                raise ValueError(
                    "labels of shape (batch,) must be integer class indices, got "
                    f"dtype {lab.dtype}; cast integral values with .astype(int), or "
                    "pass one-hot/probability targets of shape (batch, classes)"
                )
            as_float_array(lab, "labels")  # TypeError for strings, objects, complex
        if lab.shape != (batch,):
            raise ValueError(
                f"labels must have shape ({batch},) to match logits of shape "
                f"({batch}, {classes}), got {lab.shape}"
            )
        bad = (lab < 0) | (lab >= classes)
        if np.any(bad):
            raise ValueError(
                f"labels must be class indices in [0, {classes - 1}], got "
                f"{lab[bad][:5].tolist()}"
            )
        return "index", lab.astype(np.intp, copy=False)
    if lab.ndim == 2:
        y = as_float_array(lab, "labels")
        if y.shape != (batch, classes):
            raise ValueError(
                f"probability labels must have the shape of logits, got "
                f"{y.shape} and ({batch}, {classes})"
            )
        _check_in_unit_interval(y, "probability labels")
        return "prob", y.astype(work, copy=False)
    raise ValueError(
        "labels must be class indices of shape (batch,) or probabilities of "
        f"shape (batch, classes), got shape {lab.shape}"
    )


def _check_smoothing(value) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer,
                                                                      np.floating)):
        raise TypeError(f"label_smoothing must be a real number, got {value!r}")
    if not 0.0 <= float(value) <= 1.0:  # NaN fails this too
        raise ValueError(f"label_smoothing must be in [0, 1], got {value!r}")
    return float(value)


def cross_entropy(logits, labels, label_smoothing=0.0):
    r"""Softmax cross-entropy from logits, averaged over the batch, and its gradient.

    For a batch of :math:`B` rows of logits :math:`z_{b} \in \mathbb{R}^K` and
    target distributions :math:`y_b` (a one-hot row for a class index):

    .. math::
        L = \frac{1}{B} \sum_{b=1}^{B} \Big( \operatorname{LSE}(z_b)\sum_k y_{bk}
            - \sum_{k} y_{bk} z_{bk} \Big)
          = -\frac{1}{B} \sum_{b,k} y_{bk} \log \operatorname{softmax}(z_b)_k,

    .. math::
        \frac{\partial L}{\partial z_{bk}}
        = \frac{1}{B}\Big(\operatorname{softmax}(z_b)_k \sum_j y_{bj} - y_{bk}\Big)
        \;=\; \frac{\operatorname{softmax}(z_b)_k - y_{bk}}{B}
        \quad\text{when the row } y_b \text{ sums to one.}

    Parameters
    ----------
    logits : array_like, shape (batch, classes)
        Unnormalised scores :math:`z`.
    labels : array_like
        Either integer class indices of shape ``(batch,)`` with values in
        ``[0, classes)``, or one-hot rows / probabilities of shape
        ``(batch, classes)`` with entries in ``[0, 1]``.
    label_smoothing : float, default 0.0
        :math:`\varepsilon \in [0, 1]`: the target becomes
        :math:`(1 - \varepsilon)\,y + \varepsilon/K`, as in PyTorch's
        ``F.cross_entropy(..., label_smoothing=eps)`` (for class indices and
        for probability targets alike).

    Returns
    -------
    value : numpy scalar
        :math:`L`, in the dtype of ``logits``.
    grad : numpy.ndarray
        :math:`\partial L/\partial z`, shape and dtype of ``logits``.

    Raises
    ------
    ValueError
        Logits not 2-D or empty; labels of the wrong shape; class indices out
        of range; float or boolean labels of shape ``(batch,)`` (they are not
        indices); probabilities outside ``[0, 1]``.
    TypeError
        For non-numeric input.

    Notes
    -----
    ``LSE`` is the log-sum-exp :math:`m + \log\sum_k e^{z_k - m}` with
    :math:`m = \max_k z_k`, so the loss stays finite at logits of
    :math:`\pm 10^4`, where ``-np.log(softmax(z))`` gives ``inf``.
    Same convention as :func:`torch.nn.functional.cross_entropy` with
    ``reduction="mean"``: for probability targets the mean is over the batch
    (not over the batch times the classes), and the rows are not required to
    sum to one (the gradient formula above then keeps its
    :math:`\sum_j y_{bj}` factor). The loss is invariant to adding a constant
    to every logit of a row, and so the gradient rows sum to zero for
    normalised targets.

    Label smoothing in one line: with :math:`u = (1/K, \dots, 1/K)`, the loss
    against the smoothed target is :math:`(1 - \varepsilon)\,\mathrm{CE}(y) +
    \varepsilon\,\mathrm{CE}(u)` (cross-entropy is linear in the target), and
    the gradient is :math:`(\operatorname{softmax}(z) - y_\varepsilon)/B` with
    :math:`y_\varepsilon` the smoothed target. Its minimum over the logits is
    finite for :math:`\varepsilon > 0` (every target entry is at least
    :math:`\varepsilon/K`).

    References
    ----------
    Szegedy, Vanhoucke, Ioffe, Shlens & Wojna (2016), "Rethinking the inception
    architecture for computer vision", CVPR (label smoothing).

    Examples
    --------
    >>> value, grad = cross_entropy(np.array([[0.0, 0.0]]), np.array([1]))
    >>> round(float(value), 6), grad
    (0.693147, array([[ 0.5, -0.5]]))
    >>> float(cross_entropy(np.array([[1e4, -1e4]]), np.array([1]))[0])
    20000.0
    >>> print(cross_entropy(np.array([[0.0, 0.0]]), np.array([1]), label_smoothing=0.5)[1])
    [[ 0.25 -0.25]]
    """
    z = as_float_array(logits, "logits")
    if z.ndim != 2:
        raise ValueError(f"logits must have shape (batch, classes), got shape {z.shape}")
    _check_nonempty(z, "logits")
    batch, classes = z.shape
    work = _work_dtype(z.dtype)
    kind, y = _targets_for(labels, batch, classes, work)
    eps = _check_smoothing(label_smoothing)
    if eps:  # the smoothed target is a probability target
        onehot = y if kind == "prob" else np.eye(classes, dtype=work)[y]
        kind, y = "prob", (onehot * (1 - eps) + eps / classes).astype(work, copy=False)

    zw = z.astype(work, copy=False)
    log_p = _nx.log_softmax(zw, axis=1)  # finite for finite logits
    p = _nx.softmax(zw, axis=1)
    rows = np.arange(batch)
    if kind == "index":
        value = -np.mean(log_p[rows, y])
        grad = p  # p is a fresh array we own
        grad[rows, y] -= 1.0
    else:
        value = -np.sum(y * log_p) / batch
        grad = p * np.sum(y, axis=1, keepdims=True) - y
    grad /= batch
    return z.dtype.type(value), grad.astype(z.dtype, copy=False)


def bce_with_logits(z, y):
    r"""Binary cross-entropy from logits, averaged over elements, and its gradient.

    With :math:`\sigma(z) = 1/(1+e^{-z})`,

    .. math::
        \ell(z, y) = -y\log\sigma(z) - (1-y)\log(1-\sigma(z))
                   = \max(z, 0) - z\,y + \log\!\big(1 + e^{-|z|}\big),

    .. math::
        L = \frac1n \sum_i \ell(z_i, y_i), \qquad
        \frac{\partial L}{\partial z_i} = \frac{\sigma(z_i) - y_i}{n}.

    Parameters
    ----------
    z : array_like
        Logits, any shape with at least one element.
    y : array_like
        Targets in :math:`[0, 1]` (hard 0/1 labels or soft labels), exactly the
        shape of ``z``.

    Returns
    -------
    value : numpy scalar
        :math:`L`, in the dtype of ``z``.
    grad : numpy.ndarray
        :math:`\partial L/\partial z`, shape and dtype of ``z``.

    Raises
    ------
    ValueError
        If the shapes differ, ``z`` is empty or ``y`` leaves :math:`[0, 1]`.
    TypeError
        For non-numeric input.

    Notes
    -----
    The right-hand form never evaluates ``exp`` of a positive number, so it is
    finite for any finite :math:`z` (try :math:`z = \pm 10^4` or
    :math:`10^{300}`), while ``bce(sigmoid(z), y)`` saturates: in float64
    :math:`\sigma(40) = 1` exactly and the loss of a wrong confident
    prediction is clipped. Same convention as
    :func:`torch.nn.functional.binary_cross_entropy_with_logits`
    (``reduction="mean"``, no ``pos_weight``).

    Examples
    --------
    >>> value, grad = bce_with_logits(np.array([0.0, 1e4]), np.array([1.0, 0.0]))
    >>> round(float(value), 4), grad
    (5000.3466, array([-0.25,  0.5 ]))
    """
    zz = as_float_array(z, "z")
    yy = as_float_array(y, "y")
    check_same_shape(zz, yy, "z", "y")
    _check_nonempty(zz, "z")
    _check_in_unit_interval(yy, "y")
    work = _work_dtype(zz.dtype)
    zw = zz.astype(work, copy=False)
    yw = yy.astype(work, copy=False)
    n = zw.size
    flat = zw.reshape(zw.shape or (1,))
    losses = _nx.softplus(flat).reshape(zw.shape) - zw * yw  # log(1 + e^z) - z y
    value = np.mean(losses)
    grad = _nx.sigmoid(flat).reshape(zw.shape)
    grad -= yw
    grad /= n
    return zz.dtype.type(value), restore_scalar(grad.astype(zz.dtype, copy=False), zz)


# PyTorch's clamp of the BCE gradient's denominator is the C++ float 1e-12.
_BCE_EPS = float(np.float32(1e-12))


def bce(p, y):
    r"""Binary cross-entropy from *probabilities*, PyTorch's clamped version.

    .. math::
        L = -\frac1n \sum_i \Big( y_i \max(\log p_i, -100)
              + (1-y_i) \max(\log(1-p_i), -100) \Big),

    .. math::
        \frac{\partial L}{\partial p_i}
        = \frac1n \, \frac{p_i - y_i}{\max\big(p_i (1-p_i),\, 10^{-12}\big)} .

    Parameters
    ----------
    p : array_like
        Predicted probabilities in :math:`[0, 1]`.
    y : array_like
        Targets in :math:`[0, 1]`, exactly the shape of ``p``.

    Returns
    -------
    value : numpy scalar
    grad : numpy.ndarray
        Shape and dtype of ``p``.

    Notes
    -----
    This is the function the chapter uses to show *why* losses take logits.
    Without the clamps, :math:`p = 0` with :math:`y = 1` gives
    :math:`\log 0 = -\infty`; PyTorch's :func:`torch.nn.functional.binary_cross_entropy`
    clamps each log at :math:`-100` and the gradient's denominator at
    :math:`10^{-12}` (exactly: the float32 number closest to it), and so does
    this function, so the two agree. The price:
    once :math:`p` has saturated to exactly 0 or 1 the loss is stuck at 100 and
    the gradient no longer says how wrong the model is. Prefer
    :func:`bce_with_logits`.

    Examples
    --------
    >>> value, grad = bce(np.array([0.5, 0.0]), np.array([1.0, 1.0]))
    >>> round(float(value), 4)
    50.3466
    """
    pp = as_float_array(p, "p")
    yy = as_float_array(y, "y")
    check_same_shape(pp, yy, "p", "y")
    _check_nonempty(pp, "p")
    _check_in_unit_interval(pp, "p")
    _check_in_unit_interval(yy, "y")
    work = _work_dtype(pp.dtype)
    pw = pp.astype(work, copy=False)
    yw = yy.astype(work, copy=False)
    tiny = np.finfo(work).smallest_subnormal  # log(tiny) < -100 in every dtype
    log_p = np.maximum(np.log(np.maximum(pw, tiny)), -100.0)
    log_q = np.maximum(np.log(np.maximum(1.0 - pw, tiny)), -100.0)
    value = -np.mean(yw * log_p + (1.0 - yw) * log_q)
    grad = (pw - yw) / np.maximum(pw * (1.0 - pw), _BCE_EPS)
    grad /= pw.size
    return pp.dtype.type(value), restore_scalar(grad.astype(pp.dtype, copy=False), pp)
