"""Benchmark: many trusts' packs in one plain process, and through the build-pack flow
with one and then two Prefect workers. Prints them side by side, and the ratios.

    .venv/bin/python bench/multi_trust.py [--trusts 50 150] [--pdf] [--repeat 1]

1. one plain process: `tracker pack --all-trusts`, as a fresh process (start-up included);
   and beside it, the same packs in one process per core without Prefect (what a flow run
   does, less Prefect's start): the best any spreading of the work could do here;
2. the flow, one worker: the build-pack deployment run (fan_out 1) on a running Prefect
   server, with one process worker (`--limit 1`): the run builds in as many processes as
   the machine has cores (tracker.orchestration.parallel);
3. the flow, two workers on one machine: the same run with fan_out 2 and two such
   workers; one takes the run, the other its helper, which finds every core building
   already and builds nothing (so this shows what a second worker on one machine costs);
4. the flow, two workers with a core each, as on two one-core machines: fan_out 2, each
   worker kept to one core; the run and its helper share the trusts.

Each timing is from asking for the run to its end (the run's end time, as the server
recorded it, so that polling need not be frequent), into an empty outputs folder (nothing
cached), the best of --repeat. The server (SQLite, on 127.0.0.1 at a free port) runs
throughout; starting it (about 15 s) is not counted, and workers poll every second.
Everything started here is stopped at the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tracker.orchestration.local import LocalPrefect, free_port  # noqa: E402
from tracker.register.footprint import areas, footprint  # noqa: E402
from tracker.register.parse import load_register  # noqa: E402

MEETING, NOW = "2026-12-10", "2026-11-22T09:00:00+00:00"


def make_trusts(work: Path, count: int) -> Path:
    """config/trusts/ with `count` trusts spread over the register's footprints, each with its own questions."""
    shutil.copytree(
        ROOT / "config", work / "config", ignore=shutil.ignore_patterns("governors.yaml", ".*.lock", "trusts")
    )
    shutil.copytree(ROOT / "templates", work / "templates")
    config = work / "config"
    register = load_register(config / "register.yaml")
    systems = [s.id for s in register.systems]
    profile, questions = (config / "trust.yaml").read_text(), (config / "questions.yaml").read_text()
    (config / "trusts").mkdir()
    for i in range(count):
        name, system = f"trust-{i:03d}", systems[i % len(systems)]
        text = profile.replace("short_name: fernbrook", f"short_name: {name}")
        text = text.replace("system: frimley", f"system: {system}")
        # the example's place is one of Frimley's areas: in a system that is split, a trust names one of its own
        fp = footprint(register, system)
        split = fp.unplaced if fp else None
        text = re.sub(r"(?m)^  place: .*$", f"  place: {areas(split)[0]}" if split else "", text)
        (config / "trusts" / f"{name}.yaml").write_text(text.replace("../templates/", "../../templates/"))
        (config / "trusts" / f"{name}.questions.yaml").write_text(questions)
    return config


def plain(config: Path, outputs: Path, pdf: bool) -> float:
    cmd = [
        sys.executable,
        "-m",
        "tracker",
        "pack",
        "--all-trusts",
        "--config",
        str(config),
        *(["--pdf"] if pdf else []),
    ]
    start = time.perf_counter()
    done = subprocess.run([*cmd, "--meeting", MEETING, "--outputs", str(outputs)], cwd=ROOT, capture_output=True)
    if done.returncode:
        raise SystemExit(f"tracker pack --all-trusts failed:\n{done.stderr.decode(errors='replace')}")
    return time.perf_counter() - start


def every_core(config: Path, outputs: Path, pdf: bool) -> float:
    """The same packs without Prefect, in as many processes as there are cores, as a flow run
    builds them (tracker.orchestration.parallel), from a fresh process: the best any way of
    spreading the work could do on this machine."""
    cmd = [sys.executable, __file__, "--every-core", str(config), str(outputs), *(["--pdf"] if pdf else [])]
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True)
    if done.returncode:
        raise SystemExit(f"building on every core failed:\n{done.stderr.decode(errors='replace')}")
    return time.perf_counter() - start


def build_on_every_core(config: Path, outputs: Path, pdf: bool) -> None:
    from tracker.config.workspace import Workspace
    from tracker.core.dates import FixedClock
    from tracker.orchestration import parallel
    from tracker.orchestration.claims import Claims
    from tracker.orchestration.schedule import pack_jobs

    ws = Workspace(config, outputs, clock=FixedClock(dt.datetime.fromisoformat(NOW)))
    jobs, claims = pack_jobs(ws), Claims(ws.claims_dir("bench"))
    names = [j.name for j in jobs]
    given = parallel.Assignment(str(config), str(outputs), NOW, names, str(claims.folder), "bench", MEETING, pdf)
    extra = parallel.children_for(len(jobs), len(os.sched_getaffinity(0)))
    share = parallel.build_in_processes(ws, jobs, given, claims, extra, say=lambda line: None)
    if share.failed:
        raise SystemExit("; ".join(share.failed.values()))


def through_prefect(local: LocalPrefect, config: Path, outputs: Path, pdf: bool, fan_out: int) -> tuple[float, dict]:
    # What the plain process does: the packs (no digests), for the given meeting.
    params: dict[str, object] = {"config_dir": str(config), "outputs_dir": str(outputs), "meeting": MEETING, "now": NOW}
    params |= {"send_digest": False, "when_due": False, "pdf": pdf}
    start = time.time()  # the server's clock is this machine's: the run's end is read from it
    # Polled once a second, not faster: every poll is work for the server, on the cores the packs need.
    run = local.run_deployment("build-pack", {**params, "fan_out": fan_out}, timeout=1800, poll=1.0)
    if run["state"]["type"] != "COMPLETED":
        raise SystemExit(f"build-pack ended {run['state']['type']}: {run['state'].get('message')}")
    return dt.datetime.fromisoformat(run["end_time"]).timestamp() - start, run


def built(outputs: Path) -> int:
    return len(list(outputs.glob("trusts/*/packs/*/*.docx")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--trusts", type=int, nargs="+", default=[50, 150], help="how many trusts (several: a row each)"
    )
    parser.add_argument("--pdf", action="store_true", help="also make each pack's PDF copy (LibreOffice)")
    parser.add_argument("--repeat", type=int, default=1, help="time each way this many times and keep the best")
    parser.add_argument("--every-core", nargs=2, type=Path, help=argparse.SUPPRESS)  # CONFIG OUTPUTS: one way, timed
    args = parser.parse_args()
    if args.every_core:
        config, outputs = args.every_core
        return build_on_every_core(config, outputs, args.pdf)
    rows = []
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-multi-") as tmp:
        work = Path(tmp)
        local = LocalPrefect(home=work / "prefect", port=free_port(), extra_env={"PREFECT_WORKER_QUERY_SECONDS": "1"})
        try:
            t = time.perf_counter()
            local.start_server(ui=False)
            local.create_pool()
            local.deploy(ROOT)
            print(f"Prefect server at {local.url}, deployed, in {time.perf_counter() - t:.1f} s")
            for count in args.trusts:
                (work / str(count)).mkdir()
                rows.append(measure(local, make_trusts(work / str(count), count), count, args.pdf, args.repeat))
        finally:
            local.stop()
    load = os.getloadavg()[0]
    what = "packs with their PDF copies" if args.pdf else "packs (.docx)"
    print(f"Packs (best of {args.repeat}), {what} for {MEETING}")
    print(f"({os.cpu_count()} cores; load average {load_before:.1f} before, {load:.1f} after: other work shares them)")
    print()
    print("| trusts | plain | every core, no Prefect | " + " | ".join(f"flow, {w}" for w, _, _ in WAYS) + " |")
    print("|---|---|---|" + "---|" * len(WAYS))
    for count, best, _ in rows:
        cells = [f"{best[w]:.1f} s" for w in ("plain", "every core", *(w for w, _, _ in WAYS))]
        print(f"| {count} | " + " | ".join(cells) + " |")
    print()
    print("Each / plain (target: two workers at most 0.70):")
    print()
    print("| trusts | every core, no Prefect | " + " | ".join(f"flow, {w}" for w, _, _ in WAYS) + " |")
    print("|---|---|" + "---|" * len(WAYS))
    for count, best, _ in rows:
        cells = [f"{best[w] / best['plain']:.2f}" for w in ("every core", *(w for w, _, _ in WAYS))]
        print(f"| {count} | " + " | ".join(cells) + " |")
    print()
    print("Without Prefect's start: each run's own duration, as Prefect reports it (its start to its end;")
    print("not counted: a worker noticing the run and starting its process, 3-5 s), and how many")
    print("workers' runs built packs (the most in one repeat):")
    print()
    print("| trusts | " + " | ".join(f"run, {w}" for w, _, _ in WAYS) + " |")
    print("|---|" + "---|" * len(WAYS))
    for count, best, seen in rows:
        cells = [f"{best[w + ', run']:.1f} s ({seen[w]} built)" for w, _, _ in WAYS]
        print(f"| {count} | " + " | ".join(cells) + " |")
    print()
    print("'every core, no Prefect': the packs in one process per core without Prefect, the best any")
    print("way of spreading them could do here: a flow run can only add Prefect's start to it.")


# The flow, three ways: (label, workers, each worker kept to a core of its own).
WAYS = [
    ("1 worker", 1, False),
    ("2 workers, one machine", 2, False),
    ("2 workers, a core each", 2, True),
]


def measure(local: LocalPrefect, config: Path, count: int, pdf: bool, repeat: int) -> tuple[int, dict, dict]:
    """The best time of each way for `count` trusts, and how many workers' runs built packs."""
    times: dict[str, list[float]] = defaultdict(list)
    seen: dict[str, int] = defaultdict(int)
    cores = sorted(os.sched_getaffinity(0))
    for n in range(repeat):
        out = config.parent / f"plain-{n}"
        times["plain"].append(plain(config, out, pdf))
        assert built(out) == count, f"plain: {built(out)} packs built"
        out = config.parent / f"every-core-{n}"
        times["every core"].append(every_core(config, out, pdf))
        assert built(out) == count, f"every core: {built(out)} packs built"
        for way, (label, workers, pinned) in enumerate(WAYS):
            names = [f"worker-{count}-{way}-{n}-{i}" for i in range(workers)]
            for i, name in enumerate(names):  # every queue of the pool: the run, and its helper
                local.start_worker(ROOT, limit=1, name=name, cpus={cores[i % len(cores)]} if pinned else None)
            time.sleep(3)  # let the workers start polling
            out = config.parent / f"flow-{way}-{n}"
            took, run = through_prefect(local, config, out, pdf, fan_out=workers)
            assert built(out) == count, f"{label}: {built(out)} packs built"
            times[label].append(took)
            # Prefect's own figure for the run: from its start (a worker's process running it) to its end.
            times[f"{label}, run"].append(
                dt.datetime.fromisoformat(run["end_time"]).timestamp()
                - dt.datetime.fromisoformat(run["start_time"]).timestamp()
            )
            building = {row["worker"] for row in local.table(run["id"], "build-pack")}
            seen[label] = max(seen[label], len(building))
            for name in names:
                local.stop_process(name)
    return count, {k: min(v) for k, v in times.items()}, seen


if __name__ == "__main__":
    main()
