"""Each question's position read against the last meeting: what changed, what became of the next step, who has not reviewed."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import CONFIG
from tracker.config.profiles import Position, Question, QuestionStatus, StepOutcome, load_questions
from tracker.pack.questions import held_since, view

SEPTEMBER = dt.date(2026, 9, 17)  # the last meeting before 10 December 2026


def position(status: str, day: dt.date, step: str | None = None, previous: str | None = None) -> Position:
    return Position(
        status=QuestionStatus(status), answer="An answer.", owner="Director of Finance", last_reviewed=day,
        next_step=step, milestones=(), reviewed_by=None, previous_step=StepOutcome(previous) if previous else None,
    )  # fmt: skip


def question(*positions: Position) -> Question:
    return Question(6, "How is my trust's STP/ICS getting greater value?", positions[0], tuple(positions[1:]))


def test_a_status_that_moved_says_since_when_and_what_it_was_at_the_last_meeting():
    q = question(
        position("in progress", dt.date(2026, 10, 15), "Report in March.", previous="done"),
        position("not started", SEPTEMBER, "Ask the ICB for the system financial plan."),
        position("not started", dt.date(2026, 6, 11)),
    )
    v = view(q, SEPTEMBER, ())
    assert v.since == "In progress (amber) since 15 October 2026, was not started (red) at the last meeting."
    assert v.change == "Was not started (red)"
    assert (
        v.earlier_step == "Next step from September 2026: done. The step: “Ask the ICB for the system financial plan”."
    )
    assert v.not_reviewed == ""


def test_an_unchanged_status_says_how_long_it_has_held():
    q = question(
        position("not started", dt.date(2026, 10, 15), previous="in progress"),
        position("not started", SEPTEMBER, "Ask the finance committee."),
        position("not started", dt.date(2026, 6, 11)),
        position("in progress", dt.date(2026, 3, 12)),
    )
    assert held_since(q) == dt.date(2026, 6, 11)
    v = view(q, SEPTEMBER, ())
    assert v.since == "Not started (red) since 11 June 2026, unchanged since the last meeting."
    assert v.change == "Reviewed, status unchanged"
    assert v.earlier_step == "Next step from September 2026: in progress. The step: “Ask the finance committee”."


def test_a_position_nobody_has_reviewed_since_the_last_meeting_is_flagged():
    q = question(position("assured", SEPTEMBER, "Review the format after twelve months."))
    v = view(q, SEPTEMBER, ())
    assert v.not_reviewed == "Not reviewed since the last meeting: last reviewed 17 September 2026."
    assert v.change == "Not reviewed since the last meeting"
    assert v.earlier_step == ""  # the same next step is still the current one: the flag says it all


def test_a_next_step_whose_outcome_was_not_recorded_says_so():
    q = question(position("assured", dt.date(2026, 11, 1)), position("assured", SEPTEMBER, "Hold the session."))
    assert (
        view(q, SEPTEMBER, ()).earlier_step
        == "Next step from September 2026: no outcome recorded. The step: “Hold the session”."
    )


def test_a_question_with_no_position_at_the_last_meeting_is_new_and_at_the_first_meeting_there_is_no_comparison():
    q = question(position("in progress", dt.date(2026, 10, 1)))
    assert view(q, SEPTEMBER, ()).since.endswith("no position was recorded at the last meeting.")
    assert view(q, SEPTEMBER, ()).change == "New since the last meeting"
    first = view(q, None, ())
    assert (first.since, first.change, first.not_reviewed) == (
        "In progress (amber) since 1 October 2026.",
        "First meeting",
        "",
    )


@pytest.mark.parametrize("number", [2, 7])
def test_the_shipped_example_shows_questions_that_moved_from_red_to_amber(number):
    q = next(q for q in load_questions(CONFIG / "questions.yaml").questions if q.number == number)
    v = view(q, SEPTEMBER, ())
    assert v.since == "In progress (amber) since 15 October 2026, was not started (red) at the last meeting."
    assert v.earlier_step.startswith("Next step from September 2026: ")
