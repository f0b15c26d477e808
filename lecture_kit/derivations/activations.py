r"""The course's derivations about activations: sigmoid, tanh, softmax, vanishing gradients."""

from __future__ import annotations

import sympy as sp

from .checker import (Derivation, display_function, f_act, f_prime, logistic, sigma, sigma_prime,
                      symbol)
from .registry import register


@register
def sigmoid_from_log_odds() -> Derivation:
    r"""Where the sigmoid comes from: solve the log-odds :math:`\log\frac{p}{1-p} = z` for :math:`p`.

    .. math::
        z = \log\frac{p}{1-p} \iff p = \frac{1}{1+e^{-z}} = \sigma(z),
        \qquad 0 < p < 1.

    Each algebra step is checked under the hypothesis
    :math:`z = \log\frac{p}{1-p}` (stated next to it); the last one is
    checked by ``sympy.solve``, which also shows the solution is unique.

    Returns
    -------
    Derivation

    Examples
    --------
    >>> sigmoid_from_log_odds().verify()
    True
    """
    p = symbol("p", positive=True)
    z = symbol("z", real=True)
    logit = sp.Eq(z, sp.log(p / (1 - p)))
    d = Derivation("The sigmoid is the inverse of the log-odds", name="sigmoid_from_log_odds")
    d.define(sigma(z), logistic(z), "the logistic sigmoid")
    d.equal(sp.exp(z), p / (1 - p), "exponentiate the log-odds: the odds", given=(logit,))
    d.equal(p, sp.exp(z) * (1 - p), "multiply by $1 - p > 0$", given=(logit,))
    d.equal(p * (1 + sp.exp(z)), sp.exp(z), "collect the terms in $p$", given=(logit,))
    d.solve(p, sp.exp(z) / (1 + sp.exp(z)), sp.Eq(sp.log(p / (1 - p)), z),
            "divide by $1 + e^{z}$; sympy.solve finds this one solution")
    d.then(1 / (1 + sp.exp(-z)), "divide numerator and denominator by $e^{z}$")
    d.then(sigma(z), "the logistic sigmoid")
    u = symbol("u", real=True)
    d.equal(sp.log(sigma(u) / (1 - sigma(u))), u,
            "conversely the log-odds of $\\sigma(u)$ is $u$: the two maps are inverse")
    return d


@register
def sigmoid_derivative() -> Derivation:
    r"""The derivative of the sigmoid, :math:`\sigma(1-\sigma)`, and its maximum 1/4 at 0.

    .. math::
        \sigma'(z) = \sigma(z)\,(1-\sigma(z)) \le \tfrac14 = \sigma'(0),
        \quad\text{because}\quad \tfrac14 - s(1-s) = (s-\tfrac12)^2 \ge 0.

    Returns
    -------
    Derivation

    Examples
    --------
    >>> sigmoid_derivative().verify()
    True
    """
    z = symbol("z", real=True)
    s = symbol("s", real=True)
    d = Derivation("The sigmoid's derivative is at most 1/4", name="sigmoid_derivative")
    d.define(sigma(z), logistic(z), "the logistic sigmoid")
    d.equal(sp.Derivative(sigma(z), z), sp.exp(-z) / (1 + sp.exp(-z)) ** 2,
            "chain rule on $(1 + e^{-z})^{-1}$")
    d.then(sp.Mul(1 / (1 + sp.exp(-z)), sp.exp(-z) / (1 + sp.exp(-z)), evaluate=False),
           "split the square")
    d.then(sigma(z) * (1 - sigma(z)), "since $e^{-z}/(1 + e^{-z}) = 1 - \\sigma(z)$")
    d.equal(sp.Derivative(sigma(z), (z, 2)), sp.Derivative(sigma(z), z) * (1 - 2 * sigma(z)),
            "product rule on $\\sigma (1 - \\sigma)$: zero only where $\\sigma(z) = 1/2$, at $z = 0$")
    d.equal(sp.Subs(sp.Derivative(sigma(z), z), z, 0), sp.Rational(1, 4),
            "the value there: $\\frac12 (1 - \\frac12)$")
    d.bound(s * (1 - s), "<=", sp.Rational(1, 4),
            "for every real $s$: the gap is $(s - 1/2)^2$")
    d.bound(sp.Derivative(sigma(z), z), "<=", sp.Rational(1, 4),
            "so the slope is at most 1/4, reached only at $z = 0$")
    return d


@register
def tanh_from_sigmoid() -> Derivation:
    r"""tanh is a shifted and rescaled sigmoid: :math:`\tanh x = 2\sigma(2x) - 1`.

    Returns
    -------
    Derivation

    Examples
    --------
    >>> tanh_from_sigmoid().verify()
    True
    """
    x = symbol("x", real=True)
    d = Derivation("tanh is a rescaled sigmoid", name="tanh_from_sigmoid")
    d.define(sigma(x), logistic(x), "the logistic sigmoid")
    d.equal(sp.tanh(x), (sp.exp(x) - sp.exp(-x)) / (sp.exp(x) + sp.exp(-x)), "definition of tanh")
    d.then((1 - sp.exp(-2 * x)) / (1 + sp.exp(-2 * x)),
           "multiply numerator and denominator by $e^{-x}$")
    d.then(2 / (1 + sp.exp(-2 * x)) - 1, "write $1 - e^{-2x} = 2 - (1 + e^{-2x})$")
    d.then(2 * sigma(2 * x) - 1, "recognise $\\sigma(2x)$")
    d.equal(sigma(x), (1 + sp.tanh(x / 2)) / 2, "solved the other way round")
    return d


@register
def tanh_derivative() -> Derivation:
    r"""The derivative of tanh, :math:`1 - \tanh^2`, and its maximum 1 at 0.

    Returns
    -------
    Derivation

    Examples
    --------
    >>> tanh_derivative().verify()
    True
    """
    x = symbol("x", real=True)
    d = Derivation("The derivative of tanh is at most 1", name="tanh_derivative")
    d.define(sigma(x), logistic(x), "the logistic sigmoid")
    d.equal(sp.Derivative(sp.tanh(x), x), 1 - sp.tanh(x) ** 2, "quotient rule")
    d.then(1 / sp.cosh(x) ** 2, "$\\cosh^2 - \\sinh^2 = 1$")
    d.equal(sp.Derivative(sp.tanh(x), x), 4 * sp.Subs(sp.Derivative(sigma(x), x), x, 2 * x),
            "differentiate $2\\sigma(2x) - 1$: four times a sigmoid slope")
    d.equal(sp.Derivative(sp.tanh(x), (x, 2)), -2 * sp.tanh(x) * (1 - sp.tanh(x) ** 2),
            "zero only where $\\tanh x = 0$, at $x = 0$")
    d.equal(sp.Subs(sp.Derivative(sp.tanh(x), x), x, 0), 1, "$\\tanh 0 = 0$")
    d.bound(sp.Derivative(sp.tanh(x), x), "<=", 1,
            "the gap is $\\tanh^2 x \\ge 0$: slope at most 1, four times the sigmoid's 1/4")
    return d


@register
def softmax_jacobian() -> Derivation:
    r"""The Jacobian of softmax: :math:`J = \operatorname{diag}(s) - s s^\top`.

    Entry :math:`(i, j)` is :math:`\partial s_i/\partial z_j = s_i(\delta_{ij} - s_j)`;
    checked for a symbolic 3-vector :math:`z`.

    Returns
    -------
    Derivation

    Examples
    --------
    >>> softmax_jacobian().verify()
    True
    """
    z = [symbol(f"z_{i}", real=True) for i in (1, 2, 3)]
    s = [display_function(f"s_{i}", f"s_{{{i}}}", show_args=False)(*z) for i in (1, 2, 3)]
    total = sum(sp.exp(zi) for zi in z)
    S = sp.Matrix(s)
    J = sp.Matrix(3, 3, lambda i, j: sp.Derivative(s[i], z[j]))
    d = Derivation("The softmax Jacobian is $\\operatorname{diag}(s) - s s^\\top$", name="softmax_jacobian")
    d.define(S, sp.Matrix([sp.exp(zi) / total for zi in z]), "softmax of a 3-vector $z$")
    d.equal(sp.Derivative(s[0], z[0]), s[0] * (1 - s[0]), "quotient rule, $i = j$")
    d.equal(sp.Derivative(s[0], z[1]), -s[0] * s[1], "quotient rule, $i \\ne j$")
    d.equal(J, sp.Matrix(3, 3, lambda i, j: s[i] * (sp.KroneckerDelta(i, j) - s[j])),
            "every entry: $s_i (\\delta_{ij} - s_j)$")
    S_ = sp.ImmutableMatrix(S)
    d.then(sp.MatAdd(sp.ImmutableMatrix(sp.diag(*s)), sp.MatMul(-1, S_, S_.T), evaluate=False),
           "in matrix form: $\\operatorname{diag}(s) - s s^\\top$")
    d.equal(J * sp.ones(3, 1), sp.zeros(3, 1),
            "rows sum to 0: adding a constant to every $z_j$ changes nothing")
    return d


# --------------------------------------------------------------------------
# Vanishing gradients
# --------------------------------------------------------------------------


@register
def vanishing_gradient_product(depth: int = 3) -> Derivation:
    r"""Backprop through a scalar chain multiplies ``depth`` factors :math:`w_k f'(z_k)`.

    For :math:`z_k = w_k a_{k-1} + b_k`, :math:`a_k = f(z_k)`, :math:`k = 1..L`:

    .. math::
        \frac{\partial a_L}{\partial a_0} = \prod_{k=1}^{L} w_k\,f'(z_k),
        \qquad
        \frac{\partial a_L}{\partial z_1} = f'(z_1) \prod_{k=2}^{L} w_k\,f'(z_k),

    and for the logistic sigmoid (:math:`0 < \sigma' \le 1/4`) with
    :math:`|w_k| \le m = \max_k |w_k|`:
    :math:`|\partial a_L / \partial a_0| \le (m/4)^L`. With :math:`m = 1` and
    :math:`L = 10` that is below :math:`10^{-6}`.

    Parameters
    ----------
    depth : int
        Number of layers :math:`L`, 1 to 8 (SymPy differentiates the composed
        function, so the product identities are checked for this depth).

    Returns
    -------
    Derivation

    Notes
    -----
    The product identities hold for any differentiable activation; only the
    bound uses the sigmoid. For a loss :math:`\mathcal L(a_L)`, multiply by
    :math:`\partial\mathcal L/\partial a_L`. Seed 001, eq. (23), is the
    second formula times :math:`x = a_0` (the gradient for :math:`w_1`) with
    an output weight :math:`\alpha`.

    Examples
    --------
    >>> vanishing_gradient_product(2).verify()
    True
    """
    if isinstance(depth, bool) or not isinstance(depth, int) or not 1 <= depth <= 8:
        raise ValueError(f"depth must be an integer from 1 to 8, got {depth!r}")
    L = depth
    a = [symbol(f"a_{k}", real=True) for k in range(L + 1)]
    z = [None] + [symbol(f"z_{k}", real=True) for k in range(1, L + 1)]
    w = [None] + [symbol(f"w_{k}", real=True) for k in range(1, L + 1)]
    b = [None] + [symbol(f"b_{k}", real=True) for k in range(1, L + 1)]
    u = symbol("u", real=True)
    m = symbol("m", positive=True)
    d = Derivation(f"Gradients through {L} layers multiply", name="vanishing_gradient_product")
    for k in range(1, L + 1):
        d.define(z[k], w[k] * a[k - 1] + b[k], f"pre-activation of layer {k}")
        d.define(a[k], f_act(z[k]), f"activation of layer {k}")
    slope = (sp.Eq(f_prime(u), sp.Derivative(f_act(u), u)),)
    product = sp.Mul(*[w[k] * f_prime(z[k]) for k in range(1, L + 1)])
    tail = sp.Mul(*[w[k] * f_prime(z[k]) for k in range(2, L + 1)])
    d.equal(sp.Derivative(a[L], a[0]), product,
            "chain rule: one factor $w_k f'(z_k)$ per layer", given=slope)
    d.equal(sp.Derivative(a[L], b[1]), f_prime(z[1]) * tail,
            "$= \\partial a_L/\\partial z_1$, since $\\partial z_1/\\partial b_1 = 1$", given=slope)
    d.equal(sp.Derivative(a[L], w[1]), a[0] * f_prime(z[1]) * tail,
            "the first factor becomes $\\partial z_1/\\partial w_1 = a_0$", given=slope)
    d.equal(sigma_prime(u), sigma(u) * (1 - sigma(u)), "for $f = \\sigma$, the slope $f' = \\sigma'$",
            given=(sp.Eq(sigma_prime(u), sp.Derivative(logistic(u), u)),
                   sp.Eq(sigma(u), logistic(u))))
    sig_product = sp.Mul(*[w[k] * sigma_prime(z[k]) for k in range(1, L + 1)])
    d.equal(sp.Abs(sig_product), sp.Mul(*[sp.Abs(w[k]) * sigma_prime(z[k]) for k in range(1, L + 1)]),
            "$\\sigma' > 0$")
    d.then((m / 4) ** L, relation="<=",
           why="$0 < \\sigma' \\le 1/4$ and $|w_k| \\le m = \\max_k |w_k|$",
           bounds=tuple(sp.Le(q, bound) for k in range(1, L + 1)
                        for q, bound in ((sp.Abs(w[k]), m), (sigma_prime(z[k]), sp.Rational(1, 4)))))
    return d
