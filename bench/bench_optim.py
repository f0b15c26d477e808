"""Speed of one ``lecture_kit.optim`` step against ``torch.optim`` (a measurement, not a test).

One step of every optimizer that has a ``torch.optim`` counterpart, on 10^6
parameters, float32 and float64, against the same step of ``torch.optim`` with
``torch.set_num_threads(1)`` (PyTorch on 2 threads is erratic on these
machines), both with ``foreach=False`` and PyTorch's default code path.
``momentum_ema`` has no PyTorch class: it is timed against ``torch.optim.SGD``
with ``momentum=dampening=beta``, the same recursion from step 2 on and the
same memory traffic. The ``lecture_kit`` step is pure: it allocates its new
parameters and state, where PyTorch updates in place; the table measures that
honest cost, and also the opt-in in-place ``step_``.

Timing: each number is the **minimum over single calls**, measured in rounds
that interleave lecture_kit and PyTorch (so a burst of load from other
processes hits both); the minimum of a call of about a millisecond is robust to
a loaded machine where an average is not, but a loaded machine also shares its
caches, so record the load average and re-measure on a quiet machine.

PyTorch is optional: without it the script says so and prints the NumPy times.
Targets (issues 4 and 18): Adam step <= 1.0x PyTorch, every other optimizer's
step <= 1.5x. Run from the repository root::

    OPENBLAS_NUM_THREADS=1 PYTHONPATH=. /work/torchenv/bin/python bench/bench_optim.py --write

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
RESULTS = Path(__file__).with_name("results_optim.md")

# (lecture_kit name, kwargs, torch class, torch kwargs, target)
CONFIGS = [
    ("adam", dict(lr=1e-3), "Adam", dict(lr=1e-3), 1.0),
    ("adam", dict(lr=1e-3, amsgrad=True, weight_decay=1e-4), "Adam",
     dict(lr=1e-3, amsgrad=True, weight_decay=1e-4), 1.5),
    ("adamw", dict(lr=1e-3), "AdamW", dict(lr=1e-3), 1.5),
    ("sgd", dict(lr=1e-2), "SGD", dict(lr=1e-2), 1.5),
    ("sgd", dict(lr=1e-2, momentum=0.9), "SGD", dict(lr=1e-2, momentum=0.9), 1.5),
    ("sgd", dict(lr=1e-2, momentum=0.9, nesterov=True), "SGD",
     dict(lr=1e-2, momentum=0.9, nesterov=True), 1.5),
    ("momentum_ema", dict(lr=1e-2, beta=0.9), "SGD",
     dict(lr=1e-2, momentum=0.9, dampening=0.9), 1.5),
    ("adagrad", dict(lr=1e-2), "Adagrad", dict(lr=1e-2), 1.5),
    ("rmsprop", dict(lr=1e-3), "RMSprop", dict(lr=1e-3), 1.5),
    ("rmsprop", dict(lr=1e-3, momentum=0.9, centered=True), "RMSprop",
     dict(lr=1e-3, momentum=0.9, centered=True), 1.5),
    ("adadelta", dict(), "Adadelta", dict(), 1.5),
]


def _time_calls(fn, calls):
    best = math.inf
    for _ in range(calls):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def measure_interleaved(fns, rounds=7, calls=15):
    """Minimum seconds of one call of each of ``fns``, measured in interleaved rounds."""
    for fn in fns:  # warm-up
        fn()
    best = [math.inf] * len(fns)
    for _ in range(rounds):
        for i, fn in enumerate(fns):
            best[i] = min(best[i], _time_calls(fn, calls))
    return best


def numpy_step(name, kwargs, w, g, inplace=False):
    opt = optim.get(name, **kwargs)
    box = {"w": w.copy(), "state": opt.init(w)}
    box["w"], box["state"] = opt.step(box["w"], g, box["state"])  # buffers exist
    step = getattr(opt, "step_", None) if inplace else opt.step
    if step is None:  # a lecture_kit from before step_ (to compare versions)
        return None

    def run():
        box["w"], box["state"] = step(box["w"], g, box["state"])
    return run


def torch_step(cls_name, kwargs, w, g, foreach):
    p = torch.nn.Parameter(torch.from_numpy(w.copy()))
    p.grad = torch.from_numpy(g.copy())
    opt = getattr(torch.optim, cls_name)([p], foreach=foreach, **kwargs)
    opt.step()

    def run():
        with torch.no_grad():
            opt.step()
    return run


def run(rounds=7, calls=15):
    rng = np.random.default_rng(0)
    if torch is not None:
        torch.set_num_threads(1)
    rows = []
    for dtype in (np.float32, np.float64):
        w = rng.normal(size=N).astype(dtype)
        g = rng.normal(size=N).astype(dtype)
        for name, kwargs, cls_name, tkwargs, limit in CONFIGS:
            label = name + ("(" + ", ".join(f"{k}={v}" for k, v in kwargs.items()) + ")")
            ip = numpy_step(name, kwargs, w, g, inplace=True)
            fns = [numpy_step(name, kwargs, w, g), ip or (lambda: None)]
            if torch is not None:
                fns += [torch_step(cls_name, tkwargs, w, g, foreach=False),
                        torch_step(cls_name, tkwargs, w, g, foreach=None)]
            times = measure_interleaved(fns, rounds, calls) + [None, None]
            t_np, t_ip, t_ref, t_fe = times[:4]
            t_ip = t_ip if ip is not None else None
            best_torch = min(t_ref, t_fe) if torch is not None else None
            ratio = t_np / best_torch if best_torch else None
            ratio_ip = t_ip / best_torch if best_torch and t_ip is not None else None
            verdict = "" if ratio is None else (
                f"<= {limit}x: " + ("ok" if ratio <= limit else "MISSED")
                + ("" if ratio <= limit else
                   f" (step_: {'ok' if ratio_ip <= limit else 'MISSED'})" if ratio_ip else ""))
            rows.append((np.dtype(dtype).name, label, t_np, t_ip, t_ref, t_fe, ratio,
                         ratio_ip, verdict))
            print(f"  {rows[-1][0]} {label}: {t_np * 1e3:.3f} ms"
                  + (f", x{ratio:.2f}" if ratio else ""), file=sys.stderr, flush=True)
    return rows


def format_table(rows):
    lines = ["| dtype | step | step ms | step_ ms | torch (foreach=False) ms | "
             "torch (default) ms | step x torch | step_ x torch | target (pure step) |",
             "|---|---|---:|---:|---:|---:|---:|---:|---|"]
    for dname, label, t_np, t_ip, t_ref, t_fe, ratio, ratio_ip, verdict in rows:
        f = (lambda t: f"{t * 1e3:.3f}" if t is not None else "n/a")
        r = (lambda x: f"{x:.2f}" if x is not None else "n/a")
        lines.append(f"| {dname} | {label} | {f(t_np)} | {f(t_ip)} | {f(t_ref)} | {f(t_fe)} | "
                     f"{r(ratio)} | {r(ratio_ip)} | {verdict} |")
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
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds (default 7)")
    parser.add_argument("--calls", type=int, default=15, help="calls per round (default 15)")
    args = parser.parse_args(argv)
    if torch is None:
        print("PyTorch is not importable here: only the lecture_kit times are printed "
              "(run with /work/torchenv/bin/python for the comparison)")
    load_before = os.getloadavg()[0]
    t0 = time.perf_counter()
    rows = run(args.rounds, args.calls)
    minutes = (time.perf_counter() - t0) / 60
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    load = os.getloadavg()[0]
    cpus = os.cpu_count() or 1
    busy = (f": above the {cpus} CPUs, the machine was loaded and the ratios are not reliable; "
            "re-measure on a quiet machine" if max(load, load_before) > cpus else "")
    stamp += (f" (1-min load average {load_before:.1f} at the start, {load:.1f} at the end, "
              f"{minutes:.1f} min{busy})")
    header = (f"One optimizer step on {N:,} parameters, minimum over {args.rounds} interleaved "
              f"rounds of {args.calls} single calls; {stamp}; {machine()}; "
              f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}.\n"
              "`step x torch` = the pure `step` time / the faster of the two PyTorch code paths; "
              "`step_` is the opt-in in-place variant (same numbers, overwrites its inputs).")
    table = format_table(rows)
    print(header)
    print()
    print(table)
    missed = [r for r in rows if "MISSED" in r[-1].split("(")[0]]
    print()
    print(f"targets missed by the pure step: {len(missed)} of {len(rows)}")
    if args.write:
        RESULTS.write_text(
            "# Optimizer step speed (bench/bench_optim.py)\n\n"
            "Regenerate with `OPENBLAS_NUM_THREADS=1 PYTHONPATH=. /work/torchenv/bin/python "
            "bench/bench_optim.py --write` (a measurement, not a test).\n\n" + header + "\n\n"
            + table + "\n\n"
            + f"targets missed by the pure step: {len(missed)} of {len(rows)}\n")
        print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
