"""Specification of lecture_kit.data: shapes, balance, determinism, no leakage, no network."""

import socket

import numpy as np
import pytest

from lecture_kit import data

TOY = {
    "spirals": lambda rng: data.spirals(40, 3, rng=rng),
    "moons": lambda rng: data.moons(120, rng=rng),
    "circles": lambda rng: data.circles(120, rng=rng),
    "xor": lambda rng: data.xor(120, rng=rng),
}


# ----------------------------------------------------------------------------
# toy classification problems
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(TOY))
def test_toy_problem_returns_float64_points_and_int_labels(name, rng):
    X, y = TOY[name](rng)
    assert X.dtype == np.float64 and X.ndim == 2 and X.shape[1] == 2
    assert y.dtype == np.int64 and y.shape == (X.shape[0],)
    assert np.all(np.isfinite(X))


@pytest.mark.parametrize("name", sorted(TOY))
def test_toy_problem_is_reproducible_with_the_same_seed(name):
    X1, y1 = TOY[name](np.random.default_rng(7))
    X2, y2 = TOY[name](np.random.default_rng(7))
    X3, _ = TOY[name](np.random.default_rng(8))
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3)


@pytest.mark.parametrize("name", sorted(TOY))
def test_toy_problem_accepts_an_int_seed(name):
    X1, _ = TOY[name](3)
    X2, _ = TOY[name](np.random.default_rng(3))
    np.testing.assert_array_equal(X1, X2)


@pytest.mark.parametrize("name", sorted(TOY))
def test_toy_problem_is_shuffled(name, rng):
    _, y = TOY[name](rng)
    # sorted labels would be a single run per class
    assert np.count_nonzero(np.diff(y)) > len(np.unique(y))


@pytest.mark.parametrize("n, n_classes", [(50, 3), (7, 5), (1, 2)])
def test_spirals_have_exactly_n_per_class_points_per_arm(n, n_classes, rng):
    X, y = data.spirals(n, n_classes, rng=rng)
    assert X.shape == (n * n_classes, 2)
    assert np.bincount(y, minlength=n_classes).tolist() == [n] * n_classes


def test_spirals_without_noise_lie_on_the_stated_curve(rng):
    X, y = data.spirals(30, 3, noise=0.0, rng=rng)
    r = np.hypot(X[:, 0], X[:, 1])
    # x = r (sin t, cos t) with t = 4 (k + r): recompute the point from r and k
    t = 4.0 * (y + r)
    np.testing.assert_allclose(X, np.column_stack([r * np.sin(t), r * np.cos(t)]), atol=1e-12)
    assert r.max() == pytest.approx(1.0)


def test_spirals_noise_moves_points_off_the_curve(rng):
    X0, y0 = data.spirals(30, 3, noise=0.0, rng=np.random.default_rng(1))
    X1, y1 = data.spirals(30, 3, noise=0.5, rng=np.random.default_rng(1))
    # same radii (noise acts on the angle) but different points
    np.testing.assert_allclose(
        np.sort(np.hypot(*X0.T)), np.sort(np.hypot(*X1.T)), atol=1e-12
    )
    assert not np.allclose(np.sort(X0[:, 0]), np.sort(X1[:, 0]))


@pytest.mark.parametrize("n", [2, 101, 200])
def test_moons_and_circles_split_classes_as_evenly_as_possible(n, rng):
    for make in (data.moons, data.circles):
        _, y = make(n, rng=rng)
        counts = np.bincount(y, minlength=2)
        assert counts.sum() == n and counts[0] - counts[1] in (0, 1)


def test_moons_without_noise_lie_on_their_half_circles(rng):
    X, y = data.moons(100, noise=0.0, rng=rng)
    upper, lower = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0)
    assert np.all(upper[:, 1] >= -1e-12)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1.0, lower[:, 1] - 0.5), 1.0)
    assert np.all(lower[:, 1] <= 0.5 + 1e-12)


def test_moons_noise_spreads_points_around_the_half_circle(rng):
    X, y = data.moons(4000, noise=0.3, rng=rng)
    # radial deviation from the unit circle is about N(0, noise^2)
    r = np.hypot(*X[y == 0].T)
    assert r.std() == pytest.approx(0.3, rel=0.15)


@pytest.mark.parametrize("factor", [0.2, 0.5, 0.9])
def test_circles_inner_radius_is_factor(factor, rng):
    X, y = data.circles(60, noise=0.0, factor=factor, rng=rng)
    np.testing.assert_allclose(np.hypot(*X[y == 0].T), 1.0)
    np.testing.assert_allclose(np.hypot(*X[y == 1].T), factor)


@pytest.mark.parametrize("n", [4, 8, 200, 203])
def test_xor_labels_are_the_xor_of_the_blob_signs(n, rng):
    X, y = data.xor(n, noise=0.0, rng=rng)
    np.testing.assert_array_equal(np.abs(X), 1.0)
    np.testing.assert_array_equal(y, (X[:, 0] > 0) != (X[:, 1] > 0))
    counts = np.bincount(y, minlength=2)
    assert abs(counts[0] - counts[1]) <= 2


def test_xor_noise_spreads_each_blob(rng):
    X, y = data.xor(4000, noise=0.25, rng=rng)
    corner = X[(np.sign(X[:, 0]) == 1) & (np.sign(X[:, 1]) == 1)]
    assert corner.std(axis=0) == pytest.approx([0.25, 0.25], rel=0.15)


# ----------------------------------------------------------------------------
# regression
# ----------------------------------------------------------------------------
def test_regression_1d_shapes_sorting_and_default_function(rng):
    X, y = data.regression_1d(64, noise=0.0, rng=rng)
    assert X.shape == (64, 1) and y.shape == (64,) and X.dtype == y.dtype == np.float64
    assert np.all(np.diff(X[:, 0]) >= 0) and np.all(np.abs(X) <= 1.0)
    np.testing.assert_allclose(y, np.sin(np.pi * X[:, 0]))


def test_regression_1d_uses_the_given_function_and_noise(rng):
    X, y = data.regression_1d(5000, noise=0.2, rng=rng, func=lambda x: x * x)
    resid = y - X[:, 0] ** 2
    assert resid.std() == pytest.approx(0.2, rel=0.05)
    assert abs(resid.mean()) < 0.02


def test_regression_1d_rejects_a_function_with_the_wrong_output_shape(rng):
    with pytest.raises(ValueError, match="one value per input"):
        data.regression_1d(10, rng=rng, func=lambda x: x[:3])
    with pytest.raises(TypeError, match="callable"):
        data.regression_1d(10, rng=rng, func=3.0)


# ----------------------------------------------------------------------------
# argument checking
# ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: data.spirals(0), "n_per_class"),
        (lambda: data.spirals(10, 1), "n_classes"),
        (lambda: data.spirals(10, 3, noise=-0.1), "noise"),
        (lambda: data.moons(1), "n"),
        (lambda: data.moons(10, noise=float("nan")), "noise"),
        (lambda: data.circles(10, factor=1.0), "factor"),
        (lambda: data.circles(10, factor=0.0), "factor"),
        (lambda: data.xor(3), "n"),
        (lambda: data.regression_1d(0), "n"),
        (lambda: data.digits(test_size=0.0), "test_size"),
        (lambda: data.digits(test_size=1.0), "test_size"),
        (lambda: data.spirals(10, rng=-1), "seed"),
    ],
)
def test_bad_arguments_raise_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.parametrize(
    "call",
    [
        lambda: data.moons(10.0),
        lambda: data.moons(True),
        lambda: data.moons(10, rng=np.random.RandomState(0)),
        lambda: data.moons(10, rng=1.5),
        lambda: data.digits(standardize="yes"),
    ],
)
def test_wrong_types_raise_type_error(call):
    with pytest.raises(TypeError):
        call()


def test_generator_is_used_not_global_state(rng):
    state = np.random.get_state()[1].copy()
    data.moons(10, rng=rng)
    data.digits(rng=rng)
    np.testing.assert_array_equal(np.random.get_state()[1], state)


# ----------------------------------------------------------------------------
# digits
# ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def raw_digits():
    from sklearn.datasets import load_digits

    bunch = load_digits()
    return bunch.data.astype(np.float64), bunch.target.astype(np.int64)


def test_digits_split_sizes_and_types():
    split = data.digits(rng=0)
    X_train, X_test, y_train, y_test = split
    assert X_train.shape == (1347, 64) and X_test.shape == (450, 64)
    assert y_train.shape == (1347,) and y_test.shape == (450,)
    assert X_train.dtype == X_test.dtype == np.float64
    assert y_train.dtype == y_test.dtype == np.int64
    assert split.X_train is X_train


@pytest.mark.parametrize("test_size", [0.25, 0.5, 0.1])
def test_digits_split_is_stratified(test_size, raw_digits):
    _, y = raw_digits
    split = data.digits(test_size=test_size, rng=1)
    per_class = np.bincount(y)
    np.testing.assert_array_equal(
        np.bincount(split.y_test, minlength=10), np.round(test_size * per_class)
    )
    np.testing.assert_array_equal(
        np.bincount(split.y_train, minlength=10) + np.bincount(split.y_test, minlength=10),
        per_class,
    )


def test_digits_split_is_a_partition_of_the_raw_images(raw_digits):
    X, y = raw_digits
    split = data.digits(standardize=False, rng=2)
    together = np.concatenate([split.X_train, split.X_test])
    labels = np.concatenate([split.y_train, split.y_test])
    # every raw row appears exactly once, with its label
    key = lambda A, b: sorted(map(tuple, np.column_stack([A, b])))
    assert key(together, labels) == key(X, y)


def test_digits_without_standardization_keeps_raw_intensities():
    split = data.digits(standardize=False, rng=0)
    assert split.X_train.min() == 0.0 and split.X_train.max() == 16.0
    assert np.all(split.X_train == np.round(split.X_train))


def test_digits_standardization_uses_training_statistics_only():
    raw = data.digits(standardize=False, rng=5)
    std = data.digits(standardize=True, rng=5)
    mean = raw.X_train.mean(axis=0)
    scale = raw.X_train.std(axis=0)
    scale[scale == 0] = 1.0
    np.testing.assert_allclose(std.X_train, (raw.X_train - mean) / scale, atol=1e-12)
    np.testing.assert_allclose(std.X_test, (raw.X_test - mean) / scale, atol=1e-12)
    # train is centred and scaled; test is not exactly (no leakage of its statistics)
    np.testing.assert_allclose(std.X_train.mean(axis=0), 0.0, atol=1e-12)
    varying = raw.X_train.std(axis=0) > 0
    np.testing.assert_allclose(std.X_train.std(axis=0)[varying], 1.0)
    assert np.abs(std.X_test.mean(axis=0)).max() > 1e-3
    assert not np.allclose(std.X_test.std(axis=0)[varying], 1.0)


def test_digits_constant_pixels_are_centred_not_divided_by_zero():
    # the conftest fixture turns a division by zero into an error
    split = data.digits(rng=0)
    assert np.all(np.isfinite(split.X_train)) and np.all(np.isfinite(split.X_test))
    raw = data.digits(standardize=False, rng=0)
    constant = raw.X_train.std(axis=0) == 0
    assert constant.any()
    np.testing.assert_array_equal(split.X_train[:, constant], 0.0)


def test_digits_is_deterministic_with_a_seed_and_varies_between_seeds():
    a, b, c = data.digits(rng=3), data.digits(rng=3), data.digits(rng=4)
    np.testing.assert_array_equal(a.X_train, b.X_train)
    np.testing.assert_array_equal(a.y_test, b.y_test)
    assert not np.array_equal(a.y_test, c.y_test)


def test_digits_never_opens_a_network_connection(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("digits() tried to open a socket")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    split = data.digits(rng=0)
    assert split.X_train.shape[1] == 64


def test_digits_test_size_too_small_for_a_class_raises():
    with pytest.raises(ValueError, match="without a train or a test"):
        data.digits(test_size=0.001, rng=0)


# ----------------------------------------------------------------------------
# one_hot
# ----------------------------------------------------------------------------
def test_one_hot_rows_pick_the_label_column(rng):
    y = rng.integers(0, 7, size=50)
    Y = data.one_hot(y, 7)
    assert Y.shape == (50, 7) and Y.dtype == np.float64
    np.testing.assert_array_equal(Y.sum(axis=1), 1.0)
    np.testing.assert_array_equal(Y.argmax(axis=1), y)


def test_one_hot_infers_the_number_of_classes():
    assert data.one_hot([0, 3]).shape == (2, 4)
    assert data.one_hot(np.array([1.0, 0.0])).tolist() == [[0.0, 1.0], [1.0, 0.0]]


@pytest.mark.parametrize(
    "y, n", [([0, 3], 3), ([-1, 0], 2), ([[0, 1]], 2), ([0.5, 1.0], 2), ([], None)]
)
def test_one_hot_rejects_bad_labels(y, n):
    with pytest.raises(ValueError):
        data.one_hot(y, n)
