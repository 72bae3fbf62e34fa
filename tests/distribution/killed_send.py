"""`tracker send`, killed (SIGKILL, as the power going or the OOM killer would) the moment
it has recorded that it is handing a message to the server, before it sends DATA.

    KILL_AT=EMAIL python -m tests.distribution.killed_send send ARGS...

Nothing here changes what is sent or recorded: it only chooses the instant of the kill,
which a test cannot hit from outside (the record and DATA are microseconds apart).
"""

from __future__ import annotations

import os
import signal

import tracker.distribution.send as sending
from tracker.cli import main

_real = sending._handing_over


def _handing_over(log, pack, g, now):
    record = _real(log, pack, g, now)
    if record is None or g.email != os.environ["KILL_AT"]:
        return record

    def record_then_die() -> None:
        record()
        os.kill(os.getpid(), signal.SIGKILL)

    return record_then_die


sending._handing_over = _handing_over

if __name__ == "__main__":
    main()
