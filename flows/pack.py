"""The `build-pack` Prefect flow: thin wrappers round tracker.pack.build.build_pack.

`make pack` and `tracker pack` call the same function directly, without Prefect. On a
schedule (`when_due`), the flow builds a DRAFT only once the next meeting is within
the trust's `pack.draft_days_before`, and then emails the secretary the digest. With
`config/trusts/*.yaml` it builds one pack per trust, as concurrent tasks.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import replace
from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.utilities.annotations import quote

from tracker.config.loading import LoadedRegister, check_register
from tracker.config.workspace import Workspace
from tracker.core.dates import FixedClock, utc_now
from tracker.distribution.digest import run_digest
from tracker.orchestration.schedule import PackJob, PackSkipped, is_multi_trust, pack_jobs, run_pack_job


@task(cache_policy=NO_CACHE, task_run_name="pack-{job.name}")
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
) -> dict:
    """Build the pack for `meeting` (default: the next one) for every trust; return {"packs", "digest"}.

    `now` (ISO date-time) pins the clock, for tests and for rebuilding a past pack exactly.
    `when_due` (for a daily schedule): build only when the next meeting is near; skipped
    trusts appear in "packs" as {"trust", "skipped": reason}.
    `send_digest`: once a pack has been built, email the secretary the tracker's digest.
    """
    clock = FixedClock(dt.datetime.fromisoformat(now)) if now else utc_now
    ws = Workspace(Path(config_dir), Path(outputs_dir), clock=clock)
    jobs = pack_jobs(ws)
    register, _ = check_register(ws)  # once for every trust; a problem is reported by each trust's task
    # quote(): the register is passed as it is, not walked by Prefect looking for futures.
    futures = [
        build_trust_pack.submit(job, meeting, pdf, when_due, quote(register))  # type: ignore[call-overload]
        for job in jobs
    ]
    packs = [f.result() for f in futures]
    digest = None
    if send_digest and any("pack" in p for p in packs):
        if is_multi_trust(ws):
            digest = "not sent: the digest goes to the secretary in config/trust.yaml; in multi-trust mode run `tracker digest` per trust"
        else:
            # Entry point: the environment (SMTP settings, password) is read here, for the digest only.
            digest = run_digest(replace(ws, env=dict(os.environ))).detail
        print(f"Digest: {digest}")
    return {"packs": packs, "digest": digest}
