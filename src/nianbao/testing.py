"""A testing helper, for the kit's own tests and for users' tests of their data.

    from nianbao.testing import ProjectBuilder

    builder = ProjectBuilder(tmp_path)            # params/departments.csv with one department
    builder.add("demo", 2020, size=30)            # a balanced department-year
    builder.add("demo", 2021, size=12)            # continues 2020 (X1 holds)
    builder.set_cell("demo", 2021, "applications", "（七）总计", "自然人", "99")
    run = builder.check()                         # findings, as `nianbao check` sees them
"""

from __future__ import annotations

import csv
import io
import random
import zlib
from pathlib import Path

from . import formats as F
from .datafiles import submission_files, write_files
from .project import DEPARTMENTS_FILE, Project, load_project
from .synth import department_year
from .textio import UTF8_BOM, decode, normalise_label

DEFAULT_DEPARTMENTS = (("demo", "示例区测试局", "示例区"),)


_FOCUS = ("主动公开目录动态更新", "依申请公开办理流程规范化", "政务公开专区建设", "政策解读与回应关切",
          "公开平台栏目优化", "信息发布审查机制", "政务新媒体管理", "基层政务公开标准化")

_SHORTCOMINGS = ("栏目更新不够及时", "政策解读形式较为单一", "答复说理不够充分", "标准目录落实不均衡",
                 "公开内容查找不便", "新媒体发布审核不够严格", "数据开放程度不高", "互动回应不够及时")


def narrative_for(name: str, year: int, values: dict) -> str:
    """A short narrative, specific to the department and year, that states the
    tables' figures correctly (S4 holds, S5 does not fire) and whose section 五
    has substance and reports on last year's problems (N4, N5 hold)."""
    new = values.get((F.APPLICATIONS, F.NEW, F.TOTAL), 0)
    done = values.get((F.APPLICATIONS, F.OUTCOME_TOTAL, F.TOTAL), 0)
    seed = zlib.crc32(f"{name}/{year}".encode())
    focus = [_FOCUS[(seed + i * 3) % len(_FOCUS)] for i in range(3)]
    return (
        f"## {F.SECTION_HEADINGS[0]}\n\n{year}年，{name}以{focus[0]}为重点推进政府信息公开工作，"
        f"全年新收政府信息公开申请{new}件，办结{done}件；同时抓好{focus[1]}，编号{seed % 99991}。\n\n"
        f"## {F.SECTION_HEADINGS[4]}\n\n{year}年{name}在{focus[2]}方面仍有不足，主要是{_SHORTCOMINGS[(seed >> 5) % 8]}，"
        f"下一步将有针对性地改进。上年度报告所列{focus[1]}方面的问题（台账{(seed >> 3) % 99991}号）已整改到位，"
        f"复查记录{(seed >> 9) % 9973}份。\n\n"
        f"## {F.SECTION_HEADINGS[5]}\n\n无。\n"
    )


def typed_csv(header, rows) -> str:
    """A CSV file as a clerk types it: cells verbatim (the kit's own writer,
    :func:`nianbao.textio.csv_text`, neutralises formulas; a test's input must not)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


class ProjectBuilder:
    def __init__(self, root: Path, departments=DEFAULT_DEPARTMENTS):
        self.root = Path(root)
        self.departments = {d[0]: d for d in departments}
        self.values: dict[tuple[str, int], dict] = {}
        rows = [list(d) for d in departments]
        (self.root / DEPARTMENTS_FILE).parent.mkdir(parents=True, exist_ok=True)
        (self.root / DEPARTMENTS_FILE).write_text(typed_csv(("id", "name", "region"), rows), encoding="utf-8")

    def folder(self, dept: str, year: int) -> Path:
        return self.root / "data" / str(year) / dept

    def add(self, dept: str, year: int, size: int = 10, seed: int | None = None, values: dict | None = None,
            narrative: str | None = None, fee_notices: int = 0) -> Path:
        """Write a department-year whose figures obey every rule (continuing last year's)."""
        fmt = F.format_for_year(year)
        if values is None:
            rng = random.Random(seed if seed is not None else zlib.crc32(f"{dept}/{year}".encode()))
            values = department_year(fmt, rng, size, self.values.get((dept, year - 1)), fee_notices)
        self.values[(dept, year)] = values
        name = self.departments.get(dept, (dept, dept))[1]
        text = narrative if narrative is not None else narrative_for(name, year, values)
        write_files(self.folder(dept, year), submission_files(fmt, values, text), force=True)
        return self.folder(dept, year)

    def path(self, dept: str, year: int, table: str) -> Path:
        return self.folder(dept, year) / F.TABLE_FILES[table]

    def set_cell(self, dept: str, year: int, table: str, row: str, column: str, raw: str) -> None:
        """Overwrite one cell's text (raw, so blanks and typos can be written)."""
        path = self.path(dept, year, table)
        header, rows = self.read_rows(path)
        hits = 0
        for record in rows:
            if table in (F.DISCLOSURE, F.FEES):
                label_ok = normalise_label(record[0]) == normalise_label(row)
                col_ok = table == F.FEES or normalise_label(record[1]) == normalise_label(column)
                if label_ok and col_ok:
                    record[-1] = raw
                    hits += 1
            elif normalise_label(record[0]) == normalise_label(row):
                record[header.index(column)] = raw
                hits += 1
        if hits != 1:
            raise KeyError(f"{path}: no single cell {row!r} × {column!r}")
        self.write_rows(path, header, rows)

    def edit_rows(self, dept: str, year: int, table: str, edit) -> None:
        """Apply ``edit(header, rows) -> (header, rows)`` to a table file."""
        path = self.path(dept, year, table)
        header, rows = edit(*self.read_rows(path))
        self.write_rows(path, header, rows)

    @staticmethod
    def read_rows(path: Path):
        records = list(csv.reader(io.StringIO(decode(path.read_bytes(), str(path)))))
        return records[0], records[1:]

    @staticmethod
    def write_rows(path: Path, header, rows) -> None:
        path.write_text(UTF8_BOM + typed_csv(header, rows), encoding="utf-8")

    def project(self) -> Project:
        return load_project(self.root)

    def check(self, years=None, departments=None):
        from .engine import check_project

        return check_project(self.project(), years, departments)
