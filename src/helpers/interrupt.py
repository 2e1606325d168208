"""SIGTERM handled as SIGINT: a clean message, scratch files removed, a conventional exit code.

``kill``, a closed terminal session, a service manager or a CI timeout stop a process with
SIGTERM, whose default action ends Python at once: no ``finally`` runs, so temporary
files and scratch folders stay behind and the user sees nothing. Inside
:func:`terminate_like_interrupt`, SIGTERM raises :class:`Terminated` (a
``KeyboardInterrupt``) instead, so it unwinds exactly as Ctrl-C does: every atomic write
removes its temporary file, the pipeline stops its workers, and the command line prints
one line and exits with 143 (128 + SIGTERM).

A signal handler's exception is raised wherever the main thread happens to be. When that
is a finaliser or a weak-reference callback run by the garbage collector, Python prints
the exception as "ignored" and carries on, so the signal would be lost. The handler
therefore also remembers the signal: :func:`raise_if_terminated` raises it again at the
pipeline's checkpoints, and the block raises it at its end at the latest. The swallowed
first exception is not printed (it is not an error, and the user sees one line).
"""

from __future__ import annotations

import signal
import sys
import threading
from contextlib import contextmanager
from typing import Iterator

__all__ = ["Terminated", "raise_if_terminated", "terminate_like_interrupt"]

_received = threading.Event()


class Terminated(KeyboardInterrupt):
    """Raised in the main thread when the process receives SIGTERM."""


def _raise(signum, frame):
    _received.set()
    raise Terminated()


def _quiet_when_terminated(unraisable, *, previous=None):
    if isinstance(unraisable.exc_value, Terminated):
        return  # remembered in _received; raised again at the next checkpoint
    (previous or sys.__unraisablehook__)(unraisable)


def raise_if_terminated() -> None:
    """Raise :class:`Terminated` if SIGTERM arrived inside the block, even when its first
    exception was swallowed (see the module's note); a polling loop calls this each round."""
    if _received.is_set():
        raise Terminated()


@contextmanager
def terminate_like_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM raises :class:`Terminated`; the earlier handler is restored after.

    A SIGTERM whose exception was swallowed still ends the block with :class:`Terminated`.
    Outside the main thread (where Python cannot set signal handlers) this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _received.clear()
    previous = signal.signal(signal.SIGTERM, _raise)
    previous_hook = sys.unraisablehook
    sys.unraisablehook = lambda unraisable: _quiet_when_terminated(unraisable, previous=previous_hook)
    try:
        yield
        raise_if_terminated()
    finally:
        signal.signal(signal.SIGTERM, previous)
        sys.unraisablehook = previous_hook
        _received.clear()
