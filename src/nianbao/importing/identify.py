"""Which department and year a report is: from its title, matched against
``params/departments.csv`` (or set with ``--dept``/``--year``)."""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass

from .. import formats as F
from ..project import Project
from ..textio import normalise_label

# 「…局2023年政府信息公开工作年度报告」 and the variants sites print (年度, 工作报告).
_TITLE = re.compile(r"(?P<name>[^\s，。,：:；;]*?)\s*(?P<year>\d{4})\s*年\s*度?\s*(?:政府)?信息公开\s*(?:工作)?\s*(?:年度)?\s*报告")
_JUNK = re.compile(r"^(?:关于|【[^】]*】|\[[^\]]*\]|《)+|[》]+$")
FUZZY_NAME = 0.85


@dataclass
class Identity:
    title: str | None = None  # the title as printed
    name: str | None = None  # the organ's name in the title
    year: int | None = None
    dept: str | None = None
    note: str | None = None  # how the name was matched, when not exactly


def find_title(candidates) -> tuple[str, str, int] | None:
    """(title, name, year) from the first candidate that reads as a report title."""
    for text in candidates:
        match = _TITLE.search(unicodedata.normalize("NFKC", text))
        if match:
            name = _JUNK.sub("", match.group("name")).strip()
            return text, name, int(match.group("year"))
    return None


def match_department(project: Project, name: str) -> tuple[str | None, str | None]:
    """(department id, note) for a name as printed; (None, None) when unknown."""
    key = normalise_label(name)
    if not key:
        return None, None
    for dept in project.departments.values():
        if key in (normalise_label(dept.name), normalise_label(dept.short_name or "\0")):
            return dept.id, None
    # 「自然资源局」 for 「示例区自然资源局」, or the title's longer form of a listed name.
    contained = [d for d in project.departments.values()
                 if normalise_label(d.name).endswith(key) and len(key) >= 4 or key.endswith(normalise_label(d.name))]
    if len(contained) == 1:
        dept = contained[0]
        return dept.id, f"标题中的机关名称「{name}」按名单中的「{dept.name}」（{dept.id}）识别"
    scored = sorted(
        ((difflib.SequenceMatcher(None, key, normalise_label(d.name)).ratio(), d) for d in project.departments.values()),
        key=lambda pair: -pair[0],
    )
    if scored and scored[0][0] >= FUZZY_NAME and (len(scored) == 1 or scored[1][0] < scored[0][0] - 0.03):
        score, dept = scored[0]
        return dept.id, f"标题中的机关名称「{name}」与名单中的「{dept.name}」（{dept.id}）相近（相似度 {score:.2f}），按其识别，请核对"
    return None, None


def unknown_department_message(project: Project, name: str, year: int | None) -> str:
    region = _common_region(project)
    line = f"部门编号,{name},{region or '所属地区'}"
    when = f"{year}年" if year else ""
    return (
        f"标题中的机关「{name}」不在 params/departments.csv 中，无法确定把这份{when}报告导入哪个部门。"
        f"请在 params/departments.csv 中加一行：{line}（部门编号只能用小写字母、数字、-、_，如 wenlv），"
        "然后重新导入；或用 --dept 指定已登记的部门。"
    )


def _common_region(project: Project) -> str | None:
    regions = {d.region for d in project.departments.values()}
    return regions.pop() if len(regions) == 1 else None


def year_problem(year: int) -> str | None:
    """Why a year cannot be imported, or None."""
    if year < F.FORMATS[0].first_year:
        return (
            f"这是{year}年度的报告：2019年以前的年报使用旧的格式（2008年起施行的《条例》），没有本工具所依据的官方表格，"
            "不能导入。本工具支持2019年度及以后的报告。"
        )
    return None
