"""Small offline datasets for the experiments of the course.

Nothing here touches the network. The toy problems are drawn from a
:class:`numpy.random.Generator` passed as ``rng``; :func:`digits` reads the
8x8 handwritten digits that scikit-learn ships *inside* its package.

==================  =======================================================
``spirals``         interleaved 2-D spirals, one arm per class
``moons``           two interleaving half circles (two classes)
``circles``         a small circle inside a large one (two classes)
``xor``             four Gaussian blobs labelled by the XOR of their signs
``regression_1d``   noisy samples of a 1-D function (regression targets)
``digits``          scikit-learn's 8x8 digits, split and standardized
``one_hot``         integer labels to one-hot rows
==================  =======================================================

Every classification generator returns ``(X, y)`` with ``X`` a float64 array
of shape ``(n, 2)`` and ``y`` an int64 array of shape ``(n,)``, shuffled so
that mini-batches see every class; the classes are as balanced as ``n``
allows (sizes differ by at most one).
"""

from __future__ import annotations

import numbers
from typing import NamedTuple

import numpy as np

from .core.validation import as_float_array, as_generator, check_integer, check_nonnegative

__all__ = [
    "DigitsSplit",
    "as_generator",
    "circles",
    "digits",
    "moons",
    "one_hot",
    "regression_1d",
    "sine",
    "spirals",
    "xor",
]


# ----------------------------------------------------------------------------
# argument checks
# ----------------------------------------------------------------------------
def _check_count(value, name: str, minimum: int = 1) -> int:
    return check_integer(value, name, minimum)


def _split_evenly(n: int, parts: int) -> np.ndarray:
    """Sizes of ``parts`` groups summing to ``n`` and differing by at most one."""
    sizes = np.full(parts, n // parts)
    sizes[: n % parts] += 1
    return sizes


def _shuffle(X: np.ndarray, y: np.ndarray, rng: np.random.Generator):
    order = rng.permutation(len(y))
    return X[order], y[order]


def _two_curves(X0: np.ndarray, X1: np.ndarray, noise: float, rng: np.random.Generator):
    """Class 0 at the points ``X0``, class 1 at ``X1``, Gaussian noise added, shuffled."""
    X = np.concatenate([X0, X1])
    X = X + noise * rng.standard_normal(X.shape)
    y = np.repeat(np.array([0, 1], dtype=np.int64), [len(X0), len(X1)])
    return _shuffle(X, y, rng)


# ----------------------------------------------------------------------------
# 2-D classification problems
# ----------------------------------------------------------------------------
def spirals(n_per_class: int = 100, n_classes: int = 3, noise: float = 0.2, rng=None):
    r"""Interleaved spirals, one arm per class (the CS231n toy problem).

    Arm :math:`k` has points at radius :math:`r_i = i/(n-1)` and angle

    .. math::
        t_i = 4\,(k + r_i) + \varepsilon_i,\qquad
        \varepsilon_i \sim \mathcal N(0, \text{noise}^2),

    and :math:`x_i = r_i(\sin t_i, \cos t_i)`: every arm turns through four
    radians while its radius grows from 0 to 1, and arm :math:`k` starts four
    radians after arm :math:`k-1`.

    Parameters
    ----------
    n_per_class : int, default 100
        Points per arm (>= 1).
    n_classes : int, default 3
        Number of arms (>= 2).
    noise : float, default 0.2
        Standard deviation of the Gaussian noise on the *angle* (radians).
    rng : numpy.random.Generator, int or None
        Source of randomness (see :func:`as_generator`).

    Returns
    -------
    X : ndarray of shape (n_per_class * n_classes, 2), float64
    y : ndarray of shape (n_per_class * n_classes,), int64
        Labels ``0 .. n_classes - 1``, exactly ``n_per_class`` of each.

    Notes
    -----
    A linear classifier reaches about ``1 / n_classes`` accuracy; a small MLP
    separates the arms, which is why the course uses it as its first
    non-linear problem.

    References
    ----------
    Karpathy, A. *CS231n: Putting it together: minimal neural network case
    study* (the spiral dataset).

    Examples
    --------
    >>> X, y = spirals(50, 3, rng=0)
    >>> X.shape, y.shape, np.bincount(y).tolist()
    ((150, 2), (150,), [50, 50, 50])
    """
    n_per_class = _check_count(n_per_class, "n_per_class", 1)
    n_classes = _check_count(n_classes, "n_classes", 2)
    noise = check_nonnegative(noise, "noise")
    rng = as_generator(rng)
    r = np.linspace(0.0, 1.0, n_per_class) if n_per_class > 1 else np.ones(1)
    k = np.repeat(np.arange(n_classes), n_per_class)
    radius = np.tile(r, n_classes)
    angle = 4.0 * (k + radius) + noise * rng.standard_normal(k.size)
    X = np.column_stack([radius * np.sin(angle), radius * np.cos(angle)])
    return _shuffle(X, k.astype(np.int64), rng)


def moons(n: int = 200, noise: float = 0.1, rng=None):
    r"""Two interleaving half circles.

    Class 0 lies on :math:`(\cos t, \sin t)`, class 1 on
    :math:`(1 - \cos t,\ \tfrac12 - \sin t)`, with :math:`t` evenly spaced in
    :math:`[0, \pi]`; then isotropic Gaussian noise of standard deviation
    ``noise`` is added to both coordinates (the same geometry as
    ``sklearn.datasets.make_moons``).

    Parameters
    ----------
    n : int, default 200
        Total number of points (>= 2); class 0 gets ``ceil(n/2)``.
    noise : float, default 0.1
        Standard deviation of the Gaussian noise on the coordinates.
    rng : numpy.random.Generator, int or None
        Source of randomness.

    Returns
    -------
    X : ndarray of shape (n, 2), float64
    y : ndarray of shape (n,), int64 in {0, 1}

    Examples
    --------
    >>> X, y = moons(101, rng=0)
    >>> X.shape, np.bincount(y).tolist()
    ((101, 2), [51, 50])
    """
    n = _check_count(n, "n", 2)
    noise = check_nonnegative(noise, "noise")
    rng = as_generator(rng)
    n0, n1 = _split_evenly(n, 2)
    t0 = np.linspace(0.0, np.pi, n0)
    t1 = np.linspace(0.0, np.pi, n1)
    return _two_curves(np.column_stack([np.cos(t0), np.sin(t0)]),
                       np.column_stack([1.0 - np.cos(t1), 0.5 - np.sin(t1)]), noise, rng)


def circles(n: int = 200, noise: float = 0.05, factor: float = 0.5, rng=None):
    r"""A small circle (class 1) inside a large one (class 0).

    Class 0 lies on the unit circle, class 1 on the circle of radius
    ``factor``, both with angles evenly spaced in :math:`[0, 2\pi)`; Gaussian
    noise of standard deviation ``noise`` is added to the coordinates.

    Parameters
    ----------
    n : int, default 200
        Total number of points (>= 2); class 0 gets ``ceil(n/2)``.
    noise : float, default 0.05
        Standard deviation of the Gaussian noise on the coordinates.
    factor : float, default 0.5
        Radius of the inner circle, in the open interval (0, 1).
    rng : numpy.random.Generator, int or None
        As in :func:`moons`.

    Returns
    -------
    (X, y) : as in :func:`moons`.

    Examples
    --------
    >>> X, y = circles(100, noise=0.0, factor=0.3, rng=0)
    >>> np.round(np.hypot(X[y == 1, 0], X[y == 1, 1]).max(), 12)
    np.float64(0.3)
    """
    n = _check_count(n, "n", 2)
    noise = check_nonnegative(noise, "noise")
    if isinstance(factor, bool) or not isinstance(factor, numbers.Real):
        raise TypeError(f"factor must be a real number, got {factor!r}")
    if not 0.0 < factor < 1.0:
        raise ValueError(f"Invalid factor: {factor!r} (must be in (0, 1))")
    rng = as_generator(rng)
    n0, n1 = _split_evenly(n, 2)
    t0 = np.linspace(0.0, 2.0 * np.pi, n0, endpoint=False)
    t1 = np.linspace(0.0, 2.0 * np.pi, n1, endpoint=False)
    return _two_curves(np.column_stack([np.cos(t0), np.sin(t0)]),
                       float(factor) * np.column_stack([np.cos(t1), np.sin(t1)]), noise, rng)


def xor(n: int = 200, noise: float = 0.1, rng=None):
    r"""Four Gaussian blobs labelled by the exclusive or of their signs.

    The blobs sit at :math:`(\pm 1, \pm 1)`, each with isotropic Gaussian
    noise of standard deviation ``noise``. The label is the XOR of the
    *centres'* signs, :math:`y = [\,c_1 > 0\,] \oplus [\,c_2 > 0\,]`, so
    blobs ``(1, 1)`` and ``(-1, -1)`` are class 0 and the two others class 1.
    With large noise some points cross an axis and keep their blob's label,
    which makes the problem noisy rather than relabelled.

    Parameters
    ----------
    n : int, default 200
        Total number of points (>= 4), shared as evenly as possible between
        the four blobs.
    noise : float, default 0.1
        Standard deviation of each blob.
    rng : numpy.random.Generator, int or None
        As in :func:`moons`.

    Returns
    -------
    (X, y) : as in :func:`moons`.

    Notes
    -----
    No single line separates the classes: the smallest problem that needs a
    hidden layer (Minsky and Papert's objection to the perceptron).

    Examples
    --------
    >>> X, y = xor(8, noise=0.0, rng=0)
    >>> bool(np.all(y == (np.sign(X[:, 0]) != np.sign(X[:, 1]))))
    True
    """
    n = _check_count(n, "n", 4)
    noise = check_nonnegative(noise, "noise")
    rng = as_generator(rng)
    centres = np.array([[1.0, 1.0], [-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0]])
    blob = np.repeat(np.arange(4), _split_evenly(n, 4))
    X = centres[blob] + noise * rng.standard_normal((n, 2))
    y = (blob >= 2).astype(np.int64)
    return _shuffle(X, y, rng)


# ----------------------------------------------------------------------------
# regression
# ----------------------------------------------------------------------------
def sine(x):
    r"""The default target of :func:`regression_1d`: :math:`\sin(\pi x)`.

    Examples
    --------
    >>> float(sine(0.5))
    1.0
    """
    return np.sin(np.pi * x)


def regression_1d(n: int = 100, noise: float = 0.1, rng=None, func=sine):
    r"""Noisy samples of a one-dimensional function.

    .. math::
        x_i \sim \mathcal U[-1, 1],\qquad
        y_i = f(x_i) + \varepsilon_i,\qquad
        \varepsilon_i \sim \mathcal N(0, \text{noise}^2).

    Parameters
    ----------
    n : int, default 100
        Number of samples (>= 1).
    noise : float, default 0.1
        Standard deviation of the additive Gaussian noise on the targets.
    rng : numpy.random.Generator, int or None
        Source of randomness.
    func : callable, default :func:`sine`
        Vectorized function mapping an array of shape ``(n,)`` to an array of
        the same shape.

    Returns
    -------
    X : ndarray of shape (n, 1), float64
        Inputs, sorted increasingly (so that ``plot(X, y)`` draws a curve).
    y : ndarray of shape (n,), float64
        Targets.

    Raises
    ------
    TypeError
        If ``func`` is not callable.
    ValueError
        If ``func`` does not return one finite value per input.

    Examples
    --------
    >>> X, y = regression_1d(5, noise=0.0, rng=0, func=lambda x: 2 * x)
    >>> bool(np.allclose(y, 2 * X[:, 0]))
    True
    """
    n = _check_count(n, "n", 1)
    noise = check_nonnegative(noise, "noise")
    if not callable(func):
        raise TypeError(f"func must be callable, got {func!r}")
    rng = as_generator(rng)
    x = np.sort(rng.uniform(-1.0, 1.0, n))
    clean = as_float_array(func(x), "func(x)").astype(np.float64, copy=False)
    if clean.shape != x.shape:
        raise ValueError(
            f"func must return one value per input: got shape {clean.shape} "
            f"for input shape {x.shape}"
        )
    y = clean + noise * rng.standard_normal(n)
    return x[:, None], y


# ----------------------------------------------------------------------------
# a real dataset, bundled with scikit-learn
# ----------------------------------------------------------------------------
class DigitsSplit(NamedTuple):
    """A train/test split of the digits (unpacks like ``train_test_split``)."""

    X_train: np.ndarray
    X_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray


def _stratified_test_mask(y: np.ndarray, test_size: float, rng) -> np.ndarray:
    """Boolean mask selecting ``round(test_size * n_c)`` examples of each class."""
    mask = np.zeros(y.shape, dtype=bool)
    for c in np.unique(y):
        idx = np.flatnonzero(y == c)
        n_test = int(round(test_size * idx.size))
        if n_test < 1 or n_test > idx.size - 1:
            raise ValueError(
                f"Invalid test_size: {test_size!r} leaves class {int(c)} "
                f"({idx.size} examples) without a train or a test example"
            )
        mask[rng.choice(idx, size=n_test, replace=False)] = True
    return mask


def digits(test_size: float = 0.25, standardize: bool = True, rng=None) -> DigitsSplit:
    r"""The 8x8 handwritten digits (1797 images, 10 classes), split and standardized.

    The images come from the copy bundled with scikit-learn
    (``sklearn.datasets.load_digits``): nothing is downloaded. Pixels are
    intensities 0..16, flattened to 64 features.

    The split is *stratified*: for each class :math:`c` with :math:`n_c`
    images, :math:`\operatorname{round}(\text{test\_size}\cdot n_c)` of them,
    chosen at random, go to the test set. Standardization uses the training
    split only:

    .. math::
        \mu_j = \operatorname{mean}_{i \in \text{train}} X_{ij},\quad
        s_j = \begin{cases}\operatorname{std}_{i \in \text{train}} X_{ij} &
        \text{if it is} > 0\\ 1 & \text{otherwise}\end{cases},\quad
        X_{ij} \leftarrow (X_{ij} - \mu_j)/s_j,

    so no information from the test images leaks into the features, and a
    pixel that is constant on the training images (three corner pixels are
    always 0) is only centred, never divided by zero.

    Parameters
    ----------
    test_size : float, default 0.25
        Fraction of each class that goes to the test set, in (0, 1).
    standardize : bool, default True
        Standardize as above; with ``False`` the raw 0..16 intensities are
        returned (as float64).
    rng : numpy.random.Generator, int or None
        Source of randomness for the split (an int is a seed).

    Returns
    -------
    DigitsSplit
        NamedTuple ``(X_train, X_test, y_train, y_test)``: float64 arrays of
        shape ``(n_train, 64)`` and ``(n_test, 64)``, int64 label vectors.

    Raises
    ------
    ImportError
        If scikit-learn is not installed (``pip install lecture_kit[data]``).

    References
    ----------
    Alpaydin, E. and Kaynak, C. (1998). *Optical Recognition of Handwritten
    Digits*. UCI Machine Learning Repository.

    Examples
    --------
    >>> X_train, X_test, y_train, y_test = digits(rng=0)
    >>> X_train.shape, X_test.shape
    ((1347, 64), (450, 64))
    >>> bool(np.allclose(X_train.mean(axis=0), 0.0))
    True
    """
    if isinstance(test_size, bool) or not isinstance(test_size, numbers.Real):
        raise TypeError(f"test_size must be a real number, got {test_size!r}")
    if not 0.0 < test_size < 1.0:
        raise ValueError(f"Invalid test_size: {test_size!r} (must be in (0, 1))")
    if not isinstance(standardize, (bool, np.bool_)):
        raise TypeError(f"standardize must be a bool, got {standardize!r}")
    rng = as_generator(rng)
    try:
        from sklearn.datasets import load_digits
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "digits() needs scikit-learn, which bundles the dataset: "
            "pip install 'lecture_kit[data]'"
        ) from exc

    bunch = load_digits()
    X = np.asarray(bunch.data, dtype=np.float64)
    y = np.asarray(bunch.target, dtype=np.int64)
    test = _stratified_test_mask(y, float(test_size), rng)
    train_idx = rng.permutation(np.flatnonzero(~test))
    test_idx = rng.permutation(np.flatnonzero(test))
    X_train, X_test = X[train_idx], X[test_idx]
    if standardize:
        mean = X_train.mean(axis=0)
        std = X_train.std(axis=0)
        scale = np.where(std > 0.0, std, 1.0)
        X_train = (X_train - mean) / scale
        X_test = (X_test - mean) / scale
    return DigitsSplit(X_train, X_test, y[train_idx], y[test_idx])


def one_hot(y, n_classes: int | None = None) -> np.ndarray:
    r"""Integer labels to one-hot rows: :math:`Y_{ik} = [\,y_i = k\,]`.

    Parameters
    ----------
    y : array_like of int, shape (n,)
        Labels in ``0 .. n_classes - 1``.
    n_classes : int, optional
        Number of columns; default ``max(y) + 1``.

    Returns
    -------
    ndarray of shape (n, n_classes), float64

    Raises
    ------
    ValueError
        If ``y`` is not a 1-D array of integers in range.

    Examples
    --------
    >>> one_hot([0, 2, 1])
    array([[1., 0., 0.],
           [0., 0., 1.],
           [0., 1., 0.]])
    """
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y must be one-dimensional, got shape {y.shape}")
    if y.dtype.kind not in "iu":
        if y.dtype.kind == "f" and np.all(np.isfinite(y)) and np.all(y == np.round(y)):
            y = y.astype(np.int64)  # integer-valued floats such as 2.0 are labels
        else:
            raise ValueError(f"y must hold integer labels, got dtype {y.dtype}")
    if n_classes is None:
        if y.size == 0:
            raise ValueError("n_classes is required when y is empty")
        n_classes = int(y.max()) + 1
    n_classes = _check_count(n_classes, "n_classes", 1)
    if y.size and (y.min() < 0 or y.max() >= n_classes):
        raise ValueError(
            f"labels must lie in 0 .. {n_classes - 1}, got range "
            f"{int(y.min())} .. {int(y.max())}"
        )
    out = np.zeros((y.size, n_classes), dtype=np.float64)
    out[np.arange(y.size), y] = 1.0
    return out
