"""Notebook support: ``glue`` a computed value into the prose, with or without myst-nb.

The chapters put every number they compute into their text with myst-nb's
``glue`` and the ``{glue:text}`` role. This function emits exactly the output
myst-nb's ``glue`` emits (the value's display data under the name, hidden when
``display=False``; ``tests/test_notebook_glue.py`` compares the two), without
importing myst-nb: its ``glue`` brings in docutils, nbformat and jsonschema (whose
IRI grammars compile at import), about 2 s in every kernel that runs a chapter
(the book build, every student the grader runs, the exercise checks;
``bench/bench_imports.py``), and a student who runs a released notebook from the
course kit has no myst-nb at all (it belongs to the book build, not to the
package).
"""

from __future__ import annotations

from typing import Any

__all__ = ["glue"]

#: myst-nb's prefix for glued outputs that are not displayed.
HIDDEN_PREFIX = "application/papermill.record/"


def glue(name: str, variable: Any, display: bool = True) -> None:
    """Store the display of ``variable`` under ``name`` for ``{glue:text}`name```.

    Examples
    --------
    >>> glue("answer", 42, display=False)   # outside a notebook this shows nothing
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"glue: the name must be a non-empty string, got {name!r}")
    from IPython.core.formatters import format_display_data
    from IPython.display import display as ipy_display

    bundle, metadata = format_display_data(variable)
    prefix = "" if display else HIDDEN_PREFIX
    metadata["scrapbook"] = dict(name=name, mime_prefix=prefix)
    ipy_display({prefix + k: v for k, v in bundle.items()}, raw=True, metadata=metadata)
