"""The emails themselves: one per governor, plain text with an HTML twin, the pack attached.

Pure: takes the pack, the governor and the clock, returns an EmailMessage. Every
address goes through email.headerregistry.Address and every header value through
`header_text` (one line, RFC 2047 encoded words decoded and defused), so a name or a
subject can never smuggle in a header of its own: not with a line break, and not
with an encoded word that Python's email package would decode into one (CVE-2024-6923).
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid

from tracker.config.governors import Governor
from tracker.core.dates import PartialDate, day_month_year, stamp_day, weekday_date
from tracker.core.errors import TrackerError
from tracker.core.text import has_controls, header_text, one_line, safe_link
from tracker.pack.manifest import ChangeNote, Manifest
from tracker.register.model import MilestoneStatus

MIME_TYPES = {
    "docx": ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "pdf": ("application", "pdf"),
}


def address(name: str, email: str) -> Address:
    if has_controls(name) or has_controls(email):
        raise TrackerError(f"the name or address {one_line(name)!r} <{one_line(email)}> holds a line break; fix it")
    try:
        return Address(display_name=header_text(name), addr_spec=email)
    except (ValueError, IndexError) as exc:
        raise TrackerError(f"{email!r} is not an address an email can be sent to ({exc})") from None


def compose(
    *, sender: Address, to: Address, subject: str, text: str, html_body: str, now: dt.datetime, reply_to=None
) -> EmailMessage:
    """A standard multipart/alternative message addressed to exactly one person."""
    msg = EmailMessage(policy=SMTP)
    msg["Subject"] = header_text(subject)
    msg["From"] = sender
    msg["To"] = to
    if reply_to is not None:
        msg["Reply-To"] = reply_to
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = make_msgid(domain=sender.domain or None)
    msg.set_content(text)
    msg.add_alternative(html_body, subtype="html")
    return msg


def change_date(text: str) -> str:
    """'2026-10-02' as '2 October 2026'; a date the pack wrote less precisely stays as precise as it was."""
    try:
        return PartialDate.parse(text).human()
    except ValueError:
        return one_line(text)


@dataclass(frozen=True)
class Earlier:
    """An earlier version of this meeting's pack that governors were sent: the one this
    governor has and when it reached them, or (`sent_at` None) one sent to others only."""

    version: int
    sent_at: str | None


def replaced_version(pack: Manifest, earlier: Earlier | None) -> int | None:
    """The version this message replaces: only ever one that governors were sent.

    Not the manifest's `replaces`: drafts rebuilt before anyone was sent them never
    reached a governor, and "replaces version 3" would send them looking for it.
    """
    return earlier.version if earlier is not None and earlier.version < pack.version else None


def subject_for(pack: Manifest, earlier: Earlier | None = None) -> str:
    marking = f"{pack.marking}: " if pack.session == "part-2" and pack.marking else ""
    draft = "" if pack.final else f"{pack.status}: "
    old = replaced_version(pack, earlier)
    version = f"Version {pack.version}, replaces version {old}: " if old else ""
    return (
        f"{marking}{draft}{version}{pack.trust_name}: council of governors briefing pack for "
        f"{day_month_year(pack.meeting)}"
    )


def _summary(pack: Manifest) -> list[str]:
    """What is in the pack, one sentence an item (each one bullet in the HTML part, however it wraps in text)."""
    items = []
    if pack.counts:
        total = sum(pack.counts.values())
        parts = ", ".join(f"{n} {status}" for status in MilestoneStatus if (n := pack.counts.get(status, 0)))
        items.append(f"{total} national policy milestones tracked ({parts}).")
    items.append(
        "The status of each milestone, what changed since the last meeting, our integrated care system, "
        "and the trust's current position on the eight questions for governors, with what changed since."
    )
    return items


def _bullet(text: str) -> str:
    """One item, one line: mail readers wrap plain text themselves, and a link is never broken."""
    return f"  - {text}"


def pack_message(
    pack: Manifest,
    governor: Governor,
    *,
    sender: Address,
    attachment: bytes,
    attachment_name: str,
    fmt: str,
    now: dt.datetime,
    signature: str,
    earlier: Earlier | None = None,
) -> EmailMessage:
    """The message for one governor: what is in the pack, what changed, how long it takes to read.

    A new version says, in its subject and first line, which version it replaces, when
    governors were sent an earlier one (`earlier`): the one this governor was sent, with
    its date, or else the latest one the others were sent.
    """
    meeting = weekday_date(pack.meeting)
    since = f" (on {weekday_date(pack.previous_meeting)})" if pack.previous_meeting else ""
    minutes = f"about {pack.reading_minutes} minutes" if pack.reading_minutes else None
    status = (
        f"Version {pack.version}, approved by {pack.approved_by}."
        if pack.final and pack.approved_by
        else f"This is a {pack.status} (version {pack.version}), not yet approved."
    )
    old = replaced_version(pack, earlier)
    first = None
    if old:
        when = stamp_day(earlier.sent_at) if earlier is not None and earlier.sent_at else None
        first = f"This is version {pack.version} of the pack and replaces version {old}" + (
            f", which you were sent on {when}. Please read this one instead." if when else "."
        )
    to = address(governor.name, governor.email)

    text = [*([first, ""] if first else []), f"Dear {governor.name},", ""]
    text += [f"The briefing pack for the council of governors meeting on {meeting} is attached as {attachment_name}."]
    text += [status, "", "In the pack:"]
    text += [_bullet(item) for item in _summary(pack)]
    text += ["", f"Main changes since the last meeting{since}:"]
    for c in pack.changes:
        link = f" <{c.url}>" if safe_link(c.url) else ""
        text.append(_bullet(f"{change_date(c.date)}: {one_line(c.text)}{link}"))
    if not pack.changes:
        text.append("  - none recorded.")
    if minutes:
        text += ["", f"Reading time: {minutes}."]
    if pack.stale_sources:
        text += ["", "Some sources could not be checked recently: " + ", ".join(pack.stale_sources) + "."]
    text += ["", f"The meeting is on {meeting}.", "", signature]

    e = html.escape
    items = "".join(_html_change(c) for c in pack.changes) or "<li>None recorded.</li>"
    body = [
        *([f"<p><strong>{e(first)}</strong></p>"] if first else []),
        f"<p>Dear {e(governor.name)},</p>",
        f"<p>The briefing pack for the council of governors meeting on <strong>{e(meeting)}</strong> is attached as"
        f" <code>{e(attachment_name)}</code>. {e(status)}</p>",
        "<p>In the pack:</p><ul>" + "".join(f"<li>{e(item)}</li>" for item in _summary(pack)) + "</ul>",
        f"<p>Main changes since the last meeting{e(since)}:</p><ul>{items}</ul>",
    ]
    if minutes:
        body.append(f"<p>Reading time: {e(minutes)}.</p>")
    if pack.stale_sources:
        body.append(f"<p>Some sources could not be checked recently: {e(', '.join(pack.stale_sources))}.</p>")
    body.append(f"<p>The meeting is on {e(meeting)}.</p>")
    body.append("<p>" + "<br>".join(e(line) for line in signature.splitlines()) + "</p>")

    msg = compose(
        sender=sender,
        to=to,
        subject=subject_for(pack, earlier),
        text="\n".join(text) + "\n",
        html_body="<!DOCTYPE html>\n<html><body>\n" + "\n".join(body) + "\n</body></html>\n",
        now=now,
        reply_to=sender,
    )
    maintype, subtype = MIME_TYPES[fmt]
    # The file name is a header parameter: an encoded word in it would be decoded into a header line too.
    msg.add_attachment(attachment, maintype=maintype, subtype=subtype, filename=header_text(attachment_name))
    return msg


def _html_change(change: ChangeNote) -> str:
    text = html.escape(f"{change_date(change.date)}: {one_line(change.text)}")
    link = safe_link(change.url)
    if link:
        return f'<li>{text} (<a href="{html.escape(link, quote=True)}">source</a>)</li>'
    return f"<li>{text}</li>"
