r"""The derivations of the course, step by step, each step checked by SymPy.

A :class:`Derivation` is a titled list of :class:`Step` objects. A step is a
relation ``lhs = rhs`` (or ``<=``, ``>=``, or a definition ``:=``) between two
SymPy expressions, with a one-line justification. A derivation renders as
LaTeX in a notebook (display it as the last expression of a cell) and
:meth:`Derivation.verify` asks SymPy to prove every step.

>>> from lecture_kit import derivations
>>> d = derivations.sigmoid_derivative()
>>> d.verify()
True
>>> print(d.steps[1].why)
chain rule on $(1 + e^{-z})^{-1}$

How a step is checked
---------------------
1. The definitions made by earlier ``:=`` steps are substituted (repeatedly,
   so that definitions may use earlier ones), then the step's ``given``
   identities: stated facts or hypotheses such as :math:`\mu_w = 0`, written
   ``sympy.Eq(a, b)`` and used as the substitution :math:`a \to b`. They are
   shown next to the step: nothing is assumed silently.
2. Derivatives, integrals, sums, limits and expectations are evaluated.
3. ``=`` holds when ``lhs - rhs`` simplifies to 0. ``<=``/``>=`` hold when
   the gap (bigger minus smaller side) simplifies to something SymPy knows is
   non-negative, e.g. :math:`(2s - 1)^2/4`; or, for a step with ``bounds``
   such as :math:`|w_k| \le m`, when the smaller side grows with every bounded
   quantity (non-negative partial derivatives, the quantities being
   non-negative) and equals the bigger side at the bounds.
4. A step with ``solves=Eq(...)`` is proved when ``sympy.solve`` returns the
   stated right-hand side, and nothing else, for the symbol on the left.
5. A step with ``instances`` (for example :math:`t = 1, 2, 3, 4`) is checked
   for each instance; the display says so. This is how statements about
   sequences (momentum) and sums of :math:`n` random terms are checked.

A corrupted step (a wrong right-hand side, a dropped factor) fails the check:
the tests corrupt every derivation and expect ``verify()`` to say ``False``.

Why ``text/latex``
------------------
The display is offered as ``text/latex`` only (``$$\begin{array}...$$``).
myst-nb (Jupyter Book 1) turns it into a math block that MathJax typesets; it
would render a ``text/markdown`` output with a parser that ignores dollar
math, and it prefers markdown when both exist, so there is no
``_repr_markdown_``. :meth:`Derivation.to_markdown` gives a MyST block for a
page. Justifications are ASCII text with optional ``$inline math$``; the
math parts are typeset as math, the rest as ``\text{...}``.

Where things are
----------------
The proof checker (:class:`Step`, :class:`Derivation`, the symbols) is
:mod:`lecture_kit.derivations.checker`; the course's derivations live by part
in :mod:`.activations`, :mod:`.initialization`, :mod:`.optimization` and
:mod:`.losses`, each registered by ``@register``; :func:`names` and
:func:`get` find them.

References
----------
The course's chapters on the sigmoid (log-odds, derivatives), on vanishing
gradients, on Xavier/He initialization and on momentum; Glorot & Bengio
(2010); He et al. (2015); Kingma & Ba (2015).
"""

from __future__ import annotations

from sympy.core.function import AppliedUndef  # noqa: F401 (was importable here)
from sympy.matrices import MatrixBase  # noqa: F401 (was importable here)

from .checker import (Derivation, DerivationError, Expectation, Step, StepCheck, Variance,
                      display_function, f_act, f_prime, mean_symbol, sigma, sigma_prime,
                      var_symbol)
from .registry import REGISTRY
# the parts, imported in course order (this order is names()'s order)
from .activations import (sigmoid_derivative, sigmoid_from_log_odds, softmax_jacobian,
                          tanh_derivative, tanh_from_sigmoid, vanishing_gradient_product)
from .initialization import (he_init, he_relu_second_moment, leaky_relu_gain, xavier_backward,
                             xavier_compromise, xavier_forward)
from .optimization import (adam_bias_correction, momentum_effective_step,
                           momentum_forms_equivalent, momentum_unrolled)
from .losses import bce_with_logits_gradient, cross_entropy_softmax_gradient

__all__ = [
    "Step",
    "StepCheck",
    "Derivation",
    "DerivationError",
    "Expectation",
    "Variance",
    "REGISTRY",
    "ALL",
    "names",
    "get",
    "sigmoid_from_log_odds",
    "sigmoid_derivative",
    "tanh_from_sigmoid",
    "tanh_derivative",
    "softmax_jacobian",
    "vanishing_gradient_product",
    "xavier_forward",
    "xavier_backward",
    "xavier_compromise",
    "he_relu_second_moment",
    "he_init",
    "leaky_relu_gain",
    "momentum_unrolled",
    "momentum_forms_equivalent",
    "momentum_effective_step",
    "adam_bias_correction",
    "cross_entropy_softmax_gradient",
    "bce_with_logits_gradient",
]


def names() -> tuple:
    """Names of all derivations, in course order.

    Examples
    --------
    >>> names()[:2]
    ('sigmoid_from_log_odds', 'sigmoid_derivative')
    """
    return REGISTRY.names()


def get(name: str, **kwargs) -> Derivation:
    """Build the derivation called ``name`` (keyword arguments are passed on).

    Raises
    ------
    ValueError
        For an unknown name (the message lists the known ones) or an unknown
        keyword.

    Examples
    --------
    >>> len(get("vanishing_gradient_product", depth=2)) > 0
    True
    """
    return REGISTRY.create(name, **kwargs)


def __getattr__(name):
    if name == "ALL":  # every derivation by name, in course order (computed from the registry)
        return {n: REGISTRY.lookup(n) for n in REGISTRY.names()}
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | {"ALL"})
