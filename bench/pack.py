"""How fast is `make pack`, and how fast are packs for many trusts in one process?

Run from the repository root: `.venv/bin/python bench/pack.py`. Prints:
  1. `tracker pack` as `make pack` runs it (a fresh process each time): the first run
     with no cached timeline picture, then the median of 5 runs (target: <= 2 s);
  2. the same, with the timeline cache emptied before every run (the cold case);
  3. time per pack when building 50 trusts' packs in one process (target: <= 0.3 s),
     the trusts spread over the register's footprints (one timeline picture each);
  4. peak memory: the process's maximum resident set (ru_maxrss) after the 50 packs,
     and the tracemalloc peak of Python allocations over 5 further packs.
"""

from __future__ import annotations

import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RUNS = 5
TRUSTS = 50


def cli_run(out: Path) -> float:
    start = time.perf_counter()
    subprocess.run(
        [str(ROOT / ".venv/bin/python"), "-m", "tracker", "pack", "--outputs", str(out)],
        cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    return time.perf_counter() - start


def many_trusts(out: Path, count: int, trace: bool = False) -> tuple[float, float]:
    """Seconds per pack for `count` trusts in this process, and the tracemalloc peak (MiB) if traced."""
    from tracker.config.loading import load_config
    from tracker.config.workspace import Workspace
    from tracker.core.dates import utc_now
    from tracker.pack.build import build_pack

    ws = Workspace(ROOT / "config", out, clock=utc_now)
    config = load_config(ws)
    systems = [s.id for s in config.register.systems]
    if trace:  # tracemalloc slows Python down, so it gets a run of its own
        tracemalloc.start()
    start = time.perf_counter()
    for i in range(count):
        # Spread the trusts over every footprint in the register: each footprint's
        # timeline differs, so pictures are drawn, not just reused from the cache.
        system = systems[i % len(systems)]
        trust = replace(config.trust, short_name=f"trust-{i:02d}", name=f"Benchmark Trust {i:02d}", system=system)
        build_pack(replace(config, trust=trust), ws.with_overrides(packs=out / "packs" / trust.short_name))
    per_pack = (time.perf_counter() - start) / count
    peak = tracemalloc.get_traced_memory()[1] / 2**20 if trace else 0.0
    tracemalloc.stop()
    return per_pack, peak


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-pack-") as tmp:
        out = Path(tmp)
        first = cli_run(out / "warm")
        warm = [cli_run(out / "warm") for _ in range(RUNS)]
        cold = []
        for _ in range(RUNS):
            shutil.rmtree(out / "warm" / "packs" / ".timeline-cache", ignore_errors=True)
            cold.append(cli_run(out / "warm"))
        per_pack, _ = many_trusts(out / "many", TRUSTS)
        rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        _, traced_mib = many_trusts(out / "traced", 5, trace=True)
    print(f"make pack (tracker pack, fresh process): first run {first:.2f} s")
    print(f"  median of {RUNS}, timeline picture cached: {statistics.median(warm):.2f} s  (target <= 2 s)")
    print(f"  median of {RUNS}, timeline cache emptied:  {statistics.median(cold):.2f} s  (target <= 2 s)")
    print(f"{TRUSTS} trusts' packs in one process: {per_pack:.3f} s per pack  (target <= 0.3 s)")
    print(f"peak memory: {rss_mib} MiB max resident set after the {TRUSTS} packs; "
          f"{traced_mib:.1f} MiB peak traced by tracemalloc over 5 packs")  # fmt: skip


if __name__ == "__main__":
    main()
