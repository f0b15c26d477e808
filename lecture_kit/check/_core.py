"""The machinery shared by every self-check: run the reader's code safely and
compare it with the reference on points the reader never sees.

A check never prints the expected code and never prints the exact expected
number: it answers ``correct`` or points at the first place where the answer is
wrong, with a hint that describes what the value should look like (a range, a
sign, a shape).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

import numpy as np


@dataclass(frozen=True)
class Verdict:
    """The answer of a self-check: ``ok`` and a one-line message.

    A verdict is truthy when the answer is correct, prints as its message and
    renders as a coloured line in a notebook.
    """

    ok: bool
    exercise: str
    message: str

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        mark = "correct" if self.ok else "not yet"
        return f"[{self.exercise}] {mark}: {self.message}"

    __repr__ = __str__

    def _repr_html_(self) -> str:
        import html

        colour = "#009E73" if self.ok else "#D55E00"
        symbol = "&#10004;" if self.ok else "&#10008;"
        return (f'<p class="lk-check" style="color:{colour}"><strong>{symbol} '
                f"{html.escape(self.exercise)}</strong>: {html.escape(self.message)}</p>")


def correct(exercise: str, message: str = "all hidden test points agree") -> Verdict:
    return Verdict(True, exercise, message)


def wrong(exercise: str, message: str) -> Verdict:
    return Verdict(False, exercise, message)


def call_safely(exercise: str, fn: Callable, *args):
    """Call the reader's ``fn``; return ``(result, None)`` or ``(None, Verdict)``."""
    if not callable(fn):
        return None, wrong(exercise, f"expected a function, got {type(fn).__name__}")
    try:
        with np.errstate(all="ignore"):
            return fn(*args), None
    except NotImplementedError:
        return None, wrong(exercise, "your function still raises NotImplementedError: "
                                     "replace the stub with your code")
    except Exception as exc:  # the reader's code may raise anything
        return None, wrong(exercise, f"your function raised {type(exc).__name__}: {exc}")


def compare_pointwise(exercise: str, fn: Callable, reference: Callable,
                      points: Iterable[float], hint: Callable[[float, float], str],
                      *, rtol: float = 1e-6, atol: float = 1e-9) -> Verdict:
    """Evaluate ``fn`` point by point and compare with ``reference``.

    ``hint(x, expected)`` describes the expected value without giving it away
    (for example ``"expected a value in (0, 0.25]"``).
    """
    for x in points:
        got, failure = call_safely(exercise, fn, x)
        if failure is not None:
            return failure
        try:
            got = float(np.asarray(got, dtype=float).reshape(()))
        except (TypeError, ValueError):
            return wrong(exercise, f"at x = {x!r} your function returned {type(got).__name__}, "
                                   "expected one number")
        expected = float(reference(x))
        if not np.isclose(got, expected, rtol=rtol, atol=atol):
            return wrong(exercise, f"wrong at x = {x!r}: {hint(x, expected)}")
    return correct(exercise)


def compare_arrays(exercise: str, got, expected, *, what: str, hint: str = "",
                   rtol: float = 1e-6, atol: float = 1e-9) -> Verdict:
    """Compare an array the reader produced with the reference array."""
    try:
        got = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return wrong(exercise, f"{what} is not numeric")
    expected = np.asarray(expected, dtype=float)
    if got.shape != expected.shape:
        return wrong(exercise, f"{what} has shape {got.shape}, expected shape {expected.shape}")
    bad = ~np.isclose(got, expected, rtol=rtol, atol=atol, equal_nan=True)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        extra = f" ({hint})" if hint else ""
        return wrong(exercise, f"{what} is wrong at index {where}{extra}")
    return correct(exercise)
