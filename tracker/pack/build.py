"""Build the council of governors briefing pack (.docx), its manifest and its PDF copy.

`build_pack()` is the one entry for the CLI, the Prefect flow and the benchmark:
typed config in, files out, the clock passed in.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from tracker.config.loading import read_register_bytes
from tracker.config.profiles import FeedSource, Questions, Trust
from tracker.core.errors import TrackerError
from tracker.core.files import atomic_write, write_json
from tracker.pack.briefing import Briefing, compose
from tracker.tracking.feedstate import health_report


@dataclass(frozen=True)
class PackResult:
    docx: Path
    manifest_path: Path
    pdf: Path | None
    manifest: dict[str, Any]
    notes: tuple[str, ...] = field(default_factory=tuple)  # things the user should hear, e.g. no LibreOffice


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def pack_name(trust: Trust, meeting: dt.date) -> str:
    return f"{trust.short_name}-governors-briefing-{meeting.isoformat()}.docx"


def content_digest(b: Briefing) -> str:
    """What the pack says, apart from when it was prepared: decides whether the version moves on."""
    same_day = replace(b, prepared=dt.date(2000, 1, 1), health=())
    health = [(h.name, h.stale, h.last_error) for h in b.health]
    return sha256(repr((same_day, health)).encode("utf-8"))


def previous_manifest(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def build_pack(
    trust: Trust,
    questions: Questions,
    sources: tuple[FeedSource, ...],
    register_path: Path,
    *,
    now: dt.datetime,
    state_dir: Path = Path("outputs/state"),
    out_dir: Path = Path("outputs/packs"),
    meeting: dt.date | None = None,
    pdf: bool | None = None,
    template: Path | None = None,
    force: bool = False,
) -> PackResult:
    """Write `<out>/<meeting>/<short>-governors-briefing-<meeting>.docx` and manifest.json beside it.

    A pack already approved as FINAL is never overwritten silently: if what it would say
    has not changed it is left alone; if it has, pass `force=True` to start a new draft.
    The register is parsed from the very bytes whose sha256 goes in the manifest (once
    per content in a process: loading the config first costs no second parse).
    """
    from tracker.pack import render, timeline
    from tracker.pack.word import save_deterministic

    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    now = now.astimezone(dt.UTC).replace(microsecond=0)
    meeting = trust.meeting_for(now.date(), meeting)
    register, raw = read_register_bytes(register_path)
    health = health_report(sources, Path(state_dir), now)
    briefing = compose(register, trust, questions, health, meeting, now)

    folder = Path(out_dir) / meeting.isoformat()
    docx_path, manifest_path = folder / pack_name(trust, meeting), folder / "manifest.json"
    digest = content_digest(briefing)
    old = previous_manifest(manifest_path)
    version = 1
    if old:
        unchanged = old.get("content_digest") == digest
        if old.get("status") == "FINAL" and not force:
            if unchanged and docx_path.exists():
                return PackResult(
                    docx_path, manifest_path, _pdf_of(folder, old), old, ("The approved pack is unchanged.",)
                )
            raise TrackerError(
                f"{docx_path}: this pack was approved as FINAL by {old.get('approved_by')} on "
                f"{str(old.get('approved_at'))[:10]} and the register has changed since; "
                "to start a new draft version, rebuild with --force"
            )
        version = int(old.get("version") or 0) + (0 if unchanged else 1) or 1

    picture = timeline_png(briefing, now.date(), Path(out_dir) / ".timeline-cache")
    alt = timeline.alt_text(briefing.events, now.date())
    doc = render.render(briefing, template or trust.template, picture, alt, str(version), now)
    data = save_deterministic(doc, now.timetuple()[:6])
    atomic_write(docx_path, data)

    notes: list[str] = []
    pdf_path = None
    if pdf if pdf is not None else trust.pdf:
        pdf_path, note = make_pdf(docx_path)
        notes += [note] if note else []
        pages = heading_pages(pdf_path) if pdf_path else None
        if pages:  # a second pass puts the page numbers in the contents
            doc = render.render(briefing, template or trust.template, picture, alt, str(version), now, pages=pages)
            data = save_deterministic(doc, now.timetuple()[:6])
            atomic_write(docx_path, data)
            pdf_path, _ = make_pdf(docx_path)
    manifest = {
        "trust": trust.short_name,
        "trust_name": trust.name,
        "meeting": meeting.isoformat(),
        "previous_meeting": briefing.previous_meeting.isoformat() if briefing.previous_meeting else None,
        "pack": docx_path.name,
        "pdf": pdf_path.name if pdf_path else None,
        "generated_at": now.isoformat().replace("+00:00", "Z"),
        "sha256": sha256(data),
        "pdf_sha256": sha256(pdf_path.read_bytes()) if pdf_path else None,
        "register_digest": sha256(raw),
        "content_digest": digest,
        "counts": briefing.counts,
        "status": "DRAFT",
        "version": str(version),
        "approved_by": None,
        "approved_at": None,
        "reading_minutes": briefing.reading_minutes,
        "changes": [c.as_dict() for c in briefing.changes],
        "stale_sources": briefing.stale_sources,
    }
    write_json(manifest_path, manifest)
    return PackResult(docx_path, manifest_path, pdf_path, manifest, tuple(notes))


def timeline_png(briefing: Briefing, today: dt.date, cache: Path) -> bytes:
    """The timeline picture, drawn once per set of events and day.

    Drawing needs matplotlib, which takes about half a second to import; the picture
    depends only on the events and the day, so rebuilding a pack while editing the
    questions reuses it. The key includes the drawing code, so a change to it redraws.
    """
    from tracker.pack import timeline

    code = Path(timeline.__file__).read_bytes()
    key = sha256(repr((briefing.events, today)).encode("utf-8") + code)[:32]
    path = cache / f"{key}.png"
    try:
        return path.read_bytes()
    except OSError:
        pass
    png = timeline.draw(briefing.events, today)
    try:
        atomic_write(path, png)
        for old in sorted(cache.glob("*.png"), key=lambda p: p.stat().st_mtime)[:-8]:
            old.unlink(missing_ok=True)  # keep the last few days' pictures only
    except OSError:
        pass  # a read-only output folder costs speed, not the pack
    return png


def heading_pages(pdf_path: Path) -> dict[str, int] | None:
    """The page each section starts on, read from the rendered PDF; None if any is not found."""
    import shutil
    import subprocess

    from tracker.pack.briefing import SECTIONS

    exe = shutil.which("pdftotext")
    if exe is None:
        return None
    try:
        out = subprocess.run([exe, "-enc", "UTF-8", str(pdf_path), "-"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    pages = [{line.strip() for line in page.splitlines()} for page in out.stdout.split("\f")]
    found, start = {}, 0
    contents = next((i for i, lines in enumerate(pages) if "Contents" in lines), None)
    for title in SECTIONS:
        first = start if title == SECTIONS[0] else max(start, (contents or 0) + 1)
        page = next((i for i in range(first, len(pages)) if title in pages[i]), None)
        if page is None:
            return None
        found[title], start = page + 1, page
    return found


def _pdf_of(folder: Path, manifest: dict[str, Any]) -> Path | None:
    return folder / manifest["pdf"] if manifest.get("pdf") else None


def make_pdf(docx_path: Path) -> tuple[Path | None, str | None]:
    """A PDF copy beside the pack, or (None, why not): the .docx stands either way."""
    from tracker.pack.pdf import soffice, to_pdf

    if soffice() is None:
        return None, (
            "LibreOffice is not installed, so no PDF copy was made (the .docx is ready); "
            "on Debian: apt-get install libreoffice-writer-nogui"
        )
    try:
        return to_pdf(docx_path), None
    except TrackerError as exc:  # a failed conversion costs the PDF, never the pack or its manifest
        return None, f"No PDF copy was made: {exc}"
