"""Approve a reviewed pack: re-stamp DRAFT as FINAL without rebuilding anything else.

The secretary approves the document they read, so the register is not consulted:
only the status marks (cover, header), the document properties and the manifest change.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from docx.oxml.ns import qn

from tracker.core.dates import day_month_year
from tracker.core.errors import TrackerError
from tracker.core.files import atomic_write, write_json
from tracker.core.text import clean, display
from tracker.pack.build import PackResult, make_pdf, sha256
from tracker.pack.manifest import file_name
from tracker.pack.marking import APPROVAL_TAG, STATUS_TAG, tagged_runs
from tracker.pack.word import save_deterministic


def locate(pack: Path) -> tuple[Path, Path, dict]:
    """The .docx, manifest.json and its content, given either the .docx or its meeting folder."""
    pack = Path(pack)
    folder = pack if pack.is_dir() else pack.parent
    manifest_path = folder / "manifest.json"
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TrackerError(f"{manifest_path}: no manifest beside the pack; build it with `tracker pack`") from None
    except ValueError as exc:
        raise TrackerError(f"{manifest_path}: not valid JSON ({exc})") from None
    try:
        docx = folder / file_name(manifest.get("pack") or "")
    except ValueError as exc:
        raise TrackerError(f"{manifest_path}: the pack manifest is malformed ({exc}); rebuild the pack") from None
    if not pack.is_dir() and pack.resolve() != docx.resolve():
        raise TrackerError(f"{pack}: manifest.json in this folder describes {docx.name}, not this file")
    if not docx.is_file():
        raise TrackerError(f"{docx}: the pack named in {manifest_path} is missing; rebuild it with `tracker pack`")
    return docx, manifest_path, manifest


def _set_words(runs: list, words: str) -> None:
    first = True
    for r in runs:
        for t in r.findall(qn("w:t")):
            t.text = display(words) if first else ""  # only the first text node keeps the words
            first = False


def approve(pack: Path, by: str, now: dt.datetime) -> PackResult:
    """Mark the pack FINAL, approved by `by` at `now`; refuse a pack edited since it was built."""
    from docx import Document

    by = clean(by)
    if not by:
        raise TrackerError("approve: say who approves the pack with --by NAME")
    docx_path, manifest_path, manifest = locate(pack)
    if manifest.get("status") == "FINAL":
        raise TrackerError(
            f"{docx_path}: already approved by {manifest.get('approved_by')} at {manifest.get('approved_at')}"
        )
    data = docx_path.read_bytes()
    if sha256(data) != manifest.get("sha256"):
        raise TrackerError(
            f"{docx_path}: the file has changed since it was built (its sha256 does not match manifest.json), "
            f"so it is not the pack that was reviewed; rebuild it with `tracker pack --meeting {manifest.get('meeting')}` "
            "and approve the new pack"
        )
    now = now.astimezone(dt.UTC).replace(microsecond=0)
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
    if manifest.get("pdf"):
        pdf_path, note = make_pdf(docx_path)
        notes += [note] if note else []
    manifest.update(
        status="FINAL",
        approved_by=by,
        approved_at=now.isoformat().replace("+00:00", "Z"),
        draft_sha256=manifest.get("sha256"),
        sha256=sha256(final),
        pdf=pdf_path.name if pdf_path else None,
        pdf_sha256=sha256(pdf_path.read_bytes()) if pdf_path else None,
    )
    write_json(manifest_path, manifest)
    return PackResult(docx_path, manifest_path, pdf_path, manifest, tuple(notes))
