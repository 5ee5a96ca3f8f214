"""formats.py is the one place a label is spelt, and every cell the kit names exists.

A misspelt label elsewhere would read as a missing cell, i.e. 0, and a rule would
silently check against nothing; these tests make that impossible to commit.
"""

from __future__ import annotations

import ast
import random
from pathlib import Path

import pytest

from htmlgrid import grid as expand
from htmlgrid import table_with_class
from nianbao import formats as F
from nianbao import grids as G
from nianbao import prose, rules, synth, tables
from nianbao.contract import Submission
from nianbao.xlsx.sheets import sheet_specs, value_cells

SRC = Path(F.__file__).resolve().parent
TOOLS = SRC.parents[1] / "tools"

# Issue 13: these modules are being split concurrently; the lead moves their
# remaining literals to names in formats.py after merging, then empties this set.
NOT_YET: set[str] = set()

# Labels this short are ordinary words too (其他, 总计, 规章): only a string that is
# exactly the label counts.  Longer ones count wherever they occur in a string.
SHORT = 3


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def string_literals(path: Path) -> list[tuple[int, str]]:
    """(line, text) of every string constant of a module, f-string parts included,
    docstrings left out (they describe, they do not print)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _docstrings(tree)
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip
    ]


def labels_in(text: str, labels) -> list[str]:
    return [label for label in labels if label == text or (len(label) > SHORT and label in text)]


def modules():
    for path in sorted(SRC.rglob("*.py")):
        if path.name != "formats.py" and path.relative_to(SRC).as_posix() not in NOT_YET:
            yield path


def test_every_label_is_spelt_only_in_formats():
    labels = F.labels()
    typed = [
        f"{path.relative_to(SRC.parents[1])}:{line}: {found}"
        for path in modules()
        for line, text in string_literals(path)
        if (found := labels_in(text, labels))
    ]
    assert not typed, "labels typed outside formats.py (use the name from formats.py):\n" + "\n".join(typed)


def test_the_sample_generator_refers_to_labels_by_name():
    # Its departments' narratives are free text that may mention 行政许可 in a
    # sentence; a string that *is* a label is a reference and must be a name.
    labels = F.labels()
    typed = [f"tools/make_sample.py:{line}: {text}" for line, text in string_literals(TOOLS / "make_sample.py") if text in labels]
    assert not typed, "\n".join(typed)


def test_the_scan_finds_a_typed_label(tmp_path):
    # The guard itself: a label typed in a string or an f-string part is found,
    # one in a docstring is not, a short word inside a sentence is not.
    module = tmp_path / "m.py"
    module.write_text(
        '"""现行有效件数 in a docstring."""\n'
        'A = "现行有效件数"\n'
        'B = f"上年{x}结转下年度继续办理{n}件"\n'
        'C = "其他部门"\n',
        encoding="utf-8",
    )
    found = [(line, labels_in(text, F.labels())) for line, text in string_literals(module)]
    assert [(line, hits) for line, hits in found if hits] == [(2, ["现行有效件数"]), (3, ["结转下年度继续办理"])]


def test_labels_cover_the_named_and_short_forms():
    labels = F.labels()
    assert {"现行有效件数", "四、结转下年度继续办理", "结转下年度继续办理", "本年新收政府信息公开申请数量", "部分公开"} <= labels
    assert F.plain(F.PARTIAL) == "部分公开" and F.plain(F.CARRIED_OUT) == "结转下年度继续办理"
    assert F.OUTCOME_GROUP_NAMES == {g: F.plain(g) for g in F.OUTCOME_GROUPS}


# ---------------------------------------------------------------------------
# Every cell named anywhere exists in its format
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", F.FORMATS, ids=lambda f: f.version)
def test_constraint_cells_exist(fmt):
    cells = fmt.cells()
    named = {(c.table, c.row, c.column) for con in rules.constraints(fmt) for _s, c in (*con.lhs, *con.rhs)}
    assert named and named <= set(cells)


def test_a_misspelt_constraint_cell_fails_loudly():
    bad = rules.Constraint(
        "X2", (F.DISCLOSURE, F.REGULATIONS, F.IN_FORCE),
        ((1, rules.Cell(F.DISCLOSURE, F.REGULATIONS, "现行有效件")),), "==", (), "a", "b",
    )
    with pytest.raises(rules.UnknownCellError, match="现行有效件"):
        rules._check_cells(F.V2021, (bad,))
    # A cell of the other version is unknown too (V2019 has no 现行有效件数).
    other = rules.Constraint(
        "X2", (F.DISCLOSURE, F.REGULATIONS, F.IN_FORCE),
        ((1, rules.Cell(F.DISCLOSURE, F.REGULATIONS, F.IN_FORCE)),), "==", (), "a", "b",
    )
    with pytest.raises(rules.UnknownCellError):
        rules._check_cells(F.V2019, (other,))


@pytest.mark.parametrize("fmt", F.FORMATS, ids=lambda f: f.version)
@pytest.mark.parametrize("table", (F.APPLICATIONS, F.REVIEW, F.DISCLOSURE))
def test_grid_values_are_exactly_the_tables_cells(fmt, table):
    grid = G.grid(fmt, table)
    keys = [cell.key for cell in grid.values()]
    assert len(keys) == len(set(keys))
    assert set(keys) == {key for key in fmt.cells() if key[0] == table}
    assert all(cell.domain == fmt.domain(*cell.key) for cell in grid.values())


@pytest.mark.parametrize("fmt", F.FORMATS, ids=lambda f: f.version)
@pytest.mark.parametrize("table", (F.APPLICATIONS, F.REVIEW, F.DISCLOSURE))
def test_grid_tiles_its_rectangle_once(fmt, table):
    grid = G.grid(fmt, table)
    covered: dict[tuple[int, int], G.GridCell] = {}
    for cell in grid.cells:
        assert cell.kind in G.GRID_KINDS
        assert (cell.text is None) == (cell.kind == G.VALUE)
        for r in range(cell.row, cell.row + cell.rows):
            for c in range(cell.col, cell.col + cell.cols):
                assert (r, c) not in covered, f"{cell} overlaps {covered[(r, c)]}"
                covered[(r, c)] = cell
    assert set(covered) == {(r, c) for r in range(grid.height) for c in range(grid.width)}
    assert [(c.row, c.col) for c in grid.cells] == sorted((c.row, c.col) for c in grid.cells)  # row by row


@pytest.mark.parametrize("fmt", F.FORMATS, ids=lambda f: f.version)
def test_print_widths_give_every_grid_column_a_share(fmt):
    for table, widths in G.PRINT_WIDTHS.items():
        assert len(widths) == G.grid(fmt, table).width and sum(widths) == pytest.approx(100), table
        assert min(widths) > 0, table


def test_grid_of_an_unknown_table_is_refused():
    with pytest.raises(KeyError):
        G.grid(F.V2021, F.FEES)


@pytest.mark.parametrize("fmt", F.FORMATS, ids=lambda f: f.version)
def test_workbook_cells_exist_and_cover_the_format(fmt):
    assert set(value_cells(fmt)) == set(fmt.cells())
    official = {text for sheet in sheet_specs(fmt) for text, _range, is_official in sheet.labels.values() if is_official}
    assert official <= F.labels()


class _Strict(Submission):
    """A submission that refuses to read a cell its format does not have."""

    def value(self, table, row, column):
        assert self.format.has_cell(table, row, column), f"prose names a cell {self.format.version} lacks: {(table, row, column)}"
        return super().value(table, row, column)


@pytest.mark.parametrize("fmt,year", ((F.V2019, 2020), (F.V2021, 2022)), ids=("V2019", "V2021"))
def test_prose_claims_name_existing_cells(fmt, year):
    values = synth.department_year(fmt, random.Random(1), 60, fee_notices=1)
    sub = _Strict(department=None, year=year, format=fmt, folder="x", values=values, tables={F.FEES})
    texts = [
        prose.key_figures(sub), prose.disclosure_summary(sub), prose.applications_summary(sub, sub),
        prose.review_summary(sub), prose.fee_statement(sub),
    ]
    assert all(texts)
    assert sum(prose.group_totals(sub).values()) == sub.value(F.APPLICATIONS, F.OUTCOME_TOTAL, F.TOTAL)
    assert prose.lawsuit_total(sub) == sum(sub.value(F.REVIEW, row, F.TOTAL) for row in F.LAWSUIT_ROWS)


# ---------------------------------------------------------------------------
# The HTML tables are the grid, drawn
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("fmt,year", ((F.V2019, 2020), (F.V2021, 2022)), ids=("V2019", "V2021"))
@pytest.mark.parametrize("table", (F.APPLICATIONS, F.REVIEW, F.DISCLOSURE))
def test_html_table_reads_back_as_its_grid(fmt, year, table):
    values = synth.department_year(fmt, random.Random(3), 50)
    sub = Submission(department=None, year=year, format=fmt, folder="x", values=values)
    html = tables.official_table(sub, table)
    drawn = expand(table_with_class(html, table))
    cells = G.grid(fmt, table)
    assert len(drawn) == cells.height and all(len(row) == cells.width for row in drawn)
    for cell in cells.cells:
        seen = drawn[cell.row][cell.col]
        if cell.kind == G.VALUE:
            assert (seen["tag"], seen["attrs"]["data-row"], seen["attrs"]["data-col"]) == ("td", cell.key[1], cell.key[2])
        else:
            assert (seen["tag"], seen["text"]) == ("th", cell.text)
        assert (seen["rowspan"], seen["colspan"]) == (cell.rows, cell.cols)


def test_header_attributes_keep_their_published_order():
    # The published pages write an indicator's scope before its colspan, every
    # other header its spans first: the bytes of the reports depend on it.
    sub = Submission(department=None, year=2022, format=F.V2021, folder="x", values={})
    disclosure = tables.disclosure_table(sub)
    assert f'<th scope="col" colspan="3">{F.DECISIONS_THIS_YEAR}</th>' in disclosure
    assert '<tr class="item"><th colspan="4" scope="colgroup">' in disclosure
    assert f'<tr class="head"><th scope="col">{F.DISCLOSURE_ROW_HEADER}</th>' in disclosure
    applications = tables.applications_table(sub)
    assert '<thead><tr><th colspan="3" rowspan="3" class="note">' in applications
    assert f'<th rowspan="2" scope="col">{F.NATURAL_PERSON}</th>' in applications
    assert f'<th colspan="2" scope="row">{F.GRANTED}</th>' in applications
