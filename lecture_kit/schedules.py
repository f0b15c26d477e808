r"""Learning-rate schedules as pure functions of the step, and their use with any optimizer.

A schedule answers one question: *which learning rate does update number*
:math:`t` *use?* Here a schedule is a small callable object,
``schedule(t) -> float``, for :math:`t = 0, 1, 2, \dots` (the first update is
:math:`t = 0`). Nothing is stored between calls, so the same schedule can be
plotted, printed and used by several runs at once::

    sched = cosine(lr=0.1, t_max=100)
    sched(0), sched(50), sched(100)          # 0.1, 0.05, 0.0
    opt = scheduled(optim.adam(), sched)     # any optimizer of lecture_kit.optim
    state = opt.init(w)
    w, state = opt.step(w, grad(w), state)   # uses lr = sched(state.step)

Every schedule reproduces ``torch.optim.lr_scheduler`` exactly when
``scheduler.step()`` is called once after every ``optimizer.step()`` (the
usual per-iteration use): the learning rate of update :math:`t` is the one
PyTorch reports after :math:`t` calls of ``scheduler.step()``. The fixtures in
``tests/fixtures/torch_schedules.npz`` check every schedule and two scheduled
optimizers against PyTorch.

========================  ==============================================  ==========================
schedule                  learning rate of update :math:`t`                PyTorch
========================  ==============================================  ==========================
:func:`constant`          :math:`\eta`                                     (no scheduler)
:func:`step_decay`        :math:`\eta\,\gamma^{\lfloor t/s \rfloor}`       ``StepLR``
:func:`multistep`         :math:`\eta\,\gamma^{\#\{m_i \le t\}}`           ``MultiStepLR``
:func:`exponential`       :math:`\eta\,\gamma^{t}`                         ``ExponentialLR``
:func:`inverse_time`      :math:`\eta / (1 + k t)`                         ``LambdaLR``
:func:`cosine`            :math:`\eta_{\min} + (\eta-\eta_{\min})\frac{1+\cos(\pi t/T)}{2}`  ``CosineAnnealingLR``
:func:`linear_warmup`     linear from :math:`f_0\eta` to :math:`\eta` in :math:`w` steps  ``LinearLR``
:func:`warmup_cosine`     linear warmup, then cosine decay                ``SequentialLR``
========================  ==============================================  ==========================

Notes
-----
Robbins and Monro's conditions for stochastic gradient descent to converge,
:math:`\sum_t \eta_t = \infty` and :math:`\sum_t \eta_t^2 < \infty`, hold for
:func:`inverse_time` and for no other schedule of this module: a constant rate
leaves a noise floor, and the geometric and cosine schedules have a finite
sum (they stop moving before the noise is averaged away; in practice they are
used for a fixed budget of steps). :func:`robbins_monro` tests a schedule's
partial sums numerically.

References
----------
H. Robbins and S. Monro, "A stochastic approximation method", 1951.
I. Loshchilov and F. Hutter, "SGDR: Stochastic gradient descent with warm
restarts", ICLR 2017 (the cosine schedule).
P. Goyal et al., "Accurate, large minibatch SGD: training ImageNet in 1 hour",
2017 (linear warmup).
"""

from __future__ import annotations

import math
from typing import Callable, NamedTuple, Sequence

import numpy as np

from .core.validation import check_flag, check_integer, check_positive, check_real

__all__ = [
    "Schedule",
    "constant",
    "step_decay",
    "multistep",
    "exponential",
    "inverse_time",
    "cosine",
    "linear_warmup",
    "warmup_cosine",
    "sequential",
    "values",
    "robbins_monro",
    "noise_floor",
    "noisy_quadratic",
    "ScheduledOptimizer",
    "scheduled",
]


def _step_index(t) -> int:
    return check_integer(t, "the step t", minimum=0)


def _count(value, name: str, minimum: int = 1) -> int:
    return check_integer(value, name, minimum=minimum)


def _finite_nonnegative(value, name: str) -> float:
    return check_real(value, name, minimum=0.0)


def _factor(value, name: str, *, upper: float = 1.0) -> float:
    v = check_positive(value, name)
    if v > upper:
        raise ValueError(f"Invalid {name}: {value!r} (must be in (0, {upper:g}])")
    return v


class Schedule:
    """A learning-rate schedule: ``schedule(t)`` is the rate of update ``t`` (``t >= 0``).

    Built by the factories of this module. ``name`` and ``params`` describe
    it (``repr`` shows them); ``lr`` is the base rate, the value at ``t = 0``
    except for warm-up schedules.
    """

    __slots__ = ("name", "_params", "_fn", "lr")

    def __init__(self, name: str, params: dict, fn: Callable[[int], float], lr: float):
        self.name = name
        self._params = dict(params)
        self._fn = fn
        self.lr = lr

    @property
    def params(self) -> dict:
        return dict(self._params)

    def __call__(self, t) -> float:
        return float(self._fn(_step_index(t)))

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self._params.items())
        return f"{self.name}({args})"


def constant(lr: float) -> Schedule:
    r"""The same rate :math:`\eta` at every step.

    Examples
    --------
    >>> constant(0.1)(1000)
    0.1
    """
    lr = _finite_nonnegative(lr, "lr")
    return Schedule("constant", {"lr": lr}, lambda t: lr, lr)


def step_decay(lr: float, step_size: int, gamma: float = 0.1) -> Schedule:
    r"""Multiply the rate by ``gamma`` every ``step_size`` steps: :math:`\eta\gamma^{\lfloor t/s\rfloor}`.

    PyTorch: ``StepLR(opt, step_size, gamma)``.

    Examples
    --------
    >>> s = step_decay(1.0, step_size=10, gamma=0.5)
    >>> s(9), s(10), s(25)
    (1.0, 0.5, 0.25)
    """
    lr = _finite_nonnegative(lr, "lr")
    step_size = _count(step_size, "step_size")
    gamma = _factor(gamma, "gamma")
    return Schedule("step_decay", {"lr": lr, "step_size": step_size, "gamma": gamma},
                    lambda t: lr * gamma ** (t // step_size), lr)


def multistep(lr: float, milestones: Sequence[int], gamma: float = 0.1) -> Schedule:
    r"""Multiply the rate by ``gamma`` at each milestone: :math:`\eta\gamma^{\#\{i:\, m_i \le t\}}`.

    PyTorch: ``MultiStepLR(opt, milestones, gamma)``.

    Examples
    --------
    >>> s = multistep(1.0, milestones=[3, 5], gamma=0.1)
    >>> [round(s(t), 3) for t in range(7)]
    [1.0, 1.0, 1.0, 0.1, 0.1, 0.01, 0.01]
    """
    lr = _finite_nonnegative(lr, "lr")
    marks = sorted(_count(m, "each milestone") for m in milestones)
    gamma = _factor(gamma, "gamma")
    return Schedule("multistep", {"lr": lr, "milestones": tuple(marks), "gamma": gamma},
                    lambda t: lr * gamma ** sum(m <= t for m in marks), lr)


def exponential(lr: float, gamma: float) -> Schedule:
    r"""Multiply the rate by ``gamma`` at every step: :math:`\eta\gamma^{t}`.

    PyTorch: ``ExponentialLR(opt, gamma)``. A ``gamma`` above 1 makes the rate
    grow, as in a learning-rate range test.

    Examples
    --------
    >>> round(exponential(1.0, gamma=0.9)(2), 12)
    0.81
    """
    lr = _finite_nonnegative(lr, "lr")
    gamma = _factor(gamma, "gamma", upper=math.inf)
    return Schedule("exponential", {"lr": lr, "gamma": gamma},
                    lambda t: lr * gamma ** t, lr)


def inverse_time(lr: float, decay: float) -> Schedule:
    r"""The :math:`1/t` schedule :math:`\eta / (1 + k t)`, the one that meets Robbins–Monro.

    PyTorch has no class for it: ``LambdaLR(opt, lambda t: 1 / (1 + decay * t))``.

    Examples
    --------
    >>> inverse_time(1.0, decay=0.5)(2)
    0.5
    """
    lr = _finite_nonnegative(lr, "lr")
    decay = _finite_nonnegative(decay, "decay")
    return Schedule("inverse_time", {"lr": lr, "decay": decay},
                    lambda t: lr * (1.0 / (1.0 + decay * t)), lr)


def cosine(lr: float, t_max: int, eta_min: float = 0.0, cycle: bool = False) -> Schedule:
    r"""Cosine annealing from :math:`\eta` down to :math:`\eta_{\min}` in ``t_max`` steps.

    .. math::
        \eta_t = \eta_{\min} + (\eta - \eta_{\min})\,\frac{1 + \cos(\pi t / T)}{2},
        \qquad 0 \le t \le T,

    and :math:`\eta_{\min}` after :math:`T`. PyTorch: ``CosineAnnealingLR(opt,
    T_max, eta_min)``. Past ``T_max`` PyTorch keeps following the cosine back
    up (a period of :math:`2T`), which is rarely intended: here the rate stays
    at :math:`\eta_{\min}` unless ``cycle=True``, which reproduces PyTorch at
    every step.

    Examples
    --------
    >>> s = cosine(0.1, t_max=100)
    >>> s(0), round(s(50), 12), s(100), s(150)
    (0.1, 0.05, 0.0, 0.0)
    """
    lr = _finite_nonnegative(lr, "lr")
    t_max = _count(t_max, "t_max")
    eta_min = _finite_nonnegative(eta_min, "eta_min")

    cycle = check_flag(cycle, "cycle")

    def fn(t):
        if t >= t_max and not cycle:
            return eta_min
        return eta_min + (lr - eta_min) * (1.0 + math.cos(math.pi * t / t_max)) / 2.0

    params = {"lr": lr, "t_max": t_max, "eta_min": eta_min, "cycle": cycle}
    return Schedule("cosine", params, fn, lr)


def linear_warmup(lr: float, warmup_steps: int, start_factor: float = 1.0 / 3.0) -> Schedule:
    r"""Ramp linearly from ``start_factor * lr`` to ``lr`` in ``warmup_steps`` steps, then hold.

    .. math::
        \eta_t = \eta\,\Bigl(f_0 + (1 - f_0)\,\frac{\min(t, w)}{w}\Bigr).

    PyTorch: ``LinearLR(opt, start_factor, end_factor=1.0, total_iters=w)``
    (whose default ``start_factor`` is 1/3, as here).

    Examples
    --------
    >>> s = linear_warmup(1.0, warmup_steps=4, start_factor=0.2)
    >>> [round(s(t), 12) for t in range(6)]
    [0.2, 0.4, 0.6, 0.8, 1.0, 1.0]
    """
    lr = _finite_nonnegative(lr, "lr")
    w = _count(warmup_steps, "warmup_steps")
    f0 = _factor(start_factor, "start_factor")
    return Schedule("linear_warmup", {"lr": lr, "warmup_steps": w, "start_factor": f0},
                    lambda t: lr * (f0 + (1.0 - f0) * min(t, w) / w), lr)


def sequential(schedules: Sequence[Schedule], milestones: Sequence[int]) -> Schedule:
    r"""Run ``schedules[0]`` until ``milestones[0]``, then ``schedules[1]`` from its own step 0, ...

    PyTorch: ``SequentialLR(opt, schedulers, milestones)``: at a milestone the
    next schedule starts again from its step 0.

    Examples
    --------
    >>> s = sequential([constant(0.01), constant(0.1)], milestones=[2])
    >>> [s(t) for t in range(4)]
    [0.01, 0.01, 0.1, 0.1]
    """
    schedules = list(schedules)
    if not schedules or not all(isinstance(s, Schedule) for s in schedules):
        raise TypeError("schedules must be a non-empty list of Schedule objects")
    marks = [_count(m, "each milestone") for m in milestones]
    if len(marks) != len(schedules) - 1:
        raise ValueError(f"{len(schedules)} schedules need {len(schedules) - 1} milestone(s), "
                         f"got {len(marks)}")
    if marks != sorted(set(marks)):
        raise ValueError(f"milestones must be strictly increasing, got {marks}")
    starts = [0] + marks

    def fn(t):
        k = sum(m <= t for m in marks)
        return schedules[k](t - starts[k])

    params = {"schedules": tuple(schedules), "milestones": tuple(marks)}
    return Schedule("sequential", params, fn, schedules[0].lr)


def warmup_cosine(lr: float, warmup_steps: int, total_steps: int,
                  start_factor: float = 0.01, eta_min: float = 0.0) -> Schedule:
    r"""Linear warmup for ``warmup_steps``, then cosine decay to ``eta_min`` at ``total_steps``.

    PyTorch: ``SequentialLR(opt, [LinearLR(opt, start_factor, total_iters=w),
    CosineAnnealingLR(opt, T_max=total_steps - w, eta_min)], milestones=[w])``.

    Examples
    --------
    >>> s = warmup_cosine(1.0, warmup_steps=10, total_steps=110)
    >>> s(0), s(10), round(s(60), 12), s(110)
    (0.01, 1.0, 0.5, 0.0)
    """
    w = _count(warmup_steps, "warmup_steps")
    total = _count(total_steps, "total_steps")
    if total <= w:
        raise ValueError(f"total_steps ({total}) must exceed warmup_steps ({w})")
    warm = linear_warmup(lr, w, start_factor)
    decay = cosine(lr, total - w, eta_min)
    inner = sequential([warm, decay], [w])
    params = {"lr": warm.lr, "warmup_steps": w, "total_steps": total,
              "start_factor": warm.params["start_factor"], "eta_min": decay.params["eta_min"]}
    return Schedule("warmup_cosine", params, inner._fn, warm.lr)


def values(schedule: Schedule, steps: int) -> np.ndarray:
    """The rates of updates ``0 .. steps-1`` as a float64 array (for plotting).

    Examples
    --------
    >>> values(step_decay(1.0, 2, 0.5), 5)
    array([1.  , 1.  , 0.5 , 0.5 , 0.25])
    """
    if not isinstance(schedule, Schedule):
        raise TypeError(f"schedule must be a Schedule, got {type(schedule).__name__}")
    steps = _count(steps, "steps", minimum=0)
    return np.array([schedule(t) for t in range(steps)], dtype=np.float64)


class RobbinsMonro(NamedTuple):
    """Partial sums of a schedule and of its squares, and what they suggest."""

    steps: int
    sum_lr: float
    sum_lr_squared: float
    sum_lr_growing: bool       #: the sum still grows like a divergent series
    sum_squares_settled: bool  #: the sum of squares has (numerically) converged


def robbins_monro(schedule: Schedule, steps: int = 100_000) -> RobbinsMonro:
    r"""Check Robbins–Monro's conditions numerically over ``steps`` updates.

    :math:`\sum_t \eta_t = \infty` is judged by the last half of the run adding
    at least 5 % of the sum (a divergent series such as :math:`\sum 1/t` keeps
    growing; a convergent one has stopped); :math:`\sum_t\eta_t^2<\infty` by the
    last half adding less than 1 % of the sum of squares. A numerical test of
    an asymptotic property: it can be fooled by schedules that change
    behaviour after ``steps``.

    Examples
    --------
    >>> r = robbins_monro(inverse_time(0.1, decay=1.0), steps=10_000)
    >>> r.sum_lr_growing, r.sum_squares_settled
    (True, True)
    >>> robbins_monro(constant(0.1), steps=10_000).sum_squares_settled
    False
    """
    steps = _count(steps, "steps", minimum=2)
    lr = values(schedule, steps)
    half = steps // 2
    s1, s2 = float(lr.sum()), float((lr * lr).sum())
    late1, late2 = float(lr[half:].sum()), float((lr[half:] ** 2).sum())
    return RobbinsMonro(steps, s1, s2,
                        sum_lr_growing=s1 > 0 and late1 >= 0.05 * s1,
                        sum_squares_settled=s2 == 0 or late2 < 0.01 * s2)


def noise_floor(lr: float, curvature: float = 1.0, noise: float = 1.0) -> float:
    r"""Stationary :math:`E[x^2]` of SGD at a constant rate on a noisy quadratic.

    For :math:`x_{t+1} = (1 - \eta\lambda)x_t - \eta\xi_t` with independent
    :math:`\xi_t` of variance :math:`\sigma^2`, the variance settles where
    :math:`v = (1-\eta\lambda)^2 v + \eta^2\sigma^2`:

    .. math::
        v^\star = \frac{\eta\,\sigma^2}{\lambda\,(2 - \eta\lambda)},
        \qquad 0 < \eta\lambda < 2 .

    Examples
    --------
    >>> round(noise_floor(0.1), 6)
    0.052632
    """
    eta = check_positive(lr, "lr")
    lam = check_positive(curvature, "curvature")
    sigma = check_real(noise, "noise", minimum=0.0)
    if not eta * lam < 2.0:
        raise ValueError(f"lr * curvature = {eta * lam:g} >= 2: SGD diverges, there is no floor")
    return eta * sigma * sigma / (lam * (2.0 - eta * lam))


def noisy_quadratic(schedule: Schedule, steps: int, runs: int = 1000, rng=None,
                    curvature: float = 1.0, noise: float = 1.0, x0: float = 3.0) -> np.ndarray:
    r"""Mean square error of SGD on a noisy quadratic, averaged over independent runs.

    Runs :math:`x_{t+1} = x_t - \eta_t(\lambda x_t + \xi_t)`, :math:`\xi_t \sim
    N(0, \sigma^2)`, from :math:`x_0` for ``runs`` independent chains at once,
    with :math:`\eta_t` = ``schedule(t)``; returns :math:`\frac1R\sum_r x_{t,r}^2`
    for :math:`t = 0, \dots,` ``steps`` (an estimate of :math:`E[x_t^2]`). A
    diverging run gives ``inf``, without warnings.

    Examples
    --------
    >>> ms = noisy_quadratic(constant(0.1), steps=2000, runs=4000, rng=0)
    >>> bool(abs(ms[-1] / noise_floor(0.1) - 1) < 0.1)
    True
    """
    from .core.validation import as_generator

    if not isinstance(schedule, Schedule):
        raise TypeError(f"schedule must be a Schedule, got {type(schedule).__name__}")
    steps = _count(steps, "steps", minimum=0)
    runs = _count(runs, "runs")
    lam = check_real(curvature, "curvature")
    sigma = check_real(noise, "noise", minimum=0.0)
    x_start = check_real(x0, "x0")
    gen = as_generator(rng)
    rates = values(schedule, steps)
    x = np.full(runs, x_start)
    out = np.empty(steps + 1)
    out[0] = x_start * x_start
    with np.errstate(over="ignore", invalid="ignore"):
        for t, rate in enumerate(rates):
            x = x - rate * (lam * x + sigma * gen.standard_normal(runs))
            out[t + 1] = np.mean(x * x)
    out[~np.isfinite(out)] = np.inf
    return out


class ScheduledOptimizer:
    """An optimizer of :mod:`lecture_kit.optim` whose learning rate follows a schedule.

    ``init`` and ``step`` are pure, as for the wrapped optimizer; update ``t``
    (``state.step == t`` before it) uses ``lr = schedule(t)`` with every other
    hyper-parameter unchanged. The state is the wrapped optimizer's state.
    """

    __slots__ = ("optimizer", "schedule", "_optimizers")

    def __init__(self, optimizer, schedule: Schedule):
        self.optimizer = optimizer
        self.schedule = schedule
        self._optimizers: dict[float, object] = {}

    @property
    def name(self) -> str:
        return self.optimizer.name

    def __repr__(self) -> str:
        return f"scheduled({self.optimizer!r}, {self.schedule!r})"

    def init(self, params):
        """The wrapped optimizer's initial state."""
        return self.optimizer.init(params)

    def lr(self, state) -> float:
        """The learning rate that the next :meth:`step` from ``state`` uses."""
        return self.schedule(int(state.step))

    def step(self, params, grads, state):
        """One update with ``lr = schedule(state.step)``; returns ``(params, state)``."""
        from . import optim

        lr = self.lr(state)
        opt = self._optimizers.get(lr)
        if opt is None:
            hyper = self.optimizer.hyperparams
            hyper["lr"] = lr
            opt = optim.get(self.optimizer.name, **hyper)
            if len(self._optimizers) < 4096:          # a cache, not a leak
                self._optimizers[lr] = opt
        return opt.step(params, grads, state)


def scheduled(optimizer, schedule: Schedule) -> ScheduledOptimizer:
    """Make ``optimizer`` (any of :mod:`lecture_kit.optim`) use ``schedule`` for its rate.

    The schedule replaces the optimizer's own ``lr``; the optimizer's other
    hyper-parameters are kept.

    Examples
    --------
    >>> import numpy as np
    >>> from lecture_kit import optim
    >>> opt = scheduled(optim.sgd(lr=1.0), step_decay(1.0, step_size=1, gamma=0.5))
    >>> w, state = np.array([1.0]), None
    >>> state = opt.init(w)
    >>> for _ in range(3):
    ...     w, state = opt.step(w, np.array([1.0]), state)
    >>> w            # 1 - (1 + 0.5 + 0.25)
    array([-0.75])
    """
    if not isinstance(schedule, Schedule):
        raise TypeError(f"schedule must be a Schedule, got {type(schedule).__name__}")
    if not (hasattr(optimizer, "hyperparams") and hasattr(optimizer, "step")
            and "lr" in optimizer.hyperparams):
        raise TypeError(f"optimizer must be an optimizer of lecture_kit.optim, got {optimizer!r}")
    return ScheduledOptimizer(optimizer, schedule)
