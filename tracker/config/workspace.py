"""Where everything lives: the config folder, the outputs folder and every path derived from them.

One `Workspace` is built in an entry point (a CLI command, a flow, a test) and passed
down. It also carries the two things the core must never read for itself: the
environment (SMTP settings, the password) and the clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType

from tracker.core.dates import Clock, utc_now

# The files a person edits, by role, as named inside the config folder.
CONFIG_FILES = {
    "register": "register.yaml",
    "trust": "trust.yaml",
    "questions": "questions.yaml",
    "sources": "sources.yaml",
    "matching": "matching.yaml",
}
GOVERNORS = "governors.yaml"  # personal data: git-ignored
GOVERNORS_EXAMPLE = "governors.example.yaml"  # fictional people, shipped


@dataclass(frozen=True)
class Workspace:
    config: Path = Path("config")
    outputs: Path = Path("outputs")
    env: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)
    clock: Clock = field(default=utc_now, repr=False, compare=False)
    # A file or folder given on the command line instead of the usual one: keys are
    # the roles in CONFIG_FILES, "governors", "state" and "packs".
    overrides: Mapping[str, Path] = field(default_factory=dict)

    def with_overrides(self, **paths: Path | None) -> Workspace:
        """The same workspace with some files or folders replaced (None leaves one as it is)."""
        given = {k: Path(v) for k, v in paths.items() if v is not None}
        unknown = set(given) - {*CONFIG_FILES, "governors", "state", "packs"}
        if unknown:
            raise ValueError(f"unknown workspace paths: {sorted(unknown)}")
        return replace(self, overrides=MappingProxyType({**self.overrides, **given}))

    def now(self) -> dt.datetime:
        return self.clock()

    # -- config ------------------------------------------------------------------
    def _file(self, role: str) -> Path:
        return self.overrides.get(role) or self.config / CONFIG_FILES[role]

    @property
    def register(self) -> Path:
        return self._file("register")

    @property
    def trust(self) -> Path:
        return self._file("trust")

    @property
    def questions(self) -> Path:
        return self._file("questions")

    @property
    def sources(self) -> Path:
        return self._file("sources")

    @property
    def matching(self) -> Path:
        """The matching vocabulary: categories' concepts, near misses and events."""
        return self._file("matching")

    @property
    def governors(self) -> Path:
        """governors.yaml if it exists (or the file given), else the fictional example."""
        if "governors" in self.overrides:
            return self.overrides["governors"]
        real = self.config / GOVERNORS
        return real if real.exists() else self.config / GOVERNORS_EXAMPLE

    @property
    def governors_is_example(self) -> bool:
        return "governors" not in self.overrides and not (self.config / GOVERNORS).exists()

    @property
    def trusts_dir(self) -> Path:
        """Multi-trust mode: one profile per trust in config/trusts/<name>.yaml."""
        return self.config / "trusts"

    # -- outputs -----------------------------------------------------------------
    @property
    def state_dir(self) -> Path:
        """Each feed's state, the digest's state, the register's last clean check."""
        return self.overrides.get("state") or self.outputs / "state"

    @property
    def packs_dir(self) -> Path:
        return self.overrides.get("packs") or self.outputs / "packs"

    @property
    def outbox_dir(self) -> Path:
        return self.outputs / "outbox"

    @property
    def deliveries_dir(self) -> Path:
        return self.outputs / "deliveries"

    @property
    def prefect_home(self) -> Path:
        return self.outputs / "prefect"

    @property
    def digest_state(self) -> Path:
        return self.state_dir / "digest.json"

    @property
    def timeline_cache(self) -> Path:
        return self.packs_dir / ".timeline-cache"

    def pack_folder(self, meeting: dt.date) -> Path:
        return self.packs_dir / meeting.isoformat()

    def outbox(self, meeting: dt.date) -> Path:
        return self.outbox_dir / meeting.isoformat()

    def delivery_log(self, meeting: dt.date) -> Path:
        return self.deliveries_dir / f"{meeting.isoformat()}.json"
