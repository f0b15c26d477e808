"""The self-check of the gradient-clipping exercise accepts a correct answer and
rejects each plausible wrong one, with a hint that does not give the answer away."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lecture_kit import check


def robust(grads, max_norm):
    scale_ref = max((float(np.max(np.abs(g))) for g in grads if g.size), default=0.0)
    if scale_ref == 0.0:
        return [g.copy() for g in grads], 0.0
    total = scale_ref * math.sqrt(sum(float(np.sum((g / scale_ref) ** 2)) for g in grads))
    factor = min(1.0, max_norm / total)
    return [(g * factor).astype(g.dtype) for g in grads], total


def naive_norm(grads):
    return float(np.sqrt(sum(np.sum(g.astype(float) ** 2) for g in grads)))


def overflowing(grads, max_norm):
    n = naive_norm(grads)
    s = min(1.0, max_norm / n) if n > 0 else 1.0
    return [g * s for g in grads], n


def per_array(grads, max_norm):
    out = []
    for g in grads:
        n = robust([g], max_norm)[1]
        out.append(g * min(1.0, max_norm / n) if n > 0 else g.copy())
    return out, robust(grads, max_norm)[1]


def always_rescale(grads, max_norm):
    n = robust(grads, max_norm)[1]
    return [g * (max_norm / n) if n > 0 else g.copy() for g in grads], n


def in_place(grads, max_norm):
    clipped, n = robust(grads, max_norm)
    for g, c in zip(grads, clipped):
        g[...] = c
    return grads, n


def norm_after(grads, max_norm):
    clipped, _ = robust(grads, max_norm)
    return clipped, robust(clipped, max_norm)[1]


def torch_eps(grads, max_norm):
    n = robust(grads, max_norm)[1]
    s = min(1.0, max_norm / (n + 1e-6))
    return [(g * s).astype(g.dtype) for g in grads], n


def upcast(grads, max_norm):
    clipped, n = robust(grads, max_norm)
    return [c.astype(np.float64) for c in clipped], n


WRONG = [overflowing, per_array, always_rescale, in_place, norm_after, torch_eps, upcast]


def test_a_correct_answer_is_accepted():
    assert check.clip_by_global_norm(robust).ok


@pytest.mark.parametrize("answer", WRONG, ids=lambda f: f.__name__)
def test_each_wrong_answer_is_rejected_without_giving_the_formula(answer):
    verdict = check.clip_by_global_norm(answer)
    assert not verdict.ok
    assert "not yet" in str(verdict)
    for giveaway in ("max_norm / norm", "max_norm/norm", "min(1", "hypot", "/ scale", "1e-6"):
        assert giveaway not in verdict.message


def test_a_stub_is_told_to_replace_the_stub():
    def stub(grads, max_norm):
        raise NotImplementedError()
    assert "NotImplementedError" in check.clip_by_global_norm(stub).message
