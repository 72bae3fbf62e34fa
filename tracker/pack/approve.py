"""Approve a reviewed pack: re-stamp DRAFT as FINAL without rebuilding anything else.

The secretary approves the document they read, edits and all, so the register is not
consulted: only the status marks (cover, header), the cover's note and reading time,
the document properties and the manifest change, and the PDF copy is made again from
the approved file.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import replace
from pathlib import Path

from docx.opc.exceptions import PackageNotFoundError
from lxml.etree import XMLSyntaxError

from tracker.core.commands import run_command
from tracker.core.dates import day_month_year, utc_second
from tracker.core.errors import TrackerError
from tracker.core.files import atomic_write, sha256_bytes, sha256_file
from tracker.core.text import clean, display
from tracker.pack import marking
from tracker.pack.briefing import APPENDICES
from tracker.pack.build import PackResult, make_pdf
from tracker.pack.manifest import Manifest, PackNotBuilt
from tracker.pack.word import save_deterministic


def locate(pack: Path, trust: str | None = None) -> Manifest:
    """The manifest of a pack, given either its .docx or its meeting folder (and, if given,
    checked to be the pack of the trust named `trust`)."""
    pack = Path(pack)
    if not pack.exists():  # name what was asked for, not the manifest of the folder above it
        what = "pack file" if pack.suffix.lower() == ".docx" else "pack folder"
        raise TrackerError(f"{pack}: no such {what}; build the pack with {run_command('pack')}")
    folder = pack if pack.is_dir() else pack.parent
    try:
        manifest = Manifest.read(folder)
    except PackNotBuilt:
        raise TrackerError(
            f"{folder / 'manifest.json'}: no manifest beside the pack; build it with {run_command('pack')}"
        ) from None
    if trust is not None and manifest.trust != trust:
        raise TrackerError(
            f"{manifest.path}: this is {manifest.trust_name}'s pack ({manifest.trust!r}), not {trust!r}'s"
        )
    docx = manifest.docx_path
    if not pack.is_dir() and pack.resolve() != docx.resolve():
        raise TrackerError(f"{pack}: manifest.json in this folder describes {docx.name}, not this file")
    if not docx.is_file():
        raise TrackerError(
            f"{docx}: the pack named in {manifest.path} is missing; rebuild it with {run_command('pack')}"
        )
    return manifest


def approve(pack: Path, by: str, now: dt.datetime, trust: str | None = None, pdf: bool = False) -> PackResult:
    """Mark the pack FINAL, approved by `by` at `now`, as the secretary left it (with `trust`,
    only a pack that is that trust's).

    The PDF copy is made again from the approved file if the draft had one, and made
    for the first time if `pdf` (the trust's pack.pdf, or asked for): never a DRAFT's
    PDF beside a FINAL pack.

    A draft edited by hand since it was built (in Word or LibreOffice) is approved with
    its edits: only the status marks, the cover's note and reading time, the contents'
    page numbers and the document properties change, and the manifest records that it
    was edited, the checksums of the draft as built and as edited, and what changed.
    """
    from docx import Document

    from tracker.pack import reading, revisions
    from tracker.pack.edits import compare

    by = clean(by)
    if not by:
        raise TrackerError("approve: say who approves the pack with --by NAME")
    manifest = locate(pack, trust)
    docx_path = manifest.docx_path
    if manifest.final:
        raise TrackerError(f"{docx_path}: already approved by {manifest.approved_by} at {manifest.approved_at}")
    data = docx_path.read_bytes()
    edited = sha256_bytes(data) != manifest.sha256
    try:
        doc = Document(io.BytesIO(data))
    except (ValueError, KeyError, zipfile.BadZipFile, PackageNotFoundError, XMLSyntaxError) as exc:
        raise TrackerError(f"{docx_path}: cannot be read as a Word document ({exc}); save it again as .docx") from None
    edits = None
    if edited:
        built = revisions.built_copy(manifest)
        edits = (
            compare(Document(str(built)), doc).summary()
            if built.is_file()
            else "not listed (the draft as built was not kept)"
        )
    now = utc_second(now)
    if not marking.restamp(doc, "FINAL", f"Approved by {by} on {day_month_year(now)}."):
        raise TrackerError(
            f"{docx_path}: no DRAFT marking found to replace (the word DRAFT on the cover and in the header); "
            f"put it back, or rebuild with {run_command('pack')}"
        )
    words = reading.stamp(doc)
    props = doc.core_properties
    props.content_status = "Final"
    props.last_modified_by = display(by)
    props.modified = now.replace(tzinfo=None)
    props.revision = (props.revision or 1) + 1
    final = save_deterministic(doc, now.timetuple()[:6])
    atomic_write(docx_path, final)

    notes: list[str] = []
    approved = manifest.approved(by, now, sha256_bytes(final), sha256_bytes(data) if edited else None, edits)
    approved = replace(approved, words=words, reading_minutes=reading.minutes(words))
    if manifest.pdf or pdf:
        made, note = make_pdf(docx_path, when=now.timetuple()[:6])
        notes += [note] if note else []
        if made is None and manifest.pdf:  # never a DRAFT's PDF beside a FINAL pack
            (manifest.folder / manifest.pdf).unlink(missing_ok=True)
        else:
            approved = replace(approved, sha256=sha256_file(docx_path))
        approved = approved.with_pdf(made.path if made else None, made.page_counts(APPENDICES[0]) if made else None)
    approved.write()
    if edited:
        notes.append(f"Approved with the edits made by hand since it was built ({edits}); the manifest records both.")
    return PackResult(approved, tuple(notes))
