r"""The derivations of the course, step by step, each step checked by SymPy.

A :class:`Derivation` is a titled list of :class:`Step` objects. A step is a
relation ``lhs = rhs`` (or ``<=``, ``>=``, or a definition ``:=``) between two
SymPy expressions, with a one-line justification. A derivation renders as
LaTeX in a notebook (display it as the last expression of a cell) and
:meth:`Derivation.verify` asks SymPy to prove every step.

>>> from lecture_kit import derivations
>>> d = derivations.sigmoid_derivative()
>>> d.verify()
True
>>> print(d.steps[1].why)
chain rule on $(1 + e^{-z})^{-1}$

How a step is checked
---------------------
1. The definitions made by earlier ``:=`` steps are substituted (repeatedly,
   so that definitions may use earlier ones), then the step's ``given``
   identities: stated facts or hypotheses such as :math:`\mu_w = 0`, written
   ``sympy.Eq(a, b)`` and used as the substitution :math:`a \to b`. They are
   shown next to the step: nothing is assumed silently.
2. Derivatives, integrals, sums, limits and expectations are evaluated.
3. ``=`` holds when ``lhs - rhs`` simplifies to 0. ``<=``/``>=`` hold when
   the gap (bigger minus smaller side) simplifies to something SymPy knows is
   non-negative, e.g. :math:`(2s - 1)^2/4`; or, for a step with ``bounds``
   such as :math:`|w_k| \le m`, when the smaller side grows with every bounded
   quantity (non-negative partial derivatives, the quantities being
   non-negative) and equals the bigger side at the bounds.
4. A step with ``solves=Eq(...)`` is proved when ``sympy.solve`` returns the
   stated right-hand side, and nothing else, for the symbol on the left.
5. A step with ``instances`` (for example :math:`t = 1, 2, 3, 4`) is checked
   for each instance; the display says so. This is how statements about
   sequences (momentum) and sums of :math:`n` random terms are checked.

A corrupted step (a wrong right-hand side, a dropped factor) fails the check:
the tests corrupt every derivation and expect ``verify()`` to say ``False``.

Why ``text/latex``
------------------
The display is offered as ``text/latex`` only (``$$\begin{array}...$$``).
myst-nb (Jupyter Book 1) turns it into a math block that MathJax typesets; it
would render a ``text/markdown`` output with a parser that ignores dollar
math, and it prefers markdown when both exist, so there is no
``_repr_markdown_``. :meth:`Derivation.to_markdown` gives a MyST block for a
page. Justifications are ASCII text with optional ``$inline math$``; the
math parts are typeset as math, the rest as ``\text{...}``.

References
----------
Seed lecture notes 000 (sigmoid from log-odds, derivatives), 001 (vanishing
gradients, eq. 23), 003 (Xavier/He initialization, momentum); Glorot & Bengio
(2010); He et al. (2015); Kingma & Ba (2015).
"""

from __future__ import annotations

import dataclasses
import re
from typing import Iterator

import sympy as sp
from sympy.core.function import AppliedUndef
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
_LATEX_SPECIALS = re.compile(r"[\\{}&%#_^~]")  # not allowed in the text part of a justification


class DerivationError(AssertionError):
    """Raised by :meth:`Derivation.verify` with ``raise_error=True``."""


# --------------------------------------------------------------------------
# Symbols and functions that print nicely
# --------------------------------------------------------------------------

_SYMBOL_LATEX: dict = {}


def _sym(name: str, latex: str | None = None, **assumptions) -> sp.Symbol:
    """A SymPy symbol, optionally with its own LaTeX (e.g. ``Var(w)``)."""
    s = sp.Symbol(name, **assumptions)
    if latex is not None:
        _SYMBOL_LATEX[s] = latex
    return s


def _latex(expr) -> str:
    return sp.latex(expr, symbol_names=_SYMBOL_LATEX)


def display_function(name: str, latex: str, *, show_args: bool = True, positive: bool = False):
    r"""An undefined SymPy function that prints as ``latex``.

    ``display_function("s_1", "s_{1}", show_args=False)(z1, z2, z3)`` is a
    function of three variables printed as :math:`s_1`, which keeps a
    Jacobian readable. A ``:=`` step can give it a formula. ``positive=True``
    tells SymPy its values are positive (a sigmoid slope).
    """

    def _print_latex(self, printer, exp=None):
        text = latex
        if show_args:
            text += r"\left(" + ", ".join(printer._print(a) for a in self.args) + r"\right)"
        return text if exp is None else rf"{{{text}}}^{{{exp}}}"

    attrs = {"_latex": _print_latex, "_undefined": True}
    if positive:
        attrs["is_positive"] = True
    return type(name, (sp.Function,), attrs)


sigma = sp.Function("sigma")  #: the logistic sigmoid; each derivation defines it
sigma_prime = display_function("sigma_prime", r"\sigma'", positive=True)
f_act = sp.Function("f")  #: a generic activation
f_prime = display_function("f_prime", "f'")


def _logistic(u):
    return 1 / (1 + sp.exp(-u))


def _normal_density(u, s):
    return sp.exp(-(u**2) / (2 * s**2)) / (s * sp.sqrt(2 * sp.pi))


# --------------------------------------------------------------------------
# Expectations of polynomials in independent random variables
# --------------------------------------------------------------------------


def mean_symbol(family: str) -> sp.Symbol:
    r"""The mean :math:`\mathbb{E}[f]` shared by the random family ``f`` (``w_1, w_2, ...``)."""
    return _sym(f"mu_{family}", rf"\mu_{{{family}}}", real=True)


def var_symbol(family: str) -> sp.Symbol:
    r"""The variance :math:`\operatorname{Var}(f)` shared by the random family ``f``."""
    return _sym(f"Var_{family}", rf"\operatorname{{Var}}({family})", positive=True)


def _family(atom, families):
    if isinstance(atom, sp.Indexed):
        atom = atom.base.label
    return atom.name if isinstance(atom, sp.Symbol) and atom.name in families else None


def _expect(expr, randoms):
    r"""E[expr] for a polynomial in independent random variables.

    Each atom (``w[1]``, ``x[2]`` or a bare symbol ``x``) is independent of the
    others; the members of one family share their moments:
    :math:`\mathbb{E}[w] = \mu_w`, :math:`\mathbb{E}[w^2] = \operatorname{Var}(w) + \mu_w^2`.
    """
    families = {getattr(r, "name", None) or r.label.name for r in randoms}
    total = sp.Integer(0)
    for term in sp.Add.make_args(sp.expand(expr)):
        value = sp.Integer(1)
        for base, power in term.as_powers_dict().items():
            fam = _family(base, families)
            if fam is None:
                value *= base**power  # a constant
            elif power == 1:
                value *= mean_symbol(fam)
            elif power == 2:
                value *= var_symbol(fam) + mean_symbol(fam) ** 2
            else:
                raise ValueError(f"only first and second moments are known, not E[{base}**{power}]")
        total += value
    return total


class Expectation(sp.Function):
    r"""Unevaluated :math:`\mathbb{E}[X]`; ``doit()`` computes it (see :func:`_expect`).

    ``Expectation(expr, (w, x))`` treats every ``w[i]`` and ``x[j]`` as
    independent random variables, identically distributed within a family.

    Examples
    --------
    >>> w, x = sp.IndexedBase("w"), sp.IndexedBase("x")
    >>> Expectation(w[1] * x[1] + w[2] * x[2], (w, x)).doit()
    2*mu_w*mu_x
    """

    def __new__(cls, expr, randoms):
        return super().__new__(cls, sp.sympify(expr), sp.Tuple(*randoms))

    def doit(self, **hints):
        return _expect(self.args[0].doit(**hints), self.args[1])

    def _latex(self, printer, exp=None):
        text = r"\mathbb{E}\left[%s\right]" % printer._print(self.args[0])
        return text if exp is None else rf"{{{text}}}^{{{exp}}}"


class Variance(sp.Function):
    r"""Unevaluated :math:`\operatorname{Var}[X] = \mathbb{E}[X^2] - \mathbb{E}[X]^2`.

    Same conventions as :class:`Expectation`.

    Examples
    --------
    >>> w, x = sp.IndexedBase("w"), sp.IndexedBase("x")
    >>> Variance(w[1] * x[1], (w, x)).doit().subs(mean_symbol("w"), 0)
    Var_w*Var_x + Var_w*mu_x**2
    """

    def __new__(cls, expr, randoms):
        return super().__new__(cls, sp.sympify(expr), sp.Tuple(*randoms))

    def doit(self, **hints):
        expr, randoms = self.args[0].doit(**hints), self.args[1]
        return sp.expand(_expect(expr**2, randoms) - _expect(expr, randoms) ** 2)

    def _latex(self, printer, exp=None):
        text = r"\operatorname{Var}\left[%s\right]" % printer._print(self.args[0])
        return text if exp is None else rf"{{{text}}}^{{{exp}}}"


# --------------------------------------------------------------------------
# Steps and derivations
# --------------------------------------------------------------------------


def _check_why(text: str) -> str:
    if not isinstance(text, str) or not text.strip() or not text.isascii():
        raise ValueError(f"a justification must be a non-empty ASCII string, got {text!r}")
    parts = text.split("$")
    if len(parts) % 2 == 0:
        raise ValueError(f"unmatched '$' in {text!r}")
    for plain in parts[0::2]:
        if _LATEX_SPECIALS.search(plain):
            raise ValueError(f"LaTeX characters outside $...$ in {text!r}")
    return text


@dataclasses.dataclass(frozen=True)
class Step:
    r"""One line of a derivation: ``lhs relation rhs``, and why it holds.

    Parameters
    ----------
    lhs, rhs : SymPy expression or Matrix
        ``lhs=None`` continues a chain: the left side is the previous right side.
    why : str
        One-line justification (ASCII, ``$inline math$`` allowed).
    relation : {"=", "<=", ">=", ":="}
        ``":="`` defines ``lhs`` as an abbreviation of ``rhs`` for later steps.
    given : tuple of sympy.Eq
        Stated identities, used as substitutions ``lhs -> rhs`` and shown.
    bounds : tuple of sympy.Le
        For an inequality: stated bounds ``q <= Q`` on non-negative quantities.
    solves : sympy.Eq, optional
        The step is proved by solving this equation for ``lhs`` (a symbol).
    instances : tuple of dict
        Substitutions (``{t: 1}``, ``{t: 2}``, ...) for which the step is checked.
    """

    lhs: object
    rhs: object
    why: str
    relation: str = "="
    given: tuple = ()
    bounds: tuple = ()
    solves: object = None
    instances: tuple = ()

    def __post_init__(self):
        _check_why(self.why)
        if self.relation not in _RELATIONS:
            raise ValueError(f"relation must be one of {list(_RELATIONS)}, got {self.relation!r}")
        if any(not isinstance(g, sp.Eq) for g in self.given):
            raise ValueError(f"given must hold sympy.Eq identities, got {self.given!r}")
        if any(not isinstance(b, sp.Le) for b in self.bounds):
            raise ValueError(f"bounds must hold sympy.Le relations q <= Q, got {self.bounds!r}")
        if self.solves is not None and not isinstance(self.solves, sp.Eq):
            raise ValueError(f"solves must be a sympy.Eq, got {self.solves!r}")
        for name in ("given", "bounds", "instances"):
            object.__setattr__(self, name, tuple(getattr(self, name)))

    def latex_why(self) -> str:
        """The justification as LaTeX: text parts in ``\\text{}``, math parts as math."""
        parts = self.why.split("$")
        out = "".join(rf"\text{{{p}}}" if i % 2 == 0 else p for i, p in enumerate(parts) if p)
        notes = [f"{_latex(g.lhs)} = {_latex(g.rhs)}" for g in self.given]
        notes += [rf"{_latex(b.lhs)} \le {_latex(b.rhs)}" for b in self.bounds]
        if notes:
            out += r"\ \left[" + r",\ ".join(notes) + r"\right]"
        if self.instances:
            keys = list(self.instances[0])
            values = "; ".join(
                f"{_latex(k)} = " + ", ".join(_latex(inst[k]) for inst in self.instances)
                for k in keys)
            out += rf"\ \text{{(checked for }}{values}\text{{)}}"
        return out


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
    and :meth:`solve` (each returns the derivation, so calls chain), or pass
    a list of steps.

    Examples
    --------
    >>> x = sp.Symbol("x", real=True)
    >>> d = Derivation("A square is not negative").bound(
    ...     sp.Integer(0), "<=", x**2, "a real number squared")
    >>> d.verify()
    True
    >>> d.to_latex(title=False)
    '\\begin{aligned}\n0 &\\le x^{2} && \\quad \\text{a real number squared}\n\\end{aligned}'
    """

    def __init__(self, title: str, steps=(), name: str = ""):
        self.title = _check_why(title)
        self.name = name
        self.steps: list[Step] = []
        for step in steps:
            self.append(step)

    # ---- building ---------------------------------------------------------

    def append(self, step: Step) -> "Derivation":
        if not isinstance(step, Step):
            raise TypeError(f"expected a Step, got {type(step).__name__}")
        if step.lhs is None and not self.steps:
            raise ValueError("the first step cannot continue a chain (lhs=None)")
        self.steps.append(step)
        return self

    def define(self, lhs, rhs, why, **kw) -> "Derivation":
        """Add the definition ``lhs := rhs``."""
        return self.append(Step(lhs, rhs, why, relation=":=", **kw))

    def equal(self, lhs, rhs, why, **kw) -> "Derivation":
        """Add the identity ``lhs = rhs``."""
        return self.append(Step(lhs, rhs, why, **kw))

    def then(self, rhs, why, relation="=", **kw) -> "Derivation":
        """Continue the chain: ``(previous right side) relation rhs``."""
        return self.append(Step(None, rhs, why, relation=relation, **kw))

    def bound(self, lhs, relation, rhs, why, **kw) -> "Derivation":
        """Add the inequality ``lhs <= rhs`` or ``lhs >= rhs``."""
        if relation not in ("<=", ">="):
            raise ValueError(f"bound() takes '<=' or '>=', got {relation!r}")
        return self.append(Step(lhs, rhs, why, relation=relation, **kw))

    def solve(self, unknown, value, equation, why, **kw) -> "Derivation":
        """Add ``unknown = value``, proved by solving ``equation`` for ``unknown``."""
        return self.append(Step(unknown, value, why, solves=equation, **kw))

    def replaced(self, index: int, **changes) -> "Derivation":
        """A copy with ``steps[index]`` changed (e.g. a wrong ``rhs``, to test the checker)."""
        steps = list(self.steps)
        steps[index] = dataclasses.replace(steps[index], **changes)
        return Derivation(self.title, steps, self.name)

    # ---- reading ----------------------------------------------------------

    def __iter__(self) -> Iterator[Step]:
        return iter(self.steps)

    def __len__(self) -> int:
        return len(self.steps)

    def __getitem__(self, index):
        return self.steps[index]

    def sides(self) -> list:
        """``(lhs, relation, rhs)`` of every step, chains resolved."""
        out, previous = [], None
        for step in self.steps:
            lhs = previous if step.lhs is None else step.lhs
            out.append((lhs, step.relation, step.rhs))
            previous = step.rhs
        return out

    # ---- checking ---------------------------------------------------------

    def check(self, only: int | None = None) -> list:
        """Check every step (or only step ``only``); one :class:`StepCheck` per step checked."""
        if only is not None and not -len(self.steps) <= only < len(self.steps):
            raise IndexError(f"step {only} does not exist: the derivation has {len(self)} steps")
        only = None if only is None else only % len(self.steps)
        definitions: list = []
        results = []
        for index, (step, (lhs, _, rhs)) in enumerate(zip(self.steps, self.sides())):
            if step.relation == ":=":
                ok, reason = True, "definition"
                for inst in step.instances or ({},):
                    definitions.append(_definition(_subs(lhs, inst), _subs(rhs, inst)))
            elif only is not None and index != only:
                continue
            else:
                try:
                    ok, reason = _check_step(step, lhs, rhs, definitions)
                except Exception as exc:  # a SymPy failure is a failed proof
                    ok, reason = False, f"SymPy raised {type(exc).__name__}: {exc}"
            if only is None or index == only:
                results.append(StepCheck(index, step, ok, reason))
        return results

    def verify(self, raise_error: bool = False) -> bool:
        """True if SymPy proves every step.

        With ``raise_error=True`` the first step that does not follow raises
        :class:`DerivationError` naming it.
        """
        for result in self.check():
            if not result.ok:
                if raise_error:
                    lhs, rel, rhs = self.sides()[result.index]
                    raise DerivationError(
                        f"{self.title}: step {result.index} ({sp.sstr(lhs)} {rel} "
                        f"{sp.sstr(rhs)}; {result.step.why}) does not follow: {result.reason}")
                return False
        return True

    # ---- display ----------------------------------------------------------

    def to_latex(self, title: bool = True) -> str:
        r"""The steps as ``\begin{aligned}...\end{aligned}``, one row a step."""
        rows = []
        for step in self.steps:
            left = "" if step.lhs is None else _latex(step.lhs)
            rows.append(f"{left} &{_RELATIONS[step.relation]} {_latex(step.rhs)} "
                        f"&& \\quad {step.latex_why()}")
        body = "\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}"
        if title:
            head = "".join(rf"\text{{{p}}}" if i % 2 == 0 else p
                           for i, p in enumerate(self.title.split("$")) if p)
            body = (r"\begin{array}{l}" + rf"\mathbf{{{head}}}\\[4pt]" + "\n" + body
                    + "\n" + r"\end{array}")
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


# --------------------------------------------------------------------------
# The checker
# --------------------------------------------------------------------------


def _subs(expr, mapping):
    return expr.subs(mapping) if mapping else expr


def _definition(lhs, rhs):
    """A (key, value) substitution for ``lhs := rhs``; a list for matrices.

    ``f(u) := body`` with an undefined function ``f`` of symbols defines the
    function for every argument (a callable value for ``replace``).
    """
    if isinstance(lhs, MatrixBase):
        return [_definition(k, v) for k, v in zip(lhs, rhs)]
    undefined = isinstance(lhs, AppliedUndef) or getattr(lhs, "_undefined", False)
    if undefined and all(isinstance(a, sp.Symbol) for a in lhs.args):
        params = lhs.args

        def value(*args):
            return rhs.subs(dict(zip(params, args)), simultaneous=True)

        return (lhs.func, value)
    return (lhs, rhs)


def _flatten(pairs):
    for pair in pairs:
        if isinstance(pair, list):
            yield from _flatten(pair)
        else:
            yield pair


def _substitute(expr, pairs):
    """Apply the substitutions until nothing changes (definitions may nest)."""
    pairs = list(_flatten(pairs))
    for _ in range(12):
        new = expr
        for key, value in pairs:
            new = new.replace(key, value) if callable(value) else new.subs(key, value)
        if new == expr:
            return expr
        expr = new
    return expr


def _prepare(expr, step, definitions, inst):
    pairs = list(definitions) + [_definition(g.lhs, g.rhs) for g in step.given]
    expr = _subs(_substitute(_subs(sp.sympify(expr), inst), pairs), inst)
    expr = _substitute(expr.doit(), pairs)  # doit() may reveal given symbols (mu_w)
    return expr.doit()


def _candidates(expr):
    yield expr
    yield sp.expand(expr)
    yield sp.simplify(expr)
    yield sp.simplify(expr.rewrite(sp.exp))
    yield sp.factor(sp.expand_log(sp.expand(expr), force=True))


def _is_zero(expr) -> bool:
    if isinstance(expr, MatrixBase):
        return all(_is_zero(e) for e in expr)
    return any(e == 0 or e.is_zero is True for e in _candidates(sp.sympify(expr)))


def _is_nonnegative(expr) -> bool:
    return any(e.is_nonnegative is True for e in _candidates(sp.sympify(expr))) or any(
        e.is_nonnegative is True for e in (sp.factor(expr), sp.factor(sp.simplify(expr))))


def _check_step(step, lhs, rhs, definitions):
    for inst in step.instances or ({},):
        where = f" for {inst}" if inst else ""
        if step.solves is not None:
            ok, reason = _check_solve(step, lhs, rhs, definitions, inst)
        elif step.relation == "=":
            diff = _prepare(lhs, step, definitions, inst) - _prepare(rhs, step, definitions, inst)
            ok, reason = _is_zero(diff), "lhs - rhs does not simplify to 0"
        else:
            small, big = (lhs, rhs) if step.relation == "<=" else (rhs, lhs)
            ok, reason = _check_inequality(step, small, big, definitions, inst)
        if not ok:
            return False, reason + where
    return True, "proved"


def _check_inequality(step, small, big, definitions, inst):
    if not step.bounds:
        gap = _prepare(big, step, definitions, inst) - _prepare(small, step, definitions, inst)
        return _is_nonnegative(gap), "SymPy cannot show the gap is >= 0"
    # small grows with each bounded quantity q (q >= 0) and reaches big at q = Q
    unknowns = [sp.Dummy(f"u{i}", nonnegative=True) for i in range(len(step.bounds))]
    small = _subs(small, inst).subs({b.lhs: u for b, u in zip(step.bounds, unknowns)})
    small = _prepare(small, step, definitions, {})
    for u in unknowns:
        if not _is_nonnegative(sp.diff(small, u)):
            return False, f"SymPy cannot show the left side grows with the bounded {u}"
    at_bounds = small.subs({u: b.rhs for b, u in zip(step.bounds, unknowns)})
    gap = _prepare(big, step, definitions, inst) - at_bounds
    return _is_nonnegative(gap), "the left side at the bounds exceeds the right side"


def _check_solve(step, lhs, rhs, definitions, inst):
    eq = step.solves
    unknown = _subs(lhs, inst)
    if not isinstance(unknown, sp.Symbol):
        return False, "a solved step needs a symbol on the left"
    left = _prepare(eq.lhs, step, definitions, inst)
    right = _prepare(eq.rhs, step, definitions, inst)
    solutions = sp.solve(sp.Eq(left, right), unknown)
    if not solutions:
        return False, "sympy.solve finds no solution"
    expected = _prepare(rhs, step, definitions, inst)
    for sol in solutions:
        if not _is_zero(sol - expected):
            return False, f"sympy.solve finds {sol}"
    return True, "solved"


# --------------------------------------------------------------------------
# Activations: sigmoid, tanh, softmax
# --------------------------------------------------------------------------


def sigmoid_from_log_odds() -> Derivation:
    r"""Where the sigmoid comes from: solve the log-odds :math:`\log\frac{p}{1-p} = z` for :math:`p`.

    .. math::
        z = \log\frac{p}{1-p} \iff p = \frac{1}{1+e^{-z}} = \sigma(z),
        \qquad 0 < p < 1.

    Each algebra step is checked under the hypothesis
    :math:`z = \log\frac{p}{1-p}` (stated next to it); the last one is
    checked by ``sympy.solve``, which also shows the solution is unique.

    Returns
    -------
    Derivation

    Examples
    --------
    >>> sigmoid_from_log_odds().verify()
    True
    """
    p = _sym("p", positive=True)
    z = _sym("z", real=True)
    logit = sp.Eq(z, sp.log(p / (1 - p)))
    d = Derivation("The sigmoid is the inverse of the log-odds", name="sigmoid_from_log_odds")
    d.define(sigma(z), _logistic(z), "the logistic sigmoid")
    d.equal(sp.exp(z), p / (1 - p), "exponentiate the log-odds: the odds", given=(logit,))
    d.equal(p, sp.exp(z) * (1 - p), "multiply by $1 - p > 0$", given=(logit,))
    d.equal(p * (1 + sp.exp(z)), sp.exp(z), "collect the terms in $p$", given=(logit,))
    d.solve(p, sp.exp(z) / (1 + sp.exp(z)), sp.Eq(sp.log(p / (1 - p)), z),
            "divide by $1 + e^{z}$; sympy.solve finds this one solution")
    d.then(1 / (1 + sp.exp(-z)), "divide numerator and denominator by $e^{z}$")
    d.then(sigma(z), "the logistic sigmoid")
    u = _sym("u", real=True)
    d.equal(sp.log(sigma(u) / (1 - sigma(u))), u,
            "conversely the log-odds of $\\sigma(u)$ is $u$: the two maps are inverse")
    return d


def sigmoid_derivative() -> Derivation:
    r"""The derivative of the sigmoid, :math:`\sigma(1-\sigma)`, and its maximum 1/4 at 0.

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
    s = _sym("s", real=True)
    d = Derivation("The sigmoid's derivative is at most 1/4", name="sigmoid_derivative")
    d.define(sigma(z), _logistic(z), "the logistic sigmoid")
    d.equal(sp.Derivative(sigma(z), z), sp.exp(-z) / (1 + sp.exp(-z)) ** 2,
            "chain rule on $(1 + e^{-z})^{-1}$")
    d.then(sp.Mul(1 / (1 + sp.exp(-z)), sp.exp(-z) / (1 + sp.exp(-z)), evaluate=False),
           "split the square")
    d.then(sigma(z) * (1 - sigma(z)), "since $e^{-z}/(1 + e^{-z}) = 1 - \\sigma(z)$")
    d.equal(sp.Derivative(sigma(z), (z, 2)), sp.Derivative(sigma(z), z) * (1 - 2 * sigma(z)),
            "product rule on $\\sigma (1 - \\sigma)$: zero only where $\\sigma(z) = 1/2$, at $z = 0$")
    d.equal(sp.Subs(sp.Derivative(sigma(z), z), z, 0), sp.Rational(1, 4),
            "the value there: $\\frac12 (1 - \\frac12)$")
    d.bound(s * (1 - s), "<=", sp.Rational(1, 4),
            "for every real $s$: the gap is $(s - 1/2)^2$")
    d.bound(sp.Derivative(sigma(z), z), "<=", sp.Rational(1, 4),
            "so the slope is at most 1/4, reached only at $z = 0$")
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
    d.equal(sp.tanh(x), (sp.exp(x) - sp.exp(-x)) / (sp.exp(x) + sp.exp(-x)), "definition of tanh")
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
    d.equal(sp.Derivative(sp.tanh(x), (x, 2)), -2 * sp.tanh(x) * (1 - sp.tanh(x) ** 2),
            "zero only where $\\tanh x = 0$, at $x = 0$")
    d.equal(sp.Subs(sp.Derivative(sp.tanh(x), x), x, 0), 1, "$\\tanh 0 = 0$")
    d.bound(sp.Derivative(sp.tanh(x), x), "<=", 1,
            "the gap is $\\tanh^2 x \\ge 0$: slope at most 1, four times the sigmoid's 1/4")
    return d


def softmax_jacobian() -> Derivation:
    r"""The Jacobian of softmax: :math:`J = \operatorname{diag}(s) - s s^\top`.

    Entry :math:`(i, j)` is :math:`\partial s_i/\partial z_j = s_i(\delta_{ij} - s_j)`;
    checked for a symbolic 3-vector :math:`z`.

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
    J = sp.Matrix(3, 3, lambda i, j: sp.Derivative(s[i], z[j]))
    d = Derivation("The softmax Jacobian is $diag(s) - s s^T$", name="softmax_jacobian")
    d.define(S, sp.Matrix([sp.exp(zi) / total for zi in z]), "softmax of a 3-vector $z$")
    d.equal(sp.Derivative(s[0], z[0]), s[0] * (1 - s[0]), "quotient rule, $i = j$")
    d.equal(sp.Derivative(s[0], z[1]), -s[0] * s[1], "quotient rule, $i \\ne j$")
    d.equal(J, sp.Matrix(3, 3, lambda i, j: s[i] * (sp.KroneckerDelta(i, j) - s[j])),
            "every entry: $s_i (\\delta_{ij} - s_j)$")
    S_ = sp.ImmutableMatrix(S)
    d.then(sp.MatAdd(sp.ImmutableMatrix(sp.diag(*s)), sp.MatMul(-1, S_, S_.T), evaluate=False),
           "in matrix form: $diag(s) - s s^T$")
    d.equal(J * sp.ones(3, 1), sp.zeros(3, 1),
            "rows sum to 0: adding a constant to every $z_j$ changes nothing")
    return d


# --------------------------------------------------------------------------
# Vanishing gradients
# --------------------------------------------------------------------------


def vanishing_gradient_product(depth: int = 3) -> Derivation:
    r"""Backprop through a scalar chain multiplies ``depth`` factors :math:`w_k f'(z_k)`.

    For :math:`z_k = w_k a_{k-1} + b_k`, :math:`a_k = f(z_k)`, :math:`k = 1..L`:

    .. math::
        \frac{\partial a_L}{\partial a_0} = \prod_{k=1}^{L} w_k\,f'(z_k),
        \qquad
        \frac{\partial a_L}{\partial z_1} = f'(z_1) \prod_{k=2}^{L} w_k\,f'(z_k),

    and for the logistic sigmoid (:math:`0 < \sigma' \le 1/4`) with
    :math:`|w_k| \le m = \max_k |w_k|`:
    :math:`|\partial a_L / \partial a_0| \le (m/4)^L`. With :math:`m = 1` and
    :math:`L = 10` that is below :math:`10^{-6}`.

    Parameters
    ----------
    depth : int
        Number of layers :math:`L`, 1 to 8 (SymPy differentiates the composed
        function, so the product identities are checked for this depth).

    Returns
    -------
    Derivation

    Notes
    -----
    The product identities hold for any differentiable activation; only the
    bound uses the sigmoid. For a loss :math:`\mathcal L(a_L)`, multiply by
    :math:`\partial\mathcal L/\partial a_L`. Seed 001, eq. (23), is the
    second formula times :math:`x = a_0` (the gradient for :math:`w_1`) with
    an output weight :math:`\alpha`.

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
    m = _sym("m", positive=True)
    d = Derivation(f"Gradients through {L} layers multiply", name="vanishing_gradient_product")
    for k in range(1, L + 1):
        d.define(z[k], w[k] * a[k - 1] + b[k], f"pre-activation of layer {k}")
        d.define(a[k], f_act(z[k]), f"activation of layer {k}")
    slope = (sp.Eq(f_prime(u), sp.Derivative(f_act(u), u)),)
    product = sp.Mul(*[w[k] * f_prime(z[k]) for k in range(1, L + 1)])
    tail = sp.Mul(*[w[k] * f_prime(z[k]) for k in range(2, L + 1)])
    d.equal(sp.Derivative(a[L], a[0]), product,
            "chain rule: one factor $w_k f'(z_k)$ per layer", given=slope)
    d.equal(sp.Derivative(a[L], b[1]), f_prime(z[1]) * tail,
            "$= \\partial a_L/\\partial z_1$, since $\\partial z_1/\\partial b_1 = 1$", given=slope)
    d.equal(sp.Derivative(a[L], w[1]), a[0] * f_prime(z[1]) * tail,
            "the first factor becomes $\\partial z_1/\\partial w_1 = a_0$", given=slope)
    d.equal(sigma_prime(u), sigma(u) * (1 - sigma(u)), "for $f = \\sigma$, the slope $f' = \\sigma'$",
            given=(sp.Eq(sigma_prime(u), sp.Derivative(_logistic(u), u)),
                   sp.Eq(sigma(u), _logistic(u))))
    sig_product = sp.Mul(*[w[k] * sigma_prime(z[k]) for k in range(1, L + 1)])
    d.equal(sp.Abs(sig_product), sp.Mul(*[sp.Abs(w[k]) * sigma_prime(z[k]) for k in range(1, L + 1)]),
            "$\\sigma' > 0$")
    d.then((m / 4) ** L, relation="<=",
           why="$0 < \\sigma' \\le 1/4$ and $|w_k| \\le m = max_k |w_k|$",
           bounds=tuple(sp.Le(q, bound) for k in range(1, L + 1)
                        for q, bound in ((sp.Abs(w[k]), m), (sigma_prime(z[k]), sp.Rational(1, 4)))))
    return d


# --------------------------------------------------------------------------
# Initialization: Xavier/Glorot and He/Kaiming
# --------------------------------------------------------------------------


def _fan(name):
    latex = r"n_{\mathrm{%s}}" % name.split("_")[1]
    return _sym(name, latex, positive=True, integer=True)


def _weighted_sum(n, weights="w", inputs="x"):
    """``sum_i w_i x_i`` with ``n`` terms, its random families and the instances n = 1..5."""
    w, x = sp.IndexedBase(weights), sp.IndexedBase(inputs)
    i = sp.Symbol("i", integer=True, positive=True)
    return sp.Sum(w[i] * x[i], (i, 1, n)), (w, x), tuple({n: k} for k in range(1, 6))


def xavier_forward() -> Derivation:
    r"""Forward variance of a linear unit: :math:`\operatorname{Var}(y) = n_{in}\operatorname{Var}(w)\operatorname{Var}(x)`.

    For :math:`y = \sum_{i=1}^{n_{in}} w_i x_i` with all :math:`w_i, x_i`
    independent, the :math:`w_i` identically distributed (mean :math:`\mu_w`)
    and likewise the :math:`x_i`:

    .. math::
        \operatorname{Var}(y) = n_{in}\,\big(\operatorname{Var}(w)\operatorname{Var}(x)
        + \operatorname{Var}(w)\mu_x^2 + \mu_w^2\operatorname{Var}(x)\big),

    which is :math:`n_{in}\operatorname{Var}(w)\,\mathbb{E}[x^2]` for
    zero-mean weights and :math:`n_{in}\operatorname{Var}(w)\operatorname{Var}(x)`
    when the inputs are zero-mean too. Keeping :math:`\operatorname{Var}(y) =
    \operatorname{Var}(x)` needs :math:`\operatorname{Var}(w) = 1/n_{in}`.

    Returns
    -------
    Derivation

    Notes
    -----
    The expectation steps are checked for :math:`n_{in} = 1, \dots, 5`: both
    sides are polynomials of degree at most 2 in :math:`n_{in}` (the square of
    a sum of :math:`n_{in}` terms has :math:`n_{in}^2` products), so three
    values already force the identity.

    Examples
    --------
    >>> xavier_forward().verify()
    True
    """
    n = _fan("n_in")
    y = _sym("y")
    total, rv, cases = _weighted_sum(n)
    x = rv[1]
    mu_w, mu_x, V_w, V_x = mean_symbol("w"), mean_symbol("x"), var_symbol("w"), var_symbol("x")
    d = Derivation("Forward pass: the variance of a weighted sum", name="xavier_forward")
    d.define(y, total, "one pre-activation with $n_{in}$ inputs")
    d.equal(Expectation(y, rv), n * mu_w * mu_x, "linearity, and $w_i$ independent of $x_i$",
            instances=cases)
    d.equal(Variance(y, rv), n * (V_w * V_x + V_w * mu_x**2 + mu_w**2 * V_x),
            "independent terms: variances add; $Var(wx) = E[w^2] E[x^2] - E[w]^2 E[x]^2$",
            instances=cases)
    d.equal(Variance(y, rv), n * V_w * Expectation(x[1] ** 2, rv),
            "zero-mean weights: the inputs may have any mean (He's case)",
            given=(sp.Eq(mu_w, 0),), instances=cases)
    d.then(n * V_w * V_x, "zero-mean inputs too (Glorot: tanh is odd and linear near 0)",
           given=(sp.Eq(mu_x, 0),))
    d.solve(V_w, 1 / n, sp.Eq(n * V_w * V_x, V_x), "ask for $Var(y) = Var(x)$")
    return d


def xavier_backward() -> Derivation:
    r"""Backward variance: :math:`\operatorname{Var}(\partial L/\partial x) = n_{out}\operatorname{Var}(w)\operatorname{Var}(\partial L/\partial y)`.

    Input :math:`x_i` feeds the :math:`n_{out}` outputs
    :math:`y_j = \sum_i w_{ji} x_i + b_j`, so
    :math:`\partial L/\partial x_i = \sum_{j=1}^{n_{out}} w_{ji}\,\delta_j` with
    :math:`\delta_j = \partial L/\partial y_j`: the same algebra as the forward
    pass with :math:`n_{out}` terms. Keeping the variance needs
    :math:`\operatorname{Var}(w) = 1/n_{out}`.

    Returns
    -------
    Derivation

    Notes
    -----
    Independence of :math:`w` and :math:`\delta` is Glorot & Bengio's
    simplifying assumption (in the linear regime :math:`\delta` depends on the
    later layers' weights, not on this one's). Checked for
    :math:`n_{out} = 1, \dots, 5` as in :func:`xavier_forward`.

    Examples
    --------
    >>> xavier_backward().verify()
    True
    """
    n = _fan("n_out")
    g = _sym("g_x", r"\frac{\partial L}{\partial x_i}")
    total, rv, cases = _weighted_sum(n, "w", "delta")
    mu_w, mu_d, V_w, V_d = (mean_symbol("w"), mean_symbol("delta"), var_symbol("w"),
                            var_symbol("delta"))
    d = Derivation("Backward pass: the variance of a backpropagated gradient",
                   name="xavier_backward")
    d.define(g, total, "chain rule through the $n_{out}$ outputs; $\\delta_j = \\partial L/\\partial y_j$")
    d.equal(Variance(g, rv), n * (V_w * V_d + V_w * mu_d**2 + mu_w**2 * V_d),
            "the forward algebra with $n_{out}$ terms", instances=cases)
    d.then(n * V_w * V_d, "zero-mean weights and upstream gradients",
           given=(sp.Eq(mu_w, 0), sp.Eq(mu_d, 0)))
    d.solve(V_w, 1 / n, sp.Eq(n * V_w * V_d, V_d), "ask for $Var(\\partial L/\\partial x) = Var(\\delta)$")
    return d


def xavier_compromise() -> Derivation:
    r"""Glorot's compromise :math:`\operatorname{Var}(w) = 2/(n_{in}+n_{out})` and the uniform bound :math:`\sqrt{6/(n_{in}+n_{out})}`.

    The forward pass wants :math:`n_{in}\operatorname{Var}(w) = 1`, the
    backward pass :math:`n_{out}\operatorname{Var}(w) = 1`; asking their
    average to be 1 gives :math:`2/(n_{in}+n_{out})`, the harmonic mean of
    :math:`1/n_{in}` and :math:`1/n_{out}`. :math:`U[-a, a]` has variance
    :math:`a^2/3`, so :math:`a = \sqrt{6/(n_{in}+n_{out})}`.

    Returns
    -------
    Derivation

    Examples
    --------
    >>> xavier_compromise().verify()
    True
    """
    n_in, n_out = _fan("n_in"), _fan("n_out")
    V_w = var_symbol("w")
    a = _sym("a", positive=True)
    u = _sym("u", real=True)
    d = Derivation("Glorot's compromise between the two passes", name="xavier_compromise")
    d.solve(V_w, 2 / (n_in + n_out), sp.Eq((n_in * V_w + n_out * V_w) / 2, 1),
            "the two gains $n_{in} Var(w)$ and $n_{out} Var(w)$ average to 1")
    d.equal(2 / (n_in + n_out), 2 / (1 / (1 / n_in) + 1 / (1 / n_out)),
            "the harmonic mean of $1/n_{in}$ and $1/n_{out}$")
    d.equal(sp.Integral(u / (2 * a), (u, -a, a)), 0, "$U[-a, a]$ has density $1/(2a)$ and mean 0")
    d.equal(sp.Integral(u**2 / (2 * a), (u, -a, a)), a**2 / 3, "so its variance is $a^2/3$")
    d.solve(a, sp.sqrt(6 / (n_in + n_out)), sp.Eq(a**2 / 3, 2 / (n_in + n_out)),
            "match the variances, $a > 0$: Glorot's uniform bound")
    return d


def he_relu_second_moment() -> Derivation:
    r"""For :math:`z` symmetric about 0, :math:`\mathbb{E}[\mathrm{relu}(z)^2] = \operatorname{Var}(z)/2`.

    relu keeps :math:`z^2` on :math:`z > 0` and drops it on :math:`z < 0`.
    If :math:`z` is symmetric the two halves carry the same second moment
    :math:`P = N`, and :math:`P + N = \mathbb{E}[z^2] = \operatorname{Var}(z)`
    (mean 0), so :math:`P = \operatorname{Var}(z)/2` for any symmetric
    :math:`z` (symmetry enters as the stated assumption :math:`N = P`).
    Checked by integration for a normal, a Laplace and a uniform :math:`z`.

    Returns
    -------
    Derivation

    Notes
    -----
    Unlike the variance, :math:`\mathbb{E}[\mathrm{relu}(z)^2]` is not
    :math:`\operatorname{Var}(\mathrm{relu}(z))`: relu's output has mean
    :math:`\mathbb{E}[z^+] > 0`. He et al. need the second moment, because the
    next layer's variance is :math:`n\operatorname{Var}(w)\,\mathbb{E}[x^2]`.

    Examples
    --------
    >>> he_relu_second_moment().verify()
    True
    """
    P = _sym("P", r"\mathbb{E}[z^2; z > 0]", nonnegative=True)
    N = _sym("N", r"\mathbb{E}[z^2; z < 0]", nonnegative=True)
    V = _sym("V_z", r"\operatorname{Var}(z)", positive=True)
    u = _sym("u", real=True)
    s, lap, a = _sym("s", positive=True), _sym("b", positive=True), _sym("a", positive=True)
    d = Derivation("A relu keeps half of the second moment", name="he_relu_second_moment")
    d.solve(P, V / 2, sp.Eq(P + N, V),
            "the halves add to $E[z^2] = Var(z)$ (mean 0) and are equal (symmetry)",
            given=(sp.Eq(N, P),))
    d.equal(sp.Integral(u**2 * _normal_density(u, s), (u, 0, sp.oo)), s**2 / 2,
            "normal $z$ with $Var(z) = s^2$: $E[relu(z)^2]$ integrates $u > 0$ only")
    d.equal(sp.Integral(u**2 * sp.exp(-u / lap) / (2 * lap), (u, 0, sp.oo)), (2 * lap**2) / 2,
            "Laplace $z$ with scale $b$, $Var(z) = 2 b^2$")
    d.equal(sp.Integral(u**2 / (2 * a), (u, 0, a)), (a**2 / 3) / 2,
            "uniform $z$ on $[-a, a]$, $Var(z) = a^2/3$")
    return d


def he_init() -> Derivation:
    r"""He/Kaiming initialization: :math:`\operatorname{Var}(w) = 2/n_{in}` for relu layers.

    With zero-mean weights :math:`\operatorname{Var}(y_l) =
    n_{in}\operatorname{Var}(w)\,\mathbb{E}[x^2]` (the inputs
    :math:`x = \mathrm{relu}(y_{l-1})` are not zero-mean, so
    :math:`\mathbb{E}[x^2]` stays), and :math:`\mathbb{E}[x^2] =
    \operatorname{Var}(y_{l-1})/2` (:func:`he_relu_second_moment`). Keeping
    the variance needs :math:`\operatorname{Var}(w) = 2/n_{in}`: a normal with
    std :math:`\sqrt{2/n_{in}}`, or :math:`U[-a, a]` with :math:`a = \sqrt{6/n_{in}}`.

    Returns
    -------
    Derivation

    Examples
    --------
    >>> he_init().verify()
    True
    """
    n = _fan("n_in")
    y = _sym("y_l")
    total, rv, cases = _weighted_sum(n)
    mu_w, mu_x, V_w, V_x = mean_symbol("w"), mean_symbol("x"), var_symbol("w"), var_symbol("x")
    V = _sym("V_prev", r"\operatorname{Var}(y_{l-1})", positive=True)
    std, a = _sym("std", r"\mathrm{std}(w)", positive=True), _sym("a", positive=True)
    d = Derivation("He initialization for relu layers", name="he_init")
    d.define(y, total, "inputs $x_i = relu(y_{l-1,i})$")
    d.equal(Variance(y, rv), n * V_w * (V_x + mu_x**2), "zero-mean weights, as in the forward pass",
            given=(sp.Eq(mu_w, 0),), instances=cases)
    d.then(n * V_w * V / 2, "$E[x^2] = Var(x) + \\mu_x^2 = Var(y_{l-1})/2$, the relu moment",
           given=(sp.Eq(V_x, V / 2 - mu_x**2),))
    d.solve(V_w, 2 / n, sp.Eq(n * V_w * V / 2, V), "ask for $Var(y_l) = Var(y_{l-1})$")
    d.solve(std, sp.sqrt(2 / n), sp.Eq(std**2, 2 / n), "the standard deviation of the normal version")
    d.solve(a, sp.sqrt(6 / n), sp.Eq(a**2 / 3, 2 / n), "the bound of the uniform version")
    return d


def leaky_relu_gain() -> Derivation:
    r"""Leaky relu with slope :math:`a`: :math:`\mathbb{E}[f(z)^2] = \tfrac{1+a^2}{2}\operatorname{Var}(z)`, gain :math:`\sqrt{2/(1+a^2)}`.

    Hence :math:`\operatorname{Var}(w) = 2/((1+a^2)\,n_{in})`; the gain (std
    times :math:`\sqrt{n_{in}}`) is :math:`\sqrt{2/(1+a^2)}`, PyTorch's
    ``calculate_gain("leaky_relu", a)``, and :math:`a = 0` gives relu's
    :math:`\sqrt 2`.

    Returns
    -------
    Derivation

    Examples
    --------
    >>> leaky_relu_gain().verify()
    True
    """
    u, s = _sym("u", real=True), _sym("s", positive=True)
    a = _sym("a", nonnegative=True)
    n = _fan("n_in")
    V_w = var_symbol("w")
    V = _sym("V_prev", r"\operatorname{Var}(y_{l-1})", positive=True)
    gain = _sym("gain", r"\mathrm{gain}", positive=True)
    phi = _normal_density(u, s)
    d = Derivation("Leaky relu: the gain $\\sqrt{2/(1 + a^2)}$", name="leaky_relu_gain")
    d.equal(sp.Integral(u**2 * phi, (u, 0, sp.oo)) + a**2 * sp.Integral(u**2 * phi, (u, -sp.oo, 0)),
            (1 + a**2) * s**2 / 2,
            "$E[f(z)^2]$ for $z$ normal, $Var(z) = s^2$: slope 1 above 0, $a$ below")
    d.solve(V_w, 2 / ((1 + a**2) * n), sp.Eq(n * V_w * (1 + a**2) * V / 2, V),
            "keep the variance: $n_{in} Var(w) (1 + a^2)/2 = 1$")
    d.solve(gain, sp.sqrt(2 / (1 + a**2)), sp.Eq(gain**2, n * 2 / ((1 + a**2) * n)),
            "gain = std times $\\sqrt{n_{in}}$")
    d.equal(sp.sqrt(2 / (1 + a**2)), sp.sqrt(2), "$a = 0$ is relu", given=(sp.Eq(a, 0),))
    return d


# --------------------------------------------------------------------------
# Momentum and Adam
# --------------------------------------------------------------------------


def _check_t_max(t_max):
    if isinstance(t_max, bool) or not isinstance(t_max, int) or not 1 <= t_max <= 12:
        raise ValueError(f"t_max must be an integer from 1 to 12, got {t_max!r}")
    return t_max


def _ema(d, v, g, beta, T):
    """Define v_0 = 0 and v_t = beta v_{t-1} + (1 - beta) g_t for t = 1..T; return t and the cases."""
    t = _sym("t", positive=True, integer=True)
    cases = tuple({t: k} for k in range(1, T + 1))
    d.define(v[0], 0, "start from rest")
    d.define(v[t], beta * v[t - 1] + (1 - beta) * g[t],
             "exponential moving average of the gradients $g_t$", instances=cases)
    return t, cases


def momentum_unrolled(t_max: int = 4) -> Derivation:
    r"""Unroll EMA momentum :math:`v_t = \beta v_{t-1} + (1-\beta) g_t`, :math:`v_0 = 0`.

    .. math::
        v_t = (1-\beta)\sum_{k=0}^{t-1}\beta^k g_{t-k}, \qquad
        (1-\beta)\sum_{k=0}^{t-1}\beta^k = 1 - \beta^t, \qquad
        \hat v_t = \frac{v_t}{1-\beta^t}.

    The weights :math:`(1-\beta)\beta^k` sum to :math:`1 - \beta^t < 1`:
    early averages are biased toward the start value 0, which the correction
    :math:`\hat v_t` removes (on a constant gradient :math:`\hat v_t = g`
    exactly).

    Parameters
    ----------
    t_max : int
        The statements about :math:`v_t` are checked for
        :math:`t = 1, \dots, t_{max}` with symbolic gradients.

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
    t, cases = _ema(d, v, g, beta, T)
    d.equal(v[t], (1 - beta) * sp.Sum(beta**k * g[t - k], (k, 0, t - 1)),
            "unroll: each older gradient carries one more factor $\\beta$", instances=cases)
    d.equal((1 - beta) * sp.Sum(beta**k, (k, 0, t - 1)), 1 - beta**t,
            "geometric series: the weights sum to $1 - \\beta^t$, not 1", instances=cases)
    d.define(vhat[t], v[t] / (1 - beta**t), "bias correction", instances=cases)
    d.equal(vhat[t], G, "on a constant gradient the corrected average is exact",
            given=tuple(sp.Eq(g[j], G) for j in range(1, T + 1)), instances=cases)
    return d


def momentum_forms_equivalent(t_max: int = 4) -> Derivation:
    r"""EMA momentum with learning rate :math:`\eta` = PyTorch's momentum with :math:`\eta(1-\beta)`.

    PyTorch (``torch.optim.SGD``, ``dampening=0``) keeps
    :math:`b_t = \mu b_{t-1} + g_t`, :math:`b_0 = 0`. With :math:`\mu = \beta`,
    :math:`v_t = (1-\beta)\,b_t` for every :math:`t`, so the EMA update
    :math:`\theta_t = \theta_{t-1} - \eta v_t` and PyTorch's update
    :math:`\vartheta_t = \vartheta_{t-1} - \eta' b_t` take the same steps when
    :math:`\eta' = \eta(1-\beta)`.

    Parameters
    ----------
    t_max : int
        Checked for :math:`t = 1, \dots, t_{max}`; the induction step is
        checked in general.

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
    V, B, G = _sym("V"), _sym("B"), _sym("G")
    d = Derivation("EMA momentum = PyTorch momentum with lr times (1 - beta)",
                   name="momentum_forms_equivalent")
    t, cases = _ema(d, v, g, beta, T)
    d.define(b[0], 0, "PyTorch's buffer starts at 0")
    d.define(b[t], mu * b[t - 1] + g[t], "PyTorch: $b_t = \\mu b_{t-1} + g_t$", instances=cases)
    d.equal(v[t], (1 - beta) * b[t], "take $\\mu = \\beta$", given=(sp.Eq(mu, beta),),
            instances=cases)
    d.equal((beta * V + (1 - beta) * G) - (1 - beta) * (mu * B + G), beta * (V - (1 - beta) * B),
            "induction: the gap $v - (1 - \\beta) b$ is only multiplied by $\\beta$, and starts at 0",
            given=(sp.Eq(mu, beta),))
    d.define(theta[t], theta[t - 1] - eta * v[t], "EMA update, learning rate $\\eta$",
             instances=cases)
    d.define(phi[t], phi[t - 1] - eta_pt * b[t], "PyTorch update, learning rate $\\eta'$",
             instances=cases)
    d.equal(theta[t], phi[t], "same start, $\\mu = \\beta$ and $\\eta' = \\eta (1 - \\beta)$",
            given=(sp.Eq(mu, beta), sp.Eq(eta_pt, eta * (1 - beta)), sp.Eq(phi[0], theta[0])),
            instances=cases)
    return d


def momentum_effective_step() -> Derivation:
    r"""On a constant gradient, PyTorch's momentum step tends to :math:`\eta g/(1-\beta)`.

    EMA form: :math:`v_t = (1-\beta^t)\,g \to g`, so the step tends to
    :math:`\eta g`, plain gradient descent. PyTorch's form:
    :math:`b_t = \frac{1-\beta^t}{1-\beta}\,g \to \frac{g}{1-\beta}`: an
    effective learning rate :math:`\eta/(1-\beta)`, ten times :math:`\eta` at
    :math:`\beta = 0.9`. The limits use :math:`0 < \beta < 1`, written
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
    beta, lam = _sym("beta", positive=True), _sym("lambda", positive=True)
    eta = _sym("eta", positive=True)
    g, v, b = sp.IndexedBase("g"), sp.IndexedBase("v"), sp.IndexedBase("b")
    G = _sym("g")
    d = Derivation("The effective step of the two momentum forms", name="momentum_effective_step")
    t, cases = _ema(d, v, g, beta, T)
    d.define(b[0], 0, "PyTorch's buffer starts at 0")
    d.define(b[t], beta * b[t - 1] + g[t], "PyTorch's form with $\\mu = \\beta$", instances=cases)
    const = tuple(sp.Eq(g[j], G) for j in range(1, T + 1))
    d.equal(v[t], (1 - beta**t) * G, "constant gradient $g_t = g$: EMA form",
            given=const, instances=cases)
    d.equal(b[t], (1 - beta**t) / (1 - beta) * G, "and PyTorch's form", given=const, instances=cases)
    s = _sym("s", positive=True)
    below_one = (sp.Eq(beta, sp.exp(-lam)),)
    d.equal(sp.Limit(eta * (1 - beta**s) * G, s, sp.oo), eta * G,
            "EMA: the step tends to $\\eta g$, plain gradient descent", given=below_one)
    d.equal(sp.Limit(eta * (1 - beta**s) / (1 - beta) * G, s, sp.oo), eta / (1 - beta) * G,
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
    G = _sym("g", real=True, nonzero=True)
    t = _sym("t", positive=True, integer=True)
    cases = tuple({t: j} for j in range(1, T + 1))
    const = tuple(sp.Eq(g[j], G) for j in range(1, T + 1))
    d = Derivation("Adam's bias correction", name="adam_bias_correction")
    d.define(m[0], 0, "first moment starts at 0")
    d.define(m[t], b1 * m[t - 1] + (1 - b1) * g[t], "EMA of the gradients", instances=cases)
    d.define(v[0], 0, "second moment starts at 0")
    d.define(v[t], b2 * v[t - 1] + (1 - b2) * g[t] ** 2, "EMA of the squared gradients",
             instances=cases)
    d.equal(m[t] / (1 - b1**t), G, "constant gradient: $\\hat m_t = g$", given=const,
            instances=cases)
    d.equal(v[t] / (1 - b2**t), G**2, "and $\\hat v_t = g^2$", given=const, instances=cases)
    d.equal((m[1] / (1 - b1)) / sp.sqrt(v[1] / (1 - b2)), G / sp.Abs(G),
            "first step: size 1 in every coordinate, whatever $|g|$", given=const[:1])
    return d


# --------------------------------------------------------------------------
# Losses
# --------------------------------------------------------------------------


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
    d = Derivation("Softmax + cross-entropy: the gradient is s - y",
                   name="cross_entropy_softmax_gradient")
    d.define(sp.Matrix(s), sp.Matrix([sp.exp(zi) / total for zi in z]), "softmax")
    d.define(loss, -sum(yi * sp.log(si) for yi, si in zip(y, s)), "cross-entropy")
    d.equal(sp.Matrix([sp.Derivative(loss, zj) for zj in z]),
            sp.Matrix([si - yi for si, yi in zip(s, y)]),
            "$\\partial \\log s_i/\\partial z_j = \\delta_{ij} - s_j$ and $y_1 + y_2 + y_3 = 1$",
            given=(sp.Eq(y[2], 1 - y[0] - y[1]),))
    d.equal(sum(sp.Derivative(loss, zj) for zj in z), 0,
            "the gradient sums to 0 for any $y$: adding $c$ to every $z_j$ leaves $s$, so $L$, unchanged")
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
    zp, zn = _sym("z", positive=True), _sym("z", negative=True)
    loss = display_function("L", "L", show_args=True)
    d = Derivation("Binary cross-entropy with logits", name="bce_with_logits_gradient")
    d.define(sigma(z), _logistic(z), "the logistic sigmoid")
    d.define(loss(z), -y * sp.log(sigma(z)) - (1 - y) * sp.log(1 - sigma(z)), "binary cross-entropy")
    d.equal(sp.Derivative(loss(z), z), sigma(z) - y, "$\\sigma' = \\sigma (1 - \\sigma)$")

    def stable(x):
        return sp.Max(x, 0) - x * y + sp.log(1 + sp.exp(-sp.Abs(x)))

    d.equal(loss(zp), stable(zp), "stable form, case $z > 0$")
    d.equal(loss(zn), stable(zn), "stable form, case $z < 0$")
    d.equal(loss(0), stable(0), "and at $z = 0$")
    return d


ALL: dict = {
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


def names() -> list:
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
