"""How a dated step is said to a reader, at the precision its source gives.

One function, `timing_words`, says it wherever a date and its status are printed: the
tracker table, "Our system", the front sheet and the timeline table. What was announced
for a date that has passed, with no source yet confirming it, is said to be overdue and
not yet confirmed: never reported as done, and never left silently "expected".
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from tracker.core.dates import PartialDate
from tracker.register.model import Certainty, Milestone, MilestoneStatus

OVERDUE = "overdue, not yet confirmed"


class Timing(StrEnum):
    DONE = "done"  # published, or confirmed by a source
    PLANNED = "planned"  # announced for a date; no source yet shows it happened
    DELAYED = "delayed"  # a person has recorded that it is late
    REPLACED = "replaced"  # replaced before it ever came out
    WITHDRAWN = "withdrawn"


def is_overdue(date: PartialDate | None, timing: Timing, today: dt.date) -> bool:
    """Planned for a date that has wholly passed (all of April 2026, for "April 2026")."""
    return timing == Timing.PLANNED and date is not None and date.last_day() < today


def timing_words(
    date: PartialDate | None, timing: Timing, today: dt.date, *, done: str = "Published", planned: str = "Expected"
) -> str:
    """'Published 7 January 2019', 'Expected April 2026: overdue, not yet confirmed', 'Was due November 2018'.

    `done` and `planned` are the words before the date ("" for done prints the date alone).
    """
    if date is None:
        return {Timing.WITHDRAWN: "Withdrawn", Timing.REPLACED: "Replaced before it was published"}.get(
            timing, "Date not known"
        )
    when = date.human()
    if timing == Timing.DONE:
        return f"{done} {when}".strip()
    if timing == Timing.DELAYED:
        return f"Was due {when}"
    if timing == Timing.REPLACED:
        return f"Was due {when}; never published, replaced"
    if timing == Timing.WITHDRAWN:
        return f"Withdrawn ({when})"
    if is_overdue(date, timing, today):
        return f"{planned} {when}: {OVERDUE}"
    return f"{planned} {when}"


def milestone_timing(m: Milestone) -> tuple[PartialDate | None, Timing]:
    """The date a reader cares about for a milestone, and what kind of date it is."""
    if m.status == MilestoneStatus.WITHDRAWN:
        return m.published or m.expected, Timing.WITHDRAWN
    if m.status in (MilestoneStatus.PUBLISHED, MilestoneStatus.SUPERSEDED) and m.published:
        return m.published, Timing.DONE
    if m.status == MilestoneStatus.SUPERSEDED:
        return m.expected, Timing.REPLACED
    if m.status == MilestoneStatus.DELAYED:
        return m.expected, Timing.DELAYED
    return m.expected, Timing.PLANNED


def milestone_words(m: Milestone, today: dt.date) -> str:
    """A milestone's date and status in words, with its latest sourced stage if it has stages."""
    date, timing = milestone_timing(m)
    text = (
        "In progress" if date is None and m.stages and timing == Timing.PLANNED else timing_words(date, timing, today)
    )
    if m.stages:
        latest = m.stages[-1]
        text += f"; latest stage, {latest.date.human()}: {latest.what}"
    return text


def step_timing(status: Certainty) -> Timing:
    return Timing.DONE if status == Certainty.CONFIRMED else Timing.PLANNED


def step_words(date: PartialDate, status: Certainty, today: dt.date) -> str:
    """A designation's or footprint change's date: '1 July 2022', or 'Planned for 1 April 2026: overdue, ...'."""
    return timing_words(date, step_timing(status), today, done="", planned="Planned for")
