r"""The proof checker: derivations as steps, each step checked by SymPy.

The course's own derivations are in :mod:`lecture_kit.derivations.activations`,
``.initialization``, ``.optimization`` and ``.losses``; this module knows
nothing of them.

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

How a derivation is displayed
-----------------------------
One equation a line, its justification under it, so that a derivation fits
the book's 688 px column (a long equation is broken before a sign; widths are
estimated by :mod:`.measure` and measured in the browser by the tests). Two
forms: ``text/html`` (:meth:`Derivation.to_html`: MathJax formulas marked up
as Sphinx does, justifications as wrapped paragraphs; myst-nb and JupyterLab
prefer it) and ``text/latex`` (:meth:`Derivation.to_latex`: one ``aligned``
block with ``\text`` rows wrapped at :data:`TEXT_CHARS` characters).

Justifications are ASCII text with optional ``$inline math$``; the math parts
are typeset as math, the rest as text. :class:`AsWritten` keeps an
expression as written when SymPy would simplify the very point of a step
away (the harmonic mean of Glorot's compromise).

"""

from __future__ import annotations

import dataclasses
import html
import re
from typing import Iterator

import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.matrices import MatrixBase
from sympy.printing.latex import LatexPrinter
from .measure import LINE_EM, TEXT_CHARS, latex_width, wrap_text  # noqa: F401

__all__ = [
    "Step",
    "StepCheck",
    "Derivation",
    "DerivationError",
    "Expectation",
    "Variance",
    "AsWritten",
    "display_function",
    "symbol",
    "logistic",
    "normal_density",
    "mean_symbol",
    "var_symbol",
    "sigma",
    "sigma_prime",
    "f_act",
    "f_prime",
]

_RELATIONS = {"=": "=", "<=": r"\le", ">=": r"\ge", ":=": r"\mathrel{:=}"}
_LATEX_SPECIALS = re.compile(r"[\\{}&%#_^~]")  # not allowed in the text part of a justification


class DerivationError(AssertionError):
    """Raised by :meth:`Derivation.verify` with ``raise_error=True``."""


# --------------------------------------------------------------------------
# Symbols and functions that print nicely
# --------------------------------------------------------------------------

_SYMBOL_LATEX: dict = {}


def symbol(name: str, latex: str | None = None, **assumptions) -> sp.Symbol:
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


def logistic(u):
    """The logistic function :math:`1/(1 + e^{-u})` as a SymPy expression."""
    return 1 / (1 + sp.exp(-u))


def normal_density(u, s):
    r"""The density of :math:`\mathcal N(0, s^2)` at ``u`` as a SymPy expression."""
    return sp.exp(-(u**2) / (2 * s**2)) / (s * sp.sqrt(2 * sp.pi))


# --------------------------------------------------------------------------
# Expectations of polynomials in independent random variables
# --------------------------------------------------------------------------


def _greek(name: str) -> str:
    """The LaTeX of a family name: ``delta`` is :math:`\\delta`, ``w`` stays ``w``."""
    return sp.latex(sp.Symbol(name))


def mean_symbol(family: str) -> sp.Symbol:
    r"""The mean :math:`\mathbb{E}[f]` shared by the random family ``f`` (``w_1, w_2, ...``)."""
    return symbol(f"mu_{family}", rf"\mu_{{{_greek(family)}}}", real=True)


def var_symbol(family: str) -> sp.Symbol:
    r"""The variance :math:`\operatorname{Var}(f)` shared by the random family ``f``."""
    return symbol(f"Var_{family}", rf"\operatorname{{Var}}({_greek(family)})", positive=True)


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
        text = r"\mathbb{E}\!\left[%s\right]" % printer._print(self.args[0])
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
        text = r"\operatorname{Var}\!\left(%s\right)" % printer._print(self.args[0])
        return text if exp is None else rf"{{{text}}}^{{{exp}}}"


class AsWritten(sp.Function):
    r"""An expression displayed as written: SymPy neither reorders nor simplifies it.

    Build the argument with ``evaluate=False`` (``sp.Mul(w[j, i], delta[j],
    evaluate=False)``); it prints with its factors and terms in the order
    given, and ``doit()`` (which the checker calls) hands the plain
    expression to SymPy. This is how a step shows the harmonic mean
    :math:`2/(1/a + 1/b)` instead of what SymPy makes of it.

    Examples
    --------
    >>> n = sp.Symbol("n", positive=True)
    >>> shown = AsWritten(sp.Pow(sp.Pow(n, -1), -1, evaluate=False))
    >>> sp.latex(shown), shown.doit()
    ('\\frac{1}{1 / n}', n)
    """

    def doit(self, **hints):
        return self.args[0].doit(**hints)

    def _latex(self, printer, exp=None):
        text = sp.latex(self.args[0], order="none", fold_short_frac=True,
                        symbol_names=_SYMBOL_LATEX)
        return text if exp is None else rf"\left({text}\right)^{{{exp}}}"


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
    >>> print(d.to_latex(title=False))
    \begin{aligned}
    &0 \le x^{2} \\
    &\qquad \text{a real number squared}
    \end{aligned}
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

    def latex_sides(self) -> list:
        """``(lhs, relation, rhs)`` of every step as displayed LaTeX strings, chains resolved."""
        return [(_latex(lhs), rel, _latex(rhs)) for lhs, rel, rhs in self.sides()]

    def layout(self) -> list:
        r"""Per step: the LaTeX rows of its equation and its justification (``$math$`` text).

        Each equation row fits :data:`LINE_EM` where it can (see
        :func:`_equation_rows`); a continued step (``lhs=None``) keeps its
        relation under the one above (``\hphantom``) when that fits.
        """
        out, head = [], None
        for step in self.steps:
            rows = _equation_rows(step.lhs, step.relation, step.rhs, head)
            if step.lhs is not None:
                head = _latex(step.lhs) if len(rows) == 1 else None
            why = step.why
            notes = _why_notes(step)
            if notes:
                why += "; given " + ", ".join(f"${n}$" for n in notes)
            checked = _why_checked(step)
            if checked:
                why += f" (checked for ${checked}$)"
            out.append((rows, why))
        return out

    def to_latex(self, title: bool = True) -> str:
        r"""The steps as one left-aligned ``aligned`` block: each equation, then its justification.

        The justification is a ``\text`` row under its step, indented and
        wrapped at :data:`TEXT_CHARS` characters, so the block stays narrow.
        """
        steps = []
        for eq_rows, why in self.layout():
            rows = [f"&{r}" for r in eq_rows]
            rows += [r"&\qquad " + _text_latex(line) for line in wrap_text(why, TEXT_CHARS)]
            steps.append(" \\\\\n".join(rows))
        body = "\\begin{aligned}\n" + " \\\\[3pt]\n".join(steps) + "\n\\end{aligned}"
        if title:
            head = r" \\ ".join(rf"\mathbf{{{_text_latex(line)}}}"
                                for line in wrap_text(self.title, TEXT_CHARS - 8))
            body = (r"\begin{array}{l}" + head + r"\\[4pt]" + "\n" + body + "\n"
                    + r"\end{array}")
        return body

    def _repr_latex_(self) -> str:
        return "$$" + self.to_latex() + "$$"

    def to_html(self) -> str:
        """The derivation as HTML: each equation a MathJax display, its justification under it.

        The text wraps with the column; an equation wider than the column
        scrolls inside its own box (never clipped). Math is marked up as
        Sphinx marks it (``class="math"``, ``\\(...\\)``) and the block
        carries ``mathjax_process``, so MathJax typesets it in the book (which
        only processes such elements in notebook output) and in JupyterLab.
        """
        parts = ['<div class="lk-derivation mathjax_process" '
                 'style="max-width:100%;box-sizing:border-box;margin:0.5em 0;text-align:left">',
                 f'<p class="lk-derivation-title" style="margin:0 0 0.4em 0">'
                 f"<strong>{_html_text(self.title)}</strong></p>"]
        for eq_rows, why in self.layout():
            tex = eq_rows[0] if len(eq_rows) == 1 else (
                r"\begin{aligned}" + r" \\ ".join(f"&{r}" for r in eq_rows) + r"\end{aligned}")
            tex = html.escape(r"\displaystyle " + tex, quote=False)
            parts += ['<div class="lk-step" style="margin:0 0 0.55em 0">',
                      '<div class="lk-step-math math notranslate nohighlight" '
                      'style="overflow-x:auto;overflow-y:hidden;max-width:100%;text-align:left;'
                      f'padding:0.15em 0">\\({tex}\\)</div>',
                      '<div class="lk-step-why" style="margin:0 0 0 2em;font-size:0.9em;'
                      f'line-height:1.45;overflow-wrap:break-word">{_html_text(why)}</div>',
                      "</div>"]
        parts.append("</div>")
        return "\n".join(parts)

    def _repr_html_(self) -> str:
        return self.to_html()

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


# Display layout: one equation a line, its justification under it.

def _text_latex(text: str) -> str:
    """``text`` with ``$math$`` parts: the text in ``\\text{}``, the math as math."""
    return "".join(rf"\text{{{p}}}" if i % 2 == 0 else p
                   for i, p in enumerate(text.split("$")) if p)


def _terms(expr) -> list:
    """The LaTeX of the terms of a sum, in the printer's order, signs kept (``- b``)."""
    printer = LatexPrinter({"symbol_names": _SYMBOL_LATEX})
    out = []
    for k, term in enumerate(printer._as_ordered_terms(expr)):
        tex = printer._print(term)
        if tex.startswith("-"):
            out.append("- " + tex[1:].lstrip())
        else:
            out.append(tex if k == 0 else "+ " + tex)
    return out


def _equation_rows(lhs, relation, rhs, head) -> list:
    r"""The LaTeX rows of one step's equation, each at most :data:`LINE_EM` wide if possible.

    ``head`` is the LaTeX of the chain's left side for a continued step
    (``lhs is None``). The rows are left-aligned: one row ``lhs = rhs`` when
    it fits; else ``lhs`` on a row and ``= rhs`` indented under it, a long sum
    broken before a ``+`` or ``-`` sign.
    """
    rel = _RELATIONS[relation]
    right = _latex(rhs)
    left = _latex(lhs) if lhs is not None else None
    if left is not None and latex_width(f"{left} {rel} {right}") <= LINE_EM:
        return [f"{left} {rel} {right}"]
    if left is None and head is not None and latex_width(f"{head} {rel} {right}") <= LINE_EM:
        return [rf"\hphantom{{{head}}} {rel} {right}"]
    rows = [] if left is None else [left]
    indent = r"\qquad "
    if latex_width(right) + 3 <= LINE_EM or not isinstance(rhs, sp.Add):
        return rows + [f"{indent}{rel} {right}"]
    line = f"{indent}{rel}"
    for term in _terms(rhs):
        if latex_width(f"{line} {term}") > LINE_EM and line.strip() not in (indent.strip() + rel,):
            rows.append(line)
            line = r"\qquad\quad"
        line += " " + term
    return rows + [line]


def _why_notes(step) -> list:
    """The stated facts of a step as LaTeX: its ``given`` identities and ``bounds``."""
    notes = [f"{_latex(g.lhs)} = {_latex(g.rhs)}" for g in step.given]
    notes += [rf"{_latex(b.lhs)} \le {_latex(b.rhs)}" for b in step.bounds]
    return notes


def _why_checked(step) -> str:
    """``t = 1, 2, 3, 4`` for a step checked on instances (LaTeX), or ''."""
    if not step.instances:
        return ""
    keys = list(step.instances[0])
    return "; ".join(f"{_latex(k)} = " + ", ".join(_latex(inst[k]) for inst in step.instances)
                     for k in keys)


def _html_math(tex: str) -> str:
    return f'<span class="math notranslate nohighlight">\\({html.escape(tex, quote=False)}\\)</span>'


def _html_text(text: str) -> str:
    """Text with ``$math$`` parts as HTML: escaped text, math for MathJax."""
    return "".join(html.escape(p, quote=False) if i % 2 == 0 else _html_math(p)
                   for i, p in enumerate(text.split("$")) if p)


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
