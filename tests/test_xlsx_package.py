"""The workbook package stays small and one-way: short modules, no import cycle
among them, no private name taken from another module."""

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

import nianbao.xlsx

PACKAGE = Path(nianbao.xlsx.__path__[0])
MODULES = {path.stem: path for path in sorted(PACKAGE.glob("*.py"))}


def imports(path: Path):
    """(module imported, level, names) for every relative import, wherever it is in the file."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            yield node.module, node.level, [alias.name for alias in node.names]


def siblings(path: Path) -> set[str]:
    found = set()
    for module, level, names in imports(path):
        if level == 1:
            found |= {module.split(".")[0]} if module else {n if n in MODULES else "__init__" for n in names}
    return found


def test_the_package_has_the_modules_it_was_split_into():
    assert {"__init__", "sheets", "write", "read", "diff", "importing"} <= set(MODULES)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_every_module_is_under_500_lines(name):
    assert len(MODULES[name].read_text(encoding="utf-8").splitlines()) < 500


def test_no_import_cycle_among_the_modules():
    graph = {name: siblings(path) for name, path in MODULES.items() if name != "__init__"}
    assert all(deps <= set(graph) for deps in graph.values()), graph  # nothing imports the package back
    try:
        order = list(TopologicalSorter(graph).static_order())
    except CycleError as exc:  # pragma: no cover - the failure being tested for
        pytest.fail(f"import cycle: {exc.args[1]}")
    assert order.index("sheets") < order.index("read") < order.index("diff") < order.index("importing")


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_private_name_is_imported_from_another_module(name):
    private = [(module, n) for module, _, names in imports(MODULES[name]) for n in names if n.startswith("_")]
    assert private == []


def test_the_package_exports_what_its_callers_use():
    used = {"META_SHEET", "SHEET_APPLICATIONS", "SHEET_TEXT", "ImportUsageError", "build_workbook",
            "import_workbooks", "sheet_specs", "read_workbook", "value_cells", "write_workbooks"}
    assert set(nianbao.xlsx.__all__) == used
    assert all(hasattr(nianbao.xlsx, n) for n in used)
    assert callable(nianbao.xlsx.sheet_specs)
