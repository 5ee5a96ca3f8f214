"""The baseline of the performance work, runnable side by side with the current code.

"Today" for the performance issue is the commit before its work started
(``BASELINE``).  ``baseline_tree()`` exports that commit's ``src/`` and
``notebooks/`` (``git archive``, so the repository itself is not touched) into
a cache folder once; ``baseline_env()`` is an environment whose ``PYTHONPATH``
puts that ``src/`` first, so the same venv's ``nianbao``, ``papermill`` and
kernels run the baseline's code.  Bench scripts run each measured way once
with the baseline and once with the working tree, interleaved, and print
ratios.

    python bench/baseline.py            # prints the exported tree (exports it if needed)
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# "today" of the performance issue: JupyterLab test and district notebook fix, the last commit before it
BASELINE = "36299ce"


def baseline_tree(ref: str = BASELINE) -> Path:
    """A folder holding ``src/`` and ``notebooks/`` of ``ref`` (exported once, then reused)."""
    full = subprocess.run(["git", "-C", str(REPO), "rev-parse", ref], check=True, capture_output=True,
                          text=True).stdout.strip()
    tree = Path(os.environ.get("NIANBAO_BENCH_CACHE", tempfile.gettempdir())) / f"nianbao-baseline-{full[:12]}"
    if (tree / ".complete").exists():
        return tree
    tree.mkdir(parents=True, exist_ok=True)
    archive = tree / "export.tar"
    with open(archive, "wb") as handle:
        subprocess.run(["git", "-C", str(REPO), "archive", "--format=tar", full, "src", "notebooks"],
                       check=True, stdout=handle)
    with tarfile.open(archive) as tar:
        tar.extractall(tree, filter="data")
    archive.unlink()
    (tree / ".complete").write_text(full, encoding="ascii")
    return tree


def baseline_env(ref: str = BASELINE) -> dict[str, str]:
    """os.environ with the baseline's sources first on the import path (kernels inherit it)."""
    src = baseline_tree(ref) / "src"
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(src), *filter(None, [os.environ.get("PYTHONPATH")])])}


def current_env() -> dict[str, str]:
    """os.environ with the working tree's sources first (the same as an editable install)."""
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "src"), *filter(None, [os.environ.get("PYTHONPATH")])])}


def ways(ref: str = BASELINE) -> dict[str, dict[str, str]]:
    """The two ways every bench compares: {"today": env, "now": env}."""
    return {"today": baseline_env(ref), "now": current_env()}


if __name__ == "__main__":
    tree = baseline_tree(sys.argv[1] if len(sys.argv) > 1 else BASELINE)
    check = subprocess.run([sys.executable, "-c", "import nianbao, sys; print(nianbao.__file__)"],
                           env=baseline_env(), capture_output=True, text=True)
    print(tree, "→", check.stdout.strip())
