"""A nianbao project on disk: where it is, its departments, its department-years.

Layout (the data contract):

    params/departments.csv      id,name,region[,short_name][,order]
    data/<year>/<id>/           one folder per department-year (see contract.py)
    outputs/                    everything the kit builds
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from . import formats as F
from .errors import EXIT_USAGE, NianbaoError
from .findings import Finding
from .rules import finding
from .textio import (
    InputFileError,
    linked_file_message,
    other_separator,
    read_csv_rows,
    separator_message,
    shorten,
    visible,
)

DEPARTMENTS_FILE = Path("params") / "departments.csv"
# Optional: the governments whose own reports total their members' (see governments.py).
GOVERNMENTS_FILE = Path("params") / "governments.csv"
GOVERNMENT_COLUMNS = ("id", "name", "region", "members")
DEPARTMENT_COLUMNS = ("id", "name", "region")
# first_year / last_year: when the department was set up or merged away, so that
# its absence outside those years is not reported as 未提交 (rule M1).
OPTIONAL_DEPARTMENT_COLUMNS = ("short_name", "order", "first_year", "last_year")
SLUG = re.compile(r"[a-z0-9_-]+")
YEAR_DIR = re.compile(r"[0-9]{4}")  # ASCII only: ２０２４ is not 2024 a second time
# What editors and operating systems leave in folders: never data, never an error.
SYSTEM_NAMES = re.compile(r"^(\..*|~\$.*|Thumbs\.db|desktop\.ini|__MACOSX|.*~)$", re.IGNORECASE)
PROJECT_ENV = "NIANBAO_PROJECT"


class ProjectError(NianbaoError):
    """The command cannot run on this project (exit code 2)."""

    exit_code = EXIT_USAGE


@dataclass(frozen=True)
class Department:
    id: str
    name: str
    region: str
    short_name: str = ""
    order: int = 0
    first_year: int | None = None
    last_year: int | None = None
    # A government (params/governments.csv, see governments.py): the ids it totals.
    members: tuple[str, ...] | None = None

    def existed(self, year: int) -> bool:
        return (self.first_year is None or year >= self.first_year) and (self.last_year is None or year <= self.last_year)


@dataclass
class Project:
    root: Path
    departments: dict[str, Department]
    # INPUT findings about params/departments.csv and the data/ layout
    findings: list[Finding] = field(default_factory=list)

    def data_dir(self, year: int, dept: str) -> Path:
        return self.root / "data" / str(year) / dept

    def relative(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    def years(self) -> list[int]:
        """The canonical year folders of data/ (see :func:`year_folder`)."""
        data = self.root / "data"
        if not data.is_dir():
            return []
        return sorted(int(p.name) for p in data.iterdir() if p.is_dir() and year_folder(p.name))

    def submitted(self) -> list[tuple[int, str]]:
        """Every (year, department id) with a data folder, for listed departments."""
        found = []
        for year in self.years():
            for name, is_dir in _entries(self.root / "data" / str(year)):
                if is_dir and name in self.departments:
                    found.append((year, name))
        return found

    def missing(self, years=None, departments=None) -> list[tuple[int, str]]:
        """(year, id) of listed departments without data in a year their region
        has data for, while they existed: the 未提交 ones."""
        submitted = set(self.submitted())
        result = []
        for year in sorted({y for y, _ in submitted}):
            if years and year not in years:
                continue
            active = {self.departments[d].region for y, d in submitted if y == year}
            for dept in self.ordered_departments():
                if departments and dept.id not in departments:
                    continue
                if dept.region in active and dept.existed(year) and (year, dept.id) not in submitted:
                    result.append((year, dept.id))
        return result

    def region_members(self, region: str) -> list[str]:
        """Sorted ids of the departments of a region (the list is fixed once loaded)."""
        members = self.__dict__.setdefault("_members", {})
        if region not in members:
            members[region] = sorted(d.id for d in self.departments.values() if d.region == region)
        return members[region]

    def regions(self) -> dict[str, list[Department]]:
        grouped: dict[str, list[Department]] = {}
        for dept in self.ordered_departments():
            grouped.setdefault(dept.region, []).append(dept)
        return grouped

    def ordered_departments(self) -> list[Department]:
        return sorted(self.departments.values(), key=lambda d: (d.order, d.id))

    def is_inside(self, path: Path) -> bool:
        return is_inside(self.root, path)


def is_inside(root: Path, path: Path) -> bool:
    """True when ``path`` lies under ``root`` and is reached without a symbolic
    link: nothing under data/ or params/ is read through a link or from outside
    the project (a link could pull any file of the office's disk into a
    published PDF)."""
    try:
        rel = Path(path).relative_to(root)
    except ValueError:
        return False
    return os.path.realpath(path) == os.path.join(os.path.realpath(root), rel)


def latest_year() -> int:
    """The latest report year data can be for: next year's template is made in
    this one at the earliest."""
    return date.today().year + 1


def year_folder(name: str) -> bool:
    """Four ASCII digits naming a year the official formats cover (and not a
    future beyond next year): the only folders of data/ that hold department-years."""
    return bool(YEAR_DIR.fullmatch(name)) and F.FORMATS[0].first_year <= int(name) <= latest_year()


def find_root(start: Path | None = None, explicit: str | os.PathLike | None = None) -> Path:
    """The project root: ``explicit`` (the --project flag), else $NIANBAO_PROJECT,
    else the nearest folder above ``start`` (the working directory) holding
    params/departments.csv."""
    chosen = explicit or os.environ.get(PROJECT_ENV)
    if chosen:
        root = Path(chosen).resolve()
        if not (root / DEPARTMENTS_FILE).is_file():
            raise ProjectError(f"{root} 不是 nianbao 项目：找不到 {DEPARTMENTS_FILE.as_posix()}。")
        return root
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / DEPARTMENTS_FILE).is_file():
            return folder
    raise ProjectError(
        f"当前目录 {here} 及其上级目录中找不到 {DEPARTMENTS_FILE.as_posix()}。"
        "请在项目目录中运行，或用 --project 指定项目目录。"
    )


def _input(message: str, file: str, line: int | None = None, row=None, column=None) -> Finding:
    return finding("INPUT", message=message, table=F.DEPARTMENTS, row=row, column=column, file=file, line=line)


def load_project(root: Path) -> Project:
    path = root / DEPARTMENTS_FILE
    rel = DEPARTMENTS_FILE.as_posix()
    if path.exists() and not is_inside(root, path):  # never read through a link
        raise ProjectError(linked_file_message(rel))
    try:
        header, rows = read_csv_rows(path, rel)
    except InputFileError as exc:
        raise ProjectError(str(exc)) from None
    separator = other_separator(header)
    if separator:
        raise ProjectError(separator_message(rel, separator))
    missing = [c for c in DEPARTMENT_COLUMNS if c not in header]
    if missing:
        raise ProjectError(
            f"{rel} 缺少列：{'、'.join(missing)}。表头须包含 {','.join(DEPARTMENT_COLUMNS)}"
            f"（可选 {','.join(OPTIONAL_DEPARTMENT_COLUMNS)}）。"
        )
    project = Project(root, {})
    for line, row in rows:
        record = dict(zip(header, row, strict=False))
        dept_id = record.get("id", "").strip()
        if not SLUG.fullmatch(dept_id):
            project.findings.append(
                _input(
                    f"{rel} 第{line}行：部门编号「{dept_id}」无效，只能用小写字母、数字、- 和 _（它会成为路径和网址）。",
                    rel,
                    line,
                    column="id",
                )
            )
            continue
        if dept_id in project.departments:
            project.findings.append(
                _input(f"{rel} 第{line}行：部门编号「{dept_id}」重复，请删除重复行。", rel, line, column="id")
            )
            continue
        name, region = record.get("name", "").strip(), record.get("region", "").strip()
        if not name or not region:
            empty = "name" if not name else "region"
            project.findings.append(
                _input(f"{rel} 第{line}行：部门「{dept_id}」的 {empty} 为空，请填写机关全称和所属地区。", rel, line, column=empty)
            )
            continue
        numbers = {}
        for column in ("order", "first_year", "last_year"):
            value = record.get(column, "").strip()
            numbers[column] = _whole_number(project, rel, line, column, value)
        project.departments[dept_id] = Department(
            dept_id,
            name,
            region,
            record.get("short_name", "").strip(),
            numbers["order"] or 0,
            numbers["first_year"],
            numbers["last_year"],
        )
    add_governments(project)
    _check_layout(project)
    return project


# ---------------------------------------------------------------------------
# params/governments.csv (issue 18)
# ---------------------------------------------------------------------------


def _refuse(message: str):
    raise ProjectError(message)


def _rows(root: Path):
    rel = GOVERNMENTS_FILE.as_posix()
    try:
        if not is_inside(root, root / GOVERNMENTS_FILE):
            raise InputFileError(linked_file_message(rel))
        header, rows = read_csv_rows(root / GOVERNMENTS_FILE, rel)
    except InputFileError as exc:
        _refuse(str(exc))
    missing = [c for c in GOVERNMENT_COLUMNS if c not in header]
    if missing:
        _refuse(f"{rel} 缺少列：{'、'.join(missing)}。表头须为 {','.join(GOVERNMENT_COLUMNS)}。")
    return rel, [(line, {k: v.strip() for k, v in zip(header, row, strict=False)}) for line, row in rows]


def _cycle(edges: dict[str, tuple[str, ...]]) -> list[str] | None:
    """One cycle among the governments' memberships, as ids from start back to start."""
    state: dict[str, int] = {}  # 1 on the path, 2 done

    def visit(node, path):
        state[node] = 1
        for nxt in edges.get(node, ()):
            if nxt not in edges:
                continue
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt, path + [nxt])
                if found:
                    return found
        state[node] = 2
        return None

    for start in sorted(edges):
        if start not in state:
            found = visit(start, [start])
            if found:
                return found
    return None


def add_governments(project: Project) -> None:
    """Read params/governments.csv (if any) into ``project.departments``; a
    problem in it is refused with a message naming line, column and value."""
    if not (project.root / GOVERNMENTS_FILE).exists():
        return
    rel, rows = _rows(project.root)
    bodies = dict(project.departments)
    declared: dict[str, tuple[int, dict]] = {}
    for line, record in rows:
        gov_id = record.get("id", "")
        where = f"{rel} 第{line}行"
        if not SLUG.fullmatch(gov_id):
            _refuse(f"{where}「id」列：「{shorten(gov_id)}」无效，只能用小写字母、数字、- 和 _（它会成为路径和网址）。")
        if gov_id in bodies:
            _refuse(f"{where}：政府编号「{gov_id}」与 params/departments.csv 中的部门编号相同，请换一个编号。")
        if gov_id in declared:
            _refuse(f"{where}：政府编号「{gov_id}」重复（第{declared[gov_id][0]}行已有），请删除重复行。")
        for column in ("name", "region"):
            if not record.get(column):
                _refuse(f"{where}：政府「{gov_id}」的 {column} 为空，请填写政府全称和所辖地区。")
        declared[gov_id] = (line, record)
    members: dict[str, tuple[str, ...]] = {}
    for gov_id, (_line, record) in declared.items():
        listed = tuple(dict.fromkeys(record.get("members", "").split()))
        unknown = [m for m in listed if m not in bodies and m not in declared]
        if unknown:
            _refuse(f"{rel} 第{line}行「members」列：「{shorten(' '.join(unknown))}」不是已登记的部门或政府编号。"
                    "请改为 params/departments.csv 或本文件中的编号（用空格分隔），或留空表示本地区全部部门。")
        if gov_id in listed:
            _refuse(f"{rel} 第{line}行「members」列：政府「{gov_id}」不能把自己列为成员。")
        members[gov_id] = listed or tuple(
            d.id for d in sorted(bodies.values(), key=lambda d: (d.order, d.id)) if d.region == record["region"])
    cycle = _cycle(members)
    if cycle:
        _refuse(f"{rel}：政府之间的成员关系形成循环：{' → '.join(cycle)}。一个政府不能（直接或间接）包含它自己，"
                "请修改「members」列。")
    after = max((d.order for d in bodies.values()), default=0) + 1
    for gov_id, (_line, record) in declared.items():
        # Listed after every body, and a government after the governments it totals.
        project.departments[gov_id] = Department(gov_id, record["name"], record["region"], order=after + _depth(gov_id, members),
                                                 members=members[gov_id])


def _depth(gov_id: str, members: dict[str, tuple[str, ...]]) -> int:
    return max((1 + _depth(m, members) for m in members[gov_id] if m in members), default=0)


# departments.csv columns holding whole numbers: (example, digits allowed)
_NUMBER_COLUMNS = {"order": ("1", 6), "first_year": ("2021", 4), "last_year": ("2023", 4)}


def _whole_number(project: Project, rel: str, line: int, column: str, value: str) -> int | None:
    """An ASCII whole number (``②`` and ``１`` are digits to str.isdigit, not to int)."""
    if not value:
        return None
    example, digits = _NUMBER_COLUMNS[column]
    if value.isascii() and value.isdigit() and len(value) <= digits:
        return int(value)
    kind = "四位数的年份" if digits == 4 else "不大于6位的整数"
    project.findings.append(
        _input(f"{rel} 第{line}行「{column}」列：「{shorten(value)}」不是{kind}，请改为半角数字（如 {example}）或留空。",
               rel, line, column=column)
    )
    return None


_SYSTEM_FILE = "是系统或编辑器留下的文件，已忽略（可以删除）。"


def _clutter(project: Project, path: Path, message: str) -> None:
    rel = visible(project.relative(path)) + ("/" if path.is_dir() else "")
    project.findings.append(
        finding("F1", message=f"{rel} {message}", file=rel.rstrip("/"))
    )


def _not_a_year(name: str, is_dir: bool) -> str:
    if SYSTEM_NAMES.fullmatch(name):
        return _SYSTEM_FILE
    if not is_dir:
        return "不是年度文件夹，已忽略：data/ 中只放年度文件夹（如 data/2024/）。"
    normal = unicodedata.normalize("NFKC", name)
    if normal != name and YEAR_DIR.fullmatch(normal):
        return f"用了全角数字，不会被当作{normal}年度：请改为半角数字 {normal}（已有 data/{normal}/ 的，请合并后删除）。"
    if YEAR_DIR.fullmatch(name):
        return (f"不是受支持的报告年度（{F.FORMATS[0].first_year}—{latest_year()}年），其中的内容不参与校验："
                "请检查年份是否写错。")
    return "不是年度文件夹（年度文件夹是四位数的年份，如 data/2024/），其中的内容不参与校验；其他资料请移到 data/ 以外。"


def _not_a_department(name: str) -> str:
    if SYSTEM_NAMES.fullmatch(name):
        return _SYSTEM_FILE
    return "不是部门文件夹，已忽略：年度文件夹中只放部门文件夹（如 data/2024/ziranziyuan/）。"


def _entries(folder: Path) -> list[tuple[str, bool]]:
    """(name, whether a folder - links followed, as Path.is_dir) of a folder's
    entries, sorted by name: one scandir, no stat per entry (a province has
    thousands of department folders)."""
    with os.scandir(folder) as entries:
        return sorted((entry.name, entry.is_dir()) for entry in entries)


def _check_layout(project: Project) -> None:
    """What the contract cannot place under data/: an unregistered department is
    an INPUT error; anything else (clutter) one F1 warning, never a crash."""
    data = project.root / "data"
    if not data.is_dir():
        return
    for entry in sorted(data.iterdir()):
        if not (entry.is_dir() and year_folder(entry.name)):
            _clutter(project, entry, _not_a_year(entry.name, entry.is_dir()))
            continue
        for name, is_dir in _entries(entry):
            if name in project.departments and is_dir:
                continue
            path = entry / name
            if SYSTEM_NAMES.fullmatch(path.name) or not path.is_dir():
                _clutter(project, path, _not_a_department(path.name))
                continue
            year = int(entry.name)
            rel = project.relative(path)
            if SLUG.fullmatch(path.name):
                message = f"{rel}/ 的部门编号「{path.name}」不在 {DEPARTMENTS_FILE.as_posix()} 中，请先在名单中登记该部门。"
            else:
                message = f"{visible(rel)}/ 的目录名「{shorten(path.name)}」不是有效的部门编号（只能用小写字母、数字、- 和 _），请改名。"
            project.findings.append(
                finding("INPUT", message=message, year=year, department=path.name, table=F.DEPARTMENTS, file=rel)
            )


def open_project(explicit=None, start=None) -> Project:
    return load_project(find_root(start, explicit))
