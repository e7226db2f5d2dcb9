"""Audit many files in a few long-lived worker processes, each file still isolated from the others' failures.

Forking a child for every read (io/isolate.py) costs more than reading a standard workbook, so a batch forks
`jobs` workers once instead. A worker *is* the isolation: it reads its files in-process under the same
address-space cap a reading child gets, and the parent enforces the per-file deadline. A worker that dies
(calamine aborts on some malformed files) or overruns loses only the file it was on — that file gets
`failed(item, message)` in place of a result — and a fresh worker takes its place.

Items are inherited through fork, never pickled; each result travels back pickled, behind a 12-byte header
(item index, length). Results come out in item order whatever the number of workers. Fork only: callers fall
back to one process where fork does not exist.
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import struct
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from collections import deque
from dataclasses import dataclass, field
from typing import TypeVar

from qidong_audit.io import isolate

T = TypeVar("T")
R = TypeVar("R")

_TASK = struct.Struct("<I")
_HEADER = struct.Struct("<IQ")
# Items a worker holds at once: the one it is on and the next, so that it never waits for the parent to wake up
# and send more (with two workers on two cores the parent is often not running). A worker that dies loses only
# the first; the second goes to its replacement.
_DEPTH = 2


@dataclass
class _Worker:
    pid: int
    tasks: int  # parent → worker: the index of the next item
    results: int  # worker → parent: header + pickled outcome
    errors: object  # the worker's fd 2 (a temporary file): what calamine says as it aborts
    sent: deque[int] = field(default_factory=deque)  # items sent, in the order it works on them; [0] is current
    started: float = 0.0  # when it began the current item

    @property
    def item(self) -> int | None:
        return self.sent[0] if self.sent else None


def imap_isolated(fn: Callable[[T], R], items: Sequence[T], jobs: int, *, timeout_s: float, max_memory_bytes: int,
                  failed: Callable[[T, str], R], overrun: Callable[[float], str] = isolate.overrun) -> Iterator[R]:
    """fn(item) for every item, in item order, computed in `jobs` forked workers. When a worker dies or
    runs past `timeout_s` on an item, failed(item, message) stands in for that item's result; `overrun` words
    the message of a worker that ran past its deadline (by default, a reader's)."""
    if not items:
        return
    workers: list[_Worker] = []
    done: dict[int, R] = {}
    fresh = iter(range(len(items)))
    again: deque[int] = deque()  # items a lost worker had been sent but not begun
    emitted = 0

    def feed(worker: _Worker) -> None:
        while len(worker.sent) < _DEPTH:
            item = again.popleft() if again else next(fresh, None)
            if item is None:
                return
            if not worker.sent:
                worker.started = time.monotonic()
            worker.sent.append(item)
            try:
                os.write(worker.tasks, _TASK.pack(item))
            except BrokenPipeError:  # it died between two items: its closed result pipe will say so next
                return

    def start() -> None:
        worker = _spawn(fn, items, workers, max_memory_bytes)
        workers.append(worker)
        feed(worker)

    def replace(worker: _Worker, message: str) -> None:
        lost = worker.sent.popleft()
        done[lost] = failed(items[lost], message)
        again.extendleft(reversed(worker.sent))
        worker.sent.clear()
        _retire(worker, workers)
        start()

    try:
        for _ in range(min(max(1, jobs), len(items))):
            start()
        while emitted < len(items):
            while emitted in done:
                yield done.pop(emitted)
                emitted += 1
            if emitted == len(items):
                break
            busy = [w for w in workers if w.sent]
            now = time.monotonic()
            wait = max(0.0, min(w.started + timeout_s for w in busy) - now)
            ready, _, _ = select.select([w.results for w in busy], [], [], wait)
            for worker in busy:
                if worker.results in ready:
                    outcome = _receive(worker)
                    if outcome is None:
                        replace(worker, _death(worker))
                    else:
                        kind, value = outcome
                        item = worker.sent.popleft()
                        done[item] = value if kind == "ok" else failed(items[item], value)
                        worker.started = time.monotonic()  # it went straight on to the next item it holds
                        feed(worker)
                elif time.monotonic() - worker.started > timeout_s:
                    os.kill(worker.pid, signal.SIGKILL)
                    replace(worker, overrun(timeout_s))
    finally:  # also on Ctrl-C or when the caller stops early: no worker outlives the batch
        for worker in list(workers):
            _retire(worker, workers)


def _spawn(fn: Callable, items: Sequence, workers: list[_Worker], max_memory_bytes: int) -> _Worker:
    task_r, task_w = os.pipe()
    result_r, result_w = os.pipe()
    errors = tempfile.TemporaryFile()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the worker, which leaves through os._exit
        # Other workers' pipe ends must close here, or a dead worker's pipe would never read as closed.
        for other in workers:
            for fd in (other.tasks, other.results):
                os.close(fd)
        os.close(task_w)
        os.close(result_r)
        _serve(fn, items, task_r, result_w, errors.fileno(), max_memory_bytes)
    os.close(task_r)
    os.close(result_w)
    return _Worker(pid, task_w, result_r, errors)


def _receive(worker: _Worker) -> tuple[str, object] | None:
    """The worker's outcome for its item, or None when it died first."""
    header = _read_exact(worker.results, _HEADER.size)
    if len(header) < _HEADER.size:
        return None
    _, size = _HEADER.unpack(header)
    payload = _read_exact(worker.results, size)
    if len(payload) < size:
        return None
    return pickle.loads(payload)


def _death(worker: _Worker) -> str:
    _, status = os.waitpid(worker.pid, 0)
    worker.pid = 0
    return isolate.died(status, worker.errors)


def _retire(worker: _Worker, workers: list[_Worker]) -> None:
    for fd in (worker.tasks, worker.results):
        try:
            os.close(fd)  # closing its task pipe tells an idle worker to leave
        except OSError:
            pass
    if worker.pid:
        if worker.item is not None:  # busy: it will not look at its pipe until it has finished
            try:
                os.kill(worker.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        os.waitpid(worker.pid, 0)
    worker.errors.close()
    workers.remove(worker)


def _read_exact(fd: int, size: int) -> bytes:
    chunks, got = [], 0
    while got < size:
        chunk = os.read(fd, min(size - got, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


# A worker's garbage collector: a file's audit makes a few thousand container objects (cells, rows, checks) that
# live until its result is sent and are then freed by reference counting; it makes no cycles worth chasing
# (rules/engine.py keeps relation logs acyclic). At the default threshold of 700 the collector ran ~3 times a
# file, each time walking that file's live objects — and, in full collections, everything inherited from the
# parent — for nothing: ≈ 2 % of a worker's instructions (callgrind). So the inherited objects are frozen (never
# walked, and never copied on write by the walk) and a collection waits for 20,000 new objects.
_WORKER_GC_THRESHOLD = (20_000, 20, 20)


def _quiet_collector() -> None:
    import gc

    gc.freeze()
    gc.set_threshold(*_WORKER_GC_THRESHOLD)


def _serve(fn, items, tasks: int, results: int, errors: int, max_memory_bytes: int) -> None:  # pragma: no cover
    code = isolate.CRASHED
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle; it ends the workers
        isolate.become_reader(errors, max_memory_bytes)
        isolate.IN_READER = True  # reads run here, in-process: this worker is the isolation
        _quiet_collector()
        while True:
            task = _read_exact(tasks, _TASK.size)
            if len(task) < _TASK.size:
                break  # the parent closed the pipe: no more work
            (index,) = _TASK.unpack(task)
            os.ftruncate(errors, 0)
            os.lseek(errors, 0, os.SEEK_SET)
            try:
                outcome = ("ok", fn(items[index]))
                payload = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
            except BaseException as exc:  # noqa: BLE001 - fn catches its own errors; this is the backstop
                payload = pickle.dumps(("error", f"内部错误（{type(exc).__name__}: {str(exc)[:160]}）"))
            data = memoryview(_HEADER.pack(index, len(payload)) + payload)
            while data:
                data = data[os.write(results, data):]
        code = 0
    finally:
        os._exit(code)
