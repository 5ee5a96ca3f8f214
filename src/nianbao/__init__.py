"""nianbao: the government information disclosure annual report kit.

The public API (what the README and the report notebook use)::

    from nianbao import open_report, open_project, check_project, project_frame

Names are imported on first use (PEP 562), so ``import nianbao`` and
``nianbao check`` never load pandas, matplotlib or papermill.
"""

from __future__ import annotations

import importlib

from .version import __version__

# Public name -> the module that defines it.
_EXPORTS = {
    "open_report": "report",
    "Report": "report",
    "ReportError": "report",
    "open_project": "project",
    "load_project": "project",
    "Project": "project",
    "project_frame": "frames",
    "ProjectError": "project",
    "check_project": "engine",
    "CheckRun": "engine",
    "Finding": "findings",
    "Severity": "findings",
    "RULES": "rules",
    "NianbaoError": "errors",
    "ProjectBuilder": "testing",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        # Also how ``from nianbao import report`` falls back to importing the submodule.
        raise AttributeError(f"module 'nianbao' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # imported once; later look-ups skip this function
    return value


def __dir__():
    return sorted({*globals(), *_EXPORTS})
