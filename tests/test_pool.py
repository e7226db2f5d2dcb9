"""The batch worker pool (io/pool.py): results in item order for any number of workers, and a worker that
aborts, overruns its deadline or exhausts its memory costs only the item it was on."""

from __future__ import annotations

import os
import time

import pytest

from qidong_audit.io import isolate
from qidong_audit.io.pool import imap_isolated

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the pool forks its workers")


def _work(item):
    kind, value = item
    if kind == "abort":
        os.write(2, b"memory allocation of 123 bytes failed\n")
        os.abort()
    if kind == "sleep":
        time.sleep(value)
    if kind == "hog":
        return len(bytearray(value))
    if kind == "exit":
        os._exit(3)
    if kind == "reader-flag":
        return isolate.IN_READER
    if kind == "collector":
        import gc

        return gc.get_threshold(), gc.get_freeze_count() > 0
    return (value, os.getpid())


def _failed(item, message):
    return ("failed", item[1], message)


def _children() -> set[int]:
    with open(f"/proc/{os.getpid()}/task/{os.getpid()}/children") as fh:
        return {int(pid) for pid in fh.read().split()}


@pytest.mark.parametrize("jobs", [1, 2, 5])
def test_results_come_in_item_order_whatever_the_number_of_workers(jobs):
    items = [("ok", i) for i in range(40)]
    out = list(imap_isolated(_work, items, jobs, timeout_s=30, max_memory_bytes=1 << 30, failed=_failed))
    assert [value for value, _ in out] == list(range(40))
    assert len({pid for _, pid in out}) == min(jobs, 40)  # long-lived workers, not a process per item
    assert os.getpid() not in {pid for _, pid in out}


def test_a_dead_or_late_worker_costs_only_its_item():
    items = [("ok", 0), ("abort", 1), ("ok", 2), ("sleep", 30), ("ok", 4), ("exit", 5), ("hog", 3 << 30), ("ok", 7)]
    before = _children()
    start = time.monotonic()
    out = list(imap_isolated(_work, items, 2, timeout_s=2, max_memory_bytes=512 << 20, failed=_failed))
    assert time.monotonic() - start < 20
    assert [o[0] for o in (out[0], out[2], out[4], out[7])] == [0, 2, 4, 7]
    assert out[1][:2] == ("failed", 1) and "读取器异常终止（memory allocation of 123 bytes failed）" in out[1][2]
    assert out[3][:2] == ("failed", 30) and "读取超时（超过 2 秒）" in out[3][2]
    assert out[5][:2] == ("failed", 5) and "读取器异常退出" in out[5][2]
    assert out[6][0] == "failed" and "MemoryError" in out[6][2]  # the worker's address space is capped
    assert _children() == before  # every worker was reaped


def test_workers_read_in_process_and_stopping_early_ends_them():
    items = [("reader-flag", 0)] * 3 + [("sleep", 30)] * 4
    before = _children()
    results = imap_isolated(_work, items, 2, timeout_s=60, max_memory_bytes=1 << 30, failed=_failed)
    assert next(results) is True  # inside a worker, reads skip the per-read fork
    results.close()  # the caller gave up (Ctrl-C): busy workers are killed, idle ones told to leave
    assert _children() == before
    assert isolate.IN_READER is False


def test_workers_leave_what_they_inherit_to_reference_counting():
    import gc

    before = gc.get_threshold()
    out = list(imap_isolated(_work, [("collector", 0)] * 2, 2, timeout_s=30, max_memory_bytes=1 << 30, failed=_failed))
    assert out == [((20_000, 20, 20), True)] * 2  # what the parent had is frozen; collections are rare
    assert gc.get_threshold() == before and before[0] < 20_000  # the parent's collector is its own


def test_a_batch_of_hostile_files_reads_as_each_file_alone(runner, tmp_path):
    """Mutated workbooks (the fuzz corpus) audited as one batch in two workers and one by one: the same result for
    every file — the workers that calamine aborts included (cases 15 and 18 of this seed abort it)."""
    import json

    from tests.conftest import run_cli
    from tests.fuzz.mutate import seeds
    from tests.fuzz.run import build_case

    corpus = seeds(tmp_path / "seeds")
    files = []
    for case in range(24):
        _, data, _, ext = build_case(case, 23, corpus)
        path = tmp_path / f"c{case:02d}{ext}"
        path.write_bytes(data)
        files.append(str(path))
    batch = json.loads(run_cli(runner, "check", *files, "-f", "json", "--jobs", "2").stdout)
    assert [f["path"] for f in batch["files"]] == files
    for path in files:
        alone = json.loads(run_cli(runner, "check", path, "-f", "json").stdout)
        assert alone["files"] == [f for f in batch["files"] if f["path"] == path]
        assert alone["findings"] == [f for f in batch["findings"] if f["file"] == path]
    aborted = [f["path"].rsplit("/", 1)[-1] for f in batch["files"] if (f["error"] or "").startswith("读取器异常终止")]
    assert aborted == ["c15.xls", "c18.xlsb"]


def test_a_lone_workbook_is_read_ahead_and_no_read_outlives_the_command(runner, tmp_path, monkeypatch):
    """`check FILE` begins the read before it imports the checking pipeline (io.workbook.read_ahead); the audit
    takes that read, and a command that stops early ends it."""
    import json
    import shutil

    from qidong_audit.audit import sample_path
    from qidong_audit.io import workbook
    from tests.conftest import run_cli

    path = tmp_path / "one.xlsx"
    shutil.copyfile(sample_path(), path)
    begun, left = [], []  # reads begun ahead; reads still pending when the command ended
    real_ahead, real_cancel = workbook.read_ahead, workbook.cancel_reads_ahead
    monkeypatch.setattr(workbook, "read_ahead", lambda p: (begun.append(p), real_ahead(p)))
    monkeypatch.setattr(workbook, "cancel_reads_ahead", lambda: (left.append(len(workbook._AHEAD)), real_cancel()))
    before = _children()
    doc = json.loads(run_cli(runner, "check", str(path), "-f", "json").stdout)
    assert doc["summary"]["errors"] > 0
    assert begun == [str(path)] and left == [0]  # the audit took the read begun ahead
    result = run_cli(runner, "check", str(path), "--tolerance", "abc")  # stops before auditing
    assert result.exit_code == 2 and len(begun) == 2 and left == [0, 1] and not workbook._AHEAD
    assert _children() == before  # and the read it no longer needed was ended


def test_a_batch_says_the_audit_ran_out_of_time_when_it_did(tmp_path, monkeypatch):
    """In a batch the deadline covers a file's whole audit (read, recognition, rules): a file whose audit overruns is
    reported as 审核超时, not as a read that timed out; the other files are audited."""
    import shutil

    from qidong_audit import audit
    from qidong_audit.audit import AuditOptions, audit_paths, sample_path
    from qidong_audit.io.limits import Limits

    paths = [tmp_path / f"{name}.xlsx" for name in ("a", "slow", "b")]
    for path in paths:
        shutil.copyfile(sample_path(), path)
    real = audit.audit_file

    def audit_file(path, pack, options):  # recognition or rules that never end, met only by "slow.xlsx"
        if path.endswith("slow.xlsx"):
            time.sleep(60)
        return real(path, pack, options)

    monkeypatch.setattr(audit, "audit_file", audit_file)
    report = audit_paths([str(p) for p in paths], AuditOptions(limits=Limits(read_timeout_s=2)), jobs=2)
    errors = {p.rsplit("/", 1)[-1]: e for p, e in ((f.path, f.error) for f in report.files)}
    assert errors["a.xlsx"] is None and errors["b.xlsx"] is None
    assert errors["slow.xlsx"].startswith("审核超时（读取、识别和检查这个文件超过 2 秒）")
