"""Build the council of governors briefing pack (.docx), its manifest and its PDF copy.

`build_pack()` is the one entry for the CLI, the Prefect flow and the benchmark:
config (loaded once) and a workspace in, files out, the clock read from the workspace.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from pathlib import Path

from tracker.config.loading import Config
from tracker.config.profiles import Trust
from tracker.config.workspace import Workspace
from tracker.core.dates import utc_second, utc_stamp
from tracker.core.errors import TrackerError
from tracker.core.files import atomic_write, sha256_bytes, sha256_file
from tracker.pack.briefing import SECTIONS, Briefing, compose
from tracker.pack.manifest import ChangeNote, Manifest, PackStatus
from tracker.tracking.feedstate import health_report


@dataclass(frozen=True)
class PackResult:
    manifest: Manifest
    notes: tuple[str, ...] = field(default_factory=tuple)  # things the user should hear, e.g. no LibreOffice

    @property
    def docx(self) -> Path:
        return self.manifest.docx_path

    @property
    def pdf(self) -> Path | None:
        return self.manifest.pdf_path

    @property
    def manifest_path(self) -> Path:
        return self.manifest.path


def pack_name(trust: Trust, meeting: dt.date) -> str:
    return f"{trust.short_name}-governors-briefing-{meeting.isoformat()}.docx"


def content_digest(b: Briefing) -> str:
    """What the pack says, apart from when it was prepared: decides whether the version moves on."""
    same_day = replace(b, prepared=dt.date(2000, 1, 1), health=())
    health = [(h.name, h.stale, h.last_error) for h in b.health]
    return sha256_bytes(repr((same_day, health)).encode("utf-8"))


def build_pack(
    config: Config,
    ws: Workspace,
    *,
    meeting: dt.date | None = None,
    pdf: bool | None = None,
    template: Path | None = None,
    force: bool = False,
) -> PackResult:
    """Write `<packs>/<meeting>/<short>-governors-briefing-<meeting>.docx` and manifest.json beside it.

    A pack already approved as FINAL is never overwritten silently: if what it would say
    has not changed it is left alone; if it has, pass `force=True` to start a new draft.
    The pack is built from the register it is given, and its manifest records the sha256
    of the bytes that register was parsed from.
    """
    from tracker.pack import render, timeline
    from tracker.pack.word import save_deterministic

    now = utc_second(ws.now())
    trust = config.trust
    meeting = trust.meeting_for(now.date(), meeting)
    health = health_report(config.sources, ws.state_dir, now)
    publishers = {s.name: s.publisher for s in config.sources}
    briefing = compose(config.register, trust, config.questions, health, meeting, now, publishers)

    folder = ws.pack_folder(meeting)
    docx_path = folder / pack_name(trust, meeting)
    digest = content_digest(briefing)
    old = Manifest.find(folder)
    version = 1
    if old:
        unchanged = old.content_digest == digest
        if old.final and not force:
            if unchanged and docx_path.exists():
                return PackResult(old, ("The approved pack is unchanged.",))
            raise TrackerError(
                f"{docx_path}: this pack was approved as FINAL by {old.approved_by} on "
                f"{str(old.approved_at)[:10]} and the register has changed since; "
                "to start a new draft version, rebuild with --force"
            )
        version = old.next_version(digest)

    picture = timeline_png(briefing, now.date(), ws.timeline_cache)
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
    manifest = Manifest(
        trust=trust.short_name,
        trust_name=trust.name,
        meeting=meeting,
        previous_meeting=briefing.previous_meeting,
        pack=docx_path.name,
        pdf=pdf_path.name if pdf_path else None,
        generated_at=utc_stamp(now),
        sha256=sha256_bytes(data),
        pdf_sha256=sha256_file(pdf_path) if pdf_path else None,
        register_digest=config.parsed.sha256,
        content_digest=digest,
        counts=briefing.counts,
        status=PackStatus.DRAFT,
        version=version,
        reading_minutes=briefing.reading_minutes,
        changes=tuple(ChangeNote(str(c.date), c.text, c.url) for c in briefing.changes),
        stale_sources=tuple(briefing.stale_sources),
        folder=folder,
    )
    manifest.write()
    return PackResult(manifest, tuple(notes))


def timeline_png(briefing: Briefing, today: dt.date, cache: Path) -> bytes:
    """The timeline picture, drawn once per set of events and day.

    Drawing needs matplotlib, which takes about half a second to import; the picture
    depends only on the events and the day, so rebuilding a pack while editing the
    questions reuses it. The key includes the drawing code, so a change to it redraws.
    """
    from tracker.pack import timeline

    code = Path(timeline.__file__).read_bytes()
    key = sha256_bytes(repr((briefing.events, today)).encode("utf-8") + code)[:32]
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
