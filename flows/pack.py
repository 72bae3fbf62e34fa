"""The `build-pack` Prefect flow: thin wrappers round tracker.pack.build.build_pack.

`make pack` and `tracker pack` call the same function directly, without Prefect. On a
schedule (`when_due`), the flow builds a DRAFT only once the next meeting is within
the trust's `pack.draft_days_before`, and then emails the trust's secretary the digest.

With many trusts (config/trusts/*.yaml) the work is spread over every core and every
worker. A run builds in as many processes as its machine has cores
(tracker.orchestration.parallel: plain child processes that need not import Prefect, so
they build within a second). Run from its deployment with `fan_out` N > 1, it also starts
N - 1 helper runs of this same deployment on the pool's `trusts` work queue, for workers on
other machines (a helper on a machine whose cores the others fill builds nothing). Every
process of every run claims the trusts one at a time from the same list
(tracker.orchestration.claims), so each trust is built once, by whichever process is free. Nobody waits for a worker: helpers still waiting for one when the last trust is
claimed are cancelled as not needed. (Tasks in one flow run share one process and its
GIL; one flow run per trust would pay a process start, about 3.5 s, per trust; fixed
groups made the first run wait idle, then wait for the slowest group; a helper run on
the same machine joins only 4 to 5 s later, once a worker has started Prefect for it.)
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any
from uuid import UUID

from prefect import flow, get_run_logger

from tracker.config.profiles import load_trust
from tracker.config.workspace import Workspace
from tracker.core.dates import FixedClock, utc_now, utc_stamp
from tracker.core.errors import TrackerError
from tracker.distribution.digest import run_digest
from tracker.orchestration import parallel
from tracker.orchestration.claims import Claims, sweep
from tracker.orchestration.local import TRUSTS_QUEUE
from tracker.orchestration.schedule import PackJob, pack_due, pack_jobs
from tracker.pack.manifest import Manifest
from tracker.register.parse import load_register

ARTIFACT = "build-pack"  # the table each run publishes: one row per trust


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
    processes: int | None = None,
    helping: str | None = None,
) -> dict:
    """Build the pack for `meeting` (default: the next one) for every trust; return {"packs", "digest", "runs"}.

    `now` (ISO date-time) pins the clock, for tests and for rebuilding a past pack exactly.
    `when_due` (for a daily schedule): build only when the next meeting is near; skipped
    trusts appear in "packs" as {"trust", "skipped": reason}.
    `send_digest`: once a trust's pack has been built, email that trust's secretary the digest.
    `trusts`: only these trusts (by name), not every one.
    `fan_out`: run from the deployment, build with up to this many flow runs at once: this
    one and fan_out - 1 helpers on the work pool's `trusts` queue; "runs" then says which
    run and worker built which trusts. Set it to the number of workers (machines) that build packs.
    `processes`: each run builds in up to this many processes of its machine, all claiming
    from the same list (default: as many as the machine gives this run cores; one for every
    8 trusts at most, since a process costs about two packs to start). A helper uses only
    the cores the other runs' processes leave free on its machine, and builds nothing if
    none is free.
    `helping` (set by the first run for its helpers, not by hand): the id of the run whose
    trusts this run helps to build.
    """
    now = now or utc_stamp(utc_now())  # every trust, in this run or its helpers, as of the same moment
    ws = Workspace(Path(config_dir), Path(outputs_dir), clock=FixedClock(dt.datetime.fromisoformat(now)))
    jobs = pack_jobs(ws, trusts)
    # Entry point: the cores this machine gives the run are read here. Helpers, on other
    # machines perhaps, are given `processes` as it was given (None: their own cores).
    cores = os.sched_getaffinity(0)
    wanted = processes or len(cores)
    if helping is not None:
        return _help(ws, jobs, Claims(ws.claims_dir(helping)), meeting, pdf, wanted, cores)
    skipped: list[dict] = []
    if when_due and meeting is None:
        jobs, skipped = _due(jobs, ws.now().date())
    deployment = _deployment_id()
    helpers = min(fan_out, len(jobs)) - 1
    if helpers > 0 and deployment is None:
        print("fan_out needs the flow to run from its deployment: building every trust in this run")
        helpers = 0
    if helpers > 0 and deployment is not None:
        me = _run_id()
        claims = Claims(ws.claims_dir(me))
        params: dict[str, Any] = {"config_dir": config_dir, "outputs_dir": outputs_dir, "meeting": meeting}
        params |= {"pdf": pdf, "now": now, "processes": processes}
        started: list[Any] = []

        def meanwhile() -> None:  # once this run's own processes are building
            started.extend(_start_helpers(deployment, [j.name for j in jobs], helpers, {**params, "helping": me}))
            # Older runs' claims, by the real clock (not a pinned `now`), once the helpers are on their way.
            sweep(ws.claims_root, utc_now())

        built, failed = _build_here(ws, jobs, meeting, pdf, wanted, cores, claims, meanwhile)
        claims.close()  # every trust is claimed by now: a helper that starts later builds nothing
        more, more_failed, runs = _gather(started, claims)
        built, failed = built + more, {**failed, **more_failed}
    else:
        (built, failed), runs = (
            _build_here(ws, jobs, meeting, pdf, wanted, cores),
            [_this_run([j.name for j in jobs])],
        )
    packs = sorted(skipped + built, key=lambda p: p["trust"])
    digest = _digests(ws, jobs, packs) if send_digest else None
    _publish(packs, failed, runs)
    if failed:  # after the others' packs, digests and the table: a failure costs only its own trust
        raise TrackerError(f"{len(failed)} of {len(jobs)} trusts' packs failed: " + "; ".join(failed.values()))
    return {"packs": packs, "digest": digest, "runs": runs}


def _help(
    ws: Workspace,
    jobs: list[PackJob],
    claims: Claims,
    meeting: str | None,
    pdf: bool | None,
    processes: int,
    cores: set[int],
) -> dict:
    """A helper run: build the trusts it claims from the first run's list, and publish them
    (the first run reads them back from the table; it reports them and sends the digests).
    On a machine whose cores the other runs' processes already fill, it builds nothing: it
    would only slow them down."""
    free = claims.free_on(_machine(), cores)
    built, failed = _build_here(ws, jobs, meeting, pdf, min(processes, free), cores, claims) if free > 0 else ([], {})
    mine = sorted([p["trust"] for p in built] + list(failed))
    if free <= 0:
        print(f"This machine's {len(cores)} cores are all building this run's trusts already: nothing to build here")
    elif not mine:
        print("Every trust was already taken by the other runs: nothing to build")
    runs = [_this_run(mine)]
    _publish(built, failed, runs)
    if failed:
        raise TrackerError(
            f"{len(failed)} of the {len(mine)} trusts this run took failed: " + "; ".join(failed.values())
        )
    return {"packs": built, "digest": None, "runs": runs}


UNCHANGED = ", approved, left unchanged"  # the outcome stays "built": other runs collect those rows


def _publish(packs: list[dict], failed: dict[str, str], runs: list[dict]) -> None:
    """One row per trust on the run's page in the UI: built, skipped or failed, and by which run and worker."""
    from prefect.artifacts import create_table_artifact

    by = {name: run for run in runs for name in run["trusts"]}
    outcomes = [
        (p["trust"], "built", f"version {p['version']} {p['status']}" + UNCHANGED * bool(p.get("unchanged")), p["pack"])
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
    ws: Workspace,
    jobs: list[PackJob],
    meeting: str | None,
    pdf: bool | None,
    processes: int,
    cores: set[int],
    claims: Claims | None = None,
    meanwhile: Callable[[], None] | None = None,
) -> tuple[list[dict], dict[str, str]]:
    """The packs of `jobs` built by this run, as `tracker pack --all-trusts` builds them
    (only those it claims, given `claims`), and why each trust that failed did (the others
    are built all the same). With many trusts, child processes on this machine's other
    cores claim and build alongside (tracker.orchestration.parallel). A Prefect task per
    trust was measured costing a third again on top of the packs, for no gain: tasks in
    one run share one core. `cores`: the CPUs this run may use (the flow read them).
    `meanwhile` is called once the child processes are starting."""
    extra = parallel.children_for(len(jobs), processes)
    if claims is None and extra == 0:
        share = parallel.build_claimed(ws, jobs, meeting, pdf)
        return share.built, share.failed
    ours = claims is None  # only this run's processes share the list: it is closed when they are done
    if claims is None:
        claims = Claims(ws.claims_dir(_run_id()))
        sweep(ws.claims_root, utc_now())
    me = _run_name()
    # so that a helper on this machine knows which of its cores are busy
    claims.enlist(_machine(), cores, me, extra + 1)
    given = parallel.Assignment(
        str(ws.config),
        str(ws.outputs),
        ws.now().isoformat(),
        [j.name for j in jobs],
        str(claims.folder),
        me,
        meeting,
        pdf,
    )
    share = parallel.build_in_processes(ws, jobs, given, claims, extra, meanwhile=meanwhile)
    if ours:
        claims.close()
    for line in share.log:  # the children's lines, in this run's log
        print(line)
    if extra:
        print(f"Built {len(share.built)} packs in {extra + 1} processes of this machine")
    return share.built, share.failed


def _deployment_id() -> UUID | None:
    from prefect.runtime import deployment

    found = deployment.get_id()
    return UUID(found) if found else None


def _run_id() -> str:
    from prefect.runtime import flow_run

    return str(flow_run.get_id())


def _run_name() -> str:
    from prefect.runtime import flow_run

    return str(flow_run.get_name() or "this run")


def _machine() -> str:
    return socket.gethostname()


def _this_run(names: list[str]) -> dict:
    return {"flow_run": _run_name(), "trusts": names, "worker": os.environ.get("PREFECT__WORKER_NAME")}


def _start_helpers(deployment: UUID, names: list[str], helpers: int, params: dict) -> list[Any]:
    """Start `helpers` runs of this deployment on the `trusts` queue, to share `names` with this run."""
    from prefect.deployments import run_deployment

    started = [
        run_deployment(
            deployment,
            # this run has decided which trusts are due, and sends the digests itself
            parameters={**params, "trusts": names, "fan_out": 1, "when_due": False, "send_digest": False},
            timeout=0,  # do not wait: this run builds trusts meanwhile
            work_queue_name=TRUSTS_QUEUE,
            flow_run_name=f"build-pack helper {i + 1} of {helpers}",
        )
        for i in range(helpers)
    ]
    get_run_logger().info("Started %d helper runs on work queue %r for %d trusts", helpers, TRUSTS_QUEUE, len(names))
    return started


def _gather(started: list[Any], claims: Claims) -> tuple[list[dict], dict[str, str], list[dict]]:
    """Once this run has claimed its last trust: what each helper built, and why any trust
    it took has no pack; and which run and worker built which trusts, this run's included.

    Each helper publishes a table of its trusts (the "build-pack" artifact, kept in the
    server's database), even when some of them failed, and writes its packs and manifests
    to the shared outputs folder: that is all this run reads back, so workers on other
    machines need no shared result storage, only the same config/ and outputs/.
    """
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId, ArtifactFilterKey

    finished = _settle(started)
    taken = claims.taken()
    me = _run_name()
    runs = [_this_run(sorted(t for t, by in taken.items() if by == me))]
    built: list[dict] = []
    failed: dict[str, str] = {}
    with get_client(sync_client=True) as client:
        for run in finished:
            found = client.read_artifacts(
                artifact_filter=ArtifactFilter(
                    flow_run_id=ArtifactFilterFlowRunId(any_=[run.id]), key=ArtifactFilterKey(any_=[ARTIFACT])
                )
            )
            rows = json.loads(found[0].data) if found and isinstance(found[0].data, str) else []
            share = sorted(t for t, by in taken.items() if by == run.name)
            if share or rows:
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


def _settle(runs: list[Any], poll: float = 0.2) -> list[Any]:
    """Each helper in its final state: those no worker has taken yet are cancelled, as not
    needed (every trust is claimed), and those under way are waited for."""
    from prefect.client.orchestration import get_client
    from prefect.states import Cancelled

    not_needed = "not needed: every trust had been taken by a run under way before a worker took this one"
    with get_client(sync_client=True) as client:
        while True:
            runs = [client.read_flow_run(r.id) for r in runs]
            for r in runs:
                if r.state and r.state.is_scheduled():  # taken runs are Pending or Running
                    client.set_flow_run_state(r.id, Cancelled(message=not_needed), force=True)
            if all(r.state and r.state.is_final() for r in runs):
                return runs
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
