"""Whole standard workbooks from the builders: every real-world layout of a clean workbook passes in
silence; one changed amount anywhere yields an error whose cells include that cell."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from fixtures.builders import clean_dataset, set_cell, write_central, write_shanghai
from qidong_audit.audit import audit_paths

WRITERS = {"central": write_central, "shanghai": write_shanghai}
VARIANTS = [
    {},
    {"code_style": "split_numeric"},
    {"code_style": "single", "amounts_as_text": True},
    {"code_style": "spaced", "sheet_names": "shuffled"},
    {"stacked": True, "sheet_names": "numbered"},
    {"total_first": True, "title_year": True},
]


def _errors(report):
    return [f for f in report.findings if f.severity.value in ("error", "warning")]


@pytest.mark.parametrize("layout", WRITERS)
@pytest.mark.parametrize("variant", range(len(VARIANTS)))
@pytest.mark.parametrize("seed", [0, 1])
def test_clean_workbook_is_silent(tmp_path, layout, variant, seed):
    ds = clean_dataset(seed, state_capital=bool(seed))
    path = tmp_path / "w.xlsx"
    WRITERS[layout](ds, path, **VARIANTS[variant])
    report = audit_paths([str(path)])
    assert report.files[0].error is None
    assert sorted(t.table_id for t in report.files[0].tables) == [f"JS0{i}" for i in range(1, 10)]
    assert [(f.rule, f.cell, f.message) for f in _errors(report)] == []


def test_eight_table_set_is_silent_and_says_what_it_could_not_check(tmp_path):
    ds = clean_dataset(3, state_capital=False)
    path = tmp_path / "w.xlsx"
    write_central(ds, path, omit={"JS09"})
    report = audit_paths([str(path)])
    assert _errors(report) == []
    missing = {f.rule for f in report.findings if f.verdict.value == "not-assessable"}
    assert {"JS09.row", "X09.expense"} <= missing


@pytest.mark.parametrize("layout", WRITERS)
def test_any_changed_amount_is_found_at_its_cell(tmp_path, layout):
    ds = clean_dataset(5, state_capital=True)
    path = tmp_path / "w.xlsx"
    written = WRITERS[layout](ds, path)
    rng = random.Random(layout)
    keys = sorted(written.cells)
    for key in rng.sample(keys, 25):
        sheet, a1 = written.cells[key]
        planted = tmp_path / f"p-{key[0]}-{a1}.xlsx"
        planted.write_bytes(path.read_bytes())
        old = ds.amount(*key) or Decimal(0)
        set_cell(planted, sheet, a1, old + Decimal("1.23"))
        report = audit_paths([str(planted)])
        hits = [f for f in report.findings if f.severity.value == "error" and any(c.cell == a1 and c.sheet == sheet for c in f.cells)]
        assert hits, f"changing {key} at {sheet}!{a1} went unnoticed"
