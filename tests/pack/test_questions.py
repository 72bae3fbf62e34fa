"""Each question's position read against the last meeting: what changed, what became of the next step, who has not reviewed."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from tests.conftest import CONFIG, run
from tracker.config.profiles import Position, Question, QuestionStatus, StepOutcome, load_questions
from tracker.pack.questions import held_since, sentence, view

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
    assert v.earlier_steps == (
        "Next step from September 2026: done. The step: “Ask the ICB for the system financial plan”.",
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
    assert v.earlier_steps == ("Next step from September 2026: in progress. The step: “Ask the finance committee”.",)


def test_a_position_nobody_has_reviewed_since_the_last_meeting_is_flagged():
    q = question(position("assured", SEPTEMBER, "Review the format after twelve months."))
    v = view(q, SEPTEMBER, ())
    assert v.not_reviewed == "Not reviewed since the last meeting: last reviewed 17 September 2026."
    assert v.change == "Not reviewed since the last meeting"
    assert v.earlier_steps == ()  # the same next step is still the current one: the flag says it all


def test_a_next_step_whose_outcome_was_not_recorded_says_so():
    q = question(position("assured", dt.date(2026, 11, 1)), position("assured", SEPTEMBER, "Hold the session."))
    assert view(q, SEPTEMBER, ()).earlier_steps == (
        "Next step from September 2026: no outcome recorded. The step: “Hold the session”.",
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
    assert v.earlier_steps[0].startswith("Next step from September 2026: ")


def test_a_review_between_meetings_does_not_hide_the_step_it_replaced_nor_the_outcome_just_recorded():
    q = question(
        position("in progress", dt.date(2026, 12, 7), "Report the finance committee's view in March", "not done"),
        position("not started", dt.date(2026, 10, 15), "Ask the ICB for the system financial plan.", "done"),
        position("not started", SEPTEMBER, "Ask the finance committee for a view."),
    )
    assert view(q, SEPTEMBER, ()).earlier_steps == (
        "Next step from September 2026: done. The step: “Ask the finance committee for a view”.",
        "Next step from 15 October 2026: not done. The step: “Ask the ICB for the system financial plan”.",
    )


@pytest.mark.parametrize(
    ("typed", "printed"),
    [
        ("Report the finance committee's view in March", "Report the finance committee's view in March."),
        ("Report in March.", "Report in March."),
        ("Can the ICB say?", "Can the ICB say?"),
        ("Report “in March.”", "Report “in March.”"),
        ("  ", ""),
    ],
)
def test_a_next_step_typed_without_a_full_stop_still_ends_as_a_sentence(typed, printed):
    assert sentence(typed) == printed
    q = question(position("in progress", dt.date(2026, 12, 7), typed))
    assert view(q, SEPTEMBER, ()).next_step == (printed or "None recorded.")


def test_an_owner_typed_with_a_full_stop_does_not_get_a_second_one():
    q = question(
        replace(position("in progress", dt.date(2026, 12, 7)), owner="Director of Finance.", reviewed_by="Board.")
    )
    v = view(q, SEPTEMBER, ())
    assert (v.owner, v.reviewed_by) == ("Director of Finance", "Board")


def test_the_readmes_position_example_reaches_the_pack_with_the_step_it_reports_on(config_dir, tmp_path):
    from tests.pack.test_build import body_text, build

    note = tmp_path / "note.txt"
    note.write_text("The finance committee has the system financial plan.\n", encoding="utf-8")
    result = run(
        "position", "6", "--status", "in progress", "--answer-file", note, "--by", "Finance committee",
        "--next-step", "Report the finance committee's view in March", "--previous-step", "not done",
        "--date", "2026-11-25", "--config", config_dir,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    text = " ".join(body_text(build(config_dir, tmp_path, register=CONFIG / "register.yaml").docx))
    assert (
        "Next step from September 2026: done. The step: “Ask the finance committee for a system-level view of "
        "value for money”." in text
    )
    assert (
        "Next step from 15 October 2026: not done. The step: “Ask the ICB for the system financial plan and "
        "report to governors”." in text
    )
    assert "Next step: Report the finance committee's view in March. Owner: Director of Finance." in text
