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
from tracker.core.files import atomic_write, sha256_bytes
from tracker.pack.briefing import APPENDICES, Briefing, compose
from tracker.pack.manifest import ChangeNote, Manifest, PackStatus
from tracker.pack.pdf import PdfCopy
from tracker.tracking.feedstate import health_report


@dataclass(frozen=True)
class PackResult:
    manifest: Manifest
    notes: tuple[str, ...] = field(default_factory=tuple)  # things the user should hear, e.g. no LibreOffice
    unchanged: bool = False  # an approved pack left as it was: nothing it says has changed

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
    keep_edits: bool = False,
    unscheduled: bool = False,
) -> PackResult:
    """Write `<packs>/<meeting>/<short>-governors-briefing-<meeting>.docx` and manifest.json beside it.

    A pack is never overwritten silently. A draft edited by hand since it was built is
    refused (HandEdited) unless `keep_edits` (a new version carrying the paragraphs the
    person added) or `force` (a new version from the register alone). A pack approved
    as FINAL is left alone if what it would say has not changed, and refused if it has,
    unless `force`. Either way the older version moves, with its manifest, to
    superseded/. The pack is built from the register it is given, and its manifest
    records the sha256 of the bytes that register was parsed from.
    """
    from tracker.pack import reading, render, revisions, timeline
    from tracker.pack.word import save_deterministic

    now = utc_second(ws.now())
    trust = config.trust
    meeting = trust.meeting_for(now.date(), meeting, unscheduled)
    health = health_report(config.sources, ws.state_dir, now)
    publishers = {s.name: s.publisher for s in config.sources}
    briefing = compose(config.register, trust, config.questions, health, meeting, now, publishers)

    folder = ws.pack_folder(meeting)
    docx_path = folder / pack_name(trust, meeting)
    digest = content_digest(briefing)
    old = Manifest.find(folder)
    notes: list[str] = []
    if old is None and docx_path.exists():  # a pack with no readable manifest: keep it, never overwrite it
        notes.append(
            f"{docx_path.name} had no readable manifest; it was moved to {revisions.retire_unknown(docx_path)}"
        )
    plan = revisions.plan(old, digest, config, docx_path, force=force, keep_edits=keep_edits)
    if old is not None and plan.keep:
        return PackResult(old, ("The approved pack is unchanged.",), unchanged=True)
    version = plan.version

    picture = timeline_png(briefing, now.date(), ws.timeline_cache)
    alt = timeline.alt_text(briefing.events, now.date())
    doc = render.render(briefing, template or trust.template, picture, alt, str(version), now)
    notes += revisions.carry_edits(doc, plan)
    words = reading.stamp(doc)
    data = save_deterministic(doc, now.timetuple()[:6])

    replaces = None
    if old and plan.retire:
        where = revisions.retire(old, edited=plan.edited)
        replaces = old.version
        notes.append(f"Version {old.version} ({old.status}) was moved to {where}.")
    elif old:
        revisions.clear_stale_pdf(old)
    atomic_write(docx_path, data)
    atomic_write(folder / revisions.BUILT / docx_path.name, data)

    milestones, positions = revisions.snapshot(config)
    manifest = Manifest(
        trust=trust.short_name,
        trust_name=trust.name,
        meeting=meeting,
        previous_meeting=briefing.previous_meeting,
        pack=docx_path.name,
        generated_at=utc_stamp(now),
        sha256=sha256_bytes(data),
        register_digest=config.parsed.sha256,
        content_digest=digest,
        counts=briefing.counts,
        status=PackStatus.DRAFT,
        version=version,
        reading_minutes=reading.minutes(words),
        words=words,
        changes=tuple(ChangeNote(str(c.date), c.text, c.url) for c in briefing.changes),
        stale_sources=tuple(briefing.stale_sources),
        session=str(briefing.details.session),
        marking=briefing.marking,
        unscheduled=briefing.details.unscheduled,
        replaces=replaces if replaces is not None else (old.replaces if old else None),
        milestones=milestones,
        positions=positions,
        folder=folder,
    )
    if pdf if pdf is not None else trust.pdf:
        made, note = make_pdf(docx_path, when=now.timetuple()[:6])
        notes += [note] if note else []
        if made is not None:
            data = docx_path.read_bytes()  # the contents now carry page numbers
            atomic_write(folder / revisions.BUILT / docx_path.name, data)
            manifest = replace(manifest, sha256=sha256_bytes(data)).with_pdf(made.path, made.page_counts(APPENDICES[0]))
    manifest.write()
    return PackResult(manifest, tuple(notes))


TIMELINE_PICTURES_KEPT = 256  # far more than the distinct pictures of a day: one per system (42 ICBs) at most


def timeline_png(briefing: Briefing, today: dt.date, cache: Path) -> bytes:
    """The timeline picture, drawn once per set of events and day.

    Drawing needs matplotlib, which takes about half a second to import; the picture
    depends only on the events and the day, so rebuilding a pack while editing the
    questions reuses it, and so do the other trusts of the same system. The key includes
    the drawing code, so a change to it redraws. (The cache once kept 8 pictures, so a
    deployment of many systems redrew nearly every trust's: 48 draws for 50 trusts.)
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
        for old in sorted(cache.glob("*.png"), key=lambda p: p.stat().st_mtime)[:-TIMELINE_PICTURES_KEPT]:
            old.unlink(missing_ok=True)  # the newest pictures only: a bounded folder
    except OSError:
        pass  # a read-only output folder costs speed, not the pack
    return png


def make_pdf(docx_path: Path, when: tuple[int, int, int, int, int, int]) -> tuple[PdfCopy | None, str | None]:
    """A PDF copy beside the pack, its contents numbered, or (None, why not): the .docx stands either way."""
    from tracker.pack.pdf import complete_pdf, soffice

    if soffice() is None:
        return None, (
            "LibreOffice is not installed, so no PDF copy was made (the .docx is ready); "
            "on Debian: apt-get install libreoffice-writer-nogui"
        )
    try:
        return complete_pdf(docx_path, number_docx=True, when=when), None
    except TrackerError as exc:  # a failed conversion costs the PDF, never the pack or its manifest
        return None, f"No PDF copy was made: {exc}"
