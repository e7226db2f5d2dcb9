"""Fuzz campaigns through the real CLI (tests/fuzz/run.py): every mutated input gives a valid audit or exit 2 naming
the file — no traceback, no hang, no crash, no changed input. The default suite runs 500 cases on all cores; the
`slow` campaign runs QIDONG_FUZZ_CASES of them (default 10,000), from QIDONG_FUZZ_FIRST, and its results are
kept in QIDONG_FUZZ_OUT when set (docs/reliability.md records the long runs)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.fuzz.run import campaign


def _assert_clean(summary: dict, out: Path) -> None:
    failures = [json.loads(line) for line in (out / "results.jsonl").read_text("utf-8").splitlines()
                if json.loads(line)["outcome"] not in ("audited", "refused")]
    assert summary["failures"] == 0, json.dumps(failures[:5], ensure_ascii=False, indent=2)
    assert sum(summary["outcomes"].values()) == summary["cases"]


def test_five_hundred_mutated_inputs(tmp_path):
    out = tmp_path / "fuzz"
    summary = campaign(cases=500, workers=min(2, os.cpu_count() or 1), seed=20261128, out=out, timeout=60)
    _assert_clean(summary, out)
    assert summary["outcomes"].get("audited", 0) >= 100  # mutations reach the audit, not only the zip check


@pytest.mark.slow
def test_long_campaign(tmp_path):
    out = Path(os.environ.get("QIDONG_FUZZ_OUT") or tmp_path / "fuzz")
    summary = campaign(cases=int(os.environ.get("QIDONG_FUZZ_CASES", "10000")),
                       first=int(os.environ.get("QIDONG_FUZZ_FIRST", "0")),
                       workers=os.cpu_count() or 1, seed=int(os.environ.get("QIDONG_FUZZ_SEED", "0")), out=out, timeout=60)
    _assert_clean(summary, out)
