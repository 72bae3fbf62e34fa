"""`tracker position`: a new position on a question, the old one kept in its history, the file still a person's."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import run
from tracker.config.positions import record_position
from tracker.config.profiles import QuestionStatus, StepOutcome, load_questions
from tracker.core.errors import ConfigError, RegisterLocked, TrackerError
from tracker.core.files import locked

DAY = dt.date(2026, 11, 25)
NOTE = (
    "The ICB has shared the system financial plan. The finance committee reviewed it on 18 November and will "
    "report to governors on the value the system gets from the money its partners hold together."
)


def test_the_command_records_a_new_position_and_moves_the_old_one_to_the_top_of_its_history(config_dir, tmp_path):
    before = load_questions(config_dir / "questions.yaml").questions[5]
    note = tmp_path / "note.txt"
    note.write_text(NOTE + "\n", encoding="utf-8")
    result = run(
        "position", "6", "--status", "in progress", "--answer-file", note, "--by", "Finance committee",
        "--previous-step", "done", "--next-step", "Report to governors in March.", "--date", "2026-11-25",
        "--config", config_dir,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "question 6 is now in progress (amber), reviewed 25 November 2026 by Finance committee" in result.output
    after = load_questions(config_dir / "questions.yaml").questions[5]
    assert after.position.status == QuestionStatus.IN_PROGRESS and after.position.answer == NOTE
    assert (after.position.reviewed_by, after.position.previous_step) == ("Finance committee", StepOutcome.DONE)
    assert after.position.owner == before.position.owner  # what is not given carries over
    assert after.position.milestones == before.position.milestones
    assert after.history == (before.position, *before.history)  # nothing lost, newest first


def test_the_file_stays_readable_comments_kept_and_the_diff_is_small(config_dir):
    path = config_dir / "questions.yaml"
    before = path.read_text(encoding="utf-8")
    record_position(path, 6, by="Alex Morgan", day=DAY, answer=NOTE)
    after = path.read_text(encoding="utf-8")
    assert after.startswith(before.split("questions:")[0])  # the header comments, untouched
    assert "# The positions below belong to the FICTIONAL example trust" in after
    added = set(after.splitlines()) - set(before.splitlines())
    assert added and max(len(line) for line in added) <= 100  # the new answer is wrapped, as a person writes it
    assert "      answer: >-\n        The ICB has shared the system financial plan." in after
    removed = set(before.splitlines()) - set(after.splitlines())
    assert len(removed) <= 4  # the old position's lines move down into history; they are not rewritten


def test_recording_a_review_with_nothing_changed_clears_the_flag(config_dir):
    q = record_position(config_dir / "questions.yaml", 3, by="Company Secretary", day=DAY)
    assert q.position.status == q.history[0].status and q.position.answer == q.history[0].answer
    assert q.position.last_reviewed == DAY and q.position.reviewed_by == "Company Secretary"


def test_a_position_not_dated_after_the_current_one_is_refused_and_nothing_is_written(config_dir):
    path = config_dir / "questions.yaml"
    before = path.read_bytes()
    with pytest.raises(TrackerError, match="already has a position reviewed on 15 October 2026"):
        record_position(path, 6, by="Alex Morgan", day=dt.date(2026, 10, 15), status=QuestionStatus.ASSURED)
    with pytest.raises(TrackerError, match="there is no question 9"):
        record_position(path, 9, by="Alex Morgan", day=DAY)
    with pytest.raises(TrackerError, match="say who reviewed"):
        record_position(path, 6, by="  ", day=DAY)
    assert path.read_bytes() == before


def test_a_value_the_file_check_refuses_is_one_problem_with_its_field_and_nothing_is_written(config_dir):
    path = config_dir / "questions.yaml"
    before = path.read_bytes()
    with pytest.raises(ConfigError, match=r"questions\[5\]\.position\.owner"):
        record_position(path, 6, by="Alex Morgan", day=DAY, owner="\x00")  # cleans to nothing: owner is required
    assert path.read_bytes() == before


def test_a_held_lock_is_a_clear_error_not_a_lost_write(config_dir):
    path = config_dir / "questions.yaml"
    with locked(path), pytest.raises(RegisterLocked, match="another tracker run is updating"):
        record_position(path, 6, by="Alex Morgan", day=DAY, answer=NOTE, timeout=0.2)


def test_answer_and_answer_file_together_are_refused(config_dir, tmp_path):
    note = tmp_path / "note.txt"
    note.write_text("x", encoding="utf-8")
    result = run("position", "6", "--answer", "y", "--answer-file", note, "--by", "A", "--config", config_dir)
    assert result.exit_code == 2 and "not both" in result.output
