"""Specification of lecture_kit.mlp.

Main oracle: central finite differences in float64, for every registered
activation and every loss. Plus analytic facts about deep random networks
(variance propagation) for the depth probe.
"""

import numpy as np
import pytest

from lecture_kit import activations, data, losses, optim
from lecture_kit.mlp import MLP, depth_probe

ACTIVATIONS = list(activations.names())


# ----------------------------------------------------------------------------
# finite differences (the oracle)
# ----------------------------------------------------------------------------
def fd_gradient(f, x, eps=1e-6):
    """Central differences of a scalar function, perturbing ``x`` in place."""
    g = np.zeros_like(x, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + eps
        up = float(f())
        x[i] = old - eps
        down = float(f())
        x[i] = old
        g[i] = (up - down) / (2 * eps)
    return g


def rel_error(a, b):
    """max |a - b| / max(|a|, |b|, 1e-8), elementwise-max relative error."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    scale = np.maximum(np.maximum(np.abs(a), np.abs(b)), 1e-8)
    return float(np.max(np.abs(a - b) / scale)) if a.size else 0.0


def assert_grads_close(analytic, numeric, rtol=1e-5, atol=1e-8):
    np.testing.assert_allclose(analytic, numeric, rtol=rtol, atol=atol)


def away_from_kinks(act, z, margin=1e-4):
    """True if no entry of ``z`` lies within ``margin`` of a kink of ``act``.

    Finite differences that straddle a kink average two slopes and disagree
    with the one-sided derivative; the test redraws its data instead. (A step
    of 1e-6 in a weight moves a pre-activation by far less than the margin.)
    """
    return all(np.min(np.abs(z - k)) > margin for k in getattr(act, "kinks", ()))


LOSS_CASES = {
    # name: (output width, output map, target maker)
    "mse": (2, None, lambda rng, n: rng.standard_normal((n, 2))),
    "cross_entropy": (3, None, lambda rng, n: rng.integers(0, 3, n)),
    "bce_with_logits": (1, None, lambda rng, n: rng.integers(0, 2, n).astype(float)),
    "bce": (1, "sigmoid", lambda rng, n: rng.integers(0, 2, n).astype(float)),
}


def make_case(act_name, loss_name, seed):
    """A small float64 network and batch whose hidden pre-activations avoid kinks."""
    out, output, target = LOSS_CASES[loss_name]
    for attempt in range(100):
        rng = np.random.default_rng([seed, attempt])
        net = MLP([3, 5, 4, out], activation=act_name, init="xavier_normal",
                  output=output, rng=rng)
        for b in net.b:  # non-zero biases, so that they are checked too
            b[...] = rng.normal(0.0, 0.3, b.shape)
        X = rng.standard_normal((6, 3))
        y = target(rng, 6)
        net.forward(X)
        if all(away_from_kinks(f, z) for f, z in zip(net.activations, net.z)):
            return net, X, y
    pytest.fail(f"could not find kink-free data for {act_name}")


# ----------------------------------------------------------------------------
# gradients against finite differences, every activation x every loss
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("loss", sorted(LOSS_CASES))
@pytest.mark.parametrize("act", ACTIVATIONS)
def test_parameter_gradients_match_finite_differences(act, loss):
    net, X, y = make_case(act, loss, seed=1)
    _, grads = net.gradients(X, y, loss=loss)
    grads = [g.copy() for g in grads]
    for p, g in zip(net.params, grads):
        numeric = fd_gradient(lambda: net.loss(X, y, loss=loss), p)
        assert_grads_close(g, numeric)


@pytest.mark.parametrize("loss", sorted(LOSS_CASES))
@pytest.mark.parametrize("act", ACTIVATIONS)
def test_input_gradient_matches_finite_differences(act, loss):
    net, X, y = make_case(act, loss, seed=2)
    net.gradients(X, y, loss=loss)
    assert net.grad_input is None  # only on request: it costs a matrix product
    net.gradients(X, y, loss=loss, input_grad=True)
    analytic = net.grad_input.copy()
    X = X.copy()
    numeric = fd_gradient(lambda: net.loss(X, y, loss=loss), X)
    assert_grads_close(analytic, numeric)


@pytest.mark.parametrize("loss", sorted(LOSS_CASES))
@pytest.mark.parametrize("act", ACTIVATIONS)
def test_lecture_kit_gradcheck_confirms_every_parameter_gradient(act, loss):
    """The course's own checker (relative error, float64) agrees, layer by layer."""
    from lecture_kit import gradcheck

    net, X, y = make_case(act, loss, seed=4)
    _, grads = net.gradients(X, y, loss=loss)
    grads = [g.copy() for g in grads]
    original = [p.copy() for p in net.params]
    for k, g in enumerate(grads):
        def f(p, k=k):
            params = [q.copy() for q in original]
            params[k] = p
            net.params = params
            return float(net.loss(X, y, loss=loss))

        result = gradcheck.check_gradient(f, g, original[k], rtol=1e-5, atol=1e-8)
        assert result.passed, f"parameter {k}: {result}"
    net.params = original


@pytest.mark.parametrize("act", ACTIVATIONS)
def test_activation_gradients_match_finite_differences(act):
    """grad_a[l] is dL/da_l: perturb a_l and run only the layers above it."""
    net, X, y = make_case(act, "cross_entropy", seed=3)
    net.gradients(X, y)
    for l in range(net.n_layers - 1):
        a_l = net.a[l].copy()

        def tail_loss():
            a = a_l
            for W, b, f in zip(net.W[l + 1:], net.b[l + 1:], net.activations[l + 1:]):
                a = f(a @ W + b)
            return losses.cross_entropy(a, y)[0]

        assert_grads_close(net.grad_a[l], fd_gradient(tail_loss, a_l))


def test_gradients_with_one_hot_targets_equal_those_with_labels(rng):
    net = MLP([4, 6, 3], activation="tanh", rng=rng)
    X, y = rng.standard_normal((8, 4)), rng.integers(0, 3, 8)
    v1, g1 = net.gradients(X, y)
    g1 = [g.copy() for g in g1]
    v2, g2 = net.gradients(X, data.one_hot(y, 3))
    assert v1 == pytest.approx(v2)
    for a, b in zip(g1, g2):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)


def test_a_callable_loss_is_used(rng):
    net = MLP([2, 3, 1], activation="tanh", rng=rng)
    X = rng.standard_normal((5, 2))

    def half_sum_of_squares(out, _):
        return 0.5 * np.sum(out * out), out  # value and dL/d out

    value, grads = net.gradients(X, None, loss=half_sum_of_squares)
    out = net.forward(X, record=False)
    assert value == pytest.approx(0.5 * np.sum(out**2))
    W_last = net.W[-1]
    numeric = fd_gradient(lambda: net.loss(X, None, loss=half_sum_of_squares), W_last)
    assert_grads_close(grads[-2], numeric)


# ----------------------------------------------------------------------------
# what forward and backward record
# ----------------------------------------------------------------------------
def test_forward_records_every_layer(rng):
    net = MLP([4, 7, 5, 3], activation=["relu", "tanh"], rng=rng)
    X = rng.standard_normal((9, 4))
    out = net.forward(X)
    assert [z.shape for z in net.z] == [(9, 7), (9, 5), (9, 3)]
    assert [a.shape for a in net.a] == [(9, 7), (9, 5), (9, 3)]
    np.testing.assert_array_equal(net.inputs, X)
    np.testing.assert_allclose(net.z[0], X @ net.W[0] + net.b[0])
    np.testing.assert_array_equal(net.a[0], np.maximum(net.z[0], 0.0))
    np.testing.assert_allclose(net.z[1], net.a[0] @ net.W[1] + net.b[1])
    np.testing.assert_allclose(net.a[1], np.tanh(net.z[1]))
    np.testing.assert_array_equal(net.a[2], net.z[2])  # identity output
    assert out is net.a[-1]


def test_forward_without_recording_keeps_the_last_record(rng):
    net = MLP([2, 3, 2], rng=rng)
    X1, X2 = rng.standard_normal((4, 2)), rng.standard_normal((6, 2))
    net.forward(X1)
    out = net.forward(X2, record=False)
    assert out.shape == (6, 2) and net.inputs.shape == (4, 2)
    assert net(X2).shape == (6, 2)


def test_backward_records_gradients_of_every_shape(rng):
    net = MLP([4, 7, 5, 3], rng=rng)
    X, y = rng.standard_normal((9, 4)), rng.integers(0, 3, 9)
    _, grads = net.gradients(X, y)
    assert [g.shape for g in grads] == [p.shape for p in net.params]
    assert [g.shape for g in net.grad_a] == [a.shape for a in net.a]
    assert [g.shape for g in net.grad_z] == [z.shape for z in net.z]
    assert net.grad_input is None
    assert net.grads[0] is net.grad_W[0] and net.grads[1] is net.grad_b[0]


def test_backward_before_forward_raises():
    net = MLP([2, 2], rng=0)
    with pytest.raises(RuntimeError, match="forward"):
        net.backward(np.zeros((1, 2)))
    with pytest.raises(RuntimeError, match="backward"):
        net.grads


def test_backward_rejects_a_loss_gradient_of_the_wrong_shape(rng):
    net = MLP([2, 3, 2], rng=rng)
    net.forward(np.ones((4, 2)))
    with pytest.raises(ValueError, match=r"\(4, 2\).*\(4,\)"):
        net.backward(np.ones(4))


def test_params_setter_checks_count_and_shapes(rng):
    net = MLP([2, 3, 2], rng=rng)
    new = [np.full_like(p, 0.5) for p in net.params]
    net.params = new
    assert all(np.all(p == 0.5) for p in net.params)
    with pytest.raises(ValueError, match="4 parameter arrays"):
        net.params = new[:3]
    with pytest.raises(ValueError, match="shape"):
        net.params = [np.zeros((3, 2))] + new[1:]


# ----------------------------------------------------------------------------
# options
# ----------------------------------------------------------------------------
def test_same_seed_gives_the_same_network_and_another_seed_another():
    a, b, c = MLP([5, 8, 2], rng=4), MLP([5, 8, 2], rng=4), MLP([5, 8, 2], rng=5)
    for pa, pb in zip(a.params, b.params):
        np.testing.assert_array_equal(pa, pb)
    assert not np.array_equal(a.W[0], c.W[0])


def test_biases_start_at_zero():
    net = MLP([5, 8, 2], rng=0)
    assert all(np.all(b == 0) for b in net.b)


@pytest.mark.parametrize(
    "init, kwargs, expected_std",
    [
        ("he_normal", {}, lambda n_in, n_out: np.sqrt(2.0 / n_in)),
        ("xavier_normal", {}, lambda n_in, n_out: np.sqrt(2.0 / (n_in + n_out))),
        ("normal", {"std": 0.01}, lambda n_in, n_out: 0.01),
        ("he_normal", {"nonlinearity": "linear"}, lambda n_in, n_out: np.sqrt(1.0 / n_in)),
    ],
)
def test_initializer_name_and_kwargs_set_the_weight_scale(init, kwargs, expected_std):
    net = MLP([400, 300, 200], init=init, init_kwargs=kwargs, rng=0)
    for W in net.W:
        n_in, n_out = W.shape
        assert W.std() == pytest.approx(expected_std(n_in, n_out), rel=0.03)


def test_initializer_callable_is_called_with_fans_and_rng():
    calls = []

    def ones(fan_in, fan_out, rng=None):
        calls.append((fan_in, fan_out, isinstance(rng, np.random.Generator)))
        return np.ones((fan_in, fan_out))

    net = MLP([3, 4, 2], init=ones, rng=0)
    assert calls == [(3, 4, True), (4, 2, True)]
    assert all(np.all(W == 1) for W in net.W)


def test_initializer_of_the_wrong_shape_is_rejected():
    with pytest.raises(ValueError, match=r"\(3, 4\)"):
        MLP([3, 4], init=lambda fan_in, fan_out, rng=None: np.ones((fan_out, fan_in)))


def test_sigmoid_output_maps_the_last_layer(rng):
    net = MLP([3, 4, 1], output="sigmoid", rng=rng)
    out = net.forward(rng.standard_normal((5, 3)))
    np.testing.assert_allclose(out, 1.0 / (1.0 + np.exp(-net.z[-1])))


def test_float32_network_stays_float32_through_training(rng):
    X, y = data.xor(64, rng=rng)
    net = MLP([2, 8, 2], activation="tanh", dtype=np.float32, rng=rng)
    assert all(p.dtype == np.float32 for p in net.params)
    out = net.forward(X)  # float64 input is cast to the network's dtype
    assert out.dtype == np.float32 and all(z.dtype == np.float32 for z in net.z)
    _, grads = net.gradients(X, data.one_hot(y, 2))  # float64 one-hot targets
    assert all(g.dtype == np.float32 for g in grads)
    net.train(X, y, optim.sgd(lr=0.1), epochs=2, batch_size=16, rng=rng)
    assert all(p.dtype == np.float32 for p in net.params)


def test_float32_and_float64_networks_agree(rng):
    X, y = rng.standard_normal((10, 3)), rng.integers(0, 2, 10)
    n64 = MLP([3, 6, 2], activation="tanh", rng=1)
    n32 = MLP([3, 6, 2], activation="tanh", rng=1, dtype=np.float32)
    v64, g64 = n64.gradients(X, y)
    v32, g32 = n32.gradients(X, y)
    assert v32 == pytest.approx(v64, rel=1e-5)
    for a, b in zip(g32, g64):
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-6)


# ----------------------------------------------------------------------------
# argument checking
# ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"sizes": [3]}, ValueError, "input and an output"),
        ({"sizes": [3, 0, 2]}, ValueError, "layer width"),
        ({"sizes": [3, 2.5]}, TypeError, "int"),
        ({"sizes": [3, 4, 4, 2], "activation": ["relu"]}, ValueError, "one entry per hidden layer"),
        ({"sizes": [3, 4, 2], "activation": "no_such_activation"}, ValueError, "no_such_activation"),
        ({"sizes": [3, 4, 2], "init": "no_such_init"}, ValueError, "no_such_init"),
        ({"sizes": [3, 4, 2], "dtype": np.float16}, ValueError, "float32 or float64"),
        ({"sizes": [3, 4, 2], "activation": 3}, TypeError, "activation"),
    ],
)
def test_bad_constructor_arguments_raise(kwargs, error, match):
    with pytest.raises(error, match=match):
        MLP(**kwargs)


def test_input_of_the_wrong_width_names_both_shapes():
    net = MLP([3, 4, 2], rng=0)
    with pytest.raises(ValueError, match=r"\(batch, 3\).*\(5, 4\)"):
        net.forward(np.zeros((5, 4)))
    with pytest.raises(ValueError, match=r"\(batch, 3\)"):
        net.forward(np.zeros(3))


def test_targets_with_the_wrong_number_of_rows_raise():
    net = MLP([3, 4, 2], rng=0)
    with pytest.raises(ValueError, match="4 rows"):
        net.loss(np.zeros((4, 3)), np.zeros(5, dtype=int))


def test_a_single_output_regression_target_does_not_broadcast(rng):
    net = MLP([1, 4, 1], activation="tanh", rng=rng)
    X, y = rng.standard_normal((6, 1)), rng.standard_normal(6)
    value = net.loss(X, y, loss="mse")
    out = net.forward(X, record=False)[:, 0]
    assert value == pytest.approx(np.mean((out - y) ** 2))


def test_unknown_loss_lists_the_known_ones():
    with pytest.raises(ValueError, match="cross_entropy"):
        MLP([2, 2], rng=0).loss(np.zeros((1, 2)), [0], loss="hinge")


# ----------------------------------------------------------------------------
# predictions
# ----------------------------------------------------------------------------
def test_predict_is_the_argmax_of_the_outputs(rng):
    net = MLP([3, 5, 4], rng=rng)
    X = rng.standard_normal((20, 3))
    np.testing.assert_array_equal(net.predict(X), net.forward(X, record=False).argmax(axis=1))


@pytest.mark.parametrize("output, threshold", [(None, 0.0), ("sigmoid", 0.5)])
def test_predict_with_one_output_thresholds_at_the_output_map_of_zero(output, threshold):
    net = MLP([1, 1], output=output, init="constant", init_kwargs={"value": 1.0}, rng=0)
    X = np.array([[-2.0], [-0.1], [0.1], [3.0]])
    np.testing.assert_array_equal(net.predict(X), [0, 0, 1, 1])
    out = net.forward(X, record=False)[:, 0]
    np.testing.assert_array_equal(net.predict(X), out > threshold)


def test_accuracy_accepts_labels_columns_and_one_hot_rows(rng):
    net = MLP([3, 4], rng=rng)
    X = rng.standard_normal((30, 3))
    y = net.predict(X)
    y[:6] = (y[:6] + 1) % 4  # six wrong labels
    assert net.accuracy(X, y) == pytest.approx(24 / 30)
    assert net.accuracy(X, data.one_hot(y, 4)) == pytest.approx(24 / 30)


# ----------------------------------------------------------------------------
# training
# ----------------------------------------------------------------------------
def test_training_learns_xor(rng):
    X, y = data.xor(200, rng=rng)
    net = MLP([2, 16, 2], activation="tanh", init="xavier_normal", rng=rng)
    h = net.train(X, y, optim.sgd(lr=0.5), epochs=30, batch_size=20, rng=rng)
    assert h.accuracy[0] < 0.8 and h.accuracy[-1] > 0.95
    assert h.loss[-1] < 0.5 * h.loss[0]


def test_training_learns_the_digits_with_adam():
    split = data.digits(rng=0)
    net = MLP([64, 64, 10], activation="relu", rng=0)
    h = net.train(split.X_train, split.y_train, optim.adam(lr=1e-3), epochs=8,
                  batch_size=32, rng=0, X_val=split.X_test, y_val=split.y_test)
    assert h.val_accuracy[-1] > 0.93
    assert h.val_accuracy.shape == h.val_loss.shape == (9,)
    assert net.accuracy(split.X_test, split.y_test) == pytest.approx(h.val_accuracy[-1])


def test_training_fits_a_regression_with_mse(rng):
    X, y = data.regression_1d(128, noise=0.05, rng=rng)
    net = MLP([1, 32, 1], activation="tanh", init="xavier_normal", rng=rng)
    h = net.train(X, y, optim.adam(lr=1e-2), epochs=150, batch_size=32, loss="mse", rng=rng)
    assert h.accuracy is None and h.val_loss is None
    assert h.loss[-1] < 0.02 < h.loss[0]


def test_history_shapes_and_first_row_is_the_untrained_network(rng):
    X, y = data.spirals(30, 3, rng=rng)
    net = MLP([2, 10, 10, 3], rng=1)
    untrained = MLP([2, 10, 10, 3], rng=1)
    loss0, grads0 = untrained.gradients(X, y)
    h = net.train(X, y, optim.sgd(lr=0.1), epochs=4, batch_size=16, rng=rng)
    assert h.epoch.tolist() == [0, 1, 2, 3, 4]
    assert h.loss.shape == h.accuracy.shape == (5,)
    assert h.grad_norm.shape == h.activation_std.shape == (5, 3)
    assert h.dead_fraction.shape == (5, 2)
    assert h.batch_loss.shape == (4 * int(np.ceil(90 / 16)),)
    assert h.loss[0] == pytest.approx(loss0)
    np.testing.assert_allclose(h.grad_norm[0], [np.linalg.norm(g) for g in grads0[0::2]])
    assert not h.diverged


def test_history_last_row_describes_the_trained_network(rng):
    X, y = data.moons(100, rng=rng)
    net = MLP([2, 8, 8, 2], rng=rng)
    h = net.train(X, y, optim.sgd(lr=0.1), epochs=3, batch_size=10, rng=rng)
    value, grads = net.gradients(X, y)
    assert h.loss[-1] == pytest.approx(value)
    np.testing.assert_allclose(h.grad_norm[-1], [np.linalg.norm(g) for g in grads[0::2]])
    np.testing.assert_allclose(h.activation_std[-1], [a.std() for a in net.a])
    assert h.accuracy[-1] == pytest.approx(net.accuracy(X, y))


def test_dead_fraction_counts_units_silent_on_every_example(rng):
    X, y = data.moons(50, rng=rng)
    net = MLP([2, 4, 2], activation="relu", rng=rng)
    net.W[0][:, 1] = 0.0   # unit 1: z = b = -1 for every input -> dead
    net.b[0][1] = -1.0
    net.W[0][:, 2] = [1.0, 0.0]  # unit 2: relu(x_1) is 0 for only some inputs -> alive
    net.b[0][2] = 0.0
    h = net.train(X, y, optim.sgd(lr=0.0), epochs=0, rng=rng)
    independent = np.mean([np.all(np.maximum(X @ net.W[0][:, j] + net.b[0][j], 0) == 0)
                           for j in range(4)])
    assert h.dead_fraction[0, 0] == pytest.approx(independent)
    assert 0.25 <= h.dead_fraction[0, 0] < 0.75


def test_large_negative_bias_kills_every_relu_unit(rng):
    X, y = data.moons(50, rng=rng)
    net = MLP([2, 6, 2], activation="relu", rng=rng)
    net.b[0][:] = -100.0
    h = net.train(X, y, optim.sgd(lr=0.1), epochs=2, batch_size=10, rng=rng)
    np.testing.assert_array_equal(h.dead_fraction[:, 0], 1.0)
    np.testing.assert_array_equal(h.grad_norm[:, 0], 0.0)  # dead units pass no gradient


def test_training_is_reproducible_with_the_same_rng():
    X, y = data.spirals(20, 3, rng=0)
    runs = []
    for _ in range(2):
        net = MLP([2, 8, 3], rng=1)
        runs.append(net.train(X, y, optim.sgd(lr=0.1, momentum=0.9), epochs=3, batch_size=8, rng=2))
    np.testing.assert_array_equal(runs[0].batch_loss, runs[1].batch_loss)


def test_shuffling_follows_the_rng():
    X, y = data.spirals(20, 3, rng=0)
    a = MLP([2, 8, 3], rng=1).train(X, y, optim.sgd(lr=0.1), epochs=1, batch_size=8, rng=2)
    b = MLP([2, 8, 3], rng=1).train(X, y, optim.sgd(lr=0.1), epochs=1, batch_size=8, rng=3)
    assert not np.array_equal(a.batch_loss, b.batch_loss)


def test_batch_size_sets_the_number_of_steps(rng):
    X, y = data.xor(40, rng=rng)
    for batch_size, steps in [(40, 1), (16, 3), (1, 40)]:
        h = MLP([2, 4, 2], rng=0).train(X, y, optim.sgd(lr=0.1), epochs=1,
                                      batch_size=batch_size, rng=rng)
        assert h.batch_loss.shape == (steps,)


def test_full_batch_training_step_is_one_gradient_descent_step(rng):
    X, y = data.xor(20, rng=rng)
    net = MLP([2, 4, 2], activation="tanh", rng=0)
    _, grads = MLP([2, 4, 2], activation="tanh", rng=0).gradients(X, y)
    before = [p.copy() for p in net.params]
    net.train(X, y, optim.sgd(lr=0.3), epochs=1, batch_size=len(y), rng=rng)
    # one full batch: the order of the rows does not change the mean gradient
    for p, p0, g in zip(net.params, before, grads):
        np.testing.assert_allclose(p, p0 - 0.3 * g, rtol=1e-12, atol=1e-14)


def test_a_diverging_run_stops_without_warnings(rng):
    X, y = data.regression_1d(64, rng=rng)
    net = MLP([1, 32, 32, 1], activation="relu", rng=rng)
    h = net.train(X, y, optim.sgd(lr=1e3), epochs=50, batch_size=8, loss="mse", rng=rng)
    assert h.diverged
    assert not np.isfinite(h.batch_loss[-1])
    assert len(h.loss) < 51


def test_validation_data_must_come_in_pairs(rng):
    X, y = data.xor(20, rng=rng)
    with pytest.raises(ValueError, match="both"):
        MLP([2, 2], rng=0).train(X, y, optim.sgd(lr=0.1), X_val=X)


@pytest.mark.parametrize("kwargs", [{"epochs": -1}, {"batch_size": 0}])
def test_bad_training_arguments_raise(kwargs, rng):
    X, y = data.xor(20, rng=rng)
    with pytest.raises(ValueError):
        MLP([2, 2], rng=0).train(X, y, optim.sgd(lr=0.1), **kwargs)


def test_train_step_returns_the_loss_before_the_update_and_the_state(rng):
    X, y = data.xor(16, rng=rng)
    net = MLP([2, 4, 2], rng=0)
    before = net.loss(X, y)
    opt = optim.sgd(lr=0.1, momentum=0.9)
    value, state = net.train_step(X, y, opt)
    assert value == pytest.approx(before) and len(state) == len(net.params)
    value2, state = net.train_step(X, y, opt, state)
    assert value2 < value


OPTIMIZERS = {
    "sgd": lambda: optim.sgd(lr=0.3),
    "sgd_momentum": lambda: optim.sgd(lr=0.1, momentum=0.9),
    "sgd_nesterov": lambda: optim.sgd(lr=0.1, momentum=0.9, nesterov=True),
    "momentum_ema": lambda: optim.momentum_ema(lr=0.3, beta=0.9),
    "adam": lambda: optim.adam(lr=0.02),
    "rmsprop": lambda: optim.rmsprop(lr=0.01),
    "adagrad": lambda: optim.adagrad(lr=0.1),
    "adadelta": lambda: optim.adadelta(lr=1.0),
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_every_optimizer_trains_the_network(name):
    X, y = data.moons(200, rng=0)
    net = MLP([2, 16, 16, 2], activation="tanh", init="xavier_normal", rng=0)
    h = net.train(X, y, OPTIMIZERS[name](), epochs=15, batch_size=20, rng=0)
    assert h.loss[-1] < 0.8 * h.loss[0]


# ----------------------------------------------------------------------------
# the depth probe
# ----------------------------------------------------------------------------
def test_depth_probe_returns_one_value_per_layer():
    p = depth_probe(depth=7, width=16, batch=32, rng=0)
    for name in ("activation_std", "activation_mean", "preact_std", "grad_norm", "act_grad_std"):
        arr = getattr(p, name)
        assert arr.shape == (7,) and arr.dtype == np.float64 and np.all(np.isfinite(arr))
    assert len(p.weights) == 7 and p.X.shape == p.G.shape == (32, 16)


@pytest.mark.parametrize("act", ["sigmoid", "tanh", "relu"])
def test_depth_probe_gradient_norms_match_finite_differences(act):
    p = depth_probe(depth=3, width=4, batch=5, activation=act, init="normal", std=0.8, rng=11)
    f = activations.get(act)
    weights = [W.copy() for W in p.weights]

    def loss():
        a = p.X
        for W in weights:
            a = f(a @ W)
        return np.sum(a * p.G) / p.X.shape[0]

    assert loss() == pytest.approx(p.loss, rel=1e-12)
    for l, W in enumerate(weights):
        numeric = fd_gradient(loss, W)
        assert np.linalg.norm(numeric) == pytest.approx(p.grad_norm[l], rel=1e-6)


def test_depth_probe_is_deterministic_with_a_seed():
    a = depth_probe(depth=5, width=32, batch=16, rng=3)
    b = depth_probe(depth=5, width=32, batch=16, rng=3)
    c = depth_probe(depth=5, width=32, batch=16, rng=4)
    np.testing.assert_array_equal(a.grad_norm, b.grad_norm)
    np.testing.assert_array_equal(a.activation_std, b.activation_std)
    assert not np.array_equal(a.grad_norm, c.grad_norm)


@pytest.mark.parametrize("std", [0.01, 0.1, 0.5])
def test_init_kwargs_set_the_first_preactivation_scale(std):
    # z_1 = X W_1 with X, W independent: Var(z) = width * std^2
    p = depth_probe(depth=2, width=256, batch=512, activation="tanh", init="normal",
                    std=std, rng=0)
    assert p.preact_std[0] == pytest.approx(std * np.sqrt(256), rel=0.03)


def test_identity_network_with_xavier_init_keeps_unit_scale():
    # Var(z_l) = n Var(W) Var(a_{l-1}) = Var(a_{l-1}) when Var(W) = 1/n
    p = depth_probe(depth=50, activation=_identity_name(), init="xavier_normal", rng=0)
    assert np.all((p.activation_std > 0.5) & (p.activation_std < 2.0))
    assert np.all((p.grad_norm / p.grad_norm[-1] > 0.3) & (p.grad_norm / p.grad_norm[-1] < 3.0))


def _identity_name():
    for name in ("identity", "linear"):
        if name in activations.names():
            return name
    return "identity"  # the MLP's own identity map


def test_sigmoid_with_naive_small_init_makes_gradients_vanish():
    # each layer multiplies the gradient by about sigma'(0) * std * sqrt(n) = 0.25 * 0.16
    p = depth_probe(depth=50, activation="sigmoid", init="normal", std=0.01, rng=0)
    assert p.grad_norm[0] < 1e-30 * p.grad_norm[-1]
    assert np.all(np.diff(np.log(p.grad_norm)) > 0)  # grows towards the output
    # tiny pre-activations: every unit sits near sigmoid(0) = 1/2
    assert p.activation_mean[-1] == pytest.approx(0.5, abs=0.01)


def test_sigmoid_with_xavier_init_still_loses_gradient_with_depth():
    p = depth_probe(depth=50, activation="sigmoid", init="xavier_normal", rng=0)
    assert p.grad_norm[0] < 1e-12 * p.grad_norm[-1]


def test_relu_with_he_init_keeps_the_signal_scale():
    p = depth_probe(depth=50, activation="relu", init="he_normal", rng=0)
    ratio = p.activation_std.max() / p.activation_std.min()
    assert ratio < 3.0
    g = p.grad_norm
    assert g.max() / g.min() < 10.0


def test_relu_with_xavier_init_halves_the_variance_per_layer():
    # He: Var(z_l) = (n Var(W) / 2) Var(z_{l-1}); with Var(W) = 1/n the factor is 1/2
    p = depth_probe(depth=50, activation="relu", init="xavier_normal", rng=0)
    slope = np.polyfit(np.arange(50), np.log(p.preact_std**2), 1)[0]
    assert slope == pytest.approx(np.log(0.5), abs=0.05)


def test_tanh_with_xavier_init_holds_the_signal():
    # with n Var(W) = 1: q_{l+1} = E[tanh(z)^2] = q_l - 2 q_l^2 + O(q^3), so q_l ~ 1/(2l):
    # the variance decays like a power of the depth, not exponentially
    p = depth_probe(depth=50, activation="tanh", init="xavier_normal", rng=0)
    assert p.activation_std[-1] == pytest.approx(1 / np.sqrt(2 * 50), rel=0.25)
    assert p.grad_norm[0] > 0.3 * p.grad_norm[-1]


def test_relu_with_large_weights_explodes():
    # factor n * std^2 / 2 = 256 * 0.04 / 2 = 5.1 per layer in variance
    p = depth_probe(depth=50, activation="relu", init="normal", std=0.2, rng=0)
    assert p.activation_std[-1] > 1e15 * p.activation_std[0]
    slope = np.polyfit(np.arange(50), np.log(p.preact_std**2), 1)[0]
    assert slope == pytest.approx(np.log(256 * 0.04 / 2), abs=0.1)


def test_depth_probe_in_float32_agrees_with_float64():
    p64 = depth_probe(depth=20, width=64, batch=64, activation="tanh", rng=0)
    p32 = depth_probe(depth=20, width=64, batch=64, activation="tanh", rng=0, dtype=np.float32)
    assert p32.X.dtype == np.float32 and p32.weights[0].dtype == np.float32
    np.testing.assert_allclose(p32.grad_norm, p64.grad_norm, rtol=1e-3)
    np.testing.assert_allclose(p32.activation_std, p64.activation_std, rtol=1e-3)


def test_depth_probe_overflow_is_reported_not_raised():
    p = depth_probe(depth=50, width=64, batch=32, activation="relu", init="normal",
                    std=5.0, rng=0, dtype=np.float32)
    assert not np.all(np.isfinite(p.activation_std))


@pytest.mark.parametrize(
    "kwargs", [{"depth": 0}, {"width": 0}, {"batch": 0}, {"activation": "nope"}, {"init": "nope"}]
)
def test_depth_probe_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        depth_probe(**kwargs)
