"""The import graph of the `orchestration` package: `python -m orchestration.tools.imports`.

Prints one line per module with the package modules it imports (at module level or
inside a function), and exits 1 when the graph has a circle. tests/test_layout.py
runs it on every test run.
"""

from __future__ import annotations

import ast
import graphlib
import sys
from pathlib import Path

PACKAGE = "orchestration"
ROOT = Path(__file__).resolve().parents[1]


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _resolve(module: str, node: ast.ImportFrom, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """Package modules `path` imports. `from a import b` counts a.b when b is a module, else a
    (importing a submodule runs its package's __init__ too, but that is Python's, not a circle)."""
    module = module_name(path)
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(module, node, path.name == "__init__.py")
            names = [f"{target}.{a.name}" if f"{target}.{a.name}" in modules else target for a in node.names]
        else:
            continue
        found |= {n for n in names if n in modules}
    found.discard(module)
    return found


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    paths = sorted(root.rglob("*.py"))
    modules = {module_name(p) for p in paths}
    return {module_name(p): imports_of(p, modules) for p in paths}


def cycles(graph: dict[str, set[str]]) -> list[str]:
    """Empty when the graph has no circle; else the modules of one circle."""
    try:
        graphlib.TopologicalSorter(graph).prepare()
    except graphlib.CycleError as exc:
        return list(exc.args[1])
    return []


def main() -> int:
    graph = import_graph()
    for module in sorted(graph):
        print(f"{module} -> {', '.join(sorted(graph[module])) or '-'}")
    circle = cycles(graph)
    if circle:
        print("import circle: " + " -> ".join(circle), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
