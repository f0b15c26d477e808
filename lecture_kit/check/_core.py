"""The machinery shared by every self-check: run the reader's code safely and
compare it with the reference on points the reader never sees.

A check never prints the expected code and never prints the exact expected
number: it answers ``correct`` or points at the first place where the answer is
wrong, with a hint that describes what the value should look like (a range, a
sign, a shape).

Writing a new check (in ``lecture_kit/check/<part>.py``) takes three pieces:
a reference computed independently of the notebook's solution (a closed form,
SymPy, or a different algorithm), evaluation points that do not appear in the
notebook, and a hint that describes the expected value without stating it.
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

    Parameters
    ----------
    ok : bool
        Whether the answer agreed with the reference on every hidden point.
    exercise : str
        The name of the check (shown in brackets).
    message : str
        ``"all hidden test points agree"`` or where and how the answer is wrong.

    Examples
    --------
    >>> v = Verdict(False, "demo", "wrong at x = 3.0: expected a value in (0, 0.25]")
    >>> bool(v)
    False
    >>> v
    [demo] not yet: wrong at x = 3.0: expected a value in (0, 0.25]
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

        # the palette colour marks the box; the text is a darker shade on a light
        # ground of its own (contrast >= 7:1, WCAG AA in light and dark pages alike)
        colour, text, ground = (("#009E73", "#00573F", "#E6F4EF") if self.ok
                                else ("#D55E00", "#8A3A00", "#FBEDE3"))
        symbol = "&#10004;" if self.ok else "&#10008;"
        return (f'<p class="lk-check" style="color:{text};background:{ground};'
                f'border-left:4px solid {colour};padding:0.3em 0.6em"><strong>{symbol} '
                f"{html.escape(self.exercise)}</strong>: {html.escape(self.message)}</p>")


def correct(exercise: str, message: str = "all hidden test points agree") -> Verdict:
    """A passing verdict.

    >>> correct("demo")
    [demo] correct: all hidden test points agree
    """
    return Verdict(True, exercise, message)


def wrong(exercise: str, message: str) -> Verdict:
    """A failing verdict with a hint.

    >>> wrong("demo", "expected a positive number")
    [demo] not yet: expected a positive number
    """
    return Verdict(False, exercise, message)


def as_number(got):
    """``float(got)`` when ``got`` holds exactly one number, else ``None``.

    >>> as_number(np.array([2.5])), as_number([1, 2]), as_number("x")
    (2.5, None, None)
    """
    try:
        arr = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return None
    if arr.size != 1:
        return None
    return float(arr.reshape(()))


def returned_number(exercise: str, got, where: str):
    """``(float, None)`` when the reader's ``got`` is one number, else ``(None, Verdict)``.

    ``where`` starts the message (``"at x = 0.5"``); ``None`` (a forgotten
    ``return``), text and arrays of several values each get a message saying so.

    >>> returned_number("demo", np.array([2.5]), "at x = 1")
    (2.5, None)
    >>> returned_number("demo", None, "at x = 1")[1]
    [demo] not yet: at x = 1 your function returned None: did you forget the `return`?
    >>> returned_number("demo", "2.5", "at x = 1")[1]
    [demo] not yet: at x = 1 your function returned str, expected one number
    """
    if got is None:
        return None, wrong(exercise, f"{where} your function returned None: did you forget "
                                     "the `return`?")
    value = None if isinstance(got, (str, bytes)) else as_number(got)
    if value is None:
        return None, wrong(exercise, f"{where} your function returned {type(got).__name__}, "
                                     "expected one number")
    return value, None


def call_safely(exercise: str, fn: Callable, *args):
    """Call the reader's ``fn(*args)``; return ``(result, None)`` or ``(None, Verdict)``.

    Any exception becomes a failing verdict naming it; a stub that still raises
    ``NotImplementedError`` gets a message of its own. NumPy floating-point
    warnings are silenced during the call (the comparison decides).

    Examples
    --------
    >>> call_safely("demo", lambda x: 2 * x, 3)
    (6, None)
    >>> def stub(x):
    ...     raise NotImplementedError()
    >>> call_safely("demo", stub, 3)[1]
    [demo] not yet: your function still raises NotImplementedError: replace the stub with your code
    >>> call_safely("demo", 42)[1]
    [demo] not yet: expected a function, got int
    """
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


def read_only_failure(exercise: str, failure: Verdict, message: str) -> Verdict:
    """The verdict on a failed call whose inputs were read-only arrays.

    ``wrong(exercise, message)`` when the reader's function failed because it
    wrote into a read-only input (NumPy says "read-only"), else ``failure``
    itself. ``message`` says which input and what to do instead.

    >>> def in_place(x):
    ...     x += 1
    >>> x = np.zeros(2)
    >>> x.setflags(write=False)
    >>> failure = call_safely("demo", in_place, x)[1]
    >>> read_only_failure("demo", failure, "your function writes into x")
    [demo] not yet: your function writes into x
    >>> read_only_failure("demo", wrong("demo", "something else"), "your function writes into x")
    [demo] not yet: something else
    """
    return wrong(exercise, message) if "read-only" in failure.message else failure


def compare_pointwise(exercise: str, fn: Callable, reference: Callable,
                      points: Iterable[float], hint: Callable[[float, float], str],
                      *, rtol: float = 1e-6, atol: float = 1e-9) -> Verdict:
    """Evaluate ``fn`` point by point and compare with ``reference``.

    Parameters
    ----------
    exercise : str
        Name of the check.
    fn, reference : callable
        The reader's function and the reference, each called as ``f(x)`` and
        expected to return one number.
    points : iterable of float
        Where to compare, in order; the first disagreement is reported.
    hint : callable
        ``hint(x, expected)`` describes the expected value without giving it
        away (for example ``"expected a value in (0, 0.25]"``).
    rtol, atol : float
        Agreement means ``|got - expected| <= atol + rtol * |expected|``
        (``numpy.isclose``).

    Returns
    -------
    Verdict

    Notes
    -----
    NaN returned where a number is expected is wrong; a function that returns
    ``None``, text or an array of several values gets a message saying so.

    Examples
    --------
    >>> ref = lambda x: x * x
    >>> hint = lambda x, e: "expected a non-negative value"
    >>> compare_pointwise("square", lambda x: x ** 2, ref, [1.5, -2.0], hint)
    [square] correct: all hidden test points agree
    >>> compare_pointwise("square", lambda x: 2 * x, ref, [1.5, -2.0], hint)
    [square] not yet: wrong at x = 1.5: expected a non-negative value
    """
    for x in points:
        got, failure = call_safely(exercise, fn, x)
        if failure is not None:
            return failure
        got, failure = returned_number(exercise, got, f"at x = {x!r}")
        if failure is not None:
            return failure
        expected = float(reference(x))
        if not np.isclose(got, expected, rtol=rtol, atol=atol):
            return wrong(exercise, f"wrong at x = {x!r}: {hint(x, expected)}")
    return correct(exercise)


def compare_arrays(exercise: str, got, expected, *, what: str, hint: str = "",
                   rtol: float = 1e-6, atol: float = 1e-9) -> Verdict:
    """Compare an array the reader produced with the reference array.

    Parameters
    ----------
    exercise : str
        Name of the check.
    got, expected : array_like
        The reader's array and the reference (same shape expected).
    what : str
        How to call the array in the message (``"the gradient"``).
    hint : str, optional
        Appended in parentheses to a "wrong at index" message.
    rtol, atol : float
        Tolerances of ``numpy.isclose``; NaN agrees with NaN.

    Returns
    -------
    Verdict
        Correct, or the shape mismatch, or the first wrong index.

    Examples
    --------
    >>> compare_arrays("demo", [1.0, 2.0], [1.0, 2.0], what="the output")
    [demo] correct: all hidden test points agree
    >>> compare_arrays("demo", [1.0, 5.0], [1.0, 2.0], what="the output", hint="too large")
    [demo] not yet: the output is wrong at index (1,) (too large)
    >>> compare_arrays("demo", [[1.0, 2.0]], [1.0, 2.0], what="the output")
    [demo] not yet: the output has shape (1, 2), expected shape (2,)
    """
    if got is None or isinstance(got, (str, bytes)):
        return wrong(exercise, f"{what} is {type(got).__name__}, expected an array of numbers")
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


def weight_matrix_failure(exercise: str, where: str, W: np.ndarray, fan_in: int,
                          fan_out: int) -> "Verdict | None":
    """A verdict if ``W`` is not a finite ``(fan_in, fan_out)`` matrix, else ``None``."""
    if W.shape != (fan_in, fan_out):
        return wrong(exercise, f"for {where}: W has shape {W.shape}, expected shape "
                               f"{(fan_in, fan_out)} (fan_in rows, fan_out columns)")
    if not np.all(np.isfinite(W)):
        return wrong(exercise, f"for {where}: W contains non-finite values")
    return None


def seeded_weight_matrix(exercise: str, fn: Callable, fan_in: int, fan_out: int,
                         seed: int):
    """Draw ``W = fn(fan_in, fan_out, rng)`` from a generator seeded with ``seed``.

    ``W`` must be a finite ``(fan_in, fan_out)`` array of numbers, and a second
    call with a generator of the same seed must give the same weights (every
    number drawn from ``rng``). Returns ``(W, None)`` or ``(None, Verdict)``.

    Examples
    --------
    >>> W, failure = seeded_weight_matrix("demo", lambda i, o, rng: rng.normal(size=(i, o)),
    ...                                   3, 2, seed=0)
    >>> W.shape, failure
    ((3, 2), None)
    >>> seeded_weight_matrix("demo", lambda i, o, rng: np.random.normal(size=(i, o)),
    ...                      3, 2, seed=0)[1]
    [demo] not yet: for fan_in = 3, fan_out = 2: the same seed gave different weights; draw every number from the rng argument
    """
    where = f"fan_in = {fan_in}, fan_out = {fan_out}"
    got, failure = call_safely(exercise, fn, fan_in, fan_out, np.random.default_rng(seed))
    if failure is not None:
        return None, failure
    try:
        W = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return None, wrong(exercise, f"for {where}: return a numeric array")
    failure = weight_matrix_failure(exercise, where, W, fan_in, fan_out)
    if failure is not None:
        return None, failure
    again, failure = call_safely(exercise, fn, fan_in, fan_out, np.random.default_rng(seed))
    if failure is not None:
        return None, failure
    try:
        same = np.array_equal(np.asarray(again, dtype=float), W)
    except (TypeError, ValueError):
        same = False
    if not same:
        return None, wrong(exercise, f"for {where}: the same seed gave different weights; "
                                     "draw every number from the rng argument")
    return W, None
