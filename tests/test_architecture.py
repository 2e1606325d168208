"""The import rule: cli -> pipeline -> handout -> results -> analysis -> ingest -> base, and no cycles.

Every ``helpers`` module's imports (also those inside functions) are read with ``ast``:
a module may import its own room and the rooms below it, never one above; the handout
reaches the analysis only through ``results``; the pipeline uses only the handout's
public face (``helpers.handout``), never its internals; the notebooks import no
``helpers.pipeline``. Cycles between modules are refused as well.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from conftest import ROOT

HELPERS = ROOT / "src" / "helpers"
#: The rooms, lowest first.
ROOMS = ("base", "ingest", "analysis", "results", "handout", "pipeline", "cli")


def module_name(path: Path) -> str:
    parts = path.relative_to(HELPERS).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(HELPERS.rglob("*.py"))}


def room(module: str) -> str:
    top = module.split(".")[0]
    return top if top in ROOMS else "base"


def imports(source: str, here: str = "") -> set[str]:
    """The ``helpers`` modules a piece of code imports (dotted, below ``helpers``)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names if a.name.split(".")[0] == "helpers"]
            found |= {n.partition(".")[2] for n in names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                package = here.split(".")[: -node.level]
                base = ".".join(package + ([node.module] if node.module else []))
            elif (node.module or "").split(".")[0] == "helpers":
                base = node.module.partition(".")[2]
            else:
                continue
            for alias in node.names:
                sub = f"{base}.{alias.name}".strip(".")
                found.add(sub if sub in MODULES else base)
    return {m for m in found if m}


GRAPH = {name: imports(path.read_text(encoding="utf-8"), name) for name, path in MODULES.items()}


def violations(graph: dict[str, set[str]]) -> list[str]:
    """Imports against the rule, as ``"a -> b: why"``."""
    out = []
    for module, targets in sorted(graph.items()):
        for target in sorted(targets):
            a, b = room(module), room(target)
            if ROOMS.index(b) > ROOMS.index(a):
                out.append(f"{module} -> {target}: {a} may not import {b}")
            elif a == "handout" and b == "analysis":
                out.append(f"{module} -> {target}: the handout reaches the analysis only through results")
            elif a == "pipeline" and b == "handout" and target != "handout":
                out.append(f"{module} -> {target}: the pipeline uses only helpers.handout, not its internals")
    return out


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_imports_run_one_way():
    assert violations(GRAPH) == []


def test_no_import_cycles():
    assert cycles(GRAPH) == []


def test_the_rule_and_the_cycle_search_can_fail():
    """The checks themselves, on made-up graphs: an upward import, a handout shortcut, a cycle."""
    graph = {"io": {"analysis.network"}, "handout.plots": {"analysis.network", "results"},
             "pipeline.scheduler": {"handout.context", "handout"}, "analysis.a": {"analysis.b"},
             "analysis.b": {"analysis.c"}, "analysis.c": {"analysis.a"}}
    assert violations(graph) == [
        "handout.plots -> analysis.network: the handout reaches the analysis only through results",
        "io -> analysis.network: base may not import analysis",
        "pipeline.scheduler -> handout.context: the pipeline uses only helpers.handout, not its internals",
    ]
    assert cycles(graph) == [["analysis.a", "analysis.b", "analysis.c"]]


@pytest.mark.parametrize("notebook", sorted((ROOT / "notebooks").glob("*.ipynb")) + [ROOT / "report" / "handout.ipynb"],
                         ids=lambda p: p.name)
def test_notebooks_do_not_import_the_pipeline_and_define_nothing(notebook):
    cells = [c for c in json.loads(notebook.read_text(encoding="utf-8"))["cells"] if c["cell_type"] == "code"]
    for cell in cells:
        source = "".join(cell["source"])
        code = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
        tree = ast.parse(code)
        assert not [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef, ast.Lambda))], source
        assert not [m for m in imports(code) if room(m) == "pipeline"], source


def test_every_module_declares_all():
    missing = [name for name, path in MODULES.items()
               if "__all__" not in {t.id for n in ast.parse(path.read_text(encoding="utf-8")).body
                                    if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)}]
    assert missing == []
