"""Notebook support: ``glue`` a computed value into the prose, with or without myst-nb.

The chapters put every number they compute into their text with myst-nb's
``glue`` and the ``{glue:text}`` role. In the book build myst-nb is installed
and its own ``glue`` is used. A student who runs a released notebook from the
course kit has no myst-nb (it belongs to the book build, not to the
package): there this function emits exactly the output myst-nb's ``glue``
would (the value's display data under the name, hidden when
``display=False``), so the notebooks run unchanged.
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
    try:
        from myst_nb import glue as myst_glue
    except ImportError:
        myst_glue = None
    if myst_glue is not None:
        myst_glue(name, variable, display)
        return
    from IPython.core.formatters import format_display_data
    from IPython.display import display as ipy_display

    bundle, metadata = format_display_data(variable)
    prefix = "" if display else HIDDEN_PREFIX
    metadata["scrapbook"] = dict(name=name, mime_prefix=prefix)
    ipy_display({prefix + k: v for k, v in bundle.items()}, raw=True, metadata=metadata)
