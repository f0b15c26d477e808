"""Format the code cells of the book's notebooks to the width of the page's code column.

``make format`` runs this. Two passes over every notebook under ``book/``:

1. ``ruff format`` (pinned in requirements.txt; its settings, the line length
   first, are in ``book/ruff.toml``). Ruff formats notebook code cells and
   keeps comments, so nbgrader's ``### BEGIN SOLUTION`` / ``### END SOLUTION``
   markers and every cell's metadata stay as they are.
2. Ruff never splits a string literal, so a long message or alt text stays too
   wide. Here a string literal that stands on its own line inside brackets (an
   argument, a list item, a keyword value) and is wider than the line length is
   split at spaces into adjacent literals on consecutive lines: Python joins
   adjacent literals, so the value is unchanged. f-strings are split only
   outside their ``{...}`` fields; triple-quoted and byte strings are left alone.

Lines still too wide after both passes (code ruff cannot break, a comment, a
docstring) are listed, and the exit code is 1; ``tests/test_code_width.py``
fails on them too. ``--check`` changes nothing and exits 1 if a notebook would
change.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import subprocess
import sys
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"


def line_length(config: Path = BOOK / "ruff.toml") -> int:
    """The line length of ``book/ruff.toml`` (the code column, in characters)."""
    match = re.search(r"^line-length\s*=\s*(\d+)", config.read_text(), re.M)
    if not match:
        raise ValueError(f"{config} sets no line-length")
    return int(match.group(1))


_PREFIX = re.compile(r"^([rRfF]{0,2})(['\"])")
_TAIL = re.compile(r"^\s*[,)\]}]*\s*(#.*)?$")
_HEAD = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*=)?$")


def _split_points(body: str, is_f: bool) -> list[int]:
    """Indices just after a space in ``body`` (a literal's text between its
    quotes) where the literal may be cut: outside f-string fields and never
    right after a backslash."""
    points, depth, i = [], 0, 0
    while i < len(body):
        ch = body[i]
        if is_f and ch in "{}":
            if i + 1 < len(body) and body[i + 1] == ch:   # {{ or }} is a literal brace
                i += 2
                continue
            depth += 1 if ch == "{" else -1
        elif ch == "\\":
            i += 2
            continue
        elif ch == " " and depth == 0 and i + 1 < len(body):
            points.append(i + 1)
        i += 1
    return points


def split_long_strings(source: str, width: int) -> str:
    """Split over-wide string literals that stand alone on a line inside brackets."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return source
    lines = source.split("\n")
    depth = 0
    edits = []                                # (row, col_start, col_end, pieces)
    for tok in tokens:
        if tok.type == tokenize.OP and tok.string in "([{":
            depth += 1
        elif tok.type == tokenize.OP and tok.string in ")]}":
            depth -= 1
        if tok.type != tokenize.STRING or depth <= 0 or tok.start[0] != tok.end[0]:
            continue
        row, col = tok.start
        line = lines[row - 1]
        if len(line) <= width:
            continue
        if not _HEAD.match(line[:col]) or not _TAIL.match(line[tok.end[1]:]):
            continue
        text = tok.string
        prefix = _PREFIX.match(text)
        if not prefix or text[len(prefix.group(1)):].startswith(prefix.group(2) * 3):
            continue
        pre, quote = prefix.group(1), prefix.group(2)
        body = text[len(pre) + 1:-1]
        is_f = "f" in pre.lower()
        points = _split_points(body, is_f)
        indent = " " * len(line[:col]) if not _HEAD.match(line[:col]).group(1) \
            else " " * (len(line[:col]) - len(line[:col].lstrip()))
        pieces, start, avail = [], 0, width - col - len(pre) - 2
        tail_len = len(line) - tok.end[1]
        while True:
            rest = body[start:]
            room = avail if not pieces else width - len(indent) - len(pre) - 2
            if len(rest) <= room - tail_len:
                pieces.append(rest)
                break
            cut = [p for p in points if start < p <= start + room]
            if not cut or cut[-1] - start < 10:
                pieces = []
                break
            pieces.append(body[start:cut[-1]])
            start = cut[-1]
        if len(pieces) > 1:
            piece_text = [f"{pre}{quote}{p}{quote}" for p in pieces]
            # a piece without a field needs no f prefix (ruff/pyflakes F541)
            if is_f:
                piece_text = [t if re.search(r"(?<!\{)\{(?!\{)", p) else
                              f"{pre.replace('f', '').replace('F', '')}{quote}{p}{quote}"
                              for t, p in zip(piece_text, pieces)]
            edits.append((row, col, tok.end[1], piece_text, indent))
    for row, c0, c1, piece_text, indent in reversed(edits):
        line = lines[row - 1]
        new = [line[:c0] + piece_text[0]] + [indent + t for t in piece_text[1:]]
        new[-1] += line[c1:]
        lines[row - 1:row] = new
    return "\n".join(lines)


def _cell_source(cell) -> str:
    src = cell["source"]
    return src if isinstance(src, str) else "".join(src)


def _set_source(cell, text: str) -> None:
    cell["source"] = text.splitlines(keepends=True) if isinstance(cell["source"], list) else text


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def notebooks() -> list[Path]:
    return sorted(p for p in BOOK.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def too_wide(path: Path, width: int) -> list[str]:
    """``path:cell:line: text`` for every code line wider than ``width``."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    out = []
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        for j, line in enumerate(_cell_source(cell).splitlines(), 1):
            if len(line) > width:
                out.append(f"{_shown(path)}: cell {i} line {j} ({len(line)} > "
                           f"{width}): {line.strip()[:60]}")
    return out


def format_notebook(path: Path, width: int) -> bool:
    """Split long strings in ``path`` (after ruff). True if the file changed."""
    raw = path.read_text(encoding="utf-8")
    nb = json.loads(raw)
    changed = False
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        src = _cell_source(cell)
        new = split_long_strings(src, width)
        if new != src:
            _set_source(cell, new)
            changed = True
    if changed:
        # as nbformat writes notebooks (and tools/nbtool.py stores them)
        path.write_text(json.dumps(nb, indent=1, ensure_ascii=False, sort_keys=True) + "\n",
                        encoding="utf-8")
    return changed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a "
                        "notebook would change")
    parser.add_argument("paths", nargs="*", type=Path, help="notebooks (default: all of book/)")
    args = parser.parse_args(argv)
    width = line_length()
    paths = [p.resolve() for p in args.paths] or notebooks()
    ruff = Path(sys.executable).with_name("ruff")
    cmd = [str(ruff), "format", "--config", str(BOOK / "ruff.toml")]
    if args.check:
        code = subprocess.run(cmd + ["--check", *map(str, paths)]).returncode
        return 1 if code else 0
    subprocess.run(cmd + [*map(str, paths)], check=True)
    for path in paths:
        if format_notebook(path, width):
            print(f"split long strings in {_shown(path)}")
    subprocess.run(cmd + ["--quiet", *map(str, paths)], check=True)
    wide = [w for p in paths for w in too_wide(p, width)]
    for w in wide:
        print(w)
    if wide:
        print(f"{len(wide)} code lines are still wider than {width} characters: shorten them "
              "by hand", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
