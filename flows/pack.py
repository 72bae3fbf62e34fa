"""The `build-pack` Prefect flow: thin wrappers round tracker.pack.build.build_pack.

`make pack` and `tracker pack` call the same function directly, without Prefect. On a
schedule (`when_due`), the flow builds a DRAFT only once the next meeting is within
the trust's `pack.draft_days_before`, and then emails the trust's secretary the digest.

With many trusts (config/trusts/*.yaml) the work is spread over the work pool: run from
its deployment with `fan_out` N > 1, the flow splits the trusts due into N groups and
starts each group as a flow run of this same deployment on the pool's `trusts` work
queue. Every worker serving that queue, on this machine or another, takes runs up to
its `--limit`, and each run is a process of its own, so the packs are built on every
core of every worker. (Tasks in one flow run share one process and its GIL, so a
thread or task runner in one run cannot use a second core or a second worker; one
flow run per trust would pay a process start, about 2 s, per trust.) Run directly, or
with one group, the flow builds every trust itself, one after another.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from dataclasses import replace
from pathlib import Path
from typing import Any
from uuid import UUID

from prefect import flow, get_run_logger

from tracker.config.loading import LoadedRegister, check_register
from tracker.config.profiles import load_trust
from tracker.config.workspace import Workspace
from tracker.core.dates import FixedClock, utc_now, utc_stamp
from tracker.core.errors import TrackerError
from tracker.distribution.digest import run_digest
from tracker.orchestration.local import TRUSTS_QUEUE
from tracker.orchestration.schedule import PackJob, PackSkipped, pack_due, pack_jobs, run_pack_job
from tracker.pack.manifest import Manifest
from tracker.register.parse import load_register

ARTIFACT = "build-pack"  # the table each run publishes: one row per trust


def build_trust_pack(job: PackJob, meeting: str | None, pdf: bool | None, register: LoadedRegister | None) -> dict:
    """One trust's pack, as a row of what this run reports (the manifest's fields, `pack` and
    `manifest` as full paths, as `tracker pack --json` prints them)."""
    result = run_pack_job(job, meeting=dt.date.fromisoformat(meeting) if meeting else None, pdf=pdf, register=register)
    assert not isinstance(result, PackSkipped)  # which trusts are due was decided before (`_due`)
    for note in result.notes:
        print(f"{job.name}: {note}")  # log_prints: a warning in the run's log
    print(f"{job.name}: built {result.docx} (version {result.manifest.version}, {result.manifest.status})")
    return {**result.manifest.to_json(), "pack": str(result.docx), "manifest": str(result.manifest_path)}


@flow(name="build-pack", log_prints=True)
def build_pack_flow(
    config_dir: str = "config",
    outputs_dir: str = "outputs",
    meeting: str | None = None,
    pdf: bool | None = None,
    now: str | None = None,
    when_due: bool = False,
    send_digest: bool = False,
    trusts: list[str] | None = None,
    fan_out: int = 1,
    start_timeout: float = 600,
) -> dict:
    """Build the pack for `meeting` (default: the next one) for every trust; return {"packs", "digest", "runs"}.

    `now` (ISO date-time) pins the clock, for tests and for rebuilding a past pack exactly.
    `when_due` (for a daily schedule): build only when the next meeting is near; skipped
    trusts appear in "packs" as {"trust", "skipped": reason}.
    `send_digest`: once a trust's pack has been built, email that trust's secretary the digest.
    `trusts`: only these trusts (by name), not every one.
    `fan_out`: run from the deployment, split the trusts over this many flow runs on the
    work pool's `trusts` queue; "runs" then says which worker built which trusts. A group
    that no worker has taken within `start_timeout` seconds is cancelled, and the run fails
    saying so.
    """
    now = now or utc_stamp(utc_now())  # every trust, in this run or the ones it starts, as of the same moment
    ws = Workspace(Path(config_dir), Path(outputs_dir), clock=FixedClock(dt.datetime.fromisoformat(now)))
    jobs = pack_jobs(ws, trusts)
    skipped: list[dict] = []
    if when_due and meeting is None:
        jobs, skipped = _due(jobs, ws.now().date())
    deployment = _deployment_id()
    groups = min(fan_out, len(jobs))
    if groups > 1 and deployment is not None:
        params = {"config_dir": config_dir, "outputs_dir": outputs_dir, "meeting": meeting, "pdf": pdf, "now": now}
        built, failed, runs = _fan_out(deployment, [j.name for j in jobs], groups, params, start_timeout)
    else:
        if groups > 1:
            print("fan_out needs the flow to run from its deployment: building every trust in this run")
        (built, failed), runs = _build_here(ws, jobs, meeting, pdf), [_this_run([j.name for j in jobs])]
    packs = sorted(skipped + built, key=lambda p: p["trust"])
    digest = _digests(ws, jobs, packs) if send_digest else None
    _publish(packs, failed, runs)
    if failed:  # after the others' packs, digests and the table: a failure costs only its own trust
        raise TrackerError(f"{len(failed)} of {len(jobs)} trusts' packs failed: " + "; ".join(failed.values()))
    return {"packs": packs, "digest": digest, "runs": runs}


def _publish(packs: list[dict], failed: dict[str, str], runs: list[dict]) -> None:
    """One row per trust on the run's page in the UI: built, skipped or failed, and by which run and worker."""
    from prefect.artifacts import create_table_artifact

    by = {name: run for run in runs for name in run["trusts"]}
    outcomes = [
        (p["trust"], "built", f"version {p['version']} {p['status']}", p["pack"])
        if "pack" in p
        else (p["trust"], "skipped", p["skipped"], "")
        for p in packs
    ] + [(name, "failed", why, "") for name, why in failed.items()]
    rows = [
        {
            "trust": name, "outcome": outcome, "detail": detail, "pack": pack,
            "flow run": by.get(name, {}).get("flow_run") or "", "worker": by.get(name, {}).get("worker") or "",
        }
        for name, outcome, detail, pack in sorted(outcomes)
    ]  # fmt: skip
    create_table_artifact(rows, key=ARTIFACT, description="Each trust's pack, and the run and worker that built it")


def _due(jobs: list[PackJob], today: dt.date) -> tuple[list[PackJob], list[dict]]:
    """The trusts whose draft is due today, and a note for each of the others (a profile
    that cannot be read counts as due, so its own run reports the problem)."""
    due, skipped = [], []
    for job in jobs:
        try:
            trust = load_trust(job.ws.trust)
        except TrackerError:
            due.append(job)
            continue
        if pack_due(trust, today) is None:
            reason = f"no meeting within {trust.draft_days_before} days of {today.isoformat()}"
            print(f"{job.name}: not building a pack: {reason}")
            skipped.append({"trust": job.name, "skipped": reason})
        else:
            due.append(job)
    return due, skipped


def _build_here(
    ws: Workspace, jobs: list[PackJob], meeting: str | None, pdf: bool | None
) -> tuple[list[dict], dict[str, str]]:
    """Every trust's pack in this run, one after another, as `tracker pack --all-trusts` does,
    and why each trust that failed did (the others are built all the same). A Prefect task
    per trust was measured costing a third again on top of the packs, for no gain: tasks
    in one run share one core. Parallelism comes from `fan_out`."""
    register, _ = check_register(ws)  # once for every trust; a problem is reported by each trust
    built, failed = [], {}
    for job in jobs:
        try:
            built.append(build_trust_pack(job, meeting, pdf, register))
        except TrackerError as exc:
            print(f"{job.name}: no pack: {exc}")
            failed[job.name] = f"{job.name}: {exc}"
    return built, failed


def _deployment_id() -> UUID | None:
    from prefect.runtime import deployment

    found = deployment.get_id()
    return UUID(found) if found else None


def _this_run(names: list[str]) -> dict:
    from prefect.runtime import flow_run

    return {"flow_run": flow_run.get_name(), "trusts": names, "worker": os.environ.get("PREFECT__WORKER_NAME")}


def _fan_out(
    deployment: UUID, names: list[str], groups: int, params: dict, start_timeout: float
) -> tuple[list[dict], dict[str, str], list[dict]]:
    """Start one flow run per group of trusts on the `trusts` queue, wait for all, and gather
    what each built, and why any trust failed.

    Each run publishes a table of its trusts (the "build-pack" artifact, kept in the
    server's database), even when some of them failed, and writes its packs and manifests
    to the shared outputs folder: that is all this run reads back, so workers on other
    machines need no shared result storage, only the same config/ and outputs/.
    """
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId, ArtifactFilterKey
    from prefect.deployments import run_deployment

    logger = get_run_logger()
    shares = [names[i::groups] for i in range(groups)]
    started = [
        run_deployment(
            deployment,
            # this run has decided which trusts are due, and sends the digests itself
            parameters={**params, "trusts": share, "fan_out": 1, "when_due": False, "send_digest": False},
            timeout=0,  # start them all, then wait below
            work_queue_name=TRUSTS_QUEUE,
            flow_run_name=f"build-pack {i + 1} of {groups}: {', '.join(share[:3])}{' ...' if len(share) > 3 else ''}",
        )
        for i, share in enumerate(shares)
    ]
    logger.info("Started %d runs on work queue %r for %d trusts", groups, TRUSTS_QUEUE, len(names))
    finished = _wait_for(started, start_timeout)
    built: list[dict] = []
    failed: dict[str, str] = {}
    runs: list[dict] = []
    with get_client(sync_client=True) as client:
        for run, share in zip(finished, shares, strict=True):
            found = client.read_artifacts(
                artifact_filter=ArtifactFilter(
                    flow_run_id=ArtifactFilterFlowRunId(any_=[run.id]), key=ArtifactFilterKey(any_=[ARTIFACT])
                )
            )
            rows = json.loads(found[0].data) if found and isinstance(found[0].data, str) else []
            runs.append({"flow_run": run.name, "trusts": share, "worker": rows[0]["worker"] if rows else None})
            for row in rows:
                if row["outcome"] == "built":
                    built.append(_from_row(row))
                elif row["outcome"] == "failed":
                    failed[row["trust"]] = row["detail"]
            state = run.state
            why = f"its run {run.name!r} ended {state.type.value if state else 'unknown'}: {(state and state.message) or ''}"
            for name in set(share) - {row["trust"] for row in rows}:  # a run that stopped before its table
                failed[name] = f"{name}: {why}"
    return built, failed, runs


def _from_row(row: dict) -> dict:
    """A pack another run built, as this run reports it: its manifest's fields."""
    manifest = Manifest.read(Path(row["pack"]).parent)
    return {**manifest.to_json(), "pack": row["pack"], "manifest": str(manifest.path)}


def _wait_for(runs: list[Any], start_timeout: float, poll: float = 1.0) -> list[Any]:
    """Each run in its final state; runs that no worker has taken within `start_timeout` are
    cancelled, with a message saying what to start."""
    from prefect.client.orchestration import get_client
    from prefect.states import Cancelled

    deadline = time.monotonic() + start_timeout
    with get_client(sync_client=True) as client:
        while True:
            runs = [client.read_flow_run(r.id) for r in runs]
            if all(r.state and r.state.is_final() for r in runs):
                return runs
            if time.monotonic() > deadline:
                why = (
                    f"no worker took it from work queue {TRUSTS_QUEUE!r} within {start_timeout:.0f} s: start one"
                    f" with `prefect worker start --pool POOL --work-queue {TRUSTS_QUEUE}`"
                )
                for r in runs:
                    if r.state and r.state.is_scheduled():  # taken runs are Pending or Running
                        client.set_flow_run_state(r.id, Cancelled(message=why), force=True)
            time.sleep(poll)


def _digests(ws: Workspace, jobs: list[PackJob], packs: list[dict]) -> str | None:
    """Each trust whose pack was built gets its own digest, sent to its own secretary."""
    # Entry point: the environment (SMTP settings, password) is read here, for the digests only.
    base = replace(ws, env=dict(os.environ))
    built = {p["trust"] for p in packs if "pack" in p}
    register = load_register(ws.register) if built else None  # once for every trust's digest
    lines = []
    for job in jobs:
        if job.name not in built:
            continue
        one = base.for_trust(job.ws.trust_id) if job.ws.trust_id else base
        try:
            detail = run_digest(one, register=register).detail
        except TrackerError as exc:
            detail = f"not sent: {exc}"
        lines.append(f"{job.name}: {detail}" if job.ws.trust_id else detail)
        print(f"Digest: {lines[-1]}")
    return "\n".join(lines) if lines else None
