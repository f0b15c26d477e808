r"""A NumPy multilayer perceptron that shows its insides.

The network maps a batch :math:`X \in \mathbb R^{B \times n_0}` through
:math:`L` dense layers,

.. math::
    a_0 = X,\qquad z_l = a_{l-1} W_l + b_l,\qquad a_l = f_l(z_l),
    \qquad l = 1, \dots, L,

with weights :math:`W_l` of shape ``(fan_in, fan_out)`` (so that ``x @ W``
works on row vectors, as in the initializers of :mod:`lecture_kit.init`),
and backpropagates a loss gradient :math:`\partial\mathcal L/\partial a_L`:

.. math::
    \delta_l = \frac{\partial\mathcal L}{\partial a_l} \odot f_l'(z_l),\qquad
    \frac{\partial\mathcal L}{\partial W_l} = a_{l-1}^\top \delta_l,\qquad
    \frac{\partial\mathcal L}{\partial b_l} = \mathbf 1^\top \delta_l,\qquad
    \frac{\partial\mathcal L}{\partial a_{l-1}} = \delta_l W_l^\top.

Unlike a framework, :class:`MLP` keeps every intermediate quantity in plain
lists after a call, so a chapter can plot the pre-activations of layer 7 or
the gradient norm of layer 1 without hooks. :func:`depth_probe` is the bare
experiment of the course: how the signal forward and the gradient backward
change across 50 layers for a given activation and initialization.

In the code and in the lists, layers are numbered from 0: ``z[0]``,
``W[0]`` belong to the layer nearest the input (:math:`l = 1` above).

Two options keep deep networks trainable (the chapter on normalization and
residual connections): ``norm="batch"`` or ``"layer"`` normalizes every
hidden pre-activation before the activation, :math:`a_l = f(\gamma_l\odot
\hat z_l + \beta_l)` (:mod:`lecture_kit.normalization`), and
``residual=True`` adds a skip connection around every hidden layer whose input
and output widths agree, :math:`a_l = a_{l-1} + f(\cdot)`.

>>> from lecture_kit.data import spirals
>>> X, y = spirals(50, 3, rng=0)
>>> net = MLP([2, 32, 3], activation="tanh", init="xavier_normal", rng=0)
>>> out = net.forward(X)
>>> [z.shape for z in net.z], out.shape
([(150, 32), (150, 3)], (150, 3))
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import activations as _activations
from . import normalization as _norm
from .core.validation import (as_float_array, as_generator, check_choice, check_flag,
                              check_integer)
from .depth import DepthProbe, depth_probe
from .layers import (LOSSES, call_init, check_layer_dtype, resolve_activation,
                     resolve_init, resolve_loss)

__all__ = ["MLP", "History", "DepthProbe", "depth_probe", "LOSSES"]

# ----------------------------------------------------------------------------
# the training record
# ----------------------------------------------------------------------------
@dataclass
class History:
    r"""What :meth:`MLP.train` measured, one row per evaluation.

    Row ``e`` describes the network after ``e`` epochs; row 0 is the network
    before any update. Every quantity except ``batch_loss`` and the
    validation metrics is measured on the *whole training set* in one pass
    (the evaluation batch), with the parameters frozen.

    Attributes
    ----------
    epoch : ndarray of int, shape (E + 1,)
        ``0, 1, ..., E``.
    loss : ndarray, shape (E + 1,)
        Training loss.
    accuracy : ndarray of shape (E + 1,) or None
        Training accuracy (classification losses only).
    val_loss, val_accuracy : ndarray of shape (E + 1,) or None
        The same on ``(X_val, y_val)`` when given.
    grad_norm : ndarray, shape (E + 1, n_layers)
        :math:`\lVert \partial\mathcal L/\partial W_l \rVert_F` of the
        full-training-set loss, per layer (column 0 nearest the input).
    dead_fraction : ndarray, shape (E + 1, n_layers - 1)
        Per hidden layer, the fraction of *dead units*: a unit is dead when
        its activation is exactly 0 for every example of the evaluation batch
        (for ReLU: its pre-activation is :math:`\le 0` on every example, so it
        passes no gradient to its weights at all). NaN activations do not
        count as 0. Activations that are never exactly 0 (sigmoid, tanh,
        leaky ReLU) give 0 here even when their gradients are tiny.
    activation_std : ndarray, shape (E + 1, n_layers)
        Standard deviation of :math:`a_l` over examples and units.
    batch_loss : ndarray, shape (steps,)
        The loss of every mini-batch, in training order (before its update).
    diverged : bool
        True if a mini-batch loss stopped being finite; training then stops
        and the per-epoch arrays end at the last completed epoch.
    """

    epoch: np.ndarray
    loss: np.ndarray
    accuracy: np.ndarray | None
    val_loss: np.ndarray | None
    val_accuracy: np.ndarray | None
    grad_norm: np.ndarray
    dead_fraction: np.ndarray
    activation_std: np.ndarray
    batch_loss: np.ndarray
    diverged: bool = False


# ----------------------------------------------------------------------------
# the network
# ----------------------------------------------------------------------------
class MLP:
    r"""A fully connected network whose every intermediate result can be inspected.

    Parameters
    ----------
    sizes : sequence of int
        Layer widths ``[n_0, n_1, ..., n_L]``: input width first, output width
        last (at least two entries, all >= 1).
    activation : str, activation object, or list of them, default "relu"
        Activation of the hidden layers: one name from
        :func:`lecture_kit.activations.names` (or an object with ``__call__``
        and ``grad``) for all of them, or a list with one entry per hidden
        layer (``len(sizes) - 2`` entries).
    init : str or callable, default "he_normal"
        Weight initializer: a name from :func:`lecture_kit.init.names`, or a
        callable ``init(fan_in, fan_out, rng=..., **init_kwargs)`` returning
        an array of shape ``(fan_in, fan_out)``. Biases start at zero.
    output : str, activation object or None, default None
        Map applied to the last layer. ``None`` (or ``"identity"``) returns
        the affine output :math:`z_L` itself: logits for ``cross_entropy``
        and ``bce_with_logits``, values for ``mse``. ``"sigmoid"`` pairs with
        ``bce``.
    rng : numpy.random.Generator, int or None
        Randomness of the initialization.
    dtype : {float64, float32}, default float64
        Dtype of the parameters and of every computation; inputs are cast to it.
    init_kwargs : dict, optional
        Extra keyword arguments for the initializer (``{"std": 0.01}`` for
        ``init="normal"``, ``{"nonlinearity": "tanh"}`` for He).
    norm : {None, "batch", "layer"}, default None
        Normalize every hidden pre-activation before its activation, with a
        learned scale ``gamma`` (starting at 1) and shift ``beta`` (at 0).
        Batch norm uses the batch's statistics in training mode and running
        statistics (updated by :meth:`train_step`, PyTorch's momentum 0.1)
        for :meth:`predict` and :meth:`accuracy` and whenever
        ``training=False``.
    residual : bool, default False
        Add a skip connection around every hidden layer whose input and output
        widths agree: :math:`a_l = a_{l-1} + f(\dots)`.

    Attributes
    ----------
    W, b : list of ndarray
        Weights ``(n_{l}, n_{l+1})`` and biases ``(n_{l+1},)`` per layer.
    activations : list
        The map of every layer (the output map last).
    inputs, z, a : ndarray, list of ndarray, list of ndarray
        Set by :meth:`forward`: the input batch, the pre-activations
        :math:`z_l` and the activations :math:`a_l = f_l(z_l)` of every layer
        (``a[-1]`` is the network output).
    grad_W, grad_b, grad_z, grad_a : list of ndarray
        Set by :meth:`backward`: :math:`\partial\mathcal L/\partial W_l`,
        :math:`\partial\mathcal L/\partial b_l`, :math:`\delta_l =
        \partial\mathcal L/\partial z_l` and :math:`\partial\mathcal
        L/\partial a_l` per layer.
    grad_input : ndarray or None
        :math:`\partial\mathcal L/\partial X`, if ``backward(...,
        input_grad=True)`` asked for it.
    gamma, beta, grad_gamma, grad_beta : list of ndarray
        With ``norm``: the scale and shift of every hidden layer, and their
        gradients after :meth:`backward`.
    running : list of BatchNormState
        With ``norm="batch"``: the running statistics of every hidden layer.
    skips : tuple of bool
        Which hidden layers have a skip connection.
    training : bool
        Default mode of :meth:`forward` (``True``).

    Notes
    -----
    Backpropagation needs :math:`f'(z)` elementwise; it is taken from the
    activation's ``grad``, so the value at a kink is the activation's
    convention (ReLU'(0) = 0, as in PyTorch).

    Examples
    --------
    >>> net = MLP([4, 8, 8, 3], activation=["relu", "tanh"], rng=0)
    >>> X = np.ones((5, 4))
    >>> out = net.forward(X)
    >>> out.shape, [a.shape for a in net.a]
    ((5, 3), [(5, 8), (5, 8), (5, 3)])
    >>> value, grads = net.gradients(X, np.array([0, 1, 2, 0, 1]))
    >>> [g.shape for g in grads]
    [(4, 8), (8,), (8, 8), (8,), (8, 3), (3,)]
    """

    def __init__(self, sizes, activation="relu", init="he_normal", output=None,
                 rng=None, dtype=np.float64, init_kwargs=None, norm=None,
                 residual=False):
        if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__"):
            raise TypeError(f"sizes must be a sequence of ints, got {sizes!r}")
        if len(sizes) < 2:
            raise ValueError(f"sizes needs an input and an output width, got {list(sizes)}")
        self.sizes = tuple(check_integer(s, "layer width", 1) for s in sizes)
        self.dtype = check_layer_dtype(dtype)
        n_hidden = len(self.sizes) - 2
        if isinstance(activation, (list, tuple)):
            if len(activation) != n_hidden:
                raise ValueError(
                    f"activation list must have one entry per hidden layer: "
                    f"{n_hidden} for sizes {list(self.sizes)}, got {len(activation)}"
                )
            hidden = [resolve_activation(a, "activation") for a in activation]
        else:
            hidden = [resolve_activation(activation, "activation")] * n_hidden
        self.activations = hidden + [resolve_activation(output, "output")]
        rng = as_generator(rng)
        init_fn = resolve_init(init)
        init_kwargs = dict(init_kwargs or {})
        self.W = [
            call_init(init_fn, n_in, n_out, rng, self.dtype, init_kwargs)
            for n_in, n_out in zip(self.sizes[:-1], self.sizes[1:])
        ]
        self.b = [np.zeros(n_out, dtype=self.dtype) for n_out in self.sizes[1:]]
        self.norm = None if norm is None else check_choice(norm, "norm", ("batch", "layer"))
        self.residual = check_flag(residual, "residual")
        hidden_widths = self.sizes[1:-1]
        self.skips = tuple(self.residual and n_in == n_out
                           for n_in, n_out in zip(self.sizes[:-2], hidden_widths))
        self.gamma = [np.ones(n, dtype=self.dtype) for n in hidden_widths] if norm else []
        self.beta = [np.zeros(n, dtype=self.dtype) for n in hidden_widths] if norm else []
        self.running = ([_norm.batch_norm_init(n, self.dtype) for n in hidden_widths]
                        if norm == "batch" else [])
        self.training = True
        self._clear()

    def _clear(self):
        self.inputs = None
        self.z: list = []
        self.a: list = []
        self.grad_W: list = []
        self.grad_b: list = []
        self.grad_z: list = []
        self.grad_a: list = []
        self.grad_input = None
        self.z_norm: list = []
        self.grad_gamma: list = []
        self.grad_beta: list = []
        self._caches: list = []

    def __repr__(self):
        acts = ", ".join(getattr(f, "name", repr(f)) for f in self.activations)
        extra = (f", norm={self.norm!r}" if self.norm else "") + (
            ", residual=True" if self.residual else "")
        return (f"MLP(sizes={list(self.sizes)}, activations=[{acts}]{extra}, "
                f"dtype={self.dtype})")

    # -- parameters -----------------------------------------------------------
    @property
    def n_layers(self) -> int:
        """Number of weight layers :math:`L`."""
        return len(self.W)

    def _groups(self, W, b, gamma, beta) -> list:
        out = []
        for l in range(self.n_layers):
            out += [W[l], b[l]]
            if self.norm and l < self.n_layers - 1:
                out += [gamma[l], beta[l]]
        return out

    @property
    def params(self) -> list:
        """``[W_0, b_0, W_1, b_1, ...]`` (the arrays themselves, not copies).

        With ``norm``, each hidden layer's ``gamma`` and ``beta`` follow its
        bias: ``[W_0, b_0, gamma_0, beta_0, W_1, ...]``.
        """
        return self._groups(self.W, self.b, self.gamma, self.beta)

    @params.setter
    def params(self, values):
        values = list(values)
        old_params = self.params
        if len(values) != len(old_params):
            raise ValueError(
                f"expected {len(old_params)} parameter arrays, got {len(values)}"
            )
        new = []
        for old, value in zip(old_params, values):
            arr = as_float_array(value, "params")
            if arr.shape != old.shape:
                raise ValueError(f"parameter of shape {old.shape} cannot become {arr.shape}")
            new.append(arr.astype(self.dtype, copy=False))
        it = iter(new)
        W, b, gamma, beta = [], [], [], []
        for l in range(self.n_layers):
            W.append(next(it))
            b.append(next(it))
            if self.norm and l < self.n_layers - 1:
                gamma.append(next(it))
                beta.append(next(it))
        self.W, self.b, self.gamma, self.beta = W, b, gamma, beta

    @property
    def grads(self) -> list:
        """``[dW_0, db_0, ...]`` from the last :meth:`backward`, aligned with :attr:`params`."""
        if not self.grad_W:
            raise RuntimeError("no gradients yet: call backward() (or gradients()) first")
        return self._groups(self.grad_W, self.grad_b, self.grad_gamma, self.grad_beta)

    # -- forward and backward ---------------------------------------------------
    def _check_X(self, X) -> np.ndarray:
        X = as_float_array(X, "X")
        if X.ndim != 2 or X.shape[1] != self.sizes[0]:
            raise ValueError(
                f"X must have shape (batch, {self.sizes[0]}), got {X.shape}"
            )
        return X.astype(self.dtype, copy=False)

    def forward(self, X, record: bool = True, training: bool | None = None) -> np.ndarray:
        r"""Compute the output :math:`a_L` for a batch, recording every layer.

        Parameters
        ----------
        X : array_like, shape (batch, sizes[0])
            Input rows; cast to the network's dtype.
        record : bool, default True
            Keep ``inputs``, ``z`` and ``a`` on the model for :meth:`backward`
            and for inspection. ``False`` computes the output only and leaves
            the last record untouched.
        training : bool or None
            Batch norm only: normalize with the batch's statistics (``True``)
            or with the running ones (``False``); ``None`` uses
            :attr:`training`.

        Returns
        -------
        ndarray, shape (batch, sizes[-1])

        Examples
        --------
        >>> net = MLP([2, 3, 1], activation="relu", rng=0)
        >>> out = net.forward([[1.0, -1.0]])
        >>> bool(np.all(net.a[0] == np.maximum(net.z[0], 0)))
        True
        """
        X = self._check_X(X)
        training = self.training if training is None else check_flag(training, "training")
        zs, zn, acts, caches = [], [], [], []
        a = X
        last = self.n_layers - 1
        for l, (W, b, f) in enumerate(zip(self.W, self.b, self.activations)):
            z = a @ W
            z += b
            u, cache = z, None
            if self.norm and l < last:
                u, cache = self._normalize(l, z, training)
            out = f(u)
            if l < last and self.skips[l]:
                out = a + out
            a = out
            zs.append(z)
            zn.append(u)
            acts.append(a)
            caches.append(cache)
        if record:
            self._clear()
            self.inputs, self.z, self.a = X, zs, acts
            self.z_norm, self._caches = zn, caches
        return a

    def _normalize(self, l: int, z, training: bool):
        """Normalize hidden pre-activation ``l``: ``(gamma * z_hat + beta, cache)``."""
        if self.norm == "layer":
            return _norm.layer_norm_forward(z, self.gamma[l], self.beta[l])
        if training:
            return _norm.batch_norm_forward(z, self.gamma[l], self.beta[l])
        return _norm.batch_norm_eval(z, self.running[l], self.gamma[l], self.beta[l]), None

    __call__ = forward

    def backward(self, loss_grad, input_grad: bool = False) -> list:
        r"""Backpropagate :math:`\partial\mathcal L/\partial a_L` through the recorded forward pass.

        Parameters
        ----------
        loss_grad : array_like, shape of the last output
            Gradient of the loss with respect to the network output (the
            second value returned by the functions of :mod:`lecture_kit.losses`).
        input_grad : bool, default False
            Also compute :math:`\partial\mathcal L/\partial X` (stored as
            ``grad_input``); skipped by default, as in a framework, because it
            costs one more matrix product.

        Returns
        -------
        list of ndarray
            ``[dW_0, db_0, dW_1, db_1, ...]``, also stored in ``grad_W`` and
            ``grad_b`` (with ``grad_z`` and ``grad_a``).

        Raises
        ------
        RuntimeError
            If :meth:`forward` has not recorded a pass.
        ValueError
            If ``loss_grad`` does not have the shape of the output.
        """
        if not self.a:
            raise RuntimeError("backward() needs a recorded forward pass: call forward(X) first")
        g = as_float_array(loss_grad, "loss_grad")
        if g.shape != self.a[-1].shape:
            raise ValueError(
                f"loss_grad must have the output's shape {self.a[-1].shape}, got {g.shape}"
            )
        g = g.astype(self.dtype, copy=False)
        L = self.n_layers
        grad_W, grad_b, grad_z, grad_a = [None] * L, [None] * L, [None] * L, [None] * L
        grad_gamma, grad_beta = [None] * (L - 1), [None] * (L - 1)
        self.grad_input = None
        for l in range(L - 1, -1, -1):
            grad_a[l] = g
            f = self.activations[l]
            u = self.z_norm[l]
            delta = g if isinstance(f, _activations.Identity) else g * f.grad(u)
            if self.norm and l < L - 1:
                cache = self._caches[l]
                if cache is None:
                    raise RuntimeError("backward() through batch norm needs a forward pass "
                                       "in training mode (training=True)")
                backward = (_norm.layer_norm_backward if self.norm == "layer"
                            else _norm.batch_norm_backward)
                delta, grad_gamma[l], grad_beta[l] = backward(delta, cache)
            a_prev = self.inputs if l == 0 else self.a[l - 1]
            grad_z[l] = delta
            grad_W[l] = a_prev.T @ delta
            grad_b[l] = delta.sum(axis=0)
            if l > 0 or input_grad:
                skip = g if l < L - 1 and self.skips[l] else None
                g = delta @ self.W[l].T
                if skip is not None:
                    g = g + skip
        if input_grad:
            self.grad_input = g
        self.grad_W, self.grad_b, self.grad_z, self.grad_a = grad_W, grad_b, grad_z, grad_a
        if self.norm:
            self.grad_gamma, self.grad_beta = grad_gamma, grad_beta
        return self.grads

    # -- losses ---------------------------------------------------------------
    def _targets(self, y, task, n: int):
        """Bring targets into the shape the loss expects for this network."""
        if task is None:  # a user-supplied loss gets y exactly as given
            return y
        y = np.asarray(y)
        if y.shape[:1] != (n,):
            raise ValueError(f"y must have {n} rows to match X, got shape {y.shape}")
        out = self.sizes[-1]
        if task in ("regression", "binary") and y.ndim == 1 and out == 1:
            y = y[:, None]  # (n,) against an (n, 1) output would broadcast to (n, n)
        if task in ("regression", "binary"):
            y = as_float_array(y, "y").astype(self.dtype, copy=False)
        return y

    def loss(self, X, y, loss="cross_entropy"):
        r"""The loss of the network on ``(X, y)`` (a forward pass, recorded).

        Parameters
        ----------
        X : array_like, shape (batch, sizes[0])
        y : array_like
            Integer labels ``(batch,)`` (or one-hot rows) for
            ``cross_entropy``; 0/1 labels ``(batch,)`` or ``(batch, 1)`` for
            the binary losses; targets ``(batch,)`` (one output) or
            ``(batch, sizes[-1])`` for ``mse``.
        loss : {"cross_entropy", "bce_with_logits", "bce", "mse"} or callable
            A name from :data:`LOSSES` or a function
            ``loss(output, y) -> (value, gradient)``.

        Returns
        -------
        numpy scalar
        """
        return self._forward_loss(X, y, loss)[0]

    def _forward_loss(self, X, y, loss):
        """Forward pass and ``(value, dL/d output)``."""
        fn, task = resolve_loss(loss)
        X = self._check_X(X)
        target = self._targets(y, task, X.shape[0])
        return fn(self.forward(X), target)

    def gradients(self, X, y, loss="cross_entropy", input_grad: bool = False):
        r"""Loss value and parameter gradients on one batch (forward + backward).

        Parameters
        ----------
        X, y : batch and its targets (see :meth:`loss`).
        loss : str or callable
        input_grad : bool, default False
            Also store :math:`\partial\mathcal L/\partial X` in ``grad_input``.

        Returns
        -------
        value : numpy scalar
        grads : list of ndarray
            ``[dW_0, db_0, ...]``, aligned with :attr:`params`.

        Examples
        --------
        >>> net = MLP([2, 4, 1], activation="tanh", rng=0)
        >>> value, grads = net.gradients([[0.5, -1.0]], [1.0], loss="mse")
        >>> len(grads) == len(net.params)
        True
        """
        value, g = self._forward_loss(X, y, loss)
        return value, self.backward(g, input_grad=input_grad)

    # -- predictions ----------------------------------------------------------
    def predict(self, X) -> np.ndarray:
        r"""Class labels: the arg-max output, or a threshold for one output.

        Predictions are made in evaluation mode (batch norm uses its running
        statistics, as after ``model.eval()`` in PyTorch).

        With several outputs the label is :math:`\arg\max_k a_{L,k}`. With one
        output it is :math:`[\,a_L > f_L(0)\,]`: a logit above 0 for the
        identity output, a probability above 0.5 for a sigmoid output. For
        regression use :meth:`forward` (or call the model).

        Returns
        -------
        ndarray of int64, shape (batch,)

        Examples
        --------
        >>> net = MLP([2, 3], rng=0)
        >>> net.predict(np.eye(2)).shape
        (2,)
        """
        out = self.forward(X, record=False, training=False)
        if out.shape[1] > 1:
            return out.argmax(axis=1).astype(np.int64)
        threshold = self.activations[-1](np.zeros(1, dtype=self.dtype))[0]
        return (out[:, 0] > threshold).astype(np.int64)

    def accuracy(self, X, y) -> float:
        """Fraction of examples whose :meth:`predict` label equals ``y``.

        ``y`` may be labels ``(batch,)``, a column ``(batch, 1)`` of 0/1 or
        one-hot rows ``(batch, classes)``.
        """
        y = np.asarray(y)
        if y.ndim == 2:
            y = y[:, 0] if y.shape[1] == 1 else y.argmax(axis=1)
        pred = self.predict(X)
        if y.shape != pred.shape:
            raise ValueError(f"y must have shape {pred.shape}, got {y.shape}")
        return float(np.mean(pred == y))

    # -- training -------------------------------------------------------------
    def train_step(self, X, y, optimizer, state=None, loss="cross_entropy"):
        r"""One optimizer step on one batch: forward, backward, update.

        Parameters
        ----------
        X, y : batch and its targets (see :meth:`loss`).
        optimizer : object
            ``init(param) -> state`` and ``step(param, grad, state) ->
            (param, state)``, such as the optimizers of :mod:`lecture_kit.optim`.
            It is applied to each parameter array separately, with one state
            per array.
        state : list or None
            The per-parameter states from the previous step; ``None`` starts
            fresh with ``optimizer.init``.
        loss : str or callable

        Returns
        -------
        value : numpy scalar
            The batch loss *before* the update.
        state : list
            The new per-parameter states; pass it to the next call.

        With ``norm="batch"`` the running statistics are updated from this
        batch, as PyTorch does in training mode.
        """
        params = self.params
        if state is None:
            state = [optimizer.init(p) for p in params]
        value, grads = self.gradients(X, y, loss)
        if self.norm == "batch":
            self.running = [_norm.update_running_stats(r, c)
                            for r, c in zip(self.running, self._caches)]
        new_params, new_state = [], []
        for p, g, s in zip(params, grads, state):
            p_new, s_new = optimizer.step(p, g, s)
            new_params.append(p_new)
            new_state.append(s_new)
        self.params = new_params
        return value, new_state

    def _evaluate(self, X, y, loss, task):
        value, _ = self.gradients(X, y, loss)
        acc = None
        if task in ("multiclass", "binary"):
            acc = self.accuracy(X, y)
        grad_norm = [float(np.linalg.norm(g)) for g in self.grad_W]
        dead = [float(np.mean(np.all(a == 0, axis=0))) for a in self.a[:-1]]
        act_std = [float(np.std(a)) for a in self.a]
        return float(value), acc, grad_norm, dead, act_std

    def train(self, X, y, optimizer, epochs: int = 10, batch_size: int = 32,
              loss="cross_entropy", rng=None, X_val=None, y_val=None) -> History:
        r"""Mini-batch training with any optimizer of :mod:`lecture_kit.optim`.

        Each epoch visits the training set once in a random order, in batches
        of ``batch_size`` (the last batch may be smaller), and makes one
        :meth:`train_step` per batch. Before the first epoch and after each
        epoch, the network is evaluated on the whole training set (see
        :class:`History` for exactly what is recorded).

        Parameters
        ----------
        X, y : training data (see :meth:`loss` for the shapes of ``y``).
        optimizer : object with ``init`` and ``step``
        epochs : int, default 10
        batch_size : int, default 32
        loss : str or callable, default "cross_entropy"
        rng : numpy.random.Generator, int or None
            Randomness of the shuffling.
        X_val, y_val : optional validation set, evaluated with the training set.

        Returns
        -------
        History

        Notes
        -----
        Divergence (too large a learning rate) is part of the course: the loss
        may overflow to ``inf`` or ``nan``. Training then stops quietly, with
        ``history.diverged = True``, instead of emitting floating-point
        warnings.

        Examples
        --------
        >>> from lecture_kit.data import xor
        >>> from lecture_kit.optim import sgd
        >>> X, y = xor(200, rng=0)
        >>> net = MLP([2, 16, 2], activation="tanh", init="xavier_normal", rng=0)
        >>> h = net.train(X, y, sgd(lr=0.5), epochs=20, batch_size=20, rng=0)
        >>> h.loss.shape, h.grad_norm.shape, h.dead_fraction.shape
        ((21,), (21, 2), (21, 1))
        >>> bool(h.accuracy[-1] > 0.95)
        True
        """
        epochs = check_integer(epochs, "epochs", 0)
        batch_size = check_integer(batch_size, "batch_size", 1)
        _, task = resolve_loss(loss)
        X = self._check_X(X)
        n = X.shape[0]
        y = np.asarray(y)
        self._targets(y, task, n)  # validate once, loudly
        if (X_val is None) != (y_val is None):
            raise ValueError("give both X_val and y_val, or neither")
        if X_val is not None:
            X_val = self._check_X(X_val)
            self._targets(y_val, task, X_val.shape[0])
        rng = as_generator(rng)

        rows: list = []
        val_rows: list = []
        batch_losses: list = []
        diverged = False
        state = None
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for epoch in range(epochs + 1):
                if epoch > 0:
                    order = rng.permutation(n)
                    for start in range(0, n, batch_size):
                        idx = order[start:start + batch_size]
                        value, state = self.train_step(X[idx], y[idx], optimizer, state, loss)
                        batch_losses.append(float(value))
                        if not np.isfinite(value):
                            diverged = True
                            break
                    if diverged:
                        break
                rows.append(self._evaluate(X, y, loss, task))
                if X_val is not None:
                    v_loss = float(self.loss(X_val, y_val, loss))
                    v_acc = self.accuracy(X_val, y_val) if task in ("multiclass", "binary") else None
                    val_rows.append((v_loss, v_acc))
        classify = task in ("multiclass", "binary")
        n_hidden = self.n_layers - 1
        return History(
            epoch=np.arange(len(rows)),
            loss=np.array([r[0] for r in rows]),
            accuracy=np.array([r[1] for r in rows]) if classify else None,
            val_loss=np.array([v[0] for v in val_rows]) if val_rows else None,
            val_accuracy=np.array([v[1] for v in val_rows]) if val_rows and classify else None,
            grad_norm=np.array([r[2] for r in rows]).reshape(len(rows), self.n_layers),
            dead_fraction=np.array([r[3] for r in rows]).reshape(len(rows), n_hidden),
            activation_std=np.array([r[4] for r in rows]).reshape(len(rows), self.n_layers),
            batch_loss=np.array(batch_losses),
            diverged=diverged,
        )
