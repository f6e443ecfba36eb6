"""The package's layout: no import circle, and no import hidden in a function to dodge one."""

from __future__ import annotations

import ast

from orchestration.tools.imports import ROOT, cycles, import_graph, module_name

# Modules that import package modules inside a function, and why: the command line loads
# the pipeline (Dagster, dbt) and the checks (Great Expectations) only for the commands
# that need them, for start-up time; the pipeline loads the Dagster job only when a night
# has something to do (orchestration/build/quiet.py), and the benchmark the generator
# (pandas) only when it runs (`ccw --help` reads its scales).
LAZY = {"orchestration.cli", "orchestration.pipeline", "orchestration.tools.bench"}


def test_the_import_graph_has_no_circle():
    graph = import_graph()
    assert cycles(graph) == []
    # the flow reads downwards: nothing a run step uses imports the Dagster layer or the tools
    for module, imports in graph.items():
        if not module.startswith(("orchestration.dagster", "orchestration.pipeline", "orchestration.cli")):
            assert not {i for i in imports if i.startswith("orchestration.dagster")}, module
        if not module.startswith(("orchestration.tools", "orchestration.pipeline", "orchestration.cli")):
            assert not {i for i in imports if i.startswith("orchestration.tools")}, module


def test_a_circle_is_found():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}})
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_function_level_import_of_the_package_but_in_the_command_line():
    found = set()
    for path in ROOT.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                for inner in ast.walk(node):
                    if isinstance(inner, ast.ImportFrom) and (
                        inner.level or (inner.module or "").startswith("orchestration")
                    ):
                        found.add(module_name(path))
    assert found <= LAZY, found - LAZY
