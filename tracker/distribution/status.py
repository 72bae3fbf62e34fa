"""Where the next meeting's pack stands: built, approved, sent to whom, failed for whom.

Each governor is in one place, and it is the one the delivery log's latest attempt for
this version says: sent, failed (even if an earlier send was accepted: they may not
have it, and `tracker send` tries them again), in doubt, or not yet sent (no attempt).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from tracker.config.governors import Governor, GovernorList
from tracker.config.workspace import Workspace
from tracker.core.commands import build_command, run_command
from tracker.core.dates import day_month_year, stamp_words
from tracker.core.errors import TrackerError
from tracker.distribution.delivery import DeliveryStatus, Record, read_log
from tracker.pack.manifest import Manifest, PackNotBuilt


@dataclass
class PackProgress:
    meeting: dt.date
    built: bool
    pack_status: str | None = None  # DRAFT or FINAL
    version: int | None = None
    approved_by: str | None = None
    approved_at: str | None = None
    changed_since_built: bool = False
    sent: list[Record] = field(default_factory=list)
    failed: list[Record] = field(default_factory=list)
    in_doubt: list[Record] = field(default_factory=list)  # handed over, no answer recorded: a person decides
    not_yet_sent: list[Governor] = field(default_factory=list)
    older_versions: dict[int, int] = field(default_factory=dict)  # version -> people sent it
    trust_id: str | None = None  # the trust's name for --trust, when the deployment names its trusts

    def to_json(self) -> dict:
        return {
            "meeting": self.meeting.isoformat(),
            "built": self.built,
            "status": self.pack_status,
            "version": self.version,
            "approved_by": self.approved_by,
            "approved_at": self.approved_at,
            "changed_since_built": self.changed_since_built,
            "sent": [{"name": r.name, "email": r.email, "at": r.at, "sends": r.sends} for r in self.sent],
            "failed": [
                {"name": r.name, "email": r.email, "at": r.at, "answer": r.answer, "sent_before": r.last_sent}
                for r in self.failed
            ],
            "in_doubt": [{"name": r.name, "email": r.email, "at": r.at} for r in self.in_doubt],
            "not_yet_sent": [{"name": g.name, "email": g.email} for g in self.not_yet_sent],
            "older_versions": {str(v): n for v, n in sorted(self.older_versions.items())},
        }


def pack_status(
    meeting: dt.date,
    pack: Manifest | None,
    records: list[Record],
    governors: GovernorList,
    changed: bool = False,
    trust_id: str | None = None,
) -> PackProgress:
    if pack is None:
        return PackProgress(meeting, built=False, not_yet_sent=[g for g in governors if g.active], trust_id=trust_id)
    # The latest attempt decides, as it does for `tracker send`: a record's status is that attempt's outcome.
    mine = [r for r in records if r.sha256 == pack.sha256]
    sent, failed, doubt = ([r for r in mine if r.status == status] for status in _ATTEMPTED)
    tried = {r.email.lower() for r in mine if r.status in _ATTEMPTED}
    older: dict[int, int] = {}
    for r in records:
        if r.sha256 != pack.sha256 and r.sends > 0:
            older[r.version] = older.get(r.version, 0) + 1
    return PackProgress(
        meeting=meeting,
        built=True,
        pack_status=str(pack.status),
        version=pack.version,
        approved_by=pack.approved_by,
        approved_at=pack.approved_at,
        changed_since_built=changed,
        sent=sent,
        failed=failed,
        in_doubt=doubt,
        not_yet_sent=[g for g in governors if g.active and g.email.lower() not in tried],
        older_versions=older,
        trust_id=trust_id,
    )


_ATTEMPTED = (DeliveryStatus.SENT, DeliveryStatus.FAILED, DeliveryStatus.IN_DOUBT)


def send_command(meeting: dt.date, trust_id: str | None = None, extra: str = "") -> str:
    """`tracker send` for this meeting (and trust), with `extra` options, as the reader would type it."""
    trust = f" --trust {trust_id}" if trust_id else ""
    return run_command(f"send --meeting {meeting.isoformat()}{trust}" + (f" {extra}" if extra else ""))


def describe(s: PackProgress) -> list[str]:
    """The status as lines a company secretary can read at a glance."""
    lines = [f"Meeting: {day_month_year(s.meeting)}"]
    if not s.built:
        lines.append(f"Pack: not built yet (run {build_command(s.meeting, s.trust_id)})")
        lines.append(f"Not yet sent: {len(s.not_yet_sent)} active governors")
        return lines
    lines.append(f"Pack: built, version {s.version}, {s.pack_status}")
    if s.changed_since_built and s.pack_status == "DRAFT":
        lines.append("Edited by hand since it was built: approve it to send it as edited (the edits are kept)")
    elif s.changed_since_built:
        lines.append("WARNING: the .docx has changed since it was approved; it will not be sent")
    if s.approved_by:
        lines.append(f"Approved: by {s.approved_by}" + (f" on {stamp_words(s.approved_at)}" if s.approved_at else ""))
    else:
        lines.append("Approved: no")
    lines.append(f"Sent ({len(s.sent)}):")
    lines += [
        f"  {r.name} <{r.email}> on {stamp_words(r.at)}" + (f" ({r.sends} times)" if r.sends > 1 else "")
        for r in s.sent
    ]
    lines.append(f"Failed ({len(s.failed)}):")
    lines += [f"  {r.name} <{r.email}> on {stamp_words(r.at)}: {r.answer}" + _sent_before(r) for r in s.failed]
    if s.failed:
        lines.append(f"  {send_command(s.meeting, s.trust_id)} tries them again")
    if s.in_doubt:
        lines.append(f"In doubt ({len(s.in_doubt)}):")
        lines += [
            f"  {r.name} <{r.email}>: handed to the server on {stamp_words(r.at)}, no answer recorded"
            for r in s.in_doubt
        ]
        lines.append(
            f"  They may have it: ask them, then {send_command(s.meeting, s.trust_id, '--mark-sent EMAIL')} if they"
            f" do, or {send_command(s.meeting, s.trust_id, '--resend-in-doubt')} to send it again"
        )
    lines.append(f"Not yet sent ({len(s.not_yet_sent)}):")
    lines += [f"  {g.name} <{g.email}>" for g in s.not_yet_sent]
    for version, n in sorted(s.older_versions.items()):
        lines.append(f"Earlier version {version} was sent to {n} governor{'s' if n != 1 else ''}")
    return lines


def _sent_before(r: Record) -> str:
    """A failed attempt after an accepted one (a --resend): the secretary must not assume they have it."""
    if not r.sends:
        return ""
    when = f"on {stamp_words(r.last_sent)}" if r.last_sent else "before"  # logs written before sent_at: no time
    return f" (this version was accepted for them {when}, but the latest attempt failed)"


def summary_line(s: PackProgress) -> str:
    """The status in one line, as `tracker status --all-trusts` prints it for each trust."""
    when = day_month_year(s.meeting)
    if not s.built:
        return f"{when}: not built; {len(s.not_yet_sent)} governors to send to"
    approved = f"approved by {s.approved_by}" if s.approved_by else "not approved"
    sent = [f"sent to {len(s.sent)}"] + ([f"failed for {len(s.failed)}"] if s.failed else [])
    sent += [f"in doubt for {len(s.in_doubt)}"] if s.in_doubt else []
    sent.append(f"{len(s.not_yet_sent)} not yet sent")
    warning = "; WARNING: the .docx changed since it was built or approved" if s.changed_since_built else ""
    return f"{when}: version {s.version} {s.pack_status}, {approved}; {', '.join(sent)}{warning}"


def load_status(ws: Workspace, trust: str, governors: GovernorList, meeting: dt.date) -> PackProgress:
    """Read the pack manifest (if built) and the delivery log for `meeting`, for the trust named `trust`."""
    try:
        pack: Manifest | None = Manifest.for_meeting(ws.packs_dir, meeting)
    except PackNotBuilt:
        pack = None
    if pack is not None and pack.trust != trust:
        raise TrackerError(
            f"{pack.path}: this pack is {pack.trust_name}'s ({pack.trust!r}), not {trust!r}'s, although it is"
            f" in {trust!r}'s folder; rebuild {trust!r}'s own pack with {build_command(meeting, ws.trust_id)}"
        )
    changed = False
    if pack is not None:
        try:
            pack.check_unchanged()
        except TrackerError:
            changed = True
    return pack_status(meeting, pack, read_log(ws.delivery_log(meeting)), governors, changed, ws.trust_id)
