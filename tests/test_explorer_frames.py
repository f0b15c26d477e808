"""Every explorer of the book, as the book drew it: budget, live controls, alt text, layout.

The explorers are found in the chapters themselves (every code cell that is a
call ``widgets.<name>_explorer(...)``), so a new explorer is checked with no
list to edit. Each is checked in the output of that cell in the run's one
execution of the chapters (``executed_notebooks``, the execution the build
publishes): its static form at device-pixel-ratio 2, and the report its drawing
left in the output's metadata (``lecture_kit.explorer.REPORT_KEY``: the number
of combinations and the layout problems). Nothing is drawn twice:

* **budget**: the HTML of the explorer (frames included) is at most
  :data:`EXPLORER_BUDGET` bytes; the sizes are printed (``pytest -s`` or the
  captured output of a failure shows them);
* **no dead control**: moving one control with the others at their initial
  values gives a distinct picture at every position of a choice and at no
  fewer than 3 positions of a slider (a slider with fewer than 3 values fails);
* **alt text with a result**: the alternative text of every distinct picture
  ends with ``Result: ...`` stating a computed number that is not merely one of
  the control values shown;
* **layout**: no text clipped by the figure edge or cut between panels, no
  legend over data, no font below 9 CSS pt at the natural size
  (:func:`lecture_kit.explorer.layout_problems`).

Each check is also run on a planted bad explorer and must fail there.
"""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path
from unittest import mock

import numpy as np
import pytest

from _book import ROOT, book_notebooks
from _explorers import (EXPLORER_BUDGET, alts_without_result, dead_controls, over_budget,
                        payload_of)
from lecture_kit import widgets
from lecture_kit.explorer import REPORT_KEY, Explorer, Slider

pytestmark = pytest.mark.explorers


def book_explorer_calls() -> list[tuple[str, Path, int]]:
    """``(id, notebook, cell index)`` of every code cell of the chapters that builds
    an explorer."""
    import nbformat

    calls = []
    for path in book_notebooks():
        nb = nbformat.read(path, as_version=4)
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            src = cell.source.strip()
            try:
                tree = ast.parse(src)
            except SyntaxError:
                continue
            if (len(tree.body) == 1 and isinstance(tree.body[0], ast.Expr)
                    and isinstance(tree.body[0].value, ast.Call)
                    and re.fullmatch(r"widgets\.\w+_explorer", ast.unparse(tree.body[0].value.func))):
                rel = path.relative_to(ROOT / "book").with_suffix("")
                calls.append((f"{rel}:{cell.get('id', len(calls))}", path, index))
    return calls


CALLS = book_explorer_calls()


def shown(cell) -> tuple[str, dict]:
    """``(html, report)`` of the one explorer an executed cell displayed."""
    found = [(out["data"]["text/html"], out.get("metadata", {}).get(REPORT_KEY))
             for out in cell.get("outputs", [])
             if out.get("output_type") in ("display_data", "execute_result")
             and "lk-explorer-data" in out.get("data", {}).get("text/html", "")]
    assert len(found) == 1, f"expected one explorer in the cell's outputs, found {len(found)}"
    html, report = found[0]
    assert report is not None, f"the explorer's output has no {REPORT_KEY!r} metadata"
    return html, report


# ---------------------------------------------------------------------------
# every explorer of the book
# ---------------------------------------------------------------------------

def test_the_chapters_have_explorers():
    assert len(CALLS) >= 15, CALLS


@pytest.mark.parametrize("cell, path, index", CALLS, ids=[c for c, _, _ in CALLS])
def test_book_explorer(cell, path, index, executed_notebooks):
    execution = executed_notebooks[path]
    assert execution.notebook is not None, f"{path} could not be executed: {execution.error}"
    html, report = shown(execution.notebook.cells[index])
    payload = payload_of(html)
    size = len(html.encode("utf-8"))
    print(f"\n{cell}: {report['combinations']} combinations, {len(payload['frames'])} pictures, "
          f"{size / 1024:.0f} KiB (budget {EXPLORER_BUDGET / 1024:.0f} KiB), "
          f"{payload['width'] // payload['ratio']}x{payload['height'] // payload['ratio']} CSS px "
          f"at ratio {payload['ratio']}, panels {len(payload['cuts']) + 1}, "
          f"smallest font {payload['font_px']} CSS px")
    assert len(payload["index"]) == report["combinations"]
    problems = (over_budget(html) + dead_controls(html) + alts_without_result(html)
                + report["problems"])
    assert payload["ratio"] >= 2
    assert payload["font_px"] >= 12.0          # 9 CSS pt at the natural size
    assert problems == []


# ---------------------------------------------------------------------------
# planted defects: each check must catch its own
# ---------------------------------------------------------------------------

def _planted(**kw):
    def draw(fig, a, b):
        ax = fig.subplots()
        x = np.linspace(0.0, 1.0, 50)
        ax.plot(x, a * x, label="line")             # b is ignored: a dead control
        ax.legend(loc="upper left")

    options = dict(controls=[Slider("a", [1.0, 2.0, 3.0]), Slider("b", [1.0, 2.0, 3.0])],
                   title="planted", alt="a line of slope {a}",
                   result=lambda a, b: f"the slope is {2 * a:g} times half of itself")
    options.update(kw)
    return Explorer(draw, **options)


def test_a_planted_dead_control_is_caught():
    exp = _planted()
    html = exp.static_html()
    problems = dead_controls(html)
    assert len(problems) == 1 and "'b'" in problems[0]


def test_a_slider_with_two_positions_is_caught():
    def draw(fig, a):
        fig.subplots().plot([0, 1], [0, a])

    exp = Explorer(draw, [Slider("a", [1.0, 2.0])], title="t", alt="slope {a}",
                   result=lambda a: f"the end is at {a + 0.5:g}")
    assert dead_controls(exp.static_html()) != []


def test_an_alt_text_without_a_computed_result_is_caught():
    exp = _planted(result=lambda a, b: f"for a = {a:g}")
    problems = alts_without_result(exp.static_html())
    assert len(problems) == 3                      # one per picture
    exp = _planted(result=None)
    assert all("no 'Result:'" in p for p in alts_without_result(exp.static_html()))


def test_a_planted_legend_over_the_data_and_a_clipped_title_are_caught():
    def draw(fig, a):
        ax = fig.subplots()
        x = np.linspace(0.0, 1.0, 50)
        for level in np.linspace(0.41, 0.59, 10):     # data everywhere: no free place
            ax.plot(x, np.full_like(x, level), label="everywhere" if level == 0.41 else None)
        ax.set_ylim(0.4, 0.6)
        ax.legend(loc="center", fontsize=24)
        ax.set_title(f"a title far too long to fit in this small figure, at a = {a}")

    exp = Explorer(draw, [Slider("a", [1.0, 2.0, 3.0])], title="t", alt="{a}", width=4,
                   height=3)
    exp.static_html()
    joined = " ".join(exp.problems)
    assert "covers" in joined and "clipped" in joined
    # and the book's check, which reads them from the displayed output, sees them
    cell = {"outputs": [_displayed(exp)]}
    html, report = shown(cell)
    assert report["problems"] == exp.problems
    assert report["combinations"] == 3 == len(payload_of(html)["index"])


def _displayed(exp) -> dict:
    """The output a kernel records for ``exp`` displayed as the book build does
    (IPython's own formatter, the static form only)."""
    from IPython.core.formatters import DisplayFormatter

    with mock.patch.dict(os.environ, {"LECTURE_KIT_EXPLORERS": "static"}):
        data, metadata = DisplayFormatter().format(exp)
    return {"output_type": "display_data", "data": data, "metadata": metadata}


def test_a_cell_without_the_report_is_refused():
    exp = _planted()
    out = _displayed(exp)
    assert shown({"outputs": [out]})[1]["combinations"] == 9
    out["metadata"] = {}
    with pytest.raises(AssertionError, match="no 'lecture_kit_explorer' metadata"):
        shown({"outputs": [out]})
    with pytest.raises(AssertionError, match="found 0"):
        shown({"outputs": []})


def test_the_budget_check_fails_over_budget():
    assert over_budget("x" * (EXPLORER_BUDGET + 1)) != []
    assert over_budget("x" * EXPLORER_BUDGET) == []


def test_the_live_image_carries_the_alt_text_and_twice_the_pixels():
    import base64
    import html as _html
    import io

    from PIL import Image

    exp = widgets.sawtooth_explorer(depths=(1, 2, 3))
    box = exp.live()
    for depth in (2, 3):
        box.controls["depth"].value = depth
        tag = box.image.value
        alt = exp.alt_text(depth=depth)
        assert f'alt="{_html.escape(alt, quote=True)}"' in tag
        assert f"{2 ** depth} linear pieces" in alt.split("Result: ", 1)[1]
        png = base64.b64decode(re.search(r'base64,([^"]+)"', tag).group(1))
        css_width = int(re.search(r'width="(\d+)"', tag).group(1))
        assert Image.open(io.BytesIO(png)).size[0] == 2 * css_width == 2 * exp.width * exp.dpi
