"""When the scheduled jobs should act: which meeting's draft pack is due, and which trusts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tracker.config.profiles import Trust, load_trust
from tracker.config.validate import ConfigPaths

if TYPE_CHECKING:
    from tracker.pack.build import PackResult


def pack_due(trust: Trust, today: dt.date) -> dt.date | None:
    """The next meeting whose draft should exist by now (`draft_days_before` ahead), if any."""
    meeting = trust.next_meeting(today)
    if meeting is None or (meeting - today).days > trust.draft_days_before:
        return None
    return meeting


@dataclass(frozen=True)
class TrustConfig:
    """One trust's profile and the questions file that goes with it."""

    trust: Trust
    questions: Path


def _profiles(config_dir: Path) -> list[Path]:
    folder = Path(config_dir) / "trusts"
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.yaml") if not p.name.endswith(".questions.yaml"))


def is_multi_trust(config_dir: Path) -> bool:
    return bool(_profiles(config_dir))


def trust_configs(config_dir: Path) -> list[TrustConfig]:
    """Single-trust mode uses config/trust.yaml; multi-trust mode, config/trusts/*.yaml.

    In multi-trust mode each `<name>.yaml` may have a `<name>.questions.yaml` beside it;
    otherwise the shared config/questions.yaml is used.
    """
    config_dir = Path(config_dir)
    shared_questions = config_dir / "questions.yaml"
    folder = config_dir / "trusts"
    profiles = (
        sorted(p for p in folder.glob("*.yaml") if not p.name.endswith(".questions.yaml")) if folder.is_dir() else []
    )
    if not profiles:
        return [TrustConfig(load_trust(config_dir / "trust.yaml"), shared_questions)]
    out = []
    for path in profiles:
        own = path.with_name(f"{path.stem}.questions.yaml")
        out.append(TrustConfig(load_trust(path), own if own.exists() else shared_questions))
    return out


@dataclass(frozen=True)
class PackJob:
    """One trust's pack: where its config is and where its packs go."""

    name: str
    paths: ConfigPaths
    out_dir: Path


def pack_jobs(config_dir: Path, out_dir: Path) -> list[PackJob]:
    """One job per trust; in multi-trust mode each trust's packs go in `<out>/<short name>/`,
    so two trusts meeting on the same day never share a folder or a manifest."""
    config_dir, out_dir = Path(config_dir), Path(out_dir)
    multi = is_multi_trust(config_dir)
    return [
        PackJob(
            tc.trust.short_name,
            ConfigPaths(config_dir / "register.yaml", tc.trust.path, tc.questions, config_dir / "sources.yaml"),
            out_dir / tc.trust.short_name if multi else out_dir,
        )
        for tc in trust_configs(config_dir)
    ]


def run_pack_job(
    job: PackJob,
    *,
    now: dt.datetime,
    state_dir: Path,
    meeting: dt.date | None = None,
    pdf: bool | None = None,
    force: bool = False,
    when_due: bool = False,
) -> PackResult | str:
    """Build one trust's pack, or (with `when_due`) say why it is not due yet."""
    from tracker.config.loading import load_config
    from tracker.pack.build import build_pack

    config = load_config(job.paths)
    if when_due and meeting is None and pack_due(config.trust, now.date()) is None:
        return f"no meeting within {config.trust.draft_days_before} days of {now.date().isoformat()}"
    return build_pack(
        config.trust,
        config.questions,
        config.sources,
        job.paths.register,
        now=now,
        state_dir=state_dir,
        out_dir=job.out_dir,
        meeting=meeting,
        pdf=pdf,
        force=force,
    )
