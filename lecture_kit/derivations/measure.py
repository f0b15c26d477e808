r"""How wide a line of LaTeX will be: the estimate that keeps derivation displays in the column.

MathJax draws the formulas in the reader's browser, so their width is not known
when a derivation is laid out. :func:`latex_width` estimates it in em of the
body text from the LaTeX tokens (ordinary characters, operators, fractions,
sub- and superscripts, big operators); :func:`wrap_text` wraps a justification
with ``$math$`` parts kept whole. The browser test in ``tests/test_derivations.py``
measures the real widths.
"""

from __future__ import annotations

import re

__all__ = ["LINE_EM", "TEXT_CHARS", "latex_width", "wrap_text"]

#: The widest equation line, in em of the body text, that a display keeps on
#: one line. The book's content column is 688 px, 43 em at 16 px; MathJax's
#: glyphs run wider than this estimate, so the budget keeps a margin (the
#: browser test measures the real widths).
LINE_EM = 28.0
#: Characters of a justification per line in the pure-LaTeX form (``\text``
#: cannot wrap; the HTML form wraps by itself).
TEXT_CHARS = 54

_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|[{}_^&\[\]]|\s+|.")
_ZERO = {r"\left", r"\right", r"\displaystyle", r"\textstyle", r"\limits", r"\nolimits",
         r"\mathrm", r"\mathbf", r"\mathbb", r"\mathit", r"\mathcal", r"\operatorname",
         r"\hat", r"\bar", r"\tilde", r"\mathrel", r"\mathop", r"\big", r"\Big", r"\bigl",
         r"\bigr", r"\Bigl", r"\Bigr", r"\cdots", r"\!"}
_WIDE = {r"\quad": 1.0, r"\qquad": 2.0, r"\,": 0.17, r"\;": 0.28, r"\:": 0.22, r"\ ": 0.33,
         r"\le": 1.4, r"\ge": 1.4, r"\leq": 1.4, r"\geq": 1.4, r"\ne": 1.4, r"\cdot": 0.7,
         r"\times": 1.1, r"\infty": 1.0, r"\partial": 0.6, r"\ldots": 1.2, r"\cdots": 1.2}
_OPERATOR_NAMES = {"log", "ln", "exp", "sin", "cos", "tan", "sinh", "cosh", "tanh", "max", "min",
                   "det", "arg", "sup", "inf"}
_BIG_OPERATORS = {r"\sum", r"\prod", r"\int", r"\lim"}


def _group(tokens, i):
    """The tokens of the argument starting at ``tokens[i]`` and the index after it."""
    while i < len(tokens) and tokens[i].isspace():
        i += 1
    if i >= len(tokens):
        return [], i
    if tokens[i] != "{":
        return [tokens[i]], i + 1
    depth, j = 0, i
    while j < len(tokens):
        depth += tokens[j] == "{"
        depth -= tokens[j] == "}"
        if depth == 0:
            return tokens[i + 1:j], j + 1
        j += 1
    return tokens[i + 1:], len(tokens)


def _measure(tokens, text=False) -> float:
    r"""A rough width in em of a LaTeX token list (rows of ``\\`` take the widest)."""
    rows, cells, width, i, big, big_start = [], [], 0.0, 0, False, 0.0
    while i < len(tokens):
        tok = tokens[i]
        i += 1
        if tok.isspace():
            width += 0.3 if text else 0.0
        elif tok == "&":
            cells.append(width)
            width = 0.0
        elif tok == r"\\":
            cells.append(width)
            rows.append(cells)
            cells, width = [], 0.0
            if i < len(tokens) and tokens[i] == "[":  # \\[4pt]
                while i < len(tokens) and tokens[i] != "]":
                    i += 1
                i += 1
        elif tok in ("_", "^"):
            arg, i = _group(tokens, i)
            sub = 0.7 * _measure(arg)
            if big:  # limits of a display sum sit under and over it
                width = max(width, big_start + max(1.4, sub))
                continue
            width += sub
        elif tok == "{":
            i -= 1
            arg, i = _group(tokens, i)
            width += _measure(arg, text)
        elif tok == r"\frac" or tok == r"\dfrac":
            num, i = _group(tokens, i)
            den, i = _group(tokens, i)
            width += max(_measure(num), _measure(den)) + 0.3
        elif tok == r"\sqrt":
            arg, i = _group(tokens, i)
            width += _measure(arg) + 1.0
        elif tok in (r"\text", r"\mathbf", r"\textbf"):
            arg, i = _group(tokens, i)
            width += _measure(arg, text=True)
        elif tok in (r"\hphantom", r"\phantom", r"\operatorname", r"\mathrm", r"\mathbb"):
            arg, i = _group(tokens, i)
            width += _measure(arg, text)
        elif tok == r"\begin":
            _, i = _group(tokens, i)
            depth, j = 1, i
            while j < len(tokens) and depth:
                depth += tokens[j] == r"\begin"
                depth -= tokens[j] == r"\end"
                j += 1
            body = tokens[i:j - 1]
            _, i = _group(tokens, j)
            width += _measure_table(body)
        elif tok in (r"\left", r"\right"):
            if i < len(tokens) and tokens[i] != ".":
                width += 0.45
            i += 1
        elif tok in _ZERO:
            pass
        elif tok in _WIDE:
            width += _WIDE[tok]
        elif tok in _BIG_OPERATORS:
            big, big_start = True, width
            width += 1.4
            continue
        elif tok in "=<>":
            width += 1.4
        elif tok in "+-":
            width += 0.8 if text else 1.25
        elif tok in "()[],;.|'":
            width += 0.4
        elif tok[1:] in _OPERATOR_NAMES:
            width += 0.5 * len(tok) + 0.2  # \log, \tanh: upright letters and a space
        elif tok.startswith("\\"):
            width += 0.65  # a Greek letter or another symbol
        else:
            width += 0.55
        big = False
    cells.append(width)
    rows.append(cells)
    return max(sum(r) for r in rows) if not any(len(r) > 1 for r in rows) else _columns(rows)


def _columns(rows) -> float:
    ncols = max(len(r) for r in rows)
    widths = [max((r[c] for r in rows if c < len(r)), default=0.0) for c in range(ncols)]
    return sum(widths) + 1.0 * (ncols - 1)


def _measure_table(tokens) -> float:
    return _measure(tokens) + 0.8


def latex_width(tex: str) -> float:
    r"""A rough estimate, in em, of how wide MathJax draws ``tex`` in display style.

    Used only to decide where a display breaks a line; the browser test
    measures the real widths.

    >>> latex_width(r"\frac{1}{n_{in}}") < latex_width(r"n_{in} + n_{out}")
    True
    """
    return _measure(_TOKEN.findall(tex))


def wrap_text(text: str, width: int) -> list:
    """Split ``text`` (with ``$math$`` parts kept whole) into lines of about ``width`` visible characters."""
    pieces = re.findall(r"(?:\$[^$]*\$|[^\s$])+", text)  # words, math kept whole
    lines, line, used = [], [], 0
    for piece in pieces:
        size = sum(len(p) if i % 2 == 0 else int(latex_width(p) * 2.2) + 1
                   for i, p in enumerate(piece.split("$")))
        if line and used + 1 + size > width:
            lines.append(" ".join(line))
            line, used = [], 0
        line.append(piece)
        used += size + (1 if used else 0)
    if line:
        lines.append(" ".join(line))
    return lines
