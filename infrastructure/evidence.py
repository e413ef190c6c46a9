"""증빙자료 files, stored content-addressed: the path is the SHA-256 of the bytes."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

_HEX = frozenset("0123456789abcdef")


class EvidenceStore:
    """The application's ContentStore on a directory (evidence, staged imports)."""

    def __init__(self, root: Path, database: str | None = None) -> None:
        self.root = root
        # Which database's events reference these files (see ``claim``).
        self.database = database
        self._bound = database is None

    def _path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def put(self, data: bytes) -> str:
        """Store the bytes once; the same file twice is stored once."""
        digest = hashlib.sha256(data).hexdigest()
        if not self._bound:
            self.claim(self.database or "")  # bound already elsewhere: the sweep refuses
            self._bound = True
        path = self._path(digest)
        if path.exists():
            # Sent again: young again, so the sweep never takes a file a report is
            # about to reference.
            os.utime(path)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Write then rename: a reader never sees half a file.
            fd, tmp = tempfile.mkstemp(dir=path.parent)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
        return digest

    def get(self, sha256: str) -> bytes | None:
        if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
            return None
        path = self._path(sha256)
        return path.read_bytes() if path.exists() else None

    def files(self) -> Iterator[tuple[str, int, datetime]]:
        if not self.root.exists():
            return
        for path in sorted(self.root.glob("??/*")):
            name = path.name
            if len(name) == 64 and set(name) <= _HEX and path.is_file():
                stat = path.stat()
                yield name, stat.st_size, datetime.fromtimestamp(stat.st_mtime, tz=UTC)

    def remove(self, sha256: str) -> None:
        self._path(sha256).unlink(missing_ok=True)

    def claim(self, database: str) -> bool:
        """Bind the directory to one database (its URL without password): True if it
        is bound to this one, binding it now if it was bound to none (the first file
        stored binds it; a directory from before the binding, the first sweep)."""
        marker = self.root / ".followup-database"
        if marker.exists():
            return marker.read_text(encoding="utf-8").strip() == database
        self.root.mkdir(parents=True, exist_ok=True)
        marker.write_text(database + "\n", encoding="utf-8")
        return True
