"""``lecture_kit.notebook.glue`` emits what myst-nb's own ``glue`` emits.

The chapters glue every computed number into their prose. ``lecture_kit`` does
not import myst-nb (docutils, nbformat and jsonschema come with it: seconds in
every kernel),
so its ``glue`` must produce the very display call myst-nb's would, or the
book's ``{glue:text}`` roles would find nothing. The oracle is myst-nb itself
(a build dependency), called on the same values with ``display`` recorded.
"""

from __future__ import annotations

import subprocess
import sys

import IPython.display
import numpy as np
import pytest

from lecture_kit import notebook

VALUES = [0.125, np.float64(2.5e-7), 42, np.int64(-3), "text", [1, 2], np.array([0.5, 1.5]),
          {"a": 1}, None, True]


def _record(monkeypatch, module, attribute):
    calls = []
    monkeypatch.setattr(module, attribute, lambda *a, **k: calls.append((a, k)))
    return calls


@pytest.mark.parametrize("display", [True, False])
@pytest.mark.parametrize("value", VALUES, ids=[type(v).__name__ for v in VALUES])
def test_glue_emits_exactly_what_myst_nb_emits(monkeypatch, value, display):
    glue_module = pytest.importorskip("myst_nb.ext.glue")
    ours = _record(monkeypatch, IPython.display, "display")
    notebook.glue("a_name", value, display=display)
    theirs = _record(monkeypatch, glue_module, "ipy_display")
    glue_module.glue("a_name", value, display=display)
    assert len(ours) == len(theirs) == 1
    assert repr(ours) == repr(theirs)
    (bundle,), options = ours[0]
    assert options["metadata"]["scrapbook"]["name"] == "a_name"
    assert all(k.startswith(notebook.HIDDEN_PREFIX) != display for k in bundle)


def test_the_prefix_is_myst_nbs():
    glue_module = pytest.importorskip("myst_nb.ext.glue")
    assert notebook.HIDDEN_PREFIX == glue_module.GLUE_PREFIX


def test_a_name_that_is_not_a_string_is_refused():
    for bad in (None, "", 3):
        with pytest.raises(TypeError, match="name must be a non-empty string"):
            notebook.glue(bad, 1.0)


def test_glue_does_not_import_myst_nb_or_nbformat():
    code = ("import sys\nfrom lecture_kit.notebook import glue\nglue('x', 1.5, display=False)\n"
            "print(sorted(m for m in ('myst_nb', 'docutils', 'nbformat', 'jsonschema')\n"
            "             if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"
