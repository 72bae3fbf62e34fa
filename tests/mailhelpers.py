"""Real things for the distribution tests: a small built pack, and an SMTP server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import docx
from aiosmtpd.controller import Controller

from tracker.core.files import sha256_file
from tracker.orchestration.local import free_port
from tracker.pack.manifest import ChangeNote, Manifest, PackStatus

MEETING = dt.date(2026, 12, 10)
NOW = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)


def clock() -> dt.datetime:
    return NOW


def make_pack(
    packs_dir: Path,
    *,
    meeting: dt.date = MEETING,
    status: str = "FINAL",
    version: int = 1,
    text: str = "Council of governors briefing",
    with_pdf: bool = False,
    replaces: int | None = None,
) -> Path:
    """A real .docx (and optionally a .pdf) with a manifest.json following the pack feature's contract."""
    folder = packs_dir / meeting.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    name = f"fernbrook-governors-briefing-{meeting.isoformat()}"
    document = docx.Document()
    document.add_heading(text, 0)
    document.add_paragraph(f"Version {version} for the meeting on {meeting:%-d %B %Y}.")
    document.save(folder / f"{name}.docx")
    pdf = None
    if with_pdf:
        (folder / f"{name}.pdf").write_bytes(b"%PDF-1.4\n% a tiny stand-in PDF made by the test\n%%EOF\n")
        pdf = f"{name}.pdf"
    Manifest(
        trust="fernbrook",
        trust_name="Fernbrook NHS Foundation Trust (fictional example)",
        meeting=meeting,
        previous_meeting=dt.date(2026, 9, 17),
        pack=f"{name}.docx",
        pdf=pdf,
        generated_at="2026-11-26T07:00:00Z",
        sha256=sha256_file(folder / f"{name}.docx"),
        pdf_sha256=sha256_file(folder / pdf) if pdf else None,
        register_digest="0" * 64,
        counts={"published": 30, "expected": 8, "delayed": 3},
        status=PackStatus(status),
        version=version,
        replaces=replaces,
        approved_by="Alex Morgan" if status == "FINAL" else None,
        approved_at="2026-11-28T16:00:00Z" if status == "FINAL" else None,
        reading_minutes=25,
        changes=(
            ChangeNote("2026-10-02", "Planning guidance <2027/28> published", "https://www.england.nhs.uk/x/"),
            ChangeNote("2026-11-01", "A change with a bad link", "javascript:alert(1)"),
        ),
        stale_sources=("dhsc-news",),
        folder=folder,
    ).write()
    return folder


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.data, policy=policy.default)


@dataclass
class Handler:
    """Stores what it accepts; answers 451 a set number of times, or 550 always, or hangs up, for chosen recipients.

    After DATA it can also take its time to answer (`answer_after` seconds: the message is
    stored, and `accepted` set, first), or hang up without answering (`drop_after_data`):
    the client then cannot know whether the message went.
    """

    received: list[Received] = field(default_factory=list)
    temporary: dict[str, int] = field(default_factory=dict)  # email -> how many 451s before accepting
    permanent: set[str] = field(default_factory=set)
    rcpt_attempts: dict[str, int] = field(default_factory=dict)
    hang_up: set[str] = field(default_factory=set)  # drop the connection when asked to send to these
    answer_after: float = 0.0
    drop_after_data: set[str] = field(default_factory=set)
    accepted: threading.Event = field(default_factory=threading.Event)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.rcpt_attempts[address] = self.rcpt_attempts.get(address, 0) + 1
        if address in self.hang_up:
            server.transport.close()
            return "421 4.3.2 Shutting down"
        if address in self.permanent:
            return f"550 5.1.1 <{address}>: mailbox unavailable"
        if self.temporary.get(address, 0) > 0:
            self.temporary[address] -= 1
            return "451 4.7.1 Greylisted, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        self.accepted.set()
        if self.answer_after:
            await asyncio.sleep(self.answer_after)
        if self.drop_after_data & set(envelope.rcpt_tos):
            server.transport.close()
            return "421 4.3.2 Shutting down"
        return f"250 2.0.0 Ok: queued as Q{len(self.received)}"

    def to(self, email: str) -> list[Received]:
        return [r for r in self.received if email in r.rcpt_tos]


def start_server(handler: Handler, **kwargs) -> Controller:
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), **kwargs)
    controller.start()
    return controller
