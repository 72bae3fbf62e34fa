"""When the scheduled jobs should act: which meeting's draft pack is due, and which trusts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from tracker.config import Trust, load_trust


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
