"""Naming worker processes so that a dead one can be recognised."""

from __future__ import annotations

import os
import socket


def process_name() -> str:
    """host.pid: unique per live process."""
    return f"{socket.gethostname()}.{os.getpid()}"


def process_gone(name: str) -> bool:
    """True when a host.pid name belongs to a process on this host that has exited."""
    host, _, pid = name.rpartition(".")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False
