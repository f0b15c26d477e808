"""The self-check of the gradient-clipping exercise accepts a correct answer and
rejects each plausible wrong one, with a hint that does not give the answer away."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lecture_kit import check, optim


def robust(grads, max_norm):
    scale_ref = max((float(np.max(np.abs(g))) for g in grads if g.size), default=0.0)
    if scale_ref == 0.0:
        return [g.copy() for g in grads], 0.0
    total = scale_ref * math.sqrt(sum(float(np.sum((g / scale_ref) ** 2)) for g in grads))
    factor = min(1.0, max_norm / total)
    return [(g * factor).astype(g.dtype) for g in grads], total


def naive_norm(grads):
    return float(np.sqrt(sum(np.sum(g.astype(float) ** 2) for g in grads)))


def overflowing(grads, max_norm):
    n = naive_norm(grads)
    s = min(1.0, max_norm / n) if n > 0 else 1.0
    return [g * s for g in grads], n


def per_array(grads, max_norm):
    out = []
    for g in grads:
        n = robust([g], max_norm)[1]
        out.append(g * min(1.0, max_norm / n) if n > 0 else g.copy())
    return out, robust(grads, max_norm)[1]


def always_rescale(grads, max_norm):
    n = robust(grads, max_norm)[1]
    return [g * (max_norm / n) if n > 0 else g.copy() for g in grads], n


def in_place(grads, max_norm):
    clipped, n = robust(grads, max_norm)
    for g, c in zip(grads, clipped):
        g[...] = c
    return grads, n


def norm_after(grads, max_norm):
    clipped, _ = robust(grads, max_norm)
    return clipped, robust(clipped, max_norm)[1]


def torch_eps(grads, max_norm):
    n = robust(grads, max_norm)[1]
    s = min(1.0, max_norm / (n + 1e-6))
    return [(g * s).astype(g.dtype) for g in grads], n


def upcast(grads, max_norm):
    clipped, n = robust(grads, max_norm)
    return [c.astype(np.float64) for c in clipped], n


WRONG = [overflowing, per_array, always_rescale, in_place, norm_after, torch_eps, upcast]


def test_a_correct_answer_is_accepted():
    assert check.clip_by_global_norm(robust).ok


@pytest.mark.parametrize("answer", WRONG, ids=lambda f: f.__name__)
def test_each_wrong_answer_is_rejected_without_giving_the_formula(answer):
    verdict = check.clip_by_global_norm(answer)
    assert not verdict.ok
    assert "not yet" in str(verdict)
    for giveaway in ("max_norm / norm", "max_norm/norm", "min(1", "hypot", "/ scale", "1e-6"):
        assert giveaway not in verdict.message


def test_a_stub_is_told_to_replace_the_stub():
    def stub(grads, max_norm):
        raise NotImplementedError()
    assert "NotImplementedError" in check.clip_by_global_norm(stub).message


# ----------------------------------------------------------------------------
# adamw_update: the reference is written in the test independently (PyTorch's
# documented algorithm), and checked against lecture_kit.optim.adamw, itself
# checked against PyTorch trajectories in test_optim.py.
# ----------------------------------------------------------------------------
def adamw_ok(theta, g, m, v, t, lr, betas, eps, wd):
    theta = theta * (1 - lr * wd)
    m = betas[0] * m + (1 - betas[0]) * g
    v = betas[1] * v + (1 - betas[1]) * g * g
    return theta - lr * (m / (1 - betas[0] ** t)) / (np.sqrt(v / (1 - betas[1] ** t)) + eps), m, v


def adamw_l2(theta, g, m, v, t, lr, betas, eps, wd):
    return adamw_ok(theta, g + wd * theta, m, v, t, lr, betas, eps, 0.0)


def adamw_decay_after(theta, g, m, v, t, lr, betas, eps, wd):
    new, m, v = adamw_ok(theta, g, m, v, t, lr, betas, eps, 0.0)
    return new * (1 - lr * wd), m, v


def adamw_no_lr_in_decay(theta, g, m, v, t, lr, betas, eps, wd):
    return adamw_ok(theta * (1 - wd) / (1 - lr * wd), g, m, v, t, lr, betas, eps, wd)


def adamw_eps_inside(theta, g, m, v, t, lr, betas, eps, wd):
    theta = theta * (1 - lr * wd)
    m = betas[0] * m + (1 - betas[0]) * g
    v = betas[1] * v + (1 - betas[1]) * g * g
    return theta - lr * (m / (1 - betas[0] ** t)) / np.sqrt(v / (1 - betas[1] ** t) + eps), m, v


def adamw_no_bias_correction(theta, g, m, v, t, lr, betas, eps, wd):
    return adamw_ok(theta, g, m, v, 10 ** 9, lr, betas, eps, wd)


def adamw_t_off_by_one(theta, g, m, v, t, lr, betas, eps, wd):
    return adamw_ok(theta, g, m, v, t + 1, lr, betas, eps, wd)


def adamw_in_place(theta, g, m, v, t, lr, betas, eps, wd):
    new, m2, v2 = adamw_ok(theta, g, m, v, t, lr, betas, eps, wd)
    theta[...], m[...], v[...] = new, m2, v2
    return theta, m, v


ADAMW_WRONG = [adamw_l2, adamw_decay_after, adamw_no_lr_in_decay, adamw_eps_inside,
               adamw_no_bias_correction, adamw_t_off_by_one, adamw_in_place]


def test_adamw_reference_agrees_with_the_package_optimizer():
    rng = np.random.default_rng(0)
    theta, opt = rng.normal(size=4), optim.adamw(lr=0.1, betas=(0.8, 0.99), eps=1e-6,
                                                 weight_decay=0.3)
    state, m, v, mine = opt.init(theta), np.zeros(4), np.zeros(4), theta.copy()
    for t in range(1, 6):
        g = rng.normal(size=4)
        theta, state = opt.step(theta, g, state)
        mine, m, v = adamw_ok(mine, g, m, v, t, 0.1, (0.8, 0.99), 1e-6, 0.3)
    np.testing.assert_allclose(mine, theta, rtol=1e-13)


def test_adamw_check_accepts_the_right_step():
    assert check.adamw_update(adamw_ok).ok


@pytest.mark.parametrize("answer", ADAMW_WRONG, ids=lambda f: f.__name__)
def test_adamw_check_rejects_each_wrong_step_without_the_formula(answer):
    verdict = check.adamw_update(answer)
    assert not verdict.ok and "not yet" in str(verdict)
    for giveaway in ("1 - lr", "(1 - lr * weight_decay)", "sqrt(v_hat) + eps", "b1 ** t"):
        assert giveaway not in verdict.message
