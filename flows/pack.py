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
with one group, the flow builds every trust itself, one task per trust.
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

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import wait
from prefect.utilities.annotations import quote

from tracker.config.loading import LoadedRegister, check_register
from tracker.config.profiles import load_trust
from tracker.config.workspace import Workspace
from tracker.core.dates import FixedClock, utc_now, utc_stamp
from tracker.core.errors import TrackerError
from tracker.distribution.digest import run_digest
from tracker.orchestration.local import TRUSTS_QUEUE
from tracker.orchestration.schedule import PackJob, PackSkipped, pack_due, pack_jobs, run_pack_job
from tracker.pack.manifest import Manifest

START_TIMEOUT = 600  # seconds a group may wait for a worker before the run gives up on it
ARTIFACT = "build-pack"  # the table each run publishes: one row per trust


@task(cache_policy=NO_CACHE, persist_result=False, task_run_name="pack-{job.name}")
def build_trust_pack(
    job: PackJob, meeting: str | None, pdf: bool | None, when_due: bool, register: LoadedRegister | None
) -> dict:
    result = run_pack_job(
        job, meeting=dt.date.fromisoformat(meeting) if meeting else None, pdf=pdf, when_due=when_due, register=register
    )
    if isinstance(result, PackSkipped):
        print(f"{job.name}: not building a pack: {result.reason}")
        return {"trust": job.name, "skipped": result.reason}
    for note in result.notes:
        print(note)  # log_prints: a warning in the run's log
    print(f"Built {result.docx} (version {result.manifest.version}, {result.manifest.status})")
    # The manifest's fields, with `pack` and `manifest` as full paths (as `tracker pack --json` prints).
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
) -> dict:
    """Build the pack for `meeting` (default: the next one) for every trust; return {"packs", "digest", "runs"}.

    `now` (ISO date-time) pins the clock, for tests and for rebuilding a past pack exactly.
    `when_due` (for a daily schedule): build only when the next meeting is near; skipped
    trusts appear in "packs" as {"trust", "skipped": reason}.
    `send_digest`: once a trust's pack has been built, email that trust's secretary the digest.
    `trusts`: only these trusts (by name), not every one.
    `fan_out`: run from the deployment, split the trusts over this many flow runs on the
    work pool's `trusts` queue; "runs" then says which worker built which trusts.
    """
    now = now or utc_stamp(utc_now())  # every trust, in this run or another, is built as of the same moment
    ws = Workspace(Path(config_dir), Path(outputs_dir), clock=FixedClock(dt.datetime.fromisoformat(now)))
    jobs = pack_jobs(ws, trusts)
    skipped: list[dict] = []
    if when_due and meeting is None:
        jobs, skipped = _due(jobs, ws.now().date())
    deployment = _deployment_id()
    groups = min(fan_out, len(jobs))
    if groups > 1 and deployment is not None:
        params = {"config_dir": config_dir, "outputs_dir": outputs_dir, "meeting": meeting, "pdf": pdf, "now": now}
        built, runs = _fan_out(deployment, [j.name for j in jobs], groups, params)
    else:
        if groups > 1:
            print("fan_out needs the flow to run from its deployment: building every trust in this run")
        built, runs = _build_here(ws, jobs, meeting, pdf, when_due), [_this_run([j.name for j in jobs])]
    packs = sorted(skipped + built, key=lambda p: p["trust"])
    digest = _digests(ws, jobs, packs) if send_digest else None
    _publish(packs, runs)
    return {"packs": packs, "digest": digest, "runs": runs}


def _publish(packs: list[dict], runs: list[dict]) -> None:
    """One row per trust on the run's page in the UI: what was built, by which run and worker."""
    from prefect.artifacts import create_table_artifact

    by = {name: run for run in runs for name in run["trusts"]}
    rows = [
        {
            "trust": p["trust"],
            "built": "pack" in p,
            "result": f"version {p['version']} {p['status']}" if "pack" in p else p.get("skipped", ""),
            "pack": p.get("pack", ""),
            "flow run": by.get(p["trust"], {}).get("flow_run") or "",
            "worker": by.get(p["trust"], {}).get("worker") or "",
        }
        for p in packs
    ]
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
    ws: Workspace, jobs: list[PackJob], meeting: str | None, pdf: bool | None, when_due: bool
) -> list[dict]:
    """One task per trust in this flow run; a trust that fails does not stop the others."""
    register, _ = check_register(ws)  # once for every trust; a problem is reported by each trust's task
    # quote(): the register is passed as it is, not walked by Prefect looking for futures.
    futures = [
        build_trust_pack.submit(job, meeting, pdf, when_due, quote(register))  # type: ignore[call-overload]
        for job in jobs
    ]
    wait(futures)
    built, failed = [], []
    for job, future in zip(jobs, futures, strict=True):
        try:
            built.append(future.result())
        except Exception as exc:
            failed.append(f"{job.name}: {exc}")
    if failed:
        raise TrackerError(f"{len(failed)} of {len(jobs)} trusts' packs failed: " + "; ".join(failed))
    return built


def _deployment_id() -> UUID | None:
    from prefect.runtime import deployment

    found = deployment.get_id()
    return UUID(found) if found else None


def _this_run(names: list[str]) -> dict:
    from prefect.runtime import flow_run

    return {"flow_run": flow_run.get_name(), "trusts": names, "worker": os.environ.get("PREFECT__WORKER_NAME")}


def _fan_out(deployment: UUID, names: list[str], groups: int, params: dict) -> tuple[list[dict], list[dict]]:
    """Start one flow run per group of trusts on the `trusts` queue, wait for all, gather what they built.

    Each run publishes a table of its trusts (the "build-pack" artifact, kept in the
    server's database) and writes its packs and manifests to the shared outputs folder:
    that is all this run reads back, so workers on other machines need no shared
    result storage, only the same config/ and outputs/.
    """
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId, ArtifactFilterKey
    from prefect.deployments import run_deployment

    logger = get_run_logger()
    shares = [names[i::groups] for i in range(groups)]
    started = [
        run_deployment(
            deployment,
            parameters={**params, "trusts": share, "fan_out": 1},
            timeout=0,  # start them all, then wait below
            work_queue_name=TRUSTS_QUEUE,
            flow_run_name=f"build-pack {i + 1} of {groups}: {', '.join(share[:3])}{' ...' if len(share) > 3 else ''}",
        )
        for i, share in enumerate(shares)
    ]
    logger.info("Started %d runs on work queue %r for %d trusts", groups, TRUSTS_QUEUE, len(names))
    finished = _wait_for(started)
    built: list[dict] = []
    runs: list[dict] = []
    failed: list[str] = []
    with get_client(sync_client=True) as client:
        for run, share in zip(finished, shares, strict=True):
            state = run.state
            if state is None or not state.is_completed():
                kind = state.type.value if state else "unknown"
                failed.append(f"run {run.name!r} ({', '.join(share)}) ended {kind}: {(state and state.message) or ''}")
                continue
            found = client.read_artifacts(
                artifact_filter=ArtifactFilter(
                    flow_run_id=ArtifactFilterFlowRunId(any_=[run.id]), key=ArtifactFilterKey(any_=[ARTIFACT])
                )
            )
            rows = json.loads(found[0].data) if found and isinstance(found[0].data, str) else []
            built += [_from_row(row) for row in rows]
            runs.append({"flow_run": run.name, "trusts": share, "worker": rows[0]["worker"] if rows else None})
    if failed:
        raise TrackerError(f"{len(failed)} of {groups} runs failed: " + "; ".join(failed))
    return built, runs


def _from_row(row: dict) -> dict:
    """What a trust's run reported, as this run reports it: the manifest's fields for a pack it built."""
    if not row.get("built"):
        return {"trust": row["trust"], "skipped": row["result"]}
    manifest = Manifest.read(Path(row["pack"]).parent)
    return {**manifest.to_json(), "pack": row["pack"], "manifest": str(manifest.path)}


def _wait_for(runs: list[Any], poll: float = 1.0) -> list[Any]:
    """Each run in its final state; a run no worker has taken within START_TIMEOUT is cancelled."""
    from prefect.client.orchestration import get_client
    from prefect.states import Cancelled

    deadline = time.monotonic() + START_TIMEOUT
    with get_client(sync_client=True) as client:
        while True:
            runs = [client.read_flow_run(r.id) for r in runs]
            waiting = [r for r in runs if r.state and (r.state.is_scheduled() or r.state.is_pending())]
            if all(r.state and r.state.is_final() for r in runs):
                return runs
            if waiting and time.monotonic() > deadline:
                for r in waiting:
                    client.set_flow_run_state(r.id, Cancelled(message="no worker took it"), force=True)
                raise TrackerError(
                    f"no worker took {len(waiting)} of the runs from work queue {TRUSTS_QUEUE!r} within "
                    f"{START_TIMEOUT} s: start one with `prefect worker start --pool POOL --work-queue {TRUSTS_QUEUE}`"
                )
            time.sleep(poll)


def _digests(ws: Workspace, jobs: list[PackJob], packs: list[dict]) -> str | None:
    """Each trust whose pack was built gets its own digest, sent to its own secretary."""
    # Entry point: the environment (SMTP settings, password) is read here, for the digests only.
    base = replace(ws, env=dict(os.environ))
    built = {p["trust"] for p in packs if "pack" in p}
    lines = []
    for job in jobs:
        if job.name not in built:
            continue
        one = base.for_trust(job.ws.trust_id) if job.ws.trust_id else base
        try:
            detail = run_digest(one).detail
        except TrackerError as exc:
            detail = f"not sent: {exc}"
        lines.append(f"{job.name}: {detail}" if job.ws.trust_id else detail)
        print(f"Digest: {lines[-1]}")
    return "\n".join(lines) if lines else None
