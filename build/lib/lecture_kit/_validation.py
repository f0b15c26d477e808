"""Input checking shared by every numerical module of :mod:`lecture_kit`.

The rules are the same everywhere, so students meet one behaviour:

* float16, float32 and float64 arrays keep their dtype;
* integer and boolean arrays become float64 (so ``uint8`` never wraps around);
* strings, objects, complex numbers and ``None`` raise :class:`TypeError`
  with a message that names the argument;
* NaN is data, not an error: it propagates.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = [
    "as_float_array",
    "restore_scalar",
    "check_nonnegative",
    "check_positive",
    "check_probability",
    "check_same_shape",
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


def _check_real_number(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    return float(value)


def check_nonnegative(value, name: str) -> float:
    """Return ``float(value)`` or raise :class:`ValueError` if it is negative or NaN."""
    v = _check_real_number(value, name)
    if not v >= 0.0:  # also catches NaN
        raise ValueError(f"Invalid {name}: {value!r} (must be >= 0)")
    return v


def check_positive(value, name: str) -> float:
    """Return ``float(value)`` or raise :class:`ValueError` unless it is > 0."""
    v = _check_real_number(value, name)
    if not v > 0.0:
        raise ValueError(f"Invalid {name}: {value!r} (must be > 0)")
    return v


def check_probability(value, name: str, *, closed_right: bool = False) -> float:
    """Return ``float(value)`` if it lies in [0, 1) (or [0, 1]), else raise ``ValueError``."""
    v = _check_real_number(value, name)
    ok = 0.0 <= v <= 1.0 if closed_right else 0.0 <= v < 1.0
    if not ok:
        interval = "[0, 1]" if closed_right else "[0, 1)"
        raise ValueError(f"Invalid {name}: {value!r} (must be in {interval})")
    return v


def check_same_shape(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str) -> None:
    """Raise :class:`ValueError` unless ``a`` and ``b`` have exactly the same shape."""
    if np.shape(a) != np.shape(b):
        raise ValueError(
            f"{name_a} and {name_b} must have the same shape, got "
            f"{np.shape(a)} and {np.shape(b)} (no broadcasting)"
        )
