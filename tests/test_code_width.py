"""Code and printed output fit the page's code column (no sideways scrolling in a cell).

The column: at 1280 px the theme's code box holds ``CODE_COLUMNS`` characters of
its monospace font (``book/ruff.toml``'s line-length, which ``make format`` gives
ruff); ``test_code_column_holds_the_line_length`` measures it in Chromium. Then,
without executing anything more:

* every line of every code cell of ``book/`` is at most that wide;
* every line a cell printed (streams and plain-text results of the run's one
  execution, the outputs the build shows) is at most that wide, and no number
  prints as a negative zero ("-0.00");
* in the built HTML, a cell's printed lines are one output box per stream (a
  loop's prints are not split into many boxes).

The self-tests plant an over-wide code line, an over-wide printed line and a
negative zero, and check each is reported.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

from _book import ROOT, book_notebooks, settle

sys.path.insert(0, str(ROOT / "tools"))
import format_notebooks  # noqa: E402

CODE_COLUMNS = format_notebooks.line_length()
# Cells that still print lines wider than the column: shorten their prints, then
# delete their entry (the test fails on a new wide cell and on a stale entry).
WIDE_OUTPUTS = ROOT / "tests" / "wide_outputs.yml"
# a negative zero as printed: "-0", "-0.0", "-0.00", "−0.000e+00" (not -0.01, not 1e-05)
NEGATIVE_ZERO = re.compile(r"(?<![\w.])[-\u2212]0(?:\.0+)?(?:e[+-]?0+)?(?![\w.])")


def _text(value) -> str:
    return value if isinstance(value, str) else "".join(value)


def wide_code_lines(nb, width: int = CODE_COLUMNS) -> list[str]:
    out = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for j, line in enumerate(_text(cell.source).splitlines(), 1):
            if len(line) > width:
                out.append(f"cell {i} line {j}: {len(line)} > {width} characters: {line[:70]!r}")
    return out


def printed_lines(nb):
    """(cell index, line) for every line a code cell printed or returned as plain text.
    Rich results (HTML, images, LaTeX) are not printed text: they are laid out by the page."""
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                text = _text(out.get("text", ""))
            elif out.get("output_type") in ("execute_result", "display_data"):
                data = out.get("data", {})
                if set(data) - {"text/plain"}:
                    continue
                text = _text(data.get("text/plain", ""))
            else:
                continue
            for line in text.splitlines():
                yield i, line


def wide_printed_lines(nb, width: int = CODE_COLUMNS) -> list[str]:
    return [f"cell {i} printed {len(line)} > {width} characters: {line[:70]!r}"
            for i, line in printed_lines(nb) if len(line.expandtabs()) > width]


def negative_zeros(nb) -> list[str]:
    return [f"cell {i} printed a negative zero: {line[:70]!r}"
            for i, line in printed_lines(nb) if NEGATIVE_ZERO.search(line)]


@pytest.mark.parametrize("path", book_notebooks(), ids=lambda p: str(p.relative_to(ROOT / "book")))
def test_code_lines_fit_the_column(path):
    nb = nbformat.read(path, as_version=4)
    assert wide_code_lines(nb) == [], "run `make format` (or shorten these lines by hand)"


def known_wide_outputs(path: Path = WIDE_OUTPUTS) -> dict[str, set[str]]:
    """``{notebook (relative to book/): {cell id}}`` of cells still known to print
    lines wider than the column (a list that only shrinks, see the file)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {nb: set(ids or ()) for nb, ids in data.items()}


def printed_width_problems(executions, known) -> list[str]:
    """Over-wide printed lines and negative zeros in cells not on the ``known`` list,
    and entries of the list whose cell now fits (to be removed from it)."""
    problems = []
    for path, nb in executions:
        name = str(path.relative_to(ROOT / "book"))
        allowed = known.get(name, set())
        wide_ids = set()
        for p in negative_zeros(nb):
            problems.append(f"{name}: {p}")
        for p in wide_printed_lines(nb):
            cell = nb.cells[int(p.split()[1])]
            wide_ids.add(cell.get("id"))
            if cell.get("id") not in allowed:
                problems.append(f"{name}: {p} (cell id {cell.get('id')})")
        for stale in sorted(allowed - wide_ids):
            problems.append(f"{name}: cell {stale} fits now: remove it from "
                            f"{WIDE_OUTPUTS.relative_to(ROOT)}")
    return problems


@pytest.mark.notebooks
def test_printed_lines_fit_the_column(executed_notebooks):
    executions = [(path, ex.notebook) for path, ex in executed_notebooks.items()
                  if ex.notebook is not None]
    problems = printed_width_problems(executions, known_wide_outputs())
    assert problems == [], "\n".join(problems)


@pytest.mark.build
def test_one_output_box_per_stream(built_book):
    """A cell whose loop prints several lines shows them in one box (nb_merge_streams)."""
    split = []
    for page in sorted(built_book.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        for m in re.finditer(r'<div class="cell_output docutils container">(.*?)</div>\n</div>\n',
                             text, re.S):
            boxes = re.findall(r'<div class="output (stream|stderr)[^"]*"', m.group(1))
            if len(boxes) > len(set(boxes)):
                split.append(f"{page.relative_to(built_book)}: {len(boxes)} output boxes "
                             f"{boxes} in one cell")
    assert split == [], "\n".join(split)


# --- the checks see planted defects -------------------------------------------------

def _planted_notebook():
    nb = nbformat.v4.new_notebook()
    wide = "x = " + " + ".join(["1"] * (CODE_COLUMNS // 4 + 1))
    cell = nbformat.v4.new_code_cell(f"print('ok')\n{wide}\n")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout",
                                           text="short\n" + "=" * (CODE_COLUMNS + 1) + "\n"),
                    nbformat.v4.new_output("stream", name="stdout", text="x = -0.00\n")]
    nb.cells = [nbformat.v4.new_markdown_cell("# " + "m" * 200), cell]
    return nb


def test_width_checks_catch_planted_lines():
    nb = _planted_notebook()
    nb.cells[1]["id"] = "planted1"
    where = ROOT / "book" / "planted.ipynb"
    problems = printed_width_problems([(where, nb)], {})
    assert any("planted1" in p and "printed" in p for p in problems), problems
    assert any("negative zero" in p for p in problems), problems
    # a listed cell is allowed its wide line; a listed cell that fits is reported as stale
    listed = printed_width_problems([(where, nb)], {"planted.ipynb": {"planted1", "gone"}})
    assert [p for p in listed if "printed" in p and "negative" not in p] == []
    assert any("gone fits now" in p for p in listed), listed
    code = wide_code_lines(nb)
    assert len(code) == 1 and "cell 1 line 2" in code[0]       # markdown is not code
    printed = wide_printed_lines(nb)
    assert len(printed) == 1 and "cell 1" in printed[0]
    assert len(negative_zeros(nb)) == 1
    fitting = "y = 1\n" + "z" * CODE_COLUMNS
    assert wide_code_lines(nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(fitting)])) == []


@pytest.mark.parametrize("text, hit", [("x = -0.00", True), ("-0", True), ("(-0.0, 1)", True),
                                       ("\u22120.000", True), ("-0.01", False), ("1e-05", False),
                                       ("-0.5", False), ("t-0", False), ("10.00", False),
                                       ("-0.000e+00", True), ("x-0.0", False)])
def test_negative_zero_pattern(text, hit):
    assert bool(NEGATIVE_ZERO.search(text)) is hit


def test_format_keeps_values_and_nbgrader_markers(tmp_path):
    """make format's string splitting keeps every value (the parsed code is identical)
    and nbgrader's markers; a second pass changes nothing."""
    import ast

    src = ('def f(x):\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION\n\n\n'
           'print(\n    f"alpha {1 + 2:.3f} " + "b" * 3,\n'
           '    f"a rather long message with a field {len([1, 2, 3])} that goes on and on and '
           'on past the end of the column {{not a field}} and more words here",\n'
           '    alt="plain text that is also too long to fit in the column of code and has to '
           'be split somewhere",\n)\n')
    out = format_notebooks.split_long_strings(src, 60)
    assert ast.dump(ast.parse(out)) == ast.dump(ast.parse(src))
    assert "### BEGIN SOLUTION" in out and "### END SOLUTION" in out
    assert max(len(line) for line in out.splitlines()) <= 60
    assert format_notebooks.split_long_strings(out, 60) == out


@pytest.mark.browser
def test_code_column_holds_the_line_length(offline_page, book_site):
    """At 1280 px a code cell's box holds CODE_COLUMNS characters of its own font, and
    no code or output box of the page scrolls sideways."""
    page = offline_page(viewport={"width": 1280, "height": 900}).page
    page.goto(f"{book_site}/book/how_to_use.html", wait_until="load")
    settle(page, "() => document.fonts.ready.then(() => true)")
    fit = page.evaluate("""() => {
        const pre = document.querySelector("div.cell_input pre");
        const probe = document.createElement("span");
        probe.textContent = "x".repeat(200);
        pre.appendChild(probe);
        const char = probe.getBoundingClientRect().width / 200;
        probe.remove();
        const cs = getComputedStyle(pre);
        const inner = pre.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
        return {char: char, inner: inner, columns: Math.floor(inner / char), font: cs.fontFamily,
                size: cs.fontSize};
    }""")
    print(f"\ncode column at 1280 px: {fit}")
    assert fit["columns"] >= CODE_COLUMNS, fit
    scrolling = page.evaluate("""() => [...document.querySelectorAll("div.cell pre")]
        .filter((p) => p.scrollWidth > p.clientWidth + 1).map((p) => p.textContent.slice(0, 60))""")
    assert scrolling == []
