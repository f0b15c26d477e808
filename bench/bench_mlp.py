"""Speed of ``lecture_kit.mlp`` against PyTorch (a measurement, not a test).

Two workloads:

1. one training step (forward, backward, SGD update) of a 784-256-256-10 ReLU
   network on a batch of 128, in float32, against the same step in PyTorch;
2. the depth probe of the course, 50 layers x width 256 x batch 512.

Both libraries are timed with their BLAS (or intra-op) thread pool limited to
1 thread, the fair comparison; 2 threads are reported too. PyTorch is optional:
without it the PyTorch columns say so.

Run from the repository root, in the environment that has PyTorch::

    PYTHONPATH=. /work/torchenv/bin/python bench/bench_mlp.py --write

``--write`` replaces ``bench/results_mlp.md`` with the table printed.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from lecture_kit import optim
from lecture_kit.mlp import MLP, depth_probe

try:
    from threadpoolctl import threadpool_info, threadpool_limits
except ImportError:  # pragma: no cover - depends on the environment
    threadpool_info = threadpool_limits = None

try:
    import torch
    import torch.nn.functional as F
except ImportError:  # pragma: no cover - depends on the environment
    torch = None

TARGET_RATIO = 1.1
RESULTS = Path(__file__).with_name("results_mlp.md")


# ----------------------------------------------------------------------------
# timing helpers
# ----------------------------------------------------------------------------
def measure(fn, min_time=0.2, repeats=7):
    """Median and minimum seconds per call of ``fn`` over ``repeats`` rounds."""
    fn()  # warm-up (allocations, BLAS thread start)
    t0 = time.perf_counter()
    fn()
    once = max(time.perf_counter() - t0, 1e-6)
    number = max(1, int(min_time / once))
    rounds = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        rounds.append((time.perf_counter() - t0) / number)
    return statistics.median(rounds), min(rounds)


class blas_threads:
    """Limit NumPy's BLAS to ``n`` threads (and PyTorch's intra-op pool to ``n``)."""

    def __init__(self, n):
        self.n = n

    def __enter__(self):
        self._ctl = threadpool_limits(limits=self.n, user_api="blas") if threadpool_limits else None
        if torch is not None:
            self._torch = torch.get_num_threads()
            torch.set_num_threads(self.n)
        return self

    def __exit__(self, *exc):
        if self._ctl is not None:
            self._ctl.restore_original_limits()
        if torch is not None:
            torch.set_num_threads(self._torch)


# ----------------------------------------------------------------------------
# workload 1: a training step
# ----------------------------------------------------------------------------
SIZES = [784, 256, 256, 10]
BATCH = 128
LR = 0.01


def numpy_step():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((BATCH, SIZES[0])).astype(np.float32)
    y = rng.integers(0, SIZES[-1], BATCH)
    net = MLP(SIZES, activation="relu", init="he_normal", rng=0, dtype=np.float32)
    opt = optim.sgd(lr=LR)
    state = [None]

    def step():
        _, state[0] = net.train_step(X, y, opt, state[0])

    def grads_only():
        net.gradients(X, y)

    def forward_only():
        net.forward(X)

    return step, grads_only, forward_only


def torch_step():
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    X = torch.from_numpy(rng.standard_normal((BATCH, SIZES[0])).astype(np.float32))
    y = torch.from_numpy(rng.integers(0, SIZES[-1], BATCH))
    layers = []
    for i, (n_in, n_out) in enumerate(zip(SIZES[:-1], SIZES[1:])):
        layers.append(torch.nn.Linear(n_in, n_out))
        if i < len(SIZES) - 2:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    opt = torch.optim.SGD(model.parameters(), lr=LR)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(X), y)
        loss.backward()
        opt.step()

    def forward_only():
        with torch.no_grad():
            model(X)

    return step, forward_only


# ----------------------------------------------------------------------------
# workload 2: the depth probe
# ----------------------------------------------------------------------------
PROBE = dict(depth=50, width=256, batch=512)


def torch_probe(activation, dtype):
    """The same computation as ``depth_probe`` with PyTorch autograd (reference)."""
    f = {"sigmoid": torch.sigmoid, "relu": torch.relu, "tanh": torch.tanh}[activation]
    g = torch.Generator().manual_seed(0)
    n, B = PROBE["width"], PROBE["batch"]
    X = torch.randn(B, n, generator=g, dtype=dtype)
    G = torch.randn(B, n, generator=g, dtype=dtype)
    std = (1.0 / n) ** 0.5
    Ws = [(torch.randn(n, n, generator=g, dtype=dtype) * std).requires_grad_()
          for _ in range(PROBE["depth"])]

    def run():
        a = X
        stds = []
        for W in Ws:
            a = f(a @ W)
            stds.append(a.detach().std())
        loss = (a * G).sum() / B
        grads = torch.autograd.grad(loss, Ws)
        return [gr.norm() for gr in grads], stds

    return run


# ----------------------------------------------------------------------------
# report
# ----------------------------------------------------------------------------
def cpu_name():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def blas_name():
    if threadpool_info is None:
        return "unknown BLAS (threadpoolctl not installed)"
    infos = [i for i in threadpool_info() if i.get("user_api") == "blas"]
    return ", ".join(f"{i.get('internal_api')} {i.get('version')}" for i in infos) or "unknown"


def ms(t):
    return f"{1e3 * t:.2f}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"write {RESULTS.name}")
    args = parser.parse_args(argv)
    if threadpool_limits is None:
        print("warning: threadpoolctl missing; NumPy's BLAS thread count is not controlled "
              "(set OPENBLAS_NUM_THREADS before starting Python)", file=sys.stderr)

    lines = []
    out = lines.append
    out("# Speed of `lecture_kit.mlp`")
    out("")
    out("Measured by `bench/bench_mlp.py` (median of 7 rounds, each at least 0.2 s; "
        "minimum in parentheses). Times in milliseconds.")
    out("")
    out(f"* CPU: {cpu_name()}, {__import__('os').cpu_count()} logical cores")
    out(f"* Python {platform.python_version()}, NumPy {np.__version__} ({blas_name()})")
    out(f"* PyTorch: {torch.__version__ if torch is not None else 'not installed: columns skipped'}")
    out("")

    # -- training step -------------------------------------------------------
    out(f"## Training step: {'-'.join(map(str, SIZES))} ReLU, batch {BATCH}, float32, SGD")
    out("")
    out("Forward, cross-entropy, backward and update (`MLP.train_step` with "
        "`optim.sgd`; PyTorch: `zero_grad`, forward, `F.cross_entropy`, `backward`, "
        "`SGD.step`).")
    out("")
    out("| threads | NumPy step | NumPy grads only | NumPy forward | PyTorch step "
        "| PyTorch forward | NumPy / PyTorch (step) |")
    out("|---|---|---|---|---|---|---|")
    ratios = {}
    for threads in (1, 2):
        with blas_threads(threads):
            step, grads_only, forward_only = numpy_step()
            np_step = measure(step)
            np_grads = measure(grads_only)
            np_fwd = measure(forward_only)
            if torch is not None:
                t_step, t_fwd = torch_step()
                th_step = measure(t_step)
                th_fwd = measure(t_fwd)
                ratio = np_step[0] / th_step[0]
                ratios[threads] = ratio
                torch_cols = (f"{ms(th_step[0])} ({ms(th_step[1])})",
                              f"{ms(th_fwd[0])} ({ms(th_fwd[1])})", f"**{ratio:.2f}x**")
            else:
                torch_cols = ("skipped: no torch",) * 2 + ("n/a",)
        out(f"| {threads} | {ms(np_step[0])} ({ms(np_step[1])}) | {ms(np_grads[0])} "
            f"({ms(np_grads[1])}) | {ms(np_fwd[0])} ({ms(np_fwd[1])}) | " + " | ".join(torch_cols) + " |")
        print(lines[-1], flush=True)
    out("")
    if 1 in ratios:
        verdict = "met" if ratios[1] <= TARGET_RATIO else "**missed**"
        out(f"Target: NumPy step <= {TARGET_RATIO}x PyTorch on 1 thread: {verdict} "
            f"({ratios[1]:.2f}x).")
    else:
        out("Target: NumPy step <= 1.1x PyTorch on 1 thread: not measured (no PyTorch).")
    out("")

    # -- depth probe ----------------------------------------------------------
    out(f"## Depth probe: {PROBE['depth']} layers x width {PROBE['width']} x batch {PROBE['batch']}")
    out("")
    out("`depth_probe(...)` end to end: drawing the weights, the forward pass with the "
        "per-layer statistics, and the backward pass. PyTorch reference: the same "
        "forward/backward with autograd, weights drawn once outside the timing.")
    out("")
    out("| activation / init | dtype | threads | `depth_probe` | PyTorch forward+backward |")
    out("|---|---|---|---|---|")
    configs = [("sigmoid", "xavier_normal"), ("relu", "he_normal")]
    for activation, init in configs:
        for dtype in (np.float64, np.float32):
            for threads in (1, 2):
                with blas_threads(threads):
                    t = measure(lambda: depth_probe(activation=activation, init=init, rng=0,
                                                    dtype=dtype, **PROBE), min_time=0.5, repeats=5)
                    if torch is not None:
                        tdt = torch.float64 if dtype == np.float64 else torch.float32
                        ref = measure(torch_probe(activation, tdt), min_time=0.5, repeats=5)
                        ref_col = f"{ms(ref[0])} ({ms(ref[1])})"
                    else:
                        ref_col = "skipped: no torch"
                out(f"| {activation} / {init} | {np.dtype(dtype).name} | {threads} | "
                    f"{ms(t[0])} ({ms(t[1])}) | {ref_col} |")
                print(lines[-1], flush=True)
    out("")

    text = "\n".join(lines) + "\n"
    print()
    print(text)
    if args.write:
        RESULTS.write_text(text)
        print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
