"""Run a file reader in a forked child process, so that a file which crashes, exhausts or hangs the reader costs
that file only. calamine (Rust) aborts the whole process on some malformed files — a count in a header it
trusts, two cells a million rows apart — and no `except` can catch an abort.

The child gets an address-space limit and a deadline; it sends back the reader's result (pickled) or its
ReadError. Where fork does not exist (Windows) the reader runs in-process.
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import tempfile
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from qidong_audit.io.limits import ReadError

T = TypeVar("T")

CRASHED = 70  # the child's exit status when it could not even report
IN_READER = False  # True in a batch worker (io/pool.py): that process is the isolation, so reads run in-process


def run_isolated(fn: Callable[..., T], *args: object, timeout_s: float, max_memory_bytes: int) -> T:
    """fn(*args) in a child process. ReadError from fn is raised again here; a crash, an exhausted memory
    limit or the deadline become a ReadError too. Other exceptions of fn are internal errors (ReadError)."""
    if IN_READER or not hasattr(os, "fork"):
        return run_here(fn, *args)
    return Pending(fn, args, timeout_s, max_memory_bytes).result()


class Pending(Generic[T]):
    """fn(*args) started in a child process now; `result()` waits for it as run_isolated does (the deadline
    counts from the start). Until then this process is free to do other work — on a second core, in parallel."""

    def __init__(self, fn: Callable[..., T], args: tuple, timeout_s: float, max_memory_bytes: int) -> None:
        self._timeout_s = timeout_s
        self._deadline = time.monotonic() + timeout_s
        self._errors = tempfile.TemporaryFile()
        r, w = os.pipe()
        self._pid = os.fork()
        if self._pid == 0:  # pragma: no cover - runs in the child, which leaves through os._exit
            os.close(r)
            _child(fn, args, w, self._errors.fileno(), max_memory_bytes)
        os.close(w)
        self._fd = r

    def result(self) -> T:
        payload, finished = b"", False
        try:
            payload, finished = _collect(self._fd, self._deadline - time.monotonic())
        finally:  # also on KeyboardInterrupt: never leave the child running
            if not finished:
                os.kill(self._pid, signal.SIGKILL)
            _, status = os.waitpid(self._pid, 0)
        with self._errors:
            if not finished:
                raise ReadError(overrun(self._timeout_s))
            if payload and os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0:
                kind, value = pickle.loads(payload)
                if kind == "ok":
                    return value
                raise ReadError(value)
            raise ReadError(died(status, self._errors))

    def cancel(self) -> None:
        """The result will not be asked for: end the child."""
        os.kill(self._pid, signal.SIGKILL)
        os.close(self._fd)
        os.waitpid(self._pid, 0)
        self._errors.close()


def overrun(timeout_s: float) -> str:
    """What a reader that ran past its deadline becomes."""
    return f"读取超时（超过 {timeout_s:g} 秒），文件可能已损坏或过大"


def died(status: int, errors) -> str:
    """What a reader that died becomes: how it ended (waitpid status) and the first line it wrote to fd 2."""
    errors.seek(0)
    detail = errors.read(4096).decode("utf-8", "replace").strip().splitlines()
    why = f"（{detail[0][:160]}）" if detail else ""
    if os.WIFSIGNALED(status):
        return f"读取器异常终止{why}，文件可能已损坏，或读取它需要的内存超过上限"
    return f"读取器异常退出{why}，文件可能已损坏"


def _collect(fd: int, timeout_s: float) -> tuple[bytes, bool]:
    """Everything the child writes, until it closes the pipe or the deadline passes: (bytes, finished)."""
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout_s
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                return b"", False
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                return b"".join(chunks), True
            chunks.append(chunk)
    finally:
        os.close(fd)


def run_here(fn: Callable[..., T], *args: object) -> T:
    """fn(*args) in this process, its failures turned into ReadError as a reading child would report them."""
    try:
        return fn(*args)
    except ReadError:
        raise
    except MemoryError:
        raise ReadError(_OUT_OF_MEMORY) from None
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # noqa: BLE001 - pyo3's PanicException is a BaseException
        raise ReadError(_reader_failed(exc)) from None


_OUT_OF_MEMORY = "读取它需要的内存超过上限"


def _reader_failed(exc: BaseException) -> str:
    return f"读取器出错（{type(exc).__name__}: {str(exc)[:160]}），文件可能已损坏"


def become_reader(err: int, max_memory_bytes: int) -> None:  # pragma: no cover - child process
    """Set up a forked process to read untrusted files: its stderr kept for the parent, its memory capped."""
    import faulthandler

    faulthandler.disable()  # an abort is reported by the parent, not dumped as a Python traceback
    os.dup2(err, 2)  # Rust writes panics and "memory allocation failed" to fd 2: keep them for the message
    os.environ["RUST_BACKTRACE"] = "0"
    _limit_memory(max_memory_bytes)


def _child(fn, args, w: int, err: int, max_memory_bytes: int) -> None:  # pragma: no cover - child process
    code = CRASHED
    try:
        become_reader(err, max_memory_bytes)
        try:
            outcome = ("ok", run_here(fn, *args))
        except ReadError as exc:
            outcome = ("error", str(exc))
        data = memoryview(pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL))
        while data:
            data = data[os.write(w, data):]
        code = 0
    finally:
        os._exit(code)


def _limit_memory(extra: int) -> None:  # pragma: no cover - child process
    """Cap the child's address space at what it already maps plus `extra`; no core dumps."""
    try:
        import resource

        with open("/proc/self/statm") as fh:
            mapped = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = mapped + extra
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # an abort leaves no core file in the user's folder
    except (ImportError, OSError, ValueError):
        return  # no /proc or no rlimits: the deadline still applies
