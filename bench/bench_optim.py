"""Speed of one ``lecture_kit.optim`` step against ``torch.optim`` (a measurement, not a test).

An Adam step (and, for context, SGD with momentum and RMSprop) on 10^6
parameters, float32 and float64, against the same step of ``torch.optim`` with
``torch.set_num_threads(1)`` (PyTorch on 2 threads is erratic on these
machines) and ``foreach=False`` as well as PyTorch's default code path. The
``lecture_kit`` step is pure: it allocates its new parameters and state, where
PyTorch updates in place; the table measures that honest cost.

PyTorch is optional: without it the script says so and prints the NumPy times.
Target (issue 4): Adam step <= 1.0x PyTorch. Run from the repository root::

    PYTHONPATH=. /work/torchenv/bin/python bench/bench_optim.py --write

``--write`` replaces ``bench/results_optim.md`` with the table printed.
"""

from __future__ import annotations

import argparse
import datetime
import math
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

from lecture_kit import optim

try:
    import torch
except ImportError:  # pragma: no cover - depends on the environment
    torch = None

N = 10**6
TARGET = {"adam": 1.0}
RESULTS = Path(__file__).with_name("results_optim.md")

CONFIGS = [
    ("adam", dict(lr=1e-3), "Adam", dict(lr=1e-3)),
    ("adam", dict(lr=1e-3, amsgrad=True, weight_decay=1e-4), "Adam",
     dict(lr=1e-3, amsgrad=True, weight_decay=1e-4)),
    ("sgd", dict(lr=1e-2, momentum=0.9), "SGD", dict(lr=1e-2, momentum=0.9)),
    ("rmsprop", dict(lr=1e-3), "RMSprop", dict(lr=1e-3)),
]


def measure(fn, min_time=0.1, repeats=7):
    """Best seconds per call of ``fn`` over ``repeats`` rounds (after a warm-up)."""
    fn()
    t0 = time.perf_counter()
    fn()
    once = max(time.perf_counter() - t0, 1e-7)
    number = max(1, int(min_time / once))
    best = math.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - t0) / number)
    return best


def numpy_step(name, kwargs, w, g):
    opt = optim.get(name, **kwargs)
    box = {"w": w, "state": opt.init(w)}
    box["w"], box["state"] = opt.step(box["w"], g, box["state"])  # buffers exist

    def step():
        box["w"], box["state"] = opt.step(box["w"], g, box["state"])
    return step


def torch_step(cls_name, kwargs, w, g, foreach):
    p = torch.nn.Parameter(torch.from_numpy(w.copy()))
    p.grad = torch.from_numpy(g.copy())
    opt = getattr(torch.optim, cls_name)([p], foreach=foreach, **kwargs)
    opt.step()
    return opt.step


def run():
    rng = np.random.default_rng(0)
    if torch is not None:
        torch.set_num_threads(1)
    rows = []
    for dtype in (np.float32, np.float64):
        w = rng.normal(size=N).astype(dtype)
        g = rng.normal(size=N).astype(dtype)
        for name, kwargs, cls_name, tkwargs in CONFIGS:
            label = name + ("(" + ", ".join(f"{k}={v}" for k, v in kwargs.items()) + ")")
            with torch.no_grad() if torch is not None else _null():
                t_np = measure(numpy_step(name, kwargs, w.copy(), g))
                t_ref = t_fe = None
                if torch is not None:
                    t_ref = measure(torch_step(cls_name, tkwargs, w, g, foreach=False))
                    t_fe = measure(torch_step(cls_name, tkwargs, w, g, foreach=None))
            best_torch = min(t for t in (t_ref, t_fe) if t is not None) if torch else None
            ratio = t_np / best_torch if best_torch else None
            limit = TARGET.get(name) if name == "adam" and len(kwargs) == 1 else None
            verdict = "" if limit is None or ratio is None else (
                f"<= {limit}x: " + ("ok" if ratio <= limit else "MISSED"))
            rows.append((np.dtype(dtype).name, label, t_np, t_ref, t_fe, ratio, verdict))
    return rows


class _null:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def format_table(rows):
    lines = ["| dtype | step | lecture_kit ms | torch (foreach=False) ms | torch (default) ms | "
             "x best torch | target |", "|---|---|---:|---:|---:|---:|---|"]
    for dname, label, t_np, t_ref, t_fe, ratio, verdict in rows:
        f = (lambda t: f"{t * 1e3:.2f}" if t is not None else "n/a")
        r = f"{ratio:.2f}" if ratio is not None else "n/a"
        lines.append(f"| {dname} | {label} | {f(t_np)} | {f(t_ref)} | {f(t_fe)} | {r} | {verdict} |")
    return "\n".join(lines)


def machine():
    cpu = platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    tv = torch.__version__ if torch is not None else "absent"
    return (f"{cpu}, {os.cpu_count()} logical CPUs; Python {platform.python_version()}, "
            f"NumPy {np.__version__}, PyTorch {tv} (1 thread)")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"also write {RESULTS.name}")
    args = parser.parse_args(argv)
    if torch is None:
        print("PyTorch is not importable here: only the lecture_kit times are printed "
              "(run with /work/torchenv/bin/python for the comparison)")
    rows = run()
    stamp = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    load = os.getloadavg()[0]
    busy = ": above the CPU count, ratios are noisy" if load > (os.cpu_count() or 1) else ""
    stamp += f" (load average {load:.1f} when it ended{busy})"
    header = (f"One optimizer step on {N:,} parameters, best of 7 rounds; {stamp}; {machine()}.\n"
              "`x best torch` = lecture_kit time / the faster of the two PyTorch code paths.")
    table = format_table(rows)
    print(header)
    print()
    print(table)
    missed = [r for r in rows if r[-1].endswith("MISSED")]
    print()
    print(f"targets missed: {len(missed)}")
    if args.write:
        RESULTS.write_text(
            "# Optimizer step speed (bench/bench_optim.py)\n\n"
            "Regenerate with `PYTHONPATH=. /work/torchenv/bin/python bench/bench_optim.py --write` "
            "(a measurement, not a test).\n\n" + header + "\n\n" + table + "\n\n"
            + f"targets missed: {len(missed)}\n")
        print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
