"""Specification of lecture_kit.landscapes.

Oracles: central finite differences in float64 (gradients, Hessians), and the
analytic facts stated in the docstrings (minimum values, Hessian eigenvalues,
gradient-descent iterates on a quadratic).
"""

import numpy as np
import pytest

from lecture_kit import landscapes, optim
from lecture_kit.landscapes import Landscape

ALL = landscapes.names()


def fd_grad(f, p, h=1e-6):
    """Central finite-difference gradient of a scalar function of 2 variables."""
    p = np.asarray(p, dtype=np.float64)
    g = np.empty(2)
    for i in range(2):
        e = np.zeros(2)
        e[i] = h
        g[i] = (f(p + e) - f(p - e)) / (2 * h)
    return g


def fd_hessian(f, p, h=1e-4):
    """Central second differences of ``f`` itself (independent of ``grad``)."""
    p = np.asarray(p, dtype=np.float64)
    H = np.empty((2, 2))
    E = np.eye(2) * h
    for i in range(2):
        for j in range(2):
            H[i, j] = (
                f(p + E[i] + E[j]) - f(p + E[i] - E[j]) - f(p - E[i] + E[j]) + f(p - E[i] - E[j])
            ) / (4 * h * h)
    return H


def random_points(land, rng, n=20):
    (x0, x1), (y0, y1) = land.bounds
    return np.column_stack([rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)])


# ----------------------------------------------------------------------------
# registry
# ----------------------------------------------------------------------------
def test_registry_lists_the_five_landscapes():
    assert set(ALL) == {"ill_conditioned_quadratic", "rosenbrock", "saddle", "beale", "himmelblau"}


@pytest.mark.parametrize("name", ALL)
def test_get_builds_a_landscape_with_its_name(name):
    land = landscapes.get(name)
    assert isinstance(land, Landscape) and land.name == name and land.latex


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(ValueError, match="rosenbrock"):
        landscapes.get("griewank")


# ----------------------------------------------------------------------------
# gradients
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("name", ALL)
def test_gradient_matches_central_finite_differences(name, rng):
    land = landscapes.get(name)
    for p in random_points(land, rng):
        fd = fd_grad(land.f, p)
        np.testing.assert_allclose(land.grad(p), fd, rtol=1e-6, atol=1e-6 * (1 + np.abs(fd).max()))


@pytest.mark.parametrize(
    "name, params",
    [
        ("ill_conditioned_quadratic", {"kappa": 100.0, "mu": 0.3}),
        ("rosenbrock", {"a": -2.0, "b": 5.0}),
    ],
)
def test_gradient_matches_finite_differences_for_non_default_parameters(name, params, rng):
    land = landscapes.get(name, **params)
    for p in random_points(land, rng):
        fd = fd_grad(land.f, p)
        np.testing.assert_allclose(land.grad(p), fd, rtol=1e-6, atol=1e-6 * (1 + np.abs(fd).max()))


@pytest.mark.parametrize("name", ALL)
def test_f_and_grad_are_vectorized_over_a_grid(name, rng):
    land = landscapes.get(name)
    grid = random_points(land, rng, n=35).reshape(5, 7, 2)
    values, grads = land.f(grid), land.grad(grid)
    assert values.shape == (5, 7) and grads.shape == (5, 7, 2)
    for i in range(5):
        for j in range(7):
            assert values[i, j] == land.f(grid[i, j])
            np.testing.assert_array_equal(grads[i, j], land.grad(grid[i, j]))


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_float_dtype_is_preserved(name, dtype):
    land = landscapes.get(name)
    p = np.array([[0.5, -0.25], [0.1, 0.2]], dtype=dtype)
    assert land.f(p).dtype == dtype
    assert land.grad(p).dtype == dtype


@pytest.mark.parametrize("name", ALL)
def test_integer_input_becomes_float64_and_one_point_gives_a_scalar(name):
    land = landscapes.get(name)
    value = land.f([1, 0])
    assert np.ndim(value) == 0 and np.asarray(value).dtype == np.float64
    assert land.grad([1, 0]).shape == (2,)


@pytest.mark.parametrize("name", ALL)
def test_nan_propagates(name):
    land = landscapes.get(name)
    with np.errstate(invalid="ignore"):
        assert np.isnan(land.f(np.array([np.nan, 0.5])))
        assert np.isnan(land.grad(np.array([np.nan, 0.5]))).any()


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("bad", [np.zeros(3), np.zeros((4, 3)), np.float64(1.0)])
def test_wrong_last_axis_raises_with_the_shape(name, bad):
    with pytest.raises(ValueError, match="last axis of length 2"):
        landscapes.get(name).f(bad)
    with pytest.raises(ValueError, match="last axis of length 2"):
        landscapes.get(name).grad(bad)


# ----------------------------------------------------------------------------
# critical points
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("name", ALL)
def test_known_minima_have_the_minimum_value_and_zero_gradient(name):
    land = landscapes.get(name)
    for m in land.minima:
        assert land.f(m) == pytest.approx(land.f_min, abs=1e-12)
        np.testing.assert_allclose(land.grad(m), 0.0, atol=1e-9)
        eig = np.linalg.eigvalsh(fd_hessian(land.f, m))
        assert np.all(eig > 0), f"Hessian at {m} is not positive definite: {eig}"


@pytest.mark.parametrize("name", [n for n in ALL if landscapes.get(n).f_min is not None])
def test_nothing_on_a_grid_lies_below_the_minimum_value(name):
    land = landscapes.get(name)
    (x0, x1), (y0, y1) = land.bounds
    X, Y = np.meshgrid(np.linspace(x0, x1, 201), np.linspace(y0, y1, 201))
    assert land.f(np.stack([X, Y], -1)).min() >= land.f_min - 1e-12


@pytest.mark.parametrize("name", ALL)
def test_known_saddles_have_zero_gradient_and_an_indefinite_hessian(name):
    land = landscapes.get(name)
    for s in land.saddles:
        np.testing.assert_allclose(land.grad(s), 0.0, atol=1e-9)
        eig = np.linalg.eigvalsh(fd_hessian(land.f, s))
        assert eig.min() < 0 < eig.max(), f"not a saddle at {s}: {eig}"


def test_himmelblau_has_four_distinct_minima_of_value_zero():
    h = landscapes.himmelblau()
    pts = np.array(h.minima)
    assert pts.shape == (4, 2)
    assert min(np.linalg.norm(a - b) for i, a in enumerate(pts) for b in pts[i + 1:]) > 1.0
    np.testing.assert_allclose(h.f(pts), 0.0, atol=1e-12)


def test_saddle_has_no_minimum_and_is_unbounded_below():
    s = landscapes.saddle()
    assert s.minima == () and s.f_min is None
    assert s.f(np.array([0.0, 1e3])) == -1e6
    np.testing.assert_array_equal(fd_hessian(s.f, [0.0, 0.0]).round(6), [[2.0, 0.0], [0.0, -2.0]])


@pytest.mark.parametrize("a, b", [(1.0, 100.0), (-2.0, 5.0), (0.5, 1.0)])
def test_rosenbrock_parameters_move_the_minimum_and_the_walls(a, b):
    r = landscapes.rosenbrock(a=a, b=b)
    np.testing.assert_allclose(r.minima[0], [a, a * a])
    # f(0, 1) = a^2 + b, straight from the formula
    assert r.f(np.array([0.0, 1.0])) == pytest.approx(a * a + b)


# ----------------------------------------------------------------------------
# the ill-conditioned quadratic
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("kappa, mu", [(25.0, 1.0), (10.0, 0.5), (1.0, 2.0), (1000.0, 0.01)])
def test_quadratic_hessian_eigenvalues_give_the_stated_condition_number(kappa, mu):
    q = landscapes.ill_conditioned_quadratic(kappa=kappa, mu=mu)
    # second differences are exact for a quadratic, so a large h only lowers round-off
    eig = np.linalg.eigvalsh(fd_hessian(q.f, [0.3, -0.7], h=1e-2))
    np.testing.assert_allclose(eig, [mu, kappa * mu], rtol=1e-8)
    assert q.mu == pytest.approx(eig[0], rel=1e-6)
    assert q.L == pytest.approx(eig[1], rel=1e-6)
    assert q.condition_number == pytest.approx(eig[1] / eig[0], rel=1e-6)
    assert q.eigenvalues == (q.mu, q.L)


@pytest.mark.parametrize("kwargs", [{"kappa": 0.5}, {"kappa": -1.0}, {"mu": 0.0}, {"kappa": float("nan")}])
def test_quadratic_rejects_invalid_constants(kwargs):
    with pytest.raises(ValueError):
        landscapes.ill_conditioned_quadratic(**kwargs)


def test_rosenbrock_rejects_non_positive_b():
    with pytest.raises(ValueError, match="b"):
        landscapes.rosenbrock(b=0.0)


@pytest.mark.parametrize("name", ALL)
def test_default_start_lies_inside_the_plotting_box(name):
    land = landscapes.get(name)
    (x0, x1), (y0, y1) = land.bounds
    assert x0 < land.start[0] < x1 and y0 < land.start[1] < y1
    for m in land.minima:
        assert x0 < m[0] < x1 and y0 < m[1] < y1


# ----------------------------------------------------------------------------
# optimizers on the landscapes (the analytic facts the chapters rely on)
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("lr", [0.01, 0.05, 0.07])
def test_gradient_descent_on_the_quadratic_follows_the_analytic_iterates(lr):
    # theta_t = ((1 - lr mu)^t x0, (1 - lr L)^t y0)
    q = landscapes.ill_conditioned_quadratic(kappa=25.0, mu=1.0)
    path = optim.trajectory(optim.sgd(lr=lr), q.grad, q.start, 30)
    t = np.arange(31)
    expected = np.column_stack([(1 - lr * q.mu) ** t * q.start[0], (1 - lr * q.L) ** t * q.start[1]])
    np.testing.assert_allclose(path, expected, rtol=1e-12, atol=1e-15)


def test_gradient_descent_diverges_on_the_quadratic_beyond_two_over_L():
    q = landscapes.ill_conditioned_quadratic(kappa=25.0, mu=1.0)
    stable = optim.trajectory(optim.sgd(lr=1.9 / q.L), q.grad, q.start, 200)
    unstable = optim.trajectory(optim.sgd(lr=2.1 / q.L), q.grad, q.start, 200)
    assert abs(stable[-1, 1]) < abs(stable[0, 1]) < abs(unstable[-1, 1])


def test_heavy_ball_with_the_documented_optimal_constants_reaches_the_accelerated_rate():
    q = landscapes.ill_conditioned_quadratic(kappa=25.0, mu=1.0)
    lr = 4.0 / (np.sqrt(q.L) + np.sqrt(q.mu)) ** 2
    beta = ((np.sqrt(q.condition_number) - 1) / (np.sqrt(q.condition_number) + 1)) ** 2
    assert lr == pytest.approx(1 / 9) and beta == pytest.approx(4 / 9)
    rho = (np.sqrt(q.condition_number) - 1) / (np.sqrt(q.condition_number) + 1)
    path = optim.trajectory(optim.sgd(lr=lr, momentum=beta), q.grad, q.start, 400)
    norms = np.linalg.norm(path, axis=1)
    # a double eigenvalue rho: ||theta_t|| ~ C t rho^t, so compare t = 200 and 400
    rate = (norms[400] / norms[200] / 2.0) ** (1 / 200)
    assert rate == pytest.approx(rho, rel=1e-3)
    # plain gradient descent at its best step size contracts by (kappa - 1)/(kappa + 1)
    gd = optim.trajectory(optim.sgd(lr=2 / (q.L + q.mu)), q.grad, q.start, 400)
    gd_rate = (np.linalg.norm(gd[400]) / np.linalg.norm(gd[200])) ** (1 / 200)
    assert gd_rate == pytest.approx((q.condition_number - 1) / (q.condition_number + 1), rel=1e-6)
    assert rate < gd_rate


@pytest.mark.parametrize("start, expected", [((3.5, 2.5), 0), ((-3.0, 3.5), 1), ((-3.5, -3.5), 2), ((3.5, -2.5), 3)])
def test_gradient_descent_on_himmelblau_reaches_the_nearest_minimum(start, expected):
    h = landscapes.himmelblau()
    path = optim.trajectory(optim.sgd(lr=0.01), h.grad, np.array(start), 500)
    np.testing.assert_allclose(path[-1], h.minima[expected], atol=1e-6)


def test_contour_grid_spans_the_box_and_spaces_levels_above_the_minimum():
    land = landscapes.rosenbrock()
    X, Y, Z, levels = landscapes.contour_grid(land, resolution=50, levels=12)
    (x0, x1), (y0, y1) = land.bounds
    assert (X.min(), X.max(), Y.min(), Y.max()) == (x0, x1, y0, y1)
    np.testing.assert_allclose(Z, land.f(np.stack([X, Y], axis=-1)))
    gaps = levels - land.f_min
    np.testing.assert_allclose(gaps[1:] / gaps[:-1], gaps[1] / gaps[0])  # geometric
    with pytest.raises(ValueError, match="resolution"):
        landscapes.contour_grid(land, resolution=1)
