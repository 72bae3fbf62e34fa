"""Sharing one list of trusts between runs: each trust is claimed by exactly one run."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import multiprocessing.synchronize
import os
from pathlib import Path

import pytest

from tracker.config.workspace import Workspace
from tracker.core.errors import TrackerError
from tracker.orchestration.claims import Claims, sweep

TRUSTS = [f"trust-{i:04d}" for i in range(2000)]


def _claim_all(folder: str, by: str, start: multiprocessing.synchronize.Barrier, out: multiprocessing.Queue) -> None:
    start.wait(timeout=60)  # all at once, so they really race for the same trusts
    out.put((by, list(Claims(Path(folder)).each(TRUSTS, by))))


def test_runs_racing_through_the_same_list_claim_every_trust_exactly_once(tmp_path):
    # Separate processes, as runs on different workers are: O_EXCL is what decides, not a lock in memory.
    ctx = multiprocessing.get_context("spawn")
    out: multiprocessing.Queue = ctx.Queue()
    start = ctx.Barrier(4)
    runs = [ctx.Process(target=_claim_all, args=(str(tmp_path / "run"), f"run-{i}", start, out)) for i in range(4)]
    for p in runs:
        p.start()
    won = dict(out.get(timeout=60) for _ in runs)
    for p in runs:
        p.join(timeout=60)
    assert sum(1 for trusts in won.values() if trusts) >= 2, {by: len(t) for by, t in won.items()}  # they raced
    every = [trust for trusts in won.values() for trust in trusts]
    assert sorted(every) == TRUSTS  # none missed, none built twice
    taken = Claims(tmp_path / "run").taken()
    assert taken == {trust: by for by, trusts in won.items() for trust in trusts}


def test_a_trust_already_claimed_is_left_to_the_run_that_claimed_it(tmp_path):
    claims = Claims(tmp_path / "run")
    assert claims.take("alder", "first run")
    assert not claims.take("alder", "helper 1 of 1")
    assert list(claims.each(["alder", "birch"], "helper 1 of 1")) == ["birch"]
    assert claims.taken() == {"alder": "first run", "birch": "helper 1 of 1"}


def test_claims_are_made_one_at_a_time_as_the_run_gets_to_each_trust(tmp_path):
    claims = Claims(tmp_path / "run")
    mine = claims.each(["alder", "birch"], "first run")
    assert next(mine) == "alder"
    assert claims.taken() == {"alder": "first run"}  # birch is still free for a helper that starts now
    assert claims.take("birch", "helper 1 of 1")
    assert list(mine) == []


def test_a_helper_that_starts_after_the_list_is_closed_builds_nothing(tmp_path):
    claims = Claims(tmp_path / "run")
    claims.close()
    assert list(claims.each(["alder", "birch"], "late helper")) == []
    assert claims.taken() == {}


def test_sweep_removes_only_the_claims_of_runs_older_than_a_week(tmp_path):
    now = dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC)
    old, recent = tmp_path / "old-run", tmp_path / "recent-run"
    for folder, age in ((old, dt.timedelta(days=8)), (recent, dt.timedelta(days=6))):
        Claims(folder).take("alder", "a run")
        when = (now - age).timestamp()
        os.utime(folder, (when, when))
    assert sweep(tmp_path, now) == [old]
    assert recent.is_dir() and not old.exists()


def test_a_run_id_that_is_not_one_cannot_name_a_folder_outside_the_claims(tmp_path):
    ws = Workspace(tmp_path / "config", tmp_path / "outputs")
    assert ws.claims_dir("5f0c8d2e-1b7a-4c1e-9a55-0d3b2c6f7e81").parent == tmp_path / "outputs/state/claims"
    for bad in ("../../etc", "a/b", "", "."):
        with pytest.raises(ValueError):
            ws.claims_dir(bad)


def test_the_claims_folder_may_not_lead_out_of_outputs_through_a_link(tmp_path):
    (tmp_path / "outputs/state").mkdir(parents=True)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "outputs/state/claims").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(TrackerError, match="leads outside"):
        Workspace(tmp_path / "config", tmp_path / "outputs").claims_dir("run-1")


def test_a_helper_knows_how_many_of_its_cores_the_other_runs_leave_free(tmp_path):
    claims = Claims(tmp_path / "run")
    assert claims.free_on("host-a", {0, 1}) == 2
    claims.enlist("host-a", {0, 1}, "the first run", 1)  # one process, wherever the machine puts it
    assert claims.free_on("host-a", {0, 1}) == 1
    claims.enlist("host-a", {0, 1}, "build-pack helper 1 of 3", 1)
    assert claims.free_on("host-a", {0, 1}) == 0
    assert claims.free_on("host-a", {2, 3}) == 2  # other cores of the machine: a worker kept to them
    claims.enlist("host-b", {0, 1, 2, 3}, "build-pack helper 2 of 3", 4)
    assert claims.free_on("host-b", {0, 1, 2, 3}) == 0 and claims.free_on("host-c", {0}) == 1
    claims.take("alder", "the first run")
    assert claims.taken() == {"alder": "the first run"}  # the notes are not trusts


def test_a_machine_or_run_name_cannot_lead_its_note_out_of_the_claims_folder(tmp_path):
    claims = Claims(tmp_path / "run")
    claims.enlist("../../escape", {0, 1}, "../run/../../x", 2)
    assert claims.free_on("../../escape", {0, 1}) == 0
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()) == [
        "run/.machines/_.._escape/_run_.._.._x"
    ]
