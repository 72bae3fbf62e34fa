"""The `build-pack` Prefect flow: thin wrappers round tracker.pack.build_pack.

`make pack` and `tracker pack` call the same function directly, without Prefect. On a
schedule (`when_due`), the flow builds a DRAFT only once the next meeting is within
the trust's `pack.draft_days_before`, and then emails the secretary the digest. With
`config/trusts/*.yaml` it builds one pack per trust, as concurrent tasks.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from tracker.distribution.digest import run_digest
from tracker.orchestration.schedule import PackJob, is_multi_trust, pack_jobs, run_pack_job


@task(cache_policy=NO_CACHE, task_run_name="pack-{job.name}")
def build_trust_pack(
    job: PackJob, clock: dt.datetime, meeting: str | None, state_dir: Path, pdf: bool | None, when_due: bool
) -> dict:
    result = run_pack_job(
        job,
        now=clock,
        state_dir=state_dir,
        meeting=dt.date.fromisoformat(meeting) if meeting else None,
        pdf=pdf,
        when_due=when_due,
    )
    if isinstance(result, str):
        print(f"{job.name}: not building a pack: {result}")
        return {"trust": job.name, "skipped": result}
    for note in result.notes:
        print(note)  # log_prints: a warning in the run's log
    print(f"Built {result.docx} (version {result.manifest['version']}, {result.manifest['status']})")
    # The manifest's fields, with `pack` and `manifest` as full paths (as `tracker pack --json` prints).
    return {**result.manifest, "pack": str(result.docx), "manifest": str(result.manifest_path)}


@flow(name="build-pack", log_prints=True)
def build_pack_flow(
    config_dir: str = "config",
    meeting: str | None = None,
    out_dir: str = "outputs/packs",
    state_dir: str = "outputs/state",
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
    clock = dt.datetime.fromisoformat(now) if now else dt.datetime.now(dt.UTC)
    config = Path(config_dir)
    multi = is_multi_trust(config)
    jobs = pack_jobs(config, Path(out_dir))
    futures = [build_trust_pack.submit(job, clock, meeting, Path(state_dir), pdf, when_due) for job in jobs]
    packs = [f.result() for f in futures]
    digest = None
    if send_digest and any("pack" in p for p in packs):
        if multi:
            digest = "not sent: the digest goes to the secretary in config/trust.yaml; in multi-trust mode run `tracker digest` per trust"
        else:
            # Entry point: the environment (SMTP settings, password) is read here.
            # run_digest keeps its own state beside the feeds' state, in <outputs>/state.
            digest = run_digest(
                config_dir=config, outputs=Path(state_dir).parent, env=dict(os.environ), now=clock
            ).detail
        print(f"Digest: {digest}")
    return {"packs": packs, "digest": digest}
