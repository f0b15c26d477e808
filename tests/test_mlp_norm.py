"""Specification of MLP(norm=..., residual=...) and depth_probe(norm=..., residual=...).

Oracles: central finite differences of the loss (in training mode, where batch
norm uses the batch's statistics), the functions of lecture_kit.normalization
(themselves exact against PyTorch fixtures), and analytic facts (a zero-weight
residual ReLU block is the identity; without options the network is unchanged).
"""

from __future__ import annotations

import numpy as np
import pytest

from lecture_kit import normalization, optim
from lecture_kit.mlp import MLP, depth_probe


def fd_gradient(f, x, eps=1e-6):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        up = float(f())
        x[i] = old - eps
        down = float(f())
        x[i] = old
        g[i] = (up - down) / (2 * eps)
    return g


@pytest.mark.parametrize("norm", [None, "batch", "layer"])
@pytest.mark.parametrize("residual", [False, True])
@pytest.mark.parametrize("act", ["tanh", "sigmoid", "elu"])
def test_every_parameter_gradient_matches_finite_differences(norm, residual, act):
    rng = np.random.default_rng(7)
    net = MLP([4, 5, 5, 3], activation=act, init="xavier_normal", rng=1, norm=norm,
              residual=residual)
    for g_, b_ in zip(net.gamma, net.beta):           # move gamma, beta off 1 and 0
        g_ += rng.normal(size=g_.shape) * 0.3
        b_ += rng.normal(size=b_.shape) * 0.3
    X, y = rng.normal(size=(6, 4)), rng.integers(0, 3, 6)
    _, grads = net.gradients(X, y, input_grad=True)
    grads = [g.copy() for g in grads]
    grad_X = net.grad_input.copy()
    for p, g in zip(net.params, grads):
        numeric = fd_gradient(lambda: net.loss(X, y), p)
        np.testing.assert_allclose(g, numeric, rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(grad_X, fd_gradient(lambda: net.loss(X, y), X), rtol=1e-5,
                               atol=1e-8)


def test_params_carry_gamma_and_beta_after_each_hidden_bias():
    net = MLP([3, 4, 4, 2], norm="layer", rng=0)
    shapes = [p.shape for p in net.params]
    assert shapes == [(3, 4), (4,), (4,), (4,), (4, 4), (4,), (4,), (4,), (4, 2), (2,)]
    new = [p + 1.0 for p in net.params]
    net.params = new
    assert np.all(net.gamma[1] == 2.0) and np.all(net.beta[0] == 1.0)


def test_no_option_gives_exactly_the_plain_network():
    X = np.random.default_rng(0).normal(size=(5, 3))
    plain, same = MLP([3, 4, 2], rng=3), MLP([3, 4, 2], rng=3, norm=None, residual=False)
    np.testing.assert_array_equal(plain.forward(X), same.forward(X))
    assert len(same.params) == 4


def test_batch_norm_layer_uses_the_normalization_module_and_tracks_running_stats():
    rng = np.random.default_rng(2)
    net = MLP([3, 6, 2], activation="relu", norm="batch", rng=0)
    X, y = rng.normal(size=(16, 3)) * 3 + 1, rng.integers(0, 2, 16)
    net.forward(X)
    expected, _ = normalization.batch_norm_forward(X @ net.W[0] + net.b[0], net.gamma[0],
                                                   net.beta[0])
    np.testing.assert_allclose(net.z_norm[0], expected)
    state = normalization.batch_norm_init(6)
    _, cache = normalization.batch_norm_forward(X @ net.W[0] + net.b[0])
    expected_running = normalization.update_running_stats(state, cache)
    net.train_step(X, y, optim.sgd(lr=0.0))               # lr 0: only the statistics move
    np.testing.assert_allclose(net.running[0].running_var, expected_running.running_var)
    # evaluation mode normalizes with the running statistics, training mode with the batch
    out_eval = net.forward(X[:2], record=False, training=False)
    z = X[:2] @ net.W[0] + net.b[0]
    h = normalization.batch_norm_eval(z, net.running[0], net.gamma[0], net.beta[0])
    np.testing.assert_allclose(out_eval, np.maximum(h, 0) @ net.W[1] + net.b[1])


def test_a_zero_weight_residual_relu_block_is_the_identity():
    net = MLP([4, 4, 4, 2], activation="relu", residual=True, rng=0)
    assert net.skips == (True, True)
    net.W[1][:] = 0.0
    X = np.random.default_rng(1).normal(size=(3, 4))
    net.forward(X)
    np.testing.assert_array_equal(net.a[1], net.a[0])


def test_residual_skips_only_layers_whose_widths_agree():
    assert MLP([3, 4, 4, 5, 2], residual=True, rng=0).skips == (False, True, False)


@pytest.mark.parametrize("norm, residual", [("batch", False), ("layer", True), (None, True)])
def test_depth_probe_gradient_matches_a_network_with_the_same_options(norm, residual):
    p = depth_probe(depth=4, width=6, activation="tanh", batch=10, rng=0, norm=norm,
                    residual=residual)
    net = MLP([6] * 5 + [6], activation=["tanh"] * 4, rng=0, norm=norm, residual=residual)
    net.W = list(p.weights) + [np.eye(6)]
    net.b = [np.zeros(6) for _ in range(5)]
    # loss = <a_depth, G> / B through an identity read-out
    net.gradients(p.X, None, loss=lambda out, _: (float(np.vdot(out, p.G)) / 10, p.G / 10))
    np.testing.assert_allclose([np.linalg.norm(g) for g in net.grad_W[:4]], p.grad_norm,
                               rtol=1e-10)


def test_batch_norm_keeps_a_deep_tanh_stack_with_tiny_weights_at_unit_scale():
    """Without normalization N(0, 0.01^2) weights shrink the signal 0.08x per layer;
    with it every normalized pre-activation has std sqrt(v / (v + eps)) ~ 1 (the
    1e-5 in the variance costs a few per mille when v is small)."""
    p = depth_probe(depth=30, width=64, activation="tanh", batch=128, rng=0,
                    init="normal", std=0.01, norm="batch")
    np.testing.assert_allclose(p.preact_std, 1.0, rtol=5e-3)
    plain = depth_probe(depth=30, width=64, activation="tanh", batch=128, rng=0,
                        init="normal", std=0.01)
    assert plain.preact_std[-1] < 1e-20


@pytest.mark.parametrize("kwargs, error", [
    ({"norm": "group"}, ValueError),
    ({"norm": 1}, ValueError),
    ({"residual": "yes"}, TypeError),
])
def test_bad_options_are_named(kwargs, error):
    with pytest.raises(error):
        MLP([2, 3, 2], **kwargs)
    with pytest.raises(error):
        depth_probe(depth=2, width=3, batch=4, **kwargs)
