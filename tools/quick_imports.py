"""Keep seconds of import work out of every process that reads a notebook.

``nbformat`` validates notebooks with ``jsonschema``, whose format checkers import
``rfc3987_syntax`` when it is installed (``jupyter-events`` requires it). That module
compiles 38 Earley grammars at import: 3 to 4 CPU seconds in every process that
imports ``nbformat`` (each run of the grader, each book build and its execution
workers). The grammars check only the ``iri`` and ``iri-reference`` string formats,
which the notebook schema does not use (nor do the schemas of nbformat,
nbgrader, jupyter_server and jupyter_events installed here); without the module
``jsonschema`` skips those two formats and validates everything else as before
(python-jsonschema/jsonschema#1428). So our own entry points block the import
before anything loads ``jsonschema``.
"""

from __future__ import annotations

import sys

#: The statement, for ``python -c`` preludes of subprocesses (see ``build_book``).
PRELUDE = "import sys; sys.modules.setdefault('rfc3987_syntax', None)"


def skip_iri_grammars() -> None:
    """Make ``import rfc3987_syntax`` fail at once (no effect if it is loaded already)."""
    sys.modules.setdefault("rfc3987_syntax", None)
