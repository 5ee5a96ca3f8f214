"""The shape of the package: no import cycles, no module over 500 lines, no
module using another's private names, a cheap ``import nianbao``.

The imports are read with ``ast`` (every import, also those inside functions:
a cycle hidden in a function is still a cycle), nothing is executed.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "nianbao"
MAX_LINES = 500

# Known exceptions: none (issue 12 removed the last ones; keep it so).
TOO_LONG: set[str] = set()
KNOWN_CYCLES: list[set[str]] = []
KNOWN_PRIVATE: set[tuple[str, str]] = set()


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = ".".join(path.relative_to(SRC).with_suffix("").parts)
        found[name.removesuffix(".__init__")] = path
    return found


def _package_of(name: str, path: Path) -> str:
    return name if path.name == "__init__.py" else name.rpartition(".")[0]


def imports(name: str, path: Path, known: dict[str, Path]) -> list[tuple[str, ast.ImportFrom | ast.Import]]:
    """(module of the package, import node) for every import in the file."""
    package = _package_of(name, path)
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
            target = (f"{base}.{node.module}" if node.module else base) if node.level else node.module or ""
            for alias in node.names:  # `from . import charts` imports a module
                if f"{target}.{alias.name}" in known:
                    found.append((f"{target}.{alias.name}", node))
            if target in known:
                found.append((target, node))
        elif isinstance(node, ast.Import):
            found += [(alias.name, node) for alias in node.names if alias.name in known]
    return found


def import_graph() -> dict[str, set[str]]:
    known = modules()
    # The package itself imports its submodules only lazily (PEP 562): an edge to
    # it is the version string, not a dependency on every module.
    return {name: {target for target, _ in imports(name, path, known) if target not in (name, "nianbao")}
            for name, path in known.items()}


def cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(component)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles_among_the_package_modules():
    graph = import_graph()
    assert "nianbao.contract" in graph and "nianbao.rules" in graph["nianbao.contract"]  # the walk sees imports
    unexpected = [c for c in cycles(graph) if c not in KNOWN_CYCLES]
    assert unexpected == []


def test_no_module_over_500_lines():
    lengths = {name: len(path.read_text(encoding="utf-8").splitlines()) for name, path in modules().items()}
    assert {name for name, n in lengths.items() if n > MAX_LINES and name not in TOO_LONG} == set()


def test_no_module_imports_another_modules_private_names():
    known = modules()
    found = set()
    for name, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        module_names = {}  # local name -> module of the package it is bound to
        for target, node in imports(name, path, known):
            if isinstance(node, ast.ImportFrom):
                for alias in node.names:
                    if f"{target}.{alias.name}" in known:
                        module_names[alias.asname or alias.name] = f"{target}.{alias.name}"
                    elif _private(alias.name):
                        found.add((name, f"{target.rpartition('.')[2]}.{alias.name}"))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and _private(node.attr) and isinstance(node.value, ast.Name)
                    and node.value.id in module_names):
                found.add((name, f"{module_names[node.value.id].rpartition('.')[2]}.{node.attr}"))
    assert found - KNOWN_PRIVATE == set()


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


HEAVY = ("matplotlib", "pandas", "papermill", "nbconvert", "openpyxl", "weasyprint")


@pytest.mark.parametrize("statement", ["import nianbao", "import nianbao.cli", "from nianbao import Finding, RULES"])
def test_importing_the_package_and_the_cli_stays_cheap(statement):
    code = f"import sys; {statement}; print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          env={"PYTHONPATH": str(SRC), "PATH": ""})
    assert done.stdout.strip() == ""


def test_the_public_api_names_what_the_readme_and_notebook_use():
    import nianbao
    from nianbao.engine import check_project
    from nianbao.report import Report, open_report
    from nianbao.testing import ProjectBuilder

    for name in ("open_report", "Report", "load_project", "open_project", "check_project", "Finding",
                 "ProjectBuilder", "__version__"):
        assert name in nianbao.__all__
        assert getattr(nianbao, name) is not None
    assert (nianbao.open_report, nianbao.Report, nianbao.check_project, nianbao.ProjectBuilder) == (
        open_report, Report, check_project, ProjectBuilder)
    with pytest.raises(AttributeError):
        nianbao.no_such_name  # noqa: B018
