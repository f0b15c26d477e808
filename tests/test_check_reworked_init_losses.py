"""The self-checks of the reworked exercises (backprop, xavier, he, losses, issue 19).

Each check must accept a correct answer written here by another route than the
notebook's reference (finite differences, SciPy's truncated normal, adaptive
quadrature, 50-digit arithmetic) and reject the typical mistakes with the
message that points at them. The hint texts themselves are audited by
``test_hints.py``; the notebooks' own mutants by ``test_exercise_mutants.py``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from lecture_kit import check


# ---------------------------------------------------------------------------
# tied_linear_backward: Y = X W W^T
# ---------------------------------------------------------------------------
def _fd_tied(X, W, dY, h=1e-6):
    """Central differences of L = sum(dY * (X W W^T)), in float64, dtype of X kept."""
    Xf, Wf, G = (np.asarray(a, dtype=np.float64) for a in (X, W, dY))

    def loss(Xv, Wv):
        return float(np.sum(G * (Xv @ Wv @ Wv.T)))

    grads = []
    for which, target in ((0, Xf), (1, Wf)):
        g = np.zeros_like(target)
        for i in np.ndindex(target.shape):
            plus, minus = target.copy(), target.copy()
            plus[i] += h
            minus[i] -= h
            args_p = (plus, Wf) if which == 0 else (Xf, plus)
            args_m = (minus, Wf) if which == 0 else (Xf, minus)
            g[i] = (loss(*args_p) - loss(*args_m)) / (2 * h)
        grads.append(g.astype(np.asarray(X).dtype))
    return tuple(grads)


def test_tied_accepts_finite_differences():
    verdict = check.tied_linear_backward(_fd_tied)
    assert verdict.ok, verdict


@pytest.mark.parametrize("wrong_fn, words", [
    (lambda X, W, dY: (dY @ W @ W.T, X.T @ dY @ W), "each use"),          # copy sums forgotten
    (lambda X, W, dY: (np.zeros_like(X), X.T @ dY @ W + dY.T @ X @ W), "dX"),
    (lambda X, W, dY: (dY @ W, X.T @ dY @ W + dY.T @ X @ W), "shape"),
    (lambda X, W, dY: (dY @ W @ W.T,), "pair"),
])
def test_tied_rejects_typical_mistakes(wrong_fn, words):
    verdict = check.tied_linear_backward(wrong_fn)
    assert not verdict.ok and words in verdict.message, verdict


def test_tied_catches_writing_into_inputs_and_upcasting():
    def in_place(X, W, dY):
        dY *= 1.0
        return dY @ W @ W.T, X.T @ dY @ W + dY.T @ X @ W

    def upcast(X, W, dY):
        X, W, dY = (np.asarray(a, dtype=np.float64) for a in (X, W, dY))
        return dY @ W @ W.T, X.T @ dY @ W + dY.T @ X @ W

    assert "read-only" in check.tied_linear_backward(in_place).message
    assert "float32" in check.tied_linear_backward(upcast).message


# ---------------------------------------------------------------------------
# glorot_truncated_normal
# ---------------------------------------------------------------------------
def _scipy_truncated(fan_in, fan_out, rng):
    stats = pytest.importorskip("scipy.stats")
    s = math.sqrt(2 / (fan_in + fan_out) / stats.truncnorm(-2, 2).var())
    return stats.truncnorm.rvs(-2, 2, scale=s, size=(fan_in, fan_out), random_state=rng)


def test_glorot_truncated_accepts_scipy():
    verdict = check.glorot_truncated_normal(_scipy_truncated)
    assert verdict.ok, verdict


def _redraw(fan_in, fan_out, rng, var, cut_of_s=2.0, absolute=None):
    s = math.sqrt(var)
    cut = absolute if absolute is not None else cut_of_s * s
    w = rng.normal(0, s, size=fan_in * fan_out)
    while np.any(np.abs(w) > cut):
        bad = np.abs(w) > cut
        w[bad] = rng.normal(0, s, size=int(bad.sum()))
    return w.reshape(fan_in, fan_out)


KAPPA = 1 - 4 * math.exp(-2) / math.sqrt(2 * math.pi) / math.erf(math.sqrt(2))  # wrong answers only


@pytest.mark.parametrize("wrong_fn, words", [
    (lambda fi, fo, rng: _redraw(fi, fo, rng, 2 / (fi + fo)), "near two standard"),
    (lambda fi, fo, rng: _redraw(fi, fo, rng, 2 / (fi + fo) / KAPPA, absolute=2.0), "beyond"),
    (lambda fi, fo, rng: np.clip(rng.normal(0, math.sqrt(2 / (fi + fo) / KAPPA), (fi, fo)),
                                 -2 * math.sqrt(2 / (fi + fo) / KAPPA),
                                 2 * math.sqrt(2 / (fi + fo) / KAPPA)), "clipping"),
    (lambda fi, fo, rng: _redraw(fi, fo, rng, 2 / (fi + fo + 1) / KAPPA), "denominator"),
    (lambda fi, fo, rng: _redraw(fo, fi, rng, 2 / (fi + fo) / KAPPA), "shape"),
    (lambda fi, fo, rng: _redraw(fi, fo, np.random.default_rng(), 2 / (fi + fo) / KAPPA),
     "same seed"),
])
def test_glorot_truncated_rejects_typical_mistakes(wrong_fn, words):
    verdict = check.glorot_truncated_normal(wrong_fn)
    assert not verdict.ok and words in verdict.message, verdict


# ---------------------------------------------------------------------------
# unit_variance_std
# ---------------------------------------------------------------------------
def _quad_std(f, fan_in, fan_out, mode="fan_in"):
    integrate = pytest.importorskip("scipy.integrate")

    def g(z):
        return float(np.asarray(f(np.array([z])))[0]) ** 2 * math.exp(-z * z / 2) \
            / math.sqrt(2 * math.pi)

    pieces = [(-40, -1), (-1, 0), (0, 1), (1, 40)]          # kinks at -1, 0, 1 on the edges
    m = sum(integrate.quad(g, a, b, epsabs=0, epsrel=1e-13, limit=200)[0] for a, b in pieces)
    return 1 / math.sqrt((fan_in if mode == "fan_in" else fan_out) * m)


def test_unit_variance_std_accepts_adaptive_quadrature():
    verdict = check.unit_variance_std(_quad_std)
    assert verdict.ok, verdict


def test_unit_variance_std_gives_he_for_relu_and_more_than_five_thirds_for_nothing():
    relu = lambda z: np.maximum(z, 0.0)                          # noqa: E731
    assert math.isclose(_quad_std(relu, 50, 10), math.sqrt(2 / 50), rel_tol=1e-9)
    gain_tanh = _quad_std(np.tanh, 1, 1)
    assert 1.5 < gain_tanh < 5 / 3                               # close to PyTorch's 5/3, below it


@pytest.mark.parametrize("wrong_fn, words", [
    (lambda f, fi, fo, mode="fan_in": math.sqrt(2 / (fi if mode == "fan_in" else fo)), "too"),
    (lambda f, fi, fo, mode="fan_out": _quad_std(f, fi, fo, mode), "default"),
    (lambda f, fi, fo, mode="fan_in": _quad_std(f, fi, fo, mode) ** 2, "variance"),
    (lambda f, fi, fo, mode="fan_in": _quad_std(f, fi, fo, mode) * (1 + 1e-4), "1e-6"),
])
def test_unit_variance_std_rejects_typical_mistakes(wrong_fn, words):
    verdict = check.unit_variance_std(wrong_fn)
    assert not verdict.ok and words in verdict.message, verdict


# ---------------------------------------------------------------------------
# accurate_cross_entropy
# ---------------------------------------------------------------------------
def _mp_ce(z, k):
    import mpmath

    with mpmath.workdps(400):          # 1 + 1e-304 must not round to 1
        v = [mpmath.mpf(float(x)) for x in np.asarray(z, dtype=np.float64)]
        p = mpmath.exp(v[k]) / mpmath.fsum(mpmath.exp(x) for x in v)
        return float(-mpmath.log(p))


def test_accurate_ce_accepts_high_precision_arithmetic():
    verdict = check.accurate_cross_entropy(_mp_ce)
    assert verdict.ok, verdict


def _shifted(z, k):
    z = np.asarray(z, dtype=float)
    m = z.max()
    return float(m + np.log(np.sum(np.exp(z - m))) - z[k])


@pytest.mark.parametrize("wrong_fn, words", [
    (_shifted, "tiny but not zero"),
    (lambda z, k: float(-np.log(np.exp(z[k]) / np.exp(z).sum())), "not finite"),
    (lambda z, k: -_mp_ce(z, k), "sign"),
    (lambda z, k: float(np.float32(_mp_ce(z, k))) if getattr(z, "dtype", None) == np.float32
     else _mp_ce(z, k), "float32"),
    (lambda z, k: float(np.asarray(z).max() - np.asarray(z)[k]) if len(set(np.ravel(z))) < 3
     else _mp_ce(z, k), "share the largest"),
])
def test_accurate_ce_rejects_typical_mistakes(wrong_fn, words):
    verdict = check.accurate_cross_entropy(wrong_fn)
    assert not verdict.ok and words in verdict.message, verdict


def test_accurate_ce_catches_writing_into_the_logits():
    def in_place(z, k):
        z = np.asarray(z, dtype=np.float64)
        z -= z.max()
        return _mp_ce(z, k)

    assert "read-only" in check.accurate_cross_entropy(in_place).message
