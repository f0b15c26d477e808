"""Explorers: the live form redraws, the static form holds distinct frames."""

import base64
import json
import re

import numpy as np
import pytest

from lecture_kit import mlp, plots, widgets
from lecture_kit.widgets import Choice, Explorer, Slider


def _line_explorer():
    def draw(fig, slope, shape):
        ax = fig.subplots()
        x = np.linspace(-1.0, 1.0, 5)
        ax.plot(x, slope * (x if shape == "line" else x * x))

    return Explorer(draw, [Slider("slope", [0.5, 1.0, 2.0]),
                           Choice("shape", ["line", "parabola"])],
                    title="Lines", alt="{shape} with slope {slope}")


def _payload(html):
    match = re.search(r'<script type="application/json" class="lk-explorer-data">(.*?)</script>',
                      html, re.S)
    return json.loads(match.group(1).replace("<\\/", "</"))


def test_static_form_has_one_distinct_frame_per_combination():
    html = _line_explorer().static_html()
    data = _payload(html)
    assert data["sizes"] == [3, 2]
    assert len(data["frames"]) == 6
    assert len(set(data["frames"])) == 6
    assert data["index"] == list(range(6))
    for frame in data["frames"]:
        assert base64.b64decode(frame)[:8] == b"\x89PNG\r\n\x1a\n"


def test_static_frames_are_in_row_major_order_of_the_controls():
    data = _payload(_line_explorer().static_html())
    # frame index = slope_index * 2 + shape_index
    assert data["alts"][0] == "line with slope 0.5"
    assert data["alts"][1] == "parabola with slope 0.5"
    assert data["alts"][5] == "parabola with slope 2.0"


def test_static_form_starts_at_the_initial_values():
    exp = _line_explorer()          # slope starts in the middle: 1.0, shape first: line
    html = exp.static_html()
    data = _payload(html)
    start = data["alts"].index("line with slope 1.0")
    assert f'src="data:image/png;base64,{data["frames"][start]}"' in html
    assert 'value="1"' in html


def test_live_form_redraws_when_a_control_changes():
    exp = _line_explorer()
    box = exp.live()
    y_before = exp.figure.axes[0].lines[0].get_ydata().copy()
    png_before = box.image.value
    box.controls["slope"].value = 2.0
    np.testing.assert_allclose(exp.figure.axes[0].lines[0].get_ydata(), 2.0 * y_before)
    assert box.image.value != png_before
    box.controls["shape"].value = "parabola"
    np.testing.assert_allclose(exp.figure.axes[0].lines[0].get_ydata(),
                               2.0 * np.linspace(-1, 1, 5) ** 2)


@pytest.mark.parametrize("mode, expected", [
    ("static", {"text/plain", "text/html"}),
    ("live", {"text/plain", "application/vnd.jupyter.widget-view+json"}),
    ("both", {"text/plain", "text/html", "application/vnd.jupyter.widget-view+json"}),
])
def test_display_offers_the_forms_the_mode_asks_for(monkeypatch, mode, expected):
    from IPython.core.formatters import DisplayFormatter

    from lecture_kit.explorer import REPORT_KEY

    monkeypatch.setenv("LECTURE_KIT_EXPLORERS", mode)
    exp = _line_explorer()
    data, metadata = DisplayFormatter().format(exp)
    assert set(data) == expected
    # the static form reports what its drawing found; the live form draws no frames
    if "text/html" in expected:
        assert metadata[REPORT_KEY] == {"combinations": exp.n_frames, "problems": []}
    else:
        assert REPORT_KEY not in metadata


def test_unknown_explorer_mode_is_an_error(monkeypatch):
    monkeypatch.setenv("LECTURE_KIT_EXPLORERS", "sometimes")
    with pytest.raises(ValueError, match="LECTURE_KIT_EXPLORERS"):
        widgets.explorer_mode()


def test_too_many_frames_is_refused():
    with pytest.raises(ValueError, match="MAX_FRAMES"):
        Explorer(lambda fig, a, b: None,
                 [Slider("a", list(range(10))), Slider("b", list(range(10)))],
                 title="big", alt="{a}{b}")


def test_initial_value_must_be_one_of_the_values():
    with pytest.raises(ValueError, match="not one of"):
        Slider("a", [1, 2, 3], value=4)


def test_figure_display_requires_alt_text_and_escapes_it():
    fig, ax = plots.subplots()
    ax.plot([0, 1], [1, 0])
    with pytest.raises(ValueError, match="alt text"):
        plots.show(fig, alt="  ")
    html = plots.show(fig, alt='a "quoted" <line>')._repr_html_()
    assert 'alt="a &quot;quoted&quot; &lt;line&gt;"' in html


def test_sigmoid_neuron_explorer_frames_differ_and_live_form_tracks_the_weight():
    exp = widgets.sigmoid_neuron_explorer()
    assert exp.n_frames == 25
    box = exp.live()
    box.controls["w"].value = 4.0
    slope_curve = exp.figure.axes[1].lines[0].get_ydata()
    assert slope_curve.max() == pytest.approx(4.0 / 4, rel=1e-3)   # peak w/4


# ---------------------------------------------------------------------------
# the mechanism: labels, callable alt text, canonical values, shared layout
# ---------------------------------------------------------------------------


def test_canonical_values_share_one_frame_and_the_index_points_to_it():
    calls = []

    def draw(fig, a, unused):
        calls.append((a, unused))
        fig.subplots().plot([0, 1], [0, a])

    exp = Explorer(draw, [Slider("a", [1.0, 2.0]), Choice("unused", ["x", "y", "z"])],
                   title="t", alt=lambda a, unused: f"a={a}",
                   canonical=lambda a, unused: {"unused": "x"})
    data = _payload(exp.static_html())
    assert len(data["frames"]) == 2 and data["alts"] == ["a=1.0", "a=2.0"]
    assert data["index"] == [0, 0, 0, 1, 1, 1]
    assert {u for _, u in calls} == {"x"}          # the ignored value is never drawn


def test_control_labels_are_shown_instead_of_the_values():
    c = Choice("init", ["normal", "he_normal"], labels=["naive", "He"])
    assert c.format("he_normal") == "He"
    html = Explorer(lambda fig, init: fig.subplots().plot([0, 1]), [c], title="t",
                    alt="{init}").static_html()
    assert ">naive</option>" in html and _payload(html)["labels"] == [["naive", "He"]]
    with pytest.raises(ValueError, match="labels"):
        Choice("init", ["a", "b"], labels=["only one"])


def test_all_frames_share_the_axes_positions():
    def draw(fig, scale):
        ax = fig.subplots()
        ax.plot([0, 1], [0, scale])
        ax.set_ylabel("y" * int(scale))

    exp = Explorer(draw, [Slider("scale", [1.0, 10.0, 30.0])], title="t", alt="{scale}")
    boxes = exp.shared_layout([{"scale": 1.0}, {"scale": 10.0}, {"scale": 30.0}])
    figs = [exp.render_fixed({"scale": s}, boxes) for s in (1.0, 10.0, 30.0)]
    positions = [tuple(np.round(f.axes[0].get_position().bounds, 6)) for f in figs]
    assert len(set(positions)) == 1


# ---------------------------------------------------------------------------
# the explorers of the chapters: live form follows the controls
# ---------------------------------------------------------------------------


def _set(exp, **values):
    box = exp.live()
    for name, value in values.items():
        box.controls[name].value = value
    return exp.figure


def test_activation_explorer_draws_the_chosen_function_and_its_derivative():
    exp = widgets.activation_explorer()
    fig = _set(exp, name="tanh")
    x, y = fig.axes[0].lines[0].get_data()
    np.testing.assert_allclose(y, np.tanh(x), atol=1e-12)
    np.testing.assert_allclose(fig.axes[1].lines[0].get_ydata(), 1 - np.tanh(x) ** 2,
                               atol=1e-12)
    fig = _set(exp, name="relu")
    np.testing.assert_array_equal(fig.axes[0].lines[0].get_ydata(), np.maximum(x, 0))
    # relu is saturated exactly on the negative side
    spans = [p for p in fig.axes[1].patches if p.get_gid() == "saturated"]
    assert len(spans) == 1
    assert spans[0].get_x() == pytest.approx(-6.0)
    assert spans[0].get_x() + spans[0].get_width() == pytest.approx(0.0, abs=0.02)


@pytest.mark.parametrize("name, param, values, check", [
    ("leaky_relu", "negative_slope", [0.0, 0.01, 0.05, 0.1, 0.2, 0.3],
     lambda x, v: np.where(x > 0, x, v * x)),
    ("elu", "alpha", [0.5, 1.0, 2.0], lambda x, v: np.where(x > 0, x, v * np.expm1(np.minimum(x, 0)))),
    ("swish", "beta", [0.5, 1.0, 2.0], lambda x, v: x / (1 + np.exp(-v * x))),
    ("softplus", "beta", [0.5, 1.0, 2.0], lambda x, v: np.log1p(np.exp(v * x)) / v),
    ("prelu", "alpha", [0.0, 0.25, 0.5], lambda x, v: np.where(x > 0, x, v * x)),
])
def test_activation_parameter_explorer_follows_the_parameter(name, param, values, check):
    exp = widgets.activation_parameter_explorer(name, param, values)
    for v in (values[-1], values[0]):
        fig = _set(exp, **{param: v})
        x, y = fig.axes[0].lines[0].get_data()
        np.testing.assert_allclose(y, check(x, v), rtol=1e-9, atol=1e-12)
    # the default is drawn for reference, dashed
    assert fig.axes[0].lines[1].get_linestyle() == "--"


def test_activation_parameter_explorer_rejects_an_unknown_parameter():
    with pytest.raises(ValueError, match="no parameter 'slope'"):
        widgets.activation_parameter_explorer("leaky_relu", "slope", [0.1])


def test_rrelu_explorer_samples_slopes_in_training_and_uses_the_mean_in_evaluation():
    exp = widgets.rrelu_explorer(lower=0.125, upper=1 / 3)
    fig = _set(exp, mode="training")
    x, y = fig.axes[0].lines[1].get_data()            # line 0 is the identity guide
    neg = x < 0
    slopes = y[neg] / x[neg]
    assert slopes.min() >= 0.125 and slopes.max() <= 1 / 3
    assert slopes.std() > 0.03                         # really random, not one slope
    fig = _set(exp, mode="evaluation")
    x, y = fig.axes[0].lines[1].get_data()
    neg = x < 0
    np.testing.assert_allclose(y[neg] / x[neg], (0.125 + 1 / 3) / 2)
    fig = _set(exp, upper=1.0)
    x, y = fig.axes[0].lines[1].get_data()
    np.testing.assert_allclose(y[x < 0] / x[x < 0], (0.125 + 1.0) / 2)


def test_logit_explorer_marks_odds_log_odds_and_the_sigmoid_back_to_p():
    exp = widgets.logit_explorer()
    fig = _set(exp, p=0.8)
    odds_ax, logit_ax, sigmoid_ax = fig.axes
    assert odds_ax.lines[1].get_ydata()[0] == pytest.approx(4.0)          # 0.8 / 0.2
    assert logit_ax.lines[1].get_ydata()[0] == pytest.approx(np.log(4.0))
    z, p = (v[0] for v in sigmoid_ax.lines[-1].get_data())
    assert (z, p) == (pytest.approx(np.log(4.0)), pytest.approx(0.8))
    grid, curve = sigmoid_ax.lines[0].get_data()
    np.testing.assert_allclose(curve, 1 / (1 + np.exp(-grid)), rtol=1e-12)


def test_depth_probe_explorer_draws_the_probe_of_the_chosen_pair():
    from lecture_kit.mlp import depth_probe

    exp = widgets.depth_probe_explorer(depth=6, width=16, batch=32, seed=3)
    fig = _set(exp, activation="relu", init="he_normal")
    p = depth_probe(depth=6, width=16, batch=32, activation="relu", init="he_normal", rng=3)
    np.testing.assert_allclose(fig.axes[0].lines[0].get_ydata(), p.activation_std)
    np.testing.assert_allclose(fig.axes[1].lines[0].get_ydata(), p.grad_norm)
    before = fig.axes[1].lines[0].get_ydata().copy()
    fig = _set(exp, activation="sigmoid")
    assert not np.allclose(fig.axes[1].lines[0].get_ydata(), before)
    assert fig.axes[1].get_yscale() == "log"


def test_depth_probe_explorer_naive_normal_init_is_small_and_labelled():
    exp = widgets.depth_probe_explorer(depth=4, width=64, batch=64)
    fig = _set(exp, activation="relu", init="normal")
    # N(0, 0.01^2) weights: relu keeps half the variance, width 64:
    # std(z_1) = 0.01 * sqrt(64) = 0.08, and a_1 = relu(z_1) has std 0.08 * sqrt((1 - 1/pi) / 2)
    expected = 0.08 * np.sqrt((1 - 1 / np.pi) / 2)
    assert fig.axes[0].lines[0].get_ydata()[0] == pytest.approx(expected, rel=0.1)
    assert "std=0.01" in exp.controls[1].format("normal")


def test_init_explorer_scales_the_weight_variance():
    # identity activation: std of layer 0 is sqrt(s * width * Var_Xavier) = sqrt(s)
    exp = widgets.init_explorer("identity", depth=3, width=128, batch=256,
                                scales=(0.25, 1.0, 4.0))
    for s in (0.25, 4.0):
        fig = _set(exp, scale=s)
        assert fig.axes[0].lines[0].get_ydata()[0] == pytest.approx(np.sqrt(s), rel=0.06)
        # the reference s = 1 is the dashed second curve
        assert fig.axes[0].lines[1].get_ydata()[0] == pytest.approx(1.0, rel=0.06)


def test_init_explorer_uses_he_for_relu():
    exp = widgets.init_explorer("relu", depth=2, width=128, batch=256, scales=(1.0, 2.0))
    fig = _set(exp, scale=1.0)
    # He: Var(z_1) = 2 for unit inputs; relu keeps E[a^2] = 1, std sqrt(1 - 1/pi)
    assert fig.axes[0].lines[0].get_ydata()[0] == pytest.approx(np.sqrt(1 - 1 / np.pi), rel=0.06)


def test_optimizer_explorer_path_is_gradient_descent_on_the_quadratic():
    exp = widgets.optimizer_explorer("ill_conditioned_quadratic", optimizers=("sgd", "adam"),
                                     lrs=(0.01, 0.05), betas=(0.9,), steps=20)
    fig = _set(exp, optimizer="sgd", lr=0.05)
    path = np.column_stack(fig.axes[0].lines[0].get_data())
    t = np.arange(21)
    # f = (x^2 + 25 y^2) / 2 from (-5, 1): x_t = (1 - lr)^t x_0, y_t = (1 - 25 lr)^t y_0
    np.testing.assert_allclose(path[:, 0], -5 * (1 - 0.05) ** t)
    np.testing.assert_allclose(path[:, 1], (1 - 25 * 0.05) ** t)
    loss = fig.axes[1].lines[0].get_ydata()
    np.testing.assert_allclose(loss, 0.5 * (path[:, 0] ** 2 + 25 * path[:, 1] ** 2))
    fig = _set(exp, lr=0.01)
    np.testing.assert_allclose(fig.axes[0].lines[0].get_xdata(), -5 * 0.99 ** t)


def test_optimizer_explorer_cuts_a_diverging_path_without_warnings():
    exp = widgets.optimizer_explorer("ill_conditioned_quadratic", optimizers=("sgd",),
                                     lrs=(0.1,), betas=(0.9,), steps=200)
    fig = exp.render(**exp.initial_values())   # lr L = 2.5 > 2: diverges
    assert "diverged" in fig.axes[1].get_title()
    assert "diverges" in exp.alt_text(**exp.initial_values())


def test_optimizer_explorer_beta_reaches_the_optimizer():
    exp = widgets.optimizer_explorer("ill_conditioned_quadratic", optimizers=("momentum",),
                                     lrs=(0.01,), betas=(0.5, 0.9), steps=5)
    fig = _set(exp, beta=0.5)
    a = fig.axes[0].lines[0].get_xdata().copy()
    fig = _set(exp, beta=0.9)
    b = fig.axes[0].lines[0].get_xdata()
    # heavy ball, PyTorch form, on d/dx = x: b_t = beta b_{t-1} + x, x -= lr b
    for beta, got in ((0.5, a), (0.9, b)):
        x, buf, xs = -5.0, 0.0, [-5.0]
        for _ in range(5):
            buf = beta * buf + x
            x -= 0.01 * buf
            xs.append(x)
        np.testing.assert_allclose(got, xs)


def _heavy_ball(x0, lr, beta, steps, ema, curvature):
    x, v, out = np.array(x0, float), np.zeros(2), [np.array(x0, float)]
    for _ in range(steps):
        g = curvature * x
        v = beta * v + ((1 - beta) * g if ema else g)
        x = x - lr * v
        out.append(x)
    return np.array(out)


def test_momentum_explorer_draws_the_ema_and_pytorch_forms():
    exp = widgets.momentum_explorer(kappa=25, betas=(0.0, 0.9), lrs=(0.01, 0.03), steps=30)
    curvature = np.array([1.0, 25.0])
    for beta, lr in ((0.9, 0.03), (0.0, 0.01)):
        fig = _set(exp, beta=beta, lr=lr)
        ema = np.column_stack(fig.axes[0].lines[0].get_data())
        torch_form = np.column_stack(fig.axes[1].lines[0].get_data())
        np.testing.assert_allclose(ema, _heavy_ball([-5, 1], lr, beta, 30, True, curvature))
        np.testing.assert_allclose(torch_form,
                                   _heavy_ball([-5, 1], lr, beta, 30, False, curvature))
        assert len(fig.axes[2].lines) == 2             # both losses


def test_lr_explorer_iterates_follow_one_minus_lr_times_curvature():
    exp = widgets.lr_explorer(curvature=2.0, x0=1.0, steps=10)
    for lr in (0.25, 0.75, 0.95):                      # eta L = 0.5, 1.5, 1.9
        fig = _set(exp, lr=lr)
        x = fig.axes[0].lines[1].get_xdata()
        np.testing.assert_allclose(x, (1 - 2.0 * lr) ** np.arange(x.size))
        loss = fig.axes[1].lines[0].get_ydata()
        np.testing.assert_allclose(loss, (1 - 2.0 * lr) ** (2 * np.arange(11)))
    assert "diverges" in exp.alt_text(lr=1.25)
    assert "oscillates and converges" in exp.alt_text(lr=0.75)
    assert "one step" in exp.alt_text(lr=0.5)


# ---------------------------------------------------------------------------
# the explorers of the chapters: static form
# ---------------------------------------------------------------------------

SMALL = {
    "sigmoid_neuron": lambda: widgets.sigmoid_neuron_explorer(weights=(1.0, 2.0), biases=(0.0, 1.0)),
    "activation": lambda: widgets.activation_explorer(("sigmoid", "relu", "gelu")),
    "activation_parameter": lambda: widgets.activation_parameter_explorer(
        "elu", "alpha", [0.5, 1.0, 2.0]),
    "rrelu": lambda: widgets.rrelu_explorer(uppers=(0.2, 1 / 3)),
    "logit": lambda: widgets.logit_explorer(ps=(0.1, 0.5, 0.9)),
    "depth_probe": lambda: widgets.depth_probe_explorer(("sigmoid", "relu"),
                                                        ("normal", "he_normal"),
                                                        depth=5, width=16, batch=32),
    "init": lambda: widgets.init_explorer(depth=5, width=32, batch=32, scales=(0.5, 1.0, 2.0)),
    "optimizer": lambda: widgets.optimizer_explorer(optimizers=("sgd", "adam"),
                                                    lrs=(1e-3, 1e-2), betas=(0.5, 0.9),
                                                    steps=20, resolution=40),
    "momentum": lambda: widgets.momentum_explorer(betas=(0.0, 0.9), lrs=(0.01, 0.05),
                                                  steps=20, resolution=40),
    "lr": lambda: widgets.lr_explorer(lrs=(0.5, 1.5, 2.5)),
}


@pytest.mark.parametrize("name", sorted(SMALL))
def test_static_form_of_every_explorer_has_distinct_frames_and_alt_texts(name):
    exp = SMALL[name]()
    data = _payload(exp.static_html())
    assert len(data["index"]) == exp.n_frames
    assert len(set(data["frames"])) == len(data["frames"])
    assert len(data["alts"]) == len(data["frames"])
    assert len(set(data["alts"])) == len(data["alts"])        # one description per picture
    assert all(len(a) > 40 for a in data["alts"])
    expected = exp.n_frames - (2 if name == "optimizer" else 0)   # SGD ignores beta
    assert len(data["frames"]) == expected
    for frame in data["frames"]:
        assert base64.b64decode(frame)[:8] == b"\x89PNG\r\n\x1a\n"


DEFAULTS = {
    "activation_explorer": {},
    "activation_parameter_explorer": {"name": "leaky_relu", "param": "negative_slope",
                                      "values": [0, 0.01, 0.05, 0.1, 0.2, 0.3]},
    "rrelu_explorer": {},
    "logit_explorer": {},
    "depth_probe_explorer": {},
    "init_explorer": {},
    "optimizer_explorer": {},
    "momentum_explorer": {},
    "lr_explorer": {},
    "sigmoid_neuron_explorer": {},
}


@pytest.mark.parametrize("name", sorted(DEFAULTS))
def test_default_explorers_stay_within_the_frame_budget_at_80_dpi(name):
    exp = getattr(widgets, name)(**DEFAULTS[name])
    assert 2 <= exp.n_frames <= widgets.MAX_FRAMES
    assert exp.dpi == 80
    assert name in widgets.__doc__


def test_only_the_engine_imports_ipywidgets_and_only_the_visual_layer_matplotlib():
    import pathlib
    import re as _re

    root = pathlib.Path(widgets.__file__).parent
    visual = {"figures.py", "plots.py", "graphs.py", "axes.py", "explorer.py",
              "frames.py"}
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if path.name != "explorer.py":
            assert not _re.search(r"^\s*(import|from)\s+ipywidgets", text, _re.M), path
        if path.name not in visual:
            assert not _re.search(r"^\s*(import|from)\s+matplotlib", text, _re.M), path


def test_schedule_explorer_draws_the_schedule_and_a_floor_matching_the_formula():
    exp = widgets.schedule_explorer(steps=200, runs=400, peaks=(0.05, 0.2), seed=1)
    fig = _set(exp, schedule="cosine", peak=0.2)
    rates = fig.axes[0].lines[0].get_ydata()
    t = np.arange(200)
    np.testing.assert_allclose(rates, 0.1 * (1 + np.cos(np.pi * t / 200)), atol=1e-12)
    floor_line = [ln for ln in fig.axes[1].lines if "floor" in ln.get_label()][0]
    assert floor_line.get_ydata()[0] == pytest.approx(0.2 / (2 - 0.2))
    fig = _set(exp, schedule="constant", peak=0.05)
    np.testing.assert_allclose(fig.axes[0].lines[0].get_ydata(), 0.05)
    ms = fig.axes[1].lines[0].get_ydata()
    # 200 steps at rate 0.05 from x0 = 3: the decay (0.95^t) has not reached the floor yet
    assert ms[-1] > 0.05 / (2 - 0.05)
    assert "constant schedule" in exp.alt_text(schedule="constant", peak=0.05)


def test_schedule_explorer_every_control_position_gives_a_distinct_frame():
    exp = widgets.schedule_explorer(steps=100, runs=50, peaks=(0.05, 0.1, 0.2))
    alts = {exp.alt_text(schedule=s, peak=p) for s in exp.controls[0].values
            for p in exp.controls[1].values}
    assert len(alts) == exp.n_frames == 15


def test_approximation_explorer_draws_the_interpolant_and_its_error():
    exp = widgets.approximation_explorer(widths=(4, 16))
    fig = _set(exp, method="ReLU interpolant", width=4)
    x, y = fig.axes[0].lines[1].get_data()
    knots = np.linspace(0, 1, 5)
    target = np.sin(2 * np.pi * knots) + knots / 2
    np.testing.assert_allclose(np.interp(x, knots, target), y, atol=1e-12)   # the chord
    assert "ReLU interpolant" in exp.alt_text(method="ReLU interpolant", width=16)
    alts = {exp.alt_text(method=m, width=w) for m in exp.controls[0].values
            for w in exp.controls[1].values}
    assert len(alts) == exp.n_frames == 4


def test_sawtooth_explorer_counts_two_to_the_depth_pieces():
    exp = widgets.sawtooth_explorer(depths=(1, 3))
    for k in (1, 3):
        fig = _set(exp, depth=k)
        assert f"{2 ** k} linear pieces" in fig.axes[0].get_title()
        assert f"{2 ** k} linear pieces" in exp.alt_text(depth=k)


def test_normalization_explorer_plots_the_probe_with_the_chosen_options():
    exp = widgets.normalization_explorer(activations=("relu",), depth=6, width=16, batch=32)
    fig = _set(exp, activation="relu", normalization="batch norm", skips=True)
    probe = mlp.depth_probe(depth=6, width=16, activation="relu", init="he_normal", batch=32,
                            rng=0, norm="batch", residual=True)
    np.testing.assert_allclose(fig.axes[1].lines[0].get_ydata(), probe.grad_norm)
    alts = {exp.alt_text(activation="relu", normalization=n, skips=s)
            for n in exp.controls[1].values for s in (False, True)}
    assert len(alts) == exp.n_frames == 6
