"""Build the HTML book strictly, re-executing notebooks only when needed.

Jupyter Book's execution cache keys each notebook on its own code cells; it does
not know that the notebooks import ``lecture_kit``. This script keys the cache on
the package too: when any file of ``lecture_kit`` changed since the last build,
the cache is dropped and every notebook runs again. ``--force`` always drops it
(``make test`` and CI use that).

The build is strict: warnings are errors (``-W``), references are checked
(``-n``), and ``_config.yml`` sets ``execute.raise_on_error`` so that an
exception in any cell fails the build.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def package_hash(root: Path = ROOT) -> str:
    """SHA-256 over the paths and contents of every file in ``lecture_kit``."""
    digest = hashlib.sha256()
    for path in sorted((root / "lecture_kit").rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def build(source: Path, *, force: bool = False) -> int:
    """Build the book whose ``_config.yml`` is in ``source`` into ``source/_build``.

    Returns the exit code of ``jupyter-book build``.
    """
    builddir = source / "_build"
    cache = builddir / ".jupyter_cache"
    stamp = builddir / ".lecture_kit.sha256"
    current = package_hash(source if (source / "lecture_kit").is_dir() else ROOT)
    if force or not stamp.exists() or stamp.read_text() != current:
        shutil.rmtree(cache, ignore_errors=True)
    env = dict(os.environ, LECTURE_KIT_EXPLORERS="static", MPLBACKEND="Agg",
               OPENBLAS_NUM_THREADS=os.environ.get("OPENBLAS_NUM_THREADS", "1"),
               PYDEVD_DISABLE_FILE_VALIDATION="1")
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(jupyter_book), "build", "-W", "-n",
           "--keep-going"]
    if force:
        cmd.append("--all")
    cmd.append(str(source))
    result = subprocess.run(cmd, env=env, cwd=source)
    if result.returncode == 0:
        builddir.mkdir(parents=True, exist_ok=True)
        stamp.write_text(current)
    return result.returncode


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true",
                        help="re-execute every notebook and rewrite every page")
    args = parser.parse_args(argv)
    code = build(ROOT, force=args.force)
    if code == 0:
        print(f"\nThe book is ready: open {ROOT / '_build' / 'html' / 'index.html'}")
    else:
        print("\nThe book build FAILED (see the messages above).", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
