"""Render a .docx as a reader sees it, through LibreOffice."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from tracker.core.errors import TrackerError


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def to_pdf(docx: Path, out_dir: Path | None = None, timeout: float = 180) -> Path:
    """Convert `docx` to PDF beside it (or in `out_dir`) and return the PDF's path.

    Each conversion gets a fresh LibreOffice profile, so parallel or crashed runs
    never share a lock; and the PDF is checked for, since soffice can exit 0
    without writing it.
    """
    exe = soffice()
    if exe is None:
        raise TrackerError(
            "LibreOffice (soffice) is not installed, so no PDF can be made; on Debian: apt-get install libreoffice-writer-nogui"
        )
    docx = Path(docx).resolve()
    out_dir = Path(out_dir or docx.parent).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{docx.stem}.pdf"
    target.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="tracker-lo-") as profile:
        cmd = [
            exe,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out_dir),
            str(docx),
        ]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise TrackerError(f"{docx}: LibreOffice took longer than {timeout:.0f} s to make a PDF") from None
    if not target.exists() or target.stat().st_size == 0:
        detail = (proc.stderr or proc.stdout).strip().splitlines()
        raise TrackerError(
            f"{docx}: LibreOffice did not write a PDF (exit {proc.returncode}{': ' + detail[-1] if detail else ''})"
        )
    return target
