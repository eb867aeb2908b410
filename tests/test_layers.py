"""The house as drawn: a module imports only what stands below it in the pipeline, and no
module reaches itself through its imports.

    base      monitor._version, monitor.errors, monitor.atomic, monitor.reading
    model     monitor.model.*        schema, load, geometry, hazards, instance, metrics
    solvers   monitor.solvers.*
    studies   monitor.studies.*      baselines, calibration, frontier, schedule, simulation
    outputs   monitor.outputs.*      documents, text, figures
    api       monitor.api
    cli       monitor.cli.*
    package   monitor, monitor.__main__   (the public names and `python -m monitor`)

Read from the code with ast, as imports are written (also those inside functions).
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "monitor"
LAYERS = ["base", "model", "solvers", "studies", "outputs", "api", "cli", "package"]


def _name(path: Path) -> str:
    parts = list(path.with_suffix("").relative_to(PACKAGE.parent).parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def layer(module: str) -> str:
    if module in ("monitor", "monitor.__main__"):
        return "package"
    head = module.split(".")[1]
    if head in ("_version", "errors", "atomic", "reading"):
        return "base"
    if head in LAYERS:
        return head
    raise AssertionError(f"{module} has no layer: add it to LAYERS in {__file__}")


def imports(module: str) -> set[str]:
    """The package's modules that `module` imports (the deepest module each import names)."""
    path = MODULES[module]
    is_pkg = path.name == "__init__.py"
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if is_pkg else module.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            subs = [f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in MODULES]
            names = subs if len(subs) == len(node.names) else subs + [target]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        for n in names:
            while n and n not in MODULES:
                n = n.rpartition(".")[0]
            if n.startswith("monitor") and n != module:
                out.add(n)
    return out


GRAPH = {m: imports(m) for m in MODULES}


def test_every_module_has_a_layer():
    assert {layer(m) for m in MODULES} <= set(LAYERS)


def upward(graph: dict[str, set[str]]) -> list[str]:
    """Imports from a module to one in a higher layer."""
    return [f"{m} ({layer(m)}) imports {t} ({layer(t)})" for m, ts in graph.items() for t in sorted(ts)
            if LAYERS.index(layer(t)) > LAYERS.index(layer(m))]


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components of more than one module."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_runs_back_up_the_pipeline():
    bad = upward(GRAPH)
    assert not bad, "\n".join(bad)


def test_no_import_circles():
    assert not circles(GRAPH)


def test_only_the_plots_module_imports_matplotlib_and_nothing_switches_the_backend():
    def uses(p: Path) -> bool:
        return any(isinstance(n, (ast.Import, ast.ImportFrom)) and "matplotlib" in ast.dump(n)
                   for n in ast.walk(ast.parse(p.read_text(encoding="utf-8"))))

    assert sorted(m for m, p in MODULES.items() if uses(p)) == ["monitor.outputs.plots"]
    assert not any("matplotlib.use(" in p.read_text(encoding="utf-8") for p in MODULES.values())


def test_the_checks_can_fail():
    """A model module importing the API, and two modules importing each other, are reported."""
    assert upward({"monitor.model.x": {"monitor.api", "monitor.errors"}}) == [
        "monitor.model.x (model) imports monitor.api (api)"]
    assert circles({"monitor.studies.a": {"monitor.studies.b"}, "monitor.studies.b": {"monitor.studies.a"},
                    "monitor.studies.c": {"monitor.studies.a"}}) == [["monitor.studies.a", "monitor.studies.b"]]


def test_the_layers_read_the_real_imports():
    """Spot checks of the graph itself, so an empty graph cannot pass."""
    assert "monitor.model.instance" in GRAPH["monitor.solvers.greedy"]
    assert "monitor.api" in GRAPH["monitor.cli"]
    assert "monitor.solvers.exact.phases" in GRAPH["monitor.solvers.exact"]
