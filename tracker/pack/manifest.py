"""The pack manifest: the one record of a built pack, read and written only here.

`outputs/packs/<meeting>/manifest.json` sits beside the .docx (and maybe a .pdf). Build
writes it, approval rewrites it, and sending, status and the email read it: all
through `Manifest`. A file named in it is always a plain name inside the pack folder,
and a file that no longer matches its recorded checksum is never sent.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

from tracker.config.workspace import Workspace
from tracker.core.commands import build_command, run_command
from tracker.core.dates import day_month_year, utc_stamp
from tracker.core.errors import TrackerError
from tracker.core.files import inside, read_json, sha256_file, write_json

MANIFEST = "manifest.json"
_MISSING = object()


class PackStatus(StrEnum):
    DRAFT = "DRAFT"
    FINAL = "FINAL"


class PackNotBuilt(TrackerError):
    """No manifest for that meeting yet."""


@dataclass(frozen=True)
class ChangeNote:
    """One change since the last meeting, as the pack printed it (the email quotes these)."""

    date: str
    text: str
    url: str | None = None


@dataclass(frozen=True)
class Manifest:
    trust: str
    trust_name: str
    meeting: dt.date
    previous_meeting: dt.date | None
    pack: str  # the .docx, a file name inside the pack folder
    sha256: str
    generated_at: str
    status: PackStatus = PackStatus.DRAFT
    version: int = 1
    pdf: str | None = None
    pdf_sha256: str | None = None
    register_digest: str | None = None
    content_digest: str | None = None  # what the pack says, apart from the day: decides the version
    counts: dict[str, int] = field(default_factory=dict)
    reading_minutes: int | None = None
    changes: tuple[ChangeNote, ...] = ()
    stale_sources: tuple[str, ...] = ()
    approved_by: str | None = None
    approved_at: str | None = None
    draft_sha256: str | None = None  # the draft as the tool built it (set on approval)
    edited_sha256: str | None = None  # the draft as a person edited it, approved as it was (set on approval)
    hand_edited: bool = False  # the draft was edited by hand after it was built, before approval
    edits: str | None = None  # what the hand edits were, in a few words
    words: int | None = None  # words in the main body, which the reading time is counted from
    pages: dict[str, int] = field(default_factory=dict)  # of the PDF copy: main_body, appendices, total
    session: str = "part-1"
    marking: str | None = None  # the protective marking printed on every page
    unscheduled: bool = False  # an extraordinary meeting, not one listed in trust.yaml
    replaces: int | None = None  # the version this one replaced (kept in superseded/)
    # What the pack was built from, so a rebuild can say in words what changed since.
    milestones: dict[str, list[str]] = field(default_factory=dict)  # id -> [title, status, date]
    positions: dict[str, list[str]] = field(default_factory=dict)  # question number -> [status, last reviewed]
    folder: Path = field(default=Path("."), compare=False)

    # -- the files ---------------------------------------------------------------
    @property
    def path(self) -> Path:
        return self.folder / MANIFEST

    @property
    def docx_path(self) -> Path:
        return inside(self.folder, self.folder / self.pack)  # never a link out of the pack folder

    @property
    def pdf_path(self) -> Path | None:
        return inside(self.folder, self.folder / self.pdf) if self.pdf else None

    @property
    def final(self) -> bool:
        return self.status == PackStatus.FINAL

    # -- reading and writing -------------------------------------------------------
    @classmethod
    def read(cls, folder: Path) -> Manifest:
        """The manifest in `folder`; a missing, damaged or odd one is a one-line error."""
        folder = Path(folder)
        path = folder / MANIFEST
        data = read_json(path, "the pack manifest", missing=_MISSING)
        if data is _MISSING:
            raise PackNotBuilt(f"{path}: no pack has been built here: run {run_command('pack')} first")
        if not isinstance(data, dict):
            raise TrackerError(f"{path}: the pack manifest is malformed (not a JSON object); rebuild the pack")
        try:
            return cls._from_json(data, folder)
        except KeyError as exc:
            raise TrackerError(f"{path}: the pack manifest has no {exc.args[0]!r} field; rebuild the pack") from None
        except (TypeError, ValueError, AttributeError) as exc:
            raise TrackerError(f"{path}: the pack manifest is malformed ({exc}); rebuild the pack") from None

    @classmethod
    def find(cls, folder: Path) -> Manifest | None:
        """The manifest in `folder`, or None if there is none or it cannot be read (build starts afresh)."""
        try:
            return cls.read(folder)
        except TrackerError:
            return None

    @classmethod
    def for_meeting(cls, packs_dir: Path, meeting: dt.date, trust_id: str | None = None) -> Manifest:
        """The pack for `meeting`; if none is built, PackNotBuilt naming the command that builds that
        meeting's pack (for the trust `trust_id`, when the deployment names its trusts), not the next one's."""
        try:
            return cls.read(Path(packs_dir) / meeting.isoformat())
        except PackNotBuilt:
            raise PackNotBuilt(
                f"no pack has been built for the meeting on {day_month_year(meeting)} "
                f"({Path(packs_dir) / meeting.isoformat() / MANIFEST} not found): build it with "
                f"{build_command(meeting, trust_id)} first"
            ) from None

    @classmethod
    def _from_json(cls, data: dict[str, Any], folder: Path) -> Manifest:
        def opt_date(value: Any) -> dt.date | None:
            return dt.date.fromisoformat(str(value)) if value else None

        return cls(
            trust=str(data["trust"]),
            trust_name=str(data["trust_name"]),
            meeting=dt.date.fromisoformat(str(data["meeting"])),
            previous_meeting=opt_date(data.get("previous_meeting")),
            pack=file_name(data["pack"]),
            sha256=str(data["sha256"]).lower(),
            generated_at=str(data.get("generated_at") or ""),
            status=PackStatus(str(data["status"]).upper()),
            version=int(data.get("version") or 1),
            pdf=file_name(data["pdf"]) if data.get("pdf") else None,
            pdf_sha256=str(data["pdf_sha256"]).lower() if data.get("pdf_sha256") else None,
            register_digest=data.get("register_digest"),
            content_digest=data.get("content_digest"),
            counts={str(k): int(v) for k, v in (data.get("counts") or {}).items()},
            reading_minutes=int(data["reading_minutes"]) if data.get("reading_minutes") is not None else None,
            changes=tuple(
                ChangeNote(str(c.get("date") or ""), str(c.get("text") or ""), c.get("url") or None)
                for c in data.get("changes") or []
            ),
            stale_sources=tuple(str(s) for s in data.get("stale_sources") or []),
            approved_by=data.get("approved_by") or None,
            approved_at=data.get("approved_at") or None,
            draft_sha256=data.get("draft_sha256") or None,
            edited_sha256=data.get("edited_sha256") or None,
            hand_edited=bool(data.get("hand_edited")),
            edits=data.get("edits") or None,
            words=int(data["words"]) if data.get("words") is not None else None,
            pages={str(k): int(v) for k, v in (data.get("pages") or {}).items()},
            session=str(data.get("session") or "part-1"),
            marking=data.get("marking") or None,
            unscheduled=bool(data.get("unscheduled")),
            replaces=int(data["replaces"]) if data.get("replaces") else None,
            milestones={str(k): [str(x) for x in v] for k, v in (data.get("milestones") or {}).items()},
            positions={str(k): [str(x) for x in v] for k, v in (data.get("positions") or {}).items()},
            folder=folder,
        )

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        del data["folder"]
        data.update(
            meeting=self.meeting.isoformat(),
            previous_meeting=self.previous_meeting.isoformat() if self.previous_meeting else None,
            status=str(self.status),
            version=str(self.version),  # written as text, as it always has been
        )
        for key in ("draft_sha256", "edited_sha256", "edits"):
            if data[key] is None:
                del data[key]
        return data

    def write(self) -> None:
        write_json(self.path, self.to_json())

    # -- what happens to a pack ----------------------------------------------------
    def approved(
        self, by: str, at: dt.datetime, sha256: str, edited_sha256: str | None = None, edits: str | None = None
    ) -> Manifest:
        """This pack re-stamped FINAL; the checksum of the draft as built is kept, and, if a person
        edited it before approval, the checksum of the draft as they left it and what they changed."""
        return replace(
            self,
            status=PackStatus.FINAL,
            approved_by=by,
            approved_at=utc_stamp(at),
            draft_sha256=self.sha256,
            edited_sha256=edited_sha256,
            hand_edited=edited_sha256 is not None,
            edits=edits,
            sha256=sha256,
        )

    def with_pdf(self, pdf: Path | None, pages: dict[str, int] | None = None) -> Manifest:
        """This manifest naming a PDF copy in the pack folder (or none)."""
        return replace(
            self,
            pdf=pdf.name if pdf else None,
            pdf_sha256=sha256_file(pdf) if pdf else None,
            pages=dict(pages or {}) if pdf else {},
        )

    def next_version(self, content_digest: str, *, new: bool = False) -> int:
        """A rebuild keeps the version if the pack says the same; anything new moves it on, and so does
        `new` (--force, a hand-edited or an approved pack: the old file is kept apart, so the number differs)."""
        return self.version + (0 if self.content_digest == content_digest and not new else 1)

    def check_unchanged(self) -> None:
        """Refuse a pack whose .docx (or .pdf) is not the one this manifest describes."""
        for name, expected in ((self.pack, self.sha256), (self.pdf, self.pdf_sha256)):
            if name is None or expected is None:
                continue
            path = inside(self.folder, self.folder / name)
            if not path.exists():
                raise TrackerError(f"{path} is missing although the manifest lists it: rebuild the pack")
            if sha256_file(path) != expected:
                raise TrackerError(
                    f"{path} has changed since the pack was built or approved (its sha256 no longer matches the"
                    " manifest), so it will not be sent: rebuild and approve it again"
                )

    def check_sendable(self, allow_draft: bool) -> None:
        self.check_unchanged()
        if not self.final and not allow_draft:
            raise TrackerError(
                f"the pack for {day_month_year(self.meeting)} is a {self.status} that nobody has approved, so it will"
                f" not be sent: approve it first ({run_command('approve PACK --by NAME')}) or send with --allow-draft"
            )


def built_for(ws: Workspace, meeting: dt.date | None) -> bool:
    """A pack has been built for `meeting`: send and status accept an unscheduled date that has one."""
    return meeting is not None and (ws.pack_folder(meeting) / MANIFEST).is_file()


def file_name(value: object) -> str:
    # The manifest names files inside the pack folder, never a path elsewhere.
    name = str(value)
    if not name or Path(name).name != name or name in (".", ".."):
        raise ValueError(f"{name!r} is not a file name")
    return name
