r"""The chapter explorers of optimization (above the explorer engine).

No optimizer table lives here: the choices, what β means and how to build an
optimizer come from the factories' declarations in :mod:`lecture_kit.optim`.
See :mod:`lecture_kit.widgets` for the list of every explorer of the course.
"""

from __future__ import annotations

import numpy as np

from .. import landscapes, optim, plots
from ..axes import clip_path, colour, fix_log_axis, log_limits, short_number
from ..explorer import Choice, Explorer, Slider

__all__ = ["optimizer_choices", "beta_meaning", "make_optimizer", "optimizer_explorer",
           "momentum_explorer", "lr_explorer"]


def optimizer_choices() -> tuple:
    """Every name the optimizer explorer accepts, from the factories' own declarations.

    Examples
    --------
    >>> optimizer_choices()[:4]
    ('sgd', 'momentum', 'nesterov', 'momentum_ema')
    """
    return tuple(e.name for e in optim.explorer_entries())


def beta_meaning() -> dict:
    """What the β control means, for each explorer name that has a β.

    Examples
    --------
    >>> beta_meaning()["adam"]
    'β₁'
    """
    return {e.name: e.beta_meaning for e in optim.explorer_entries() if e.beta is not None}


def __getattr__(name):
    # the old constants, now computed from the optimizers' declarations
    if name == "BETA_MEANING":
        return beta_meaning()
    if name == "OPTIMIZER_NAMES":
        return optimizer_choices()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def make_optimizer(name: str, lr: float, beta: float | None = None):
    """The optimizer an explorer calls ``name``, with learning rate and β.

    See :func:`lecture_kit.optim.for_explorer`: each factory declares which
    of its hyper-parameters β sets (momentum, RMSprop's ``alpha``, Adam's
    first ``beta``, Adadelta's ``rho``); SGD and Adagrad ignore it. ``None``
    keeps the optimizer's default.

    >>> make_optimizer("nesterov", 0.1, 0.9)
    sgd(lr=0.1, momentum=0.9, dampening=0.0, nesterov=True, weight_decay=0.0)
    """
    return optim.for_explorer(name, lr, beta)


def _key(text: str) -> str:
    """A URL-fragment key: lower case letters, digits and hyphens."""
    return "-".join("".join(c if c.isalnum() and c.isascii() else " " for c in text.lower()).split())


def _optimizer_label(name, lr, beta) -> str:
    meaning = beta_meaning()
    if name in meaning:
        return f"{name}, lr={lr:g}, {meaning[name]}={beta:g}"
    return f"{name}, lr={lr:g}"


def _run(opt, landscape, start, steps):
    """A trajectory that may diverge quietly: the explorers show divergence."""

    with np.errstate(all="ignore"):
        return optim.trajectory(opt, landscape.grad, start, steps)


def _gap(landscape, path):
    """f(path) - f_min (or f(path) when there is no minimum), non-finite kept."""
    with np.errstate(all="ignore"):
        f = np.asarray(landscape.f(path), dtype=np.float64)
    return f - landscape.f_min if landscape.f_min is not None else f


def _loss_panel(ax, curves, log: bool, ylabel: str):
    for k, (label, values) in enumerate(curves.items()):
        v = np.asarray(values, dtype=np.float64)
        if log:
            v = np.where(v > 0, v, np.nan)
        ax.plot(np.arange(v.size), v, color=colour(k), linestyle=plots.LINESTYLES[k % len(plots.LINESTYLES)],
                linewidth=1.8, label=label)
    finite = [np.isfinite(np.asarray(v, dtype=np.float64)) & (np.asarray(v) > 0)
              for v in curves.values()]
    if log and any(f.any() for f in finite):
        ax.set_yscale("log")
    ax.set_xlabel("iteration $t$")
    ax.set_ylabel(ylabel)
    ax.legend(loc="best", fontsize="small")


def optimizer_explorer(landscape="rosenbrock",
                       optimizers=("sgd", "momentum", "nesterov", "rmsprop", "adam"),
                       lrs=(1e-4, 1e-3, 1e-2, 1e-1), betas=(0.5, 0.9),
                       steps: int = 300, start=None, resolution: int = 120) -> Explorer:
    r"""Choose an optimizer, its learning rate and β; watch its path on a landscape.

    Left: the path of ``steps`` updates on the level sets of the landscape
    (:func:`lecture_kit.plots.contour`); right: :math:`f(x_t) - f_{\min}`
    against the iteration, log scale. A path that leaves three times the
    plotted box (or overflows) is cut there and called diverged.

    Parameters
    ----------
    landscape : str or Landscape
        A name from :func:`lecture_kit.landscapes.names` or a landscape.
    optimizers : sequence of str
        From :func:`optimizer_choices` (``"sgd", "momentum", "nesterov",
        "momentum_ema", "adagrad", "rmsprop", "adadelta", "adam", "adamw"``
        and any optimizer registered later; see :func:`make_optimizer`).
    lrs : sequence of float
        Learning rates of the slider.
    betas : sequence of float
        Values of the β slider (its meaning per optimizer is
        :func:`beta_meaning`; optimizers without a β ignore it, and those
        frames are drawn once).
    steps : int
    start : array_like of shape (2,), optional
        Default: the landscape's own starting point.
    resolution : int
        Grid points per axis of the contour plot.

    Examples
    --------
    >>> exp = optimizer_explorer(lrs=(1e-3, 1e-2), betas=(0.9,), steps=10)
    >>> exp.n_frames
    10
    """

    land = landscapes.get(landscape) if isinstance(landscape, str) else landscape
    optimizers, lrs, betas = list(optimizers), [float(v) for v in lrs], [float(v) for v in betas]
    for name in optimizers:
        make_optimizer(name, lrs[0], betas[0])   # unknown names fail here
    x0 = np.array(land.start if start is None else start, dtype=np.float64)
    cache: dict = {}

    with_beta = beta_meaning()

    def canonical(optimizer, lr, beta):
        return {"beta": beta if optimizer in with_beta else betas[0]}

    for o in optimizers:
        for lr in lrs:
            for beta in {canonical(o, lr, b)["beta"] for b in betas}:
                cache[o, lr, beta] = _run(make_optimizer(o, lr, beta), land, x0, steps)
    limits = (log_limits([_gap(land, clip_path(p, land.bounds)[0]) for p in cache.values()],
                          max_decades=16) if land.f_min is not None else None)

    def path(optimizer, lr, beta):
        return cache[optimizer, lr, beta]

    def draw(fig, optimizer, lr, beta):
        left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.25, 1]})
        full = path(optimizer, lr, beta)
        shown, cut = clip_path(full, land.bounds)
        label = _optimizer_label(optimizer, lr, beta)
        plots.trajectories_on_contour(left, land, {label: shown}, resolution=resolution,
                                      title=f"{land.name}, {steps} steps")
        if left.get_legend() is not None:
            left.get_legend().remove()
        gap = _gap(land, full[: len(shown)])
        _loss_panel(right, {label: gap}, log=land.f_min is not None,
                    ylabel=r"$f(x_t) - f_{\min}$" if land.f_min is not None else "$f(x_t)$")
        right.get_legend().remove()
        # thin lines: sharp at pixel ratio 2, and each frame's difference stays small
        left.lines[0].set(linewidth=1.2, markersize=2)
        right.lines[0].set_linewidth(1.2)
        fig.suptitle(f"{label} (○ start, ★ minimum)")
        right.set_xlim(0, steps)
        fix_log_axis(right, limits)
        status = (f"diverged at step {cut}" if cut is not None
                  else f"final gap {short_number(gap[-1])}")
        right.set_title(f"loss: {status}")

    def alt(optimizer, lr, beta):
        label = _optimizer_label(optimizer, lr, beta)
        return (f"Left: contour plot of the {land.name} landscape f with the path of {label} "
                f"from ({x0[0]:g}, {x0[1]:g}) over {steps} steps. Right: the loss gap "
                f"f(x_t) minus the minimum of f, per iteration t, on a log scale.")

    def result(optimizer, lr, beta):
        full = path(optimizer, lr, beta)
        shown, cut = clip_path(full, land.bounds)
        if cut is not None:
            return f"the path diverges: it leaves the plotted region at step {cut}"
        return (f"after {steps} steps the path ends at ({shown[-1, 0]:.3g}, {shown[-1, 1]:.3g}) "
                f"with a loss gap of {short_number(_gap(land, shown[-1]))}")

    return Explorer(draw, [Choice("optimizer", optimizers),
                           Slider("lr", lrs, label="learning rate"),
                           Slider("beta", betas, label="β (momentum, alpha, β₁ or rho)",
                                  value=0.9 if 0.9 in betas else None)],
                    title=f"Optimizers on the {land.name} landscape", alt=alt,
                    result=result, key=_key(f"optimizers-{land.name}"),
                    canonical=canonical, width=7.2, height=3.1)


def momentum_explorer(kappa: float = 25.0, betas=(0.0, 0.5, 0.8, 0.9, 0.95, 0.99),
                      lrs=(0.01, 0.03, 0.06, 0.1), steps: int = 80,
                      resolution: int = 80) -> Explorer:
    r"""Momentum on an ill-conditioned quadratic: the EMA form and PyTorch's form.

    With the same learning rate :math:`\gamma` and coefficient :math:`\beta`:

    * EMA form (:func:`lecture_kit.optim.momentum_ema`):
      :math:`v_t = \beta v_{t-1} + (1-\beta) g_t`, :math:`\theta_t =
      \theta_{t-1} - \gamma v_t`;
    * PyTorch form (:func:`lecture_kit.optim.sgd` with ``momentum``):
      :math:`b_t = \beta b_{t-1} + g_t`, :math:`\theta_t = \theta_{t-1} -
      \gamma b_t`.

    The two are the same method once the EMA learning rate is
    :math:`\gamma/(1-\beta)`: at equal :math:`\gamma` the EMA form takes steps
    :math:`1-\beta` times as long. Left and middle: the two paths on
    :math:`\tfrac12(\mu x^2 + L y^2)` with :math:`L/\mu` = ``kappa``; right:
    the loss of both against the iteration (log scale). Plain gradient descent
    is stable for :math:`\gamma < 2/L`, heavy ball in PyTorch's form for
    :math:`\gamma < 2(1+\beta)/L`.

    Examples
    --------
    >>> exp = momentum_explorer()
    >>> exp.n_frames
    24
    """

    land = landscapes.ill_conditioned_quadratic(kappa=kappa)
    betas, lrs = [float(b) for b in betas], [float(v) for v in lrs]
    for b in betas:
        if not 0.0 <= b < 1.0:
            raise ValueError(f"momentum coefficients must lie in [0, 1), got {b}")
    cache: dict = {}
    for beta in betas:
        for lr in lrs:
            cache[beta, lr] = (
                _run(optim.momentum_ema(lr=lr, beta=beta), land, land.start, steps),
                _run(optim.sgd(lr=lr, momentum=beta), land, land.start, steps),
            )
    limits = log_limits([_gap(land, clip_path(p, land.bounds)[0])
                          for pair in cache.values() for p in pair], max_decades=16)

    def paths(beta, lr):
        return cache[beta, lr]

    def draw(fig, beta, lr):
        a, b, c = fig.subplots(1, 3, gridspec_kw={"width_ratios": [1.2, 1.2, 1]})
        ema, tf = paths(beta, lr)
        ema_shown, ema_cut = clip_path(ema, land.bounds)
        tf_shown, tf_cut = clip_path(tf, land.bounds)
        plots.trajectories_on_contour(a, land, {"EMA form": ema_shown}, resolution=resolution,
                                      title=f"EMA: $v=\\beta v+(1-\\beta)g$")
        plots.trajectories_on_contour(b, land, {"PyTorch form": tf_shown},
                                      resolution=resolution,
                                      title=f"PyTorch: $b=\\beta b+g$")
        for ax in (a, b):
            if ax.get_legend() is not None:
                ax.get_legend().remove()
        b.lines[0].set_color(colour(1))
        _loss_panel(c, {"EMA form": _gap(land, ema[: len(ema_shown)]),
                        "PyTorch form": _gap(land, tf[: len(tf_shown)])},
                    log=True, ylabel="$f(x_t)$")
        c.set_xlim(0, steps)
        fix_log_axis(c, limits)
        c.set_title("loss")
        fig.suptitle(f"κ = {kappa:g}, β = {beta:g}, lr = {lr:g} "
                     f"(2/L = {2 / land.L:.3g}, 2(1+β)/L = {2 * (1 + beta) / land.L:.3g})")

    def alt(beta, lr):
        return (f"Momentum with coefficient β = {beta:g} and learning rate {lr:g} on a "
                f"quadratic with condition number κ = {kappa:g} (largest curvature L = "
                f"{land.L:g}), {steps} steps from ({land.start[0]:g}, {land.start[1]:g}). Left: "
                f"the path of the EMA form v = βv + (1-β)g on the contour plot; middle: the path "
                f"of PyTorch's form b = βb + g, g the gradient; right: the loss f(x_t) of both "
                f"per iteration t, on a log scale.")

    def result(beta, lr):
        ema, tf = paths(beta, lr)
        parts = []
        for name, p in (("EMA form", ema), ("PyTorch form", tf)):
            shown, cut = clip_path(p, land.bounds)
            if cut is not None:
                parts.append(f"the {name} diverges (leaves the plot at step {cut})")
            else:
                parts.append(f"the {name} ends with loss {short_number(_gap(land, shown[-1]))}")
        return f"{parts[0]}; {parts[1]}"

    return Explorer(draw, [Slider("beta", betas, label="momentum β",
                                  value=0.9 if 0.9 in betas else None),
                           Slider("lr", lrs, label="learning rate")],
                    title="Momentum: the EMA form and PyTorch's form", alt=alt,
                    result=result, key="momentum", width=9.6, height=3.4)


def lr_explorer(curvature: float = 1.0, x0: float = 1.0, steps: int = 20,
                lrs=None) -> Explorer:
    r"""Gradient descent on :math:`f(x) = \tfrac{L}{2}x^2` across the stability bound.

    The iterates are :math:`x_{t+1} = x_t - \eta L x_t = (1 - \eta L)\,x_t`,
    so :math:`x_t = (1-\eta L)^t x_0`. With :math:`L` = ``curvature``:

    * :math:`0 < \eta < 1/L`: monotone convergence;
    * :math:`\eta = 1/L`: the minimum in one step;
    * :math:`1/L < \eta < 2/L`: oscillating convergence;
    * :math:`\eta = 2/L`: endless oscillation between :math:`\pm x_0`;
    * :math:`\eta > 2/L`: divergence, :math:`|x_t|` grows like
      :math:`|1-\eta L|^t`.

    Left: the parabola with the iterates on it; right: :math:`f(x_t)` against
    :math:`t` (log scale).

    Parameters
    ----------
    curvature : float
        :math:`L > 0`.
    x0 : float
        Starting point (non-zero).
    steps : int
    lrs : sequence of float, optional
        Learning rates of the slider; default
        :math:`\eta L \in \{0.1, 0.5, 0.9, 1, 1.5, 1.9, 2, 2.1, 2.5\}`.

    Examples
    --------
    >>> exp = lr_explorer()
    >>> round(exp.initial_values()["lr"], 3)
    1.0
    """
    L = float(curvature)
    if not L > 0:
        raise ValueError(f"curvature must be positive, got {curvature!r}")
    if x0 == 0:
        raise ValueError("x0 must be non-zero (0 is already the minimum)")
    if lrs is None:
        lrs = [m / L for m in (0.1, 0.5, 0.9, 1.0, 1.5, 1.9, 2.0, 2.1, 2.5)]
    lrs = [float(v) for v in lrs]
    R = 2.5 * abs(x0)

    def iterates(lr):
        return x0 * (1.0 - lr * L) ** np.arange(steps + 1)

    limits = log_limits([0.5 * L * iterates(lr) ** 2 for lr in lrs], max_decades=16)

    def regime(lr):
        m = lr * L
        if np.isclose(m, 1.0):
            return "reaches the minimum in one step"
        if np.isclose(m, 2.0):
            return "oscillates between +x0 and -x0 forever"
        if m < 1:
            return "converges monotonically"
        if m < 2:
            return "oscillates and converges"
        return "diverges"

    def draw(fig, lr):
        left, right = fig.subplots(1, 2)
        xs = np.linspace(-R, R, 300)
        left.plot(xs, 0.5 * L * xs * xs, color="0.4", linewidth=1.2, label="$f(x) = Lx^2/2$")
        it = iterates(lr)
        keep = np.abs(it) <= R
        n = int(np.argmin(keep)) if not keep.all() else len(it)
        shown = it[: max(n, 1)]
        left.plot(shown, 0.5 * L * shown * shown, color=colour(0), marker="o",
                  markersize=4, linewidth=1.0, label="iterates $x_t$")
        left.plot(shown[:1], 0.5 * L * shown[:1] ** 2, linestyle="none", marker="o",
                  markersize=9, markerfacecolor="white", markeredgecolor=colour(0),
                  label="$x_0$")
        left.set(xlabel="$x$", ylabel="$f(x)$", xlim=(-R, R), ylim=(0, 0.5 * L * R * R),
                 title=f"η L = {lr * L:.3g}")

        loss = 0.5 * L * it * it
        _loss_panel(right, {"$f(x_t)$": loss}, log=True, ylabel="$f(x_t)$")
        fix_log_axis(right, limits)
        right.axhline(0.5 * L * x0 * x0, color="0.5", linestyle=":", linewidth=1)
        right.set_title(f"|1 − ηL| = {abs(1 - lr * L):.3g} per step")
        fig.suptitle(f"learning rate η = {lr:.3g}, stability bound 2/L = {2 / L:.3g}: "
                     f"the iterate {regime(lr)} (grey: f(x) = Lx²/2; dots: the iterates "
                     f"x_t, ringed: x_0)")

    def alt(lr):
        return (f"Gradient descent on f(x) = L x^2 / 2 with curvature L = {L:g} from x0 = {x0:g} "
                f"with learning rate η = {lr:.3g} (η L = {lr * L:.3g}, stability bound 2/L = "
                f"{2 / L:.3g}). Left: the iterates x_t on the parabola; right: the loss f(x_t) "
                f"per step t on a log scale.")

    def result(lr):
        it = iterates(lr)
        return (f"the iterate {regime(lr)}, shrinking or growing by |1 − ηL| = "
                f"{abs(1 - lr * L):.3g} per step; after {steps} steps x = {short_number(it[-1])}")

    labels = [f"{lr:.3g} (ηL = {lr * L:.3g})" for lr in lrs]
    start = 1.0 / L if any(np.isclose(v, 1.0 / L) for v in lrs) else None
    if start is not None:
        start = lrs[int(np.argmin([abs(v - 1.0 / L) for v in lrs]))]
    return Explorer(draw, [Slider("lr", lrs, label="learning rate η", value=start,
                                  labels=labels)],
                    title="Learning rate and the stability bound 2/L", alt=alt,
                    result=result, key="learning-rate")
