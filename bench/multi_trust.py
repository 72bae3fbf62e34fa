"""Benchmark: 50 trusts' packs through the build-pack flow on a running Prefect server,
against the same 50 in one CLI process (`tracker pack --all-trusts`). Prints both and the ratio.

    .venv/bin/python bench/multi_trust.py [--trusts 50]

Starts its own Prefect server and worker on 127.0.0.1 (a free port) unless
PREFECT_API_URL names a running one; stops what it started.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tracker.orchestration.local import LocalPrefect, free_port  # noqa: E402
from tracker.register.parse import load_register  # noqa: E402

MEETING, NOW = "2026-12-10", "2026-11-22T09:00:00+00:00"


def make_trusts(work: Path, count: int) -> Path:
    """config/trusts/ with `count` profiles spread over the register's footprints."""
    shutil.copytree(
        ROOT / "config", work / "config", ignore=shutil.ignore_patterns("governors.yaml", ".*.lock", "trusts")
    )
    shutil.copytree(ROOT / "templates", work / "templates")
    systems = [s.id for s in load_register(work / "config" / "register.yaml").systems]
    base = (work / "config" / "trust.yaml").read_text()
    (work / "config" / "trusts").mkdir()
    for i in range(count):
        text = base.replace("short_name: fernbrook", f"short_name: trust-{i:02d}").replace(
            "system: frimley", f"system: {systems[i % len(systems)]}"
        )
        (work / "config" / "trusts" / f"trust-{i:02d}.yaml").write_text(
            text.replace("../templates/", "../../templates/")
        )
    return work / "config"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trusts", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-multi-") as tmp:
        work = Path(tmp)
        config = make_trusts(work, args.trusts)
        api_url = os.environ.get("PREFECT_API_URL")
        local = LocalPrefect(
            home=work / "prefect", port=free_port(), api_url=api_url, extra_env={"PREFECT_WORKER_QUERY_SECONDS": "1"}
        )
        t = time.perf_counter()
        local.start_server(ui=False)
        local.create_pool()
        local.deploy(ROOT)
        local.start_worker(ROOT)
        print(
            f"Prefect server {'in use' if api_url else 'started'} at {local.url}; deployed and worker up in {time.perf_counter() - t:.1f} s"
        )
        try:
            params = {
                "config_dir": str(config),
                "meeting": MEETING,
                "outputs_dir": str(work / "flow"),
                "now": NOW,
            }
            local.run_deployment("build-pack", params)  # warm-up: the worker's first run imports everything
            t = time.perf_counter()
            run = local.run_deployment("build-pack", params)
            flow_wall = time.perf_counter() - t
            if run["state"]["type"] != "COMPLETED":
                raise SystemExit(f"build-pack ended {run['state']['type']}: {run['state'].get('message')}")
            in_flow = run.get("total_run_time") or 0.0
        finally:
            if not api_url:
                local.stop()
        cmd = [
            sys.executable,
            "-m",
            "tracker",
            "pack",
            "--all-trusts",
            "--config",
            str(config),
            "--meeting",
            MEETING,
            "--outputs",
            str(work / "cli"),
        ]
        t = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True)
        cli_wall = time.perf_counter() - t
        built = len(list((work / "flow-packs").glob("*/*/*.docx"))), len(list((work / "cli-packs").glob("*/*/*.docx")))
        print(f"packs built: flow {built[0]}, CLI {built[1]}")
        print(
            f"flow on a running server: {flow_wall:.2f} s wall, run to final state ({in_flow:.2f} s inside the flow run), {flow_wall / args.trusts:.3f} s a trust"
        )
        print(f"one CLI process:          {cli_wall:.2f} s wall, {cli_wall / args.trusts:.3f} s a trust")
        print(f"ratio flow / CLI:         {flow_wall / cli_wall:.2f}")


if __name__ == "__main__":
    main()
