"""Self-check hints give a direction, never the answer.

Every check exported by :mod:`lecture_kit.check` is fed a set of typical
wrong answers. Each wrong answer must be called "not yet", and the message
must contain neither the value the check expected at the failing case (the
test recomputes it with its own reference, formatted several ways) nor the
formula of the answer (a list of forbidden fragments per check, compared
after removing spaces and case).

The checks are enumerated from the package's public exports, so a new check
without an entry in ``CASES`` fails ``test_every_check_has_wrong_answers``.
"""

from __future__ import annotations

import importlib
import inspect
import math
import pkgutil

import numpy as np
import pytest

from lecture_kit import check

# The machinery of the package, not checks of an exercise.
INFRASTRUCTURE = {"Verdict", "call_safely", "compare_arrays", "compare_pointwise",
                  "correct", "wrong", "as_number"}


def exported_checks() -> list[str]:
    """Names of the checks: the package's ``__all__`` or its submodules' ``__all__``."""
    names = getattr(check, "__all__", None)
    if names is None:
        names = []
        for info in pkgutil.iter_modules(check.__path__):
            if info.name.startswith("_"):
                continue
            module = importlib.import_module(f"{check.__name__}.{info.name}")
            names += list(getattr(module, "__all__", []))
    return sorted(n for n in names if n not in INFRASTRUCTURE
                  and callable(getattr(check, n, None)))


# ---------------------------------------------------------------------------
# Independent references (written here, not imported from the checks)
# ---------------------------------------------------------------------------
def _sig(t):
    t = float(t)
    return 1 / (1 + math.exp(-t)) if t >= 0 else math.exp(t) / (1 + math.exp(t))


def ref_linear_backward(X, W, dY):
    return [dY @ W.T, X.T @ dY]


def ref_distinct_units(W):
    cols = []
    for c in np.asarray(W, float).T:
        if not any(np.max(np.abs(c - k)) <= 1e-9 for k in cols):
            cols.append(c)
    return [len(cols)]


def ref_count_units(W, tol=1e-9):
    """Connected components of "within tol in every entry", by repeated merging."""
    cols = [np.asarray(c, float) for c in np.asarray(W, float).T]
    groups = [{k} for k in range(len(cols))]
    merged = True
    while merged:
        merged = False
        for a in range(len(groups)):
            for b in range(a + 1, len(groups)):
                if any(np.max(np.abs(cols[i] - cols[j])) <= tol
                       for i in groups[a] for j in groups[b]):
                    groups[a] |= groups.pop(b)
                    merged = True
                    break
            if merged:
                break
    return [len(groups)]


def ref_xavier(fan_in, fan_out, rng):
    return [math.sqrt(6 / (fan_in + fan_out)), 2 / (fan_in + fan_out),
            math.sqrt(2 / (fan_in + fan_out))]


def ref_kaiming(fan_in, fan_out, a, mode):
    n = fan_in if mode == "fan_in" else fan_out
    var = 2 / ((1 + a * a) * n)
    return [math.sqrt(var), var]


def ref_heavy_ball(lam, lr, beta):
    return [float(np.max(np.abs(np.roots([1.0, -(1 + beta - lr * lam), beta]))))]


def ref_adam(theta, g, m, v, t, lr, betas, eps):
    b1, b2 = betas
    m2 = b1 * m + (1 - b1) * g
    v2 = b2 * v + (1 - b2) * g * g
    mh, vh = m2 / (1 - b1 ** t), v2 / (1 - b2 ** t)
    return [theta - lr * mh / (np.sqrt(vh) + eps), m2, v2, mh, vh]


def ref_contraction(H, lr):
    return [float(np.max(np.abs(1 - lr * np.linalg.eigvalsh(H))))]


def ref_cross_entropy(z, k):
    z = np.asarray(z, float)
    return [float(np.logaddexp.reduce(z) - z[k])]


def ref_chain(weights, biases, a0):
    a, prod = a0, 1.0
    for w, b in zip(weights, biases):
        s = _sig(w * a + b)
        prod *= w * s * (1 - s)
        a = s
    return [prod]


def ref_sigmoid(x):
    return [np.vectorize(_sig)(x)]


def ref_tanh_prime(x):
    return [1 / np.cosh(np.clip(x, -300, 300)) ** 2]


def ref_elu(x, alpha=1.0):
    return [np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))]


def ref_prelu(x, delta):
    return [float(np.sum(np.where(x <= 0, x, 0.0) * delta))]


def ref_prelu_backward(x, alpha, delta):
    x, delta = np.asarray(x, float), np.asarray(delta, float)
    a = np.asarray(alpha, float).reshape((1, -1) + (1,) * (x.ndim - 2))
    dx = np.where(x > 0, delta, a * delta)
    dalpha = np.sum(np.where(x > 0, 0.0, x) * delta, axis=(0,) + tuple(range(2, x.ndim)))
    return [dx, dalpha]


def ref_softmax_jacobian(z):
    s = np.exp(z - np.max(z))
    s /= s.sum()
    return [np.diag(s) - np.outer(s, s)]


def ref_tempered(z, temperature=1.0):
    z = np.asarray(z, float) / temperature
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    s = e / e.sum(axis=-1, keepdims=True)
    return [s[..., :, None] * (np.eye(z.shape[-1]) - s[..., None, :]) / temperature]


def ref_saturation_edge(t):
    r = math.sqrt(1 - 4 * t)
    return [2 * math.log1p(r) - math.log(4 * t)]


# ---------------------------------------------------------------------------
# Wrong answers and forbidden formula fragments, per check
# ---------------------------------------------------------------------------
CASES = {
    "linear_backward": dict(
        reference=ref_linear_backward,
        wrong=[lambda X, W, dY: (-dY @ W.T, X.T @ dY),
               lambda X, W, dY: (dY @ W.T, X.T @ dY / len(X)),
               lambda X, W, dY: (dY @ W.T, 2 * X.T @ dY),
               lambda X, W, dY: (np.zeros_like(X), X.T @ dY)],
        forbidden=["dy@w.t", "x.t@dy", "wtransposed", "xtransposed", "w^t", "x^t", "@w.t",
                   "x^\\top"]),
    "distinct_units": dict(
        reference=ref_distinct_units,
        wrong=[lambda W: W.shape[1], lambda W: W.shape[0],
               lambda W: len(np.unique(np.round(W, 3), axis=1).T),
               lambda W: len(np.unique(W, axis=0))],
        forbidden=["np.unique", "axis=1", "np.round"]),
    "count_units": dict(
        reference=ref_count_units,
        wrong=[lambda W, tol=1e-9: int(np.linalg.matrix_rank(np.asarray(W, float))),
               lambda W, tol=1e-9: len(np.unique(np.asarray(W, float), axis=1).T),
               lambda W, tol=1e-9: len(np.unique(np.round(np.asarray(W, float), 9), axis=1).T),
               lambda W, tol=1e-9: ref_distinct_units(W)[0],
               lambda W, tol=1e-9: ref_count_units(np.asarray(W, float).T, tol)[0],
               lambda W, tol=1e-9: ref_count_units(W, 1e-9)[0],
               lambda W, tol=1e-9: np.asarray(W, float).shape[1]],
        forbidden=["np.unique", "union", "find(", "flood", "depth-first", "connected component",
                   "matrix_rank", "np.round", "axis=1"]),
    "xavier_uniform_sample": dict(
        reference=ref_xavier,
        wrong=[lambda fi, fo, rng: rng.uniform(-math.sqrt(6 / fi), math.sqrt(6 / fi), (fi, fo)),
               lambda fi, fo, rng: rng.uniform(-math.sqrt(3 / (fi + fo)),
                                               math.sqrt(3 / (fi + fo)), (fi, fo)),
               lambda fi, fo, rng: rng.normal(0, math.sqrt(2 / (fi + fo)), (fi, fo)),
               lambda fi, fo, rng: np.clip(rng.normal(0, math.sqrt(1.5 / (fi + fo)), (fi, fo)),
                                           -math.sqrt(6 / (fi + fo)), math.sqrt(6 / (fi + fo)))],
        forbidden=["6/(fan_in+fan_out)", "2/(fan_in+fan_out)", "sqrt(6", "squarerootof6",
                   "6/(n_in+n_out)", "2/(n_in+n_out)", "6/(fan_in", "b^2/3"]),
    "kaiming_std": dict(
        reference=ref_kaiming,
        wrong=[lambda fi, fo, a, mode: math.sqrt(2 / fi),
               lambda fi, fo, a, mode: math.sqrt(2 / (fi if mode == "fan_in" else fo)),
               lambda fi, fo, a, mode: math.sqrt(1 / ((1 + a * a) * (fi if mode == "fan_in"
                                                                    else fo))),
               lambda fi, fo, a, mode: math.sqrt(2 / ((1 + a) * (fi if mode == "fan_in"
                                                                 else fo)))],
        forbidden=["sqrt(2/", "2/((1+a^2)", "(1+a^2)", "1+a^2", "1+a**2", "squarerootof2",
                   "2/fan", "2/n"]),
    "heavy_ball_rate": dict(
        reference=ref_heavy_ball,
        wrong=[lambda lam, lr, beta: abs(1 - lr * lam),
               lambda lam, lr, beta: math.sqrt(beta),
               lambda lam, lr, beta: float(np.min(np.abs(np.roots([1, -(1 + beta - lr * lam),
                                                                    beta])))),
               lambda lam, lr, beta: float(np.max(np.real(np.roots([1, -(1 + beta - lr * lam),
                                                                    beta]))))],
        forbidden=["sqrt(beta)", "modulusis", "beta**0.5", "beta^(1/2)", "max(abs(", "np.roots",
                   "squarerootofbeta"]),
    "adam_step": dict(
        reference=ref_adam,
        wrong=[lambda th, g, m, v, t, lr, betas, eps: (
                   th - lr * (betas[0] * m + (1 - betas[0]) * g)
                   / (np.sqrt(betas[1] * v + (1 - betas[1]) * g * g) + eps),
                   betas[0] * m + (1 - betas[0]) * g, betas[1] * v + (1 - betas[1]) * g * g),
               lambda th, g, m, v, t, lr, betas, eps: (th - lr * g, m, v),
               lambda th, g, m, v, t, lr, betas, eps: (
                   th, betas[0] * m + g, betas[1] * v + g * g),
               lambda th, g, m, v, t, lr, betas, eps: (
                   th - lr * g / (np.sqrt(g * g) + eps),
                   betas[0] * m + (1 - betas[0]) * g, betas[1] * v + (1 - betas[1]) * g * g)],
        forbidden=["(1-beta1)g", "(1-beta1)*g", "1-beta1^t", "1-beta2^t", "1-beta1**t",
                   "m/(1-", "v/(1-", "sqrt(v_hat)", "beta1m+", "beta1*m+"]),
    "gd_contraction": dict(
        reference=ref_contraction,
        wrong=[lambda H, lr: 1 - lr * float(np.trace(H)),
               lambda H, lr: float(np.max(1 - lr * np.linalg.eigvalsh(H))),
               lambda H, lr: float(abs(1 - lr * np.max(np.linalg.eigvalsh(H))))],
        forbidden=["1-lr", "1-eta", "|1-", "eigvalsh", "max(abs(1", "spectralradius"]),
    "stable_cross_entropy": dict(
        reference=ref_cross_entropy,
        wrong=[lambda z, k: float(-np.log(np.exp(z[k]) / np.exp(z).sum())),
               lambda z, k: float(np.max(z) - z[k]),
               lambda z, k: float(np.log(np.sum(np.exp(z - np.max(z)))))],
        forbidden=["m+log", "logsumexp", "log(sum(exp", "max(z)+", "lse(z)-z"]),
    "chain_gradient": dict(
        reference=ref_chain,
        wrong=[lambda w, b, a0: 0.0,
               lambda w, b, a0: math.prod(0.25 * x for x in w),
               lambda w, b, a0: float(np.prod([_sig(x * a0 + y) * (1 - _sig(x * a0 + y))
                                               for x, y in zip(w, b)]))],
        forbidden=["w_ksigma'(z_k)", "sigma'(z_k)w_k", "s(1-s)", "sigma(1-sigma)",
                   "sigma(z_k)(1-sigma(z_k))"]),
    "stable_sigmoid": dict(
        reference=ref_sigmoid,
        wrong=[lambda x: 1 / (1 + np.exp(-np.clip(x, -700, 700))),
               lambda x: np.clip(1 / (1 + np.exp(-np.clip(x, -700, 700))), 1e-12, 1),
               lambda x: np.zeros_like(x)],
        forbidden=["exp(-|x|)", "z/(1+z)", "e^x/(1+e^x)", "exp(x)/(1+exp(x))", "np.where"]),
    "tanh_prime": dict(
        reference=ref_tanh_prime,
        wrong=[lambda x: 1 - np.tanh(x) ** 2,
               lambda x: 2 * np.exp(-2 * np.abs(x)) / (1 + np.exp(-2 * np.abs(x))) ** 2,
               lambda x: -(1 - np.tanh(x) ** 2)],
        forbidden=["4u/(1+u)^2", "1/cosh", "sech", "exp(-2|x|)", "cosh(x)^-2"]),
    "elu_forward": dict(
        reference=ref_elu,
        wrong=[lambda x, alpha: np.where(x > 0, x, alpha * (np.exp(np.minimum(x, 0)) - 1)),
               lambda x, alpha: np.where(x > 0, x, np.expm1(np.minimum(x, 0))),
               lambda x, alpha: np.maximum(x, 0)],
        forbidden=["expm1", "alpha*(exp(x)-1)", "alpha*(e^x-1)", "alpha*x"]),
    "prelu_grad_alpha": dict(
        reference=ref_prelu,
        wrong=[lambda x, d: float(np.sum(d * np.minimum(x, 0)) * 2),
               lambda x, d: float(np.sum(d * np.maximum(x, 0))),
               lambda x, d: float(np.sum(np.minimum(x, 0)))],
        forbidden=["delta*x", "timesx", "sum(delta", "minimum(x,0)", "upstreamgradienttimes"]),
    "prelu_backward": dict(
        reference=ref_prelu_backward,
        wrong=[lambda x, a, d: (np.where(np.asarray(x) > 0, d, 0.0), np.zeros(len(a))),
               lambda x, a, d: (ref_prelu_backward(x, a, d)[0],
                                2 * ref_prelu_backward(x, a, d)[1]),
               lambda x, a, d: (ref_prelu_backward(x, a, d)[0],
                                np.sum(np.minimum(x, 0) * d, axis=0)),
               lambda x, a, d: (np.where(np.asarray(x) < 0, np.asarray(a).reshape(
                   (1, -1) + (1,) * (np.ndim(x) - 2)) * d, d), ref_prelu_backward(x, a, d)[1]),
               lambda x, a, d: (ref_prelu_backward(x, a, d)[0],
                                -ref_prelu_backward(x, a, d)[1])],
        forbidden=["delta*x", "minimum(x,0)", "axis=(0,2)", "sum(delta", "alpha*delta",
                   "np.where(x<=0", "timesx"]),
    "softmax_jacobian": dict(
        reference=ref_softmax_jacobian,
        wrong=[lambda z: np.outer(np.ones_like(z), np.ones_like(z)) * 0.0,
               lambda z: -ref_softmax_jacobian(z)[0],
               lambda z: np.diag(np.exp(z - z.max()) / np.exp(z - z.max()).sum())],
        forbidden=["diag(s)-", "outer(s", "s_i(delta", "s_i(1-s", "-s_is_j", "delta_ij"]),
    "tempered_softmax_jacobian": dict(
        reference=ref_tempered,
        wrong=[lambda z, T=1.0: ref_tempered(z, T)[0] * T,
               lambda z, T=1.0: ref_tempered(z, T)[0] * T * T,
               lambda z, T=1.0: -ref_tempered(z, T)[0],
               lambda z, T=1.0: ref_tempered(z, 2 * T)[0],
               lambda z, T=1.0: np.asarray(ref_tempered(z, T)[0], dtype=np.float64)
               if np.asarray(z).dtype == np.float32 else ref_tempered(z, T)[0] + 1e-3,
               lambda z, T=1.0: ref_tempered(np.asarray(z, float)[..., ::-1], T)[0]],
        forbidden=["diag(s)-", "outer(s", "s_i(delta", "-s_is_j", "delta_ij", "/T^2", "1/T",
                   "divideby", "max(axis=-1"]),
    "sigmoid_saturation_edge": dict(
        reference=ref_saturation_edge,
        wrong=[lambda t: 1.0, lambda t: -math.log(t), lambda t: 2 * math.log(1 / t)],
        forbidden=["log(4t)", "log1p", "sqrt(1-4t)", "log(s/(1-s))"]),
}


def _formatted(value: float) -> list[str]:
    """Ways a number may be printed; only values with 3+ significant digits.

    Numbers with one or two significant digits (0, 1, 0.5, 0.25, 12) occur in
    any message as bounds, shapes or counts and would not single out the answer.
    """
    value = float(value)
    if not math.isfinite(value) or value == 0:
        return []
    if len(f"{abs(value):.6g}".replace(".", "").replace("-", "").lstrip("0").rstrip("0")) < 3:
        return []
    texts = {repr(value), f"{value:.3g}", f"{value:.4g}", f"{value:.5g}", f"{value:.6g}",
             f"{value:.3e}", f"{value:.2e}", f"{value:.1e}"}
    if abs(value) >= 0.01:
        texts |= {f"{value:.3f}", f"{value:.4f}"}
    if abs(value) >= 1:
        texts |= {f"{value:.2f}"}
    return sorted(texts | {t.lstrip("-") for t in texts})


def _normalized(text: str) -> str:
    return "".join(text.lower().split())


def _numbers(args) -> np.ndarray:
    """Every number among the arguments of a call (scalars and array entries)."""
    out = []
    for a in args:
        if isinstance(a, (tuple, list)):
            out += list(_numbers(a))
        elif isinstance(a, (int, float, np.ndarray, np.number)) and not isinstance(a, bool):
            out += list(np.ravel(np.asarray(a, dtype=float)))
    return np.array(out, dtype=float)


class Spy:
    """Wrap a wrong answer and remember the arguments of its last call.

    The spy shows the wrapped function's signature (checks read the defaults
    from it), and records keyword arguments and defaults in positional order.
    """

    def __init__(self, fn):
        self.fn, self.last = fn, None
        self.__signature__ = inspect.signature(fn)

    def __call__(self, *args, **kwargs):
        bound = self.__signature__.bind(*args, **kwargs)
        bound.apply_defaults()
        values = []
        for name, value in bound.arguments.items():
            kind = self.__signature__.parameters[name].kind
            if kind is inspect.Parameter.VAR_POSITIONAL:   # f(*args): the args themselves
                values.extend(value)
            elif kind is not inspect.Parameter.VAR_KEYWORD:
                values.append(value)
        self.last = tuple(a.copy() if isinstance(a, np.ndarray) else a for a in values)
        return self.fn(*args, **kwargs)


def _run(name, fn):
    spy = Spy(fn)
    verdict = getattr(check, name)(spy)
    return verdict, spy.last


# ---------------------------------------------------------------------------
# The training-in-practice, approximation and normalization checks: references
# written here; wrong answers are the mutants that tests/test_check_*.py and the
# notebooks' metadata also use.
# ---------------------------------------------------------------------------
def ref_clip(grads, max_norm):
    norm = math.hypot(*[float(x) for g in grads for x in np.ravel(g)])
    f = min(1.0, max_norm / norm) if norm > 0 else 1.0
    return [g * f for g in grads] + [norm]


def _clip_naive(grads, max_norm):
    n = float(np.sqrt(sum(np.sum(np.asarray(g, float) ** 2) for g in grads)))
    f = min(1.0, max_norm / n) if n > 0 else 1.0
    return [g * f for g in grads], n


def _clip_always(grads, max_norm):
    n = math.hypot(*[float(x) for g in grads for x in np.ravel(g)])
    return [g * (max_norm / n) if n > 0 else g.copy() for g in grads], n


def ref_adamw(theta, g, m, v, t, lr, betas, eps, wd):
    m2 = betas[0] * m + (1 - betas[0]) * g
    v2 = betas[1] * v + (1 - betas[1]) * g * g
    new = theta * (1 - lr * wd) - lr * (m2 / (1 - betas[0] ** t)) / (
        np.sqrt(v2 / (1 - betas[1] ** t)) + eps)
    return [new, m2, v2]


def _adamw_l2(theta, g, m, v, t, lr, betas, eps, wd):
    return tuple(ref_adamw(theta, g + wd * theta, m, v, t, lr, betas, eps, 0.0))


def _adamw_late(theta, g, m, v, t, lr, betas, eps, wd):
    new, m2, v2 = ref_adamw(theta, g, m, v, t, lr, betas, eps, 0.0)
    return new * (1 - lr * wd), m2, v2


def ref_bn(dy, z, gamma, eps=1e-5):
    n = z.shape[0]
    mean = z.mean(axis=0)
    inv = 1 / np.sqrt(((z - mean) ** 2).mean(axis=0) + eps)
    zh = (z - mean) * inv
    db, dg = dy.sum(axis=0), (dy * zh).sum(axis=0)
    return [gamma * inv / n * (n * dy - db - zh * dg), dg, db]


def _bn_no_paths(dy, z, gamma, eps=1e-5):
    dz, dg, db = ref_bn(dy, z, gamma, eps)
    inv = 1 / np.sqrt(z.var(axis=0) + eps)
    return (gamma * inv * dy).astype(z.dtype), dg.astype(z.dtype), db.astype(z.dtype)


def ref_interp(xs, ys):
    return []          # the check compares the network's values, which the message never prints


def _interp_slopes(xs, ys):
    o = np.argsort(xs)
    xs, ys = np.asarray(xs, float)[o], np.asarray(ys, float)[o]
    n = len(xs) - 1
    return np.ones((1, n)), -xs[:-1], (np.diff(ys) / np.diff(xs)).reshape(n, 1), ys[:1].copy()


def _interp_no_offset(xs, ys):
    W1, b1, W2, _ = _interp_slopes(xs, ys)
    o = np.argsort(xs)
    slopes = np.diff(np.asarray(ys, float)[o]) / np.diff(np.asarray(xs, float)[o])
    return W1, b1, np.diff(slopes, prepend=0.0).reshape(-1, 1), np.zeros(1)


CASES.update({
    "clip_by_global_norm": dict(
        reference=lambda grads, max_norm: ref_clip(grads, max_norm),
        wrong=[_clip_naive, _clip_always],
        forbidden=["max_norm/norm", "min(1", "hypot", "/scale"]),
    "adamw_update": dict(
        reference=lambda *a: ref_adamw(*a),
        wrong=[_adamw_l2, _adamw_late],
        forbidden=["1-lr*weight_decay", "(1-lr*wd)", "sqrt(v_hat)+eps", "b1**t"]),
    "batch_norm_grads": dict(
        reference=lambda dy, z, gamma, eps=1e-5: ref_bn(dy, z, gamma, eps),
        wrong=[_bn_no_paths],
        forbidden=["n*dy-dbeta", "z_hat*dgamma", "dy.sum(axis=0)"]),
    "interpolating_relu_net": dict(
        reference=ref_interp,
        wrong=[_interp_slopes, _interp_no_offset],
        forbidden=["np.diff", "prepend", "-xs[:-1]", "changeofslope"]),
})


# ---------------------------------------------------------------------------
# The reworked exercises of the chapters backprop, xavier, he and losses:
# references written here (einsum, scipy-free closed forms, mpmath)
# ---------------------------------------------------------------------------
def ref_tied(X, W, dY):
    dX = np.einsum("nj,jm,dm->nd", dY, W, W)
    dW = np.einsum("nd,nj,jm->dm", X, dY, W) + np.einsum("nj,nd,dm->jm", dY, X, W)
    return [dX, dW]


def _tied_encoder_only(X, W, dY):
    return dY @ W @ W.T, X.T @ (dY @ W)


def _tied_sign(X, W, dY):
    return dY @ W @ W.T, X.T @ dY @ W - dY.T @ X @ W


def _tied_upcast(X, W, dY):
    X, W, dY = (np.asarray(a, dtype=np.float64) for a in (X, W, dY))
    return dY @ W @ W.T, X.T @ dY @ W + dY.T @ X @ W


def ref_glorot_tn(fan_in, fan_out, rng):
    var = 2 / (fan_in + fan_out)
    kappa = 1 - 4 * math.exp(-2) / math.sqrt(2 * math.pi) / math.erf(math.sqrt(2))
    s = math.sqrt(var / kappa)
    return [var, s, 2 * s, math.sqrt(var)]


def _tn_uncorrected(fan_in, fan_out, rng):
    s = math.sqrt(2 / (fan_in + fan_out))
    w = rng.normal(0, s, size=fan_in * fan_out)
    while np.any(np.abs(w) > 2 * s):
        bad = np.abs(w) > 2 * s
        w[bad] = rng.normal(0, s, size=int(bad.sum()))
    return w.reshape(fan_in, fan_out)


def _tn_clipped(fan_in, fan_out, rng):
    s = math.sqrt(2 / (fan_in + fan_out) / 0.7737413)
    return np.clip(rng.normal(0, s, size=(fan_in, fan_out)), -2 * s, 2 * s)


def _tn_absolute(fan_in, fan_out, rng):
    s = math.sqrt(2 / (fan_in + fan_out) / 0.7737413)
    w = rng.normal(0, s, size=fan_in * fan_out)
    while np.any(np.abs(w) > 2):
        bad = np.abs(w) > 2
        w[bad] = rng.normal(0, s, size=int(bad.sum()))
    return w.reshape(fan_in, fan_out)


def _tn_plus_one(fan_in, fan_out, rng):
    s = math.sqrt(2 / (fan_in + fan_out + 1) / 0.7737413)
    w = rng.normal(0, s, size=fan_in * fan_out)
    while np.any(np.abs(w) > 2 * s):
        bad = np.abs(w) > 2 * s
        w[bad] = rng.normal(0, s, size=int(bad.sum()))
    return w.reshape(fan_in, fan_out)


def _moment_fine(f):
    """E[f(z)^2] by the trapezoid rule on a fine grid (a different rule from the check's)."""
    z = np.linspace(-13, 13, 520001)
    y = np.asarray(f(z), float) ** 2 * np.exp(-z * z / 2) / math.sqrt(2 * math.pi)
    return float(np.sum((y[1:] + y[:-1]) / 2) * (z[1] - z[0]))


def ref_unit_std(f, fan_in, fan_out, mode="fan_in"):
    n = fan_in if mode == "fan_in" else fan_out
    return [1 / math.sqrt(n * _moment_fine(f)), 1 / (n * _moment_fine(f))]


def _uvs_monte_carlo(f, fan_in, fan_out, mode="fan_in"):
    z = np.random.default_rng(0).standard_normal(200_000)
    n = fan_in if mode == "fan_in" else fan_out
    return float(1 / np.sqrt(n * np.mean(f(z) ** 2)))


def _uvs_variance(f, fan_in, fan_out, mode="fan_in"):
    z = np.linspace(-12, 12, 240001)
    w = np.exp(-z * z / 2) / math.sqrt(2 * math.pi) * (z[1] - z[0])
    m = float(np.sum(f(z) * w))
    n = fan_in if mode == "fan_in" else fan_out
    return 1 / math.sqrt(n * (float(np.sum(f(z) ** 2 * w)) - m * m))


def _uvs_he(f, fan_in, fan_out, mode="fan_in"):
    return math.sqrt(2 / (fan_in if mode == "fan_in" else fan_out))


def _uvs_default_out(f, fan_in, fan_out, mode="fan_out"):
    z = np.linspace(-12, 12, 240001)
    w = np.exp(-z * z / 2) / math.sqrt(2 * math.pi) * (z[1] - z[0])
    n = fan_in if mode == "fan_in" else fan_out
    return 1 / math.sqrt(n * float(np.sum(f(z) ** 2 * w)))


def ref_accurate_ce(z, k):
    import mpmath

    with mpmath.workdps(50):
        v = [mpmath.mpf(float(x)) for x in np.asarray(z, dtype=np.float64)]
        return [float(mpmath.log1p(mpmath.fsum(mpmath.exp(x - v[k])
                                               for i, x in enumerate(v) if i != k)))]


def _ace_shifted(z, k):
    z = np.asarray(z, dtype=float)
    m = z.max()
    return float(m + np.log(np.sum(np.exp(z - m))) - z[k])


def _ace_late_subtraction(z, k):
    z = np.asarray(z, dtype=float)
    i = int(np.argmax(z))
    return float(z[i] + np.log1p(np.sum(np.exp(np.delete(z, i) - z[i]))) - z[k])


def _ace_float32(z, k):
    z = np.asarray(z)
    i = int(np.argmax(z))
    return float((z[i] - z[k]) + np.log1p(np.sum(np.exp(np.delete(z, i) - z[i]))))


CASES.update({
    "tied_linear_backward": dict(
        reference=ref_tied,
        wrong=[_tied_encoder_only, _tied_sign, _tied_upcast,
               lambda X, W, dY: (np.zeros_like(X), X.T @ dY @ W + dY.T @ X @ W)],
        forbidden=["x.t@dy@w", "dy.t@x@w", "dy@w@w.t", "dy.t@h", "x.t@dh", "dh@w.t",
                   "x^tdyw", "dy^txw", "w^t"]),
    "glorot_truncated_normal": dict(
        reference=ref_glorot_tn,
        wrong=[_tn_uncorrected, _tn_clipped, _tn_absolute, _tn_plus_one],
        forbidden=["0.7737", "0.8796", "0.88", "2phi(2)", "erf(", "4phi", "/kappa",
                   "2/(fan_in+fan_out)", "sqrt(2/", "truncnorm"]),
    "unit_variance_std": dict(
        reference=ref_unit_std,
        wrong=[_uvs_monte_carlo, _uvs_variance, _uvs_he, _uvs_default_out],
        forbidden=["e[f(z)^2]", "e[f(z)**2]", "1/sqrt(n", "trapz", "trapezoid", "linspace",
                   "quadrature", "secondmoment", "f(z)**2", "f(z)^2", "5/3"]),
    "accurate_cross_entropy": dict(
        reference=ref_accurate_ce,
        wrong=[_ace_shifted, _ace_late_subtraction, _ace_float32,
               lambda z, k: float(-np.log(np.exp(z[k]) / np.exp(z).sum()))],
        forbidden=["log1p", "logsumexp", "m+log", "max(z)", "np.delete", "argmax",
                   "-z[k]", "expm1"]),
})


# ---------------------------------------------------------------------------
# The reworked exercises of vanishing_gradient, sigmoid and tanh
# (issue 19): references written here, wrong answers that students write.
# ---------------------------------------------------------------------------
def ref_chain_log(weights, biases, a0):
    if len(weights) != len(biases):
        return []
    sign, size, a = 1.0, 0.0, float(a0)
    for w, b in zip(weights, biases):
        if w == 0:
            return [0.0]
        z = w * a + b
        sign *= math.copysign(1.0, w)
        # log sigma'(z) = -softplus(z) - softplus(-z), with numpy's logaddexp
        size += (math.log(abs(w)) - np.logaddexp(0.0, z) - np.logaddexp(0.0, -z)) / math.log(10)
        a = math.exp(-np.logaddexp(0.0, -z))
    return [sign, size]


def _chain_log_naive(weights, biases, a0):
    a, g = float(a0), 1.0
    for w, b in zip(weights, biases):
        z = w * a + b
        s = math.exp(-np.logaddexp(0.0, -z))
        g *= w * s * (1 - s)
        a = s
    return (float(np.sign(g)), float(np.log10(abs(g))) if g else -math.inf)


def _chain_log_natural(weights, biases, a0):
    sign, size = ref_chain_log(weights, biases, a0)[:2] if len(weights) == len(biases) \
        else (1.0, 0.0)
    return sign, size * math.log(10)


def _chain_log_unsigned(weights, biases, a0):
    out = ref_chain_log(weights, biases, a0)
    return (1.0, out[1]) if len(out) == 2 else (1.0, 0.0)


def ref_robust_sigmoid(x):
    x = np.asarray(x)
    dtype = x.dtype if x.dtype.kind == "f" else np.float64
    flat = [_sig(t) if not math.isnan(t) else math.nan for t in x.astype(float).ravel()]
    return [np.array(flat).astype(dtype).reshape(x.shape)]


def _sigmoid_colleague(x):
    x = np.asarray(x)
    u = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + u), u / (1 + u))


def _sigmoid_float64(x):
    x = np.asarray(x, dtype=float)
    u = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + u), u / (1 + u))


def _sigmoid_clipped(x):
    x = np.asarray(x)
    x = x.astype(float) if x.dtype.kind in "biu" else x
    return 1 / (1 + np.exp(-np.clip(x, -700, 700)))


def ref_log_cosh(x):
    x = np.asarray(x)
    dtype = x.dtype if x.dtype.kind == "f" else np.float64
    flat = []
    for t in x.astype(float).ravel():
        a = abs(t)
        flat.append(math.nan if math.isnan(t) else math.inf if math.isinf(t) else
                    math.log1p(2 * math.sinh(a / 2) ** 2) if a < 20 else
                    a - math.log(2) + math.log1p(math.exp(-a) ** 2))
    return [np.array(flat).astype(dtype).reshape(x.shape)]


def _log_cosh_one_form(x):
    a = np.abs(np.asarray(x, dtype=float))
    e = np.exp(-a)
    return a + np.log1p(e * e) - np.log(2)


def _log_cosh_no_constant(x):
    a = np.abs(np.asarray(x, dtype=float))
    e = np.exp(-a)
    return a + np.log1p(e * e)


CASES.update({
    "chain_log_gradient": dict(
        reference=ref_chain_log,
        wrong=[_chain_log_naive, _chain_log_natural, _chain_log_unsigned],
        forbidden=["log1p", "-|z|", "-abs(z)", "2log(1+", "logaddexp", "softplus"]),
    "robust_sigmoid": dict(
        reference=ref_robust_sigmoid,
        wrong=[_sigmoid_colleague, _sigmoid_float64, _sigmoid_clipped],
        forbidden=["astype(float", "astype(np.float64", "float64(x", "issubdtype",
                   "exp(-|x|)", "u/(1+u)"]),
    "log_cosh": dict(
        reference=ref_log_cosh,
        wrong=[np.vectorize(lambda t: math.log(math.cosh(t)) if abs(t) < 700 else abs(t)),
               _log_cosh_one_form, _log_cosh_no_constant],
        forbidden=["log1p(-tanh", "sinh(x/2)", "log1p(exp(-2", "|x|-log2", "|x|+log1p",
                   "-log(2)", "x^2/2-x^4", "2sinh"]),
})


# ---------------------------------------------------------------------------
# The redesigned optimizer exercises (lecture_kit.check.optimizer_exercises):
# references written here by other routes; wrong answers are mutants of the
# notebooks' metadata.
# ---------------------------------------------------------------------------
def ref_gd_steps(H, lr, tol=1e-6):
    H = np.asarray(H, dtype=float)
    if H.ndim != 2 or H.shape[0] != H.shape[1] or not np.array_equal(H, H.T) or not tol > 0:
        return []                          # bad input: there is no count to leak
    if tol >= 1:
        return [0]
    t, M, worst = 0, np.eye(len(H)), 1.0
    while worst > tol and t < 100000:      # explicit powers of I - lr H
        M, t = M @ (np.eye(len(H)) - lr * H), t + 1
        worst = float(np.linalg.norm(M, 2))
        if worst > 1e12:
            return []
    return [t] if t < 100000 else []


def _gd_closed_form(spectrum, rounding):
    """A closed-form ``gd_steps`` that reads the curvatures with ``spectrum`` and
    rounds the step count with ``rounding`` (the right ones: eigvalsh, ceil)."""
    def gd_steps(H, lr, tol=1e-6):
        H = np.asarray(H, dtype=float)
        if not np.allclose(H, H.T) or not tol > 0:
            raise ValueError("bad input")
        if tol >= 1:
            return 0
        rho = float(np.max(np.abs(1 - lr * spectrum(H))))
        return math.inf if rho >= 1 else (1 if rho == 0 else rounding(math.log(tol) / math.log(rho)))
    return gd_steps


_gd_diagonal = _gd_closed_form(np.diag, math.ceil)        # the diagonal, not the eigenvalues
_gd_floor = _gd_closed_form(np.linalg.eigvalsh, int)      # rounds the count down


def _gd_no_refusal(H, lr, tol=1e-6):
    rho = float(np.max(np.abs(1 - lr * np.linalg.eigvalsh(np.asarray(H, dtype=float)))))
    if tol >= 1:
        return 0
    return math.inf if rho >= 1 else (1 if rho == 0 else math.ceil(math.log(tol) / math.log(rho)))


def ref_nesterov(lam, lr, beta):
    # the recurrence theta_{t+1} = a theta_t - b theta_{t-1}, by the quadratic formula
    import cmath
    a, b = (1 + beta) * (1 - lr * lam), beta * (1 - lr * lam)
    d = cmath.sqrt(a * a - 4 * b)
    return [max(abs((a + d) / 2), abs((a - d) / 2))]


def ref_scheduled_adam(theta, g, m, v, products, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
    theta, g, m, v = (np.asarray(x, dtype=float) for x in (theta, g, m, v))
    m2 = betas[0] * m + (1 - betas[0]) * g
    v2 = betas[1] * v + (1 - betas[1]) * g * g
    p1, p2 = products[0] * betas[0], products[1] * betas[1]
    return [theta - lr * (m2 / (1 - p1)) / (np.sqrt(v2 / (1 - p2)) + eps), m2, v2, p1, p2]


def _adam_uncorrected(theta, g, m, v, products, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
    new, m2, v2, p1, p2 = ref_scheduled_adam(theta, g, m, v, products, lr, betas, 0.0)
    return np.asarray(theta, float) - lr * m2 / (np.sqrt(v2) + eps), m2, v2, (p1, p2)


def _adam_power_of_beta(theta, g, m, v, products, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
    t = 1 + round(math.log(products[0]) / math.log(betas[0]))
    _, m2, v2, p1, p2 = ref_scheduled_adam(theta, g, m, v, products, lr, betas, eps)
    new = np.asarray(theta, float) - lr * (m2 / (1 - betas[0] ** t)) / (
        np.sqrt(v2 / (1 - betas[1] ** t)) + eps)
    return new, m2, v2, (p1, p2)


def _adam_eps_inside(theta, g, m, v, products, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
    _, m2, v2, p1, p2 = ref_scheduled_adam(theta, g, m, v, products, lr, betas, eps)
    new = np.asarray(theta, float) - lr * (m2 / (1 - p1)) / np.sqrt(v2 / (1 - p2) + eps)
    return new, m2, v2, (p1, p2)


CASES.update({
    "gd_steps": dict(
        reference=ref_gd_steps,
        wrong=[_gd_diagonal, _gd_floor, _gd_no_refusal],
        forbidden=["log(tol)", "/log(rho)", "ceil(", "eigvalsh", "1-lr", "spectralradius",
                   "rho^t", "returnmath.inf", "return inf"]),
    "nesterov_rate": dict(
        reference=ref_nesterov,
        wrong=[lambda lam, lr, beta: float(np.max(np.abs(np.roots([1, -(1 + beta - lr * lam),
                                                                     beta])))),
               lambda lam, lr, beta: math.sqrt(beta),
               lambda lam, lr, beta: float(np.max(np.real(np.roots(
                   [1, -(1 + beta) * (1 - lr * lam), beta * (1 - lr * lam)]))))],
        forbidden=["(1+beta)(1-", "beta(1-", "1-lr*lam", "1-etalambda", "np.roots",
                   "sqrt(beta", "(1+beta)*(1-"]),
    "scheduled_adam_step": dict(
        reference=ref_scheduled_adam,
        wrong=[_adam_uncorrected, _adam_power_of_beta, _adam_eps_inside],
        forbidden=["1-p1", "1-products", "product of", "telescop", "1-beta1**t",
                   "sqrt(v_hat)+eps", "m/(1-", "beta1^t", "prod("]),
})


def test_every_check_has_wrong_answers():
    names = exported_checks()
    assert len(names) >= 15, names   # the book's checks; the enumeration must find them
    missing = [n for n in names if n not in CASES]
    assert missing == [], f"add wrong answers and forbidden fragments for {missing}"


PARAMS = [(name, i) for name in sorted(CASES) for i in range(len(CASES[name]["wrong"]))]


@pytest.mark.parametrize("name, index", PARAMS, ids=[f"{n}-{i}" for n, i in PARAMS])
def test_a_wrong_answer_gets_not_yet_and_no_answer(name, index):
    spec = CASES[name]
    verdict, last = _run(name, spec["wrong"][index])
    assert not verdict.ok
    assert "not yet" in str(verdict)
    message = verdict.message
    flat = _normalized(message)
    for fragment in spec["forbidden"]:
        assert _normalized(fragment) not in flat, f"hint gives the formula {fragment!r}: {message}"
    assert last is not None, "the check never called the answer"
    inputs = _numbers(last)          # a message may name the failing input point
    for value in spec["reference"](*last):
        for v in np.ravel(np.asarray(value, dtype=float)):
            if np.any(np.isclose(v, inputs, rtol=1e-6, atol=0)):
                continue
            for text in _formatted(v):
                assert text not in message, f"hint shows the expected value {text}: {message}"
    if spec["reference"] in (ref_distinct_units, ref_count_units):
        n = spec["reference"](*last)[0]
        for pattern in (f"expected {n}", f"should be {n}", f"{n} distinct", f"{n} unit"):
            assert pattern not in message, message


# ---------------------------------------------------------------------------
# The test can fail: a planted hint that leaks is caught
# ---------------------------------------------------------------------------
def test_a_leaking_hint_would_be_caught(monkeypatch):
    from lecture_kit.check import initialization

    def leaky(fn):
        fan_in, fan_out = 300, 500
        fn(fan_in, fan_out, np.random.default_rng(0))
        return check.wrong("xavier_uniform_sample",
                           f"the bound is sqrt(6/(fan_in + fan_out)) = "
                           f"{math.sqrt(6 / 800):.4f}")

    monkeypatch.setattr(check, "xavier_uniform_sample", leaky)
    monkeypatch.setattr(initialization, "xavier_uniform_sample", leaky)
    with pytest.raises(AssertionError, match="formula"):
        test_a_wrong_answer_gets_not_yet_and_no_answer("xavier_uniform_sample", 0)

    def leaks_value_only(fn):
        fn(300, 500, np.random.default_rng(0))
        return check.wrong("xavier_uniform_sample", f"expected a bound of {math.sqrt(6 / 800):.3f}")

    monkeypatch.setattr(check, "xavier_uniform_sample", leaks_value_only)
    with pytest.raises(AssertionError, match="expected value"):
        test_a_wrong_answer_gets_not_yet_and_no_answer("xavier_uniform_sample", 0)
