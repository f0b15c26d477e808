"""Specification of lecture_kit.optim.

Oracles: 100-step PyTorch trajectories of every optimizer configuration on an
ill-conditioned, non-quadratic function (tests/fixtures/torch_optim.npz, made by
make_torch_losses_optim.py; its gradient is written here analytically and
checked against autograd in the fixture), and analytic identities (the EMA form
of momentum equals PyTorch's form after rescaling the learning rate; Nesterov
equals the look-ahead form; closed-form first steps).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from lecture_kit import optim

FIXTURE = np.load(Path(__file__).parent / "fixtures" / "torch_optim.npz")
META = json.loads(str(FIXTURE["meta"]))
C = FIXTURE["function/c"]
X0 = FIXTURE["function/x0"]
STEPS = FIXTURE[f"f64/{next(iter(META))}"].shape[0] - 1


def grad_f(w):
    """Gradient of f(w) = sum_i c_i log cosh(w_i) + (w_0 w_1)^2 / 2."""
    g = C.astype(w.dtype) * np.tanh(w)
    g[0] += w[0] * w[1] ** 2
    g[1] += w[0] ** 2 * w[1]
    return g


def build(key):
    m = META[key]
    kwargs = dict(m["kwargs"])
    if "betas" in kwargs:
        kwargs["betas"] = tuple(kwargs["betas"])
    return optim.get(m["optimizer"], **kwargs)


def test_analytic_gradient_matches_the_fixtures_autograd():
    np.testing.assert_allclose(grad_f(X0), FIXTURE["function/grad_x0"], rtol=1e-15)


def test_fixture_covers_every_optimizer_and_every_option():
    assert {m["optimizer"] for m in META.values()} == set(optim.names())
    for name in optim.names():
        defaults = optim.get(name, **({"lr": 0.1} if name in ("sgd", "momentum_ema") else {}))
        toggled = set()
        for m in META.values():
            if m["optimizer"] == name:
                toggled |= {k for k, v in m["kwargs"].items()
                            if k != "lr" and v != defaults.hyperparams.get(k)}
        options = set(defaults.hyperparams) - {"lr"}
        if name == "momentum_ema":
            options -= {"beta"}  # the mapping onto SGD is checked for one beta below
        assert options <= toggled, f"{name}: options never toggled: {options - toggled}"


@pytest.mark.parametrize("key", list(META))
def test_100_step_trajectory_matches_pytorch_float64(key):
    path = optim.trajectory(build(key), grad_f, X0, STEPS)
    expected = FIXTURE[f"f64/{key}"]
    assert path.shape == expected.shape == (STEPS + 1, X0.size)
    np.testing.assert_allclose(path, expected, rtol=1e-9, atol=1e-12, err_msg=key)
    # the run is not trivial: the iterates moved
    assert np.max(np.abs(path[-1] - path[0])) > 1e-3


F32_KEYS = sorted(k.split("/", 1)[1] for k in FIXTURE.files if k.startswith("f32/"))


@pytest.mark.parametrize("key", F32_KEYS)
def test_float32_trajectory_stays_float32_and_follows_pytorch(key):
    path = optim.trajectory(build(key), grad_f, X0.astype(np.float32), STEPS)
    assert path.dtype == np.float32
    np.testing.assert_allclose(path, FIXTURE[f"f32/{key}"], rtol=2e-3, atol=2e-4, err_msg=key)


def test_momentum_ema_is_sgd_momentum_with_rescaled_learning_rate():
    # analytic oracle: v_t = (1 - beta) b_t, so lr * v_t = (lr (1 - beta)) * b_t
    lr, beta = 0.04, 0.9
    ema = optim.trajectory(optim.momentum_ema(lr=lr, beta=beta), grad_f, X0, STEPS)
    sgd = optim.trajectory(optim.sgd(lr=lr * (1 - beta), momentum=beta), grad_f, X0, STEPS)
    np.testing.assert_allclose(ema, sgd, rtol=1e-12, atol=1e-14)
    # ... and dampening = beta is *not* the same thing (PyTorch's first step is undamped)
    damp = optim.trajectory(optim.sgd(lr=lr, momentum=beta, dampening=beta), grad_f, X0, 2)
    assert not np.allclose(damp[1], ema[1])


def test_nesterov_equals_the_look_ahead_form():
    # seeds: v_t = mu v - eps grad(theta + mu v), theta_t = theta + v_t;
    # PyTorch's iterate is the look-ahead point theta + mu v
    mu, eps = 0.9, 0.004
    theta, v = X0.copy(), np.zeros_like(X0)
    look = [theta + mu * v]
    for _ in range(STEPS):
        v = mu * v - eps * grad_f(theta + mu * v)
        theta = theta + v
        look.append(theta + mu * v)
    path = optim.trajectory(optim.sgd(lr=eps, momentum=mu, nesterov=True), grad_f, X0, STEPS)
    np.testing.assert_allclose(path, np.array(look), rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("opt, expected", [
    (optim.sgd(lr=0.1), X0 - 0.1 * grad_f(X0)),
    (optim.adam(lr=0.1), X0 - 0.1 * np.sign(grad_f(X0)) * np.abs(grad_f(X0))
     / (np.abs(grad_f(X0)) + 1e-8)),
    (optim.adagrad(lr=0.1), X0 - 0.1 * grad_f(X0) / (np.abs(grad_f(X0)) + 1e-10)),
    (optim.rmsprop(lr=0.1), X0 - 0.1 * grad_f(X0) / (np.sqrt(0.01) * np.abs(grad_f(X0)) + 1e-8)),
    (optim.adadelta(), X0 - np.sqrt(1e-6) * grad_f(X0) / np.sqrt(0.1 * grad_f(X0) ** 2 + 1e-6)),
])
def test_first_step_closed_forms(opt, expected):
    w, _ = opt.step(X0, grad_f(X0), opt.init(X0))
    np.testing.assert_allclose(w, expected, rtol=1e-13, atol=1e-15)  # w_0 cancels to ~1e-9


# ----------------------------------------------------------------------------
# purity, state, shapes
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("key", list(META))
def test_step_never_mutates_its_inputs(key):
    opt = build(key)
    w = X0.copy()
    state = opt.init(w)
    for _ in range(3):  # buffers exist from step 1 on
        w, state = opt.step(w, grad_f(w), state)
    g = grad_f(w)
    snapshot = [w.copy(), g.copy()] + [None if b is None else np.copy(b) for b in state]
    new_w, new_state = opt.step(w, g, state)
    np.testing.assert_array_equal(w, snapshot[0])
    np.testing.assert_array_equal(g, snapshot[1])
    for old, b in zip(snapshot[2:], state):
        if old is not None:
            np.testing.assert_array_equal(b, old)
    assert new_state.step == state.step + 1
    assert not np.shares_memory(new_w, w) and not np.shares_memory(new_w, g)
    for b in new_state[1:]:
        if isinstance(b, np.ndarray):
            assert not any(np.shares_memory(b, old) for old in snapshot[2:] if old is not None)
    # the same inputs give the same result: step is a function
    again_w, _ = opt.step(w, g, state)
    np.testing.assert_array_equal(again_w, new_w)


@pytest.mark.parametrize("name", optim.names())
def test_state_is_a_printable_named_tuple_starting_at_step_0(name):
    opt = optim.get(name, lr=0.1)
    state = opt.init(np.zeros(3))
    assert isinstance(state, tuple) and hasattr(state, "_fields") and state._fields[0] == "step"
    assert state.step == 0
    text = repr(state)
    assert text.startswith(type(state).__name__ + "(step=0")


@pytest.mark.parametrize("steps", [0, 1, 7])
def test_trajectory_shape_and_first_row(steps):
    x0 = np.arange(6.0).reshape(2, 3)
    path = optim.trajectory(optim.adam(lr=0.1), lambda x: 2 * x, x0, steps)
    assert path.shape == (steps + 1, 2, 3)
    np.testing.assert_array_equal(path[0], x0)
    np.testing.assert_array_equal(x0, np.arange(6.0).reshape(2, 3))  # x0 not modified


def test_trajectory_validates_its_arguments():
    with pytest.raises(ValueError, match="steps"):
        optim.trajectory(optim.sgd(lr=0.1), lambda x: x, np.zeros(2), -1)
    with pytest.raises(TypeError):
        optim.trajectory(optim.sgd(lr=0.1), lambda x: x, np.zeros(2), 2.5)
    with pytest.raises(TypeError):
        optim.trajectory("adam", lambda x: x, np.zeros(2), 2)


@pytest.mark.parametrize("name", optim.names())
def test_grads_of_another_shape_raise_value_error_naming_both(name):
    opt = optim.get(name, lr=0.1)
    w = np.zeros((4, 1))
    with pytest.raises(ValueError, match=r"\(4, 1\).*\(4,\)"):
        opt.step(w, np.zeros(4), opt.init(w))


def test_trees_of_parameters_are_updated_leaf_by_leaf():
    params = {"W": np.ones((2, 2)), "b": np.zeros(2)}
    grads = {"W": np.full((2, 2), 0.5), "b": np.ones(2)}
    opt = optim.sgd(lr=0.1, momentum=0.9)
    new, state = opt.step(params, grads, opt.init(params))
    np.testing.assert_allclose(new["W"], 0.95)
    np.testing.assert_allclose(new["b"], -0.1)
    with pytest.raises(ValueError, match="structure"):
        opt.step(params, {"W": grads["W"]}, state)


def test_float16_and_integer_parameters():
    opt = optim.adam(lr=0.1)
    w16 = np.ones(3, dtype=np.float16)
    new, state = opt.step(w16, np.ones(3, dtype=np.float16), opt.init(w16))
    assert new.dtype == np.float16
    wi = np.array([1, 2, 3])
    new, _ = opt.step(wi, np.ones(3), opt.init(wi))
    assert new.dtype == np.float64


def test_nan_gradient_propagates():
    opt = optim.adam(lr=0.1)
    w, _ = opt.step(np.zeros(2), np.array([np.nan, 1.0]), opt.init(np.zeros(2)))
    assert np.isnan(w[0]) and np.isfinite(w[1])


# ----------------------------------------------------------------------------
# hyper-parameters: PyTorch's ValueErrors
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("factory, kwargs, match", [
    (optim.sgd, dict(lr=-0.1), "learning rate"),
    (optim.sgd, dict(lr=0.1, momentum=-0.5), "momentum"),
    (optim.sgd, dict(lr=0.1, weight_decay=-1.0), "weight_decay"),
    (optim.sgd, dict(lr=0.1, nesterov=True), "Nesterov"),
    (optim.sgd, dict(lr=0.1, momentum=0.9, dampening=0.1, nesterov=True), "Nesterov"),
    (optim.momentum_ema, dict(lr=-1.0), "learning rate"),
    (optim.momentum_ema, dict(lr=0.1, beta=1.0), "beta"),
    (optim.momentum_ema, dict(lr=0.1, beta=-0.1), "beta"),
    (optim.adagrad, dict(lr=-0.1), "learning rate"),
    (optim.adagrad, dict(lr_decay=-0.1), "lr_decay"),
    (optim.adagrad, dict(initial_accumulator_value=-1.0), "initial_accumulator_value"),
    (optim.adagrad, dict(eps=-1e-10), "epsilon"),
    (optim.adagrad, dict(weight_decay=-1.0), "weight_decay"),
    (optim.rmsprop, dict(lr=-0.1), "learning rate"),
    (optim.rmsprop, dict(alpha=-0.1), "alpha"),
    (optim.rmsprop, dict(eps=-1.0), "epsilon"),
    (optim.rmsprop, dict(momentum=-0.1), "momentum"),
    (optim.rmsprop, dict(weight_decay=-0.1), "weight_decay"),
    (optim.adadelta, dict(lr=-1.0), "learning rate"),
    (optim.adadelta, dict(rho=1.5), "rho"),
    (optim.adadelta, dict(rho=-0.1), "rho"),
    (optim.adadelta, dict(eps=-1.0), "epsilon"),
    (optim.adadelta, dict(weight_decay=-1.0), "weight_decay"),
    (optim.adam, dict(lr=-1e-3), "learning rate"),
    (optim.adam, dict(betas=(1.0, 0.999)), "beta parameter at index 0"),
    (optim.adam, dict(betas=(0.9, -0.1)), "beta parameter at index 1"),
    (optim.adam, dict(eps=-1e-8), "epsilon"),
    (optim.adam, dict(weight_decay=-1e-2), "weight_decay"),
    (optim.adamw, dict(betas=(0.9, 1.0)), "beta parameter at index 1"),
    (optim.adam, dict(lr=float("nan")), "learning rate"),
])
def test_invalid_hyper_parameters_raise_value_error_like_pytorch(factory, kwargs, match):
    with pytest.raises(ValueError, match=match):
        factory(**kwargs)


@pytest.mark.parametrize("call", [
    lambda: optim.sgd(lr="0.1"), lambda: optim.sgd(lr=0.1, nesterov=1),
    lambda: optim.adam(betas=0.9), lambda: optim.rmsprop(centered="yes"),
    lambda: optim.adam(amsgrad=None),
])
def test_non_numeric_hyper_parameters_raise_type_error(call):
    with pytest.raises(TypeError):
        call()


def test_unknown_optimizer_lists_the_known_ones():
    with pytest.raises(ValueError, match="sgd.*adam"):
        optim.get("lion")


def test_a_state_from_another_optimizer_is_refused():
    w = np.zeros(2)
    with pytest.raises(TypeError, match="AdamState"):
        optim.adam().step(w, w, optim.sgd(lr=0.1).init(w))


@pytest.mark.parametrize("name", optim.names())
def test_pytorch_defaults(name):
    expected = {
        "sgd": dict(lr=1e-3, momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0),
        "momentum_ema": dict(lr=0.1, beta=0.9),
        "adagrad": dict(lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0,
                        eps=1e-10),
        "rmsprop": dict(lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                        centered=False),
        "adadelta": dict(lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0),
        "adam": dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False),
        "adamw": dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False),
    }[name]
    opt = optim.get(name, lr=0.1) if name == "momentum_ema" else optim.get(name)
    assert opt.hyperparams == expected


# ----------------------------------------------------------------------------
# one validation rule: hyper-parameters are finite real numbers
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("make", [
    lambda: optim.sgd(lr=math.inf),
    lambda: optim.sgd(lr=math.nan),
    lambda: optim.sgd(lr=0.1, dampening=math.nan),
    lambda: optim.sgd(lr=0.1, dampening=math.inf),
    lambda: optim.sgd(lr=0.1, momentum=math.inf),
    lambda: optim.adam(eps=math.inf),
    lambda: optim.rmsprop(weight_decay=math.nan),
])
def test_non_finite_hyperparameters_are_refused(make):
    with pytest.raises(ValueError, match="finite|>= 0"):
        make()


def test_unknown_hyperparameter_is_a_named_value_error():
    with pytest.raises(ValueError, match="Unknown parameter.*momentun.*sgd"):
        optim.get("sgd", lr=0.1, momentun=0.9)
    with pytest.raises(ValueError, match="did you mean 'adam'"):
        optim.get("adma")


# ----------------------------------------------------------------------------
# Adam's epsilon: Keras's eps-hat before the bias correction vs PyTorch's eps
# ----------------------------------------------------------------------------
def _keras_adam_steps(w0, grad, lr, b1, b2, eps_hat, steps):
    """The TF/Keras ordering (Kingma & Ba, section 2), written out independently."""
    w, m, v, states = w0.copy(), np.zeros_like(w0), np.zeros_like(w0), []
    for t in range(1, steps + 1):
        states.append((w.copy(), m.copy(), v.copy()))
        g = grad(w)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        lr_t = lr * math.sqrt(1 - b2**t) / (1 - b1**t)
        w = w - lr_t * m / (np.sqrt(v) + eps_hat)
        states[-1] += (w.copy(),)
    return states


def test_adam_eps_docstring_keras_eps_hat_is_torch_eps_over_sqrt_bias_correction():
    lr, b1, b2, eps_hat = 0.05, 0.9, 0.999, 1e-3  # a large eps-hat makes the difference visible
    grad = lambda w: np.array([2e-3, -5e-4, 1e-2]) * (w - 1.0) ** 3 + 1e-4  # small gradients
    states = _keras_adam_steps(np.array([3.0, -2.0, 0.5]), grad, lr, b1, b2, eps_hat, 50)
    naive_gap = 0.0
    for t, (w, m, v, w_keras) in enumerate(states, start=1):
        state = optim.AdamState(step=t - 1, exp_avg=m, exp_avg_sq=v, max_exp_avg_sq=None)
        # the docstring's rule: PyTorch's eps = eps_hat / sqrt(1 - beta2^t)
        opt = optim.adam(lr=lr, betas=(b1, b2), eps=eps_hat / math.sqrt(1 - b2**t))
        w_torch, _ = opt.step(w, grad(w), state)
        np.testing.assert_allclose(w_torch, w_keras, rtol=1e-12, atol=1e-15)
        # the inverted sentence (eps = eps_hat * sqrt(1 - beta2^t)) would be wrong
        wrong = optim.adam(lr=lr, betas=(b1, b2), eps=eps_hat * math.sqrt(1 - b2**t))
        naive_gap = max(naive_gap, float(np.max(np.abs(wrong.step(w, grad(w), state)[0] - w_keras))))
    assert naive_gap > 1e-4
    assert 1 / math.sqrt(1 - b2) == pytest.approx(31.62, abs=0.01)  # the factor at t = 1


# ----------------------------------------------------------------------------
# the opt-in in-place step_: the numbers of step, written into the inputs
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("key", list(META))
def test_in_place_step_gives_exactly_the_numbers_of_step(key, dtype):
    opt = build(key)
    w_pure = X0.astype(dtype)
    w_in = w_pure.copy()
    s_pure, s_in = opt.init(w_pure), opt.init(w_in)
    for k in range(5):
        g = grad_f(w_pure)
        g_copy = g.copy()
        w_pure, s_pure = opt.step(w_pure, g, s_pure)
        old_w, old_bufs = w_in, list(s_in[1:])
        w_in, s_in = opt.step_(w_in, g, s_in)
        np.testing.assert_array_equal(g, g_copy)            # grads are only read
        assert w_in is old_w                                 # the same array, updated
        np.testing.assert_array_equal(w_in, w_pure)          # bit for bit
        assert s_in.step == s_pure.step == k + 1
        for b_in, b_pure, b_old in zip(s_in[1:], s_pure[1:], old_bufs):
            assert (b_in is None) == (b_pure is None)
            if b_in is not None:
                np.testing.assert_array_equal(b_in, b_pure)
                assert b_in.dtype == np.dtype(dtype)
                if b_old is not None:
                    assert b_in is b_old                     # buffers updated in place
    assert np.max(np.abs(w_in - X0)) > 1e-4


def test_in_place_step_updates_every_leaf_of_a_tree():
    params = {"W": np.ones((2, 2)), "b": np.zeros(2)}
    grads = {"W": np.full((2, 2), 0.5), "b": np.ones(2)}
    W, b = params["W"], params["b"]
    opt = optim.adam(lr=0.1)
    expected, _ = opt.step(params, grads, opt.init(params))
    new, state = opt.step_(params, grads, opt.init(params))
    assert new["W"] is W and new["b"] is b
    np.testing.assert_array_equal(W, expected["W"])
    np.testing.assert_array_equal(b, expected["b"])


@pytest.mark.parametrize("params, match", [
    ([1.0, 2.0], "list"),
    (np.ones(2, dtype=np.float16), "float16"),
    (np.ones(2, dtype=np.int64), "int64"),
])
def test_in_place_step_refuses_params_it_cannot_update_in_place(params, match):
    opt = optim.sgd(lr=0.1)
    with pytest.raises(TypeError, match=match):
        opt.step_(params, np.ones(2), opt.init(params))


def test_in_place_step_refuses_read_only_params_aliased_grads_and_foreign_buffers():
    opt = optim.adam(lr=0.1)
    w = np.ones(3)
    w.flags.writeable = False
    with pytest.raises(TypeError, match="read-only"):
        opt.step_(w, np.ones(3), opt.init(w))
    w = np.ones(3)
    state = opt.init(w)
    with pytest.raises(ValueError, match="shares memory"):
        opt.step_(w, w, state)
    with pytest.raises(ValueError, match="shares memory"):
        opt.step_(w, state.exp_avg, state)
    state32 = state._replace(exp_avg=state.exp_avg.astype(np.float32))
    with pytest.raises(TypeError, match="exp_avg"):
        opt.step_(w, np.ones(3), state32)
    np.testing.assert_array_equal(w, 1.0)  # nothing was written before the refusals


def test_in_place_step_of_an_optimizer_whose_update_returns_new_arrays():
    # a contributor's update_leaf(p, g, bufs, t) returning new arrays: step_ copies them in
    from typing import Any, NamedTuple

    class SignState(NamedTuple):
        step: int
        m: Any

    def update_leaf(p, g, bufs, t):
        (m,) = bufs
        m = 0.5 * m + g
        return p - 0.1 * np.sign(m), (m,)

    opt = optim.Optimizer("sign_test", {}, "", SignState, lambda p: (np.zeros_like(p),),
                          update_leaf)
    w = np.array([1.0, -1.0])
    state = opt.init(w)
    m = state.m
    w2, state2 = opt.step_(w, np.array([2.0, -3.0]), state)
    assert w2 is w and state2.m is m
    np.testing.assert_array_equal(w, [0.9, -0.9])
    np.testing.assert_array_equal(m, [2.0, -3.0])


@pytest.mark.parametrize("name", optim.names())
def test_scalar_parameters_and_non_contiguous_views(name):
    # the fused updates write with out=: a NumPy scalar or a 0-d array must still work
    opt = optim.get(name, lr=0.1)
    for x in (np.float64(1.5), np.array(1.5)):
        w, state = x, opt.init(x)
        for _ in range(3):
            w, state = opt.step(w, np.float64(0.3), state)
        assert np.ndim(w) == 0 and np.isfinite(w) and w != 1.5
    # a strided view updated in place follows the pure step exactly
    base = np.arange(1.0, 13.0).reshape(3, 4)
    view = base[:, ::2]
    pure, s_pure, s_in = view.copy(), opt.init(view), opt.init(view)
    for _ in range(3):
        pure, s_pure = opt.step(pure, np.cos(pure), s_pure)
        _, s_in = opt.step_(view, np.cos(view), s_in)
    np.testing.assert_array_equal(view, pure)
    np.testing.assert_array_equal(base[:, 1::2], np.arange(1.0, 13.0).reshape(3, 4)[:, 1::2])


def test_in_place_step_checks_every_leaf_before_writing_any():
    opt = optim.adam(lr=0.1)
    params = {"W": np.ones(2), "b": np.ones(2, dtype=np.float16)}   # "b" cannot be updated in place
    state = opt.init({"W": np.ones(2), "b": np.ones(2)})
    with pytest.raises(TypeError, match=r"params\['b'\]"):
        opt.step_(params, {"W": np.ones(2), "b": np.ones(2)}, state)
    np.testing.assert_array_equal(params["W"], 1.0)                  # leaf "W" untouched
    params = {"W": np.ones(2), "b": np.ones(2)}
    with pytest.raises(ValueError, match=r"grads\['W'\] shares memory"):
        opt.step_(params, {"W": params["b"], "b": np.ones(2)}, opt.init(params))
    np.testing.assert_array_equal(params["b"], 1.0)
