"""The self-checks of the redesigned optimizer exercises accept right answers
written by other routes than their references, and reject the typical wrong
ones with a message that says what kind of thing is wrong.

Independent answers here: the step count by an explicit loop over matrix
powers (no logarithm), Nesterov's rate by the quadratic formula in complex
arithmetic, the scheduled Adam step by the explicit weighted sums of all the
gradients seen so far (kept in a closure).
"""

import cmath
import math

import numpy as np
import pytest

from lecture_kit import check


# ----------------------------------------------------------------------------
# gd_steps
# ----------------------------------------------------------------------------
def steps_by_powers(H, lr, tol=1e-6):
    H = np.array(H, dtype=float)
    if H.ndim != 2 or H.shape[0] != H.shape[1] or not np.allclose(H, H.T, atol=1e-12):
        raise ValueError("H must be square and symmetric")
    if not tol > 0:
        raise ValueError("tol must be positive")
    M, step, t = np.eye(len(H)), np.eye(len(H)) - lr * H, 0
    if np.max(np.abs(np.linalg.eigvals(step))) >= 1:
        return math.inf
    while np.linalg.norm(M, 2) > tol:
        M, t = M @ step, t + 1
    return t


def test_gd_steps_accepts_an_answer_by_matrix_powers():
    assert check.gd_steps(steps_by_powers).ok


@pytest.mark.parametrize("wrong, words", [
    (lambda H, lr, tol=1e-6: steps_by_powers(H, lr, tol) + 1, "round"),
    (lambda H, lr, tol=1e-6: float(steps_by_powers(H, lr, tol)), "Python int"),
    (lambda H, lr, tol=1e-8: steps_by_powers(H, lr, tol), "default"),
    (lambda H, lr, tol=1e-6: steps_by_powers(np.triu(H) + np.triu(H, 1).T, lr, tol)
     if np.allclose(np.asarray(H, float), np.asarray(H, float).T) else 3, "ValueError"),
])
def test_gd_steps_rejects_wrong_answers_with_a_pointed_message(wrong, words):
    verdict = check.gd_steps(wrong)
    assert not verdict.ok and words in verdict.message, verdict


def test_gd_steps_catches_an_answer_that_writes_into_h():
    def in_place(H, lr, tol=1e-6):
        H = np.asarray(H)
        H *= 1.0
        return steps_by_powers(H, lr, tol)

    verdict = check.gd_steps(in_place)
    assert not verdict.ok and "write into H" in verdict.message


def test_gd_steps_wants_infinity_for_a_saddle():
    def finite(H, lr, tol=1e-6):
        n = steps_by_powers(H, lr, tol)
        return 10 ** 6 if n == math.inf else n

    verdict = check.gd_steps(finite)
    assert not verdict.ok and "does not shrink" in verdict.message


# ----------------------------------------------------------------------------
# nesterov_rate
# ----------------------------------------------------------------------------
def nesterov_by_formula(lam, lr, beta):
    a, b = (1 + beta) * (1 - lr * lam), beta * (1 - lr * lam)
    d = cmath.sqrt(a * a - 4 * b)
    return float(max(abs((a + d) / 2), abs((a - d) / 2)))


def test_nesterov_rate_accepts_the_quadratic_formula_in_complex_arithmetic():
    assert check.nesterov_rate(nesterov_by_formula).ok


def test_nesterov_rate_gives_the_tuned_rate():
    for kappa in (4.0, 25.0, 100.0):
        s = math.sqrt(kappa)
        assert nesterov_by_formula(1.0, 1 / kappa, (s - 1) / (s + 1)) == \
            pytest.approx(1 - 1 / s, abs=1e-7)


@pytest.mark.parametrize("wrong", [
    lambda lam, lr, beta: float(np.max(np.abs(np.roots([1, -(1 + beta - lr * lam), beta])))),
    lambda lam, lr, beta: math.sqrt(abs(beta * (1 - lr * lam))),
    lambda lam, lr, beta: np.float64(nesterov_by_formula(lam, lr, beta)),
])
def test_nesterov_rate_rejects_the_heavy_ball_the_complex_case_and_numpy_scalars(wrong):
    assert not check.nesterov_rate(wrong).ok


# ----------------------------------------------------------------------------
# scheduled_adam_step
# ----------------------------------------------------------------------------
def adam_by_weighted_sums(theta, g, m, v, products, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
    # m = sum of weights * gradients with weights summing to 1 - product: m_hat
    # is m divided by that sum (the products carry the earlier betas)
    b1, b2 = betas
    arrays = [np.asarray(a) for a in (theta, g, m, v)]
    theta, g, m, v = [a if a.dtype.kind == "f" else a.astype(float) for a in arrays]
    new_m = b1 * m + (1 - b1) * g
    new_v = b2 * v + (1 - b2) * g * g
    total1 = (1 - products[0]) * b1 + (1 - b1)     # old weights scaled by b1, plus the new one
    total2 = (1 - products[1]) * b2 + (1 - b2)
    return (theta - lr * (new_m / total1) / (np.sqrt(new_v / total2) + eps), new_m, new_v,
            (products[0] * b1, products[1] * b2))


def test_scheduled_adam_accepts_an_answer_written_from_the_sum_of_weights():
    assert check.scheduled_adam_step(adam_by_weighted_sums).ok


def test_scheduled_adam_is_adam_when_the_betas_are_constant():
    from lecture_kit import optim

    rng = np.random.default_rng(3)
    opt = optim.adam(lr=0.01)
    w = mine = rng.normal(size=4)
    state, m, v, p = opt.init(w), np.zeros(4), np.zeros(4), (1.0, 1.0)
    for _ in range(20):
        g = rng.normal(size=4)
        w, state = opt.step(w, g, state)
        mine, m, v, p = adam_by_weighted_sums(mine, g, m, v, p, lr=0.01)
    np.testing.assert_allclose(mine, w, rtol=1e-12)


@pytest.mark.parametrize("change, words", [
    (dict(eps=1e-7), "default of eps"),
    (dict(betas=(0.9, 0.99)), "default of betas"),
])
def test_scheduled_adam_checks_the_defaults(change, words):
    def wrong(theta, g, m, v, products, lr=1e-3, betas=change.get("betas", (0.9, 0.999)),
              eps=change.get("eps", 1e-8)):
        return adam_by_weighted_sums(theta, g, m, v, products, lr, betas, eps)

    verdict = check.scheduled_adam_step(wrong)
    assert not verdict.ok and words in verdict.message


def test_scheduled_adam_catches_in_place_updates_float64_results_and_lists():
    def in_place(theta, g, m, v, products, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        out = adam_by_weighted_sums(theta, g, m, v, products, lr, betas, eps)
        m[...] = out[1]
        return out

    def upcast(theta, g, m, v, products, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        out = adam_by_weighted_sums(theta, g, m, v, products, lr, betas, eps)
        return tuple(np.asarray(a, np.float64) for a in out[:3]) + (out[3],)

    def no_lists(theta, g, m, v, products, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        if isinstance(theta, list):
            raise TypeError("lists are not supported")
        return adam_by_weighted_sums(theta, g, m, v, products, lr, betas, eps)

    assert "write into an input" in check.scheduled_adam_step(in_place).message
    assert "float32" in check.scheduled_adam_step(upcast).message
    assert "lists" in check.scheduled_adam_step(no_lists).message
