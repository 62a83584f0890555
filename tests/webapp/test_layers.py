"""The services and the sync handlers import each other in layers, in plain sight: no
import of a sibling module hidden inside a function, and no cycle among all their imports
(``webapp.tasks`` included, which the reports use)."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("webapp.services", "webapp.sync")
EXTRA = ("webapp.tasks",)


def _modules() -> dict[str, Path]:
    out = {}
    for package in PACKAGES:
        folder = ROOT / package.replace(".", "/")
        for path in sorted(folder.glob("*.py")):
            out[package if path.stem == "__init__" else f"{package}.{path.stem}"] = path
    for name in EXTRA:
        out[name] = ROOT / (name.replace(".", "/") + ".py")
    return out


MODULES = _modules()


def _imports(name: str, path: Path) -> list[tuple[str, bool]]:
    """(imported module, inside a function) for each import of ``name``, resolved to a
    module of MODULES where it names one (``from . import policy`` -> the policy)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.stem == "__init__" else name.rpartition(".")[0]
    out = []

    def visit(node, nested: bool):
        for child in ast.iter_child_nodes(node):
            inner = nested or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.Import):
                out.extend((alias.name, nested) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    parts = package.split(".")
                    base = ".".join(parts[: len(parts) - child.level + 1] + ([child.module] if child.module else []))
                for alias in child.names:
                    full = f"{base}.{alias.name}"
                    out.append((full if full in MODULES else base, nested))
            visit(child, inner)

    visit(tree, False)
    return out


def test_every_module_imports():
    for name in MODULES:
        importlib.import_module(name)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_sibling_import_hidden_in_a_function(name):
    package = name if MODULES[name].stem == "__init__" else name.rpartition(".")[0]
    hidden = [target for target, nested in _imports(name, MODULES[name]) if nested and target in MODULES and target != name
              and (target.startswith(package + ".") or target == package)]
    assert not hidden, f"{name} imports {hidden} inside a function: import them at the top (a cycle would show)"


def test_no_import_cycle():
    graph = {name: {t for t, _nested in _imports(name, path) if t in MODULES and t != name} for name, path in MODULES.items()}
    # a package's __init__ re-exports its modules: importing a module through it is not a
    # dependency of the package on that module's importers
    for name in graph:
        graph[name] -= {p for p in PACKAGES if p != name and name.startswith(p + ".")}
    state: dict[str, int] = {}
    stack: list[str] = []

    def walk(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = walk(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for name in sorted(graph):
        if name not in state:
            cycle = walk(name)
            assert cycle is None, " -> ".join(cycle)
