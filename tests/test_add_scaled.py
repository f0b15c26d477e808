"""core.numerics.add_scaled: y += a x in place, rounded once (checked in exact arithmetic)."""

from fractions import Fraction

import numpy as np
import pytest

from lecture_kit.core import numerics
from lecture_kit.core.numerics import add_scaled


def _correctly_rounded(y, x, a, dtype):
    """round(y + a x) computed in exact rationals, one rounding to ``dtype``."""
    a = dtype(a)  # the factor as the kernel sees it
    exact = [Fraction(float(yi)) + Fraction(float(a)) * Fraction(float(xi)) for yi, xi in zip(y, x)]
    # float(Fraction) rounds correctly to float64; a second rounding to float32
    # could differ from one direct rounding only in a double-rounding tie, which
    # these random inputs make vanishingly unlikely (and float64 has none)
    return np.array([float(e) for e in exact]).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_one_rounding_when_blas_is_there(dtype):
    if numerics.BLAS is None:  # pragma: no cover - SciPy is in requirements.txt
        pytest.fail("SciPy is pinned in requirements.txt: the BLAS path must be tested")
    rng = np.random.default_rng(0)
    y = rng.standard_normal(2000).astype(dtype)
    x = rng.standard_normal(2000).astype(dtype)
    expected = _correctly_rounded(y, x, -0.01, dtype)
    got = add_scaled(y.copy(), x, -0.01)
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("blas", [True, False])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_in_place_any_layout_and_within_an_ulp(monkeypatch, blas, dtype):
    if not blas:
        monkeypatch.setattr(numerics, "BLAS", None)
    rng = np.random.default_rng(1)
    base = rng.standard_normal((6, 8)).astype(dtype)
    before = base.copy()
    y = base[:, ::2]                       # a non-contiguous view, written through
    x = rng.standard_normal((6, 4)).astype(dtype)
    exact = _correctly_rounded(y.ravel(), x.ravel(), 0.3, dtype).reshape(y.shape)
    out = add_scaled(y, x, 0.3)
    assert out is y and np.shares_memory(base, y)
    # two roundings at most (the product, then the sum): the error bound of the
    # two-pass form; the one-rounding BLAS form is within the first term
    bound = np.finfo(dtype).eps * (np.abs(0.3 * x.astype(np.float64)) + np.abs(exact))
    assert np.all(np.abs(base[:, ::2].astype(np.float64) - exact) <= bound)
    np.testing.assert_array_equal(base[:, 1::2], before[:, 1::2])  # the other columns stay


def test_nan_propagates_and_edge_shapes():
    y = np.array([1.0, np.nan, 3.0])
    assert np.isnan(add_scaled(y, np.array([np.nan, 1.0, 0.0]), 2.0)[:2]).all()
    assert add_scaled(np.zeros(()), np.ones(()), 3.0) == 3.0
    assert add_scaled(np.zeros(0), np.zeros(0), 3.0).shape == (0,)


def test_scipy_is_imported_only_when_a_step_needs_it():
    """``import lecture_kit`` and the activations leave SciPy unimported (a quarter of a
    second in every kernel); the first ``add_scaled`` on floats brings its BLAS in."""
    import subprocess
    import sys

    code = ("import sys, numpy as np\nfrom lecture_kit import activations, plots, widgets\n"
            "from lecture_kit.core import numerics\n"
            "print('scipy' in sys.modules)\n"
            "numerics.add_scaled(np.zeros(3), np.ones(3), 2.0)\n"
            "print('scipy.linalg' in sys.modules, numerics.BLAS is not None)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["False", "True", "True"]
