"""The delivery log: who has been sent which version of the pack, and what the server said.

One record per (pack sha256, governor email), in `outputs/deliveries/<meeting>.json`,
written atomically under a lock. Each success is recorded the moment the server accepts
it, so a crash or a re-run never sends the same version to the same person twice by
accident. A new version (a different sha256) starts a fresh set of records.

A record's status is the outcome of the latest attempt, and that is the governor's
state: a `--resend` the server refused leaves them "failed" (they may not have this
version), so `tracker status` lists them as failed and the next `tracker send` tries
them again. `sends` and `sent_at` keep what was accepted before. Skipping an inactive
governor is no attempt, so it never replaces an outcome.

Just before a message is handed over (before SMTP DATA) its record says "in doubt";
the server's answer replaces that a moment later. A record still in doubt means the run
was killed or the connection lost in between: the server may have the message or not.
Nobody in doubt is sent to again without a person deciding: `tracker status` lists
them, and `tracker send --resend-in-doubt` or `--mark-sent EMAIL` resolves them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path

from tracker.core.commands import run_command
from tracker.core.dates import utc_stamp
from tracker.core.errors import TrackerError
from tracker.core.files import locked, read_json, write_json


class DeliveryStatus(StrEnum):
    """What happened for one governor. The log records sent, failed and skipped; a run's
    report also says (dry run) that the .eml was written, or that a governor already had
    this version. In the order a summary line lists them."""

    SENT = "sent"
    WRITTEN = "written"
    ALREADY_SENT = "already sent"
    SKIPPED = "skipped"  # inactive in the governors file
    IN_DOUBT = "in doubt"  # handed to the server, no answer recorded: it may have gone
    FAILED = "failed"


@dataclass(frozen=True)
class Record:
    sha256: str
    version: int
    email: str
    name: str
    status: DeliveryStatus  # the latest outcome: sent, failed, skipped, or in doubt
    at: str  # ISO date-time, UTC
    answer: str  # the server's reply, or the reason
    format: str = "docx"
    attempts: int = 1
    sends: int = 0  # how many times this version was accepted for this person (more than 1 only via --resend)
    sent_at: str | None = None  # when it was last accepted (a later attempt may have failed since)

    @property
    def last_sent(self) -> str | None:
        """When this version was last accepted for this person (logs from before `sent_at`: `at`, if sent)."""
        return self.sent_at or (self.at if self.status == DeliveryStatus.SENT else None)


def read_log(path: Path) -> list[Record]:
    try:
        data = read_json(path, "the delivery log", missing={})
    except TrackerError as exc:
        raise TrackerError(f"{exc}; fix or move it before sending") from None
    try:
        return [Record(**{**r, "status": DeliveryStatus(r["status"])}) for r in data.get("records", [])]
    except (TypeError, AttributeError, KeyError, ValueError) as exc:
        raise TrackerError(f"{path}: the delivery log is malformed ({exc}); fix or move it before sending") from None


def find(records: list[Record], sha256: str, email: str) -> Record | None:
    key = email.lower()
    return next((r for r in records if r.sha256 == sha256 and r.email.lower() == key), None)


def already_sent(records: list[Record], sha256: str, email: str) -> bool:
    """Whether the latest attempt to send this version to this person was accepted.

    Not "ever accepted": after a failed --resend the governor may not have it, and the
    next run must try them again rather than answer "already sent"."""
    r = find(records, sha256, email)
    return r is not None and r.status == DeliveryStatus.SENT


def in_doubt(records: list[Record], sha256: str, email: str) -> Record | None:
    """The record if this version was handed over for this person with no answer recorded."""
    r = find(records, sha256, email)
    return r if r is not None and r.status == DeliveryStatus.IN_DOUBT else None


IN_DOUBT_ANSWER = "handed to the server, but no answer was recorded (the run was stopped or the connection lost)"
MARKED_SENT = "marked as received by hand (the governor has it), not sent again"


class DeliveryLog:
    """The open log of one meeting; only one run holds it at a time (see `open_log`)."""

    def __init__(self, path: Path, meeting: dt.date):
        self.path = Path(path)
        self.meeting = meeting
        self.records = read_log(self.path)

    def record(
        self,
        *,
        sha256: str,
        version: int,
        email: str,
        name: str,
        status: DeliveryStatus,
        answer: str,
        at: dt.datetime,
        fmt: str = "docx",
        attempts: int = 1,
    ) -> Record:
        """Add or update the record for (sha256, email) and write the log to disk at once.

        An attempt in doubt keeps the record's earlier answer count; the answer that
        follows it replaces it. A message is never handed over before this is on disk.
        Skipping an inactive governor is not an attempt: it never hides an earlier outcome.
        """
        old = find(self.records, sha256, email)
        if status == DeliveryStatus.SKIPPED and old is not None and old.status != DeliveryStatus.SKIPPED:
            return old
        accepted = status == DeliveryStatus.SENT
        sends = (old.sends if old else 0) + (1 if accepted else 0)
        sent_at = utc_stamp(at) if accepted else (old.last_sent if old else None)
        new = Record(sha256, version, email, name, status, utc_stamp(at), answer, fmt, attempts, sends, sent_at)
        self.records = [r for r in self.records if r is not old] + [new]
        write_json(self.path, {"meeting": self.meeting.isoformat(), "records": [asdict(r) for r in self.records]})
        return new

    def mark_received(self, sha256: str, email: str, at: dt.datetime) -> Record:
        """A person's answer to "in doubt": the governor has this version. Nothing is sent."""
        doubt = in_doubt(self.records, sha256, email)
        if doubt is None:
            raise TrackerError(
                f"{email} is not in doubt for this version of the pack, so there is nothing to mark"
                f" ({run_command('status')} lists who is)"
            )
        return self.record(
            sha256=sha256, version=doubt.version, email=doubt.email, name=doubt.name, status=DeliveryStatus.SENT,
            answer=MARKED_SENT, at=at, fmt=doubt.format, attempts=doubt.attempts,
        )  # fmt: skip


@contextmanager
def open_log(path: Path, meeting: dt.date, timeout: float = 10.0) -> Iterator[DeliveryLog]:
    """Hold the log's lock for a whole run, so two sends at once cannot both reach a governor."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with locked(path, timeout):
        yield DeliveryLog(path, meeting)
