"""One `track` run in a process of its own, for tests that measure what a run costs.

    python -m tests.tracking.hostile_run CONFIG OUTPUTS NOW TIMEOUT

Reads CONFIG/sources.yaml and tracks as `tracker track` does, with each fetch's total
deadline set to TIMEOUT seconds (the shipped 20 s would make a test of slow servers
slow), then prints the run's JSON summary with the process's peak resident memory.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from pathlib import Path

from tracker.config.profiles import load_sources
from tracker.config.workspace import Workspace
from tracker.core.dates import FixedClock
from tracker.tracking.run import track


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM). Not getrusage's ru_maxrss, which on
    Linux keeps the peak of the process that started this one (the test run) across exec."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def main(config: str, outputs: str, now: str, timeout: str) -> None:
    ws = Workspace(Path(config), Path(outputs), env={}, clock=FixedClock(dt.datetime.fromisoformat(now)))
    start = time.monotonic()
    summary = track(ws, load_sources(ws.sources), timeout=float(timeout))
    data = summary.to_dict()
    data["seconds"] = time.monotonic() - start
    data["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(data, default=str))


if __name__ == "__main__":
    main(*sys.argv[1:])
