r"""Self-check for the coding exercise of the chapter "Breaking symmetry".

==========================  =====================================================
``count_units``             ``fn(W, tol=1e-9) -> int``: how many distinct units a
                            layer has, where columns of ``W`` closer than ``tol``
                            (in every entry) are linked, and a chain of links
                            makes one unit (the connected components)
==========================  =====================================================

"Within ``tol``" alone is not transitive: columns ``a``, ``a + 0.6 tol`` and
``a + 1.2 tol`` have neighbours within ``tol`` but the ends do not. Counting
connected components of the "within ``tol``" relation gives a well-defined
number that does not depend on the order of the columns.

Examples
--------
>>> import numpy as np
>>> from lecture_kit import check
>>> check.count_units(lambda W, tol=1e-9: W.shape[1]).ok
False
"""

from __future__ import annotations

import numbers
from typing import Callable

import numpy as np

from ._core import call_safely, correct, wrong

__all__ = ["count_units"]


def _components(W, tol) -> int:
    """Connected components of "every entry within ``tol``", by a depth-first search."""
    cols = [np.asarray(c, dtype=float) for c in np.asarray(W, dtype=float).T]
    seen, count = [False] * len(cols), 0
    for start in range(len(cols)):
        if seen[start]:
            continue
        count += 1
        seen[start], stack = True, [start]
        while stack:
            i = stack.pop()
            for j in range(len(cols)):
                if not seen[j] and float(np.max(np.abs(cols[i] - cols[j]))) <= tol:
                    seen[j] = True
                    stack.append(j)
    return count


def _cases():
    """``(label, W, tol or None)``; ``None`` calls ``fn(W)`` to test the default."""
    rng = np.random.default_rng(2027)
    base = rng.normal(size=(4, 3))
    groups = base[:, [0, 1, 0, 2, 1, 0]]                 # repeats far from their twins
    chain = np.tile(rng.normal(size=(3, 1)), (1, 4))
    chain[1] += np.array([0.0, 0.7e-9, 1.4e-9, 2.1e-9])  # neighbours within 1e-9, ends not
    chain = chain[:, [2, 0, 3, 1]]                       # ... and not in order
    straddle = np.tile(np.array([[0.1234567895], [2.0]]), (1, 3))
    straddle[0, 1] -= 2e-12                              # rounding to 9 decimals splits them
    straddle[0, 2] += 2e-12
    rows_repeat = np.tile(rng.normal(size=(1, 5)), (3, 1))
    low_rank = np.outer(rng.normal(size=4), rng.normal(size=5))   # rank 1, 5 units
    exact = np.array([[0.0, 0.25, 0.5, 2.0]])            # differences exactly tol = 0.25
    loose = np.tile(rng.normal(size=(2, 1)), (1, 4)) + np.array([[0.0, 4e-4, -3e-4, 5e-3],
                                                                 [0.0, 1e-4, 2e-4, 0.0]])
    return [
        ("a constant matrix", np.full((3, 7), 0.3), None),
        ("a random matrix", rng.normal(size=(5, 6)), None),
        ("columns repeated away from their twins", groups, None),
        ("a chain of near-duplicate columns", chain, None),
        ("columns that differ by 2e-12", straddle, None),
        ("a matrix whose rows repeat", rows_repeat, None),
        ("a matrix of rank one with different columns", low_rank, None),
        ("columns exactly tol apart, tol = 0.25", exact, 0.25),
        ("columns within 1e-3 but not within 1e-9, tol = 1e-3", loose, 1e-3),
        ("a single column", np.zeros((2, 1)), None),
    ]


def _is_whole(got) -> bool:
    if isinstance(got, (bool, np.bool_)):
        return False
    if isinstance(got, (numbers.Integral, np.integer)):
        return True
    return isinstance(got, (float, np.floating)) and float(got).is_integer()


def count_units(fn: Callable):
    r"""Check ``fn(W, tol=1e-9) -> int``: the number of distinct units of a layer.

    Unit :math:`j` is column :math:`j` of ``W`` (shape ``(fan_in, fan_out)``).
    Two columns are *linked* when they agree within ``tol`` in every entry
    (:math:`\max_i |W_{ij} - W_{ik}| \le` ``tol``); units are the groups of
    columns connected by chains of links. The cases include repeated columns
    far from their twins, a chain of near-duplicates given out of order,
    differences of ``1e-12`` across a rounding boundary, a matrix of rank one,
    differences of exactly ``tol`` (linked) and a non-default ``tol``; the
    function is also called with read-only arrays and must not change ``W``.

    Examples
    --------
    >>> import numpy as np
    >>> check_rank = count_units(lambda W, tol=1e-9: int(np.linalg.matrix_rank(W)))
    >>> check_rank.ok
    False
    """
    ex = "count_units"
    for label, W, tol in _cases():
        arg = W.copy()
        arg.setflags(write=False)                # a function that writes into W fails here
        args = (arg,) if tol is None else (arg, tol)
        got, failure = call_safely(ex, fn, *args)
        if failure is not None:
            if "read-only" in failure.message or "not writeable" in failure.message:
                return wrong(ex, f"for {label} your function tried to write into W: count "
                                 "the units without changing the weights")
            return failure
        if not np.array_equal(arg, W):
            return wrong(ex, f"for {label} your function changed W")
        if not _is_whole(got):
            return wrong(ex, f"for {label} your function returned {type(got).__name__}, "
                             "expected a whole number")
        expected = _components(W, 1e-9 if tol is None else tol)
        if int(got) != expected:
            rows = _components(np.asarray(W).T, 1e-9)
            if label == "a matrix whose rows repeat" and int(got) == rows:
                hint = "that looks like a count of rows; a unit is a column of W"
            elif int(got) > expected:
                hint = ("too many: some columns are linked, directly or through a chain of "
                        "columns each within tol of the next, wherever they sit in W")
            else:
                hint = ("too few: columns whose difference exceeds tol somewhere, with no "
                        "chain of close columns between them, are different units")
            if tol is not None:
                hint += " (this case passes tol explicitly)"
            return wrong(ex, f"wrong for {label}: {hint}")
    plain = np.array([[1.0, 1.0], [2.0, 2.0 + 1e-12]])
    lst, failure = call_safely(ex, fn, plain.tolist())
    if failure is not None:
        return wrong(ex, "for W given as a nested Python list your function failed: "
                         f"{failure.message}")
    if not _is_whole(lst) or int(lst) != 1:
        return wrong(ex, "for W given as a nested Python list the count is wrong")
    return correct(ex, "all hidden cases agree")
