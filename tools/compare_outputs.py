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


def stable_bytes(path: Path) -> bytes:
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
    args = parser.parse_args()
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
        for path in sorted(outputs.rglob("*")):
            rel = path.relative_to(outputs).as_posix()
            if path.is_file() and not rel.startswith(".cache/") and rel != ".build.lock":
                lines.append(f"{hashlib.sha256(stable_bytes(path)).hexdigest()}  {rel}")
        if args.out.exists():
            shutil.rmtree(args.out)
        shutil.copytree(outputs, args.out / "outputs")
        (args.out / "check.json").write_text(check.stdout, encoding="utf-8")
        (args.out / "snapshot.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(lines)} entries → {args.out / 'snapshot.txt'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
