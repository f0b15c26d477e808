"""The self-checks of the part "Losses and optimization" accept right answers,
reject the typical wrong ones, and never reveal the expected value.

Reference answers here are written independently of lecture_kit.check (closed
forms, ``np.logaddexp``, the quadratic formula, lecture_kit.optim.adam, which is
itself tested against PyTorch).
"""

import cmath

import numpy as np
import pytest

from lecture_kit import check, optim


# ----------------------------------------------------------------------------
# stable_cross_entropy
# ----------------------------------------------------------------------------
def ce_logaddexp(z, k):
    z = np.asarray(z, dtype=float)
    return float(np.logaddexp.reduce(z) - z[k])


def ce_naive(z, k):
    return float(-np.log(np.exp(z[k]) / np.exp(z).sum()))


def test_stable_cross_entropy_accepts_a_logaddexp_answer():
    assert check.stable_cross_entropy(ce_logaddexp).ok


def test_stable_cross_entropy_rejects_the_naive_formula_with_a_hint_about_overflow():
    verdict = check.stable_cross_entropy(ce_naive)
    assert not verdict.ok
    assert "finite" in verdict.message and "maximum" in verdict.message


def test_stable_cross_entropy_rejects_a_wrong_sign():
    verdict = check.stable_cross_entropy(lambda z, k: -ce_logaddexp(z, k))
    assert not verdict.ok
    assert "wrong for arguments" in verdict.message


def test_stable_cross_entropy_rejects_the_probability_instead_of_its_log():
    verdict = check.stable_cross_entropy(lambda z, k: float(np.exp(-ce_logaddexp(z, k))))
    assert not verdict.ok


def test_stable_cross_entropy_message_does_not_reveal_the_expected_value():
    # first hidden case is ([0.3, -1.2, 2.0], 0); its value must not appear
    expected = ce_logaddexp(np.array([0.3, -1.2, 2.0]), 0)
    verdict = check.stable_cross_entropy(lambda z, k: 0.0)
    assert not verdict.ok
    for text in (f"{expected:.2f}", f"{expected:.3f}", f"{expected:.4g}"):
        assert text not in verdict.message


def test_stable_cross_entropy_reports_a_stub_and_a_wrong_return_type():
    def stub(z, k):
        raise NotImplementedError()

    assert "NotImplementedError" in check.stable_cross_entropy(stub).message
    verdict = check.stable_cross_entropy(lambda z, k: np.zeros(3))
    assert not verdict.ok and "expected one number" in verdict.message


def test_stable_cross_entropy_does_not_let_the_answer_modify_the_hidden_cases():
    def mutating(z, k):
        value = ce_logaddexp(z, k)
        z[:] = 0.0
        return value

    assert check.stable_cross_entropy(mutating).ok
    assert check.stable_cross_entropy(ce_logaddexp).ok


def test_checks_reject_something_that_is_not_a_function():
    for fn in (check.stable_cross_entropy, check.gd_contraction, check.heavy_ball_rate,
               check.adam_step):
        verdict = fn(3.0)
        assert not verdict.ok and "expected a function" in verdict.message


# ----------------------------------------------------------------------------
# gd_contraction
# ----------------------------------------------------------------------------
def contraction_closed_form(H, lr):
    # the eigenvalues of I - lr H are 1 - lr * lambda; the worst is at an end of the spectrum
    lam = np.linalg.eigvals(np.asarray(H, dtype=float)).real
    return max(abs(1 - lr * lam.min()), abs(1 - lr * lam.max()))


def test_gd_contraction_accepts_the_spectral_radius():
    assert check.gd_contraction(contraction_closed_form).ok
    # computing the norm of I - lr H directly is also right (H is symmetric)
    assert check.gd_contraction(
        lambda H, lr: np.linalg.norm(np.eye(len(H)) - lr * H, 2)).ok


@pytest.mark.parametrize("wrong", [
    lambda H, lr: float(np.max(1 - lr * np.linalg.eigvalsh(H))),          # forgot |.|
    lambda H, lr: float(abs(1 - lr * np.max(np.diag(H)))),                # diagonal only
    lambda H, lr: float(abs(1 - lr * np.linalg.eigvalsh(H).max())),       # largest curvature only
])
def test_gd_contraction_rejects_typical_mistakes(wrong):
    assert not check.gd_contraction(wrong).ok


def test_gd_contraction_hint_says_whether_the_step_is_stable():
    verdict = check.gd_contraction(lambda H, lr: 0.0)
    assert not verdict.ok and "[0, 1)" in verdict.message


# ----------------------------------------------------------------------------
# heavy_ball_rate
# ----------------------------------------------------------------------------
def heavy_ball_quadratic_formula(lam, lr, beta):
    a = 1 + beta - lr * lam
    disc = cmath.sqrt(a * a - 4 * beta)
    return max(abs((a + disc) / 2), abs((a - disc) / 2))


def test_heavy_ball_rate_accepts_the_roots_of_the_characteristic_polynomial():
    assert check.heavy_ball_rate(heavy_ball_quadratic_formula).ok


def test_heavy_ball_rate_at_polyak_tuning_is_the_accelerated_rate():
    # independent sanity check of the oracle: kappa = 25, lr = 4/(sqrt(L)+sqrt(mu))^2,
    # beta = ((sqrt(kappa)-1)/(sqrt(kappa)+1))^2 gives (sqrt(kappa)-1)/(sqrt(kappa)+1) = 2/3
    for lam in (1.0, 25.0, 10.0):
        assert heavy_ball_quadratic_formula(lam, 1 / 9, 4 / 9) == pytest.approx(2 / 3)


@pytest.mark.parametrize("wrong", [
    lambda lam, lr, beta: beta ** 0.5,                                    # complex case only
    lambda lam, lr, beta: abs(1 - lr * lam),                               # ignores momentum
    lambda lam, lr, beta: abs((1 + beta - lr * lam) / 2),                  # half the trace
])
def test_heavy_ball_rate_rejects_typical_mistakes(wrong):
    assert not check.heavy_ball_rate(wrong).ok


def test_heavy_ball_rate_reports_nan_from_a_real_square_root():
    def real_sqrt(lam, lr, beta):
        a = 1 + beta - lr * lam
        with np.errstate(invalid="ignore"):
            d = np.sqrt(a * a - 4 * beta)
        return float(max(abs(a + d), abs(a - d)) / 2)

    verdict = check.heavy_ball_rate(real_sqrt)
    assert not verdict.ok and "nan" in verdict.message and "complex roots" in verdict.message


# ----------------------------------------------------------------------------
# adam_step
# ----------------------------------------------------------------------------
def adam_via_lecture_kit(theta, g, m, v, t, lr, betas, eps):
    opt = optim.adam(lr=lr, betas=betas, eps=eps)
    state = optim.AdamState(step=t - 1, exp_avg=m, exp_avg_sq=v, max_exp_avg_sq=None)
    new_theta, new_state = opt.step(theta, g, state)
    return new_theta, new_state.exp_avg, new_state.exp_avg_sq


def test_adam_step_accepts_lecture_kits_adam():
    assert check.adam_step(adam_via_lecture_kit).ok


def test_adam_step_rejects_a_missing_bias_correction():
    def no_correction(theta, g, m, v, t, lr, betas, eps):
        b1, b2 = betas
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        return theta - lr * m / (np.sqrt(v) + eps), m, v

    verdict = check.adam_step(no_correction)
    assert not verdict.ok and "theta is wrong" in verdict.message


def test_adam_step_rejects_eps_inside_the_square_root():
    def eps_inside(theta, g, m, v, t, lr, betas, eps):
        b1, b2 = betas
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        return theta - lr * (m / (1 - b1**t)) / np.sqrt(v / (1 - b2**t) + eps), m, v

    assert not check.adam_step(eps_inside).ok


def test_adam_step_rejects_swapped_betas_at_the_moving_average():
    def swapped(theta, g, m, v, t, lr, betas, eps):
        return adam_via_lecture_kit(theta, g, m, v, t, lr, betas[::-1], eps)

    verdict = check.adam_step(swapped)
    assert not verdict.ok and "m is wrong" in verdict.message


def test_adam_step_requires_a_triple():
    verdict = check.adam_step(lambda *args: adam_via_lecture_kit(*args)[:2])
    assert not verdict.ok and "triple" in verdict.message
