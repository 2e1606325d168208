"""SIGTERM handled as SIGINT: a clean message, scratch files removed, a conventional exit code.

``kill``, a closed terminal session, a service manager or a CI timeout stop a process with
SIGTERM, whose default action ends Python at once: no ``finally`` runs, so temporary
files and scratch folders stay behind and the user sees nothing. Inside
:func:`terminate_like_interrupt`, SIGTERM raises :class:`Terminated` (a
``KeyboardInterrupt``) instead, so it unwinds exactly as Ctrl-C does: every atomic write
removes its temporary file, the pipeline stops its workers, and the command line prints
one line and exits with 143 (128 + SIGTERM).
"""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from typing import Iterator

__all__ = ["Terminated", "terminate_like_interrupt"]


class Terminated(KeyboardInterrupt):
    """Raised in the main thread when the process receives SIGTERM."""


def _raise(signum, frame):
    raise Terminated()


@contextmanager
def terminate_like_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM raises :class:`Terminated`; the earlier handler is restored after.

    Outside the main thread (where Python cannot set signal handlers) this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
