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

from tracker.digest import run_digest
from tracker.loading import load_config
from tracker.pack import build_pack
from tracker.schedule import is_multi_trust, pack_due, trust_configs
from tracker.validate import ConfigPaths


@task(cache_policy=NO_CACHE, task_run_name="pack-{name}")
def build_trust_pack(
    name: str,
    paths: ConfigPaths,
    clock: dt.datetime,
    meeting: str | None,
    out_dir: Path,
    state_dir: Path,
    pdf: bool | None,
    when_due: bool,
) -> dict:
    config = load_config(paths)
    if when_due and not meeting and pack_due(config.trust, clock.date()) is None:
        reason = f"no meeting within {config.trust.draft_days_before} days of {clock.date().isoformat()}"
        print(f"{name}: not building a pack: {reason}")
        return {"trust": name, "skipped": reason}
    result = build_pack(
        config.trust,
        config.questions,
        config.sources,
        paths.register,
        now=clock,
        state_dir=state_dir,
        out_dir=out_dir,
        meeting=dt.date.fromisoformat(meeting) if meeting else None,
        pdf=pdf,
        register=config.register,
    )
    for note in result.notes:
        print(note)  # log_prints: a warning in the run's log, plain output when called directly
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
    futures = [
        build_trust_pack.submit(
            tc.trust.short_name,
            ConfigPaths(config / "register.yaml", tc.trust.path, tc.questions, config / "sources.yaml"),
            clock,
            meeting,
            # Each trust keeps its own packs folder, so two trusts meeting on one day never collide.
            Path(out_dir) / tc.trust.short_name if multi else Path(out_dir),
            Path(state_dir),
            pdf,
            when_due,
        )
        for tc in trust_configs(config)
    ]
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
