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
from datetime import date
from pathlib import Path

PROJECT_FILE = Path("params") / "project.toml"
REPORT_FILE = "report.toml"
# Departments must publish by 31 January (条例第四十九条); the default leaves a margin.
DEFAULT_PUBLICATION_DAY = "01-20"
DEADLINE = (1, 31)
MODES = ("draft", "publish")


class ConfigError(ValueError):
    """A setting that cannot be used; the message is for people."""


@dataclass(frozen=True)
class ReportSettings:
    publication_date: date
    deadline: date

    @property
    def late(self) -> bool:
        return self.publication_date > self.deadline


def _read_toml(path: Path, rel: str) -> dict:
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        raise ConfigError(f"{rel} 不是 UTF-8 编码的文本文件，请另存为 UTF-8。") from None
    except tomllib.TOMLDecodeError as exc:
        # tomllib's message is English; keep only where the problem is.
        where = re.search(r"line (\d+), column (\d+)", str(exc))
        place = f"第{where.group(1)}行第{where.group(2)}列附近" if where else ""
        raise ConfigError(f"{rel} {place}有 TOML 语法错误，例如：publication_day = \"01-20\"。") from None


def parse_date(value, where: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ConfigError(f"{where}：日期「{value}」无效，请写成 2025-01-20 的形式。") from None


def report_settings(root: Path, dept: str, year: int, publication_date=None) -> ReportSettings:
    deadline = date(year + 1, *DEADLINE)
    if publication_date not in (None, ""):
        return ReportSettings(parse_date(publication_date, "参数 publication_date"), deadline)
    local_rel = f"data/{year}/{dept}/{REPORT_FILE}"
    local = _read_toml(root / local_rel, local_rel)
    if "publication_date" in local:
        return ReportSettings(parse_date(local["publication_date"], local_rel), deadline)
    project = _read_toml(root / PROJECT_FILE, PROJECT_FILE.as_posix()).get("report", {})
    day = str(project.get("publication_day", DEFAULT_PUBLICATION_DAY))
    return ReportSettings(parse_date(f"{year + 1}-{day}", f"{PROJECT_FILE.as_posix()} 的 publication_day"), deadline)
