"""Pure optimizer step of this lecture_kit against another version's, in one process.

A measurement, not a test. Interleaved rounds, minimum over single calls, on
10^6 float32/float64 parameters; prints a Markdown table (old ms, new ms, new/old).
To compare with an earlier commit::

    mkdir -p /tmp/old && git archive <commit> lecture_kit | tar -x -C /tmp/old
    OPENBLAS_NUM_THREADS=1 PYTHONPATH=. python bench/compare_optim_versions.py /tmp/old
"""

from __future__ import annotations

import importlib.util
import math
import sys
import time
from pathlib import Path

import numpy as np

CONFIGS = [("adam", {}), ("sgd", dict(lr=0.01)), ("sgd", dict(lr=0.01, momentum=0.9)),
           ("momentum_ema", dict(lr=0.01)), ("rmsprop", {}),
           ("rmsprop", dict(momentum=0.9, centered=True)), ("adagrad", {}), ("adadelta", {})]


def load_other(root: Path):
    pkg = root / "lecture_kit"
    spec = importlib.util.spec_from_file_location(
        "lk_other", pkg / "__init__.py", submodule_search_locations=[str(pkg)])
    module = importlib.util.module_from_spec(spec)
    sys.modules["lk_other"] = module
    spec.loader.exec_module(module)
    return importlib.import_module("lk_other.optim")


def stepper(optim, name, kwargs, w, g):
    opt = optim.get(name, **kwargs)
    box = [w.copy(), opt.init(w)]
    box[:] = opt.step(box[0], g, box[1])

    def run():
        box[:] = opt.step(box[0], g, box[1])
    return run


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print(__doc__)
        return 2
    old = load_other(Path(argv[0]))
    from lecture_kit import optim as new
    rng = np.random.default_rng(0)
    print("| dtype | step | other ms | this ms | this / other |\n|---|---|---:|---:|---:|")
    for dtype in (np.float32, np.float64):
        w = rng.normal(size=10**6).astype(dtype)
        g = rng.normal(size=10**6).astype(dtype)
        for name, kwargs in CONFIGS:
            fns = [stepper(old, name, kwargs, w, g), stepper(new, name, kwargs, w, g)]
            best = [math.inf, math.inf]
            for _ in range(6):
                for i, fn in enumerate(fns):
                    for _ in range(10):
                        t0 = time.perf_counter()
                        fn()
                        best[i] = min(best[i], time.perf_counter() - t0)
            print(f"| {np.dtype(dtype).name} | {name}({kwargs}) | {best[0] * 1e3:.3f} | "
                  f"{best[1] * 1e3:.3f} | {best[1] / best[0]:.2f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
