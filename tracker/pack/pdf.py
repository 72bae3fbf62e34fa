"""Render a .docx as a reader sees it, through LibreOffice: the PDF copy, with its contents numbered."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docx.oxml import OxmlElement
from docx.oxml.ns import qn

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


@dataclass(frozen=True)
class PdfCopy:
    """A PDF made from a pack: where it is, the page each section starts on, and how many pages."""

    path: Path
    sections: dict[str, int]  # heading -> first page; empty if the headings could not be found
    total: int

    def page_counts(self, first_appendix: str) -> dict[str, int]:
        """Pages of the main body (front sheet to the first appendix), of the appendices, and in all."""
        counts = {"total": self.total}
        front = next(iter(self.sections.values()), None)
        appendix = self.sections.get(first_appendix)
        if front and appendix:
            counts.update(main_body=appendix - front, appendices=self.total - appendix + 1)
        return counts


def complete_pdf(docx: Path, *, number_docx: bool, when: tuple[int, int, int, int, int, int] | None = None) -> PdfCopy:
    """A PDF of `docx`, beside it, whose contents page has page numbers, as `--pdf` always gave.

    LibreOffice renders once to find the page each heading starts on; the numbers are
    written into the contents (of the .docx itself with `number_docx`, which build and
    approval use; else of a copy, so an approved .docx is never touched) and it renders
    again. Works on any pack, however edited: the contents entries are found by their
    links to the headings, not by their style names, which LibreOffice renames.
    """
    from docx import Document

    from tracker.core.files import atomic_write
    from tracker.pack.word import save_deterministic

    docx = Path(docx)
    with tempfile.TemporaryDirectory(prefix="tracker-pdf-") as tmp:
        first = to_pdf(docx, Path(tmp))
        doc = Document(str(docx))
        entries = contents_entries(doc.element.body)
        pages = heading_pages(first, [title for _, title in entries]) if entries else None
        if not pages:
            target = docx.with_suffix(".pdf")
            shutil.move(first, target)
            return PdfCopy(target, {}, page_count(target))
        number_contents(entries, pages)
        if number_docx:
            atomic_write(docx, save_deterministic(doc, when or (2000, 1, 1, 0, 0, 0)))
            source = docx
        else:
            source = Path(tmp) / "numbered" / docx.name
            source.parent.mkdir()
            doc.save(str(source))
        pdf = to_pdf(source, docx.parent)
    return PdfCopy(pdf, pages, page_count(pdf))


def contents_entries(body) -> list[tuple[Any, str]]:
    """The contents' entries: each paragraph with a link to a heading's _Toc bookmark, and its title."""
    found = []
    for p in body.iter(qn("w:p")):
        link = next((h for h in p.iter(qn("w:hyperlink")) if (h.get(qn("w:anchor")) or "").startswith("_Toc")), None)
        if link is not None:
            found.append((p, "".join(t.text or "" for t in link.iter(qn("w:t"))).strip()))
    return found


def number_contents(entries: list[tuple[Any, str]], pages: dict[str, int]) -> None:
    """Put each entry's page after a tab (the style's dotted leader leads to it), replacing any number there."""
    for p, title in entries:
        if title not in pages:
            continue
        link = next(h for h in p.iter(qn("w:hyperlink")) if (h.get(qn("w:anchor")) or "").startswith("_Toc"))
        for el in list(link.itersiblings()):
            digits_only = not "".join(t.text or "" for t in el.iter(qn("w:t"))).strip(" 0123456789")
            field = el.find(qn("w:fldChar")) is not None or el.find(qn("w:instrText")) is not None
            if el.tag == qn("w:r") and digits_only and not field:
                p.remove(el)  # an earlier number (ours, or LibreOffice's)
        run = OxmlElement("w:r")
        run.append(OxmlElement("w:tab"))
        t = OxmlElement("w:t")
        t.text = str(pages[title])
        run.append(t)
        link.addnext(run)


def heading_pages(pdf_path: Path, titles: list[str]) -> dict[str, int] | None:
    """The page each heading starts on, read from the rendered PDF; None if any is not found.

    Each title is looked for as a whole line, in order, after the contents page.
    """
    exe = shutil.which("pdftotext")
    if exe is None:
        return None
    try:
        out = subprocess.run([exe, "-enc", "UTF-8", str(pdf_path), "-"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    pages = [{line.strip() for line in page.splitlines()} for page in out.stdout.split("\f")]
    contents = next((i for i, lines in enumerate(pages) if "Contents" in lines), 0)
    found, start = {}, contents + 1
    for title in titles:
        page = next((i for i in range(start, len(pages)) if title in pages[i]), None)
        if page is None:
            return None
        found[title], start = page + 1, page
    return found


def page_count(pdf_path: Path) -> int:
    exe = shutil.which("pdfinfo")
    if exe is None:
        return 0
    try:
        out = subprocess.run([exe, str(pdf_path)], capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.TimeoutExpired):
        return 0
    m = re.search(r"^Pages:\s+(\d+)", out, re.M)
    return int(m.group(1)) if m else 0
