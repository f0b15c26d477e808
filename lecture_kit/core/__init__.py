"""The small core every other module of :mod:`lecture_kit` stands on.

``validation``
    one rule per kind of argument: real numbers, integers, flags, shapes,
    dtypes, the working dtype, random generators.
``registry``
    :class:`~lecture_kit.core.registry.Registry`, the one way a name becomes an
    object (activations, optimizers, initializers, landscapes, derivations).
``numerics``
    the stable building blocks (sigmoid, softplus, logsumexp, softmax,
    log-softmax) that every module imports instead of writing its own.

The core imports nothing else of the package.
"""
