"""The key that lets ``nianbao import`` trust a workbook's identification.

A workbook says which department and year it is for (hidden sheet and custom
properties).  Anyone can edit that, so ``template --xlsx`` signs it with an
HMAC keyed by a secret kept in the project (``.nianbao/workbook.key``, created on
first use, ignored by git through its own ``.gitignore``) and ``import`` accepts
only a workbook whose signature matches: a workbook imports only where it was
issued.  The key is never written into a workbook, an output or a tracked file.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from .errors import EXIT_USAGE, NianbaoError

KEY_DIR = Path(".nianbao")
KEY_FILE = KEY_DIR / "workbook.key"
SIGNED_FIELDS = ("kit", "layout", "format", "year", "department")
SIGNATURE = "signature"  # the identification field holding the HMAC


class SigningError(NianbaoError):
    """The project's key cannot be read or made; the message is for people."""

    exit_code = EXIT_USAGE


def _message(identity: dict[str, str]) -> bytes:
    return "\n".join(f"{name}={identity.get(name, '')}" for name in SIGNED_FIELDS).encode("utf-8")


def project_key(root: Path, *, create: bool) -> bytes | None:
    """The project's signing key; made (0600) when ``create`` and missing."""
    path = Path(root) / KEY_FILE
    try:
        text = path.read_text(encoding="ascii").strip()
        return bytes.fromhex(text)
    except FileNotFoundError:
        if not create:
            return None
    except (OSError, ValueError):
        raise SigningError(f"无法读取签发密钥 {KEY_FILE.as_posix()}：文件已损坏。"
                           "删除后会重新生成，但此前签发的工作簿将无法导入。") from None
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True)
    ignore = folder / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# nianbao: the workbook signing key never goes into version control\n*\n", encoding="utf-8")
    key = secrets.token_bytes(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key.hex() + "\n")
    return key


def sign(key: bytes, identity: dict[str, str]) -> str:
    return hmac.new(key, _message(identity), hashlib.sha256).hexdigest()


def verify(key: bytes, identity: dict[str, str], signature: str) -> bool:
    return hmac.compare_digest(sign(key, identity), signature or "")
