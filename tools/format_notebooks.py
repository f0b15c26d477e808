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


def _has_field(body: str) -> bool:
    return any(True for _ in re.finditer(r"(?<!\{)\{(?!\{)", body.replace("{{", "")))


def _literal(pre: str, quote: str, body: str, is_f: bool) -> str:
    """One literal; an f-string piece without a field loses its f (ruff/pyflakes F541)."""
    if is_f and not _has_field(body):
        return (f"{pre.replace('f', '').replace('F', '')}{quote}"
                f"{body.replace('{{', '{').replace('}}', '}')}{quote}")
    return f"{pre}{quote}{body}{quote}"


def _fill(body: str, is_f: bool, first_room: int, room: int, last_extra: int) -> list[str]:
    """Greedy fill: cut ``body`` after spaces so that each piece fits its room."""
    points = _split_points(body, is_f)
    pieces, start, avail = [], 0, first_room
    while True:
        if len(body) - start <= avail - last_extra:
            pieces.append(body[start:])
            return pieces
        fits = [q for q in points if start < q <= start + avail]
        longer = [q for q in points if q > start + avail]
        cut = fits[-1] if fits else (longer[0] if longer else None)
        if cut is None:
            pieces.append(body[start:])
            return pieces
        pieces.append(body[start:cut])
        start, avail = cut, room


def split_long_strings(source: str, width: int) -> str:
    """Re-wrap runs of adjacent string literals, one per line inside brackets, of which
    a line is wider than ``width`` (or could hold more of the next piece): the run's
    text is filled greedily into literals that fit. The value never changes."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return source
    lines = source.split("\n")
    depth = 0
    runs, run = [], []
    for tok in tokens:
        if tok.type in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT):
            if tok.type == tokenize.COMMENT:
                run = _close(run, runs)
            continue
        if tok.type == tokenize.OP and tok.string in "([{":
            depth += 1
        elif tok.type == tokenize.OP and tok.string in ")]}":
            depth -= 1
        ok = (tok.type == tokenize.STRING and depth > 0 and tok.start[0] == tok.end[0]
              and _PREFIX.match(tok.string) is not None
              and not tok.string[len(_PREFIX.match(tok.string).group(1)):].startswith(
                  _PREFIX.match(tok.string).group(2) * 3))
        if ok and run and tok.start[0] == run[-1].end[0] + 1 \
                and not lines[run[-1].end[0] - 1][run[-1].end[1]:].strip() \
                and not lines[tok.start[0] - 1][:tok.start[1]].strip():
            run.append(tok)
            continue
        run = _close(run, runs)
        if ok and _HEAD.match(lines[tok.start[0] - 1][:tok.start[1]]):
            run = [tok]
    _close(run, runs)
    edits = []
    for run in runs:
        first, last = run[0], run[-1]
        if not _TAIL.match(lines[last.end[0] - 1][last.end[1]:]):
            continue
        parts = [(_PREFIX.match(t.string).group(1), _PREFIX.match(t.string).group(2), t.string)
                 for t in run]
        if len({q for _, q, _ in parts}) > 1 or len({"r" in p.lower() for p, _, _ in parts}) > 1:
            continue
        is_f = any("f" in p.lower() for p, _, _ in parts)
        quote = parts[0][1]
        pre = ("r" if "r" in parts[0][0].lower() else "") + ("f" if is_f else "")
        body = ""
        for p, _, text in parts:
            b = text[len(p) + 1:-1]
            if is_f and "f" not in p.lower():
                b = b.replace("{", "{{").replace("}", "}}")
            body += b
        head = lines[first.start[0] - 1][:first.start[1]]
        indent = head[:len(head) - len(head.lstrip())]
        tail = len(lines[last.end[0] - 1]) - last.end[1]
        pieces = _fill(body, is_f, width - len(head) - len(pre) - 2,
                       width - len(indent) - len(pre) - 2, tail)
        new = [head + _literal(pre, quote, pieces[0], is_f)]
        new += [indent + _literal(pre, quote, piece, is_f) for piece in pieces[1:]]
        new[-1] += lines[last.end[0] - 1][last.end[1]:]
        old = lines[first.start[0] - 1:last.end[0]]
        wide_old, wide_new = max(map(len, old)), max(map(len, new))
        if new != old and ((wide_new <= width and (wide_old > width or len(new) < len(old)))
                           or wide_new < wide_old):
            edits.append((first.start[0], last.end[0], new))
    for row0, row1, new in reversed(edits):
        lines[row0 - 1:row1] = new
    return "\n".join(lines)


def _close(run, runs):
    if run:
        runs.append(run)
    return []


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
