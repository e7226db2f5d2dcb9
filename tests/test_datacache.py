"""The per-user cache of the package's parsed data (qidong_audit/datacache.py): same results with and without it,
rebuilt when a source changes, and never a reason for an audit to fail."""

from __future__ import annotations

import json
import os
import time

import pytest

from qidong_audit import datacache
from tests.conftest import run_cli


@pytest.fixture()
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("QIDONG_AUDIT_CACHE_DIR", str(folder))
    return folder


def _builder(value):
    calls = []

    def build():
        calls.append(1)
        return value

    return build, calls


def test_built_once_then_loaded(cache, tmp_path):
    source = tmp_path / "data.toml"
    source.write_text("a = 1", encoding="utf-8")
    build, calls = _builder({"a": 1})
    assert datacache.cached("x", [source], build) == {"a": 1}
    assert datacache.cached("x", [source], build) == {"a": 1}
    assert len(calls) == 1 and len(list(cache.glob("x-*.pickle"))) == 1


def test_a_changed_source_is_built_again(cache, tmp_path):
    source = tmp_path / "data.toml"
    source.write_text("a = 1", encoding="utf-8")
    assert datacache.cached("x", [source], lambda: 1) == 1
    source.write_text("a = 2", encoding="utf-8")
    assert datacache.cached("x", [source], lambda: 2) == 2
    source.write_text("a = 1", encoding="utf-8")  # two versions in turn: each keeps its entry
    build, calls = _builder(1)
    assert datacache.cached("x", [source], build) == 1 and calls == []
    for n in range(3, 9):
        source.write_text(f"a = {n}", encoding="utf-8")
        datacache.cached("x", [source], lambda: n)
        time.sleep(0.01)  # distinct modification times: the newest are kept
    assert len(list(cache.glob("x-*.pickle"))) == 4


def test_damaged_entry_is_rebuilt(cache, tmp_path):
    source = tmp_path / "data.toml"
    source.write_text("a = 1", encoding="utf-8")
    datacache.cached("x", [source], lambda: 1)
    (entry,) = cache.glob("x-*.pickle")
    entry.write_bytes(b"\x80\x05garbage")
    build, calls = _builder(1)
    assert datacache.cached("x", [source], build) == 1 and calls == [1]
    assert datacache.cached("x", [source], build) == 1 and calls == [1]  # the good entry replaced the damaged one


def test_off_and_unwritable_folders_mean_no_cache(tmp_path, monkeypatch):
    source = tmp_path / "data.toml"
    source.write_text("a = 1", encoding="utf-8")
    monkeypatch.setenv("QIDONG_AUDIT_CACHE_DIR", "off")
    build, calls = _builder(1)
    assert datacache.cached("x", [source], build) == datacache.cached("x", [source], build) == 1
    assert len(calls) == 2
    blocker = tmp_path / "a-file"  # a folder that cannot be made, even by root: its parent is a file
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("QIDONG_AUDIT_CACHE_DIR", str(blocker / "sub"))
    build, calls = _builder(3)
    assert datacache.cached("x", [source], build) == datacache.cached("x", [source], build) == 3
    assert len(calls) == 2


def test_same_report_with_and_without_the_cache(runner, tmp_path, monkeypatch):
    from qidong_audit.catalog import _build

    outputs = []
    for setting in ("off", str(tmp_path / "c"), str(tmp_path / "c")):  # no cache, filling it, reading it
        monkeypatch.setenv("QIDONG_AUDIT_CACHE_DIR", setting)
        _build.cache_clear()  # the in-process memo would hide the on-disk cache
        outputs.append(run_cli(runner, "check", "-f", "json").stdout)
    assert outputs[0] == outputs[1] == outputs[2]
    assert json.loads(outputs[0])["summary"]["errors"] > 0
    assert os.listdir(tmp_path / "c")
