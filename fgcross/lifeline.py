"""Worker processes that end when the stage that started them ends, even by SIGKILL.

A preparation stage converts items in a pool of worker processes forked from a
multiprocessing forkserver. When the stage is killed with SIGKILL (a cluster's time limit,
an impatient Ctrl-\\, the OOM killer), nothing in it runs to stop them: without help,
its workers block on their task queue forever, and keep the resource tracker alive. Each
worker therefore calls `die_with(stage pid)` as its pool initializer:

- `PR_SET_PDEATHSIG` (Linux prctl, through ctypes): the kernel kills the worker when its
  parent (the forkserver, which itself exits when the stage's pipe to it closes) ends;
- a watchdog thread waits on a pidfd of the stage itself and ends the worker the moment
  the stage ends (pidfd: no polling, and not fooled by a reused pid); where pidfds are
  unavailable it polls the pid every half second.

Workers never leave the stage's process group (no setsid), so a Snakemake or SLURM kill of
the group reaches them too.
"""

from __future__ import annotations

import ctypes
import os
import select
import signal
import threading
import time

from fgcross.io import pid_alive

PR_SET_PDEATHSIG = 1


def _parent_death_signal() -> None:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the watchdog alone
        pass


def _watch(pid: int, fd: int | None) -> None:
    if fd is not None:
        select.select([fd], [], [])  # a pidfd becomes readable when its process ends
    else:
        while pid_alive(pid):
            time.sleep(0.5)
    os._exit(1)  # no cleanup: the stage is gone, its outputs are temporary files it never renamed


def die_with(pid: int) -> None:
    """End this process (a pool worker) when process `pid` ends; call it as the pool's initializer."""
    _parent_death_signal()
    fd = None
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        os._exit(1)
    except (OSError, AttributeError):
        fd = None
    threading.Thread(target=_watch, args=(pid, fd), daemon=True, name="lifeline").start()
