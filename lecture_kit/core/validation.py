"""Input checking shared by every module of :mod:`lecture_kit`: one rule per thing.

The rules are the same everywhere, so students meet one behaviour:

* float16, float32 and float64 arrays keep their dtype;
* integer and boolean arrays become float64 (so ``uint8`` never wraps around);
* strings, objects, complex numbers and ``None`` raise :class:`TypeError`
  with a message that names the argument;
* NaN is data, not an error: it propagates;
* a hyper-parameter (a learning rate, a slope, a standard deviation) is a
  finite real number: NaN and infinity are refused with :class:`ValueError`,
  non-numbers with :class:`TypeError`;
* randomness comes from ``rng``: a :class:`numpy.random.Generator`, an int
  seed or ``None`` (fresh entropy), everywhere (:func:`as_generator`);
* float16 is computed in float32 and rounded back (:func:`working_dtype`).
"""

from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = [
    "as_float_array",
    "as_working_array",
    "working_dtype",
    "restore_scalar",
    "check_real",
    "check_nonnegative",
    "check_positive",
    "check_probability",
    "check_integer",
    "check_flag",
    "check_choice",
    "check_float_dtype",
    "check_same_shape",
    "as_generator",
]


def as_float_array(x, name: str = "x") -> np.ndarray:
    """Return ``x`` as a floating-point NumPy array, refusing non-numeric data.

    Parameters
    ----------
    x : array_like
        Scalar, list or array of real numbers.
    name : str
        Name of the argument, used in error messages.

    Returns
    -------
    numpy.ndarray
        A float16, float32 or float64 array (a new array only when a
        conversion was needed). Integer and boolean input becomes float64.

    Raises
    ------
    TypeError
        If ``x`` holds strings, objects, complex numbers or ``None``.

    Examples
    --------
    >>> as_float_array(np.array([200], dtype=np.uint8)).dtype
    dtype('float64')
    >>> as_float_array(np.float32(1.5)).dtype
    dtype('float32')
    """
    if x is None:
        raise TypeError(f"{name} must be numeric, got None")
    if isinstance(x, (str, bytes)):
        raise TypeError(f"{name} must be numeric, got a string: {x!r}")
    try:
        arr = np.asarray(x)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{name} must be a numeric array: {exc}") from exc
    kind = arr.dtype.kind
    if kind == "f":
        return arr
    if kind in "iub":
        return arr.astype(np.float64)
    if kind == "c":
        raise TypeError(f"{name} must be real, got complex dtype {arr.dtype}")
    raise TypeError(f"{name} must be numeric, got dtype {arr.dtype} (kind {kind!r})")


def restore_scalar(result: np.ndarray, like: np.ndarray):
    """Return a NumPy scalar when ``like`` was 0-d, else ``result`` unchanged."""
    if np.ndim(like) == 0:
        return result[()]
    return result


def check_real(value, name: str, *, minimum=None, strict: bool = False,
               finite: bool = True) -> float:
    """Return ``float(value)``: a real number (finite unless ``finite=False``).

    Raises :class:`TypeError` for anything but a real number (booleans
    included) and :class:`ValueError` for NaN, an infinity (when ``finite``) or
    a value below ``minimum`` (or equal to it when ``strict``).

    Examples
    --------
    >>> check_real(2, "alpha")
    2.0
    >>> check_real(float("inf"), "lr")
    Traceback (most recent call last):
    ...
    ValueError: Invalid lr: inf (must be finite)
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    v = float(value)
    if minimum is not None and (not v >= minimum or (strict and v == minimum)):
        relation = ">" if strict else ">="
        raise ValueError(f"Invalid {name}: {value!r} (must be {relation} {minimum:g})")
    if math.isnan(v) or (finite and math.isinf(v)):
        raise ValueError(f"Invalid {name}: {value!r} (must be finite)")
    return v


def check_nonnegative(value, name: str) -> float:
    """Return ``float(value)`` or raise :class:`ValueError` unless it is finite and >= 0."""
    return check_real(value, name, minimum=0.0)


def check_positive(value, name: str) -> float:
    """Return ``float(value)`` or raise :class:`ValueError` unless it is finite and > 0."""
    return check_real(value, name, minimum=0.0, strict=True)


def check_probability(value, name: str, *, closed_right: bool = False) -> float:
    """Return ``float(value)`` if it lies in [0, 1) (or [0, 1]), else raise ``ValueError``."""
    v = check_real(value, name, finite=False)
    ok = 0.0 <= v <= 1.0 if closed_right else 0.0 <= v < 1.0
    if not ok:
        interval = "[0, 1]" if closed_right else "[0, 1)"
        raise ValueError(f"Invalid {name}: {value!r} (must be in {interval})")
    return v


def check_integer(value, name: str, minimum: int | None = None) -> int:
    """Return ``int(value)`` for an integer (not a bool) >= ``minimum``.

    Examples
    --------
    >>> check_integer(3, "depth", minimum=1)
    3
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"Invalid {name}: {value!r} (must be >= {minimum})")
    return int(value)


def check_flag(value, name: str) -> bool:
    """Return ``bool(value)`` for ``True``/``False`` (NumPy booleans too), else ``TypeError``."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def check_choice(value, name: str, choices) -> str:
    """Return ``value`` if it is one of ``choices``, else a ``ValueError`` listing them."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"Invalid {name} {value!r}; known: {', '.join(map(str, choices))}")
    return value


def check_float_dtype(dtype, allowed=("float16", "float32", "float64")) -> np.dtype:
    """Return ``np.dtype(dtype)`` if it is one of ``allowed`` floating dtypes.

    Raises :class:`TypeError` for a non-floating dtype and :class:`ValueError`
    for a floating one that is not allowed.
    """
    dt = np.dtype(dtype)
    if dt.kind != "f":
        raise TypeError(f"dtype must be a floating dtype, got {dt}")
    if dt.name not in allowed:
        raise ValueError(f"dtype must be {' or '.join(allowed)}, got {dt}")
    return dt


def working_dtype(dtype) -> np.dtype:
    """The dtype a computation runs in: float16 in float32, other floats in themselves.

    (Extended precision runs in float64: NumPy's ufuncs do not all support it.)

    Examples
    --------
    >>> working_dtype(np.float16), working_dtype(np.float32)
    (dtype('float32'), dtype('float32'))
    """
    dt = np.dtype(dtype)
    if dt == np.float16:
        return np.dtype(np.float32)
    if dt in (np.float32, np.float64):
        return dt
    return np.dtype(np.float64)


def as_working_array(x, name: str = "x"):
    """Return ``(arr, work)``: the validated input and the array to compute with.

    ``arr`` is :func:`as_float_array` of ``x``; ``work`` has the same values in
    :func:`working_dtype` (no copy when the dtypes agree).
    """
    arr = as_float_array(x, name)
    return arr, arr.astype(working_dtype(arr.dtype), copy=False)


def check_same_shape(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str) -> None:
    """Raise :class:`ValueError` unless ``a`` and ``b`` have exactly the same shape."""
    if np.shape(a) != np.shape(b):
        raise ValueError(
            f"{name_a} and {name_b} must have the same shape, got "
            f"{np.shape(a)} and {np.shape(b)} (no broadcasting)"
        )


def as_generator(rng) -> np.random.Generator:
    """Return a :class:`numpy.random.Generator` from ``rng``: the one rng rule.

    Parameters
    ----------
    rng : numpy.random.Generator, int or None
        A generator is returned unchanged (so the caller's stream advances);
        a non-negative integer seeds a new generator; ``None`` draws fresh
        entropy from the operating system (not reproducible). The global NumPy
        state is never used.

    Raises
    ------
    TypeError
        For anything else (a legacy ``RandomState``, a float, a string).

    Examples
    --------
    >>> g = as_generator(0)
    >>> as_generator(g) is g
    True
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None:
        return np.random.default_rng()
    if isinstance(rng, numbers.Integral) and not isinstance(rng, (bool, np.bool_)):
        if rng < 0:
            raise ValueError(f"Invalid seed: {rng!r} (must be >= 0)")
        return np.random.default_rng(int(rng))
    raise TypeError(
        "rng must be a numpy.random.Generator, a non-negative int seed or None, "
        f"got {type(rng).__name__}"
    )
