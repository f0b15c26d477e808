r"""The adaptive methods: Adagrad, RMSprop, Adadelta, Adam and AdamW, as in ``torch.optim``."""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from ..core.validation import check_flag, check_nonnegative, check_probability
from ..core.numerics import add_scaled
from .base import Optimizer, descend, moving_average, register, with_weight_decay

__all__ = ["AdagradState", "RMSpropState", "AdadeltaState", "AdamState", "adagrad", "rmsprop",
           "adadelta", "adam", "adamw"]


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


def _betas(betas) -> tuple[float, float]:
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise TypeError(f"betas must be a pair (beta1, beta2), got {betas!r}")
    b1 = check_probability(betas[0], "beta parameter at index 0")
    b2 = check_probability(betas[1], "beta parameter at index 1")
    return (b1, b2)


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

    def update_leaf(p, g, bufs, t, out):
        # writes into out = (p_out, bufs_out): see sgd() and base.Optimizer._apply
        (s,), (p_out, (s_out,)) = bufs, out
        scratch = p_out if p_out is not p else np.empty_like(p)
        if weight_decay != 0:
            g = with_weight_decay(g, p, weight_decay)
        clr = lr / (1 + (t - 1) * lr_decay)
        np.add(s, np.square(g, out=scratch), out=s_out)   # s_t = s + g^2
        std = np.sqrt(s_out, out=scratch)
        std += eps
        np.divide(g, std, out=scratch)                       # theta - clr g / std
        scratch *= -clr
        return np.add(p, scratch, out=p_out), (s_out,)

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
        return (np.zeros_like(p), np.zeros_like(p) if momentum > 0 else None,
                np.zeros_like(p) if centered else None)

    def update_leaf(p, g, bufs, t, out):
        # writes into out = (p_out, bufs_out): see sgd() and base.Optimizer._apply
        (s, buf, g_avg), (p_out, (s_out, buf_out, g_avg_out)) = bufs, out
        scratch = p_out if p_out is not p else np.empty_like(p)
        if weight_decay != 0:
            g = with_weight_decay(g, p, weight_decay)
        r = np.square(g, out=scratch)
        moving_average(s, r, alpha, s_out)                   # alpha s + (1 - alpha) g^2
        if centered:
            np.subtract(g, g_avg, out=r)                     # g_avg + (1 - alpha)(g - g_avg)
            if g_avg_out is not g_avg:
                np.copyto(g_avg_out, g_avg)
            add_scaled(g_avg_out, r, 1 - alpha)
            np.square(g_avg_out, out=r)
            np.subtract(s_out, r, out=r)
            np.maximum(r, 0, out=r)  # rounding guard; NaN still propagates
            np.sqrt(r, out=r)
        else:
            np.sqrt(s_out, out=r)
        r += eps
        np.divide(g, r, out=r)                               # g / r
        if momentum > 0:
            np.multiply(buf, momentum, out=buf_out)          # mu b + g / r
            buf_out += r
            return descend(p, buf_out, lr, p_out), (s_out, buf_out, g_avg_out)
        r *= -lr
        return np.add(p, r, out=p_out), (s_out, buf_out, g_avg_out)

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
        return (np.zeros_like(p), np.zeros_like(p))

    def update_leaf(p, g, bufs, t, out):
        # writes into out = (p_out, bufs_out): see sgd() and base.Optimizer._apply
        (s, u), (p_out, (s_out, u_out)) = bufs, out
        scratch = p_out if p_out is not p else np.empty_like(p)
        if weight_decay != 0:
            g = with_weight_decay(g, p, weight_decay)
        std = np.square(g, out=scratch)
        moving_average(s, std, rho, s_out)                   # rho s + (1 - rho) g^2
        np.add(s_out, eps, out=std)                          # sqrt(s_t + eps)
        np.sqrt(std, out=std)
        delta = np.add(u, eps, out=np.empty_like(u))         # sqrt(u + eps) / std * g
        np.sqrt(delta, out=delta)
        delta /= std
        delta *= g
        moving_average(u, np.square(delta, out=std), rho, u_out)  # rho u + (1 - rho) delta^2
        return descend(p, delta, lr, p_out), (s_out, u_out)  # theta - lr delta

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
        return (np.zeros_like(p), np.zeros_like(p), np.zeros_like(p) if amsgrad else None)

    def update_leaf(p, g, bufs, t, out):
        # Writes into out = (p_out, bufs_out): fresh arrays for step(), the inputs
        # for step_(); each input is read before its output is written, so both
        # give the same numbers. Ten passes over memory, most of them in place
        # (an in-place pass reads and writes one array: cheaper than a fresh one).
        (m, v, v_max), (p_out, (m_out, v_out, v_max_out)) = bufs, out
        if weight_decay != 0:
            if decoupled:  # AdamW: shrink the weights first
                p = np.multiply(p, 1 - lr * weight_decay, out=p_out if p_out is p else None)
            else:
                g = with_weight_decay(g, p, weight_decay)  # Adam: L2 term in the gradient
        scratch = p_out if p_out is not p else np.empty_like(p)
        # m_t = beta1 m + (1 - beta1) g,  v_t = beta2 v + (1 - beta2) g^2
        moving_average(m, g, beta1, m_out)
        moving_average(v, np.square(g, out=scratch), beta2, v_out)
        if amsgrad:
            second = np.maximum(v_max, v_out, out=v_max_out)
        else:
            second = v_out
        # theta_t = theta - (lr / c1) m / (sqrt(v) / sqrt(c2) + eps), rewritten as
        # theta - (lr sqrt(c2) / c1) m / (sqrt(v) + eps sqrt(c2)): the same number,
        # one pass over the array fewer.
        sqrt_c2 = math.sqrt(1 - beta2**t)
        scale = lr * sqrt_c2 / (1 - beta1**t)
        np.sqrt(second, out=scratch)
        scratch += eps * sqrt_c2
        np.divide(m_out, scratch, out=scratch)
        scratch *= -scale
        return np.add(p, scratch, out=p_out), (m_out, v_out, v_max_out if amsgrad else None)

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
