"""A built pack as distribution sees it: its manifest, read and checked against the files.

The pack feature writes `outputs/packs/<meeting>/manifest.json` beside the .docx (and
maybe a .pdf). Sending relies only on that contract, and refuses a file that no longer
matches the checksum recorded when it was built or approved.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from tracker.core.dates import day_month_year
from tracker.core.errors import TrackerError


class PackNotBuilt(TrackerError):
    """No manifest for that meeting yet."""


@dataclass(frozen=True)
class Change:
    date: str
    text: str
    url: str | None = None


@dataclass(frozen=True)
class BuiltPack:
    folder: Path
    trust: str
    trust_name: str
    meeting: dt.date
    previous_meeting: dt.date | None
    docx: str
    pdf: str | None
    sha256: str
    pdf_sha256: str | None
    status: str
    version: int
    approved_by: str | None
    approved_at: str | None
    reading_minutes: int | None
    generated_at: str | None
    counts: dict[str, int]
    changes: tuple[Change, ...]
    stale_sources: tuple[str, ...]

    @property
    def docx_path(self) -> Path:
        return self.folder / self.docx

    @property
    def final(self) -> bool:
        return self.status == "FINAL"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def pack_folder(packs_dir: Path, meeting: dt.date) -> Path:
    return Path(packs_dir) / meeting.isoformat()


def load_pack(packs_dir: Path, meeting: dt.date) -> BuiltPack:
    """The manifest of the pack for `meeting`; a missing or damaged one is a one-line error."""
    folder = pack_folder(packs_dir, meeting)
    path = folder / "manifest.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PackNotBuilt(
            f"no pack has been built for the meeting on {day_month_year(meeting)} ({path} not found): run `make pack` first"
        ) from None
    except (OSError, ValueError) as exc:
        raise TrackerError(f"{path}: cannot read the pack manifest ({exc})") from None
    try:
        return BuiltPack(
            folder=folder,
            trust=str(data["trust"]),
            trust_name=str(data["trust_name"]),
            meeting=dt.date.fromisoformat(str(data["meeting"])),
            previous_meeting=dt.date.fromisoformat(data["previous_meeting"]) if data.get("previous_meeting") else None,
            docx=file_name(data["pack"]),
            pdf=file_name(data["pdf"]) if data.get("pdf") else None,
            sha256=str(data["sha256"]).lower(),
            pdf_sha256=str(data["pdf_sha256"]).lower() if data.get("pdf_sha256") else None,
            status=str(data["status"]).upper(),
            version=int(data.get("version") or 1),
            approved_by=data.get("approved_by") or None,
            approved_at=data.get("approved_at") or None,
            reading_minutes=int(data["reading_minutes"]) if data.get("reading_minutes") is not None else None,
            generated_at=data.get("generated_at"),
            counts={str(k): int(v) for k, v in (data.get("counts") or {}).items()},
            changes=tuple(
                Change(str(c.get("date") or ""), str(c.get("text") or ""), c.get("url") or None)
                for c in data.get("changes") or []
            ),
            stale_sources=tuple(str(s) for s in data.get("stale_sources") or []),
        )
    except KeyError as exc:
        raise TrackerError(f"{path}: the pack manifest has no {exc.args[0]!r} field; rebuild the pack") from None
    except (TypeError, ValueError, AttributeError) as exc:
        raise TrackerError(f"{path}: the pack manifest is malformed ({exc}); rebuild the pack") from None


def file_name(value: object) -> str:
    # The manifest names files inside the pack folder, never a path elsewhere.
    name = str(value)
    if not name or Path(name).name != name or name in (".", ".."):
        raise ValueError(f"{name!r} is not a file name")
    return name


def check_unchanged(pack: BuiltPack) -> None:
    """Refuse a pack whose .docx (or .pdf) is not the one the manifest describes."""
    for name, expected in ((pack.docx, pack.sha256), (pack.pdf, pack.pdf_sha256)):
        if name is None or expected is None:
            continue
        path = pack.folder / name
        if not path.exists():
            raise TrackerError(f"{path} is missing although the manifest lists it: rebuild the pack")
        if sha256_of(path) != expected:
            raise TrackerError(
                f"{path} has changed since the pack was built or approved (its sha256 no longer matches the manifest),"
                " so it will not be sent: rebuild and approve it again"
            )


def check_sendable(pack: BuiltPack, allow_draft: bool) -> None:
    check_unchanged(pack)
    if not pack.final and not allow_draft:
        raise TrackerError(
            f"the pack for {day_month_year(pack.meeting)} is a {pack.status} that nobody has approved, so it will not be sent:"
            " approve it first (`tracker approve PACK --by NAME`) or send with --allow-draft"
        )
