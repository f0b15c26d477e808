r"""Step-by-step derivations of the course, each step checked by SymPy.

A :class:`Derivation` is an ordered list of :class:`Step` objects. Every step
is a relation between two SymPy expressions (``=``, ``<=``, ``>=``, or a
definition ``:=``) with a one-line justification. A derivation

* renders as an aligned display in a notebook (``_repr_latex_``, see below),
* can be iterated (``for step in d.steps``), and
* can be checked: :meth:`Derivation.verify` returns ``True`` only if SymPy
  proves every step.

How a step is checked
---------------------
A step is proved when SymPy reduces ``lhs - rhs`` to zero (for ``=``), or shows
that the gap between the two sides is non-negative (for ``<=`` and ``>=``).
Before that, the checker

1. applies the step's *instances* (for example ``t = 1, 2, 3, 4``: steps about a
   sequence are checked term by term, and the display says so);
2. applies the step's *given* identities, stated facts written as ``Eq(a, b)``
   and used as the substitution ``a -> b`` (for example ``mu_w = 0``);
3. expands every *definition* made by an earlier ``:=`` step;
4. applies the step's *assumptions*, SymPy predicates such as
   ``Q.positive(p)`` or ``Q.ne(beta, 1)``: predicates on a bare symbol become
   properties of that symbol (so that ``simplify`` can use them), the others
   are handed to ``refine``;
5. evaluates what is left (derivatives, integrals, sums, limits, expectations)
   and simplifies.

A step can also *solve* an equation (``method="solve"``): it is proved when
``sympy.solve`` finds the stated value and no other. An inequality can carry a
*certificate*: an expression that SymPy can see is non-negative and that equals
the gap between the two sides, e.g. :math:`\tfrac14 - s(1-s) = (s-\tfrac12)^2`.

Why ``text/latex``
------------------
The display is offered as ``text/latex`` only (``$$\begin{array}...$$``).
myst-nb (Jupyter Book 1) turns a ``text/latex`` output into a Sphinx math block
that MathJax 3 typesets, and that the LaTeX/PDF builder also understands. It
renders ``text/markdown`` with a CommonMark-only parser by default
(``nb_render_markdown_format = "commonmark"``): dollar math is not parsed,
backslash escapes such as ``\\`` are eaten, and the page marks the cell
``mathjax_ignore``, so the formula would show as raw text. As myst-nb prefers
``text/markdown`` over ``text/latex`` when both exist, there is deliberately no
``_repr_markdown_``; :meth:`Derivation.to_markdown` gives a MyST block for pages.
Justifications are plain ASCII with optional ``$inline math$``, because MathJax
does not process text-mode escapes such as ``\%`` inside ``\text{}``.

References
----------
Seed lecture notes 000 (sigmoid from log-odds, derivatives), 001 (vanishing
gradients, eq. 23), 003 (Xavier/He initialization, momentum); Glorot & Bengio
(2010); He et al. (2015); Kingma & Ba (2015).

Examples
--------
>>> from lecture_kit import derivations
>>> d = derivations.sigmoid_derivative()
>>> d.verify()
True
>>> print(d.steps[1].why)
chain rule on $(1 + e^{-z})^{-1}$
"""

from __future__ import annotations

import dataclasses
import re
from typing import Callable, Iterator

import sympy as sp
from sympy import Q
from sympy.core.function import UndefinedFunction
from sympy.matrices import MatrixBase

__all__ = [
    "Step",
    "StepCheck",
    "Derivation",
    "DerivationError",
    "Expectation",
    "Variance",
    "ALL",
    "names",
    "get",
    "sigmoid_from_log_odds",
    "sigmoid_derivative",
    "tanh_from_sigmoid",
    "tanh_derivative",
    "softmax_jacobian",
    "vanishing_gradient_product",
    "xavier_forward",
    "xavier_backward",
    "xavier_compromise",
    "he_relu_second_moment",
    "he_init",
    "leaky_relu_gain",
    "momentum_unrolled",
    "momentum_forms_equivalent",
    "momentum_effective_step",
    "adam_bias_correction",
    "cross_entropy_softmax_gradient",
    "bce_with_logits_gradient",
]

_RELATIONS = {"=": "=", "<=": r"\le", ">=": r"\ge", ":=": r"\mathrel{:=}"}
_METHODS = ("identity", "definition", "solve")
# Characters that need a LaTeX escape in text mode, which MathJax would then
# print literally: keep them inside $...$ or out of justifications.
_TEXT_FORBIDDEN = re.compile(r"[\\{}&%#_^~]")


class DerivationError(AssertionError):
    """Raised by :meth:`Derivation.verify` with ``raise_error=True``."""


# --------------------------------------------------------------------------
# Display helpers
# --------------------------------------------------------------------------


def display_function(name: str, latex: str, *, show_args: bool = True):
    r"""Return an undefined SymPy function class with a chosen LaTeX name.

    ``display_function("s_1", "s_{1}", show_args=False)(z1, z2, z3)`` is a
    function of three variables that prints as :math:`s_1`, which keeps
    Jacobians readable. It behaves like any undefined function: it can be
    differentiated and a ``:=`` step can give it a formula.
    """

    def _latex(self, printer, exp=None):
        text = latex
        if show_args:
            args = ", ".join(printer._print(a) for a in self.args)
            text = rf"{latex}\left({args}\right)"
        if exp is not None:
            text = rf"{{{text}}}^{{{exp}}}"
        return text

    def _sympystr(self, printer):
        return f"{name}({', '.join(printer._print(a) for a in self.args)})"

    return type(name, (sp.Function,), {"_latex": _latex, "_sympystr": _sympystr})


def _latex(expr) -> str:
    return sp.latex(expr, symbol_names=_SYMBOL_LATEX)


def _check_text(text: str, what: str) -> str:
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"{what} must be a non-empty string, got {text!r}")
    if not text.isascii():
        raise ValueError(f"{what} must be ASCII (use $...$ for symbols): {text!r}")
    parts = text.split("$")
    if len(parts) % 2 == 0:
        raise ValueError(f"{what} has an unmatched '$': {text!r}")
    for plain in parts[0::2]:
        bad = _TEXT_FORBIDDEN.search(plain)
        if bad:
            raise ValueError(
                f"{what} uses {bad.group()!r} outside $...$, which MathJax would "
                f"print literally inside \\text{{}}: {text!r}"
            )
    return text


_PREDICATE_LATEX = {
    "positive": "{} > 0",
    "negative": "{} < 0",
    "nonnegative": r"{} \ge 0",
    "nonpositive": r"{} \le 0",
    "real": r"{} \in \mathbb{{R}}",
    "integer": r"{} \in \mathbb{{Z}}",
    "nonzero": r"{} \ne 0",
    "ne": r"{} \ne {}",
    "lt": "{} < {}",
    "le": r"{} \le {}",
    "gt": "{} > {}",
    "ge": r"{} \ge {}",
    "eq": "{} = {}",
}


def _predicate_name(pred) -> str:
    return str(pred.function).replace("Q.", "")


def _predicate_latex(pred) -> str:
    name = _predicate_name(pred)
    if name not in _PREDICATE_LATEX:
        return _latex(pred)
    return _PREDICATE_LATEX[name].format(*(_latex(a) for a in pred.arguments))


# --------------------------------------------------------------------------
# Expectations of polynomials in independent random variables
# --------------------------------------------------------------------------


def _family(atom, names) -> str | None:
    """Name of the random family of ``atom`` (``w`` for ``w[3]``), or None."""
    if isinstance(atom, sp.Indexed) and atom.base.label.name in names:
        return atom.base.label.name
    if isinstance(atom, sp.Symbol) and atom.name in names:
        return atom.name
    return None


def mean_symbol(family: str) -> sp.Symbol:
    r"""The mean :math:`\mu_f` of every member of the random family ``f``."""
    return sp.Symbol(f"mu_{family}", real=True)


def std_symbol(family: str) -> sp.Symbol:
    r"""The standard deviation :math:`\sigma_f` of the random family ``f``."""
    return sp.Symbol(f"sigma_{family}", positive=True)


def _moment(family: str, k: int):
    if k == 1:
        return mean_symbol(family)
    if k == 2:
        return std_symbol(family) ** 2 + mean_symbol(family) ** 2
    return sp.Symbol(f"m{k}_{family}")


def _expect(expr, randoms):
    """E[expr] for a polynomial in independent random variables.

    Each distinct atom (``w[1]``, ``w[2]``, ``x[1]``, or a bare symbol ``x``)
    is independent of every other; all atoms of one family share the moments
    :math:`\\mu_f`, :math:`\\sigma_f^2 + \\mu_f^2`, ... (identically distributed).
    """
    names = {getattr(r, "name", None) or r.label.name for r in randoms}
    total = sp.Integer(0)
    for term in sp.Add.make_args(sp.expand(expr)):
        value = sp.Integer(1)
        for base, power in term.as_powers_dict().items():
            family = _family(base, names)
            if family is None:
                value *= base**power
            elif power.is_Integer and power > 0:
                value *= _moment(family, int(power))
            else:
                raise ValueError(f"cannot take the expectation of {base}**{power}")
        total += value
    return total


class Expectation(sp.Function):
    r"""Unevaluated :math:`\mathbb{E}[X]`; ``doit()`` computes it.

    ``Expectation(expr, (w, x))`` treats every ``w[i]`` and ``x[j]`` (or a bare
    symbol ``x``) as a random variable, all of them mutually independent, and
    the members of one family identically distributed (see :func:`mean_symbol`,
    :func:`std_symbol`). ``expr`` must be a polynomial in them.

    Examples
    --------
    >>> w, x = sp.IndexedBase("w"), sp.IndexedBase("x")
    >>> Expectation(w[1] * x[1] + w[2] * x[2], (w, x)).doit()
    2*mu_w*mu_x
    """

    nargs = 2

    @classmethod
    def eval(cls, expr, randoms):
        return None

    def __new__(cls, expr, randoms, **kwargs):
        return super().__new__(cls, sp.sympify(expr), sp.Tuple(*randoms), **kwargs)

    def doit(self, **hints):
        expr, randoms = self.args
        return _expect(expr.doit(**hints), randoms)

    def _latex(self, printer, exp=None):
        text = r"\mathbb{E}\left[%s\right]" % printer._print(self.args[0])
        return text if exp is None else rf"{{{text}}}^{{{exp}}}"

    def _sympystr(self, printer):
        return f"E[{printer._print(self.args[0])}]"


class Variance(sp.Function):
    r"""Unevaluated :math:`\operatorname{Var}[X] = \mathbb{E}[X^2] - \mathbb{E}[X]^2`.

    Same conventions as :class:`Expectation`.

    Examples
    --------
    >>> w, x = sp.IndexedBase("w"), sp.IndexedBase("x")
    >>> Variance(w[1] * x[1], (w, x)).doit().subs({mean_symbol("w"): 0})
    sigma_w**2*(mu_x**2 + sigma_x**2)
    """

    nargs = 2

    @classmethod
    def eval(cls, expr, randoms):
        return None

    def __new__(cls, expr, randoms, **kwargs):
        return super().__new__(cls, sp.sympify(expr), sp.Tuple(*randoms), **kwargs)

    def doit(self, **hints):
        expr, randoms = self.args
        expr = expr.doit(**hints)
        return sp.expand(_expect(expr**2, randoms) - _expect(expr, randoms) ** 2)

    def _latex(self, printer, exp=None):
        text = r"\operatorname{Var}\left[%s\right]" % printer._print(self.args[0])
        return text if exp is None else rf"{{{text}}}^{{{exp}}}"

    def _sympystr(self, printer):
        return f"Var[{printer._print(self.args[0])}]"


# --------------------------------------------------------------------------
# Steps and derivations
# --------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Step:
    r"""One line of a derivation: ``lhs relation rhs`` and why it holds.

    Parameters
    ----------
    lhs, rhs : sympy expression or Matrix
        The two sides. ``lhs=None`` continues a chain: the left side is the
        right side of the previous step (displayed as ``&= rhs``).
    why : str
        One-line justification, ASCII, with optional ``$inline math$``.
    relation : {"=", "<=", ">=", ":="}
        ``":="`` makes a definition (``method="definition"``).
    method : {"identity", "definition", "solve"}
        How the step is checked: identity (``lhs - rhs`` simplifies to 0, or
        the gap of an inequality is non-negative), definition (always holds;
        it registers ``lhs`` as an abbreviation of ``rhs`` for later steps), or
        solve (``sympy.solve(equation, lhs)`` returns exactly ``rhs``).
    assume : tuple of SymPy predicates
        Stated assumptions, e.g. ``(Q.positive(p), Q.lt(p, 1))``; shown in the
        display and used by the check.
    given : tuple of ``sympy.Eq``
        Stated identities used as substitutions ``a -> b`` (facts proved
        elsewhere, or hypotheses such as zero means). The justification
        should say them in words.
    certificate : sympy expression, optional
        For ``<=``/``>=``: an expression equal to the gap (bigger minus
        smaller side) whose non-negativity SymPy can see.
    equation : sympy.Eq, optional
        The equation solved by a ``method="solve"`` step.
    instances : tuple of dict
        Substitutions (``{t: 1}``, ``{t: 2}``, ...) for which the step is
        checked one by one; the display says so.
    hint : callable, optional
        The manipulation named in ``why`` (e.g. reflecting an integral
        ``u -> -u``), applied to ``lhs - rhs`` before simplifying.
    """

    lhs: object
    rhs: object
    why: str
    relation: str = "="
    method: str = "identity"
    assume: tuple = ()
    given: tuple = ()
    certificate: object = None
    equation: object = None
    instances: tuple = ()
    hint: Callable | None = None

    def __post_init__(self):
        _check_text(self.why, "why")
        if self.relation not in _RELATIONS:
            raise ValueError(f"relation must be one of {list(_RELATIONS)}, got {self.relation!r}")
        if self.method not in _METHODS:
            raise ValueError(f"method must be one of {list(_METHODS)}, got {self.method!r}")
        if (self.relation == ":=") != (self.method == "definition"):
            raise ValueError("a ':=' step is a definition and a definition uses ':='")
        if self.method == "solve" and not isinstance(self.equation, sp.Eq):
            raise ValueError("a 'solve' step needs equation=sympy.Eq(...)")
        if self.method == "definition" and self.lhs is None:
            raise ValueError("a definition needs a left-hand side")
        for g in self.given:
            if not isinstance(g, sp.Eq):
                raise ValueError(f"given identities must be sympy.Eq, got {g!r}")
        object.__setattr__(self, "assume", tuple(self.assume))
        object.__setattr__(self, "given", tuple(self.given))
        object.__setattr__(self, "instances", tuple(dict(i) for i in self.instances))


@dataclasses.dataclass(frozen=True)
class StepCheck:
    """Outcome of checking one step: ``ok`` and a short ``reason``."""

    index: int
    step: Step
    ok: bool
    reason: str


class Derivation:
    r"""A titled, ordered list of :class:`Step` objects that SymPy can check.

    Build one with :meth:`define`, :meth:`equal`, :meth:`then`, :meth:`bound`
    and :meth:`solve` (each returns the derivation, so calls can be chained),
    or pass a list of steps.

    Parameters
    ----------
    title : str
        Shown in bold above the display (ASCII, ``$math$`` allowed).
    steps : iterable of Step, optional
    name : str, optional
        The function that built it (see :data:`ALL`).

    Examples
    --------
    >>> x = sp.Symbol("x", real=True)
    >>> d = Derivation("A square is not negative").bound(
    ...     sp.Integer(0), "<=", x**2, "a real number squared", certificate=x**2)
    >>> d.verify()
    True
    >>> d.to_latex(title=False)
    '\\begin{aligned}\n0 &\\le x^{2} && \\quad\\text{a real number squared}\n\\end{aligned}'
    """

    def __init__(self, title: str, steps=(), name: str = ""):
        self.title = _check_text(title, "title")
        self.name = name
        self.steps: list[Step] = []
        for step in steps:
            self.append(step)

    # ---- building -------------------------------------------------------

    def append(self, step: Step) -> "Derivation":
        """Add a :class:`Step` (a chained step needs a previous step)."""
        if not isinstance(step, Step):
            raise TypeError(f"expected a Step, got {type(step).__name__}")
        if step.lhs is None and not self.steps:
            raise ValueError("the first step cannot continue a chain (lhs=None)")
        self.steps.append(step)
        return self

    def define(self, lhs, rhs, why, **kw) -> "Derivation":
        """Add ``lhs := rhs``; later steps may use ``lhs`` as an abbreviation."""
        return self.append(Step(lhs, rhs, why, relation=":=", method="definition", **kw))

    def equal(self, lhs, rhs, why, **kw) -> "Derivation":
        """Add the identity ``lhs = rhs``."""
        return self.append(Step(lhs, rhs, why, **kw))

    def then(self, rhs, why, relation="=", **kw) -> "Derivation":
        """Continue the chain: ``(previous rhs) relation rhs``."""
        return self.append(Step(None, rhs, why, relation=relation, **kw))

    def bound(self, lhs, relation, rhs, why, **kw) -> "Derivation":
        """Add the inequality ``lhs <= rhs`` or ``lhs >= rhs``."""
        if relation not in ("<=", ">="):
            raise ValueError(f"bound() takes '<=' or '>=', got {relation!r}")
        return self.append(Step(lhs, rhs, why, relation=relation, **kw))

    def solve(self, target, value, equation, why, **kw) -> "Derivation":
        """Add ``target = value``, proved by solving ``equation`` for ``target``."""
        return self.append(Step(target, value, why, method="solve", equation=equation, **kw))

    def replaced(self, index: int, **changes) -> "Derivation":
        """A copy with ``steps[index]`` changed (used to plant a wrong step)."""
        steps = list(self.steps)
        steps[index] = dataclasses.replace(steps[index], **changes)
        return Derivation(self.title, steps, self.name)

    # ---- reading --------------------------------------------------------

    def __iter__(self) -> Iterator[Step]:
        return iter(self.steps)

    def __len__(self) -> int:
        return len(self.steps)

    def __getitem__(self, index):
        return self.steps[index]

    def sides(self) -> list[tuple]:
        """``(lhs, relation, rhs)`` of every step, chains resolved."""
        out, previous = [], None
        for step in self.steps:
            lhs = previous if step.lhs is None else step.lhs
            out.append((lhs, step.relation, step.rhs))
            previous = step.rhs
        return out

    # ---- checking -------------------------------------------------------

    def check(self) -> list[StepCheck]:
        """Check every step; return one :class:`StepCheck` per step."""
        definitions: list[tuple] = []
        results = []
        for index, (step, (lhs, _, rhs)) in enumerate(zip(self.steps, self.sides())):
            try:
                ok, reason = _check_step(step, lhs, rhs, definitions)
            except Exception as exc:  # a SymPy failure is a failed proof
                ok, reason = False, f"SymPy raised {type(exc).__name__}: {exc}"
            results.append(StepCheck(index, step, ok, reason))
            if step.method == "definition":
                definitions.extend(_definition_pairs(step.lhs, step.rhs, step.instances))
        return results

    def verify(self, raise_error: bool = False) -> bool:
        """True iff SymPy proves every step.

        With ``raise_error=True`` a failure raises :class:`DerivationError`
        naming the first step that does not follow.
        """
        for result in self.check():
            if not result.ok:
                if raise_error:
                    lhs, rel, rhs = self.sides()[result.index]
                    raise DerivationError(
                        f"{self.title}: step {result.index} "
                        f"({sp.sstr(lhs)} {rel} {sp.sstr(rhs)}; {result.step.why}) "
                        f"does not follow: {result.reason}"
                    )
                return False
        return True

    # ---- display --------------------------------------------------------

    def to_latex(self, title: bool = True) -> str:
        r"""The derivation as ``\begin{aligned} ... \end{aligned}``.

        One row per step: ``lhs & relation rhs && \text{why}``; assumptions
        follow the justification in brackets, and steps checked on instances
        say for which ones.
        """
        rows = []
        for step in self.steps:
            left = "" if step.lhs is None else _latex(step.lhs)
            note = rf"\text{{{step.why}}}"
            extras = [_predicate_latex(p) for p in step.assume]
            if extras:
                note += r"\ \left[" + r",\ ".join(extras) + r"\right]"
            if step.instances:
                note += r"\ \text{(checked for " + _instances_text(step.instances) + ")}"
            rows.append(f"{left} &{_RELATIONS[step.relation]} {_latex(step.rhs)} && \\quad{note}")
        body = "\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}"
        if title:
            body = (
                r"\begin{array}{l}" + rf"\textbf{{{self.title}}}\\[4pt]" + "\n"
                + body + "\n" + r"\end{array}"
            )
        return body

    def _repr_latex_(self) -> str:
        return "$$" + self.to_latex() + "$$"

    def to_markdown(self) -> str:
        """A MyST Markdown block: bold title and a ``$$`` display."""
        return f"**{self.title}**\n\n$$\n{self.to_latex(title=False)}\n$$\n"

    def __str__(self) -> str:
        lines = [self.title]
        for step, (lhs, rel, rhs) in zip(self.steps, self.sides()):
            lines.append(f"  {sp.sstr(lhs)} {rel} {sp.sstr(rhs)}    [{step.why}]")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<Derivation {self.name or self.title!r}: {len(self.steps)} steps>"


def _instances_text(instances) -> str:
    keys = list(instances[0])
    parts = []
    for key in keys:
        values = [inst[key] for inst in instances]
        parts.append(f"${_latex(key)} = " + ", ".join(_latex(v) for v in values) + "$")
    return "; ".join(parts)


# --------------------------------------------------------------------------
# The checker
# --------------------------------------------------------------------------


def _definition_pairs(lhs, rhs, instances=()):
    """(key, value) pairs a ``:=`` step registers."""
    if instances:
        pairs = []
        for inst in instances:
            pairs.extend(_definition_pairs(_subs(lhs, inst), _subs(rhs, inst)))
        return pairs
    if isinstance(lhs, MatrixBase):
        if not isinstance(rhs, MatrixBase) or lhs.shape != rhs.shape:
            raise ValueError("a matrix definition needs a matrix of the same shape")
        pairs = []
        for key, value in zip(lhs, rhs):
            pairs.extend(_definition_pairs(key, value))
        return pairs
    if isinstance(lhs, sp.Function) and isinstance(lhs.func, UndefinedFunction | type) and not isinstance(
        lhs, (Expectation, Variance)
    ):
        if all(isinstance(a, sp.Symbol) for a in lhs.args) and lhs.func not in _KNOWN_FUNCS:
            return [(lhs.func, sp.Lambda(lhs.args, rhs))]
    return [(lhs, rhs)]


_KNOWN_FUNCS = {sp.exp, sp.log, sp.tanh, sp.sin, sp.cos, sp.Abs, sp.Max, sp.Min}


def _subs(expr, mapping):
    if not mapping:
        return expr
    return expr.subs(mapping)


def _apply_pairs(expr, pairs):
    """Substitute (key, value) pairs, last definition first."""
    for key, value in reversed(pairs):
        if isinstance(key, type):
            expr = expr.replace(key, value)
        else:
            expr = expr.subs(key, value)
    return expr


def _given_pairs(given):
    pairs = []
    for eq in given:
        pairs.extend(_definition_pairs(eq.lhs, eq.rhs))
    return pairs


def _symbol_assumptions(assume):
    """Split predicates into a symbol -> Dummy map and the remaining facts."""
    props: dict = {}
    others = []
    for pred in assume:
        name = _predicate_name(pred)
        args = pred.arguments
        if (
            name in ("positive", "negative", "nonnegative", "nonpositive", "real", "integer", "nonzero")
            and len(args) == 1
            and isinstance(args[0], sp.Symbol)
        ):
            props.setdefault(args[0], {})[name] = True
        else:
            others.append(pred)
    mapping = {}
    for sym, extra in props.items():
        base = {k: v for k, v in sym.assumptions0.items() if k in ("real", "positive", "integer", "nonnegative")}
        base.update(extra)
        mapping[sym] = sp.Dummy(sym.name, **base)
    facts = sp.And(*[p.xreplace(mapping) for p in others]) if others else True
    return mapping, facts


def _prepare(expr, step, definitions, inst, mapping):
    expr = _subs(expr, inst)
    given = _given_pairs(step.given)
    expr = _apply_pairs(expr, given)
    expr = _apply_pairs(expr, definitions)
    expr = _apply_pairs(expr, given)
    expr = expr.xreplace(mapping)
    expr = expr.doit()
    expr = _apply_pairs(expr, [(k.xreplace(mapping) if not isinstance(k, type) else k,
                                v.xreplace(mapping)) for k, v in given])
    return expr.doit()


def _simplifiers():
    return (
        lambda e: e,
        sp.expand,
        sp.cancel,
        sp.simplify,
        lambda e: sp.simplify(e.rewrite(sp.exp)),
        lambda e: sp.simplify(sp.expand_log(sp.expand(e))),
        lambda e: sp.simplify(sp.powsimp(sp.expand(e))),
    )


def _is_zero(expr, facts) -> bool:
    if isinstance(expr, MatrixBase):
        return all(_is_zero(entry, facts) for entry in expr)
    expr = sp.sympify(expr)
    for simplify in _simplifiers():
        try:
            value = simplify(expr)
            if facts is not True:
                value = sp.refine(value, facts)
        except Exception:
            continue
        if value == 0 or value.is_zero is True:
            return True
    return False


def _is_nonnegative(expr, facts) -> bool:
    expr = sp.sympify(expr)
    for simplify in (lambda e: e, sp.simplify, sp.factor, lambda e: sp.together(sp.expand(e))):
        try:
            value = simplify(expr)
            if facts is not True:
                value = sp.refine(value, facts)
        except Exception:
            continue
        if value.is_nonnegative is True:
            return True
        num, den = sp.fraction(sp.together(value))
        num, den = sp.expand(num), sp.expand(den)
        if num.is_nonnegative is True and den.is_positive is True:
            return True
        if facts is not True and sp.ask(Q.nonnegative(value), facts) is True:
            return True
    return False


def _check_step(step: Step, lhs, rhs, definitions) -> tuple[bool, str]:
    if step.method == "definition":
        return True, "definition"
    mapping, facts = _symbol_assumptions(step.assume)
    for inst in step.instances or ({},):
        where = f" for {inst}" if inst else ""
        L = _prepare(lhs, step, definitions, inst, mapping)
        R = _prepare(rhs, step, definitions, inst, mapping)
        if step.method == "solve":
            ok, reason = _check_solve(step, L, R, definitions, inst, mapping, facts)
            if not ok:
                return False, reason + where
            continue
        if step.relation == "=":
            diff = L - R
            if step.hint is not None:
                diff = _prepare(step.hint(diff), step, definitions, inst, mapping)
            if not _is_zero(diff, facts):
                return False, f"lhs - rhs does not simplify to 0{where}"
        else:
            gap = R - L if step.relation == "<=" else L - R
            if step.hint is not None:
                gap = _prepare(step.hint(gap), step, definitions, inst, mapping)
            if step.certificate is not None:
                cert = _prepare(step.certificate, step, definitions, inst, mapping)
                if not _is_zero(gap - cert, facts):
                    return False, f"the certificate is not equal to the gap{where}"
                if not _is_nonnegative(cert, facts):
                    return False, f"SymPy cannot see that the certificate is >= 0{where}"
            elif not _is_nonnegative(gap, facts):
                return False, f"SymPy cannot show the gap is >= 0{where}"
    return True, "proved"


def _check_solve(step, L, R, definitions, inst, mapping, facts):
    eq = step.equation
    left = _prepare(eq.lhs, step, definitions, inst, mapping)
    right = _prepare(eq.rhs, step, definitions, inst, mapping)
    target = L
    if isinstance(target, sp.Symbol):
        unknown, equation = target, sp.Eq(left, right)
    else:
        unknown = sp.Dummy("X", positive=bool(target.is_positive), real=bool(target.is_real))
        equation = sp.Eq(left.subs(target, unknown), right.subs(target, unknown))
    solutions = sp.solve(equation, unknown, dict=False)
    if not solutions:
        return False, "sympy.solve finds no solution"
    for sol in solutions:
        if not _is_zero(sol - R, facts):
            return False, f"sympy.solve also finds {sol}"
    return True, "solved"


# --------------------------------------------------------------------------
# Named symbols shared by the derivations
# --------------------------------------------------------------------------

_SYMBOL_LATEX: dict = {}


def _sym(name: str, latex: str | None = None, **assumptions) -> sp.Symbol:
    s = sp.Symbol(name, **assumptions)
    if latex is not None:
        _SYMBOL_LATEX[s] = latex
    return s


sigma = sp.Function("sigma")  #: the logistic sigmoid (defined inside each derivation)
sigma_prime = display_function("sigma_prime", r"\sigma'")


def _logistic(u):
    return 1 / (1 + sp.exp(-u))


def _reflect_integrals(variable):
    r"""Hint: rewrite each :math:`\int_a^b f(u)\,du` as :math:`\int_{-b}^{-a} f(-u)\,du`."""

    def hint(expr):
        def flip(integral):
            (var, a, b), = integral.limits
            if var != variable or a != -sp.oo or b != 0:
                return integral
            return sp.Integral(integral.function.subs(var, -var), (var, -b, -a))

        return expr.replace(lambda e: isinstance(e, sp.Integral), flip)

    return hint


def _split_at_zero(variable):
    r"""Hint: :math:`\int_{-\infty}^{\infty} = \int_{-\infty}^{0} + \int_{0}^{\infty}`."""

    def hint(expr):
        def split(integral):
            (var, a, b), = integral.limits
            if var != variable or a != -sp.oo or b != sp.oo:
                return integral
            f = integral.function
            return sp.Integral(f, (var, -sp.oo, 0)) + sp.Integral(f, (var, 0, sp.oo))

        return expr.replace(lambda e: isinstance(e, sp.Integral), split)

    return hint


# --------------------------------------------------------------------------
# The derivations of the course
# --------------------------------------------------------------------------


def sigmoid_from_log_odds() -> Derivation:
    r"""Where the sigmoid comes from: solve the log-odds for the probability.

    .. math::
        z = \log\frac{p}{1-p} \iff p = \frac{1}{1+e^{-z}} = \sigma(z),
        \qquad 0 < p < 1.

    Returns
    -------
    Derivation

    Examples
    --------
    >>> sigmoid_from_log_odds().verify()
    True
    """
    p = _sym("p")
    o = _sym("o", r"\operatorname{odds}")
    z = _sym("z")
    unit = (Q.positive(p), Q.lt(p, 1))
    d = Derivation("The sigmoid is the inverse of the log-odds", name="sigmoid_from_log_odds")
    d.define(o, p / (1 - p), "odds: how many times likelier $y = 1$ is than $y = 0$")
    d.define(z, sp.log(o), "log-odds (logit): ranges over all real numbers")
    d.equal(sp.exp(z), p / (1 - p), "exponentiate both sides", assume=unit)
    d.equal(p, sp.exp(z) * (1 - p), "multiply by $1 - p$, which is not 0", assume=unit)
    d.equal(p * (1 + sp.exp(z)), sp.exp(z), "collect the terms in $p$", assume=unit)
    d.equal(p, sp.exp(z) / (1 + sp.exp(z)), "divide by $1 + e^{z} > 0$", assume=unit)
    d.then(1 / (1 + sp.exp(-z)), "divide numerator and denominator by $e^{z}$", assume=unit)
    d.then(sigma(z), "this function is the logistic sigmoid", assume=unit,
           given=(sp.Eq(sigma(z), _logistic(z)),))
    u = _sym("u", real=True)
    d.equal(sp.log(sigma(u) / (1 - sigma(u))), u,
            "conversely the log-odds of $\\sigma(u)$ is $u$: the two maps are inverse",
            assume=(Q.real(u),), given=(sp.Eq(sigma(u), _logistic(u)),))
    return d


def sigmoid_derivative() -> Derivation:
    r"""The derivative of the sigmoid and its maximum 1/4.

    .. math::
        \sigma'(z) = \sigma(z)\,(1-\sigma(z)) \le \tfrac14 = \sigma'(0),
        \quad\text{because}\quad \tfrac14 - s(1-s) = (s-\tfrac12)^2 \ge 0.

    Returns
    -------
    Derivation

    Examples
    --------
    >>> sigmoid_derivative().verify()
    True
    """
    z = _sym("z", real=True)
    d = Derivation("The sigmoid's derivative is at most 1/4", name="sigmoid_derivative")
    d.define(sigma(z), _logistic(z), "the logistic sigmoid")
    d.equal(sp.Derivative(sigma(z), z), sp.exp(-z) / (1 + sp.exp(-z)) ** 2,
            "chain rule on $(1 + e^{-z})^{-1}$")
    d.then(sp.Mul(1 / (1 + sp.exp(-z)), sp.exp(-z) / (1 + sp.exp(-z)), evaluate=False),
           "split the square")
    d.then(sigma(z) * (1 - sigma(z)),
           "since $e^{-z}/(1 + e^{-z}) = 1 - \\sigma(z)$")
    d.equal(sp.Derivative(sigma(z), (z, 2)), sp.Derivative(sigma(z), z) * (1 - 2 * sigma(z)),
            "product rule on $\\sigma(1 - \\sigma)$")
    d.equal(sigma(0), sp.Rational(1, 2), "$e^{0} = 1$")
    d.equal(sp.Subs(sp.Derivative(sigma(z), (z, 2)), z, 0), 0,
            "$1 - 2\\sigma(z) = 0$ only at $z = 0$: the only critical point")
    d.equal(sp.Subs(sp.Derivative(sigma(z), z), z, 0), sp.Rational(1, 4),
            "value at the critical point: $\\frac12 (1 - \\frac12)$")
    d.bound(sigma(z) * (1 - sigma(z)), "<=", sp.Rational(1, 4),
            "complete the square (or AM-GM for $s$ and $1 - s$)",
            certificate=(sigma(z) - sp.Rational(1, 2)) ** 2)
    d.bound(sp.Derivative(sigma(z), z), "<=", sp.Rational(1, 4),
            "so the maximum slope is 1/4, reached only at $z = 0$",
            certificate=(sigma(z) - sp.Rational(1, 2)) ** 2)
    return d


def tanh_from_sigmoid() -> Derivation:
    r"""tanh is a shifted and rescaled sigmoid: :math:`\tanh x = 2\sigma(2x) - 1`.

    Returns
    -------
    Derivation

    Examples
    --------
    >>> tanh_from_sigmoid().verify()
    True
    """
    x = _sym("x", real=True)
    d = Derivation("tanh is a rescaled sigmoid", name="tanh_from_sigmoid")
    d.define(sigma(x), _logistic(x), "the logistic sigmoid")
    d.equal(sp.tanh(x), (sp.exp(x) - sp.exp(-x)) / (sp.exp(x) + sp.exp(-x)),
            "definition of tanh")
    d.then((1 - sp.exp(-2 * x)) / (1 + sp.exp(-2 * x)),
           "multiply numerator and denominator by $e^{-x}$")
    d.then(2 / (1 + sp.exp(-2 * x)) - 1, "write $1 - e^{-2x} = 2 - (1 + e^{-2x})$")
    d.then(2 * sigma(2 * x) - 1, "recognise $\\sigma(2x)$")
    d.equal(sigma(x), (1 + sp.tanh(x / 2)) / 2, "solved the other way round")
    return d


def tanh_derivative() -> Derivation:
    r"""The derivative of tanh, :math:`1 - \tanh^2`, and its maximum 1 at 0.

    Returns
    -------
    Derivation

    Examples
    --------
    >>> tanh_derivative().verify()
    True
    """
    x = _sym("x", real=True)
    d = Derivation("The derivative of tanh is at most 1", name="tanh_derivative")
    d.define(sigma(x), _logistic(x), "the logistic sigmoid")
    d.equal(sp.Derivative(sp.tanh(x), x), 1 - sp.tanh(x) ** 2, "quotient rule")
    d.then(1 / sp.cosh(x) ** 2, "$\\cosh^2 - \\sinh^2 = 1$")
    d.equal(sp.Derivative(sp.tanh(x), x), 4 * sp.Subs(sp.Derivative(sigma(x), x), x, 2 * x),
            "differentiate $2\\sigma(2x) - 1$: four times a sigmoid slope")
    d.equal(sp.Subs(sp.Derivative(sp.tanh(x), (x, 2)), x, 0), 0,
            "$-2\\tanh x\\,(1 - \\tanh^2 x)$ vanishes only at $x = 0$")
    d.equal(sp.Subs(sp.Derivative(sp.tanh(x), x), x, 0), 1, "$\\tanh 0 = 0$")
    d.bound(sp.Derivative(sp.tanh(x), x), "<=", 1,
            "$\\tanh^2 x \\ge 0$: slope at most 1, four times the sigmoid's 1/4",
            certificate=sp.tanh(x) ** 2)
    return d


def softmax_jacobian() -> Derivation:
    r"""The Jacobian of softmax: :math:`\partial s_i/\partial z_j = s_i(\delta_{ij} - s_j)`.

    Checked for a symbolic 3-vector; in matrix form
    :math:`J = \operatorname{diag}(s) - s s^\top`.

    Returns
    -------
    Derivation

    Examples
    --------
    >>> softmax_jacobian().verify()
    True
    """
    z = [_sym(f"z_{i}", real=True) for i in (1, 2, 3)]
    s = [display_function(f"s_{i}", f"s_{{{i}}}", show_args=False)(*z) for i in (1, 2, 3)]
    total = sum(sp.exp(zi) for zi in z)
    S = sp.Matrix(s)
    J = sp.MatrixSymbol("J", 3, 3)
    d = Derivation("The softmax Jacobian is diag(s) - s s^T", name="softmax_jacobian")
    d.define(S, sp.Matrix([sp.exp(zi) / total for zi in z]),
             "softmax of a 3-vector $z$")
    d.equal(sp.Derivative(s[0], z[0]), s[0] * (1 - s[0]), "quotient rule, $i = j$")
    d.equal(sp.Derivative(s[0], z[1]), -s[0] * s[1], "quotient rule, $i \\ne j$")
    d.define(J, sp.Matrix(3, 3, lambda i, j: sp.Derivative(s[i], z[j])),
             "the Jacobian, row $i$ = output, column $j$ = input")
    d.equal(J, sp.Matrix(3, 3, lambda i, j: s[i] * (sp.KroneckerDelta(i, j) - s[j])),
            "entry $(i, j)$ is $s_i (\\delta_{ij} - s_j)$, i.e. $J = diag(s) - s s^T$")
    d.equal(J * sp.ones(3, 1), sp.zeros(3, 1),
            "rows sum to 0: adding a constant to every $z_j$ changes nothing")
    return d


def vanishing_gradient_product(depth: int = 3) -> Derivation:
    r"""Backprop through a scalar chain is a product of ``depth`` local factors.

    For :math:`z_k = w_k a_{k-1} + b_k`, :math:`a_k = \sigma(z_k)`,
    :math:`k = 1..L`:

    .. math::
        \frac{\partial a_L}{\partial a_0} = \prod_{k=1}^{L} w_k\,\sigma'(z_k),
        \qquad
        \frac{\partial a_L}{\partial w_1}
        = a_0\,\sigma'(z_1) \prod_{k=2}^{L} w_k\,\sigma'(z_k),

    and for the logistic sigmoid (:math:`0 < \sigma' \le 1/4`) with
    :math:`|w_k| \le m`: :math:`|\partial a_L / \partial a_0| \le (m/4)^L`.

    Parameters
    ----------
    depth : int
        Number of layers :math:`L` (1 to 8; the product is checked against
        SymPy's differentiation of the composed function).

    Returns
    -------
    Derivation

    Notes
    -----
    The product identities hold for any differentiable activation; only the
    bound uses the sigmoid. :math:`\partial a_L/\partial b_1` equals
    :math:`\partial a_L/\partial z_1` because :math:`\partial z_1/\partial b_1 = 1`.
    Seed 001, eq. (23), is the second formula with an output weight
    :math:`\alpha` and :math:`x = a_0`; its ranges (weights from 2, slopes from
    1) and its factor :math:`x` are right.

    Examples
    --------
    >>> vanishing_gradient_product(2).verify()
    True
    """
    if isinstance(depth, bool) or not isinstance(depth, int) or not 1 <= depth <= 8:
        raise ValueError(f"depth must be an integer from 1 to 8, got {depth!r}")
    L = depth
    a = [_sym(f"a_{k}", real=True) for k in range(L + 1)]
    z = [None] + [_sym(f"z_{k}", real=True) for k in range(1, L + 1)]
    w = [None] + [_sym(f"w_{k}", real=True) for k in range(1, L + 1)]
    b = [None] + [_sym(f"b_{k}", real=True) for k in range(1, L + 1)]
    u = _sym("u", real=True)
    d = Derivation(f"Gradients through {L} sigmoid layers multiply", name="vanishing_gradient_product")
    d.define(sigma_prime(u), sp.Derivative(sigma(u), u), "slope of the activation")
    for k in range(1, L + 1):
        d.define(z[k], w[k] * a[k - 1] + b[k], f"pre-activation of layer {k}")
        d.define(a[k], sigma(z[k]), f"activation of layer {k}")
    chain = sp.Mul(*[sp.Derivative(a[k], a[k - 1]) for k in range(L, 0, -1)], evaluate=False)
    d.equal(sp.Derivative(a[L], a[0]), chain, "chain rule, one factor per layer")
    product = sp.Mul(*[w[k] * sigma_prime(z[k]) for k in range(1, L + 1)])
    d.then(product, "each local factor is $w_k \\sigma'(z_k)$")
    tail = sp.Mul(*[w[k] * sigma_prime(z[k]) for k in range(2, L + 1)])
    d.equal(sp.Derivative(a[L], w[1]), a[0] * sigma_prime(z[1]) * tail,
            "same chain, but the first factor is $\\partial z_1/\\partial w_1 = a_0$")
    d.equal(sp.Derivative(a[L], b[1]), sigma_prime(z[1]) * tail,
            "$= \\partial a_L/\\partial z_1$, as $\\partial z_1/\\partial b_1 = 1$")
    d.equal(sp.Derivative(a[L], a[0]),
            sp.Mul(*[w[k] * sigma(z[k]) * (1 - sigma(z[k])) for k in range(1, L + 1)]),
            "for the logistic sigmoid, $\\sigma' = \\sigma (1 - \\sigma)$",
            given=(sp.Eq(sigma(u), _logistic(u)),))
    m = _sym("m", nonnegative=True)
    r = [None] + [_sym(f"r_{k}", nonnegative=True) for k in range(1, L + 1)]
    q = [None] + [_sym(f"q_{k}", nonnegative=True) for k in range(1, L + 1)]
    facts = []
    for k in range(1, L + 1):
        facts.append(sp.Eq(sigma_prime(z[k]), sp.Rational(1, 4) / (1 + r[k])))
        facts.append(sp.Eq(sp.Abs(w[k]), m / (1 + q[k])))
    d.bound(sp.Abs(product), "<=", (m / 4) ** L,
            "$0 < \\sigma' \\le 1/4$ and $|w_k| \\le m$, written as "
            "$\\sigma'(z_k) = \\frac14/(1 + r_k)$, $|w_k| = m/(1 + q_k)$",
            given=tuple(facts),
            assume=(Q.nonnegative(m),) + tuple(Q.nonnegative(r[k]) for k in range(1, L + 1))
            + tuple(Q.nonnegative(q[k]) for k in range(1, L + 1)))
    return d


def _xavier_common(n, fan_name):
    w, x = sp.IndexedBase("w"), sp.IndexedBase("x")
    i = sp.Symbol("i", integer=True, positive=True)
    y = _sym("y")
    mu_w, mu_x = mean_symbol("w"), mean_symbol("x")
    s_w, s_x = std_symbol("w"), std_symbol("x")
    rv = (w, x)
    cases = tuple({n: k} for k in range(1, 6))
    return w, x, i, y, mu_w, mu_x, s_w, s_x, rv, cases


def xavier_forward() -> Derivation:
    r"""Forward variance of a linear unit: :math:`\operatorname{Var}(y) = n_{in}\operatorname{Var}(w)\operatorname{Var}(x)`.

    For :math:`y = \sum_{i=1}^{n_{in}} w_i x_i` with all :math:`w_i, x_i`
    independent, the :math:`w_i` identically distributed (mean
    :math:`\mu_w`, variance :math:`\sigma_w^2`) and likewise the :math:`x_i`:

    .. math::
        \operatorname{Var}(y) = n_{in}\,(\sigma_w^2\sigma_x^2 + \sigma_w^2\mu_x^2
        + \mu_w^2\sigma_x^2),

    which is :math:`n_{in}\sigma_w^2\,\mathbb{E}[x^2]` for zero-mean weights
    and :math:`n_{in}\sigma_w^2\sigma_x^2` when the inputs are zero-mean too.
    Keeping :math:`\operatorname{Var}(y) = \operatorname{Var}(x)` needs
    :math:`\sigma_w^2 = 1/n_{in}`.

    Returns
    -------
    Derivation

    Notes
    -----
    The expectation steps are checked for :math:`n_{in} = 1, \dots, 5` (both
    sides are polynomials of degree at most 2 in :math:`n_{in}`, so three
    values already force the identity).

    Examples
    --------
    >>> xavier_forward().verify()
    True
    """
    n = _sym("n_in", r"n_{\mathrm{in}}", positive=True, integer=True)
    w, x, i, y, mu_w, mu_x, s_w, s_x, rv, cases = _xavier_common(n, "n_in")
    d = Derivation("Forward pass: variance of a weighted sum", name="xavier_forward")
    d.define(y, sp.Sum(w[i] * x[i], (i, 1, n)), "one pre-activation with $n_{in}$ inputs")
    d.equal(Expectation(y, rv), n * mu_w * mu_x,
            "linearity; $w_i$ independent of $x_i$")
    d.equal(Variance(y, rv), n * (s_w**2 * s_x**2 + s_w**2 * mu_x**2 + mu_w**2 * s_x**2),
            "independent terms: variances add; identically distributed", instances=cases)
    d.equal(Variance(y, rv), n * s_w**2 * Expectation(x[1] ** 2, rv),
            "zero-mean weights; the inputs may have any mean (He's case)",
            given=(sp.Eq(mu_w, 0),), instances=cases)
    d.then(n * s_w**2 * (s_x**2 + mu_x**2), "$E[x^2] = Var(x) + E[x]^2$")
    d.equal(Variance(y, rv), n * s_w**2 * s_x**2,
            "zero-mean inputs too (Glorot: tanh is odd and linear near 0)",
            given=(sp.Eq(mu_w, 0), sp.Eq(mu_x, 0)), instances=cases)
    d.solve(s_w**2, 1 / n, sp.Eq(n * s_w**2 * s_x**2, s_x**2),
            "ask for $Var(y) = Var(x)$ and solve for $Var(w)$")
    return d


def xavier_backward() -> Derivation:
    r"""Backward variance: :math:`\operatorname{Var}(\partial L/\partial x) = n_{out}\operatorname{Var}(w)\operatorname{Var}(\partial L/\partial y)`.

    Input :math:`x_i` feeds the :math:`n_{out}` outputs
    :math:`y_j = \sum_i w_{ji} x_i + b_j`, so
    :math:`\partial L/\partial x_i = \sum_{j=1}^{n_{out}} w_{ji}\,\delta_j` with
    :math:`\delta_j = \partial L/\partial y_j`. With zero-mean, independent,
    identically distributed weights and upstream gradients the variance is
    :math:`n_{out}\sigma_w^2\sigma_\delta^2`, and keeping it needs
    :math:`\sigma_w^2 = 1/n_{out}`.

    Returns
    -------
    Derivation

    Notes
    -----
    Independence of :math:`w` and :math:`\delta` is Glorot & Bengio's
    simplifying assumption (:math:`\delta` depends on the later layers'
    weights, not on this one's, in the linear regime).

    Examples
    --------
    >>> xavier_backward().verify()
    True
    """
    n = _sym("n_out", r"n_{\mathrm{out}}", positive=True, integer=True)
    w, delta = sp.IndexedBase("w"), sp.IndexedBase("delta")
    j = sp.Symbol("j", integer=True, positive=True)
    g = _sym("g_x", r"\frac{\partial L}{\partial x_i}")
    rv = (w, delta)
    mu_w, mu_d = mean_symbol("w"), mean_symbol("delta")
    s_w, s_d = std_symbol("w"), std_symbol("delta")
    cases = tuple({n: k} for k in range(1, 6))
    d = Derivation("Backward pass: variance of a backpropagated gradient", name="xavier_backward")
    d.define(g, sp.Sum(w[j] * delta[j], (j, 1, n)),
             "chain rule through $y_j = \\sum_i w_{ji} x_i + b_j$; $\\delta_j = \\partial L/\\partial y_j$")
    d.equal(Variance(g, rv), n * (s_w**2 * s_d**2 + s_w**2 * mu_d**2 + mu_w**2 * s_d**2),
            "same algebra as the forward pass, with $n_{out}$ terms", instances=cases)
    d.equal(Variance(g, rv), n * s_w**2 * s_d**2,
            "zero-mean weights and upstream gradients",
            given=(sp.Eq(mu_w, 0), sp.Eq(mu_d, 0)), instances=cases)
    d.solve(s_w**2, 1 / n, sp.Eq(n * s_w**2 * s_d**2, s_d**2),
            "ask for $Var(\\partial L/\\partial x) = Var(\\partial L/\\partial y)$")
    return d


def xavier_compromise() -> Derivation:
    r"""Glorot's compromise :math:`\operatorname{Var}(w) = 2/(n_{in}+n_{out})` and its uniform bound.

    The forward pass wants :math:`1/n_{in}`, the backward pass
    :math:`1/n_{out}`; their harmonic mean is :math:`2/(n_{in}+n_{out})`.
    :math:`U[-a, a]` has variance :math:`a^2/3`, so
    :math:`a = \sqrt{6/(n_{in}+n_{out})}`.

    Returns
    -------
    Derivation

    Examples
    --------
    >>> xavier_compromise().verify()
    True
    """
    n_in = _sym("n_in", r"n_{\mathrm{in}}", positive=True, integer=True)
    n_out = _sym("n_out", r"n_{\mathrm{out}}", positive=True, integer=True)
    v_f = _sym("v_fwd", r"\sigma^2_{\mathrm{fwd}}")
    v_b = _sym("v_bwd", r"\sigma^2_{\mathrm{bwd}}")
    s_w = std_symbol("w")
    a = _sym("a", positive=True)
    u = _sym("u", real=True)
    d = Derivation("Glorot's compromise between the two passes", name="xavier_compromise")
    d.define(v_f, 1 / n_in, "what the forward pass asks for")
    d.define(v_b, 1 / n_out, "what the backward pass asks for")
    d.equal(2 / (1 / v_f + 1 / v_b), 2 / (n_in + n_out),
            "their harmonic mean: one over the average fan")
    d.equal(sp.Integral(u / (2 * a), (u, -a, a)), 0, "$U[-a, a]$ has density $1/(2a)$ and mean 0")
    d.equal(sp.Integral(u**2 / (2 * a), (u, -a, a)), a**2 / 3,
            "so its variance is $E[u^2] = a^2/3$")
    d.solve(a, sp.sqrt(6 / (n_in + n_out)), sp.Eq(a**2 / 3, 2 / (n_in + n_out)),
            "match the variances, $a > 0$: Glorot's uniform bound")
    d.solve(s_w, sp.sqrt(2 / (n_in + n_out)), sp.Eq(s_w**2, 2 / (n_in + n_out)),
            "standard deviation for the normal version")
    return d


def he_relu_second_moment() -> Derivation:
    r"""For :math:`z` symmetric about 0, :math:`\mathbb{E}[\mathrm{relu}(z)^2] = \operatorname{Var}(z)/2`.

    Proved with SymPy's integration for a normal :math:`z`, checked for a
    Laplace and a uniform :math:`z`, and argued for any even density
    :math:`p`: the substitution :math:`u \to -u` shows the two half-line
    integrals of :math:`u^2 p(u)` are equal, and relu keeps exactly one.

    Returns
    -------
    Derivation

    Examples
    --------
    >>> he_relu_second_moment().verify()
    True
    """
    u = _sym("u", real=True)
    s = _sym("s", positive=True)
    bl = _sym("b", positive=True)
    a = _sym("a", positive=True)
    p = sp.Function("p")
    phi = sp.exp(-(u**2) / (2 * s**2)) / (s * sp.sqrt(2 * sp.pi))
    relu2 = sp.Max(0, u) ** 2
    d = Derivation("A relu keeps half of the second moment", name="he_relu_second_moment")
    d.equal(sp.Integral(relu2 * phi, (u, -sp.oo, sp.oo)), sp.Integral(u**2 * phi, (u, 0, sp.oo)),
            "$z \\sim N(0, s^2)$; relu is 0 for $u < 0$")
    d.then(sp.Integral(u**2 * phi, (u, -sp.oo, sp.oo)) / 2, "the normal density is even")
    d.then(s**2 / 2, "$E[z^2] = Var(z) = s^2$ since $E[z] = 0$")
    lap = sp.exp(-sp.Abs(u) / bl) / (2 * bl)
    d.equal(sp.Integral(relu2 * lap, (u, -sp.oo, sp.oo)), (2 * bl**2) / 2,
            "the same for a Laplace $z$ (variance $2b^2$)")
    d.equal(sp.Integral(relu2 / (2 * a), (u, -a, a)), (a**2 / 3) / 2,
            "and for a uniform $z$ on $[-a, a]$ (variance $a^2/3$)")
    left = sp.Integral(u**2 * p(u), (u, -sp.oo, 0))
    right = sp.Integral(u**2 * p(u), (u, 0, sp.oo))
    even = (sp.Eq(p(-u), p(u)),)
    d.equal(left, right, "any even density $p$: substitute $u \\to -u$",
            given=even, hint=_reflect_integrals(u))
    d.equal(right, sp.Integral(u**2 * p(u), (u, -sp.oo, sp.oo)) / 2,
            "relu keeps one of two equal halves: $E[relu(z)^2] = E[z^2]/2 = Var(z)/2$",
            given=(sp.Eq(left, right),), hint=_split_at_zero(u))
    return d


def he_init() -> Derivation:
    r"""He/Kaiming initialization: :math:`\operatorname{Var}(w) = 2/n_{in}` for relu layers.

    With zero-mean weights
    :math:`\operatorname{Var}(y_l) = n_{in}\sigma_w^2\,\mathbb{E}[x^2]`
    (:func:`xavier_forward`), and :math:`x = \mathrm{relu}(y_{l-1})` with
    :math:`y_{l-1}` symmetric about 0 has
    :math:`\mathbb{E}[x^2] = \operatorname{Var}(y_{l-1})/2`
    (:func:`he_relu_second_moment`). Keeping the variance needs
    :math:`\sigma_w^2 = 2/n_{in}`: a normal with std :math:`\sqrt{2/n_{in}}`,
    or :math:`U[-a, a]` with :math:`a = \sqrt{6/n_{in}}`.

    Returns
    -------
    Derivation

    Examples
    --------
    >>> he_init().verify()
    True
    """
    n = _sym("n_in", r"n_{\mathrm{in}}", positive=True, integer=True)
    w, x, i, y, mu_w, mu_x, s_w, s_x, rv, cases = _xavier_common(n, "n_in")
    V = _sym("V_prev", r"\operatorname{Var}(y_{l-1})", positive=True)
    a = _sym("a", positive=True)
    d = Derivation("He initialization for relu layers", name="he_init")
    d.define(y, sp.Sum(w[i] * x[i], (i, 1, n)),
             "$y_l$ from inputs $x_i = relu(y_{l-1,i})$, which are not zero-mean")
    d.equal(Variance(y, rv), n * s_w**2 * Expectation(x[1] ** 2, rv),
            "zero-mean weights, independent of the inputs",
            given=(sp.Eq(mu_w, 0),), instances=cases)
    d.then(n * s_w**2 * V / 2, "$E[x^2] = Var(y_{l-1})/2$ for $y_{l-1}$ symmetric about 0",
           given=(sp.Eq(Expectation(x[1] ** 2, rv), V / 2),))
    d.solve(s_w**2, 2 / n, sp.Eq(n * s_w**2 * V / 2, V), "ask for $Var(y_l) = Var(y_{l-1})$")
    d.solve(s_w, sp.sqrt(2 / n), sp.Eq(s_w**2, 2 / n), "standard deviation of the normal version")
    d.solve(a, sp.sqrt(6 / n), sp.Eq(a**2 / 3, 2 / n), "bound of the uniform version")
    return d


def leaky_relu_gain() -> Derivation:
    r"""Leaky relu with slope :math:`a`: :math:`\mathbb{E}[f(z)^2] = \tfrac{1+a^2}{2}\operatorname{Var}(z)`.

    Hence :math:`\operatorname{Var}(w) = 2/((1+a^2)\,n_{in})` and the gain
    (std times :math:`\sqrt{n_{in}}`) is :math:`\sqrt{2/(1+a^2)}`, PyTorch's
    ``calculate_gain("leaky_relu", a)``; :math:`a = 0` gives relu's
    :math:`\sqrt 2`.

    Returns
    -------
    Derivation

    Examples
    --------
    >>> leaky_relu_gain().verify()
    True
    """
    u = _sym("u", real=True)
    s = _sym("s", positive=True)
    a = _sym("a", nonnegative=True)
    n = _sym("n_in", r"n_{\mathrm{in}}", positive=True, integer=True)
    s_w = std_symbol("w")
    V = _sym("V_prev", r"\operatorname{Var}(y_{l-1})", positive=True)
    gain = _sym("gain", r"\mathrm{gain}", positive=True)
    phi = sp.exp(-(u**2) / (2 * s**2)) / (s * sp.sqrt(2 * sp.pi))
    leaky = sp.Piecewise((u, u > 0), (a * u, True))
    d = Derivation("Leaky relu: the gain sqrt(2/(1+a^2))", name="leaky_relu_gain")
    d.equal(sp.Integral(leaky**2 * phi, (u, -sp.oo, sp.oo)),
            sp.Integral(u**2 * phi, (u, 0, sp.oo)) + a**2 * sp.Integral(u**2 * phi, (u, -sp.oo, 0)),
            "$z \\sim N(0, s^2)$; slope 1 for $u > 0$, $a$ below")
    d.then((1 + a**2) * s**2 / 2, "each half carries $s^2/2$")
    d.solve(s_w**2, 2 / ((1 + a**2) * n), sp.Eq(n * s_w**2 * (1 + a**2) * V / 2, V),
            "keep the variance: $n_{in} Var(w) (1 + a^2)/2 = 1$")
    d.solve(gain, sp.sqrt(2 / (1 + a**2)), sp.Eq(gain**2 / n, 2 / ((1 + a**2) * n)),
            "gain := std times $\\sqrt{n_{in}}$")
    d.equal(sp.sqrt(2 / (1 + a**2)).subs(a, 0), sp.sqrt(2), "$a = 0$ is relu")
    return d


def _ema_definitions(d, v, g, beta, T, name="v"):
    t = _sym("t", positive=True, integer=True)
    d.define(v[0], 0, "start from rest")
    d.define(v[t], beta * v[t - 1] + (1 - beta) * g[t],
             "exponential moving average of the gradients $g_t$",
             instances=tuple({t: k} for k in range(1, T + 1)))
    return t


def momentum_unrolled(t_max: int = 4) -> Derivation:
    r"""Unroll the EMA momentum :math:`v_t = \beta v_{t-1} + (1-\beta) g_t`, :math:`v_0 = 0`.

    .. math::
        v_t = (1-\beta)\sum_{k=0}^{t-1}\beta^k g_{t-k}, \qquad
        (1-\beta)\sum_{k=0}^{t-1}\beta^k = 1 - \beta^t, \qquad
        \hat v_t = \frac{v_t}{1-\beta^t}.

    The weights sum to :math:`1 - \beta^t < 1`: early averages are biased
    toward the starting value 0, which the correction :math:`\hat v_t` removes.

    Parameters
    ----------
    t_max : int
        The unrolled formula is checked for :math:`t = 1, \dots, t_{max}`
        with symbolic gradients :math:`g_1, \dots, g_{t_{max}}`.

    Returns
    -------
    Derivation

    Examples
    --------
    >>> momentum_unrolled().verify()
    True
    """
    T = _check_t_max(t_max)
    beta = _sym("beta", positive=True)
    g, v, vhat = sp.IndexedBase("g"), sp.IndexedBase("v"), sp.IndexedBase(r"\hat{v}")
    k = sp.Symbol("k", integer=True, nonnegative=True)
    G = _sym("g")
    d = Derivation("Momentum as an exponential moving average", name="momentum_unrolled")
    t = _ema_definitions(d, v, g, beta, T)
    cases = tuple({t: j} for j in range(1, T + 1))
    d.equal(v[t], (1 - beta) * sp.Sum(beta**k * g[t - k], (k, 0, t - 1)),
            "unroll: each older gradient carries one more factor $\\beta$", instances=cases)
    d.equal((1 - beta) * sp.Sum(beta**k, (k, 0, t - 1)), 1 - beta**t,
            "geometric series: the weights sum to $1 - \\beta^t$, not 1",
            assume=(Q.ne(beta, 1),))
    d.define(vhat[t], v[t] / (1 - beta**t), "bias correction", instances=cases)
    d.equal(vhat[t], G, "on a constant gradient the corrected average is exact",
            given=tuple(sp.Eq(g[j], G) for j in range(1, T + 1)), instances=cases)
    return d


def _check_t_max(t_max):
    if isinstance(t_max, bool) or not isinstance(t_max, int) or not 1 <= t_max <= 12:
        raise ValueError(f"t_max must be an integer from 1 to 12, got {t_max!r}")
    return t_max


def momentum_forms_equivalent(t_max: int = 4) -> Derivation:
    r"""The EMA form and PyTorch's form of momentum differ only by the factor :math:`1-\beta`.

    PyTorch (``torch.optim.SGD``, ``dampening=0``) keeps
    :math:`b_t = \mu b_{t-1} + g_t`, :math:`b_0 = 0`. With :math:`\mu = \beta`,
    :math:`v_t = (1-\beta)\,b_t` for every :math:`t`, so EMA momentum with
    learning rate :math:`\eta` takes exactly the steps of PyTorch's momentum
    with learning rate :math:`\eta(1-\beta)`.

    Parameters
    ----------
    t_max : int
        Checked for :math:`t = 1, \dots, t_{max}` with symbolic gradients;
        the induction step is checked in general.

    Returns
    -------
    Derivation

    Examples
    --------
    >>> momentum_forms_equivalent().verify()
    True
    """
    T = _check_t_max(t_max)
    beta, mu = _sym("beta", positive=True), _sym("mu", positive=True)
    eta, eta_pt = _sym("eta", positive=True), _sym("eta_pt", r"\eta'", positive=True)
    g, v, b = sp.IndexedBase("g"), sp.IndexedBase("v"), sp.IndexedBase("b")
    theta, phi = sp.IndexedBase("theta"), sp.IndexedBase("vartheta")
    V, B, G = _sym("V"), _sym("B"), _sym("g")
    d = Derivation("EMA momentum = PyTorch momentum with lr times (1 - beta)",
                   name="momentum_forms_equivalent")
    t = _ema_definitions(d, v, g, beta, T)
    cases = tuple({t: j} for j in range(1, T + 1))
    d.define(b[0], 0, "PyTorch's buffer starts at 0")
    d.define(b[t], mu * b[t - 1] + g[t], "PyTorch: $b_t = \\mu b_{t-1} + g_t$", instances=cases)
    d.equal(v[t], (1 - beta) * b[t], "take $\\mu = \\beta$", given=(sp.Eq(mu, beta),),
            instances=cases)
    d.equal((beta * V + (1 - beta) * G) - (1 - beta) * (mu * B + G), beta * (V - (1 - beta) * B),
            "induction step: the gap $v_t - (1 - \\beta) b_t$ only gets multiplied by $\\beta$",
            given=(sp.Eq(mu, beta),))
    d.define(theta[t], theta[t - 1] - eta * v[t], "EMA update with learning rate $\\eta$",
             instances=cases)
    d.define(phi[t], phi[t - 1] - eta_pt * b[t], "PyTorch update with learning rate $\\eta'$",
             instances=cases)
    d.equal(theta[t], phi[t], "same start, $\\mu = \\beta$ and $\\eta' = \\eta (1 - \\beta)$",
            given=(sp.Eq(mu, beta), sp.Eq(eta_pt, eta * (1 - beta)), sp.Eq(phi[0], theta[0])),
            instances=cases)
    return d


def momentum_effective_step() -> Derivation:
    r"""On a constant gradient the EMA tends to :math:`g`, PyTorch's buffer to :math:`g/(1-\beta)`.

    EMA form: :math:`v_t = (1-\beta^t)\,g \to g`, so the step tends to
    :math:`\eta g`, the plain gradient-descent step. PyTorch form:
    :math:`b_t = \frac{1-\beta^t}{1-\beta}\,g \to \frac{g}{1-\beta}`, so the
    step tends to :math:`\eta g/(1-\beta)`: ten times the plain step at
    :math:`\beta = 0.9`. Limits use :math:`0 < \beta < 1`, written
    :math:`\beta = e^{-\lambda}` with :math:`\lambda > 0`.

    Returns
    -------
    Derivation

    Examples
    --------
    >>> momentum_effective_step().verify()
    True
    """
    T = 4
    beta, mu = _sym("beta", positive=True), _sym("mu", positive=True)
    lam = _sym("lambda", positive=True)
    g, v, b = sp.IndexedBase("g"), sp.IndexedBase("v"), sp.IndexedBase("b")
    G = _sym("g")
    d = Derivation("Effective step size of the two momentum forms", name="momentum_effective_step")
    t = _ema_definitions(d, v, g, beta, T)
    cases = tuple({t: j} for j in range(1, T + 1))
    d.define(b[0], 0, "PyTorch's buffer starts at 0")
    d.define(b[t], beta * b[t - 1] + g[t], "PyTorch form with $\\mu = \\beta$", instances=cases)
    const = tuple(sp.Eq(g[j], G) for j in range(1, T + 1))
    d.equal(v[t], (1 - beta**t) * G, "constant gradient $g_t = g$: EMA form",
            given=const, instances=cases)
    d.equal(b[t], (1 - beta**t) / (1 - beta) * G, "constant gradient: PyTorch form",
            given=const, instances=cases)
    t_ = _sym("t", positive=True)
    below_one = (sp.Eq(beta, sp.exp(-lam)),)
    d.equal(sp.Limit((1 - beta**t_) * G, t_, sp.oo), G,
            "EMA: the step tends to $\\eta g$, plain gradient descent", given=below_one)
    d.equal(sp.Limit((1 - beta**t_) / (1 - beta) * G, t_, sp.oo), G / (1 - beta),
            "PyTorch: the step tends to $\\eta g/(1 - \\beta)$, 10x at $\\beta = 0.9$",
            given=below_one)
    return d


def adam_bias_correction() -> Derivation:
    r"""Adam's bias correction on a constant gradient, and the size of its first step.

    With :math:`m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t` and
    :math:`v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2` from 0, a constant
    gradient gives :math:`\hat m_t = g` and :math:`\hat v_t = g^2` exactly, and
    the first step :math:`\hat m_1/\sqrt{\hat v_1} = g/|g|` has size 1 whatever
    the scale of :math:`g` (ignoring :math:`\epsilon`).

    Returns
    -------
    Derivation

    Examples
    --------
    >>> adam_bias_correction().verify()
    True
    """
    T = 4
    b1, b2 = _sym("beta_1", positive=True), _sym("beta_2", positive=True)
    g, m, v = sp.IndexedBase("g"), sp.IndexedBase("m"), sp.IndexedBase("v")
    G = _sym("g", real=True)
    t = _sym("t", positive=True, integer=True)
    cases = tuple({t: j} for j in range(1, T + 1))
    d = Derivation("Adam's bias correction", name="adam_bias_correction")
    d.define(m[0], 0, "first moment starts at 0")
    d.define(m[t], b1 * m[t - 1] + (1 - b1) * g[t], "EMA of the gradients", instances=cases)
    d.define(v[0], 0, "second moment starts at 0")
    d.define(v[t], b2 * v[t - 1] + (1 - b2) * g[t] ** 2, "EMA of the squared gradients",
             instances=cases)
    const = tuple(sp.Eq(g[j], G) for j in range(1, T + 1))
    d.equal(m[t] / (1 - b1**t), G, "constant gradient: $\\hat m_t = g$", given=const,
            instances=cases)
    d.equal(v[t] / (1 - b2**t), G**2, "and $\\hat v_t = g^2$", given=const, instances=cases)
    d.equal((m[1] / (1 - b1)) / sp.sqrt(v[1] / (1 - b2)), G / sp.Abs(G),
            "first step: size 1 in every coordinate, whatever $|g|$",
            assume=(Q.nonzero(G),), given=(sp.Eq(g[1], G),))
    return d


def cross_entropy_softmax_gradient() -> Derivation:
    r"""Cross-entropy of a softmax: :math:`\partial L/\partial z_j = s_j - y_j`.

    For :math:`L = -\sum_i y_i \log s_i` with :math:`\sum_i y_i = 1`
    (checked for 3 classes).

    Returns
    -------
    Derivation

    Examples
    --------
    >>> cross_entropy_softmax_gradient().verify()
    True
    """
    z = [_sym(f"z_{i}", real=True) for i in (1, 2, 3)]
    y = [_sym(f"y_{i}", real=True) for i in (1, 2, 3)]
    s = [display_function(f"s_{i}", f"s_{{{i}}}", show_args=False)(*z) for i in (1, 2, 3)]
    total = sum(sp.exp(zi) for zi in z)
    loss = display_function("L", "L", show_args=False)(*z)
    d = Derivation("Softmax + cross-entropy: gradient s - y", name="cross_entropy_softmax_gradient")
    d.define(sp.Matrix(s), sp.Matrix([sp.exp(zi) / total for zi in z]), "softmax")
    d.define(loss, -sum(yi * sp.log(si) for yi, si in zip(y, s)), "cross-entropy")
    target = (sp.Eq(y[2], 1 - y[0] - y[1]),)
    d.equal(sp.Matrix([sp.Derivative(loss, zj) for zj in z]),
            sp.Matrix([si - yi for si, yi in zip(s, y)]),
            "$\\partial \\log s_i/\\partial z_j = \\delta_{ij} - s_j$ and $y_1 + y_2 + y_3 = 1$",
            given=target)
    return d


def bce_with_logits_gradient() -> Derivation:
    r"""Binary cross-entropy on a logit: gradient :math:`\sigma(z) - y` and a stable form.

    :math:`L = -y\log\sigma(z) - (1-y)\log(1-\sigma(z))` has
    :math:`dL/dz = \sigma(z) - y` and equals
    :math:`\max(z, 0) - zy + \log(1 + e^{-|z|})`, which never exponentiates a
    large positive number.

    Returns
    -------
    Derivation

    Examples
    --------
    >>> bce_with_logits_gradient().verify()
    True
    """
    z, y = _sym("z", real=True), _sym("y", real=True)
    loss = display_function("L", "L", show_args=True)(z)
    d = Derivation("Binary cross-entropy with logits", name="bce_with_logits_gradient")
    d.define(sigma(z), _logistic(z), "the logistic sigmoid")
    d.define(loss, -y * sp.log(sigma(z)) - (1 - y) * sp.log(1 - sigma(z)), "binary cross-entropy")
    d.equal(sp.Derivative(loss, z), sigma(z) - y, "$\\sigma' = \\sigma (1 - \\sigma)$")
    stable = sp.Max(z, 0) - z * y + sp.log(1 + sp.exp(-sp.Abs(z)))
    d.equal(loss, stable, "stable form, case $z > 0$", assume=(Q.positive(z),))
    d.equal(loss, stable, "stable form, case $z < 0$", assume=(Q.negative(z),))
    d.equal(loss.subs(z, 0), stable.subs(z, 0), "and at $z = 0$")
    return d


ALL: dict[str, Callable[..., Derivation]] = {
    f.__name__: f
    for f in (
        sigmoid_from_log_odds,
        sigmoid_derivative,
        tanh_from_sigmoid,
        tanh_derivative,
        softmax_jacobian,
        vanishing_gradient_product,
        xavier_forward,
        xavier_backward,
        xavier_compromise,
        he_relu_second_moment,
        he_init,
        leaky_relu_gain,
        momentum_unrolled,
        momentum_forms_equivalent,
        momentum_effective_step,
        adam_bias_correction,
        cross_entropy_softmax_gradient,
        bce_with_logits_gradient,
    )
}
"""Every derivation of the course, by function name, in course order."""


def names() -> list[str]:
    """Names of all derivations, in course order.

    Examples
    --------
    >>> names()[:2]
    ['sigmoid_from_log_odds', 'sigmoid_derivative']
    """
    return list(ALL)


def get(name: str, **kwargs) -> Derivation:
    """Build the derivation called ``name`` (keyword arguments are passed on).

    Raises
    ------
    ValueError
        For an unknown name; the message lists the known ones.

    Examples
    --------
    >>> len(get("vanishing_gradient_product", depth=2)) > 0
    True
    """
    if name not in ALL:
        raise ValueError(f"Unknown derivation {name!r}; known: {', '.join(ALL)}")
    return ALL[name](**kwargs)
