"""Explorers: the live form redraws, the static form holds distinct frames."""

import base64
import json
import re

import numpy as np
import pytest

from lecture_kit import plots, widgets
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
    monkeypatch.setenv("LECTURE_KIT_EXPLORERS", mode)
    assert set(_line_explorer()._repr_mimebundle_()) == expected


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
