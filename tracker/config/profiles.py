"""Typed config: the trust profile, the eight questions and the feed sources.

Everything is read and checked here, once, and passed down as frozen objects.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

from tracker.core.dates import PartialDate
from tracker.core.errors import TrackerError
from tracker.core.schema import Checker, load_checked


class QuestionStatus(StrEnum):
    """The trust's position on a question; the pack prints the word beside its colour."""

    NOT_STARTED = "not started"
    IN_PROGRESS = "in progress"
    ASSURED = "assured"
    NOT_APPLICABLE = "not applicable"

    @property
    def rag(self) -> str:
        return {"not started": "red", "in progress": "amber", "assured": "green", "not applicable": "grey"}[self.value]


SMTP_SECURITY = ("starttls", "tls", "none")


@dataclass(frozen=True)
class EmailSettings:
    """How to reach the SMTP server; the password is never here (TRACKER_SMTP_PASSWORD only)."""

    host: str | None = None
    port: int | None = None
    user: str | None = None
    security: str = "starttls"
    from_address: str | None = None
    timeout: int = 30


@dataclass(frozen=True)
class Partner:
    name: str
    role: str | None = None


@dataclass(frozen=True)
class Trust:
    name: str
    short_name: str
    system: str
    icb: str | None
    partners: tuple[Partner, ...]
    meetings: tuple[dt.date, ...]
    secretary_name: str
    secretary_email: str
    template: Path
    pdf: bool = False
    protective_marking: str = "OFFICIAL"
    draft_days_before: int = 14
    show_unreviewed: bool = True  # list what the tracker found that nobody has checked, apart, in the pack
    description: str | None = None
    email: EmailSettings | None = None
    path: Path | None = None

    def next_meeting(self, today: dt.date) -> dt.date | None:
        return next((m for m in self.meetings if m >= today), None)

    def meeting_for(self, today: dt.date, given: dt.date | None = None) -> dt.date:
        """The meeting asked for, or else the next one; no future meeting is a clear error."""
        if given is not None:
            return given
        nxt = self.next_meeting(today)
        if nxt is None:
            raise TrackerError(
                f"{self.path or 'trust.yaml'}: no council of governors meeting on or after {today.isoformat()}; "
                "add one under council_of_governors.meetings or pass --meeting YYYY-MM-DD"
            )
        return nxt

    def previous_meeting(self, meeting: dt.date) -> dt.date | None:
        earlier = [m for m in self.meetings if m < meeting]
        return earlier[-1] if earlier else None


@dataclass(frozen=True)
class Position:
    status: QuestionStatus
    answer: str
    owner: str
    last_reviewed: dt.date | None
    next_step: str | None
    milestones: tuple[str, ...]


@dataclass(frozen=True)
class Question:
    number: int
    text: str
    position: Position


@dataclass(frozen=True)
class Attribution:
    title: str
    publisher: str
    date: PartialDate | None
    url: str | None

    def __str__(self) -> str:
        when = f", {self.date.human()}" if self.date else ""
        return f"{self.publisher}, “{self.title}”{when}"


@dataclass(frozen=True)
class Questions:
    attribution: Attribution
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class FeedSource:
    name: str
    title: str
    url: str
    publisher: str
    period_days: int


def parse_trust(tree: Any, c: Checker, base: Path) -> Trust:
    if not isinstance(tree, dict):
        c.problem(tree, None, "", "the trust profile should be a mapping of fields")
        tree = {}
    c.unknown_keys(
        tree,
        (
            "name",
            "short_name",
            "description",
            "footprint",
            "key_partners",
            "council_of_governors",
            "secretary",
            "pack",
            "email",
        ),
        "",
    )
    fp = c.mapping(tree, "footprint", "footprint") or {}
    c.unknown_keys(fp, ("system", "icb"), "footprint")
    partners = []
    for _, p, path in c.items(c.sequence(tree, "key_partners", "key_partners", required=True), "key_partners"):
        c.unknown_keys(p, ("name", "role"), path)
        partners.append(
            Partner(c.text(p, "name", f"{path}.name") or "", c.text(p, "role", f"{path}.role", required=False))
        )
    cog = c.mapping(tree, "council_of_governors", "council_of_governors") or {}
    c.unknown_keys(cog, ("meetings",), "council_of_governors")
    seq = c.sequence(cog, "meetings", "council_of_governors.meetings", required=True)
    meetings = [c.full_date(seq, i, f"council_of_governors.meetings[{i}]") for i in range(len(seq))]
    sec = c.mapping(tree, "secretary", "secretary") or {}
    c.unknown_keys(sec, ("name", "email"), "secretary")
    pack = c.mapping(tree, "pack", "pack", required=False) or {}
    c.unknown_keys(pack, ("template", "pdf", "protective_marking", "draft_days_before", "show_unreviewed"), "pack")
    template = c.text(pack, "template", "pack.template", required=False) or "../templates/governors-briefing.docx"
    short = c.slug(tree, "short_name", "short_name")
    return Trust(
        name=c.name(tree, "name", "name", person=False) or "",
        short_name=short or "trust",
        description=c.text(tree, "description", "description", required=False),
        system=c.slug(fp, "system", "footprint.system") or "",
        icb=c.text(fp, "icb", "footprint.icb", required=False),
        partners=tuple(partners),
        meetings=tuple(sorted(m for m in meetings if m)),
        secretary_name=c.name(sec, "name", "secretary.name") or "",
        secretary_email=c.email(sec, "email", "secretary.email") or "",
        template=(base / template).resolve(),
        pdf=c.boolean(pack, "pdf", "pack.pdf", default=False),
        protective_marking=c.text(pack, "protective_marking", "pack.protective_marking", required=False) or "OFFICIAL",
        draft_days_before=c.integer(pack, "draft_days_before", "pack.draft_days_before", default=14) or 0,
        show_unreviewed=c.boolean(pack, "show_unreviewed", "pack.show_unreviewed", default=True),
        email=_email_settings(c, tree),
    )  # fmt: skip


def _email_settings(c: Checker, tree: dict) -> EmailSettings | None:
    """The optional `email:` block: SMTP host, port, user, security and from address."""
    e = c.mapping(tree, "email", "email", required=False)
    if e is None:
        return None
    allowed = ("host", "port", "user", "security", "from", "timeout_seconds")
    for key in e:
        if key == "password":
            c.problem(e, key, "email.password", "never put the password in a file: set TRACKER_SMTP_PASSWORD")
        elif key not in allowed:
            c.problem(e, key, f"email.{key}", f"unknown field (expected one of: {', '.join(sorted(allowed))})")
    port = c.integer(e, "port", "email.port", default=0, minimum=1) or None
    if port is not None and port > 65535:
        c.problem(e, "port", "email.port", f"{port} is not a port number (1 to 65535)")
    host = c.text(e, "host", "email.host", required=False)
    if host is not None and (any(ch.isspace() for ch in host) or "/" in host):
        c.problem(e, "host", "email.host", f"{host!r} should be a host name like smtp.example.org, not a URL")
    return EmailSettings(
        host=host,
        port=port,
        user=c.text(e, "user", "email.user", required=False),
        security=c.choice(e, "security", "email.security", SMTP_SECURITY, required=False, default="starttls")
        or "starttls",
        from_address=c.email(e, "from", "email.from", required=False),
        timeout=c.integer(e, "timeout_seconds", "email.timeout_seconds", default=30, minimum=1) or 30,
    )


def parse_questions(tree: Any, c: Checker) -> Questions:
    if not isinstance(tree, dict):
        c.problem(tree, None, "", "the questions file should be a mapping with `attribution` and `questions`")
        tree = {}
    c.unknown_keys(tree, ("attribution", "questions"), "")
    a = c.mapping(tree, "attribution", "attribution") or {}
    c.unknown_keys(a, ("title", "publisher", "date", "url"), "attribution")
    attribution = Attribution(
        title=c.text(a, "title", "attribution.title") or "",
        publisher=c.text(a, "publisher", "attribution.publisher") or "",
        date=c.partial_date(a, "date", "attribution.date", required=False),
        url=c.url(a, "url", "attribution.url", required=False),
    )
    questions: list[Question] = []
    numbers: dict[str, str] = {}
    for _, q, path in c.items(c.sequence(tree, "questions", "questions", required=True), "questions"):
        c.unknown_keys(q, ("number", "text", "position"), path)
        number = c.integer(q, "number", f"{path}.number", minimum=1)
        c.unique(numbers, str(number) if number else None, q, "number", f"{path}.number", "question number")
        pos = c.mapping(q, "position", f"{path}.position") or {}
        p = f"{path}.position"
        c.unknown_keys(pos, ("status", "answer", "owner", "last_reviewed", "next_step", "milestones"), p)
        questions.append(Question(
            number=number or 0,
            text=c.text(q, "text", f"{path}.text") or "",
            position=Position(
                status=QuestionStatus(c.choice(pos, "status", f"{p}.status", tuple(QuestionStatus)) or "not started"),
                answer=c.text(pos, "answer", f"{p}.answer") or "",
                owner=c.text(pos, "owner", f"{p}.owner") or "",
                last_reviewed=c.full_date(pos, "last_reviewed", f"{p}.last_reviewed"),
                next_step=c.text(pos, "next_step", f"{p}.next_step", required=False),
                milestones=c.strings(pos, "milestones", f"{p}.milestones"),
            ),
        ))  # fmt: skip
    return Questions(attribution, tuple(sorted(questions, key=lambda q: q.number)))


def parse_sources(tree: Any, c: Checker) -> tuple[FeedSource, ...]:
    if not isinstance(tree, dict):
        c.problem(tree, None, "", "the sources file should be a mapping with a `sources` list")
        return ()
    c.unknown_keys(tree, ("sources",), "")
    out: list[FeedSource] = []
    names: dict[str, str] = {}
    for _, s, path in c.items(c.sequence(tree, "sources", "sources", required=True), "sources"):
        c.unknown_keys(s, ("name", "title", "url", "publisher", "period_days"), path)
        name = c.slug(s, "name", f"{path}.name")
        c.unique(names, name, s, "name", f"{path}.name", "source name")
        out.append(FeedSource(
            name=name or "",
            title=c.text(s, "title", f"{path}.title", required=False) or name or "",
            url=c.url(s, "url", f"{path}.url", public=False) or "",  # a feed may be served locally
            publisher=c.text(s, "publisher", f"{path}.publisher") or "",
            period_days=c.integer(s, "period_days", f"{path}.period_days", default=7, minimum=1) or 7,
        ))  # fmt: skip
    return tuple(out)


def trust_parser(path: Path):
    """The parser for a trust profile at `path`: its relative paths resolve from its folder."""
    base = Path(path).resolve().parent

    def parse(tree: Any, c: Checker) -> Trust:
        return replace(parse_trust(tree, c, base), path=Path(path))

    return parse


def load_trust(path: Path) -> Trust:
    return load_checked(path, trust_parser(path))


def load_questions(path: Path) -> Questions:
    return load_checked(path, parse_questions)


def load_sources(path: Path) -> tuple[FeedSource, ...]:
    return load_checked(path, parse_sources)
