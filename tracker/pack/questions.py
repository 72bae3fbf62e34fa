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
        owner=clean(now.owner).rstrip("."),  # the pack's sentence gives the full stop
        last_reviewed=day_month_year(reviewed) if reviewed else "not recorded",
        reviewed_by=clean(now.reviewed_by).rstrip("."),
        next_step=sentence(clean(now.next_step)) or "None recorded.",
        milestones=milestones,
        since=since_text(q, then, previous),
        change=change_word(now, then, previous, stale),
        earlier_steps=earlier_steps(q, then, previous),
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


def earlier_steps(q: Question, then: Position | None, previous: dt.date | None) -> tuple[str, ...]:
    """What became of each next step promised since the last meeting, oldest first.

    The step that stood at the last meeting ("Next step from September 2026: done. The
    step: “...”.") and each one promised at a review since, up to the one the current
    position reports on ("Next step from 15 October 2026: not done. ..."): a review
    between meetings does not hide the step it replaced.
    """
    if previous is None or then is None:
        return ()
    at = next(i for i, p in enumerate(q.positions) if p is then)
    chain = q.positions[: at + 1]  # the current position back to the one at the meeting, newest first
    said = []
    for earlier, later in zip(reversed(chain[1:]), reversed(chain[:-1]), strict=True):
        if not earlier.next_step:
            continue
        reviewed = earlier.last_reviewed
        when = month_of(previous) if earlier is then or reviewed is None else day_month_year(reviewed)
        outcome = str(later.previous_step) if later.previous_step else "no outcome recorded"
        said.append(f"Next step from {when}: {outcome}. The step: “{clean(earlier.next_step).rstrip('.')}”.")
    return tuple(said)


def sentence(text: str) -> str:
    """Text a person typed, ending as a sentence: a full stop added where none is, so what follows reads well."""
    text = text.strip()
    return text if not text or text.rstrip("”’\"')»").endswith((".", "!", "?", "…")) else f"{text}."


def month_of(day: dt.date) -> str:
    return f"{day:%B %Y}"
