"""Many trusts from one deployment: each trust is a unit, chosen by name, never mixed up.

A deployment with config/trusts/<name>.yaml serves each trust from its own files
(profile, questions, governors) and its own outputs folder, and nothing of one trust's
is ever filled in from another's or from the single-trust files beside them.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil

import pytest
from docx import Document

from tests.conftest import add_trust, run
from tracker.config.trusts import select_trusts, trust_names
from tracker.config.workspace import Workspace
from tracker.core.errors import TrackerError

MEETING = "2026-12-10"


def pack_text(path) -> str:
    doc = Document(str(path))
    return "\n".join([p.text for p in doc.paragraphs] + [c.text for t in doc.tables for r in t.rows for c in r.cells])


# -- choosing a trust -------------------------------------------------------------


def test_a_single_trust_install_is_chosen_with_no_name_or_its_own_short_name(config_dir, tmp_path):
    ws = Workspace(config_dir, tmp_path)
    assert trust_names(ws) == []
    assert select_trusts(ws) == select_trusts(ws, "fernbrook") == select_trusts(ws, every=True) == [ws]
    with pytest.raises(TrackerError, match=r"no trust named 'oakdale': this deployment has one trust, 'fernbrook'"):
        select_trusts(ws, "oakdale")


def test_with_several_trusts_a_command_about_one_needs_its_name_and_never_guesses(config_dir, tmp_path):
    add_trust(config_dir, "alder")
    add_trust(config_dir, "birch")
    ws = Workspace(config_dir, tmp_path)
    assert trust_names(ws) == ["alder", "birch"]
    with pytest.raises(TrackerError, match=r"trusts holds 2 trusts \(alder, birch\): say which with --trust NAME"):
        select_trusts(ws)
    with pytest.raises(TrackerError, match=r"no trust named 'fernbrook': .*trusts holds alder, birch"):
        select_trusts(ws, "fernbrook")  # config/trust.yaml is not one of them
    assert [w.trust_id for w in select_trusts(ws, every=True)] == ["alder", "birch"]
    assert [w.trust_id for w in select_trusts(ws, "birch")] == ["birch"]


def test_each_trust_has_its_own_files_and_outputs_folder_and_shares_only_the_register_and_feeds(config_dir, tmp_path):
    alder = Workspace(config_dir, tmp_path).for_trust("alder")
    trusts = config_dir / "trusts"
    assert (alder.trust, alder.questions, alder.governors_file, alder.governors_example) == (
        trusts / "alder.yaml", trusts / "alder.questions.yaml",
        trusts / "alder.governors.yaml", trusts / "alder.governors.example.yaml",
    )  # fmt: skip
    day = dt.date(2026, 12, 10)
    own = tmp_path / "trusts" / "alder"
    assert alder.pack_folder(day) == own / "packs/2026-12-10"
    assert alder.outbox(day) == own / "outbox/2026-12-10"
    assert alder.delivery_log(day) == own / "deliveries/2026-12-10.json"
    assert alder.digest_state == own / "state/digest.json"
    assert (alder.register, alder.sources, alder.state_dir) == (
        config_dir / "register.yaml", config_dir / "sources.yaml", tmp_path / "state",
    )  # fmt: skip


def test_a_trust_reads_its_own_smtp_settings_from_the_environment_before_the_shared_ones():
    env = {
        "TRACKER_SMTP_HOST": "relay.example.org",
        "TRACKER_SMTP_PASSWORD": "shared",
        "TRACKER_ALDER_SMTP_PASSWORD": "a",
    }
    ws = Workspace(env=env)
    assert ws.for_trust("alder").env["TRACKER_SMTP_PASSWORD"] == "a"
    assert ws.for_trust("birch-vale").env["TRACKER_SMTP_PASSWORD"] == "shared"
    assert ws.for_trust("alder").env["TRACKER_SMTP_HOST"] == "relay.example.org"
    assert ws.env["TRACKER_SMTP_PASSWORD"] == "shared"


# -- no fallback ------------------------------------------------------------------


def test_a_trust_without_its_own_questions_gets_a_clear_error_not_another_trusts_positions(config_dir, tmp_path):
    add_trust(config_dir, "alder")
    add_trust(config_dir, "dorset", system="dorset", questions=False)
    result = run("pack", "--all-trusts", "--config", config_dir, "--outputs", tmp_path, "--meeting", MEETING)
    assert result.exit_code == 2
    assert f"{config_dir}/trusts/dorset.questions.yaml: file not found: each trust has its own questions" in (
        result.stderr
    )
    assert "1 of 2 trusts failed: dorset" in result.stderr
    assert not (tmp_path / "trusts/dorset/packs").exists()
    # the other trust's pack is still built, with its own positions
    alder = next((tmp_path / "trusts/alder/packs" / MEETING).glob("*.docx"))
    assert "Alder's own position" in pack_text(alder)


def test_every_trusts_pack_carries_its_own_name_system_and_positions_and_nobody_elses(config_dir, tmp_path):
    add_trust(config_dir, "alder")
    add_trust(config_dir, "dorset", system="dorset")
    result = run("pack", "--all-trusts", "--config", config_dir, "--outputs", tmp_path, "--meeting", MEETING)
    assert result.exit_code == 0, result.output
    alder = pack_text(next((tmp_path / "trusts/alder/packs" / MEETING).glob("alder-*.docx")))
    dorset = pack_text(next((tmp_path / "trusts/dorset/packs" / MEETING).glob("dorset-*.docx")))
    assert "Alder's own position" in alder and "Dorset" not in alder
    assert "Dorset's own position" in dorset and "Alder" not in dorset
    for text in (alder, dorset):  # nothing of the single-trust files beside them
        assert "Fernbrook" not in text and "We are part of the Frimley integrated care system" not in text


def test_a_trust_without_a_governors_list_is_a_clear_error_even_if_the_single_trust_one_exists(config_dir, tmp_path):
    add_trust(config_dir, "alder", governors=None)
    shutil.copy(config_dir / "governors.example.yaml", config_dir / "governors.yaml")
    assert run("pack", "--trust", "alder", "--config", config_dir, "--outputs", tmp_path).exit_code == 0
    result = run("status", "--trust", "alder", "--config", config_dir, "--outputs", tmp_path)
    assert result.exit_code == 2
    assert f"{config_dir}/trusts/alder.governors.yaml: file not found: list Alder NHS Trust's governors there" in (
        result.stderr
    )


def test_a_trusts_own_fictional_example_stands_in_until_its_list_exists_and_says_so(config_dir, tmp_path):
    trusts = add_trust(config_dir, "alder", governors=1)
    (trusts / "alder.governors.yaml").rename(trusts / "alder.governors.example.yaml")
    result = run("status", "--trust", "alder", "--config", config_dir, "--outputs", tmp_path)
    assert result.exit_code == 0, result.output
    assert f"{trusts}/alder.governors.yaml not found: using the fictional {trusts}/alder.governors.example.yaml" in (
        result.stderr
    )


def test_every_trusts_governors_list_is_git_ignored_and_its_example_is_not():
    import subprocess

    from tests.conftest import ROOT

    def ignored(path: str) -> bool:
        return subprocess.run(["git", "check-ignore", "-q", "--no-index", path], cwd=ROOT).returncode == 0

    assert ignored("config/trusts/alder.governors.yaml") and ignored("config/governors.yaml")
    assert not ignored("config/trusts/alder.governors.example.yaml") and not ignored("config/trusts/alder.yaml")


# -- validate ----------------------------------------------------------------------


def line_of(path, text: str) -> int:
    return path.read_text().splitlines().index(text) + 1


def test_validate_checks_every_trust_file_with_file_and_line(config_dir):
    trusts = add_trust(config_dir, "alder")
    add_trust(config_dir, "birch", system="no-such-system")
    profile = trusts / "birch.yaml"
    governors = trusts / "alder.governors.yaml"
    governors.write_text(governors.read_text().replace("governor1@alder.example.org", "governor1@alder"))
    result = run("validate", "--config", config_dir)
    assert result.exit_code == 2
    assert (
        f"{profile}:{line_of(profile, '  system: no-such-system                     # the id of a system in config/register.yaml')}: footprint.system: 'no-such-system' is not the id of any system in the register"
        in result.stdout
    )
    assert re.search(
        rf"{re.escape(str(governors))}:3: governors\[0\]\.email: 'governor1@alder' is not a valid", result.stdout
    )
    assert "Error: 2 problems in 2 files" in result.stderr


def test_validate_reports_a_profile_whose_short_name_is_not_its_file_name(config_dir):
    trusts = add_trust(config_dir, "alder")
    shutil.copy(trusts / "alder.yaml", trusts / "oakdale.yaml")  # a copy nobody renamed inside
    shutil.copy(trusts / "alder.questions.yaml", trusts / "oakdale.questions.yaml")
    result = run("validate", "--config", config_dir)
    assert result.exit_code == 2
    line = line_of(trusts / "oakdale.yaml", "short_name: alder")
    assert (
        f"{trusts}/oakdale.yaml:{line}: short_name: 'alder' should be 'oakdale', the name of this file" in result.stdout
    )


def test_validate_refuses_a_governors_list_that_names_another_trust_or_none(config_dir):
    trusts = add_trust(config_dir, "alder")
    add_trust(config_dir, "birch")
    shutil.copy(trusts / "alder.governors.yaml", trusts / "birch.governors.yaml")  # copied, not rewritten
    (trusts / "alder.governors.yaml").write_text("governors: []\n")
    result = run("validate", "--config", config_dir)
    assert result.exit_code == 2
    assert f"{trusts}/birch.governors.yaml:1: trust: 'alder' is another trust" in result.stdout
    assert f"{trusts}/alder.governors.yaml:1: trust: is required: start the file with `trust: alder`" in result.stdout


def test_validate_reports_yaml_files_in_config_trusts_that_no_trust_reads(config_dir):
    trusts = add_trust(config_dir, "alder")
    (trusts / "alder.question.yaml").write_text("questions: []\n")  # misspelt
    (trusts / "oakdale.governors.yaml").write_text("trust: oakdale\ngovernors: []\n")  # no oakdale.yaml
    (trusts / "README.md").write_text("notes\n")  # not YAML: left alone
    result = run("validate", "--config", config_dir)
    assert result.exit_code == 2
    assert f"{trusts}/alder.question.yaml: is not a trust file and is not read" in result.stdout
    assert f"{trusts}/oakdale.governors.yaml: belongs to no trust: there is no oakdale.yaml profile" in result.stdout
    assert "README" not in result.stdout


def test_validate_of_a_good_multi_trust_deployment_names_the_trusts_and_the_unread_single_trust_files(config_dir):
    add_trust(config_dir, "alder")
    add_trust(config_dir, "birch")
    result = run("validate", "--config", config_dir)
    assert result.exit_code == 0, result.output
    assert f"the files of 2 trusts in {config_dir}/trusts (alder, birch) are valid" in result.stdout
    assert f"{config_dir}/trust.yaml is not read: with trusts in {config_dir}/trusts/" in result.stderr
    one = run("validate", "--config", config_dir, "--trust", "birch")
    assert one.exit_code == 0 and "the files of 1 trust in" in one.stdout and "(birch)" in one.stdout


# -- the command line ------------------------------------------------------------


@pytest.mark.parametrize("command", ["pack", "send", "status", "digest", "approve"])
def test_every_command_about_a_trusts_data_takes_trust_name_and_refuses_to_guess(config_dir, tmp_path, command):
    add_trust(config_dir, "alder")
    add_trust(config_dir, "birch")
    assert "--trust NAME" in run(command, "--help").output
    extra = ["--by", "Someone"] if command == "approve" else []
    result = run(command, "--config", config_dir, "--outputs", tmp_path, *extra)
    assert result.exit_code == 2
    assert "holds 2 trusts (alder, birch): say which with --trust NAME" in result.stderr
    assert not (tmp_path / "trusts").exists() and not (tmp_path / "packs").exists()


def test_trust_and_all_trusts_together_are_a_usage_error(config_dir, tmp_path):
    result = run("status", "--trust", "alder", "--all-trusts", "--config", config_dir)
    assert result.exit_code == 2 and "--trust and --all-trusts cannot be used together" in result.output


def test_a_path_is_not_a_trust_name_except_for_the_old_pack_trust_file_with_a_warning(config_dir, tmp_path):
    wrong = run("status", "--trust", "config/trusts/alder.yaml", "--config", config_dir)
    assert wrong.exit_code == 2 and "looks like a file: give the trust's name" in wrong.output
    old = run("pack", "--trust", config_dir / "trust.yaml", "--config", config_dir, "--outputs", tmp_path)
    assert old.exit_code == 0, old.output
    assert "--trust FILE is deprecated and will be removed in the next release" in old.stderr
    assert (tmp_path / "packs").is_dir()


def test_status_all_trusts_gives_one_line_per_trust(config_dir, tmp_path):
    add_trust(config_dir, "alder", governors=3)
    add_trust(config_dir, "birch", governors=2)
    run("pack", "--trust", "alder", "--config", config_dir, "--outputs", tmp_path, "--meeting", MEETING)
    result = run("status", "--all-trusts", "--config", config_dir, "--outputs", tmp_path, "--meeting", MEETING)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "alder: 10 December 2026: version 1 DRAFT, not approved; sent to 0, 3 not yet sent",
        "birch: 10 December 2026: not built; 2 governors to send to",
    ]
