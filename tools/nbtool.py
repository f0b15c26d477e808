"""Execute a chapter notebook and store only the outputs that nbval checks.

Usage::

    python tools/nbtool.py book/how_to_use.ipynb [more.ipynb ...]
    python tools/nbtool.py --check book/*.ipynb     # fail if a notebook is not normalized

A chapter notebook is committed *without* outputs, except in the cells tagged
``nbval-check-output``: those outputs are the reference values that
``pytest --nbval-lax`` compares against a fresh run. The HTML book re-executes
every notebook at build time, so nothing is lost by stripping the rest, and
the repository does not carry megabytes of PNG frames.

The tool executes the notebook in its own directory (with
``LECTURE_KIT_EXPLORERS=static``, the HTML form of explorers), copies the
outputs of checked cells, clears all other outputs, execution counts and
widget state, and writes the file back in a stable form (nbformat 4, sorted
keys, one-space indentation as Jupyter writes).
"""

from __future__ import annotations

import argparse
import copy
import os
import sys
from pathlib import Path

import build_book
import nbformat
from nbclient import NotebookClient

CHECK_TAG = "nbval-check-output"


def _tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def coalesce_streams(outputs) -> list:
    """Copies of ``outputs`` with each run of consecutive ``stream`` outputs of one
    name (stdout, stderr) joined into one: how the kernel split a cell's printing
    into messages depends on timing, and would otherwise change the stored file
    from run to run. (nbval, before it compares, joins every stream of one name in
    a cell, consecutive or not, so the split never mattered to the check; only to
    the stored file. nbclient's ``coalesce_streams`` would do the same while
    executing; this also normalises files stored before, which ``--check`` reads.)"""
    joined: list = []
    for output in outputs:
        output = copy.deepcopy(output)
        last = joined[-1] if joined else None
        if (output.get("output_type") == "stream" and last is not None
                and last.get("output_type") == "stream" and last.get("name") == output.get("name")):
            last["text"] = _text(last["text"]) + _text(output["text"])
        else:
            joined.append(output)
    return joined


def _text(text) -> str:
    return "".join(text) if isinstance(text, list) else text


def normalized(nb, executed=None):
    """Return a copy of ``nb`` with outputs kept only in checked cells.

    When ``executed`` is given, outputs of checked cells come from it
    (cell by cell, same order); otherwise the existing outputs are kept.
    """
    out = copy.deepcopy(nb)
    out.metadata.pop("widgets", None)
    for index, cell in enumerate(out.cells):
        cell.metadata.pop("execution", None)
        if cell.cell_type != "code":
            continue
        if CHECK_TAG in _tags(cell):
            # nbval refuses stored outputs of a cell without an execution count
            # ("unrun reference cell"), so checked cells keep theirs.
            source = executed.cells[index] if executed is not None else cell
            cell.execution_count = source.execution_count
            cell.outputs = coalesce_streams(source.outputs)
        else:
            cell.execution_count = None
            cell.outputs = []
    return out


def execute(path: Path, timeout: int = 300):
    nb = nbformat.read(path, as_version=4)
    # the build's environment, numerics pinned, so the stored outputs are the build's
    os.environ.update(build_book.build_env())
    with build_book.local_kernel() as config:
        client = NotebookClient(
            copy.deepcopy(nb),
            timeout=timeout,
            kernel_name="python3",
            resources={"metadata": {"path": str(path.parent)}},
            config=config,
        )
        executed = client.execute()
    return nb, executed


def write(nb, path: Path) -> None:
    nbformat.validate(nb)
    path.write_text(nbformat.writes(nb) + "\n", encoding="utf-8")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--check", action="store_true",
                        help="do not execute; fail if a notebook carries unchecked outputs")
    args = parser.parse_args(argv)
    status = 0
    for path in args.notebooks:
        if args.check:
            nb = nbformat.read(path, as_version=4)
            if nbformat.writes(normalized(nb)) != nbformat.writes(nb):
                print(f"{path}: not normalized (run: python tools/nbtool.py {path})")
                status = 1
            continue
        nb, executed = execute(path)
        write(normalized(nb, executed), path)
        print(f"{path}: executed, {sum(CHECK_TAG in _tags(c) for c in nb.cells)} checked cells stored")
    return status


if __name__ == "__main__":
    sys.exit(main())
