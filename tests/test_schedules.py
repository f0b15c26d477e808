"""Specification of lecture_kit.schedules and lecture_kit.clipping.

Oracles: the learning rates and scheduled trajectories that torch.optim and
torch.optim.lr_scheduler produce (tests/fixtures/torch_schedules.npz, made by
make_torch_schedules.py), PyTorch's clip_grad_norm_ / clip_grad_value_ on the
same inputs, and analytic facts (a clipped gradient keeps its direction; the
sum of a geometric series; Robbins–Monro for 1/t).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from lecture_kit import clipping, optim, schedules

FIXTURE = np.load(Path(__file__).parent / "fixtures" / "torch_schedules.npz")
META = json.loads(str(FIXTURE["meta"]))


def build(key):
    m = META["schedules"][key]
    return getattr(schedules, m["factory"])(**m["kwargs"])


# ----------------------------------------------------------------------------
# schedules against torch.optim.lr_scheduler
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("key", sorted(META["schedules"]))
def test_schedule_matches_torch_lr_scheduler(key):
    expected = FIXTURE[f"sched/{key}"]
    got = schedules.values(build(key), len(expected))
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)


def test_fixture_covers_every_schedule_factory():
    factories = {m["factory"] for m in META["schedules"].values()}
    builders = {n for n in schedules.__all__
                if n not in ("Schedule", "values", "robbins_monro", "ScheduledOptimizer",
                             "noise_floor", "noisy_quadratic",
                             "scheduled", "constant", "sequential")}
    assert builders <= factories


OPT_NAMES = {"SGD": "sgd", "Adam": "adam", "AdamW": "adamw", "RMSprop": "rmsprop"}


def grad_f(w):
    """Gradient of f(w) = sum c_i w_i^2 / 2 + sum sin(w_i) (the fixture's function)."""
    return FIXTURE["traj/c"] * w + np.cos(w)


@pytest.mark.parametrize("key", sorted(META["trajectories"]))
def test_scheduled_optimizer_follows_torch_trajectory(key):
    m = META["trajectories"][key]
    kwargs = dict(m["kwargs"])
    if "betas" in kwargs:
        kwargs["betas"] = tuple(kwargs["betas"])
    opt = schedules.scheduled(optim.get(OPT_NAMES[m["optimizer"]], lr=0.5, **kwargs),
                              build(m["schedule"]))
    expected = FIXTURE[f"traj/{key}"]
    w = FIXTURE["traj/x0"].copy()
    state = opt.init(w)
    path = [w]
    for _ in range(len(expected) - 1):
        w, state = opt.step(w, grad_f(w), state)
        path.append(w)
    np.testing.assert_allclose(np.array(path), expected, rtol=1e-10, atol=1e-12)


def test_scheduled_step_is_pure_and_uses_the_schedule_of_the_state_step():
    w = np.array([1.0, -2.0])
    g = np.array([0.5, 0.5])
    sched = schedules.exponential(1.0, gamma=0.5)
    opt = schedules.scheduled(optim.sgd(lr=123.0), sched)
    state = opt.init(w)
    w_copy, g_copy = w.copy(), g.copy()
    w1, s1 = opt.step(w, g, state)
    np.testing.assert_array_equal(w, w_copy)
    np.testing.assert_array_equal(g, g_copy)
    np.testing.assert_allclose(w1, w - 1.0 * g)                   # lr(0) = 1, not 123
    w2, _ = opt.step(w1, g, s1)
    np.testing.assert_allclose(w2, w1 - 0.5 * g)                  # lr(1) = 0.5
    assert opt.lr(s1) == 0.5


@pytest.mark.parametrize("name", optim.names())
def test_every_optimizer_composes_with_a_schedule(name):
    """A constant schedule at the optimizer's own lr changes nothing (any optimizer)."""
    base = optim.get(name, lr=0.05)
    wrapped = schedules.scheduled(base, schedules.constant(0.05))
    w = np.array([0.3, -1.2, 2.0])
    a, sa = w, base.init(w)
    b, sb = w, wrapped.init(w)
    for _ in range(5):
        a, sa = base.step(a, np.sin(a) + a, sa)
        b, sb = wrapped.step(b, np.sin(b) + b, sb)
    np.testing.assert_array_equal(a, b)


# ----------------------------------------------------------------------------
# analytic properties
# ----------------------------------------------------------------------------
def test_cosine_without_cycle_holds_eta_min_where_torch_climbs_back():
    torch_lr = FIXTURE["sched/cosine_cycle"]
    held = schedules.values(schedules.cosine(0.5, t_max=25), len(torch_lr))
    np.testing.assert_allclose(held[:26], torch_lr[:26], rtol=1e-12, atol=1e-15)
    assert np.all(held[25:] == 0.0) and np.all(torch_lr[27:50] > 0.0)


def test_exponential_with_gamma_above_one_is_a_ramp():
    ramp = schedules.values(schedules.exponential(1e-4, gamma=10 ** 0.1), 51)
    assert ramp[0] == pytest.approx(1e-4) and ramp[-1] == pytest.approx(10.0, rel=1e-12)


def test_cosine_ends_at_eta_min_and_stays_there():
    s = schedules.cosine(0.3, t_max=40, eta_min=0.02)
    assert s(0) == pytest.approx(0.3)
    assert s(20) == pytest.approx((0.3 + 0.02) / 2)
    assert s(40) == pytest.approx(0.02) and s(400) == pytest.approx(0.02)


def test_warmup_cosine_peaks_at_the_end_of_warmup():
    s = schedules.warmup_cosine(0.1, warmup_steps=10, total_steps=100)
    lr = schedules.values(s, 100)
    assert int(np.argmax(lr)) == 10
    assert np.all(np.diff(lr[:11]) > 0) and np.all(np.diff(lr[10:]) < 0)


def test_inverse_time_meets_robbins_monro_and_the_others_do_not():
    assert schedules.robbins_monro(schedules.inverse_time(0.1, 1.0), 20_000)[3:] == (True, True)
    constant = schedules.robbins_monro(schedules.constant(0.1), 20_000)
    assert constant.sum_lr_growing and not constant.sum_squares_settled
    geometric = schedules.robbins_monro(schedules.exponential(0.1, 0.99), 20_000)
    assert geometric.sum_lr == pytest.approx(0.1 / (1 - 0.99), rel=1e-6)   # geometric series
    assert not geometric.sum_lr_growing


@pytest.mark.parametrize("call, message", [
    (lambda: schedules.step_decay(-0.1, 3), "lr"),
    (lambda: schedules.step_decay(0.1, 0), "step_size"),
    (lambda: schedules.exponential(0.1, gamma=0.0), "gamma"),
    (lambda: schedules.exponential(0.1, gamma=float("inf")), "gamma"),
    (lambda: schedules.step_decay(0.1, 3, gamma=1.5), "gamma"),
    (lambda: schedules.exponential(0.1, gamma=float("nan")), "gamma"),
    (lambda: schedules.cosine(float("inf"), 10), "lr"),
    (lambda: schedules.linear_warmup(0.1, 5, start_factor=0.0), "start_factor"),
    (lambda: schedules.warmup_cosine(0.1, 10, 10), "total_steps"),
    (lambda: schedules.sequential([schedules.constant(1.0)], [3]), "milestone"),
    (lambda: schedules.constant(0.1)(-1), "step"),
])
def test_bad_arguments_are_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize("call", [
    lambda: schedules.step_decay(0.1, 2.5),
    lambda: schedules.constant(0.1)(1.5),
    lambda: schedules.constant("0.1"),
    lambda: schedules.scheduled("adam", schedules.constant(0.1)),
    lambda: schedules.scheduled(optim.adam(), 0.1),
])
def test_wrong_types_raise_type_error(call):
    with pytest.raises(TypeError):
        call()


# ----------------------------------------------------------------------------
# clipping against torch.nn.utils
# ----------------------------------------------------------------------------
NORM_KEYS = sorted(k for k in META["clip"]
                   if k.startswith("clip/norm/") and "/huge/" not in k)


@pytest.mark.parametrize("key", NORM_KEYS)
def test_clip_grad_norm_matches_torch(key):
    m = META["clip"][key]
    grads = [FIXTURE[f"{key}/in{i}"] for i in range(m["n"])]
    before = [g.copy() for g in grads]
    out, total = clipping.clip_grad_norm(grads, m["max_norm"], norm_type=m["norm_type"])
    rtol = 1e-6 if key.endswith("f32") else 1e-12
    assert total == pytest.approx(float(FIXTURE[f"{key}/total"]), rel=rtol)
    for i, g in enumerate(out):
        assert g.dtype == grads[i].dtype
        np.testing.assert_allclose(g, FIXTURE[f"{key}/out{i}"], rtol=rtol, atol=0)
        np.testing.assert_array_equal(grads[i], before[i])         # nothing mutated


def test_clip_grad_norm_is_right_where_torch_overflows():
    """PyTorch squares 1e200 and reports an infinite norm (then zeroes every
    gradient); the norm is finite, so lecture_kit returns it and clips properly."""
    key = "clip/norm/huge/f64"
    grads = [FIXTURE[f"{key}/in{i}"] for i in range(META["clip"][key]["n"])]
    assert math.isinf(float(FIXTURE[f"{key}/total"]))
    out, total = clipping.clip_grad_norm(grads, 1.0)
    exact = math.hypot(*[float(x) for g in grads for x in g])    # hypot never overflows
    assert total == pytest.approx(exact, rel=1e-14)
    assert math.isfinite(total)
    flat = np.concatenate(out)
    assert np.linalg.norm(flat) == pytest.approx(1.0, rel=1e-9)


@pytest.mark.parametrize("tag", ["f64", "f32"])
def test_clip_grad_value_matches_torch(tag):
    key = f"clip/value/{tag}"
    m = META["clip"][key]
    grads = [FIXTURE[f"{key}/in{i}"] for i in range(m["n"])]
    out = clipping.clip_grad_value(grads, m["clip_value"])
    for i, g in enumerate(out):
        assert g.dtype == grads[i].dtype
        np.testing.assert_array_equal(g, FIXTURE[f"{key}/out{i}"])


def test_clipping_by_norm_keeps_the_direction_and_by_value_does_not(rng):
    g = rng.normal(size=20) * 10
    by_norm, _ = clipping.clip_grad_norm(g, 1.0)
    by_value = clipping.clip_grad_value(g, 1.0)
    cos = lambda a, b: a @ b / np.linalg.norm(a) / np.linalg.norm(b)  # noqa: E731
    assert cos(by_norm, g) == pytest.approx(1.0, abs=1e-12)
    assert cos(by_value, g) < 0.999
    assert np.linalg.norm(by_norm) == pytest.approx(1.0, rel=1e-5)


def test_clip_grad_norm_accepts_a_dict_and_float16():
    grads = {"W": np.full((2, 2), 3.0, dtype=np.float16), "b": np.array([4.0, 0.0])}
    out, total = clipping.clip_grad_norm(grads, 1.0)
    assert set(out) == {"W", "b"} and out["W"].dtype == np.float16
    assert total == pytest.approx(math.sqrt(4 * 9 + 16))
    assert float(out["b"][0]) == pytest.approx(4.0 / total, rel=1e-5)


def test_nan_gradient_propagates_and_error_if_nonfinite_raises():
    grads = [np.array([1.0, np.nan]), np.array([2.0])]
    out, total = clipping.clip_grad_norm(grads, 1.0)
    assert math.isnan(total)
    assert np.all(np.isnan(out[0])) and np.all(np.isnan(out[1]))
    with pytest.raises(ValueError, match="nonfinite|total norm"):
        clipping.clip_grad_norm(grads, 1.0, error_if_nonfinite=True)
    assert np.isnan(clipping.clip_grad_value(np.array([np.nan, 5.0]), 1.0)[0])


@pytest.mark.parametrize("call, exc", [
    (lambda: clipping.clip_grad_norm(np.ones(3), -1.0), ValueError),
    (lambda: clipping.clip_grad_norm(np.ones(3), 1.0, norm_type=0), ValueError),
    (lambda: clipping.clip_grad_value(np.ones(3), float("nan")), ValueError),
    (lambda: clipping.clip_grad_value(["a", "b"], 1.0), TypeError),
    (lambda: clipping.clip_grad_norm([np.ones(2), None], 1.0), TypeError),
])
def test_clipping_rejects_bad_input(call, exc):
    with pytest.raises(exc):
        call()


def test_integer_gradients_do_not_wrap():
    g = np.array([200, 100], dtype=np.uint8)
    out = clipping.clip_grad_value(g, 150)
    assert out.dtype == np.float64 and list(out) == [150.0, 100.0]


def test_noise_floor_solves_the_stationary_equation_in_sympy():
    import sympy as sp

    eta, lam, sig, v = sp.symbols("eta lambda sigma v", positive=True)
    v_star = sp.solve(sp.Eq(v, (1 - eta * lam) ** 2 * v + eta**2 * sig**2), v)[0]
    for e, l, s in [(0.1, 1.0, 1.0), (0.01, 3.0, 0.5), (0.5, 2.0, 2.0)]:
        exact = float(v_star.subs({eta: e, lam: l, sig: s}))
        assert schedules.noise_floor(e, l, s) == pytest.approx(exact, rel=1e-12)
    with pytest.raises(ValueError, match="diverges"):
        schedules.noise_floor(2.5, 1.0)


def test_simulated_floor_matches_the_formula_within_sampling_error():
    """Averaged over the last 1000 of 3000 steps and 2000 runs: the relative
    standard error is a few percent, so 10 % is a safe yet failing bound."""
    ms = schedules.noisy_quadratic(schedules.constant(0.2), 3000, runs=2000, rng=1,
                                   curvature=2.0, noise=0.5)
    assert np.mean(ms[-1000:]) == pytest.approx(schedules.noise_floor(0.2, 2.0, 0.5), rel=0.1)


def test_one_over_t_schedule_keeps_decreasing_below_the_constant_floor():
    const = schedules.noisy_quadratic(schedules.constant(0.1), 4000, runs=1000, rng=2)
    inv = schedules.noisy_quadratic(schedules.inverse_time(0.1, 0.1), 4000, runs=1000, rng=2)
    assert inv[-1] < 0.1 * schedules.noise_floor(0.1) < const[-1]
    assert np.mean(inv[3000:]) < np.mean(inv[1000:2000])


def test_noisy_quadratic_divergence_is_inf_without_warnings():
    ms = schedules.noisy_quadratic(schedules.constant(3.0), 2000, runs=10, rng=0)
    assert ms[0] == 9.0 and np.isinf(ms[-1])
