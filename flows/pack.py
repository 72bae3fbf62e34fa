"""The `build-pack` Prefect flow: a thin wrapper round tracker.pack.build_pack.

`make pack` and `tracker pack` call the same function directly, without Prefect.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from prefect import flow

from tracker.loading import load_config
from tracker.pack import build_pack
from tracker.schedule import pack_due
from tracker.validate import ConfigPaths


@flow(name="build-pack", log_prints=True)
def build_pack_flow(
    config_dir: str = "config",
    meeting: str | None = None,
    out_dir: str = "outputs/packs",
    state_dir: str = "outputs/state",
    pdf: bool | None = None,
    now: str | None = None,
    when_due: bool = False,
) -> dict:
    """Build the briefing pack for `meeting` (default: the next one); return the manifest and paths.

    `now` (ISO date-time) pins the clock, for tests and for rebuilding a past pack exactly.
    `when_due` (for a daily schedule): build only once the next meeting is within the
    trust's `pack.draft_days_before`; otherwise return {"skipped": reason}.
    """
    clock = dt.datetime.fromisoformat(now) if now else dt.datetime.now(dt.UTC)
    paths = ConfigPaths.in_dir(Path(config_dir))
    config = load_config(paths)
    if when_due and not meeting and pack_due(config.trust, clock.date()) is None:
        reason = f"no meeting within {config.trust.draft_days_before} days of {clock.date().isoformat()}"
        print(f"Not building a pack: {reason}")
        return {"skipped": reason}
    result = build_pack(
        config.trust,
        config.questions,
        config.sources,
        paths.register,
        now=clock,
        state_dir=Path(state_dir),
        out_dir=Path(out_dir),
        meeting=dt.date.fromisoformat(meeting) if meeting else None,
        pdf=pdf,
        register=config.register,
    )
    for note in result.notes:
        print(note)  # log_prints: a warning in the run's log, plain output when called directly
    print(f"Built {result.docx} (version {result.manifest['version']}, {result.manifest['status']})")
    # The manifest's fields, with `pack` and `manifest` as full paths (as `tracker pack --json` prints).
    return {**result.manifest, "pack": str(result.docx), "manifest": str(result.manifest_path)}
