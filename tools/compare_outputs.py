"""Snapshot everything the kit produces for the sample district, to compare two
versions of the kit byte for byte (a refactor must change no output byte).

    python tools/compare_outputs.py --out /tmp/before     # on the old commit
    python tools/compare_outputs.py --out /tmp/after      # on the new one
    diff /tmp/before/snapshot.txt /tmp/after/snapshot.txt

The sample project is copied into a temporary folder and built there, draft and
publish, HTML and PDF, with the kit fingerprint held fixed (it hashes the kit's
own source, which a refactor changes by definition; it reaches manifest.json and
the PDF's embedded manifest and /ID).  The snapshot lists the SHA-256 of every
output file (manifest.json without its timings and versions), of checks.csv and
of ``nianbao check --json``; the outputs themselves stay in --out for a closer look.
A run notebook is compared by its cells and outputs: papermill stamps timings,
execution counts and the temporary project's path on it at every run.

    python tools/compare_outputs.py --rehash /tmp/before   # recompute a snapshot from its outputs
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXED_FINGERPRINT = "compare-outputs"
VOLATILE = ("started", "seconds", "versions")


def nianbao(project: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "NIANBAO_KIT_FINGERPRINT": FIXED_FINGERPRINT}
    command = [sys.executable, "-m", "nianbao", *args, "--project", str(project)]
    return subprocess.run(command, env=env, capture_output=True, text=True, check=False)


def stable_notebook(path: Path) -> dict:
    """A run notebook without what papermill and the kernel stamp on it per run
    (timings, execution counts, the temporary project's path, object addresses):
    cells and outputs."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    cells = []
    for cell in nb["cells"]:
        outputs = [{k: v for k, v in o.items() if k != "execution_count"} for o in cell.get("outputs", [])]
        for output in outputs:  # an object's default repr names its address
            if "text/html" in output.get("data", {}):
                output["data"] = {k: v for k, v in output["data"].items() if k != "text/plain"}
        tags = cell.get("metadata", {}).get("tags", [])
        source = "".join(cell["source"])
        if "injected-parameters" in tags:
            source = "".join(line for line in source.splitlines(keepends=True) if not line.startswith("project_root ="))
        cells.append({"source": source, "tags": tags, "outputs": outputs})
    return {"cells": cells}


def stable_bytes(path: Path) -> bytes:
    if path.name == "report.ipynb":
        return json.dumps(stable_notebook(path), ensure_ascii=False, sort_keys=True).encode("utf-8")
    if path.name == "SHA256SUMS":  # its report.ipynb line follows the notebook's stamps
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        return "".join(line for line in lines if not line.rstrip().endswith("/report.ipynb")).encode("utf-8")
    if path.name != "manifest.json":
        return path.read_bytes()
    manifest = json.loads(path.read_text(encoding="utf-8"))
    for key in VOLATILE:
        manifest.pop(key, None)
    return json.dumps(manifest, ensure_ascii=False, sort_keys=True).encode("utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, type=Path, help="folder for the snapshot (replaced)")
    parser.add_argument("--project", type=Path, default=ROOT, help="project to copy (default: the sample)")
    parser.add_argument("--jobs", default="2")
    parser.add_argument("--rehash", action="store_true", help="only recompute --out's snapshot from its outputs")
    args = parser.parse_args()
    if args.rehash:
        return rehash(args.out)
    with tempfile.TemporaryDirectory(prefix="nianbao-compare-") as scratch:
        project = Path(scratch)
        for name in ("params", "data", "notebooks"):
            shutil.copytree(args.project / name, project / name)
        lines = []
        check = nianbao(project, "check", "--json")
        lines.append(f"{hashlib.sha256(check.stdout.encode()).hexdigest()}  check --json (exit {check.returncode})")
        for mode in ("draft", "publish"):
            run = nianbao(project, "build", "--mode", mode, "--force", "--to", "html,pdf", "--jobs", args.jobs)
            lines.append(f"build --mode {mode}: exit {run.returncode}")
            if run.returncode not in (0, 1):
                print(run.stdout, run.stderr, file=sys.stderr)
                return 2
        outputs = project / "outputs"
        lines += output_lines(outputs)
        if args.out.exists():
            shutil.rmtree(args.out)
        shutil.copytree(outputs, args.out / "outputs")
        (args.out / "check.json").write_text(check.stdout, encoding="utf-8")
        (args.out / "snapshot.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(lines)} entries → {args.out / 'snapshot.txt'}")
    return 0


def output_lines(outputs: Path) -> list[str]:
    lines = []
    for path in sorted(outputs.rglob("*")):
        rel = path.relative_to(outputs).as_posix()
        if path.is_file() and not rel.startswith(".cache/") and rel != ".build.lock":
            lines.append(f"{hashlib.sha256(stable_bytes(path)).hexdigest()}  {rel}")
    return lines


def rehash(out: Path) -> int:
    snapshot = out / "snapshot.txt"
    # Keep the command lines (check --json's hash, the builds' exit codes); recompute the file lines.
    kept = [line for line in snapshot.read_text(encoding="utf-8").splitlines()
            if line.endswith(")") and "check --json" in line or line.startswith("build ")]
    snapshot.write_text("\n".join([*kept, *output_lines(out / "outputs")]) + "\n", encoding="utf-8")
    print(f"rehashed → {snapshot}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
