"""The self-check of the interpolating-network exercise accepts a correct network
and rejects plausible wrong ones (the mutants the notebook declares, run here too)."""

from __future__ import annotations

import numpy as np
import pytest

from lecture_kit import check


def good(xs, ys):
    order = np.argsort(xs)
    xs, ys = np.asarray(xs, float)[order], np.asarray(ys, float)[order]
    changes = np.diff(np.diff(ys) / np.diff(xs), prepend=0.0)
    n = len(xs) - 1
    return np.ones((1, n)), -xs[:-1], changes.reshape(n, 1), ys[:1].copy()


def slopes_not_changes(xs, ys):
    W1, b1, _, b2 = good(xs, ys)
    order = np.argsort(xs)
    slopes = np.diff(np.asarray(ys)[order]) / np.diff(np.asarray(xs)[order])
    return W1, b1, slopes.reshape(-1, 1), b2


def no_offset(xs, ys):
    W1, b1, W2, _ = good(xs, ys)
    return W1, b1, W2, np.zeros(1)


def unsorted(xs, ys):
    xs, ys = np.asarray(xs, float), np.asarray(ys, float)
    changes = np.diff(np.diff(ys) / np.diff(xs), prepend=0.0)
    n = len(xs) - 1
    return np.ones((1, n)), -xs[:-1], changes.reshape(n, 1), ys[:1].copy()


def kinks_one_knot_late(xs, ys):
    W1, b1, W2, b2 = good(xs, ys)
    order = np.argsort(xs)
    return W1, -np.asarray(xs, float)[order][1:], W2, b2


def one_unit_too_many(xs, ys):
    order = np.argsort(xs)
    xs, ys = np.asarray(xs, float)[order], np.asarray(ys, float)[order]
    changes = np.append(np.diff(np.diff(ys) / np.diff(xs), prepend=0.0), 0.0)
    n = len(xs)
    return np.ones((1, n)), -xs, changes.reshape(n, 1), ys[:1].copy()


def uniform_spacing(xs, ys):
    order = np.argsort(xs)
    xs, ys = np.asarray(xs, float)[order], np.asarray(ys, float)[order]
    h = (xs[-1] - xs[0]) / (len(xs) - 1)
    changes = np.diff(np.diff(ys) / h, prepend=0.0)
    n = len(xs) - 1
    return np.ones((1, n)), -xs[:-1], changes.reshape(n, 1), ys[:1].copy()


WRONG = [slopes_not_changes, no_offset, unsorted, kinks_one_knot_late, one_unit_too_many,
         uniform_spacing]


def test_a_correct_network_is_accepted():
    assert check.interpolating_relu_net(good).ok


@pytest.mark.parametrize("answer", WRONG, ids=lambda f: f.__name__)
def test_each_wrong_network_is_rejected_without_the_construction(answer):
    verdict = check.interpolating_relu_net(answer)
    assert not verdict.ok and "not yet" in str(verdict)
    for giveaway in ("np.diff", "change of slope", "-xs", "prepend"):
        assert giveaway not in verdict.message
