"""One message to the company secretary: what the tracker found since the last digest.

`collect` and `digest_message` are pure; `run_digest` reads the register, the source
health and `outputs/state/digest.json`, sends (or writes the .eml in a dry run), and
moves the digest time forward only after the server has accepted the message.
"""

from __future__ import annotations

import datetime as dt
import html
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage

from tracker.config.profiles import FeedSource, Trust, load_sources, load_trust
from tracker.config.workspace import Workspace
from tracker.core.commands import run_command
from tracker.core.dates import moment_words, parse_stamp, utc_stamp
from tracker.core.errors import TrackerError
from tracker.core.files import read_json, write_json
from tracker.core.text import one_line, safe_link
from tracker.distribution.message import address, compose
from tracker.distribution.transport import OutboxTransport, SmtpTransport, smtp_settings
from tracker.register.model import Evidence, Milestone, Proposal, Register
from tracker.register.parse import load_register
from tracker.register.proposals import review_queue
from tracker.register.words import Event, event_words, events, evidence_words, finding
from tracker.tracking.feedstate import Health, health_report

FIRST_LOOKBACK = dt.timedelta(days=7)  # what the very first digest covers


@dataclass
class Digest:
    since: dt.datetime
    until: dt.datetime
    waiting: list[Proposal] = field(default_factory=list)  # everything waiting for review, newest first
    new_milestones: list[Milestone] = field(default_factory=list)
    evidence: list[tuple[Milestone, Evidence]] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)  # changes a person accepted
    unhealthy: list[Health] = field(default_factory=list)
    newly_unhealthy: list[str] = field(default_factory=list)
    recovered: list[str] = field(default_factory=list)

    @property
    def found(self) -> list[Proposal]:
        """Proposals found since the last digest (the rest of `waiting` were listed before)."""
        return [p for p in self.waiting if _after(p.found, self.since, self.until)]

    @property
    def has_news(self) -> bool:
        return bool(
            self.found or self.new_milestones or self.evidence or self.events or self.newly_unhealthy or self.recovered
        )

    @property
    def count(self) -> int:
        return len(self.found) + len(self.new_milestones) + len(self.evidence) + len(self.events)


def _after(ts: str | None, since: dt.datetime, until: dt.datetime) -> bool:
    when = parse_stamp(ts)
    return when is not None and since < when <= until


def collect(
    register: Register,
    health: list[Health],
    since: dt.datetime,
    now: dt.datetime,
    previously_unhealthy: set[str],
    known_milestones: set[str] | None,
) -> Digest:
    """Everything after `since`: what waits for review, accepted changes, new milestones, evidence,
    and sources that went wrong or recovered.

    Overdue milestones wait for review too (computed from the register's dates). A
    milestone is new when its id was not in the register at the last digest; the very
    first digest has no such list.
    """
    d = Digest(since, now, waiting=list(review_queue(register, now.date(), utc_stamp(now))))
    for m in register.milestones:
        d.evidence += [(m, e) for e in m.evidence if _after(e.first_seen, since, now)]
        d.events += [e for e in events(m) if _after(e.when, since, now)]
        if known_milestones is not None and m.id not in known_milestones:
            d.new_milestones.append(m)
    d.unhealthy = [h for h in health if not h.ok]
    names = {h.name for h in d.unhealthy}
    d.newly_unhealthy = sorted(names - previously_unhealthy)
    d.recovered = sorted(previously_unhealthy - names)
    return d


Rows = list[tuple[str, str | None]]  # (line, link)


def _sections(
    d: Digest, register: Register, publishers: Mapping[str, str], titles: Mapping[str, str]
) -> list[tuple[str, Rows]]:
    """(heading, [(line, link)]) in the order the secretary reads them: what needs them first."""
    milestones = {m.id: m for m in register.milestones}
    out: list[tuple[str, Rows]] = []
    if d.waiting:
        rows: Rows = []
        for p in d.waiting:
            new = " (new since the last digest)" if p in d.found else ""
            accept = run_command(f'review accept {p.id} --by "NAME"')
            reject = run_command(f'review reject {p.id} --by "NAME" --why "..."')
            line = f"{finding(p, milestones, publishers)}{new} To accept: {accept}. To reject: {reject}."
            rows.append((line, p.evidence.url if p.evidence else None))
        out.append(("Waiting for your review", rows))
    if d.events:
        out.append(("Changes accepted", [(event_words(e, publishers, milestones), e.evidence) for e in d.events]))
    if d.new_milestones:
        out.append(("New milestones in the register", [(one_line(m.title) + ".", None) for m in d.new_milestones]))
    if d.evidence:
        out.append(("New evidence", [(evidence_words(e, m, publishers), e.url) for m, e in d.evidence]))
    if d.unhealthy:
        rows = [
            (f"{one_line(h.title)}: {one_line(h.reason or h.last_error or 'failing')}"
             + (" (new since the last digest)" if h.name in d.newly_unhealthy else ""), None)
            for h in d.unhealthy
        ]  # fmt: skip
        out.append(("Sources needing attention", rows))
    if d.recovered:
        out.append(("Sources working again", [(one_line(titles.get(name, name)), None) for name in d.recovered]))
    return out


def digest_message(
    d: Digest,
    trust: Trust,
    sender_email: str,
    now: dt.datetime,
    register: Register,
    sources: tuple[FeedSource, ...] = (),
) -> EmailMessage:
    period = f"between {moment_words(d.since)} and {moment_words(d.until)}"
    if d.has_news:
        subject = f"{trust.name}: policy tracker digest, {d.count} new finding{'s' if d.count != 1 else ''}"
        intro = f"What the policy tracker found {period}:"
    else:
        subject = f"{trust.name}: policy tracker digest, nothing new"
        intro = f"The policy tracker found nothing new {period}."
    text = [f"Dear {trust.secretary_name},", "", intro]
    body = [f"<p>Dear {html.escape(trust.secretary_name)},</p>", f"<p>{html.escape(intro)}</p>"]
    publishers = {s.name: s.publisher for s in sources}
    titles = {s.name: s.title for s in sources}
    for heading, rows in _sections(d, register, publishers, titles):
        text += ["", f"{heading} ({len(rows)}):"]
        rows = [(line, safe_link(link)) for line, link in rows]  # only public http(s) links are shown
        text += [f"  - {line}" + (f" <{link}>" if link else "") for line, link in rows]
        items = "".join(
            f"<li>{html.escape(line)}"
            + (f' (<a href="{html.escape(link, quote=True)}">link</a>)' if link else "")
            + "</li>"
            for line, link in rows
        )
        body.append(f"<h3>{html.escape(heading)} ({len(rows)})</h3><ul>{items}</ul>")
    footer = "One digest covers everything since the previous one; the register (config/register.yaml) has the detail."
    text += ["", footer]
    body.append(f"<p>{html.escape(footer)}</p>")
    return compose(
        sender=address("NHS governors' policy tracker", sender_email),
        to=address(trust.secretary_name, trust.secretary_email),
        subject=subject,
        text="\n".join(text) + "\n",
        html_body="<!DOCTYPE html>\n<html><body>\n" + "\n".join(body) + "\n</body></html>\n",
        now=now,
    )


@dataclass(frozen=True)
class DigestResult:
    sent: bool
    dry_run: bool
    digest: Digest
    detail: str  # what happened, one sentence


def run_digest(
    ws: Workspace,
    *,
    dry_run: bool = False,
    always: bool = False,
    since: dt.datetime | None = None,
    sleep: Callable[[float], None] = time.sleep,
    ssl_context=None,
    register: Register | None = None,
) -> DigestResult:
    """`register`: the register already loaded, when one run sends every trust's digest."""
    now = ws.now()
    trust = load_trust(ws.trust)
    register = register or load_register(ws.register)
    sources = load_sources(ws.sources) if ws.sources.exists() else ()
    state = read_json(ws.digest_state, "the digest state", missing={})
    if not isinstance(state, dict):
        raise TrackerError(f"{ws.digest_state}: the digest state is malformed; fix or delete it")
    since = since or parse_stamp(state.get("last_sent")) or now - FIRST_LOOKBACK
    known = set(state["milestones"]) if isinstance(state.get("milestones"), list) else None
    health = health_report(sources, ws.state_dir, now)
    d = collect(register, health, since, now, set(state.get("unhealthy", [])), known)
    if not d.has_news and not always:
        return DigestResult(False, dry_run, d, f"nothing new since {moment_words(since)}: no digest sent")
    settings = smtp_settings(trust.email, ws.env, require_password=not dry_run)
    sender = (settings.from_address if settings else None) or trust.secretary_email
    msg = digest_message(d, trust, sender, now, register, sources)
    if dry_run or settings is None:
        outbox = OutboxTransport(ws.outbox_dir / "digest", name=now.strftime("digest-%Y-%m-%dT%H%M%SZ"))
        outcome = outbox.deliver(msg, sender, trust.secretary_email)
        why = "" if settings else " (SMTP is not configured)"
        return DigestResult(False, True, d, f"dry run{why}: {outcome.answer}; the digest time was not moved")
    with SmtpTransport(settings, sleep=sleep, ssl_context=ssl_context) as transport:
        outcome = transport.deliver(msg, sender, trust.secretary_email)
    if not outcome.ok:
        raise TrackerError(f"the SMTP server refused the digest for {trust.secretary_email}: {outcome.answer}")
    write_json(ws.digest_state, {
        "last_sent": utc_stamp(now),
        "unhealthy": sorted(h.name for h in d.unhealthy),
        "milestones": sorted(m.id for m in register.milestones),
    })  # fmt: skip
    return DigestResult(True, False, d, f"digest sent to {trust.secretary_email}: {outcome.answer}")
