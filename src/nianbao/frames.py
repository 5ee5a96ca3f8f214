"""The data as pandas DataFrames, for analysts in the notebook.

The rule engine never uses pandas (it is faster without); this module is what
the analyst gets instead.  Three shapes:

- :func:`table_frames` — one department-year's tables with the official labels,
  in official order (``Report.frames`` in the notebook);
- :func:`tidy_frame` — long ("tidy") form of any submissions: one row per
  year × department × table × row × column, with the department's name, region
  and the official format, so a 2019-format year is never aligned to 2021 rows
  by accident (``Report.history_frame()``);
- :func:`project_frame` — the tidy table of a whole project (``nianbao data``).

Values are exact: counts are ``int``, amounts (万元) are ``decimal.Decimal``; the
value column is therefore of ``object`` dtype — convert with ``.astype(float)``
only where rounding does not matter.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from . import formats as F
from .contract import Submission, read_submission
from .project import Project, load_project

# The tidy table's columns, in order (English identifiers: this is code's API;
# ``nianbao data`` prints Chinese headers, see datacmd.py).
TIDY_COLUMNS = ("year", "department", "name", "region", "format", "table", "row", "column", "value")
# The levels of the applications table's row index: 一、… / （三）… / 1.…
APPLICATION_LEVELS = ("level1", "level2", "level3")
DISCLOSURE_LEVELS = ("article", "row", "indicator")


def _application_frame(sub: Submission) -> pd.DataFrame:
    rows = sub.format.application_rows
    depth = len(APPLICATION_LEVELS)
    index = pd.MultiIndex.from_tuples([row.path + ("",) * (depth - len(row.path)) for row in rows],
                                      names=APPLICATION_LEVELS)
    data = [[sub.value(F.APPLICATIONS, row.label, column) for column in F.APPLICATION_COLUMNS] for row in rows]
    return pd.DataFrame(data, index=index, columns=list(F.APPLICATION_COLUMNS))


def _review_frame(sub: Submission) -> pd.DataFrame:
    data = [[sub.value(F.REVIEW, row, column) for column in F.REVIEW_COLUMNS] for row in F.REVIEW_ROWS]
    return pd.DataFrame(data, index=pd.Index(F.REVIEW_ROWS, name="row"), columns=list(F.REVIEW_COLUMNS))


def _disclosure_frame(sub: Submission) -> pd.DataFrame:
    # The items of 第二十条 have different indicators: one value column, three index levels.
    keys = [(item.article, row, col.label) for item in sub.format.disclosure for row in item.rows for col in item.columns]
    data = [sub.value(F.DISCLOSURE, row, indicator) for _, row, indicator in keys]
    return pd.DataFrame({F.VALUE_HEADER: pd.Series(data, dtype=object)}).set_axis(
        pd.MultiIndex.from_tuples(keys, names=DISCLOSURE_LEVELS))


def _fees_frame(sub: Submission) -> pd.DataFrame:
    data = [sub.value(F.FEES, fee.label, F.FEE_VALUE) for fee in F.FEE_ROWS]
    return pd.DataFrame({F.FEE_VALUE: pd.Series(data, dtype=object)}).set_axis(
        pd.Index([fee.label for fee in F.FEE_ROWS], name="row"))


_BUILDERS = {
    F.DISCLOSURE: _disclosure_frame,
    F.APPLICATIONS: _application_frame,
    F.REVIEW: _review_frame,
    F.FEES: _fees_frame,
}


def table_frames(sub: Submission) -> dict[str, pd.DataFrame]:
    """The department-year's tables (``disclosure``, ``applications``, ``review``,
    ``fees``) as DataFrames labelled as printed; every cell present (0 if not entered)."""
    return {table: build(sub) for table, build in _BUILDERS.items()}


def tidy_rows(sub: Submission) -> list[tuple]:
    """Every numeric cell of the submission's format as one tidy row, in printed order."""
    dept = sub.department
    head = (sub.year, dept.id, dept.name, dept.region, sub.format.version)
    return [(*head, table, row, column, sub.value(table, row, column)) for table, row, column in sub.format.cells()]


def tidy_frame(subs: Iterable[Submission]) -> pd.DataFrame:
    rows = [row for sub in subs for row in tidy_rows(sub)]
    frame = pd.DataFrame(rows, columns=list(TIDY_COLUMNS))
    frame["value"] = frame["value"].astype(object)  # ints and Decimals as they are: exact
    return frame


def project_submissions(project: Project, regions=None, years=None) -> list[Submission]:
    """Every department-year with a data folder (optionally of some regions and
    years), in year then list order.  Governments are left out: their tables are
    their members' sums (governments.py), which would count every case twice."""
    order = {d.id: i for i, d in enumerate(project.ordered_departments())}
    chosen = [
        (year, dept) for year, dept in project.submitted()
        if project.departments[dept].members is None
        and (not regions or project.departments[dept].region in regions)
        and (not years or year in years)
    ]
    chosen.sort(key=lambda key: (key[0], order[key[1]]))
    return [read_submission(project, dept, year) for year, dept in chosen]


def project_frame(project: Project | str | Path, regions=None, years=None) -> pd.DataFrame:
    """The tidy table of a project (a :class:`Project` or its folder): one row per
    year × department × table × row × column, with ``name``, ``region`` and ``format``.

    >>> frame = project_frame(".")
    >>> frame[frame.table == "applications"].groupby(["year", "department"]).value.sum()
    """
    if not isinstance(project, Project):
        project = load_project(Path(project))
    return tidy_frame(project_submissions(project, regions, years))
