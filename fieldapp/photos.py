"""Photo bytes on disk: named by their digest, written atomically and durably."""

from __future__ import annotations

import os
from pathlib import Path

from flask import current_app

# The first bytes of each accepted format: the body must really be what it claims.
SIGNATURES = {
    "image/jpeg": lambda data: data[:3] == b"\xff\xd8\xff",
    "image/png": lambda data: data[:8] == b"\x89PNG\r\n\x1a\n",
    "image/webp": lambda data: data[:4] == b"RIFF" and data[8:12] == b"WEBP",
}
MAX_PHOTO_BYTES = 10 * 1024 * 1024


def looks_like(content_type: str, data: bytes) -> bool:
    """Whether ``data`` starts as a file of ``content_type`` does."""
    check = SIGNATURES.get(content_type)
    return bool(check and check(data))


def photo_path(sha256: str) -> Path:
    """Where the bytes with this digest live."""
    return Path(current_app.config["UPLOAD_FOLDER"]) / sha256[:2] / sha256


def store(sha256: str, data: bytes) -> None:
    """Write the bytes once (same digest, same bytes), fsynced before the row commits."""
    path = photo_path(sha256)
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{sha256}.{os.getpid()}.tmp")
    with open(temporary, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
