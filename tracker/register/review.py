"""A person decides on what the tracker found: accept applies it, reject keeps it out for good.

Decisions go through `update()`, the same locked, atomic, comment-keeping write as a
tracking run, and are made against the register as it is under the lock (again, on top
of it, if someone saves the file meanwhile).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tracker.core.commands import run_command
from tracker.core.dates import utc_stamp
from tracker.core.errors import TrackerError
from tracker.core.schema import Checker
from tracker.core.text import clean
from tracker.register.edit import retrying, update
from tracker.register.model import Proposal
from tracker.register.parse import parse_register
from tracker.register.proposals import accept, add_proposal, reject, review_queue


@dataclass(frozen=True)
class Decision:
    proposal: Proposal
    accepted: bool


def pick(queue: Sequence[Proposal], ids: Sequence[str]) -> list[Proposal]:
    """The proposals named by id (or an unambiguous start of one), in the order given."""
    chosen = []
    for given in ids:
        hits = [p for p in queue if p.id.startswith(given.strip().lower())] if given.strip() else []
        if len(hits) != 1:
            known = ", ".join(p.id for p in queue) or "none"
            what = "matches more than one proposal" if hits else "is not a proposal waiting for review"
            raise TrackerError(f"{given!r} {what} (waiting: {known}); {run_command('review')} lists them")
        if hits[0] not in chosen:
            chosen.append(hits[0])
    return chosen


def decide(
    register_path: Path,
    ids: Sequence[str],
    *,
    accepted: bool,
    by: str,
    now: dt.datetime,
    everything: bool = False,
    reason: str | None = None,
    lock_timeout: float = 30.0,
) -> list[Decision]:
    """Accept or reject proposals (or every one waiting, with `everything`), in one locked write."""
    by = clean(by)
    if not by:
        raise TrackerError("say who decides with --by NAME")
    if not accepted and not clean(reason):
        raise TrackerError("say why it is rejected with --why TEXT (it is kept with the proposal)")
    if not ids and not everything:
        raise TrackerError(f"name the proposals to decide (their ids, from {run_command('review')}) or pass --all")
    when = utc_stamp(now)

    def transaction() -> list[Proposal]:
        with update(register_path, timeout=lock_timeout) as editor:
            checker = Checker(str(register_path))
            register = parse_register(editor.tree, checker)
            checker.raise_if_problems()
            queue = review_queue(register, now.date(), when)
            chosen = list(queue) if everything else pick(queue, ids)
            stored = {p.id for p in register.proposals}
            for p in chosen:
                if p.id not in stored:  # an overdue milestone: computed, so stored only now that it is decided
                    add_proposal(editor, p)
                if accepted:
                    accept(editor, p, by=by, when=when)
                else:
                    reject(editor, p, by=by, when=when, reason=clean(reason))
        return chosen

    chosen = retrying(transaction)  # a save made meanwhile is decided on, never overwritten
    return [Decision(p, accepted) for p in chosen]
