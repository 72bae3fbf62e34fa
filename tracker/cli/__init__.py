"""The `tracker` command: the one place that reads the environment and the clock.

Every command takes `--config` and `--outputs`, builds one Workspace from them, and
passes it down. Any TrackerError becomes one line on stderr and exit status 2.

Every command that reads or writes one trust's data (its pack, approval, governors,
deliveries, digest) takes `@trust_option()`: `--trust NAME`, and with
`trust_option(all_trusts=True)` also `--all-trusts`. The command receives a
`TrustChoice` and works on `choice.workspaces(ws)`, one Workspace per trust chosen;
with many trusts, nothing is ever done for a trust nobody named.
"""

from __future__ import annotations

# Each module registers its commands on the one group when imported.
from tracker.cli import config, distribution, orchestration, pack, register, tracking  # noqa: F401
from tracker.cli.base import cli

__all__ = ["cli", "main"]


def main() -> None:
    cli(prog_name="tracker")
