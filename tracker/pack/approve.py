"""Approve a reviewed pack: re-stamp DRAFT as FINAL without rebuilding anything else.

The secretary approves the document they read, so the register is not consulted:
only the status marks (cover, header), the document properties and the manifest change.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from docx.oxml.ns import qn

from tracker.core.dates import day_month_year, utc_second
from tracker.core.errors import TrackerError
from tracker.core.files import atomic_write, sha256_bytes
from tracker.core.text import clean, display
from tracker.pack.build import PackResult, make_pdf
from tracker.pack.manifest import Manifest, PackNotBuilt
from tracker.pack.marking import APPROVAL_TAG, STATUS_TAG, tagged_runs
from tracker.pack.word import save_deterministic


def locate(pack: Path, trust: str | None = None) -> Manifest:
    """The manifest of a pack, given either its .docx or its meeting folder (and, if given,
    checked to be the pack of the trust named `trust`)."""
    pack = Path(pack)
    folder = pack if pack.is_dir() else pack.parent
    try:
        manifest = Manifest.read(folder)
    except PackNotBuilt:
        raise TrackerError(
            f"{folder / 'manifest.json'}: no manifest beside the pack; build it with `tracker pack`"
        ) from None
    if trust is not None and manifest.trust != trust:
        raise TrackerError(
            f"{manifest.path}: this is {manifest.trust_name}'s pack ({manifest.trust!r}), not {trust!r}'s"
        )
    docx = manifest.docx_path
    if not pack.is_dir() and pack.resolve() != docx.resolve():
        raise TrackerError(f"{pack}: manifest.json in this folder describes {docx.name}, not this file")
    if not docx.is_file():
        raise TrackerError(f"{docx}: the pack named in {manifest.path} is missing; rebuild it with `tracker pack`")
    return manifest


def _set_words(runs: list, words: str) -> None:
    first = True
    for r in runs:
        for t in r.findall(qn("w:t")):
            t.text = display(words) if first else ""  # only the first text node keeps the words
            first = False


def approve(pack: Path, by: str, now: dt.datetime, trust: str | None = None) -> PackResult:
    """Mark the pack FINAL, approved by `by` at `now`; refuse a pack edited since it was built
    (or, with `trust`, a pack that is not that trust's)."""
    from docx import Document

    by = clean(by)
    if not by:
        raise TrackerError("approve: say who approves the pack with --by NAME")
    manifest = locate(pack, trust)
    docx_path = manifest.docx_path
    if manifest.final:
        raise TrackerError(f"{docx_path}: already approved by {manifest.approved_by} at {manifest.approved_at}")
    data = docx_path.read_bytes()
    if sha256_bytes(data) != manifest.sha256:
        raise TrackerError(
            f"{docx_path}: the file has changed since it was built (its sha256 does not match manifest.json), "
            f"so it is not the pack that was reviewed; rebuild it with `tracker pack --meeting {manifest.meeting}` "
            "and approve the new pack"
        )
    now = utc_second(now)
    doc = Document(str(docx_path))
    parts = [doc.element.body]
    for s in doc.sections:
        for hf in (s.header, s.footer, s.first_page_header, s.first_page_footer, s.even_page_header):
            if not hf.is_linked_to_previous:
                parts.append(hf._element)
    found = 0
    for root in parts:
        for runs in tagged_runs(root, STATUS_TAG):
            _set_words(runs, "FINAL")
            found += 1
        for runs in tagged_runs(root, APPROVAL_TAG):
            _set_words(runs, f"Approved by {by} on {day_month_year(now)}.")
    if not found:
        raise TrackerError(f"{docx_path}: no DRAFT marking found to replace; rebuild it with `tracker pack`")
    props = doc.core_properties
    props.content_status = "Final"
    props.last_modified_by = display(by)
    props.modified = now.replace(tzinfo=None)
    props.revision = (props.revision or 1) + 1
    final = save_deterministic(doc, now.timetuple()[:6])
    atomic_write(docx_path, final)

    notes: list[str] = []
    pdf_path = None
    if manifest.pdf:
        pdf_path, note = make_pdf(docx_path)
        notes += [note] if note else []
    approved = manifest.approved(by, now, sha256_bytes(final), pdf_path)
    approved.write()
    return PackResult(approved, tuple(notes))
