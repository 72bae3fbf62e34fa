"""What must never be committed: governors' personal data in any spelling, secrets, and temporary files."""

from __future__ import annotations

import subprocess

import pytest

from tests.conftest import ROOT


def ignored(path: str) -> bool:
    """Whether git would leave `path` out of a commit (the file need not exist)."""
    found = subprocess.run(["git", "check-ignore", "--no-index", "-q", path], cwd=ROOT, check=False)
    assert found.returncode in (0, 1), f"git check-ignore failed for {path}"
    return found.returncode == 0


@pytest.mark.parametrize(
    "path",
    [
        # the governors' names and addresses, however the file is spelt and wherever it is put
        "config/governors.yaml",
        "config/governors.yml",
        "config/Governors.yaml",
        "config/GOVERNORS.YAML",
        "config/governors.YML",
        "config/trusts/alder.governors.yaml",
        "config/trusts/alder.governors.yml",
        "governors.yaml",
        "config/old/governors.yaml",
        # secrets in the environment file
        ".env",
        "config/.env",
        ".env.local",
        # what a killed write or an open document leaves behind
        "config/.register.yaml.k3j4h5.tmp",
        "config/.register.yaml.lock",
        "outputs/packs/2026-12-10/.~lock.fernbrook-governors-briefing-2026-12-10.docx#",
        "templates/~$governors-briefing.docx",
        "templates/.~lock.governors-briefing.docx#",
    ],
)
def test_personal_data_secrets_and_temporary_files_are_never_committed(path):
    assert ignored(path)


@pytest.mark.parametrize(
    "path",
    [
        "config/governors.example.yaml",
        "config/trusts/alder.governors.example.yaml",
        "config/register.yaml",
        "config/trust.yaml",
        "templates/governors-briefing.docx",
    ],
)
def test_the_shipped_files_are_not_ignored(path):
    assert not ignored(path)
