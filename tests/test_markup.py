"""Markup that cannot break silently.

MathJax typesets whatever it is given, so broken markup often still "renders":
a TAB typed for ``\\t`` in ``\\text`` shows as "ext", and a wrapped source line
that starts with ``+ `` or ``- `` inside ``$…$`` becomes a list item whose
fragments MathJax typesets one by one. Three checks:

* source (no build): no TAB or other control character in any markdown cell
  of any chapter, and no ``$…$`` opened in one paragraph or list item and
  closed in another (each inline block of the parsed markdown has balanced
  ``$`` and ``$$``);
* HTML (marker ``build``): no raw TeX (``$``, ``\\beta``, ``\\sqrt``, ``\\text``,
  ``\\frac``) in visible text outside math containers, and no control
  character inside a math container, on every page of the built book;
* the checks can fail: the two defects found on the momentum and symmetry
  pages are planted in temporary copies and must be reported.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RAW_TEX = re.compile(r"\$|\\beta|\\sqrt|\\text|\\frac|\\tfrac|\\dfrac|\\mathbb|\\operatorname")
CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")      # TAB and every other control but newline
CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)*?\1", re.S)   # `code`, {eq}`label`, ``x``


# ---------------------------------------------------------------------------
# Source checks
# ---------------------------------------------------------------------------
def chapters() -> list[Path]:
    """Every page of the table of contents (notebooks and markdown files)."""
    import sys

    sys.path.insert(0, str(ROOT / "tests"))
    from _book import toc_pages

    found = []
    for page in toc_pages():
        for suffix in (".ipynb", ".md"):
            path = ROOT / (page + suffix)
            if path.exists():
                found.append(path)
    return found


def markdown_cells(path: Path) -> list[tuple[int, str]]:
    """``(cell index, source)`` of the markdown cells (a ``.md`` page is one cell)."""
    if path.suffix == ".md":
        return [(0, path.read_text(encoding="utf-8"))]
    nb = json.loads(path.read_text(encoding="utf-8"))
    return [(i, "".join(c["source"]) if isinstance(c["source"], list) else c["source"])
            for i, c in enumerate(nb["cells"]) if c["cell_type"] == "markdown"]


def _dollar_balance(text: str) -> tuple[int, int]:
    """Numbers of ``$$`` and of single ``$`` in ``text`` outside code spans."""
    text = CODE_SPAN.sub("", text).replace("\\$", "")
    doubles = text.count("$$")
    return doubles, text.replace("$$", "").count("$")


def source_problems(source: str) -> list[str]:
    """Problems of one markdown cell: control characters and math split across blocks."""
    from markdown_it import MarkdownIt

    problems = []
    for lineno, line in enumerate(source.splitlines(), 1):
        for match in CONTROL.finditer(line):
            problems.append(f"line {lineno}: control character {match.group()!r} "
                            f"in {line.strip()[:60]!r}")
        # The book's MyST reads $$ only as a display block at the start of a line;
        # inside a line it stays as raw text in the HTML.
        code_free = CODE_SPAN.sub("", line)
        if "$$" in code_free and not code_free.lstrip().startswith("$$"):
            problems.append(f"line {lineno}: $$ inside a line (display math must start "
                            f"its own line): {line.strip()[:60]!r}")
    md = MarkdownIt("commonmark")
    in_item = 0
    for token in md.parse(source):
        if token.type == "list_item_open":
            in_item += 1
        elif token.type == "list_item_close":
            in_item -= 1
        elif token.type == "inline":
            doubles, singles = _dollar_balance(token.content)
            if doubles % 2 or singles % 2:
                where = "list item" if in_item else "paragraph"
                line = token.map[0] + 1 if token.map else "?"
                problems.append(f"line {line}: a {where} opens or closes math that "
                                f"continues in another block: {token.content.strip()[:70]!r}")
    return problems


def notebook_problems(path: Path) -> list[str]:
    return [f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name} "
            f"cell {i}: {p}" for i, src in markdown_cells(path) for p in source_problems(src)]


@pytest.mark.parametrize("path", chapters(), ids=lambda p: str(p.relative_to(ROOT)))
def test_markdown_has_no_control_characters_and_no_split_math(path):
    problems = notebook_problems(path)
    assert problems == [], "\n".join(problems)


def test_every_chapter_is_scanned():
    names = {p.stem for p in chapters()}
    assert {"momentum", "symmetry", "xavier", "backprop"} <= names


# ---------------------------------------------------------------------------
# Planting the two defects that reached the HTML book
# ---------------------------------------------------------------------------
# symmetry: "\text" and "\tfrac" in a Python string without r"" became TABs.
SYMMETRY_DEFECT = ("the bias gradient is the average of\n"
                   "$\\operatorname{softmax}(\\mathbf 0) - \text{one-hot}(y) = \tfrac13 - [\\,y = k\\,]$,\n"
                   "which vanishes for balanced classes.")
# momentum: a wrapped line inside $...$ starting with "+ " became a list item.
MOMENTUM_DEFECT = ("* On a quadratic, heavy-ball momentum converges at best like $(\\sqrt\\kappa -\n"
                   "  1)/(\\sqrt\\kappa + 1)$ per step, with $\\beta^\\star = ((\\sqrt\\kappa - 1)/(\\sqrt\\kappa\n"
                   "  + 1))^2$ and $\\eta^\\star = 4/(\\sqrt L + \\sqrt\\mu)^2$, verified by a sweep.\n")


def _planted_copy(tmp_path: Path, chapter: str, text: str) -> Path:
    """A copy of ``chapter`` with one more markdown cell holding ``text``."""
    nb = json.loads((ROOT / chapter).read_text(encoding="utf-8"))
    nb["cells"].append({"cell_type": "markdown", "metadata": {}, "source": text})
    copy = tmp_path / Path(chapter).name
    copy.write_text(json.dumps(nb), encoding="utf-8")
    return copy


def test_the_real_chapters_are_clean_before_planting():
    for chapter in ("book/init/symmetry.ipynb", "book/optim/momentum.ipynb"):
        assert notebook_problems(ROOT / chapter) == []


def test_planted_tab_in_symmetry_is_caught(tmp_path):
    problems = notebook_problems(_planted_copy(tmp_path, "book/init/symmetry.ipynb",
                                               SYMMETRY_DEFECT))
    assert any("control character '\\t'" in p for p in problems), problems


def test_planted_split_math_in_momentum_is_caught(tmp_path):
    problems = notebook_problems(_planted_copy(tmp_path, "book/optim/momentum.ipynb",
                                               MOMENTUM_DEFECT))
    assert any("list item" in p and "continues in another block" in p for p in problems), problems


@pytest.mark.parametrize("text", [
    "A line with $x$ and\n- $y$ as a real list item.\n",
    "Math in a code span `$` is fine, and so is an escaped \\$ sign.\n",
    "Display math\n\n$$\na + b\n$$ (eq-x)\n\nthen $c$.\n",
    "* $a +\n  b$ wrapped inside one item is fine.\n",
])
def test_well_formed_math_is_not_reported(text):
    assert source_problems(text) == []


def test_inline_double_dollar_is_reported():
    problems = source_problems("A sum $$a + b$$ inside a sentence.\n")
    assert any("$$ inside a line" in p for p in problems), problems


# ---------------------------------------------------------------------------
# HTML checks
# ---------------------------------------------------------------------------
SKIP_TAGS = {"script", "style", "pre", "code", "textarea", "mjx-container", "math", "svg",
             "noscript", "template", "title", "head"}
SKIP_CLASSES = {"math", "MathJax", "cell_input", "highlight", "cell_output", "output",
                "headerlink", "search-button__wrapper", "MathJax_Preview"}


def _hidden(element) -> bool:
    for parent in [element, *element.parents]:
        name = getattr(parent, "name", None)
        if name in SKIP_TAGS:
            return True
        classes = set(parent.get("class", []) or []) if hasattr(parent, "get") else set()
        if classes & SKIP_CLASSES:
            return True
    return False


def html_problems(path: Path) -> list[str]:
    """Raw TeX in visible text outside math, and control characters inside math."""
    from bs4 import BeautifulSoup
    from bs4.element import Comment

    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    main = soup.find("main") or soup.body or soup
    problems = []
    for node in main.find_all(string=True):
        if isinstance(node, Comment) or not node.strip():
            continue
        parent = node.parent
        in_math = any("math" in (p.get("class", []) or []) for p in [parent, *parent.parents]
                      if hasattr(p, "get"))
        if in_math:
            if CONTROL.search(str(node)):
                problems.append(f"control character inside math: {str(node).strip()[:70]!r}")
            continue
        if _hidden(parent):
            continue
        match = RAW_TEX.search(str(node))
        if match:
            problems.append(f"raw TeX {match.group()!r} in visible text: "
                            f"{str(node).strip()[:80]!r}")
    return problems


def _pages(html: Path) -> list[Path]:
    return sorted(p for p in html.rglob("*.html")
                  if "_static" not in p.parts and p.name not in ("genindex.html", "search.html"))


@pytest.mark.build
def test_built_pages_show_no_raw_tex(built_book):
    pages = _pages(Path(built_book))
    assert pages, f"no HTML pages under {built_book}"
    problems = [f"{p.relative_to(built_book)}: {q}" for p in pages for q in html_problems(p)]
    assert problems == [], "\n".join(problems)


def _tiny_markdown_book(tmp_path: Path, body: str) -> Path:
    """A one-page book with the real configuration and ``body`` as its page."""
    import yaml

    shutil.copy(ROOT / "_config.yml", tmp_path / "_config.yml")
    (tmp_path / "_toc.yml").write_text(yaml.safe_dump({"format": "jb-book", "root": "intro"}))
    (tmp_path / "intro.md").write_text("# Planted\n\n" + body, encoding="utf-8")
    return tmp_path


@pytest.mark.build
def test_planted_defects_are_caught_in_the_html(tmp_path):
    """Build a one-page book holding both defects; the HTML check must report them."""
    import sys

    sys.path.insert(0, str(ROOT / "tools"))
    import build_book

    body = ("Clean math $x^2$ and a display\n\n$$\n\\frac{a}{b}\n$$\n\nstay quiet.\n\n"
            + SYMMETRY_DEFECT + "\n\n" + MOMENTUM_DEFECT)
    book = _tiny_markdown_book(tmp_path, body)
    # The strict build may stop on warnings; the page is written either way.
    build_book.build(book, force=True)
    page = book / "_build" / "html" / "intro.html"
    assert page.exists()
    problems = html_problems(page)
    assert any("raw TeX" in p and ("\\sqrt" in p or "$" in p) for p in problems), problems
    assert any("control character inside math" in p for p in problems), problems
    (tmp_path / "clean").mkdir()
    clean = _tiny_markdown_book(tmp_path / "clean", "Clean math $x^2$, $\\beta$ and\n\n"
                                "$$\n\\frac{a}{b} = \\sqrt{c}\n$$\n")
    build_book.build(clean, force=True)
    assert html_problems(clean / "_build" / "html" / "intro.html") == []
