"""Sending the pack to governors through a real SMTP server on 127.0.0.1.

Each test builds a real .docx pack with a manifest, runs the same `send_pack` that
`tracker send` and the flow use, and reads what the server received.
"""

from __future__ import annotations

import io
import json
import re
import shutil

import docx
import pytest

from tests.conftest import CONFIG
from tests.mailhelpers import MEETING, NOW, make_pack
from tracker.config.governors import load_governors
from tracker.config.workspace import Workspace
from tracker.core.dates import FixedClock
from tracker.core.errors import TrackerError
from tracker.core.files import sha256_file
from tracker.distribution.delivery import read_log
from tracker.distribution.send import send_pack

GOVERNORS = load_governors(CONFIG / "governors.example.yaml")
ACTIVE = [g for g in GOVERNORS if g.active]
INACTIVE = [g for g in GOVERNORS if not g.active]


def env_for(server, **extra) -> dict[str, str]:
    return {
        "TRACKER_SMTP_HOST": server.hostname,
        "TRACKER_SMTP_PORT": str(server.port),
        "TRACKER_SMTP_SECURITY": "none",
        **extra,
    }


def send(pack_outputs, env, governors_file=CONFIG / "governors.example.yaml", **kw):
    kw.setdefault("sleep", lambda seconds: None)
    ws = Workspace(CONFIG, pack_outputs, env=env, clock=FixedClock(NOW)).with_overrides(governors=governors_file)
    return send_pack(ws, meeting=MEETING, **kw)


def log(pack_outputs):
    return read_log(Workspace(CONFIG, pack_outputs).delivery_log(MEETING))


def attachment(message):
    (part,) = list(message.iter_attachments())
    return part


def test_every_active_governor_gets_exactly_one_message_addressed_only_to_them(smtp_server, pack_outputs):
    report = send(pack_outputs, env_for(smtp_server))
    handler = smtp_server.handler_obj
    assert len(handler.received) == len(ACTIVE) == report.count("sent")
    pack = pack_outputs / "packs" / MEETING.isoformat()
    for g in ACTIVE:
        (got,) = handler.to(g.email)
        assert got.rcpt_tos == [g.email]
        msg = got.message
        assert msg["To"].addresses[0].addr_spec == g.email and len(msg["To"].addresses) == 1
        assert msg["Cc"] is None and msg["Bcc"] is None
        assert "Fernbrook NHS Foundation Trust" in msg["Subject"] and "10 December 2026" in msg["Subject"]
        part = attachment(msg)
        if g.format == "docx":
            assert part.get_content_type() == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            opened = docx.Document(io.BytesIO(part.get_content()))
            assert opened.paragraphs[0].text == "Council of governors briefing"
        else:
            assert part.get_content_type() == "application/pdf"
            assert part.get_content().startswith(b"%PDF")
    assert not handler.to(INACTIVE[0].email)
    sha = sha256_file(next(pack.glob("*.docx")))
    assert {(r.email, r.status) for r in log(pack_outputs)} == {(g.email, "sent") for g in ACTIVE} | {
        (INACTIVE[0].email, "skipped")
    }
    assert all(r.sha256 == sha for r in log(pack_outputs))


def test_the_body_says_what_is_in_the_pack_what_changed_and_how_long_it_takes(smtp_server, pack_outputs):
    send(pack_outputs, env_for(smtp_server), only=(ACTIVE[0].email,))
    msg = smtp_server.handler_obj.received[0].message
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert f"Dear {ACTIVE[0].name}," in text
    assert "Thursday 10 December 2026" in text
    assert "Thursday 17 September 2026" in text  # since the last meeting
    assert "41 national policy milestones tracked (8 expected, 3 delayed, 30 published)" in text
    assert "2 October 2026: Planning guidance <2027/28> published <https://www.england.nhs.uk/x/>" in text
    assert "Reading time: about 25 minutes." in text
    assert "dhsc-news" in text
    assert "Version 1, approved by Alex Morgan." in text
    # HTML: everything escaped, only web links become links.
    assert "Planning guidance &lt;2027/28&gt; published" in html
    assert 'href="https://www.england.nhs.uk/x/"' in html
    assert "javascript:" not in html


@pytest.mark.slow
def test_pdf_is_made_with_libreoffice_when_the_pack_has_none(smtp_server, tmp_path):
    pack_outputs = tmp_path / "out"
    make_pack(pack_outputs / "packs", with_pdf=False)
    pdf_reader = [g for g in ACTIVE if g.format == "pdf"][0]
    send(pack_outputs, env_for(smtp_server), only=(pdf_reader.email,))
    (got,) = smtp_server.handler_obj.to(pdf_reader.email)
    part = attachment(got.message)
    assert part.get_filename() == f"fernbrook-governors-briefing-{MEETING}.pdf"
    assert part.get_content().startswith(b"%PDF")
    assert (pack_outputs / "packs" / MEETING.isoformat() / part.get_filename()).exists()


@pytest.mark.slow
def test_a_pdf_made_at_send_time_is_as_complete_as_pack_pdf_and_recorded_in_the_manifest(
    smtp_server, config_dir, tmp_path
):
    import re
    import subprocess

    from tests.pack.test_build import build
    from tracker.pack.approve import approve
    from tracker.pack.manifest import Manifest

    out = tmp_path / "out"
    draft = build(config_dir, out, register=config_dir / "register.yaml")
    approve(draft.docx, "Alex Morgan", NOW)
    approved = sha256_file(draft.docx)
    pdf_reader = [g for g in ACTIVE if g.format == "pdf"][0]
    send(out, env_for(smtp_server), only=(pdf_reader.email,))
    part = attachment(smtp_server.handler_obj.to(pdf_reader.email)[0].message)
    folder = draft.docx.parent
    manifest = Manifest.read(folder)
    assert manifest.pdf == part.get_filename() and manifest.pdf_sha256 == sha256_file(folder / manifest.pdf)
    assert manifest.pages["main_body"] <= 12 and manifest.pages["total"] > manifest.pages["main_body"]
    assert sha256_file(draft.docx) == approved == manifest.sha256  # the approved .docx is untouched
    text = subprocess.run(["pdftotext", str(folder / manifest.pdf), "-"], capture_output=True, text=True).stdout
    contents = text.split("\f")[0].split("Contents", 1)[1]
    assert re.search(r"The eight questions\.{3,} ?\d+", contents)  # numbered, as `tracker pack --pdf` numbers it
    assert "FINAL" in text and "DRAFT" not in text


def test_without_libreoffice_pdf_readers_fail_with_the_reason_and_the_others_still_get_theirs(
    smtp_server, tmp_path, monkeypatch
):
    pack_outputs = tmp_path / "out"
    make_pack(pack_outputs / "packs", with_pdf=False)
    monkeypatch.setenv("PATH", str(tmp_path / "no-programs-here"))
    report = send(pack_outputs, env_for(smtp_server))
    failed = {r.email: r.detail for r in report.failed}
    assert set(failed) == {g.email for g in ACTIVE if g.format == "pdf"}
    assert all("LibreOffice (soffice) is not installed" in why for why in failed.values())
    assert len(smtp_server.handler_obj.received) == len([g for g in ACTIVE if g.format == "docx"])


def test_a_pack_with_its_pdf_sends_that_pdf(smtp_server, pack_outputs):
    pdf_reader = [g for g in ACTIVE if g.format == "pdf"][0]
    send(pack_outputs, env_for(smtp_server), only=(pdf_reader.email,))
    body = attachment(smtp_server.handler_obj.received[0].message).get_content()
    assert body.startswith(b"%PDF-1.4\n% a tiny stand-in PDF made by the test")


def test_server_down_is_a_clear_error_and_nothing_is_marked_sent(pack_outputs):
    from tests.mailhelpers import free_port

    env = {"TRACKER_SMTP_HOST": "127.0.0.1", "TRACKER_SMTP_PORT": str(free_port()), "TRACKER_SMTP_SECURITY": "none"}
    with pytest.raises(
        TrackerError,
        match=r"cannot reach the SMTP server 127\.0\.0\.1:\d+ \(none\) \(connection refused\), so nothing was sent",
    ):
        send(pack_outputs, env)
    assert log(pack_outputs) == []


def test_a_temporary_refusal_is_retried_with_backoff_then_delivered(smtp_server, pack_outputs):
    target = ACTIVE[1].email
    smtp_server.handler_obj.temporary[target] = 2
    slept = []
    report = send(pack_outputs, env_for(smtp_server), sleep=slept.append, only=(target,))
    assert slept == [2.0, 10.0]
    assert smtp_server.handler_obj.rcpt_attempts[target] == 3
    assert len(smtp_server.handler_obj.to(target)) == 1
    (record,) = log(pack_outputs)
    assert (record.status, record.attempts) == ("sent", 3)
    assert record.answer.startswith("250 2.0.0 Ok: queued as")
    assert report.count("sent") == 1


def test_a_permanent_refusal_for_one_is_reported_and_the_others_still_receive(smtp_server, pack_outputs):
    bad = ACTIVE[2].email
    smtp_server.handler_obj.permanent.add(bad)
    report = send(pack_outputs, env_for(smtp_server))
    assert [(r.email, r.detail) for r in report.failed] == [(bad, f"550 5.1.1 <{bad}>: mailbox unavailable")]
    assert {e for r in smtp_server.handler_obj.received for e in r.rcpt_tos} == {g.email for g in ACTIVE} - {bad}
    assert smtp_server.handler_obj.rcpt_attempts[bad] == 1  # a 5xx is not retried
    assert {r.email: r.status for r in log(pack_outputs)}[bad] == "failed"


def test_a_rerun_after_a_partial_failure_sends_only_to_those_not_yet_sent(smtp_server, pack_outputs):
    bad = ACTIVE[0].email
    smtp_server.handler_obj.permanent.add(bad)
    send(pack_outputs, env_for(smtp_server))
    smtp_server.handler_obj.permanent.clear()
    smtp_server.handler_obj.received.clear()

    report = send(pack_outputs, env_for(smtp_server))
    assert [r.rcpt_tos for r in smtp_server.handler_obj.received] == [[bad]]
    assert report.count("already sent") == len(ACTIVE) - 1

    smtp_server.handler_obj.received.clear()
    send(pack_outputs, env_for(smtp_server))  # a third run sends nothing at all
    assert smtp_server.handler_obj.received == []
    assert all(r.sends == 1 for r in log(pack_outputs) if r.status == "sent")


def test_resend_sends_the_same_version_again_and_counts_it(smtp_server, pack_outputs):
    who = ACTIVE[0].email
    send(pack_outputs, env_for(smtp_server), only=(who,))
    send(pack_outputs, env_for(smtp_server), only=(who,), resend=True)
    assert len(smtp_server.handler_obj.to(who)) == 2
    (record,) = [r for r in log(pack_outputs) if r.email == who]
    assert record.sends == 2


def test_a_failed_resend_leaves_the_governor_failed_and_the_next_send_tries_them_again(smtp_server, pack_outputs):
    tom = next(g for g in ACTIVE if g.name == "Tom Sample")
    send(pack_outputs, env_for(smtp_server))
    smtp_server.handler_obj.permanent.add(tom.email)  # his mailbox now refuses: 550
    report = send(pack_outputs, env_for(smtp_server), resend=True)
    assert [(r.email, r.status) for r in report.failed] == [(tom.email, "failed")]
    (record,) = [r for r in log(pack_outputs) if r.email == tom.email]
    assert (record.status, record.sends, record.sent_at) == ("failed", 1, "2026-11-30T09:00:00Z")

    smtp_server.handler_obj.permanent.clear()
    smtp_server.handler_obj.received.clear()
    again = send(pack_outputs, env_for(smtp_server))  # what the error told the secretary to run
    assert [r.rcpt_tos for r in smtp_server.handler_obj.received] == [[tom.email]]
    assert {r.email: r.status for r in again.results}[tom.email] == "sent"
    assert again.count("already sent") == len(ACTIVE) - 1
    smtp_server.handler_obj.received.clear()
    send(pack_outputs, env_for(smtp_server))
    assert smtp_server.handler_obj.received == []  # and then nobody is sent it again


def test_the_first_version_governors_receive_says_nothing_of_drafts_they_never_had(smtp_server, tmp_path):
    outputs = tmp_path / "outputs"
    make_pack(outputs / "packs", version=4, replaces=3)  # versions 1 to 3 were drafts nobody was sent
    first, later = ACTIVE[0], ACTIVE[1]
    send(outputs, env_for(smtp_server), only=(first.email,))
    (got,) = smtp_server.handler_obj.to(first.email)
    assert got.message["Subject"].startswith("Fernbrook NHS Foundation Trust (fictional example): council of")
    assert got.message.get_body(("plain",)).get_content().startswith(f"Dear {first.name},")
    assert "replaces" not in got.message.get_body(("html",)).get_content()

    make_pack(outputs / "packs", version=5, replaces=4, text="Revised briefing")
    send(outputs, env_for(smtp_server), only=(first.email, later.email))
    had_4 = smtp_server.handler_obj.to(first.email)[1].message
    assert had_4["Subject"].startswith("Version 5, replaces version 4: ")
    first_line = had_4.get_body(("plain",)).get_content().splitlines()[0]
    assert first_line.startswith("This is version 5 of the pack and replaces version 4, which you were sent on 30 Nov")
    (new_to_it,) = smtp_server.handler_obj.to(later.email)  # never had version 4, but it went to governors
    assert new_to_it.message["Subject"].startswith("Version 5, replaces version 4: ")
    first_line = new_to_it.message.get_body(("plain",)).get_content().splitlines()[0]
    assert first_line == "This is version 5 of the pack and replaces version 4."


def test_a_new_version_is_a_new_set_of_records(smtp_server, pack_outputs):
    who = ACTIVE[0].email
    send(pack_outputs, env_for(smtp_server), only=(who,))
    make_pack(pack_outputs / "packs", version=2, text="Revised briefing")
    send(pack_outputs, env_for(smtp_server), only=(who,))
    assert len(smtp_server.handler_obj.to(who)) == 2
    assert sorted(r.version for r in log(pack_outputs)) == [1, 2]
    second = smtp_server.handler_obj.to(who)[1].message
    assert second["Subject"].startswith("Version 2, replaces version 1: ")
    first_line = second.get_body(("plain",)).get_content().splitlines()[0]
    assert (
        first_line
        == "This is version 2 of the pack and replaces version 1, which you were sent on 30 November 2026. Please read this one instead."
    )


def test_a_draft_is_refused_without_allow_draft(smtp_server, tmp_path):
    pack_outputs = tmp_path / "out"
    make_pack(pack_outputs / "packs", status="DRAFT")
    with pytest.raises(TrackerError, match="is a DRAFT that nobody has approved, so it will not be sent"):
        send(pack_outputs, env_for(smtp_server))
    assert smtp_server.handler_obj.received == [] and log(pack_outputs) == []

    send(pack_outputs, env_for(smtp_server), allow_draft=True, only=(ACTIVE[0].email,))
    assert smtp_server.handler_obj.received[0].message["Subject"].startswith("DRAFT: ")


def test_a_pack_changed_after_approval_is_refused_in_one_sentence(smtp_server, pack_outputs):
    pack = next((pack_outputs / "packs" / MEETING.isoformat()).glob("*.docx"))
    document = docx.Document(pack)
    document.add_paragraph("An edit made after approval.")
    document.save(pack)
    with pytest.raises(TrackerError) as caught:
        send(pack_outputs, env_for(smtp_server))
    assert "has changed since the pack was built or approved" in str(caught.value)
    assert smtp_server.handler_obj.received == []


def test_only_names_must_be_governors(smtp_server, pack_outputs):
    with pytest.raises(TrackerError, match="stranger@example.org is not in the governors file"):
        send(pack_outputs, env_for(smtp_server), only=("stranger@example.org",))


def test_without_smtp_settings_it_is_a_dry_run_writing_eml_files(pack_outputs):
    report = send(pack_outputs, {})
    assert report.dry_run and "SMTP is not configured" in report.notes[0]
    files = sorted((pack_outputs / "outbox" / MEETING.isoformat()).glob("*.eml"))
    assert len(files) == len(ACTIVE) == report.count("written")
    assert log(pack_outputs) == []  # nothing was sent, so nothing is recorded
    from email import message_from_bytes, policy

    msg = message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert msg["To"].addresses[0].addr_spec in {g.email for g in ACTIVE}
    assert attachment(msg).get_filename().startswith("fernbrook-governors-briefing-2026-12-10.")


def test_the_send_command_reports_and_exits_2_when_someone_was_not_reached(smtp_server, pack_outputs, monkeypatch):
    from tests.conftest import run

    for key, value in env_for(smtp_server).items():
        monkeypatch.setenv(key, value)
    smtp_server.handler_obj.permanent.add(ACTIVE[0].email)
    result = run(
        "send", "--config", CONFIG, "--outputs", pack_outputs, "--meeting", MEETING,
        "--governors", CONFIG / "governors.example.yaml", "--json",
    )  # fmt: skip
    assert result.exit_code == 2
    data = json.loads(result.stdout)
    assert {r["email"]: r["status"] for r in data["results"]}[ACTIVE[0].email] == "failed"
    assert "1 governor did not get the pack" in result.stderr
    assert "Traceback" not in result.output


def test_after_a_failed_resend_the_send_command_status_and_a_rerun_agree(smtp_server, pack_outputs, monkeypatch):
    """The README's sequence: --resend refused for Tom; the error, the status and the advice all hold."""
    from tests.conftest import run

    for key, value in env_for(smtp_server).items():
        monkeypatch.setenv(key, value)
    tom = next(g for g in ACTIVE if g.name == "Tom Sample")
    where = ("--config", CONFIG, "--outputs", pack_outputs, "--meeting", MEETING)
    governors = ("--governors", CONFIG / "governors.example.yaml")
    assert run("send", *where, *governors).exit_code == 0
    smtp_server.handler_obj.permanent.add(tom.email)
    resend = run("send", *where, *governors, "--resend")
    assert resend.exit_code == 2
    advice = "run `.venv/bin/tracker send --meeting 2026-12-10` again to retry them"
    assert resend.stderr.strip().endswith(f"1 governor did not get the pack (see above); {advice}")

    shown = run("status", *where, *governors).output
    assert f"Sent ({len(ACTIVE) - 1}):" in shown and tom.email not in shown.split("Failed (1):")[0]
    failed = shown.split("Failed (1):\n", 1)[1].splitlines()[0]  # the command runs on today's clock
    assert re.fullmatch(
        rf"  {tom.name} <{tom.email}> on .+: 550 5\.1\.1 .+ \(this version was accepted for them on .+, but the"
        r" latest attempt failed\)",
        failed,
    ), failed

    smtp_server.handler_obj.permanent.clear()
    again = run("send", *where, *governors, "--json")  # the advice, followed
    assert again.exit_code == 0, again.output
    assert {r["email"]: r["status"] for r in json.loads(again.stdout)["results"]}[tom.email] == "sent"
    shown = run("status", *where, *governors).output
    assert f"Sent ({len(ACTIVE)}):" in shown and "Failed (0):" in shown


def test_sending_for_a_meeting_with_no_pack_names_the_command_that_builds_that_meetings_pack(tmp_path):
    from tests.conftest import run

    result = run("send", "--config", CONFIG, "--outputs", tmp_path, "--meeting", "2027-03-11", "--dry-run")
    assert result.exit_code == 2
    assert result.stderr.strip().endswith(
        "not found): build it with `.venv/bin/tracker pack --meeting 2027-03-11` first"
    ), result.stderr
    assert "make pack" not in result.output and "Traceback" not in result.output


def send_as_trust(name: str, smtp_server, pack_outputs) -> list:
    """Send the pack after its manifest's trust name was edited to `name`; what the server got."""
    manifest_path = pack_outputs / "packs" / MEETING.isoformat() / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["trust_name"] = name
    manifest_path.write_text(json.dumps(manifest))
    send(pack_outputs, env_for(smtp_server))
    return smtp_server.handler_obj.received


def test_a_line_break_in_the_subject_cannot_add_a_header_or_a_recipient(smtp_server, pack_outputs):
    received = send_as_trust("Fernbrook\r\nBcc: spy@evil.example", smtp_server, pack_outputs)
    assert len(received) == len(ACTIVE)
    for got in received:
        assert len(got.rcpt_tos) == 1 and "spy@evil.example" not in got.rcpt_tos
        assert got.message["Bcc"] is None
        assert got.message["Subject"].startswith("Fernbrook Bcc: spy@evil.example: council of governors")


def test_a_governors_file_with_a_line_break_in_a_name_stops_the_send_naming_the_line(
    smtp_server, pack_outputs, tmp_path
):
    path = tmp_path / "governors.yaml"
    path.write_text(
        'governors:\n  - name: "Eve\\nBcc: all@example.org"\n    email: eve@example.org\n    type: public\n'
    )
    with pytest.raises(TrackerError, match=r"governors\.yaml:2: governors\[0\]\.name: must be one line"):
        send(pack_outputs, env_for(smtp_server), governors_file=path)
    assert smtp_server.handler_obj.received == []


def test_the_example_governors_file_is_used_with_a_warning_on_stderr(pack_outputs, tmp_path):
    from tests.conftest import run

    config = tmp_path / "config"
    config.mkdir()
    for name in ("trust.yaml", "governors.example.yaml"):
        (config / name).write_text((CONFIG / name).read_text())
    result = run("send", "--config", config, "--outputs", pack_outputs, "--meeting", MEETING, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "governors.yaml not found: using the fictional" in result.stderr
    assert f"{len(ACTIVE)} written, 1 skipped" in result.stdout


def test_a_connection_lost_mid_run_keeps_the_sends_already_accepted_and_a_rerun_finishes(smtp_server, pack_outputs):
    first, second = ACTIVE[0].email, ACTIVE[1].email
    smtp_server.handler_obj.hang_up.add(second)
    with pytest.raises(TrackerError, match=f"lost the connection to the SMTP server .* while sending to {second}"):
        send(pack_outputs, env_for(smtp_server))
    assert [(r.email, r.status) for r in log(pack_outputs) if r.status == "sent"] == [(first, "sent")]

    smtp_server.handler_obj.hang_up.clear()
    send(pack_outputs, env_for(smtp_server))
    assert sorted(e for r in smtp_server.handler_obj.received for e in r.rcpt_tos) == sorted(g.email for g in ACTIVE)


def test_a_dry_run_needs_no_password_but_a_real_send_does(pack_outputs):
    env = {"TRACKER_SMTP_HOST": "smtp.example.org", "TRACKER_SMTP_USER": "governors-pack"}
    assert send(pack_outputs, env, dry_run=True).count("written") == len(ACTIVE)
    with pytest.raises(TrackerError, match="TRACKER_SMTP_PASSWORD is not: set it in the environment"):
        send(pack_outputs, env)
    assert log(pack_outputs) == []


# -- many trusts: one trust's pack never reaches another trust's governors ----------


@pytest.fixture
def two_trusts(config_dir, tmp_path):
    """A deployment serving alder and birch (two governors each), each with an approved pack for MEETING."""
    from tests.conftest import add_trust, run

    add_trust(config_dir, "alder")
    add_trust(config_dir, "birch")
    outputs = tmp_path / "outputs"
    built = run("pack", "--all-trusts", "--config", config_dir, "--outputs", outputs, "--meeting", MEETING)
    assert built.exit_code == 0, built.output
    for name in ("alder", "birch"):
        approved = run(
            "approve", "--trust", name, "--meeting", MEETING, "--by", f"{name} secretary",
            "--config", config_dir, "--outputs", outputs,
        )  # fmt: skip
        assert approved.exit_code == 0, approved.output
    return config_dir, outputs


def send_as(two_trusts, trust: str, *extra):
    """`tracker send --trust TRUST` as a user types it (SMTP settings from the environment)."""
    from tests.conftest import run

    config, outputs = two_trusts
    return run("send", "--trust", trust, "--config", config, "--outputs", outputs, "--meeting", MEETING, *extra)


@pytest.fixture
def smtp_env(smtp_server, monkeypatch):
    for key, value in env_for(smtp_server).items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("TRACKER_SMTP_USER", raising=False)
    monkeypatch.delenv("TRACKER_SMTP_FROM", raising=False)
    return smtp_server


def test_a_trusts_pack_goes_to_its_own_governors_only_from_and_signed_by_its_own_secretary(two_trusts, smtp_env):
    result = send_as(two_trusts, "alder")
    assert result.exit_code == 0, result.output
    received = smtp_env.handler_obj.received
    assert sorted(e for r in received for e in r.rcpt_tos) == [
        "governor1@alder.example.org",
        "governor2@alder.example.org",
    ]
    for got in received:
        msg = got.message
        assert got.mail_from == "secretary@alder.example.org"
        assert msg["From"].addresses[0].display_name == "Alder Secretary"
        assert "Alder NHS Trust" in msg["Subject"]
        assert "Alder Secretary\r\nCompany secretary, Alder NHS Trust" in msg.get_body(("plain",)).get_content()
        assert attachment(msg).get_filename().startswith("alder-governors-briefing-")
    _, outputs = two_trusts
    assert (outputs / "trusts/alder/deliveries" / f"{MEETING}.json").is_file()
    assert not (outputs / "trusts/birch/deliveries").exists() and not (outputs / "deliveries").exists()


def copy_pack(outputs, source: str, target: str) -> None:
    """Someone copies one trust's pack folder over another's (the files and their manifest)."""
    folder = outputs / "trusts" / target / "packs" / MEETING.isoformat()
    shutil.rmtree(folder)
    shutil.copytree(outputs / "trusts" / source / "packs" / MEETING.isoformat(), folder)


@pytest.mark.parametrize(("source", "target"), [("alder", "birch"), ("birch", "alder")])
def test_a_pack_of_another_trust_in_a_trusts_folder_is_refused_and_nothing_is_sent(
    two_trusts, smtp_env, source, target
):
    _, outputs = two_trusts
    copy_pack(outputs, source, target)
    for extra in ((), ("--dry-run",), ("--allow-draft", "--resend")):
        result = send_as(two_trusts, target, *extra)
        assert result.exit_code == 2
        assert f"this pack is {source.title()} NHS Trust's ('{source}'), not {target.title()} NHS Trust's" in (
            result.stderr
        )
    assert smtp_env.handler_obj.received == []
    assert not (outputs / "trusts" / target / "deliveries").exists()
    assert not list((outputs / "trusts" / target).glob("outbox/*/*.eml"))


def test_pointing_send_at_another_trusts_packs_folder_is_refused(two_trusts, smtp_env):
    _, outputs = two_trusts
    result = send_as(two_trusts, "birch", "--packs", outputs / "trusts/alder/packs")
    assert result.exit_code == 2 and "this pack is Alder NHS Trust's ('alder'), not Birch NHS Trust's" in result.stderr
    assert smtp_env.handler_obj.received == []


def test_pointing_send_at_another_trusts_governors_list_is_refused(two_trusts, smtp_env):
    config, _ = two_trusts
    result = send_as(two_trusts, "birch", "--governors", config / "trusts/alder.governors.yaml")
    assert result.exit_code == 2
    assert "trust: 'alder' is another trust: this file is where 'birch''s governors are read from" in result.stderr
    assert smtp_env.handler_obj.received == []


def test_the_single_trust_send_refuses_another_trusts_pack(two_trusts, smtp_env):
    """The report that opened the issue: `tracker send --packs outputs/packs/oakdale` from the
    single-trust config sent Oakdale's pack to Fernbrook's governors. Now it is refused."""
    from tests.conftest import run

    config, outputs = two_trusts
    single = config.parent / "single"
    single.mkdir()
    for name in ("trust.yaml", "governors.example.yaml"):
        shutil.copy(config / name, single / name)
    result = run(
        "send",
        "--config",
        single,
        "--outputs",
        outputs,
        "--meeting",
        MEETING,
        "--packs",
        outputs / "trusts/alder/packs",
    )
    assert result.exit_code == 2
    assert "this pack is Alder NHS Trust's ('alder'), not Fernbrook NHS Foundation Trust (fictional example)'s" in (
        result.stderr
    )
    assert smtp_env.handler_obj.received == []


def test_distribute_refuses_a_pack_the_governors_list_does_not_belong_to(pack_outputs, tmp_path):
    """The check is in the core (`distribute`), so every way of sending has it, flows included."""
    from tracker.config.governors import GovernorList
    from tracker.config.profiles import load_trust
    from tracker.distribution.message import address
    from tracker.distribution.send import distribute
    from tracker.distribution.transport import OutboxTransport
    from tracker.pack.manifest import Manifest

    pack = Manifest.for_meeting(pack_outputs / "packs", MEETING)  # fernbrook's
    trust = load_trust(CONFIG / "trust.yaml")
    others = GovernorList("oakdale", GOVERNORS.governors, tmp_path / "oakdale.governors.yaml")
    with pytest.raises(TrackerError, match=r"these are 'oakdale''s governors and the pack is 'fernbrook''s"):
        distribute(
            pack, others, trust=trust, transport=OutboxTransport(tmp_path / "outbox"), log_file=tmp_path / "log.json",
            now=lambda: NOW, sender=address("A", "a@example.org"), dry_run=True,
        )  # fmt: skip
    assert not (tmp_path / "outbox").exists() and not (tmp_path / "log.json").exists()


def test_an_encoded_word_in_the_trust_name_reaches_no_one_but_the_governor(smtp_server, pack_outputs):
    received = send_as_trust("=?utf-8?q?Fernbrook=0D=0ABcc=3A_spy=40evil.example?=", smtp_server, pack_outputs)
    assert len(received) == len(ACTIVE)
    for got in received:
        assert len(got.rcpt_tos) == 1 and "spy@evil.example" not in got.rcpt_tos
        headers = got.data.split(b"\r\n\r\n", 1)[0]
        assert b"\nBcc:" not in headers and got.message["Bcc"] is None


# -- a message the server may have accepted, with no answer recorded: "in doubt" --------


def test_a_message_handed_over_without_an_answer_is_in_doubt_and_never_resent_silently(smtp_server, pack_outputs):
    first, second = ACTIVE[0].email, ACTIVE[1].email
    smtp_server.handler_obj.drop_after_data.add(second)  # the server has it, the client never hears so
    with pytest.raises(TrackerError, match=f"while sending to {second}"):
        send(pack_outputs, env_for(smtp_server))
    records = {r.email: r.status for r in log(pack_outputs)}
    assert records[first] == "sent" and records[second] == "in doubt"

    smtp_server.handler_obj.drop_after_data.clear()
    report = send(pack_outputs, env_for(smtp_server))  # the secretary runs it again
    assert len(smtp_server.handler_obj.to(second)) == 1  # no silent second copy
    assert {r.email: r.status for r in report.results}[second] == "in doubt"
    assert sorted(e for r in smtp_server.handler_obj.received for e in r.rcpt_tos) == sorted(g.email for g in ACTIVE)


def test_resend_in_doubt_sends_once_more_to_those_in_doubt_only(smtp_server, pack_outputs):
    second = ACTIVE[1].email
    smtp_server.handler_obj.drop_after_data.add(second)
    with pytest.raises(TrackerError):
        send(pack_outputs, env_for(smtp_server))
    smtp_server.handler_obj.drop_after_data.clear()
    before = len(smtp_server.handler_obj.received)
    report = send(pack_outputs, env_for(smtp_server), resend_in_doubt=True)
    new = smtp_server.handler_obj.received[before:]
    assert sorted(e for r in new for e in r.rcpt_tos) == sorted([second] + [g.email for g in ACTIVE[2:]])
    assert {r.email: r.status for r in log(pack_outputs)}[second] == "sent"
    assert {r.email: r.status for r in report.results}[second] == "sent"


def test_mark_sent_records_that_a_governor_in_doubt_has_the_pack_without_sending(smtp_server, pack_outputs):
    second = ACTIVE[1].email
    smtp_server.handler_obj.drop_after_data.add(second)
    with pytest.raises(TrackerError):
        send(pack_outputs, env_for(smtp_server))
    before = len(smtp_server.handler_obj.received)
    report = send(pack_outputs, env_for(smtp_server), mark_sent=(second,))
    assert len(smtp_server.handler_obj.received) == before  # marking sends nothing
    (record,) = [r for r in log(pack_outputs) if r.email == second]
    assert (record.status, record.sends) == ("sent", 1) and "marked as received" in record.answer
    assert [(r.email, r.status) for r in report.results] == [(second, "sent")]
    with pytest.raises(TrackerError, match="is not in doubt"):
        send(pack_outputs, env_for(smtp_server), mark_sent=(ACTIVE[0].email,))


KILL_TRIALS = 5  # at each of the two moments


@pytest.mark.slow
@pytest.mark.parametrize("moment", ["after-the-record-before-data", "after-the-server-has-it"])
def test_killing_send_between_the_record_and_the_answer_never_sends_a_silent_second_copy(tmp_path, monkeypatch, moment):
    """kill -9 the sender once it has recorded that it is handing a message over, either
    before it sends DATA (the server never has it) or after the server has it but before
    the answer is recorded: the governor is in doubt, `tracker status` says so, and a
    re-run sends them nothing (the issue: a second copy in 10 of 10 trials). Only
    `--resend-in-doubt` sends to them again, once."""
    import os
    import signal
    import subprocess
    import sys

    from tests.conftest import ROOT, report, run
    from tests.mailhelpers import Handler, start_server

    handler = Handler()
    server = start_server(handler)
    env = env_for(server)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    try:
        for trial in range(KILL_TRIALS):
            outputs = tmp_path / f"trial-{trial}"
            make_pack(outputs / "packs")
            args = [
                "send", "--config", str(CONFIG), "--outputs", str(outputs), "--meeting", str(MEETING),
                "--governors", str(CONFIG / "governors.example.yaml"),
            ]  # fmt: skip
            handler.received.clear()
            handler.accepted.clear()
            victim = ACTIVE[trial % len(ACTIVE)].email
            if moment == "after-the-server-has-it":
                handler.answer_after = 5.0
                proc = subprocess.Popen([sys.executable, "-m", "tracker", *args], cwd=ROOT, env=os.environ | env)
                assert handler.accepted.wait(60), "the sender never reached DATA"
                os.kill(proc.pid, signal.SIGKILL)  # the server has it; the sender never hears so
                proc.wait()
                (victim,) = handler.received[0].rcpt_tos
                handler.answer_after = 0.0
                copies = 1
            else:
                proc = subprocess.Popen(
                    [sys.executable, "-m", "tests.distribution.killed_send", *args],
                    cwd=ROOT, env=os.environ | env | {"KILL_AT": victim},
                )  # fmt: skip
                proc.wait(timeout=60)
                assert proc.returncode == -signal.SIGKILL, f"trial {trial}: the sender was not killed"
                copies = 0
            had = {e for r in handler.received for e in r.rcpt_tos}
            assert len(handler.to(victim)) == copies, f"trial {trial}: {victim} had {len(handler.to(victim))} copies"

            again = run(*args)
            assert again.exit_code == 2 and "in doubt" in again.stderr, again.output
            assert len(handler.to(victim)) == copies, f"trial {trial}: {victim} was sent a second copy silently"
            everyone = sorted(g.email for g in ACTIVE)
            assert sorted(e for r in handler.received for e in r.rcpt_tos) == sorted(
                [e for e in everyone if e != victim] + [victim] * copies
            ), f"trial {trial}: the others were not sent exactly one copy each ({had} before the re-run)"

            shown = run("status", *args[1:])
            assert shown.exit_code == 0, shown.output
            assert "In doubt (1):" in shown.stdout and victim in shown.stdout.split("In doubt (1):")[1]

            resolved = run(*args, "--resend-in-doubt")  # the secretary asked them: they have nothing
            assert resolved.exit_code == 0, resolved.output
            assert len(handler.to(victim)) == copies + 1
    finally:
        server.stop()
    report(
        f"kill-during-send trials ({moment}): {KILL_TRIALS}, second copies sent unasked 0,"
        f" the governor in doubt reported by status in {KILL_TRIALS}"
    )


# -- files under outputs/ that lead elsewhere through a symbolic link ------------------


def test_a_pack_docx_that_is_a_link_to_a_file_outside_is_never_attached(smtp_server, pack_outputs, tmp_path):
    folder = pack_outputs / "packs" / MEETING.isoformat()
    docx = next(folder.glob("*.docx"))
    outside = tmp_path / "private-notes.txt"
    outside.write_text("not for governors")
    docx.unlink()
    docx.symlink_to(outside)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["sha256"] = sha256_file(outside)  # whoever made the link made the checksum agree
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(TrackerError, match=r"leads outside .* through a symbolic link"):
        send(pack_outputs, env_for(smtp_server))
    assert smtp_server.handler_obj.received == []


def test_a_dry_run_never_empties_a_folder_an_outbox_link_points_to(pack_outputs, tmp_path):
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "keep.eml").write_text("a message someone kept")
    (pack_outputs / "outbox").mkdir()
    (pack_outputs / "outbox" / MEETING.isoformat()).symlink_to(precious, target_is_directory=True)
    with pytest.raises(TrackerError, match=r"leads outside .* through a symbolic link"):
        send(pack_outputs, {}, dry_run=True)
    assert (precious / "keep.eml").read_text() == "a message someone kept"
    assert [p.name for p in precious.iterdir()] == ["keep.eml"]


def test_a_delivery_log_folder_that_links_outside_is_refused_before_anything_is_sent(
    smtp_server, pack_outputs, tmp_path
):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (pack_outputs / "deliveries").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(TrackerError, match=r"leads outside .* through a symbolic link"):
        send(pack_outputs, env_for(smtp_server))
    assert smtp_server.handler_obj.received == [] and not list(elsewhere.iterdir())
