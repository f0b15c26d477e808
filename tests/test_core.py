"""The core: one validation, one Registry, one home for the stable numerics."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lecture_kit.core import numerics as nx
from lecture_kit.core.registry import Registry
from lecture_kit.core.validation import (as_generator, check_float_dtype, check_integer,
                                         check_positive, check_real, working_dtype)


@pytest.mark.parametrize("bad, error", [(math.inf, ValueError), (-math.inf, ValueError),
                                        (math.nan, ValueError), ("1", TypeError),
                                        (True, TypeError), (None, TypeError), (1j, TypeError)])
def test_check_real_refuses_non_finite_and_non_numbers(bad, error):
    with pytest.raises(error):
        check_real(bad, "lr")


def test_bounds_name_the_argument():
    with pytest.raises(ValueError, match=r"Invalid alpha: 0 \(must be > 0\)"):
        check_positive(0, "alpha")
    with pytest.raises(ValueError, match=r"depth.*>= 1"):
        check_integer(0, "depth", minimum=1)
    with pytest.raises(TypeError, match="int"):
        check_integer(2.0, "depth")


def test_working_dtype_rule_is_float16_to_float32_only():
    assert working_dtype(np.float16) == np.float32
    assert working_dtype(np.float32) == np.float32
    assert working_dtype(np.float64) == np.float64
    with pytest.raises(TypeError):
        check_float_dtype(np.int32)
    with pytest.raises(ValueError, match="float32 or float64"):
        check_float_dtype(np.float16, ("float32", "float64"))


def test_one_rng_rule():
    g = np.random.default_rng(1)
    assert as_generator(g) is g
    assert as_generator(5).random() == np.random.default_rng(5).random()
    assert isinstance(as_generator(None), np.random.Generator)
    for bad in (1.5, "1", np.random.RandomState(0), True):
        with pytest.raises(TypeError):
            as_generator(bad)


def test_registry_order_hint_parameters_and_scope():
    r = Registry("widget")
    r.add("beta", lambda x=1: x)
    r.add("alpha", lambda y=2: y)
    assert r.names() == ("beta", "alpha")  # registration order, not sorted
    with pytest.raises(ValueError, match=r"Unknown widget 'alpah' \(did you mean 'alpha'\?\)"):
        r.lookup("alpah")
    with pytest.raises(TypeError, match="string"):
        r.lookup(3)
    with pytest.raises(ValueError, match="Unknown parameter.*z.*its parameters: y"):
        r.create("alpha", z=1)
    with pytest.raises(ValueError, match="already registered"):
        r.add("beta", object())
    with r.scope():
        r.add("gamma", object())
        r.unregister("beta")
        assert r.names() == ("alpha", "gamma")
    assert r.names() == ("beta", "alpha")


def test_sigmoid_is_finite_and_accurate_at_the_extremes():
    x = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0])
    s = nx.sigmoid(x.copy())
    assert s[0] == 0.0 and s[-1] == 1.0 and s[2] == 0.5
    assert s[1] == pytest.approx(math.exp(-50), rel=1e-14)  # no cancellation in the tail
    lo, hi = nx.sigmoid_pair(np.array([40.0]))
    assert hi[0] == pytest.approx(math.exp(-40), rel=1e-14)


def test_softmax_log_softmax_logsumexp_agree_and_survive_huge_logits():
    z = np.array([[1e4, 0.0, -1e4], [1.0, 2.0, 3.0]])
    p = nx.softmax(z, 1)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    np.testing.assert_allclose(nx.log_softmax(z, 1)[1], np.log(p[1]), rtol=1e-14)
    assert nx.log_softmax(z, 1)[0, 2] == -2e4
    np.testing.assert_allclose(nx.logsumexp(z, 1)[:, 0], [1e4, np.log(np.exp([1, 2, 3]).sum())])
    assert np.isnan(nx.softmax(np.array([np.nan, 1e4]), 0)).all()  # NaN spreads, no overflow


def test_softplus_is_exact_on_both_sides():
    x = np.array([-800.0, 0.0, 800.0])
    np.testing.assert_array_equal(nx.softplus(x), [0.0, math.log(2.0), 800.0])
