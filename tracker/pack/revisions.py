"""A pack that already exists: what a rebuild does about it, what changed since, and older versions.

A secretary edits the draft in Word or LibreOffice before approving it, so a rebuild
must never overwrite those edits without being asked: `plan` notices them (and an
approved pack) and refuses, saying in words (`what_changed`) what changed in the
register and the positions since the draft was built. With --keep-edits the paragraphs
a person added are carried into the new draft (pack.edits); `retire` moves an older
version's files, with their manifest, into `superseded/`, so nothing is lost and no
stale file sits beside the current pack.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docx.document import Document as DocumentObject

from tracker.config.loading import Config
from tracker.core.commands import run_command
from tracker.core.dates import PartialDate, day_month_year, parse_stamp, stamp_day
from tracker.core.errors import TrackerError
from tracker.core.files import inside, sha256_file, write_json
from tracker.pack.edits import HandEdits, carry, compare
from tracker.pack.manifest import MANIFEST, Manifest

SUPERSEDED = "superseded"
BUILT = ".built"  # the draft exactly as the tool built it, to tell a person's edits from the tool's text


class HandEdited(TrackerError):
    """The draft was edited by hand after it was built: a rebuild needs --keep-edits or --force."""


# -- what the pack was built from -----------------------------------------------------------


def snapshot(config: Config) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Each milestone's title, status and date, and each question's status and review day."""
    milestones = {m.id: [m.title, str(m.status), str(m.date) if m.date else ""] for m in config.register.milestones}
    positions = {
        str(q.number): [
            str(q.position.status),
            q.position.last_reviewed.isoformat() if q.position.last_reviewed else "",
        ]
        for q in config.questions.questions
    }
    return milestones, positions


def what_changed(old: Manifest, config: Config, limit: int = 6, digest: str | None = None) -> str:
    """What changed in the register and the positions since `old` was built, as one sentence.

    `digest`, what the pack would say now: when it differs but no status or date moved, the
    sentence says the words changed rather than that nothing did.
    """
    if not old.milestones:  # a manifest from before milestones were recorded: only the digest can tell
        if old.register_digest and old.register_digest != config.parsed.sha256:
            return "the register file has changed (this pack's manifest is too old to say how)"
        return "the register file has not changed"
    milestones, positions = snapshot(config)
    said: list[str] = []
    for mid, (title, status, date) in milestones.items():
        before = old.milestones.get(mid)
        if before is None:
            said.append(f"new milestone ‘{title}’, {status}")
            continue
        if before[1] != status:
            said.append(f"‘{title}’ is now {status}; it was {before[1]}")
        elif before[2] != date:
            said.append(f"‘{title}’ is now dated {_when(date)}; it was {_when(before[2])}")
    said += [f"‘{before[0]}’ was removed" for mid, before in old.milestones.items() if mid not in milestones]
    for number, (status, reviewed) in positions.items():
        before = old.positions.get(number)
        if before is not None and before != [status, reviewed]:
            day = day_month_year(PartialDate.parse(reviewed).first_day()) if reviewed else "an unrecorded day"
            said.append(f"question {number} has a new position, {status}, reviewed {day}")
    if not said:
        if old.register_digest and old.register_digest != config.parsed.sha256:
            return "the register file has been edited (its wording, sources or evidence: no status or date changed)"
        if digest and old.content_digest and old.content_digest != digest:
            return (
                "no milestone's status or date and no question's status has changed, but what the pack says has: "
                "a position's wording, the meeting's details, a feed's health or the tracker's own text"
            )
        return "nothing in the register or the positions has changed"
    more = f"; and {len(said) - limit} more" if len(said) > limit else ""
    return "; ".join(said[:limit]) + more


def _when(date: str) -> str:
    return PartialDate.parse(date).human() if date else "no date"


def built_on(old: Manifest) -> str:
    moment = parse_stamp(old.generated_at)
    return day_month_year(moment) if moment else "an unrecorded day"


# -- what a rebuild does about the pack already there ------------------------------------------------


@dataclass
class Plan:
    """What a rebuild does about the pack already in the folder."""

    version: int = 1
    retire: bool = False  # move the old version to superseded/
    keep: bool = False  # leave the approved pack as it is: nothing it says has changed
    edited: bool = False  # the old .docx was edited by hand after it was built
    edits: HandEdits | None = None  # with --keep-edits: what the person added, to carry over
    source: Any = None  # and the edited document it comes from


def plan(old: Manifest | None, digest: str, config: Config, docx: Path, *, force: bool, keep_edits: bool) -> Plan:
    """Refuse to overwrite a hand-edited or approved pack unless told, saying what changed; else the version.

    A draft edited by hand needs `keep_edits` (a new version carrying the paragraphs the
    person added) or `force`; an approved pack is kept if what it would say is the same,
    and needs `force` if not. Anything that is not a plain rebuild of the same draft gets
    a new version number, and the old one is retired to superseded/.
    """
    from docx import Document

    if old is None:
        return Plan()
    edited = hand_edited(old)
    if edited and not (force or keep_edits):
        since = f"Since it was built: {what_changed(old, config, digest=digest)}"
        if old.final:
            raise HandEdited(
                f"{old.docx_path}: this pack was approved as FINAL by {old.approved_by} and has been edited "
                f"by hand since, so it is not rebuilt over (nor sent as it is). {since}. Rebuild with --force "
                "(or --keep-edits, to carry the paragraphs added) and approve the new version; the edited pack "
                "is kept in superseded/"
            )
        raise HandEdited(
            f"{old.docx_path}: this draft was edited by hand after it was built on {built_on(old)}, so it is not "
            f"rebuilt over. {since}. To send it as it is, approve it ({run_command(f'approve {old.folder} --by NAME')}); to "
            "rebuild, pass --keep-edits (a new version that carries over the paragraphs you added) or --force (a "
            "new version from the register alone). Either way the edited draft is kept in superseded/"
        )
    if old.final and not force and not edited:
        if old.content_digest == digest and docx.exists():
            return Plan(old.version, keep=True)
        raise TrackerError(
            f"{docx}: this pack was approved as FINAL by {old.approved_by} on {stamp_day(old.approved_at)} and "
            f"since then {what_changed(old, config, digest=digest)}; to start a new draft version, rebuild with --force (the "
            "approved pack is kept in superseded/)"
        )
    version = old.next_version(digest, new=force or edited or old.final)
    found = Plan(version, retire=version != old.version, edited=edited)
    if keep_edits and edited:
        copy_path = built_copy(old)
        if not copy_path.is_file():
            raise TrackerError(
                f"{old.docx_path}: the draft as it was built is not kept beside it ({copy_path}), so your edits "
                "cannot be told from the tool's text; rebuild with --force (the edited draft is kept in "
                "superseded/) and copy your paragraphs across"
            )
        found.source = Document(str(old.docx_path))
        found.edits = compare(Document(str(copy_path)), found.source)
    return found


def carry_edits(doc: DocumentObject, p: Plan) -> list[str]:
    """With --keep-edits: the person's additions put into the new draft, and what they should hear."""
    if p.edits is None or p.source is None:
        return []
    notes = carry(doc, p.edits, p.source)
    notes.append(f"Carried into the new draft: {p.edits.summary()}.")
    if p.edits.changed or p.edits.removed:
        notes.append(
            "Changes you made to the tool's own text were not carried (the new draft says what the register says "
            "now); the edited draft is in superseded/"
        )
    return notes


# -- hand edits -------------------------------------------------------------------------------------


def built_copy(m: Manifest) -> Path:
    """Where the draft is kept exactly as built (hidden, beside it), to tell a person's edits from the tool's."""
    return inside(m.folder, m.folder / BUILT / m.pack)


def hand_edited(m: Manifest) -> bool:
    """The .docx is there but is not the file the manifest describes: a person has changed it."""
    return m.docx_path.is_file() and sha256_file(m.docx_path) != m.sha256


# -- older versions ----------------------------------------------------------------------------------


def retire(old: Manifest, edited: bool) -> Path:
    """Move an older version's files and manifest out of the pack folder into superseded/.

    The manifest is written there first and the files moved after, each by a rename,
    so a crash part way leaves every file in one folder or the other, never lost.
    """
    folder = old.folder
    name = f"v{old.version}-{old.status.lower()}" + ("-edited" if edited else "")
    target = folder / SUPERSEDED / name
    n = 2
    while target.exists():
        target = folder / SUPERSEDED / f"{name}-{n}"
        n += 1
    inside(folder, target).mkdir(parents=True)  # superseded/ may not be a link out of the pack folder
    write_json(target / MANIFEST, old.to_json())
    stem = Path(old.pack).stem
    names = {old.pack, *(n for n in [old.pdf] if n)} | {p.name for p in folder.glob(f"{stem}.*") if p.is_file()}
    for each in sorted(names):
        if (folder / each).is_file():
            os.replace(folder / each, target / each)
    built = built_copy(old)
    if built.is_file():
        os.replace(built, target / f"{stem}.as-built.docx")
    (folder / MANIFEST).unlink(missing_ok=True)
    return target


def retire_unknown(docx: Path) -> Path:
    """A pack file with no readable manifest beside it: moved to superseded/, never overwritten."""
    target = docx.parent / SUPERSEDED / "no-manifest"
    n = 2
    while target.exists():
        target = docx.parent / SUPERSEDED / f"no-manifest-{n}"
        n += 1
    inside(docx.parent, target).mkdir(parents=True)
    for each in docx.parent.glob(f"{docx.stem}.*"):
        if each.is_file():
            os.replace(each, target / each.name)
    return target


def clear_stale_pdf(old: Manifest) -> None:
    """A rebuild of the same draft version: a PDF of the earlier build no longer matches the .docx."""
    old.folder.joinpath(f"{Path(old.pack).stem}.pdf").unlink(missing_ok=True)
