"""Tests of lecture_kit.init.

Oracles: PyTorch's calculate_gain and the exact std/bound its xavier_*/kaiming_*
use (tests/fixtures/torch_init.npz), SymPy for the variance of U[-b, b], and
the sampling distribution of the variance for the statistical checks.
"""

from __future__ import annotations

import inspect
import json
import math
from pathlib import Path

import numpy as np
import pytest
import sympy

from lecture_kit import init

FIXTURE = np.load(Path(__file__).parent / "fixtures" / "torch_init.npz")

RANDOM_INITS = ["normal", "uniform", "xavier_uniform", "xavier_normal", "he_uniform", "he_normal"]
FAN_IN, FAN_OUT = 800, 1250  # 10^6 weights, and fan_in != fan_out so modes differ


def _expected_std(name, fan_in=FAN_IN, fan_out=FAN_OUT, **kw):
    """Formulas written out here, independently of init.*_std."""
    if name == "normal":
        return kw.get("std", 1.0)
    if name == "uniform":
        return kw.get("bound", 1.0) / math.sqrt(3)
    if name.startswith("xavier"):
        return kw.get("gain", 1.0) * math.sqrt(2.0 / (fan_in + fan_out))
    fan = fan_in if kw.get("mode", "fan_in") == "fan_in" else fan_out
    return math.sqrt(2.0) / math.sqrt(fan)  # relu


# ----------------------------------------------------------------------------
# PyTorch values
# ----------------------------------------------------------------------------
GAIN_CASES = [
    (str(n), None if np.isnan(p) else float(p), float(v))
    for n, p, v in zip(FIXTURE["gain/names"], FIXTURE["gain/params"], FIXTURE["gain/values"])
]


@pytest.mark.parametrize("nonlinearity, param, expected", GAIN_CASES,
                         ids=[f"{n}-{p}" for n, p, _ in GAIN_CASES])
def test_calculate_gain_matches_pytorch(nonlinearity, param, expected):
    assert init.calculate_gain(nonlinearity, param) == pytest.approx(expected, rel=1e-15)


def test_fixture_covers_every_known_nonlinearity():
    assert set(FIXTURE["gain/names"]) == set(init.GAIN_NONLINEARITIES)


SCALE_CASES = list(zip(json.loads(str(FIXTURE["scale/meta"])), FIXTURE["scale/values"]))


@pytest.mark.parametrize("case, expected", SCALE_CASES,
                         ids=[f"{c['kind']}-{c['kwargs']}" for c, _ in SCALE_CASES])
def test_std_and_bound_formulas_match_pytorch(case, expected):
    kind, fan_in, fan_out, kw = case["kind"], case["fan_in"], case["fan_out"], case["kwargs"]
    formula = {
        "xavier_normal": init.xavier_std, "xavier_uniform": init.xavier_bound,
        "kaiming_normal": init.he_std, "kaiming_uniform": init.he_bound,
    }[kind]
    assert formula(fan_in, fan_out, **kw) == pytest.approx(float(expected), rel=1e-12)


def test_uniform_variance_is_bound_squared_over_three_symbolically():
    x, b = sympy.symbols("x b", positive=True)
    variance = sympy.integrate(x**2 / (2 * b), (x, -b, b))
    assert sympy.simplify(variance - b**2 / 3) == 0
    # hence the sqrt(3) between std and bound
    assert init.he_bound(10, 7) == pytest.approx(math.sqrt(3) * init.he_std(10, 7), rel=1e-15)
    assert init.xavier_bound(10, 7) == pytest.approx(math.sqrt(3) * init.xavier_std(10, 7), rel=1e-15)


# ----------------------------------------------------------------------------
# statistics of the samples
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("name", RANDOM_INITS)
def test_sample_variance_matches_formula(name, rng):
    w = init.get(name)(FAN_IN, FAN_OUT, rng=rng)
    assert w.shape == (FAN_IN, FAN_OUT)
    sigma = _expected_std(name)
    n = w.size
    # Var(sample variance) ~ (mu4 - sigma^4) / n; mu4 = 3 sigma^4 (normal), 9/5 sigma^4 (uniform)
    mu4 = (1.8 if "uniform" in name else 3.0) * sigma**4
    tolerance = 5 * math.sqrt((mu4 - sigma**4) / n)
    assert abs(np.var(w) - sigma**2) < tolerance
    assert abs(np.mean(w)) < 5 * sigma / math.sqrt(n)


@pytest.mark.parametrize("name", ["normal", "xavier_normal", "he_normal"])
def test_normal_initializers_are_not_truncated(name, rng):
    w = init.get(name)(FAN_IN, FAN_OUT, rng=rng)
    z = w / _expected_std(name)
    kurtosis = np.mean(z**4) / np.mean(z**2) ** 2
    assert abs(kurtosis - 3.0) < 0.05  # a 2-sigma truncated normal has about 2.36
    assert np.max(np.abs(z)) > 4.0  # a million normal draws reach ~4.9 sigma


@pytest.mark.parametrize("name", ["uniform", "xavier_uniform", "he_uniform"])
def test_uniform_bound_is_respected_and_reached(name, rng):
    w = init.get(name)(FAN_IN, FAN_OUT, rng=rng)
    bound = math.sqrt(3) * _expected_std(name)
    assert np.max(np.abs(w)) <= bound
    assert np.max(np.abs(w)) > 0.999 * bound
    z = w / bound
    assert abs(np.mean(z**4) / np.mean(z**2) ** 2 - 1.8) < 0.02


def test_options_change_the_sampled_variance(rng):
    # mode="fan_out" uses fan_out
    w = init.he_normal(FAN_IN, FAN_OUT, mode="fan_out", rng=rng)
    assert np.var(w) == pytest.approx(2.0 / FAN_OUT, rel=0.01)
    # a leaky slope of 1 is the identity: gain 1
    w = init.he_normal(FAN_IN, FAN_OUT, a=1.0, nonlinearity="leaky_relu", rng=rng)
    assert np.var(w) == pytest.approx(1.0 / FAN_IN, rel=0.01)
    # tanh gain 5/3
    w = init.he_uniform(FAN_IN, FAN_OUT, nonlinearity="tanh", rng=rng)
    assert np.var(w) == pytest.approx((5 / 3) ** 2 / FAN_IN, rel=0.01)
    # xavier gain
    w = init.xavier_normal(FAN_IN, FAN_OUT, gain=3.0, rng=rng)
    assert np.var(w) == pytest.approx(9 * 2.0 / (FAN_IN + FAN_OUT), rel=0.01)
    # naive baselines use their std/mean/bound
    w = init.normal(FAN_IN, FAN_OUT, std=0.5, mean=2.0, rng=rng)
    assert np.mean(w) == pytest.approx(2.0, abs=0.005) and np.std(w) == pytest.approx(0.5, rel=0.01)
    w = init.uniform(FAN_IN, FAN_OUT, bound=0.3, rng=rng)
    assert np.max(np.abs(w)) <= 0.3 and np.var(w) == pytest.approx(0.03, rel=0.01)


@pytest.mark.parametrize("kwargs, expected", [
    (dict(), math.sqrt(2 / 30)),
    (dict(mode="fan_out"), math.sqrt(2 / 50)),
    (dict(nonlinearity="leaky_relu"), math.sqrt(2 / 30)),  # a = 0 is passed: gain sqrt(2)
    (dict(a=0.2, nonlinearity="leaky_relu"), math.sqrt(2 / (1 + 0.04) / 30)),
    (dict(a=0.2, mode="fan_out", nonlinearity="leaky_relu"), math.sqrt(2 / (1 + 0.04) / 50)),
    (dict(nonlinearity="tanh"), 5 / 3 / math.sqrt(30)),
    (dict(nonlinearity="linear"), 1 / math.sqrt(30)),
    (dict(nonlinearity="selu", mode="fan_out"), 0.75 / math.sqrt(50)),
])
def test_he_std_options_are_not_ignored(kwargs, expected):
    assert init.he_std(30, 50, **kwargs) == pytest.approx(expected, rel=1e-15)


def test_he_rejects_a_slope_that_its_nonlinearity_would_ignore():
    for fn in (init.he_std, init.he_bound, init.he_normal, init.he_uniform):
        with pytest.raises(ValueError, match="leaky_relu"):
            fn(30, 50, a=math.sqrt(5))


# ----------------------------------------------------------------------------
# reproducibility
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("name", RANDOM_INITS)
def test_same_seed_same_weights_different_seed_different_weights(name):
    f = init.get(name)
    a = f(20, 30, rng=np.random.default_rng(7))
    b = f(20, 30, rng=np.random.default_rng(7))
    c = f(20, 30, rng=np.random.default_rng(8))
    np.testing.assert_array_equal(a, b)
    assert not np.any(a == c)


@pytest.mark.parametrize("name", RANDOM_INITS)
def test_rng_none_uses_a_fresh_generator(name):
    f = init.get(name)
    state = np.random.get_state()
    a, b = f(20, 30), f(20, 30)
    assert not np.array_equal(a, b)
    assert all(np.array_equal(x, y) if isinstance(x, np.ndarray) else x == y
               for x, y in zip(state, np.random.get_state()))  # global state untouched


@pytest.mark.parametrize("name", RANDOM_INITS)
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_dtype_keyword_and_seed_give_same_numbers_in_every_dtype(name, dtype):
    f = init.get(name)
    w = f(5, 4, rng=np.random.default_rng(3), dtype=dtype)
    ref = f(5, 4, rng=np.random.default_rng(3))
    assert w.dtype == dtype
    np.testing.assert_array_equal(w, ref.astype(dtype))


# ----------------------------------------------------------------------------
# baselines and registry
# ----------------------------------------------------------------------------
def test_zeros_and_constant():
    np.testing.assert_array_equal(init.zeros(2, 3), np.zeros((2, 3)))
    np.testing.assert_array_equal(init.constant(2, 3, -0.5), np.full((2, 3), -0.5))
    assert init.zeros(2, 3, dtype=np.float32).dtype == np.float32


def test_registry_lists_and_returns_every_initializer(rng):
    assert set(init.names()) == {"zeros", "constant", "normal", "uniform", "xavier_uniform",
                                 "xavier_normal", "he_uniform", "he_normal"}
    for name in init.names():
        f = init.get(name)
        assert f is getattr(init, name)
        args = (0.1,) if name == "constant" else ()
        w = f(3, 4, *args, rng=rng)  # one calling convention for all
        assert w.shape == (3, 4) and w.dtype == np.float64
        assert "rng" in inspect.signature(f).parameters


@pytest.mark.parametrize("alias, target", [
    ("kaiming_normal", "he_normal"), ("kaiming_uniform", "he_uniform"),
    ("glorot_normal", "xavier_normal"), ("glorot_uniform", "xavier_uniform"),
])
def test_registry_aliases(alias, target):
    assert init.get(alias) is init.get(target)


def test_unknown_names_list_the_known_ones():
    with pytest.raises(ValueError, match="xavier_normal"):
        init.get("lecun_normal")
    with pytest.raises(ValueError, match="leaky_relu"):
        init.calculate_gain("gelu")


# ----------------------------------------------------------------------------
# validation
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("fan_in, fan_out, error", [
    (0, 3, ValueError), (3, -1, ValueError), (2.5, 3, TypeError), (3, "4", TypeError),
    (True, 3, TypeError), (None, 3, TypeError),
])
@pytest.mark.parametrize("name", list(init.names()) + ["xavier_std", "he_std", "xavier_bound",
                                                        "he_bound"])
def test_fans_must_be_positive_integers(name, fan_in, fan_out, error):
    f = getattr(init, name)
    args = (0.1,) if name == "constant" else ()
    with pytest.raises(error, match="fan_in|fan_out"):
        f(fan_in, fan_out, *args)


def test_numpy_integer_fans_are_accepted():
    assert init.zeros(np.int64(2), np.int32(3)).shape == (2, 3)


@pytest.mark.parametrize("call, error", [
    (lambda: init.normal(3, 3, std=-1.0), ValueError),
    (lambda: init.normal(3, 3, std=float("nan")), ValueError),
    (lambda: init.uniform(3, 3, bound=-0.1), ValueError),
    (lambda: init.xavier_normal(3, 3, gain=-1.0), ValueError),
    (lambda: init.he_normal(3, 3, mode="fan_avg"), ValueError),
    (lambda: init.he_normal(3, 3, nonlinearity="swish"), ValueError),
    (lambda: init.normal(3, 3, std="1"), TypeError),
    (lambda: init.constant(3, 3, None), TypeError),
    (lambda: init.he_normal(3, 3, a="0.1", nonlinearity="leaky_relu"), TypeError),
    (lambda: init.calculate_gain("leaky_relu", "0.1"), TypeError),
    (lambda: init.normal(3, 3, rng="42"), TypeError),
    (lambda: init.zeros(3, 3, rng=4.2), TypeError),
    (lambda: init.normal(3, 3, dtype=np.int32), TypeError),
])
def test_invalid_arguments_raise(call, error):
    with pytest.raises(error):
        call()


def test_error_messages_name_the_value():
    with pytest.raises(ValueError, match="std: -1.0"):
        init.normal(3, 3, std=-1.0)
    with pytest.raises(ValueError, match="fan_in, fan_out"):
        init.he_std(3, 3, mode="avg")


def test_rng_follows_the_one_rule_none_int_or_generator():
    # an int seed is a fresh generator with that seed: reproducible, same as passing one
    w_int = init.he_normal(50, 40, rng=0)
    w_gen = init.he_normal(50, 40, rng=np.random.default_rng(0))
    np.testing.assert_array_equal(w_int, w_gen)
    assert init.he_normal(50, 40, rng=None).shape == (50, 40)
    with pytest.raises(ValueError, match="seed"):
        init.he_normal(5, 4, rng=-1)

