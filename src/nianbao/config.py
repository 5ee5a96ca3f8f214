"""Layered settings of a report run.

Precedence, highest first (also in the README):

1. the run's own parameter (``nianbao render --date``, the notebook parameter);
2. the department-year's ``data/<year>/<id>/report.toml``;
3. the project's ``params/project.toml``, section ``[report]``;
4. the kit's defaults below.

Only settings that change what a report says live here; everything else is data.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

from .errors import NianbaoError
from .project import is_inside
from .textio import linked_file_message, os_reason

PROJECT_FILE = Path("params") / "project.toml"
REPORT_FILE = "report.toml"
# Departments must publish by 31 January (条例第四十九条); the default leaves a margin.
DEFAULT_PUBLICATION_DAY = "01-20"
DEADLINE = (1, 31)
# 《条例》第四十九条: a 县级以上地方人民政府's own report by 31 March.
GOVERNMENT_DEADLINE = (3, 31)
MODES = ("draft", "publish")


class ConfigError(NianbaoError, ValueError):
    """A setting that cannot be used; the message is for people."""


@dataclass(frozen=True)
class ReportSettings:
    publication_date: date
    deadline: date

    @property
    def late(self) -> bool:
        return self.publication_date > self.deadline


# The one example each file's messages give (the right key for the right file).
_EXAMPLES = {
    PROJECT_FILE.as_posix(): '[report]\npublication_day = "01-20"',
    REPORT_FILE: 'publication_date = "2025-01-20"',
}
_DATE_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}")
_DAY_TEXT = re.compile(r"\d{2}-\d{2}")
_TYPE_NAMES = ((bool, "真假值"), (int, "整数"), (float, "小数"), (str, "文字"), (datetime, "日期时间"),
               (date, "日期"), (time, "时间"), (list, "列表"), (dict, "表（小节）"))
TOML_MAX_BYTES = 64 * 1024  # a settings file is a few lines
# How late a publication date may be: two years after the report year's end.
LATEST_AFTER_YEARS = 2


def _type_name(value) -> str:
    return next((name for kind, name in _TYPE_NAMES if isinstance(value, kind)), type(value).__name__)


def _example(rel: str) -> str:
    return _EXAMPLES[PROJECT_FILE.as_posix()] if rel == PROJECT_FILE.as_posix() else _EXAMPLES[REPORT_FILE]


def _wrong_type(rel: str, key: str, expected: str, value) -> ConfigError:
    return ConfigError(
        f"{rel} 中的 {key} 应为{expected}，而不是{_type_name(value)}「{value}」。请改为如下形式：{_example(rel)}"
    )


def _read_toml(root: Path, rel: str) -> dict:
    path = root / rel
    if not path.is_file():
        return {}
    if not is_inside(root, path):  # never read through a link (see project.is_inside)
        raise ConfigError(linked_file_message(rel))
    try:
        if path.stat().st_size > TOML_MAX_BYTES:
            raise ConfigError(f"{rel} 过大（上限 {TOML_MAX_BYTES // 1024} KB）：配置文件只有几行，请检查内容。应写成：{_example(rel)}")
        return tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        raise ConfigError(f"{rel} 不是 UTF-8 编码的文本文件，请另存为 UTF-8。") from None
    except tomllib.TOMLDecodeError as exc:
        # tomllib's message is English; keep only where the problem is.
        where = re.search(r"line (\d+), column (\d+)", str(exc))
        place = f"第{where.group(1)}行第{where.group(2)}列附近" if where else ""
        raise ConfigError(
            f"{rel} {place}有 TOML 语法错误（文字和日期要加英文双引号）。应写成：{_example(rel)}"
        ) from None
    except OSError as exc:
        raise ConfigError(f"无法读取 {rel}：{os_reason(exc)}。") from None


def parse_date(value, where: str, year: int | None = None) -> date:
    """A publication date: a TOML date or the text YYYY-MM-DD, not a datetime;
    with ``year``, within LATEST_AFTER_YEARS years after the report year's end."""
    example = f"{year + 1 if year else 2025}-01-20"
    if isinstance(value, datetime):
        raise ConfigError(f"{where}：「{value}」是日期时间，公开日期只要日期，请去掉时间部分，写成 \"{example}\"。")
    if isinstance(value, date):
        day = value
    elif isinstance(value, str) and _DATE_TEXT.fullmatch(value.strip()):
        try:
            day = date.fromisoformat(value.strip())
        except ValueError:
            raise ConfigError(f"{where}：日期「{value}」不存在（月或日超出范围），请写成 {example} 的形式。") from None
    else:
        raise ConfigError(f"{where}：日期「{value}」无效，请写成 {example} 的形式（年-月-日，用半角数字和短横线）。")
    if year is not None:
        first, last = date(year + 1, 1, 1), date(year + LATEST_AFTER_YEARS, 12, 31)
        if not first <= day <= last:
            raise ConfigError(
                f"{where}：公开日期 {day.isoformat()} 不在{year}年度报告可能的公开期间"
                f"（{first.isoformat()} 至 {last.isoformat()}）内，请检查年份，如 {example}。"
            )
    return day


def report_settings(root: Path, dept: str, year: int, publication_date=None, *, government: bool = False) -> ReportSettings:
    deadline = date(year + 1, *(GOVERNMENT_DEADLINE if government else DEADLINE))
    if publication_date not in (None, ""):
        return ReportSettings(parse_date(publication_date, "公开日期（--date 或笔记本参数 publication_date）", year), deadline)
    local_rel = f"data/{year}/{dept}/{REPORT_FILE}"
    local = _read_toml(root, local_rel)
    if "publication_date" in local:
        value = local["publication_date"]
        if not isinstance(value, (str, date)):
            raise _wrong_type(local_rel, "publication_date", "带引号的日期文字或 TOML 日期", value)
        return ReportSettings(parse_date(value, f"{local_rel} 中的 publication_date", year), deadline)
    project_rel = PROJECT_FILE.as_posix()
    project = _read_toml(root, project_rel).get("report", {})
    if not isinstance(project, dict):
        raise _wrong_type(project_rel, "report", "表（[report] 小节）", project)
    day = project.get("publication_day", DEFAULT_PUBLICATION_DAY)
    if not (isinstance(day, str) and _DAY_TEXT.fullmatch(day.strip())):
        raise _wrong_type(project_rel, "[report] 的 publication_day", "带引号的“月-日”文字", day)
    return ReportSettings(parse_date(f"{year + 1}-{day.strip()}", f"{project_rel} 中 [report] 的 publication_day"), deadline)
