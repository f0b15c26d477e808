"""Specification of lecture_kit.normalization.

Oracles: nn.BatchNorm1d and nn.LayerNorm outputs, running statistics and
autograd gradients (tests/fixtures/torch_norm.npz, made by make_torch_norm.py),
central finite differences in float64, and analytic identities (a normalized
batch has mean 0 and variance 1; a shift of every input changes nothing).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lecture_kit import normalization as nz

FIXTURE = np.load(Path(__file__).parent / "fixtures" / "torch_norm.npz")
TOL = {"f64": dict(rtol=1e-10, atol=1e-12), "f32": dict(rtol=2e-5, atol=2e-5)}
DTYPE = {"f64": np.float64, "f32": np.float32}


@pytest.mark.parametrize("tag", ["f64", "f32"])
def test_batch_norm_training_matches_torch_over_three_batches(tag):
    f = lambda k: FIXTURE[f"{tag}/bn/{k}"]  # noqa: E731
    dt = DTYPE[tag]
    w, b = f("weight").astype(dt), f("bias").astype(dt)
    state = nz.batch_norm_init(w.shape[0], dt)
    for k in range(3):
        x, dy = f(f"x{k}").astype(dt), f(f"dy{k}").astype(dt)
        y, cache = nz.batch_norm_forward(x, w, b)
        assert y.dtype == dt
        np.testing.assert_allclose(y, f(f"y{k}"), **TOL[tag])
        dx, dw, db = nz.batch_norm_backward(dy, cache)
        np.testing.assert_allclose(dx, f(f"dx{k}"), **TOL[tag])
        np.testing.assert_allclose(dw, f(f"dweight{k}"), **TOL[tag])
        np.testing.assert_allclose(db, f(f"dbias{k}"), **TOL[tag])
        state = nz.update_running_stats(state, cache)
        np.testing.assert_allclose(state.running_mean, f(f"running_mean{k}"), **TOL[tag])
        np.testing.assert_allclose(state.running_var, f(f"running_var{k}"), **TOL[tag])
    assert state.num_batches_tracked == 3
    y_eval = nz.batch_norm_eval(f("eval_x").astype(dt), state, w, b)
    np.testing.assert_allclose(y_eval, f("eval_y"), **TOL[tag])


@pytest.mark.parametrize("tag", ["f64", "f32"])
def test_one_call_batch_norm_agrees_with_the_pieces(tag):
    dt = DTYPE[tag]
    f = lambda k: FIXTURE[f"{tag}/bn/{k}"].astype(dt)  # noqa: E731
    y, state = nz.batch_norm(f("x0"), None, f("weight"), f("bias"))
    np.testing.assert_allclose(y, f("y0"), **TOL[tag])
    np.testing.assert_allclose(state.running_var, f("running_var0"), **TOL[tag])
    y2, same = nz.batch_norm(f("x1"), state, f("weight"), f("bias"), training=False)
    assert same is state
    np.testing.assert_allclose(y2, nz.batch_norm_eval(f("x1"), state, f("weight"), f("bias")))


@pytest.mark.parametrize("tag", ["f64", "f32"])
def test_layer_norm_matches_torch(tag):
    dt = DTYPE[tag]
    f = lambda k: FIXTURE[f"{tag}/ln/{k}"].astype(dt)  # noqa: E731
    y, cache = nz.layer_norm_forward(f("x"), f("weight"), f("bias"))
    np.testing.assert_allclose(y, f("y"), **TOL[tag])
    dx, dw, db = nz.layer_norm_backward(f("dy"), cache)
    np.testing.assert_allclose(dx, f("dx"), **TOL[tag])
    np.testing.assert_allclose(dw, f("dweight"), **TOL[tag])
    np.testing.assert_allclose(db, f("dbias"), **TOL[tag])


def _fd(fun, x, eps=1e-6):
    g = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[idx] += eps
        xm[idx] -= eps
        g[idx] = (fun(xp) - fun(xm)) / (2 * eps)
    return g


@pytest.mark.parametrize("kind", ["batch", "layer"])
def test_backward_matches_finite_differences(kind, rng):
    x = rng.normal(size=(6, 4)) * 2 + 1
    gamma, beta = rng.normal(size=4), rng.normal(size=4)
    dy = rng.normal(size=(6, 4))
    fwd = nz.batch_norm_forward if kind == "batch" else nz.layer_norm_forward
    bwd = nz.batch_norm_backward if kind == "batch" else nz.layer_norm_backward
    _, cache = fwd(x, gamma, beta)
    dx, dg, db = bwd(dy, cache)
    loss = lambda xx, gg=gamma, bb=beta: float((fwd(xx, gg, bb)[0] * dy).sum())  # noqa: E731
    np.testing.assert_allclose(dx, _fd(loss, x), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(dg, _fd(lambda g: loss(x, g, beta), gamma), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(db, _fd(lambda b: loss(x, gamma, b), beta), rtol=1e-6, atol=1e-8)


def test_normalized_batch_has_zero_mean_unit_variance_and_ignores_shifts(rng):
    x = rng.normal(size=(50, 3)) * [1.0, 10.0, 1e3] + [5.0, -2.0, 1e4]
    y, _ = nz.batch_norm_forward(x)
    np.testing.assert_allclose(y.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=0), 1.0, rtol=1e-4)
    y_shift, _ = nz.batch_norm_forward(x + 123.0)
    np.testing.assert_allclose(y_shift, y, atol=1e-9)
    ly, _ = nz.layer_norm_forward(x)
    np.testing.assert_allclose(ly.mean(axis=1), 0.0, atol=1e-12)


def test_float16_and_integers_keep_the_dtype_rules():
    x16 = np.array([[1, 2], [3, 5], [0, 1]], dtype=np.float16)
    y16, _ = nz.batch_norm_forward(x16)
    assert y16.dtype == np.float16 and np.all(np.isfinite(y16))
    xi = np.array([[200, 1], [100, 3]], dtype=np.uint8)
    yi, _ = nz.batch_norm_forward(xi)
    assert yi.dtype == np.float64
    np.testing.assert_allclose(yi[:, 0], [1.0, -1.0], rtol=1e-6)


def test_nan_propagates_through_its_feature_only():
    x = np.array([[1.0, np.nan], [2.0, 1.0], [4.0, 3.0]])
    y, _ = nz.batch_norm_forward(x)          # the suite raises on any floating-point warning
    assert np.all(np.isfinite(y[:, 0])) and np.all(np.isnan(y[:, 1]))


@pytest.mark.parametrize("call, exc, match", [
    (lambda: nz.batch_norm_forward(np.ones(4)), ValueError, "shape"),
    (lambda: nz.batch_norm_forward(np.ones((1, 3))), ValueError, "at least 2"),
    (lambda: nz.batch_norm_forward(np.ones((4, 3)), gamma=np.ones(2)), ValueError, "gamma"),
    (lambda: nz.batch_norm_forward(np.ones((4, 3)), eps=0.0), ValueError, "eps"),
    (lambda: nz.batch_norm_forward([["a", "b"], ["c", "d"]]), TypeError, "numeric"),
    (lambda: nz.batch_norm(np.ones((4, 3)), momentum=1.5), ValueError, "momentum"),
    (lambda: nz.batch_norm_eval(np.ones((4, 3)), nz.batch_norm_init(2)), ValueError,
     "features"),
    (lambda: nz.batch_norm_init(0), ValueError, "num_features"),
    (lambda: nz.layer_norm_backward(np.ones((2, 2)), None), TypeError, "cache"),
])
def test_bad_input_is_named(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
