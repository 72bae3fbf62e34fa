"""Which trusts a deployment serves, and choosing one by name (`--trust NAME`).

One trust: config/trust.yaml, questions.yaml and governors.yaml, outputs in outputs/.
Many: config/trusts/<name>.yaml with <name>.questions.yaml and <name>.governors.yaml
beside it, and each trust's outputs in outputs/trusts/<name>/. As soon as
config/trusts/ holds a profile, the deployment is multi-trust and the single-trust
files are not read for anyone: no trust ever falls back to another trust's files.
"""

from __future__ import annotations

import re
from pathlib import Path

from tracker.config.profiles import load_trust
from tracker.config.workspace import TRUST_FILES, Workspace
from tracker.core.errors import Problem, TrackerError

PROFILE = re.compile(r"^([a-z0-9]+(?:-[a-z0-9]+)*)\.yaml$")  # <short name>.yaml
COMPANION = re.compile(r"^([a-z0-9]+(?:-[a-z0-9]+)*)\.(questions|governors|governors\.example)\.yaml$")


def trust_names(ws: Workspace) -> list[str]:
    """The trusts of a multi-trust deployment, by name (config/trusts/<name>.yaml); [] for one trust."""
    folder = ws.trusts_dir
    if not folder.is_dir():
        return []
    return sorted(m.group(1) for p in folder.iterdir() if (m := PROFILE.match(p.name)) and p.is_file())


def is_multi_trust(ws: Workspace) -> bool:
    return bool(trust_names(ws))


def select_trusts(
    ws: Workspace, name: str | None = None, every: bool = False, how: str = "--trust NAME"
) -> list[Workspace]:
    """The workspace of each trust a command is about: the one named, or (`every`) all of them.

    With one trust, NAME may be given and must be its short name. With several, a command
    that is about one trust needs its name: it never picks one for you.
    """
    names = trust_names(ws)
    if not names:
        if name is not None:
            short = load_trust(ws.trust).short_name
            if name != short:
                raise TrackerError(
                    f"no trust named {name!r}: this deployment has one trust, {short!r} ({ws.trust}); "
                    f"to serve several, add a profile for each in {ws.trusts_dir}/"
                )
        return [ws]
    if (every or len(names) == 1) and name is None:
        return [ws.for_trust(n) for n in names]
    if name is None:
        raise TrackerError(f"{ws.trusts_dir} holds {len(names)} trusts ({_listed(names)}): say which with {how}")
    if name not in names:
        raise TrackerError(
            f"no trust named {name!r}: {ws.trusts_dir} holds {_listed(names)} "
            f"(a trust's name is its file name there, without .yaml)"
        )
    return [ws.for_trust(name)]


def _listed(names: list[str], most: int = 8) -> str:
    shown = ", ".join(names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")


def folder_problems(ws: Workspace) -> list[Problem]:
    """YAML files in config/trusts/ that no trust will read: a misspelt name is reported, not ignored."""
    names = set(trust_names(ws))
    found = []
    expected = ", ".join(pattern.format("NAME") for pattern in TRUST_FILES.values())
    for path in sorted(ws.trusts_dir.iterdir()) if ws.trusts_dir.is_dir() else []:
        if path.name.startswith(".") or path.suffix not in (".yaml", ".yml") or PROFILE.match(path.name):
            continue
        m = COMPANION.match(path.name)
        if m and m.group(1) in names:
            continue
        why = (
            f"belongs to no trust: there is no {m.group(1)}.yaml profile beside it"
            if m
            else f"is not a trust file and is not read (expected {expected}, NAME a lowercase slug)"
        )
        found.append(Problem(str(path), 0, "", why))
    return found


def unused_single_trust_files(ws: Workspace) -> list[Path]:
    """In a multi-trust deployment, the single-trust files that are present but read for no one."""
    if not is_multi_trust(ws):
        return []
    plain = Workspace(ws.config, ws.outputs)
    return [p for p in (plain.trust, plain.questions, plain.governors_file) if p.exists()]
