"""bench/multi_trust.py's made-up deployment stays a valid one as the register changes
(a register that split a system once left four of its 50 trusts with another system's
place, and the bench stopped at its first step)."""

from __future__ import annotations

import importlib.util

from tests.conftest import ROOT, run
from tracker.register.parse import load_register


def load_bench():
    spec = importlib.util.spec_from_file_location("multi_trust_bench", ROOT / "bench" / "multi_trust.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_benchs_trusts_one_in_every_system_of_the_register_pass_validate(tmp_path):
    systems = load_register(ROOT / "config" / "register.yaml").systems
    config = load_bench().make_trusts(tmp_path, len(systems))
    result = run("validate", "--config", config)
    assert result.exit_code == 0, result.output
    assert f"the files of {len(systems)} trusts in {config}/trusts" in result.stdout
