r"""The course's derivations about optimization: momentum and Adam."""

from __future__ import annotations

import sympy as sp

from .checker import Derivation, symbol
from .registry import register


def _check_t_max(t_max):
    if isinstance(t_max, bool) or not isinstance(t_max, int) or not 1 <= t_max <= 12:
        raise ValueError(f"t_max must be an integer from 1 to 12, got {t_max!r}")
    return t_max


def _ema(d, v, g, beta, T):
    """Define v_0 = 0 and v_t = beta v_{t-1} + (1 - beta) g_t for t = 1..T; return t and the cases."""
    t = symbol("t", positive=True, integer=True)
    cases = tuple({t: k} for k in range(1, T + 1))
    d.define(v[0], 0, "start from rest")
    d.define(v[t], beta * v[t - 1] + (1 - beta) * g[t],
             "exponential moving average of the gradients $g_t$", instances=cases)
    return t, cases


@register
def momentum_unrolled(t_max: int = 4) -> Derivation:
    r"""Unroll EMA momentum :math:`v_t = \beta v_{t-1} + (1-\beta) g_t`, :math:`v_0 = 0`.

    .. math::
        v_t = (1-\beta)\sum_{k=0}^{t-1}\beta^k g_{t-k}, \qquad
        (1-\beta)\sum_{k=0}^{t-1}\beta^k = 1 - \beta^t, \qquad
        \hat v_t = \frac{v_t}{1-\beta^t}.

    The weights :math:`(1-\beta)\beta^k` sum to :math:`1 - \beta^t < 1`:
    early averages are biased toward the start value 0, which the correction
    :math:`\hat v_t` removes (on a constant gradient :math:`\hat v_t = g`
    exactly).

    Parameters
    ----------
    t_max : int
        The statements about :math:`v_t` are checked for
        :math:`t = 1, \dots, t_{max}` with symbolic gradients.

    Returns
    -------
    Derivation

    Examples
    --------
    >>> momentum_unrolled().verify()
    True
    """
    T = _check_t_max(t_max)
    beta = symbol("beta", positive=True)
    g, v, vhat = sp.IndexedBase("g"), sp.IndexedBase("v"), sp.IndexedBase(r"\hat{v}")
    k = sp.Symbol("k", integer=True, nonnegative=True)
    G = symbol("g")
    d = Derivation("Momentum as an exponential moving average", name="momentum_unrolled")
    t, cases = _ema(d, v, g, beta, T)
    d.equal(v[t], (1 - beta) * sp.Sum(beta**k * g[t - k], (k, 0, t - 1)),
            "unroll: each older gradient carries one more factor $\\beta$", instances=cases)
    d.equal((1 - beta) * sp.Sum(beta**k, (k, 0, t - 1)), 1 - beta**t,
            "geometric series: the weights sum to $1 - \\beta^t$, not 1", instances=cases)
    d.define(vhat[t], v[t] / (1 - beta**t), "bias correction", instances=cases)
    d.equal(vhat[t], G, "on a constant gradient the corrected average is exact",
            given=tuple(sp.Eq(g[j], G) for j in range(1, T + 1)), instances=cases)
    return d


@register
def momentum_forms_equivalent(t_max: int = 4) -> Derivation:
    r"""EMA momentum with learning rate :math:`\eta` = PyTorch's momentum with :math:`\eta(1-\beta)`.

    PyTorch (``torch.optim.SGD``, ``dampening=0``) keeps
    :math:`b_t = \mu b_{t-1} + g_t`, :math:`b_0 = 0`. With :math:`\mu = \beta`,
    :math:`v_t = (1-\beta)\,b_t` for every :math:`t`, so the EMA update
    :math:`\theta_t = \theta_{t-1} - \eta v_t` and PyTorch's update
    :math:`\vartheta_t = \vartheta_{t-1} - \eta' b_t` take the same steps when
    :math:`\eta' = \eta(1-\beta)`.

    Parameters
    ----------
    t_max : int
        Checked for :math:`t = 1, \dots, t_{max}`; the induction step is
        checked in general.

    Returns
    -------
    Derivation

    Examples
    --------
    >>> momentum_forms_equivalent().verify()
    True
    """
    T = _check_t_max(t_max)
    beta, mu = symbol("beta", positive=True), symbol("mu", positive=True)
    eta, eta_pt = symbol("eta", positive=True), symbol("eta_pt", r"\eta'", positive=True)
    g, v, b = sp.IndexedBase("g"), sp.IndexedBase("v"), sp.IndexedBase("b")
    theta, phi = sp.IndexedBase("theta"), sp.IndexedBase("vartheta")
    V, B, G = symbol("V"), symbol("B"), symbol("G")
    d = Derivation("EMA momentum = PyTorch momentum with learning rate times $1 - \\beta$",
                   name="momentum_forms_equivalent")
    t, cases = _ema(d, v, g, beta, T)
    d.define(b[0], 0, "PyTorch's buffer starts at 0")
    d.define(b[t], mu * b[t - 1] + g[t], "PyTorch: $b_t = \\mu b_{t-1} + g_t$", instances=cases)
    d.equal(v[t], (1 - beta) * b[t], "take $\\mu = \\beta$", given=(sp.Eq(mu, beta),),
            instances=cases)
    d.equal((beta * V + (1 - beta) * G) - (1 - beta) * (mu * B + G), beta * (V - (1 - beta) * B),
            "induction: the gap $v - (1 - \\beta) b$ is only multiplied by $\\beta$, and starts at 0",
            given=(sp.Eq(mu, beta),))
    d.define(theta[t], theta[t - 1] - eta * v[t], "EMA update, learning rate $\\eta$",
             instances=cases)
    d.define(phi[t], phi[t - 1] - eta_pt * b[t], "PyTorch update, learning rate $\\eta'$",
             instances=cases)
    d.equal(theta[t], phi[t], "same start, $\\mu = \\beta$ and $\\eta' = \\eta (1 - \\beta)$",
            given=(sp.Eq(mu, beta), sp.Eq(eta_pt, eta * (1 - beta)), sp.Eq(phi[0], theta[0])),
            instances=cases)
    return d


@register
def momentum_effective_step() -> Derivation:
    r"""On a constant gradient, PyTorch's momentum step tends to :math:`\eta g/(1-\beta)`.

    EMA form: :math:`v_t = (1-\beta^t)\,g \to g`, so the step tends to
    :math:`\eta g`, plain gradient descent. PyTorch's form:
    :math:`b_t = \frac{1-\beta^t}{1-\beta}\,g \to \frac{g}{1-\beta}`: an
    effective learning rate :math:`\eta/(1-\beta)`, ten times :math:`\eta` at
    :math:`\beta = 0.9`. The limits use :math:`0 < \beta < 1`, written
    :math:`\beta = e^{-\lambda}` with :math:`\lambda > 0`.

    Returns
    -------
    Derivation

    Examples
    --------
    >>> momentum_effective_step().verify()
    True
    """
    T = 4
    beta, lam = symbol("beta", positive=True), symbol("lambda", positive=True)
    eta = symbol("eta", positive=True)
    g, v, b = sp.IndexedBase("g"), sp.IndexedBase("v"), sp.IndexedBase("b")
    G = symbol("g")
    d = Derivation("The effective step of the two momentum forms", name="momentum_effective_step")
    t, cases = _ema(d, v, g, beta, T)
    d.define(b[0], 0, "PyTorch's buffer starts at 0")
    d.define(b[t], beta * b[t - 1] + g[t], "PyTorch's form with $\\mu = \\beta$", instances=cases)
    const = tuple(sp.Eq(g[j], G) for j in range(1, T + 1))
    d.equal(v[t], (1 - beta**t) * G, "constant gradient $g_t = g$: EMA form",
            given=const, instances=cases)
    d.equal(b[t], (1 - beta**t) / (1 - beta) * G, "and PyTorch's form", given=const, instances=cases)
    s = symbol("s", positive=True)
    below_one = (sp.Eq(beta, sp.exp(-lam)),)
    d.equal(sp.Limit(eta * (1 - beta**s) * G, s, sp.oo), eta * G,
            "EMA: the step tends to $\\eta g$, plain gradient descent", given=below_one)
    d.equal(sp.Limit(eta * (1 - beta**s) / (1 - beta) * G, s, sp.oo), eta / (1 - beta) * G,
            "PyTorch: the step tends to $\\eta g/(1 - \\beta)$, 10x at $\\beta = 0.9$",
            given=below_one)
    return d


@register
def adam_bias_correction() -> Derivation:
    r"""Adam's bias correction on a constant gradient, and the size of its first step.

    With :math:`m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t` and
    :math:`v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2` from 0, a constant
    gradient gives :math:`\hat m_t = g` and :math:`\hat v_t = g^2` exactly, and
    the first step :math:`\hat m_1/\sqrt{\hat v_1} = g/|g|` has size 1 whatever
    the scale of :math:`g` (ignoring :math:`\epsilon`).

    Returns
    -------
    Derivation

    Examples
    --------
    >>> adam_bias_correction().verify()
    True
    """
    T = 4
    b1, b2 = symbol("beta_1", positive=True), symbol("beta_2", positive=True)
    g, m, v = sp.IndexedBase("g"), sp.IndexedBase("m"), sp.IndexedBase("v")
    G = symbol("g", real=True, nonzero=True)
    t = symbol("t", positive=True, integer=True)
    cases = tuple({t: j} for j in range(1, T + 1))
    const = tuple(sp.Eq(g[j], G) for j in range(1, T + 1))
    d = Derivation("Adam's bias correction", name="adam_bias_correction")
    d.define(m[0], 0, "first moment starts at 0")
    d.define(m[t], b1 * m[t - 1] + (1 - b1) * g[t], "EMA of the gradients", instances=cases)
    d.define(v[0], 0, "second moment starts at 0")
    d.define(v[t], b2 * v[t - 1] + (1 - b2) * g[t] ** 2, "EMA of the squared gradients",
             instances=cases)
    d.equal(m[t] / (1 - b1**t), G, "constant gradient: $\\hat m_t = g$", given=const,
            instances=cases)
    d.equal(v[t] / (1 - b2**t), G**2, "and $\\hat v_t = g^2$", given=const, instances=cases)
    d.equal((m[1] / (1 - b1)) / sp.sqrt(v[1] / (1 - b2)), G / sp.Abs(G),
            "first step: size 1 in every coordinate, whatever $|g|$", given=const[:1])
    return d
