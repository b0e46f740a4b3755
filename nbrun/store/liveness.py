"""Is the process that owns a running run still alive?

On the run's own host the process table answers at once (a SIGKILLed writer is seen as dead
immediately, and a recycled pid is told apart by its start time). For a run written from another
host (a store on a shared disk) only the heartbeat can tell.
"""

from __future__ import annotations

import os

HOST = os.uname().nodename


def process_start(pid: int) -> str | None:
    """The kernel's start time of ``pid`` (Linux), used to tell a recycled pid apart."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            raw = f.read()
    except OSError:
        return None
    # The command name may hold spaces and parentheses: fields start after the last ')'.
    fields = raw[raw.rfind(b")") + 2 :].split()
    if fields and fields[0] in (b"Z", b"X"):
        return "dead"  # a zombie has exited; its parent just has not reaped it yet
    return fields[19].decode() if len(fields) > 19 else None


def process_alive(pid: int, start: str | None) -> bool:
    if pid <= 0:
        return False
    current = process_start(pid)
    if current == "dead":
        return False
    if current is not None:
        return start is None or current == start
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def owner_alive(host: str, pid: int, pid_start: str | None, heartbeat_at: float, now: float,
                stale_after: float) -> bool:
    """Whether a run in state ``running`` still has a live writer."""
    if host == HOST:
        return process_alive(pid, pid_start)
    return now - heartbeat_at < stale_after


def me() -> tuple[str, int, str | None]:
    """This process as a run owner: host, pid and pid start time."""
    pid = os.getpid()
    return HOST, pid, process_start(pid)
