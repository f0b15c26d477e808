"""The shared figures: the data drawn is the data asked for, with labels and titles."""

import numpy as np
import pytest

from lecture_kit import landscapes, plots
from lecture_kit.autodiff import Value, topological_order
from lecture_kit.mlp import depth_probe


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def test_activation_and_derivative_draws_the_function_and_its_derivative():
    ax_f, ax_df = plots.activation_and_derivative(None, "sigmoid")
    x, y = ax_f.lines[0].get_data()
    np.testing.assert_allclose(y, _sigmoid(x), rtol=1e-12)
    xd, dy = ax_df.lines[0].get_data()
    np.testing.assert_allclose(dy, _sigmoid(xd) * (1 - _sigmoid(xd)), rtol=1e-10)
    assert (ax_f.get_xlabel(), ax_f.get_ylabel()) == ("$x$", "$f(x)$")
    assert (ax_df.get_xlabel(), ax_df.get_ylabel()) == ("$x$", "$f'(x)$")
    assert "sigmoid" in ax_f.get_title() and "derivative" in ax_df.get_title()


def test_saturated_regions_of_the_sigmoid_are_where_its_slope_is_below_the_threshold():
    # sigma' = s (1 - s) = t  <=>  s = (1 - sqrt(1 - 4 t)) / 2; x = logit(s)
    t = 0.05
    s = (1 - np.sqrt(1 - 4 * t)) / 2
    edge = np.log(1 / s - 1)                                   # about 2.94
    ax_f, ax_df = plots.activation_and_derivative(None, "sigmoid", threshold=t)
    for ax in (ax_f, ax_df):
        spans = sorted((p.get_x(), p.get_x() + p.get_width())
                       for p in ax.patches if p.get_gid() == "saturated")
        assert len(spans) == 2
        (a, b), (c, d) = spans
        assert a == pytest.approx(-6.0) and d == pytest.approx(6.0)
        assert b == pytest.approx(-edge, abs=0.02) and c == pytest.approx(edge, abs=0.02)


def test_threshold_option_moves_the_shading_and_shade_false_removes_it():
    x = np.linspace(-6, 6, 1201)
    narrow = plots.saturated_intervals("tanh", x, threshold=0.01)
    wide = plots.saturated_intervals("tanh", x, threshold=0.2)
    # tanh' = 1 - tanh^2 = t  <=>  x = artanh(sqrt(1 - t))
    assert narrow[1][0] == pytest.approx(np.arctanh(np.sqrt(0.99)), abs=0.01)
    assert wide[1][0] == pytest.approx(np.arctanh(np.sqrt(0.8)), abs=0.01)
    ax_f, _ = plots.activation_and_derivative(None, "tanh", shade=False)
    assert not [p for p in ax_f.patches if p.get_gid() == "saturated"]


def test_activation_parameters_reach_the_curve_and_the_reference_is_drawn_behind():
    ax_f, ax_df = plots.activation_and_derivative(None, "leaky_relu", negative_slope=0.2,
                                                  reference="relu")
    x, y = ax_f.lines[0].get_data()
    np.testing.assert_allclose(y, np.where(x > 0, x, 0.2 * x))
    np.testing.assert_allclose(ax_f.lines[1].get_ydata(), np.maximum(x, 0))
    assert ax_f.lines[1].get_zorder() < ax_f.lines[0].get_zorder()
    assert "negative_slope=0.2" in ax_f.get_title()


def test_an_existing_pair_of_axes_or_an_empty_figure_is_drawn_on():
    fig, (a, b) = plots.subplots(1, 2)
    assert plots.activation_and_derivative((a, b), "relu") == (a, b)
    fig2 = plots.new_figure()
    ax_f, _ = plots.activation_and_derivative(fig2, "relu", title="ReLU")
    assert ax_f.figure is fig2 and fig2.get_suptitle() == "ReLU"
    with pytest.raises(ValueError, match="already has axes"):
        plots.activation_and_derivative(fig, "relu")
    with pytest.raises(ValueError, match="Unknown activation"):
        plots.activation_and_derivative(None, "sigmoyd")


def test_grad_norm_per_layer_draws_one_log_curve_per_run_with_its_label():
    runs = {"sigmoid": [1e-6, 1e-3, 1.0], "relu": [1.0, 1.0, 1.0]}
    ax = plots.grad_norm_per_layer(None, runs)
    assert ax.get_yscale() == "log"
    assert [line.get_label() for line in ax.lines] == ["sigmoid", "relu"]
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), [0, 1, 2])
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), runs["sigmoid"])
    assert ax.lines[0].get_color() != ax.lines[1].get_color()
    assert "layer" in ax.get_xlabel() and "W_l" in ax.get_ylabel() and ax.get_title()


def test_per_layer_curves_with_no_positive_value_stay_linear_without_warnings():
    ax = plots.grad_norm_per_layer(None, {"underflow": [0.0, 0.0]})
    assert ax.get_yscale() == "linear"


def test_depth_probe_figure_draws_the_probe_arrays():
    p = depth_probe(depth=4, width=8, batch=16, rng=0)
    left, right = plots.depth_probe_figure(None, {"probe": p}, title="t")
    np.testing.assert_array_equal(left.lines[0].get_ydata(), p.activation_std)
    np.testing.assert_array_equal(right.lines[0].get_ydata(), p.grad_norm)
    assert left.get_ylabel() == "std of $a_l$" and left.figure.get_suptitle() == "t"


def test_trajectories_on_contour_draws_the_path_on_the_landscape():
    path = np.array([[-1.0, 1.0], [0.0, 0.5], [1.0, 1.0]])
    ax = plots.trajectories_on_contour(None, "rosenbrock", {"my path": path})
    np.testing.assert_array_equal(np.column_stack(ax.lines[0].get_data()), path)
    assert ax.lines[0].get_label() == "my path"
    assert ax.get_xlabel() == "$x$" and "rosenbrock" in ax.get_title()
    assert ax.get_xlim() == landscapes.rosenbrock().bounds[0]


def test_activation_histograms_count_the_values_of_each_layer(rng):
    acts = [rng.standard_normal((50, 4)), np.tanh(rng.standard_normal((50, 4)))]
    axes = plots.activation_histograms(None, acts, bins=10)
    assert len(axes) == 2
    for ax, values in zip(axes, acts):
        counts, edges = np.histogram(values.ravel(), bins=10)
        np.testing.assert_array_equal([p.get_height() for p in ax.patches], counts)
        np.testing.assert_allclose([p.get_x() for p in ax.patches], edges[:-1])
    assert [ax.get_title() for ax in axes] == ["layer 0", "layer 1"]
    assert axes[0].get_ylabel() == "count" and axes[1].get_xlabel() == "activation value"


def test_activation_histograms_pick_layers_and_leave_out_non_finite_values():
    acts = [np.array([0.0, 1.0, np.nan]), np.array([2.0, np.inf, 3.0, 3.0])]
    (ax,) = plots.activation_histograms(None, acts, layers=[1], bins=1)
    assert ax.get_title() == "layer 1" and ax.patches[0].get_height() == 3
    with pytest.raises(ValueError, match="out of range"):
        plots.activation_histograms(None, acts, layers=[2])


def test_activation_histograms_read_an_mlp_after_a_forward_pass(rng):
    from lecture_kit.mlp import MLP

    net = MLP([3, 5, 5, 2], activation="relu", rng=0)
    net.forward(rng.standard_normal((20, 3)))
    axes = plots.activation_histograms(None, net)
    assert len(axes) == 2                                    # hidden layers only
    assert sum(p.get_height() for p in axes[0].patches) == 100


def test_the_palette_is_okabe_ito():
    assert plots.PALETTE[:3] == ("#0072B2", "#D55E00", "#009E73")


# ---------------------------------------------------------------------------
# drawing an autodiff graph (moved from autodiff.draw)
# ---------------------------------------------------------------------------


def test_draw_shows_every_node_with_its_value_and_gradient():
    from matplotlib.figure import Figure

    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b + a
    c.label = "c"
    c.backward()
    fig = plots.draw_graph(c)
    assert isinstance(fig, Figure)
    texts = [t.get_text() for t in fig.axes[0].texts]
    boxes = [t for t in texts if "grad" in t]
    assert len(boxes) == len(topological_order(c)) == 4
    a_box = next(t for t in boxes if t.startswith("a"))
    assert "data 2" in a_box and "grad -2" in a_box  # a.grad = b + 1
    b_box = next(t for t in boxes if t.startswith("b"))
    assert "grad 2" in b_box


def test_draw_renders_through_plots_show():
    x = Value(0.5, label="x")
    y = x.tanh()
    y.backward()
    html = plots.show(plots.draw_graph(y), alt="A two-node graph.")._repr_html_()
    assert "data:image/png;base64" in html and 'alt="A two-node graph."' in html


def test_draw_refuses_a_huge_graph():
    x = Value(1.0)
    y = x
    for _ in range(100):
        y = y + 1
    with pytest.raises(ValueError, match="max_nodes"):
        plots.draw_graph(y)


# ----------------------------------------------------------------------------
# contour (moved from landscapes.contour: the models draw nothing)
# ----------------------------------------------------------------------------
@pytest.fixture
def paths():
    return {
        "GD": np.array([[-1.0, 1.0], [-0.5, 0.5], [0.0, 0.2], [0.9, 0.8]]),
        "Adam": np.array([[-1.0, 1.0], [1.0, 1.0]]),
    }


@pytest.mark.parametrize("name", landscapes.names())
def test_contour_returns_axes_with_every_trajectory_drawn(name, paths):
    from matplotlib.axes import Axes

    land = landscapes.get(name)
    ax = plots.contour(land, paths)
    assert isinstance(ax, Axes)
    by_label = {line.get_label(): line for line in ax.get_lines()}
    for label, path in paths.items():
        np.testing.assert_array_equal(by_label[label].get_xydata(), path)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[:2] == ["GD", "Adam"]
    assert ("minimum" in legend) == bool(land.minima)
    assert ax.get_xlabel() and ax.get_ylabel() and name in ax.get_title()
    assert len(ax.collections) >= 1  # the contour set


def test_contour_marks_start_end_and_minima(paths):
    land = landscapes.himmelblau()
    ax = plots.contour(land, paths)
    points = [line.get_xydata() for line in ax.get_lines() if len(line.get_xydata()) == 1]
    points = {tuple(p[0]) for p in points}
    for path in paths.values():
        assert tuple(path[0]) in points and tuple(path[-1]) in points
    for m in land.minima:
        assert tuple(m) in points


def test_contour_draws_paths_in_distinct_colours(paths):
    ax = plots.contour(landscapes.rosenbrock(), paths)
    by_label = {line.get_label(): line for line in ax.get_lines()}
    assert by_label["GD"].get_color() != by_label["Adam"].get_color()


def test_contour_draws_into_the_given_axes():
    from lecture_kit import plots

    fig, (left, right) = plots.subplots(1, 2)
    out = plots.contour(landscapes.saddle(), ax=right)
    assert out is right and len(right.collections) >= 1 and len(left.collections) == 0


def test_log_levels_are_geometric_above_the_minimum_and_linear_otherwise():
    land = landscapes.rosenbrock()
    log_ax = plots.contour(land, levels=12, log_levels=True)
    lin_ax = plots.contour(land, levels=12, log_levels=False)
    log_lv = np.asarray(log_ax.collections[0].levels) - land.f_min
    lin_lv = np.asarray(lin_ax.collections[0].levels)
    ratios = log_lv[1:] / log_lv[:-1]
    np.testing.assert_allclose(ratios, ratios[0], rtol=1e-9)
    np.testing.assert_allclose(np.diff(lin_lv), np.diff(lin_lv)[0], rtol=1e-9)


def test_explicit_levels_are_used_as_given():
    ax = plots.contour(landscapes.saddle(), levels=[-2.0, 0.0, 2.0])
    np.testing.assert_array_equal(ax.collections[0].levels, [-2.0, 0.0, 2.0])


def test_contour_rejects_malformed_trajectories():
    land = landscapes.beale()
    with pytest.raises(ValueError, match=r"\(T, 2\)"):
        plots.contour(land, {"bad": np.zeros((5, 3))})
    with pytest.raises(TypeError, match="dict"):
        plots.contour(land, [np.zeros((5, 2))])
