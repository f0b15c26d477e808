"""The shape of the package: layers that import downwards only, no cycle, short modules.

The layer order is declared once, here. A module may import its own layer and
the layers below it; the symbolic derivations and the self-checks stand apart
(they import only the core) and nothing of the course imports them.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import lecture_kit

ROOT = Path(lecture_kit.__file__).parent

#: Lower number = lower layer. Keys are the top-level modules/subpackages of lecture_kit.
LAYERS = {
    "core": 0,                                                     # validation, Registry, numerics
    "activations": 1, "losses": 1, "init": 1, "optim": 1, "data": 1, "gradcheck": 1,  # numerics
    "schedules": 1, "clipping": 1, "normalization": 1, "approximation": 1,
    "layers": 2, "mlp": 2, "depth": 2, "autodiff": 2, "landscapes": 2,  # models: draw nothing
    "figures": 3, "axes": 3, "plots": 3, "graphs": 3, "explorer": 3, "frames": 3,
    "notebook": 3,  # the visual layer
    "explorers": 4, "widgets": 4,                                  # the chapter explorers
}
APART = {"derivations", "check"}  # SymPy derivations, self-checks: only the core below them
MAX_LINES = 800


def _modules():
    out = {}
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _imports(name, path):
    """Every lecture_kit module ``name`` imports, at any depth of the file (lazy ones too)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("lecture_kit")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("lecture_kit"):
                continue
            submodules = {f"{target}.{a.name}" for a in node.names} & set(MODULES)
            found |= submodules  # "from . import plots" imports the module plots
            if len(submodules) < len(node.names):
                found.add(target)  # names defined in target itself
    return {m for m in found if m in MODULES and m != name}  # the root package is a lazy loader


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _group(module):
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None  # None: the package itself (a lazy loader)


def test_every_module_has_a_layer():
    groups = {_group(m) for m in MODULES} - {None}
    assert groups <= set(LAYERS) | APART, groups - set(LAYERS) - APART


def test_no_upward_import():
    wrong = []
    for module, targets in GRAPH.items():
        g = _group(module)
        if g is None:
            continue
        for t in targets:
            h = _group(t)
            if h == g:
                continue
            if g in APART:
                ok = h == "core"
            elif h in APART:
                ok = False  # nothing of the course depends on the derivations or the self-checks
            else:
                ok = h is not None and LAYERS[h] <= LAYERS[g]
            if not ok:
                wrong.append(f"{module} -> {t}")
    assert not wrong, wrong


def test_no_import_cycle():
    state, stack, cycles = {}, [], []

    def visit(m):
        state[m] = "open"
        stack.append(m)
        for t in sorted(GRAPH[m]):
            if state.get(t) == "open":
                cycles.append(stack[stack.index(t):] + [t])
            elif t not in state:
                visit(t)
        stack.pop()
        state[m] = "done"

    for m in sorted(GRAPH):
        if m not in state:
            visit(m)
    assert not cycles, cycles


@pytest.mark.parametrize("module", sorted(MODULES))
def test_module_is_short_enough_to_read_in_one_sitting(module):
    n = len(MODULES[module].read_text(encoding="utf-8").splitlines())
    assert n <= MAX_LINES, f"{module} has {n} lines"


def _private_uses(path, module_names):
    """Private names a file takes from lecture_kit modules (``from x import _y``, ``x._y``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    aliases, bad = set(), []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith(
                "lecture_kit")):
            for a in node.names:
                if a.name.startswith("_") and not a.name.startswith("__"):
                    bad.append(f"from {node.module} import {a.name}")
                else:
                    aliases.add(a.asname or a.name)
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("lecture_kit"):
                    aliases.add(a.asname or a.name.split(".")[0])
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id in aliases and node.attr.startswith("_")
                and not node.attr.startswith("__")):
            bad.append(f"{node.value.id}.{node.attr}")
    return bad


def test_no_private_name_crosses_a_module_boundary():
    files = [p for p in ROOT.rglob("*.py") if "check" not in p.relative_to(ROOT).parts]
    tests = [p for p in Path(__file__).parent.glob("test_*.py")
             if not p.name.startswith("test_check")]
    bad = {str(p.relative_to(ROOT.parent)): u for p in files + tests
           if (u := _private_uses(p, MODULES))}
    assert not bad, bad


# ----------------------------------------------------------------------------
# every public name of the modules before the reshape (issue 17) still imports
# ----------------------------------------------------------------------------
BEFORE = Path(__file__).parent / "fixtures" / "public_names_before_reshape.json"
#: Drawing moved out of the models into the visual layer (the chapters were updated).
MOVED = {"autodiff.draw": "plots.draw_graph", "landscapes.contour": "plots.contour"}


def test_every_public_name_from_before_the_reshape_still_imports():
    import importlib
    import json

    missing = []
    for module, names in json.loads(BEFORE.read_text(encoding="utf-8")).items():
        mod = importlib.import_module(f"lecture_kit.{module}")
        for name in names:
            if f"{module}.{name}" in MOVED:
                new_module, new_name = MOVED[f"{module}.{name}"].split(".")
                assert hasattr(importlib.import_module(f"lecture_kit.{new_module}"), new_name)
                assert not hasattr(mod, name)  # no upward alias left behind
            elif not hasattr(mod, name):
                missing.append(f"{module}.{name}")
    assert not missing, missing
