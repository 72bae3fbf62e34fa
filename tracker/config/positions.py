"""Record a new position on one of the eight questions, keeping every earlier one.

`record_position` moves the current position to the top of the question's `history`
and writes the new one in its place, through the locked, comment-keeping atomic write
every hand-edited file gets (core.files.edit_yaml). The whole file is checked before
it is written, so a bad value is one clear sentence and the file is left as it was.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import FoldedScalarString

from tracker.config.profiles import POSITION_KEYS, Question, QuestionStatus, StepOutcome, parse_questions
from tracker.core.dates import day_month_year
from tracker.core.errors import ConfigError, TrackerError
from tracker.core.files import edit_yaml
from tracker.core.schema import Checker
from tracker.core.text import clean

WIDTH = 88  # folded answers wrap here, so the file stays readable in an editor


def record_position(
    path: Path,
    number: int,
    *,
    by: str,
    day: dt.date,
    status: QuestionStatus | None = None,
    answer: str | None = None,
    next_step: str | None = None,
    previous_step: StepOutcome | None = None,
    owner: str | None = None,
    timeout: float = 30.0,
) -> Question:
    """Make a new current position for question `number`, reviewed on `day` by `by`.

    What is not given carries over from the current position (status, answer, owner,
    next step, linked milestones), so recording "reviewed, nothing changed" is one
    command. The old position moves, untouched, to the top of `history`.
    """
    by = clean(by)
    if not by:
        raise TrackerError("position: say who reviewed the position with --by NAME")
    if answer is not None and not clean(answer):
        raise TrackerError("position: the answer is empty; write the trust's position in words")
    with edit_yaml(path, timeout) as doc:
        node = _question(doc.tree, number, path)
        old = node.get("position")
        if not isinstance(old, dict):
            raise TrackerError(f"{path}: question {number} has no current position to build on; add one by hand")
        last = old.get("last_reviewed")
        if isinstance(last, dt.date) and day <= last:
            raise TrackerError(
                f"{path}: question {number} already has a position reviewed on {day_month_year(last)}; a new position "
                f"must be dated later (pass --date), or correct that one by hand"
            )
        new = CommentedMap()
        given: dict[str, Any] = {
            "status": str(status) if status else old.get("status"),
            "answer": _folded(clean(answer)) if answer is not None else old.get("answer"),
            "owner": clean(owner) if owner else old.get("owner"),
            "last_reviewed": day,
            "reviewed_by": by,
            "next_step": clean(next_step) if next_step else old.get("next_step"),
            "previous_step": str(previous_step) if previous_step else None,
            "milestones": _flow(old.get("milestones") or []),
        }
        for key in POSITION_KEYS:
            if given.get(key) is not None:
                new[key] = given[key]
        history = node.get("history")
        if not isinstance(history, CommentedSeq):
            history = CommentedSeq(history or [])
            history.fa.set_block_style()
            keys = list(node)
            node.insert(keys.index("position") + 1 if "position" in keys else len(keys), "history", history)
        history.insert(0, old)
        node["position"] = new
        checker = Checker(str(path))
        parsed = parse_questions(doc.tree, checker)
        if checker.problems:  # raised inside the edit: nothing is written
            raise ConfigError(checker.problems)
    return next(q for q in parsed.questions if q.number == number)


def _question(tree: Any, number: int, path: Path) -> CommentedMap:
    questions = tree.get("questions") if isinstance(tree, dict) else None
    for node in questions if isinstance(questions, list) else []:
        if isinstance(node, CommentedMap) and node.get("number") == number:
            return node
    raise TrackerError(f"{path}: there is no question {number} (the questions are numbered 1 to 8)")


def _folded(text: str) -> FoldedScalarString:
    """Prose written as a folded block (`>-`), wrapped at WIDTH: a person can read and edit it."""
    folded = FoldedScalarString(text)
    positions, at = [], 0
    for line in textwrap.wrap(text, WIDTH, break_long_words=False, break_on_hyphens=False)[:-1]:
        at += len(line)
        positions.append(at)  # the space after this line becomes the line break
        at += 1
    folded.fold_pos = positions
    return folded


def _flow(items: list) -> CommentedSeq:
    seq = CommentedSeq(list(items))
    seq.fa.set_flow_style()
    return seq
