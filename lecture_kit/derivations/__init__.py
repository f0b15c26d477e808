r"""The derivations of the course, step by step, each step checked by SymPy.

>>> from lecture_kit import derivations
>>> d = derivations.sigmoid_derivative()
>>> d.verify()
True

A :class:`Derivation` is a titled list of :class:`Step` objects; how a step
is checked, and why a derivation displays as ``text/latex``, is written in
:mod:`lecture_kit.derivations.checker`, the proof checker. The course's own
derivations live by part in :mod:`.activations`, :mod:`.initialization`,
:mod:`.optimization` and :mod:`.losses`; each is registered by
``@register`` (:mod:`.registry`) and found by :func:`names` and :func:`get`.

References
----------
The course's chapters on the sigmoid (log-odds, derivatives), on vanishing
gradients, on Xavier/He initialization and on momentum; Glorot & Bengio
(2010); He et al. (2015); Kingma & Ba (2015).
"""

from __future__ import annotations

from sympy.core.function import AppliedUndef  # noqa: F401 (was importable here)
from sympy.matrices import MatrixBase  # noqa: F401 (was importable here)

from .checker import (AsWritten, Derivation, DerivationError, Expectation, Step, StepCheck,
                      Variance, display_function, f_act, f_prime, mean_symbol, sigma, sigma_prime,
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

__all__ = ["Step", "StepCheck", "Derivation", "DerivationError", "Expectation", "Variance", "AsWritten",
           "REGISTRY", "ALL", "names", "get"] + list(REGISTRY.names())


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
