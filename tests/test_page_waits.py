"""No browser test can wait for ever, read from the tests' own source.

Playwright's ``evaluate`` waits for the promise a page function returns and has no
timeout; ``wait_for_function`` polls on animation frames unless told otherwise, and
a page Chromium does not paint (one of several loading side by side) may get none.
A CI run once stood 20 minutes on a theme switch that awaited two animation frames
and the page's CSS transitions. So, in every test module:

* a function run with ``evaluate`` (and its element and locator forms) is
  synchronous: no promise, ``async``/``await``, ``then``, timer or animation frame.
  Anything asynchronous goes through ``_book.settle``, which waits with a timeout;
* every ``wait_for_function`` polls on a timer (``polling=<ms>``), never ``"raf"``.

The JavaScript is found where it is written: a string literal, an f-string's
literal parts, or a module-level constant of the same module or of ``_book``. A
call whose function cannot be read that way is reported too.
"""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
EVALUATES = {"evaluate", "evaluate_handle", "evaluate_all", "eval_on_selector",
             "eval_on_selector_all"}
ASYNC = re.compile(r"\bPromise\b|\basync\b|\bawait\b|\.then\s*\(|requestAnimationFrame"
                   r"|setTimeout|setInterval|\.finished\b|\.ready\b|\bfetch\s*\(")
# the one place allowed to start asynchronous work with evaluate: settle() starts
# the promise without returning it, and waits for its outcome with a timeout
EXEMPT = {("_book.py", "settle")}


def _constants(tree: ast.Module) -> dict[str, str]:
    out = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 \
                and isinstance(node.targets[0], ast.Name):
            text = _literal(node.value, {})
            if text is not None:
                out[node.targets[0].id] = text
    return out


def _literal(node, constants: dict[str, str]) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value for v in node.values
                       if isinstance(v, ast.Constant) and isinstance(v.value, str))
    if isinstance(node, ast.Name):
        return constants.get(node.id)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _literal(node.left, constants), _literal(node.right, constants)
        return None if left is None or right is None else left + right
    return None


def wait_problems(source: str, filename: str, shared: dict[str, str] | None = None) -> list[str]:
    """Every unbounded wait in one module's source (``shared``: constants importable
    from ``_book``)."""
    tree = ast.parse(source, filename=filename)
    constants = dict(shared or {})
    constants.update(_constants(tree))
    problems = []

    def visit(node, function: str | None):
        for child in ast.iter_child_nodes(node):
            inner = child.name if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) \
                else function
            if isinstance(child, ast.Call) and isinstance(child.func, ast.Attribute):
                where = f"{filename}:{child.lineno}"
                name = child.func.attr
                if name in EVALUATES and (filename, function) not in EXEMPT:
                    text = _literal(child.args[0], constants) if child.args else None
                    if text is None:
                        problems.append(f"{where}: {name}() of a function this check "
                                        "cannot read (use a literal or a module constant)")
                    elif found := ASYNC.search(text):
                        problems.append(f"{where}: {name}() of an asynchronous function "
                                        f"({found.group(0).strip()!r}); use "
                                        "_book.settle, which waits with a timeout")
                elif name == "wait_for_function":
                    polling = next((k.value for k in child.keywords if k.arg == "polling"),
                                   None)
                    if polling is None or (isinstance(polling, ast.Constant)
                                           and polling.value == "raf"):
                        problems.append(f"{where}: wait_for_function() polls on animation "
                                        "frames; give polling=<ms>")
            visit(child, inner)

    visit(tree, None)
    return problems


@functools.cache
def _book_constants() -> dict[str, str]:
    return _constants(ast.parse((TESTS / "_book.py").read_text(encoding="utf-8")))


@pytest.mark.parametrize("path", sorted(TESTS.glob("*.py")), ids=lambda p: p.name)
def test_no_browser_wait_without_a_timeout(path):
    problems = wait_problems(path.read_text(encoding="utf-8"), path.name, _book_constants())
    assert problems == []


PLANTED = '''
THEME = """(t) => new Promise((ok) => requestAnimationFrame(ok))"""
SYNC = "() => document.title"

def case(page, image, x):
    page.evaluate(THEME, "dark")
    page.evaluate("async () => { await 1; }")
    image.evaluate("img => fetch(img.src)")
    page.evaluate(f"() => document.fonts.ready.then(() => {x})")
    page.evaluate(x)
    page.wait_for_function("() => true")
    page.wait_for_function("() => true", polling="raf")
    page.evaluate(SYNC)
    page.evaluate("() => 1 + 1")
    page.wait_for_function("() => true", polling=100)
'''


def test_the_check_finds_every_planted_unbounded_wait():
    problems = wait_problems(PLANTED, "planted.py")
    lines = sorted(int(p.split(":")[1]) for p in problems)
    assert lines == [6, 7, 8, 9, 10, 11, 12], problems
    assert sum("settle" in p for p in problems) == 4
    assert sum("cannot read" in p for p in problems) == 1


def test_settle_itself_is_the_only_exemption():
    """The same source under another name is reported: the exemption is settle's."""
    source = (TESTS / "_book.py").read_text(encoding="utf-8")
    assert wait_problems(source, "_book.py") == []
    renamed = source.replace("def settle(", "def not_settle(", 1)
    assert any("asynchronous" in p for p in wait_problems(renamed, "_book.py"))
