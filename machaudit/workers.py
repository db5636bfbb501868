"""The one owner of machaudit's worker processes.

Every process pool of a run is made by `new_pool`, and `worker_processes()` (a context manager
around a whole run: the CLI's commands and `run_audit`) stops every one of them when the run ends,
whichever way it ends: a clean exit, findings, a usage or configuration error raised after the
early validator process was forked, a broken output path, an internal error, SIGINT, SIGTERM or
SIGHUP (turned into exceptions by `handle_termination_signals`). Work still running is not waited
for: its processes are terminated, then killed if they do not go.

Workers ignore SIGINT (a Ctrl-C reaches the whole process group; the parent decides what stops)
and take SIGTERM and SIGHUP the default way, so the parent's `terminate()` always ends them.
"""

from __future__ import annotations

import gc
import os
import signal
import sys
import threading
from contextlib import contextmanager
from typing import TYPE_CHECKING, Iterator

if TYPE_CHECKING:  # imported when a pool is made: the command's startup does not pay for them
    from concurrent.futures import Future, ProcessPoolExecutor

# How long a terminated worker has to go before it is killed.
_TERMINATE_GRACE_SECONDS = 2.0

_pools: list["ProcessPoolExecutor"] = []
# The processes our pools forked (seen appear around our own `submit` calls): `stop_all` ends these
# and no other child, so a library caller's own processes are left alone.
_children: set = set()


class Terminated(BaseException):
    """SIGTERM or SIGHUP reached machaudit: unwinds like KeyboardInterrupt, so every `finally`
    runs (workers stopped, temporary files removed); the command exits 128 + the signal number."""

    def __init__(self, signum: int):
        super().__init__(f"stopped by signal {signal.Signals(signum).name}")
        self.signum = signum


def handle_termination_signals() -> None:
    """SIGTERM (CI cancellation, `docker stop`) and SIGHUP handled like SIGINT. Only for the
    command-line entry point: a library caller keeps its own signal handling.

    A worker forked a moment before the signal has these handlers until its initializer resets
    them: there SIGINT is ignored and SIGTERM or SIGHUP end it the default way, without a
    traceback."""
    owner = os.getpid()

    def stop(signum, frame):
        if os.getpid() != owner:
            if signum != signal.SIGINT:
                signal.signal(signum, signal.SIG_DFL)
                os.kill(os.getpid(), signum)
            return
        if signum == signal.SIGINT:
            raise KeyboardInterrupt
        raise Terminated(signum)

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, stop)


def job_count(jobs: int | None) -> int:
    """Validator processes for a run: as asked, all cores by default, never more than the cores
    (more processes than cores only wait)."""
    cores = os.cpu_count() or 1
    return min(jobs or cores, cores)


def start_methods() -> list[str]:
    import multiprocessing

    return multiprocessing.get_all_start_methods()


def new_pool(max_workers: int) -> "ProcessPoolExecutor":
    """A pool owned by the current run: forked where the platform can (workers start with the
    modules already imported), stopped by `stop_all`."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("fork") if "fork" in start_methods() else None
    pool = ProcessPoolExecutor(max_workers=max_workers, mp_context=context, initializer=_init_worker)
    _pools.append(pool)
    return pool


_STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}


def submit(pool: "ProcessPoolExecutor", function, *args) -> "Future":
    """`pool.submit`, with the stop signals held back meanwhile: submitting may fork a worker, and a
    signal handled in the middle of a fork is lost in Python's after-fork callbacks (the run would
    go on). Held back, it arrives right after, here."""
    import multiprocessing

    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
    try:
        before = set(multiprocessing.active_children())
        future = pool.submit(function, *args)
        _children.update(set(multiprocessing.active_children()) - before)
        return future
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


def release(pool: "ProcessPoolExecutor", wait: bool) -> None:
    """Shut one pool down: `wait` for the work it is doing (its results are wanted), or not (its
    processes are then ended by `stop_all` at the latest)."""
    pool.shutdown(wait=wait, cancel_futures=True)
    if wait and pool in _pools:
        _pools.remove(pool)


def stop_all() -> None:
    """End every worker process of this run, now."""
    if _pools and sys.version_info < (3, 12):
        threading.excepthook = _quiet_about_cancelled_futures
    while _pools:
        _pools.pop().shutdown(wait=False, cancel_futures=True)
    children = [child for child in _children if child.is_alive()]
    _children.clear()
    for child in children:
        child.terminate()
    for child in children:
        child.join(_TERMINATE_GRACE_SECONDS)
        if child.is_alive():
            child.kill()
            child.join()


_report_thread_exception = threading.excepthook


def _quiet_about_cancelled_futures(args) -> None:
    # Before Python 3.12, a pool whose processes were ended fails each future still queued, and
    # raises (in its manager thread) for those already cancelled; 3.12 ignores them (gh-94777).
    from concurrent.futures import InvalidStateError

    if not issubclass(args.exc_type, InvalidStateError):
        _report_thread_exception(args)


@contextmanager
def worker_processes() -> Iterator[None]:
    """Around one run: whatever it started is stopped when it ends."""
    try:
        yield
    finally:
        stop_all()


def _init_worker() -> None:
    # Forked from a parent whose handlers raise exceptions: a worker goes back to the defaults.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)
    gc.enable()  # forked while the audit reads specs with the collector paused (cli._without_cyclic_gc)
