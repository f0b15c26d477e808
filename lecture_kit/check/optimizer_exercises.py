r"""Self-checks for the redesigned code exercises of the optimizer chapters.

==========================  =====================================================
``gd_steps``                ``fn(H, lr, tol=1e-6)``: how many gradient-descent
                            steps shrink the error on :math:`\tfrac12\theta^\top
                            H\theta` by ``tol`` from every start (``math.inf`` if
                            none do); refuses a non-symmetric ``H`` or ``tol <= 0``
``nesterov_rate``           ``fn(lam, lr, beta)``: the per-step convergence factor
                            of Nesterov momentum (PyTorch's form) on
                            :math:`\tfrac12\lambda\theta^2`
``scheduled_adam_step``     ``fn(theta, g, m, v, products, lr=1e-3, betas=(0.9,
                            0.999), eps=1e-8) -> (theta, m, v, products)``: one Adam
                            step whose betas may change from step to step
==========================  =====================================================

Each check calls the answer on cases the notebook does not show, compares it
with a reference computed here by a different route than the exercise's
(eigenvalues of the 2-by-2 state map for the momentum rate, the unrolled
weighted sum for the bias correction, an explicit product of matrices for the
gradient-descent count), and answers "correct" or names the first failing
case with a hint, never the expected value.

Examples
--------
>>> import math
>>> import numpy as np
>>> from lecture_kit import check
>>> check.nesterov_rate(lambda lam, lr, beta: math.sqrt(beta)).ok
False
"""

from __future__ import annotations

import inspect
import math
from numbers import Integral, Real

import numpy as np

from ._core import call_safely, correct, read_only_failure, wrong

__all__ = ["gd_steps", "nesterov_rate", "scheduled_adam_step"]


def _default(fn, name):
    """The default value of parameter ``name`` of ``fn``, or ``inspect.Parameter.empty``."""
    try:
        return inspect.signature(fn).parameters[name].default
    except (TypeError, ValueError, KeyError):
        return inspect.Parameter.empty


# ----------------------------------------------------------------------------
# Gradient descent: steps to a tolerance, from every start
# ----------------------------------------------------------------------------
def _worst_factor_after(H, lr, t):
    """Largest singular value of (I - lr H)^t, by an explicit matrix power."""
    M = np.eye(len(H)) - lr * np.asarray(H, dtype=float)
    return float(np.linalg.norm(np.linalg.matrix_power(M, t), 2)) if t else 1.0


def _gd_steps_reference(H, lr, tol):
    """Smallest t with ||(I - lr H)^t||_2 <= tol, by bisection on t (inf if none)."""
    if tol >= 1:
        return 0
    rho = float(np.max(np.abs(np.linalg.eigvals(np.eye(len(H)) - lr * np.asarray(H, float)))))
    if rho >= 1 - 1e-12:
        return math.inf
    lo, hi = 0, 1
    while _worst_factor_after(H, lr, hi) > tol:
        lo, hi = hi, 2 * hi
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _worst_factor_after(H, lr, mid) > tol:
            lo = mid
        else:
            hi = mid
    return hi


def _rotated(eigenvalues, seed):
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.normal(size=(len(eigenvalues), len(eigenvalues))))
    H = Q @ np.diag(eigenvalues) @ Q.T
    return (H + H.T) / 2                       # exactly symmetric


def _gd_cases():
    c, s = math.cos(0.6), math.sin(0.6)
    rot = np.array([[c, -s], [s, c]])
    H2 = rot @ np.diag([0.4, 6.0]) @ rot.T
    H2 = (H2 + H2.T) / 2
    yield "a rotated 2-by-2 H, small learning rate", H2, 0.05, 1e-3
    yield "the same H, learning rate near the stability bound", H2, 0.32, 1e-4
    yield "a 4-by-4 H that is not diagonal", _rotated([0.3, 1.0, 2.0, 5.0], 7), 0.3, 1e-5
    yield "an H with a negative eigenvalue (a saddle)", _rotated([2.0, -0.5, 1.0], 3), 0.1, 1e-3
    yield "an H with a zero eigenvalue", np.array([[0.0, 0.0, 0.0], [0.0, 2.0, 1.0],
                                                   [0.0, 1.0, 2.0]]), 0.2, 1e-2
    yield "an H for which one step is exact", 2.0 * np.eye(3), 0.5, 1e-9
    yield "a learning rate past the stability bound", np.diag([1.0, 4.0]), 0.6, 1e-3
    yield "a tolerance of 1", H2, 0.05, 1.0


def _is_count(value, expected) -> bool:
    if expected == math.inf:
        return isinstance(value, Real) and math.isinf(float(value)) and float(value) > 0
    if isinstance(value, bool) or not isinstance(value, (Integral, Real)):
        return False
    return float(value) == float(expected)


def gd_steps(fn):
    r"""Check ``fn(H, lr, tol=1e-6)``: steps until :math:`\|\theta_t\| \le
    \text{tol}\,\|\theta_0\|` from every :math:`\theta_0`.

    The reference finds the smallest :math:`t` with :math:`\|(I - \eta
    H)^t\|_2 \le \text{tol}` by bisection over explicit matrix powers (an
    independent route from the closed form the exercise asks for), and
    ``math.inf`` when the spectral radius of :math:`I - \eta H` is at least 1.
    The answer must also keep the default ``tol``, accept a nested list, leave
    ``H`` unchanged (it is passed read-only) and raise ``ValueError`` for a
    non-symmetric ``H`` or ``tol <= 0``.
    """
    ex = "gd_steps"
    if _default(fn, "tol") != 1e-6:
        return wrong(ex, "keep the signature gd_steps(H, lr, tol=1e-6): the default "
                         "tolerance is part of the task")
    for what, H, lr, tol in _gd_cases():
        given = H.copy()
        given.setflags(write=False)
        got, failure = call_safely(ex, fn, given, lr, tol)
        if failure is not None:
            return read_only_failure(ex, failure, f"{what}: your function tried to write into H; "
                                                  "leave the input matrix unchanged")
        if not np.array_equal(given, H):
            return wrong(ex, f"{what}: your function changed H")
        expected = _gd_steps_reference(H, lr, tol)
        if _is_count(got, expected) and expected != math.inf and type(got) is not int:
            return wrong(ex, f"{what}: the count is right, but return it as a Python int "
                             f"(got {type(got).__name__})")
        if not _is_count(got, expected):
            if expected == math.inf:
                hint = ("here some direction does not shrink at all: what does the "
                        "task ask you to return then?")
            elif expected == 0:
                hint = "the tolerance asks for no shrinking at all"
            else:
                hint = ("a whole number of steps is expected; think about which "
                        "eigen-direction is the slowest and how its error evolves "
                        "over t steps, then round in the right direction")
            return wrong(ex, f"{what} (lr = {lr}, tol = {tol:g}): {hint}")
    # a nested list, and the default tolerance
    H = [[2.0, 0.5], [0.5, 1.0]]
    got, failure = call_safely(ex, fn, H, 0.3)
    if failure is not None:
        return wrong(ex, f"for H given as a nested list your function failed ({failure.message})"
                         "; convert the input first")
    if not _is_count(got, _gd_steps_reference(np.array(H), 0.3, 1e-6)):
        return wrong(ex, "with H as a nested list and the default tolerance the count "
                         "is not right")
    for what, H, tol in (("a non-symmetric H", np.array([[1.0, 0.8], [0.0, 2.0]]), 1e-3),
                         ("tol = 0", np.eye(2), 0.0), ("a negative tol", np.eye(2), -1e-3)):
        got, failure = call_safely(ex, fn, H, 0.1, tol)
        if failure is None or "ValueError" not in failure.message:
            return wrong(ex, f"for {what} your function should refuse the input with a "
                             "ValueError naming the problem")
    return correct(ex)


# ----------------------------------------------------------------------------
# Nesterov momentum: convergence factor on a one-dimensional quadratic
# ----------------------------------------------------------------------------
def _nesterov_reference(lam, lr, beta):
    """Spectral radius of PyTorch's nesterov=True step as a map of (theta, buffer).

    b <- beta b + lam theta;  theta <- theta - lr (lam theta + beta b).
    """
    T = np.array([[1.0 - lr * lam * (1.0 + beta), -lr * beta * beta],
                  [lam, beta]])
    return float(np.max(np.abs(np.linalg.eigvals(T))))


NESTEROV_CASES = (
    (1.0, 0.04, 2.0 / 3.0),      # the tuned setting at kappa = 25, smallest curvature
    (25.0, 0.04, 2.0 / 3.0),     # ... largest curvature: one step is exact
    (9.0, 0.04, 2.0 / 3.0),
    (3.0, 0.1, 0.2),             # real roots
    (2.0, 0.3, 0.9),             # complex roots
    (10.0, 0.25, 0.5),           # past the stability bound
    (0.0, 0.1, 0.8),             # a flat direction
    (5.0, 0.02, 0.0),            # no momentum
    (4.0, 0.45, 0.95),
)


def nesterov_rate(fn):
    r"""Check ``fn(lam, lr, beta)``: the factor per step of Nesterov momentum.

    PyTorch's ``SGD(nesterov=True)`` on :math:`f = \tfrac12\lambda\theta^2` is a
    linear map of the pair (parameter, buffer); the reference is the spectral
    radius of that 2-by-2 map, computed here from the update itself. The answer
    must return a Python ``float``.
    """
    ex = "nesterov_rate"
    for lam, lr, beta in NESTEROV_CASES:
        got, failure = call_safely(ex, fn, lam, lr, beta)
        if failure is not None:
            return failure
        where = f"lam = {lam:g}, lr = {lr:g}, beta = {beta:g}"
        if type(got) is not float:
            return wrong(ex, f"at {where} your function returned {type(got).__name__}; "
                             "return a Python float")
        expected = _nesterov_reference(lam, lr, beta)
        # a double root (the tuned setting) is only known to about 1e-8
        if not math.isfinite(got) or not math.isclose(got, expected, rel_tol=1e-6,
                                                        abs_tol=1e-6):
            T = np.array([[1 - lr * lam * (1 + beta), -lr * beta * beta], [lam, beta]])
            disc = np.trace(T) ** 2 - 4 * np.linalg.det(T)
            kind = ("the two roots form a complex-conjugate pair here" if disc < -1e-12 else
                    "the two roots are real here")
            stable = ("the iteration converges here" if expected < 1 else
                      "the iteration does not converge here")
            return wrong(ex, f"wrong at {where}: {kind} and {stable}; check the polynomial "
                             "you derived against one step of PyTorch's update, and which "
                             "root decides the long run")
    return correct(ex)


# ----------------------------------------------------------------------------
# Adam with betas that change from step to step
# ----------------------------------------------------------------------------
def _adam_reference(theta, g, m, v, products, lr, betas, eps):
    """One step, the bias correction as the sum of the unrolled weights (float64)."""
    (b1, b2), (p1, p2) = betas, products
    g = np.asarray(g, np.float64)
    m2 = b1 * np.asarray(m, np.float64) + (1 - b1) * g
    v2 = b2 * np.asarray(v, np.float64) + (1 - b2) * g * g
    # weights of the gradients in m2 sum to 1 - p1 * b1 (telescoping sum)
    w1, w2 = 1.0 - p1 * b1, 1.0 - p2 * b2
    new = np.asarray(theta, np.float64) - lr * (m2 / w1) / (np.sqrt(v2 / w2) + eps)
    return new, m2, v2, (p1 * b1, p2 * b2)


def _adam_cases():
    rng = np.random.default_rng(4242)
    yield ("the first step with the defaults and tiny gradients",
           (np.array([0.5, -1.0, 2.0]), np.array([3e-9, -1e-8, 5e-10]), np.zeros(3), np.zeros(3),
            (1.0, 1.0)), {})
    yield ("the third step, betas constant at (0.9, 0.999)",
           (rng.normal(size=4), rng.normal(size=4), 0.1 * rng.normal(size=4),
            rng.uniform(0.1, 1, size=4) * 0.01, (0.81, 0.998001)),
           dict(lr=0.01, betas=(0.9, 0.999), eps=1e-8))
    yield ("a step where beta1 has been warming up (0.5, then 0.7, now 0.85)",
           (rng.normal(size=3), rng.normal(size=3), 0.2 * rng.normal(size=3),
            rng.uniform(0.1, 1, size=3) * 0.1, (0.35, 0.99 ** 2)),
           dict(lr=0.05, betas=(0.85, 0.99), eps=1e-6))
    yield ("the first step with betas (0.6, 0.95)",
           (rng.normal(size=2), rng.normal(size=2), np.zeros(2), np.zeros(2), (1.0, 1.0)),
           dict(lr=0.1, betas=(0.6, 0.95), eps=1e-8))
    yield ("float32 arrays",
           tuple(a.astype(np.float32) for a in (rng.normal(size=3), rng.normal(size=3),
                                                 0.1 * rng.normal(size=3),
                                                 rng.uniform(0.1, 1, size=3) * 0.1))
           + ((0.9 * 0.8, 0.999 * 0.99),), dict(lr=0.01, betas=(0.7, 0.9), eps=1e-8))


def scheduled_adam_step(fn):
    r"""Check ``fn(theta, g, m, v, products, lr=1e-3, betas=(0.9, 0.999), eps=1e-8)``.

    ``products`` holds the products of the :math:`\beta_1`'s and of the
    :math:`\beta_2`'s of all earlier steps (``(1.0, 1.0)`` before the first);
    the answer returns ``(theta, m, v, products)`` after this step. The
    reference divides each average by the sum of its unrolled weights. Inputs
    are passed read-only and must come back unchanged; float32 stays float32;
    nested lists are accepted; the defaults are checked.
    """
    ex = "scheduled_adam_step"
    defaults = {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8}
    for name, value in defaults.items():
        got = _default(fn, name)
        if got is inspect.Parameter.empty or not (
                tuple(got) == value if isinstance(value, tuple) and isinstance(got, (tuple, list))
                else got == value):
            return wrong(ex, f"the default of {name} is not the one the task names")
    for what, args, kwargs in _adam_cases():
        given = [np.array(a, copy=True) if isinstance(a, np.ndarray) else a for a in args]
        for a in given:
            if isinstance(a, np.ndarray):
                a.setflags(write=False)
        got, failure = call_safely(ex, lambda *a: fn(*a, **kwargs), *given)
        if failure is not None:
            return read_only_failure(ex, failure, f"{what}: your function tried to write "
                                                  "into an input array; return new arrays "
                                                  "instead")
        if not (isinstance(got, (tuple, list)) and len(got) == 4):
            return wrong(ex, f"{what}: return the four values (theta, m, v, products)")
        full = {**defaults, **kwargs}
        expected = _adam_reference(*args, full["lr"], full["betas"], full["eps"])
        single = args[0].dtype == np.float32
        for i, label in ((1, "m"), (2, "v"), (3, "products"), (0, "theta")):
            try:
                arr = np.asarray(got[i], dtype=float)
            except (TypeError, ValueError):
                return wrong(ex, f"{what}: {label} is not numeric")
            ref = np.asarray(expected[i], dtype=float)
            if arr.shape != ref.shape:
                return wrong(ex, f"{what}: {label} has shape {arr.shape}, expected {ref.shape}")
            rtol = 1e-5 if single else 1e-9
            if not np.allclose(arr, ref, rtol=rtol, atol=1e-14 if not single else 1e-7):
                hints = {
                    "m": "the first average mixes the old m and the new gradient",
                    "v": "the second average mixes the old v and the new squared gradient",
                    "products": ("products should now also account for this step's betas"),
                    "theta": ("the averages are right, the step is not: on a constant "
                              "gradient the corrected averages must be exact, so find what "
                              "the weights of the unrolled average sum to when beta changes "
                              "from step to step; check also where eps enters"),
                }
                return wrong(ex, f"{what}: {label} is not right ({hints[label]})")
            if single and label != "products" and np.asarray(got[i]).dtype != np.float32:
                return wrong(ex, f"{what}: {label} came back as {np.asarray(got[i]).dtype}; "
                                 "float32 inputs should give float32 results")
    # nested lists
    got, failure = call_safely(ex, fn, [1.0, -1.0], [0.5, 0.25], [0.0, 0.0], [0.0, 0.0],
                               (1.0, 1.0))
    if failure is not None:
        return wrong(ex, "for inputs given as Python lists your function failed "
                         f"({failure.message}); convert them to arrays first")
    try:
        ok = np.allclose(np.asarray(got[0], float),
                         _adam_reference([1.0, -1.0], [0.5, 0.25], [0.0, 0.0], [0.0, 0.0],
                                         (1.0, 1.0), 1e-3, (0.9, 0.999), 1e-8)[0], rtol=1e-9)
    except (TypeError, ValueError, IndexError):
        ok = False
    if not ok:
        return wrong(ex, "for inputs given as Python lists the step is not right")
    return correct(ex)
