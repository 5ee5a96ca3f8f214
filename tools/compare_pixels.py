"""Sort the differences between two ``tools/compare_outputs.py`` snapshots by what a
reader would see: pages whose only change is the bytes of their charts (same
decoded pixels), PDFs with the same page images, and everything else.

    python tools/compare_outputs.py --out /tmp/before       # old commit (PYTHONPATH=<its src>)
    python tools/compare_outputs.py --out /tmp/after        # new commit
    python tools/compare_pixels.py /tmp/before /tmp/after [--dpi 100]

Pages, fragments, run notebooks (compared as compare_outputs compares them) and
manifests are compared with each inline PNG replaced by a hash of its decoded
RGBA pixels; PDFs by the page images ``pdftoppm`` renders (every page, grey).
Hash lists (``SHA256SUMS``, ``publish/index.json``) are only counted: they
change whenever what they list does.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import re
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from compare_outputs import stable_bytes  # noqa: E402

INLINE_PNG = re.compile(r"data:image/png;base64,([A-Za-z0-9+/=]+)")
NOTEBOOK_PNG = re.compile(r'"image/png": "([A-Za-z0-9+/=\\n]+)"')
HASH_LISTS = ("SHA256SUMS", "index.json")


def pixels(png: bytes) -> str:
    import numpy as np
    from PIL import Image

    image = Image.open(io.BytesIO(png))
    return f"PNG{image.size}:{hashlib.sha256(np.asarray(image.convert('RGBA')).tobytes()).hexdigest()[:16]}"


def by_pixels(text: str) -> str:
    text = INLINE_PNG.sub(lambda m: pixels(base64.b64decode(m.group(1))), text)
    return NOTEBOOK_PNG.sub(lambda m: pixels(base64.b64decode(m.group(1).replace("\\n", ""))), text)


def page_images(pdf: Path, dpi: int) -> list[bytes]:
    from PIL import Image

    with tempfile.TemporaryDirectory() as folder:
        subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", str(pdf), f"{folder}/p"], check=True)
        return [Image.open(page).tobytes() for page in sorted(Path(folder).glob("p-*.pgm"))]


def kind_of_difference(before: Path, after: Path, dpi: int) -> str:
    if before.name in HASH_LISTS:
        return "hash list (changes with what it lists)"
    if before.suffix == ".pdf":
        old, new = page_images(before, dpi), page_images(after, dpi)
        if old == new:
            return f"PDF: same page images at {dpi} dpi"
        changed = sum(a != b for a, b in zip(old, new, strict=False))
        return f"PDF: {len(old)} → {len(new)} pages, {changed} page images differ  ← look"
    if before.suffix in (".html", ".ipynb", ".json"):
        old, new = (stable_bytes(path).decode("utf-8") for path in (before, after))
        if by_pixels(old) == by_pixels(new):
            return f"{before.suffix}: only the charts' bytes differ, same pixels"
    return "other  ← look"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--dpi", type=int, default=100)
    args = parser.parse_args()
    old, new = (dict(reversed(line.split("  ", 1)) for line in (folder / "snapshot.txt").read_text("utf-8").splitlines()
                     if "  " in line) for folder in (args.before, args.after))
    kinds: Counter[str] = Counter()
    looks = []
    for rel in sorted(set(old) | set(new)):
        if old.get(rel) == new.get(rel):
            kinds["identical"] += 1
            continue
        if rel not in old or rel not in new or not (args.before / "outputs" / rel).is_file():
            kind = "only in one snapshot  ← look"
        else:
            kind = kind_of_difference(args.before / "outputs" / rel, args.after / "outputs" / rel, args.dpi)
        kinds[kind.split(", ")[0] if kind.startswith("PDF: ") and "look" in kind else kind] += 1
        if "look" in kind:
            looks.append(f"  {rel}: {kind}")
    for kind, count in kinds.most_common():
        print(f"{count:5}  {kind}")
    print("\n".join(looks))
    return 1 if looks else 0


if __name__ == "__main__":
    raise SystemExit(main())
