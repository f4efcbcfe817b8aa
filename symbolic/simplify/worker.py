"""A hard wall-clock limit for work that cannot be interrupted (egglog, sympy.simplify).

egglog has no time limit of its own and one rewrite step can run away; SymPy's ``simplify``
can too. Such work runs in one long-lived worker process (started on first use, reused by later
calls) and `call` waits at most ``timeout`` seconds for the answer; past that the process is
killed (the next call starts a fresh one) and the caller gets `TIMED_OUT` instead of a result.

The worker is a plain ``python -c`` subprocess speaking pickled messages over its stdin and
stdout, not a ``multiprocessing`` child: that would re-import the user's ``__main__`` (and
re-run an unguarded script) and ``fork`` is unsafe in a process that already runs threads.
"""
from __future__ import annotations

import atexit
import os
import subprocess
import sys
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

STARTUP_TIMEOUT = 120.0   # seconds to import the worker's modules (not part of any budget)
_ROOT = str(Path(__file__).resolve().parents[2])   # the directory holding the `symbolic` package
_BOOT = ("import sys; sys.path.insert(0, sys.argv[1]); "
         "from symbolic.simplify.worker import serve; serve()")


class WorkerError(RuntimeError):
    """The worker raised an exception or died while running a call."""


class _TimedOut:
    def __repr__(self) -> str:
        return "TIMED_OUT"


#: What `call` returns when the worker ran past its timeout (and was killed).
TIMED_OUT = _TimedOut()


class _Worker:
    """The one worker process of this interpreter, started lazily and restarted after a kill."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._proc: subprocess.Popen | None = None
        self._send: Connection | None = None
        self._recv: Connection | None = None

    def submit(self, target: str, args: tuple, kwargs: dict, timeout: float) -> "Pending":
        """Send a call; the worker is this caller's until the answer is collected."""
        self._lock.acquire()
        try:
            self._ensure_started()
            assert self._send is not None
            deadline = time.monotonic() + max(timeout, 0.0)
            self._send.send((target, args, kwargs))
        except (EOFError, OSError):
            self.stop()
            self._lock.release()
            raise WorkerError(f"the simplifier's worker process died running {target}")
        except BaseException:
            self.stop()
            self._lock.release()
            raise
        return Pending(self, target, deadline)

    def collect(self, target: str, deadline: float) -> Any:
        """The answer of the call in flight (see `submit`), or `TIMED_OUT` past ``deadline``."""
        try:
            assert self._recv is not None
            try:
                if not self._recv.poll(max(deadline - time.monotonic(), 0.0)):
                    self.stop()
                    return TIMED_OUT
                ok, value = self._recv.recv()
            except (EOFError, OSError):
                self.stop()
                raise WorkerError(f"the simplifier's worker process died running {target}")
            except BaseException:       # interrupted while waiting: the reply would be stale
                self.stop()
                raise
            if not ok:
                raise WorkerError(value)
            return value
        finally:
            self._lock.release()

    def _ensure_started(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            return
        self.stop()
        env = dict(os.environ, RUST_BACKTRACE="0")
        proc = subprocess.Popen([sys.executable, "-c", _BOOT, _ROOT], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, env=env)
        assert proc.stdin is not None and proc.stdout is not None
        self._proc = proc
        self._send = Connection(os.dup(proc.stdin.fileno()), readable=False)
        self._recv = Connection(os.dup(proc.stdout.fileno()), writable=False)
        proc.stdin.close()
        proc.stdout.close()
        if not self._recv.poll(STARTUP_TIMEOUT) or self._recv.recv() != "ready":
            self.stop()
            raise WorkerError("the simplifier's worker process did not start")

    def stop(self) -> None:
        """Kill the worker (if any) and forget it."""
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait()
        for conn in (self._send, self._recv):
            if conn is not None:
                conn.close()
        self._proc = self._send = self._recv = None


_WORKER = _Worker()
atexit.register(_WORKER.stop)


class Pending:
    """A call running in the worker: `result` waits for its answer (once, and it must be
    called: the worker serves no other call until then)."""

    def __init__(self, worker: _Worker, target: str, deadline: float) -> None:
        self._worker, self._target, self._deadline = worker, target, deadline

    def result(self) -> Any:
        """The function's value, or `TIMED_OUT` when the call's timeout (counted from its
        start) has passed; raises `WorkerError` as `call` does."""
        return self._worker.collect(self._target, self._deadline)


def call(target: str, *args: Any, timeout: float, **kwargs: Any) -> Any:
    """``function(*args, **kwargs)`` in the worker process, where ``target`` is
    ``"module:function"``; or `TIMED_OUT` after ``timeout`` seconds.

    Naming the function (rather than passing it) keeps its module, e.g. egglog, out of this
    process. Arguments and result must pickle. An exception in the function is raised here as
    `WorkerError` with its message.
    """
    return submit(target, *args, timeout=timeout, **kwargs).result()


def submit(target: str, *args: Any, timeout: float, **kwargs: Any) -> Pending:
    """`call` without waiting: the caller can work while the worker runs (on another core)
    and then takes the answer with ``.result()``.

    >>> pending = submit("math:factorial", 5, timeout=60.0)
    >>> pending.result()
    120
    """
    return _WORKER.submit(target, args, kwargs, timeout)


def serve() -> None:
    """The worker's main loop: run requested functions until stdin closes."""
    import importlib
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C is the parent's to handle
    out = Connection(os.dup(1), readable=False)
    os.dup2(2, 1)                       # stray prints go to stderr, not into the protocol
    inbox = Connection(os.dup(0), writable=False)
    importlib.import_module("symbolic.simplify.egraph")._base_egraph()   # slow: before "ready"
    out.send("ready")
    while True:
        try:
            target, args, kwargs = inbox.recv()
        except EOFError:
            return
        try:
            module, name = target.split(":")
            fn = getattr(importlib.import_module(module), name)
            out.send((True, fn(*args, **kwargs)))
        except BaseException as exc:  # noqa: BLE001 (egglog panics are BaseException)
            out.send((False, f"{type(exc).__name__}: {exc}"))
