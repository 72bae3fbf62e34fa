"""`tracker status`: built? approved? sent to whom? failed for whom? not yet sent?"""

from __future__ import annotations

import json

import docx

from tests.conftest import CONFIG, run
from tests.distribution.test_send import ACTIVE, env_for, send
from tests.mailhelpers import MEETING, make_pack


def status(pack_outputs, *extra):
    return run(
        "status", "--config", CONFIG, "--outputs", pack_outputs, "--meeting", MEETING,
        "--governors", CONFIG / "governors.example.yaml", *extra,
    )  # fmt: skip


def test_before_the_pack_is_built(tmp_path):
    result = status(tmp_path)
    assert result.exit_code == 0, result.output
    assert "Pack: not built yet (run `.venv/bin/tracker pack --meeting 2026-12-10`)" in result.output
    assert f"Not yet sent: {len(ACTIVE)} active governors" in result.output


def test_a_draft_that_nobody_has_approved(tmp_path):
    make_pack(tmp_path / "packs", status="DRAFT")
    result = status(tmp_path)
    assert "Pack: built, version 1, DRAFT" in result.output and "Approved: no" in result.output


def test_after_a_partial_send_it_shows_each_governor_once_as_sent_failed_or_not_yet_sent(smtp_server, pack_outputs):
    bad, later = ACTIVE[0], ACTIVE[1]
    smtp_server.handler_obj.permanent.add(bad.email)
    send(pack_outputs, env_for(smtp_server), only=tuple(g.email for g in ACTIVE if g is not later))
    result = status(pack_outputs, "--json")
    data = json.loads(result.stdout)
    assert (data["status"], data["approved_by"], data["approved_at"]) == (
        "FINAL",
        "Alex Morgan",
        "2026-11-28T16:00:00Z",
    )
    assert sorted(s["email"] for s in data["sent"]) == sorted(g.email for g in ACTIVE[2:])
    assert [(f["email"], f["answer"][:3]) for f in data["failed"]] == [(bad.email, "550")]
    assert [n["email"] for n in data["not_yet_sent"]] == [later.email]  # the failed one is listed as failed only

    text = status(pack_outputs).output
    assert "Approved: by Alex Morgan on 28 November 2026 at 16:00" in text
    assert f"Failed (1):\n  {bad.name} <{bad.email}> on 30 November 2026 at 09:00: 550 5.1.1" in text
    assert "`.venv/bin/tracker send --meeting 2026-12-10` tries them again" in text
    assert "Not yet sent (1):" in text
    assert "sent to 2, failed for 1, 1 not yet sent" in status(pack_outputs, "--all-trusts").output


def test_a_new_version_shows_who_had_the_earlier_one_and_a_changed_file_is_flagged(smtp_server, pack_outputs):
    send(pack_outputs, env_for(smtp_server), only=(ACTIVE[0].email,))
    folder = make_pack(pack_outputs / "packs", version=2, text="Revised")
    data = json.loads(status(pack_outputs, "--json").stdout)
    assert data["version"] == 2 and data["sent"] == [] and data["older_versions"] == {"1": 1}

    path = next(folder.glob("*.docx"))
    document = docx.Document(path)
    document.add_paragraph("edited by hand")
    document.save(path)
    assert "WARNING: the .docx has changed since it was approved; it will not be sent" in status(pack_outputs).output


def test_a_hand_edited_draft_is_shown_as_edited_waiting_for_approval(tmp_path):
    outputs = tmp_path / "out"
    folder = make_pack(outputs / "packs", status="DRAFT")
    path = next(folder.glob("*.docx"))
    document = docx.Document(path)
    document.add_paragraph("A chair's note added by hand")
    document.save(path)
    assert "Edited by hand since it was built: approve it to send it as edited" in status(outputs).output


def test_with_no_future_meeting_status_and_send_say_how_to_pass_one(config_dir):
    import re

    trust = config_dir / "trust.yaml"
    trust.write_text(re.sub(r"(  meetings:\n)((    - |      ).*\n)+", r"\1    - 2020-01-09\n", trust.read_text()))
    for command in ("status", "send"):
        result = run(command, "--config", config_dir, "--outputs", config_dir.parent / "outputs")
        assert result.exit_code == 2, result.output
        last = result.output.strip().splitlines()[-1]
        assert re.fullmatch(
            r"Error: .*trust\.yaml: no council of governors meeting on or after \d{4}-\d{2}-\d{2}; add one under council_of_governors\.meetings or pass --meeting YYYY-MM-DD",
            last,
        ), last


def test_a_governor_in_doubt_is_listed_with_what_to_do_and_not_as_not_yet_sent(smtp_server, pack_outputs):
    import pytest

    from tracker.core.errors import TrackerError

    who = ACTIVE[1]
    smtp_server.handler_obj.drop_after_data.add(who.email)
    with pytest.raises(TrackerError):
        send(pack_outputs, env_for(smtp_server))
    data = json.loads(status(pack_outputs, "--json").stdout)
    assert [d["email"] for d in data["in_doubt"]] == [who.email]
    assert who.email not in [n["email"] for n in data["not_yet_sent"]]
    text = status(pack_outputs).output
    assert f"In doubt (1):\n  {who.name} <{who.email}>: handed to the server on" in text
    assert "`.venv/bin/tracker send --meeting 2026-12-10 --mark-sent EMAIL`" in text
    assert "`.venv/bin/tracker send --meeting 2026-12-10 --resend-in-doubt`" in text
