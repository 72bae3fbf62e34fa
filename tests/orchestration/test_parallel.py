"""A run builds its trusts on every core of its machine: child processes claim from the same list."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import add_trust
from tracker.config.workspace import Workspace
from tracker.core.dates import FixedClock
from tracker.orchestration import parallel
from tracker.orchestration.claims import Claims
from tracker.orchestration.parallel import Assignment, Share
from tracker.orchestration.schedule import pack_jobs

NOW, MEETING = "2026-11-22T09:00:00+00:00", "2026-12-10"


@pytest.mark.parametrize(
    ("trusts", "processes", "children"),
    [(1, 2, 0), (8, 2, 0), (9, 2, 1), (50, 2, 1), (50, 4, 3), (20, 8, 2), (50, 1, 0), (50, 0, 0)],
)
def test_a_run_starts_a_child_process_only_for_every_eight_trusts_and_within_its_cores(trusts, processes, children):
    assert parallel.children_for(trusts, processes) == children


def _assignment(config_dir: Path, outputs: Path, names: list[str], by: str = "run-1") -> Assignment:
    claims = Workspace(config_dir, outputs).claims_dir("5f0c8d2e-1b7a-4c1e-9a55-0d3b2c6f7e81")
    return Assignment(str(config_dir), str(outputs), NOW, names, str(claims), by, MEETING)


@pytest.mark.slow
def test_a_child_process_builds_the_trusts_it_claims_and_answers_with_its_share(config_dir, tmp_path):
    for name in ("alder", "birch", "cedar"):
        add_trust(config_dir, name)
    given = _assignment(config_dir, tmp_path / "outputs", ["alder", "birch", "cedar"])
    claims = Claims(Path(given.claims))
    assert claims.take("alder", "a helper run")  # another run has it
    [child] = parallel.start_children(given, 1)
    share = parallel.collect([child], claims, "run-1", Share())
    assert sorted(row["trust"] for row in share.built) == ["birch", "cedar"] and share.failed == {}
    for row in share.built:
        assert Path(row["pack"]).is_file() and row["version"] == "1" and row["generated_at"] == "2026-11-22T09:00:00Z"
    assert not (tmp_path / "outputs/trusts/alder").exists()
    assert any(line.startswith("birch: built ") and line.endswith("(process 2)") for line in share.log), share.log
    assert claims.taken() == {"alder": "a helper run", "birch": "run-1", "cedar": "run-1"}


@pytest.mark.slow
def test_the_run_and_its_children_build_every_trust_exactly_once(config_dir, tmp_path):
    names = [f"trust-{i:02d}" for i in range(12)]
    for name in names:
        add_trust(config_dir, name)
    given = _assignment(config_dir, tmp_path / "outputs", names)
    claims = Claims(Path(given.claims))
    ws = Workspace(config_dir, tmp_path / "outputs", clock=FixedClock(dt.datetime.fromisoformat(NOW)))
    share = parallel.build_in_processes(ws, pack_jobs(ws, names), given, claims, 2, say=lambda _: None)
    assert sorted(row["trust"] for row in share.built) == names and share.failed == {}
    assert {row["version"] for row in share.built} == {"1"}  # nobody built a trust a second time
    assert len(list((tmp_path / "outputs/trusts").glob("*/packs/*/*.docx"))) == 12


def test_trusts_a_process_claimed_and_never_reported_are_failed_with_its_exit_status(config_dir, tmp_path):
    claims = Claims(tmp_path / "claims")
    for name in ("alder", "birch", "cedar"):
        claims.take(name, "run-1")
    claims.take("dogwood", "another run")  # another run's: not this run's to report
    died = subprocess.Popen([sys.executable, "-c", "import sys; sys.exit(3)"], stdout=subprocess.PIPE, text=True)
    own = Share(built=[{"trust": "alder"}])
    share = parallel.collect([died], claims, "run-1", own)
    assert set(share.failed) == {"birch", "cedar"}
    assert share.failed["birch"] == "birch: a build process of this run ended with exit status 3 before reporting it"


def test_a_child_that_cannot_read_the_trust_list_says_so_and_claims_nothing(config_dir, tmp_path):
    given = _assignment(config_dir, tmp_path / "outputs", ["no-such-trust"])
    done = subprocess.run(
        [sys.executable, "-m", "tracker.orchestration.parallel"],
        input=json.dumps(given.__dict__),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("build process: ") and "no-such-trust" in done.stderr
    assert Claims(Path(given.claims)).taken() == {}


def test_a_rebuild_that_leaves_the_approved_pack_alone_says_so_not_built(config_dir, tmp_path):
    from tracker.pack.approve import approve

    ws = Workspace(config_dir, tmp_path / "outputs", clock=FixedClock(dt.datetime.fromisoformat(NOW)))
    first: list[str] = []
    [row] = parallel.build_claimed(ws, pack_jobs(ws), MEETING, None, say=first.append).built
    approve(Path(row["pack"]), "Alex Morgan", dt.datetime.fromisoformat(NOW))
    again: list[str] = []
    [row] = parallel.build_claimed(ws, pack_jobs(ws), MEETING, None, say=again.append).built
    assert again == [f"fernbrook: the approved pack is unchanged, left as it was: {row['pack']} (version 1, FINAL)"], (
        again
    )
    assert row["unchanged"] is True and not any(" built " in line for line in again)
