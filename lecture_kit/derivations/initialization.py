r"""The course's derivations about initialization: Xavier/Glorot and He/Kaiming."""

from __future__ import annotations

import sympy as sp

from .checker import (AsWritten, Derivation, Expectation, Variance, mean_symbol, normal_density,
                      symbol, var_symbol)
from .registry import register


def _fan(name):
    latex = r"n_{\mathrm{%s}}" % name.split("_")[1]
    return symbol(name, latex, positive=True, integer=True)


def _weighted_sum(n, weights="w", inputs="x"):
    """``sum_i w_i x_i`` with ``n`` terms, its random families and the instances n = 1..5."""
    w, x = sp.IndexedBase(weights), sp.IndexedBase(inputs)
    i = sp.Symbol("i", integer=True, positive=True)
    return sp.Sum(w[i] * x[i], (i, 1, n)), (w, x), tuple({n: k} for k in range(1, 6))


def _harmonic_mean(a, b):
    """:math:`2/(1/a + 1/b)` as written (SymPy would simplify it to what it equals)."""
    def inverse(q):
        return sp.Pow(q, -1, evaluate=False)

    return AsWritten(sp.Mul(2, inverse(sp.Add(inverse(a), inverse(b), evaluate=False)),
                            evaluate=False))


@register
def xavier_forward() -> Derivation:
    r"""Forward variance of a linear unit: :math:`\operatorname{Var}(y) = n_{in}\operatorname{Var}(w)\operatorname{Var}(x)`.

    For :math:`y = \sum_{i=1}^{n_{in}} w_i x_i` with all :math:`w_i, x_i`
    independent, the :math:`w_i` identically distributed (mean :math:`\mu_w`)
    and likewise the :math:`x_i`:

    .. math::
        \operatorname{Var}(y) = n_{in}\,\big(\operatorname{Var}(w)\operatorname{Var}(x)
        + \operatorname{Var}(w)\mu_x^2 + \mu_w^2\operatorname{Var}(x)\big),

    which is :math:`n_{in}\operatorname{Var}(w)\,\mathbb{E}[x^2]` for
    zero-mean weights and :math:`n_{in}\operatorname{Var}(w)\operatorname{Var}(x)`
    when the inputs are zero-mean too. Keeping :math:`\operatorname{Var}(y) =
    \operatorname{Var}(x)` needs :math:`\operatorname{Var}(w) = 1/n_{in}`.

    Returns
    -------
    Derivation

    Notes
    -----
    The expectation steps are checked for :math:`n_{in} = 1, \dots, 5`: both
    sides are polynomials of degree at most 2 in :math:`n_{in}` (the square of
    a sum of :math:`n_{in}` terms has :math:`n_{in}^2` products), so three
    values already force the identity.

    Examples
    --------
    >>> xavier_forward().verify()
    True
    """
    n = _fan("n_in")
    y = symbol("y")
    total, rv, cases = _weighted_sum(n)
    x = rv[1]
    mu_w, mu_x, V_w, V_x = mean_symbol("w"), mean_symbol("x"), var_symbol("w"), var_symbol("x")
    d = Derivation("Forward pass: the variance of a weighted sum", name="xavier_forward")
    d.define(y, total, "one pre-activation with $n_{\\mathrm{in}}$ inputs")
    d.equal(Expectation(y, rv), n * mu_w * mu_x, "linearity, and $w_i$ independent of $x_i$",
            instances=cases)
    d.equal(Variance(y, rv), n * (V_w * V_x + V_w * mu_x**2 + mu_w**2 * V_x),
            "independent terms: variances add; $\\operatorname{Var}(wx) = \\mathbb{E}[w^2] \\mathbb{E}[x^2] - \\mathbb{E}[w]^2 \\mathbb{E}[x]^2$",
            instances=cases)
    d.equal(Variance(y, rv), n * V_w * Expectation(x[1] ** 2, rv),
            "zero-mean weights: the inputs may have any mean (He's case)",
            given=(sp.Eq(mu_w, 0),), instances=cases)
    d.then(n * V_w * V_x, "zero-mean inputs too (Glorot: tanh is odd and linear near 0)",
           given=(sp.Eq(mu_x, 0),))
    d.solve(V_w, 1 / n, sp.Eq(n * V_w * V_x, V_x), "ask for $\\operatorname{Var}(y) = \\operatorname{Var}(x)$")
    return d


@register
def xavier_backward() -> Derivation:
    r"""Backward variance: :math:`\operatorname{Var}(\partial L/\partial x) = n_{out}\operatorname{Var}(w)\operatorname{Var}(\partial L/\partial y)`.

    Input :math:`x_i` feeds the :math:`n_{out}` outputs
    :math:`y_j = \sum_i w_{ji} x_i + b_j`, so
    :math:`\partial L/\partial x_i = \sum_{j=1}^{n_{out}} w_{ji}\,\delta_j` with
    :math:`\delta_j = \partial L/\partial y_j`: the same algebra as the forward
    pass with :math:`n_{out}` terms. Keeping the variance needs
    :math:`\operatorname{Var}(w) = 1/n_{out}`.

    Returns
    -------
    Derivation

    Notes
    -----
    Independence of :math:`w` and :math:`\delta` is Glorot & Bengio's
    simplifying assumption (in the linear regime :math:`\delta` depends on the
    later layers' weights, not on this one's). Checked for
    :math:`n_{out} = 1, \dots, 5` as in :func:`xavier_forward`.

    Examples
    --------
    >>> xavier_backward().verify()
    True
    """
    n = _fan("n_out")
    g = symbol("g_x", r"\frac{\partial L}{\partial x_i}")
    w, delta = sp.IndexedBase("w"), sp.IndexedBase("delta")
    i = sp.Symbol("i", integer=True, positive=True)
    j = sp.Symbol("j", integer=True, positive=True)
    # w_{ji} delta_j summed over the outputs j: shown in this order, i stays free
    total = AsWritten(sp.Sum(sp.Mul(w[j, i], delta[j], evaluate=False), (j, 1, n)))
    rv, cases = (w, delta), tuple({n: k} for k in range(1, 6))
    mu_w, mu_d, V_w, V_d = (mean_symbol("w"), mean_symbol("delta"), var_symbol("w"),
                            var_symbol("delta"))
    d = Derivation("Backward pass: the variance of a backpropagated gradient",
                   name="xavier_backward")
    d.define(g, total, "chain rule through the $n_{\\mathrm{out}}$ outputs; $\\delta_j = \\partial L/\\partial y_j$")
    d.equal(Variance(g, rv), n * (V_w * V_d + V_w * mu_d**2 + mu_w**2 * V_d),
            "the forward algebra with $n_{\\mathrm{out}}$ terms", instances=cases)
    d.then(n * V_w * V_d, "zero-mean weights and upstream gradients",
           given=(sp.Eq(mu_w, 0), sp.Eq(mu_d, 0)))
    d.solve(V_w, 1 / n, sp.Eq(n * V_w * V_d, V_d), "ask for $\\operatorname{Var}(\\partial L/\\partial x) = \\operatorname{Var}(\\delta)$")
    return d


@register
def xavier_compromise() -> Derivation:
    r"""Glorot's compromise :math:`\operatorname{Var}(w) = 2/(n_{in}+n_{out})` and the uniform bound :math:`\sqrt{6/(n_{in}+n_{out})}`.

    The forward pass wants :math:`n_{in}\operatorname{Var}(w) = 1`, the
    backward pass :math:`n_{out}\operatorname{Var}(w) = 1`; asking their
    average to be 1 gives :math:`2/(n_{in}+n_{out})`, the harmonic mean of
    :math:`1/n_{in}` and :math:`1/n_{out}`. :math:`U[-a, a]` has variance
    :math:`a^2/3`, so :math:`a = \sqrt{6/(n_{in}+n_{out})}`.

    Returns
    -------
    Derivation

    Examples
    --------
    >>> xavier_compromise().verify()
    True
    """
    n_in, n_out = _fan("n_in"), _fan("n_out")
    V_w = var_symbol("w")
    a = symbol("a", positive=True)
    u = symbol("u", real=True)
    d = Derivation("Glorot's compromise between the two passes", name="xavier_compromise")
    d.solve(V_w, 2 / (n_in + n_out), sp.Eq((n_in * V_w + n_out * V_w) / 2, 1),
            "the two gains $n_{\\mathrm{in}} \\operatorname{Var}(w)$ and "
            "$n_{\\mathrm{out}} \\operatorname{Var}(w)$ average to 1")
    d.then(_harmonic_mean(1 / n_in, 1 / n_out),
           "the harmonic mean of $1/n_{\\mathrm{in}}$ and $1/n_{\\mathrm{out}}$")
    d.equal(sp.Integral(u / (2 * a), (u, -a, a)), 0, "$U[-a, a]$ has density $1/(2a)$ and mean 0")
    d.equal(sp.Integral(u**2 / (2 * a), (u, -a, a)), a**2 / 3, "so its variance is $a^2/3$")
    d.solve(a, sp.sqrt(6 / (n_in + n_out)), sp.Eq(a**2 / 3, 2 / (n_in + n_out)),
            "match the variances, $a > 0$: Glorot's uniform bound")
    return d


@register
def he_relu_second_moment() -> Derivation:
    r"""For :math:`z` symmetric about 0, :math:`\mathbb{E}[\mathrm{relu}(z)^2] = \operatorname{Var}(z)/2`.

    relu keeps :math:`z^2` on :math:`z > 0` and drops it on :math:`z < 0`.
    If :math:`z` is symmetric the two halves carry the same second moment
    :math:`P = N`, and :math:`P + N = \mathbb{E}[z^2] = \operatorname{Var}(z)`
    (mean 0), so :math:`P = \operatorname{Var}(z)/2` for any symmetric
    :math:`z` (symmetry enters as the stated assumption :math:`N = P`).
    Checked by integration for a normal, a Laplace and a uniform :math:`z`.

    Returns
    -------
    Derivation

    Notes
    -----
    Unlike the variance, :math:`\mathbb{E}[\mathrm{relu}(z)^2]` is not
    :math:`\operatorname{Var}(\mathrm{relu}(z))`: relu's output has mean
    :math:`\mathbb{E}[z^+] > 0`. He et al. need the second moment, because the
    next layer's variance is :math:`n\operatorname{Var}(w)\,\mathbb{E}[x^2]`.

    Examples
    --------
    >>> he_relu_second_moment().verify()
    True
    """
    P = symbol("P", r"\mathbb{E}[z^2; z > 0]", nonnegative=True)
    N = symbol("N", r"\mathbb{E}[z^2; z < 0]", nonnegative=True)
    V = symbol("V_z", r"\operatorname{Var}(z)", positive=True)
    u = symbol("u", real=True)
    s, lap, a = symbol("s", positive=True), symbol("b", positive=True), symbol("a", positive=True)
    d = Derivation("A relu keeps half of the second moment", name="he_relu_second_moment")
    d.solve(P, V / 2, sp.Eq(P + N, V),
            "the halves add to $\\mathbb{E}[z^2] = \\operatorname{Var}(z)$ (mean 0) and are equal (symmetry)",
            given=(sp.Eq(N, P),))
    d.equal(sp.Integral(u**2 * normal_density(u, s), (u, 0, sp.oo)), s**2 / 2,
            "normal $z$ with $\\operatorname{Var}(z) = s^2$: $\\mathbb{E}[\\mathrm{relu}(z)^2]$ integrates $u > 0$ only")
    d.equal(sp.Integral(u**2 * sp.exp(-u / lap) / (2 * lap), (u, 0, sp.oo)), (2 * lap**2) / 2,
            "Laplace $z$ with scale $b$, $\\operatorname{Var}(z) = 2 b^2$")
    d.equal(sp.Integral(u**2 / (2 * a), (u, 0, a)), (a**2 / 3) / 2,
            "uniform $z$ on $[-a, a]$, $\\operatorname{Var}(z) = a^2/3$")
    return d


@register
def he_init() -> Derivation:
    r"""He/Kaiming initialization: :math:`\operatorname{Var}(w) = 2/n_{in}` for relu layers.

    With zero-mean weights :math:`\operatorname{Var}(y_l) =
    n_{in}\operatorname{Var}(w)\,\mathbb{E}[x^2]` (the inputs
    :math:`x = \mathrm{relu}(y_{l-1})` are not zero-mean, so
    :math:`\mathbb{E}[x^2]` stays), and :math:`\mathbb{E}[x^2] =
    \operatorname{Var}(y_{l-1})/2` (:func:`he_relu_second_moment`). Keeping
    the variance needs :math:`\operatorname{Var}(w) = 2/n_{in}`: a normal with
    std :math:`\sqrt{2/n_{in}}`, or :math:`U[-a, a]` with :math:`a = \sqrt{6/n_{in}}`.

    Returns
    -------
    Derivation

    Examples
    --------
    >>> he_init().verify()
    True
    """
    n = _fan("n_in")
    y = symbol("y_l")
    total, rv, cases = _weighted_sum(n)
    mu_w, mu_x, V_w, V_x = mean_symbol("w"), mean_symbol("x"), var_symbol("w"), var_symbol("x")
    V = symbol("V_prev", r"\operatorname{Var}(y_{l-1})", positive=True)
    std, a = symbol("std", r"\mathrm{std}(w)", positive=True), symbol("a", positive=True)
    d = Derivation("He initialization for relu layers", name="he_init")
    d.define(y, total, "inputs $x_i = \\mathrm{relu}(y_{l-1,i})$")
    d.equal(Variance(y, rv), n * V_w * (V_x + mu_x**2), "zero-mean weights, as in the forward pass",
            given=(sp.Eq(mu_w, 0),), instances=cases)
    d.then(n * V_w * V / 2, "$\\mathbb{E}[x^2] = \\operatorname{Var}(x) + \\mu_x^2 = \\operatorname{Var}(y_{l-1})/2$, the relu moment",
           given=(sp.Eq(V_x, V / 2 - mu_x**2),))
    d.solve(V_w, 2 / n, sp.Eq(n * V_w * V / 2, V), "ask for $\\operatorname{Var}(y_l) = \\operatorname{Var}(y_{l-1})$")
    d.solve(std, sp.sqrt(2 / n), sp.Eq(std**2, 2 / n), "the standard deviation of the normal version")
    d.solve(a, sp.sqrt(6 / n), sp.Eq(a**2 / 3, 2 / n), "the bound of the uniform version")
    return d


@register
def leaky_relu_gain() -> Derivation:
    r"""Leaky relu with slope :math:`a`: :math:`\mathbb{E}[f(z)^2] = \tfrac{1+a^2}{2}\operatorname{Var}(z)`, gain :math:`\sqrt{2/(1+a^2)}`.

    Hence :math:`\operatorname{Var}(w) = 2/((1+a^2)\,n_{in})`; the gain (std
    times :math:`\sqrt{n_{in}}`) is :math:`\sqrt{2/(1+a^2)}`, PyTorch's
    ``calculate_gain("leaky_relu", a)``, and :math:`a = 0` gives relu's
    :math:`\sqrt 2`.

    Returns
    -------
    Derivation

    Examples
    --------
    >>> leaky_relu_gain().verify()
    True
    """
    u, s = symbol("u", real=True), symbol("s", positive=True)
    a = symbol("a", nonnegative=True)
    n = _fan("n_in")
    V_w = var_symbol("w")
    V = symbol("V_prev", r"\operatorname{Var}(y_{l-1})", positive=True)
    gain = symbol("gain", r"\mathrm{gain}", positive=True)
    phi = normal_density(u, s)
    d = Derivation("Leaky relu: the gain $\\sqrt{2/(1 + a^2)}$", name="leaky_relu_gain")
    d.equal(sp.Integral(u**2 * phi, (u, 0, sp.oo)) + a**2 * sp.Integral(u**2 * phi, (u, -sp.oo, 0)),
            (1 + a**2) * s**2 / 2,
            "$\\mathbb{E}[f(z)^2]$ for $z$ normal, $\\operatorname{Var}(z) = s^2$: slope 1 above 0, $a$ below")
    d.solve(V_w, 2 / ((1 + a**2) * n), sp.Eq(n * V_w * (1 + a**2) * V / 2, V),
            "keep the variance: $n_{\\mathrm{in}} \\operatorname{Var}(w) (1 + a^2)/2 = 1$")
    d.solve(gain, sp.sqrt(2 / (1 + a**2)), sp.Eq(gain**2, n * 2 / ((1 + a**2) * n)),
            "gain = std times $\\sqrt{n_{\\mathrm{in}}}$")
    d.equal(sp.sqrt(2 / (1 + a**2)), sp.sqrt(2), "$a = 0$ is relu", given=(sp.Eq(a, 0),))
    return d
