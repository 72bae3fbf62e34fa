"""One way to say a date and its status: what is planned is never reported as done, and says when it is overdue."""

from __future__ import annotations

import datetime as dt

import pytest

from tracker.core.dates import PartialDate
from tracker.register.model import Category, Certainty, Milestone, MilestoneStatus, Progress
from tracker.register.timing import Timing, is_overdue, milestone_words, step_words, timing_words

TODAY = dt.date(2026, 11, 25)
APRIL = PartialDate(2026, 4)


def milestone(status: str, **dates) -> Milestone:
    return Milestone("m", "M", Category.OTHER, MilestoneStatus(status), "S.", **dates)


@pytest.mark.parametrize(
    ("m", "words"),
    [
        (milestone("published", published=PartialDate(2019, 1, 7)), "Published 7 January 2019"),
        (milestone("expected", expected=APRIL), "Expected April 2026: overdue, not yet confirmed"),
        (milestone("expected", expected=PartialDate(2027, 3)), "Expected March 2027"),
        (milestone("expected", expected=PartialDate(2026)), "Expected 2026"),  # the year is not over yet
        (milestone("delayed", expected=PartialDate(2018, 11)), "Was due November 2018"),
        (milestone("superseded", expected=PartialDate(2018, 11)), "Was due November 2018; never published, replaced"),
        (milestone("superseded", published=PartialDate(2025, 1, 30)), "Published 30 January 2025"),
        (milestone("expected"), "Date not known"),
    ],
)
def test_a_milestone_is_said_at_its_own_precision_and_an_unconfirmed_past_date_is_overdue(m, words):
    assert milestone_words(m, TODAY) == words


def test_a_date_is_overdue_only_once_all_of_it_has_passed():
    assert not is_overdue(APRIL, Timing.PLANNED, dt.date(2026, 4, 30))
    assert is_overdue(APRIL, Timing.PLANNED, dt.date(2026, 5, 1))
    assert not is_overdue(APRIL, Timing.DONE, dt.date(2027, 1, 1))  # done is never overdue


def test_a_bill_shows_its_latest_sourced_stage():
    bill = Milestone(
        "b", "Bill", Category.LEGISLATION, MilestoneStatus.PUBLISHED, "S.", published=PartialDate(2026, 5),
        stages=(Progress(PartialDate(2026, 5), "Introduced"), Progress(PartialDate(2026, 6, 25), "Committee")),
    )  # fmt: skip
    assert milestone_words(bill, TODAY) == "Published May 2026; latest stage, 25 June 2026: Committee"
    pending = Milestone("b", "Bill", Category.LEGISLATION, MilestoneStatus.EXPECTED, "S.", stages=bill.stages)
    assert milestone_words(pending, TODAY) == "In progress; latest stage, 25 June 2026: Committee"  # not yet law


def test_a_footprint_step_reads_as_a_date_or_as_planned():
    day = PartialDate(2026, 4, 1)
    assert step_words(day, Certainty.CONFIRMED, TODAY) == "1 April 2026"
    assert step_words(day, Certainty.PLANNED, dt.date(2026, 1, 10)) == "Planned for 1 April 2026"
    assert step_words(day, Certainty.PLANNED, TODAY) == "Planned for 1 April 2026: overdue, not yet confirmed"
    assert timing_words(None, Timing.REPLACED, TODAY) == "Replaced before it was published"
