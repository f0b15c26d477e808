"""Speed of ``lecture_kit.activations`` against the best NumPy/SciPy reference.

A measurement, not a test. For 10^6-element float32 and float64 arrays, every
registered activation (default parameters) is timed forward, ``a(x)``, and
backward, ``a.grad(x)``, and so are softmax and log-softmax over rows of 1000.
Each row is compared, in the same run, with

* a **memory copy** of the input (``np.copyto`` into a preallocated array): the
  floor no elementwise function can beat;
* the fastest NumPy/SciPy expression for the same numbers, where one exists:
  ``scipy.special.expit`` (sigmoid), ``np.tanh``, ``np.maximum(x, 0)`` (ReLU),
  ``scipy.special.softmax`` / ``log_softmax``, ``scipy.special.ndtr`` (GELU),
  ``np.logaddexp`` (softplus), ... The references are the plain formulas (no
  care for NaN, overflow warnings or dtype): they are what speed looks like
  when correctness is someone else's problem.

Targets (issue 4): sigmoid <= 1.0x expit in float32 and <= 1.5x in float64;
ReLU forward within 2x of a memory copy; softmax <= 1.5x scipy.special.softmax.
Rows with a target say ``ok`` or ``MISSED``.

SciPy is used here only; it is not a dependency of ``lecture_kit``. Run from the
repository root::

    .venv/bin/python bench/bench_activations.py            # print the table
    .venv/bin/python bench/bench_activations.py --write    # and write results_activations.md
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

from lecture_kit import activations

try:
    import scipy.special as sps
except ImportError:  # pragma: no cover - depends on the environment
    sps = None

N = 10**6
RESULTS = Path(__file__).with_name("results_activations.md")

# name -> {(direction, dtype name): maximum ratio to the reference}
TARGETS = {
    "sigmoid": {("forward", "float32"): 1.0, ("forward", "float64"): 1.5},
    "softmax": {("forward", "float32"): 1.5, ("forward", "float64"): 1.5},
}
COPY_TARGETS = {"relu": {("forward", "float32"): 2.0, ("forward", "float64"): 2.0}}


# ----------------------------------------------------------------------------
# timing
# ----------------------------------------------------------------------------
def measure(fn, min_time=0.05, repeats=7):
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


# ----------------------------------------------------------------------------
# references: the fastest plain NumPy/SciPy formula for the same numbers
# ----------------------------------------------------------------------------
def references(x):
    """``{name: (forward reference, backward reference, label)}`` for input ``x``."""
    one = x.dtype.type(1)
    half = x.dtype.type(0.5)
    refs = {
        "tanh": (lambda: np.tanh(x), lambda: one - np.square(np.tanh(x)), "np.tanh"),
        "relu": (lambda: np.maximum(x, 0), lambda: (x > 0).astype(x.dtype), "np.maximum"),
        "leaky_relu": (lambda: np.where(x > 0, x, x.dtype.type(0.01) * x),
                       lambda: np.where(x > 0, one, x.dtype.type(0.01)), "np.where"),
        "relu6": (lambda: np.clip(x, 0, 6), lambda: ((x > 0) & (x < 6)).astype(x.dtype), "np.clip"),
        "hard_tanh": (lambda: np.clip(x, -1, 1), lambda: ((x > -1) & (x < 1)).astype(x.dtype),
                      "np.clip"),
        "softsign": (lambda: x / (1 + np.abs(x)), lambda: 1 / np.square(1 + np.abs(x)), "numpy"),
        "elu": (lambda: np.where(x > 0, x, np.expm1(np.minimum(x, 0))),
                lambda: np.where(x > 0, one, np.exp(np.minimum(x, 0))), "np.where+expm1"),
        "identity": (lambda: x.copy(), lambda: np.ones_like(x), "x.copy"),
    }
    if sps is not None:
        refs.update({
            "sigmoid": (lambda: sps.expit(x), lambda: _expit_grad(x), "scipy expit"),
            "log_sigmoid": (lambda: sps.log_expit(x), lambda: sps.expit(-x), "scipy log_expit"),
            "softplus": (lambda: np.logaddexp(0, x), lambda: sps.expit(x), "np.logaddexp"),
            "swish": (lambda: x * sps.expit(x), lambda: _swish_grad(x), "x*expit"),
            "silu": (lambda: x * sps.expit(x), lambda: _swish_grad(x), "x*expit"),
            "gelu": (lambda: x * sps.ndtr(x),
                     lambda: sps.ndtr(x) + x * np.exp(-half * x * x) * x.dtype.type(
                         1 / math.sqrt(2 * math.pi)), "x*scipy ndtr"),
        })
    return refs


def _expit_grad(x):
    s = sps.expit(x)
    return s * (1 - s)


def _swish_grad(x):
    s = sps.expit(x)
    return s * (1 + x * (1 - s))


# ----------------------------------------------------------------------------
# the table
# ----------------------------------------------------------------------------
def verdict(ratio, limit):
    if limit is None:
        return ""
    return "ok" if ratio <= limit else "MISSED"


def run():
    rng = np.random.default_rng(0)
    rows = []  # (dtype, name, direction, ms, x copy, reference label, ms ref, ratio, target)
    for dtype in (np.float32, np.float64):
        dname = np.dtype(dtype).name
        x = rng.normal(scale=3.0, size=N).astype(dtype)
        out = np.empty_like(x)
        t_copy = measure(lambda: np.copyto(out, x))
        rows.append((dname, "memory copy", "-", t_copy, 1.0, "", None, None, ""))
        refs = references(x)
        with np.errstate(all="ignore"):  # the references may warn; we only time them
            for name in activations.names():
                a = activations.get(name)
                for direction, fn in (("forward", lambda: a(x)), ("backward", lambda: a.grad(x))):
                    t = measure(fn)
                    ref_label, t_ref, ratio = "", None, None
                    if name in refs:
                        fwd, bwd, ref_label = refs[name]
                        t_ref = measure(fwd if direction == "forward" else bwd)
                        ratio = t / t_ref
                    limit = TARGETS.get(name, {}).get((direction, dname))
                    copy_limit = COPY_TARGETS.get(name, {}).get((direction, dname))
                    target = ""
                    if limit is not None:
                        target = f"<= {limit}x ref: {verdict(ratio, limit)}"
                    if copy_limit is not None:
                        target = f"<= {copy_limit}x copy: {verdict(t / t_copy, copy_limit)}"
                    rows.append((dname, name, direction, t, t / t_copy, ref_label, t_ref, ratio,
                                 target))
            # softmax family over rows of 1000 (1000 x 1000 = 10^6 elements)
            z = x.reshape(1000, 1000)
            vec = [("softmax", lambda: activations.softmax(z, axis=-1),
                    (lambda: sps.softmax(z, axis=-1)) if sps else None, "scipy softmax"),
                   ("log_softmax", lambda: activations.log_softmax(z, axis=-1),
                    (lambda: sps.log_softmax(z, axis=-1)) if sps else None, "scipy log_softmax"),
                   ("maxout (k=4)", lambda: activations.maxout(z, 4, axis=-1),
                    lambda: z.reshape(1000, 250, 4).max(axis=-1), "reshape+max")]
            for name, fn, ref, label in vec:
                t = measure(fn)
                t_ref = measure(ref) if ref is not None else None
                ratio = t / t_ref if t_ref else None
                limit = TARGETS.get(name, {}).get(("forward", dname))
                target = f"<= {limit}x ref: {verdict(ratio, limit)}" if limit and ratio else ""
                rows.append((dname, name, "forward", t, t / t_copy, label if ref else "",
                             t_ref, ratio, target))
    return rows


def format_table(rows):
    head = ("| dtype | function | pass | ms | x copy | reference | ref ms | x ref | target |\n"
            "|---|---|---|---:|---:|---|---:|---:|---|")
    lines = [head]
    for dname, name, direction, t, xcopy, label, t_ref, ratio, target in rows:
        ref_ms = f"{t_ref * 1e3:.2f}" if t_ref is not None else ""
        r = f"{ratio:.2f}" if ratio is not None else ""
        lines.append(f"| {dname} | {name} | {direction} | {t * 1e3:.2f} | {xcopy:.1f} | {label} | "
                     f"{ref_ms} | {r} | {target} |")
    return "\n".join(lines)


def machine():
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import os
    return (f"{cpu}, {os.cpu_count()} logical CPUs; Python {platform.python_version()}, "
            f"NumPy {np.__version__}, SciPy "
            f"{__import__('scipy').__version__ if sps is not None else 'absent'}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"also write {RESULTS.name}")
    args = parser.parse_args(argv)
    if sps is None:
        print("scipy is not importable: the reference columns stay empty "
              "(install the course requirements to compare)")
    rows = run()
    table = format_table(rows)
    stamp = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    load = os.getloadavg()[0]
    busy = ": above the CPU count, ratios are noisy" if load > (os.cpu_count() or 1) else ""
    stamp += f" (load average {load:.1f} when it ended{busy})"
    header = (f"Activations, {N:,} elements, best of 7 rounds; {stamp}; {machine()}.\n"
              "`x copy` = time / memory copy of the same array; `x ref` = time / reference.")
    print(header)
    print()
    print(table)
    missed = [r for r in rows if r[-1].endswith("MISSED")]
    print()
    print(f"targets missed: {len(missed)}" + (": " + ", ".join(f"{r[1]} {r[0]}" for r in missed)
                                              if missed else ""))
    if args.write:
        RESULTS.write_text(
            "# Activation speed (bench/bench_activations.py)\n\n"
            "Regenerate with `.venv/bin/python bench/bench_activations.py --write` "
            "(a measurement, not a test; timings vary from run to run by ~10%).\n\n"
            + header + "\n\n" + table + "\n\n"
            + f"targets missed: {len(missed)}\n")
        print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
