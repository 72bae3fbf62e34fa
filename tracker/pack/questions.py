"""What the pack says about each of the eight questions: the trust's position, and what changed.

Pure. Each question's dated positions (config/questions.yaml) are read against the
last meeting: the status then and now ("In progress (amber) since 15 October 2026,
was not started (red)"), what became of the next step promised then, and a flag when
nobody has reviewed the position since.
"""

from __future__ import annotations

import datetime as dt

from tracker.config.profiles import Position, Question, Questions, QuestionStatus
from tracker.core.dates import day_month_year
from tracker.core.text import clean
from tracker.pack.views import QuestionView
from tracker.register.model import Register


def status_words(status: QuestionStatus) -> str:
    """The status as the pack prints it: always the word, with its colour."""
    return f"{status.capitalize()} ({status.rag})"


def question_views(questions: Questions, register: Register, previous: dt.date | None) -> tuple[QuestionView, ...]:
    def linked(mid: str) -> str:
        m = register.milestone(mid)
        return f"{clean(m.title)}, {m.status}" if m else f"{mid}, not in the register"

    return tuple(view(q, previous, tuple(linked(mid) for mid in q.position.milestones)) for q in questions.questions)


def view(q: Question, previous: dt.date | None, milestones: tuple[str, ...]) -> QuestionView:
    now = q.position
    then = q.position_at(previous) if previous else None
    reviewed = now.last_reviewed
    stale = previous is not None and (reviewed is None or reviewed <= previous)
    return QuestionView(
        number=q.number,
        text=clean(q.text),
        status=now.status,
        answer=clean(now.answer),
        owner=clean(now.owner),
        last_reviewed=day_month_year(reviewed) if reviewed else "not recorded",
        reviewed_by=clean(now.reviewed_by),
        next_step=clean(now.next_step) or "None recorded",
        milestones=milestones,
        since=since_text(q, then, previous),
        change=change_word(now, then, previous, stale),
        earlier_step=earlier_step(q, then, previous),
        not_reviewed=(
            f"Not reviewed since the last meeting: last reviewed {day_month_year(reviewed)}."
            if stale and reviewed
            else "Not reviewed since the last meeting: no review date recorded."
            if stale
            else ""
        ),
    )


def held_since(q: Question) -> dt.date | None:
    """The day the current status was first recorded, reading back through the history."""
    day = None
    for p in q.positions:
        if p.status != q.position.status:
            break
        day = p.last_reviewed or day
    return day


def since_text(q: Question, then: Position | None, previous: dt.date | None) -> str:
    now = q.position
    start = held_since(q)
    since = f" since {day_month_year(start)}" if start else ""
    if previous is None:
        return f"{status_words(now.status)}{since}."
    if then is None:
        return f"{status_words(now.status)}{since}: no position was recorded at the last meeting."
    if then.status != now.status:
        return f"{status_words(now.status)}{since}, was {status_words(then.status).lower()} at the last meeting."
    return f"{status_words(now.status)}{since}, unchanged since the last meeting."


def change_word(now: Position, then: Position | None, previous: dt.date | None, stale: bool) -> str:
    """A few words for the summary table."""
    if previous is None:
        return "First meeting"
    if stale:
        return "Not reviewed since the last meeting"
    if then is None:
        return "New since the last meeting"
    if then.status != now.status:
        return f"Was {then.status} ({then.status.rag})"
    return "Reviewed, status unchanged"


def earlier_step(q: Question, then: Position | None, previous: dt.date | None) -> str:
    """What became of the next step promised at the last meeting: "Next step from September 2026: done. The step: “...”."."""
    if previous is None or then is None or not then.next_step:
        return ""
    after = q.position_after(then)
    if after is None:  # not reviewed since: the flag says so, and the next step is the same one
        return ""
    outcome = str(after.previous_step) if after.previous_step else "no outcome recorded"
    return f"Next step from {month_of(previous)}: {outcome}. The step: “{clean(then.next_step).rstrip('.')}”."


def month_of(day: dt.date) -> str:
    return f"{day:%B %Y}"
