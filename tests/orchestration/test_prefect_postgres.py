"""Many trusts at scale: a Prefect server on PostgreSQL, workers sharing the trusts.

The test makes a throwaway PostgreSQL cluster (initdb into a temporary folder, on
127.0.0.1 at a free port, with a password), starts `prefect server start` on it, a worker
for the scheduled runs and two workers on the `trusts` queue with `--limit 1` each, and
runs the build-pack deployment for 48 trusts with fan_out 3: the run and its two helpers
share the trusts. Every trust's pack must be built once, from its own files into its own
folder, by more than one worker, and the runs must be in PostgreSQL. Everything is
stopped and the cluster removed at the end.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.conftest import ROOT, add_trust
from tracker.core.files import sha256_file
from tracker.orchestration.local import DEFAULT_QUEUE, TRUSTS_QUEUE, LocalPrefect, free_port

pytestmark = pytest.mark.slow
TRUSTS = {"alder": "frimley", "birch": "dorset", "cedar": "nottinghamshire", "dorset": "dorset"}
MEETING = "2026-12-10"


def postgres_bin() -> Path:
    """The folder of PostgreSQL's server programs (Debian keeps them off PATH)."""
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    if not versions:
        pytest.fail("PostgreSQL is not installed: run `make system-packages` (Debian package postgresql)")
    return versions[-1].parent


@pytest.fixture(scope="module")
def postgres():
    """A PostgreSQL cluster of our own for this module: its URL for Prefect, then stopped and deleted."""
    bindir, port, password = postgres_bin(), free_port(), secrets.token_hex(16)
    home = Path(tempfile.mkdtemp(prefix="tracker-pg-"))
    # PostgreSQL refuses to run as root: as root, its programs run as the `postgres` user.
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_user:
        shutil.chown(home, "postgres")
    (home / "pw").write_text(password)
    if as_user:
        shutil.chown(home / "pw", "postgres")

    def pg(*args: str) -> None:
        subprocess.run([*as_user, *args], check=True, capture_output=True, timeout=120)

    data = home / "data"
    pg(str(bindir / "initdb"), "-D", str(data), "-U", "tracker", "--pwfile", str(home / "pw"),
       "--auth=scram-sha-256", "-E", "UTF8", "--locale=C")  # fmt: skip
    options = f"-h 127.0.0.1 -p {port} -k {home}"
    pg(str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(home / "log"), "-w", "start")
    try:
        pg("env", f"PGPASSWORD={password}", str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port),
           "-U", "tracker", "prefect")  # fmt: skip
        yield f"postgresql+asyncpg://tracker:{password}@127.0.0.1:{port}/prefect"
    finally:
        pg(str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")
        shutil.rmtree(home)


@pytest.fixture(scope="module")
def prefect_on_postgres(postgres, tmp_path_factory):
    local = LocalPrefect(
        home=tmp_path_factory.mktemp("prefect-home"),
        port=free_port(),
        extra_env={
            "PREFECT_API_DATABASE_CONNECTION_URL": postgres,
            "PREFECT_WORKER_QUERY_SECONDS": "1",
            "PREFECT_UI_ENABLED": "false",
        },
    )
    try:
        local.start_server(ui=False)
        local.create_pool()
        local.deploy(ROOT)
        local.start_worker(ROOT, queue=DEFAULT_QUEUE)
        for name in ("trusts-1", "trusts-2"):
            local.start_worker(ROOT, limit=1, queue=TRUSTS_QUEUE, name=name)
        yield local
    finally:
        stopped = local.stop()
        assert {"server", "worker"} <= set(stopped)  # the last test stops the trusts workers itself
        assert not local.healthy()


def rows_in_postgres(url: str, sql: str) -> list:
    import asyncpg

    async def query() -> list:
        conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            return [tuple(r) for r in await conn.fetch(sql)]
        finally:
            await conn.close()

    return asyncio.run(query())


def test_workers_on_a_postgresql_backed_server_share_the_trusts_and_build_each_pack_once(
    prefect_on_postgres, postgres, config_dir, tmp_path
):
    local = prefect_on_postgres
    # Enough trusts that a helper starts (a Prefect run takes 4-6 s to start, more on a loaded
    # machine) long before the first run, in one process, could have built them all by itself:
    # 24 (about 6 s of packs) let the first run finish alone once in a loaded full-suite run.
    many = {f"trust-{i:02d}": list(TRUSTS.values())[i % len(TRUSTS)] for i in range(48)}
    for name, system in many.items():
        add_trust(config_dir, name, system=system)
    outputs = tmp_path / "outputs"
    params = {
        "config_dir": str(config_dir), "outputs_dir": str(outputs), "meeting": MEETING,
        "now": "2026-11-22T09:00:00+00:00", "fan_out": 3,
        "processes": 1,  # a run builds in one process: the workers stand for three one-core machines
    }  # fmt: skip
    run = local.run_deployment("build-pack", params, timeout=600)
    assert run["state"]["type"] == "COMPLETED", run["state"]

    for name in many:
        folder = outputs / "trusts" / name / "packs" / MEETING
        manifest = json.loads((folder / "manifest.json").read_text())
        assert manifest["trust"] == name and manifest["trust_name"] == f"{name.title()} NHS Trust"
        assert manifest["version"] == "1"  # built once, by one run
        assert sha256_file(folder / manifest["pack"]) == manifest["sha256"]
        assert manifest["pack"] == f"{name}-governors-briefing-{MEETING}.docx"
        # the deployment sends digests: each trust's secretary gets theirs, from the first run
        [digest] = (outputs / "trusts" / name / "outbox" / "digest").glob("*.eml")
        assert f"secretary@{name}.example.org" in digest.read_text()
    assert not (outputs / "packs").exists() or not list((outputs / "packs").glob("*/manifest.json"))

    table = local.table(run["id"], "build-pack")
    assert sorted(row["trust"] for row in table) == sorted(many)  # each trust once
    assert all(row["outcome"] == "built" for row in table)
    node = os.uname().nodename
    by_worker = {row["worker"] for row in table}
    assert f"{node}-worker" in by_worker and len(by_worker & {f"{node}-trusts-1", f"{node}-trusts-2"}) >= 1, table
    query = {"flow_runs": {"work_queue_name": {"any_": [TRUSTS_QUEUE]}}, "limit": 50}
    helpers = [h for h in local.api("POST", "/flow_runs/filter", json=query) if h["parameters"]["helping"] == run["id"]]
    assert sorted(h["name"] for h in helpers) == ["build-pack helper 1 of 2", "build-pack helper 2 of 2"]
    for helper in helpers:  # only the first run sends digests, and it has decided which trusts are due
        assert helper["parameters"]["fan_out"] == 1 and helper["parameters"]["processes"] == 1
        assert helper["parameters"]["send_digest"] is False and helper["parameters"]["when_due"] is False
    assert {row["flow run"] for row in table} <= {run["name"]} | {h["name"] for h in helpers}
    assert len({row["flow run"] for row in table}) >= 2

    # The server kept all of it in PostgreSQL: the run, and its helpers on the trusts queue.
    stored = rows_in_postgres(
        postgres,
        "SELECT fr.name, wq.name, fr.state_type FROM flow_run fr JOIN work_queue wq ON wq.id = fr.work_queue_id "
        f"WHERE fr.id = '{run['id']}' OR fr.name LIKE 'build-pack helper % of 2'",
    )
    assert sorted(stored) == sorted(
        [(run["name"], DEFAULT_QUEUE, "COMPLETED")] + [(h["name"], TRUSTS_QUEUE, "COMPLETED") for h in helpers]
    )


def test_a_trust_that_fails_in_its_group_is_named_and_every_other_trusts_pack_is_built(
    prefect_on_postgres, config_dir, tmp_path
):
    for name, system in TRUSTS.items():
        add_trust(config_dir, name, system=system, questions=name != "cedar")
    outputs = tmp_path / "outputs"
    params = {"config_dir": str(config_dir), "outputs_dir": str(outputs), "meeting": MEETING, "fan_out": 2}
    run = prefect_on_postgres.run_deployment("build-pack", params, timeout=600)
    assert run["state"]["type"] == "FAILED"
    assert "1 of 4 trusts' packs failed: cedar: " in run["state"]["message"]
    assert "cedar.questions.yaml: file not found" in run["state"]["message"]
    built = sorted(p.parts[-4] for p in outputs.glob("trusts/*/packs/*/manifest.json"))
    assert built == ["alder", "birch", "dorset"]
    outcomes = {row["trust"]: row["outcome"] for row in prefect_on_postgres.table(run["id"], "build-pack")}
    assert outcomes == {"alder": "built", "birch": "built", "cedar": "failed", "dorset": "built"}


def test_with_no_worker_free_for_its_helper_the_run_builds_every_trust_itself_and_cancels_the_helper(
    prefect_on_postgres, config_dir, tmp_path
):
    local = prefect_on_postgres
    for name in ("trusts-1", "trusts-2"):
        assert local.stop_process(name)
    for name, system in TRUSTS.items():
        add_trust(config_dir, name, system=system)
    params = {"config_dir": str(config_dir), "outputs_dir": str(tmp_path / "outputs"), "meeting": MEETING, "fan_out": 2}
    run = local.run_deployment("build-pack", params, timeout=300)
    assert run["state"]["type"] == "COMPLETED", run["state"]
    built = sorted(p.parts[-4] for p in (tmp_path / "outputs").glob("trusts/*/packs/*/manifest.json"))
    assert built == sorted(TRUSTS)
    assert {row["flow run"] for row in local.table(run["id"], "build-pack")} == {run["name"]}
    query = {"flow_runs": {"work_queue_name": {"any_": [TRUSTS_QUEUE]}}, "limit": 50}
    [helper] = [
        h for h in local.api("POST", "/flow_runs/filter", json=query) if h["parameters"]["helping"] == run["id"]
    ]
    assert helper["state"]["type"] == "CANCELLED"
    assert helper["state"]["message"].startswith("not needed: every trust had been taken")
