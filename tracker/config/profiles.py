"""Typed config: the trust profile, the eight questions and the feed sources.

Everything is read and checked here, once, and passed down as frozen objects.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

from tracker.core.dates import PartialDate, weekday_date
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


class Session(StrEnum):
    """Which part of the meeting the paper is for: part 1 in public, part 2 in private (confidential)."""

    PART_1 = "part-1"
    PART_2 = "part-2"

    @property
    def words(self) -> str:
        return "Part 1, held in public" if self is Session.PART_1 else "Part 2, held in private: confidential"


@dataclass(frozen=True)
class Meeting:
    """One council of governors meeting and what a board paper's cover says about it.

    Fields left out of a meeting's entry in trust.yaml come from the defaults under
    `council_of_governors`; an unscheduled (extraordinary) meeting has only its date.
    """

    date: dt.date
    time: str | None = None
    venue: str | None = None
    agenda_item: str | None = None
    paper_reference: str | None = None
    presenter: str | None = None
    session: Session = Session.PART_1
    unscheduled: bool = False


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
    icb: str | None  # only where the register does not name the system's ICB
    partners: tuple[Partner, ...]
    meetings: tuple[dt.date, ...]
    secretary_name: str
    secretary_email: str
    template: Path
    pdf: bool = False
    protective_marking: str = "OFFICIAL"
    session: Session = Session.PART_1
    meeting_details: tuple[Meeting, ...] = ()
    draft_days_before: int = 14
    show_unreviewed: bool = True  # list what the tracker found that nobody has checked, apart, in the pack
    description: str | None = None
    email: EmailSettings | None = None
    path: Path | None = None
    place: str | None = None  # the part of the system the trust is in, which decides where it goes if the system splits

    def next_meeting(self, today: dt.date) -> dt.date | None:
        return next((m for m in self.meetings if m >= today), None)

    def meeting_for(self, today: dt.date, given: dt.date | None = None, unscheduled: bool = False) -> dt.date:
        """The meeting asked for, or else the next one; no future meeting is a clear error.

        A date asked for must be a meeting in trust.yaml, unless it is `unscheduled`
        (an extraordinary meeting): a mistyped date never builds a pack without a word.
        """
        if given is not None:
            if given in self.meetings or unscheduled:
                return given
            before = [m for m in self.meetings if m < given][-1:]
            after = [m for m in self.meetings if m > given][:1]
            nearest = " and ".join(weekday_date(m) for m in before + after)
            raise TrackerError(
                f"{self.path or 'trust.yaml'}: {weekday_date(given)} is not a council of governors meeting "
                "listed under council_of_governors.meetings"
                + (f"; the nearest {'are' if len(before + after) > 1 else 'is'} {nearest}" if nearest else "")
                + ". Use a listed date, add this one to the file, or pass --unscheduled for an extraordinary meeting"
            )
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

    def meeting(self, day: dt.date) -> Meeting:
        """What the cover says about the meeting on `day`; a date not in trust.yaml is an unscheduled meeting."""
        found = next((m for m in self.meeting_details if m.date == day), None)
        return found or Meeting(day, session=self.session, unscheduled=True)

    def marking(self, session: Session) -> str:
        """The protective marking printed on every page: a part 2 paper is marked confidential."""
        if session is Session.PART_2:
            return f"{self.protective_marking} – CONFIDENTIAL, PART 2"
        return self.protective_marking


class StepOutcome(StrEnum):
    """What became of the next step promised at the review before: recorded with the next position."""

    DONE = "done"
    IN_PROGRESS = "in progress"
    NOT_DONE = "not done"
    DROPPED = "dropped"


@dataclass(frozen=True)
class Position:
    status: QuestionStatus
    answer: str
    owner: str
    last_reviewed: dt.date | None
    next_step: str | None
    milestones: tuple[str, ...]
    reviewed_by: str | None = None
    previous_step: StepOutcome | None = None  # what became of the last position's next step


@dataclass(frozen=True)
class Question:
    number: int
    text: str
    position: Position  # the current position
    history: tuple[Position, ...] = ()  # earlier positions, newest first

    @property
    def positions(self) -> tuple[Position, ...]:
        """Every recorded position, the current one first."""
        return (self.position, *self.history)

    def position_at(self, day: dt.date) -> Position | None:
        """The position as it stood on `day`: the newest reviewed on or before it."""
        return next((p for p in self.positions if p.last_reviewed is not None and p.last_reviewed <= day), None)


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
    c.unknown_keys(fp, ("system", "place", "icb"), "footprint")
    partners = []
    for _, p, path in c.items(c.sequence(tree, "key_partners", "key_partners", required=True), "key_partners"):
        c.unknown_keys(p, ("name", "role"), path)
        partners.append(
            Partner(c.text(p, "name", f"{path}.name") or "", c.text(p, "role", f"{path}.role", required=False))
        )
    sec = c.mapping(tree, "secretary", "secretary") or {}
    c.unknown_keys(sec, ("name", "email"), "secretary")
    pack = c.mapping(tree, "pack", "pack", required=False) or {}
    c.unknown_keys(
        pack, ("template", "pdf", "protective_marking", "draft_days_before", "show_unreviewed", "session"), "pack"
    )
    session = Session(c.choice(pack, "session", "pack.session", tuple(Session), required=False) or "part-1")
    details = _meetings(c, tree, session)
    meetings = [m.date for m in details]
    marking = c.text(pack, "protective_marking", "pack.protective_marking", required=False)
    template = c.text(pack, "template", "pack.template", required=False) or "../templates/governors-briefing.docx"
    short = c.slug(tree, "short_name", "short_name")
    return Trust(
        name=c.name(tree, "name", "name", person=False) or "",
        short_name=short or "trust",
        description=c.text(tree, "description", "description", required=False),
        system=c.slug(fp, "system", "footprint.system") or "",
        icb=c.text(fp, "icb", "footprint.icb", required=False),
        place=c.text(fp, "place", "footprint.place", required=False),
        partners=tuple(partners),
        meetings=tuple(sorted(meetings)),
        meeting_details=tuple(sorted(details, key=lambda m: m.date)),
        session=session,
        secretary_name=c.name(sec, "name", "secretary.name") or "",
        secretary_email=c.email(sec, "email", "secretary.email") or "",
        template=(base / template).resolve(),
        pdf=c.boolean(pack, "pdf", "pack.pdf", default=False),
        # A part 2 paper is OFFICIAL-SENSITIVE unless the trust says otherwise.
        protective_marking=marking or ("OFFICIAL-SENSITIVE" if session is Session.PART_2 else "OFFICIAL"),
        draft_days_before=c.integer(pack, "draft_days_before", "pack.draft_days_before", default=14) or 0,
        show_unreviewed=c.boolean(pack, "show_unreviewed", "pack.show_unreviewed", default=True),
        email=_email_settings(c, tree),
    )  # fmt: skip


MEETING_FIELDS = ("time", "venue", "agenda_item", "presenter")
_TIME = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$")


def _meetings(c: Checker, tree: dict, default_session: Session) -> list[Meeting]:
    """`council_of_governors.meetings`: each a date, or a mapping with `date` and what the cover says.

    `time`, `venue`, `agenda_item` and `presenter` under `council_of_governors` apply to
    every meeting that does not give its own.
    """
    cog = c.mapping(tree, "council_of_governors", "council_of_governors") or {}
    c.unknown_keys(cog, ("meetings", *MEETING_FIELDS), "council_of_governors")
    defaults = _meeting_fields(c, cog, "council_of_governors")
    seq = c.sequence(cog, "meetings", "council_of_governors.meetings", required=True)
    found: list[Meeting] = []
    seen: dict[str, str] = {}
    for i, item in enumerate(seq):
        path = f"council_of_governors.meetings[{i}]"
        node: Any
        key: Any
        fields: dict[str, Any]
        if isinstance(item, dict):
            c.unknown_keys(item, ("date", *MEETING_FIELDS, "paper_reference", "session"), path)
            day = c.full_date(item, "date", f"{path}.date")
            own = _meeting_fields(c, item, path)
            node, key = item, "date"
            fields = {**defaults, **{k: v for k, v in own.items() if v is not None}}
            fields["paper_reference"] = c.text(item, "paper_reference", f"{path}.paper_reference", required=False)
            chosen = c.choice(item, "session", f"{path}.session", tuple(Session), required=False)
            fields["session"] = Session(chosen) if chosen else default_session
        else:
            day = c.full_date(seq, i, path)
            node, key, fields = seq, i, {**defaults, "session": default_session}
        if day is None:
            continue
        c.unique(seen, day.isoformat(), node, key, path, "meeting date")
        found.append(Meeting(day, **fields))
    return list({m.date: m for m in found}.values())


def _meeting_fields(c: Checker, node: dict, path: str) -> dict[str, Any]:
    time = c.text(node, "time", f"{path}.time", required=False)
    if time is not None and not _TIME.match(time):
        c.problem(node, "time", f"{path}.time", f'{time!r} is not a time of day like "14:00" (24-hour clock, quoted)')
        time = None
    return {
        "time": time.replace(".", ":").zfill(5) if time else None,
        "venue": c.text(node, "venue", f"{path}.venue", required=False),
        "agenda_item": c.text(node, "agenda_item", f"{path}.agenda_item", required=False),
        "presenter": c.text(node, "presenter", f"{path}.presenter", required=False),
    }


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
    security = c.choice(e, "security", "email.security", SMTP_SECURITY, required=False, default="starttls")
    if security == "none" and "user" in e:
        c.problem(
            e, "security", "email.security",
            "none with a user would send the password unencrypted: use starttls or tls, or remove the user",
        )  # fmt: skip
    host = c.text(e, "host", "email.host", required=False)
    if host is not None and (any(ch.isspace() for ch in host) or "/" in host):
        c.problem(e, "host", "email.host", f"{host!r} should be a host name like smtp.example.org, not a URL")
    return EmailSettings(
        host=host,
        port=port,
        user=c.text(e, "user", "email.user", required=False),
        security=security or "starttls",
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
        c.unknown_keys(q, ("number", "text", "position", "history"), path)
        number = c.integer(q, "number", f"{path}.number", minimum=1)
        c.unique(numbers, str(number) if number else None, q, "number", f"{path}.number", "question number")
        current = _position(c, c.mapping(q, "position", f"{path}.position") or {}, f"{path}.position", True)
        history = []
        newer = current.last_reviewed
        for _, old, hpath in c.items(c.sequence(q, "history", f"{path}.history"), f"{path}.history"):
            position = _position(c, old, hpath, False)
            day = position.last_reviewed
            if day is not None and newer is not None and day >= newer:
                c.problem(
                    old, "last_reviewed", f"{hpath}.last_reviewed",
                    f"{day.isoformat()} is not before the position above it ({newer.isoformat()}): "
                    "history lists earlier positions, newest first",
                )  # fmt: skip
            newer = day or newer
            history.append(position)
        questions.append(Question(number or 0, c.text(q, "text", f"{path}.text") or "", current, tuple(history)))
    return Questions(attribution, tuple(sorted(questions, key=lambda q: q.number)))


POSITION_KEYS = (
    "status", "answer", "owner", "last_reviewed", "reviewed_by", "next_step", "previous_step", "milestones",
)  # fmt: skip


def _position(c: Checker, pos: dict, p: str, current: bool) -> Position:
    """A position: the current one (under `position:`) or an earlier one (in `history:`)."""
    c.unknown_keys(pos, POSITION_KEYS, p)
    step = c.choice(pos, "previous_step", f"{p}.previous_step", tuple(StepOutcome), required=False)
    return Position(
        status=QuestionStatus(c.choice(pos, "status", f"{p}.status", tuple(QuestionStatus)) or "not started"),
        answer=c.text(pos, "answer", f"{p}.answer") or "",
        owner=c.text(pos, "owner", f"{p}.owner", required=current) or "",
        last_reviewed=c.full_date(pos, "last_reviewed", f"{p}.last_reviewed"),
        next_step=c.text(pos, "next_step", f"{p}.next_step", required=False),
        milestones=c.strings(pos, "milestones", f"{p}.milestones"),
        reviewed_by=c.text(pos, "reviewed_by", f"{p}.reviewed_by", required=False),
        previous_step=StepOutcome(step) if step else None,
    )


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
