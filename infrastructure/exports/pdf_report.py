"""The PDF: the printable HTML page, printed by headless Chromium.

Chromium lays out Korean text, repeated table headers and unbroken rows exactly as
the print preview shows them; no second layout engine to keep in step.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

from application.exports import ExportFailedError, ExportUnavailableError

# Root has no sandbox; a server must not reach out to the network while printing.
_CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--no-first-run",
    "--no-pdf-header-footer",
)
_NAMES = ("chromium", "chromium-browser", "google-chrome")
TIMEOUT = 90.0
# A Chromium per PDF costs a few hundred MB: at most this many print at once in a
# process; the others wait their turn (within the timeout) instead of piling up.
MAX_CONCURRENT = 2
_printing = threading.BoundedSemaphore(MAX_CONCURRENT)


def find_chromium(explicit: str | None = None) -> str | None:
    if explicit:
        return explicit if Path(explicit).exists() else None
    return next((found for name in _NAMES if (found := shutil.which(name))), None)


def html_to_pdf(html: bytes, chromium: str | None = None, timeout: float = TIMEOUT) -> bytes:
    """Print the page to PDF (A4 landscape: the page's own @page rule).

    Raises:
        ExportUnavailableError: no Chromium installed.
        ExportFailedError: Chromium failed or took longer than ``timeout`` seconds.
    """
    program = find_chromium(chromium)
    if program is None:
        raise ExportUnavailableError(
            "PDF는 Chromium으로 만듭니다: chromium을 설치하세요 "
            "(PDF export needs Chromium: apt-get install chromium)"
        )
    with tempfile.TemporaryDirectory(prefix="followup-pdf-") as tmp:
        page, out = Path(tmp) / "report.html", Path(tmp) / "report.pdf"
        page.write_bytes(html)
        command = [
            program,
            *_CHROMIUM_ARGS,
            f"--user-data-dir={Path(tmp) / 'profile'}",
            f"--print-to-pdf={out}",
            page.as_uri(),
        ]
        if not _printing.acquire(timeout=timeout):
            raise ExportFailedError(f"busy printing other PDFs for {timeout:.0f} s")
        try:
            done = subprocess.run(
                command, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL
            )
        except subprocess.TimeoutExpired:
            raise ExportFailedError(f"chromium took longer than {timeout:.0f} s") from None
        except OSError as exc:
            raise ExportUnavailableError(f"chromium could not start: {exc}") from None
        finally:
            _printing.release()
        if done.returncode != 0 or not out.exists() or out.stat().st_size == 0:
            tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
            raise ExportFailedError(f"chromium exit {done.returncode}: {' / '.join(tail)}")
        return out.read_bytes()
