"""Send the approved pack to every active governor, once, and record what happened.

`distribute` is the core: given the pack, the governors, a transport and the delivery
log, it checks the pack may go, sends one message per governor not yet sent this
version, and records each answer as it comes (and, just before each message is handed
over, that it is "in doubt", so a run killed before the answer never sends it again
silently). `send_pack` is the entry used by both `tracker send` and the
`distribute-pack` flow: it loads config and picks the transport.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field
from email.headerregistry import Address
from pathlib import Path

from tracker.config.governors import Governor, GovernorList, load_governors
from tracker.config.profiles import Trust, load_trust
from tracker.config.workspace import Workspace
from tracker.core.commands import run_command
from tracker.core.dates import Clock, stamp_words
from tracker.core.errors import TrackerError
from tracker.core.files import sha256_file
from tracker.distribution.delivery import (
    IN_DOUBT_ANSWER,
    DeliveryLog,
    DeliveryStatus,
    Record,
    already_sent,
    find,
    in_doubt,
    open_log,
    read_log,
)
from tracker.distribution.message import Earlier, address, pack_message
from tracker.distribution.transport import OutboxTransport, SmtpTransport, Transport, smtp_settings
from tracker.pack.briefing import APPENDICES
from tracker.pack.manifest import Manifest, built_for
from tracker.pack.pdf import PdfCopy, complete_pdf


@dataclass(frozen=True)
class Result:
    name: str
    email: str
    status: DeliveryStatus
    detail: str
    format: str


@dataclass
class Report:
    meeting: dt.date
    version: int
    sha256: str
    pack_status: str
    dry_run: bool
    results: list[Result] = field(default_factory=list)
    outbox: Path | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[Result]:
        return [r for r in self.results if r.status == DeliveryStatus.FAILED]

    @property
    def in_doubt(self) -> list[Result]:
        return [r for r in self.results if r.status == DeliveryStatus.IN_DOUBT]

    def count(self, status: DeliveryStatus) -> int:
        return sum(r.status == status for r in self.results)

    def to_json(self) -> dict:
        return {
            "meeting": self.meeting.isoformat(),
            "version": self.version,
            "sha256": self.sha256,
            "pack_status": self.pack_status,
            "dry_run": self.dry_run,
            "outbox": str(self.outbox) if self.outbox else None,
            "notes": self.notes,
            "results": [asdict(r) for r in self.results],
        }


def choose(governors: GovernorList, only: tuple[str, ...]) -> list[Governor]:
    """The governors this run is about: everyone, or those named with --only."""
    if not only:
        return list(governors)
    by_email = {g.email.lower(): g for g in governors}
    unknown = [e for e in only if e.lower() not in by_email]
    if unknown:
        raise TrackerError(f"{', '.join(unknown)} {'is' if len(unknown) == 1 else 'are'} not in the governors file")
    return list({e.lower(): by_email[e.lower()] for e in only}.values())


class Attachments:
    """The pack's bytes in each format, making the PDF once, only if a governor needs it.

    A PDF made here is as complete as `tracker pack --pdf` makes it (its contents carry
    page numbers), is made from a copy so the approved .docx is untouched, and is
    recorded in the manifest, so it is checked like any other before it is sent again.
    """

    def __init__(self, pack: Manifest, make_pdf: Callable[..., Path | PdfCopy]):
        self.pack, self.make_pdf = pack, make_pdf
        self.cache: dict[str, tuple[str, bytes] | TrackerError] = {}

    def get(self, fmt: str) -> tuple[str, bytes]:
        if fmt not in self.cache:
            try:
                self.cache[fmt] = self._load(fmt)
            except TrackerError as exc:
                self.cache[fmt] = exc
        found = self.cache[fmt]
        if isinstance(found, TrackerError):
            raise found
        return found

    def _load(self, fmt: str) -> tuple[str, bytes]:
        pack = self.pack
        if fmt == "docx":
            return pack.pack, pack.docx_path.read_bytes()
        if pack.pdf_path:
            return pack.pdf_path.name, pack.pdf_path.read_bytes()
        made = self.make_pdf(pack.docx_path, pack.folder)
        if sha256_file(pack.docx_path) != pack.sha256:  # the PDF must show the approved .docx
            raise TrackerError(f"{pack.docx_path} changed while its PDF was being made")
        pdf, pages = (made.path, made.page_counts(APPENDICES[0])) if isinstance(made, PdfCopy) else (made, None)
        self.pack = pack.with_pdf(pdf, pages)
        self.pack.write()
        return pdf.name, pdf.read_bytes()


def check_same_trust(pack: Manifest, trust: Trust, governors: GovernorList) -> None:
    """One trust's pack never reaches another trust's governors: the pack, the trust it is
    sent for (its secretary signs it) and the governors list must all name the same trust."""
    if pack.trust != trust.short_name:
        raise TrackerError(
            f"{pack.path}: this pack is {pack.trust_name}'s ({pack.trust!r}), not {trust.name}'s "
            f"({trust.short_name!r}), so it will not be sent to {trust.short_name!r}'s governors"
        )
    if governors.trust is not None and governors.trust != pack.trust:
        raise TrackerError(
            f"{governors.path}: these are {governors.trust!r}'s governors and the pack is {pack.trust!r}'s, "
            "so it will not be sent to them"
        )


def pdf_for_sending(docx: Path, folder: Path) -> PdfCopy:
    """The PDF copy of an approved pack, beside it, its contents numbered in a copy of the .docx."""
    return complete_pdf(docx, number_docx=False)


def earlier_version(records: list[Record], pack: Manifest, email: str) -> Earlier | None:
    """The earlier version of this meeting's pack this message replaces: the latest one this
    governor was sent, else the latest one any governor was sent, else none.

    Only the delivery log counts: drafts that were rebuilt before anyone was sent them
    (the manifest's `replaces`) were never in a governor's hands, so nothing replaces them.
    """
    delivered = [r for r in records if r.version < pack.version and r.sends > 0]
    theirs = [r for r in delivered if r.email.lower() == email.lower()]
    if theirs:
        latest = max(theirs, key=lambda r: (r.version, r.last_sent or r.at))
        return Earlier(latest.version, latest.last_sent)
    newest = max((r.version for r in delivered), default=None)
    return Earlier(newest, None) if newest is not None else None


def distribute(
    pack: Manifest,
    governors: GovernorList,
    *,
    trust: Trust,
    transport: Transport,
    log_file: Path,
    now: Clock,
    sender: Address,
    only: tuple[str, ...] = (),
    resend: bool = False,
    resend_in_doubt: bool = False,
    allow_draft: bool = False,
    dry_run: bool = False,
    make_pdf: Callable[..., Path | PdfCopy] = pdf_for_sending,
) -> Report:
    check_same_trust(pack, trust, governors)
    pack.check_sendable(allow_draft)
    report = Report(pack.meeting, pack.version, pack.sha256, str(pack.status), dry_run)
    targets = choose(governors, only)
    attachments = Attachments(pack, make_pdf)
    signature = f"{trust.secretary_name}\nCompany secretary, {trust.name}"

    def run(log: DeliveryLog | None) -> None:
        records = log.records if log else read_log(log_file)
        outgoing: list[tuple[Governor, str, bytes]] = []
        early: list[tuple[Governor, DeliveryStatus, str, int]] = []
        for g in targets:
            done = find(records, pack.sha256, g.email)
            doubt = in_doubt(records, pack.sha256, g.email)
            if not g.active:
                early.append((g, DeliveryStatus.SKIPPED, "inactive in the governors file", 1))
            elif doubt is not None and not (resend or resend_in_doubt):
                report.results.append(Result(g.name, g.email, DeliveryStatus.IN_DOUBT, IN_DOUBT_HELP, g.format))
            elif done is not None and already_sent(records, pack.sha256, g.email) and not resend:
                when = stamp_words(done.last_sent or done.at)
                report.results.append(Result(g.name, g.email, DeliveryStatus.ALREADY_SENT, f"sent {when}", g.format))
            else:
                try:
                    address(g.name, g.email)  # a bad name or address fails here, before anyone is sent anything
                    outgoing.append((g, *attachments.get(g.format)))
                except TrackerError as exc:
                    early.append((g, DeliveryStatus.FAILED, f"not sent: {exc}", 0))
        # Connecting can fail; until it has worked, nothing is written to the log.
        with transport if outgoing else nullcontext():
            for g, status, why, attempts in early:
                _note(report, log, pack, g, status, why, attempts, now)
            for g, name, data in outgoing:
                # Built one at a time, so a large pack is held once, not once per governor.
                msg = pack_message(
                    pack, g, sender=sender, attachment=data, attachment_name=name,
                    fmt=g.format, now=now(), signature=signature, earlier=earlier_version(records, pack, g.email),
                )  # fmt: skip
                outcome = transport.deliver(
                    msg, sender.addr_spec, g.email, before_data=_handing_over(log, pack, g, now)
                )
                status = (
                    (DeliveryStatus.WRITTEN if dry_run else DeliveryStatus.SENT)
                    if outcome.ok
                    else DeliveryStatus.FAILED
                )
                _note(report, log, pack, g, status, outcome.answer, outcome.attempts, now)

    if dry_run:
        run(None)
    else:
        with open_log(log_file, pack.meeting) as log:
            run(log)
    return report


IN_DOUBT_HELP = (
    "in doubt: a message was handed to the server but no answer was recorded, so it is not sent again"
    f" unasked; ask them, then {run_command('send --mark-sent EMAIL')} if they have it, or `--resend-in-doubt`"
)


def _handing_over(log: DeliveryLog | None, pack: Manifest, g: Governor, now: Clock) -> Callable[[], None] | None:
    """What to record just before the message is handed over: that it is in doubt until answered."""
    if log is None:
        return None

    def record() -> None:
        log.record(
            sha256=pack.sha256, version=pack.version, email=g.email, name=g.name, status=DeliveryStatus.IN_DOUBT,
            answer=IN_DOUBT_ANSWER, at=now(), fmt=g.format,
        )  # fmt: skip

    return record


def mark_sent_to(
    pack: Manifest, governors: GovernorList, emails: tuple[str, ...], log_file: Path, now: Clock
) -> Report:
    """Record that governors in doubt have the pack (they said so), sending nothing."""
    report = Report(pack.meeting, pack.version, pack.sha256, str(pack.status), dry_run=False)
    with open_log(log_file, pack.meeting) as log:
        for g in choose(governors, emails):
            record = log.mark_received(pack.sha256, g.email, now())
            report.results.append(Result(g.name, g.email, record.status, record.answer, record.format))
    return report


def _note(
    report: Report,
    log: DeliveryLog | None,
    pack: Manifest,
    g: Governor,
    status: DeliveryStatus,
    answer: str,
    attempts: int,
    now: Clock,
) -> None:
    if log is not None:
        log.record(
            sha256=pack.sha256, version=pack.version, email=g.email, name=g.name, status=status,
            answer=answer, at=now(), fmt=g.format, attempts=attempts,
        )  # fmt: skip
    report.results.append(Result(g.name, g.email, status, answer, g.format))


def send_pack(
    ws: Workspace,
    *,
    meeting: dt.date | None = None,
    dry_run: bool = False,
    only: tuple[str, ...] = (),
    resend: bool = False,
    resend_in_doubt: bool = False,
    mark_sent: tuple[str, ...] = (),
    allow_draft: bool = False,
    warn: Callable[[str], None] = lambda _: None,
    sleep: Callable[[float], None] = time.sleep,
    ssl_context=None,
    make_pdf: Callable[..., Path | PdfCopy] = pdf_for_sending,
) -> Report:
    """Everything `tracker send` does, for the CLI and the flow alike (the environment comes in `ws`)."""
    trust = load_trust(ws.trust)
    meeting = trust.meeting_for(ws.now().date(), meeting, unscheduled=built_for(ws, meeting))
    governors = load_governor_list(ws, trust, warn)
    pack = Manifest.for_meeting(ws.packs_dir, meeting, ws.trust_id)
    if mark_sent:
        check_same_trust(pack, trust, governors)
        return mark_sent_to(pack, governors, mark_sent, ws.delivery_log(meeting), ws.clock)
    settings = smtp_settings(trust.email, ws.env, require_password=not dry_run)
    notes = []
    if settings is None and not dry_run:
        dry_run = True
        notes.append("SMTP is not configured (email.host in trust.yaml or TRACKER_SMTP_HOST): this was a dry run")
    sender = address(trust.secretary_name, (settings.from_address if settings else None) or trust.secretary_email)
    outbox = ws.outbox(meeting)
    transport: Transport
    if dry_run or settings is None:
        for old in outbox.glob("*.eml"):
            old.unlink()
        transport = OutboxTransport(outbox)
    else:
        transport = SmtpTransport(settings, sleep=sleep, ssl_context=ssl_context)
    report = distribute(
        pack, governors, trust=trust, transport=transport, log_file=ws.delivery_log(meeting),
        now=ws.clock, sender=sender, only=only, resend=resend, resend_in_doubt=resend_in_doubt,
        allow_draft=allow_draft, dry_run=dry_run, make_pdf=make_pdf,
    )  # fmt: skip
    report.notes[:0] = notes
    report.outbox = outbox if dry_run else None
    return report


def load_governor_list(ws: Workspace, trust: Trust, warn: Callable[[str], None]) -> GovernorList:
    """The governors of `trust`, from its own list only (or, until that exists, its fictional example)."""
    if ws.governors_is_example:
        if not ws.governors.exists():
            raise TrackerError(
                f"{ws.governors_file}: file not found: list {trust.name}'s governors there, starting with "
                f"`trust: {trust.short_name}` (the format is that of {ws.config / 'governors.example.yaml'}; the file"
                " is git-ignored, as names and addresses are personal data)"
            )
        warn(f"{ws.governors_file} not found: using the fictional {ws.governors} (copy it and add your governors)")
    return load_governors(ws.governors, trust.short_name, required=ws.trust_id is not None)
