"""Regenerate docs/workbook.png: the 三、依申请公开 sheet of a fill-in workbook,
filled with a sample department's 2024 figures and one 总计 typed wrong (so the
live check shows a difference), rendered headless: LibreOffice → PDF → PNG.

    .venv/bin/python tools/workbook_screenshot.py      # needs soffice and pdftoppm
"""

from __future__ import annotations

import io
import subprocess
import sys
import tempfile
from pathlib import Path

import openpyxl

from nianbao import formats as F
from nianbao.contract import read_submission
from nianbao.project import load_project
from nianbao.xlsx import SHEET_APPLICATIONS, build_workbook

ROOT = Path(__file__).resolve().parent.parent
DEPT, YEAR = "ziranziyuan", 2024


def main() -> int:
    project = load_project(ROOT)
    values = dict(read_submission(project, DEPT, YEAR).values)
    values[(F.APPLICATIONS, F.GRANTED, F.TOTAL)] += 2  # the mistake the check column catches
    data = build_workbook(project.departments[DEPT].name, DEPT, YEAR, values, key=bytes(32))  # a picture: never imported
    wb = openpyxl.load_workbook(io.BytesIO(data))
    for name in list(wb.sheetnames):
        if name != SHEET_APPLICATIONS:
            del wb[name]
    with tempfile.TemporaryDirectory() as tmp:
        xlsx = Path(tmp) / "workbook.xlsx"
        wb.save(xlsx)
        subprocess.run(
            ["soffice", f"-env:UserInstallation=file://{tmp}/profile", "--headless", "--convert-to", "pdf",
             "--outdir", tmp, str(xlsx)],
            check=True, capture_output=True, timeout=180,
        )
        target = ROOT / "docs" / "workbook"
        target.parent.mkdir(exist_ok=True)
        subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile",
                        str(Path(tmp) / "workbook.pdf"), str(target)], check=True)
    print(f"{target}.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
