"""Where everything lives: the config folder, the outputs folder and every path derived from them.

One `Workspace` is built in an entry point (a CLI command, a flow, a test) and passed
down. It also carries the two things the core must never read for itself: the
environment (SMTP settings, the password) and the clock.

A deployment holds one trust (config/trust.yaml, questions.yaml, governors.yaml) or
many (config/trusts/<name>.yaml with <name>.questions.yaml and <name>.governors.yaml
beside it). `for_trust(name)` gives the workspace of one trust in a multi-trust
deployment: its own files in config/trusts/ and its own outputs folder,
outputs/trusts/<name>/, laid out as outputs/ is for a single trust. Nothing of one
trust's is ever looked for in another's files or folders, nor in the single-trust ones.
The register, the feeds and their state are shared by every trust.

Every path under outputs/ is derived here, and each one is checked as it is derived:
followed through any symbolic links, it must stay inside outputs/ (or inside the folder
given on the command line in its place). See tracker.core.files.inside.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType

from tracker.core.dates import Clock, utc_now
from tracker.core.files import inside

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
TRUSTS = "trusts"  # config/trusts/ and outputs/trusts/: one entry per trust in a multi-trust deployment
# The files of one trust in config/trusts/, by role; `{}` is the trust's name.
TRUST_FILES = {
    "trust": "{}.yaml",
    "questions": "{}.questions.yaml",
    "governors": "{}.governors.yaml",  # personal data: git-ignored
    "governors_example": "{}.governors.example.yaml",
}
SMTP_SETTINGS = ("HOST", "PORT", "USER", "SECURITY", "FROM", "PASSWORD")


@dataclass(frozen=True)
class Workspace:
    config: Path = Path("config")
    outputs: Path = Path("outputs")
    env: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)
    clock: Clock = field(default=utc_now, repr=False, compare=False)
    # A file or folder given on the command line instead of the usual one: keys are
    # the roles in CONFIG_FILES, "governors", "state" and "packs".
    overrides: Mapping[str, Path] = field(default_factory=dict)
    # The trust this workspace is about in a multi-trust deployment: its short name, which
    # is also its file name in config/trusts/ (`--trust NAME`); None for a single trust.
    trust_id: str | None = None

    def with_overrides(self, **paths: Path | None) -> Workspace:
        """The same workspace with some files or folders replaced (None leaves one as it is)."""
        given = {k: Path(v) for k, v in paths.items() if v is not None}
        unknown = set(given) - {*CONFIG_FILES, "governors", "state", "packs"}
        if unknown:
            raise ValueError(f"unknown workspace paths: {sorted(unknown)}")
        return replace(self, overrides=MappingProxyType({**self.overrides, **given}))

    def for_trust(self, name: str) -> Workspace:
        """The workspace of trust `name` of config/trusts/: its files, its outputs folder,
        and the environment with its own SMTP settings (TRACKER_<NAME>_SMTP_*) in place
        of the shared ones (TRACKER_SMTP_*)."""
        prefix = f"TRACKER_{name.upper().replace('-', '_')}_SMTP_"
        own = {f"TRACKER_SMTP_{key}": self.env[prefix + key] for key in SMTP_SETTINGS if self.env.get(prefix + key)}
        return replace(self, trust_id=name, env=MappingProxyType({**self.env, **own}))

    def now(self) -> dt.datetime:
        return self.clock()

    # -- config ------------------------------------------------------------------
    def _file(self, role: str) -> Path:
        if role in self.overrides:
            return self.overrides[role]
        if self.trust_id is not None and role in TRUST_FILES:
            return self.trusts_dir / TRUST_FILES[role].format(self.trust_id)
        return self.config / CONFIG_FILES[role]

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
    def governors_file(self) -> Path:
        """Where this trust's own governors list belongs (git-ignored: names and addresses are personal data).
        Spelt .yml rather than .yaml, it is found too (and git-ignored just the same)."""
        if self.trust_id is not None:
            path = self.trusts_dir / TRUST_FILES["governors"].format(self.trust_id)
        else:
            path = self.config / GOVERNORS
        yml = path.with_suffix(".yml")
        return yml if not path.exists() and yml.exists() else path

    @property
    def governors_example(self) -> Path:
        """The fictional list shipped beside it, used until the real one exists."""
        if self.trust_id is not None:
            return self.trusts_dir / TRUST_FILES["governors_example"].format(self.trust_id)
        return self.config / GOVERNORS_EXAMPLE

    @property
    def governors(self) -> Path:
        """The governors file in use: the one given, else this trust's own, else its fictional example."""
        if "governors" in self.overrides:
            return self.overrides["governors"]
        real = self.governors_file
        return real if real.exists() else self.governors_example

    @property
    def governors_is_example(self) -> bool:
        return "governors" not in self.overrides and not self.governors_file.exists()

    @property
    def trusts_dir(self) -> Path:
        """Multi-trust mode: one profile per trust in config/trusts/<name>.yaml."""
        return self.config / TRUSTS

    # -- outputs -----------------------------------------------------------------
    @property
    def trust_outputs(self) -> Path:
        """The folder of everything generated for this trust: outputs/ itself for a single
        trust, outputs/trusts/<name>/ for each trust of many (packs/, outbox/, deliveries/, state/)."""
        return self._out(self.outputs / TRUSTS / self.trust_id) if self.trust_id is not None else self.outputs

    def _out(self, path: Path, root: Path | None = None) -> Path:
        """`path`, checked to stay inside `root` (outputs/ unless a folder was given instead)."""
        return inside(root or self.outputs, path)

    @property
    def state_dir(self) -> Path:
        """Each feed's state and the register's last clean check: shared by every trust."""
        return self.overrides.get("state") or self._out(self.outputs / "state")

    @property
    def packs_dir(self) -> Path:
        return self.overrides.get("packs") or self._out(self.trust_outputs / "packs")

    @property
    def outbox_dir(self) -> Path:
        return self._out(self.trust_outputs / "outbox")

    @property
    def deliveries_dir(self) -> Path:
        return self._out(self.trust_outputs / "deliveries")

    @property
    def claims_root(self) -> Path:
        """Where multi-trust runs share out their trusts: one folder per run (orchestration.claims)."""
        return self._out(self.outputs / "state" / "claims")

    def claims_dir(self, run_id: str) -> Path:
        """The claims of run `run_id` (a Prefect flow run's id: letters, digits and hyphens)."""
        if not run_id or not all(c.isalnum() or c == "-" for c in run_id):
            raise ValueError(f"not a run id: {run_id!r}")
        return self._out(self.claims_root / run_id)

    @property
    def prefect_home(self) -> Path:
        return self._out(self.outputs / "prefect")

    @property
    def digest_state(self) -> Path:
        """When this trust's secretary was last sent the digest, and what it said."""
        if self.trust_id is not None:
            return self._out(self.trust_outputs / "state" / "digest.json")
        return self._out(self.state_dir / "digest.json", self.overrides.get("state"))

    @property
    def timeline_cache(self) -> Path:
        """Timeline pictures, keyed by what they show: shared by every trust."""
        packs = self.overrides.get("packs")
        return self._out((packs or self.outputs / "packs") / ".timeline-cache", packs)

    def pack_folder(self, meeting: dt.date) -> Path:
        return self._out(self.packs_dir / meeting.isoformat(), self.overrides.get("packs"))

    def outbox(self, meeting: dt.date) -> Path:
        return self._out(self.outbox_dir / meeting.isoformat())

    def delivery_log(self, meeting: dt.date) -> Path:
        return self._out(self.deliveries_dir / f"{meeting.isoformat()}.json")
