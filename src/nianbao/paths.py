"""Where a report's outputs go.

``outputs/draft/`` is the office's working view: a department-year's folder holds
its report and its full record (executed notebook, findings, manifest, log).
``outputs/publish/`` is exactly what the web team uploads, so there a folder holds
only the published files; the record of a publish run lives in
``outputs/runs/publish/`` instead.
"""

from __future__ import annotations

from pathlib import Path

OUTPUTS = "outputs"
SITE_FILES = ("report.html", "report.fragment.html", "report.pdf")
MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
CHECKS = "checks.json"
NOTEBOOK_OUT = "report.ipynb"
DOCX = "report.docx"  # for sign-off: a record file, never in the upload folder
LOG = "build.log"
# The office's view of a region (draft site only), beside the report notebook.
DISTRICT_NOTEBOOK = Path("notebooks") / "district.ipynb"


def outputs(root: Path) -> Path:
    return root / OUTPUTS


def site_dir(root: Path, mode: str, year: int, department: str) -> Path:
    return outputs(root) / mode / str(year) / department


def record_dir(root: Path, mode: str, year: int, department: str) -> Path:
    if mode == "draft":
        return site_dir(root, mode, year, department)
    return outputs(root) / "runs" / mode / str(year) / department
