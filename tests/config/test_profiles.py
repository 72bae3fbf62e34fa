"""The trust profile's meetings as a board paper needs them, and the questions file's position history."""

from __future__ import annotations

import datetime as dt

from tests.config.test_validate import edit, problems
from tests.conftest import run
from tracker.config.profiles import Session, load_questions, load_trust


def test_each_meeting_has_its_time_venue_item_reference_and_presenter_with_defaults(config_dir):
    trust = load_trust(config_dir / "trust.yaml")
    december = trust.meeting(dt.date(2026, 12, 10))
    assert (december.time, december.venue) == ("14:00", "Boardroom, Trust Headquarters (fictional)")
    assert (december.agenda_item, december.paper_reference) == ("9", "CoG/2026/12/09")
    assert december.presenter == "Alex Morgan (fictional), Company Secretary"
    assert december.session is Session.PART_1 and not december.unscheduled
    march = trust.meeting(dt.date(2027, 3, 11))
    assert march.venue == "Committee Room 2, Trust Headquarters (fictional)"  # its own, over the default
    assert trust.meeting(dt.date(2027, 6, 10)).paper_reference is None  # a plain date: the defaults only
    assert trust.meetings[3] == dt.date(2026, 12, 10)  # the dates as before, for every other use


def test_a_part_2_meeting_is_marked_confidential(config_dir):
    t = config_dir / "trust.yaml"
    t.write_text(
        t.read_text()
        .replace("  session: part-1 ", "  session: part-2 ")
        .replace("  protective_marking: OFFICIAL\n", "")
    )
    trust = load_trust(t)
    assert trust.meeting(dt.date(2026, 12, 10)).session is Session.PART_2
    assert trust.marking(Session.PART_2) == "OFFICIAL-SENSITIVE – CONFIDENTIAL, PART 2"
    assert trust.marking(Session.PART_1) == "OFFICIAL-SENSITIVE"


def test_a_bad_meeting_time_or_session_or_a_repeated_date_names_file_line_and_field(config_dir):
    t = config_dir / "trust.yaml"
    time_line = edit(t, 'time: "14:00"', 'time: "2pm"')
    session_line = edit(
        t, "      paper_reference: CoG/2026/12/09", "      paper_reference: CoG/2026/12/09\n      session: part-3"
    )
    repeat_line = edit(t, "    - 2027-06-10", "    - 2026-09-17")
    first = t.read_text(encoding="utf-8").split("\n").index("    - 2026-09-17") + 1
    code, out = problems(config_dir)
    assert code == 2
    assert f"{t}:{time_line}: council_of_governors.time: '2pm' is not a time of day like \"14:00\"" in out
    assert (
        f"{t}:{session_line + 1}: council_of_governors.meetings[3].session: 'part-3' is not one of: part-1, part-2"
        in out
    )
    assert (
        f"{t}:{repeat_line}: council_of_governors.meetings[5]: duplicate meeting date '2026-09-17' (also at line {first})"
        in out
    )


def test_the_history_of_a_position_must_run_newest_first(config_dir):
    q = config_dir / "questions.yaml"
    line = edit(q, "        last_reviewed: 2026-09-17\n        reviewed_by: Council of Governors\n        next_step: Align",
                "        last_reviewed: 2026-11-17\n        reviewed_by: Council of Governors\n        next_step: Align")  # fmt: skip
    code, out = problems(config_dir)
    assert code == 2
    assert (
        f"{q}:{line}: questions[1].history[0].last_reviewed: 2026-11-17 is not before the position above it "
        "(2026-10-15): history lists earlier positions, newest first"
    ) in out


def test_the_shipped_questions_carry_their_history(config_dir):
    questions = load_questions(config_dir / "questions.yaml").questions
    assert sum(len(q.history) for q in questions) >= 8
    q6 = questions[5]
    assert q6.position_at(dt.date(2026, 9, 17)) is q6.history[0]


# -- --meeting names a meeting in trust.yaml ------------------------------------------------


def test_a_meeting_date_not_in_trust_yaml_is_refused_naming_the_nearest(config_dir, tmp_path):
    for command in ("pack", "send", "status"):
        result = run(command, "--meeting", "2026-12-11", "--config", config_dir, "--outputs", tmp_path)
        assert result.exit_code == 2, (command, result.output)
        assert (
            "Friday 11 December 2026 is not a council of governors meeting listed under council_of_governors.meetings; "
            "the nearest are Thursday 10 December 2026 and Thursday 11 March 2027"
        ) in result.output
        assert "--unscheduled" in result.output
    assert not (tmp_path / "packs").exists()


def test_an_extraordinary_meeting_is_built_with_unscheduled_and_then_found_by_send_and_status(config_dir, tmp_path):
    from docx import Document

    result = run("pack", "--meeting", "2027-01-14", "--unscheduled", "--config", config_dir, "--outputs", tmp_path)
    assert result.exit_code == 0, result.output
    texts = [p.text for p in Document(result.output.strip()).paragraphs]
    assert "Extraordinary meeting of the Council of Governors, Thursday 14 January 2027" in texts
    status = run("status", "--meeting", "2027-01-14", "--config", config_dir, "--outputs", tmp_path)
    assert status.exit_code == 0, status.output
    assert "Pack: built, version 1, DRAFT" in status.output
