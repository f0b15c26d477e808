"""What a fresh process pays in imports before it does any work (a measurement, not a test).

Every chapter kernel, grader run, book build and test worker starts with imports.
Three of them cost seconds and are avoided (tools/quick_imports.py,
lecture_kit.notebook, lecture_kit.core.numerics); this prints what each costs
and what the avoided form costs, as the median of fresh interpreters, and the
ratio, both measured in this run on this machine::

    python bench/bench_imports.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUARD = "import sys; sys.modules.setdefault('rfc3987_syntax', None)\n"

# (what, the costly form, the form in use)
CASES = [
    ("nbformat (jsonschema's IRI grammars)", "import nbformat\n", GUARD + "import nbformat\n"),
    ("a chapter's first glue (myst-nb vs lecture_kit)",
     "from myst_nb import glue\nglue('x', 1.5, display=False)\n",
     "from lecture_kit.notebook import glue\nglue('x', 1.5, display=False)\n"),
    ("lecture_kit.core with SciPy's BLAS at import",
     "import lecture_kit.core.numerics\nimport scipy.linalg.blas\n",
     "import lecture_kit.core.numerics\n"),
]
BASE = "import numpy, IPython.display\n"     # what every such process has anyway


def seconds(code: str, repeat: int) -> float:
    """Median wall time of ``python -c BASE + code`` minus ``python -c BASE``."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONDONTWRITEBYTECODE="1")

    def run(text: str) -> float:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", text], check=True, env=env, cwd=ROOT)
        return time.perf_counter() - start

    run(BASE + code)                                 # warm the file cache
    base = statistics.median(run(BASE) for _ in range(repeat))
    return statistics.median(run(BASE + code) for _ in range(repeat)) - base


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    print(f"{'import':50s} {'costly s':>9s} {'in use s':>9s} {'ratio':>7s}")
    for what, costly, used in CASES:
        a, b = seconds(costly, args.repeat), seconds(used, args.repeat)
        ratio = f"{a / b:7.1f}" if b >= 0.01 else f"{'(b~0)':>7s}"
        print(f"{what:50s} {a:9.2f} {max(b, 0.0):9.2f} {ratio}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
