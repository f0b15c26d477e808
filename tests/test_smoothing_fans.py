"""Label-smoothed cross-entropy, the fans of a weight tensor and PyTorch's default init.

Oracles: PyTorch (``F.cross_entropy(..., label_smoothing=eps)`` with autograd,
``torch.nn.init._calculate_fan_in_and_fan_out`` and samples of the default
``nn.Linear``/``nn.Conv2d`` initialization, in tests/fixtures/torch_smoothing_init.npz
made by make_torch_smoothing_init.py), central finite differences and the
closed forms written here.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from lecture_kit import init, losses

FIXTURE = np.load(Path(__file__).parent / "fixtures" / "torch_smoothing_init.npz")
LS_CASES = json.loads(str(FIXTURE["ls_cases"]))


@pytest.mark.parametrize("case", LS_CASES, ids=[c["id"] for c in LS_CASES])
def test_label_smoothing_matches_pytorch_in_float64_and_float32(case):
    key, eps = f"ls/{case['id']}", case["eps"]
    z, labels = FIXTURE[f"{key}:logits"], FIXTURE[f"{key}:labels"]
    value, grad = losses.cross_entropy(z, labels, label_smoothing=eps)
    assert float(value) == pytest.approx(float(FIXTURE[f"{key}:value64"]), rel=1e-14, abs=1e-300)
    np.testing.assert_allclose(grad, FIXTURE[f"{key}:grad64"], rtol=1e-13, atol=1e-17)
    z32 = z.astype(np.float32)
    lab32 = labels if case["kind"] == "index" else labels.astype(np.float32)
    v32, g32 = losses.cross_entropy(z32, lab32, label_smoothing=eps)
    assert v32.dtype == g32.dtype == np.float32
    eps32 = float(np.finfo(np.float32).eps)
    assert float(v32) == pytest.approx(float(FIXTURE[f"{key}:value32"]), rel=8 * eps32)
    np.testing.assert_allclose(g32, FIXTURE[f"{key}:grad32"], rtol=8 * eps32, atol=8 * eps32)


def test_label_smoothing_option_changes_the_loss_and_zero_is_the_default(rng):
    z, y = rng.normal(size=(4, 3)), np.array([0, 1, 2, 0])
    plain = losses.cross_entropy(z, y)
    np.testing.assert_array_equal(losses.cross_entropy(z, y, label_smoothing=0.0)[1], plain[1])
    assert float(losses.cross_entropy(z, y, label_smoothing=0.1)[0]) != float(plain[0])


def test_label_smoothing_is_a_mixture_with_the_uniform_cross_entropy(rng):
    # CE against (1 - eps) onehot + eps/K = (1 - eps) CE(onehot) + eps CE(uniform)
    z, y, eps = rng.normal(size=(5, 4)), rng.integers(0, 4, size=5), 0.25
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    ce = -log_p[np.arange(5), y].mean()
    uniform = -log_p.mean(axis=1).mean()
    value, grad = losses.cross_entropy(z, y, label_smoothing=eps)
    assert float(value) == pytest.approx((1 - eps) * ce + eps * uniform, rel=1e-13)
    target = (1 - eps) * np.eye(4)[y] + eps / 4
    np.testing.assert_allclose(grad, (np.exp(log_p) - target) / 5, atol=1e-15)


def test_label_smoothing_gradient_matches_central_differences(rng):
    z, y = rng.normal(size=(3, 4)), np.array([2, 0, 3])
    _, grad = losses.cross_entropy(z, y, label_smoothing=0.2)
    h, numeric = 1e-6, np.zeros_like(z)
    for i in np.ndindex(z.shape):
        e = np.zeros_like(z)
        e[i] = h
        numeric[i] = (float(losses.cross_entropy(z + e, y, label_smoothing=0.2)[0])
                      - float(losses.cross_entropy(z - e, y, label_smoothing=0.2)[0])) / (2 * h)
    np.testing.assert_allclose(grad, numeric, atol=1e-9)


def test_label_smoothing_has_a_finite_minimiser():
    # K = 3, eps = 0.3: the loss is smallest at s = y_eps, i.e. a logit gap of
    # log(y_true / y_other) = log((1 - eps + eps/K) / (eps/K))
    eps, k = 0.3, 3
    gap = math.log((1 - eps + eps / k) / (eps / k))
    best = losses.cross_entropy(np.array([[gap, 0.0, 0.0]]), np.array([0]), label_smoothing=eps)
    assert np.abs(best[1]).max() < 1e-15
    for g in (gap - 0.5, gap + 0.5, 50.0):
        assert float(losses.cross_entropy(np.array([[g, 0.0, 0.0]]), np.array([0]),
                                          label_smoothing=eps)[0]) > float(best[0])


def test_label_smoothing_keeps_nan_and_extremes():
    v, g = losses.cross_entropy(np.array([[np.nan, 0.0], [1e4, -1e4]]), np.array([0, 1]),
                                label_smoothing=0.1)
    assert np.isnan(v) and np.all(np.isnan(g[0])) and np.all(np.isfinite(g[1]))
    v2, _ = losses.cross_entropy(np.array([[1e4, -1e4]]), np.array([1]), label_smoothing=0.1)
    assert float(v2) == pytest.approx(0.95 * 2e4, rel=1e-12)


@pytest.mark.parametrize("bad, error", [(-0.1, ValueError), (1.5, ValueError),
                                        (float("nan"), ValueError), ("0.1", TypeError),
                                        (True, TypeError), (None, TypeError)])
def test_label_smoothing_refuses_values_outside_the_unit_interval(bad, error):
    with pytest.raises(error, match="label_smoothing"):
        losses.cross_entropy(np.zeros((1, 2)), np.array([0]), label_smoothing=bad)


# ----------------------------------------------------------------------------
# fans
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("i", range(int(FIXTURE["fans_count"])))
def test_fans_follow_pytorch(i):
    shape = tuple(int(d) for d in FIXTURE[f"fans/{i}:shape"])
    assert init.fans(shape) == tuple(int(d) for d in FIXTURE[f"fans/{i}:fans"])


def test_fans_of_a_convolution_are_channels_times_kernel_area():
    assert init.fans((64, 3, 3, 3)) == (3 * 3**2, 64 * 3**2)
    assert init.fans(np.zeros((5, 7, 2, 4)).shape) == (7 * 8, 5 * 8)


@pytest.mark.parametrize("shape", json.loads(str(FIXTURE["fans_refused"])))
def test_fans_refuse_what_pytorch_refuses(shape):
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        init.fans(tuple(shape))


@pytest.mark.parametrize("bad, error", [((2.0, 3), TypeError), ((2, -1), ValueError),
                                        (5, TypeError), ((True, 2), TypeError)])
def test_fans_refuse_bad_shapes(bad, error):
    with pytest.raises(error, match="shape"):
        init.fans(bad)


# ----------------------------------------------------------------------------
# PyTorch's default init is U(+-1/sqrt(fan_in)), the "standard" heuristic
# ----------------------------------------------------------------------------
def test_kaiming_uniform_with_a_sqrt5_is_the_one_over_sqrt_fan_in_bound():
    assert init.calculate_gain("leaky_relu", math.sqrt(5)) == pytest.approx(
        float(FIXTURE["gain_leaky_relu_sqrt5"]), rel=1e-15)
    for fan_in in (3, 16, 128, 1000):
        assert init.he_bound(fan_in, 7, a=math.sqrt(5), nonlinearity="leaky_relu") == \
            pytest.approx(1 / math.sqrt(fan_in), rel=1e-15)


@pytest.mark.parametrize("case", json.loads(str(FIXTURE["default_cases"])),
                         ids=lambda c: c["id"])
def test_pytorch_default_layers_draw_from_one_over_sqrt_fan_in(case):
    w_max, w_var, b_max = FIXTURE[f"default/{case['id']}"]
    bound = 1 / math.sqrt(case["fan_in"])  # fan_in of a conv: C_in k^2 (init.fans)
    if "c_in" in case:
        assert init.fans((256, case["c_in"], case["k"], case["k"]))[0] == case["fan_in"]
    assert bound * 0.995 < w_max <= bound * (1 + 1e-12)
    assert bound * 0.95 < b_max <= bound * (1 + 1e-12)
    assert w_var == pytest.approx(bound**2 / 3, rel=0.03)  # Var U(-b, b) = b^2 / 3
