"""Numbers typed into the prose of the chapters must be constants, never results.

A number that a cell computed belongs in the prose through myst-nb's ``glue``
(``{glue:text}`name:.2f```), so that the text cannot drift from the computation.
This test scans the markdown cells of every chapter notebook listed in
``_toc.yml`` and reports each *typed number* that is not on the chapter's
allow-list of constants, ``tests/prose_constants.yml``.

The rule (what counts as a typed number)
---------------------------------------
Scanned: the text of every markdown cell, including inline and display math,
tables, exercise statements and model answers, after removing

* code spans and fenced code blocks (```` `...` ````): code is not prose;
* MyST roles with their content (``{glue:text}`...```, ``{eq}`...```,
  ``{doc}`...```): a glued number is by construction not typed;
* MyST targets ``(label)=``, link targets ``](...)`` and HTML comments;
* everything from a heading "References" to the end of its cell (years,
  volumes, arXiv numbers of the bibliography).

In what remains, a *number token* is a run of digits with an optional decimal
part (``\\d+(\\.\\d+)?``) that is not glued to a letter, digit, ``_`` or ``.``
on its left. A token is **flagged** when

* it has a fractional part (``0.5``, ``1.702``, ``36.74``), or
* it is an integer with at least three significant digits once leading and
  trailing zeros are dropped (``128``, ``784`` and ``7140`` are flagged; ``7100``, ``1000``,
  ``10`` and ``30`` are not), except four-digit integers from 1900 to 2099,
  which the prose uses as years of citations.

Integers with one or two significant digits (layer counts, "5 seeds", "10
classes") are not flagged: they are nearly always parameters of the experiment,
and a rule that flagged them would drown the real drift in noise. This is the
rule's known blind spot.

The allow-list
--------------
``tests/prose_constants.yml`` maps each chapter (its ``_toc.yml`` path) to a
list of ``{value: "0.01", why: "..."}`` entries. ``value`` is the token exactly
as typed; the entry allows every occurrence of that token in that chapter.
``why`` says in one line why the number is a constant (a definition, a library
default, an experiment's input parameter), never a result. An entry whose value
no longer occurs in its chapter fails too, so the list cannot rot.

An entry whose ``why`` starts with ``LEFTOVER`` records a computed number that is
still typed (a known debt, with its owner). It is *not* allowed: that chapter's
test is a strict expected failure, which turns into a failure as soon as the
debt is paid, so that the entry gets deleted.

Markup that MathJax typesets silently wrong (TAB characters, math split by a
list item) is checked by ``tests/test_markup.py``.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
ALLOW_FILE = ROOT / "tests" / "prose_constants.yml"

_FENCE = re.compile(r"^(```|~~~).*?^\1\s*$", re.M | re.S)
_ROLE = re.compile(r"\{[\w:.-]+\}`[^`]*`")
_CODE = re.compile(r"`[^`]*`")
_TARGET = re.compile(r"^\s*\([\w.:-]+\)=\s*$", re.M)
_LINK = re.compile(r"\]\([^)]*\)")
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_REFERENCES = re.compile(r"^#+\s*References\b.*", re.M | re.S)
_NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?")


def chapters() -> list[str]:
    """The chapter notebooks of ``_toc.yml``, as toc paths without suffix."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [c["file"] for c in part.get("chapters", [])]
    return [f for f in files if (ROOT / f"{f}.ipynb").exists()]


def prose(source: str) -> str:
    """The scanned text of one markdown cell (see the module docstring)."""
    for pattern in (_COMMENT, _FENCE, _ROLE, _CODE, _TARGET, _LINK, _REFERENCES):
        source = pattern.sub(" ", source)
    return source


def flagged(token: str) -> bool:
    """True when ``token`` (a match of the number pattern) counts as typed."""
    if "." in token:
        return True
    significant = token.lstrip("0").rstrip("0")
    if len(significant) < 3:
        return False
    return not (len(token) == 4 and 1900 <= int(token) <= 2099)


def typed_numbers(notebook: Path) -> list[tuple[int, str, str]]:
    """``(cell index, token, context)`` for every flagged token of a notebook."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    found = []
    for index, cell in enumerate(cells):
        if cell["cell_type"] != "markdown":
            continue
        text = prose("".join(cell["source"]))
        for match in _NUMBER.finditer(text):
            if flagged(match.group()):
                context = " ".join(text[max(0, match.start() - 40): match.end() + 20].split())
                found.append((index, match.group(), context))
    return found


def load_allow_list(leftovers: bool = False) -> dict[str, dict[str, str]]:
    """Chapter -> {token: why}: the constants, or (``leftovers=True``) the LEFTOVER entries."""
    raw = yaml.safe_load(ALLOW_FILE.read_text(encoding="utf-8")) or {}
    allow = {}
    for chapter, entries in raw.items():
        allow[chapter] = {}
        seen = set()
        for entry in entries or []:
            value, why = str(entry["value"]), str(entry.get("why", "")).strip()
            assert why, f"{chapter}: allow-list entry {value!r} has no justification"
            assert value not in seen, f"{chapter}: {value!r} listed twice"
            seen.add(value)
            if why.startswith("LEFTOVER") == leftovers:
                allow[chapter][value] = why
    return allow


def _chapter_params():
    """One case per chapter; a chapter with LEFTOVER entries is a strict expected failure."""
    leftovers = load_allow_list(leftovers=True)
    cases = []
    for chapter in chapters():
        left = sorted(leftovers.get(chapter, {}))
        marks = [pytest.mark.xfail(strict=True, reason=f"typed results not yet glued: {left}")] if left else []
        cases.append(pytest.param(chapter, marks=marks, id=chapter))
    return cases


def violations(notebook: Path, allowed: dict[str, str]) -> list[str]:
    return [f"cell {i}: {tok!r} in '...{ctx}...'"
            for i, tok, ctx in typed_numbers(notebook) if tok not in allowed]


@pytest.mark.parametrize("chapter", _chapter_params())
def test_no_typed_number_outside_the_allow_list(chapter):
    allowed = load_allow_list().get(chapter, {})
    found = violations(ROOT / f"{chapter}.ipynb", allowed)
    assert not found, (
        f"{chapter}: numbers typed into the prose. Glue computed numbers "
        "({glue:text}`name:fmt`); add true constants to tests/prose_constants.yml "
        "with a one-line reason:\n  " + "\n  ".join(found))


def test_allow_list_names_real_chapters_and_live_entries():
    allow, known = load_allow_list(), set(chapters())
    for chapter, entries in load_allow_list(leftovers=True).items():
        allow.setdefault(chapter, {}).update(entries)
    for chapter, entries in allow.items():
        assert chapter in known, f"allow-list names {chapter!r}, not a chapter of _toc.yml"
        typed = {tok for _, tok, _ in typed_numbers(ROOT / f"{chapter}.ipynb")}
        stale = sorted(set(entries) - typed)
        assert not stale, f"{chapter}: allow-list entries no longer in the prose: {stale}"


@pytest.mark.parametrize("source, expected", [
    ("the slope is about 0.196 here", ["0.196"]),
    ("$\\sigma(x) \\approx 36.74$", ["36.74"]),
    ("| relu | 784 |", ["784"]),
    ("grows 7140 times, not 7100", ["7140"]),
    ("Xu et al. 2015 used 30 layers and 1000 points", []),
    ("glued {glue:text}`dead_frac:.2f` and `x = 0.25` in code", []),
    ("(eq-x)=\n## References\n* A. B. (2013). Vol. 323, arXiv:1505.00853.", []),
])
def test_rule_on_examples(source, expected):
    """The rule itself, on hand-made sources (the oracle is the docstring's rule)."""
    tokens = [m.group() for m in _NUMBER.finditer(prose(source)) if flagged(m.group())]
    assert tokens == expected


def test_a_planted_number_fails(tmp_path):
    """Plant a typed result in a copy of a clean chapter: the check must catch it."""
    allow = load_allow_list()
    chapter = chapters()[0]
    copy = tmp_path / "planted.ipynb"
    shutil.copy(ROOT / f"{chapter}.ipynb", copy)
    nb = json.loads(copy.read_text(encoding="utf-8"))
    cell = next(c for c in nb["cells"] if c["cell_type"] == "markdown")
    cell["source"] = "".join(cell["source"]) + "\n\nThe dead fraction was 0.377 after training.\n"
    copy.write_text(json.dumps(nb), encoding="utf-8")
    found = violations(copy, allow.get(chapter, {}))
    assert any("'0.377'" in v for v in found), found

