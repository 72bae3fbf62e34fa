"""How a message names a command for a person to run: as the README writes it.

The README's set-up puts the program in the project's `.venv`, not on PATH, so a bare
`tracker ...` typed at a shell fails. A message that tells someone what to run (an
error's advice, the secretary's digest) writes it the way the README does, in
backticks, so it can be copied and run from the project folder as it stands.
"""

from __future__ import annotations

import datetime as dt

TRACKER = ".venv/bin/tracker"


def run_command(args: str) -> str:
    """`args` as a command to type, e.g. run_command("status") is "`.venv/bin/tracker status`"."""
    return f"`{TRACKER} {args}`"


def build_command(meeting: dt.date, trust_id: str | None = None) -> str:
    """The command that builds this meeting's pack (`make pack` builds the next meeting's only)."""
    return run_command(f"pack --meeting {meeting.isoformat()}" + (f" --trust {trust_id}" if trust_id else ""))
