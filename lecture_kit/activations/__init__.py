r"""Activation functions: values, derivatives, formulas and where they come from.

An activation is a small object made by :func:`get`; :func:`names` lists them all.

>>> import numpy as np
>>> relu = get("relu")
>>> x = np.array([-2.0, 0.0, 3.0])
>>> print(relu(x), relu.grad(x))
[0. 0. 3.] [0. 0. 1.]

Every activation ``a`` offers

* ``a(x)``, the value, and ``a.grad(x)``, the elementwise derivative
  :math:`dy/dx`. Each class writes the two side by side, as micrograd does, so
  the local derivative sits next to the rule it differentiates;
* ``a.name``, ``a.params`` (its parameters with the defaults filled in, named as
  in PyTorch), ``repr(a)`` (``get('elu', alpha=1.0)``, which rebuilds it) and
  ``a.replace(**changes)``;
* ``a.latex`` and ``a.latex_grad`` (the formulas as LaTeX), ``a.symbolic(x)`` (a
  SymPy expression; ``sympy.Piecewise`` where the function is piecewise) and
  ``a.reference`` (the paper it comes from);
* declared properties (``output_range``, ``attained_at``, ``zero_centered``
  = odd, ``zero_mean``, ``monotonic``, ``smooth``/``smoothness``, ``kinks``,
  ``saturating`` = bounded on both sides, so the derivative vanishes for large
  :math:`|x|`), defined once in :mod:`lecture_kit.activations.properties` and
  verified there by a numerical probe: :func:`properties` and
  :func:`property_table` give the comparison table of the chapters;
* what the rest of the course needs to know: ``gain`` (PyTorch's
  ``calculate_gain``), ``init_scheme`` (``"he"`` or ``"xavier"``, the
  initialization chapters' baseline) and ``shown_in`` (the chapter explorers
  that offer it).

Where things are
----------------
The classes live by family: :mod:`.saturating` (sigmoid, tanh, ...),
:mod:`.rectifiers` (ReLU and the leaky rectifiers, one implementation),
:mod:`.exponential` (ELU, SELU, CELU), :mod:`.smooth` (softplus, swish, GELU,
Mish, hard swish); :mod:`.vector` holds softmax, log-softmax, maxout and the
gated units (GLU, SwiGLU, GEGLU). Defining
a subclass of :class:`Activation` with a ``name`` registers it (in
:data:`REGISTRY`), in the order the course meets them.

Non-elementwise activations are functions: :func:`softmax`, :func:`log_softmax`,
:func:`maxout` and the gated units :func:`gated` (:func:`glu`, :func:`swiglu`,
:func:`geglu`: the first half of an axis times a gate of the second), each with a vector-Jacobian product (``*_vjp``, what
backpropagation needs) and a Jacobian-vector product (``*_jvp``).

Numerics, the same for every function of this module
-----------------------------------------------------
* float16, float32 and float64 keep their dtype (float16 is computed in float32
  and rounded back); integer and boolean input becomes float64, so a ``uint8``
  200 is 200, not -56. Parameters are cast to the input's dtype: a float32 array
  times a float64 scalar would silently become float64.
* Scalars in give NumPy scalars out; strings, objects, complex numbers and
  ``None`` raise :class:`TypeError`.
* NaN in gives NaN out, for values *and* derivatives. (``np.where(x > 0, x, 0)``
  would turn NaN into 0: a comparison with NaN is False.)
* No ``exp`` of a large positive number, anywhere: every exponential is of
  :math:`-|x|` or of a clipped argument. Results are finite and warning-free at
  :math:`\pm 10^4` and at the largest float32/float16 numbers wherever the exact
  value fits in the dtype; a value that does not fit (SELU of 3.4e38 in float32)
  becomes ``inf``, the correctly rounded result, without a warning.
* Infinite inputs are not part of the contract: most functions return the
  limit, a few (e.g. ``swish(-inf) = -inf * 0``) return NaN with a warning.

Where this module departs from PyTorch (all checked in the tests)
------------------------------------------------------------------
* The derivative at NaN is NaN here; PyTorch returns e.g. ReLU'(NaN) = 1.
* Softplus is exact for every input; PyTorch returns ``x`` (and slope 1) once
  :math:`\beta x > 20`, an error of up to :math:`e^{-20} \approx 2\times10^{-9}`.
* Hard sigmoid: PyTorch's float64 backward uses the float32 number nearest to
  1/6 (0.1666666716...); here it is 1/6 in every dtype.
* GELU (tanh): :math:`\tfrac{x}{2}(1 + \tanh u) = x\,\sigma(2u)`; the second form,
  used here, keeps full relative accuracy in the negative tail where PyTorch's
  first form rounds to 0 (e.g. at :math:`x = -10`).
* tanh': :math:`4e^{-2|x|}/(1 + e^{-2|x|})^2` instead of :math:`1 - \tanh^2 x`,
  which rounds to 0 for :math:`|x| > 19`.
* float32 hard-swish and GELU of 3.4e38 are ``inf`` in PyTorch (an intermediate
  overflows); the exact value, 3.4e38, is returned here.
"""

from __future__ import annotations

from ._base import REGISTRY, Activation, as_activation, get, names, summary_table
from .saturating import HardSigmoid, HardTanh, LogSigmoid, Sigmoid, Softsign, Tanh
from .rectifiers import LeakyRectifier, LeakyReLU, PReLU, ReLU, ReLU6, RReLU
from .exponential import CELU, ELU, SELU
from .smooth import GELU, HardSwish, Mish, SiLU, Softplus, Swish
from .linear import Identity
from .vector import (log_softmax, log_softmax_jvp, log_softmax_vjp, logsumexp, maxout,
                     maxout_jvp, maxout_vjp, softmax, softmax_jacobian, softmax_jvp, softmax_vjp)
from .vector import (GATES, gated, gated_jvp, gated_vjp, geglu, geglu_jvp, geglu_vjp, glu,
                     glu_jvp, glu_vjp, swiglu, swiglu_jvp, swiglu_vjp)
from ..core.validation import as_float_array, check_same_shape, restore_scalar  # noqa: F401 (were importable here)
from .properties import (ActivationProperties, format_property_table, probe, properties,
                         property_table)

__all__ = [
    "Activation",
    "REGISTRY",
    "names",
    "get",
    "as_activation",
    "summary_table",
    "properties",
    "property_table",
    "format_property_table",
    "ActivationProperties",
    "probe",
    "softmax",
    "softmax_vjp",
    "softmax_jvp",
    "softmax_jacobian",
    "log_softmax",
    "log_softmax_vjp",
    "log_softmax_jvp",
    "logsumexp",
    "maxout",
    "maxout_vjp",
    "maxout_jvp",
    "GATES",
    "gated", "gated_vjp", "gated_jvp",
    "glu", "glu_vjp", "glu_jvp",
    "swiglu", "swiglu_vjp", "swiglu_jvp",
    "geglu", "geglu_vjp", "geglu_jvp",
    "Sigmoid", "Tanh", "Softsign", "LogSigmoid", "HardSigmoid", "HardTanh",
    "ReLU", "LeakyRectifier", "LeakyReLU", "PReLU", "RReLU", "ReLU6",
    "ELU", "SELU", "CELU",
    "Softplus", "Swish", "SiLU", "GELU", "Mish", "HardSwish", "Identity",
]
