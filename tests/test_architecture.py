"""ARCHITECTURE.md stays true: each subpackage imports only what its row of the table allows."""

from __future__ import annotations

import ast
import re

from tests.conftest import ROOT

TRACKER = ROOT / "tracker"


def allowed_imports() -> dict[str, set[str]]:
    """The 'may import' column of ARCHITECTURE.md's subpackage table."""
    rows = re.findall(r"^\| `(\w+)` \| .* \| (.*) \|$", (ROOT / "ARCHITECTURE.md").read_text(), re.M)
    return {
        name: {m for m in re.findall(r"\b[a-z]+\b", may) if m != "nothing"} - {"else", "in", "tracker"}
        for name, may in rows
    }


def imports_of(package: str) -> dict[str, set[str]]:
    """For each module of a subpackage, the other tracker subpackages (and tracker.cli) it imports."""
    found: dict[str, set[str]] = {}
    for path in sorted((TRACKER / package).glob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                modules = [node.module] + (
                    [f"{node.module}.{a.name}" for a in node.names] if node.module == "tracker" else []
                )
            elif isinstance(node, ast.Import):
                modules = [a.name for a in node.names]
            else:
                continue
            names |= {
                m.split(".")[1] for m in modules if m.startswith("tracker.") or m == "flows" or m.startswith("flows.")
            }
        found[path.name] = names - {package}
    return found


def test_the_table_names_every_subpackage_there_is():
    packages = {p.name for p in TRACKER.iterdir() if (p / "__init__.py").exists()}
    assert set(allowed_imports()) == packages


def test_each_subpackage_imports_only_what_architecture_md_allows():
    allowed = allowed_imports()
    broken = [
        f"tracker/{package}/{module} imports {', '.join(sorted(extra))}"
        for package, may in allowed.items()
        for module, used in imports_of(package).items()
        if (extra := used - may)
    ]
    assert not broken, "\n".join(broken)


def test_the_core_imports_nothing_else_of_the_tracker_and_nothing_imports_the_cli():
    allowed = allowed_imports()
    assert allowed["core"] == set()
    assert all("cli" not in may for may in allowed.values())
