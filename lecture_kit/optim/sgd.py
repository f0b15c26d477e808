r"""Stochastic gradient descent and momentum: PyTorch's form and the course's EMA form."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ..core.validation import check_flag, check_nonnegative, check_probability, check_real
from ..core.numerics import add_scaled
from .base import Optimizer, descend, moving_average, register, with_weight_decay

__all__ = ["SGDState", "MomentumEMAState", "sgd", "momentum_ema"]


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

    *This is the "SGD+Momentum" of many lecture notes* (:math:`v_{t+1} = \rho v_t + \nabla
    f(x_t)`, :math:`x_{t+1} = x_t - \alpha v_{t+1}` with :math:`v_0 = 0`), and
    Sutskever et al.'s form :math:`v \leftarrow \mu v - \gamma g`,
    :math:`\theta \leftarrow \theta + v` is the same with :math:`v = -\gamma b`
    (for a constant learning rate).

    *Nesterov.* Sutskever et al. write :math:`v_t = \mu v_{t-1} - \epsilon\nabla
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

    def update_leaf(p, g, bufs, t, out):
        # writes into out = (p_out, (buf_out,)): fresh arrays for step(), the
        # inputs themselves for step_(); every input is read before its output
        # is written, and each pass is the same in both, so they give the same
        # numbers (see base.Optimizer._apply and base.descend)
        (buf,), (p_out, (buf_out,)) = bufs, out
        if weight_decay != 0:
            g = with_weight_decay(g, p, weight_decay)   # g + lambda p (a new array)
        if momentum != 0:
            if buf is None:  # first step: b_1 = g_1, no dampening (PyTorch)
                buf_out = g.copy()
            else:
                np.multiply(buf, momentum, out=buf_out)
                add_scaled(buf_out, g, 1 - dampening)
            # d = g + mu b_t with Nesterov (a new array), else b_t
            d = add_scaled(g.copy(), buf_out, momentum) if nesterov else buf_out
        else:
            buf_out, d = None, g
        return descend(p, d, lr, p_out), (buf_out,)

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
    oscillating components, which allows a larger :math:`\gamma`. (It is often
    said that the moving average *increases* the update along consistent
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
        return (np.zeros_like(p),)

    def update_leaf(p, g, bufs, t, out):
        (v,), (p_out, (v_out,)) = bufs, out
        moving_average(v, g, beta, v_out)            # v_t = beta v + (1 - beta) g
        return descend(p, v_out, lr, p_out), (v_out,)   # theta - lr v_t

    latex = r"v_t = \beta v_{t-1} + (1-\beta) g_t\ (v_0 = 0),\quad \theta_t = \theta_{t-1} - \gamma v_t"
    return Optimizer("momentum_ema", dict(lr=lr, beta=beta), latex, MomentumEMAState,
                     init_leaf, update_leaf)
