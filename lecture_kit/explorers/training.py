r"""The chapter explorers of training in practice: learning-rate schedules.

Above the explorer engine (:mod:`lecture_kit.explorer`); the numbers come from
:mod:`lecture_kit.schedules` (the schedules and the noisy quadratic).
"""

from __future__ import annotations

import numpy as np

from .. import schedules
from ..axes import colour, short_number
from ..explorer import Choice, Explorer, Slider

__all__ = ["schedule_choices", "schedule_explorer"]


def schedule_choices(peak: float, steps: int) -> dict:
    """The schedules the explorer offers, each reaching ``peak``, over ``steps`` updates.

    Examples
    --------
    >>> list(schedule_choices(0.1, 1000))
    ['constant', 'step', '1/t', 'cosine', 'warmup + cosine']
    """
    return {
        "constant": schedules.constant(peak),
        "step": schedules.step_decay(peak, step_size=max(1, steps // 4), gamma=0.3),
        "1/t": schedules.inverse_time(peak, decay=peak),
        "cosine": schedules.cosine(peak, t_max=steps),
        "warmup + cosine": schedules.warmup_cosine(peak, max(1, steps // 10), steps),
    }


def schedule_explorer(steps: int = 600, runs: int = 1000, peaks=(0.02, 0.05, 0.1, 0.2, 0.5),
                      seed: int = 0) -> Explorer:
    r"""SGD on the noisy quadratic :math:`\tfrac12 x^2` under a chosen schedule and peak rate.

    Left: the schedule :math:`\eta_t`; right: :math:`E[x_t^2]` over ``runs``
    independent runs (log scale), with the noise floor of the constant peak
    rate, :math:`\eta/(2-\eta)`, as a dotted line.

    Examples
    --------
    >>> exp = schedule_explorer(steps=50, runs=10, peaks=(0.1, 0.2))
    >>> exp.n_frames
    10
    """
    peaks = [float(p) for p in peaks]
    names = list(schedule_choices(peaks[0], steps))
    cache: dict = {}

    def curves(name, peak):
        key = (name, peak)
        if key not in cache:
            sched = schedule_choices(peak, steps)[name]
            cache[key] = (schedules.values(sched, steps),
                          schedules.noisy_quadratic(sched, steps, runs=runs, rng=seed))
        return cache[key]

    ceiling = max(9.0, 10.0 * max(schedules.noise_floor(p) for p in peaks))

    def draw(fig, schedule, peak):
        left, right = fig.subplots(1, 2)
        rates, ms = curves(schedule, peak)
        left.plot(np.arange(steps), rates, color=colour(0))
        left.set(xlabel="step $t$", ylabel="learning rate $\\eta_t$", ylim=(0, 1.05 * max(peaks)),
                 title=f"{schedule}, peak η = {peak:g}")
        t = np.arange(1, steps + 1)
        right.loglog(t, ms[1:], color=colour(1), label="$E[x_t^2]$")
        floor = schedules.noise_floor(peak)
        right.axhline(floor, color="0.4", linestyle=":", linewidth=1,
                      label=f"floor of constant η = {peak:g}")
        right.set(xlabel="step $t$", ylabel="$E[x_t^2]$ (log scale)", ylim=(1e-5, ceiling),
                  title=f"final $E[x^2]$ = {short_number(ms[-1])}")
        right.legend(fontsize="small", loc="lower left")

    def alt(schedule, peak):
        return (f"Left: the {schedule} schedule of the learning rate η_t, peak {peak:g}, over "
                f"{steps} steps t. Right: the mean square E[x_t^2] of SGD on the noisy quadratic "
                f"x^2/2 over {runs} runs, log scale, with the noise floor η/(2-η) of the "
                f"constant rate η = {peak:g} dotted.")

    def result(schedule, peak):
        rates, ms = curves(schedule, peak)
        floor = schedules.noise_floor(peak)
        ratio = ms[-1] / floor
        where = "below" if ratio < 0.9 else ("near" if ratio < 1.1 else "above")
        return (f"the rate ends at {short_number(rates[-1])}; E[x_t^2] ends at "
                f"{short_number(ms[-1])}, {where} the noise floor {short_number(floor)} "
                f"({ratio:.2g} times the floor)")

    return Explorer(draw, [Choice("schedule", names, label="schedule"),
                           Slider("peak", peaks, label="peak learning rate η",
                                  value=0.1 if 0.1 in peaks else None)],
                    title="Learning-rate schedules on a noisy quadratic", alt=alt,
                    result=result, key="schedules")
